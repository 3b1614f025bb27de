"""exp on float32, written out so that numba can vectorise most of it.

The algorithm and constants are glibc's expf (sysdeps/ieee754/flt-32/e_expf.c, by Szabolcs
Nagy, glibc >= 2.28), as its x86-64 FMA build computes it: with x in double precision,
k = round(32 x / ln 2) and r = 32 x / ln 2 - k, exp(x) = 2^(k/32) 2^(r/32) where
2^(k/32) = 2^(k div 32) T[k mod 32] and 2^(r/32) ~ 1 + C2 r + C1 r^2 + C0 r^3; the result is
rounded once to float32 (error < 0.51 ulp). Each product-then-sum is one fused multiply-add,
so the result does not depend on the C library or on the CPU: on x86-64 with FMA it
equals glibc's expf bit for bit (tests/test_rbm_kernels.py checks all of [-60, 60]).

A numba loop that calls libm's expf stays scalar; split in two, the reduction and the
polynomial (`exp_reduce`) vectorise and only the table look-up (`exp_scale`) does not.
The range reduction assumes |x| < 88 (no overflow, no subnormal result): callers clamp.
"""

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.extending import intrinsic

# T[i] = bits(2^(i/32)) - (i << 47): adding k << 47 to it puts k div 32 into the exponent.
_TABLE = np.array([
    0x3FF0000000000000, 0x3FEFD9B0D3158574, 0x3FEFB5586CF9890F, 0x3FEF9301D0125B51,
    0x3FEF72B83C7D517B, 0x3FEF54873168B9AA, 0x3FEF387A6E756238, 0x3FEF1E9DF51FDEE1,
    0x3FEF06FE0A31B715, 0x3FEEF1A7373AA9CB, 0x3FEEDEA64C123422, 0x3FEECE086061892D,
    0x3FEEBFDAD5362A27, 0x3FEEB42B569D4F82, 0x3FEEAB07DD485429, 0x3FEEA47EB03A5585,
    0x3FEEA09E667F3BCD, 0x3FEE9F75E8EC5F74, 0x3FEEA11473EB0187, 0x3FEEA589994CCE13,
    0x3FEEACE5422AA0DB, 0x3FEEB737B0CDC5E5, 0x3FEEC49182A3F090, 0x3FEED503B23E255D,
    0x3FEEE89F995AD3AD, 0x3FEEFF76F2FB5E47, 0x3FEF199BDD85529C, 0x3FEF3720DCEF9069,
    0x3FEF5818DCFBA487, 0x3FEF7C97337B9B5F, 0x3FEFA4AFA2A490DA, 0x3FEFD0765B6E4540,
], dtype=np.uint64)
_INV_LN2_32 = float.fromhex("0x1.71547652b82fep+5")  # 32 / ln 2
_SHIFT = float.fromhex("0x1.8p+52")  # adding it rounds to an integer held in the low bits
_C0, _C1, _C2 = (float.fromhex(c) for c in ("0x1.c6af84b912394p-20", "0x1.ebfce50fac4f3p-13",
                                             "0x1.62e42ff0c52d6p-6"))
_MASK, _EXPONENT_SHIFT = np.uint64(31), np.uint64(47)


@intrinsic
def _fma(typingctx, a, b, c):
    """a * b + c rounded once (llvm.fma: one instruction where the CPU has FMA)."""
    def codegen(context, builder, signature, args):
        d = ir.DoubleType()
        return builder.call(builder.module.declare_intrinsic("llvm.fma", [d], ir.FunctionType(d, [d, d, d])), args)
    return types.float64(types.float64, types.float64, types.float64), codegen


@intrinsic
def _bits(typingctx, x):
    """The IEEE-754 bits of a double, as uint64."""
    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.IntType(64))
    return types.uint64(types.float64), codegen


@intrinsic
def _double(typingctx, bits):
    """The double whose IEEE-754 bits are the given uint64."""
    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.DoubleType())
    return types.float64(types.uint64), codegen


@njit(cache=True, inline="always")
def exp_reduce(x):
    """(k in the low bits of a uint64, 2^(r/32) as a double) for float32 x, |x| < 88."""
    xd = np.float64(x)
    z = _fma(_INV_LN2_32, xd, _SHIFT)
    r = _fma(_INV_LN2_32, xd, -(z - _SHIFT))
    return _bits(z), _fma(_fma(_C0, r, _C1), r * r, _fma(_C2, r, 1.0))


@njit(cache=True, inline="always")
def exp_scale(k, y):
    """exp(x) as float32 from exp_reduce's (k, y): y 2^(k/32)."""
    return np.float32(y * _double(_TABLE[k & _MASK] + (k << _EXPONENT_SHIFT)))


@njit(cache=True)
def exp_float32(x):
    """exp of a 1-d float32 array with |x| < 88, as a new float32 array."""
    out = np.empty_like(x)
    for i in range(x.shape[0]):
        k, y = exp_reduce(x[i])
        out[i] = exp_scale(k, y)
    return out
