"""Exact results: Kaufman's finite torus against brute force, and against Onsager in the limit."""

import numpy as np
import pytest

from deeprg import exact

SMALL_TORI = [(2, 2), (2, 3), (3, 2), (3, 3), (3, 4), (4, 3), (4, 4), (2, 5)]
TEMPERATURES = [1.5, 2.0, exact.T_C, 2.451, 3.5, 10.0]


@pytest.mark.parametrize("m,n", SMALL_TORI)
@pytest.mark.parametrize("T", TEMPERATURES)
def test_kaufman_equals_enumeration(m, n, T):
    brute = exact.enumerate_thermodynamics(m, n, T)
    assert exact.log_partition(n, T, m) == pytest.approx(brute["log_z"], rel=1e-10)
    assert exact.energy_per_spin(n, T, m) == pytest.approx(brute["energy"], rel=1e-10)
    assert exact.specific_heat_per_spin(n, T, m) == pytest.approx(brute["specific_heat"], rel=1e-10)


def test_critical_point():
    assert exact.K_C == pytest.approx(0.4406867935, abs=1e-10)
    assert exact.T_C == pytest.approx(2.2691853142, abs=1e-9)
    assert exact.onsager_energy_per_spin(exact.T_C) == pytest.approx(-np.sqrt(2), abs=1e-12)


@pytest.mark.parametrize("T", [1.0, 2.0, 2.451, 3.5, 20.0])
def test_large_torus_approaches_onsager(T):
    assert exact.energy_per_spin(1000, T) == pytest.approx(exact.onsager_energy_per_spin(T), abs=1e-6)


def central_difference(f, x, h):
    """(f(x + h) - f(x - h)) / 2h, and |T(h) - T(2h)| with T(2h) the same at step 2h: an
    estimate of the error (the truncation, h^2 f'''(x) / 6, is a third of it to O(h^4))."""
    fine = (f(x + h) - f(x - h)) / (2 * h)
    coarse = (f(x + 2 * h) - f(x - 2 * h)) / (4 * h)
    return fine, abs(fine - coarse)


@pytest.mark.parametrize("L", [40, 64, 256, 2000])
@pytest.mark.parametrize("T", [0.5, 2.0, exact.T_C, 2.451, 5.0, 100.0])
def test_large_tori_energy_and_specific_heat_are_the_derivatives_of_log_z(L, T):
    """Where overflow or cancellation would show (N up to 4e6, T from 0.5 to 100): the energy
    is u = -(1/N) d lnZ/dK and the specific heat c = -K^2 du/dK, by central differences in K
    with a step of 1e-3 / L (the specific heat's peak is ~1/L wide). Tolerance: the
    difference's error estimate plus its rounding, 8 eps |f| / h, where f is lnZ/N or u,
    whose own rounding is 64 eps max(1, coth 2K) (u is -coth 2K plus a correction of nearly
    the same size at high T). Where L |gamma_0| > 40 the torus differs from the infinite lattice
    by O(e^(-L |gamma_0|)) < 1e-14 (gamma_0 the smallest of Kaufman's gammas: 1/gamma_0 is the
    correlation length), so u equals Onsager's energy within that rounding."""
    K, N, h, eps = 1.0 / T, L * L, 1e-3 / L, np.finfo(float).eps
    u, c = exact.energy_per_spin(L, T), exact.specific_heat_per_spin(L, T)
    rounding_u = 64 * eps * max(1.0, 1 / np.tanh(2 * K))
    log_z_per_spin = exact.log_partition(L, T) / N
    slope, error = central_difference(lambda k: exact.log_partition(L, 1 / k) / N, K, h)
    assert u == pytest.approx(-slope, abs=error + 8 * eps * (abs(log_z_per_spin) + 1) / h + rounding_u)
    slope, error = central_difference(lambda k: exact.energy_per_spin(L, 1 / k), K, h)
    assert c == pytest.approx(-K * K * slope, abs=K * K * (error + 8 * rounding_u / h))
    gamma_0 = abs(2 * K + np.log(np.tanh(K)))
    if L * gamma_0 > 40:
        assert u == pytest.approx(exact.onsager_energy_per_spin(T), abs=rounding_u)


def test_energy_matches_derivative_of_log_z():
    """u = -(1/N) d lnZ/dK, checked by a central difference at L = 40."""
    K, h, N = 1 / 2.451, 1e-5, 1600
    dlnz = (exact.log_partition(40, 1 / (K + h)) - exact.log_partition(40, 1 / (K - h))) / (2 * h)
    assert exact.energy_per_spin(40, 2.451) == pytest.approx(-dlnz / N, rel=1e-7)


def test_specific_heat_peak_of_finite_torus_is_near_tc():
    T = np.linspace(2.1, 2.5, 401)
    c = [exact.specific_heat_per_spin(40, t) for t in T]
    assert abs(T[np.argmax(c)] - exact.T_C) < 0.05


def test_yang_magnetisation():
    assert exact.yang_magnetisation(0.1) == pytest.approx(1.0)
    assert exact.yang_magnetisation(3.0) == 0.0
    assert exact.yang_magnetisation(2.0) == pytest.approx(0.911319, abs=1e-6)


def test_temperature_from_energy_inverts_the_energy():
    assert exact.temperature_from_energy(40, exact.energy_per_spin(40, 2.7)) == pytest.approx(2.7, rel=1e-8)
    with pytest.raises(ValueError, match="u must lie"):
        exact.temperature_from_energy(40, -2.5)
    assert exact.temperature_from_energy(40, -2.5, clip=True) == 0.5
    assert exact.temperature_from_energy(40, 0.0, clip=True) == 50.0


def test_boltzmann_weights_are_normalised():
    configs, p = exact.boltzmann_weights(3, 3, 2.0)
    assert configs.shape == (512, 3, 3) and p.sum() == pytest.approx(1.0)


@pytest.mark.parametrize("bad", [0, -1.0, np.nan, np.inf, "hot"])
def test_bad_temperature(bad):
    with pytest.raises(ValueError, match="T must"):
        exact.energy_per_spin(4, bad)


@pytest.mark.parametrize("bad", [1, 2.5, -3, True])
def test_bad_size(bad):
    with pytest.raises(ValueError, match="L must"):
        exact.energy_per_spin(bad, 2.0)


@pytest.mark.parametrize("T", [1.5, 2.5, 4.0])
def test_entropy_equals_enumeration(T):
    configs, p = exact.boltzmann_weights(3, 4, T)
    assert 12 * exact.entropy_per_spin(4, T, m=3) == pytest.approx(-(p * np.log(p)).sum(), rel=1e-10)


@pytest.mark.parametrize("T", [1.5, 2.5, 4.0])
def test_entropy_of_the_torus_is_that_of_its_boltzmann_distribution(T):
    configs, p = exact.boltzmann_weights(3, 4, T)
    assert exact.entropy(4, T, m=3) == pytest.approx(-(p * np.log(p)).sum(), rel=1e-10)
    assert exact.entropy(40, T) == 1600 * exact.entropy_per_spin(40, T)


def test_entropy_approaches_n_ln_2_at_high_temperature_and_vanishes_at_low():
    assert exact.entropy(4, 1e6) == pytest.approx(16 * np.log(2), rel=1e-9)
    assert exact.entropy(4, 0.2) == pytest.approx(np.log(2), rel=1e-3)  # two ground states


def test_correlation_length_is_minus_inverse_gamma_0_and_diverges_at_t_c():
    from deeprg.exact import _gammas

    for T in (2.451, 3.0, 5.0):
        g0 = _gammas(1.0 / T, 4, 4)[0][0]
        assert exact.correlation_length(T) == pytest.approx(-1.0 / g0, rel=1e-12)
    assert exact.correlation_length(exact.T_C * 1.0001) > 1e3
    assert exact.correlation_length(3.0) < exact.correlation_length(2.451)
    with pytest.raises(ValueError, match="T must be above T_c"):
        exact.correlation_length(2.0)


def test_nearest_neighbour_correlation_matches_enumeration():
    configs = exact.all_configurations(3, 3)
    _, p = exact.boltzmann_weights(3, 3, 2.451)
    bonds = (configs * np.roll(configs, 1, axis=1)).mean(axis=(1, 2))
    assert exact.nearest_neighbour_correlation(3, 2.451) == pytest.approx(float(p @ bonds), rel=1e-10)
