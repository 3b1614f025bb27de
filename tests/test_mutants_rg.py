"""deeprg.rg: cases that kill mutants the other tests let survive (mutation/run.py, code/MUTATION.md)."""

import numpy as np
import pytest

from deeprg import rg


def test_radius_of_gyration_on_a_rectangular_torus():
    """A uniform by x bx block has spread (b^2 - 1) / 12 along each axis: R_g^2 = (4 - 1) / 12 + (9 - 1) / 12."""
    field = np.zeros((4, 8))
    field[1:3, 2:5] = 1.0
    assert rg.radius_of_gyration(field.reshape(1, -1), (4, 8))[0] == pytest.approx(np.sqrt(11 / 12), rel=1e-12)


def test_a_field_of_the_wrong_size_is_refused_with_the_expected_size():
    with pytest.raises(ValueError, match=r"\(n_units, 16\) for shape \(4, 4\)"):
        rg.radius_of_gyration(np.ones((1, 15)), (4, 4))


def test_block_spins_of_one_site_blocks_are_the_configuration():
    """b = 1 is allowed: each block is one site, its majority the site's spin."""
    configs = np.random.default_rng(0).choice(np.array([-1, 1], np.int8), size=(3, 4, 4))
    assert np.array_equal(rg.block_spins(configs, 1), configs)


def test_a_bad_block_size_is_refused_by_its_name():
    with pytest.raises(ValueError, match=r"^b must be an integer >= 1, got 0$"):
        rg.block_spins(np.ones((1, 4, 4), np.int8), 0)


def test_a_uniform_field_has_no_compact_part_and_says_so_quietly():
    """A uniform field on a 16 x 16 torus: every share is 2^-8, the background takes all of it,
    the excess is exactly 0, and area and gyration are NaN (as documented) without a warning."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        part = rg.compact_part(np.ones((1, 256)), (16, 16), radius=5)
    assert part.background[0] == 1.0 and np.isnan(part.area[0]) and np.isnan(part.gyration[0])


def test_sites_at_equal_distance_are_taken_in_the_window_order():
    """w^2 = 0.5 at the peak, 0.2 on the sites above and below it, 0.05 left and right: the centre
    is the peak, and the four neighbours tie at distance 1. They are taken in the window's row-major
    order (a stable sort: the area does not depend on the sort algorithm): above (0.2), left (0.05),
    right, below. q = 0.72 is crossed in the left site: area = 2 + (0.72 - 0.7) / 0.05 = 2.4,
    gyration^2 = (0.2 + 0.02) / 0.72 (the peak at distance 0, the rest at 1)."""
    w2 = np.zeros((20, 20))
    w2[10, 10], w2[9, 10], w2[11, 10], w2[10, 9], w2[10, 11] = 0.5, 0.2, 0.2, 0.05, 0.05
    part = rg.compact_part(np.sqrt(w2).reshape(1, -1), (20, 20), q=0.72, radius=3)
    assert part.centre[0] == pytest.approx([10, 10], abs=1e-12)
    assert part.area[0] == pytest.approx(2.4, rel=1e-9)
    assert part.gyration[0] == pytest.approx(np.sqrt(0.22 / 0.72), rel=1e-9)
