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


# ----------------------------------------------------------------------------- deep belief networks
PAPER_LAYERS = (400, 100, 25)
PAPER_RBM = {  # Hinton & Salakhutdinov's rbm.m, with the paper's L1 penalty and 200 epochs
    "learning_rate": 0.1, "batch_size": 100, "n_iter": 200, "penalty": "l1", "alpha": 2e-4,
    "momentum": "hinton", "cd_k": 1, "persistent": False, "init_scale": 0.1,
}
SKLEARN_CHANGES = {}  # BernoulliRBM used off the shelf: only n_components and random_state are set


@dataclass(frozen=True)
class TrainedDBN:
    dbn: "DBN"
    history: list  # per layer, the RBM's history_ (empty for scikit-learn's BernoulliRBM)
    info: dict
    name: str


def _dbn(implementation, rbm_params, seed):
    from sklearn.neural_network import BernoulliRBM

    from .dbn import DBN

    if implementation == "deeprg":
        return DBN(PAPER_LAYERS, random_state=seed, **rbm_params)
    if implementation == "sklearn":
        return DBN(PAPER_LAYERS, rbm=BernoulliRBM, random_state=seed, **rbm_params)
    raise ValueError(f"implementation must be 'deeprg' or 'sklearn', got {implementation!r}")


def trained_dbn(implementation: str = "deeprg", *, seed: int = 0, data: IsingData | None = None,
                store: Store | None = None, progress: bool = True, **rbm_params) -> TrainedDBN:
    """A 1600-400-100-25 DBN trained on the paper's data set (or `data`), cached in the store.

    implementation "deeprg" uses PAPER_RBM updated by rbm_params; "sklearn" uses
    BernoulliRBM with its defaults updated by rbm_params."""
    import time

    from .rbm import spins_to_visible

    store = store or Store()
    data = data or ising_samples(progress=progress)
    params = (PAPER_RBM | rbm_params) if implementation == "deeprg" else (SKLEARN_CHANGES | rbm_params)
    config = {"data": data.name, "layers": list(PAPER_LAYERS), "implementation": implementation,
              "rbm_params": params, "seed": seed}
    penalty = params.get("penalty", "none") if implementation == "deeprg" else "none"
    label = f"{implementation}-{'-'.join(map(str, PAPER_LAYERS))}-{penalty}-seed{seed}"
    dbn = _dbn(implementation, params, seed)

    def compute():
        start = time.perf_counter()
        dbn.fit(spins_to_visible(data.configs), progress=progress)
        history = [getattr(rbm, "history_", []) for rbm in dbn.rbms]
        return dbn.to_arrays(), {"history": history, "train_seconds": time.perf_counter() - start}

    arrays, sidecar = store.cached("dbn", config, compute, label)
    dbn = _dbn(implementation, params, seed).load_arrays(arrays)
    return TrainedDBN(dbn, sidecar["info"]["history"], sidecar["info"], sidecar["name"])


def paper_dbn(seed: int = 0, **kwargs) -> TrainedDBN:
    """The paper's network: deeprg's RBM with rbm.m's settings, L1 2e-4, 200 epochs per layer."""
    return trained_dbn("deeprg", seed=seed, **kwargs)


def sklearn_dbn(seed: int = 0, **kwargs) -> TrainedDBN:
    """scikit-learn's BernoulliRBM stacked the same way, used off the shelf."""
    return trained_dbn("sklearn", seed=seed, **kwargs)


def penalty_dbns(seed: int = 0, **kwargs) -> dict:
    """The paper's network with penalty L1 (the paper), L2 (rbm.m's default) and none."""
    return {name: trained_dbn("deeprg", seed=seed, penalty=penalty, **kwargs)
            for name, penalty in (("L1", "l1"), ("L2", "l2"), ("none", None))}
