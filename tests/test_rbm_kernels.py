"""The RBM's numba kernels: the vectorised float32 exp and the sigmoid built on it."""

import platform
from pathlib import Path

import numpy as np
import pytest
from numba import njit

from deeprg.rbm import kernels
from deeprg.rbm.expf import exp_float32

LIMIT = np.float32(60.0)  # sigmoid_bias clamps exp's argument to [-60, 60]


def floats_in_range(stride=1, part=0, parts=1):
    """Every stride-th float32 bit pattern in [0, 60] (or the part-th of `parts` slices of
    them), with both signs."""
    n = int(LIMIT.view(np.uint32)) + 1
    bits = np.arange(part * n // parts, (part + 1) * n // parts, stride, dtype=np.uint32)
    return np.concatenate([bits, bits | np.uint32(0x80000000)]).view(np.float32)


def ulps_apart(a, b):
    """|a - b| in units in the last place, for float32 arrays of one sign per element."""
    return np.abs(a.view(np.int32).astype(np.int64) - b.view(np.int32).astype(np.int64))


@njit
def libm_expf(x):
    """The C library's expf, as numba calls it for np.exp of a float32."""
    out = np.empty_like(x)
    for i in range(x.shape[0]):
        out[i] = np.exp(x[i])
    return out


def glibc_with_fma():
    """True on x86-64 Linux with glibc >= 2.28 (its expf is the algorithm of deeprg.rbm.expf)
    and a CPU with FMA (glibc then picks the build whose roundings expf copies)."""
    libc, version = platform.libc_ver()
    cpuinfo = Path("/proc/cpuinfo")
    return (platform.machine() == "x86_64" and libc == "glibc"
            and tuple(int(p) for p in version.split(".")[:2]) >= (2, 28)
            and cpuinfo.exists() and " fma " in cpuinfo.read_text())


def test_expf_within_one_ulp_of_correct_rounding():
    x = floats_in_range(101)
    correctly_rounded = np.exp(x.astype(np.float64)).astype(np.float32)
    error = ulps_apart(exp_float32(x), correctly_rounded)
    assert error.max() <= 1
    assert np.mean(error > 0) < 1e-3  # glibc's bound is 0.502 ulp: almost always exact
    assert exp_float32(np.zeros(1, np.float32))[0] == 1.0


def assert_equals_libm(x):
    assert np.array_equal(exp_float32(x).view(np.uint32), libm_expf(x).view(np.uint32))


@pytest.mark.skipif(not glibc_with_fma(), reason="the C library's expf is not glibc's FMA build")
def test_expf_equals_glibc_on_a_sample():
    assert_equals_libm(floats_in_range(stride=997))


@pytest.mark.slow
@pytest.mark.skipif(not glibc_with_fma(), reason="the C library's expf is not glibc's FMA build")
def test_expf_equals_glibc_on_every_float_sigmoid_uses():
    """All 2.2e9 floats of [-60, 60], so RBMs trained with the C library's expf (before the
    vectorised one) are reproduced bit for bit."""
    for part in range(64):
        assert_equals_libm(floats_in_range(part=part, parts=64))


@pytest.mark.skipif(not glibc_with_fma(), reason="the C library's expf is not glibc's FMA build")
def test_float32_sigmoid_equals_the_libm_one_bit_for_bit():
    """The sigmoid that trained data/ (exp from the C library) and the vectorised one agree."""
    rng = np.random.default_rng(1)
    Z = np.concatenate([rng.normal(0, 10, (50, 400)), rng.uniform(-80, 80, (50, 400))]).astype(np.float32)
    bias = rng.normal(0, 1, 400).astype(np.float32)
    vectorised, libm = Z.copy(), Z.copy()
    kernels.sigmoid_bias(vectorised, bias)
    kernels._sigmoid_bias_libm(libm, bias)
    assert np.array_equal(vectorised.view(np.uint32), libm.view(np.uint32))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sigmoid_bias_in_place_against_float64(dtype):
    rng = np.random.default_rng(0)
    Z = rng.normal(0, 20, (7, 33)).astype(dtype)
    Z[0, :3] = [-1e4, 1e4, 0.0]
    bias = rng.normal(0, 1, 33).astype(dtype)
    x = np.clip((Z + bias).astype(np.float64), -60, 60)  # the sum rounded as the kernel rounds it
    expected = 1 / (1 + np.exp(-x))
    out = Z.copy()
    assert kernels.sigmoid_bias(out, bias) is None
    assert out.dtype == dtype
    np.testing.assert_allclose(out, expected, rtol=4 * np.finfo(dtype).eps, atol=0)
    assert out[0, 2] == pytest.approx(1 / (1 + np.exp(-bias[2])), rel=4 * float(np.finfo(dtype).eps))
