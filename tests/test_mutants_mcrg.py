"""deeprg.mcrg: cases that kill mutants the other tests let survive (mutation/run.py, code/MUTATION.md)."""

import numpy as np
import pytest

from deeprg import mcrg


def test_best_is_each_units_own_largest_block_share():
    """Four units on the 2 x 2 block lattice of a 4 x 4 torus, unit j holding a share 0.4 + 0.1 j of
    its w^2 in one block and the rest spread evenly over the other three: best is that share per
    unit (n,), not the largest over all units."""
    block = np.arange(16).reshape(4, 4) // 2 % 2 + 2 * (np.arange(16).reshape(4, 4) // 8)
    block = block.ravel()  # block index 0..3 of each site, row-major blocks
    shares = 0.4 + 0.1 * np.arange(4)
    fields = np.empty((4, 16))
    for j, share in enumerate(shares):
        home = (j + 1) % 4
        fields[j] = np.sqrt(np.where(block == home, share / 4, (1 - share) / 12))
    placement = mcrg.assign_block_sites(fields, 4, 2)
    assert placement.best.shape == (4,)
    assert placement.best == pytest.approx(shares, rel=1e-12)
    assert placement.best == pytest.approx(mcrg.block_shares(fields, 4, 2).max(axis=1), rel=1e-15)


def test_weights_that_are_not_a_matrix_are_refused_naming_the_layer():
    """A scalar (0-d) weight array is refused like any other shape, with the layer named."""
    with pytest.raises(ValueError, match=r"^weights\[0\] must have 16 columns .* got shape \(\)$"):
        mcrg.layer_placements([np.float64(1.0)], 4)


def test_coarse_spins_are_checked_under_their_own_name():
    fine = np.ones((4, 4, 4), np.int8)
    coarse = np.ones((4, 2, 2), np.int8)
    coarse[0, 0, 0] = 0
    with pytest.raises(ValueError, match=r"^coarse must contain only \+-1 spins, found 0$"):
        mcrg.level_correlation_scaling(fine, coarse, n_blocks=2)
