"""The RBM against exact enumeration on tiny models, its penalties, and its input checks."""

import numpy as np
import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from deeprg.rbm import RBM, TrainingDivergedError, ais, exact_log_partition, spins_to_visible
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


def test_log_partition_exact_both_ways_and_normalises():
    rbm = tiny_rbm()
    V, p = exact_visible_distribution(rbm)
    assert p.sum() == pytest.approx(1.0, rel=1e-12)
    W, b, c = rbm.components_, rbm.intercept_hidden_, rbm.intercept_visible_
    assert exact_log_partition(W, b, c) == pytest.approx(exact_log_partition(W.T, c, b), rel=1e-12)


def test_analytic_gradient_matches_finite_differences_of_exact_likelihood():
    rbm = tiny_rbm()
    data = _binary_states(6, 0, 64)[np.random.default_rng(1).integers(0, 64, 40)]
    grad = exact_gradient(rbm, data)
    h = 1e-6
    for i, j in [(0, 0), (1, 3), (3, 5)]:
        plus, minus = tiny_rbm(), tiny_rbm()
        plus.components_[i, j] += h
        minus.components_[i, j] -= h
        numeric = (plus.log_likelihood(data) - minus.log_likelihood(data)) / (2 * h)
        assert grad[i, j] == pytest.approx(numeric, abs=1e-6)


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
    a = RBM(20, n_iter=3, random_state=1, dtype="float32").fit(small_ising)
    b = RBM(20, n_iter=3, random_state=1, dtype="float64").fit(small_ising)
    assert a.components_.dtype == np.float32 and b.components_.dtype == np.float64
    np.testing.assert_allclose(a.components_, b.components_, atol=2e-3)


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
