"""Baseline models of the Ising data, to set RBM log-likelihoods against.

Every baseline q is scored by KL(p || q) = -S - <ln q>_p, in nats per whole L x L
configuration (N = L^2 spins), where p is the Boltzmann distribution of the L x L torus
(J = 1) at temperature T, S = N s(T) its exact entropy (exact.entropy_per_spin) and
<ln q>_p the model's mean log-likelihood under p. Where <ln q>_p is known exactly (coins,
strips) the KL is exact; the mixture's is estimated on held-out samples, with a standard error.

- coins: independent fair spins, KL = N ln 2 - S.
- strips: independent strips of w rows, each an Ising model on a w x L cylinder whose two
  couplings are fitted by maximum likelihood (moment matching); exact by a transfer matrix.
- mixtures of k product (independent-spin) distributions fitted by EM; an RBM with one
  hidden unit is such a mixture with k = 2.
"""

from __future__ import annotations

import functools
import numbers
from dataclasses import dataclass

import numpy as np
from scipy.optimize import root
from scipy.special import logsumexp

from . import exact, ising
from ._validate import check_size, check_spins, check_temperature

MAX_WIDTH = 10
"""Widest strip: its transfer matrix has 2^w states (1024 at w = 10)."""


@dataclass(frozen=True, kw_only=True)
class Baseline:
    """A baseline's score on the L x L torus at T, in nats per configuration: its mean
    log-likelihood <ln q>_p, KL(p || q) = -N s(T) - <ln q>_p, and the standard error of both
    (0 where they are exact)."""

    L: int
    T: float
    log_likelihood: float
    kl: float
    error: float = 0.0


@dataclass(frozen=True, kw_only=True)
class StripBaseline(Baseline):
    """Independent strips of w rows (see strips): couplings along (K_h) and across (K_v) rows,
    fitted so that the model's nearest-neighbour correlations equal the data's, `correlation`."""

    w: int
    K_h: float
    K_v: float
    correlation: float


def kl_from_log_likelihood(mean_log_likelihood, L: int, T: float):
    """KL(p || q) = -<ln q>_p - N s(T) in nats per configuration of the L x L torus: how far a
    mean log-likelihood over samples at T falls short of minus the exact entropy, the best any
    model can reach. (With an AIS ln Z, which errs low in expectation, this errs low.)"""
    return -np.asarray(mean_log_likelihood) - L * L * exact.entropy_per_spin(L, T)


def _kl(log_likelihood: float, L: int, T: float) -> float:
    return float(kl_from_log_likelihood(log_likelihood, L, T))


# --------------------------------------------------------------------------- coins
def coins(L: int, T: float) -> Baseline:
    """Independent fair coins, q(s) = 2^-N: <ln q>_p = -N ln 2 for any p, so KL = N ln 2 - N s(T).
    (Fair is the best product model here: the torus's magnetisation is zero by symmetry.)"""
    L, T = check_size(L, "L"), check_temperature(T)
    log_likelihood = -L * L * np.log(2.0)
    return Baseline(L=L, T=T, log_likelihood=log_likelihood, kl=_kl(log_likelihood, L, T))


# --------------------------------------------------------------------------- strips
def _check_width(w) -> int:
    if isinstance(w, bool) or not isinstance(w, numbers.Integral) or not 1 <= w <= MAX_WIDTH:
        raise ValueError(f"w must be an integer from 1 to {MAX_WIDTH}, got {w!r}")
    return int(w)


def _columns(w: int) -> tuple[np.ndarray, np.ndarray]:
    """The transfer matrix's bond counts between its 2^w column states a, b (+-1 spins):
    a.b, the w horizontal bonds joining two neighbouring columns, and
    (v(a) + v(b)) / 2 with v(a) = sum_r a_r a_(r+1), each column's w - 1 vertical bonds
    shared half and half between the two factors it appears in."""
    states = 1 - 2 * ((np.arange(2**w)[:, None] >> np.arange(w)) & 1)
    vertical = (states[:, :-1] * states[:, 1:]).sum(axis=1)
    return (states @ states.T).astype(float), 0.5 * (vertical[:, None] + vertical[None, :]).astype(float)


def strip_log_partition(w: int, L: int, K_h: float, K_v: float) -> tuple[float, np.ndarray]:
    """ln Z of the Ising model on a w x L cylinder, periodic along its rows (length L) and open
    across its w rows, with couplings K_h along rows and K_v between rows:
    Z = sum_s exp(K_h sum_horizontal s_i s_j + K_v sum_vertical s_i s_j) = Tr M^L, with
    M_ab = exp(K_h a.b + K_v (v(a) + v(b))/2) over columns a, b (see _columns).

    Also returns the gradient (d ln Z/dK_h, d ln Z/dK_v) = (<horizontal bond sum>,
    <vertical bond sum>) under the model, from dZ/dK = L Tr(M^(L-1) dM/dK) in M's eigenbasis.
    Eigenvalues are divided by the largest (positive, by Perron-Frobenius) so nothing overflows."""
    L = check_size(L, "L")
    w = _check_width(w)
    horizontal, vertical = _columns(w)
    M = np.exp(K_h * horizontal + K_v * vertical)
    eigenvalues, U = np.linalg.eigh(M)
    top = eigenvalues[-1]
    ratio = eigenvalues / top
    z = (ratio**L).sum()
    weights = L * ratio ** (L - 1) / (top * z)
    gradient = np.array([weights @ (U * ((M * bonds) @ U)).sum(axis=0) for bonds in (horizontal, vertical)])
    return float(L * np.log(top) + np.log(z)), gradient


def _bond_counts(w: int, L: int) -> np.ndarray:
    """Horizontal and vertical nearest-neighbour bonds of the w x L cylinder: w L and (w - 1) L."""
    return np.array([w * L, (w - 1) * L], dtype=float)


def fit_strip(w: int, L: int, correlation: float) -> tuple[float, float]:
    """The couplings (K_h, K_v) of the w x L cylinder (strip_log_partition) whose mean
    nearest-neighbour correlations along and across rows both equal `correlation`.

    This is maximum likelihood: ln Z - c (n_h K_h + n_v K_v) is convex in the couplings and its
    gradient, the model's bond sums minus the data's, vanishes there. The gradient's root is
    found by MINPACK's hybrid Powell method (scipy.optimize.root, xtol 1e-13) with its
    central-difference Jacobian; a fit whose correlations miss by more than 1e-10 raises
    RuntimeError. For w = 1 there are no vertical bonds and K_v = 0."""
    L = check_size(L, "L")
    w = _check_width(w)
    c = float(correlation)
    if not -1.0 < c < 1.0:
        raise ValueError(f"correlation must lie in (-1, 1), got {correlation!r}")
    n_bonds = _bond_counts(w, L)[: 1 if w == 1 else 2]

    def excess(x):
        """The model's mean correlation minus c, per bond kind."""
        return strip_log_partition(w, L, *x, *[0.0] * (2 - len(x)))[1][: len(x)] / n_bonds - c

    def jacobian(x, h=1e-6):
        return np.array([excess(x + h * e) - excess(x - h * e) for e in np.eye(len(x))]).T / (2 * h)

    start = np.full(len(n_bonds), np.arctanh(c) / len(n_bonds))
    x = root(excess, start, jac=jacobian, method="hybr", options={"xtol": 1e-13}).x
    if np.abs(excess(x)).max() > 1e-10:
        raise RuntimeError(f"strip fit did not converge for w={w}, L={L}, correlation={c}: misses by {excess(x)}")
    return float(x[0]), float(x[1]) if len(x) == 2 else 0.0


def strips(L: int, T: float, w: int) -> StripBaseline:
    """Independent strips: q(s) = prod over the L/w strips of w consecutive rows of an Ising
    model on the w x L cylinder (periodic along rows, open across them), every strip with the
    couplings fit_strip gives for the data's nearest-neighbour correlation c, the exact torus's
    (exact.nearest_neighbour_correlation, Kaufman's formula, exact for any L; both directions
    are equal by symmetry).

    q is an exponential family whose sufficient statistics are bond sums, so its mean
    log-likelihood under p needs only p's bond means, which are exact:
    <ln q>_p = (L/w) [c (w L K_h + (w - 1) L K_v) - ln Z_strip], nats per configuration.
    Bonds between strips are left out; interior and edge rows share one K_h."""
    L, T = check_size(L, "L"), check_temperature(T)
    w = _check_width(w)
    if L % w:
        raise ValueError(f"w must divide L, got w={w}, L={L}")
    c = exact.nearest_neighbour_correlation(L, T)
    K_h, K_v = fit_strip(w, L, c)
    log_z = strip_log_partition(w, L, K_h, K_v)[0]
    log_likelihood = float(L // w * (c * _bond_counts(w, L) @ [K_h, K_v] - log_z))
    return StripBaseline(L=L, T=T, w=w, K_h=float(K_h), K_v=float(K_v), correlation=c,
                         log_likelihood=log_likelihood, kl=_kl(log_likelihood, L, T))


# --------------------------------------------------------------------------- product mixtures
@dataclass(frozen=True, eq=False)
class ProductMixture:
    """q(s) = sum_c weights[c] prod_i P_ci(s_i), P_ci(+1) = probabilities[c, i]: k product
    distributions over the flattened spins, mixed."""

    weights: np.ndarray
    probabilities: np.ndarray
    iterations: int
    converged: bool

    def _joint(self, x: np.ndarray) -> np.ndarray:
        """ln(weights[c] prod_i P_ci(s_i)) for 0/1 spins x (rows), shape (n, k)."""
        up, down = np.log(self.probabilities), np.log1p(-self.probabilities)
        return np.log(self.weights) + down.sum(axis=1) + x @ (up - down).T

    def log_likelihood(self, configs) -> np.ndarray:
        """ln q of each configuration (+-1 spins, any shape (n, ...)), nats, by log-sum-exp."""
        return logsumexp(self._joint(_as_bits(configs, self.probabilities.shape[1])), axis=1)


def _as_bits(configs, n_spins: int | None = None) -> np.ndarray:
    """+-1 configurations (n, ...) flattened to rows of 0/1 floats (1 for spin up)."""
    s = check_spins(configs)
    x = (s.reshape(len(s), -1) > 0).astype(float)
    if n_spins is not None and x.shape[1] != n_spins:
        raise ValueError(f"configs must have {n_spins} spins each, got {x.shape[1]}")
    return x


def _seed_configurations(x: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """k rows of x chosen by k-means++ in Hamming distance: the first uniformly, each next with
    probability proportional to its squared distance to the nearest already chosen."""
    chosen = [rng.integers(len(x))]
    distance = np.full(len(x), np.inf)
    for _ in range(k - 1):
        distance = np.minimum(distance, np.abs(x - x[chosen[-1]]).sum(axis=1) ** 2)
        total = distance.sum()
        chosen.append(rng.choice(len(x), p=distance / total) if total > 0 else rng.integers(len(x)))
    return x[chosen]


def fit_mixture(configs, k: int = 2, *, seed: int = 0, prior: float = 1.0, tol: float = 1e-6,
                max_iter: int = 1000) -> ProductMixture:
    """A mixture of k product distributions fitted to +-1 configurations by EM.

    EM maximises the mean log-likelihood plus a log prior, each P_ci(+1) having a
    Beta(1 + prior, 1 + prior) prior and the weights a Dirichlet(1 + prior) prior: the M-step
    adds `prior` pseudo-counts of each spin value and of each component,
    P_ci(+1) = (sum_n r_nc x_ni + prior) / (sum_n r_nc + 2 prior), so no probability reaches 0
    or 1. The E-step's responsibilities r_nc come by log-sum-exp. Components start from k
    configurations picked by k-means++ (seeded by `seed`), P_ci(+1) = 0.9 where that
    configuration is up and 0.1 where it is down, with equal weights. EM stops when an
    iteration raises the objective (nats per configuration) by less than tol, or after max_iter."""
    x = _as_bits(configs)
    if isinstance(k, bool) or not isinstance(k, numbers.Integral) or not 1 <= k <= len(x):
        raise ValueError(f"k must be an integer from 1 to the number of configurations {len(x)}, got {k!r}")
    if not prior > 0:
        raise ValueError(f"prior must be > 0, got {prior!r}")
    if not tol > 0:
        raise ValueError(f"tol must be > 0, got {tol!r}")
    max_iter = check_size(max_iter, "max_iter", minimum=1)
    rng = np.random.default_rng(seed)
    model = ProductMixture(np.full(k, 1.0 / k), 0.1 + 0.8 * _seed_configurations(x, k, rng), 0, False)
    previous = -np.inf
    for iteration in range(1, max_iter + 1):
        joint = model._joint(x)
        log_q = logsumexp(joint, axis=1)
        p = model.probabilities
        log_prior = prior * (np.log(model.weights).sum() + np.log(p).sum() + np.log1p(-p).sum())
        objective = (log_q.sum() + log_prior) / len(x)
        if objective - previous < tol:
            return ProductMixture(model.weights, model.probabilities, iteration - 1, True)
        previous = objective
        r = np.exp(joint - log_q[:, None])
        counts = r.sum(axis=0)
        model = ProductMixture((counts + prior) / (len(x) + k * prior),
                               (r.T @ x + prior) / (counts[:, None] + 2 * prior), iteration, False)
    return model


@dataclass(frozen=True, kw_only=True)
class MixtureBaseline(Baseline):
    """A product mixture (fit_mixture) scored on held-out samples: log_likelihood, kl and error
    are a sample mean and its standard error."""

    k: int
    n_train: int
    n_test: int
    model: ProductMixture


def mixture_from_samples(train, test, T: float, k: int = 2, *, seed: int = 0, **options) -> MixtureBaseline:
    """fit_mixture (k components, `options` passed on) on the training configurations of the
    L x L torus at T, scored on the held-out ones: <ln q>_p is their mean ln q, with the plain
    standard error std / sqrt(n_test) (the samples must be independent), and KL = -N s(T) - <ln q>_p
    has the same error."""
    T = check_temperature(T)
    test = check_spins(test)
    if test.ndim != 3 or test.shape[1] != test.shape[2] or len(test) < 2:
        raise ValueError(f"test must have shape (n >= 2, L, L), got {test.shape}")
    L = test.shape[1]
    model = fit_mixture(train, k, seed=seed, **options)
    log_q = model.log_likelihood(test)
    mean = float(log_q.mean())
    return MixtureBaseline(L=L, T=T, k=k, n_train=len(train), n_test=len(test), model=model,
                           log_likelihood=mean, kl=_kl(mean, L, T),
                           error=float(log_q.std(ddof=1) / np.sqrt(len(log_q))))


@functools.lru_cache(maxsize=32)
def mixture(L: int, T: float, k: int = 2, *, n_train: int = 20_000, n_test: int = 20_000,
            seed: int = 0) -> MixtureBaseline:
    """mixture_from_samples on n_train + n_test Wolff samples of the L x L torus at T
    (ising.sample with this seed, decorrelated), the first n_train to fit and the rest held out.
    Cached in memory: the same arguments return the same object."""
    configs = ising.sample(L, T, check_size(n_train, "n_train", 1) + check_size(n_test, "n_test", 2), seed=seed)
    return mixture_from_samples(configs[:n_train], configs[n_train:], T, k, seed=seed)


# --------------------------------------------------------------------------- table
def table(L: int, temperatures, widths=(1, 2, 4, 8), mixture_temperatures=(), k: int = 2, **mixture_options):
    """Baseline KLs (nats per configuration) of the L x L torus, one row per temperature T:
    coins, strips_w<w> for each width, and mixture with mixture_error (k components, from
    mixture(L, T, k, **mixture_options)) at the temperatures in mixture_temperatures, NaN elsewhere."""
    import pandas as pd

    wanted = {float(t) for t in mixture_temperatures}
    rows = []
    for T in temperatures:
        row = {"T": float(T), "coins": coins(L, T).kl} | {f"strips_w{w}": strips(L, T, w).kl for w in widths}
        fitted = mixture(L, float(T), k, **mixture_options) if float(T) in wanted else None
        rows.append(row | {"mixture": np.nan if fitted is None else fitted.kl,
                           "mixture_error": np.nan if fitted is None else fitted.error})
    return pd.DataFrame(rows).set_index("T")


BASELINE_NAMES = {"coins": "fair coins", "strips_w1": "independent rows", "strips_w2": "2-row strips",
                  "strips_w4": "4-row strips", "strips_w8": "8-row strips", "mixture": "two-state mixture"}


def placement(kl: float, row) -> tuple[str | None, str | None]:
    """Where a KL (nats) falls among the baselines of one temperature (a row of `table`, NaN
    entries ignored): (the best baseline it beats, the worst baseline that beats or ties it),
    that is its neighbours above and below in KL, by name in BASELINE_NAMES; None where there
    is no such baseline."""
    values = {key: float(row[key]) for key in BASELINE_NAMES if key in row.index and np.isfinite(row[key])}
    beaten = [key for key, value in values.items() if kl < value]
    ahead = [key for key, value in values.items() if kl >= value]
    nearest_beaten = min(beaten, key=values.get, default=None)  # the smallest KL above it
    nearest_ahead = max(ahead, key=values.get, default=None)  # the largest KL below it
    return (BASELINE_NAMES[nearest_beaten] if nearest_beaten else None,
            BASELINE_NAMES[nearest_ahead] if nearest_ahead else None)
