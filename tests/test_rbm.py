"""The RBM against exact enumeration on tiny models, its penalties, and its input checks."""

import copy

import numpy as np
import pytest
from scipy.special import expit, logsumexp
from sklearn.utils.estimator_checks import parametrize_with_checks

from deeprg.ising.autocorr import integrated_time
from deeprg.rbm import RBM, TrainingDivergedError, ais, exact_log_partition, kernels, spins_to_visible
from deeprg.rbm.partition import _binary_states


def tiny_rbm(n_visible=6, n_hidden=4, scale=1.0, seed=0, dtype="float64"):
    """An RBM with random parameters set directly (fitted state without training)."""
    rng = np.random.default_rng(seed)
    rbm = RBM(n_hidden, dtype=dtype, random_state=seed)
    rbm.components_ = (scale * rng.normal(size=(n_hidden, n_visible))).astype(dtype)
    rbm.intercept_hidden_ = (0.5 * rng.normal(size=n_hidden)).astype(dtype)
    rbm.intercept_visible_ = (0.5 * rng.normal(size=n_visible)).astype(dtype)
    rbm.n_features_in_ = n_visible
    return rbm


def exact_visible_distribution(rbm):
    V = _binary_states(rbm.components_.shape[1], 0, 1 << rbm.components_.shape[1])
    log_p = -rbm.free_energy(V) - rbm.log_partition("exact")[0]
    return V, np.exp(log_p)


def exact_gradient(rbm, data):
    """d <log p(v)>_data / dW = <P(h|v) v>_data - <P(h|v) v>_model, by enumeration."""
    V, p = exact_visible_distribution(rbm)
    H_data, H_model = rbm._hidden_probs(data), rbm._hidden_probs(V)
    return H_data.T @ data / len(data) - (H_model * p[:, None]).T @ V


def brute_force_log_partition(W, b, c):
    """ln sum_{v, h} exp(v.c + h.b + h W v) over every joint state: no layer summed out."""
    n_hidden, n_visible = W.shape
    V = _binary_states(n_visible, 0, 1 << n_visible)
    H = _binary_states(n_hidden, 0, 1 << n_hidden)
    return float(logsumexp((V @ c)[:, None] + (H @ b)[None, :] + V @ W.T @ H.T))


def log_partition_summing_out_hidden(W, b, c):
    """ln Z = logsumexp_v [v.c + sum_j softplus(b_j + (W v)_j)]: v enumerated, h summed out."""
    V = _binary_states(W.shape[1], 0, 1 << W.shape[1])
    return float(logsumexp(V @ c + np.logaddexp(0, V @ W.T + b).sum(axis=1)))


def log_partition_summing_out_visible(W, b, c):
    """ln Z = logsumexp_h [h.b + sum_i softplus(c_i + (h W)_i)]: h enumerated, v summed out."""
    H = _binary_states(W.shape[0], 0, 1 << W.shape[0])
    return float(logsumexp(H @ b + np.logaddexp(0, H @ W + c).sum(axis=1)))


@pytest.mark.parametrize("n_visible,n_hidden", [(6, 4), (4, 7)])  # either layer the smaller one
def test_log_partition_equals_the_brute_force_sum_over_both_layers(n_visible, n_hidden):
    """exact_log_partition (which enumerates the smaller layer) against the sum of exp(-E) over
    all 2^(n_visible + n_hidden) joint states, and against both marginalisations written out
    here. Each side sums at most 2^11 positive terms in float64: the logs agree to a few
    rounding errors of ln Z, so the tolerance is 64 eps max(1, |ln Z|)."""
    rbm = tiny_rbm(n_visible=n_visible, n_hidden=n_hidden, scale=1.5, seed=2)
    W, b, c = rbm.components_, rbm.intercept_hidden_, rbm.intercept_visible_
    brute = brute_force_log_partition(W, b, c)
    tol = 64 * np.finfo(float).eps * max(1.0, abs(brute))
    assert log_partition_summing_out_hidden(W, b, c) == pytest.approx(brute, abs=tol)
    assert log_partition_summing_out_visible(W, b, c) == pytest.approx(brute, abs=tol)
    assert exact_log_partition(W, b, c) == pytest.approx(brute, abs=tol)
    assert rbm.log_partition("exact") == (pytest.approx(brute, abs=tol), 0.0)
    V, p = exact_visible_distribution(rbm)
    assert p.sum() == pytest.approx(1.0, abs=tol)


def exact_negative_phase(rbm):
    """A stand-in for RBM._negative_phase that writes the model's exact statistics.

    With m = len(V_neg) = 2^(n_visible + 1) chains, the update reads <h v>_model as
    H_neg^T V_neg / m, <h>_model as the mean of H_neg and <v>_model as the mean of V_neg.
    Rows k < 2^n_visible hold V = m p(v_k) v_k and H = P(h | v_k); the other rows hold V = 0
    and H = (m p(v_k) - 1) P(h | v_k), so all three means are the enumerated expectations."""
    def negative_phase(H_data, V_neg, H_neg, rng):
        V, p = exact_visible_distribution(rbm)
        m, n = len(V_neg), len(V)
        assert m == 2 * n, "the batch must have 2^(n_visible + 1) rows"
        W, b = (np.asarray(a, np.float64) for a in (rbm.components_, rbm.intercept_hidden_))
        P = expit(V @ W.T + b)
        V_neg[:n], V_neg[n:] = m * p[:, None] * V, 0.0
        H_neg[:n], H_neg[n:] = P, (m * p[:, None] - 1) * P
    return negative_phase


def penalised_objective(W, b, c, data, penalty, alpha):
    """Mean log-likelihood of the rows of data, by brute-force ln Z, minus alpha R with
    R = |W|_1 (l1), |W|^2 / 2 (l2) or 0: the function whose gradient the update follows."""
    free = -(data @ c) - np.logaddexp(0, data @ W.T + b).sum(axis=1)
    penalty_term = {"l1": np.abs(W).sum(), "l2": 0.5 * (W**2).sum(), None: 0.0}[penalty]
    return -free.mean() - brute_force_log_partition(W, b, c) - alpha * penalty_term


@pytest.mark.parametrize("penalty", [None, "l2", "l1"])
def test_one_update_with_the_exact_negative_phase_is_the_gradient_of_the_penalised_likelihood(penalty):
    """RBM's own update (partial_fit: one batch of all 128 rows, momentum 0), with the
    negative phase replaced by the enumerated model statistics, divided by the learning rate,
    against central differences of the exact penalised log-likelihood for every weight and bias.

    Tolerance: a central difference with step h errs by h^2 f'''(x) / 6 + O(eps |f| / h); the
    truncation is estimated from the same difference at 2h (T(h) - T(2h) = 3 (T(h) - f'(x)),
    up to O(h^4)), so each derivative is trusted to |T(h) - T(2h)| + 8 eps (|f| + 1) / h."""
    lr, alpha, h = 0.05, 0.1, 1e-4
    rbm = tiny_rbm(seed=5)  # 6 visible, 4 hidden, float64
    W0, b0, c0 = (a.copy() for a in (rbm.components_, rbm.intercept_hidden_, rbm.intercept_visible_))
    assert np.abs(W0).min() > 10 * h  # the L1 penalty is differentiable at every weight
    data = _binary_states(6, 0, 64)[np.random.default_rng(1).integers(0, 64, 128)]
    rbm.set_params(learning_rate=lr, batch_size=128, momentum=0.0, penalty=penalty, alpha=alpha, n_iter=0)
    rbm.fit(data)  # initialises the optimiser's state; the parameters are set back below
    rbm.components_[:], rbm.intercept_hidden_[:], rbm.intercept_visible_[:] = W0, b0, c0
    rbm._negative_phase = exact_negative_phase(rbm)
    rbm.partial_fit(data)
    steps = [(rbm.components_ - W0) / lr, (rbm.intercept_hidden_ - b0) / lr, (rbm.intercept_visible_ - c0) / lr]

    f0 = penalised_objective(W0, b0, c0, data, penalty, alpha)
    eps = np.finfo(float).eps
    for which, step in enumerate(steps):
        for index in np.ndindex(step.shape):
            def central(dx):
                params = [W0.copy(), b0.copy(), c0.copy()]
                params[which][index] += dx
                plus = penalised_objective(*params, data, penalty, alpha)
                params[which][index] -= 2 * dx
                return (plus - penalised_objective(*params, data, penalty, alpha)) / (2 * dx)

            fine, coarse = central(h), central(2 * h)
            tol = abs(fine - coarse) + 8 * eps * (abs(f0) + 1) / h
            assert step[index] == pytest.approx(fine, abs=tol), ("Wbc"[which], index, step[index], fine, tol)


def rounding_bound(n, u):
    """gamma_n = n u / (1 - n u): the bound on the relative error of a sum of n products in
    floating point with unit roundoff u, in any order (Higham, Accuracy and Stability, 3.1)."""
    return n * u / (1 - n * u)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("penalty", [kernels.NO_PENALTY, kernels.L1, kernels.L2, kernels.L1_PROXIMAL])
def test_update_weights_is_the_documented_momentum_step(dtype, penalty):
    """inc <- momentum inc + lr (scale G - alpha R(W)), W <- W + inc, R = sign(W) (L1, with
    sign 0 = 0), W (L2) or 0; L1_PROXIMAL steps without the penalty, then soft-thresholds W by
    lr alpha. The kernel against that formula in float64 on the same (exactly representable)
    inputs. The kernel rounds about ten times in its dtype (each constant, each product and
    sum), each time by at most u = eps / 2 of the largest magnitude in the chain, so the bound
    is gamma_16 times that magnitude."""
    rng = np.random.default_rng(10 + penalty)
    W = rng.normal(size=(5, 7)).astype(dtype)
    W[0, :3] = 0.0  # sign(0) = 0; zeros stay zero under the threshold
    W[1, :3] = [0.01, -0.01, 0.02]  # shrunk across zero by the threshold: clamped at 0
    inc, G = rng.normal(size=W.shape).astype(dtype), rng.normal(size=W.shape).astype(dtype)
    inc[1, :3] = G[1, :3] = 0.0
    scale, lr, momentum, alpha = 1 / 8, 0.3, 0.7, 0.5
    w, i, g = (a.astype(np.float64) for a in (W, inc, G))
    R = {kernels.L1: np.sign(w), kernels.L2: w}.get(penalty, np.zeros_like(w))
    step = momentum * i + lr * (scale * g - alpha * R)
    new = w + step
    if penalty == kernels.L1_PROXIMAL:
        new = np.sign(new) * np.maximum(np.abs(new) - lr * alpha, 0.0)
    magnitude = np.abs(w) + np.abs(momentum * i) + lr * (np.abs(scale * g) + alpha * np.abs(R) + alpha)
    tol = rounding_bound(16, np.finfo(dtype).eps / 2) * magnitude

    W_out, inc_out = W.copy(), inc.copy()
    assert kernels.update_weights(W_out, inc_out, G, scale, lr, momentum, alpha, penalty) is None
    assert W_out.dtype == inc_out.dtype == dtype
    assert (np.abs(inc_out - step) <= tol).all(), np.abs(inc_out - step).max()
    assert (np.abs(W_out - new) <= tol).all(), np.abs(W_out - new).max()
    if penalty == kernels.L1_PROXIMAL:
        assert (W_out[np.abs(w + step) <= lr * alpha] == 0).all() and (W_out[1, :3] == 0).all()  # exact zeros


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("penalty", ["l2", "l1", None])
def test_one_mini_batch_update_is_the_documented_formula(dtype, penalty):
    """One batch (all m = 128 rows, momentum 0) with a fixed negative phase: the package's
    update of W, b and c against lr (<P(h|v) v>_data - H_neg^T V_neg / m - alpha R(W)),
    lr (<P(h|v)>_data - <H_neg>) and lr (<v>_data - <V_neg>), computed here in float64 from
    the same parameters (P(h|v) by scipy's expit).

    The bound is a priori, from rounding alone: P(h|v) errs by at most 8 u relatively (the
    sigmoid kernels' bound) plus 1/4 (the sigmoid's largest slope) times gamma_(n+1) of its
    input's magnitude; each sum over rows by gamma_2m of the sum of magnitudes; the update
    itself as in test_update_weights_is_the_documented_momentum_step; u = eps / 2 of dtype."""
    u = np.finfo(dtype).eps / 2
    rng = np.random.default_rng(3)
    m, n_visible, n_hidden, lr, alpha = 128, 9, 5, 0.1, 0.2
    X = (rng.random((m, n_visible)) < 0.4).astype(dtype)
    rbm = RBM(n_hidden, learning_rate=lr, batch_size=m, n_iter=0, momentum=0.0, penalty=penalty, alpha=alpha,
              dtype=dtype, random_state=0).fit(X)
    W0 = rng.normal(size=(n_hidden, n_visible)).astype(dtype)
    b0, c0 = rng.normal(size=n_hidden).astype(dtype), rng.normal(size=n_visible).astype(dtype)
    rbm.components_[:], rbm.intercept_hidden_[:], rbm.intercept_visible_[:] = W0, b0, c0
    V_neg, H_neg = rng.random((m, n_visible)).astype(dtype), rng.random((m, n_hidden)).astype(dtype)

    def fixed_negative_phase(H_data, V, H, rng):
        V[:], H[:] = V_neg, H_neg

    rbm._negative_phase = fixed_negative_phase
    rbm.partial_fit(X)

    x, w, b, c, vn, hn = (np.asarray(a, np.float64) for a in (X, W0, b0, c0, V_neg, H_neg))
    H_data = expit(x @ w.T + b)
    R = {"l1": np.sign(w), "l2": w, None: np.zeros_like(w)}[penalty]
    expected = [lr * ((H_data.T @ x - hn.T @ vn) / m - alpha * R),
                lr * (H_data.mean(axis=0) - hn.mean(axis=0)),
                lr * (x.mean(axis=0) - vn.mean(axis=0))]
    dH = 8 * u * H_data + 0.25 * rounding_bound(n_visible + 1, u) * (np.abs(x) @ np.abs(w).T + np.abs(b))
    G_magnitude = (H_data.T @ x + hn.T @ vn) / m
    G_error = rounding_bound(2 * m, u) * G_magnitude + dH.T @ x / m
    tol_W = lr * G_error + rounding_bound(16, u) * (np.abs(w) + lr * (G_magnitude + alpha * np.abs(R)))
    h_sum = (H_data.sum(axis=0) + hn.sum(axis=0)) / m
    tol_b = lr * (rounding_bound(2 * m, u) * h_sum + dH.mean(axis=0)) + rounding_bound(4, u) * (np.abs(b) + lr * h_sum)
    v_sum = (x.sum(axis=0) + vn.sum(axis=0)) / m
    tol_c = lr * rounding_bound(2 * m, u) * v_sum + rounding_bound(4, u) * (np.abs(c) + lr * v_sum)
    got = [rbm.components_ - w, rbm.intercept_hidden_ - b, rbm.intercept_visible_ - c]  # exact in float64
    for name, g, e, tol in zip("Wbc", got, expected, (tol_W, tol_b, tol_c)):
        assert (np.abs(g - e) <= tol).all(), (name, np.abs(g - e).max(), tol.min())


def test_cd_k_gradient_approaches_the_exact_gradient_as_k_grows():
    """Our negative phase, averaged over 64,000 chains, against the enumerated model term."""
    data = _binary_states(6, 0, 64)
    X = np.repeat(data, 1000, axis=0)
    errors, noise = {}, {}
    for k in (1, 3, 100):
        rbm = tiny_rbm(scale=1.5)
        rbm.cd_k = k
        rng = np.random.default_rng(k)
        H_data = rbm._hidden_probs(X)
        V_neg, H_neg = np.empty_like(X), np.empty_like(H_data)
        rbm._chain = None
        rbm._negative_phase(H_data, V_neg, H_neg, rng)
        estimate = (H_data.T @ X - H_neg.T @ V_neg) / len(X)
        stat = H_neg[:, :, None] * V_neg[:, None, :]
        noise[k] = stat.std(axis=0).max() / np.sqrt(len(X))
        errors[k] = np.abs(estimate - exact_gradient(rbm, X)).max()
    assert errors[100] < 4 * noise[100] + 1e-3, (errors, noise)
    assert errors[1] > errors[3] > errors[100], errors


def run_negative_phase(rbm, X, n_calls, seed):
    """Visible states of rbm's chains after each of n_calls calls of its negative phase on the
    batch X (the weights stay fixed): shape (n_calls, len(X), n_visible)."""
    H_data = rbm._hidden_probs(X)
    V_neg, H_neg = np.empty_like(X), np.empty_like(H_data)
    rng = np.random.default_rng(seed)
    out = np.empty((n_calls, *X.shape))
    for call in range(n_calls):
        rbm._negative_phase(H_data, V_neg, H_neg, rng)
        out[call] = V_neg
    return out


def test_persistent_chains_reach_the_model_distribution_from_far_data():
    """With the weights frozen, 500 persistent chains fed the least probable visible state as
    data: after a burn-in, each chain's average of v (over 500 calls) estimates <v>_model,
    and the mean over chains agrees with enumeration within 4 standard errors (the chains
    are independent, so the error is their spread / sqrt(500)). CD-1 from the same data stays
    many standard errors away: the test can tell where the chains start from where they end."""
    rbm = tiny_rbm(scale=1.5)
    V, p = exact_visible_distribution(rbm)
    exact_mean = p @ V
    X = np.repeat(V[np.argmin(p)][None], 500, axis=0)

    rbm.set_params(persistent=True, cd_k=1)
    rbm._chain = None
    burn_in, n_calls = 100, 600
    states = run_negative_phase(rbm, X, n_calls, seed=0)
    tau = max(integrated_time(states[burn_in:, :, i].mean(axis=1)).tau for i in range(V.shape[1]))
    assert burn_in > 50 * tau, tau  # the start is forgotten (e^-50) long before the averages begin
    per_chain = states[burn_in:].mean(axis=0)
    estimate, error = per_chain.mean(axis=0), per_chain.std(axis=0, ddof=1) / np.sqrt(len(X))
    assert (np.abs(estimate - exact_mean) < 4 * error).all(), ((estimate - exact_mean) / error)

    cd1 = tiny_rbm(scale=1.5)  # CD-1: V_neg = P(v | h), h sampled from P(h | data)
    V_neg = run_negative_phase(cd1, X, 1, seed=1)[0]
    estimate, error = V_neg.mean(axis=0), V_neg.std(axis=0, ddof=1) / np.sqrt(len(X))
    assert (np.abs(estimate - exact_mean) > 4 * error).any(), ((estimate - exact_mean) / error)


def two_state_rbm(n_visible=12, weight=4.0, tilt=0.1):
    """One hidden unit joined to every visible unit by `weight`, biases b = -n w / 2 and
    c = -w / 2 + tilt: p(v) has modes at all-0 and all-1, the second favoured by the tilt,
    with a barrier that few Gibbs sweeps cross."""
    rbm = RBM(1, dtype="float64", persistent=True, cd_k=1, random_state=0)
    rbm.components_ = np.full((1, n_visible), weight)
    rbm.intercept_hidden_ = np.array([-n_visible * weight / 2])
    rbm.intercept_visible_ = np.full(n_visible, -weight / 2 + tilt)
    rbm.n_features_in_ = n_visible
    return rbm


@pytest.mark.parametrize("seed", [0, 1])
def test_global_flip_moves_chains_between_the_magnetised_states_in_the_right_proportion(seed):
    """400 chains started in the all-0 state of a two-state RBM: after 30 updates with the flip
    move, the fraction in the upper half (more than half the units on) matches enumeration within
    4 binomial standard errors (independent chains); without it, few chains have crossed."""
    V, p = exact_visible_distribution(two_state_rbm())
    upper = p[V.sum(axis=1) > V.shape[1] / 2].sum()
    fractions = {}
    for flip in (True, False):
        rbm = two_state_rbm().set_params(global_flip=flip)
        rbm._chain = np.zeros((400, 1))
        V_neg, H_neg = np.empty((400, V.shape[1])), np.empty((400, 1))
        rng = np.random.default_rng(seed)
        for _ in range(30):
            rbm._negative_phase(None, V_neg, H_neg, rng)
        fractions[flip] = np.mean(V_neg.sum(axis=1) > V.shape[1] / 2)
        np.testing.assert_allclose(H_neg, expit(V_neg @ rbm.components_.T + rbm.intercept_hidden_))  # P(h | v) after flips
    error = np.sqrt(upper * (1 - upper) / 400)
    assert 0.6 < upper < 0.95, upper  # a real test of the proportion, not only of crossing
    assert abs(fractions[True] - upper) < 4 * error, (fractions[True], upper, error)
    assert upper - fractions[False] > 10 * error, fractions[False]  # Gibbs sweeps alone stay near the start


def test_global_flip_keeps_the_exact_distribution_of_a_random_rbm():
    """Chains drawn from the exact p(v) of a random RBM stay distributed as p(v) after 20
    flip-only steps (Gibbs sweeps omitted): each unit's mean over 4,000 chains within 4
    standard errors of enumeration, so the move satisfies detailed balance, not only crossing."""
    rbm = tiny_rbm(scale=1.5).set_params(persistent=True, global_flip=True)
    V, p = exact_visible_distribution(rbm)
    rng = np.random.default_rng(3)
    chains = V[rng.choice(len(V), 4000, p=p)].copy()
    P, H = np.empty((4000, 4)), np.zeros((4000, 4))
    for _ in range(20):
        rbm._flip(chains, P, H, rng)
    exact_mean, estimate = p @ V, chains.mean(axis=0)
    error = np.sqrt(exact_mean * (1 - exact_mean) / 4000)
    assert (np.abs(estimate - exact_mean) < 4 * error).all(), (estimate - exact_mean) / error
    flipped = V[rng.choice(len(V), 4000, p=p)]
    assert (np.abs((1 - flipped).mean(axis=0) - exact_mean) > 4 * error).any()  # flipping every chain would fail


def test_parallel_tempering_balances_the_two_states_of_a_tilted_rbm():
    """400 chains of the two-state RBM started in its all-0 state: with 8 replicas down to
    beta = 0.2, after 60 updates the beta = 1 replicas are in the upper half in the exact
    proportion (4 binomial standard errors), and every neighbouring pair swaps at a positive
    rate; with one replica (plain persistent CD) the chains stay near the start."""
    V, p = exact_visible_distribution(two_state_rbm())
    upper = p[V.sum(axis=1) > V.shape[1] / 2].sum()
    rbm = two_state_rbm().set_params(n_temperatures=8, min_beta=0.2)
    V_neg, H_neg = np.empty((400, V.shape[1])), np.empty((400, 1))
    rng = np.random.default_rng(5)
    H_data = np.zeros((400, 1))
    for _ in range(60):
        rbm._negative_phase(H_data, V_neg, H_neg, rng)
    error = np.sqrt(upper * (1 - upper) / 400)
    assert abs(np.mean(V_neg.sum(axis=1) > V.shape[1] / 2) - upper) < 4 * error
    np.testing.assert_allclose(H_neg, expit(V_neg @ rbm.components_.T + rbm.intercept_hidden_))
    assert (rbm.swap_acceptance_ > 0.05).all(), rbm.swap_acceptance_


def test_parallel_tempering_samples_the_exact_distribution_of_a_random_rbm():
    """2,000 tempered chains of a random 6 -> 4 RBM, after 50 updates: at each of the 4 betas,
    each unit's mean over the replicas within 4 binomial standard errors of the exact
    p_beta(v) ~ exp(-F_beta(v)) (enumerated), and the negative phase is the beta = 1 replicas."""
    rbm = tiny_rbm(scale=1.5).set_params(persistent=True, n_temperatures=4, min_beta=0.4)
    V, _ = exact_visible_distribution(rbm)
    V_neg, H_neg = np.empty((2000, 6)), np.empty((2000, 4))
    rng = np.random.default_rng(9)
    H_data = rbm._hidden_probs(V[rng.choice(len(V), 2000)])
    for _ in range(50):
        rbm._negative_phase(H_data, V_neg, H_neg, rng)
    np.testing.assert_array_equal(V_neg, rbm._replicas[0])
    W, b, c = rbm.components_, rbm.intercept_hidden_, rbm.intercept_visible_
    for beta, replicas in zip(np.linspace(1, 0.4, 4), rbm._replicas):
        log_p = beta * V @ c + np.logaddexp(0, beta * (V @ W.T + b)).sum(axis=1)
        exact_mean = np.exp(log_p - logsumexp(log_p)) @ V
        error = np.sqrt(exact_mean * (1 - exact_mean) / 2000)
        assert (np.abs(replicas.mean(axis=0) - exact_mean) < 4 * error).all(), (beta, (replicas.mean(0) - exact_mean) / error)


def test_tempering_needs_persistent_chains_and_a_beta_below_one():
    with pytest.raises(ValueError, match="n_temperatures=4 needs persistent chains"):
        RBM(2, n_temperatures=4).fit(np.zeros((4, 3)))
    with pytest.raises(ValueError, match="'min_beta' parameter of RBM must be"):
        RBM(2, persistent=True, n_temperatures=4, min_beta=1.0).fit(np.zeros((4, 3)))


def test_global_flip_needs_persistent_chains():
    with pytest.raises(ValueError, match="global_flip=True needs persistent chains.*persistent=False"):
        RBM(2, global_flip=True).fit(np.zeros((4, 3)))


def test_persistent_chains_continue_from_where_the_last_batch_left_them():
    """The second call's chains start from the first call's final hidden states, whatever the
    batch's data: one Gibbs step v ~ P(v | h_prev), h ~ P(h | v), drawn here from a copy of
    the generator (the same uniforms, compared with probabilities from scipy's expit)."""
    rbm = tiny_rbm(scale=1.5).set_params(persistent=True, cd_k=1)
    rbm._chain = None
    W, b, c = rbm.components_, rbm.intercept_hidden_, rbm.intercept_visible_
    rng = np.random.default_rng(11)
    X_first = np.zeros((40, 6))
    H_data = rbm._hidden_probs(X_first)
    V_neg, H_neg = np.empty_like(X_first), np.empty_like(H_data)
    rbm._negative_phase(H_data, V_neg, H_neg, rng)
    end_of_first = rbm._chain.copy()
    assert set(np.unique(end_of_first)) <= {0.0, 1.0}

    H_other = rbm._hidden_probs(np.ones((40, 6)))  # another batch: must not restart the chains
    replay = copy.deepcopy(rng)
    rbm._negative_phase(H_other, V_neg, H_neg, rng)
    v = (replay.random(V_neg.shape) < expit(end_of_first @ W + c)).astype(float)
    h = (replay.random(H_neg.shape) < expit(v @ W.T + b)).astype(float)
    np.testing.assert_array_equal(V_neg, v)
    np.testing.assert_allclose(H_neg, expit(v @ W.T + b), rtol=8 * np.finfo(float).eps)
    np.testing.assert_array_equal(rbm._chain, h)


def test_ais_agrees_with_enumeration_on_a_20x10_rbm():
    rbm = tiny_rbm(n_visible=20, n_hidden=10, scale=0.6, seed=3)
    exact, _ = rbm.log_partition("exact")
    estimate, se = rbm.log_partition("ais", n_chains=200, n_betas=3000, random_state=0)
    assert se > 0 and abs(estimate - exact) < 3 * se and abs(estimate - exact) < 0.1, (estimate, se, exact)


def test_training_on_data_from_a_known_rbm_raises_the_exact_likelihood():
    teacher = tiny_rbm(n_visible=8, n_hidden=3, scale=2.0, seed=4)
    V, p = exact_visible_distribution(teacher)
    data = V[np.random.default_rng(0).choice(len(V), size=3000, p=p)]
    student = RBM(3, n_iter=1, learning_rate=0.05, momentum=0.5, penalty=None, random_state=0,
                  dtype="float64").fit(data)
    before = student.log_likelihood(data)
    student.set_params(n_iter=60).fit(data)
    after = student.log_likelihood(data)
    best = teacher.log_likelihood(data)
    assert after > before + 0.3 * (best - before), (before, after, best)


def ising_visible(L=10, n=2000, T=2.451):
    from deeprg import ising

    return spins_to_visible(ising.sample(L, T, n, seed=0))


@pytest.fixture(scope="module")
def small_ising():
    return ising_visible()


def sparsity(rbm):
    return np.mean(np.abs(rbm.components_) < 1e-3)


def test_l1_sparsity_grows_with_alpha_and_l2_does_not_zero_weights(small_ising):
    fit = lambda **kw: RBM(30, n_iter=15, random_state=0, **kw).fit(small_ising)  # noqa: E731
    l1 = [sparsity(fit(penalty="l1", alpha=a, proximal=True)) for a in (1e-3, 1e-2, 3e-2)]
    assert l1[0] < l1[1] < l1[2] and l1[2] > 0.1, l1
    assert sparsity(fit(penalty="l2", alpha=1e-2)) < 0.01
    subgradient = [sparsity(fit(penalty="l1", alpha=a)) for a in (1e-4, 1e-2)]
    assert subgradient[0] < subgradient[1], subgradient


def test_float32_and_float64_agree(small_ising):
    """Three epochs of 20 batches, the same draws in both precisions (the uniforms are float64).
    Each of the 60 updates rounds every float32 weight once (W + inc, at most u = 2^-24 of
    max |W|) and its increment a few times (relative to |inc|, which is far smaller): a
    budget of 2 u max|W| per update, 120 u max|W| in all. Measured: 16-20 u max|W| (4.7e-7 to
    5.7e-7 for random_state 1-3). A Bernoulli draw that falls between the two precisions'
    probabilities parts the runs for good (by 10 epochs random_state 1's differ by 4e-3): over
    3 epochs the chance is about 1.2e5 hidden draws times a ~1e-7 gap, ~1%; at this seed none does."""
    a = RBM(20, n_iter=3, random_state=1, dtype="float32").fit(small_ising)
    b = RBM(20, n_iter=3, random_state=1, dtype="float64").fit(small_ising)
    assert a.components_.dtype == np.float32 and b.components_.dtype == np.float64
    n_updates = 3 * len(small_ising) // a.batch_size
    tol = 2 * n_updates * np.finfo(np.float32).eps / 2 * np.abs(b.components_).max()
    np.testing.assert_allclose(a.components_, b.components_, rtol=0, atol=tol)


def test_same_random_state_same_components(small_ising):
    a = RBM(20, n_iter=2, random_state=5, penalty="l1").fit(small_ising)
    b = RBM(20, n_iter=2, random_state=5, penalty="l1").fit(small_ising)
    np.testing.assert_array_equal(a.components_, b.components_)


def test_history_and_methods(small_ising):
    rbm = RBM(20, n_iter=3, random_state=0, persistent=True, cd_k=2, momentum=0.5, monitor=True).fit(small_ising)
    assert [h["epoch"] for h in rbm.history_] == [1, 2, 3]
    assert list(rbm.history_[0]) == ["epoch", "reconstruction_error", "pseudo_likelihood", "sparsity", "seconds"]
    assert rbm.transform(small_ising[:5]).shape == (5, 20)
    assert rbm.reconstruct(small_ising[:5]).shape == (5, 100)
    assert set(np.unique(rbm.gibbs(small_ising[:5]))) <= {0.0, 1.0}
    s = rbm.score_samples(small_ising[:50])
    np.testing.assert_array_equal(s[10:20], rbm.score_samples(small_ising[10:20]))
    rbm.partial_fit(small_ising)
    assert rbm.n_epochs_ == 4


def test_monitoring_is_opt_in_and_keeps_the_weights(small_ising):
    plain = RBM(20, n_iter=2, random_state=3).fit(small_ising)
    monitored = RBM(20, n_iter=2, random_state=3, monitor=True).fit(small_ising)
    assert list(plain.history_[0]) == ["epoch", "sparsity", "seconds"]
    np.testing.assert_array_equal(plain.components_, monitored.components_)


def test_gibbs_is_a_stream_repeated_by_the_same_fit(small_ising):
    """Each call draws a fresh sample (from random_state_, which training left where it
    stopped); the same random_state and fit give the same sequence."""
    v = small_ising[:50]
    a, b = (RBM(20, n_iter=2, random_state=7).fit(small_ising) for _ in range(2))
    first, second = a.gibbs(v), a.gibbs(v)
    assert not np.array_equal(first, second)
    np.testing.assert_array_equal(b.gibbs(v), first)
    np.testing.assert_array_equal(b.gibbs(v), second)


def test_gibbs_after_set_parameters_is_a_stream_too():
    rbm = tiny_rbm(n_visible=30, n_hidden=10)
    v = np.ones((20, 30))
    assert not np.array_equal(rbm.gibbs(v), rbm.gibbs(v))


def test_pseudo_likelihood_has_sklearns_definition(small_ising):
    """Flipping feature i: n_features * log sigmoid(F(v_flipped) - F(v)); check the mean against
    the average over all features, computed directly."""
    rbm = RBM(20, n_iter=2, random_state=0).fit(small_ising)
    X = small_ising[:400].astype(np.float64)
    F = rbm._free_energy(X)
    full = []
    for i in range(X.shape[1]):
        Xf = X.copy()
        Xf[:, i] = 1 - Xf[:, i]
        full.append(-X.shape[1] * np.logaddexp(0, -(rbm._free_energy(Xf) - F)))
    full = np.array(full)  # (n_features, n_samples)
    expected, spread = full.mean(), full.mean(axis=0).std() / np.sqrt(X.shape[0])
    per_row = full.std(axis=0).mean() / np.sqrt(X.shape[0])
    assert abs(rbm.score_samples(X).mean() - expected) < 4 * (per_row + spread)


def test_divergence_names_the_epoch():
    X = np.random.default_rng(0).integers(0, 2, (200, 30)).astype(float)
    with pytest.raises(TrainingDivergedError, match="epoch 1.*smaller learning_rate"):
        RBM(10, learning_rate=1e30, n_iter=3, random_state=0).fit(X)


@pytest.mark.parametrize("X,match", [
    (-np.ones((5, 4)), r"Negative values in data passed to RBM.*v = \(s \+ 1\) / 2"),
    (np.array([[0.0, np.nan], [1.0, 0.0]]), "NaN"),
    (np.array([[0.0, np.inf], [1.0, 0.0]]), "infinity"),
])
def test_bad_training_data(X, match):
    with pytest.raises(ValueError, match=match):
        RBM(2, n_iter=1).fit(X)


def test_negative_input_names_the_spin_mapping_everywhere(small_ising):
    rbm = RBM(5, n_iter=1, random_state=0).fit(small_ising)
    spins = 2 * small_ising[:3] - 1
    for method in (rbm.transform, rbm.gibbs, rbm.score_samples, rbm.partial_fit):
        with pytest.raises(ValueError, match=r"map Ising spins s = \+-1 to v = \(s \+ 1\) / 2"):
            method(spins)


def test_values_above_one_warn_and_are_used_as_given():
    X = np.random.default_rng(0).integers(0, 2, (200, 6)).astype(float)
    with pytest.warns(UserWarning, match=r"X has values up to 3, above 1: RBM models probabilities in \[0, 1\]"):
        scaled = RBM(4, n_iter=2, random_state=0).fit(3 * X)
    assert not np.array_equal(scaled.components_, RBM(4, n_iter=2, random_state=0).fit(X).components_)


def test_wrong_number_of_features_at_transform(small_ising):
    rbm = RBM(5, n_iter=1, random_state=0).fit(small_ising)
    with pytest.raises(ValueError, match="X has 7 features, but RBM is expecting 100"):
        rbm.transform(np.zeros((3, 7)))


@pytest.mark.parametrize("params,name", [
    (dict(n_components=0), "n_components"), (dict(alpha=-1.0), "alpha"), (dict(penalty="l3"), "penalty"),
    (dict(learning_rate=0.0), "learning_rate"), (dict(momentum=1.5), "momentum"), (dict(cd_k=0), "cd_k"),
    (dict(dtype="float16"), "dtype"),
])
def test_bad_parameters_name_themselves(params, name):
    with pytest.raises(ValueError, match=f"'{name}' parameter of RBM must be"):
        RBM(**({"n_components": 2} | params)).fit(np.zeros((4, 3)))


@parametrize_with_checks([RBM(n_components=3, n_iter=2, random_state=0)])
@pytest.mark.filterwarnings("ignore:X has values up to")  # the checks' non-negative data go above 1
def test_scikit_learn_estimator_checks(estimator, check):
    """The class users import, with no expected failure: positive_only tells the checks to
    feed non-negative data and to expect the error for negative X."""
    check(estimator)


def test_spins_to_visible():
    s = np.array([[[1, -1], [-1, 1]]], np.int8)
    np.testing.assert_array_equal(spins_to_visible(s), [[1, 0, 0, 1]])
