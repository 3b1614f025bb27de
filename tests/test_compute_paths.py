"""Every compute path run end to end on a tiny configuration, into a temporary store (issue 24,
item 3): the experiments' training and tables, the sampler validation, the exact trace-condition
fits, the probes' field definitions, the sweeps, and `deeprg reproduce --tiny`. Each test checks
what the path computes (shapes, columns, ranges, a relation that must hold), that a second call
loads the artifact instead of computing it again, and that nothing was saved outside tmp_path."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from deeprg import analysis, cli, codes, converge, exact, experiments, ising, probes, rg, sizes, sweep
from deeprg.rbm import spins_to_visible
from deeprg.store import Store

L = 8  # the toy lattice
LAYERS = (16, 4, 1)  # the toy network: blocks of 2 x 2, 4 x 4 and 8 x 8 sites
REPO_DATA = Path(experiments.__file__).resolve().parents[3] / "data"


def _repo_files() -> set:
    return {p.name for p in REPO_DATA.rglob("*") if p.is_file()} if REPO_DATA.is_dir() else set()


@pytest.fixture
def store(tmp_store, monkeypatch):
    """conftest's tmp_store (also $DEEPRG_DATA), with store.saved: the name of every artifact
    saved by any Store while the test runs. On teardown: every one was saved under tmp_path,
    and none of them appeared in the repository's data/ (others may write there meanwhile)."""
    saved, roots, real = [], set(), Store.save
    before = _repo_files()

    def recording(self, name, *args, **kwargs):
        saved.append(name)
        roots.add(Path(self.root).resolve())
        return real(self, name, *args, **kwargs)

    monkeypatch.setattr(Store, "save", recording)
    tmp_store.saved = saved
    yield tmp_store
    tmp = tmp_store.root.resolve()
    outside = [root for root in roots if root != tmp and tmp not in root.parents]
    assert not outside, f"artifacts saved outside tmp_path: {outside}"
    ours = {p.name for p in tmp.rglob("*") if p.is_file()}
    assert not (_repo_files() - before) & ours, "an artifact of the test appeared in the repository's data/"


def _kinds(names) -> list:
    return sorted({name.split("-")[0] for name in names})


def _toy_data(store, n_samples=1000):
    return experiments.ising_samples(L=L, n_samples=n_samples, store=store, progress=False)


# ----------------------------------------------------------------------------- deep belief networks
def test_trained_dbn_trains_the_stack_caches_it_and_loads_it_back(store, tmp_path):
    data = _toy_data(store, 500)
    trained = experiments.trained_dbn(data=data, layers=LAYERS, n_iter=2, store=store, progress=False)
    assert trained.name.startswith("dbn-deeprg-16-4-1-l1-seed0-")
    assert trained.dbn.layer_sizes == list(LAYERS)
    assert [rbm.components_.shape for rbm in trained.dbn.rbms] == [(16, 64), (4, 16), (1, 4)]
    assert [[h["epoch"] for h in history] for history in trained.history] == [[1, 2]] * 3  # seed 0 is monitored
    assert all(h["pseudo_likelihood"] < 0 and 0 < h["reconstruction_error"] < 1 for hs in trained.history for h in hs)
    assert trained.info["train_seconds"] > 0
    top = trained.dbn.transform(spins_to_visible(data.configs))
    assert top.shape == (500, 1) and ((top > 0) & (top < 1)).all()
    assert np.abs(trained.dbn.rbms[0].intercept_visible_).max() > 0  # trained: the biases moved from zero

    # monitoring records curves and leaves the weights alone (so it is not part of the cache key)
    quiet = experiments.trained_dbn(data=data, layers=LAYERS, n_iter=2, monitor=False, store=Store(tmp_path / "b"),
                                    progress=False)
    assert quiet.name == trained.name and "reconstruction_error" not in quiet.history[0][0]
    for key, value in trained.dbn.to_arrays().items():
        np.testing.assert_array_equal(quiet.dbn.to_arrays()[key], value, err_msg=key)

    n = len(store.saved)
    again = experiments.trained_dbn(data=data, layers=LAYERS, n_iter=2, store=store, progress=False)
    assert len(store.saved) == n and again.history == trained.history
    for key, value in trained.dbn.to_arrays().items():
        np.testing.assert_array_equal(again.dbn.to_arrays()[key], value, err_msg=key)

    # scikit-learn's BernoulliRBM stacked the same way (the label needs the learning rate with n_iter)
    theirs = experiments.sklearn_dbn(data=data, layers=LAYERS, n_iter=2, learning_rate=0.05, store=store,
                                     progress=False)
    assert theirs.name.startswith("dbn-sklearn-16-4-1-none-seed0-lr0.05-e2-")
    assert [type(rbm).__name__ for rbm in theirs.dbn.rbms] == ["BernoulliRBM"] * 3
    assert [rbm.components_.shape for rbm in theirs.dbn.rbms] == [(16, 64), (4, 16), (1, 4)]
    assert _kinds(store.saved) == ["dbn", "ising"]


def test_network_tables_of_a_toy_network_and_their_cache(store, monkeypatch):
    data = _toy_data(store)
    tables = experiments.network_tables(seed=0, store=store, data=data, layers=LAYERS, n_iter=1)
    assert set(tables) == {"summary", "fields", "blocks"}
    for table in tables.values():
        assert list(table.index) == [1, 2, 3] and table.index.name == "layer"
    summary, fields, blocks = tables["summary"], tables["fields"], tables["blocks"]
    assert list(summary["units"]) == list(LAYERS) and list(summary["block"]) == [2, 4, 8]
    assert list(fields["units"]) == list(LAYERS) and (fields["responsive"] <= fields["units"]).all()
    for column in fields.columns[2:]:  # (mean, error over units): no error for the one top unit
        means, errors = np.array(list(fields[column])).T
        assert (means >= (1 if column.startswith("area") else -0.05)).all(), column
        assert (means <= (L * L if column.startswith("area") else 1)).all(), column
        assert (errors[:2] > 0).all() and np.isnan(errors[2]), column
    for column in ("trained", "untrained", "random local", "PCA", "oddness"):
        assert all(0 <= m <= 1 for m, e in blocks[column]), column
    # the layer's units match its b x b block spins better than the untrained network's do
    assert all(t[0] > u[0] for t, u in zip(blocks["trained"], blocks["untrained"]))
    assert _kinds(store.saved) == ["dbn", "ising", "tables"]

    # the cached tables are the probes of the cached network on the held-out samples of its lattice
    trained = experiments.trained_dbn(data=data, layers=LAYERS, n_iter=1, store=store, progress=False)
    held = experiments.held_out_samples(L=L, store=store)
    assert held.configs.shape == (2000, L, L)
    pd.testing.assert_frame_equal(fields, probes.field_definitions(trained.dbn, held.configs), check_dtype=False)

    n = len(store.saved)
    monkeypatch.setattr(experiments, "trained_dbn", lambda *a, **k: pytest.fail("the network was loaded or trained"))
    again = experiments.network_tables(seed=0, store=store, data=data, layers=LAYERS, n_iter=1)
    assert len(store.saved) == n
    for kind in tables:
        pd.testing.assert_frame_equal(again[kind], tables[kind])


def test_sklearn_learning_rates_scan_and_the_matched_network(store):
    from sklearn.neural_network import BernoulliRBM

    data = _toy_data(store)
    rates = experiments.sklearn_learning_rates(rates=(0.01, 0.1), n_iter=2, data=data, n_hidden=4, store=store,
                                               progress=False)
    assert list(rates.columns) == ["learning_rate", "pseudo_likelihood", "pseudo_likelihood_error"]
    assert list(rates["learning_rate"]) == [0.01, 0.1]
    assert ((rates["pseudo_likelihood"] < 0) & (rates["pseudo_likelihood"] > -L * L * 10)).all()
    assert (rates["pseudo_likelihood_error"] > 0).all()
    # each row is BernoulliRBM trained and scored on the held-out samples of the same lattice
    held = spins_to_visible(experiments.held_out_samples(L=L, store=store).configs)
    rbm = BernoulliRBM(4, learning_rate=0.1, batch_size=100, n_iter=2, random_state=0)
    rbm.fit(spins_to_visible(data.configs))
    mean, error = analysis.mean_and_error(rbm.score_samples(held))
    assert rates["pseudo_likelihood"].iloc[1] == pytest.approx(mean, rel=1e-6)
    assert rates["pseudo_likelihood_error"].iloc[1] == pytest.approx(error, rel=1e-6)

    n = len(store.saved)
    pd.testing.assert_frame_equal(experiments.sklearn_learning_rates(rates=(0.01, 0.1), n_iter=2, data=data,
                                                                     n_hidden=4, store=store, progress=False), rates)
    assert len(store.saved) == n

    # the matched network takes the best rate of the full scan on its own data and first-layer size
    matched = experiments.sklearn_matched_dbn(data=data, layers=(4, 2), n_iter=1, store=store, progress=False)
    scan = experiments.sklearn_learning_rates(data=data, n_hidden=4, store=store, progress=False)
    assert list(scan["learning_rate"]) == list(experiments.SKLEARN_RATES)
    best = scan.loc[scan["pseudo_likelihood"].idxmax(), "learning_rate"]
    assert f"-lr{best:g}-e1-" in matched.name and matched.dbn.rbms[0].components_.shape == (4, 64)
    assert _kinds(store.saved) == ["dbn", "ising", "sklearn"]


# ----------------------------------------------------------------------------- sampling and exact fits
def test_sampler_validation_agrees_with_the_exact_torus(store):
    table = experiments.sampler_validation(L=L, n_samples=1000, store=store, progress=False)
    assert list(table.columns) == ["algorithm", "T", "energy", "energy_error", "energy_exact", "specific_heat",
                                   "specific_heat_error", "specific_heat_exact", "tau_energy", "tau_abs_m", "thin",
                                   "burn_in", "sample_tau_energy"]
    assert len(table) == len(ising.ALGORITHMS) * len(experiments.VALIDATION_TEMPERATURES)
    assert set(table["algorithm"]) == set(ising.ALGORITHMS)
    np.testing.assert_allclose(sorted(set(table["T"])), sorted(experiments.VALIDATION_TEMPERATURES))
    np.testing.assert_allclose(table["energy_exact"], [exact.energy_per_spin(L, T) for T in table["T"]])
    np.testing.assert_allclose(table["specific_heat_exact"], [exact.specific_heat_per_spin(L, T) for T in table["T"]])
    assert ((table["energy"] > -2) & (table["energy"] < 0)).all() and (table["specific_heat"] > 0).all()
    assert (table["energy_error"] > 0).all() and (table["specific_heat_error"] > 0).all()
    # every sampler reproduces the exact energy and specific heat within its own errors
    for key in ("energy", "specific_heat"):
        z = (table[key] - table[f"{key}_exact"]) / table[f"{key}_error"]
        assert (z.abs() < 4).all(), table.assign(z=z)[["algorithm", "T", "z"]]
    assert (table["thin"] >= 1).all() and (table["burn_in"] > 0).all() and (table["tau_energy"] > 0).all()
    examples = table.attrs["examples"]  # Wolff's first configurations at each temperature
    assert sorted(examples) == pytest.approx(sorted(experiments.VALIDATION_TEMPERATURES), abs=1e-4)
    assert all(v.shape == (4, L, L) and set(np.unique(v)) <= {-1, 1} for v in examples.values())

    n = len(store.saved)
    again = experiments.sampler_validation(L=L, n_samples=1000, store=store, progress=False)
    assert len(store.saved) == n
    pd.testing.assert_frame_equal(again, table)
    assert _kinds(store.saved) == ["validation"]


def test_trace_condition_exact_fits_beat_contrastive_divergence(store):
    table = experiments.trace_condition_exact(L=3, hidden=(1, 2), starts=2, store=store, progress=False)
    assert list(table.columns) == ["hidden", "seed", "init_scale", "kl", "spread", "range", "hidden_kl"]
    assert list(table["hidden"]) == [1, 1, 2, 2, 18] and list(table["seed"]) == [0, 1, 0, 1, -1]
    assert list(table["init_scale"][:4]) == [0.1, 0.3, 0.1, 0.3] and np.isnan(table["init_scale"].iloc[-1])
    fits, bond = table[table["seed"] >= 0], table[table["seed"] == -1].iloc[0]
    # the hand-built RBM with one hidden unit per bond satisfies the trace condition exactly
    assert bond["kl"] == pytest.approx(0, abs=1e-9) and bond["spread"] == pytest.approx(0, abs=1e-6)
    assert np.isnan(bond["hidden_kl"])  # more than 12 hidden units: not enumerated
    assert (fits["kl"] > 0).all() and (fits["spread"] > 0).all() and (fits["range"] >= fits["spread"]).all()
    assert (fits["hidden_kl"] >= -1e-12).all()
    assert fits.groupby("hidden")["kl"].min()[2] <= fits.groupby("hidden")["kl"].min()[1] + 1e-9  # nested models

    # minimising the exact KL does at least as well as contrastive divergence on samples
    cd = experiments.trace_condition(L=3, hidden=(1, 2), seeds=(0, 1), n_samples=2000, store=store, progress=False)
    assert (fits["kl"].to_numpy() <= cd["kl"].to_numpy() + 1e-9).all()

    n = len(store.saved)
    pd.testing.assert_frame_equal(experiments.trace_condition_exact(L=3, hidden=(1, 2), starts=2, store=store,
                                                                    progress=False), table)
    assert len(store.saved) == n
    assert _kinds(store.saved) == ["trace"]  # "trace-exact" and "trace"


def test_exact_fits_need_many_starts_at_two_hidden_units(store):
    """At 2 hidden units the exact KL has (at least) two basins, 0.105 and 0.089 nats; the first
    three starts all end in the worse one, the default number finds the better one, and the
    summary says how many starts reached it."""
    few = experiments.trace_condition_exact(L=3, hidden=(2,), starts=3, store=store, progress=False)
    assert few["kl"].iloc[:3].min() == pytest.approx(0.10526, abs=1e-4)
    table = experiments.trace_condition_exact(L=3, hidden=(2,), store=store, progress=False)
    summary = experiments.best_of_starts(table)
    assert summary.loc[2, "starts"] == experiments.EXACT_FIT_STARTS
    assert summary.loc[2, "best"] == pytest.approx(0.0891, abs=1e-3)
    assert summary.loc[2, "worst"] == pytest.approx(0.10526, abs=1e-4)
    assert 1 <= summary.loc[2, "at_best"] < summary.loc[2, "starts"]


def test_exact_fits_stop_once_a_start_reaches_zero(store):
    table = experiments.trace_condition_exact(L=3, hidden=(8,), starts=6, store=store, progress=False)
    fits = table[table["seed"] >= 0]
    assert len(fits) == 3 and fits["kl"].min() < experiments.EXACT_ZERO  # KL >= 0: no start can do better


def test_best_of_starts_counts_the_starts_at_the_best():
    fits = pd.DataFrame({"hidden": [1, 1, 1, 2, 2, 9], "seed": [0, 1, 2, 0, 1, -1],
                         "kl": [0.5, 0.2, 0.2 + 2e-5, 0.1, 0.1 + 5e-6, 0.0], "range": [1.0, 2.0, 3.0, 4.0, 5.0, 0.0],
                         "hidden_kl": [0.01, 0.03, 0.02, np.nan, 0.0, np.nan]})
    summary = experiments.best_of_starts(fits)
    assert list(summary.index) == [1, 2]  # the hand-built row (seed -1) is left out
    assert summary.loc[1].to_dict() == {"starts": 3, "best": 0.2, "worst": 0.5, "at_best": 1, "range_at_best": 2.0,
                                        "hidden_kl_worst": 0.03}
    assert summary.loc[2, "at_best"] == 2 and np.isnan(summary.loc[2, "hidden_kl_worst"])


# ----------------------------------------------------------------------------- probes
def _hand_built_dbn():
    """Layer 1 on the 8 x 8 torus: a 2 x 2 block, a single site, a 4 x 4 block, and another
    4 x 4 block silenced by a bias of -60; layer 2: one unit reading all four."""
    from deeprg.dbn import DBN

    W = np.zeros((4, L, L))
    W[0, :2, :2], W[1, 3, 5], W[2, 4:, 4:], W[3, 2:6, 1:5] = 1.0, 2.0, 0.25, 0.25
    b = np.array([-2.0, -1.0, -2.0, -60.0])
    arrays = {"W0": W.reshape(4, -1), "b0": b, "c0": np.zeros(L * L),
              "W1": np.ones((1, 4)), "b1": np.array([-1.5]), "c1": np.zeros(4)}
    return DBN((4, 1)).load_arrays(arrays)


def test_field_definitions_measure_known_fields(store):
    from deeprg import rg

    configs = _toy_data(store, 2000).configs
    table = probes.field_definitions(_hand_built_dbn(), configs)
    assert list(table.index) == [1, 2] and list(table["units"]) == [4, 1] and list(table["responsive"]) == [3, 1]
    first = table.loc[1]
    uniform = rg.radius_of_gyration(np.ones((1, L * L)), (L, L))[0]
    block = [1 - np.sqrt((b**2 - 1) / 6) / uniform for b in (2, 1, 4)]  # rg.locality of b x b blocks
    assert first["locality: weights"][0] == pytest.approx(np.mean(block))
    assert first["locality: weights (all units)"][0] == pytest.approx(np.mean(block + block[2:]))
    assert first["area: weights"][0] == pytest.approx((4 + 1 + 16) / 3)
    assert first["area: weights (all units)"][0] == pytest.approx((4 + 1 + 16 + 16) / 4)
    # in the first layer the linear response is each unit's weights times a number
    for quantity in ("locality", "area"):
        assert first[f"{quantity}: linear response"][0] == pytest.approx(first[f"{quantity}: weights"][0], rel=1e-9)
    # the spike-triggered field of a unit carries the data's correlations: never smaller than one site
    assert 1 <= first["area: spike-triggered"][0] <= L * L
    second = table.loc[2]  # one unit, responsive: one field, no error over units
    assert second["area: weights"][0] == second["area: weights (all units)"][0] and np.isnan(second["area: weights"][1])
    # its field by weights is W_2 W_1, the sum of the four first-layer fields, the silent one's too
    total = _hand_built_dbn().rbms[0].components_.sum(axis=0)
    assert second["area: weights"][0] == pytest.approx(rg.participation_ratio(total)[0] * L * L)


# ----------------------------------------------------------------------------- the sweeps
SMALL = dict(L=L, n_hidden=4, n_iter=1, seeds=(0,), progress=False)


def test_sweeps_on_a_toy_lattice(store):
    T = experiments.PAPER_T
    table = sweep.penalty_sweep(penalties=("none", "l1"), alphas=(1e-3,), store=store, **SMALL)
    assert list(zip(table["penalty"], table["alpha"])) == [("none", 0.0), ("l1", 1e-3), ("l1", 2e-4)]
    for key in ("locality", "participation", "reconstruction_error", "pseudo_likelihood", "log_likelihood"):
        assert (table[f"{key}_error"] > 0).all(), key
    assert ((table["locality"] > -0.1) & (table["locality"] < 1)).all()
    assert ((table["sparsity"] >= 0) & (table["sparsity"] <= 1)).all()
    assert ((table["log_likelihood"] < 0) & (table["log_likelihood"] > -L * L * np.log(2))).all()
    # read on the 8 x 8 torus, no model beats the exact entropy: KL > 0 (on 40 x 40 it would be << 0)
    assert (analysis.with_kl(table, L)["kl"] > 0).all()
    assert [len(c) for c in table.attrs["locality_per_epoch"].values()] == [1]
    names = set(store.saved)
    held_out = experiments.ising_samples_name(L=L, T=T, n_samples=2000, seed=1)
    assert {experiments.ising_samples_name(L=L, T=T), held_out} <= names
    assert sum(n.startswith("sweep-") and "-h4-L8-" in n for n in names) == 3

    # the temperature sweep reuses the points at the paper's temperature; the fine grid and the
    # control are temperature sweeps too
    n = len(store.saved)
    temperature = sweep.temperature_sweep(temperatures=(2.0, T), settings=(("none", 0.0), ("l1", 1e-3)),
                                          store=store, **SMALL)
    assert len(store.saved) == n + 2 + 2  # two points and the two data sets at T = 2.0
    at_paper_T = temperature[temperature["T"] == T].reset_index(drop=True)
    pd.testing.assert_frame_equal(at_paper_T, table.iloc[:2])
    fine = sweep.fine_temperature_sweep(temperatures=(2.0, 2.6), settings=(("none", 0.0),), store=store, **SMALL)
    control = sweep.negligible_penalty_control(temperatures=(2.0,), store=store, **SMALL)
    assert list(fine["T"]) == [2.0, 2.6] and list(control["penalty"]) == ["l2"]
    assert fine["locality"].iloc[0] == temperature["locality"].iloc[0]  # the same point

    # a data set of another size is another artifact; the cached sweep is loaded, not computed
    other = sweep.appendix_data_set(1000, (("none", 0.0),), store=store, **SMALL)
    assert sum("-h4-L8-n1000-" in name for name in store.saved) == 1 and len(other) == 1
    n = len(store.saved)
    pd.testing.assert_frame_equal(sweep.penalty_sweep(penalties=("none", "l1"), alphas=(1e-3,), store=store, **SMALL),
                                  table)
    assert len(store.saved) == n


def test_long_runs_and_ais_rechecks_on_a_toy_lattice(store, monkeypatch):
    T = experiments.PAPER_T
    small = dict(L=L, n_hidden=4, store=store, progress=False)
    long = sweep.paper_epochs_by_temperature((T,), n_iter=2, **small)
    assert list(long["penalty"]) == ["l1"] and [len(c) for c in long.attrs["locality_per_epoch"].values()] == [2]
    measured = sweep.measured_by_epoch((T,), every=1, n_iter=2, **small)
    assert list(measured["epoch"]) == [1, 2]
    for key in ("log_likelihood", "locality", "pseudo_likelihood"):  # the same trajectory, measured on the way
        assert measured[key].iloc[-1] == long[key].iloc[0], key

    check = sweep.ais_recheck_long((T,), ais_seeds=(0, 1), betas_factor=2, n_iter=2, **small)
    row = check.iloc[0]
    assert row["log_likelihood"] == long["log_likelihood"].iloc[0]  # the sweep's own AIS seed comes first
    assert row["seed_spread"] > 0 and row["stated_error"] > 0
    # 4 hidden units: ln Z is enumerated, and both annealings bracket the exact log-likelihood
    assert abs(row["log_likelihood"] - row["exact"]) < 4 * row["stated_error"]
    assert abs(row["log_likelihood_more_betas"] - row["exact"]) < 4 * row["log_likelihood_more_betas_error"]
    # the points the recheck flags are rechecked on every training seed (here: every point is flagged)
    options = dict(temperatures=(T,), settings=(("l1", 1e-3),), ais_seeds=(0, 1), betas_factor=2, n_iter=1, **small)
    assert sweep.ais_recheck_flagged(**options).empty == (not sweep.ais_flagged(sweep.ais_recheck(**options)).any())
    monkeypatch.setattr(sweep, "ais_flagged", lambda check, n_sigma=4.0: check["shift"] == check["shift"])
    flagged = sweep.ais_recheck_flagged(seeds=(0, 1), **options)
    assert list(flagged["seed"]) == [0, 1]
    pd.testing.assert_frame_equal(flagged.iloc[:1], sweep.ais_recheck(**options))
    assert {"aischeck", "epochs", "ising", "sweep"} == set(_kinds(store.saved))


def test_ordered_phase_and_explorer_on_a_toy_lattice(store):
    T = sweep.ORDERED_T
    table = sweep.ordered_phase(T, (("l1", 1e-3),), store=store, **SMALL).set_index("symmetrised")
    assert list(table.index) == [False, True]
    assert (table["kl"] > 0).all()  # read with the toy lattice's entropy
    for _, row in table.iterrows():
        f = row["fraction_up"]
        assert 0 < f < 1 and 0 <= row["chains_up_stay_up"] <= 1 and 0 <= row["chains_down_end_up"] <= 1
        whole = f * row["log_likelihood_up"] + (1 - f) * row["log_likelihood_down"]
        assert whole == pytest.approx(row["log_likelihood"])

    # the explorer's snapshots follow the sweep's trajectory: its last is the point's network
    (point,) = sweep._explorer([(T, "l1", 1e-3)], (1, 2), 0, 1, store, False, n_hidden=4, L=L)
    assert point["fields"].shape == (2, 4, L * L) and point["fields"].dtype == np.int8
    assert np.abs(point["fields"]).max() == 127 and list(point["epochs"]) == [1, 2]
    swept = sweep.temperature_sweep((T,), (("l1", 1e-3),), (0,), n_iter=2, n_hidden=4, L=L, store=store, progress=False)
    assert point["stats"][-1, 0] == pytest.approx(swept["locality"].iloc[0], rel=1e-5)
    assert {"explorer", "ising", "ordered", "sweep"} == set(_kinds(store.saved))


def test_information_table_on_the_enumerable_torus(store):
    """information_table on the 4 x 4 torus (buffer 0: the only width whose environment is not
    empty there), where enumeration gives majority rule's I(H : E) exactly at both temperatures:
    the measured value must lie within four of its standard errors of it."""
    from deeprg import information as inf

    data = {T: experiments.ising_samples(L=4, T=T, n_samples=4000, store=store, progress=False)
            for T in (exact.T_C, experiments.PAPER_T)}
    networks = experiments.penalty_dbns(0, data=data[experiments.PAPER_T], layers=(4, 1), n_iter=1, store=store,
                                        progress=False)
    tables = experiments.information_table(networks, data, buffers=(0,), store=store, progress=False)
    table, candidates = tables["table"], tables["candidates"]
    variables = list(experiments.INFO_VARIABLES.values())
    assert list(table.columns) == ["T", "buffer", "variable", "network", "weights", "n", "bits", "bits_error",
                                   "spread_error", "entropy", "silent", "active_bits", "active_spread_error",
                                   "median", "max", "vs_majority", "vs_majority_error", "vs_majority_spread_error",
                                   "above", "below"]
    assert len(table) == 2 * (3 + 3 * 3) and set(table["variable"]) == set(variables)
    assert list(table["network"].unique()) == ["", "L1", "L2", "none"]
    assert (table["buffer"] == 0).all() and table.attrs["seconds"] > 0
    for T in data:
        rows = table[np.isclose(table["T"], T)].set_index(["variable", "network"])
        majority = rows.loc[("majority rule", "")]
        truth = inf.enumerated_filter_information(4, 4, T, np.ones(4), 2, (0, 0), 0)
        assert 0 < majority["bits_error"] < 0.02
        assert abs(majority["bits"] - truth) < 4 * majority["bits_error"], (T, majority["bits"], truth)
        assert majority["n"] == 4 and majority["weights"] == "(1, 1, 1, 1)" and majority["entropy"] > 0.98
        assert majority["vs_majority"] == majority["vs_majority_error"] == majority["above"] == 0
        units = rows.loc[("units", "L1")]
        assert units["n"] == 4 and 0 <= units["silent"] <= 1 and units["above"] + units["below"] <= 1
        assert units["vs_majority_error"] > 0 and units["bits"] <= units["max"] + 1e-12
        # at buffer 0 the box is the block itself: box majority is majority rule with other coins and folds
        box = rows.loc[("box majority", "")]
        assert box["n"] == len(experiments.information_blocks(4)) == 1 and len(experiments.information_blocks(40)) == 100
        assert abs(box["vs_majority"]) < 4 * box["vs_majority_error"]
        # the RSMI filter is the best of the candidates on the held-out samples, measured on the others
        chosen = candidates[np.isclose(candidates["T"], T)]
        assert len(chosen) == 11 and chosen["chosen"].sum() == 1
        assert chosen.loc[chosen["chosen"], "bits"].item() == chosen["bits"].max()
        assert chosen.loc[chosen["chosen"], "weights"].item() == rows.loc[("RSMI filter", ""), "weights"]
    assert _kinds(store.saved) == ["dbn", "information", "ising"]

    n = len(store.saved)
    again = experiments.information_table(networks, data, buffers=(0,), store=store, progress=False)
    assert len(store.saved) == n
    pd.testing.assert_frame_equal(again["table"], table)
    pd.testing.assert_frame_equal(again["candidates"], candidates)
    with pytest.raises(ValueError, match="held_out must have the temperatures of data"):
        experiments.information_table(networks, data, {exact.T_C: data[exact.T_C]}, store=store)


# ----------------------------------------------------------------------------- deeprg reproduce
def _data_sets(config):
    """The names of the data sets (ising artifacts) a store config refers to, at any depth."""
    values = config.values() if isinstance(config, dict) else config if isinstance(config, list) else [config]
    for value in values:
        if isinstance(value, (dict, list)):
            yield from _data_sets(value)
        elif isinstance(value, str) and value.startswith("ising-"):
            yield value


def test_reproduce_passes_toy_sizes_only_when_tiny(monkeypatch):
    """Every step of the real run is called as before (no size arguments); with --tiny each
    gets the toy lattice (or data set on it)."""
    calls = []
    for module, names in ((experiments, ("ising_samples", "held_out_samples", "sampler_validation", "penalty_dbns",
                                         "penalty_tables", "sklearn_dbn", "sklearn_matched_dbn", "persistent_dbn",
                                         "trace_condition", "trace_condition_exact", "rbm_flow", "iso_flow")),
                          (sweep, ("penalty_sweep", "temperature_sweep", "fine_temperature_sweep",
                                   "negligible_penalty_control", "ordered_phase", "appendix_data_set",
                                   "paper_epochs_by_temperature", "measured_by_epoch", "ais_recheck",
                                   "ais_recheck_long", "ais_recheck_flagged", "permuted_control", "sandwich_check",
                                   "scale_test")),
                          (converge, ("train", "paper_evaluation", "converged_evaluation", "two_product_bracket",
                                      "field_table"))):
        for name in names:
            monkeypatch.setattr(module, name, lambda *a, name=name, **k: calls.append((name, a, k)))
    monkeypatch.setattr(experiments, "network_mcrg", lambda *a, **k: calls.append(("network_mcrg", a, k)))
    monkeypatch.setattr(experiments, "information_table", lambda *a, **k: calls.append(("information_table", a, k)))
    monkeypatch.setattr(sizes, "penalty_sizes", lambda *a, **k: calls.append(("penalty_sizes", a, k)))
    monkeypatch.setattr(codes, "penalty_codes", lambda *a, **k: calls.append(("penalty_codes", a, k)))
    for _, step in cli._steps(tiny=False):
        step()
    assert len(cli._steps()) == 33 and len(cli._steps(tiny=True)) == 27
    runs = [(k["T"], k["seed"]) for name, _, k in calls if name == "train" and "recipe" not in k]
    assert sorted(runs) == sorted((T, s) for T in converge.TEMPERATURES for s in converge.SEEDS)
    assert all(set(k) <= {"T", "seed", "progress"} for name, _, k in calls if name == "train" and "recipe" not in k)
    assert [k for name, _, k in calls if name == "train" and "recipe" in k] == [
        {"T": experiments.PAPER_T, "seed": 0, "recipe": converge.L1_RECIPE, "progress": True}] + [
        {"T": 2.0, "seed": 0, "recipe": recipe, "schedule": schedule, "progress": True}
        for recipe, schedule in converge.ORDERED_REMEDIES.values()]
    assert [k for name, _, k in calls if name == "field_table"] == [
        {}, {"temperatures": (experiments.PAPER_T,), "seeds": (0,), "recipe": converge.L1_RECIPE}]
    assert sum(name == "paper_evaluation" for name, _, _ in calls) == 3
    checks = [(args, kwargs) for name, args, kwargs in calls if name == "two_product_bracket"]
    assert checks == [((T, 0), {"n_betas": n}) for T, n in converge.TWO_PRODUCT_CHECKS] + [
        ((2.0, 0), {"recipe": recipe, "schedule": schedule}) for recipe, schedule in converge.ORDERED_REMEDIES.values()]
    others = [(name, args, kwargs) for name, args, kwargs in calls
              if name not in ("train", "paper_evaluation", "converged_evaluation", "two_product_bracket", "field_table")]
    assert len(others) == 30
    assert all(not args and set(kwargs) <= {"n_jobs", "with_control"} for _, args, kwargs in others), others

    toy = lambda L, **k: experiments.IsingData(np.ones((1, L, L)), {}, "toy")  # noqa: E731
    monkeypatch.setattr(experiments, "ising_samples", toy)
    calls.clear()
    for _, step in cli._steps(tiny=True):
        step()
    assert not {"paper_evaluation", "converged_evaluation", "two_product_bracket", "field_table", "network_mcrg",
                "information_table", "penalty_sizes", "penalty_codes"} & {name for name, _, _ in calls}
    for name, args, kwargs in calls:
        if name == "scale_test":
            assert {L for L, *_ in kwargs["points"]} == {cli.TINY["L"]} and kwargs["n_iter"] == cli.TINY["n_iter"]
            continue
        size = kwargs.get("L") or kwargs["data"].configs.shape[-1]
        assert size == (3 if name.startswith("trace") else cli.TINY["L"]), name


def test_reproduce_tiny_refuses_to_write_into_the_repository(monkeypatch):
    monkeypatch.delenv("DEEPRG_DATA", raising=False)
    with pytest.raises(SystemExit, match="DEEPRG_DATA"):
        cli.main(["reproduce", "--tiny"])


@pytest.mark.slow  # two whole tiny recomputes in subprocesses (~40 s); CI runs the slow tests
def test_reproduce_tiny_runs_every_step_into_deeprg_data(tmp_path):
    """`deeprg reproduce --tiny` (a new process: its joblib workers see its $DEEPRG_DATA) runs
    all the steps of the real run, two in parallel where the real run is, and leaves every
    artifact readable in $DEEPRG_DATA; a second run finds them all and computes nothing."""
    before = _repo_files()
    env = os.environ | {"DEEPRG_DATA": str(tmp_path), "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
                        "NUMBA_NUM_THREADS": "1", "TQDM_DISABLE": "1"}
    command = [sys.executable, "-m", "deeprg.cli", "reproduce", "--tiny"]
    run = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    steps = [line[3:] for line in run.stdout.splitlines() if line.startswith("== ")]
    assert steps == [label for label, _ in cli._steps(tiny=True)]

    store = Store(tmp_path)
    names = sorted(p.stem for p in tmp_path.rglob("*.json"))
    assert sorted(p.stem for p in tmp_path.rglob("*.npz")) == names
    assert _kinds(names) == ["aischeck", "converged", "dbn", "epochs", "flow", "ising", "ordered", "permuted", "sandwich",
                             "scale", "sklearn", "sweep", "tables", "trace", "validation", "weights"]
    for name in names:  # every artifact whole (its checksum holds), on the toy lattice
        config = store.load(name)[1]["config"]
        assert not name.startswith("ising-") or config["L"] == cli.TINY["L"], name
        assert all(d.startswith(f"ising-L{cli.TINY['L']}-") for d in _data_sets(config)), name
    assert not (_repo_files() - before) & {p.name for p in tmp_path.rglob("*") if p.is_file()}

    files = {p.name: p.stat().st_mtime_ns for p in tmp_path.rglob("*") if p.is_file()}
    again = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr[-3000:]
    assert {p.name: p.stat().st_mtime_ns for p in tmp_path.rglob("*") if p.is_file()} == files


def test_scrambled_fields_go_back_on_the_lattice():
    """A compact field (a 2 x 2 block of the 8 x 8 torus) scrambled by the control's permutation
    is spread over the lattice (low locality); on_lattice puts it back exactly."""
    W = np.zeros((1, L * L))
    W[0, [0, 1, L, L + 1]] = 1.0
    order = sweep.site_permutation(L * L, 0)
    assert sorted(order) == list(range(L * L)) and not (order == np.arange(L * L)).all()
    scrambled = W[:, order]  # what a network sees when column j is site order[j]
    np.testing.assert_array_equal(sweep.on_lattice(scrambled, order), W)
    assert rg.locality(scrambled, (L, L))[0] < 0.5 * rg.locality(W, (L, L))[0]


def test_the_permuted_control_on_a_toy_lattice(store):
    """The scrambled points train on the real samples' columns in the permutation's order (the
    held-out samples too), are stored under their own kind, and are compared with the penalty
    sweep's points of the same seeds."""
    T = experiments.PAPER_T
    config = sweep._point_config(experiments.ising_samples_name(L=L, T=T), "none", 0.0, 0, 1, 4, L)
    (_, _, X, held), = sweep._training(config, T)
    (_, _, Xp, heldp), = sweep._training(config | {"permuted": 3}, T)
    order = sweep.site_permutation(L * L, 3)
    np.testing.assert_array_equal(Xp, X[:, order])
    np.testing.assert_array_equal(heldp, held[:, order])
    options = dict(L=L, n_hidden=4, n_iter=1, seeds=(0, 1))
    table = sweep.permuted_control(store=store, progress=False, **options)
    assert list(zip(table["penalty"], table["seed"])) == [("none", 0), ("none", 1), ("l1", 0), ("l1", 1)]
    assert ((table["locality_on_lattice"] > -0.1) & (table["locality_on_lattice"] < 1)).all()
    assert sum(n.startswith("permuted-") for n in store.saved) == 4
    compared = sweep.permuted_comparison(store=store, **options)
    assert list(compared.index.get_level_values("penalty")) == ["none", "l1"]
    real = sweep.penalty_sweep(("none", "l1"), (), store=store, progress=False, **options)
    assert compared.loc[("none", 0.0), "real data"][0] == pytest.approx(real[real["penalty"] == "none"]["locality"].mean())
