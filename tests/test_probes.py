"""The probes of what hidden units compute, on units whose answer is known."""

import numpy as np
import pytest

from deeprg import ising, probes, rg
from deeprg.dbn import DBN
from deeprg.rbm import spins_to_visible


def random_dbn(sizes=(16, 9, 4), n_visible=36, seed=0):
    rng = np.random.default_rng(seed)
    net, n_in, arrays = DBN(sizes), n_visible, {}
    for i, n in enumerate(sizes):
        arrays |= {f"W{i}": rng.normal(0, 0.5, (n, n_in)), f"b{i}": rng.normal(0, 0.5, n), f"c{i}": np.zeros(n_in)}
        n_in = n
    return net.load_arrays(arrays)


@pytest.fixture(scope="module")
def configs():
    return ising.sample(8, 2.3, 300, seed=0)


@pytest.mark.parametrize("offset", [(0, 0), (1, 0), (1, 1), (3, 2)])
def test_an_exact_block_spin_scores_one_at_any_offset(configs, offset):
    b = 2
    shifted = np.roll(configs, (-offset[0], -offset[1]), axis=(1, 2))
    unit = np.sign(shifted.reshape(len(configs), 4, b, 4, b).sum(axis=(2, 4)).astype(float))[:, 1, 2]
    assert probes.best_block_match(unit[:, None], configs, b)[0] == pytest.approx(1.0)


def test_all_block_spins_contain_the_tiling(configs):
    blocks = probes.all_block_spins(configs, 4)
    tiled = np.sign(configs.reshape(len(configs), 2, 4, 2, 4).sum(axis=(2, 4)))
    assert np.array_equal(blocks.reshape(len(configs), 8, 8)[:, ::4, ::4], tiled)


def test_a_single_spin_matches_its_block_partly(configs):
    score = probes.best_block_match(configs.reshape(len(configs), -1)[:, :1].astype(float), configs, 4)[0]
    assert 0.3 < score < 0.95


def test_oddness_separates_spins_from_detectors(configs):
    spin = lambda c: np.reshape(c, (len(c), -1))[:, :3].astype(float)
    detector = lambda c: np.abs(np.reshape(c, (len(c), -1)).mean(axis=1, keepdims=True))
    assert np.allclose(probes.oddness(spin, configs), 1.0)
    assert np.allclose(probes.oddness(detector, configs), 0.0)
    one_sided = lambda c: (np.reshape(c, (len(c), -1))[:, :4].sum(axis=1, keepdims=True) == 4).astype(float)
    assert 0.2 < probes.oddness(one_sided, configs)[0] < 0.8


def test_random_local_fields_have_the_asked_size():
    fields = probes.random_local_fields([1, 4, 9, 16], (8, 8), seed=0)
    assert [np.count_nonzero(f) for f in fields] == [1, 4, 9, 16]
    patch = np.zeros((1, 64))
    patch[0, :9] = 1.0
    assert rg.participation_ratio(patch)[0] * 64 == pytest.approx(9)  # the area convention the nulls use


def test_pca_fields_are_orthonormal(configs):
    fields = probes.pca_fields(configs, 5)
    assert np.allclose(fields @ fields.T, np.eye(5), atol=1e-10)


def test_untrained_copy_has_the_shapes_and_no_biases():
    net = random_dbn()
    copy = probes.untrained_copy(net, init_scale=0.1, seed=1)
    for a, b in zip(net.rbms, copy.rbms):
        assert a.components_.shape == b.components_.shape and not np.any(b.intercept_hidden_)
    assert np.std(copy.rbms[0].components_) == pytest.approx(0.1, rel=0.2)


@pytest.mark.parametrize("layer", [0, 1, 2])
def test_linear_response_is_the_mean_gradient(layer):
    net, rng = random_dbn(), np.random.default_rng(2)
    configs = np.where(rng.random((20, 6, 6)) < 0.5, -1, 1).astype(np.int8)
    X, eps = spins_to_visible(configs, np.float64), 1e-6
    numeric = np.zeros((net.layer_sizes[layer], 36))
    for i in range(36):
        up, down = X.copy(), X.copy()
        up[:, i] += eps
        down[:, i] -= eps
        numeric[:, i] = ((net.transform(up, layer) - net.transform(down, layer)) / (2 * eps)).mean(axis=0)
    fields = probes.linear_response_fields(net, configs, layer, chunk=7)
    assert np.allclose(fields, numeric, atol=1e-7)


def test_spike_triggered_fields_of_a_site_detector(configs):
    net = DBN((1,)).load_arrays({"W0": np.eye(64)[:1] * 10.0, "b0": np.array([-5.0]), "c0": np.zeros(64)})
    sta = probes.spike_triggered_fields(net, configs, 0)[0]
    assert sta.argmax() == 0 and sta[0] > 0.5  # the unit fires when site 0 is up


def test_block_match_with_nulls_runs_on_a_small_network(configs):
    net = random_dbn(sizes=(16, 4), n_visible=64)
    table = probes.block_match_with_nulls(net, configs, configs, seed=0)
    assert list(table.index) == [1, 2] and list(table["block"]) == [2, 4]
    for column in ("trained", "untrained", "random local", "PCA"):
        assert all(0 <= m <= 1 for m, _ in table[column])


def test_a_reversed_block_spin_scores_one_with_a_negative_sign(configs):
    unit = -np.sign(configs.reshape(len(configs), 4, 2, 4, 2).sum(axis=(2, 4)).astype(float))[:, 0, 0]
    score, sign = probes.best_block_match(unit[:, None], configs, 2, with_sign=True)
    assert score[0] == pytest.approx(1.0) and sign[0] == -1


# ----------------------------------------------------------------------------- nulls that are local magnetisations
@pytest.fixture(scope="module")
def paper_temperature():
    """L = 16 at the paper's T = 2.451: blocks of 2 and 4 sites a side, each with many of them."""
    return ising.sample(16, 2.451, 1000, seed=0)


@pytest.mark.parametrize("area", [20.0, 50.0, 100.0, 400.0])
def test_blob_fields_are_positive_averages_of_the_asked_area(area):
    fields = probes.blob_fields([area] * 3, (40, 40), seed=1)
    assert np.all(fields >= 0) and np.allclose(fields.sum(axis=1), 1.0)
    # participation-ratio area 2 pi sigma^2: lattice sums of a Gaussian of sigma >= 1.8 are its
    # integrals to 1e-6; at area 400 (sigma = 8) the torus's wrapping costs 0.2 %
    assert rg.participation_ratio(fields) * 1600 == pytest.approx(area, rel=0.005)
    centres = np.stack(np.unravel_index(fields.argmax(axis=1), (40, 40)), axis=1)
    assert np.array_equal(rg.field_peaks(fields, (40, 40)), centres)
    if area <= 100:  # a window that holds the blob: compact_part's area of w^2 is pi sigma^2 ln 10
        part = rg.compact_part(fields, (40, 40), radius=12)  # = area ln(10) / 2, here 1.1 % low at area 20
        assert part.area == pytest.approx(area * np.log(10) / 2, rel=0.015)  # (sigma = 1.8) by discretisation


def test_box_average_fields_are_block_averages():
    fields = probes.box_average_fields([0.2, 4, 10, 2000], (8, 8), seed=0)
    sides = [1, 2, 3, 8]  # round(sqrt(area)), clipped to [1, 8]
    assert [np.count_nonzero(f) for f in fields] == [s * s for s in sides]
    assert all(np.allclose(f[f > 0], 1 / s**2) for f, s in zip(fields, sides))


@pytest.mark.parametrize("b", [2, 3, 4])
def test_the_sign_of_a_box_average_is_its_block_spin(paper_temperature, b):
    box = probes.box_average_fields([b * b] * 4, (16, 16), seed=b)  # at random places: all are blocks
    sign = probes.best_block_match(probes.saturating_units(box, paper_temperature), paper_temperature, b)
    assert sign == pytest.approx(1.0, abs=1e-12)  # ties count 0 on both sides, so b even scores 1 too
    linear = probes.best_block_match(probes.linear_units(box, paper_temperature), paper_temperature, b)
    assert np.all((0.8 < linear) & (linear < 0.99))  # the magnetisation is not its sign


def test_a_positive_blob_beats_a_random_sign_field_of_its_area(paper_temperature):
    b, areas = 4, [16.0] * 10
    score = lambda fields: probes.best_block_match(probes.linear_units(fields, paper_temperature),
                                                   paper_temperature, b)
    blobs, random_sign = score(probes.blob_fields(areas, (16, 16))), score(probes.random_local_fields(areas, (16, 16)))
    assert blobs.min() > random_sign.max()  # measured: blobs 0.90 +- 0.005, random-sign fields 0.52 (at most 0.88)


def test_saturating_units_run_from_linear_to_sign(configs):
    fields = probes.blob_fields([9.0, 25.0], (8, 8), seed=0)
    linear = probes.linear_units(fields, configs)
    assert np.allclose(probes.saturating_units(fields, configs, gain=1e-6) / 5e-7, linear, rtol=1e-9, atol=1e-12)
    assert np.array_equal(probes.saturating_units(fields, configs), np.sign(linear))
    steep, clear = probes.saturating_units(fields, configs, gain=1e4), np.abs(linear) > 2e-3
    assert np.allclose(steep[clear], np.sign(linear[clear]), atol=1e-6)  # tanh(1e4 x / 2) at |x| > 2e-3
    for gain in (0, -1.0, np.nan, True, "big"):
        with pytest.raises(ValueError, match="gain must"):
            probes.saturating_units(fields, configs, gain=gain)


@pytest.mark.parametrize("make", [probes.blob_fields, probes.box_average_fields])
def test_null_fields_reject_bad_areas(make):
    for areas in ([0.0], [-1.0], [[4.0]], [np.nan]):
        with pytest.raises(ValueError, match="areas must"):
            make(areas, (8, 8))


def test_magnetisation_nulls_run_on_a_small_network(configs):
    net = random_dbn(sizes=(16, 4), n_visible=64)
    table = probes.magnetisation_nulls(net, configs, seed=0)
    assert list(table.index) == [1, 2]
    assert list(table["block"]) == list(probes.block_match_with_nulls(net, configs, configs)["block"])
    for column in ("blob", "blob (sign)", "box", "box (sign)", "response field", "response field (sign)"):
        assert all(0 <= m <= 1 for m, _ in table[column])
    response = probes.linear_response_fields(net, configs, 1)[probes.responsive_units(net, configs, 1)]
    assert table.loc[2, "area"][0] == pytest.approx(np.mean(rg.participation_ratio(response) * 64))
