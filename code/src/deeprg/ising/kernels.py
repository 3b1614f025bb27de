"""Numba kernels for the 2D Ising model on an L x L torus, J = 1, K = 1/T.

Kernels are pure: spins (flattened int8 +-1, updated in place), a neighbour table and an
explicit generator state go in; nothing global is read or written. The generator is
SplitMix64 (Steele, Lea & Flood 2014), whose 64-bit state is passed as a one-element uint64
array and kept in a local variable inside each kernel; a Bernoulli(p) draw compares a raw
64-bit word with p * 2^64, so no float is formed.

Work is counted in sweeps: one sweep is N = L^2 attempted Metropolis flips, one
Swendsen-Wang update, or a fixed number of Wolff clusters (chosen by the caller so that
they flip about N spins on average). That number must not depend on the clusters' sizes:
stopping once N spins have flipped biases the samples towards states left by large clusters.
"""

import numpy as np
from numba import njit

WOLFF, METROPOLIS, SWENDSEN_WANG = 0, 1, 2

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31, _S32 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(32)


@njit(cache=True, inline="always")
def _next(x):
    """SplitMix64: the advanced state and one 64-bit output."""
    x = x + _GOLDEN
    z = (x ^ (x >> _S30)) * _MIX1
    z = (z ^ (z >> _S27)) * _MIX2
    return x, z ^ (z >> _S31)


@njit(cache=True, inline="always")
def _below(x, n):
    """The advanced state and a uniform integer in [0, n), n < 2^32 (high 32 bits times n)."""
    x, z = _next(x)
    return x, np.int64(((z >> _S32) * np.uint64(n)) >> _S32)


@njit(cache=True)
def threshold(p):
    """The 64-bit word t with P(x < t) = p for a uniform 64-bit x (p clipped to [0, 1))."""
    return np.uint64(min(max(p, 0.0), 1.0 - 2.0**-53) * 2.0**64)


def neighbours(L: int) -> np.ndarray:
    """(N, 4) int32 table of the right, left, down and up neighbours of each flat site."""
    i, j = np.divmod(np.arange(L * L), L)
    return np.stack([i * L + (j + 1) % L, i * L + (j - 1) % L,
                     ((i + 1) % L) * L + j, ((i - 1) % L) * L + j], axis=1).astype(np.int32)


@njit(cache=True)
def energy_and_abs_m(spins, nbr):
    """Energy per spin -(1/N) sum_<ij> s_i s_j and |m| per spin of one configuration."""
    bonds, mag = 0, 0
    for a in range(spins.size):
        s = spins[a]
        bonds += s * (spins[nbr[a, 0]] + spins[nbr[a, 2]])
        mag += s
    return -bonds / spins.size, abs(mag) / spins.size


@njit(cache=True)
def _wolff(spins, nbr, p_add, n_clusters, stack, state):
    """Flip n_clusters Wolff clusters (bond probability p_add as a threshold); returns spins flipped."""
    N = spins.size
    flipped = 0
    x = state[0]
    for _ in range(n_clusters):
        x, site = _below(x, N)
        s0 = spins[site]
        spins[site] = -s0
        stack[0] = site
        top = 1
        while top > 0:
            top -= 1
            site = stack[top]
            flipped += 1
            for k in range(4):  # branch-free: a draw per neighbour beats mispredicted jumps
                b = nbr[site, k]
                x, z = _next(x)
                add = np.int8((spins[b] == s0) & (z < p_add))
                spins[b] -= 2 * add * s0
                stack[top] = b
                top += add
    state[0] = x
    return flipped


@njit(cache=True)
def metropolis_acceptance(K, sh):
    """Probability of flipping spin s with neighbour sum h: min(1, exp(-2 K s h)), except 1/2
    when s h = 0. Always accepting energy-neutral flips makes a fixed-order sweep
    deterministic on states where every site has h = 0, and such states then cycle among
    themselves for ever (seen on the 3 x 3 torus: 4 closed cycles holding 0.3% of the
    weight). Any a(dE) with a(dE) / a(-dE) = exp(-K dE) keeps detailed balance."""
    return 0.5 if sh == 0 else min(1.0, np.exp(-2.0 * K * sh))


@njit(cache=True)
def _metropolis(spins, nbr, L, accept, state):
    """One checkerboard sweep; accept[(s h + 4) / 2] thresholds metropolis_acceptance(K, s h)."""
    x = state[0]
    for parity in range(2):
        for i in range(L):
            for j in range((i + parity) % 2, L, 2):
                a = i * L + j
                s = spins[a]
                h = spins[nbr[a, 0]] + spins[nbr[a, 1]] + spins[nbr[a, 2]] + spins[nbr[a, 3]]
                x, z = _next(x)
                flip = np.int8(z < accept[(s * h + 4) // 2])  # branch-free
                spins[a] = s - 2 * flip * s
    state[0] = x


@njit(cache=True)
def _find(parent, a):
    root = a
    while parent[root] != root:
        root = parent[root]
    while parent[a] != root:
        parent[a], a = root, parent[a]
    return root


@njit(cache=True)
def _swendsen_wang(spins, nbr, p_add, parent, state):
    """One Swendsen-Wang update: bond aligned neighbours, flip each cluster with probability 1/2."""
    N = spins.size
    x = state[0]
    for a in range(N):
        parent[a] = a
    for a in range(N):
        for k in (0, 2):
            b = nbr[a, k]
            if spins[a] == spins[b]:
                x, z = _next(x)
                if z < p_add:
                    ra, rb = _find(parent, a), _find(parent, b)
                    if ra != rb:
                        parent[ra] = rb
    half = threshold(0.5)
    flip = np.empty(N, np.bool_)
    for a in range(N):
        x, z = _next(x)
        flip[a] = z < half
    state[0] = x
    for a in range(N):
        if flip[_find(parent, a)]:
            spins[a] = -spins[a]


@njit(cache=True)
def advance(spins, nbr, L, K, algorithm, n_sweeps, clusters_per_sweep, state, series):
    """Run n_sweeps; if series has n_sweeps rows, store (e, |m|) after each sweep."""
    N = spins.size
    p_add = threshold(1.0 - np.exp(-2.0 * K))
    accept = np.empty(5, np.uint64)
    for c in range(5):
        accept[c] = threshold(metropolis_acceptance(K, 2 * c - 4))
    stack = np.empty(N, np.int64)
    record = series.shape[0] == n_sweeps
    for t in range(n_sweeps):
        if algorithm == WOLFF:
            _wolff(spins, nbr, p_add, clusters_per_sweep, stack, state)
        elif algorithm == METROPOLIS:
            _metropolis(spins, nbr, L, accept, state)
        else:
            _swendsen_wang(spins, nbr, p_add, stack, state)
        if record:
            series[t, 0], series[t, 1] = energy_and_abs_m(spins, nbr)


@njit(cache=True)
def collect(spins, nbr, L, K, algorithm, thin, clusters_per_sweep, state, out):
    """Fill out (n, N) with configurations taken every `thin` sweeps."""
    empty = np.empty((0, 2))
    for k in range(out.shape[0]):
        advance(spins, nbr, L, K, algorithm, thin, clusters_per_sweep, state, empty)
        out[k] = spins


@njit(cache=True)
def wolff_calibrate(spins, nbr, K, target, state):
    """Flip whole clusters until >= target spins have flipped; returns (clusters, flipped)."""
    stack = np.empty(spins.size, np.int64)
    p_add = threshold(1.0 - np.exp(-2.0 * K))
    clusters, flipped = 0, 0
    while flipped < target:
        flipped += _wolff(spins, nbr, p_add, 1, stack, state)
        clusters += 1
    return clusters, flipped
