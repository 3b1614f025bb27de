"""deeprg.codes on cases of known answer: tilings of known geometry, a layer that is exactly
the block magnetisations, data made of uniform blocks (which blocks and PCA reconstruct
without error), and fields of known centre."""

import numpy as np
import pytest

from deeprg import codes
from deeprg.dbn import DBN
from deeprg.rbm import set_parameters

L, B = 12, 2  # a 12 x 12 lattice of 2 x 2 blocks: 36 blocks


def block_dbn(gain, L=L, b=B):
    """One layer whose unit k sums block k: P(h_k = 1 | v) = sigmoid(gain (sum_block v - b^2 / 2)),
    a monotone function of the block's spin sum (1/2 when the block is tied)."""
    n = (L // b) ** 2
    block_of_site = (np.arange(L)[:, None] // b * (L // b) + np.arange(L)[None, :] // b).ravel()
    W = gain * (block_of_site[None, :] == np.arange(n)[:, None]).astype(float)
    return DBN([n]).load_arrays({"W0": W, "b0": np.full(n, -gain * b * b / 2), "c0": np.zeros(L * L)})


def uniform_blocks(n, seed, L=L, b=B):
    """+-1 configurations whose b x b blocks are uniform, each block up with probability 1/2."""
    blocks = np.random.default_rng(seed).choice(np.array([-1, 1], np.int8), size=(n, L // b, L // b))
    return blocks.repeat(b, axis=1).repeat(b, axis=2)


def random_configs(n, seed):
    return np.random.default_rng(seed).choice(np.array([-1, 1], np.int8), size=(n, L, L))


def test_tiling_of_a_square_grid_is_the_perfect_tiling():
    grid = np.stack(np.meshgrid(np.arange(5) * 8.0, np.arange(5) * 8.0, indexing="ij"), axis=-1)
    found, perfect = codes.tiling(grid, (40, 40)), codes.perfect_tiling(25, (40, 40))
    assert found == pytest.approx(perfect, abs=1e-12) and perfect["spacing"] == 8 and perfect["covering"] == pytest.approx(
        4 * np.sqrt(2))


def test_tiling_measures_on_the_torus():
    """One centre at the origin of a 40 x 40 torus: the farthest site is (20, 20), 20 sqrt 2 away;
    two centres at (0, 0) and (0, 39) are one spacing apart across the boundary."""
    assert codes.tiling([[0, 0]], (40, 40))["covering"] == pytest.approx(20 * np.sqrt(2))
    assert np.isnan(codes.tiling([[0, 0]], (40, 40))["spacing"])
    assert codes.tiling([[0, 0], [0, 39]], (40, 40))["spacing"] == pytest.approx(1.0)
    with pytest.raises(ValueError, match="at least one centre"):
        codes.tiling(np.zeros((0, 2)), (40, 40))


def test_random_centres_cover_worse_than_a_perfect_tiling():
    """25 random centres leave holes: their mean covering radius exceeds the perfect tiling's by
    more than 4 standard deviations of the mean (200 draws), and they crowd (smaller spacing)."""
    null, perfect = codes.random_tiling(25, (40, 40)), codes.perfect_tiling(25, (40, 40))
    sd_of_mean = np.array([null["covering"][1], null["spacing"][1]]) / np.sqrt(codes.N_RANDOM_TILINGS)
    assert null["covering"][0] - perfect["covering"] > 4 * sd_of_mean[0]
    assert perfect["spacing"] - null["spacing"][0] > 4 * sd_of_mean[1]


def test_compact_centres_find_blobs_and_drop_noise():
    y, x = np.mgrid[:40, :40]
    blob = np.exp(-((y - 10.0) ** 2 + (x - 30.0) ** 2) / 8.0).ravel()
    noise = np.random.default_rng(0).normal(size=1600)
    centres = codes.compact_centres(np.stack([blob, noise]), (40, 40))
    assert centres.shape == (1, 2) and np.allclose(centres[0], [10, 30], atol=1e-6)


def test_a_layer_of_block_detectors_decodes_the_blocks_exactly():
    """Steep block detectors: every untied block's majority is read out right; gentle ones are
    nearly linear in the block sums, which explain their variance almost wholly."""
    train, test = random_configs(2000, 1), random_configs(500, 2)
    steep = codes.layer_codes(block_dbn(30.0), train, test, 0)
    assert steep["units"] == 36 and steep["block"] == 2
    assert steep["blocks_from_units"][0] == 1.0
    gentle = codes.layer_codes(block_dbn(0.01), train, test, 0)
    assert gentle["units_from_blocks"] > 0.999


def test_uniform_blocks_are_reconstructed_without_error_by_blocks_and_pca():
    """Data made of uniform 2 x 2 blocks: every site agrees with its block (q = 1), so the block
    reconstruction is exact; the data span 36 dimensions, so 36 components are exact too."""
    train, test = uniform_blocks(1000, 3), uniform_blocks(200, 4)
    result = codes.layer_codes(block_dbn(30.0), train, test, 0)
    assert result["reconstruction_blocks"] == (0.0, 0.0)
    assert result["reconstruction_pca"][0] < 1e-20
    assert result["blocks_from_pca"][0] == 1.0


def test_sites_agreeing_counts_against_the_majority():
    configs = np.ones((1, 4, 4), np.int8)
    configs[0, 0, 0] = -1  # one block of four has 3 up, 1 down
    assert codes.sites_agreeing(configs, 2)[0] == pytest.approx(15 / 16)


def test_variance_explained_and_block_accuracy_on_known_values():
    target = np.array([[0.0], [1.0], [2.0], [3.0]])
    assert codes.variance_explained(target, target) == 1.0
    assert codes.variance_explained(np.full_like(target, 1.5), target) == 0.0
    with pytest.raises(ValueError, match="target must vary"):
        codes.variance_explained(target, np.ones_like(target))
    sums = np.array([[2, -2, 0, 4]])
    assert codes.block_accuracy(np.array([[1.0, 1.0, 5.0, 1.0]]), sums)[0] == pytest.approx(2 / 3)


def test_network_codes_gives_one_row_per_layer():
    dbn = block_dbn(30.0)
    table = codes.network_codes(dbn, random_configs(500, 5), random_configs(100, 6), draws=20)
    assert list(table.index) == [1] and table.loc[1, "spacing_perfect"] == pytest.approx(2.0)
    assert table.loc[1, "centres"] == 36 and table.loc[1, "spacing"] == pytest.approx(2.0)
