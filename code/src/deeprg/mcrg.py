"""Swendsen's Monte Carlo renormalisation group (MCRG) for any block-spin kernel.

A kernel maps configurations (n, L, L) of +-1 spins to block configurations
(n, L/b, L/b) of +-1 spins: majority rule (majority_kernel), a trained RBM's hidden
layer sampled from p(h | v) (rbm_kernel), one per layer of a stack (stacked_kernels, the
units placed one to one on block sites by assign_block_sites), or any callable. Applying
it repeatedly gives the levels s^(0), s^(1), ... of one Monte Carlo sample.

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


def _check_sites(positions, n, M, name):
    """positions as integers of shape (n, 2) covering each site of the M x M lattice once."""
    pos = np.asarray(positions)
    if pos.shape != (n, 2) or not np.issubdtype(pos.dtype, np.integer):
        raise ValueError(f"{name} must be integers of shape ({n}, 2), got {pos.dtype} {pos.shape}")
    if ((pos < 0) | (pos >= M)).any() or len(np.unique(pos[:, 0] * M + pos[:, 1])) != n:
        raise ValueError(f"{name} must cover each site of the {M} x {M} lattice exactly once")
    return pos


def _check_signs(signs, n, name):
    """+-1 orientations of n units (all +1 for None), as int8."""
    if signs is None:
        return np.ones(n, np.int8)
    sg = np.asarray(signs)
    if sg.shape != (n,) or not np.isin(sg, (-1, 1)).all():
        raise ValueError(f"{name} must be {n} values of +-1, got {sg!r}")
    return sg.astype(np.int8)


def rbm_kernel(weights, hidden_bias, positions, seed: int = 0, *, signs=None, input_positions=None,
               input_signs=None):
    """A stochastic kernel from an RBM: v_i = (t_i s_{x_i} + 1) / 2, h_j ~ Bernoulli(sigmoid(W_j . v + b_j)),
    block spin sigma_j (2 h_j - 1) placed at block site positions[j] = (row, col) of an M x M lattice.

    weights (M^2, L^2), hidden_bias (M^2,), positions (M^2, 2) integers covering every site of
    the M x M lattice exactly once (see assign_block_sites, receptive_field_positions).
    signs sigma (M^2,) of +-1 (default all +1): a unit whose field is negative reports the
    block's spin flipped unless its sign is -1. Visible unit i reads site x_i =
    input_positions[i] of the L x L input lattice with orientation t_i = input_signs[i]
    (defaults: row-major order, all +1, i.e. v = (s + 1) / 2 flattened); a second RBM of a stack
    reads the first one's block lattice through the first one's positions and signs, so it
    sees h_1 in its own unit order."""
    W = np.asarray(weights, np.float64)
    bias = np.asarray(hidden_bias, np.float64)
    if W.ndim != 2:
        raise ValueError(f"weights must have shape (n_hidden, n_visible), got {W.shape}")
    n_hidden, n_visible = W.shape
    M, L = int(round(np.sqrt(n_hidden))), int(round(np.sqrt(n_visible)))
    if M * M != n_hidden or L * L != n_visible:
        raise ValueError(f"weights must have a square number of hidden and visible units, got {W.shape}")
    if bias.shape != (n_hidden,):
        raise ValueError(f"hidden_bias must have shape ({n_hidden},), got {bias.shape}")
    pos = _check_sites(positions, n_hidden, M, "positions")
    sign = _check_signs(signs, n_hidden, "signs")
    inp = (np.stack(divmod(np.arange(n_visible), L), axis=1) if input_positions is None
           else _check_sites(input_positions, n_visible, L, "input_positions"))
    in_sign = _check_signs(input_signs, n_visible, "input_signs")
    rng = np.random.default_rng(seed)

    def kernel(configs):
        s = check_spins(configs)
        if s.shape[1:] != (L, L):
            raise ValueError(f"configs must have shape (n, {L}, {L}) for these weights, got {s.shape}")
        v = (s[:, inp[:, 0], inp[:, 1]] * in_sign + 1) / 2
        p = expit(v @ W.T + bias)
        out = np.empty((len(s), M, M), np.int8)
        out[:, pos[:, 0], pos[:, 1]] = sign * np.where(rng.random(p.shape) < p, 1, -1).astype(np.int8)
        return out

    return kernel


def stacked_kernels(weights, hidden_biases, placements, seed: int = 0) -> list:
    """One kernel per layer of a stack of RBMs (a DBN's up pass, sampled): level 1 draws
    h_1 ~ p(h_1 | v) from the L x L spins; level l draws h_l ~ p(h_l | h_{l-1}), reading
    h_{l-1} = (sigma s + 1) / 2 off the level-(l-1) block lattice at placements[l - 2]'s
    positions and signs, so that W_l sees layer l - 1's units in their own index order.

    weights W_l (n_l, n_{l-1}), hidden_biases b_l (n_l,), placements from layer_placements;
    for mcrg or block_levels. Each level's generator is seeded from `seed`."""
    weights, hidden_biases, placements = list(weights), list(hidden_biases), list(placements)
    if not weights or not len(weights) == len(hidden_biases) == len(placements):
        raise ValueError(f"weights, hidden_biases and placements must be non-empty and of the same length, "
                         f"got {len(weights)}, {len(hidden_biases)}, {len(placements)}")
    seeds = np.random.default_rng(seed).integers(2**63 - 1, size=len(weights))
    kernels, below = [], None
    for W, bias, placement, level_seed in zip(weights, hidden_biases, placements, seeds):
        inputs = {} if below is None else {"input_positions": below.positions, "input_signs": below.signs}
        kernels.append(rbm_kernel(W, bias, placement.positions, int(level_seed), signs=placement.signs, **inputs))
        below = placement
    return kernels


def _field_weights(fields, L, b):
    """p_i = w_i^2 of each unit's field as (n_units, L, L), after checking L, b and fields."""
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
    return p


def _centre_sites(p, L, b):
    """Block site of each unit by the circular mean of p along each axis (see
    receptive_field_positions), shared sites allowed: (n_units, 2) integers."""
    x = np.arange(L)
    pos = []
    for axis in (2, 1):  # rows: marginal over columns; then columns
        marginal = p.sum(axis=axis)
        centre = np.angle(marginal @ np.exp(2j * np.pi * x / L)) * L / (2 * np.pi)
        pos.append(np.round((centre - (b - 1) / 2) / b).astype(int) % (L // b))
    return np.stack(pos, axis=1)


def receptive_field_positions(fields, L: int, b: int) -> np.ndarray:
    """Block site (row, col) of each unit from the centre of its field on the L x L torus.

    The centre is the circular mean of p_i = w_i^2 / sum w^2 along each axis; a unit whose
    field is centred on the b x b block k b .. k b + b - 1 (centre k b + (b - 1) / 2) goes to
    block index k = round((centre - (b - 1) / 2) / b) mod L/b. Raises if two units share a site
    (assign_block_sites always gives a one-to-one placement)."""
    pos = _centre_sites(_field_weights(fields, L, b), L, b)
    M = L // b
    if len(np.unique(pos[:, 0] * M + pos[:, 1])) != len(pos):
        raise ValueError("two fields are centred on the same block site")
    return pos


@dataclass(frozen=True)
class Placement:
    """One layer's units on the M x M block lattice (M = L / b), from assign_block_sites.

    positions (n, 2): each unit's block site, one unit per site; signs (n,): +1 if the unit's
    field summed over its block is >= 0, else -1 (its block spin is reported flipped);
    fraction (n,): share of the unit's w^2 inside its block; best (n,): the largest share in any
    one block (what each unit would get alone); centre_shared: how many units the
    centre-of-mass rule (receptive_field_positions) puts on a site shared with another unit."""

    L: int
    b: int
    positions: np.ndarray
    signs: np.ndarray
    fraction: np.ndarray
    best: np.ndarray
    centre_shared: int


def _block_sums(x, b):
    """Sums of (n, L, L) over b x b blocks, flattened to (n, (L/b)^2) in row-major block order."""
    M = x.shape[-1] // b
    return x.reshape(len(x), M, b, M, b).sum(axis=(2, 4)).reshape(len(x), M * M)


def block_shares(fields, L: int, b: int) -> np.ndarray:
    """q_jk = sum_{i in block k} w_ji^2 / sum_i w_ji^2: the share of unit j's w^2 in each b x b
    block k = R (L/b) + C (rows R b .. R b + b - 1, columns C b .. C b + b - 1); (n_units, (L/b)^2)."""
    p = _field_weights(fields, L, b)
    return _block_sums(p, b) / p.sum(axis=(1, 2))[:, None]


def assign_block_sites(fields, L: int, b: int) -> Placement:
    """One-to-one placement of (L/b)^2 units on the (L/b) x (L/b) block lattice that
    maximises sum_j q_{j, site(j)}, the total share of each unit's w^2 (block_shares) inside
    its block: a linear assignment problem (scipy.optimize.linear_sum_assignment), so it always
    succeeds. Shares, not raw w^2, so that every unit counts once whatever its weight scale.

    fields (n_units, L^2): rows of W for the first layer, of the products W_l ... W_1 above it.
    sign_j = sign of sum_{i in block} w_ji (+1 at 0): with v = (s + 1) / 2 the unit's input
    is (1/2) sum_i w_ji s_i + const, so sign_j (2 h_j - 1) leans with its block's magnetisation."""
    from scipy.optimize import linear_sum_assignment

    p = _field_weights(fields, L, b)
    n, M = len(p), L // b
    if n != M * M:
        raise ValueError(f"fields must have (L/b)^2 = {M * M} rows for L = {L}, b = {b}, got {n}")
    q = _block_sums(p, b) / p.sum(axis=(1, 2))[:, None]
    units, sites = linear_sum_assignment(q, maximize=True)
    site = np.empty(n, int)
    site[units] = sites
    field_sums = _block_sums(np.asarray(fields, np.float64).reshape(n, L, L), b)[np.arange(n), site]
    centre = _centre_sites(p, L, b)
    centre = centre[:, 0] * M + centre[:, 1]
    return Placement(L=L, b=b, positions=np.stack(divmod(site, M), axis=1),
                     signs=np.where(field_sums >= 0, 1, -1).astype(np.int8),
                     fraction=q[np.arange(n), site], best=q.max(axis=1),
                     centre_shared=int((np.bincount(centre, minlength=M * M)[centre] > 1).sum()))


def layer_placements(weights, L: int) -> list[Placement]:
    """assign_block_sites for every layer of a stack W_1 (n_1, L^2), W_2 (n_2, n_1), ...: layer l
    on its fields F_l = W_l ... W_1 (as dbn.receptive_fields), on the M_l x M_l lattice with
    M_l^2 = n_l and b_l = L / M_l."""
    L = check_size(L, "L")
    placements, fields = [], None
    for l, W in enumerate(weights):
        W = np.asarray(W, np.float64)
        n_in = L * L if fields is None else len(fields)
        M = int(round(np.sqrt(len(W)))) if W.ndim == 2 else 0
        if W.ndim != 2 or W.shape[1] != n_in or M < 1 or M * M != len(W) or L % M:
            raise ValueError(f"weights[{l}] must have {n_in} columns and a square number of rows whose root "
                             f"divides L = {L}, got shape {W.shape}")
        fields = W if fields is None else W @ fields
        placements.append(assign_block_sites(fields, L, L // M))
    return placements


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


def _eigenvalues_or_nan(fine, coarse):
    """rg_eigenvalues, or NaN for each when A is singular (the operators are not independent
    on these samples, e.g. on a frozen block lattice)."""
    try:
        return rg_eigenvalues(fine, coarse)
    except np.linalg.LinAlgError:
        return np.full(fine.shape[1], np.nan)


def _sector_statistic(fine, coarse):
    """Leading eigenvalue with the first k operators, k = 1 .. K, then all K eigenvalues
    (NaN where A is singular)."""
    K = fine.shape[1]
    lead = [_eigenvalues_or_nan(fine[:, :k], coarse[:, :k])[0] for k in range(1, K + 1)]
    return np.concatenate([lead, _eigenvalues_or_nan(fine, coarse)])


def fitting_prefix(operators, L: int) -> int:
    """How many of the first operators fit an L x L torus (L > 2 * extent each): the longest
    truncation that operator_values accepts there."""
    k = 0
    while k < len(operators) and L > 2 * operators[k].extent:
        k += 1
    return k


def _sector(configs, operators, n_blocks, fit_operators):
    """Per level n = 1 .. len(configs) - 1: jackknifed _sector_statistic between levels n - 1
    and n. Returns the leading eigenvalues and their errors (levels, K) and spectra (levels, K);
    with fit_operators each level keeps the first fitting_prefix(operators, L^(n)) operators
    and the entries beyond are NaN."""
    K = len(operators)
    sizes = [s.shape[-1] for s in configs]
    keep = [fitting_prefix(operators, L) if fit_operators else K for L in sizes]
    if min(keep) == 0:
        raise ValueError(f"no operator of {[op.name for op in operators]} fits L = {min(sizes)}")
    values = [operator_values(s, operators[:k]) for s, k in zip(configs, keep)]
    out = np.full((3, len(configs) - 1, K), np.nan)
    for n in range(1, len(values)):
        k = keep[n]
        value, error = jackknife(_sector_statistic, values[n - 1][:, :k], values[n], n_blocks=n_blocks)
        out[:, n - 1, :k] = value[:k], error[:k], value[k:]
    return out[0], out[1], out[2]


def _check_operators(operators, name, odd):
    ops = tuple(operators)
    if not ops or not all(isinstance(op, Operator) and op.odd == odd for op in ops):
        kind = "an odd" if odd else "an even"
        raise ValueError(f"{name} must be a non-empty sequence of Operator with {kind} number of spins, "
                         f"got {operators!r}")
    return ops


def mcrg(configs, kernel, levels: int = 2, even=EVEN_OPERATORS, odd=ODD_OPERATORS,
         n_blocks: int = 20, fit_operators: bool = False) -> MCRGResult:
    """Swendsen's MCRG on equilibrium samples `configs` (n, L, L) blocked `levels` times by
    `kernel` (see block_levels): for each level n, T = A^{-1} B between levels n - 1 and n
    in the even and odd sectors, truncated to the first k operators for every k.

    Errors: jackknife over n_blocks contiguous blocks of samples (rg_matrix recomputed
    without each block), so samples need only be independent between blocks. fit_operators:
    see mcrg_levels."""
    return mcrg_levels(block_levels(configs, kernel, levels), even, odd, n_blocks, fit_operators)


def mcrg_levels(configs, even=EVEN_OPERATORS, odd=ODD_OPERATORS, n_blocks: int = 20,
                fit_operators: bool = False) -> MCRGResult:
    """mcrg on levels already blocked: configs = [s^(0), s^(1), ...] as block_levels returns.

    An operator must fit every lattice it is measured on (L > 2 * extent); with fit_operators
    the matrix between levels n - 1 and n uses the first fitting_prefix(ops, L^(n)) operators
    of each sector (e.g. at 5 x 5 the even ones up to sqrt8), NaN beyond; without, an operator
    that does not fit raises. A truncation whose A is singular (e.g. a frozen block lattice,
    whose operators do not fluctuate independently) gives NaN, as does its error when A is
    singular without one block of samples."""
    n_blocks = check_size(n_blocks, "n_blocks", minimum=2)
    even, odd = _check_operators(even, "even", False), _check_operators(odd, "odd", True)
    if len(configs) < 2:
        raise ValueError(f"configs must hold at least two levels, got {len(configs)}")
    lambda_t, lambda_t_err, spectrum_even = _sector(configs, even, n_blocks, fit_operators)
    lambda_h, lambda_h_err, spectrum_odd = _sector(configs, odd, n_blocks, fit_operators)
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
    return level_correlation_scaling(*block_levels(configs, kernel, 1), n_blocks=n_blocks)


def level_correlation_scaling(fine, coarse, n_blocks: int = 20) -> dict:
    """correlation_scaling between two levels already blocked, fine (n, L, L) and coarse
    (n, L/b, L/b) from the same samples."""
    n_blocks = check_size(n_blocks, "n_blocks", minimum=2)
    fine, coarse = check_spins(fine, "fine"), check_spins(coarse, "coarse")
    if fine.ndim != 3 or coarse.ndim != 3 or len(fine) != len(coarse) or fine.shape[-1] % coarse.shape[-1]:
        raise ValueError(f"fine and coarse must have shapes (n, L, L) and (n, L/b, L/b), got {fine.shape}, "
                         f"{coarse.shape}")
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
