"""The mapping checked by enumeration: three choices of T, exact fits, the bond RBM."""

import numpy as np
import pytest

from deeprg import mapping

T = 2.451


@pytest.fixture(scope="module")
def torus():
    return mapping.torus(3, T)


def test_majority_rule_satisfies_the_trace_condition_for_every_configuration():
    assert np.abs(mapping.majority_log_trace(4, 2)).max() == 0.0


def test_posterior_choice_satisfies_it_for_any_rbm_and_the_papers_choice_does_not(torus):
    V, H, p = torus
    rng = np.random.default_rng(0)
    W, b, c = rng.normal(size=(3, 9)), rng.normal(size=3), rng.normal(size=9)  # untrained
    assert np.abs(mapping.posterior_log_trace(V, W, b)).max() < 1e-12
    assert np.ptp(mapping.paper_log_trace(H, V, W, b, c)) > 1.0


def test_bond_rbm_reproduces_the_ising_torus_exactly(torus):
    V, H, p = torus
    W, b, c = mapping.bond_rbm(3, T)
    assert W.shape == (18, 9)
    distance = mapping.distance_from_exactness(p, H, V, W, b, c)
    assert distance["kl"] < 1e-12 and distance["range"] < 1e-10  # ln Tr_h e^T is a constant
    assert mapping.hidden_kl(p, V, W[:12], b[:12], c) > 0  # a partial bond RBM is no longer exact


def test_exact_gradient_matches_finite_differences(torus):
    V, H, p = torus
    rng = np.random.default_rng(1)
    theta = 0.3 * rng.normal(size=2 * 9 + 2 + 9)
    kl, grad = mapping._kl_and_gradient(theta, p, V, 2)
    for k in rng.choice(len(theta), 6, replace=False):
        step = np.zeros_like(theta)
        step[k] = 1e-6
        numeric = (mapping._kl_and_gradient(theta + step, p, V, 2)[0] - mapping._kl_and_gradient(theta - step, p, V, 2)[0]) / 2e-6
        assert grad[k] == pytest.approx(numeric, rel=1e-5, abs=1e-9)


def test_exact_fit_lowers_kl_with_hidden_units(torus):
    V, H, p = torus
    kl1 = mapping.fit_by_enumeration(p, V, 1, seed=0)[3]
    kl2 = mapping.fit_by_enumeration(p, V, 2, seed=0)[3]
    assert 0 < kl2 < kl1


def test_hidden_kl_vanishes_when_the_fit_is_perfect(torus):
    """Aggregate posterior = the RBM's hidden marginal when p_RBM(v) = p_data(v)."""
    V, H, p = torus
    W, b, c = mapping.bond_rbm(3, T)
    p_rbm = np.exp(-mapping.free_energy(V, W[:4], b[:4], c))
    p_rbm /= p_rbm.sum()
    assert mapping.hidden_kl(p_rbm, V, W[:4], b[:4], c) < 1e-12
    assert mapping.hidden_kl(p, V, W[:4], b[:4], c) > 1e-3


def test_bad_hidden_size_is_named():
    with pytest.raises(ValueError, match="n_hidden"):
        mapping.fit_by_enumeration(np.ones(4) / 4, np.zeros((4, 2)), 0)
