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
from ._validate import check_size
from .thermometer import THERMOMETER

PAPER_L = 40
PAPER_T = 2.451  # K = J/T = 0.408 (the paper's coupling)
PAPER_N_SAMPLES = 20_000


@dataclass(frozen=True)
class IsingData:
    configs: np.ndarray
    info: dict
    name: str


def _ising_config(L, T, n_samples, algorithm, seed):
    """(store config, readable label) of a data set of ising_samples."""
    config = {"L": L, "T": float(T), "n_samples": n_samples, "algorithm": algorithm, "seed": seed}
    return config, f"L{L}-T{T:.4f}-n{n_samples}-{algorithm}-seed{seed}"


def ising_samples_name(L: int = PAPER_L, T: float = PAPER_T, n_samples: int = PAPER_N_SAMPLES, *,
                       algorithm: str = "wolff", seed: int = 0) -> str:
    """The store name of ising_samples(...) without sampling or loading it: what the results
    trained on it are keyed by."""
    from .store import artifact_name

    return artifact_name("ising", *_ising_config(L, T, n_samples, algorithm, seed))


def ising_samples(L: int = PAPER_L, T: float = PAPER_T, n_samples: int = PAPER_N_SAMPLES, *,
                  algorithm: str = "wolff", seed: int = 0, store: Store | None = None,
                  progress: bool = True) -> IsingData:
    """Equilibrium samples of the L x L torus at T (default: the paper's data set)."""
    store = store or Store()
    config, label = _ising_config(L, T, n_samples, algorithm, seed)

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
    history: list  # per layer, the RBM's history_ (empty for BernoulliRBM or when not monitored)
    info: dict
    name: str


def _dbn(implementation, rbm_params, seed, monitor=False, layers=PAPER_LAYERS):
    from sklearn.neural_network import BernoulliRBM

    from .dbn import DBN

    if implementation == "deeprg":
        return DBN(layers, random_state=seed, monitor=monitor, **rbm_params)
    if implementation == "sklearn":
        return DBN(layers, rbm=BernoulliRBM, random_state=seed, **rbm_params)
    raise ValueError(f"implementation must be 'deeprg' or 'sklearn', got {implementation!r}")


def _dbn_config(implementation, seed, data, rbm_params, layers=PAPER_LAYERS):
    """(RBM parameters, store config, readable label) of a DBN trained on `data`."""
    params = (PAPER_RBM | rbm_params) if implementation == "deeprg" else (SKLEARN_CHANGES | rbm_params)
    config = {"data": data.name, "layers": list(layers), "implementation": implementation,
              "rbm_params": params, "seed": seed}
    penalty = (params.get("penalty") or "none") if implementation == "deeprg" else "none"
    label = f"{implementation}-{'-'.join(map(str, layers))}-{penalty}-seed{seed}"
    label += f"-a{params['alpha']:g}" if implementation == "deeprg" and params["alpha"] != PAPER_RBM["alpha"] else ""
    label += "-pcd" if params.get("persistent") else ""
    label += f"-lr{params['learning_rate']:g}-e{params['n_iter']}" if implementation == "sklearn" and params else ""
    return params, config, label


def trained_dbn(implementation: str = "deeprg", *, seed: int = 0, data: IsingData | None = None,
                store: Store | None = None, progress: bool = True, monitor: bool | None = None,
                layers=PAPER_LAYERS, **rbm_params) -> TrainedDBN:
    """A 1600-400-100-25 DBN (hidden layers `layers`) trained on the paper's data set (or
    `data`), cached in the store.

    implementation "deeprg" uses PAPER_RBM updated by rbm_params; "sklearn" uses
    BernoulliRBM with its defaults updated by rbm_params. monitor records each layer's
    training curves (history; by default for seed 0, whose curves the report shows); it does
    not change the weights, so it is not part of the cache key."""
    import time

    from .rbm import spins_to_visible

    store = store or Store()
    data = data or ising_samples(store=store, progress=progress)
    params, config, label = _dbn_config(implementation, seed, data, rbm_params, layers)

    def compute():
        dbn = _dbn(implementation, params, seed, seed == 0 if monitor is None else monitor, layers)
        start = time.perf_counter()
        with threadpool_limits(DBN_BLAS_THREADS):
            dbn.fit(spins_to_visible(data.configs), progress=progress)
        history = [getattr(rbm, "history_", []) for rbm in dbn.rbms]
        return dbn.to_arrays(), {"history": history, "train_seconds": time.perf_counter() - start}

    arrays, sidecar = store.cached("dbn", config, compute, label)
    dbn = _dbn(implementation, params, seed, layers=layers).load_arrays(arrays)
    return TrainedDBN(dbn, sidecar["info"]["history"], sidecar["info"], sidecar["name"])


def paper_dbn(seed: int = 0, **kwargs) -> TrainedDBN:
    """The paper's network: deeprg's RBM with rbm.m's settings, L1 2e-4, 200 epochs per layer."""
    return trained_dbn("deeprg", seed=seed, **kwargs)


def sklearn_dbn(seed: int = 0, **kwargs) -> TrainedDBN:
    """scikit-learn's BernoulliRBM stacked the same way, used off the shelf."""
    return trained_dbn("sklearn", seed=seed, **kwargs)


DBN_PENALTIES = (("L1", "l1"), ("L2", "l2"), ("none", None))  # at the paper's alpha
DBN_SEEDS = (0, 1, 2)


def penalty_dbns(seed: int = 0, **kwargs) -> dict:
    """The paper's network with penalty L1 (the paper), L2 (rbm.m's default) and none."""
    return {name: trained_dbn("deeprg", seed=seed, penalty=penalty, **kwargs) for name, penalty in DBN_PENALTIES}


def penalty_dbns_by_seed(seeds=DBN_SEEDS, **kwargs) -> dict:
    """penalty_dbns for each training seed: {(name, seed): TrainedDBN}."""
    return {(name, seed): dbn for seed in seeds for name, dbn in penalty_dbns(seed, **kwargs).items()}


DBN_CONTROL = ("l2", 1e-5)  # a penalty too weak to matter: what the networks differ by when nothing does


def control_dbns(seeds=DBN_SEEDS, **kwargs) -> dict:
    """The paper's network with the negligible penalty DBN_CONTROL, for each seed: {seed: TrainedDBN}."""
    penalty, alpha = DBN_CONTROL
    return {seed: trained_dbn("deeprg", seed=seed, penalty=penalty, alpha=alpha, **kwargs) for seed in seeds}


# scikit-learn's BernoulliRBM at the paper's budget: rbm.m's epochs and batch size, its learning
# rate chosen by held-out pseudo-likelihood after SKLEARN_SCAN_EPOCHS epochs of the first layer
SKLEARN_BUDGET = {"n_iter": PAPER_RBM["n_iter"], "batch_size": PAPER_RBM["batch_size"]}
SKLEARN_RATES = (0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0)
SKLEARN_SCAN_EPOCHS = 10


def sklearn_learning_rates(rates=SKLEARN_RATES, n_iter: int = SKLEARN_SCAN_EPOCHS, seed: int = 0,
                           store: Store | None = None, progress: bool = True, data: IsingData | None = None,
                           n_hidden: int = PAPER_LAYERS[0]) -> "pandas.DataFrame":
    """The first layer (1600 -> 400, or n_hidden) as BernoulliRBM with batches of
    SKLEARN_BUDGET's size, trained n_iter epochs at each learning rate on the paper's data set
    (or `data`): one row per rate with the pseudo-likelihood (rbm.score_samples, N ln sigmoid of
    one random site's flip; mean and standard error) of the held-out samples of the same lattice."""
    import pandas as pd
    from sklearn.neural_network import BernoulliRBM
    from tqdm.auto import tqdm

    from . import analysis
    from .rbm import spins_to_visible

    store = store or Store()
    data = data or ising_samples(progress=progress)
    config = {"data": data.name, "rates": list(rates), "n_iter": n_iter, "seed": seed,
              "batch_size": SKLEARN_BUDGET["batch_size"], "n_hidden": n_hidden}

    def compute():
        X = spins_to_visible(data.configs)
        held = spins_to_visible(held_out_samples(L=data.configs.shape[-1]).configs)
        rows = []
        for rate in tqdm(rates, disable=not progress, desc="BernoulliRBM learning rates"):
            rbm = BernoulliRBM(n_hidden, learning_rate=rate, batch_size=SKLEARN_BUDGET["batch_size"],
                               n_iter=n_iter, random_state=seed)
            with threadpool_limits(DBN_BLAS_THREADS):
                rbm.fit(X)
            pl, pl_se = analysis.mean_and_error(rbm.score_samples(held))
            rows.append({"learning_rate": rate, "pseudo_likelihood": pl, "pseudo_likelihood_error": pl_se})
        table = pd.DataFrame(rows)
        return {c: table[c].to_numpy(float) for c in table.columns}, {}

    arrays, _ = store.cached("sklearn-rates", config, compute, f"e{n_iter}-seed{seed}")
    return pd.DataFrame(arrays)


def sklearn_matched_dbn(seed: int = 0, **kwargs) -> TrainedDBN:
    """BernoulliRBM stacked as sklearn_dbn, at the paper's budget (SKLEARN_BUDGET) and the
    learning rate with the best held-out pseudo-likelihood in sklearn_learning_rates (on the
    same data and first-layer size); kwargs go to trained_dbn and override both."""
    rates = sklearn_learning_rates(progress=kwargs.get("progress", True), store=kwargs.get("store"),
                                   data=kwargs.get("data"), n_hidden=kwargs.get("layers", PAPER_LAYERS)[0])
    rate = float(rates.loc[rates["pseudo_likelihood"].idxmax(), "learning_rate"])
    return trained_dbn("sklearn", seed=seed, **({"learning_rate": rate} | SKLEARN_BUDGET | kwargs))


def persistent_dbn(seed: int = 0, **kwargs) -> TrainedDBN:
    """The paper's network trained with persistent contrastive divergence (Tieleman 2008)."""
    return trained_dbn("deeprg", seed=seed, persistent=True, **kwargs)


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


HELD_OUT_N, HELD_OUT_SEED = 2000, 1


def held_out_samples(T: float = PAPER_T, store: Store | None = None, L: int = PAPER_L) -> IsingData:
    """2,000 samples of the L x L torus at T (default: the paper's) from another seed: data no
    network was trained on."""
    return ising_samples(L=L, T=T, n_samples=HELD_OUT_N, seed=HELD_OUT_SEED, store=store, progress=False)


def held_out_samples_name(T: float = PAPER_T, L: int = PAPER_L) -> str:
    """The store name of held_out_samples(T, L=L), without sampling or loading it."""
    return ising_samples_name(L=L, T=T, n_samples=HELD_OUT_N, seed=HELD_OUT_SEED)


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


EXACT_FIT_STARTS = 24  # random starts per size of the exact fits
EXACT_FIT_SCALES = (0.1, 0.3, 1.0)  # their initial weight scales, in turn
EXACT_ZERO = 1e-6  # nats: a fit this close to KL = 0 has reached the global optimum (KL >= 0) as far as L-BFGS resolves it


def exact_fit_start(start: int) -> float:
    """The initial weight scale of random start `start` (seed = start): EXACT_FIT_SCALES in turn."""
    return EXACT_FIT_SCALES[start % len(EXACT_FIT_SCALES)]


def trace_condition_exact(L: int = 3, T: float = PAPER_T, hidden=(1, 2, 3, 4, 6, 8, 12, 16, 18),
                          starts: int = EXACT_FIT_STARTS, store: Store | None = None, progress: bool = True):
    """trace_condition without sampling or contrastive divergence: each RBM minimises the exact
    KL(p_data || p_RBM) by L-BFGS with the exact gradient (mapping.fit_by_enumeration), from
    `starts` random starts per size (column seed = the start; weights init_scale * N(0, 1), the
    scale from exact_fit_start). The KL has several basins (on the 3 x 3 torus at 2 hidden units
    most starts end at 0.105 nats, a few at 0.089), hence many starts; a size stops after three
    once one of them is within EXACT_ZERO of KL = 0, the global optimum. Adds hidden_kl,
    KL(aggregate posterior || the RBM's hidden marginal) (mapping.hidden_kl; for at most 12 hidden
    units, NaN above), and one row (seed -1) for the hand-built RBM with one hidden unit per bond
    (mapping.bond_rbm), whose KL is zero."""
    import pandas as pd
    from tqdm.auto import tqdm

    from . import mapping

    starts = check_size(starts, "starts", minimum=1)
    store = store or Store()
    config = {"L": L, "T": T, "hidden": list(hidden), "starts": starts, "init_scales": list(EXACT_FIT_SCALES),
              "fit": "L-BFGS, exact gradient"}

    def compute():
        V, H, p = mapping.torus(L, T)
        fits = []
        for n_hidden in tqdm(hidden, disable=not progress, desc="exact fits"):
            kls = []
            for start in range(starts):
                if start >= 3 and min(kls) < EXACT_ZERO:
                    break
                W, b, c, kl = mapping.fit_by_enumeration(p, V, n_hidden, start, init_scale=exact_fit_start(start))
                kls.append(kl)
                fits.append((n_hidden, start, exact_fit_start(start), (W, b, c)))
        bond = mapping.bond_rbm(L, T)
        fits.append((len(bond[1]), -1, np.nan, bond))
        rows = [{"hidden": n_hidden, "seed": seed, "init_scale": scale} | mapping.distance_from_exactness(p, H, V, *params)
                | {"hidden_kl": mapping.hidden_kl(p, V, *params) if n_hidden <= 12 else np.nan}
                for n_hidden, seed, scale, params in fits]
        table = pd.DataFrame(rows)
        return {c: table[c].to_numpy(float) for c in table.columns}, {}

    arrays, _ = store.cached("trace-exact", config, compute, f"L{L}-T{T:.4f}")
    return pd.DataFrame(arrays)


def best_of_starts(fits, tolerance: float = 1e-5):
    """Per number of hidden units (index), of trace_condition_exact's random starts (seed >= 0):
    how many there were, the best and worst KL (nats), how many ended within `tolerance` nats of
    the best (more than one: the best basin is found repeatedly, not by luck), the range of
    ln Tr_h e^T at the best, and the largest hidden_kl."""
    import pandas as pd

    fits = fits[fits["seed"] >= 0]
    rows = {}
    for n_hidden, group in fits.groupby("hidden"):
        at_best = group.loc[group["kl"].idxmin()]
        rows[int(n_hidden)] = {"starts": len(group), "best": group["kl"].min(), "worst": group["kl"].max(),
                               "at_best": int((group["kl"] <= group["kl"].min() + tolerance).sum()),
                               "range_at_best": at_best["range"], "hidden_kl_worst": group["hidden_kl"].max(skipna=False)}
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("hidden")


# ----------------------------------------------------------------------------- the RBM flow
FLOW_L = 16
FLOW_TEMPERATURES = tuple(1.0 + 0.25 * i for i in range(13))  # 1.0 .. 4.0
FLOW_HIDDEN = (16, 64, 256)  # N/16, N/4 and N hidden units for N = 256 visible spins
FLOW_RBM = PAPER_RBM | {"n_iter": 100}
FLOW_N_TRAIN, FLOW_N_START = 1000, 200  # samples per temperature: training, and flowed (another seed)
FLOW_STEPS = (0, 1, 2, 3, 5, 7, 10, 15, 20, 30, 50, 70, 100, 150, 200, 300, 500, 700, 1000)  # recorded


# Iso, Shiba & Yokoo's setting, as Veiga & Vicente (2020) reproduce it: a 10 x 10 torus, 2,000
# configurations at each T = 0.25, 0.5, ..., 6, no weight penalty, and a neural-network thermometer
ISO_L = 10
ISO_TEMPERATURES = tuple(0.25 * i for i in range(1, 25))
ISO_HIDDEN = (16, 64, 100)  # fewer than, and as many as, the 100 visible spins
ISO_N_TRAIN = 2000
ISO_RBM = FLOW_RBM | {"penalty": None, "alpha": 0.0}


def iso_flow(seed: int = 0, **options) -> "pandas.DataFrame":
    """rbm_flow in Iso, Shiba & Yokoo's setting (ISO_*), read by the energy and by a
    neural-network thermometer."""
    return rbm_flow(ISO_L, ISO_TEMPERATURES, ISO_HIDDEN, ISO_N_TRAIN, seed=seed, rbm_params=ISO_RBM,
                    thermometer=True, **options)


def _ensemble_temperature(configs, L):
    """(mean energy per spin, its standard error, T, error of T) of independent configurations:
    T is where the exact L x L energy equals the mean; its error is SE / c(T) (c = du/dT)."""
    from . import analysis, exact

    u, se = analysis.mean_and_error(ising.energy(configs))
    T = exact.temperature_from_energy(L, u, clip=True)
    return u, se, T, se / exact.specific_heat_per_spin(L, T)


def rbm_flow(L: int = FLOW_L, temperatures=FLOW_TEMPERATURES, hidden=FLOW_HIDDEN, n_train: int = FLOW_N_TRAIN,
             n_start: int = FLOW_N_START, steps=FLOW_STEPS, seed: int = 0, rbm_params=FLOW_RBM,
             thermometer: bool = False, store: Store | None = None, progress: bool = True) -> "pandas.DataFrame":
    """The RBM flow (Iso, Shiba & Yokoo 2018) beside the majority-rule RG flow of the same data.

    RBMs with each number of hidden units are trained (FLOW_RBM) on n_train samples of the
    L x L torus at each temperature together; n_start held-out samples per temperature
    (another seed) are then flowed, sampled and mean-field (rg.rbm_flow). The majority rule
    with b = 2 is applied to the same held-out samples until 4 x 4 (or an odd size). One row per (method,
    hidden, T0, step): the mean energy per spin and the temperature whose exact energy on the
    current lattice equals it (clipped to [0.5, 50]), each with its standard error. With
    thermometer, also T_thermometer (and its standard error): the reading of a neural-network
    thermometer (thermometer.Thermometer, trained on n_train other samples per temperature of
    the L x L torus; NaN on the smaller lattices of the majority rule).

    Runs on one BLAS thread: the flow amplifies rounding differences, and BLAS rounds
    differently with different numbers of threads."""
    import pandas as pd

    store = store or Store()
    config = {"L": L, "temperatures": [float(t) for t in temperatures], "hidden": list(hidden), "n_train": n_train,
              "n_start": n_start, "steps": list(steps), "seed": seed, "rbm": rbm_params}
    if thermometer:
        config["thermometer"] = THERMOMETER | {"n_per_T": n_train, "seed": seed + 2}

    def compute():
        with threadpool_limits(1):
            table = _flow_table(L, temperatures, hidden, n_train, n_start, steps, seed, rbm_params, thermometer,
                                progress)
        return {c: table[c].to_numpy(str if c == "method" else float) for c in table.columns}, {}

    arrays, _ = store.cached("flow", config, compute, f"L{L}-seed{seed}")
    return pd.DataFrame(arrays)


def _flow_table(L, temperatures, hidden, n_train, n_start, steps, seed, rbm_params, thermometer, progress):
    import pandas as pd
    from tqdm.auto import tqdm

    from . import analysis, rg
    from .rbm import RBM, spins_to_visible
    from .thermometer import Thermometer

    reader = Thermometer(L, temperatures, n_train, seed + 2) if thermometer else None

    train = np.concatenate([ising.sample(L, T, n_train, seed=seed) for T in temperatures])
    start = np.concatenate([ising.sample(L, T, n_start, seed=seed + 1) for T in temperatures])
    T0 = np.repeat(np.asarray(temperatures, float), n_start)
    rows = []

    def record(method, n_hidden, step, configs):
        for t in temperatures:
            u, se, T, T_se = _ensemble_temperature(configs[T0 == t], configs.shape[-1])
            rows.append({"method": method, "hidden": n_hidden, "T0": t, "step": step, "L": configs.shape[-1],
                         "energy": u, "energy_error": se, "T": T, "T_error": T_se})
            if reader is not None:
                readable = configs.shape[-1] == L
                T_nn, T_nn_se = analysis.mean_and_error(reader.temperature(configs[T0 == t])) if readable else (np.nan,) * 2
                rows[-1] |= {"T_thermometer": T_nn, "T_thermometer_error": T_nn_se}

    blocked, step = start, 0
    record("majority rule", 0, step, blocked)
    while blocked.shape[-1] > 4 and blocked.shape[-1] % 2 == 0:
        blocked, step = rg.block_spins(blocked, 2, seed=seed), step + 1
        record("majority rule", 0, step, blocked)
    rbms = {}
    for n_hidden, mean_field in tqdm([(n, mf) for n in hidden for mf in (False, True)], disable=not progress,
                                     desc="RBM flow"):
        if n_hidden not in rbms:
            rbms[n_hidden] = RBM(n_hidden, random_state=seed, **rbm_params).fit(spins_to_visible(train))
        flow = rg.rbm_flow(rbms[n_hidden], spins_to_visible(start), max(steps), (L, L), mean_field, seed)
        for step, configs in enumerate(flow):
            if step in steps:
                record("rbm mean-field" if mean_field else "rbm sampled", n_hidden, step, configs)
    return pd.DataFrame(rows)


# ----------------------------------------------------------------------------- probes of trained networks
def _table_arrays(table, prefix):
    """A table of numbers and (mean, error) pairs as store arrays: pairs split into key and key_error."""
    arrays = {f"{prefix}/index": table.index.to_numpy()}
    for column in table.columns:
        values = list(table[column])
        if isinstance(values[0], tuple):
            arrays[f"{prefix}/{column}"] = np.array([v[0] for v in values], float)
            arrays[f"{prefix}/{column}_error"] = np.array([v[1] for v in values], float)
        else:
            arrays[f"{prefix}/{column}"] = np.array(values)
    return arrays


def _arrays_table(arrays, prefix, index_name):
    """The inverse of _table_arrays."""
    import pandas as pd

    columns = {key[len(prefix) + 1:]: value for key, value in arrays.items()
               if key.startswith(prefix + "/") and key != f"{prefix}/index"}
    table = {name: (list(zip(value, columns[name + "_error"])) if name + "_error" in columns else value)
             for name, value in columns.items() if not (name.endswith("_error") and name[:-6] in columns)}
    return pd.DataFrame(table, index=pd.Index(arrays[f"{prefix}/index"], name=index_name))


def network_tables(implementation: str = "deeprg", *, seed: int = 0, store: Store | None = None,
                   data: IsingData | None = None, layers=PAPER_LAYERS, **rbm_params) -> dict:
    """Per-layer tables of the DBN trained_dbn(implementation, seed, data, layers, **rbm_params)
    on the held-out samples (of data's lattice), cached in the store apart from its weights
    (which are trained, or loaded, only when the tables are missing): {"summary":
    analysis.network_summary, "fields": probes.field_definitions, "blocks":
    probes.block_match_with_nulls (nulls drawn with the training seed; principal components of
    the training set, by default the paper's)}."""
    from . import analysis, probes
    from .store import artifact_name

    store = store or Store()
    data = data or ising_samples(store=store, progress=False)
    held = held_out_samples(store=store, L=data.configs.shape[-1])
    _, dbn_config, dbn_label = _dbn_config(implementation, seed, data, rbm_params, layers)
    config = {"dbn": artifact_name("dbn", dbn_config, dbn_label), "held_out": held.name, "train": data.name,
              "silent_std": probes.SILENT_STD}

    def compute():
        dbn = trained_dbn(implementation, seed=seed, data=data, store=store, progress=False, layers=layers,
                          **rbm_params).dbn
        with threadpool_limits(1):
            tables = {"summary": analysis.network_summary(dbn, held.configs, held.configs.shape[1:]),
                      "fields": probes.field_definitions(dbn, held.configs),
                      "blocks": probes.block_match_with_nulls(dbn, held.configs, data.configs, seed)}
        return {k: v for kind, table in tables.items() for k, v in _table_arrays(table, kind).items()}, {}

    arrays, _ = store.cached("tables", config, compute, dbn_label)
    return {kind: _arrays_table(arrays, kind, "layer") for kind in ("summary", "fields", "blocks")}


def control_name() -> str:
    """The label of the negligible-penalty control networks in penalty_tables."""
    from .fmt import penalty

    return f"control ({penalty(*DBN_CONTROL)})"


def penalty_table_settings(with_control: bool = False) -> dict:
    """{name: RBM parameters} of the networks of penalty_tables (each trained with every seed)."""
    settings = {name: {"penalty": penalty} for name, penalty in DBN_PENALTIES}
    if with_control:
        settings[control_name()] = dict(zip(("penalty", "alpha"), DBN_CONTROL))
    return settings


def penalty_tables(seeds=DBN_SEEDS, with_control: bool = False, store: Store | None = None, **options) -> dict:
    """Per-layer tables of the penalty networks (DBN_PENALTIES; with_control, also
    control_dbns under control_name()), each combined over the training seeds by
    analysis.between_networks (mean over networks, error between them):
    network_tables' tables (options go to it: data, layers, RBM parameters), each a dict
    {name: table}."""
    from . import analysis

    settings = penalty_table_settings(with_control)
    per_seed = {(name, seed): network_tables("deeprg", seed=seed, store=store, **params, **options)
                for name, params in settings.items() for seed in seeds}
    return {kind: {name: analysis.between_networks([per_seed[(name, s)][kind] for s in seeds]) for name in settings}
            for kind in ("summary", "blocks", "fields")}


# ----------------------------------------------------------------------------- MCRG of the trained networks
MAJORITY = "majority rule"
MCRG_EXACT = {"t": 1.0, "h": 15 / 8}  # y_t = 1/nu and y_h = d - beta/nu of the 2D Ising model
MCRG_N_SIGMA = 3  # consistent: |y - exact| <= MCRG_N_SIGMA errors + majority rule's truncation allowance


def mcrg_networks(seed: int = 0, **kwargs) -> dict:
    """The networks network_mcrg measures, {name: TrainedDBN}: penalty_dbns(seed) (L1, L2,
    none) and scikit-learn's DBNs off the shelf ("sklearn") and at the paper's budget
    ("sklearn matched")."""
    return penalty_dbns(seed, **kwargs) | {"sklearn": sklearn_dbn(seed, **kwargs),
                                           "sklearn matched": sklearn_matched_dbn(seed, **kwargs)}


def mcrg_data(store: Store | None = None) -> dict:
    """{T: IsingData}: the 20,000 samples at T_c (exponents) and at PAPER_T (flow direction)."""
    return {T: ising_samples(T=T, store=store, progress=False) for T in (T_C, PAPER_T)}


def _stack_sides(networks, L):
    """Sides M_1, M_2, ... of the block lattices of the layers, for the leading layers whose
    lattice is at least 3 x 3 (nothing smaller holds an operator); the same for every network."""
    sides = {tuple(int(round(np.sqrt(rbm.components_.shape[0]))) for rbm in tr.dbn.rbms)
             for tr in networks.values()}
    if len(sides) != 1:
        raise ValueError(f"networks must share one stack shape, got layer sides {sorted(sides)}")
    (all_sides,) = sides
    kept = []
    for M in all_sides:
        if M < 3 or L % M:
            break
        kept.append(M)
    if not kept:
        raise ValueError(f"networks have no layer with a lattice of at least 3 x 3 dividing L = {L}: {all_sides}")
    return kept


def _network_kernels(networks, sides, L, seed):
    """{name: (kernel factory, placements)}: majority rule blocking to the same sides, and each
    network's first len(sides) layers as mcrg.stacked_kernels on mcrg.layer_placements."""
    from . import mcrg

    steps = [a // c for a, c in zip([L] + sides[:-1], sides)]
    kernels = {MAJORITY: (lambda: [mcrg.majority_kernel(b, seed=seed + i) for i, b in enumerate(steps)], None)}
    for name, tr in networks.items():
        rbms = tr.dbn.rbms[:len(sides)]
        weights, biases = [r.components_ for r in rbms], [r.intercept_hidden_ for r in rbms]
        placements = mcrg.layer_placements(weights, L)
        kernels[name] = (lambda w=weights, b=biases, p=placements: mcrg.stacked_kernels(w, b, p, seed=seed), placements)
    return kernels


def _placement_rows(name, placements):
    """One row per layer: how well mcrg.assign_block_sites placed its units."""
    return [{"kernel": name, "level": l, "L": p.L // p.b, "b": p.b, "fraction_mean": p.fraction.mean(),
             "fraction_min": p.fraction.min(), "best_mean": p.best.mean(), "centre_shared": p.centre_shared,
             "flipped": int((p.signs < 0).sum())} for l, p in enumerate(placements, start=1)]


def _exponent_rows(T, name, result):
    """One row per (level, sector, k) whose operators fit (default operator lists): lambda and
    y = ln(lambda) / ln(b) with errors, NaN where A is singular or (y) lambda <= 0."""
    from .mcrg import EVEN_OPERATORS, ODD_OPERATORS, fitting_prefix

    rows = []
    with np.errstate(invalid="ignore", divide="ignore"):
        sectors = (("t", EVEN_OPERATORS, result.lambda_t, result.lambda_t_err, result.y_t),
                   ("h", ODD_OPERATORS, result.lambda_h, result.lambda_h_err, result.y_h))
        for sector, operators, lam, lam_err, (y, y_err) in sectors:
            names = [op.name for op in operators]
            fits = [(level, k) for level in range(len(lam))
                    for k in range(fitting_prefix(operators, result.sizes[level + 1]))]
            for level, k in fits:
                rows.append({"T": T, "kernel": name, "level": level + 1, "L": result.sizes[level + 1],
                             "b": result.b[level], "sector": sector, "k": k + 1, "operator": names[k],
                             "lambda": lam[level, k], "lambda_error": lam_err[level, k],
                             "y": y[level, k], "y_error": y_err[level, k] if lam[level, k] > 0 else np.nan})
    return rows


def _level_rows(T, name, levels, n_blocks):
    """Per level: energy per spin u, T_eff (exact L x L energy equal to u), the site
    magnetisation mean_x |<s_x>| and the correlation coefficient of the nearest-neighbour sum
    with the magnetisation (both 0 for a spin-flip-symmetric ensemble, where MCRG's even and odd
    sectors separate), each with its error (standard error for u, jackknife for the others)."""
    from .mcrg import EVEN_OPERATORS, ODD_OPERATORS, operator_values

    rows = []
    for level, s in enumerate(levels):
        L = s.shape[-1]
        u, u_se, T_eff, T_se = _ensemble_temperature(s, L)
        m, m_err = ising.jackknife(lambda x: np.abs(x.mean(axis=0)).mean(), s.reshape(len(s), -1).astype(np.float32),
                                   n_blocks=n_blocks)
        with np.errstate(invalid="ignore", divide="ignore"):  # a frozen level has no correlation
            rho, rho_err = ising.jackknife(lambda x: np.corrcoef(x.T)[0, 1],
                                           operator_values(s, (EVEN_OPERATORS[0], ODD_OPERATORS[0])), n_blocks=n_blocks)
        rows.append({"T": T, "kernel": name, "level": level, "L": L, "energy": u, "energy_error": u_se,
                     "T_eff": T_eff, "T_eff_error": T_se, "site_magnetisation": float(m),
                     "site_magnetisation_error": float(m_err), "nn_magnetisation_correlation": float(rho),
                     "nn_magnetisation_correlation_error": float(rho_err)})
    return rows


def _correlation_rows(T, name, levels, n_blocks):
    """One row per (level, r): G_h(r), G_v(b r) and their ratio between levels l - 1 and l."""
    from . import mcrg

    rows = []
    for level in range(1, len(levels)):
        c = mcrg.level_correlation_scaling(levels[level - 1], levels[level], n_blocks=n_blocks)
        for i, r in enumerate(c["r"]):
            rows.append({"T": T, "kernel": name, "level": level, "b": c["b"], "r": int(r)}
                        | {f"{key}{suffix}": c[key][j][i] for key in ("G_h", "G_v", "ratio")
                           for j, suffix in ((0, ""), (1, "_error"))})
    return rows


def _network_mcrg_tables(networks, data, seed, n_blocks, progress):
    import pandas as pd
    from tqdm.auto import tqdm

    from . import mcrg

    L = {d.configs.shape[-1] for d in data.values()}
    if len(L) != 1:
        raise ValueError(f"data must share one lattice size, got {sorted(L)}")
    (L,) = L
    sides = _stack_sides(networks, L)
    kernels = _network_kernels(networks, sides, L, seed)
    tables = {"exponents": [], "correlations": [], "levels": [],
              "placements": [row for name, (_, p) in kernels.items() if p for row in _placement_rows(name, p)]}
    jobs = [(T, name) for T in data for name in kernels]
    for T, name in tqdm(jobs, disable=not progress, desc="network MCRG"):
        levels = mcrg.block_levels(data[T].configs, kernels[name][0](), len(sides))
        tables["exponents"] += _exponent_rows(T, name, mcrg.mcrg_levels(levels, n_blocks=n_blocks, fit_operators=True))
        tables["correlations"] += _correlation_rows(T, name, levels, n_blocks)
        tables["levels"] += _level_rows(T, name, levels, n_blocks)
    return {kind: pd.DataFrame(rows) for kind, rows in tables.items()}


def _cached_tables(store, kind: str, config: dict, label: str, make, names) -> dict:
    """A dict of DataFrames `names` made by make() on one BLAS thread, stored as one artifact of
    `kind` column by column ("table/column"; strings as unicode, not object); the first table's
    attrs["seconds"] is the time make() took."""
    import time

    import pandas as pd

    def compute():
        start = time.perf_counter()
        with threadpool_limits(1):
            tables = make()
        arrays = {f"{name}/{column}": np.asarray(table[column].tolist())
                  for name, table in tables.items() for column in table.columns}
        return arrays, {"seconds": time.perf_counter() - start}

    arrays, sidecar = store.cached(kind, config, compute, label)
    tables = {name: pd.DataFrame({key.split("/", 1)[1]: value for key, value in arrays.items()
                                  if key.startswith(name + "/")}) for name in names}
    tables[names[0]].attrs["seconds"] = sidecar["info"]["seconds"]
    return tables


def network_mcrg(networks: dict | None = None, data: dict | None = None, *, seed: int = 0, n_blocks: int = 20,
                 store: Store | None = None, progress: bool = True) -> dict:
    """Does a trained network's p(h | v) act as a renormalisation group? Swendsen's MCRG
    (deeprg.mcrg) with each network's sampled up pass as the block-spin kernel, beside majority
    rule on the same configurations.

    networks {name: TrainedDBN} (default mcrg_networks(seed)); data {T: IsingData} (default
    mcrg_data(): T_c, where y_t = 1 and y_h = 15/8, and PAPER_T, where the exponents are not
    defined but the flow must carry T_eff away from T_c). Each layer's units are placed one to
    one on its M_l x M_l lattice by mcrg.layer_placements (fields W_l ... W_1); level l draws
    h_l ~ p(h_l | h_{l-1}) (mcrg.stacked_kernels) for the leading layers with M_l >= 3; majority
    rule blocks to the same sides. Each level keeps the operators that fit its lattice
    (mcrg.mcrg_levels with fit_operators); errors are blocked jackknife over n_blocks.

    Returns DataFrames {"exponents": per (T, kernel, level, sector "t"/"h", k operators): L (the
    coarse side), b, the k-th operator, lambda and y = ln(lambda) / ln(b) with errors (y NaN where
    lambda <= 0); "correlations": per (T, kernel, level, r): G_h(r), G_v(b r) and G_h(r) / G_v(b r)
    between levels l - 1 and l (mcrg.level_correlation_scaling), with errors; "levels": per (T,
    kernel, level 0, 1, ...): energy per spin, T_eff where the exact L x L energy equals it, the
    site magnetisation mean_x |<s_x>| and the correlation coefficient of the nearest-neighbour
    sum with the magnetisation (both about 0 for a spin-flip-symmetric kernel on these symmetric
    data; otherwise the even and odd sectors mix), with errors; "placements": per (network,
    level): mean and least share of w^2 in the assigned block, mean best share, units the
    centre-of-mass rule puts on shared sites, flipped units}. Cached (kind "mcrg") under the
    networks' and data sets' names; the computation's seconds are in exponents.attrs."""
    import pandas as pd

    from . import mcrg

    store = store or Store()
    n_blocks = check_size(n_blocks, "n_blocks", minimum=2)
    networks = networks if networks is not None else mcrg_networks(seed, store=store, progress=progress)
    data = data if data is not None else mcrg_data(store)
    config = {"networks": {name: tr.name for name, tr in networks.items()},
              "data": {f"{T:.4f}": d.name for T, d in data.items()}, "seed": seed, "n_blocks": n_blocks,
              "even": [op.name for op in mcrg.EVEN_OPERATORS], "odd": [op.name for op in mcrg.ODD_OPERATORS]}

    return _cached_tables(store, "mcrg", config, f"seed{seed}",
                          lambda: _network_mcrg_tables(networks, data, seed, n_blocks, progress),
                          ("exponents", "correlations", "levels", "placements"))


def mcrg_consistency(exponents, T: float = T_C, n_sigma: float = MCRG_N_SIGMA) -> "pandas.DataFrame":
    """Per (kernel, level, sector) of network_mcrg's exponents at T: is y the exact exponent
    (MCRG_EXACT) at every truncation MCRG claims (k >= 2 for y_t: the nearest-neighbour operator
    alone is not one; every k for y_h)? Consistent means |y_k - exact| <= n_sigma error_k +
    allowance for each such k, the allowance being majority rule's largest |y_k - exact| at the
    same level over the same k (its truncation and finite-size bias at this L).

    Columns: L, k (the most operators), y and y_error there, majority rule's y there, exact,
    allowance, excess = max_k (|y_k - exact| - n_sigma error_k - allowance) (<= 0 when
    consistent), consistent."""
    import pandas as pd

    at = exponents[np.isclose(exponents["T"], T) & (exponents["k"] >= np.where(exponents["sector"] == "t", 2, 1))]
    at = at.assign(deviation=(at["y"] - at["sector"].map(MCRG_EXACT)).abs())
    majority = at[at["kernel"] == MAJORITY].set_index(["level", "sector", "k"])
    allowance = majority.groupby(level=["level", "sector"])["deviation"].max()
    rows = []
    for (kernel, level, sector), g in at.groupby(["kernel", "level", "sector"], sort=False):
        allow = allowance[(level, sector)]
        excess = (g["deviation"] - n_sigma * g["y_error"] - allow).fillna(np.inf).max()  # y NaN: lambda <= 0
        last = g.loc[g["k"].idxmax()]
        rows.append({"kernel": kernel, "level": level, "sector": sector, "L": last["L"], "k": last["k"],
                     "y": last["y"], "y_error": last["y_error"],
                     "majority": majority.loc[(level, sector, last["k"]), "y"], "exact": MCRG_EXACT[sector],
                     "allowance": allow, "excess": excess, "consistent": bool(excess <= 0)})
    return pd.DataFrame(rows)


# ----------------------------------------------------------------------------- the information view
INFO_B = 2  # the blocks are 2 x 2, as the first layer's
INFO_BUFFERS = (1, 2)
INFO_SEEDS = {"select": 0, "majority": 1, "rsmi": 2, "units": 3, "box": 4}  # folds, coins and unit draws
INFO_N_SIGMA = 2.0  # a unit is above (below) majority rule beyond this many combined errors
INFO_SILENT = 0.1  # bits: a unit whose H_hat(h) is below this hardly ever changes state
INFO_VARIABLES = {"majority": "majority rule", "rsmi": "RSMI filter", "box": "box majority",
                  "sampled": "units", "local": "units, local", "block_filter": "units' block filters"}


def information_blocks(L: int, b: int = INFO_B) -> np.ndarray:
    """(row, col) indices of every other b x b block along each axis of the L x L torus (at least
    one): the blocks on which information_table selects the RSMI filter and measures box majority,
    (L / 2b)^2 of them, 100 at L = 40."""
    k = max(1, L // b // 2)
    return np.stack(np.divmod(np.arange(k * k), k), axis=1) * 2


def _information_row(T, buffer, variable, network, estimates, majority, weights=""):
    """One row of information_table: the mean over blocks (units) with its errors, and the
    comparison with majority rule on the same blocks (information.compare_estimates)."""
    from .information import compare_estimates

    bits, n = estimates.bits, len(estimates.bits)
    active = estimates.entropy >= INFO_SILENT

    def spread(x):
        return float(x.std(ddof=1) / np.sqrt(len(x))) if len(x) > 1 else np.nan

    c = compare_estimates(estimates, majority, INFO_N_SIGMA)
    return {"T": float(T), "buffer": int(buffer), "variable": variable, "network": network, "weights": weights,
            "n": n, "bits": estimates.mean, "bits_error": estimates.mean_error, "spread_error": spread(bits),
            "entropy": float(estimates.entropy.mean()), "silent": float(1 - active.mean()),
            "active_bits": float(bits[active].mean()) if active.any() else np.nan,
            "active_spread_error": spread(bits[active]), "median": float(np.median(bits)), "max": float(bits.max()),
            "vs_majority": c.difference, "vs_majority_error": c.error, "vs_majority_spread_error": c.spread_error,
            "above": c.fraction_above, "below": c.fraction_below}


def _information_tables(networks, data, held_out, buffers, progress):
    import pandas as pd
    from tqdm.auto import tqdm

    from . import information as inf

    def weights(lam):
        return "(" + ", ".join(str(int(x)) for x in lam) + ")"

    b, rows, candidates = INFO_B, [], []
    stages = ["RSMI selection", "majority rule", "RSMI filter", "box majority", *networks]
    with tqdm(total=len(data) * len(buffers) * len(stages), disable=not progress, desc="information") as bar:
        for T, d in data.items():
            selected = information_blocks(d.configs.shape[-1], b)
            for buffer in buffers:
                def stage(label):
                    bar.set_postfix_str(f"T={T:.3f} w={buffer} {label}")

                stage(stages[0])
                best, lams, ests = inf.rsmi_filter(held_out[T].configs, b, buffer, selected, seed=INFO_SEEDS["select"])
                candidates += [{"T": float(T), "buffer": int(buffer), "weights": weights(lam), "bits": e.bits,
                                "bits_error": e.error, "chosen": bool(np.array_equal(lam, best))}
                               for lam, e in zip(lams, ests)]
                bar.update()
                stage(stages[1])
                majority = inf.filter_information(d.configs, np.ones(b * b), b, buffer, seed=INFO_SEEDS["majority"],
                                                  keep_terms=True)
                rows.append(_information_row(T, buffer, INFO_VARIABLES["majority"], "", majority, majority,
                                             weights(np.ones(b * b))))
                bar.update()
                stage(stages[2])
                rsmi = inf.filter_information(d.configs, best, b, buffer, seed=INFO_SEEDS["rsmi"])
                rows.append(_information_row(T, buffer, INFO_VARIABLES["rsmi"], "", rsmi, majority, weights(best)))
                bar.update()
                stage(stages[3])
                box = inf.box_majority_information(d.configs, b, buffer, selected, seed=INFO_SEEDS["box"])
                rows.append(_information_row(T, buffer, INFO_VARIABLES["box"], "", box, majority))
                bar.update()
                for name, tr in networks.items():
                    stage(name)
                    u = inf.unit_information(d.configs, tr.dbn.rbms[0], b, buffer, seed=INFO_SEEDS["units"])
                    rows += [_information_row(T, buffer, INFO_VARIABLES[kind], name, getattr(u, kind), majority)
                             for kind in ("sampled", "local", "block_filter")]
                    bar.update()
                del majority
    return {"table": pd.DataFrame(rows), "candidates": pd.DataFrame(candidates)}


def information_table(networks: dict | None = None, data: dict | None = None, held_out: dict | None = None, *,
                      seed: int = 0, buffers=INFO_BUFFERS, store: Store | None = None,
                      progress: bool = True) -> dict:
    """What a block's coarse variable knows about the block's distant environment
    (deeprg.information; Koch-Janusz & Ringel's real-space mutual information), for majority
    rule, the RSMI-optimal filter and each network's first-layer units, on 2 x 2 blocks.

    networks {name: TrainedDBN} (default penalty_dbns(seed): L1, L2, none); data {T: IsingData}
    (default mcrg_data(): T_c and PAPER_T); held_out {T: IsingData} (default held_out_samples(T)
    on data's lattice), on which the RSMI filter is chosen among every sign filter of the block
    (information.rsmi_filter, pooled over the blocks information_blocks) before it is measured on
    `data`, so that the choice does not inflate its estimate. At each T and buffer width w in
    `buffers`, on `data`: majority rule and the RSMI filter at every block; majority rule of the
    whole (2 + 2w)-box, a reference that also reads the buffer, at the blocks information_blocks;
    each unit j of each network's first layer on its block V_j (information.unit_information) as
    itself ("units", h_j sampled), with its inputs from the environment frozen at their means
    ("units, local") and as the sign filter of its weights on V_j ("units' block filters").
    Estimates are the cross-validated logistic-regression lower bound on I(H : E) in bits; fixed
    seeds (INFO_SEEDS), one BLAS thread.

    Returns {"table": one row per (T, buffer, variable, network ("" for the filters)): weights
    (the filter's lambda over the block's sites, row by row, or ""), n (blocks or units), bits
    (the mean over them) with bits_error (over samples) and spread_error (std over the blocks or
    units / sqrt(n)), entropy (mean H_hat(H)), silent (the fraction with H_hat(H) <
    INFO_SILENT), active_bits and active_spread_error (the mean over the others), median, max,
    vs_majority (mean of I - I of majority rule on the same block) with vs_majority_error (paired,
    over samples) and vs_majority_spread_error, above and below (fractions beyond INFO_N_SIGMA
    errors; information.compare_estimates); "candidates": per (T, buffer, candidate filter) its
    pooled estimate on the held-out samples, bits and bits_error, and whether it was chosen}.
    Cached (kind "information") under the networks' and data sets' names; the computation's
    seconds are in table.attrs."""
    import pandas as pd

    store = store or Store()
    networks = networks if networks is not None else penalty_dbns(seed, store=store, progress=progress)
    data = data if data is not None else mcrg_data(store)
    sizes = {d.configs.shape[-1] for d in data.values()}
    if len(sizes) != 1:
        raise ValueError(f"data must share one lattice size, got {sorted(sizes)}")
    (L,) = sizes
    held_out = held_out if held_out is not None else {T: held_out_samples(T, store, L) for T in data}
    if set(held_out) != set(data):
        raise ValueError(f"held_out must have the temperatures of data, {sorted(data)}, got {sorted(held_out)}")
    buffers = [int(w) for w in buffers]
    config = {"networks": {name: tr.name for name, tr in networks.items()},
              "data": {f"{T:.4f}": d.name for T, d in data.items()},
              "held_out": {f"{T:.4f}": d.name for T, d in held_out.items()}, "b": INFO_B, "buffers": buffers,
              "seeds": INFO_SEEDS, "n_sigma": INFO_N_SIGMA, "silent": INFO_SILENT}
    return _cached_tables(store, "information", config, f"seed{seed}",
                          lambda: _information_tables(networks, data, held_out, buffers, progress),
                          ("table", "candidates"))
