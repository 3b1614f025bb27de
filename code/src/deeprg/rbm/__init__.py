"""A Bernoulli RBM with L1/L2 penalties (scikit-learn estimator) and its partition function."""

import numpy as np

from .estimator import RBM, TrainingDivergedError
from .partition import (ais, annealing_schedule, data_log_odds, exact_log_partition, free_energy, raise_log_likelihood,
                        sandwich)


def spins_to_visible(configs, dtype=np.float32) -> np.ndarray:
    """Ising configurations (n, L, L) of +-1 as RBM inputs (n, L*L) in {0, 1}: v = (s + 1) / 2."""
    s = np.asarray(configs)
    return ((s.reshape(len(s), -1) + 1) // 2).astype(dtype)


def set_parameters(rbm, W, b, c):
    """Make `rbm` (ours or scikit-learn's BernoulliRBM) the fitted RBM with weights W
    (n_hidden, n_visible), hidden biases b and visible biases c; returns it."""
    W = np.asarray(W)
    if np.shape(b) != W.shape[:1] or np.shape(c) != W.shape[1:]:
        raise ValueError(f"b and c must have shapes {W.shape[:1]} and {W.shape[1:]} for W of shape {W.shape}, "
                         f"got {np.shape(b)} and {np.shape(c)}")
    rbm.components_, rbm.intercept_hidden_, rbm.intercept_visible_ = W, np.asarray(b), np.asarray(c)
    rbm.n_features_in_ = W.shape[1]
    rbm._n_features_out = W.shape[0]
    return rbm


__all__ = ["RBM", "TrainingDivergedError", "ais", "annealing_schedule", "data_log_odds", "exact_log_partition", "free_energy",
           "raise_log_likelihood", "sandwich", "set_parameters", "spins_to_visible"]
