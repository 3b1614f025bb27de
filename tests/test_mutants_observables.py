"""deeprg.ising.observables: cases that kill mutants the other tests let survive (mutation/run.py,
code/MUTATION.md)."""

import numpy as np
import pytest

from deeprg import exact, ising


def test_susceptibility_is_n_times_the_variance_of_abs_m_over_t():
    configs = np.random.default_rng(0).choice(np.array([-1, 1], np.int8), size=(200, 4, 4))
    m = configs.reshape(200, -1).mean(axis=1)
    value, error = ising.thermodynamics(configs, 2.5)["susceptibility"]
    assert value == pytest.approx(16 * ((m**2).mean() - np.abs(m).mean() ** 2) / 2.5, rel=1e-12)
    assert error > 0


def test_correlation_function_is_averaged_in_float64():
    """G(r) on a 5 x 5 torus is a mean of 25 products per axis: k / 25, which float32 cannot hold
    (7 / 25 in float32 is off by 1e-8); both axes are averaged in float64, as a plain loop does."""
    configs = np.random.default_rng(3).choice(np.array([-1, 1], np.int8), size=(4, 5, 5))
    s = configs.astype(np.int64)
    expected = np.array([[(np.sum(c * np.roll(c, r, axis=1)) / 25 + np.sum(c * np.roll(c, r, axis=0)) / 25) / 2
                          for r in range(3)] for c in s])
    assert ising.correlation_function(configs) == pytest.approx(expected, rel=1e-15, abs=1e-15)


def test_energy_per_spin_on_a_rectangular_torus():
    """Two bonds per site on an m x n torus too: the uniform 3 x 6 configuration has e = -2, and
    any 3 x 6 configuration has its total bond energy over 18 sites."""
    assert ising.energy(np.ones((1, 3, 6), np.int8)) == pytest.approx([-2.0], rel=1e-15)
    configs = np.random.default_rng(4).choice(np.array([-1, 1], np.int8), size=(5, 3, 6))
    assert ising.energy(configs) == pytest.approx(exact.bond_energy(configs) / 18, rel=1e-15)


def test_binder_cumulant_is_one_minus_m4_over_three_m2_squared():
    """U = 1 - <m^4> / (3 <m^2>^2): 2/3 for the ordered state (m = +-1), the formula on any sample."""
    up = np.ones((40, 4, 4), np.int8)
    up[::2] = -1
    assert ising.thermodynamics(up, 2.0)["binder"][0] == pytest.approx(2 / 3, rel=1e-14)
    configs = np.random.default_rng(5).choice(np.array([-1, 1], np.int8), size=(200, 4, 4))
    m = configs.reshape(200, -1).mean(axis=1)
    value, _ = ising.thermodynamics(configs, 2.5)["binder"]
    assert value == pytest.approx(1 - (m**4).mean() / (3 * (m**2).mean() ** 2), rel=1e-12)
