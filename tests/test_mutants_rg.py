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
