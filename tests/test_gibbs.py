"""Samples from an RBM: the chains against exact expectations of small models, and the
comparison table's shape and sources."""

import numpy as np
import pytest

from deeprg import exact, gibbs, ising
from deeprg.rbm.partition import _binary_states


def exact_visible_expectations(W, b, c, L):
    """<e>, <|m|>, <e^2> - <e>^2 under the RBM's visible marginal, by enumerating 2^(L*L) states."""
    V = _binary_states(L * L, 0, 1 << (L * L))
    log_p = V @ c + np.logaddexp(0, V @ W.T + b).sum(axis=1)
    p = np.exp(log_p - log_p.max())
    p /= p.sum()
    s = (2 * V - 1).astype(np.int8).reshape(-1, L, L)
    e, m = ising.energy(s), ising.magnetisation(s)
    return p @ e, p @ np.abs(m), p @ e**2 - (p @ e) ** 2


@pytest.mark.parametrize("scale", [0.0, 1.0])
def test_chains_sample_the_rbm_marginal(scale):
    """A 3x3 visible layer with 4 hidden units (2^9 states): the chains' energy, |m| and specific
    heat agree with the enumerated marginal within 4 jackknife errors over chains."""
    L, rng = 3, np.random.default_rng(1)
    W, b, c = scale * rng.normal(size=(4, 9)), 0.3 * rng.normal(size=4), 0.3 * rng.normal(size=9)
    records = gibbs.run_chains(W, b, c, np.zeros((200, 9)), n_sweeps=400, every=2, random_state=0)
    assert records["energy"].shape == (200, 200) and records["correlation"].shape == (200, 200, 2)
    got = gibbs.summary(records, T=2.0, burn_in=20)
    e, abs_m, var_e = exact_visible_expectations(W, b, c, L)
    for name, value in (("energy", e), ("abs_magnetisation", abs_m), ("specific_heat", 9 * var_e / 4.0)):
        mean, err = got[name]
        assert err > 0 and abs(mean - value) < 4 * err, (name, mean, err, value)
    assert got["tau"][0] >= 0.5


def test_summary_needs_records_after_burn_in():
    records = gibbs.run_chains(np.zeros((2, 4)), np.zeros(2), np.zeros(4), np.zeros((5, 4)), n_sweeps=6, every=1)
    with pytest.raises(ValueError, match="burn_in=4 leaves 2 records; need at least 4"):
        gibbs.summary(records, T=1.0, burn_in=4)


def test_bad_start_and_lattice_are_named():
    with pytest.raises(ValueError, match=r"start must have shape \(n_chains, 4\), got \(3, 5\)"):
        gibbs.run_chains(np.zeros((2, 4)), np.zeros(2), np.zeros(4), np.zeros((3, 5)), n_sweeps=2)
    with pytest.raises(ValueError, match="must be an L x L lattice, got 5 units"):
        gibbs.run_chains(np.zeros((2, 5)), np.zeros(2), np.zeros(5), np.zeros((3, 5)), n_sweeps=2)
    with pytest.raises(ValueError, match="n_sweeps must be an integer >= 1, got 0"):
        gibbs.run_chains(np.zeros((2, 4)), np.zeros(2), np.zeros(4), np.zeros((3, 4)), n_sweeps=0)


def test_coins_compared_with_the_torus():
    """An RBM with no weights and zero biases samples fair coins: energy 0 and G(1) 0 within
    errors, and specific heat N var(e) / T^2 = 2 / T^2 (the 2N bond products s_i s_j of
    independent fair spins are pairwise independent +-1, so var e = 2N / N^2); the exact row is
    Kaufman's, and the data's energy agrees with it."""
    L, T = 6, 2.451
    data = ising.sample(L, T, 400, seed=0)
    table = gibbs.compare(np.zeros((3, L * L)), np.zeros(3), np.zeros(L * L), data, T, n_chains=50,
                          n_sweeps=200, every=2)
    assert list(table.index) == ["exact", "data", "chains from data", "chains from random"]
    assert table.loc["exact", "energy"] == pytest.approx(exact.energy_per_spin(L, T))
    for source in ("chains from data", "chains from random"):
        row = table.loc[source]
        assert abs(row["energy"]) < 4 * row["energy_error"]
        assert abs(row["nn_correlation"]) < 4 * row["nn_correlation_error"]
        assert abs(row["specific_heat"] - 2 / T**2) < 4 * row["specific_heat_error"]
    data_row = table.loc["data"]
    assert abs(data_row["energy"] - table.loc["exact", "energy"]) < 4 * data_row["energy_error"]


def test_discrepancies_are_z_scores_between_sources():
    import pandas as pd

    rows = {"data": 1.0, "chains from data": 1.5, "chains from random": 0.0, "exact": 1.0}
    table = pd.DataFrame({source: {**{k: v for k in gibbs.OBSERVABLES}, **{f"{k}_error": 0.1 for k in gibbs.OBSERVABLES}}
                          for source, v in rows.items()}).T
    z = gibbs.discrepancies(table)
    np.testing.assert_allclose(z["starts"], 1.5 / np.hypot(0.1, 0.1))
    np.testing.assert_allclose(z["from data vs data"], 0.5 / np.hypot(0.1, 0.1))
    np.testing.assert_allclose(z["from random vs data"], -1.0 / np.hypot(0.1, 0.1))


def test_verdict_reads_the_discrepancies_at_four_sigma():
    import pandas as pd

    from deeprg.gibbs import OBSERVABLES, verdict

    def table(from_data, from_random):
        rows = {"data": 0.0, "chains from data": from_data, "chains from random": from_random, "exact": 0.0}
        return pd.DataFrame({source: {**{k: v for k in OBSERVABLES}, **{f"{k}_error": 1.0 for k in OBSERVABLES}}
                             for source, v in rows.items()}).T

    assert verdict(table(1.0, -1.0)) == {"mixed": True, "faithful": True}  # z = 2/sqrt2, 1/sqrt2
    assert verdict(table(6.0, 6.0)) == {"mixed": True, "faithful": False}  # the starts agree, both off the data by 4.2 sigma
    assert verdict(table(6.0, 0.0)) == {"mixed": False, "faithful": False}
