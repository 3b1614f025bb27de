"""deeprg.ising.observables: cases that kill mutants the other tests let survive (mutation/run.py,
code/MUTATION.md)."""

import numpy as np
import pytest

from deeprg import ising


def test_susceptibility_is_n_times_the_variance_of_abs_m_over_t():
    configs = np.random.default_rng(0).choice(np.array([-1, 1], np.int8), size=(200, 4, 4))
    m = configs.reshape(200, -1).mean(axis=1)
    value, error = ising.thermodynamics(configs, 2.5)["susceptibility"]
    assert value == pytest.approx(16 * ((m**2).mean() - np.abs(m).mean() ** 2) / 2.5, rel=1e-12)
    assert error > 0
