"""Fused numba kernels for RBM training: each one pass over memory instead of several numpy ones.

They run on one thread: BLAS owns the cores between them, and a second thread pool
spinning beside OpenBLAS's made them several times slower, not faster."""

import numpy as np
from numba import njit

NO_PENALTY, L1, L2, L1_PROXIMAL = 0, 1, 2, 3


@njit(cache=True, fastmath=True)
def sigmoid_bias(Z, bias):
    """In place Z[r, j] = 1 / (1 + exp(-(Z[r, j] + bias[j]))).

    The argument is clamped to [-60, 60] (beyond it the result is 0 or 1 to float32
    precision), so fastmath's no-infinity assumption holds."""
    t = Z.dtype.type
    one, lo, hi = t(1.0), t(-60.0), t(60.0)
    for r in range(Z.shape[0]):
        for j in range(Z.shape[1]):
            x = min(max(Z[r, j] + bias[j], lo), hi)
            Z[r, j] = one / (one + np.exp(-x))


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
