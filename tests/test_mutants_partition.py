"""deeprg.rbm.partition: cases that kill mutants the other tests let survive (mutation/run.py,
code/MUTATION.md). Exact identities only: defaults and the plumbing of arguments."""

import numpy as np
import pytest

from deeprg.rbm import ais, annealing_schedule, raise_log_likelihood
from deeprg.rbm.partition import _log_mean_exp_jackknife, _raise_log_weights


def small_rbm(seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(3, 5)), 0.5 * rng.normal(size=3), 0.5 * rng.normal(size=5)


def test_the_default_schedule_is_uniform():
    np.testing.assert_array_equal(annealing_schedule(5), np.linspace(0, 1, 5))


def test_raise_runs_four_chains_per_row_by_default():
    W, b, c = small_rbm()
    V = (np.random.default_rng(1).random((3, 5)) < 0.5).astype(float)
    assert (raise_log_likelihood(W, b, c, V, n_betas=20, random_state=0)
            == raise_log_likelihood(W, b, c, V, n_chains=4, n_betas=20, random_state=0))


def test_raise_does_its_products_in_the_dtype_asked_for():
    """The result is the row mean of ln mean exp over the chains of _raise_log_weights run in float32."""
    W, b, c = small_rbm()
    V = (np.random.default_rng(2).random((3, 5)) < 0.5).astype(float)
    betas = annealing_schedule(30, "salakhutdinov")
    L = _raise_log_weights(W, b, c, V, n_chains=4, betas=betas, base_visible_bias=None,
                           rng=np.random.default_rng(0), dtype="float32")
    estimate, variance = _log_mean_exp_jackknife(L)
    assert raise_log_likelihood(W, b, c, V, n_betas=30, random_state=0, dtype="float32") == (
        float(estimate.mean()), float(np.sqrt(variance.sum()) / len(estimate)))


def test_a_shape_error_names_the_expected_and_given_shapes():
    W, b, c = small_rbm()
    with pytest.raises(ValueError, match=r"of shapes \(3,\), \(5,\); got \(3, 5\), \(4,\), \(5,\)"):
        ais(W, np.zeros(4), c, n_chains=2, n_betas=3)
    with pytest.raises(ValueError, match=r"base_visible_bias must have shape \(5,\) .* got \(4,\), \(0, 5\) and \(0,\)"):
        ais(W, b, c, base_visible_bias=np.zeros(4), n_chains=2, n_betas=3)
    with pytest.raises(ValueError, match=r"\(m, 5\) and \(m,\); got \(5,\), \(1, 5\) and \(2,\)"):
        ais(W, b, c, base_hidden=(np.zeros((1, 5)), np.zeros(2)), n_chains=2, n_betas=3)
