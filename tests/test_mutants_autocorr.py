"""deeprg.ising.autocorr: cases that kill mutants the other tests let survive (mutation/run.py,
code/MUTATION.md). The oracles are plain loops over the definitions in the docstrings."""

import numpy as np
import pytest

from deeprg.ising.autocorr import AutocorrelationTime, autocorrelation, blocks, integrated_time, jackknife


def direct_autocorrelation(x):
    """rho(t) = sum_{i < n - t} y_i y_{i+t} / sum_i y_i^2, y = x - mean(x): no wrap-around."""
    y = np.asarray(x, float) - np.mean(x)
    return np.array([np.dot(y[: len(y) - t], y[t:]) for t in range(len(y))]) / np.dot(y, y)


def sokal(x, c=5.0):
    """(tau, error, W) by the docstrings: the smallest W with W >= c tau(W), tau(W) = 1/2 + sum_{t=1}^W rho(t)
    (else W = n - 1), tau at least 1/2, error sqrt((4W + 2) / n) tau."""
    rho = direct_autocorrelation(x)
    n = len(x)
    W = next((w for w in range(n) if w >= c * (0.5 + rho[1: w + 1].sum())), n - 1)
    tau = max(0.5 + rho[1: W + 1].sum(), 0.5)
    return tau, tau * np.sqrt((4 * W + 2) / n), W


def ar1(phi, n, seed):
    rng = np.random.default_rng(seed)
    x = np.empty(n)
    x[0] = rng.standard_normal() / np.sqrt(1 - phi**2)
    for t in range(1, n):
        x[t] = phi * x[t - 1] + rng.standard_normal()
    return x


def test_autocorrelation_is_the_linear_not_the_circular_one():
    x = np.random.default_rng(0).standard_normal(37)
    np.testing.assert_allclose(autocorrelation(x), direct_autocorrelation(x), rtol=0, atol=1e-12)


def test_autocorrelation_is_computed_in_float64_whatever_the_input():
    x = np.random.default_rng(1).standard_normal(64).astype(np.float32)
    np.testing.assert_array_equal(autocorrelation(x), autocorrelation(x.astype(np.float64)))
    np.testing.assert_array_equal(autocorrelation(np.ones(5)), [1.0, 0.0, 0.0, 0.0, 0.0])  # constant series


@pytest.mark.parametrize("x", [
    ar1(0.5, 500, seed=2),  # a window well inside the series
    ar1(0.9, 300, seed=3),
    np.resize([1.0, -1.0, 0.5], 40),  # anticorrelated: tau floored at 1/2
    np.arange(6.0),  # no W satisfies the rule: W = n - 1
    np.arange(4.0),  # the shortest series accepted
], ids=["ar1-0.5", "ar1-0.9", "anticorrelated", "ramp", "n=4"])
def test_integrated_time_follows_sokals_rule(x):
    tau, error, W = sokal(x)
    result = integrated_time(x)
    assert (result.window, result.n) == (W, len(x))
    assert result.tau == pytest.approx(tau, rel=1e-9, abs=1e-12)
    assert result.error == pytest.approx(error, rel=1e-9, abs=1e-12)


def test_integrated_time_with_another_c():
    x = ar1(0.8, 400, seed=4)
    tau, error, W = sokal(x, c=3.0)
    result = integrated_time(x, c=3.0)
    assert result.window == W and result.tau == pytest.approx(tau, rel=1e-9)


def test_integrated_time_of_an_ar1_series_is_near_the_exact_value():
    """tau_int = (1 + phi) / (2 (1 - phi)) = 1.5 at phi = 0.5, within 4 of Sokal's error bars."""
    result = integrated_time(ar1(0.5, 20_000, seed=5))
    assert abs(result.tau - 1.5) < 4 * result.error


def test_integrated_time_refuses_short_or_non_1d_series():
    with pytest.raises(ValueError, match="length >= 4"):
        integrated_time(np.arange(3.0))
    with pytest.raises(ValueError, match=r"shape \(2, 4\)"):
        integrated_time(np.zeros((2, 4)))


def test_converged_means_at_least_100_tau():
    assert AutocorrelationTime(tau=1.5, error=0.1, window=8, n=150).converged
    assert not AutocorrelationTime(tau=1.5, error=0.1, window=8, n=149).converged


def test_blocks_drop_the_tail_and_keep_trailing_axes():
    np.testing.assert_array_equal(blocks(np.arange(10), 3), [[0, 1, 2], [3, 4, 5], [6, 7, 8]])
    assert blocks(np.zeros((10, 2)), 5).shape == (5, 2, 2)
    assert blocks(np.arange(4), 4).shape == (4, 1)
    assert blocks(np.arange(40)).shape == (20, 2)  # 20 blocks by default
    with pytest.raises(ValueError, match="n_blocks=4 samples, got 3"):
        blocks(np.arange(3), 4)


def test_jackknife_uses_20_blocks_by_default():
    x = np.random.default_rng(6).standard_normal(400)
    mean = lambda a: a.mean(axis=0)  # noqa: E731
    assert jackknife(mean, x)[1] == jackknife(mean, x, n_blocks=20)[1] != jackknife(mean, x, n_blocks=10)[1]
