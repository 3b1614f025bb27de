"""Fused numba kernels for RBM training: each one pass over memory instead of several numpy ones.

They run on one thread: BLAS owns the cores between them, and a second thread pool
spinning beside OpenBLAS's made them several times slower, not faster. The float32 sigmoid
takes its exp from .expf, which numba vectorises (libm's expf stays a scalar call): a third
of the time, the same bits."""

import numpy as np
from numba import njit

from .expf import exp_reduce, exp_scale

NO_PENALTY, L1, L2, L1_PROXIMAL = 0, 1, 2, 3


def sigmoid_bias(Z, bias):
    """In place Z[r, j] = 1 / (1 + exp(-(Z[r, j] + bias[j]))), Z of shape (n, len(bias)).

    The argument is clamped to [-60, 60] (beyond it the result is 0 or 1 to float32
    precision), so fastmath's no-infinity assumption holds. float32 takes exp from
    deeprg.rbm.expf (vectorised; glibc's expf bit for bit), float64 from the C library."""
    (_sigmoid_bias_float32 if Z.dtype == np.float32 else _sigmoid_bias_libm)(Z, bias)


@njit(cache=True, fastmath=True)
def _sigmoid_bias_libm(Z, bias):
    t = Z.dtype.type
    one, lo, hi = t(1.0), t(-60.0), t(60.0)
    for r in range(Z.shape[0]):
        for j in range(Z.shape[1]):
            x = min(max(Z[r, j] + bias[j], lo), hi)
            Z[r, j] = one / (one + np.exp(-x))


@njit(cache=True, fastmath={"nnan", "ninf", "nsz"}, error_model="numpy")
def _sigmoid_bias_float32(Z, bias):
    # error_model="numpy" drops the ZeroDivisionError test (1 + e >= 1) that keeps the division
    # scalar; leaving out fastmath's reciprocal flags keeps it exact.
    one, lo, hi = np.float32(1.0), np.float32(-60.0), np.float32(60.0)
    n = Z.shape[1]
    k, y = np.empty(n, np.uint64), np.empty(n)
    for r in range(Z.shape[0]):
        row = Z[r]
        for j in range(n):  # vectorised
            k[j], y[j] = exp_reduce(-min(max(row[j] + bias[j], lo), hi))
        for j in range(n):  # vectorised too, but for the table's scalar loads
            row[j] = one / (one + exp_scale(k[j], y[j]))


@njit(cache=True)
def update_weights(W, inc, G, scale, learning_rate, momentum, alpha, penalty):
    """One momentum step on W (n_hidden, n_visible) from the gradient estimate scale * G.

    inc <- momentum inc + lr (scale G - alpha R(W)),  W <- W + inc, with R(W) = sign(W) for
    L1 (a subgradient), W for L2, 0 otherwise. For L1_PROXIMAL the step is taken without
    the penalty and then W <- sign(W) max(|W| - lr alpha, 0) (soft thresholding)."""
    t = W.dtype.type
    m, lr, a, s = t(momentum), t(learning_rate), t(alpha), t(scale)
    shrink = lr * a
    zero = t(0.0)
    for i in range(W.shape[0]):
        for j in range(W.shape[1]):
            w = W[i, j]
            g = s * G[i, j]
            if penalty == L1:
                g -= a * (zero if w == zero else (t(1.0) if w > zero else t(-1.0)))
            elif penalty == L2:
                g -= a * w
            step = m * inc[i, j] + lr * g
            inc[i, j] = step
            w += step
            if penalty == L1_PROXIMAL:
                w = max(w - shrink, zero) if w > zero else min(w + shrink, zero)
            W[i, j] = w
