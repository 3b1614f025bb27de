"""Integrated autocorrelation time with Sokal's automatic window, and blocking error bars."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class AutocorrelationTime:
    """tau_int = 1/2 + sum_{t=1}^{W} rho(t), in the series' own time units (1/2 = uncorrelated).

    window is Sokal's W, the smallest W >= c tau_int(W); error is Sokal's estimate
    sqrt((4W + 2) / n) tau_int; converged says the series is longer than 100 tau_int."""

    tau: float
    error: float
    window: int
    n: int

    @property
    def converged(self) -> bool:
        return self.n >= 100 * self.tau


def autocorrelation(x: np.ndarray) -> np.ndarray:
    """Normalised autocorrelation rho(t), t = 0 .. n-1, of a 1D series by FFT."""
    x = np.asarray(x, dtype=float)
    n = x.size
    y = x - x.mean()
    f = np.fft.rfft(y, n=2 * n)
    acf = np.fft.irfft(f * np.conj(f))[:n]
    return acf / acf[0] if acf[0] > 0 else np.r_[1.0, np.zeros(n - 1)]


def integrated_time(x: np.ndarray, c: float = 5.0) -> AutocorrelationTime:
    """Sokal's estimator of the integrated autocorrelation time of the series x."""
    x = np.asarray(x, dtype=float)
    if x.ndim != 1 or x.size < 4:
        raise ValueError(f"x must be a 1D series of length >= 4, got shape {x.shape}")
    rho = autocorrelation(x)
    taus = np.cumsum(rho) - 0.5  # tau(W) = 1/2 + sum_{t=1}^{W} rho(t)
    ok = np.arange(x.size) >= c * taus
    W = int(np.argmax(ok)) if ok.any() else x.size - 1
    tau = max(float(taus[W]), 0.5)
    return AutocorrelationTime(tau, tau * np.sqrt((4 * W + 2) / x.size), W, x.size)


def blocks(x: np.ndarray, n_blocks: int = 20) -> np.ndarray:
    """Split the leading axis of x into n_blocks equal contiguous blocks (the tail is dropped)."""
    x = np.asarray(x)
    n = x.shape[0] // n_blocks
    if n < 1:
        raise ValueError(f"need at least n_blocks={n_blocks} samples, got {x.shape[0]}")
    return x[: n * n_blocks].reshape(n_blocks, n, *x.shape[1:])


def jackknife(statistic, *series, n_blocks: int = 20) -> tuple[np.ndarray, np.ndarray]:
    """Value and blocked-jackknife error of statistic(*series) along the leading axis.

    The series are cut into n_blocks contiguous blocks (longer than the autocorrelation time
    when n_blocks is small enough); each block is left out in turn."""
    full = np.asarray(statistic(*series))
    parts = [blocks(s, n_blocks) for s in series]
    idx = np.arange(n_blocks)
    loo = np.array(
        [statistic(*(p[idx != k].reshape(-1, *p.shape[2:]) for p in parts)) for k in range(n_blocks)]
    )
    err = np.sqrt((n_blocks - 1) / n_blocks * ((loo - loo.mean(axis=0)) ** 2).sum(axis=0))
    return full, err
