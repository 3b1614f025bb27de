"""deeprg.information: cases that kill mutants the other tests let survive (mutation/run.py, code/MUTATION.md)."""

from types import SimpleNamespace

import numpy as np
import pytest

from deeprg import information as inf
from deeprg import ising


@pytest.fixture(scope="module")
def ising_8():
    return ising.sample(8, 2.451, 600, seed=4)


def test_the_standard_error_is_that_of_the_mean_of_the_terms():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(500, 2))
    y = np.where(x[:, 0] + 0.5 * rng.normal(size=500) > 0, 1, -1)
    est = inf.mutual_information(y, x)
    assert est.error == pytest.approx(est.terms.std(ddof=1) / np.sqrt(len(y)), rel=1e-12)


def test_one_variable_has_no_spread_between_variables(ising_8):
    blocks = np.array([[0, 0]])
    one = inf.filter_information(ising_8, np.ones(4), 2, 1, blocks, keep_terms=True)
    c = inf.compare_estimates(one, one)
    assert c.n == 1 and np.isnan(c.spread_error)


def test_rsmi_filter_uses_the_estimator_default_regularisation(ising_8):
    args = (ising_8, 2, 1, np.array([[0, 0]]))
    candidates = [[1, 1, 1, 1], [1, 0, 0, 0]]
    _, _, default = inf.rsmi_filter(*args, candidates=candidates)
    _, _, explicit = inf.rsmi_filter(*args, candidates=candidates, C=1.0)
    assert [e.bits for e in default] == [e.bits for e in explicit]


@pytest.mark.parametrize("call, message", [
    (lambda: inf.box_majority_information(np.ones((2, 6, 6), np.int8), 0, 0), "b must be an integer >= 1, got 0"),
    (lambda: inf.unit_information(np.ones((2, 4, 4), np.int8),
                                  SimpleNamespace(components_=np.ones((1, 16)), intercept_hidden_=np.zeros(1)), 2, -1),
     "buffer must be an integer >= 0, got -1"),
])
def test_bad_sizes_are_named(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_unit_information_passes_its_folds_and_its_corners_to_every_estimate(ising_8):
    """Each of the three estimates of a unit is cross-validated with the n_folds asked for, and
    carries the unit's block corners."""
    W = np.zeros((1, 64))
    W[0, inf.block_sites((8, 8), 2, (0, 0))] = 10.0
    rbm = SimpleNamespace(components_=W, intercept_hidden_=np.array([-20.0]))
    two, three = (inf.unit_information(ising_8, rbm, 2, 1, n_folds=k) for k in (2, 3))
    for name in ("sampled", "local", "block_filter"):
        assert getattr(two, name).corners.tolist() == two.corners.tolist() == [[0, 0]]
        assert getattr(two, name).bits[0] != getattr(three, name).bits[0]
