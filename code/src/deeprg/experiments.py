"""Named, frozen configurations that produce or load cached results; chapters call these.

Each function takes the knobs that define a result, looks it up in the store (data/), and
computes and saves it only when it is missing."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import ising
from .store import Store

PAPER_L = 40
PAPER_T = 2.451  # K = J/T = 0.408 (the paper's coupling)
PAPER_N_SAMPLES = 20_000


@dataclass(frozen=True)
class IsingData:
    configs: np.ndarray
    info: dict
    name: str


def ising_samples(L: int = PAPER_L, T: float = PAPER_T, n_samples: int = PAPER_N_SAMPLES, *,
                  algorithm: str = "wolff", seed: int = 0, store: Store | None = None,
                  progress: bool = True) -> IsingData:
    """Equilibrium samples of the L x L torus at T (default: the paper's data set)."""
    store = store or Store()
    config = {"L": L, "T": float(T), "n_samples": n_samples, "algorithm": algorithm, "seed": seed}
    label = f"L{L}-T{T:.4f}-n{n_samples}-{algorithm}-seed{seed}"

    def compute():
        run = ising.simulate(L, T, n_samples, algorithm=algorithm, seed=seed, progress=progress)
        return {"configs": run.configs}, run.info

    arrays, sidecar = store.cached("ising", config, compute, label)
    return IsingData(arrays["configs"], sidecar["info"], sidecar["name"])
