"""A Bernoulli RBM with L1/L2 penalties (scikit-learn estimator) and its partition function."""

import numpy as np

from .estimator import RBM, TrainingDivergedError
from .partition import ais, exact_log_partition


def spins_to_visible(configs, dtype=np.float32) -> np.ndarray:
    """Ising configurations (n, L, L) of +-1 as RBM inputs (n, L*L) in {0, 1}: v = (s + 1) / 2."""
    s = np.asarray(configs)
    return ((s.reshape(len(s), -1) + 1) // 2).astype(dtype)


__all__ = ["RBM", "TrainingDivergedError", "ais", "exact_log_partition", "spins_to_visible"]
