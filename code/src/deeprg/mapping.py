"""The paper's mapping checked exactly, by enumerating every configuration of a small torus.

Conventions are the package's: spins s = +-1 enter as v = (s + 1)/2, an RBM has weights W
(n_hidden, n_visible), hidden biases b, visible biases c and energy
E(v, h) = -h.W.v - b.h - c.v, so that its free energy is F(v) = -c.v - sum_j softplus(b_j + W_j.v)
and p(v) = e^{-F(v)} / Z. The data Hamiltonian H(v) = -K sum_<ij> s_i s_j has p_data = e^{-H} / Z_data.

Three choices of the RG operator T(v, h) (the paper's eq. 6) are compared through
ln Tr_h e^{T(v, h)}, which the trace condition (the paper's eq. 8) requires to vanish for every v:
- Kadanoff's majority rule, e^T = prod_j [h_j = majority of block j] (a tie gives each value
  weight 1/2): the trace is 1 for every v and every H;
- the paper's T = -E + H (eq. 18): ln Tr_h e^T = H(v) - H^RBM(v), zero only for a perfect fit;
- T = ln p(h | v): the trace is 1 for every v and every RBM, trained or not.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import minimize
from scipy.special import expit, logsumexp

from . import exact
from ._validate import check_size


def torus(L: int, T: float):
    """All 2^(L^2) configurations of the L x L torus as 0/1 rows, their Hamiltonian H(v) (in
    units of the temperature) and their Boltzmann probabilities."""
    spins, p = exact.boltzmann_weights(L, L, T)
    return (spins.reshape(len(spins), -1) + 1) // 2, exact.bond_energy(spins) / T, p


def free_energy(V, W, b, c):
    """F(v) = -c.v - sum_j softplus(b_j + W_j.v) for each row of V."""
    return -V @ c - np.logaddexp(0.0, V @ W.T + b).sum(axis=1)


def kl_divergence(p_data, V, W, b, c) -> float:
    """KL(p_data || p_RBM) in nats, exactly, over the enumerated rows V."""
    log_q = -free_energy(V, W, b, c)
    log_q -= logsumexp(log_q)
    mask = p_data > 0
    return float(np.sum(p_data[mask] * (np.log(p_data[mask]) - log_q[mask])))


def _unpack(theta, n_hidden, n_visible):
    W = theta[: n_hidden * n_visible].reshape(n_hidden, n_visible)
    return W, theta[n_hidden * n_visible: n_hidden * (n_visible + 1)], theta[n_hidden * (n_visible + 1):]


def _kl_and_gradient(theta, p_data, V, n_hidden):
    """KL and its exact gradient: dKL/dtheta = sum_v (p_data - p_RBM)(v) dF(v)/dtheta."""
    W, b, c = _unpack(theta, n_hidden, V.shape[1])
    log_q = -free_energy(V, W, b, c)
    log_q -= logsumexp(log_q)
    diff = p_data - np.exp(log_q)
    P = expit(V @ W.T + b)  # P(h_j = 1 | v)
    gW = -(P * diff[:, None]).T @ V
    gb = -(P * diff[:, None]).sum(axis=0)
    gc = -diff @ V
    mask = p_data > 0
    kl = np.sum(p_data[mask] * (np.log(p_data[mask]) - log_q[mask]))
    return kl, np.concatenate([gW.ravel(), gb, gc])


def fit_by_enumeration(p_data, V, n_hidden: int, seed: int = 0, init_scale: float = 0.1, max_iter: int = 20_000):
    """Minimise KL(p_data || p_RBM) over W, b, c by L-BFGS with the exact gradient (no sampling,
    no contrastive divergence). Returns W, b, c and the final KL in nats."""
    n_hidden = check_size(n_hidden, "n_hidden", minimum=1)
    rng = np.random.default_rng(seed)
    n_visible = V.shape[1]
    theta = np.concatenate([init_scale * rng.standard_normal(n_hidden * n_visible), np.zeros(n_hidden + n_visible)])
    result = minimize(_kl_and_gradient, theta, args=(p_data, V, n_hidden), jac=True, method="L-BFGS-B",
                      options={"maxiter": max_iter, "maxfun": 2 * max_iter, "gtol": 1e-12, "ftol": 1e-15})
    W, b, c = _unpack(result.x, n_hidden, n_visible)
    return W, b, c, float(result.fun)


def bond_rbm(L: int, T: float):
    """An RBM with one hidden unit per bond of the L x L torus whose visible marginal IS the Ising
    distribution at T (K = 1/T): each bond (i, k) gets a unit with weights w on v_i and v_k, bias
    -w and visible biases -w/2 on both ends, where ln cosh(w/2) = 2K. Summing the unit out
    multiplies p(v) by e^{g(n)}, n = v_i + v_k, g(n) = softplus(w(n - 1)) - w n / 2, and
    g(0) = g(2) = g(1) + ln cosh(w/2) = g(1) + 2K: e^{K s_i s_k} up to a constant (a softplus
    identity). The hidden units are bond variables; nothing is coarse-grained."""
    L = check_size(L, "L", minimum=3)
    K = 1.0 / T
    w = 2.0 * np.arccosh(np.exp(2.0 * K))
    sites = np.arange(L * L).reshape(L, L)
    bonds = [(sites[i, j], sites[i, (j + 1) % L]) for i in range(L) for j in range(L)]
    bonds += [(sites[i, j], sites[(i + 1) % L, j]) for i in range(L) for j in range(L)]
    W = np.zeros((len(bonds), L * L))
    c = np.zeros(L * L)
    for unit, (i, k) in enumerate(bonds):
        W[unit, [i, k]] = w
        c[[i, k]] -= w / 2
    return W, np.full(len(bonds), -w), c


def distance_from_exactness(p_data, H, V, W, b, c) -> dict:
    """How far an RBM is from the trace condition under the paper's T = -E + H: the exact
    KL(p_data || p_RBM) and, of ln Tr_h e^T = H - H^RBM over all configurations, the
    p_data-weighted standard deviation and the full range (all three vanish for exact RG; a
    nonzero constant ln Tr_h e^T can be absorbed into T)."""
    log_trace = paper_log_trace(H, V, W, b, c)
    mean = float(p_data @ log_trace)
    return {"kl": kl_divergence(p_data, V, W, b, c), "spread": float(np.sqrt(p_data @ (log_trace - mean) ** 2)),
            "range": float(np.ptp(log_trace))}


def majority_log_trace(L: int, b: int) -> np.ndarray:
    """ln Tr_h e^{T(v, h)} for Kadanoff's majority rule with b x b blocks, for every configuration
    of the L x L torus: e^T = prod_j t_j(h_j | v), t = 1 for the block's majority sign, 0 for the
    other, and 1/2 for either on a tie. The trace factorises over blocks; each factor is 1."""
    spins = exact.all_configurations(L, L)
    n = L // b
    sums = spins.reshape(len(spins), n, b, n, b).sum(axis=(2, 4)).reshape(len(spins), -1)
    weight_up = np.where(sums > 0, 1.0, np.where(sums < 0, 0.0, 0.5))  # t(h_j = +1 | v)
    return np.log(weight_up + (1.0 - weight_up)).sum(axis=1)


def paper_log_trace(H, V, W, b, c) -> np.ndarray:
    """ln Tr_h e^{T(v, h)} for the paper's T = -E + H (its eq. 18): H(v) - H^RBM(v), where
    e^{-H^RBM(v)} = Tr_h e^{-E(v, h)} = e^{-F(v)}. Zero for every v only if H^RBM = H."""
    return H - free_energy(V, W, b, c)


def posterior_log_trace(V, W, b) -> np.ndarray:
    """ln Tr_h e^{T(v, h)} for T = ln p(h | v), summed over all 2^n_hidden hidden states: zero for
    every v and every W, b (the posterior is normalised), trained or not."""
    H_states = ((np.arange(2 ** W.shape[0])[:, None] >> np.arange(W.shape[0])) & 1).astype(float)
    field = V @ W.T + b  # (n_v, n_h)
    log_post = H_states @ field.T - np.logaddexp(0.0, field).sum(axis=1)  # (2^n_h, n_v)
    return logsumexp(log_post, axis=0)


def hidden_kl(p_data, V, W, b, c) -> float:
    """KL(q || p_RBM(h)) between the aggregate posterior q(h) = sum_v p_data(v) p(h | v), the
    distribution a greedy DBN's next layer is trained on, and the RBM's own hidden marginal
    p_RBM(h) ~ e^{-H^RBM[h]}, the coarse Hamiltonian of the paper's eq. 21. The two agree when
    p_RBM(v) = p_data(v); otherwise the next layer does not see e^{-H^RBM[h]}."""
    n_h = W.shape[0]
    H_states = ((np.arange(2 ** n_h)[:, None] >> np.arange(n_h)) & 1).astype(float)
    field = V @ W.T + b
    log_post = H_states @ field.T - np.logaddexp(0.0, field).sum(axis=1)  # ln p(h | v), (2^n_h, n_v)
    q = np.exp(log_post) @ p_data
    log_joint = log_post - free_energy(V, W, b, c)[None, :]  # ln e^{-E(v, h)} = ln p(h|v) - F(v)
    log_p_h = logsumexp(log_joint, axis=1)
    log_p_h -= logsumexp(log_p_h)
    mask = q > 0
    return float(np.sum(q[mask] * (np.log(q[mask]) - log_p_h[mask])))
