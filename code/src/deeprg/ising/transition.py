"""The exact transition matrix of one checkerboard Metropolis sweep on a tiny torus, and its
closed classes: a check of stationarity and ergodicity that sampling cannot give."""

from __future__ import annotations

import numpy as np
from scipy.sparse.csgraph import connected_components

from .. import exact
from . import kernels


def checkerboard_sweep_matrix(L: int, T: float, acceptance=kernels.metropolis_acceptance) -> np.ndarray:
    """P[a, b] = probability that one sweep (sites in the kernel's order) takes state a to b.

    States are exact.all_configurations(L, L); acceptance(K, s h) is the flip probability."""
    K = 1.0 / T
    flat = exact.all_configurations(L, L).reshape(2 ** (L * L), -1)
    code = 1 << np.arange(L * L - 1, -1, -1)
    nbr = kernels.neighbours(L)
    rows = np.arange(len(flat))
    P = np.eye(len(flat))
    for site in [i * L + j for parity in range(2) for i in range(L) for j in range((i + parity) % 2, L, 2)]:
        flipped = flat.copy()
        flipped[:, site] *= -1
        acc = np.array([acceptance(K, s[site] * s[nbr[site]].sum()) for s in flat])
        step = np.zeros_like(P)
        step[rows, (flipped > 0) @ code] += acc
        step[rows, rows] += 1 - acc
        P = P @ step
    return P


def always_accept_neutral(K: float, sh: int) -> float:
    """The textbook rule min(1, exp(-2 K s h)), which accepts energy-neutral flips with probability 1."""
    return min(1.0, float(np.exp(-2.0 * K * sh)))


def closed_class_weights(P: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Boltzmann weight of each strongly connected class of the chain, largest first
    (one class holding weight 1 means the chain is ergodic)."""
    n, labels = connected_components(P > 0, directed=True, connection="strong")
    return np.sort(np.bincount(labels, weights=p, minlength=n))[::-1]
