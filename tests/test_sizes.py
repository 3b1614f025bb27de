"""deeprg.sizes: field size and background measured apart, on fields of known size, on a
hand-built network, on the cached path of a toy network, and on explorer-like snapshots."""

import numpy as np
import pandas as pd
import pytest

from deeprg import analysis, experiments, probes, rg, sizes, verdicts

L = 8  # the toy lattice: windows of half-side RADIUS fit on it
RADIUS = 3


def _box(shape, top, left, b, value=1.0):
    field = np.zeros(shape)
    rows, cols = (top + np.arange(b)) % shape[0], (left + np.arange(b)) % shape[1]
    field[np.ix_(rows, cols)] = value
    return field.ravel()


@pytest.mark.parametrize("b", [2, 4, 8])
def test_block_part_is_the_blocks_central_share(b):
    part = sizes.block_part(b, (40, 40))
    # the q-set of a box centred between sites, taken by distance, is q b^2 sites of the box
    assert part["area"] == pytest.approx(rg.SIZE_FRACTION * b * b)
    if b == 2:  # the four sites are at distance sqrt(1/2) from the centre
        assert part["gyration"] == pytest.approx(np.sqrt(0.5))


def test_summarise_counts_only_fields_with_little_background():
    parts = {"area": np.array([4.0, 10.0, 200.0, np.nan]), "gyration": np.array([1.0, 2.0, 6.0, np.nan]),
             "background": np.array([0.1, 0.3, 0.9, 0.2]), "outside": np.zeros(4)}
    row = sizes.summarise(parts)
    assert row["fields"] == 4 and row["compact"] == 2  # the third is background, the fourth has no excess
    assert row["area"] == pytest.approx((7.0, 3.0)) and row["gyration"] == pytest.approx((1.5, 0.5))
    assert row["background"][0] == pytest.approx(0.375)
    assert sizes.summarise(parts, compact_below=0.95)["compact"] == 3
    empty = sizes.summarise(sizes.measures(np.zeros((0, 64)), (L, L), RADIUS))
    assert empty["fields"] == 0 and empty["compact"] == 0 and np.isnan(empty["area"][0])


def test_noise_has_no_compact_part_and_a_blob_plus_noise_keeps_its_size():
    noise = sizes.noise_part((40, 40), n=100)
    assert noise["compact"] == 0 and noise["background"][0] > 0.9
    rng = np.random.default_rng(1)
    blob = np.tile(_box((40, 40), 10, 10, 4), (50, 1))
    noisy = blob + 0.02 * rng.standard_normal(blob.shape)  # 1600 x 0.0004 = 0.64 of w^2 against 16
    row = sizes.summarise(sizes.measures(noisy, (40, 40)))
    assert row["compact"] == 50
    assert row["background"][0] == pytest.approx(0.64 / 16.64, rel=0.1)
    assert row["area"][0] == pytest.approx(sizes.block_part(4)["area"], rel=0.1)


def _hand_built_dbn():
    """Layer 1 on the 8 x 8 torus: a 2 x 2 block, a 4 x 4 block, a Gaussian field over the whole
    lattice, and a 2 x 2 block silenced by a bias of -60; layer 2: one unit reading the 4 x 4 block."""
    from deeprg.dbn import DBN

    W = np.stack([_box((L, L), 1, 1, 2), _box((L, L), 4, 3, 4, 0.25),
                  0.3 * np.random.default_rng(0).standard_normal(L * L), _box((L, L), 5, 5, 2)])
    arrays = {"W0": W, "b0": np.array([-2.0, -2.0, 0.0, -60.0]), "c0": np.zeros(L * L),
              "W1": np.array([[0.0, 2.0, 0.0, 0.0]]), "b1": np.array([-1.0]), "c1": np.zeros(4)}
    return DBN((4, 1)).load_arrays(arrays)


@pytest.fixture(scope="module")
def toy_configs():
    rng = np.random.default_rng(0)
    return np.where(rng.random((400, L, L)) < 0.5, -1, 1).astype(np.int8)


def test_size_table_of_a_hand_built_network(toy_configs):
    units = sizes.unit_measures(_hand_built_dbn(), toy_configs, radii=(RADIUS,))
    assert list(units["1/responsive"]) == [True, True, True, False]
    table = sizes.size_table(units, radius=RADIUS)
    assert list(table.index.get_level_values("layer")) == [1] * 4 + [2] * 4
    first = table.loc[(1, "weights (all units)")]
    # the blocks (the silent one too) have a compact part and no background; the noise has none
    assert first["fields"] == 4 and first["compact"] == 3
    block = {b: sizes.block_part(b, (L, L), RADIUS) for b in (2, 4)}
    assert first["area"][0] == pytest.approx((2 * block[2]["area"] + block[4]["area"]) / 3)
    assert first["gyration"][0] == pytest.approx((2 * block[2]["gyration"] + block[4]["gyration"]) / 3)
    responsive = table.loc[(1, "weights")]
    assert responsive["fields"] == 3 and responsive["compact"] == 2
    assert responsive["area"][0] == pytest.approx((block[2]["area"] + block[4]["area"]) / 2)
    # in the first layer the linear response is the weights row by row times a positive number
    for column in ("area", "gyration", "background"):
        assert table.loc[(1, "linear response"), column][0] == pytest.approx(responsive[column][0], rel=1e-9)
    assert table.loc[(1, "weights"), "block"] == 4 and table.loc[(2, "weights"), "block"] == 8
    assert table.loc[(1, "weights"), "block_area"] == pytest.approx(rg.SIZE_FRACTION * 16)
    # the second layer's field by weights is the 4 x 4 block's, scaled
    assert table.loc[(2, "weights"), "area"][0] == pytest.approx(block[4]["area"])
    assert table.loc[(2, "weights"), "background"][0] == pytest.approx(0.0, abs=1e-12)
    values = sizes.unit_values(units, 1, "weights (all units)", "background", RADIUS)
    assert values.shape == (4,) and values[2] > 0.5 and values[0] == pytest.approx(0.0, abs=1e-12)


def test_network_sizes_are_cached_and_penalty_sizes_join_the_block_scores(tmp_store, monkeypatch):
    data = experiments.ising_samples(L=L, n_samples=1000, store=tmp_store, progress=False)
    options = dict(store=tmp_store, data=data, layers=(16, 4, 1), n_iter=1)
    result = sizes.network_sizes(seed=0, radii=(RADIUS,), **options)
    assert set(result) == {"units", "nulls"}
    assert list(result["nulls"].index) == [1, 2, 3] and list(result["nulls"]["block"]) == [2, 4, 8]
    for column in sizes.POSITIVE_NULLS:
        assert all(0 <= m <= 1 for m, _ in result["nulls"][column])
    trained = experiments.trained_dbn(seed=0, progress=False, **options).dbn
    held = experiments.held_out_samples(L=L, store=tmp_store)
    assert set(result["units"]) == set(sizes.unit_measures(trained, held.configs, (RADIUS,)))
    np.testing.assert_array_equal(result["units"]["1/weights/R3/area"],
                                  sizes.unit_measures(trained, held.configs, (RADIUS,))["1/weights/R3/area"])

    monkeypatch.setattr(experiments, "trained_dbn", lambda *a, **k: pytest.fail("the network was loaded or trained"))
    again = sizes.network_sizes(seed=0, radii=(RADIUS,), **options)
    pd.testing.assert_frame_equal(again["nulls"], result["nulls"])
    monkeypatch.undo()

    joined = sizes.penalty_sizes(seeds=(0,), radius=RADIUS, radii=(RADIUS,), **options)
    blocks = joined["blocks"]
    assert list(blocks.columns) == ["block", "trained", *probes.NULLS, "area", *sizes.POSITIVE_NULLS]
    assert set(blocks.index.get_level_values("network")) == {name for name, _ in experiments.DBN_PENALTIES}
    # one seed: the cells keep their own values and errors (over units)
    assert blocks.loc[("L1", 1), "blob"] == result["nulls"].loc[1, "blob"]
    assert joined["sizes"].loc[("L1", 1, "weights"), "fields"] == result["units"]["1/responsive"].sum()


def test_sweep_sizes_of_explorer_snapshots():
    shape = (40, 40)
    fields = np.stack([_box(shape, 5, 5, 4), _box(shape, 20, 20, 2), np.zeros(1600)])
    scale = np.abs(fields).max()
    q = np.round(fields / scale * 127).astype(np.int8)
    point = {"T": experiments.PAPER_T, "penalty": "l1", "alpha": 1e-3, "fields": np.stack([q, q]),
             "scale": np.array([scale, scale], np.float32), "epochs": np.array([1, 20])}
    table = sizes.sweep_sizes([point])
    assert list(table.index) == [(experiments.PAPER_T, "l1", 1e-3, 1), (experiments.PAPER_T, "l1", 1e-3, 20)]
    row = table.loc[(experiments.PAPER_T, "l1", 1e-3, 20)]
    assert row["fields"] == 2 and row["dead"] == 1 and row["compact"] == 2
    assert row["area"][0] == pytest.approx((sizes.block_part(4)["area"] + sizes.block_part(2)["area"]) / 2)


def test_sides_of_best_null_and_its_verdict():
    table = pd.DataFrame({"trained": [(0.9, 0.01), (0.5, 0.01), (0.70, 0.01)],
                          "blob": [(0.8, 0.01), (0.7, 0.01), (0.71, 0.01)],
                          "box": [(0.6, 0.01), (0.75, 0.01), (0.5, 0.01)]},
                         index=pd.MultiIndex.from_tuples([("L1", 3), ("L1", 1), ("none", 3)]))
    keys = list(table.index)
    sides = analysis.sides_of_best_null(table, keys, ("blob", "box"))
    assert sides == {("L1", 3): 1, ("L1", 1): -1, ("none", 3): 0}
    assert verdicts.against_best_null(sides, "a magnetisation") == (
        "1 of the 3 layers (L1's layer 3) scores above a magnetisation by four standard errors, "
        "and 1 scores below it by as many")
    below = {key: -1 for key in keys}
    assert verdicts.against_best_null(below, "X", n_sigma=2.0) == (
        "none of the 3 layers scores above X by two standard errors, and all of them score below it by as many")
    assert verdicts.against_best_null({key: 0 for key in keys}, "X").endswith("none scores below it by as many")
    # a looser threshold turns the within-errors layer into one below
    assert analysis.sides_of_best_null(table, keys, ("blob", "box"), n_sigma=0.5)[("none", 3)] == -1
