"""The scale test (issue 20, item 2): its verdicts on synthetic tables of known answer, its
summaries of per-unit measures, and its compute path on a toy lattice into a temporary store."""

import numpy as np
import pandas as pd
import pytest

from deeprg import exact, scaling, sweep
from deeprg.exact import T_C
from deeprg.store import Store


# ----------------------------------------------------------------------------- verdicts on synthetic tables
def _table(slope, Ls=(32, 64), seeds=(0, 1, 2), noise=0.0, at_tc=None, rel_error=0.02):
    """A scale-test table whose area is 10 (xi^2)^slope above T_c (times a per-seed noise
    factor exp(noise * z)) and at_tc(L) at T_c, each with a relative error rel_error."""
    rng = np.random.default_rng(1)
    rows = []
    for L in Ls:
        for seed in seeds:
            for T in (T_C, 2.35, 2.451, 2.6, 3.0):
                xi2 = exact.correlation_length(T) ** 2 if T > T_C else np.inf
                area = (at_tc(L) if at_tc else 50.0) if T == T_C else 10 * xi2**slope * np.exp(noise * rng.normal())
                rows.append({"L": L, "T": T, "penalty": "l1", "alpha": 1e-3, "seed": seed, "xi2": xi2, "area": area,
                             "area_error": rel_error * area})
    return pd.DataFrame(rows)


@pytest.mark.parametrize("slope", [0.0, 0.5, 1.0])
def test_size_slope_recovers_a_power_law_exactly(slope):
    fit = scaling.size_slope(_table(slope))
    assert list(fit["L"]) == [32, 64] and (fit["n_seeds"] == 3).all() and (fit["n_temperatures"] == 4).all()
    np.testing.assert_allclose(fit["slope"], slope, atol=1e-12)
    # no scatter between seeds: the error is what the runs' own errors imply, never zero
    assert (fit["slope_error"] > 0).all() and (fit["slope_error"] < 0.05).all()
    assert fit["xi_min"].iloc[0] == pytest.approx(exact.correlation_length(3.0))
    assert fit["xi_max"].iloc[0] == pytest.approx(exact.correlation_length(2.35))


def test_size_slope_error_covers_the_scatter_between_seeds():
    rng_slopes = []
    for seed_offset in range(40):  # many synthetic experiments: the stated error matches the scatter
        table = _table(0.7, Ls=(32,), rel_error=0.01)
        rng = np.random.default_rng(seed_offset)
        table["area"] *= np.exp(0.3 * rng.normal(size=len(table)))
        rng_slopes.append(scaling.size_slope(table).iloc[0][["slope", "slope_error"]].to_numpy(float))
    slopes, errors = np.array(rng_slopes).T
    assert abs(slopes.mean() - 0.7) < 3 * slopes.std() / np.sqrt(len(slopes))
    # with three seeds the stated error is a noisy estimate, but on average near the true scatter
    assert 0.5 < np.median(errors) / slopes.std() < 2.0


def test_size_slope_single_seed_scales_error_by_the_scatter():
    clean = scaling.size_slope(_table(1.0, Ls=(32,), seeds=(0,)))
    noisy = scaling.size_slope(_table(1.0, Ls=(32,), seeds=(0,), noise=0.3))
    assert clean["n_seeds"].iloc[0] == 1
    assert noisy["slope_error"].iloc[0] > 5 * clean["slope_error"].iloc[0]


def test_line_is_weighted_least_squares():
    x = np.array([0.0, 1.0, 2.0, 3.0])
    slope, error = scaling._line(x, 2 * x + 1, np.full(4, 0.1))
    assert slope == pytest.approx(2.0) and error == pytest.approx(0.1 / np.sqrt(5.0))  # sum (x - 1.5)^2 = 5
    # a point with a huge error does not move the line
    assert scaling._line(np.append(x, 4.0), np.append(2 * x + 1, 100.0), np.append(np.full(4, 0.1), 1e6))[0] \
        == pytest.approx(2.0, abs=1e-6)


@pytest.mark.parametrize("growth,expected", [(lambda L: 50.0, 1.0), (lambda L: 0.05 * L**2, 4.0)])
def test_size_ratio_at_tc(growth, expected):
    result = scaling.size_ratio(_table(0.0, at_tc=growth), 64, 32, T_C).iloc[0]
    assert (result["penalty"], result["alpha"]) == ("l1", 1e-3) and result["coarse_graining"] == 4.0
    assert result["ratio"] == pytest.approx(expected)
    assert result["ratio_error"] == pytest.approx(expected * np.hypot(0.02, 0.02) / np.sqrt(3))
    assert (result["n_seeds_big"], result["n_seeds_small"]) == (3, 3)
    assert scaling.size_ratio(_table(0.0), 64, 32, T_C, key="area", power=1.0).iloc[0]["coarse_graining"] == 2.0
    assert scaling.size_ratio(_table(0.0), 128, 32, T_C).empty  # no L = 128 rows
    two = pd.concat([_table(0.0, at_tc=growth), _table(0.0).assign(alpha=2e-4)])  # two settings: one row each
    assert list(scaling.size_ratio(two, 64, 32, T_C)["alpha"]) == [2e-4, 1e-3]


def test_critical_growth_removes_a_factor_common_to_both_temperatures():
    # the L = 64 areas are 1.5 times the L = 32 ones at every temperature (a training effect), and at
    # T_c a further (64 / 32)^2 (coarse-graining): the double ratio finds the 4, the plain ratio 6
    table = _table(0.0, at_tc=lambda L: 10.0 * (L / 32) ** 2)
    table.loc[table["L"] == 64, "area"] *= 1.5
    table["area_error"] = 0.02 * table["area"]
    growth = scaling.critical_growth(table, 64, 32, T_C, 3.0).iloc[0]
    assert growth["growth"] == pytest.approx(4.0) and growth["coarse_graining"] == 4.0
    assert growth["ratio_T"] == pytest.approx(6.0) and growth["ratio_ref"] == pytest.approx(1.5)
    assert growth["growth_error"] == pytest.approx(4.0 * np.hypot(0.02, 0.02) * np.sqrt(2) / np.sqrt(3))
    # no reference temperature measured: an empty table that still has its columns
    missing = scaling.critical_growth(table[table["T"] != 3.0], 64, 32, T_C, 3.0)
    assert missing.empty and {"penalty", "alpha", "growth"} <= set(missing.columns)


def test_seed_means_takes_the_larger_of_scatter_and_own_error():
    table = pd.DataFrame({"L": 32, "T": 3.0, "penalty": "l1", "seed": [0, 1, 2], "area": [10.0, 20.0, 30.0],
                          "area_error": [0.1, 0.1, 0.1]})
    row = scaling.seed_means(table).iloc[0]
    assert row["area"] == 20.0 and row["area_error"] == pytest.approx(10 / np.sqrt(3)) and row["n_seeds"] == 3
    table["area"] = 20.0
    assert scaling.seed_means(table).iloc[0]["area_error"] == pytest.approx(0.1 / np.sqrt(3))


def test_measured_keeps_compact_fields_that_do_not_fill_the_window():
    table = pd.DataFrame({"compact": [0.9, 0.05, 0.9, 0.9, 0.0], "area": [10.0, 10.0, 100.0, 100.0, np.nan],
                          "area_R12": [10.5, 10.0, 216.0, 149.0, np.nan]})
    assert list(scaling.measured(table)) == [True, False, False, True, False]


def test_nearer_and_excluded_by():
    assert scaling.nearer([-0.1, 0.05], [0.01, 0.1]) == "local"  # excludes 0 and 1, but far nearer 0
    assert scaling.nearer([0.9, 1.2], [0.05, 0.2]) == "coarse-graining"
    assert scaling.nearer([-0.1, 0.9], [0.01, 0.05]) == "mixed"
    assert scaling.nearer([0.3], [0.1]) == "mixed"  # within three errors of one half
    with pytest.raises(ValueError):
        scaling.nearer([], [])
    assert scaling.excluded_by(-0.1, 0.01, 1.0) == pytest.approx(110.0)


def test_verdict_and_fraction():
    assert scaling.verdict(0.95, 0.05, 1.0, 0.0) == "coarse-graining"
    assert scaling.verdict(0.05, 0.05, 1.0, 0.0) == "local"
    assert scaling.verdict(0.5, 0.05, 1.0, 0.0) == "neither"
    assert scaling.verdict(0.5, 0.5, 1.0, 0.0) == "undecided"
    assert scaling.verdict(1.1, 0.1, 4.0, 1.0) == "local"  # a ratio
    with pytest.raises(ValueError):
        scaling.verdict(0.5, 0.0, 1.0, 0.0)
    assert scaling.fraction_of_prediction(2.5, 0.3, 4.0, 1.0) == pytest.approx((0.5, 0.1))


# ----------------------------------------------------------------------------- summaries of per-unit measures
def test_median_and_error_is_reproducible_and_near_the_asymptotic_error():
    x = np.random.default_rng(0).normal(size=2000)
    median, error = sweep.median_and_error(x)
    assert median == np.median(x) and sweep.median_and_error(x) == (median, error)
    assert error == pytest.approx(np.sqrt(np.pi / 2) / np.sqrt(2000), rel=0.2)  # 1.2533 sigma / sqrt(n)
    assert sweep.median_and_error([np.nan, 3.0, np.inf]) == (3.0, pytest.approx(np.nan, nan_ok=True))


def test_scale_summary_reads_each_radius_apart():
    arrays = {f"{key}_R{R}": np.array([1.0, 2.0, 3.0, np.nan], np.float32) * (R if key == "area" else 1)
              for key in sweep.SCALE_MEASURES for R in (8, 12)}
    for R in (8, 12):  # backgrounds 0.1, 0.2, 0.9 and one unit without measures
        arrays[f"background_R{R}"] = np.array([0.1, 0.2, 0.9, np.nan], np.float32)
    row = sweep.scale_summary(arrays, (8, 12))
    # the compact units (background below one half) are the first two
    assert row["compact"] == 0.5 and row["compact_R12"] == 0.5
    assert row["area"] == 12.0 and row["area_R12"] == 18.0 and row["mean_area"] == 12.0
    assert row["gyration"] == 1.5 and row["area_all"] == 16.0 and row["area_all_R12"] == 24.0
    assert row["background"] == pytest.approx(0.4)
    assert row["background_error"] == pytest.approx(np.std([0.1, 0.2, 0.9], ddof=1) / np.sqrt(3))


def test_scale_hidden_keeps_the_papers_compression():
    assert [sweep.scale_hidden(L) for L in (32, 40, 64, 128)] == [256, 400, 1024, 4096]
    with pytest.raises(ValueError):
        sweep.scale_hidden(6, compression=5)
    points = sweep.scale_points(Ls=(64, 32), temperatures=(T_C,), seeds=(0, 1))
    assert [p[0] for p in points] == [32, 32, 64, 64] * 2 and [p[-1] for p in points] == [0] * 4 + [1] * 4
    assert ("none", 0.0) in {(p[2], p[3]) for p in points}


# ----------------------------------------------------------------------------- the compute path on a toy lattice
TOY = dict(n_iter=1, radii=(2, 3), progress=False)  # 2R + 1 < 8


def test_scale_test_on_a_toy_lattice(tmp_store, tmp_path, monkeypatch):
    saved, real = [], Store.save

    def recording(self, name, *args, **kwargs):
        saved.append(name)
        return real(self, name, *args, **kwargs)

    monkeypatch.setattr(Store, "save", recording)
    points = [(8, T, "l1", 1e-3, 0) for T in (T_C, 3.0)] + [(8, 3.0, "none", 0.0, 0)]
    table = sweep.scale_test(points, store=tmp_store, **TOY)
    assert list(table["n_hidden"]) == [16] * 3 and list(table["penalty"]) == ["l1", "l1", "none"]
    assert np.isinf(table["xi"].iloc[0]) and table["xi"].iloc[1] == pytest.approx(exact.correlation_length(3.0))
    assert table["xi2"].iloc[1] == pytest.approx(table["xi"].iloc[1] ** 2)
    for R in (2, 3):  # the default radius (8) is not among the toy's: every R has a suffix
        suffix = f"_R{R}"
        area = table[f"area_all{suffix}"]  # every unit's: bounded by the window
        assert ((area > 0) & (area <= (2 * R + 1) ** 2)).all()
        compact = table[f"compact{suffix}"]  # the median over units with a compact part: none, none
        assert ((compact >= 0) & (compact <= 1)).all()
        assert (table[f"area{suffix}"].isna() == (compact == 0)).all()
        assert ((table[f"background{suffix}"] >= 0) & (table[f"background{suffix}"] <= 1)).all()
        assert (table[f"area_all{suffix}_error"] > 0).all()
        assert (table[f"gyration{suffix}"].dropna() <= R * np.sqrt(2)).all()
    assert (table["seconds"] > 0).all() and (table["dead_units"] == 0).all()
    scale_saved = [name for name in saved if name.startswith("scale-")]
    assert len(scale_saved) == 3 and all("-h16-L8-" in name for name in scale_saved)
    # a point's artifact holds per-unit measures and timings, never weights
    arrays, sidecar = tmp_store.load(scale_saved[0])
    assert set(arrays) == {"epoch_seconds"} | {f"{k}_R{R}" for k in sweep.SCALE_MEASURES for R in (2, 3)}
    assert all(a.shape == (16,) for key, a in arrays.items() if key != "epoch_seconds")
    assert "ais" not in sidecar["config"] and sidecar["config"]["rbm_params"]["n_iter"] == 1

    # cached: a second call loads every point; the same seed in another store gives the same row
    n = len(saved)
    pd.testing.assert_frame_equal(sweep.scale_test(points, store=tmp_store, **TOY), table)
    assert len(saved) == n
    again = sweep.scale_test(points[:1], store=Store(tmp_path / "other"), **TOY)
    columns = [c for c in table.columns if not c.startswith("seconds")]
    pd.testing.assert_frame_equal(again[columns], table[columns].iloc[:1])
