"""Swendsen's Monte Carlo renormalisation group (MCRG) for any block-spin kernel.

A kernel maps configurations (n, L, L) of +-1 spins to block configurations
(n, L/b, L/b) of +-1 spins: majority rule (majority_kernel), a trained RBM's hidden
layer sampled from p(h | v) (rbm_kernel), or any callable. Applying it repeatedly gives
the levels s^(0), s^(1), ... of one Monte Carlo sample.

The Hamiltonian at level n is H^(n) = sum_a K_a^(n) S_a^(n), with S_a translation- and
D4-invariant lattice sums of spin products (Operator). The linearised RG matrix
T_ab = dK_a^(n+1) / dK_b^(n) follows from the chain rule (Swendsen, PRL 42, 859 (1979)):

    d<S_a^(n+1)> / dK_b^(n) = sum_c  d<S_a^(n+1)> / dK_c^(n+1)  T_cb,

where both derivatives are connected correlations measured on the same samples,

    B_ab = <S_a^(n+1) S_b^(n)> - <S_a^(n+1)><S_b^(n)>,
    A_ac = <S_a^(n+1) S_c^(n+1)> - <S_a^(n+1)><S_c^(n+1)>,

so B = A T and T = A^{-1} B. Its eigenvalues lambda give the exponents y = ln(lambda) / ln(b);
at the 2D Ising critical point the leading even one is y_t = 1 and the leading odd one
y_h = 15/8. Even and odd operators do not mix (spin-flip symmetry), so each sector has its
own matrix. Errors are blocked-jackknife errors over the samples."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import product

import numpy as np
from scipy.special import expit

from . import rg
from ._validate import check_size, check_spins
from .ising import correlation_function, jackknife
from .rbm import spins_to_visible


def _d4_images(offsets):
    """The 8 images of a set of (row, col) offsets under rotations and reflections of the
    square lattice: (r, c) -> (+-r, +-c) and (+-c, +-r)."""
    for swap, sr, sc in product((False, True), (1, -1), (1, -1)):
        yield [(sr * c, sc * r) if swap else (sr * r, sc * c) for r, c in offsets]


def _canonical(offsets):
    """A set of offsets up to translation: sorted, shifted so the first offset is (0, 0)."""
    pts = sorted(offsets)
    r0, c0 = pts[0]
    return tuple((r - r0, c - c0) for r, c in pts)


@dataclass(frozen=True)
class Operator:
    """S = sum over sites x and over the distinct images P of `offsets` under D4 (rotations,
    reflections; images equal up to translation counted once) of prod_{d in P} s_{x + d}.

    E.g. offsets ((0, 0), (0, 1)) gives the nearest-neighbour sum over the 2 L^2 bonds.
    `shapes` holds the images; even or odd by the number of spins in the product."""

    name: str
    offsets: tuple

    def __post_init__(self):
        pts = [tuple(int(x) for x in p) for p in self.offsets]
        if not pts or any(len(p) != 2 for p in pts) or len(set(pts)) != len(pts):
            raise ValueError(f"offsets must be distinct (row, col) pairs, got {self.offsets!r}")
        object.__setattr__(self, "offsets", _canonical(pts))

    @property
    def shapes(self) -> tuple:
        return tuple(sorted({_canonical(image) for image in _d4_images(self.offsets)}))

    @property
    def odd(self) -> bool:
        return len(self.offsets) % 2 == 1

    @property
    def extent(self) -> int:
        """Largest span of the offsets along either axis."""
        return max(max(p[i] for p in self.offsets) - min(p[i] for p in self.offsets) for i in (0, 1))


# Ordered by increasing range, so that the first k form the usual truncations: 2 = nn + nnn,
# 3 adds the third neighbour, 5 the plaquette and the distance-sqrt5 pair, and so on.
EVEN_OPERATORS = (
    Operator("nn", ((0, 0), (0, 1))),
    Operator("nnn", ((0, 0), (1, 1))),
    Operator("third", ((0, 0), (0, 2))),
    Operator("plaquette", ((0, 0), (0, 1), (1, 0), (1, 1))),
    Operator("sqrt5", ((0, 0), (1, 2))),
    Operator("sqrt8", ((0, 0), (2, 2))),
    Operator("distance3", ((0, 0), (0, 3))),
    Operator("diamond", ((0, 1), (1, 0), (1, 2), (2, 1))),
    Operator("tee", ((0, 0), (0, 1), (0, 2), (1, 1))),
    Operator("sqrt10", ((0, 0), (1, 3))),
)
ODD_OPERATORS = (
    Operator("magnetisation", ((0, 0),)),
    Operator("corner", ((0, 0), (0, 1), (1, 0))),
    Operator("line", ((0, 0), (0, 1), (0, 2))),
    Operator("vee", ((0, 0), (1, 1), (0, 2))),
    Operator("diagonal", ((0, 0), (1, 1), (2, 2))),
    Operator("cross", ((0, 0), (0, 1), (1, 0), (0, -1), (-1, 0))),
)


def operator_values(configs, operators, chunk: int = 256) -> np.ndarray:
    """S_a(s) for each configuration and operator: shape (n, n_operators), float64.

    Lattice sums (extensive), as they enter H = sum_a K_a S_a; needs L > 2 * extent of every
    operator, so that no product wraps onto itself around the torus."""
    s = check_spins(configs)
    if s.ndim != 3 or s.shape[1] != s.shape[2]:
        raise ValueError(f"configs must have shape (n, L, L), got {s.shape}")
    ops = tuple(operators)
    if not ops or not all(isinstance(op, Operator) for op in ops):
        raise ValueError(f"operators must be a non-empty sequence of Operator, got {operators!r}")
    L = s.shape[1]
    for op in ops:
        if L <= 2 * op.extent:
            raise ValueError(f"L = {L} is too small for operator {op.name!r}: needs L > {2 * op.extent}")
    chunk = check_size(chunk, "chunk", minimum=1)
    out = np.empty((len(s), len(ops)))
    for i in range(0, len(s), chunk):
        part = s[i:i + chunk]
        shifted = {}  # offset -> s_{x + d} for all x
        for a, op in enumerate(ops):
            total = np.zeros(len(part), np.int64)
            for shape in op.shapes:
                prod_ = np.ones_like(part)
                for d in shape:
                    if d not in shifted:
                        shifted[d] = np.roll(part, (-d[0], -d[1]), axis=(1, 2))
                    prod_ *= shifted[d]
                total += prod_.sum(axis=(1, 2), dtype=np.int64)
            out[i:i + chunk, a] = total
    return out


# ------------------------------------------------------------------------ kernels
def majority_kernel(b: int, seed: int = 0):
    """configs (n, L, L) -> (n, L/b, L/b): sign of each b x b block's sum, ties (even b)
    broken at random; one seeded generator draws the ties of every call."""
    b = check_size(b, "b", minimum=1)
    rng = np.random.default_rng(seed)
    return lambda configs: rg.block_spins(configs, b, seed=int(rng.integers(2**63 - 1)))


def rbm_kernel(weights, hidden_bias, positions, seed: int = 0):
    """A stochastic kernel from an RBM: v = (s + 1) / 2, h_j ~ Bernoulli(sigmoid(W_j . v + b_j)),
    block spin 2 h_j - 1 placed at block site positions[j] = (row, col) of an M x M lattice.

    weights (M^2, L^2), hidden_bias (M^2,), positions (M^2, 2) integers covering every site of
    the M x M lattice exactly once (see receptive_field_positions). The sign convention is the
    user's: a unit whose field is negative reports the block's spin flipped."""
    W = np.asarray(weights, np.float64)
    bias = np.asarray(hidden_bias, np.float64)
    pos = np.asarray(positions)
    if W.ndim != 2:
        raise ValueError(f"weights must have shape (n_hidden, n_visible), got {W.shape}")
    n_hidden, n_visible = W.shape
    M, L = int(round(np.sqrt(n_hidden))), int(round(np.sqrt(n_visible)))
    if M * M != n_hidden or L * L != n_visible:
        raise ValueError(f"weights must have a square number of hidden and visible units, got {W.shape}")
    if bias.shape != (n_hidden,):
        raise ValueError(f"hidden_bias must have shape ({n_hidden},), got {bias.shape}")
    if pos.shape != (n_hidden, 2) or not np.issubdtype(pos.dtype, np.integer):
        raise ValueError(f"positions must be integers of shape ({n_hidden}, 2), got {pos.dtype} {pos.shape}")
    if ((pos < 0) | (pos >= M)).any() or len(np.unique(pos[:, 0] * M + pos[:, 1])) != n_hidden:
        raise ValueError(f"positions must cover each site of the {M} x {M} lattice exactly once")
    rng = np.random.default_rng(seed)

    def kernel(configs):
        s = check_spins(configs)
        if s.shape[1:] != (L, L):
            raise ValueError(f"configs must have shape (n, {L}, {L}) for these weights, got {s.shape}")
        p = expit(spins_to_visible(s, np.float64) @ W.T + bias)
        out = np.empty((len(s), M, M), np.int8)
        out[:, pos[:, 0], pos[:, 1]] = np.where(rng.random(p.shape) < p, 1, -1)
        return out

    return kernel


def receptive_field_positions(fields, L: int, b: int) -> np.ndarray:
    """Block site (row, col) of each unit from the centre of its field on the L x L torus.

    The centre is the circular mean of p_i = w_i^2 / sum w^2 along each axis; a unit whose
    field is centred on the b x b block k b .. k b + b - 1 (centre k b + (b - 1) / 2) goes to
    block index k = round((centre - (b - 1) / 2) / b) mod L/b. Raises if two units share a site."""
    L = check_size(L, "L")
    b = check_size(b, "b", minimum=1)
    if L % b:
        raise ValueError(f"b must divide L = {L}, got {b}")
    f = np.asarray(fields, np.float64)
    if f.ndim != 2 or f.shape[1] != L * L:
        raise ValueError(f"fields must have shape (n_units, {L * L}), got {f.shape}")
    p = (f**2).reshape(-1, L, L)
    if (p.sum(axis=(1, 2)) == 0).any():
        raise ValueError("fields must not be identically zero")
    x = np.arange(L)
    M = L // b
    pos = []
    for axis in (2, 1):  # rows: marginal over columns; then columns
        marginal = p.sum(axis=axis)
        centre = np.angle(marginal @ np.exp(2j * np.pi * x / L)) * L / (2 * np.pi)
        pos.append(np.round((centre - (b - 1) / 2) / b).astype(int) % M)
    pos = np.stack(pos, axis=1)
    if len(np.unique(pos[:, 0] * M + pos[:, 1])) != len(pos):
        raise ValueError("two fields are centred on the same block site")
    return pos


def block_levels(configs, kernel, levels: int) -> list[np.ndarray]:
    """[s^(0), s^(1), ..., s^(levels)] with s^(n+1) = kernel_n(s^(n)).

    kernel is one callable applied at every level, or a sequence of `levels` callables
    (e.g. one RBM per layer); each must return (n, L', L') +-1 spins with L' dividing L."""
    levels = check_size(levels, "levels", minimum=1)
    kernels = list(kernel) if not callable(kernel) else [kernel] * levels
    if len(kernels) != levels or not all(callable(k) for k in kernels):
        raise ValueError(f"kernel must be a callable or a sequence of {levels} callables, got {kernel!r}")
    out = [check_spins(configs)]
    for k in kernels:
        prev = out[-1]
        nxt = check_spins(k(prev), "kernel output")
        L, Lb = prev.shape[-1], nxt.shape[-1]
        if nxt.ndim != 3 or len(nxt) != len(prev) or nxt.shape[1] != Lb or L % Lb:
            raise ValueError(f"kernel output must have shape ({len(prev)}, L', L') with L' dividing {L}, "
                             f"got {nxt.shape}")
        out.append(nxt)
    return out


# ------------------------------------------------------------------ the RG matrix
def rg_matrix(fine, coarse) -> np.ndarray:
    """T = A^{-1} B, T_ab = dK_a^(n+1) / dK_b^(n), from operator values at two levels.

    fine, coarse: (n_samples, k) values of the same k operators at levels n and n + 1.
    A_ac = <S_a^(n+1) S_c^(n+1)>_c and B_ab = <S_a^(n+1) S_b^(n)>_c (connected, sample means)."""
    f, c = np.asarray(fine, np.float64), np.asarray(coarse, np.float64)
    if f.ndim != 2 or f.shape != c.shape or len(f) < 2:
        raise ValueError(f"fine and coarse must have the same shape (n_samples >= 2, k), got {f.shape}, {c.shape}")
    f, c = f - f.mean(axis=0), c - c.mean(axis=0)
    return np.linalg.solve(c.T @ c, c.T @ f)


def rg_eigenvalues(fine, coarse) -> np.ndarray:
    """Eigenvalues of rg_matrix(fine, coarse), real parts, in decreasing order (T is not
    symmetric; complex pairs arise only among noisy subleading eigenvalues)."""
    return np.sort(np.linalg.eigvals(rg_matrix(fine, coarse)).real)[::-1]


def exponent(eigenvalue, b):
    """y = ln(lambda) / ln(b) for rescaling factors b > 1 (arrays broadcast)."""
    b = np.asarray(b, np.float64)
    if not (b > 1).all():
        raise ValueError(f"b must be > 1 for an exponent, got {b}")
    return np.log(eigenvalue) / np.log(b)


@dataclass(frozen=True)
class MCRGResult:
    """Leading eigenvalues per level and truncation, with blocked-jackknife errors.

    Arrays indexed [level - 1, k - 1]: the matrix linking levels n - 1 and n, built from the
    first k operators of the sector. spectrum_* hold all eigenvalues with every operator."""

    sizes: tuple           # L at levels 0 .. levels
    n_samples: int
    even: tuple            # operator names
    odd: tuple
    lambda_t: np.ndarray
    lambda_t_err: np.ndarray
    lambda_h: np.ndarray
    lambda_h_err: np.ndarray
    spectrum_even: np.ndarray   # (levels, n_even)
    spectrum_odd: np.ndarray    # (levels, n_odd)

    @property
    def b(self) -> np.ndarray:
        """Rescaling factor of each level, L^(n-1) / L^(n)."""
        return np.array(self.sizes[:-1]) / np.array(self.sizes[1:])

    def _y(self, lam, err):
        b = self.b[:, None]
        return exponent(lam, b), err / (lam * np.log(b))

    @property
    def y_t(self):
        """(y_t, error) arrays [level - 1, k - 1]: ln(lambda_t) / ln(b), error dlambda / (lambda ln b)."""
        return self._y(self.lambda_t, self.lambda_t_err)

    @property
    def y_h(self):
        """(y_h, error) arrays [level - 1, k - 1] from the leading odd eigenvalue."""
        return self._y(self.lambda_h, self.lambda_h_err)


def _sector_statistic(fine, coarse):
    """Leading eigenvalue with the first k operators, k = 1 .. K, then all K eigenvalues."""
    K = fine.shape[1]
    lead = [rg_eigenvalues(fine[:, :k], coarse[:, :k])[0] for k in range(1, K + 1)]
    return np.concatenate([lead, rg_eigenvalues(fine, coarse)])


def _sector(configs, operators, n_blocks):
    """Per level n = 1 .. len(configs) - 1: jackknifed _sector_statistic between levels n - 1
    and n. Returns the leading eigenvalues and their errors (levels, K) and spectra (levels, K)."""
    values = [operator_values(s, operators) for s in configs]
    stats = [jackknife(_sector_statistic, values[n - 1], values[n], n_blocks=n_blocks)
             for n in range(1, len(values))]
    K = len(operators)
    value, error = (np.array([st[i] for st in stats]) for i in (0, 1))
    return value[:, :K], error[:, :K], value[:, K:]


def _check_operators(operators, name, odd):
    ops = tuple(operators)
    if not ops or not all(isinstance(op, Operator) and op.odd == odd for op in ops):
        kind = "an odd" if odd else "an even"
        raise ValueError(f"{name} must be a non-empty sequence of Operator with {kind} number of spins, "
                         f"got {operators!r}")
    return ops


def mcrg(configs, kernel, levels: int = 2, even=EVEN_OPERATORS, odd=ODD_OPERATORS,
         n_blocks: int = 20) -> MCRGResult:
    """Swendsen's MCRG on equilibrium samples `configs` (n, L, L) blocked `levels` times by
    `kernel` (see block_levels): for each level n, T = A^{-1} B between levels n - 1 and n
    in the even and odd sectors, truncated to the first k operators for every k.

    Errors: jackknife over n_blocks contiguous blocks of samples (rg_matrix recomputed
    without each block), so samples need only be independent between blocks."""
    n_blocks = check_size(n_blocks, "n_blocks", minimum=2)
    even, odd = _check_operators(even, "even", False), _check_operators(odd, "odd", True)
    configs = block_levels(configs, kernel, levels)
    lambda_t, lambda_t_err, spectrum_even = _sector(configs, even, n_blocks)
    lambda_h, lambda_h_err, spectrum_odd = _sector(configs, odd, n_blocks)
    return MCRGResult(
        sizes=tuple(s.shape[-1] for s in configs), n_samples=len(configs[0]),
        even=tuple(op.name for op in even), odd=tuple(op.name for op in odd),
        lambda_t=lambda_t, lambda_t_err=lambda_t_err, lambda_h=lambda_h, lambda_h_err=lambda_h_err,
        spectrum_even=spectrum_even, spectrum_odd=spectrum_odd,
    )


# ------------------------------------------------------- block-spin correlations
def correlation_scaling(configs, kernel, n_blocks: int = 20) -> dict:
    """Does the block-spin correlation G_h(r) scale as G_v(b r)?

    G(r) = <s_0 s_r> along the axes (ising.correlation_function). For r = 0 .. L/(2b) in
    block units returns r, b, and (mean, error) pairs for G_h(r), G_v(b r) and their ratio
    G_h(r) / G_v(b r), errors by blocked jackknife over the samples. Scaling means a ratio
    independent of r at r >> 1; at a fixed point of the RG it is b^eta = b^(2 (d - y_h)),
    2^(1/4) = 1.19 for the 2D Ising model with b = 2."""
    n_blocks = check_size(n_blocks, "n_blocks", minimum=2)
    fine, coarse = block_levels(configs, kernel, 1)
    b = fine.shape[-1] // coarse.shape[-1]
    r = np.arange(coarse.shape[-1] // 2 + 1)
    g_v = correlation_function(fine)[:, b * r]
    g_h = correlation_function(coarse)
    mean = lambda x: x.mean(axis=0)
    return {
        "r": r, "b": b,
        "G_h": jackknife(mean, g_h, n_blocks=n_blocks),
        "G_v": jackknife(mean, g_v, n_blocks=n_blocks),
        "ratio": jackknife(lambda h, v: h.mean(axis=0) / v.mean(axis=0), g_h, g_v, n_blocks=n_blocks),
    }
