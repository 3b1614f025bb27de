"""The report's measures on networks whose answer is known."""

import numpy as np
import pytest
from scipy.special import expit

from deeprg import analysis, ising
from deeprg.dbn import DBN


def block_dbn(L=8, b=2, strength=20.0):
    """A one-layer 'DBN' whose hidden units are majority-rule block spins of b x b blocks
    (odd-free ties resolved at half a spin) in the 0/1 encoding."""
    n = (L // b) ** 2
    W = np.zeros((n, L * L))
    for k in range(n):
        bi, bj = divmod(k, L // b)
        for i in range(b):
            for j in range(b):
                W[k, (bi * b + i) * L + bj * b + j] = strength
    net = DBN((n,))
    net.load_arrays({"W0": W, "b0": np.full(n, -strength * (b * b / 2 - 0.25)), "c0": np.zeros(L * L)})
    return net


def test_exact_block_spins_match_themselves():
    """The units of block_dbn are block spins: a block of 4 with k up spins gives
    S = 2 sigmoid(20 k - 35) - 1, which is +-1 within 2 sigmoid(-15) = 6e-7 except at a tie
    (k = 2), where S = 2 sigmoid(5) - 1 = 0.987. Majority-rule block spins break ties with a
    fair coin instead. So nn_hidden is known exactly (computed here from the block sums), and
    nn_blocks differs from it through the coins alone: over the coins its mean is the
    mean of sign(s_p) sign(s_q) (0 where either block ties) and its variance
    sum_configs [sum_{tied p} (sum_{untied neighbours q} sign s_q)^2 + #(pairs tied at both ends)]
    / (n_configs n_pairs)^2, exactly (each coin enters linearly; a product of two coins is
    uncorrelated with everything else). The gap nn_hidden - nn_blocks must lie within 4 of
    those standard deviations of its expectation (measured gap 0.0149, expected 0.0181,
    standard deviation 0.0051)."""
    configs = ising.sample(8, 2.3, 400, seed=0)
    table = analysis.block_spin_comparison(block_dbn(), configs)
    assert table.loc[1, "best_match"][0] > 0.9 and table.loc[1, "blocks_matched"] == 1.0
    nn_b, nn_h = table.loc[1, "nn_blocks"][0], table.loc[1, "nn_hidden"][0]

    sums = configs.reshape(len(configs), 4, 2, 4, 2).sum(axis=(2, 4), dtype=np.int64).reshape(len(configs), 16)
    S = 2 * expit(20.0 * (sums + 4) / 2 - 35.0) - 1  # (sums + 4) / 2 up spins per block
    p, q = analysis._neighbour_pairs(4).T
    exact_nn_h = np.mean(S[:, p] * S[:, q])
    assert nn_h == pytest.approx(exact_nn_h, rel=1e-12)

    sign, tied = np.sign(sums).astype(float), sums == 0
    mean_nn_b = np.mean(sign[:, p] * sign[:, q])
    neighbour_signs = np.zeros_like(sign)  # per block, the sum of its neighbours' signs (0 for ties)
    np.add.at(neighbour_signs.T, p, sign[:, q].T)
    np.add.at(neighbour_signs.T, q, sign[:, p].T)
    variance = ((neighbour_signs**2)[tied].sum() + (tied[:, p] & tied[:, q]).sum()) / (len(configs) * len(p)) ** 2
    assert abs((nn_h - nn_b) - (exact_nn_h - mean_nn_b)) < 4 * np.sqrt(variance), (nn_h - nn_b, exact_nn_h - mean_nn_b)


def test_network_summary_of_block_fields():
    configs = ising.sample(8, 2.3, 200, seed=1)
    summary = analysis.network_summary(block_dbn(), configs, shape=(8, 8))
    assert summary.loc[1, "locality"][0] == pytest.approx(summary.loc[1, "locality_block"])
    assert summary.loc[1, "participation"][0] == pytest.approx(summary.loc[1, "participation_block"])


def test_mean_and_error():
    m, e = analysis.mean_and_error([1.0, 2.0, 3.0, 4.0])
    assert m == 2.5 and e == pytest.approx(np.std([1, 2, 3, 4], ddof=1) / 2)


def _seed_rows():
    import pandas as pd

    return pd.DataFrame({"penalty": ["none"] * 3 + ["l1"] * 6, "alpha": [0.0] * 3 + [1e-4] * 3 + [1e-3] * 3,
                         "locality": [0.1, 0.12, 0.11, 0.105, 0.115, 0.11, 0.5, 0.52, 0.51]})


def test_over_seeds_and_seed_table():
    stats = analysis.over_seeds(_seed_rows(), ["penalty", "alpha"], "locality")
    assert stats.loc[("l1", 1e-3), "mean"] == pytest.approx(0.51)
    assert stats.loc[("l1", 1e-3), "error"] == pytest.approx(0.01 / np.sqrt(3))
    table = analysis.seed_table(_seed_rows(), ["penalty", "alpha"], ["locality"])
    mean, error = table.loc[("l1", 1e-3), "locality"]
    assert (mean, error) == (pytest.approx(0.51), pytest.approx(0.01 / np.sqrt(3)))


def test_penalty_onset_needs_four_standard_errors():
    onset, mean, err = analysis.penalty_onset(_seed_rows())
    assert onset == 1e-3  # 1e-4 is within the unpenalised runs' scatter
    assert mean.loc[1e-4] == pytest.approx(0.11)
    assert analysis.penalty_onset(_seed_rows(), n_sigma=100)[0] is None


def test_specific_heat_peak_approaches_t_c():
    from deeprg import exact

    small, large = analysis.specific_heat_peak(16), analysis.specific_heat_peak(128)
    assert exact.specific_heat_per_spin(16, small) > exact.specific_heat_per_spin(16, small + 0.01)
    assert exact.specific_heat_per_spin(16, small) > exact.specific_heat_per_spin(16, small - 0.01)
    assert small > large > exact.T_C and large - exact.T_C < 0.25 * (small - exact.T_C)


def test_flow_tables():
    import pandas as pd

    rows = [("majority rule", 0, T0, step, T0 * (1 + step)) for T0 in (1.0, 3.0) for step in (0, 1)]
    rows += [(m, 8, T0, step, T0 + step) for m in ("rbm sampled", "rbm mean-field") for T0 in (1.0, 3.0)
             for step in (0, 5)]
    flow = pd.DataFrame(rows, columns=["method", "hidden", "T0", "step", "T"])
    ends = analysis.flow_ends(flow)
    assert ends.loc[("rbm sampled", 8), 3.0] == 8.0 and list(ends.columns) == [1.0, 3.0]
    assert analysis.majority_flow(flow).loc[1, 3.0] == 6.0
    assert analysis.span([2.0, 1.234, 5.0]) == "1.23 to 5.00"


def test_kl_of_the_exact_model_is_zero():
    from deeprg import exact

    configs, p = exact.boltzmann_weights(4, 4, 2.5)
    mean_log_likelihood = (p * np.log(p)).sum()  # the Boltzmann distribution scored on itself
    assert analysis.kl_from_log_likelihood(mean_log_likelihood, 4, 2.5) == pytest.approx(0, abs=1e-9)
    assert analysis.kl_from_log_likelihood(mean_log_likelihood - 3.0, 4, 2.5) == pytest.approx(3.0)


def test_coin_kl_is_the_entropy_deficit_and_vanishes_at_infinite_temperature():
    from deeprg import exact

    assert analysis.coin_kl(4, 2.451) == pytest.approx(16 * np.log(2) - 16 * exact.entropy_per_spin(4, 2.451))
    assert analysis.coin_kl(4, 1e6) == pytest.approx(0.0, abs=1e-6)
    assert analysis.coin_kl(4, 1.0) > analysis.coin_kl(4, 3.0) > 0


def test_between_networks_uses_the_scatter_between_tables():
    import pandas as pd

    tables = [pd.DataFrame({"units": [4], "locality": [(x, 0.001)]}, index=[1]) for x in (0.1, 0.2, 0.3)]
    out = analysis.between_networks(tables)
    assert out.loc[1, "units"] == 4
    mean, error = out.loc[1, "locality"]
    assert mean == pytest.approx(0.2) and error == pytest.approx(0.1 / np.sqrt(3))


def test_difference_adds_errors_in_quadrature():
    assert analysis.difference((3.0, 3.0), (1.0, 4.0)) == (2.0, 5.0)


def test_between_networks_keeps_cells_that_do_not_vary():
    import pandas as pd

    tables = [pd.DataFrame({"blocks": [(0.3, 0.01)]}, index=[1]) for _ in range(3)]
    assert analysis.between_networks(tables).loc[1, "blocks"] == (0.3, 0.01)


def test_welch_matches_scipy_and_the_satterthwaite_formula():
    from scipy import stats

    a, b = np.array([410.0, 452.0, 431.0]), np.array([380.0, 371.0, 402.0, 395.0])
    got = analysis.welch(a, b)
    ref = stats.ttest_ind(a, b, equal_var=False)
    assert got["t"] == pytest.approx(ref.statistic, rel=1e-12) and got["p"] == pytest.approx(ref.pvalue, rel=1e-10)
    va, vb = a.var(ddof=1) / 3, b.var(ddof=1) / 4
    assert got["dof"] == pytest.approx((va + vb) ** 2 / (va**2 / 2 + vb**2 / 3), rel=1e-12)
    assert got["difference"] == pytest.approx(a.mean() - b.mean()) and got["error"] == pytest.approx(np.sqrt(va + vb))
    assert 2 <= got["dof"] <= 5
    with pytest.raises(ValueError, match="at least 2 values, got 1 and 4"):
        analysis.welch([1.0], b)
