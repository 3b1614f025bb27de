"""Named, frozen configurations that produce or load cached results; chapters call these.

Each function takes the knobs that define a result, looks it up in the store (data/), and
computes and saves it only when it is missing."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from threadpoolctl import threadpool_limits

from . import ising
from .exact import T_C
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
# BLAS rounds differently with different numbers of threads, and training amplifies it: the
# committed networks were trained with 2, and any machine with the same CPU kind repeats them.
DBN_BLAS_THREADS = 2


@dataclass(frozen=True)
class TrainedDBN:
    dbn: "DBN"
    history: list  # per layer, the RBM's history_ (empty for scikit-learn's BernoulliRBM)
    info: dict
    name: str


def _dbn(implementation, rbm_params, seed):
    from sklearn.neural_network import BernoulliRBM

    from .dbn import DBN

    if implementation == "deeprg":  # monitored: the report shows each layer's training curves
        return DBN(PAPER_LAYERS, random_state=seed, monitor=True, **rbm_params)
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
    penalty = (params.get("penalty") or "none") if implementation == "deeprg" else "none"
    label = f"{implementation}-{'-'.join(map(str, PAPER_LAYERS))}-{penalty}-seed{seed}"

    def compute():
        dbn = _dbn(implementation, params, seed)
        start = time.perf_counter()
        with threadpool_limits(DBN_BLAS_THREADS):
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


# ----------------------------------------------------------------------------- sampler validation
VALIDATION_TEMPERATURES = (2.0, T_C, PAPER_T, 3.5)  # below, at and above T_c


def sampler_validation(L: int = PAPER_L, n_samples: int = 2000, seed: int = 0, store: Store | None = None,
                       progress: bool = True) -> "pandas.DataFrame":
    """Each algorithm at each VALIDATION_TEMPERATURES against the exact Kaufman results.

    One row per (algorithm, T): energy and specific heat per spin with jackknife errors,
    their exact values, and the measured autocorrelation times and spacing."""
    import pandas as pd
    from tqdm.auto import tqdm

    from . import exact

    store = store or Store()
    config = {"L": L, "n_samples": n_samples, "seed": seed, "temperatures": list(VALIDATION_TEMPERATURES),
              "algorithms": sorted(ising.ALGORITHMS)}

    def compute():
        rows, examples = [], {}
        jobs = [(a, T) for a in sorted(ising.ALGORITHMS) for T in VALIDATION_TEMPERATURES]
        for algorithm, T in tqdm(jobs, disable=not progress, desc="sampler validation"):
            run = ising.simulate(L, T, n_samples, algorithm=algorithm, seed=seed)
            th = ising.thermodynamics(run.configs, T)
            rows.append({
                "algorithm": algorithm, "T": T,
                "energy": th["energy"][0], "energy_error": th["energy"][1], "energy_exact": exact.energy_per_spin(L, T),
                "specific_heat": th["specific_heat"][0], "specific_heat_error": th["specific_heat"][1],
                "specific_heat_exact": exact.specific_heat_per_spin(L, T),
                "tau_energy": run.tau_energy.tau, "tau_abs_m": run.tau_abs_m.tau, "thin": run.thin,
                "burn_in": run.burn_in, "sample_tau_energy": run.sample_tau.tau,
            })
            if algorithm == "wolff":
                examples[f"T{T:.4f}"] = run.configs[:4]
        table = pd.DataFrame(rows)
        arrays = {col: table[col].to_numpy().astype(str if col == "algorithm" else float) for col in table.columns}
        return arrays | {f"example_{k}": v for k, v in examples.items()}, {}

    arrays, _ = store.cached("validation", config, compute, f"L{L}-n{n_samples}-seed{seed}")
    columns = {k: v for k, v in arrays.items() if not k.startswith("example_")}
    table = pd.DataFrame(columns)
    table.attrs["examples"] = {float(k[len("example_T"):]): v for k, v in arrays.items() if k.startswith("example_")}
    return table


def held_out_samples(T: float = PAPER_T, store: Store | None = None) -> IsingData:
    """2,000 samples at T (default: the paper's) from another seed: data no network was trained on."""
    return ising_samples(T=T, n_samples=2000, seed=1, store=store, progress=False)


# ----------------------------------------------------------------------------- the trace condition
TRACE_RBM = {"learning_rate": 0.05, "momentum": 0.5, "cd_k": 10, "penalty": None, "n_iter": 100,
             "batch_size": 100, "dtype": "float64"}


def trace_condition(L: int = 3, T: float = PAPER_T, hidden=(1, 2, 4, 8, 16), seeds=(0, 1, 2),
                    n_samples: int = 5000, store: Store | None = None, progress: bool = True):
    """How far trained RBMs are from the exactness condition (8) with the paper's choice (18).

    With T(v, h) = -E(v, h) + H(v) and H(v) = -ln p_data(v), ln Tr_h exp T(v, h) = ln p_RBM(v)
    - ln p_data(v) + ln Z_RBM. Condition (8) asks this to vanish for every v, which (up to the
    constant) means p_RBM = p_data. For RBMs with each number of hidden units, trained on
    n_samples exact Boltzmann samples of the L x L torus, the table gives the exact
    KL(p_data || p_RBM) and the p_data-weighted standard deviation and the range of
    ln(p_RBM / p_data) over all 2^(L^2) configurations."""
    import pandas as pd
    from tqdm.auto import tqdm

    from . import mapping
    from .rbm import RBM

    store = store or Store()
    config = {"L": L, "T": T, "hidden": list(hidden), "seeds": list(seeds), "n_samples": n_samples,
              "rbm": TRACE_RBM}

    def compute():
        V, H, p = mapping.torus(L, T)
        rows = []
        for n_hidden in tqdm(hidden, disable=not progress, desc="trace condition"):
            for seed in seeds:
                rng = np.random.default_rng(seed)
                data = V[rng.choice(len(V), size=n_samples, p=p)].astype(np.float64)
                rbm = RBM(n_hidden, random_state=seed, **TRACE_RBM).fit(data)
                params = rbm.components_, rbm.intercept_hidden_, rbm.intercept_visible_
                rows.append({"hidden": n_hidden, "seed": seed} | mapping.distance_from_exactness(p, H, V, *params))
        table = pd.DataFrame(rows)
        return {c: table[c].to_numpy(float) for c in table.columns}, {}

    arrays, _ = store.cached("trace", config, compute, f"L{L}-T{T:.4f}")
    return pd.DataFrame(arrays)


def trace_condition_exact(L: int = 3, T: float = PAPER_T, hidden=(1, 2, 3, 4, 6, 8, 12, 16, 18), seeds=(0, 1, 2),
                          store: Store | None = None, progress: bool = True):
    """trace_condition without sampling or contrastive divergence: each RBM minimises the exact
    KL(p_data || p_RBM) by L-BFGS with the exact gradient (mapping.fit_by_enumeration). Adds
    hidden_kl, KL(aggregate posterior || the RBM's hidden marginal) (mapping.hidden_kl; for at
    most 12 hidden units, NaN above), and one row (seed -1) for the hand-built RBM with one
    hidden unit per bond (mapping.bond_rbm), whose KL is zero."""
    import pandas as pd
    from tqdm.auto import tqdm

    from . import mapping

    store = store or Store()
    config = {"L": L, "T": T, "hidden": list(hidden), "seeds": list(seeds), "fit": "L-BFGS, exact gradient"}

    def compute():
        V, H, p = mapping.torus(L, T)
        fits = [(n_hidden, seed, mapping.fit_by_enumeration(p, V, n_hidden, seed)[:3])
                for n_hidden in tqdm(hidden, disable=not progress, desc="exact fits") for seed in seeds]
        bond = mapping.bond_rbm(L, T)
        fits.append((len(bond[1]), -1, bond))
        rows = [{"hidden": n_hidden, "seed": seed} | mapping.distance_from_exactness(p, H, V, *params)
                | {"hidden_kl": mapping.hidden_kl(p, V, *params) if n_hidden <= 12 else np.nan}
                for n_hidden, seed, params in fits]
        table = pd.DataFrame(rows)
        return {c: table[c].to_numpy(float) for c in table.columns}, {}

    arrays, _ = store.cached("trace-exact", config, compute, f"L{L}-T{T:.4f}")
    return pd.DataFrame(arrays)


# ----------------------------------------------------------------------------- the RBM flow
FLOW_L = 16
FLOW_TEMPERATURES = tuple(1.0 + 0.25 * i for i in range(13))  # 1.0 .. 4.0
FLOW_HIDDEN = (16, 64, 256)  # N/16, N/4 and N hidden units for N = 256 visible spins
FLOW_RBM = PAPER_RBM | {"n_iter": 100}
FLOW_N_TRAIN, FLOW_N_START = 1000, 200  # samples per temperature: training, and flowed (another seed)
FLOW_STEPS = (0, 1, 2, 3, 5, 7, 10, 15, 20, 30, 50, 70, 100, 150, 200, 300, 500, 700, 1000)  # recorded


def _ensemble_temperature(configs, L):
    """(mean energy per spin, its standard error, T, error of T) of independent configurations:
    T is where the exact L x L energy equals the mean; its error is SE / c(T) (c = du/dT)."""
    from . import analysis, exact

    u, se = analysis.mean_and_error(ising.energy(configs))
    T = exact.temperature_from_energy(L, u, clip=True)
    return u, se, T, se / exact.specific_heat_per_spin(L, T)


def rbm_flow(L: int = FLOW_L, temperatures=FLOW_TEMPERATURES, hidden=FLOW_HIDDEN, n_train: int = FLOW_N_TRAIN,
             n_start: int = FLOW_N_START, steps=FLOW_STEPS, seed: int = 0, store: Store | None = None,
             progress: bool = True) -> "pandas.DataFrame":
    """The RBM flow (Iso, Shiba & Yokoo 2018) beside the majority-rule RG flow of the same data.

    RBMs with each number of hidden units are trained (FLOW_RBM) on n_train samples of the
    L x L torus at each temperature together; n_start held-out samples per temperature
    (another seed) are then flowed, sampled and mean-field (rg.rbm_flow). The majority rule
    with b = 2 is applied to the same held-out samples until 4 x 4. One row per (method,
    hidden, T0, step): the mean energy per spin and the temperature whose exact energy on the
    current lattice equals it (clipped to [0.5, 50]), each with its standard error.

    Runs on one BLAS thread: the flow amplifies rounding differences, and BLAS rounds
    differently with different numbers of threads."""
    import pandas as pd

    store = store or Store()
    config = {"L": L, "temperatures": [float(t) for t in temperatures], "hidden": list(hidden), "n_train": n_train,
              "n_start": n_start, "steps": list(steps), "seed": seed, "rbm": FLOW_RBM}

    def compute():
        with threadpool_limits(1):
            table = _flow_table(L, temperatures, hidden, n_train, n_start, steps, seed, progress)
        return {c: table[c].to_numpy(str if c == "method" else float) for c in table.columns}, {}

    arrays, _ = store.cached("flow", config, compute, f"L{L}-seed{seed}")
    return pd.DataFrame(arrays)


def _flow_table(L, temperatures, hidden, n_train, n_start, steps, seed, progress):
    import pandas as pd
    from tqdm.auto import tqdm

    from . import rg
    from .rbm import RBM, spins_to_visible

    train = np.concatenate([ising.sample(L, T, n_train, seed=seed) for T in temperatures])
    start = np.concatenate([ising.sample(L, T, n_start, seed=seed + 1) for T in temperatures])
    T0 = np.repeat(np.asarray(temperatures, float), n_start)
    rows = []

    def record(method, n_hidden, step, configs):
        for t in temperatures:
            u, se, T, T_se = _ensemble_temperature(configs[T0 == t], configs.shape[-1])
            rows.append({"method": method, "hidden": n_hidden, "T0": t, "step": step, "L": configs.shape[-1],
                         "energy": u, "energy_error": se, "T": T, "T_error": T_se})

    blocked, step = start, 0
    record("majority rule", 0, step, blocked)
    while blocked.shape[-1] > 4:
        blocked, step = rg.block_spins(blocked, 2, seed=seed), step + 1
        record("majority rule", 0, step, blocked)
    rbms = {}
    for n_hidden, mean_field in tqdm([(n, mf) for n in hidden for mf in (False, True)], disable=not progress,
                                     desc="RBM flow"):
        if n_hidden not in rbms:
            rbms[n_hidden] = RBM(n_hidden, random_state=seed, **FLOW_RBM).fit(spins_to_visible(train))
        flow = rg.rbm_flow(rbms[n_hidden], spins_to_visible(start), max(steps), (L, L), mean_field, seed)
        for step, configs in enumerate(flow):
            if step in steps:
                record("rbm mean-field" if mean_field else "rbm sampled", n_hidden, step, configs)
    return pd.DataFrame(rows)
