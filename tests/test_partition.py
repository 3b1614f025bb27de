"""AIS and RAISE against exact enumeration: annealing schedules, unbiasedness for Z and for the
annealing model's p_ann(v), calibration of the reported standard errors, and the sandwich.

Every tolerance is a multiple of a computed standard error (4 of them unless said) or an
exact identity; seeds are fixed."""

import numpy as np
import pytest

from deeprg.rbm import ais, annealing_schedule, exact_log_partition, raise_log_likelihood, sandwich
from deeprg.rbm.partition import (
    SALAKHUTDINOV_SEGMENTS,
    SCHEDULES,
    _binary_states,
    _Base,
    _raise_log_weights,
    free_energy,
    mixture_base,
)


def random_rbm(n_visible, n_hidden, scale, seed):
    rng = np.random.default_rng(seed)
    W = scale * rng.normal(size=(n_hidden, n_visible))
    return W, 0.5 * rng.normal(size=n_hidden), 0.5 * rng.normal(size=n_visible)


def model_samples(W, b, c, n, seed):
    """Exact samples of v from the RBM: h from its marginal by enumeration, then v | h."""
    rng = np.random.default_rng(seed)
    H = _binary_states(W.shape[0], 0, 1 << W.shape[0])
    log_p = H @ b + np.logaddexp(0, H @ W + c).sum(axis=1)
    p = np.exp(log_p - log_p.max())
    h = H[rng.choice(len(H), size=n, p=p / p.sum())]
    return (rng.random((n, W.shape[1])) < 1 / (1 + np.exp(-(h @ W + c)))).astype(np.float64)


def log_odds(V, eps=1e-3):
    p = np.clip(V.mean(axis=0), eps, 1 - eps)
    return np.log(p / (1 - p))


def exact_mean_log_likelihood(W, b, c, V):
    return float(np.mean(-free_energy(W, b, c, V) - exact_log_partition(W, b, c)))


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def bernoulli_probability(states, p):
    """P(states) for independent Bernoulli units with probabilities p: (n_states, n_p_rows)."""
    return np.prod(np.where(states[:, None, :] == 1, p[None], 1 - p[None]), axis=2)


def gibbs_matrix(W, b, c, a, beta, V, H):
    """The transition matrix T[v, v'] of one sweep v -> h -> v' at beta, over all states."""
    p_h_given_v = bernoulli_probability(H, sigmoid(beta * (V @ W.T + b))).T  # (n_v, n_h)
    p_v_given_h = bernoulli_probability(V, sigmoid((1 - beta) * a + beta * (H @ W + c))).T  # (n_h, n_v)
    return p_h_given_v @ p_v_given_h


def log_f(W, b, c, a, beta, V):
    return (1 - beta) * V @ a + beta * V @ c + np.logaddexp(0, beta * (V @ W.T + b)).sum(axis=1)


# ---------------------------------------------------------------- schedules
def test_schedules_rise_from_zero_to_one_as_defined():
    assert np.array_equal(annealing_schedule(17, "uniform"), np.linspace(0, 1, 17))
    for schedule in SCHEDULES:
        for n in (4, 5, 10, 101, 20_000):
            betas = annealing_schedule(n, schedule)
            assert len(betas) == n and betas[0] == 0.0 and betas[-1] == 1.0 and np.all(np.diff(betas) > 0)
    # Salakhutdinov & Murray's own grid at n = 14501, and its proportions at 20001.
    for n, scale in ((14_501, 1), (20_001, 20_000 / 14_500)):
        betas = annealing_schedule(n, "salakhutdinov")
        for lo, hi, count in SALAKHUTDINOV_SEGMENTS:
            assert abs(np.sum((betas >= lo) & (betas < hi)) - count * scale) <= 1, (n, lo, hi)
    # The sigmoid grid is symmetric about beta = 1/2 and densest at the ends.
    betas = annealing_schedule(101, "sigmoid")
    assert np.allclose(betas + betas[::-1], 1.0) and np.diff(betas)[0] < np.diff(betas)[50] / 5
    with pytest.raises(ValueError, match="schedule"):
        annealing_schedule(10, "geometric")
    with pytest.raises(ValueError, match="n_betas"):
        annealing_schedule(1)


# ---------------------------------------------------------------- forward AIS
def test_ais_old_default_is_unchanged_to_rounding():
    """Values computed by ais before the schedule option existed (commit 68913d7's partition.py,
    numpy's default_rng, OpenBLAS on x86-64): the default uniform path must not move. Equal to
    1e-12 relative, not bit for bit: numpy's SIMD reductions round differently on CPUs with and
    without AVX-512 (the error's last two digits, measured), while any change of the path moves
    the values by far more."""
    rng = np.random.default_rng(7)
    W, b, c = 0.5 * rng.normal(size=(5, 12)), 0.3 * rng.normal(size=5), 0.3 * rng.normal(size=12)
    a = 0.4 * rng.normal(size=12)
    assert ais(W, b, c, random_state=0) == pytest.approx((11.641151515128684, 0.0013162251171996951), rel=1e-12)
    assert ais(W, b, c, n_chains=16, n_betas=200, base_visible_bias=a, random_state=1) == pytest.approx(
        (11.617103580864764, 0.016121338893022405), rel=1e-12)


MODELS = {"easy": (0.6, False), "hard": (3.0, False), "hard-data-base": (3.0, True)}


@pytest.mark.parametrize("schedule", SCHEDULES)
@pytest.mark.parametrize("model", MODELS)
def test_ais_agrees_with_enumeration_within_4_se(model, schedule):
    scale, data_base = MODELS[model]
    W, b, c = random_rbm(20, 10, scale, seed=3)
    base = log_odds(model_samples(W, b, c, 2000, seed=2)) if data_base else None
    exact = exact_log_partition(W, b, c)
    estimate, se = ais(W, b, c, n_chains=200, n_betas=3000, schedule=schedule, base_visible_bias=base, random_state=0)
    assert 0 < se < 0.05 and abs(estimate - exact) < 4 * se, (estimate, se, exact)


def test_ais_is_unbiased_for_z_on_a_short_path():
    """E[mean(w) Z_0] = Z whatever the path: with 3 intermediate betas and 20,000 chains on a
    6 x 3 RBM, ln Z_hat is within 4 se of ln Z (the O(se^2) bias of the log is negligible)."""
    W, b, c = random_rbm(6, 3, 1.5, seed=1)
    for schedule in SCHEDULES:
        estimate, se = ais(W, b, c, n_chains=20_000, n_betas=4, schedule=schedule, random_state=5)
        assert abs(estimate - exact_log_partition(W, b, c)) < 4 * se and se < 0.05, (schedule, estimate, se)


@pytest.mark.parametrize("schedule", SCHEDULES)
def test_ais_standard_error_is_calibrated(schedule):
    """Over R = 50 seeds, z = (ln Z_hat - ln Z) / se has unit spread: the sample standard
    deviation of R normal z's has relative standard error 1/sqrt(2 (R - 1)) = 0.10, so
    |std(z) - 1| < 4 of those; likewise the spread of ln Z_hat over the reported rms se;
    and mean z is within 4 std(z)/sqrt(R) of 0 (AIS's bias in the log, ~se/2, is far below).
    A standard error 14 times too large (std z ~ 0.07) or 4 times too small (~4) fails."""
    R = 50
    W, b, c = random_rbm(20, 10, 0.6, seed=3)
    exact = exact_log_partition(W, b, c)
    runs = np.array([ais(W, b, c, n_chains=100, n_betas=200, schedule=schedule, random_state=1000 + r)
                     for r in range(R)])
    z = (runs[:, 0] - exact) / runs[:, 1]
    tolerance = 4 / np.sqrt(2 * (R - 1))
    spread_over_se = runs[:, 0].std(ddof=1) / np.sqrt(np.mean(runs[:, 1] ** 2))
    assert abs(z.std(ddof=1) - 1) < tolerance, z
    assert abs(spread_over_se - 1) < tolerance, spread_over_se
    assert abs(z.mean()) < 4 * z.std(ddof=1) / np.sqrt(R), z


def test_float32_products_match_float64_within_errors():
    W, b, c = random_rbm(20, 10, 1.0, seed=4)
    exact = exact_log_partition(W, b, c)
    for dtype in ("float64", "float32"):
        estimate, se = ais(W, b, c, n_chains=200, n_betas=1000, schedule="sigmoid", dtype=dtype, random_state=0)
        assert abs(estimate - exact) < 4 * se, (dtype, estimate, se, exact)
    V = model_samples(W, b, c, 50, seed=1)
    exact_ll = exact_mean_log_likelihood(W, b, c, V)
    for dtype in ("float64", "float32"):
        lower, se = raise_log_likelihood(W, b, c, V, n_betas=1000, schedule="sigmoid", dtype=dtype, random_state=0)
        assert abs(lower - exact_ll) < 4 * se, (dtype, lower, se, exact_ll)
    with pytest.raises(ValueError, match="dtype"):
        ais(W, b, c, dtype="float16")


# ---------------------------------------------------------------- RAISE
def test_raise_is_unbiased_for_the_annealing_model():
    """The core identity: E[p_hat(v)] = p_ann(v) = (p_0 T_1 ... T_K)(v), computed exactly from
    the Gibbs transition matrices of a 6 x 3 RBM on a 4-beta path. For every one of the 64
    visible states, ln mean p_hat over 4000 reverse chains is within 4 jackknife se of
    ln p_ann(v); and p_ann differs from p by far more than that (so the test tells them apart)."""
    W, b, c = random_rbm(6, 3, 1.5, seed=1)
    a = 0.3 * np.random.default_rng(9).normal(size=6)
    V, H = _binary_states(6, 0, 64), _binary_states(3, 0, 8)
    betas = annealing_schedule(4, "uniform")
    p_ann = np.exp(log_f(W, b, c, a, 0.0, V)) / np.exp(log_f(W, b, c, a, 0.0, V)).sum()  # p_0
    for beta in betas[1:]:
        T = gibbs_matrix(W, b, c, a, beta, V, H)
        p_beta = np.exp(log_f(W, b, c, a, beta, V))
        assert np.allclose(T.sum(axis=1), 1) and np.allclose(p_beta @ T, p_beta)  # the helper's check
        p_ann = p_ann @ T
    log_p = -free_energy(W, b, c, V) - exact_log_partition(W, b, c)
    L = _raise_log_weights(W, b, c, V, n_chains=4000, betas=betas, base_visible_bias=a,
                           rng=np.random.default_rng(0))
    log_mean = np.log(np.mean(np.exp(L), axis=1))
    se = np.std(np.exp(L), axis=1, ddof=1) / np.mean(np.exp(L), axis=1) / np.sqrt(L.shape[1])  # delta method
    assert np.isclose(p_ann.sum(), 1.0)
    assert np.all(np.abs(log_mean - np.log(p_ann)) < 4 * se), np.max(np.abs(log_mean - np.log(p_ann)) / se)
    assert np.max(np.abs(np.log(p_ann) - log_p) / se) > 20


def test_raise_lower_bound_and_its_closing_with_long_annealing():
    """On exact samples of a 20 x 10 RBM: a 10-beta RAISE falls below the exact mean
    log-likelihood by more than 4 se (a real lower bound, not noise; 7 to 12 se over seeds
    0-9); with 3000 betas it is within 4 se of exact."""
    W, b, c = random_rbm(20, 10, 2.0, seed=3)
    V = model_samples(W, b, c, 100, seed=1)
    exact = exact_mean_log_likelihood(W, b, c, V)
    short, short_se = raise_log_likelihood(W, b, c, V, n_betas=10, schedule="uniform", random_state=0)
    assert short < exact - 4 * short_se, (short, short_se, exact)
    long, long_se = raise_log_likelihood(W, b, c, V, n_betas=3000, schedule="sigmoid", random_state=0)
    assert abs(long - exact) < 4 * long_se and long_se < 0.02, (long, long_se, exact)


def test_raise_standard_error_is_calibrated():
    """Over R = 30 seeds of RAISE on the same 20 rows, the spread of the estimates matches the
    reported rms jackknife se within 4 / sqrt(2 (R - 1)) (its sampling error for normal draws)."""
    R = 30
    W, b, c = random_rbm(20, 10, 1.0, seed=3)
    V = model_samples(W, b, c, 20, seed=1)
    runs = np.array([raise_log_likelihood(W, b, c, V, n_chains=4, n_betas=100, schedule="uniform",
                                          random_state=2000 + r) for r in range(R)])
    spread_over_se = runs[:, 0].std(ddof=1) / np.sqrt(np.mean(runs[:, 1] ** 2))
    assert abs(spread_over_se - 1) < 4 / np.sqrt(2 * (R - 1)), spread_over_se


def test_sandwich_brackets_the_exact_likelihood_with_few_betas():
    """With 30 betas from a zero base the annealing is far too short, yet lower <= exact + 4
    lower_se and upper >= exact - 4 upper_se; lower is below exact by more than 4 lower_se
    (the gap is real) and upper - lower is positive."""
    W, b, c = random_rbm(20, 10, 3.0, seed=3)
    V = model_samples(W, b, c, 100, seed=1)
    exact = exact_mean_log_likelihood(W, b, c, V)
    (lower, lower_se), (upper, upper_se) = sandwich(W, b, c, V, n_betas=30, schedule="salakhutdinov",
                                                    random_state=0)
    result = (lower, lower_se, exact, upper, upper_se)
    assert lower + 4 * lower_se < exact < upper + 4 * upper_se and lower < upper, result
    # With a data base (from other samples) and 1000 betas, both are within 4 se of exact.
    base = log_odds(model_samples(W, b, c, 2000, seed=2))
    (lower, lower_se), (upper, upper_se) = sandwich(W, b, c, V, n_betas=1000, base_visible_bias=base, random_state=0)
    result = (lower, lower_se, exact, upper, upper_se)
    assert abs(lower - exact) < 4 * lower_se and abs(upper - exact) < 4 * upper_se, result
    # upper is exactly -<F(v)> - ln Z of a forward AIS run with the sandwich's generator.
    assert upper == pytest.approx(float(np.mean(-free_energy(W, b, c, V))) - ais(
        W, b, c, n_betas=1000, schedule="salakhutdinov", base_visible_bias=base,
        random_state=np.random.default_rng(0))[0], abs=1e-12)


# ---------------------------------------------------------------- a base with hidden units
def bimodal_rbm(seed=0, J=0.8):
    """24 x 8 RBM with all couplings near J and biases that make v -> 1 - v, h -> 1 - h a near
    symmetry: two modes (mostly on, mostly off), mean |magnetisation| about 0.9 at J = 0.8."""
    rng = np.random.default_rng(seed)
    W = J * np.ones((8, 24)) + 0.1 * rng.normal(size=(8, 24))
    return W, -0.5 * W.sum(axis=1), -0.5 * W.sum(axis=0)


def test_mixture_base_is_the_mixture_exactly():
    """exp(v.a) (1 + exp(U v + d)) / Z_0 equals the two-product mixture at every one of the
    2^10 states, and Z_0 (base hidden states enumerated) equals exact_log_partition of the
    base as an RBM, plus n_hidden ln 2 for the target's free hidden units."""
    rng = np.random.default_rng(3)
    weights, p = np.array([0.3, 0.7]), rng.uniform(0.05, 0.95, size=(2, 10))
    a, (U, d) = mixture_base(weights, p)
    V = _binary_states(10, 0, 1024)
    mixture = sum(w * np.prod(np.where(V == 1, q, 1 - q), axis=1) for w, q in zip(weights, p))
    base = _Base(a, (U, d), 10)
    log_base = V @ a + np.logaddexp(0, V @ U.T + d).sum(axis=1) - base.log_z(0)
    assert np.allclose(np.exp(log_base), mixture, rtol=1e-12, atol=0)
    assert base.log_z(3) == pytest.approx(exact_log_partition(U, d, a) + 3 * np.log(2), abs=1e-12)
    with pytest.raises(ValueError, match="weights must be 2 positive numbers"):
        mixture_base([1.0], p[:1])


def test_a_mixture_base_estimates_a_bimodal_model_better():
    """On the two-mode RBM, a two-product mixture fitted by EM to 4,000 exact samples as the
    base: AIS (100 betas) and RAISE (300 betas, on 50 other exact samples) are within 4 se of
    the exact values, and AIS's standard error is less than half the product base's (the data's
    log-odds) at the same cost."""
    from deeprg.baselines import fit_mixture

    W, b, c = bimodal_rbm()
    train = model_samples(W, b, c, 4000, seed=2)
    mixture = fit_mixture(2 * train - 1, 2, seed=0)
    a, hidden = mixture_base(mixture.weights, mixture.probabilities)
    exact = exact_log_partition(W, b, c)
    mixed, mixed_se = ais(W, b, c, n_chains=200, n_betas=100, base_visible_bias=a, base_hidden=hidden, random_state=0)
    product, product_se = ais(W, b, c, n_chains=200, n_betas=100, base_visible_bias=log_odds(train), random_state=0)
    assert abs(mixed - exact) < 4 * mixed_se and abs(product - exact) < 4 * product_se, (mixed, product, exact)
    assert mixed_se < product_se / 2, (mixed_se, product_se)
    V = model_samples(W, b, c, 50, seed=5)
    lower, lower_se = raise_log_likelihood(W, b, c, V, n_betas=300, base_visible_bias=a, base_hidden=hidden,
                                           random_state=0)
    exact_ll = exact_mean_log_likelihood(W, b, c, V)
    assert abs(lower - exact_ll) < 4 * lower_se, (lower, lower_se, exact_ll)


def test_raise_checks_its_inputs():
    W, b, c = random_rbm(6, 3, 1.0, seed=0)
    V = model_samples(W, b, c, 5, seed=0)
    with pytest.raises(ValueError, match="n_chains"):
        raise_log_likelihood(W, b, c, V, n_chains=1, n_betas=10)
    with pytest.raises(ValueError, match="binary"):
        raise_log_likelihood(W, b, c, V + 0.5, n_betas=10)
    with pytest.raises(ValueError, match="shape"):
        raise_log_likelihood(W, b, c, V[:, :5], n_betas=10)
    with pytest.raises(ValueError, match="schedule"):
        raise_log_likelihood(W, b, c, V, n_betas=10, schedule="linear")
