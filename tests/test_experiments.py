"""Experiments and the sweep: cached, resumable, and computing what they say."""

import numpy as np
import pytest

from deeprg import analysis, converge, experiments, sweep
from deeprg.store import Store


def test_sweep_runs_missing_points_only_and_resumes(tmp_path, monkeypatch):
    store = Store(tmp_path)
    calls = []
    real = sweep._train_point

    def counting(config, epoch_locality, T):
        calls.append(config["rbm_params"]["penalty"])
        return real(config, epoch_locality, T)

    monkeypatch.setattr(sweep, "_train_point", counting)
    small = dict(alphas=(1e-2,), seeds=(0,), n_iter=1, n_hidden=4, store=store, progress=False)
    first = sweep.penalty_sweep(penalties=("none", "l1"), **small)
    assert calls == [None, "l1", "l1"]  # none, l1 at 1e-2, l1 at the paper's 2e-4
    table = sweep.penalty_sweep(penalties=("none", "l1", "l2"), **small)  # a larger sweep resumes
    assert calls == [None, "l1", "l1", "l2"]
    assert len(table) == 4 and set(table["penalty"]) == {"none", "l1", "l2"}
    np.testing.assert_allclose(table.set_index(["penalty", "alpha"]).loc[first.set_index(["penalty", "alpha"]).index,
                                                                          "locality"], first["locality"].values)
    assert list(table.attrs["locality_per_epoch"]) == [(experiments.PAPER_T, 0)]
    row = table.iloc[0]
    assert row["log_likelihood_error"] > 0 and -1600 * np.log(2) < row["log_likelihood"] < 0


def test_trace_condition_measures_kl(tmp_path):
    table = experiments.trace_condition(L=2, hidden=(1, 4), seeds=(0,), n_samples=2000,
                                        store=Store(tmp_path), progress=False)
    assert (table["kl"] >= -1e-9).all() and (table["spread"] > 0).all()
    assert list(table["hidden"]) == [1.0, 4.0]


def test_paper_configuration_matches_the_paper():
    assert experiments.PAPER_LAYERS == (400, 100, 25)
    assert experiments.PAPER_RBM["penalty"] == "l1" and experiments.PAPER_RBM["alpha"] == 2e-4
    assert experiments.PAPER_RBM["n_iter"] == 200 and 1 / experiments.PAPER_T == pytest.approx(0.408, abs=1e-4)


def test_temperature_sweep_reuses_the_penalty_sweep(tmp_path, monkeypatch):
    store = Store(tmp_path)
    calls = []
    real = sweep._train_point
    monkeypatch.setattr(sweep, "_train_point", lambda config, curve, T: calls.append(T) or real(config, curve, T))
    small = dict(seeds=(0,), n_iter=1, n_hidden=4, store=store, progress=False)
    sweep.penalty_sweep(penalties=("none", "l2", "l1"), alphas=(1e-3,), **small)
    assert len(calls) == 4
    table = sweep.temperature_sweep(temperatures=(experiments.PAPER_T,), **small)
    assert len(calls) == 4  # every setting at the paper's T is a penalty-sweep point: all cached
    assert list(table["T"]) == [experiments.PAPER_T] * 4
    assert list(zip(table["penalty"], table["alpha"])) == [("none", 0.0), ("l2", 1e-3), ("l1", 2e-4), ("l1", 1e-3)]


def test_rbm_flow_table(tmp_path):
    from deeprg import exact

    temperatures = (1.5, 3.5)
    table = experiments.rbm_flow(L=8, temperatures=temperatures, hidden=(8,), n_train=200, n_start=100,
                                 steps=(0, 1, 3), store=Store(tmp_path), progress=False)
    assert set(table["method"]) == {"majority rule", "rbm sampled", "rbm mean-field"}
    majority = table[table["method"] == "majority rule"]
    assert list(majority["step"]) == [0, 0, 1, 1] and list(majority["L"]) == [8, 8, 4, 4]
    assert sorted(table[table["method"] == "rbm sampled"]["step"].unique()) == [0, 1, 3]
    start = table[(table["step"] == 0)]
    for _, row in start.iterrows():  # the flows start from equilibrium samples at T0
        assert abs(row["energy"] - exact.energy_per_spin(8, row["T0"])) < 4 * row["energy_error"]
    # the RG flow runs away from T_c: colder below it, hotter above it
    first, second = majority[majority["step"] == 0], majority[majority["step"] == 1]
    assert second["T"].iloc[0] < first["T"].iloc[0] and second["T"].iloc[1] > first["T"].iloc[1]


def test_rbm_flow_with_a_thermometer(tmp_path):
    table = experiments.rbm_flow(L=8, temperatures=(1.0, 4.0), hidden=(8,), n_train=300, n_start=100, steps=(0, 2),
                                 rbm_params=experiments.ISO_RBM, thermometer=True, store=Store(tmp_path),
                                 progress=False)
    start = table[(table["step"] == 0) & (table["method"] == "majority rule")]
    cold, hot = start["T_thermometer"]  # at the start it reads the temperatures apart
    assert cold < 2.0 < hot
    assert table.loc[table["L"] < 8, "T_thermometer"].isna().all()  # it reads only the lattice it learnt


def test_measured_by_epoch_follows_the_sweep_trajectory(tmp_path):
    """Measuring along the way does not change the training: the last row is the sweep point."""
    store, T = Store(tmp_path), experiments.PAPER_T
    small = dict(n_iter=2, n_hidden=4, store=store, progress=False)
    table = sweep.measured_by_epoch(temperatures=(T,), every=1, **small)
    assert list(table["epoch"]) == [1, 2] and list(table["T"]) == [T] * 2
    point = sweep.temperature_sweep((T,), (("l1", experiments.PAPER_RBM["alpha"]),), (0,), **small)
    for key in ("log_likelihood", "log_likelihood_error", "locality", "pseudo_likelihood", "reconstruction_error"):
        assert table[key].iloc[-1] == point[key].iloc[0]
    assert table["log_likelihood"].iloc[0] != table["log_likelihood"].iloc[1]


def test_ais_recheck_repeats_the_sweep_and_brackets_the_exact_value(tmp_path):
    """The recheck retrains the sweep's point (its first estimate is the sweep's, to the bit);
    on an RBM small enough to enumerate, every AIS estimate is within 4 stated errors of exact."""
    store, T = Store(tmp_path), experiments.PAPER_T
    small = dict(n_iter=1, n_hidden=4, store=store, progress=False)
    table = sweep.ais_recheck(temperatures=(T,), settings=(("l1", 1e-3),), seeds=(0, 1), ais_seeds=(0, 1),
                              betas_factor=2, **small)
    points = sweep.temperature_sweep((T,), (("l1", 1e-3),), (0, 1), **small)
    assert list(table["seed"]) == [0, 1]
    assert list(table["log_likelihood"]) == list(points["log_likelihood"])
    for _, row in table.iterrows():
        assert row["seed_spread"] > 0 and row["shift"] != 0
        assert abs(row["log_likelihood"] - row["exact"]) < 4 * row["stated_error"]
        assert abs(row["log_likelihood_more_betas"] - row["exact"]) < 4 * row["log_likelihood_more_betas_error"]


def test_ais_recheck_refuses_bad_settings(tmp_path):
    with pytest.raises(ValueError, match="betas_factor"):
        sweep.ais_recheck(betas_factor=0, store=Store(tmp_path), progress=False)
    with pytest.raises(ValueError, match="ais_seeds"):
        sweep.ais_recheck(ais_seeds=(), store=Store(tmp_path), progress=False)


def test_ais_flagged_compares_the_shift_with_the_combined_stated_errors():
    import pandas as pd

    check = pd.DataFrame({"shift": [-5.0, -3.0, 2.5], "stated_error": [1.0, 0.6, 0.3],
                          "log_likelihood_more_betas_error": [0.0, 0.8, 0.4]})
    assert list(sweep.ais_flagged(check)) == [True, False, True]  # 5 > 4, 3 < 4, 2.5 > 2


def test_ordered_phase_splits_the_likelihood_by_magnetisation(tmp_path):
    """The plain rows are the temperature sweep's points; the two signs' log-likelihoods average
    to the whole; symmetrised data train another RBM."""
    store, T = Store(tmp_path), sweep.ORDERED_T
    small = dict(n_iter=1, n_hidden=4, store=store, progress=False)
    table = sweep.ordered_phase(T, (("l1", 1e-3),), (0,), **small).set_index("symmetrised")
    point = sweep.temperature_sweep((T,), (("l1", 1e-3),), (0,), **small)
    assert table.loc[False, "log_likelihood"] == point["log_likelihood"].iloc[0]
    assert table.loc[True, "log_likelihood"] != table.loc[False, "log_likelihood"]
    for _, row in table.iterrows():
        f = row["fraction_up"]
        assert 0 < f < 1
        whole = f * row["log_likelihood_up"] + (1 - f) * row["log_likelihood_down"]
        assert whole == pytest.approx(row["log_likelihood"], rel=1e-9)
        assert 0 <= row["chains_up_stay_up"] <= 1 and 0 <= row["chains_down_end_up"] <= 1


def test_appendix_data_set_trains_on_its_own_samples(tmp_store):
    """Another data set size is another artifact; the main sweeps' configurations are unchanged."""
    small = dict(n_iter=1, n_hidden=4, store=tmp_store, progress=False)
    other = sweep.appendix_data_set(1000, (("none", 0.0),), (0,), **small)
    usual = sweep.appendix_data_set(experiments.PAPER_N_SAMPLES, (("none", 0.0),), (0,), **small)
    names = sorted(p.name for p in tmp_store.root.rglob("sweep-*.json"))
    assert len(names) == 2 and sum("-h4-n1000-" in n for n in names) == 1  # the usual size keeps its name
    assert other["locality"].iloc[0] != usual["locality"].iloc[0]


def test_tables_survive_the_store_round_trip():
    import pandas as pd

    table = pd.DataFrame({"units": [400, 25], "locality": [(0.4, 0.01), (0.6, 0.02)], "block": [2, 8]},
                         index=pd.Index([1, 3], name="layer"))
    back = experiments._arrays_table(experiments._table_arrays(table, "t"), "t", "layer")
    pd.testing.assert_frame_equal(back, table, check_dtype=False)


def test_dbn_names_do_not_move():
    """The committed networks are found by name: a change to the config or label would orphan them."""
    from deeprg.store import artifact_name

    data = experiments.ising_samples(progress=False)
    _, config, label = experiments._dbn_config("deeprg", 0, data, {"penalty": "l1"})
    assert artifact_name("dbn", config, label) == "dbn-deeprg-400-100-25-l1-seed0-693e3d7df8"
    _, config, label = experiments._dbn_config("deeprg", 1, data, {"penalty": "l2", "alpha": 1e-5})
    assert label == "deeprg-400-100-25-l2-seed1-a1e-05"


def test_explorer_snapshots_follow_the_sweep_trajectory(tmp_path):
    """The explorer's last snapshot is the sweep point's network, quantised to 8 bits."""
    store, T = Store(tmp_path), experiments.PAPER_T
    data = experiments.ising_samples(progress=False).name
    config = sweep._point_config(data, "l1", 1e-3, 0, 2, 4) | {"snapshots": [1, 2], "units": 3}
    arrays, _ = sweep._explorer_point(config, T)
    assert arrays["fields"].shape == (2, 3, 1600) and arrays["fields"].dtype == np.int8
    point = sweep.temperature_sweep((T,), (("l1", 1e-3),), (0,), n_iter=2, n_hidden=4, store=store, progress=False)
    assert arrays["stats"][-1, 0] == pytest.approx(point["locality"].iloc[0], rel=1e-5)
    assert np.abs(arrays["fields"]).max() == 127


def test_data_set_names_are_derived_without_sampling(tmp_path):
    store = Store(tmp_path)
    name = experiments.ising_samples_name(L=8, T=2.5, n_samples=50, seed=3)
    assert not store.exists(name)
    assert experiments.ising_samples(L=8, T=2.5, n_samples=50, seed=3, store=store, progress=False).name == name


def test_network_mcrg_gives_majority_rule_for_a_hard_block_network(tmp_path, monkeypatch):
    """A stack of hard block RBMs (units shuffled, about half flipped) on configurations whose
    blocks never tie is majority rule at every level, so network_mcrg must give majority rule's
    numbers exactly; a small DBN trained two epochs goes through the same path; the tables are
    cached, and the consistency table reads them."""
    from test_mcrg import hard_stack, tie_free

    from deeprg.dbn import DBN
    from deeprg.rbm import spins_to_visible

    L, layers = 24, (144, 36, 9)
    weights, biases, _, signs = hard_stack(L, 3, seed=3)
    hard = DBN(layers).load_arrays({f"{key}{i}": value for i, (W, b) in enumerate(zip(weights, biases))
                                    for key, value in (("W", W), ("b", b), ("c", np.zeros(W.shape[1])))})
    configs = tie_free(400, L, 3, seed=5)
    trained = DBN(layers, n_iter=2, batch_size=50, random_state=0).fit(spins_to_visible(configs))
    networks = {"hard": experiments.TrainedDBN(hard, [], {}, "hard"),
                "trained": experiments.TrainedDBN(trained, [], {}, "trained")}
    data = {1.0: experiments.IsingData(configs, {}, "tie-free")}
    store = Store(tmp_path)
    tables = experiments.network_mcrg(networks, data, n_blocks=10, store=store, progress=False)

    exponents = tables["exponents"]
    kernels = [experiments.MAJORITY, "hard", "trained"]
    assert list(exponents["kernel"].unique()) == kernels
    per_kernel = exponents[exponents["kernel"] == "hard"]
    # operators that fit 12, 6 and 3: 10, 6, 2 even and 6, 6, 2 odd
    assert per_kernel.groupby(["sector", "level"]).size().to_dict() == {
        ("h", 1): 6, ("h", 2): 6, ("h", 3): 2, ("t", 1): 10, ("t", 2): 6, ("t", 3): 2}
    assert sorted(per_kernel["L"].unique()) == [3, 6, 12] and (per_kernel["b"] == 2).all()
    for kind, columns in (("exponents", ["lambda", "lambda_error", "y", "y_error"]),
                          ("correlations", ["G_h", "ratio", "ratio_error"]),
                          ("levels", ["energy", "T_eff", "site_magnetisation", "nn_magnetisation_correlation"])):
        table = tables[kind]
        got, want = (table[table["kernel"] == k][columns].to_numpy() for k in ("hard", experiments.MAJORITY))
        np.testing.assert_array_equal(got, want, err_msg=kind)
    assert len(tables["correlations"]) == 3 * (7 + 4 + 2) and len(tables["levels"]) == 3 * 4
    assert np.isfinite(exponents[exponents["kernel"] == "trained"]["lambda"]).all()

    placements = tables["placements"].set_index(["kernel", "level"])
    assert list(placements.index) == [(k, level) for k in ("hard", "trained") for level in (1, 2, 3)]
    np.testing.assert_allclose(placements.loc["hard", "fraction_mean"], 1)
    assert list(placements.loc["hard", "flipped"]) == [int((s < 0).sum()) for s in signs]
    assert list(placements.loc["hard", "centre_shared"]) == [0, 0, 0]

    consistency = experiments.mcrg_consistency(exponents, T=1.0)
    assert len(consistency) == 3 * 3 * 2
    assert consistency[consistency["kernel"] != "trained"]["consistent"].all()
    hard_rows, majority_rows = (consistency[consistency["kernel"] == k] for k in ("hard", experiments.MAJORITY))
    np.testing.assert_array_equal(hard_rows["y"], majority_rows["y"])

    monkeypatch.setattr(experiments, "_network_mcrg_tables", lambda *a: pytest.fail("recomputed"))
    again = experiments.network_mcrg(networks, data, n_blocks=10, store=store, progress=False)
    pd_equal = __import__("pandas").testing.assert_frame_equal
    for kind in tables:
        pd_equal(again[kind], tables[kind])


def test_longer_training_reads_one_trajectory_at_both_ends():
    """On the committed runs: the measurements along the way repeat the sweep's points to the bit,
    the 200-epoch KL lies in the range of the second half, no jump exceeds that range, and the
    20-epoch KL is the sweep's seed-0 value at the paper's L1 strength."""
    lt = sweep.longer_training()
    assert lt["same_path"].all()
    assert ((lt["kl_min"] <= lt["kl_long"]) & (lt["kl_long"] <= lt["kl_max"])).all()
    assert (lt["largest_jump"] <= lt["kl_max"] - lt["kl_min"]).all()
    point = sweep.temperature_sweep(sweep.TEMPERATURES, (("l1", experiments.PAPER_RBM["alpha"]),), (0,), progress=False)
    kl = [analysis.kl_from_log_likelihood(ll, 40, T) for ll, T in zip(point["log_likelihood"], point["T"])]
    np.testing.assert_allclose(lt.loc[point["T"], "kl_short"], kl, rtol=0, atol=0)


def test_sandwich_check_repeats_the_sweep_and_its_estimates_approach_the_exact_kl(tmp_path):
    """On RBMs small enough to enumerate: the retrained points repeat the sweep's log-likelihood
    to the bit; AIS's KL lies within 4 of its errors of the exact value; the verdict is
    converge.bracket's; and RAISE, whose bound is guaranteed only for data drawn from the model
    (these held-out Ising rows are far from a 4-unit RBM), comes closer to the exact KL when the
    annealing is ten times longer."""
    from deeprg.rbm import exact_log_partition, spins_to_visible

    store, T, alpha = Store(tmp_path), experiments.PAPER_T, experiments.PAPER_RBM["alpha"]
    tables = {n_betas: sweep.sandwich_check(
        (T,), epochs=(1, 2), n_hidden=4, store=store, progress=False,
        evaluation={"ais": {"n_betas": n_betas, "n_chains": 50, "schedule": "salakhutdinov"}, "raise_rows": 20})
        for n_betas in (300, 3000)}
    short, long = tables[300], tables[3000]
    assert list(short.index) == [(T, 1), (T, 2)] and short["repeats"].all()
    held = spins_to_visible(experiments.held_out_samples(T, store=store).configs, np.float64)[:20]
    for n in (1, 2):
        config = sweep._point_config(experiments.ising_samples_name(T=T), "l1", alpha, 0, n, 4)
        *_, (_, rbm, _, _) = sweep._training(config, T)
        exact_ll = -rbm.free_energy(held).mean() - exact_log_partition(
            rbm.components_, rbm.intercept_hidden_, rbm.intercept_visible_)
        exact_kl = float(analysis.kl_from_log_likelihood(exact_ll, experiments.PAPER_L, T))
        for table in (short, long):
            row = table.loc[(T, n)]
            assert abs(row["kl_ais"] - exact_kl) < 4 * row["kl_ais_error"]
            info = {"kl_bracket_rows": [row[k] for k in ("kl_ais", "kl_ais_error", "kl_raise", "kl_raise_error")]}
            assert row["verdict"] == converge.bracket(info)["verdict"]
        assert abs(long.loc[(T, n), "kl_raise"] - exact_kl) < abs(short.loc[(T, n), "kl_raise"] - exact_kl) / 2
