"""Training to convergence: the stopping rule, the learning-rate schedule, and a whole run on a
tiny torus (exact ln Z), interrupted and resumed."""

import numpy as np
import pytest

from deeprg import converge, exact
from deeprg.rbm import partition
from deeprg.store import Store

TINY = {"recipe": {"n_components": 6, "batch_size": 50}, "L": 4, "n_samples": 1000,
        "schedule": {"check_every": 2, "max_epochs": 40, "decay_epochs": 10}}


def test_learning_rate_decays_harmonically():
    assert converge.learning_rate(0.01, 0, 50) == 0.01
    assert converge.learning_rate(0.01, 50, 50) == pytest.approx(0.005)
    assert converge.learning_rate(0.01, 100, 50) == pytest.approx(0.01 / 3)
    with pytest.raises(ValueError, match="decay_epochs must be > 0, got 0"):
        converge.learning_rate(0.01, 3, 0)


@pytest.mark.parametrize("ll, se, expected", [
    ([1.0, 2.0, 3.0], [0.1] * 3, False),  # too few checks to judge
    ([1.0, 2.0, 3.0, 4.0], [0.1] * 4, False),  # still improving by 10 sigma a check
    ([1.0, 5.0, 5.1, 5.0, 5.2], [0.1] * 5, True),  # last three within 2 sqrt(2) 0.1 = 0.283 of the best before
    ([1.0, 5.0, 5.1, 5.0, 5.3], [0.1] * 5, False),  # 0.3 above it: still improving
    ([1.0, 5.0, 5.1, 5.0, 5.3], [0.2] * 5, True),  # the same, with errors twice as large
    ([1.0, 5.0, 4.0, 3.0, 2.0], [0.1] * 5, True),  # getting worse counts as no improvement
])
def test_stopping_rule(ll, se, expected):
    assert converge.stopped(ll, se, patience=3, n_sigma=2.0) is expected


def test_stopping_rule_margin_is_n_sigma_combined_errors():
    """The threshold is n_sigma sqrt(se_last^2 + se_best^2), on either side of it."""
    margin = 2.0 * np.hypot(0.3, 0.4)
    assert converge.stopped([0.0, 1.0, 1.0 + margin - 1e-9], [0.1, 0.4, 0.3], patience=1, n_sigma=2.0)
    assert not converge.stopped([0.0, 1.0, 1.0 + margin + 1e-9], [0.1, 0.4, 0.3], patience=1, n_sigma=2.0)
    with pytest.raises(ValueError, match="one length"):
        converge.stopped([1.0, 2.0], [0.1], patience=1, n_sigma=2.0)


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    store = Store(tmp_path_factory.mktemp("converge"))
    return converge.train(T=2.451, seed=0, store=store, progress=False, **TINY), store


def test_a_tiny_run_learns_and_stops_by_its_rule(finished):
    (arrays, sidecar), _ = finished
    ll, se = arrays["log_likelihood"], arrays["log_likelihood_error"]
    assert np.all(se == 0)  # 6 hidden units: ln Z enumerated
    assert np.array_equal(arrays["epoch"], 2 * np.arange(1, len(ll) + 1))
    assert sidecar["info"]["epochs"] == arrays["epoch"][-1]
    if sidecar["info"]["converged"]:
        assert converge.stopped(ll, se, 3, 2.0) and not converge.stopped(ll[:-1], se[:-1], 3, 2.0)
    # the exact KL of the final model: below fair coins and below the first check's
    coins = 16 * (np.log(2) - exact.entropy_per_spin(4, 2.451))
    assert 0 < arrays["kl"][-1] < min(coins, arrays["kl"][0])
    np.testing.assert_allclose(arrays["learning_rate"], [converge.learning_rate(0.01, e - 1, 10) for e in arrays["epoch"]])


def test_an_interrupted_run_resumes_to_the_same_bits(finished, tmp_path, monkeypatch):
    """Stop a run after its third checkpoint, damage the third, and run it again: it resumes from
    the second and ends where the uninterrupted run ended, bit for bit; the checkpoints go."""
    (reference, _), _ = finished
    store = Store(tmp_path)
    save, calls = converge._Checkpoints.save, []

    def interrupt(self, rbm, rows, judged):
        save(self, rbm, rows, judged)
        calls.append(rbm.n_epochs_)
        if len(calls) == 3:
            raise KeyboardInterrupt

    monkeypatch.setattr(converge._Checkpoints, "save", interrupt)
    with pytest.raises(KeyboardInterrupt):
        converge.train(T=2.451, seed=0, store=store, progress=False, **TINY)
    monkeypatch.setattr(converge._Checkpoints, "save", save)
    third = sorted((tmp_path / "checkpoints").rglob("*-e00006.npz"))
    assert len(third) == 1
    third[0].write_bytes(third[0].read_bytes()[:100])  # a partial write
    with pytest.warns(RuntimeWarning, match="skipping a damaged checkpoint.*e00006"):
        arrays, _ = converge.train(T=2.451, seed=0, store=store, progress=False, **TINY)
    for key in reference:
        np.testing.assert_array_equal(arrays[key], reference[key], err_msg=key)
    for got, want in zip(converge.weights(T=2.451, seed=0, store=store, progress=False, **TINY),
                         converge.weights(T=2.451, seed=0, store=finished[1], progress=False, **TINY)):
        np.testing.assert_array_equal(got, want)
    assert not [p for p in (tmp_path / "checkpoints").rglob("*") if p.is_file()]


def test_weights_missing_from_the_store_are_trained_again_to_the_same_bits(finished, tmp_path):
    """Only seed 0's weights are committed: the others are regenerated from the run's seed."""
    _, store = finished
    want = converge.weights(T=2.451, seed=0, store=store, progress=False, **TINY)
    copy = Store(tmp_path)
    for path in store.root.rglob("*"):
        if path.is_file() and not path.name.startswith("weights-converged"):
            target = tmp_path / path.relative_to(store.root)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(path.read_bytes())
    got = converge.weights(T=2.451, seed=0, store=copy, progress=False, **TINY)
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g, w)


def test_a_check_judges_the_mean_of_the_epochs_since_the_one_before(tmp_path):
    """The first check of a run (epochs 1-2, exact ln Z) is the held-out log-likelihood of the
    mean of the parameters after epochs 1 and 2, computed here by training a copy by hand; and
    the weights a run returns are its best check's mean."""
    from deeprg import experiments
    from deeprg.rbm import RBM, set_parameters, spins_to_visible

    store = Store(tmp_path)
    short = TINY | {"schedule": TINY["schedule"] | {"max_epochs": 2}}
    arrays, _ = converge.train(T=2.451, seed=0, store=store, progress=False, **short)
    X = spins_to_visible(experiments.ising_samples(L=4, T=2.451, n_samples=1000, store=store, progress=False).configs)
    held = spins_to_visible(experiments.held_out_samples(2.451, L=4, store=store).configs, np.float64)
    rbm, after = RBM(random_state=0, n_iter=1, **converge.RECIPE | TINY["recipe"]), []
    for epoch in range(2):
        rbm.learning_rate = converge.learning_rate(0.01, epoch, 10)
        rbm.partial_fit(X)
        after.append([p.copy() for p in (rbm.components_, rbm.intercept_hidden_, rbm.intercept_visible_)])
    mean = [(a + b) / 2 for a, b in zip(*after)]
    assert not np.allclose(mean[0], after[1][0])  # the mean is not the last iterate
    want = set_parameters(RBM(6), *mean).log_likelihood(held)
    assert arrays["log_likelihood"][0] == pytest.approx(want, abs=1e-9)
    for got, expected in zip(converge.weights(T=2.451, seed=0, store=store, progress=False, **short), mean):
        np.testing.assert_array_equal(got, expected.astype(np.float32))


def test_evaluation_brackets_the_exact_likelihood_of_a_tiny_model(finished, monkeypatch, tmp_path):
    """On the tiny run (6 hidden units, ln Z enumerable): the AIS-route KL equals the exact KL
    within 4 errors, RAISE's KL is not below it by more than 4 errors, and the model's own
    samples and the torus rows are all there; every data set is read from the store given, none
    from (or written to) the default one."""
    from deeprg import experiments
    from deeprg.rbm import RBM, set_parameters, spins_to_visible

    _, store = finished
    monkeypatch.setenv("DEEPRG_DATA", str(tmp_path / "default-store"))
    W, b, c = (p.astype(np.float64) for p in converge.weights(T=2.451, seed=0, store=store, progress=False, **TINY))
    settings = {"ais": {"n_betas": 2000, "schedule": "salakhutdinov", "n_chains": 200, "dtype": "float64"},
                "raise_rows": 40, "gibbs": {"n_chains": 20, "n_sweeps": 200, "every": 2}}
    out, info = converge.evaluate(W, b, c, T=2.451, L=4, seed=0, store=store, settings=settings)
    rbm = set_parameters(RBM(6), W, b, c)
    held = spins_to_visible(experiments.held_out_samples(2.451, L=4, store=store).configs, np.float64)
    exact_kl = -rbm.log_likelihood(held) - 16 * exact.entropy_per_spin(4, 2.451)
    upper_kl, upper_se, lower_kl, lower_se = info["kl_bracket_rows"]  # KL of the upper and lower likelihoods
    kl, _ = info["kl"]  # on the same rows as exact_kl: they differ by ln Z_AIS - ln Z only
    assert abs(kl - exact_kl) < 4 * upper_se, (kl, upper_se, exact_kl)
    rows_kl = -rbm.log_likelihood(held[:40]) - 16 * exact.entropy_per_spin(4, 2.451)
    assert upper_kl - 4 * upper_se < rows_kl + 1e-9 and lower_kl + 4 * lower_se > rows_kl - 1e-9
    assert list(out["samples_source"]) == ["exact", "data", "chains from data", "chains from random"]
    assert np.isfinite(info["locality"][0]) and 0 <= info["mean_background"] <= 1
    assert not (tmp_path / "default-store").exists()


def test_finished_lists_stored_runs_only(finished):
    (arrays, sidecar), store = finished
    table = converge.finished(temperatures=(2.451, 3.0), seeds=(0, 1), store=store, L=4, **{
        k: TINY[k] for k in ("n_samples", "recipe", "schedule")})
    assert set(table["T"]) == {2.451} and set(table["seed"]) == {0}
    np.testing.assert_array_equal(table["kl"], arrays["kl"])
    assert (table["epochs"] == sidecar["info"]["epochs"]).all()
    assert converge.finished(store=store).empty  # no run of the paper's size there


def test_check_scatter_is_the_rms_step_of_the_second_half():
    import pandas as pd

    runs = pd.DataFrame({"T": 2.0, "seed": 0, "epoch": [10, 20, 30, 40, 50, 60], "kl": [9.0, 5.0, 4.0, 6.0, 3.0, 7.0],
                         "log_likelihood_error": [0.1, 0.2, 0.3, 0.4, 0.5, 0.6]})
    got = converge.check_scatter(runs).loc[(2.0, 0)]
    assert got["scatter"] == pytest.approx(np.sqrt((3**2 + 4**2) / 2))  # epochs 40, 50, 60
    assert got["ais_error"] == pytest.approx(0.35)


def test_runs_and_evaluations_are_stored_under_their_kinds_in_the_given_store(finished, monkeypatch, tmp_path):
    """The finished run is stored as a 'converged' artifact and an evaluation as an 'evaluation'
    one, both in the store they were given (never in the default one), with the store passed on
    to evaluate (which loads the data sets from it)."""
    _, store = finished
    assert len(list(store.root.rglob("converged-*.npz"))) == len(list(store.root.rglob("weights-converged-*.npz"))) == 1
    W, b, c = converge.weights(T=2.451, seed=0, store=store, progress=False, **TINY)
    monkeypatch.setenv("DEEPRG_DATA", str(tmp_path / "default-store"))
    monkeypatch.setattr(converge, "evaluate", lambda W, b, c, T, seed, store: (
        {"x": np.zeros(1)}, {"T": T, "seed": seed, "store": str(store.root)}))
    weights = lambda: (W, b, c)  # noqa: E731
    _, info = converge._evaluation("tiny", {"label": "tiny"}, "run", weights, 2.451, 0, store)
    assert info == {"T": 2.451, "seed": 0, "store": str(store.root)}
    assert len(list(store.root.rglob("evaluation-tiny-run-*.npz"))) == 1
    assert not (tmp_path / "default-store").exists()


def test_runs_judged_by_the_iterate_keep_the_names_they_were_stored_under():
    """averaged=False leaves the key out of the config (the first runs were stored before it
    existed), so the committed first runs are still found; the default names the key."""
    plain, _, _ = converge._spec(2.451, 0, None, {"averaged": False}, 40, 20_000)
    averaged, _, _ = converge._spec(2.451, 0, None, None, 40, 20_000)
    assert "averaged" not in plain["schedule"] and averaged["schedule"]["averaged"] is True
    first = converge.finished(schedule={"averaged": False})
    assert sorted(set(first["T"].round(4))) == [2.2692, 2.451, 3.0] and set(first["seed"]) == {0}


@pytest.mark.parametrize("bounds, verdict", [
    ([100.0, 0.5, 101.0, 0.5], "closed"),  # 1 nat apart, combined error 0.71: 1.4 sigma
    ([100.0, 0.5, 103.0, 0.5], "open"),  # RAISE above by 4.2 sigma
    ([100.0, 0.5, 97.0, 0.5], "crossed"),  # RAISE below by 4.2 sigma
])
def test_the_bracket_verdict_is_the_gap_in_combined_errors(bounds, verdict):
    got = converge.bracket({"kl_bracket_rows": bounds})
    assert got["verdict"] == verdict
    assert got["gap"] == pytest.approx(bounds[2] - bounds[0]) and got["error"] == pytest.approx(np.sqrt(0.5))


def test_run_summary_reads_each_run_apart():
    import pandas as pd

    runs = pd.DataFrame({"judged": ["a"] * 4 + ["b"] * 2, "T": 2.0, "seed": 0, "epoch": [10, 20, 30, 40, 10, 20],
                         "kl": [9.0, 5.0, 6.0, 4.0, 3.0, 7.0], "log_likelihood_error": [0.1, 0.2, 0.3, 0.4, 0.5, 0.6],
                         "converged": [True] * 4 + [False] * 2, "epochs": [40] * 4 + [20] * 2})
    table = converge.run_summary(runs)
    a, b = table.loc[("a", 2.0, 0)], table.loc[("b", 2.0, 0)]
    assert (a["epochs"], a["converged"], a["kl"], a["kl_error"], a["best"]) == (40, True, 4.0, 0.4, 4.0)
    assert a["scatter"] == pytest.approx(2.0)  # epochs 30, 40: one step of -2
    assert (b["kl"], b["best"], b["epochs"]) == (7.0, 3.0, 20) and np.isnan(b["scatter"])  # one check in the second half


def test_at_common_epoch_pairs_the_two_judgements_of_one_run():
    import pandas as pd

    runs = pd.DataFrame({"judged": ["tail average"] * 3 + ["last iterate"] * 2 + ["tail average"],
                         "T": [2.0] * 5 + [3.0], "seed": 0, "epoch": [10, 20, 30, 10, 20, 10],
                         "kl": [9.0, 5.0, 4.0, 12.0, 8.0, 1.0], "log_likelihood_error": [0.1, 0.2, 0.3, 0.4, 0.5, 0.6]})
    table = converge.at_common_epoch(runs)
    assert list(table.index) == [(2.0, 0)]  # T = 3 was judged one way only
    assert table.loc[(2.0, 0)].to_dict() == {"epoch": 20, "averaged": 5.0, "averaged_error": 0.2,
                                             "iterate": 8.0, "iterate_error": 0.5}



def test_a_run_returns_its_best_check_not_its_last(tmp_path, monkeypatch):
    """With checks that only get worse (a stand-in likelihood of -epoch), the rule stops after
    patience + 1 checks and the weights are those the first check judged: the mean of the
    parameters after epochs 1 and 2, as a run of two epochs returns them."""
    short = TINY | {"schedule": TINY["schedule"] | {"max_epochs": 2}}
    want = converge.weights(T=2.451, seed=0, store=Store(tmp_path / "short"), progress=False, **short)
    monkeypatch.setattr(converge, "_check", lambda rbm, X, held, seed, ais: (-float(rbm.n_epochs_), 0.0))
    store = Store(tmp_path / "worse")
    arrays, sidecar = converge.train(T=2.451, seed=0, store=store, progress=False, **TINY)
    assert list(arrays["epoch"]) == [2, 4, 6, 8] and sidecar["info"]["best_epoch"] == 2
    for got, expected in zip(converge.weights(T=2.451, seed=0, store=store, progress=False, **TINY), want):
        np.testing.assert_array_equal(got, expected)


def _stored_weights(store, W, L, n_samples, T, seed=0):
    """Store W (biases chosen so that each unit is the sign of its field's sum) as the reference
    run's weights at T, under the name field_table looks for."""
    config, label, _ = converge._spec(T, seed, None, None, L, n_samples)
    name = converge.artifact_name("weights-converged", config, label)
    b = -W.sum(axis=1) / 2  # sigmoid(W v + b) with v in {0, 1}: above 1/2 where the field's spins are mostly up
    store.save(name, {"W": W.astype(np.float32), "b": b.astype(np.float32), "c": np.zeros(L * L, np.float32)}, config)


def test_field_table_finds_kadanoff_blocks_compact_and_block_like_and_noise_diffuse(tmp_path):
    """Synthetic first layers of known answer on a 20 x 20 torus (the 9 x 9 window a fifth of
    it, as on the paper's lattice): 100 units that are the 2 x 2 blocks of one tiling are all compact, with the area of a block, no background and a block
    score of about 1, above every null; fields of Gaussian noise have no compact part."""
    from deeprg import sizes

    L, n, T = 20, 1000, exact.T_C
    blocks = np.zeros((100, L, L))
    for k in range(100):
        i, j = 2 * (k // 10), 2 * (k % 10)
        blocks[k, i:i + 2, j:j + 2] = 4.0
    kadanoff, noise = Store(tmp_path / "blocks"), Store(tmp_path / "noise")
    _stored_weights(kadanoff, blocks.reshape(100, -1), L, n, T)
    _stored_weights(noise, np.random.default_rng(0).normal(size=(100, L * L)), L, n, T)
    got = converge.field_table((T,), (0, 1), store=kadanoff, L=L, n_samples=n)
    assert list(got.index) == [(T, 0)]  # seed 1 has no stored weights: skipped, not trained
    row = got.iloc[0]
    assert row["compact"] == 100 and row["background"][0] == pytest.approx(0, abs=1e-6)
    assert row["area"][0] == pytest.approx(sizes.block_part(2, (L, L), radius=4)["area"])
    assert row["block"] == 2 and row["trained"][0] > 0.95
    assert all(row["trained"][0] > row[null][0] for null in ("untrained", "random local", "PCA"))
    diffuse = converge.field_table((T,), (0,), store=noise, L=L, n_samples=n).iloc[0]
    assert diffuse["compact"] == 0 and diffuse["background"][0] > 0.5
    assert diffuse["trained"][0] < row["trained"][0]


def test_field_comparison_sets_one_stored_run_beside_the_cd1_layers_and_its_nulls():
    """From the committed tables: one seed keeps its errors over units, several are averaged
    with the error between them; the CD-1 column is the sweep's mean over seeds; below_nulls is the margin to the best positive null in combined errors."""
    from deeprg import analysis, sweep

    got = converge.field_comparison((exact.T_C,))
    table = converge.field_table((exact.T_C,))
    row = got.loc[exact.T_C]
    assert row["runs"] == len(table)
    means = [v[0] for v in table["locality"]]
    assert row["locality"] == (table.iloc[0]["locality"] if len(table) == 1 else pytest.approx(analysis.mean_and_error(means)))
    short = sweep.temperature_sweep((exact.T_C,), progress=False)
    assert row["CD-1 none locality"] == pytest.approx(analysis.mean_and_error(short[short["penalty"] == "none"]["locality"]))
    best = max(row[k] for k in ("blob", "blob (sign)", "box", "box (sign)"))
    assert row["best null"] == best
    assert row["below_nulls"] == (best[0] - row["trained"][0] > 4 * np.hypot(best[1], row["trained"][1]))


def test_field_table_reads_a_stored_measurement_without_the_weights(tmp_path):
    """Weights of seeds other than 0 are not committed: their measured fields are, and are used."""
    L, n, T = 20, 1000, exact.T_C
    store = Store(tmp_path)
    _stored_weights(store, np.random.default_rng(1).normal(size=(100, L * L)), L, n, T)
    first = converge.field_table((T,), (0,), store=store, L=L, n_samples=n)
    for path in tmp_path.rglob("weights-converged-*"):
        path.unlink()
    again = converge.field_table((T,), (0,), store=store, L=L, n_samples=n)
    assert repr(again.to_dict()) == repr(first.to_dict())  # (nan, nan) cells: compared as text


def test_seed_spread_is_the_standard_deviation_of_the_seeds_best_checks():
    """Two seeds at T = 2 (best checks 10 and 14, AIS errors 0.5 and 1.0), one seed at T = 3
    (left out: no spread), and a last-iterate run at T = 2 that is not counted."""
    import pandas as pd

    runs = pd.DataFrame({"judged": ["tail average"] * 5 + ["last iterate"], "T": [2.0] * 4 + [3.0, 2.0],
                         "seed": [0, 0, 1, 1, 0, 2], "epoch": [10, 20, 10, 20, 10, 10],
                         "kl": [12.0, 10.0, 14.0, 15.0, 1.0, 0.0],
                         "log_likelihood_error": [0.1, 0.5, 1.0, 0.2, 0.1, 0.1]})
    table = converge.seed_spread(runs)
    assert list(table.index) == [2.0]
    got = table.loc[2.0]
    assert got["seeds"] == 2 and got["spread"] == pytest.approx(np.sqrt(8.0))  # std of 10 and 14, ddof=1
    assert got["ais_error"] == 1.0 and got["ratio"] == pytest.approx(np.sqrt(8.0))


def test_reference_brackets_read_the_stored_evaluations_and_train_nothing(tmp_path):
    """An empty store gives no row (nothing is trained); on the committed results each row is the
    stored evaluation of seed 0 at its temperature with bracket()'s verdict of its own numbers."""
    assert converge.reference_brackets(store=Store(tmp_path)).empty and not any(tmp_path.rglob("*.npz"))
    table = converge.reference_brackets()
    assert len(table) == len(converge.TEMPERATURES)
    for T, row in table.iterrows():
        info = converge.converged_evaluation(T, 0)[1]
        assert (row["kl"], row["kl_error"]) == tuple(info["kl"])
        assert row["kl_ais"] <= row["kl_raise"] or row["verdict"] != "open"
        assert row["verdict"] == converge.bracket(info)["verdict"]


def test_a_two_product_base_gives_the_exact_likelihood_of_a_tiny_model(finished):
    """likelihood_bracket from the two-product base on the tiny run: the AIS-route KL equals the
    exact KL within 4 errors, as from the data's log-odds; the base is the EM mixture's RBM (one
    hidden unit); an unknown base is refused by name."""
    from deeprg import experiments
    from deeprg.rbm import RBM, set_parameters, spins_to_visible

    _, store = finished
    W, b, c = (p.astype(np.float64) for p in converge.weights(T=2.451, seed=0, store=store, progress=False, **TINY))
    train = spins_to_visible(experiments.ising_samples(L=4, T=2.451, n_samples=1000, store=store,
                                                       progress=False).configs)
    held = spins_to_visible(experiments.held_out_samples(2.451, L=4, store=store).configs, np.float64)
    settings = {"ais": {"n_betas": 2000, "schedule": "salakhutdinov", "n_chains": 200, "dtype": "float64"},
                "raise_rows": 40}
    info = converge.likelihood_bracket(W, b, c, train, held, 2.451, 0, settings, base="two products")
    exact_kl = -set_parameters(RBM(6), W, b, c).log_likelihood(held) - 16 * exact.entropy_per_spin(4, 2.451)
    assert abs(info["kl"][0] - exact_kl) < 4 * info["kl_bracket_rows"][1], (info["kl"], exact_kl)
    base = converge.annealing_base(train, "two products")
    assert base["base_hidden"][0].shape == (1, 16) and base["base_visible_bias"].shape == (16,)
    with pytest.raises(ValueError, match="base must be one of"):
        converge.annealing_base(train, "coins")
    with pytest.raises(ValueError, match="base must be one of"):
        converge.reference_brackets(base="coins")


def test_two_product_brackets_are_read_from_the_store_beside_the_others(tmp_path):
    """An empty store gives no row; the committed two-product evaluations give a row per stored
    temperature whose numbers are two_product_bracket's."""
    assert converge.reference_brackets(store=Store(tmp_path), base="two products").empty
    table = converge.reference_brackets(base="two products")
    assert 2.0 in table.index
    for T, row in table.iterrows():
        info = converge.two_product_bracket(T, 0)
        assert (row["kl_ais"], row["kl_raise"]) == (info["kl_bracket_rows"][0], info["kl_bracket_rows"][2])


def test_field_table_measures_a_run_of_another_recipe_under_its_own_name():
    """The committed L1 reference run (seed 0, the paper's temperature) is measured under its own
    name: its locality is rg.locality of its own stored weights, not the unpenalised run's."""
    from deeprg import experiments, rg

    T = experiments.PAPER_T
    table = converge.field_table((T,), (0,), recipe=converge.L1_RECIPE)
    locality = rg.locality(converge.weights(T=T, seed=0, recipe=converge.L1_RECIPE, progress=False)[0], (40, 40))
    assert table.loc[(T, 0), "locality"] == pytest.approx((locality.mean(), locality.std(ddof=1) / np.sqrt(400)))
    assert table.loc[(T, 0), "locality"] != converge.field_table((T,), (0,)).loc[(T, 0), "locality"]


def test_a_flip_run_is_its_own_run_and_learns(finished, monkeypatch):
    """A tiny run with FLIP_RECIPE and FLIP_SCHEDULE: stored under a name of its own ("-flip"),
    its checks' annealing base is the two-product mixture (the schedule reaches the check), and
    it learns as the plain run does (exact KL below fair coins), with other weights."""
    (plain, _), store = finished
    bases = []
    real = converge.annealing_base
    monkeypatch.setattr(converge, "annealing_base", lambda train, base="data log-odds": bases.append(base) or real(train, base))
    recipe = TINY["recipe"] | converge.FLIP_RECIPE
    schedule = TINY["schedule"] | converge.FLIP_SCHEDULE
    arrays, sidecar = converge.train(T=2.451, seed=0, store=store, progress=False, L=4, n_samples=1000,
                                     recipe=recipe, schedule=schedule)
    assert bases == ["two products"]
    assert "flip" in converge._label(4, 2.451, 0, converge.RECIPE | recipe)
    assert "-pt10-" in converge._label(40, 2.0, 0, converge.RECIPE | converge.TEMPERED_RECIPE)
    assert "-pt" not in converge._label(40, 2.0, 0, converge.RECIPE)
    coins = 16 * (np.log(2) - exact.entropy_per_spin(4, 2.451))
    assert 0 < arrays["kl"].min() < coins
    flipped = converge.weights(T=2.451, seed=0, store=store, progress=False, L=4, n_samples=1000, recipe=recipe,
                               schedule=schedule)
    assert not np.array_equal(flipped[0], converge.weights(T=2.451, seed=0, store=store, progress=False, **TINY)[0])


def test_mirror_symmetrised_is_exact_for_a_product_and_zero_for_a_symmetric_rbm():
    """Known answers: for a product distribution (W = 0) D(v) = c.(1 - 2v), so on all-zero rows
    the median |D| is |sum c| and the gain ln((1 + e^D) / 2); an RBM with c = 0 and hidden units
    in mirror pairs (w, b) and (-w, b + w.1) is symmetric: D = 0 and no gain on any rows."""
    c = np.array([0.5, -0.2, 0.9])
    zeros = np.zeros((4, 3))
    product = converge.mirror_symmetrised(np.zeros((1, 3)), np.zeros(1), c, zeros, log_z=0.0)
    assert product["asymmetry"] == pytest.approx(abs(c.sum()))
    assert product["gain"][0] == pytest.approx(np.log((1 + np.exp(c.sum())) / 2))
    rng = np.random.default_rng(0)
    w = rng.normal(size=(3, 6))
    W, b = np.vstack([w, -w]), np.concatenate([np.zeros(3), w.sum(axis=1)])
    V = rng.integers(0, 2, (50, 6)).astype(float)
    mirror = converge.mirror_symmetrised(W, b, np.zeros(6), V, log_z=1.0)
    assert mirror["asymmetry"] == pytest.approx(0, abs=1e-12) and mirror["gain"][0] == pytest.approx(0, abs=1e-12)
    np.testing.assert_allclose(mirror["log_likelihood"], mirror["log_likelihood_symmetrised"], atol=1e-12)


def test_mirror_symmetrised_gains_what_enumeration_says_on_a_symmetric_data_set():
    """A random 8 -> 3 RBM against a symmetric q (an 8-spin Ising ring at K = 0.6, enumerated):
    on 20,000 rows drawn from q, the mean gain and the symmetrised model's mean log-likelihood
    agree with the exact E_q[ln p_s - ln p] and E_q[ln p_s] within 4 standard errors, and the
    exact gain is positive (p is not symmetric)."""
    from deeprg.rbm import RBM, set_parameters
    from deeprg.rbm.partition import _binary_states

    rng = np.random.default_rng(1)
    W, b, c = rng.normal(size=(3, 8)), rng.normal(size=3), rng.normal(size=8)
    V = _binary_states(8, 0, 256)
    s = 2 * V - 1
    q = np.exp(0.6 * (s * np.roll(s, 1, axis=1)).sum(axis=1))
    q /= q.sum()
    log_z = set_parameters(RBM(3, dtype="float64"), W, b, c).log_partition("exact")[0]
    log_p = -partition.free_energy(W, b, c, V) - log_z
    log_ps = np.logaddexp(log_p, -partition.free_energy(W, b, c, 1 - V) - log_z) - np.log(2)
    exact_gain, exact_ll = q @ (log_ps - log_p), q @ log_ps
    assert exact_gain > 0.05
    rows = V[rng.choice(256, 20_000, p=q)]
    mirror = converge.mirror_symmetrised(W, b, c, rows, log_z)
    assert abs(mirror["gain"][0] - exact_gain) < 4 * mirror["gain"][1]
    assert abs(mirror["log_likelihood_symmetrised"][0] - exact_ll) < 4 * mirror["log_likelihood_symmetrised"][1]


def test_mirror_table_reads_stored_evaluations_only(tmp_path):
    """An empty store gives an empty table; the committed reference evaluations give one row
    per temperature with KL - gain = the symmetrised KL, and at T = 2 a gain far above its error."""
    assert converge.mirror_table(store=Store(tmp_path)).empty
    table = converge.mirror_table()
    reference = table.xs("PCD-10 reference", level="run")
    assert set(converge.TEMPERATURES) <= set(reference.index)
    for _, row in reference.iterrows():
        assert row["kl"][0] - row["gain"][0] == pytest.approx(row["kl_symmetrised"][0], rel=1e-9, abs=1e-6)
    assert reference.loc[2.0, "gain"][0] > 10 * reference.loc[2.0, "gain"][1]


def test_swap_acceptance_is_for_tempered_recipes_only():
    with pytest.raises(ValueError, match="n_temperatures > 1, got 1"):
        converge.swap_acceptance(2.0, 0, converge.FLIP_RECIPE, converge.FLIP_SCHEDULE)
