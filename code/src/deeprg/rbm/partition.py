"""The partition function and likelihood of a Bernoulli RBM: exact enumeration, annealed
importance sampling (AIS, forward) and reverse annealing (RAISE), which bracket the
log-likelihood from above and below.

Parameters are W (n_hidden, n_visible), b (hidden biases), c (visible biases), with
E(v, h) = -v.c - h.b - h W v and Z = sum_{v, h} exp(-E).

Both annealing estimators run along the same path of unnormalised visible distributions
(hidden units summed out analytically), from a base model (beta = 0) to the RBM (beta = 1).
The base is an RBM of its own with visible biases a and m hidden units of weights U (m, n_visible)
and biases d (m = 0 by default: a product distribution); its hidden units join the target's
(Salakhutdinov & Murray 2008, section 3.3):

    log f_beta(v) = (1 - beta) v.a + beta v.c + sum_k softplus((1 - beta) (U v + d)_k)
                    + sum_j softplus(beta (W v + b)_j),

with ln Z_0 = ln sum_g exp(g.d + sum_i softplus(a_i + (g U)_i)) + n_hidden ln 2 (g over the
2^m states of the base's hidden units; at beta = 1 they are free, so f_1 = 2^m p*), and one Gibbs sweep v -> (g, h) -> v at each beta (a
transition T_beta that leaves f_beta invariant and is reversible with respect to it). With m = 1
the base is any mixture of two product distributions (mixture_base): one that holds both
magnetised states of the ordered phase, which a product base cannot."""

from __future__ import annotations

import numpy as np
from scipy.special import expit, logsumexp

MAX_ENUMERATED_UNITS = 20
SCHEDULES = ("uniform", "sigmoid", "salakhutdinov")
# Salakhutdinov & Murray (2008), section 4.1: 500 betas in [0, 0.5), 4000 in [0.5, 0.9), 10000 in [0.9, 1].
SALAKHUTDINOV_SEGMENTS = ((0.0, 0.5, 500), (0.5, 0.9, 4000), (0.9, 1.0, 10_000))
SIGMOID_DELTA = 4.0  # the sigmoid schedule's steepness (Grosse, Maddison & Salakhutdinov 2013)


def _softplus(x):
    return np.logaddexp(0.0, x)


def _binary_states(n: int, start: int, stop: int) -> np.ndarray:
    """Rows start .. stop-1 of the 2^n binary states, as float64 (stop - start, n)."""
    codes = np.arange(start, stop, dtype=np.int64)[:, None]
    return ((codes >> np.arange(n - 1, -1, -1)) & 1).astype(np.float64)


def exact_log_partition(W, b, c, chunk: int = 1 << 14) -> float:
    """ln Z by summing the other layer out analytically and enumerating the smaller one:
    ln Z = logsumexp_h [h.b + sum_i softplus(c_i + (h W)_i)] (or the same with v)."""
    W, b, c = (np.asarray(a, np.float64) for a in (W, b, c))
    if W.shape[0] > W.shape[1]:  # enumerate the visible layer instead
        W, b, c = W.T, c, b
    n = W.shape[0]
    if n > MAX_ENUMERATED_UNITS:
        raise ValueError(f"min(n_hidden, n_visible) must be <= {MAX_ENUMERATED_UNITS} to enumerate, got {n}")
    parts = []
    for start in range(0, 1 << n, chunk):
        H = _binary_states(n, start, min(start + chunk, 1 << n))
        parts.append(logsumexp(H @ b + _softplus(H @ W + c).sum(axis=1)))
    return float(logsumexp(parts))


def annealing_schedule(n_betas: int, schedule: str = "uniform") -> np.ndarray:
    """n_betas inverse temperatures rising from exactly 0 to exactly 1.

    "uniform": np.linspace(0, 1, n_betas) (ais's original grid).
    "salakhutdinov": Salakhutdinov & Murray's (2008) piecewise-uniform grid, 500 steps on
        [0, 0.5), 4000 on [0.5, 0.9) and 10000 on [0.9, 1], scaled to n_betas - 1 steps in
        all: segment k gets (n_betas - 1) n_k / 14500 steps rounded by largest remainders (at
        least one each), so n_betas = 14501 is their grid exactly.
    "sigmoid": beta_t = (s_t - s_0) / (s_T - s_0), s_t = sigmoid(delta (2 t / T - 1)), t = 0 .. T
        = n_betas - 1, delta = 4 (Grosse, Maddison & Salakhutdinov 2013, used by Burda,
        Grosse & Salakhutdinov 2015), dense at both ends."""
    if isinstance(n_betas, bool) or not isinstance(n_betas, (int, np.integer)) or n_betas < 2:
        raise ValueError(f"n_betas must be an integer >= 2, got {n_betas!r}")
    if schedule == "uniform":
        return np.linspace(0.0, 1.0, n_betas)
    if schedule == "sigmoid":
        s = 1 / (1 + np.exp(-SIGMOID_DELTA * np.linspace(-1.0, 1.0, n_betas)))
        betas = (s - s[0]) / (s[-1] - s[0])
        betas[0], betas[-1] = 0.0, 1.0
        return betas
    if schedule == "salakhutdinov":
        n_segments = len(SALAKHUTDINOV_SEGMENTS)
        n_steps = n_betas - 1
        if n_steps < n_segments:
            raise ValueError(f"the salakhutdinov schedule needs n_betas >= {n_segments + 1}, got {n_betas}")
        weights = np.array([n for *_, n in SALAKHUTDINOV_SEGMENTS], np.float64)
        share = n_steps * weights / weights.sum()
        steps = np.maximum(np.floor(share).astype(int), 1)
        steps[np.argsort(steps - share)[: max(n_steps - steps.sum(), 0)]] += 1  # largest remainders
        steps[np.argmax(steps)] -= steps.sum() - n_steps  # only when a segment was raised to one step
        parts = [np.linspace(lo, hi, k, endpoint=False) for (lo, hi, _), k in zip(SALAKHUTDINOV_SEGMENTS, steps)]
        return np.concatenate(parts + [np.array([1.0])])
    raise ValueError(f"schedule must be one of {SCHEDULES}, got {schedule!r}")


class _Base:
    """The base model: visible biases a and hidden units (U, d), m = len(d) of them (may be 0)."""

    def __init__(self, a, hidden, n_visible):
        self.a = np.zeros(n_visible) if a is None else np.asarray(a, np.float64)
        U, d = (np.zeros((0, n_visible)), np.zeros(0)) if hidden is None else (np.asarray(x, np.float64) for x in hidden)
        if self.a.shape != (n_visible,) or U.ndim != 2 or U.shape[1:] != (n_visible,) or d.shape != U.shape[:1]:
            raise ValueError(f"base_visible_bias must have shape ({n_visible},) and base_hidden (U, d) shapes "
                             f"(m, {n_visible}) and (m,); got {self.a.shape}, {U.shape} and {d.shape}")
        if len(d) > MAX_ENUMERATED_UNITS:
            raise ValueError(f"base_hidden must have at most {MAX_ENUMERATED_UNITS} units, got {len(d)}")
        self.U, self.d = U, d

    def input(self, V):
        """U v + d per row of V, (n, m)."""
        return V @ self.U.T + self.d

    def log_z(self, n_hidden: int) -> float:
        """ln Z_0: the base's hidden states enumerated, the target's hidden units free (ln 2 each)."""
        G = _binary_states(len(self.d), 0, 1 << len(self.d))
        return float(logsumexp(G @ self.d + _softplus(self.a + G @ self.U).sum(axis=1)) + n_hidden * np.log(2.0))


def _log_p_star(V, hidden_input, beta, c, base):
    """log f_beta(V) per row, given hidden_input = V W^T + b."""
    log_f = (1 - beta) * V @ base.a + beta * V @ c + _softplus(beta * hidden_input).sum(axis=1)
    return log_f + _softplus((1 - beta) * base.input(V)).sum(axis=1) if len(base.d) else log_f


def _gibbs_sweep(V, hidden_input, beta, W, c, base, rng, dtype):
    """One sweep v -> (g, h) -> v of the Gibbs sampler of f_beta (hidden_input = V W^T + b)."""
    H = (rng.random(hidden_input.shape) < 1 / (1 + np.exp(-beta * hidden_input))).astype(dtype)
    visible_input = base.a
    if len(base.d):
        G = (rng.random((len(V), len(base.d))) < expit((1 - beta) * base.input(V))).astype(np.float64)
        visible_input = base.a + G @ base.U
    return (rng.random(V.shape) < 1 / (1 + np.exp(-((1 - beta) * visible_input + beta * (H @ W + c))))).astype(np.float64)


def _parameters(W, b, c, base_visible_bias, base_hidden, dtype):
    W, b, c = (np.asarray(x, np.float64) for x in (W, b, c))
    if W.ndim != 2 or b.shape != W.shape[:1] or c.shape != W.shape[1:]:
        raise ValueError(f"W must be (n_hidden, n_visible) and b, c of shapes {W.shape[:1]}, {W.shape[1:]}; "
                         f"got {W.shape}, {b.shape}, {c.shape}")
    base = _Base(base_visible_bias, base_hidden, W.shape[1])
    dtype = np.dtype(dtype)
    if dtype not in (np.dtype(np.float64), np.dtype(np.float32)):
        raise ValueError(f"dtype must be float64 or float32, got {dtype}")
    return W, b, c, base, dtype, W.astype(dtype, copy=False)


def mixture_base(weights, probabilities) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray]]:
    """A mixture of two product distributions, q(v) = sum_k weights[k] prod_i p_ki^v_i (1 - p_ki)^(1 - v_i)
    for 0/1 v, as an RBM with one hidden unit: (a, (U, d)) with a = logit p_0, U = logit p_1 - a and
    d = ln(weights[1] / weights[0]) + sum_i [softplus(a_i) - softplus(a_i + U_i)], so that
    exp(v.a) (1 + exp(U v + d)) / Z_0 = q(v) exactly (ais's base_visible_bias and base_hidden)."""
    weights, p = np.asarray(weights, np.float64), np.asarray(probabilities, np.float64)
    if weights.shape != (2,) or p.ndim != 2 or len(p) != 2 or not np.all((p > 0) & (p < 1)) or not np.all(weights > 0):
        raise ValueError(f"weights must be 2 positive numbers and probabilities (2, n_visible) in (0, 1); "
                         f"got shapes {weights.shape} and {p.shape}")
    logits = np.log(p) - np.log1p(-p)
    a, U = logits[0], logits[1] - logits[0]
    d = np.log(weights[1] / weights[0]) + (_softplus(a) - _softplus(a + U)).sum()
    return a, (U[None, :], np.array([d]))


def ais(W, b, c, *, n_chains: int = 100, n_betas: int = 10_000, base_visible_bias=None, base_hidden=None,
        random_state=None, schedule: str = "uniform", dtype="float64") -> tuple[float, float]:
    """ln Z and its standard error by annealed importance sampling (Salakhutdinov & Murray 2008).

    The path runs from a base model with visible biases a (zeros unless base_visible_bias is
    given; the training data's log-odds make a better base) and the hidden units
    base_hidden = (U, d) (none unless given; see the module's docstring and mixture_base), through
    p*_beta(v) = f_beta(v) of the module's docstring, beta on annealing_schedule(n_betas, schedule) (by default a uniform grid), with one Gibbs
    step per beta. ln Z is ln Z_A + ln mean(w); the standard error is
    std(w) / (mean(w) sqrt(n_chains)) (delta method).

    mean(w) Z_A is unbiased for Z, so E[ln Z_hat] <= ln Z: -<F(v)> - ln Z_hat is a stochastic
    upper bound on the mean log-likelihood (in expectation of the log; see sandwich).

    dtype is that of the two matrix products per beta (V W^T and H W; the visible units
    enter them as exact 0/1); log-weights are accumulated in float64 either way. float32
    takes about half the time at 1600 x 400 and changes ln Z by far less than its standard
    error (tests/test_partition.py); the defaults reproduce earlier results bit for bit."""
    W, b, c, base, dtype, Wd = _parameters(W, b, c, base_visible_bias, base_hidden, dtype)
    betas = annealing_schedule(n_betas, schedule)
    rng = np.random.default_rng(random_state)
    V = _base_samples(base, n_chains, rng)
    log_w = np.zeros(n_chains)
    for prev, beta in zip(betas[:-1], betas[1:]):
        hidden_input = V.astype(dtype, copy=False) @ Wd.T + b
        log_w += _log_p_star(V, hidden_input, beta, c, base) - _log_p_star(V, hidden_input, prev, c, base)
        V = _gibbs_sweep(V, hidden_input, beta, Wd, c, base, rng, dtype)
    log_mean = logsumexp(log_w) - np.log(n_chains)
    w = np.exp(log_w - log_mean)  # weights relative to their mean
    # f_1 = 2^m p*: at beta = 1 the base's m hidden units are free
    return float(base.log_z(W.shape[0]) + log_mean - len(base.d) * np.log(2.0)), float(w.std() / np.sqrt(n_chains))


def _base_samples(base, n, rng):
    """n exact draws from the base: g from its marginal (enumerated), then v ~ p_0(v | g); with no
    hidden units, v from the product distribution alone (the random numbers of earlier releases)."""
    if not len(base.d):
        return (rng.random((n, len(base.a))) < 1 / (1 + np.exp(-base.a))).astype(np.float64)
    G = _binary_states(len(base.d), 0, 1 << len(base.d))
    log_weight = G @ base.d + _softplus(base.a + G @ base.U).sum(axis=1)
    states = G[rng.choice(len(G), size=n, p=np.exp(log_weight - logsumexp(log_weight)))]
    return (rng.random((n, len(base.a))) < 1 / (1 + np.exp(-(base.a + states @ base.U)))).astype(np.float64)


def _raise_log_weights(W, b, c, V, *, n_chains, betas, base_visible_bias, rng, base_hidden=None, dtype="float64"):
    """ln p_hat(v) of every chain, (len(V), n_chains): n_chains reverse-annealing chains per
    row of V, each an unbiased estimate of the annealing model's p_ann(v) (see raise_log_likelihood)."""
    W, b, c, base, dtype, Wd = _parameters(W, b, c, base_visible_bias, base_hidden, dtype)
    V = np.asarray(V, np.float64)
    if V.ndim != 2 or V.shape[1] != len(c):
        raise ValueError(f"V must have shape (n_samples, {len(c)}), got {V.shape}")
    if not np.all((V == 0) | (V == 1)):
        raise ValueError("V must be binary (0/1) visible vectors")
    X = np.repeat(V, n_chains, axis=0)
    hidden_input = X.astype(dtype, copy=False) @ Wd.T + b
    log_f_data = _log_p_star(X, hidden_input, 1.0, c, base)  # ln f_K(v), beta_K = 1
    acc = np.zeros(len(X))  # sum_k [ln f_{k+1}(x_k) - ln f_k(x_k)] along the reverse chain
    for k in range(len(betas) - 1, 0, -1):
        beta, lower = betas[k], betas[k - 1]
        X = _gibbs_sweep(X, hidden_input, beta, Wd, c, base, rng, dtype)  # x_{k-1} ~ T_k(. | x_k)
        hidden_input = X.astype(dtype, copy=False) @ Wd.T + b
        acc += _log_p_star(X, hidden_input, beta, c, base) - _log_p_star(X, hidden_input, lower, c, base)
    return (log_f_data - base.log_z(W.shape[0]) - acc).reshape(len(V), n_chains)


def _log_mean_exp_jackknife(L):
    """Per row of L (n, m >= 2): ln mean exp(L) and the jackknife variance of that estimate
    (leave-one-chain-out sums by prefix and suffix log-cumulative sums, stable for any spread)."""
    n, m = L.shape
    pad = np.full((n, 1), -np.inf)
    prefix = np.hstack([pad, np.logaddexp.accumulate(L, axis=1)])  # prefix[:, j] = lse(L[:, :j])
    suffix = np.hstack([np.logaddexp.accumulate(L[:, ::-1], axis=1)[:, ::-1], pad])  # lse(L[:, j:])
    loo = np.logaddexp(prefix[:, :-1], suffix[:, 1:]) - np.log(m - 1)
    estimate = prefix[:, -1] - np.log(m)
    variance = (m - 1) / m * ((loo - loo.mean(axis=1, keepdims=True)) ** 2).sum(axis=1)
    return estimate, variance


def raise_log_likelihood(W, b, c, V, *, n_chains: int = 4, n_betas: int = 10_000, schedule: str = "salakhutdinov",
                         base_visible_bias=None, base_hidden=None, random_state=None,
                         dtype="float64") -> tuple[float, float]:
    """Mean log-likelihood of the rows of V by reverse annealing (RAISE; Burda, Grosse &
    Salakhutdinov 2015), and its standard error: a stochastic LOWER bound.

    The forward annealing chain x_0 ~ p_0 (the base), x_k ~ T_k(. | x_{k-1}) for k = 1 .. K
    (T_k the Gibbs sweep at beta_k, beta_K = 1) is a generative model whose marginal p_ann(x_K)
    approximates p. To estimate p_ann(v), RAISE proposes its latent path from the reverse
    chain started at the data, x_K = v, x_{k-1} ~ T~_k(. | x_k), where T~_k(x' | x) =
    T_k(x | x') f_k(x') / f_k(x) is the reversal of T_k; a Gibbs sweep v -> h -> v is reversible
    with respect to f_k, so T~_k = T_k. The importance weight is

        p_ann(x_0 .. x_K) / q(x_0 .. x_{K-1} | x_K) = p_0(x_0) prod_k T_k(x_k | x_{k-1}) / T_k(x_{k-1} | x_k)
                                                   = p_0(x_0) prod_{k=1}^K f_k(x_k) / f_k(x_{k-1}),

    that is ln p_hat(v) = ln f_K(v) - ln Z_0 - sum_{k=0}^{K-1} [ln f_{k+1}(x_k) - ln f_k(x_k)]:
    the data's unnormalised log-probability minus a forward-AIS-like ln Z along the reversed
    path. E[p_hat(v)] = p_ann(v) exactly, so E[ln p_hat(v)] <= ln p_ann(v); and since p_ann is
    a normalised distribution, E_{v ~ p}[ln p_ann(v)] <= E_{v ~ p}[ln p(v)] (Gibbs' inequality).
    So for data drawn from the model the result is a lower bound in expectation; for other
    held-out data it is conservative in practice (Burda et al.), and tends to ln p(v) as the
    annealing lengthens.

    n_chains reverse chains run from each row of V (>= 2); a row's estimate is
    ln mean_chains p_hat(v) (tighter than the mean of the logs, still a lower bound in
    expectation), and the result is the mean over rows. The standard error is the
    Monte Carlo error given V: sqrt(sum over rows of each row's jackknife variance over its
    chains) / n_rows; it excludes the spread of ln p(v) over the rows of V.

    The base (base_visible_bias, base_hidden, as in ais) must not be fitted to V itself (p_0
    fitted to a few vectors would make p_hat(v) large for them and void the bound): fit it to the
    training data (their log-odds, or a mixture_base).
    The schedule (annealing_schedule) is traversed from beta = 1 down to 0; dtype as in ais."""
    if isinstance(n_chains, bool) or not isinstance(n_chains, (int, np.integer)) or n_chains < 2:
        raise ValueError(f"n_chains must be an integer >= 2 (chains per row, for the standard error), got {n_chains!r}")
    betas = annealing_schedule(n_betas, schedule)
    L = _raise_log_weights(W, b, c, V, n_chains=n_chains, betas=betas, base_visible_bias=base_visible_bias,
                           base_hidden=base_hidden, rng=np.random.default_rng(random_state), dtype=dtype)
    estimate, variance = _log_mean_exp_jackknife(L)
    return float(estimate.mean()), float(np.sqrt(variance.sum()) / len(estimate))


def data_log_odds(X) -> np.ndarray:
    """log(p / (1 - p)) of the column means p of X (n, n_visible), p clipped to [1e-3, 1 - 1e-3]:
    the visible biases of the product model that matches the data's marginals (AIS's base,
    and the RBM's visible_bias_init="data"). Computed in X's dtype."""
    p = np.clip(np.asarray(X).mean(axis=0), 1e-3, 1 - 1e-3)
    return np.log(p / (1 - p))


def free_energy(W, b, c, V) -> np.ndarray:
    """F(v) = -v.c - sum_j softplus((W v + b)_j) per row of V, in float64 (p(v) = exp(-F(v)) / Z)."""
    W, b, c = (np.asarray(x, np.float64) for x in (W, b, c))
    V = np.asarray(V, np.float64)
    return -V @ c - _softplus(V @ W.T + b).sum(axis=1)


def sandwich(W, b, c, V, *, n_chains: int = 100, raise_chains: int = 4, n_betas: int = 10_000,
             schedule: str = "salakhutdinov", base_visible_bias=None, base_hidden=None, random_state=None,
             dtype="float64"):
    """((lower, lower_se), (upper, upper_se)): the mean log-likelihood of the rows of V
    bracketed by reverse and forward annealing along the same schedule.

    upper = -<F(v)>_V - ln Z_AIS, forward AIS with n_chains chains (ais). E[Z_AIS] = Z, so
        E[ln Z_AIS] <= ln Z and E[upper] >= the true mean log-likelihood: a stochastic upper
        bound (in expectation of the log; one run can fall below by a few upper_se).
    lower = raise_log_likelihood with raise_chains chains per row: E[lower] <= the annealing
        model's mean log-likelihood, itself <= the RBM's in expectation over data drawn from
        the RBM: a stochastic lower bound (conservative for other data).

    Both errors are Monte Carlo standard errors given V. A gap much wider than the errors
    says the annealing is too short (or a base too far from the model: a product base must
    cross into the ordered phase's magnetised states along the path, a mixture_base starts in
    them). The base must be fitted to training data, not to V (see raise_log_likelihood)."""
    rng = np.random.default_rng(random_state)
    options = dict(n_betas=n_betas, schedule=schedule, base_visible_bias=base_visible_bias, base_hidden=base_hidden,
                   random_state=rng, dtype=dtype)
    log_z, log_z_se = ais(W, b, c, n_chains=n_chains, **options)
    upper = float(-free_energy(W, b, c, V).mean() - log_z)
    lower, lower_se = raise_log_likelihood(W, b, c, V, n_chains=raise_chains, **options)
    return (lower, lower_se), (upper, log_z_se)
