"""The samplers against exact results: energies at L = 40, Boltzmann weights on 3 x 3, tau_int."""

import numpy as np
import pytest
from numba import njit
from scipy import stats

from deeprg import exact, ising
from deeprg.ising import kernels
from deeprg.ising.autocorr import integrated_time

ALGORITHMS = sorted(ising.ALGORITHMS)


@pytest.mark.parametrize("algorithm", ALGORITHMS)
@pytest.mark.parametrize("T", [2.0, exact.T_C, 2.451, 3.5])
def test_mean_energy_matches_kaufman_at_L40(algorithm, T):
    n = 1000 if algorithm == "metropolis" and T == exact.T_C else 3000
    configs = ising.sample(40, T, n, algorithm=algorithm, seed=11)
    (e, err), = [ising.thermodynamics(configs, T)["energy"]]
    assert abs(e - exact.energy_per_spin(40, T)) < 4 * err, (e, err)


def _z2_classes(configs):
    """Index of each 3 x 3 configuration up to a global flip (the first spin made +1)."""
    flat = configs.reshape(len(configs), -1).astype(np.int64)
    flat = flat * flat[:, :1]
    return ((flat[:, 1:] > 0) * (1 << np.arange(7, -1, -1))).sum(axis=1)


@pytest.mark.parametrize("algorithm", ALGORITHMS)
@pytest.mark.parametrize("T", [1.5, 2.5])
def test_distribution_on_3x3_matches_boltzmann(algorithm, T):
    """Chi-square of 40,000 samples against exact weights, up to the global flip s -> -s.

    The sampler decorrelates E and |m|, not the sign of m (Metropolis tunnels between
    the two ordered states far more slowly below T_c), so states are compared in pairs.
    Samples are 10 sweeps apart so that whole states, not only E and |m|, are independent,
    as the chi-square test assumes."""
    configs, p = exact.boltzmann_weights(3, 3, T)
    expected = np.bincount(_z2_classes(configs), weights=p, minlength=256)
    samples = ising.sample(3, T, 40_000, algorithm=algorithm, seed=5, thin=10)
    observed = np.bincount(_z2_classes(samples), minlength=256)
    expected *= len(samples)
    rare = expected < 5  # pooled into one bin so every expected count is >= 5
    obs = np.r_[observed[~rare], observed[rare].sum()]
    exp = np.r_[expected[~rare], expected[rare].sum()]
    assert stats.chisquare(obs, exp).pvalue > 1e-4


def test_metropolis_decorrelates_far_slower_than_wolff_at_tc():
    wolff = ising.simulate(32, exact.T_C, 10, algorithm="wolff", seed=3)
    metro = ising.simulate(32, exact.T_C, 10, algorithm="metropolis", seed=3)
    tau_w = max(wolff.tau_energy.tau, wolff.tau_abs_m.tau)
    tau_m = max(metro.tau_energy.tau, metro.tau_abs_m.tau)
    assert tau_m > 10 * tau_w, (tau_m, tau_w)
    assert metro.thin >= 2 * tau_m and wolff.thin >= 2 * tau_w


def test_samples_are_decorrelated():
    run = ising.simulate(40, 2.451, 2000, seed=2)
    assert run.sample_tau.tau < 0.5 + 4 * run.sample_tau.error


def test_same_seed_same_array():
    a = ising.sample(16, 2.3, 50, seed=7)
    b = ising.sample(16, 2.3, 50, seed=7)
    c = ising.sample(16, 2.3, 50, seed=8)
    assert a.dtype == np.int8 and a.shape == (50, 16, 16)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_fixed_burn_in_and_thin():
    run = ising.simulate(8, 3.0, 20, algorithm="metropolis", burn_in=100, thin=4, seed=0)
    assert run.thin == 4 and run.burn_in >= 100 and set(np.unique(run.configs)) <= {-1, 1}


def test_integrated_time_of_ar1_process():
    """AR(1) with coefficient phi has tau_int = (1 + phi) / (2 (1 - phi))."""
    rng = np.random.default_rng(0)
    phi, n = 0.9, 200_000
    noise = rng.normal(size=n)
    x = np.empty(n)
    x[0] = noise[0]
    for t in range(1, n):
        x[t] = phi * x[t - 1] + noise[t]
    tau = integrated_time(x)
    assert abs(tau.tau - (1 + phi) / (2 * (1 - phi))) < 4 * tau.error
    assert integrated_time(rng.normal(size=10_000)).tau < 0.6


def test_observables_of_known_configurations():
    up = np.ones((2, 6, 6), np.int8)
    checker = np.indices((6, 6)).sum(axis=0) % 2 * 2 - 1
    np.testing.assert_allclose(ising.energy(up), -2.0)
    assert ising.energy(checker[None].astype(np.int8))[0] == 2.0
    np.testing.assert_allclose(ising.magnetisation(up), 1.0)
    np.testing.assert_allclose(ising.correlation_function(up), 1.0)
    np.testing.assert_allclose(ising.correlation_function(checker[None].astype(np.int8))[0], [1, -1, 1, -1])


def test_thermodynamics_of_paper_temperature_match_exact():
    configs = ising.sample(40, 2.451, 4000, seed=1)
    th = ising.thermodynamics(configs, 2.451)
    G, G_err = th["correlation"]
    assert G.shape == G_err.shape == (21,) and G[0] == 1.0 and G_err[0] == 0.0
    # G(1) is minus the energy per spin over 2 (two bonds per site)
    assert G[1] == pytest.approx(-th["energy"][0] / 2) and G_err[1] == pytest.approx(th["energy"][1] / 2)
    assert (np.diff(G) < 0).all()  # correlations decay with distance above T_c
    for key, exact_value in [("energy", exact.energy_per_spin(40, 2.451)),
                             ("specific_heat", exact.specific_heat_per_spin(40, 2.451))]:
        value, err = th[key]
        assert abs(value - exact_value) < 4 * err, (key, value, err, exact_value)


@pytest.mark.parametrize("kwargs,match", [
    (dict(L=1), "L must"), (dict(L=4.5), "L must"), (dict(L="40"), "L must"),
    (dict(T=0.0), "T must"), (dict(T=-1.0), "T must"), (dict(T=np.nan), "T must"), (dict(T=np.inf), "T must"),
    (dict(n_samples=0), "n_samples must"), (dict(algorithm="heatbath"), "algorithm must"),
    (dict(thin=0), "thin must"), (dict(burn_in=-5), "burn_in must"), (dict(start="warm"), "start must"),
])
def test_bad_sampler_input(kwargs, match):
    args = dict(L=8, T=2.0, n_samples=5) | kwargs
    with pytest.raises(ValueError, match=match) as err:
        ising.sample(**args)
    assert repr(list(kwargs.values())[0])[:3] in str(err.value)


@pytest.mark.parametrize("f", [ising.energy, ising.magnetisation, ising.correlation_function])
def test_observables_refuse_non_spins(f):
    with pytest.raises(ValueError, match=r"configs must contain only \+-1 spins, found 0"):
        f(np.zeros((2, 4, 4), np.int8))
    with pytest.raises(ValueError, match="configs must"):
        f(np.ones(5))


@pytest.mark.parametrize("T", [1.5, 2.5, 10.0])
def test_metropolis_sweep_is_ergodic_and_stationary_on_3x3(T):
    """The exact transition matrix of one checkerboard sweep (built from the kernel's own
    acceptance) keeps the Boltzmann weights and connects every state, while the textbook
    rule that always accepts energy-neutral flips leaves closed deterministic cycles."""
    from deeprg.ising import transition

    _, p = exact.boltzmann_weights(3, 3, T)
    P = transition.checkerboard_sweep_matrix(3, T)
    np.testing.assert_allclose(p @ P, p, atol=1e-14)
    np.testing.assert_allclose(transition.closed_class_weights(P, p), [1.0])
    textbook = transition.checkerboard_sweep_matrix(3, T, transition.always_accept_neutral)
    np.testing.assert_allclose(p @ textbook, p, atol=1e-14)
    assert len(transition.closed_class_weights(textbook, p)) > 1


@njit(cache=False)
def _sweep_counts(L, K, n_repeats, seed):
    """counts[a, b]: how often one sweep of the compiled Metropolis kernel (kernels.advance,
    which sets the acceptance thresholds and runs _metropolis) took state a to state b, from
    each of the 2^(L L) states n_repeats times. States are coded as exact.all_configurations
    orders them: site 0 is the most significant bit, a 1 bit is spin +1."""
    N = L * L
    nbr = np.empty((N, 4), np.int32)
    for a in range(N):
        i, j = a // L, a % L
        nbr[a, 0], nbr[a, 1] = i * L + (j + 1) % L, i * L + (j - 1) % L
        nbr[a, 2], nbr[a, 3] = ((i + 1) % L) * L + j, ((i - 1) % L) * L + j
    counts = np.zeros((2**N, 2**N), np.int64)
    state = np.array([seed], np.uint64)
    spins = np.empty(N, np.int8)
    empty = np.empty((0, 2))
    for code in range(2**N):
        for _ in range(n_repeats):
            for a in range(N):
                spins[a] = 1 if (code >> (N - 1 - a)) & 1 else -1
            kernels.advance(spins, nbr, L, K, kernels.METROPOLIS, 1, 1, state, empty)
            out = 0
            for a in range(N):
                out = 2 * out + (1 if spins[a] > 0 else 0)
            counts[code, out] += 1
    return counts


@pytest.mark.parametrize("T", [1.5, 2.5])
def test_compiled_metropolis_sweep_has_the_exact_transition_matrix(T):
    """The numba kernel itself, swept 400 times from each of the 512 states of the 3 x 3 torus,
    against the exact one-sweep transition matrix (whose stationarity and ergodicity the test
    above checks): transitions of probability 0 never happen, and each row's counts pass a
    multinomial chi-square test (cells expected below 5 pooled per row), summed over the rows,
    at the 4 sigma level (p > 3.2e-5). With that matrix stationary and ergodic, so is the kernel."""
    from deeprg.ising import transition

    n_repeats = 400
    P = transition.checkerboard_sweep_matrix(3, T)
    counts = _sweep_counts(3, 1.0 / T, n_repeats, 12345)
    assert (counts.sum(axis=1) == n_repeats).all()
    assert counts[P == 0].sum() == 0
    expected = n_repeats * P
    chi2, dof = 0.0, 0
    for obs_row, exp_row in zip(counts, expected):
        keep = exp_row >= 5
        obs = np.r_[obs_row[keep], obs_row[~keep].sum()]
        exp = np.r_[exp_row[keep], exp_row[~keep].sum()]
        obs, exp = obs[exp > 0], exp[exp > 0]
        chi2 += ((obs - exp) ** 2 / exp).sum()
        dof += len(exp) - 1
    assert stats.chi2.sf(chi2, dof) > stats.norm.sf(4), (chi2, dof)


@pytest.mark.slow
@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_high_statistics_energy_and_specific_heat_at_tc(algorithm):
    """8,000 decorrelated samples at T_c, L = 40: energy and specific heat within 4 sigma of Kaufman
    (errors five times smaller than the default suite's)."""
    configs = ising.sample(40, exact.T_C, 8000, algorithm=algorithm, seed=21)
    th = ising.thermodynamics(configs, exact.T_C)
    for key, exact_value in [("energy", exact.energy_per_spin(40, exact.T_C)),
                             ("specific_heat", exact.specific_heat_per_spin(40, exact.T_C))]:
        value, err = th[key]
        assert abs(value - exact_value) < 4 * err, (key, value, err, exact_value)
