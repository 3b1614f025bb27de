"""deeprg.rbm.kernels: cases that kill mutants the other tests let survive (mutation/run.py,
code/MUTATION.md; the @njit kernels are mutated by run.py itself, with the JIT on)."""

import numpy as np
import pytest

from deeprg.rbm import kernels


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sigmoid_arguments_beyond_60_are_clamped_to_it(dtype):
    """sigmoid_bias clamps Z + bias to [-60, 60]: anything beyond gives the value at the bound,
    bit for bit, up to the largest finite float."""
    big = np.finfo(dtype).max
    Z = np.array([[60, 61, 1e4, 1e30, big, -60, -61, -1e4, -1e30, -big]], dtype)
    out = Z.copy()
    kernels.sigmoid_bias(out, np.zeros(Z.shape[1], dtype))
    assert np.isfinite(out).all()
    np.testing.assert_array_equal(out[0, :5], np.full(5, out[0, 0]))
    np.testing.assert_array_equal(out[0, 5:], np.full(5, out[0, 5]))
    assert out[0, 5] == pytest.approx(1 / (1 + np.exp(60.0)), rel=4 * float(np.finfo(dtype).eps))
