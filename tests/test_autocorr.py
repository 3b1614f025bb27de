"""The blocked jackknife: exact for the mean, and calibrated on correlated series of known statistics."""

import numpy as np
import pytest
from scipy.signal import lfilter

from deeprg.ising.autocorr import blocks, jackknife

N_BLOCKS = 20


def ar1(phi, n, repeats, seed):
    """`repeats` independent stationary AR(1) series x_t = phi x_{t-1} + e_t, e_t ~ N(0, 1), as
    the columns of an (n, repeats) array: variance 1 / (1 - phi^2), correlation phi^|t|."""
    rng = np.random.default_rng(seed)
    noise = rng.standard_normal((n, repeats))
    noise[0] /= np.sqrt(1 - phi**2)  # x_0 from the stationary distribution
    return lfilter([1.0], [1.0, -phi], noise, axis=0)


def ar1_variance_of_the_mean(phi, n):
    """Var(mean of n consecutive values) = (1/n^2) sum_{s,t} gamma(s - t), gamma(t) = phi^|t| / (1 - phi^2)."""
    lags = np.arange(1, n)
    return (n + 2 * ((n - lags) * phi**lags).sum()) / (n * n * (1 - phi**2))


def test_jackknife_error_of_the_mean_is_the_standard_error_of_the_block_means():
    """For the mean the blocked jackknife is exact algebra: the leave-one-out means differ
    from their average by -(block mean - mean of block means) / (k - 1), so the error is
    std(block means, ddof=1) / sqrt(k). Both sides are a few float64 sums: rtol 1e-12."""
    x = np.random.default_rng(0).normal(3.0, 2.0, size=1000)
    value, err = jackknife(lambda a: a.mean(axis=0), x, n_blocks=N_BLOCKS)
    block_means = blocks(x, N_BLOCKS).mean(axis=1)
    assert value == pytest.approx(x.mean(), rel=1e-12)
    assert err == pytest.approx(block_means.std(ddof=1) / np.sqrt(N_BLOCKS), rel=1e-12)
    # and i.i.d. data of known spread: the error estimates 2 / sqrt(1000), itself with a relative
    # error of 1 / sqrt(2 (k - 1)) (a chi distribution with k - 1 degrees of freedom): 4 of those
    assert abs(err / (2.0 / np.sqrt(len(x))) - 1) < 4 / np.sqrt(2 * (N_BLOCKS - 1))


def test_jackknife_errors_match_the_spread_over_independent_repeats():
    """2000 independent AR(1) series (phi = 0.5, tau_int = 1.5, n = 4000, so blocks of 200
    are 130 tau_int long and nearly independent), for three statistics: the mean (true
    value 0), the variance (E = 1/(1 - phi^2) - Var(mean), exactly) and the lag-1
    autocorrelation sum x_t x_{t+1} / sum x_t^2, a ratio (-> phi; its O(1/n) bias is under a
    tenth of its error bar). If the jackknife error is right, z = (estimate - truth) / error
    is Student-t with k - 1 = 19 degrees of freedom (exactly so for the mean of independent
    Gaussian blocks), so <z^2> = 19/17. The check: |<z^2> - 19/17| < 4 standard errors of
    <z^2>, measured from the z's themselves (std(z^2) / sqrt(2000), about 4%). An error bar
    off by a factor f moves <z^2> by 1/f^2: 20% too large is 6 standard errors away. Then
    the mean squared error bar against the variance of the estimates over the repeats."""
    phi, n, repeats = 0.5, 4000, 2000
    x = ar1(phi, n, repeats, seed=1)
    variance = 1 / (1 - phi**2)
    cases = {
        "mean": (lambda a: a.mean(axis=0), (x,), 0.0),
        "variance": (lambda a: a.var(axis=0), (x,), variance - ar1_variance_of_the_mean(phi, n)),
        "lag-1 ratio": (lambda a, b: (a * b).sum(axis=0) / (a * a).sum(axis=0), (x[:-1], x[1:]), phi),
    }
    expected = (N_BLOCKS - 1) / (N_BLOCKS - 3)
    for name, (statistic, series, truth) in cases.items():
        value, err = jackknife(statistic, *series, n_blocks=N_BLOCKS)
        assert value.shape == err.shape == (repeats,)
        z2 = ((value - truth) / err) ** 2
        standard_error = z2.std(ddof=1) / np.sqrt(repeats)
        assert abs(z2.mean() - expected) < 4 * standard_error, (name, z2.mean(), expected, standard_error)
        # the mean squared error bar against the observed variance of the estimates: their ratio
        # is 1 within the two relative standard errors, each measured from the repeats
        squares = (value - value.mean()) ** 2
        ratio = (err**2).mean() / squares.mean()
        relative_error = np.hypot((err**2).std(ddof=1) / (err**2).mean(), squares.std(ddof=1) / squares.mean())
        assert abs(ratio - 1) < 4 * relative_error / np.sqrt(repeats), (name, ratio, relative_error / np.sqrt(repeats))
