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


def test_ratio_adds_relative_errors_in_quadrature():
    # 6 ± 0.3 over 2 ± 0.1: both 5 % relative errors, so 3 ± 3 * 0.05 * sqrt(2)
    r, e = analysis.ratio((6.0, 0.3), (2.0, 0.1))
    assert r == 3.0 and e == pytest.approx(0.15 * np.sqrt(2), rel=1e-14)
    assert analysis.ratio((6.0, 0.0), (2.0, 0.0)) == (3.0, 0.0)
    r, e = analysis.ratio((-6.0, 0.3), (2.0, 0.1))  # the error stays positive
    assert r == -3.0 and e == pytest.approx(0.15 * np.sqrt(2), rel=1e-14)


def test_margin_counts_combined_standard_errors():
    assert analysis.margin((5.0, 3.0), (1.0, 4.0)) == pytest.approx(0.8)  # 4 / sqrt(9 + 16)
    assert analysis.margin((1.0, 0.0), (3.0, 0.5)) == -4.0  # an exact value against a measurement


def test_sign_verdict_needs_n_sigma_errors_either_way():
    words = ("below", "within", "above")
    assert analysis.sign_verdict((-4.1, 1.0), words) == "below"
    assert analysis.sign_verdict((-4.0, 1.0), words) == "within" == analysis.sign_verdict((4.0, 1.0), words)
    assert analysis.sign_verdict((4.1, 1.0), words) == "above"
    assert analysis.sign_verdict((2.1, 1.0), words, n_sigma=2.0) == "above"


def test_mean_where_and_mean_change_select_rows_by_column_values():
    rows = _seed_rows()
    assert analysis.mean_where(rows, "locality", penalty="l1", alpha=1e-3) == (
        pytest.approx(0.51), pytest.approx(0.01 / np.sqrt(3)))
    assert analysis.mean_where(rows, "locality", penalty="l1")[0] == pytest.approx(0.31)  # both alphas
    later = rows.assign(locality=rows["locality"] + np.where(rows["penalty"] == "l1", 0.1, 0.0))
    change, error = analysis.mean_change(rows, later, "locality", penalty="l1", alpha=1e-3)
    assert change == pytest.approx(0.1) and error == pytest.approx(np.sqrt(2) * 0.01 / np.sqrt(3))
    assert analysis.mean_change(rows, later, "locality", penalty="none", alpha=0.0)[0] == 0.0


def _kl_stats():
    """A table of means and errors by (setting, T): a control and three settings at T = 1."""
    import pandas as pd

    index = pd.MultiIndex.from_tuples([("c", 1.0), ("a", 1.0), ("b", 1.0), ("d", 1.0)], names=["setting", "T"])
    return pd.DataFrame({"mean": [20.0, 17.0, 14.0, 25.0], "error": [0.6, 0.8, 0.8, 1.0]}, index=index)


def test_row_difference_and_below_reference():
    stats = _kl_stats()
    d, e = analysis.row_difference(stats, ("a", 1.0), ("c", 1.0))
    assert d == -3.0 and e == pytest.approx(1.0)  # sqrt(0.8^2 + 0.6^2)
    pairs = [((name, 1.0), ("c", 1.0)) for name in ("a", "b", "d")]
    # a lies 3 combined errors below the control, b 6, d 5 / 1.166 = 4.3 above
    found, (largest, key) = analysis.below_reference(stats, pairs)
    assert found == [("b", 1.0)] and key == ("b", 1.0) and largest == pytest.approx(6.0)
    assert analysis.below_reference(stats, pairs, n_sigma=2.0)[0] == [("a", 1.0), ("b", 1.0)]
    found, (largest, key) = analysis.below_reference(stats, pairs[:1])
    assert found == [] and key == ("a", 1.0) and largest == pytest.approx(3.0)


def test_against_value_sides_by_n_sigma_standard_errors():
    stats = _kl_stats()
    keys = [("a", 1.0), ("b", 1.0), ("d", 1.0)]
    # (20 - mean) / error: a 3.75, b 7.5, d -5
    assert analysis.against_value(stats, keys, 20.0) == {("a", 1.0): 0, ("b", 1.0): 1, ("d", 1.0): -1}
    assert analysis.against_value(stats, keys, 20.0, n_sigma=3.0)[("a", 1.0)] == 1
    assert analysis.against_value(stats, keys, 20.0, n_sigma=8.0) == dict.fromkeys(keys, 0)


def test_peak_and_its_margin_over_grid_neighbours():
    import pandas as pd

    stats = pd.DataFrame({"mean": [0.1, 0.3, 0.5, 0.2], "error": [0.01, 0.02, 0.03, 0.04]},
                         index=pd.Index([1.0, 2.0, 3.0, 4.0], name="T"))
    top = analysis.peak(stats)
    # neighbours: 0.2 / sqrt(0.03^2 + 0.02^2) = 5.547 (T = 2) and 0.3 / 0.05 = 6 (T = 4)
    assert (top.at, top.mean, top.error) == (3.0, 0.5, 0.03)
    assert top.margin == pytest.approx(0.2 / np.hypot(0.03, 0.02))
    edge = analysis.peak(stats.iloc[::-1].iloc[:2])  # grid 4, 3 in that order: the peak at its end
    assert edge.at == 3.0 and edge.margin == pytest.approx(6.0)
    assert analysis.peak(stats.iloc[:1]).margin is None


def test_above_best_null_and_nulls_beaten():
    import pandas as pd

    nulls = ("untrained", "random local", "PCA")
    blocks = pd.DataFrame({"trained": [(0.9, 0.01), (0.55, 0.02)], "untrained": [(0.3, 0.01), (0.2, 0.01)],
                           "random local": [(0.5, 0.02), (0.5, 0.02)], "PCA": [(0.4, 0.01), (0.52, 0.01)]},
                          index=pd.MultiIndex.from_tuples([("L1", 3), ("none", 3)]))
    (d, e), best = analysis.above_best_null(blocks.loc[("L1", 3)], nulls)
    assert best == "random local" and d == pytest.approx(0.4) and e == pytest.approx(np.hypot(0.01, 0.02))
    (d, e), best = analysis.above_best_null(blocks.loc[("none", 3)], nulls)
    assert best == "PCA" and d == pytest.approx(0.03)  # 1.3 combined errors: not beaten
    beaten = analysis.nulls_beaten(blocks, [("L1", 3), ("none", 3)], nulls)
    assert beaten == 1 and type(beaten) is int  # a plain int prints as "1" inline
    assert analysis.nulls_beaten(blocks, [("L1", 3), ("none", 3)], nulls, n_sigma=1.0) == 2


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


def test_training_curve_and_plateau_of_a_known_curve():
    """The plateau of 0, 1, ..., 99 over the last 50 epochs is 50..99: mean 74.5 and, with
    ddof = 0, standard deviation sqrt((50^2 - 1) / 12) (that of 50 consecutive integers)."""
    history = [{"pseudo_likelihood": float(e), "sparsity": 0.0} for e in range(100)]
    curve = analysis.training_curve(history, "pseudo_likelihood")
    assert curve.tolist() == list(range(100))
    assert analysis.PLATEAU_EPOCHS == 50
    mean, std = analysis.plateau(curve)
    assert mean == 74.5 and std == pytest.approx(np.sqrt((50**2 - 1) / 12), rel=1e-14)
    assert analysis.plateau(curve, n=2) == (98.5, 0.5)
    assert analysis.plateau([3.0, 5.0], n=50) == (4.0, 1.0)  # fewer epochs than n: all of them


def test_area_in_sites_scales_mean_and_error():
    assert analysis.area_in_sites((0.01, 0.002), 1600) == (16.0, 3.2)
    # a 2 x 2 block of equal weights covers exactly 4 of the 1600 sites
    area, _ = analysis.area_in_sites((analysis.block_reference(2)["participation"], 0.0), 1600)
    assert area == pytest.approx(4.0)


def test_sample_std_undoes_the_standard_error():
    x = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    assert analysis.sample_std(analysis.mean_and_error(x), len(x)) == pytest.approx(np.sqrt(2.5), rel=1e-14)
    assert analysis.sample_std((0.0, 0.1), 4) == pytest.approx(0.2)


def test_bracketing_keeps_the_flows_whose_ends_straddle_T():
    import pandas as pd

    index = pd.MultiIndex.from_tuples([("rbm mean-field", 16.0), ("rbm mean-field", 64.0),
                                       ("rbm sampled", 16.0), ("rbm sampled", 64.0)], names=["method", "hidden"])
    ends = pd.DataFrame([[1.5, 3.0], [1.5, 2.0], [2.4, 2.6], [2.3, 2.5]], index=index, columns=[1.0, 4.0])
    assert analysis.bracketing(ends, 2.5) == [("rbm mean-field", 16.0), ("rbm sampled", 16.0), ("rbm sampled", 64.0)]
    assert analysis.bracketing(ends, 2.0) == [("rbm mean-field", 16.0), ("rbm mean-field", 64.0)]  # ends inclusive
    assert analysis.bracketing(ends, 5.0) == []
