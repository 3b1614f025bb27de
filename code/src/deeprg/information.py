"""The information view of a coarse-graining: how much a block's coarse variable knows about
the block's distant environment (real-space mutual information, Koch-Janusz & Ringel,
Nature Physics 14, 578 (2018)). All information and entropies are in bits (log base 2).

Geometry. V is a b x b block of the m x n torus with top-left corner (r, c); a site's
distance from V is the L-infinity torus distance to the nearest site of V (0 inside V). The
buffer is the sites at distance 1 .. w, the environment E every site at distance > w, and its
ring E_1 the sites at distance exactly w + 1. A nearest-neighbour step changes the distance by
at most 1, so E_1 separates the sites at distance <= w from those at distance >= w + 2 in the
interaction graph, and by the Markov property of the nearest-neighbour Ising model

    I(H : E) = I(H : E_1)            for any H computed from V (plus independent noise),
    I(H : E) = I(H : E_1, r)         for any H whose law given the spins is f(a . s_{d <= w+1} + r),
                                     r = sum_{d(i) >= w + 2} w_i s_i (an RBM unit reading E itself),

since P(H | E) = sum_V P(V | E_1) P(H | V, E) then depends on E only through (E_1, r).

Estimator (mutual_information). For a few-valued H and features X of the environment, with the
n samples split at random into K folds and each fold's predictions made by models fitted on the
other K - 1 folds,

    H_hat(H)     = -(1/n) sum_i log2 p_hat(h_i),      p_hat the training folds' class frequencies,
                                                      add-1/2 (Krichevsky-Trofimov) smoothed;
    H_hat(H | E) = -(1/n) sum_i log2 q(h_i | x_i),    q an L2-regularised (multinomial) logistic
                                                      regression of H on the standardised X;
    I_hat        = H_hat(H) - H_hat(H | E) = (1/n) sum_i t_i,  t_i = log2 q(h_i | x_i) - log2 p_hat(h_i),

with standard error std(t) / sqrt(n). For a model fitted without sample i,
E[-log2 q(h_i | x_i)] = H(H | E) + E_x KL(p(. | x) || q(. | x)) >= H(H | E), so I_hat is a lower
bound on I(H : E) in expectation, up to the excess of H_hat(H) over H(H), about
(k - 1) / (2 ln 2 n_train) bits for k classes.

Coarse variables: sign filters sign(lambda . s_V) (filter_information), among them majority rule
and the RSMI-optimal filter found by exhaustive search (rsmi_filter); the hidden units of a
trained RBM (unit_information); for reference, majority rule of the block with its buffer
(box_majority_information). Variables on the same blocks are set side by side, with paired
errors, by compare_estimates. Exact answers on small tori: enumerated_filter_information.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import product
from types import SimpleNamespace

import numpy as np
from sklearn.linear_model import LogisticRegression

from ._validate import check_positive, check_size, check_spins

LN2 = np.log(2.0)


# --------------------------------------------------------------------------- estimator
@dataclass(frozen=True)
class InformationEstimate:
    """I_hat(H : E) = entropy - conditional in bits, its standard error over samples, and the
    per-sample terms t_i (mean = bits) for combining estimates on the same samples."""

    bits: float
    error: float
    entropy: float
    conditional: float
    terms: np.ndarray

    @property
    def n(self) -> int:
        return len(self.terms)


def _check_folds(n_folds):
    return check_size(n_folds, "n_folds", minimum=2)


def _log2_marginal(train, test, classes):
    """log2 p_hat(test label): training frequencies smoothed by 1/2 per class."""
    counts = (train[:, None] == classes[None, :]).sum(axis=0) + 0.5
    logp = np.log2(counts / counts.sum())
    return logp[np.searchsorted(classes, test)]


def _log2_conditional(X_train, y_train, X_test, y_test, classes, C):
    """log2 q(y | x) on the test rows from a logistic regression fitted on the training rows."""
    model = LogisticRegression(C=C, max_iter=1000).fit(X_train, y_train)
    z = model.decision_function(X_test)
    if len(model.classes_) == 2:
        z = np.stack([np.zeros_like(z), z], axis=1)  # log q(k) = z_k - logsumexp(z)
    logq = z - np.logaddexp.reduce(z, axis=1, keepdims=True)
    return logq[np.arange(len(y_test)), np.searchsorted(model.classes_, y_test)] / LN2


def mutual_information(labels, features, *, n_folds: int = 5, C: float = 1.0, seed: int = 0,
                       groups=None) -> InformationEstimate:
    """Cross-validated lower bound I_hat(H : E) = H_hat(H) - H_hat(H | E) in bits (module docstring).

    labels (n,) a few-valued H; features (n, d) the environment (or a sufficient statistic of
    it). C is scikit-learn's inverse L2 strength (penalty |beta|^2 / 2 against the summed
    log-loss in nats). Folds are drawn at random from `seed`; rows sharing a value of `groups`
    (e.g. blocks of one configuration) stay in one fold. A fold whose training rows lack a class
    is predicted by p_hat (its t_i = 0); a constant H gives exactly 0."""
    y = np.asarray(labels)
    X = np.asarray(features, np.float64)
    if y.ndim != 1 or len(y) < 2:
        raise ValueError(f"labels must be a 1-d array of at least 2 values, got shape {y.shape}")
    if X.ndim != 2 or len(X) != len(y) or X.shape[1] == 0:
        raise ValueError(f"features must have shape ({len(y)}, d >= 1), got {X.shape}")
    n_folds = _check_folds(n_folds)
    C = check_positive(C, "C")
    g = np.arange(len(y)) if groups is None else np.asarray(groups)
    if g.shape != y.shape:
        raise ValueError(f"groups must have shape {y.shape}, got {g.shape}")
    classes = np.unique(y)
    if len(classes) == 1:
        return InformationEstimate(0.0, 0.0, 0.0, 0.0, np.zeros(len(y)))
    scale = X.std(axis=0)
    X = (X - X.mean(axis=0)) / np.where(scale > 0, scale, 1.0)
    _, group_index = np.unique(g, return_inverse=True)
    rng = np.random.default_rng(seed)
    fold = (rng.permutation(group_index.max() + 1) % n_folds)[group_index]
    log_marginal, log_conditional = np.empty(len(y)), np.empty(len(y))
    for k in range(n_folds):
        test, train = fold == k, fold != k
        log_marginal[test] = _log2_marginal(y[train], y[test], classes)
        if np.array_equal(np.unique(y[train]), classes):
            log_conditional[test] = _log2_conditional(X[train], y[train], X[test], y[test], classes, C)
        else:
            log_conditional[test] = log_marginal[test]
    terms = log_conditional - log_marginal
    return InformationEstimate(float(terms.mean()), float(terms.std(ddof=1) / np.sqrt(len(y))),
                               float(-log_marginal.mean()), float(-log_conditional.mean()), terms)


def exact_mutual_information(joint) -> float:
    """I(E : H) = sum p(e, h) log2 [p(e, h) / (p(e) p(h))] in bits of a joint probability table
    p(e, h) of shape (n_e, n_h), rows the environment's states, columns H's values."""
    p = np.asarray(joint, np.float64)
    if p.ndim != 2 or (p < 0).any() or not np.isclose(p.sum(), 1.0):
        raise ValueError(f"joint must be a 2-d table of probabilities summing to 1, got shape {p.shape}")
    outer = p.sum(axis=1, keepdims=True) * p.sum(axis=0, keepdims=True)
    nz = p > 0
    return float((p[nz] * np.log2(p[nz] / outer[nz])).sum())


# --------------------------------------------------------------------------- geometry
def _check_block(shape, b, corner):
    m, n = (check_size(x, "shape", minimum=1) for x in shape)
    b = check_size(b, "b", minimum=1)
    if b > min(m, n):
        raise ValueError(f"b must be at most min(shape) = {min(m, n)}, got {b}")
    r, c = (int(x) for x in corner)
    if not (0 <= r < m and 0 <= c < n):
        raise ValueError(f"corner must lie on the {m} x {n} lattice, got {corner!r}")
    return (m, n), b, (r, c)


def block_distance(shape, b: int, corner) -> np.ndarray:
    """L-infinity torus distance of every site of the m x n torus from the b x b block with
    top-left corner (r, c): max over axes of the circular distance to the block's nearest row
    (column); 0 on the block. Shape (m, n), int."""
    (m, n), b, (r, c) = _check_block(shape, b, corner)

    def axis(size, start):
        x = (np.arange(size) - start) % size  # block at 0 .. b - 1
        return np.where(x < b, 0, np.minimum(x - (b - 1), size - x))

    return np.maximum.outer(axis(m, r), axis(n, c))


def block_sites(shape, b: int, corner) -> np.ndarray:
    """Flat (row-major) indices of the block's b^2 sites, row by row from its corner."""
    (m, n), b, (r, c) = _check_block(shape, b, corner)
    rows, cols = (r + np.arange(b)) % m, (c + np.arange(b)) % n
    return (rows[:, None] * n + cols[None, :]).ravel()


def environment_sites(shape, b: int, corner, buffer: int, ring: bool = True) -> np.ndarray:
    """Flat indices of the environment E (distance > buffer) of the block, or (ring=True) of its
    inner ring E_1 (distance buffer + 1), which carries all of E's information about the block."""
    buffer = check_size(buffer, "buffer", minimum=0)
    d = block_distance(shape, b, corner).ravel()
    sites = np.flatnonzero(d == buffer + 1 if ring else d > buffer)
    if not len(sites):
        raise ValueError(f"buffer = {buffer} leaves no environment on the {shape[0]} x {shape[1]} torus")
    return sites


# --------------------------------------------------------------------------- coarse variables
def sign_filter(block_spins, weights, seed: int = 0) -> np.ndarray:
    """H = sign(lambda . s_V) of each row of block_spins (n, b^2), ties broken by a fair coin
    drawn from `seed`; int8 +-1. Majority rule is lambda = (1, ..., 1)."""
    s = np.asarray(block_spins, np.float64)
    lam = np.asarray(weights, np.float64)
    if s.ndim != 2 or lam.shape != (s.shape[1],):
        raise ValueError(f"weights must have shape ({s.shape[-1]},) for block spins of shape {s.shape}, "
                         f"got {lam.shape}")
    x = s @ lam
    coin = np.random.default_rng(seed).choice(np.array([-1, 1], np.int8), size=len(x))
    return np.where(np.isclose(x, 0.0), coin, np.sign(x)).astype(np.int8)


def block_symmetries(b: int) -> np.ndarray:
    """The 8 permutations of a b x b block's sites (row-major) under its rotations and
    reflections (D4); shape (8, b^2)."""
    b = check_size(b, "b", minimum=1)
    idx = np.arange(b * b).reshape(b, b)
    images = [np.rot90(t, k) for t in (idx, idx.T) for k in range(4)]
    return np.stack([im.ravel() for im in images])


def sign_filters(b: int = 2, max_weight: int = 3) -> np.ndarray:
    """Every distinct tie-free Boolean function H = sign(lambda . s) of a b x b block with integer
    weights |lambda_i| <= max_weight, one representative per class under the block's D4
    symmetries and H -> -H (which leave I(H : E) unchanged): shape (k, b^2), each class
    represented by its lambda of smallest sum |lambda_i|, then largest sum lambda_i. For b = 2 and
    max_weight >= 2 these are the 10 classes of all 104 tie-free sign(lambda . s) with real lambda,
    so a search over them finds the global optimum of the filter."""
    b = check_size(b, "b", minimum=1)
    max_weight = check_size(max_weight, "max_weight", minimum=1)
    if (2 * max_weight + 1) ** (b * b) > 10**6:
        raise ValueError(f"b = {b} with max_weight = {max_weight} needs {(2 * max_weight + 1) ** (b * b)} "
                         f"candidate weights, more than 10^6")
    states = np.array(list(product((-1, 1), repeat=b * b)))
    weights = np.array(list(product(range(-max_weight, max_weight + 1), repeat=b * b)))
    weights = weights[np.lexsort((-weights.sum(axis=1), np.abs(weights).sum(axis=1)))]
    fields = weights @ states.T
    weights, fields = weights[(fields != 0).all(axis=1)], fields[(fields != 0).all(axis=1)]
    perms = block_symmetries(b)
    # state index of s permuted: states are binary numbers with -1 -> 0, +1 -> 1, first site most significant
    bits = (states > 0).astype(int)
    place = 2 ** np.arange(b * b - 1, -1, -1)
    moved = np.stack([(bits[:, p] * place).sum(axis=1) for p in perms])  # (8, 2^(b^2))
    seen, keep = set(), []
    for w, f in zip(weights, fields > 0):
        images = [f[mv] for mv in moved] + [~f[mv] for mv in moved]
        key = min(im.tobytes() for im in images)
        if key not in seen:
            seen.add(key)
            keep.append(w)
    return np.array(keep)


# --------------------------------------------------------------------------- on Ising configurations
def _flat(configs):
    s = check_spins(configs)
    if s.ndim != 3:
        raise ValueError(f"configs must have shape (n, m, n_cols), got {s.shape}")
    return s.reshape(len(s), -1), s.shape[1:]


def _block_corners(shape, b, blocks):
    """(k, 2) corners of the blocks: all (L/b)^2 of the block lattice for None, else the given
    (row, col) block indices times b."""
    m, n = shape
    if m % b or n % b:
        raise ValueError(f"b must divide the lattice sides {shape}, got {b}")
    if blocks is None:
        blocks = np.stack(np.divmod(np.arange((m // b) * (n // b)), n // b), axis=1)
    blocks = np.asarray(blocks)
    if blocks.ndim != 2 or blocks.shape[1] != 2 or not np.issubdtype(blocks.dtype, np.integer) or \
            ((blocks < 0) | (blocks >= np.array([m // b, n // b]))).any():
        raise ValueError(f"blocks must be integer (row, col) indices of the {m // b} x {n // b} block lattice, "
                         f"got {blocks!r}")
    return blocks * b


@dataclass(frozen=True)
class Estimates:
    """I_hat(H_k : E_k) of coarse variables k = 1 .. K measured on the same n samples, each on the
    b x b block with corner corners[k]: entropy (H_hat(H_k)), bits, error, each (K,); mean_terms (n,)
    the per-sample terms averaged over k, so that mean_error = std / sqrt(n) is the standard error
    of the mean over k with the correlations between blocks of one configuration included;
    terms (K, n) every k's per-sample terms when kept (keep_terms), else None: what
    compare_estimates needs of its reference."""

    corners: np.ndarray
    entropy: np.ndarray
    bits: np.ndarray
    error: np.ndarray
    mean_terms: np.ndarray
    terms: np.ndarray | None = field(default=None, repr=False, compare=False)

    @classmethod
    def collect(cls, corners, estimates, keep_terms: bool = False):
        return cls(np.asarray(corners), np.array([e.entropy for e in estimates]), np.array([e.bits for e in estimates]),
                   np.array([e.error for e in estimates]), np.mean([e.terms for e in estimates], axis=0),
                   np.array([e.terms for e in estimates]) if keep_terms else None)

    @property
    def mean(self) -> float:
        return float(self.mean_terms.mean())

    @property
    def mean_error(self) -> float:
        return float(self.mean_terms.std(ddof=1) / np.sqrt(len(self.mean_terms)))


def filter_information(configs, weights, b: int, buffer: int, blocks=None, *, seed: int = 0,
                       n_folds: int = 5, C: float = 1.0, keep_terms: bool = False) -> Estimates:
    """I_hat(H : E) in bits of H = sign(lambda . s_V) (sign_filter; lambda = ones is majority rule)
    at each b x b block (all by default, else the (row, col) block indices `blocks`) against the
    ring E_1 beyond a buffer of width `buffer`, which is sufficient for E (module docstring).
    keep_terms keeps every block's per-sample terms (Estimates.terms), for compare_estimates."""
    s, shape = _flat(configs)
    corners = _block_corners(shape, check_size(b, "b", minimum=1), blocks)
    rng = np.random.default_rng(seed)
    estimates = []
    for corner in corners:
        h = sign_filter(s[:, block_sites(shape, b, corner)], weights, seed=int(rng.integers(2**63 - 1)))
        e = s[:, environment_sites(shape, b, corner, buffer)]
        estimates.append(mutual_information(h, e, n_folds=n_folds, C=C, seed=seed))
    return Estimates.collect(corners, estimates, keep_terms)


def box_majority_information(configs, b: int, buffer: int, blocks=None, *, seed: int = 0, n_folds: int = 5,
                             C: float = 1.0) -> Estimates:
    """I_hat(H : E) in bits of H = majority rule of the whole box of side b + 2 buffer (the b x b
    block and its buffer; ties by a coin) against the same environment E as the block's at that
    buffer, which is the box's environment at buffer 0 (its ring E_1 is the sites at distance 1
    from the box). Blocks as in filter_information; the Estimates carry the blocks' corners, so
    compare_estimates sets them beside a filter of the same blocks. A reference, not a coarse
    variable of V: it reads the buffer, which RSMI's coarse variables may not."""
    s, shape = _flat(configs)
    b = check_size(b, "b", minimum=1)
    buffer = check_size(buffer, "buffer", minimum=0)
    corners = _block_corners(shape, b, blocks)
    side = b + 2 * buffer
    if side > min(shape):
        raise ValueError(f"a box of side b + 2 buffer = {side} does not fit the {shape[0]} x {shape[1]} torus")
    rng = np.random.default_rng(seed)
    estimates = []
    for corner in corners:
        box = tuple((corner - buffer) % np.array(shape))
        h = sign_filter(s[:, block_sites(shape, side, box)], np.ones(side * side), seed=int(rng.integers(2**63 - 1)))
        e = s[:, environment_sites(shape, side, box, 0)]
        estimates.append(mutual_information(h, e, n_folds=n_folds, C=C, seed=seed))
    return Estimates.collect(corners, estimates)


@dataclass(frozen=True)
class Comparison:
    """Coarse variables k = 1 .. K against a reference variable on the same block (compare_estimates).

    difference = mean_k (I_hat_k - I_hat_ref(V_k)) in bits; error its standard error over samples
    (paired: from the per-sample terms, so the noise the two share cancels); spread_error the
    standard error over the K variables, std_k(d_k) / sqrt(K) with d_k = I_hat_k - I_hat_ref(V_k),
    which counts how much the variables differ among themselves; above / below how many d_k
    exceed +n_sigma / fall below -n_sigma times their error sqrt(error_k^2 + error_ref^2)."""

    n: int
    difference: float
    error: float
    spread_error: float
    above: int
    below: int
    n_sigma: float

    @property
    def fraction_above(self) -> float:
        return self.above / self.n

    @property
    def fraction_below(self) -> float:
        return self.below / self.n


def compare_estimates(estimates: Estimates, reference: Estimates, n_sigma: float = 2.0) -> Comparison:
    """Each coarse variable of `estimates` minus the reference's on the block with the same corner
    (e.g. RBM units, UnitInformation.sampled, against majority rule, filter_information with
    keep_terms, which must hold every corner the units sit on), both measured on the same samples;
    see Comparison."""
    if reference.terms is None:
        raise ValueError("reference must keep its per-sample terms: measure it with keep_terms=True")
    if reference.terms.shape[1] != len(estimates.mean_terms):
        raise ValueError(f"estimates and reference must be measured on the same samples, got "
                         f"{len(estimates.mean_terms)} and {reference.terms.shape[1]}")
    n_sigma = check_positive(n_sigma, "n_sigma")
    where = {tuple(int(x) for x in c): k for k, c in enumerate(reference.corners)}
    missing = [tuple(int(x) for x in c) for c in estimates.corners if tuple(int(x) for x in c) not in where]
    if missing:
        raise ValueError(f"reference has no block at corner {missing[0]} (and {len(missing) - 1} more)")
    index = np.array([where[tuple(int(x) for x in c)] for c in estimates.corners])
    paired = estimates.mean_terms - reference.terms[index].mean(axis=0)
    d = estimates.bits - reference.bits[index]
    sigma = n_sigma * np.hypot(estimates.error, reference.error[index])
    spread = float(d.std(ddof=1) / np.sqrt(len(d))) if len(d) > 1 else float("nan")
    return Comparison(len(d), float(paired.mean()), float(paired.std(ddof=1) / np.sqrt(len(paired))), spread,
                      int((d > sigma).sum()), int((d < -sigma).sum()), n_sigma)


def pooled_filter_information(configs, weights, b: int, buffer: int, blocks=None, *, seed: int = 0,
                              n_folds: int = 5, C: float = 1.0) -> InformationEstimate:
    """One I_hat(H : E) for a translation-invariant filter from the (H, E_1) pairs of all the
    given blocks pooled, one classifier for all (the ring read in the same order at every
    block), folds by configuration; its error treats the pooled rows as independent."""
    s, shape = _flat(configs)
    corners = _block_corners(shape, check_size(b, "b", minimum=1), blocks)
    coins = np.random.default_rng(seed).integers(2**63 - 1, size=len(corners))
    h = np.concatenate([sign_filter(s[:, block_sites(shape, b, c)], weights, seed=int(k))
                        for c, k in zip(corners, coins)])
    e = np.concatenate([s[:, environment_sites(shape, b, c, buffer)] for c in corners])
    groups = np.tile(np.arange(len(s)), len(corners))
    return mutual_information(h, e, n_folds=n_folds, C=C, seed=seed, groups=groups)


def rsmi_filter(configs, b: int, buffer: int, blocks=None, *, candidates=None, seed: int = 0,
                n_folds: int = 5, C: float = 1.0):
    """The RSMI-optimal linear filter: the lambda among `candidates` (default sign_filters(b),
    every tie-free sign(lambda . s) up to symmetry, plus majority rule with coin ties) with the
    largest pooled I_hat(H : E). Returns (best lambda, candidates (k, b^2), their estimates).
    Select on data other than that the filter is then measured on: the maximum of k noisy
    estimates is biased upwards."""
    b = check_size(b, "b", minimum=1)
    if candidates is None:
        candidates = np.vstack([np.ones((1, b * b), int), sign_filters(b)])
    candidates = np.asarray(candidates)
    if candidates.ndim != 2 or candidates.shape[1] != b * b or not len(candidates):
        raise ValueError(f"candidates must have shape (k >= 1, {b * b}), got {candidates.shape}")
    estimates = [pooled_filter_information(configs, lam, b, buffer, blocks, seed=seed, n_folds=n_folds, C=C)
                 for lam in candidates]
    return candidates[int(np.argmax([e.bits for e in estimates]))], candidates, estimates


# --------------------------------------------------------------------------- RBM units
@dataclass(frozen=True)
class UnitInformation:
    """Per hidden unit j of an RBM's first layer, placed on its block V_j (the b x b block holding
    most of its w_j^2; corners (n_units, 2)): share_block, share_environment, the shares of w_j^2
    in V_j and in E_j; and I_hat(. : E_j) as Estimates of three coarse variables: `sampled`, the
    unit itself, h_j ~ P(h_j | v); `local`, the unit with its inputs from E_j frozen at their
    means, h_j ~ sigmoid(sum_{d(i) <= buffer} w_ji v_i + c_j + sum_{d(i) > buffer} w_ji <v_i>), which
    sees E_j only through V_j and the buffer; `block_filter`, sign(w_j|V_j . s_V), a function of
    V_j alone like majority rule and rsmi_filter."""

    corners: np.ndarray
    share_block: np.ndarray
    share_environment: np.ndarray
    sampled: Estimates
    local: Estimates
    block_filter: Estimates


def unit_blocks(weights, shape, b: int) -> tuple[np.ndarray, np.ndarray]:
    """Corner of the b x b block holding the largest share of each unit's w^2 (ties: first block
    in row-major order), and that share; weights (n_units, m n)."""
    W = np.asarray(weights, np.float64)
    m, n = shape
    if W.ndim != 2 or W.shape[1] != m * n:
        raise ValueError(f"weights must have shape (n_units, {m * n}), got {W.shape}")
    corners = _block_corners(shape, check_size(b, "b", minimum=1), None)
    p = (W**2).reshape(len(W), m // b, b, n // b, b).sum(axis=(2, 4)).reshape(len(W), -1)
    share = p / np.where(p.sum(axis=1, keepdims=True) > 0, p.sum(axis=1, keepdims=True), 1.0)
    best = share.argmax(axis=1)
    return corners[best], share[np.arange(len(W)), best]


def unit_information(configs, rbm, b: int, buffer: int, *, seed: int = 0, n_folds: int = 5,
                     C: float = 1.0) -> UnitInformation:
    """I_hat(. : E_j) in bits for each hidden unit of `rbm` (any fitted RBM with scikit-learn's
    attributes, reading v = (s + 1) / 2; see UnitInformation), one h_j drawn per sample from
    P(h_j = 1 | v) = dbn.hidden_probs. The sampled unit is regressed on the ring of E_j and
    r_j = sum over sites at distance >= buffer + 2 of w_ji s_i (together sufficient for E_j,
    module docstring), the local unit and the block filter on the ring alone."""
    from .dbn import hidden_probs
    from .rbm import spins_to_visible

    s, shape = _flat(configs)
    W = np.asarray(rbm.components_, np.float64)
    corners, share_block = unit_blocks(W, shape, b)
    buffer = check_size(buffer, "buffer", minimum=0)
    rng = np.random.default_rng(seed)
    v = spins_to_visible(s)
    distance = np.stack([block_distance(shape, b, corner).ravel() for corner in corners])
    near, far = distance <= buffer, distance >= buffer + 2
    frozen = SimpleNamespace(components_=np.where(near, W, 0.0),
                             intercept_hidden_=rbm.intercept_hidden_ + np.where(near, 0.0, W) @ v.mean(axis=0))
    h = rng.random((len(s), len(W))) < hidden_probs(rbm, v)
    h_local = rng.random(h.shape) < hidden_probs(frozen, v)
    reads = s.astype(np.float32) @ np.where(far, W, 0.0).T.astype(np.float32)  # r_j, (n, n_units)
    sampled, local, filt = [], [], []
    for j, corner in enumerate(corners):
        e = s[:, environment_sites(shape, b, corner, buffer)]
        block = block_sites(shape, b, corner)
        sampled.append(mutual_information(h[:, j], np.column_stack([e, reads[:, j]]), n_folds=n_folds, C=C, seed=seed))
        local.append(mutual_information(h_local[:, j], e, n_folds=n_folds, C=C, seed=seed))
        h_filter = sign_filter(s[:, block], W[j, block], seed=int(rng.integers(2**63 - 1)))
        filt.append(mutual_information(h_filter, e, n_folds=n_folds, C=C, seed=seed))
    w2 = W**2
    share_environment = (w2 * (distance > buffer)).sum(axis=1) / np.where(w2.sum(axis=1) > 0, w2.sum(axis=1), 1.0)
    return UnitInformation(corners, share_block, share_environment, Estimates.collect(corners, sampled),
                           Estimates.collect(corners, local), Estimates.collect(corners, filt))


# --------------------------------------------------------------------------- exact answers
def enumerated_filter_information(m: int, n: int, T: float, weights, b: int, corner, buffer: int,
                                  ring: bool = False) -> float:
    """Exact I(H : E) in bits for H = sign(lambda . s_V) (coin ties) on the m x n torus at T, by
    summing the Boltzmann weights of all 2^(m n) states (exact.boltzmann_weights; m n <= 20):
    p(e, h) = sum_{s : s_E = e} p(s) P(H = h | s_V); ring=True gives I(H : E_1) instead."""
    from .exact import boltzmann_weights

    configs, prob = boltzmann_weights(m, n, T)
    s = configs.reshape(len(configs), -1)
    x = s[:, block_sites((m, n), b, corner)] @ np.asarray(weights, np.float64)
    p_up = np.where(np.isclose(x, 0.0), 0.5, (x > 0).astype(float))
    env = s[:, environment_sites((m, n), b, corner, buffer, ring=ring)] > 0
    index = env.astype(np.int64) @ (2 ** np.arange(env.shape[1]))
    joint = np.zeros((2 ** env.shape[1], 2))
    np.add.at(joint, (index, 0), prob * (1 - p_up))
    np.add.at(joint, (index, 1), prob * p_up)
    return exact_mutual_information(joint)
