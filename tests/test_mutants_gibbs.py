"""deeprg.gibbs: cases that kill mutants the other tests let survive (mutation/run.py, code/MUTATION.md)."""

import numpy as np
import pytest

from deeprg import exact, gibbs


def test_the_exact_row_of_compare():
    """energy and specific heat from Kaufman's formulas, nn_correlation = -e/2, all without error."""
    L, T = 4, 2.5
    rng = np.random.default_rng(0)
    data = rng.choice(np.array([-1, 1], np.int8), size=(40, L, L))
    W = 0.1 * rng.normal(size=(3, L * L))
    table = gibbs.compare(W, np.zeros(3), np.zeros(L * L), data, T, n_chains=2, n_sweeps=80, every=10)
    u = exact.energy_per_spin(L, T)
    row = table.loc["exact"]
    assert row["energy"] == pytest.approx(u, rel=1e-12) and row["energy_error"] == 0
    assert row["specific_heat"] == pytest.approx(exact.specific_heat_per_spin(L, T), rel=1e-12)
    assert row["nn_correlation"] == pytest.approx(-u / 2, rel=1e-12) and row["nn_correlation_error"] == 0


def test_compare_is_reproducible_names_its_autocorrelation_columns_and_burns_in_a_fraction():
    """Same random_state, same table (the chains draw from compare's own generator); the chains'
    autocorrelation time appears as tau_mean (and its largest over chains as tau_max); and the
    burn-in is a fraction of the records actually kept (n_sweeps // every of them): 59 sweeps
    recorded every 10 keep 5 records, and a fraction 0.35 drops 1 of them, leaving the 4 that
    summary needs (0.35 x 5.9 would drop 2)."""
    L, T = 4, 2.5
    rng = np.random.default_rng(1)
    data = rng.choice(np.array([-1, 1], np.int8), size=(40, L, L))
    W = 0.1 * rng.normal(size=(3, L * L))
    args = (W, np.zeros(3), np.zeros(L * L), data, T)
    first = gibbs.compare(*args, n_chains=4, n_sweeps=59, every=10, burn_in_fraction=0.35, random_state=3)
    again = gibbs.compare(*args, n_chains=4, n_sweeps=59, every=10, burn_in_fraction=0.35, random_state=3)
    assert first.equals(again)
    assert {"tau_mean", "tau_max"} <= set(first.columns) and "tau" not in first.columns
    assert np.isfinite(first.loc["chains from random", "energy"])
