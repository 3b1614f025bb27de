"""The partition function of a Bernoulli RBM: exact enumeration, and annealed importance sampling.

Parameters are W (n_hidden, n_visible), b (hidden biases), c (visible biases), with
E(v, h) = -v.c - h.b - h W v and Z = sum_{v, h} exp(-E)."""

from __future__ import annotations

import numpy as np
from scipy.special import logsumexp

MAX_ENUMERATED_UNITS = 20


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


def ais(W, b, c, *, n_chains: int = 100, n_betas: int = 10_000, base_visible_bias=None,
        random_state=None) -> tuple[float, float]:
    """ln Z and its standard error by annealed importance sampling (Salakhutdinov & Murray 2008).

    The path runs from a base model with no weights and visible biases a (zeros unless
    base_visible_bias is given; the data's log-odds make a better base), hidden biases 0,
    ln Z_A = sum_i softplus(a_i) + n_hidden ln 2, through
    p*_beta(v) = exp((1 - beta) v.a + beta v.c) prod_j (1 + exp(beta (W v + b)_j)),
    beta on a uniform grid of n_betas points, with one Gibbs step per beta. ln Z is
    ln Z_A + ln mean(w); the standard error is std(w) / (mean(w) sqrt(n_chains)) (delta method)."""
    W, b, c = (np.asarray(x, np.float64) for x in (W, b, c))
    a = np.zeros_like(c) if base_visible_bias is None else np.asarray(base_visible_bias, np.float64)
    rng = np.random.default_rng(random_state)
    n_hidden = W.shape[0]

    def log_p_star(V, hidden_input, beta):  # hidden_input = V W^T + b
        return (1 - beta) * V @ a + beta * V @ c + _softplus(beta * hidden_input).sum(axis=1)

    V = (rng.random((n_chains, len(c))) < 1 / (1 + np.exp(-a))).astype(np.float64)
    log_w = np.zeros(n_chains)
    betas = np.linspace(0.0, 1.0, n_betas)
    for prev, beta in zip(betas[:-1], betas[1:]):
        hidden_input = V @ W.T + b
        log_w += log_p_star(V, hidden_input, beta) - log_p_star(V, hidden_input, prev)
        H = (rng.random((n_chains, n_hidden)) < 1 / (1 + np.exp(-beta * hidden_input))).astype(np.float64)
        V = (rng.random(V.shape) < 1 / (1 + np.exp(-((1 - beta) * a + beta * (H @ W + c))))).astype(np.float64)
    log_z_base = _softplus(a).sum() + n_hidden * np.log(2.0)
    log_mean = logsumexp(log_w) - np.log(n_chains)
    w = np.exp(log_w - log_mean)  # weights relative to their mean
    return float(log_z_base + log_mean), float(w.std() / np.sqrt(n_chains))
