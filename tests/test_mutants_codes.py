"""deeprg.codes: cases that kill mutants the other tests let survive (mutation/run.py, code/MUTATION.md)."""

import types

import numpy as np
import pandas as pd
import pytest

from deeprg import codes, experiments
from deeprg.dbn import DBN
from deeprg.store import Store

L = 12


def spins(n, seed):
    return np.random.default_rng(seed).choice(np.array([-1, 1], np.int8), size=(n, L, L))


def one_unit(field):
    """A network of one unit (a single 12 x 12 block) whose receptive field is `field`."""
    return DBN([1]).load_arrays({"W0": np.asarray(field, float)[None], "b0": np.zeros(1), "c0": np.zeros(L * L)})


def block_dbn(gain, b=2):
    """One layer whose unit k sums block k of the 12 x 12 lattice, P(h_k = 1 | v) = sigmoid(gain (sum v - b^2/2))."""
    n = (L // b) ** 2
    block_of_site = (np.arange(L)[:, None] // b * (L // b) + np.arange(L)[None, :] // b).ravel()
    W = gain * (block_of_site[None, :] == np.arange(n)[:, None]).astype(float)
    return DBN([n]).load_arrays({"W0": W, "b0": np.full(n, -gain * b * b / 2), "c0": np.zeros(L * L)})


# ----------------------------------------------------------------------------- tilings
def test_perfect_tiling_on_a_rectangular_torus_and_of_one_centre():
    """a = sqrt(L_y L_x / n): 2 centres on a 4 x 8 torus are 4 apart, covering 4 / sqrt 2; one
    centre on 12 x 12 has a = 12. n must be >= 1, and the message names it."""
    assert codes.perfect_tiling(2, (4, 8)) == pytest.approx({"centres": 2, "covering": 4 / np.sqrt(2), "spacing": 4.0})
    assert codes.perfect_tiling(1, (L, L)) == pytest.approx({"centres": 1, "covering": L / np.sqrt(2), "spacing": L})
    with pytest.raises(ValueError, match=r"^n must be an integer >= 1, got 0$"):
        codes.perfect_tiling(0, (L, L))


def test_random_tiling_takes_two_draws_and_no_fewer():
    """Two draws are enough for a mean and a standard deviation; one is refused, by name."""
    null = codes.random_tiling(3, (8, 8), draws=2)
    assert null["centres"] == 3 and all(np.isfinite(null[key]).all() for key in ("covering", "spacing"))
    with pytest.raises(ValueError, match=r"^draws must be an integer >= 2, got 1$"):
        codes.random_tiling(3, (8, 8), draws=1)
    with pytest.raises(ValueError, match=r"^n must be an integer >= 2, got 1$"):
        codes.random_tiling(1, (8, 8))


# ----------------------------------------------------------------------------- network_codes
def test_a_layer_with_one_compact_field_has_no_spacing_and_no_random_null():
    """One unit whose field is a Gaussian blob: one centre, its covering radius tiling's, no
    spacing and no random placements to compare with (NaN), the perfect tiling of one centre."""
    y, x = np.mgrid[:L, :L]
    blob = 3 * np.exp(-((y - 4.0) ** 2 + (x - 7.0) ** 2) / 4.0).ravel()
    row = codes.network_codes(one_unit(blob), spins(300, 1), spins(100, 2)).loc[1]
    centre = codes.compact_centres(blob[None], (L, L))
    assert row["centres"] == 1 and len(centre) == 1
    assert row["covering"] == codes.tiling(centre, (L, L))["covering"] and np.isnan(row["spacing"])
    assert np.isnan(row["covering_random"]).all() and np.isnan(row["spacing_random"]).all()
    assert row["covering_perfect"] == pytest.approx(L / np.sqrt(2)) and row["spacing_perfect"] == pytest.approx(L)
    assert np.isnan(row["covering_z"])


def test_a_layer_without_compact_fields_has_no_centres():
    """One unit whose w^2 is uniform (random signs): all background, no compact part, so 0 centres
    and every tiling measure NaN."""
    field = np.random.default_rng(0).choice([-1.0, 1.0], size=L * L)
    assert len(codes.compact_centres(field[None], (L, L))) == 0
    row = codes.network_codes(one_unit(field), spins(300, 1), spins(100, 2)).loc[1]
    assert row["centres"] == 0
    assert np.isnan([row["covering"], row["spacing"], row["covering_perfect"], row["spacing_perfect"],
                     row["covering_z"], *row["covering_random"], *row["spacing_random"]]).all()


def test_pca_reconstruction_is_the_projection_clipped_to_the_unit_interval():
    """reconstruction_pca from the definition: the projection of the held-out rows on the 36
    leading components of the training rows, clipped to [0, 1] (here it leaves it on both sides)."""
    train, test = spins(400, 3), spins(100, 4)
    X_train = (train.reshape(400, -1) + 1) / 2
    X_test = (test.reshape(100, -1) + 1) / 2
    mean = X_train.mean(axis=0)
    components = np.linalg.svd(X_train - mean, full_matrices=False)[2][:36]
    projection = mean + (X_test - mean) @ components.T @ components
    assert (projection > 1).any() and (projection < 0).any()
    errors = ((X_test - np.clip(projection, 0, 1)) ** 2).mean(axis=1)
    got = codes.layer_codes(block_dbn(1.0), train, test, 0)["reconstruction_pca"]
    assert got == pytest.approx((errors.mean(), errors.std(ddof=1) / 10), rel=1e-9)


# ----------------------------------------------------------------------------- penalty_codes
def refuse(*args, **kwargs):
    raise AssertionError("the committed tables must be read, not recomputed")


def test_penalty_codes_reads_the_committed_tables(monkeypatch):
    """The committed tables of the paper's three networks (no training, no network_codes): indexed
    (network, layer), 400/100/25 units on blocks of 2/4/8, and the perfect tiling and covering_z
    consistent with each row's centres and random placements on the 40 x 40 torus."""
    monkeypatch.setattr(experiments, "trained_dbn", refuse)
    monkeypatch.setattr(codes, "network_codes", refuse)
    table = codes.penalty_codes()
    assert table.index.names == ["network", "layer"]
    assert list(table.index) == [(name, layer) for name in ("L1", "L2", "none") for layer in (1, 2, 3)]
    assert list(table["units"]) == [400, 100, 25] * 3 and list(table["block"]) == [2, 4, 8] * 3
    centres = table["centres"].to_numpy(float)
    some, several = centres > 0, centres > 1
    assert several.any()
    spacing = 40 / np.sqrt(centres[some])
    np.testing.assert_allclose(table["spacing_perfect"][some], spacing, rtol=1e-12)
    np.testing.assert_allclose(table["covering_perfect"][some], spacing / np.sqrt(2), rtol=1e-12)
    mean, sd = np.array(list(table["covering_random"][several])).T
    np.testing.assert_allclose(table["covering_z"][several], (mean - table["covering"][several]) / sd, rtol=1e-12)


def test_penalty_codes_on_a_miss_tabulates_network_codes_of_each_penalty_network(tmp_path, monkeypatch):
    """With no table stored, each network (its penalty, the training seed asked for) is loaded
    quietly and network_codes is run on the training and held-out samples; the tables are stored,
    and read back on the next call without loading any network."""
    train, held = spins(300, 5), spins(100, 6)
    gains = {"l1": 0.5, "l2": 1.0, None: 2.0}
    calls = []

    def ising_samples(*, store, progress):
        calls.append(("samples", progress))
        return experiments.IsingData(train, {}, "ising-train")

    def trained_dbn(implementation, *, seed, penalty, store, progress):
        calls.append((implementation, seed, penalty, progress))
        return types.SimpleNamespace(dbn=block_dbn(gains[penalty]))

    monkeypatch.setattr(experiments, "ising_samples", ising_samples)
    monkeypatch.setattr(experiments, "held_out_samples", lambda store: experiments.IsingData(held, {}, "ising-held"))
    monkeypatch.setattr(experiments, "trained_dbn", trained_dbn)
    table = codes.penalty_codes(seed=3, store=Store(tmp_path))
    assert calls == [("samples", False)] + [("deeprg", 3, penalty, False) for penalty in ("l1", "l2", None)]
    assert list(table.index) == [(name, 1) for name in ("L1", "L2", "none")]
    for name, penalty in experiments.DBN_PENALTIES:
        expected = codes.network_codes(block_dbn(gains[penalty]), train, held)
        expected = experiments._arrays_table(experiments._table_arrays(expected, "codes"), "codes", "layer")
        pd.testing.assert_frame_equal(table.loc[name], expected)
    monkeypatch.setattr(experiments, "trained_dbn", refuse)
    pd.testing.assert_frame_equal(codes.penalty_codes(seed=3, store=Store(tmp_path)), table)
