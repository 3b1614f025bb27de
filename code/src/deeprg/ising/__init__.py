"""The 2D Ising model on an L x L torus: samplers, observables, autocorrelation times."""

from .autocorr import AutocorrelationTime, integrated_time, jackknife
from .observables import correlation_function, energy, magnetisation, thermodynamics
from .sampler import ALGORITHMS, MonteCarloRun, sample, simulate

__all__ = [
    "ALGORITHMS", "AutocorrelationTime", "MonteCarloRun", "correlation_function", "energy",
    "integrated_time", "jackknife", "magnetisation", "sample", "simulate", "thermodynamics",
]
