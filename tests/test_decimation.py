"""The hand-built RBM of the 1D example: its joint is the ring, its marginal the decimated ring."""

import itertools

import numpy as np
import pytest

from deeprg import decimation


def test_joint_distribution_is_the_ring_of_2n_spins():
    n, K = 3, 0.7
    rbm = decimation.ring_rbm(n, K)
    W, b, c = rbm.components_, rbm.intercept_hidden_, rbm.intercept_visible_
    log_w_rbm, log_w_ring = [], []
    for bits in itertools.product((0, 1), repeat=2 * n):
        h, v = np.array(bits[:n]), np.array(bits[n:])
        log_w_rbm.append(v @ c + h @ b + h @ W @ v)
        ring = np.empty(2 * n)
        ring[0::2], ring[1::2] = 2 * h - 1, 2 * v - 1  # ..., h_j, v_j, h_{j+1}, ...
        log_w_ring.append(K * (ring * np.roll(ring, -1)).sum())
    np.testing.assert_allclose(np.array(log_w_rbm) + 2 * n * K, log_w_ring, atol=1e-12)


@pytest.mark.parametrize("n", [2, 3, 8])
@pytest.mark.parametrize("K", [0.1, 0.5, 1.0, 2.0])
def test_marginal_is_the_decimated_ring(n, K):
    fit = decimation.marginal_coupling(decimation.ring_rbm(n, K))
    assert fit["coupling"] == pytest.approx(decimation.decimated_coupling(K), abs=1e-10)
    assert np.tanh(fit["coupling"]) == pytest.approx(np.tanh(K) ** 2, abs=1e-10)
    assert fit["residual"] < 1e-9
    assert fit["log_z"] + 2 * n * K == pytest.approx(decimation.ring_log_partition(2 * n, K), abs=1e-10)


def test_ring_log_partition_by_enumeration():
    N, K = 6, 0.4
    spins = np.array(list(itertools.product((-1, 1), repeat=N)))
    exact = np.log(np.exp(K * (spins * np.roll(spins, -1, axis=1)).sum(axis=1)).sum())
    assert decimation.ring_log_partition(N, K) == pytest.approx(exact, abs=1e-12)


def test_decimation_table_flows_to_zero_coupling_and_keeps_the_free_energy():
    table = decimation.decimation_table(1.0, n=16)
    assert list(table["spins"]) == [32, 16, 8, 4]
    assert (np.diff(table["K"]) < 0).all()  # no fixed point at finite K in 1D
    np.testing.assert_allclose(table["tanh_fit"], table["tanh2_K"], atol=1e-10)
    assert np.abs(table["free_energy_gap"]).max() < 1e-9 and np.abs(table["log_z_error"]).max() < 1e-9


@pytest.mark.parametrize("n, K, match", [(1, 0.5, "n must"), (4, -0.5, "K must"), (4, np.nan, "K must"),
                                         (4, np.inf, "K must")])
def test_bad_ring(n, K, match):
    with pytest.raises(ValueError, match=match):
        decimation.ring_rbm(n, K)


def test_both_marginals_are_the_same_decimated_ring():
    """The hand-built RBM maps n spins to n spins: its hidden marginal is the visible one."""
    table = decimation.decimation_table(0.7, n=8)
    assert np.allclose(table["K_hidden"], table["K_fit"], atol=1e-10)
    assert np.allclose(table["K_fit"], [decimation.decimated_coupling(K) for K in table["K"]], atol=1e-10)
