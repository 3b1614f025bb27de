"""First-layer sweeps: the RBM (1600 -> 400) trained with each penalty, strength, seed and
temperature of the data.

Every point is its own artifact in the store, so an interrupted sweep resumes where it stopped
and points run in parallel with joblib (any joblib backend: a Dask or Ray cluster too)."""

from __future__ import annotations

import contextvars
import time

import numpy as np
from threadpoolctl import threadpool_limits

from . import analysis, experiments, rg, sizes
from .exact import T_C
from .rbm import RBM, partition, spins_to_visible
from .store import Store, artifact_name

PENALTIES = ("none", "l2", "l1")
ALPHAS = (1e-5, 1e-4, 1e-3, 1e-2)
SEEDS = (0, 1, 2)
N_EPOCHS = 20
AIS = {"n_chains": 100, "n_betas": 1000}
TEMPERATURES = (2.0, T_C, experiments.PAPER_T, 3.0)  # below, at and above T_c
MEASURE_EVERY = 10  # epochs between measurements in measured_by_epoch
AIS_SEEDS = (0, 1, 2)  # AIS seeds of ais_recheck (offsets from the point's seed, whose own comes first)
BETAS_FACTOR = 10  # ais_recheck's longer annealing: this many times the sweep's intermediate distributions
TEMPERATURE_SETTINGS = (("none", 0.0), ("l2", 1e-3), ("l1", experiments.PAPER_RBM["alpha"]), ("l1", 1e-3))
FINE_TEMPERATURES = (2.0, 2.1, 2.2, T_C, 2.35, experiments.PAPER_T, 2.6, 2.8, 3.0)  # where does locality peak?
FINE_SETTINGS = (("none", 0.0), ("l1", 1e-3))
APPENDIX_N_SAMPLES = 40_000  # the paper's Appendix A (its main text says 20,000)
APPENDIX_SETTINGS = (("none", 0.0), ("l1", experiments.PAPER_RBM["alpha"]))
ORDERED_T = 2.0  # below T_c: two magnetised states
ORDERED_SETTINGS = (("none", 0.0), ("l1", 1e-3))
GIBBS = {"n_chains": 500, "n_steps": 1000}
CONTROL_SETTING = ("l2", 1e-5)  # a penalty too weak to matter: the control for penalty effects  # chains started from held-out samples, sampled v -> h -> v


def _point_config(data_name, penalty, alpha, seed, n_iter, n_hidden, L=experiments.PAPER_L):
    """A point's store config; the lattice side L is part of it only when it is not the paper's
    (so the paper's points keep their names)."""
    params = experiments.PAPER_RBM | {"penalty": None if penalty == "none" else penalty,
                                      "alpha": 0.0 if penalty == "none" else alpha, "n_iter": n_iter}
    other_L = {} if L == experiments.PAPER_L else {"L": L}
    return {"data": data_name, "n_hidden": n_hidden, "rbm_params": params, "seed": seed, "ais": AIS} | other_L


def _data(T, n_samples=experiments.PAPER_N_SAMPLES, L=experiments.PAPER_L):
    """The training set at temperature T (0/1, float32) and its held-out samples (float64)."""
    X = spins_to_visible(experiments.ising_samples(L=L, T=T, n_samples=n_samples, progress=False).configs)
    return X, spins_to_visible(experiments.held_out_samples(T, L=L).configs, np.float64)


def site_permutation(n_sites: int, seed: int) -> np.ndarray:
    """The fixed scrambling of the permuted control: column j of the scrambled data is site order[j]."""
    return np.random.default_rng(seed).permutation(n_sites)


def on_lattice(W, order):
    """Weights (hidden x visible) learned from data scrambled by `order` (column j = site
    order[j]) put back on the lattice: column order[j] of the result is column j of W."""
    out = np.empty_like(W)
    out[:, order] = W
    return out


def _lattice(rbm):
    """The (L, L) lattice of an RBM's visible units."""
    side = int(np.sqrt(rbm.components_.shape[1]))
    return side, side


def _new_rbm(config):
    """The point's RBM, untrained, to be trained one epoch per partial_fit."""
    return RBM(config["n_hidden"], random_state=config["seed"], **(config["rbm_params"] | {"n_iter": 1}))


def _measure(rbm, X, held, config):
    """A point's measurements of the RBM trained on X, on the held-out samples: (mean, error)
    pairs, but for sparsity."""
    loc = rg.locality(rbm.components_, _lattice(rbm))
    log_z, log_z_se = rbm.log_partition("ais", base_visible_bias=partition.data_log_odds(X), random_state=config["seed"],
                                        **config["ais"])
    return {
        "locality": analysis.mean_and_error(loc),
        "participation": analysis.mean_and_error(rg.participation_ratio(rbm.components_)),
        "sparsity": float(np.mean(np.abs(rbm.components_) < 1e-3)),
        "reconstruction_error": analysis.mean_and_error(((held - rbm.reconstruct(held)) ** 2).mean(axis=1)),
        "pseudo_likelihood": analysis.mean_and_error(rbm.score_samples(held)),
        "log_likelihood": _log_likelihood(rbm, held, log_z, log_z_se),
    } | ({} if "permuted" not in config else {"locality_on_lattice": analysis.mean_and_error(rg.locality(
        on_lattice(rbm.components_, site_permutation(X.shape[1], config["permuted"])), _lattice(rbm)))})


def _flat(info):
    """A row from measurements: each (mean, error) pair as two entries, key and key_error."""
    row = {}
    for key, value in info.items():
        if isinstance(value, (list, tuple)):
            row[key], row[f"{key}_error"] = value
        else:
            row[key] = value
    return row


def _training(config, T):
    """The one training path of every sweep: the point's RBM trained on the data set at
    temperature T (with config["symmetrised"], also every configuration spin-flipped), one
    epoch per partial_fit, on one BLAS thread (so its rounding does not depend on the machine's
    cores). Yields (epoch, rbm, X, held) after each epoch; the caller
    measures what it needs and must run it to the end (the thread limit holds until then)."""
    with threadpool_limits(1):
        X, held = _data(T, config.get("n_samples", experiments.PAPER_N_SAMPLES), config.get("L", experiments.PAPER_L))
        if config.get("symmetrised"):  # every configuration and its spin-flipped copy
            X = np.concatenate([X, 1 - X])
        if "permuted" in config:  # the sites scrambled by one fixed permutation
            order = site_permutation(X.shape[1], config["permuted"])
            X, held = X[:, order], held[:, order]
        rbm = _new_rbm(config)
        for epoch in range(1, config["rbm_params"]["n_iter"] + 1):
            rbm.partial_fit(X)
            yield epoch, rbm, X, held


def _train_point(config, epoch_locality, T):
    """A sweep point: train, then measure on held-out samples at T; with epoch_locality, also
    the mean locality after every epoch. Returns (arrays, info)."""
    start, per_epoch = time.perf_counter(), []
    for epoch, rbm, X, held in _training(config, T):
        if epoch_locality:
            per_epoch.append(rg.locality(rbm.components_, _lattice(rbm)).mean())
    seconds = time.perf_counter() - start
    with threadpool_limits(1):
        info = _measure(rbm, X, held, config) | {"seconds": seconds}
    return {"locality_per_epoch": np.array(per_epoch)}, info


def _train_measured(config, T):
    """A point measured as the sweep measures it after every config["measure_every"] epochs.
    Returns (arrays, {}): a column per measurement, a row per measured epoch."""
    rows = [{"epoch": epoch} | _flat(_measure(rbm, X, held, config))
            for epoch, rbm, X, held in _training(config, T) if epoch % config["measure_every"] == 0]
    return {key: np.array([row[key] for row in rows], float) for key in rows[0]}, {}


def _recheck_ais(config, T):
    """A point trained as the sweep trains it, then ln Z estimated again: by AIS with each seed
    of config["ais_seeds"] at the sweep's settings (the first is the sweep's own seed, so it
    repeats the sweep's value), and with config["betas_factor"] times the intermediate
    distributions. Returns (arrays, info): ln Z and its stated error per estimate, and -<F(v)>
    on the held-out rows."""
    for epoch, rbm, X, held in _training(config, T):
        pass
    with threadpool_limits(1):
        base = partition.data_log_odds(X)
        settings = [config["ais"] | {"random_state": s} for s in config["ais_seeds"]]
        settings.append(config["ais"] | {"n_betas": config["ais"]["n_betas"] * config["betas_factor"],
                                         "random_state": config["seed"]})
        estimates = np.array([rbm.log_partition("ais", base_visible_bias=base, **ais) for ais in settings])
        info = {"minus_free_energy": analysis.mean_and_error(-rbm.free_energy(held))}
        if min(rbm.components_.shape) <= partition.MAX_ENUMERATED_UNITS:
            info["exact_log_z"] = rbm.log_partition("exact")[0]
    return {"log_z": estimates[:, 0], "log_z_error": estimates[:, 1],
            "n_betas": np.array([ais["n_betas"] for ais in settings])}, info


def _gibbs_chains(rbm, V, n_steps, seed):
    """Run sampled Gibbs chains v -> h -> v from the rows of V for n_steps; returns the final v."""
    rng = np.random.default_rng(seed)
    W, b, c = (np.asarray(a, np.float64) for a in (rbm.components_, rbm.intercept_hidden_, rbm.intercept_visible_))
    v = np.asarray(V, np.float64)
    for _ in range(n_steps):
        h = (rng.random((len(v), len(b))) < 1 / (1 + np.exp(-(v @ W.T + b)))).astype(np.float64)
        v = (rng.random(v.shape) < 1 / (1 + np.exp(-(h @ W + c)))).astype(np.float64)
    return v


def _ordered_point(config, T):
    """A point of ordered_phase: trained (on symmetrised data when config says so), measured as
    the sweep measures its points, then its held-out log-likelihood split by the sign of the
    magnetisation, and Gibbs chains run from held-out samples of each sign."""
    for epoch, rbm, X, held in _training(config, T):
        pass
    with threadpool_limits(1):
        info = _measure(rbm, X, held, config)
        minus_f = -rbm.free_energy(held)
        log_z = minus_f.mean() - info["log_likelihood"][0]  # the AIS ln Z behind log_likelihood
        up = held.mean(axis=1) > 0.5
        starts = held[: config["gibbs"]["n_chains"]]
        ends = _gibbs_chains(rbm, starts, config["gibbs"]["n_steps"], config["seed"])
    start_up, end_up = starts.mean(axis=1) > 0.5, ends.mean(axis=1) > 0.5
    info |= {"log_likelihood_up": analysis.mean_and_error(minus_f[up] - log_z),
             "log_likelihood_down": analysis.mean_and_error(minus_f[~up] - log_z),
             "fraction_up": float(up.mean()),
             "chains_up_stay_up": float(end_up[start_up].mean()),
             "chains_down_end_up": float(end_up[~start_up].mean()),
             "chains_end_abs_m": analysis.mean_and_error(np.abs(2 * ends.mean(axis=1) - 1))}
    return {}, info


def _log_likelihood(rbm, X, log_z, log_z_se):
    """Mean log p(v) over X with a standard error combining the AIS error of ln Z and the
    spread of -F(v) over the rows."""
    minus_f, minus_f_se = analysis.mean_and_error(-rbm.free_energy(X))
    return minus_f - log_z, float(np.hypot(minus_f_se, log_z_se))


def _cached(store, kind, config, label, compute, *args):
    store.cached(kind, config, lambda: compute(config, *args), label)
    return label


def _job_data(config, *args):
    """(T, n_samples, L) of the data set a job (config, label, *args) trains on (held-out samples: T, L)."""
    return args[-1], config.get("n_samples", experiments.PAPER_N_SAMPLES), config.get("L", experiments.PAPER_L)


# deeprg.cluster sets this while it plans `deeprg reproduce --scheduler`: called with (store, kind,
# missing jobs, compute) instead of computing them, it raises, and each job becomes a Dask task
PLANNER = contextvars.ContextVar("deeprg_sweep_planner", default=None)


def _compute_missing(store, kind, jobs, compute, n_jobs, progress, desc):
    """compute(config, *args) for each job (config, label, *args) whose artifact is not in the
    store yet, in parallel with joblib, each into its own artifact (under deeprg.cluster's
    PLANNER: handed to it instead)."""
    from joblib import Parallel, delayed
    from tqdm.auto import tqdm

    missing = [job for job in jobs if not store.exists(artifact_name(kind, job[0], job[1]))]
    if missing and PLANNER.get() is not None:
        PLANNER.get()(store, kind, missing, compute)
    if n_jobs != 1:  # the missing points' data sets first, here, so that no two workers sample the same one
        for T, n_samples, L in dict.fromkeys(_job_data(config, *args) for config, _, *args in missing):
            _data(T, n_samples, L)
    runner = Parallel(n_jobs=n_jobs, return_as="generator_unordered")
    for _ in tqdm(runner(delayed(_cached)(store, kind, config, label, compute, *args) for config, label, *args in missing),
                  total=len(missing), disable=not progress, desc=desc, unit="point"):
        pass


def _data_names(temperatures, n_samples=experiments.PAPER_N_SAMPLES, L=experiments.PAPER_L):
    """The store name of the data set at each temperature, derived from its configuration: a
    sweep whose points are all cached needs no data (a missing point's training makes its data
    set, and the held-out samples, when it loads them)."""
    return {T: experiments.ising_samples_name(L=L, T=T, n_samples=n_samples) for T in dict.fromkeys(temperatures)}


def _label(T, penalty, alpha, seed, n_iter, n_hidden, L=experiments.PAPER_L):
    at_T = "" if T == experiments.PAPER_T else f"T{T:.4f}-"
    on_L = "" if L == experiments.PAPER_L else f"-L{L}"
    return f"{at_T}{penalty}-a{alpha:g}-seed{seed}-e{n_iter}-h{n_hidden}{on_L}"


def _sweep(points, n_iter, n_hidden, n_jobs, store, progress, desc, n_samples=experiments.PAPER_N_SAMPLES,
           L=experiments.PAPER_L):
    """Train the missing points (T, penalty, alpha, seed) and return their table, one row each.
    L1 at the paper's alpha also records the mean locality after every epoch
    (table.attrs["locality_per_epoch"][(T, seed)]). Data sets of n_samples configurations of
    the L x L torus (the defaults keep the configurations, and so the artifacts, of the main
    sweeps)."""
    import pandas as pd

    store = store or Store()
    paper_alpha = experiments.PAPER_RBM["alpha"]
    data_names = _data_names([p[0] for p in points], n_samples, L)
    other_size = {} if n_samples == experiments.PAPER_N_SAMPLES else {"n_samples": n_samples}
    jobs = []
    for T, penalty, alpha, seed in points:
        config = _point_config(data_names[T], penalty, alpha, seed, n_iter, n_hidden, L) | other_size
        label = _label(T, penalty, alpha, seed, n_iter, n_hidden, L) + (f"-n{n_samples}" if other_size else "")
        jobs.append((config, label, penalty == "l1" and alpha == paper_alpha, T))
    _compute_missing(store, "sweep", jobs, _train_point, n_jobs, progress, desc)
    rows, curves = [], {}
    for (config, label, with_curve, _), (T, penalty, alpha, seed) in zip(jobs, points):
        arrays, sidecar = store.load(artifact_name("sweep", config, label))
        rows.append({"T": T, "penalty": penalty, "alpha": alpha, "seed": seed} | _flat(sidecar["info"]))
        if with_curve:
            curves[(T, seed)] = arrays["locality_per_epoch"]
    table = pd.DataFrame(rows)
    table.attrs["locality_per_epoch"] = curves
    return table


def penalty_sweep(penalties=PENALTIES, alphas=ALPHAS, seeds=SEEDS, n_iter: int = N_EPOCHS, n_hidden: int = 400,
                  n_jobs: int = 1, store: Store | None = None, progress: bool = True, L: int = experiments.PAPER_L):
    """A table, one row per (penalty, alpha, seed), of the first layer's locality, participation
    ratio, sparsity, held-out reconstruction error, pseudo-likelihood and AIS log-likelihood
    (each a mean with its standard error), on the paper's data set. "none" runs once per seed
    (alpha is irrelevant); L1 also runs at the paper's alpha."""
    T = experiments.PAPER_T
    paper_alpha = experiments.PAPER_RBM["alpha"]
    points = [(T, "none", 0.0, s) for s in seeds]
    points += [(T, p, a, s) for p in penalties if p != "none" for a in alphas for s in seeds]
    points += [(T, "l1", paper_alpha, s) for s in seeds if paper_alpha not in alphas]
    return _sweep(points, n_iter, n_hidden, n_jobs, store, progress, "penalty sweep", L=L)


def temperature_sweep(temperatures=TEMPERATURES, settings=TEMPERATURE_SETTINGS, seeds=SEEDS,
                      n_iter: int = N_EPOCHS, n_hidden: int = 400, n_jobs: int = 1,
                      store: Store | None = None, progress: bool = True, L: int = experiments.PAPER_L):
    """The same measurements as penalty_sweep for each (penalty, alpha) in settings, on data
    sets of 20,000 samples at each temperature (held-out: 2,000 from another seed). The
    points at the paper's temperature are those of penalty_sweep."""
    points = [(T, p, 0.0 if p == "none" else a, s) for T in temperatures for p, a in settings for s in seeds]
    return _sweep(points, n_iter, n_hidden, n_jobs, store, progress, "temperature sweep", L=L)


def fine_temperature_sweep(temperatures=FINE_TEMPERATURES, settings=FINE_SETTINGS, seeds=SEEDS, **options):
    """temperature_sweep on a finer grid between 2.0 and 3.0 (its points at the four
    temperatures of TEMPERATURES are those of temperature_sweep): where locality peaks."""
    return temperature_sweep(temperatures, settings, seeds, **options)


def negligible_penalty_control(temperatures=TEMPERATURES, setting=CONTROL_SETTING, seeds=SEEDS, **options):
    """temperature_sweep with a penalty too weak to matter (CONTROL_SETTING; its points at the
    paper's temperature are those of penalty_sweep): what the sweep's runs differ by when
    nothing that matters differs, the scale against which penalty effects are judged."""
    return temperature_sweep(temperatures, (setting,), seeds, **options)


def appendix_data_set(n_samples: int = APPENDIX_N_SAMPLES, settings=APPENDIX_SETTINGS, seeds=SEEDS,
                      n_iter: int = N_EPOCHS, n_hidden: int = 400, n_jobs: int = 1,
                      store: Store | None = None, progress: bool = True, L: int = experiments.PAPER_L):
    """The first layer at the paper's temperature trained on the paper's Appendix A data set size
    (40,000 configurations) instead of the main text's 20,000, with the sweep's measurements."""
    T = experiments.PAPER_T
    points = [(T, p, 0.0 if p == "none" else a, s) for p, a in settings for s in seeds]
    return _sweep(points, n_iter, n_hidden, n_jobs, store, progress, "40,000 samples", n_samples, L)


def ordered_phase(T: float = ORDERED_T, settings=ORDERED_SETTINGS, seeds=SEEDS, n_iter: int = N_EPOCHS,
                  n_hidden: int = 400, n_jobs: int = 1, store: Store | None = None, progress: bool = True,
                  L: int = experiments.PAPER_L):
    """Below T_c the data have two magnetised states. For each (penalty, alpha) and seed, the
    first layer trained as in temperature_sweep and, beside it, on symmetrised data (each
    configuration and its spin-flipped copy): one row each with the sweep's measurements and
    kl, the held-out log-likelihood of the configurations with m > 0 and with m < 0
    (log_likelihood_up, _down), the fraction of held-out configurations with m > 0, and, for
    GIBBS["n_chains"] sampled Gibbs chains of GIBBS["n_steps"] steps started from held-out
    configurations, the fraction of those started with m > 0 that end with m > 0
    (chains_up_stay_up), of those started with m < 0 that end with m > 0 (chains_down_end_up),
    and the chains' final |m|."""
    import pandas as pd

    store = store or Store()
    data_names = _data_names([T], L=L)
    jobs, keys = [], []
    for penalty, alpha in settings:
        alpha = 0.0 if penalty == "none" else alpha
        for seed in seeds:
            for symmetrised in (False, True):
                config = _point_config(data_names[T], penalty, alpha, seed, n_iter, n_hidden, L) | {
                    "symmetrised": symmetrised, "gibbs": GIBBS}
                label = _label(T, penalty, alpha, seed, n_iter, n_hidden, L) + ("-symmetrised" if symmetrised else "")
                jobs.append((config, label, T))
                keys.append({"T": T, "penalty": penalty, "alpha": alpha, "seed": seed, "symmetrised": symmetrised})
    _compute_missing(store, "ordered", jobs, _ordered_point, n_jobs, progress, "ordered phase")
    rows = [key | _flat(store.load(artifact_name("ordered", config, label))[1]["info"])
            for key, (config, label, _) in zip(keys, jobs)]
    return analysis.with_kl(pd.DataFrame(rows), L)


PERMUTATION_SEED = 0
PERMUTED_SETTINGS = (("none", 0.0), ("l1", experiments.PAPER_RBM["alpha"]))


def permuted_control(settings=PERMUTED_SETTINGS, seeds=SEEDS, n_iter: int = N_EPOCHS, n_hidden: int = 400,
                     permutation_seed: int = PERMUTATION_SEED, n_jobs: int = 1, store: Store | None = None,
                     progress: bool = True, L: int = experiments.PAPER_L) -> "pandas.DataFrame":
    """A control with non-local correlations: the points of penalty_sweep (paper's data and
    temperature) trained on the same samples with the sites scrambled by one fixed permutation.
    One row per (penalty, alpha, seed) with the sweep's measurements, where locality is that of
    the fields as learned (on the scrambled lattice) and locality_on_lattice that of the same
    fields put back on the real lattice (on_lattice). An RBM does not know where its visible
    units sit, so if the fields follow the data's correlations, the second matches the sweep's
    locality and the first falls to that of scattered sites; if the penalty made compact
    fields by itself, the first would stay high."""
    import pandas as pd

    store = store or Store()
    T = experiments.PAPER_T
    data_names = _data_names([T], L=L)
    jobs, keys = [], []
    for penalty, alpha in settings:
        alpha = 0.0 if penalty == "none" else alpha
        for seed in seeds:
            config = _point_config(data_names[T], penalty, alpha, seed, n_iter, n_hidden, L) | {"permuted": permutation_seed}
            jobs.append((config, _label(T, penalty, alpha, seed, n_iter, n_hidden, L) + f"-permuted{permutation_seed}",
                         False, T))
            keys.append({"penalty": penalty, "alpha": alpha, "seed": seed})
    _compute_missing(store, "permuted", jobs, _train_point, n_jobs, progress, "permuted control")
    rows = [key | _flat(store.load(artifact_name("permuted", config, label))[1]["info"])
            for key, (config, label, _, _) in zip(keys, jobs)]
    return pd.DataFrame(rows)


def permuted_comparison(settings=PERMUTED_SETTINGS, seeds=SEEDS, n_iter: int = N_EPOCHS, n_hidden: int = 400,
                        store: Store | None = None, L: int = experiments.PAPER_L) -> "pandas.DataFrame":
    """Per (penalty, alpha) of permuted_control: the first layer's locality (mean, standard
    error over seeds) trained on the real data (penalty_sweep's points, same seeds), on the
    scrambled data as learned and put back on the lattice, and Welch's test of the real
    against the put-back locality (welch_difference, _error, _t, _dof, _p)."""
    import pandas as pd

    sizes = {"seeds": seeds, "n_iter": n_iter, "n_hidden": n_hidden, "store": store, "progress": False, "L": L}
    control = permuted_control(settings, **sizes)
    real = penalty_sweep(tuple(dict.fromkeys(p for p, _ in settings)), tuple(a for p, a in settings if p != "none"),
                         **sizes)
    rows = {}
    for (penalty, alpha), scrambled in control.groupby(["penalty", "alpha"], sort=False):
        on_real = real[(real["penalty"] == penalty) & np.isclose(real["alpha"], alpha)]
        test = analysis.welch(on_real["locality"], scrambled["locality_on_lattice"])
        rows[(penalty, alpha)] = {"real data": analysis.mean_and_error(on_real["locality"]),
                                  "scrambled, as learned": analysis.mean_and_error(scrambled["locality"]),
                                  "scrambled, on the lattice": analysis.mean_and_error(scrambled["locality_on_lattice"])
                                  } | {f"welch_{k}": v for k, v in test.items()}
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis(["penalty", "alpha"])


EXPLORER_UNITS = 16  # fields kept per snapshot for the book's receptive-field explorer
EXPLORER_EPOCHS = (1, 5, N_EPOCHS)  # snapshot epochs of the 20-epoch sweep points


def _explorer_point(config, T):
    """A sweep point retrained (same trajectory) to keep its first config["units"] fields at each
    epoch of config["snapshots"], 8-bit: int8 fields q with w = q * scale / 127 (one scale per
    snapshot, the largest |w| of the kept fields), and the mean locality and participation of
    all units (with standard errors) at each snapshot."""
    kept, scales, stats = [], [], []
    for epoch, rbm, X, held in _training(config, T):
        if epoch in config["snapshots"]:
            W = np.asarray(rbm.components_, np.float64)
            fields = W[: config["units"]]
            scale = float(np.abs(fields).max())
            kept.append(np.round(fields / scale * 127).astype(np.int8))
            scales.append(scale)
            stats.append([*analysis.mean_and_error(rg.locality(W, _lattice(rbm))),
                          *analysis.mean_and_error(rg.participation_ratio(W))])
    return {"fields": np.array(kept), "scale": np.array(scales, np.float32),
            "stats": np.array(stats, np.float32), "epochs": np.array(config["snapshots"])}, {}


EXPLORER_LONG_EPOCHS = (50, 100, experiments.PAPER_RBM["n_iter"])  # of the 200-epoch runs at each temperature


def _explorer(points, snapshots, seed, n_jobs, store, progress, n_hidden=400, L=experiments.PAPER_L):
    """_explorer_point for each (T, penalty, alpha), cached; one dict per point."""
    store = store or Store()
    data_names = _data_names([T for T, _, _ in points], L=L)
    jobs = []
    for T, penalty, alpha in points:
        config = _point_config(data_names[T], penalty, alpha, seed, max(snapshots), n_hidden, L) | {
            "snapshots": list(snapshots), "units": EXPLORER_UNITS}
        jobs.append((config, _label(T, penalty, alpha, seed, max(snapshots), n_hidden, L) + "-fields", T))
    _compute_missing(store, "explorer", jobs, _explorer_point, n_jobs, progress, "explorer fields")
    return [{"T": T, "penalty": penalty, "alpha": alpha} | store.load(artifact_name("explorer", config, label))[0]
            for (T, penalty, alpha), (config, label, _) in zip(points, jobs)]


def explorer_long_runs(seed: int = 0, n_jobs: int = 1, store: Store | None = None, progress: bool = True) -> list:
    """explorer_fields for the runs of paper_epochs_by_temperature away from the paper's
    temperature (L1 at the paper's alpha; there the seed-0 DBN's first layer stands for it), at
    the EXPLORER_LONG_EPOCHS snapshots of their 200 epochs (their first 20 epochs are the sweep's)."""
    alpha = experiments.PAPER_RBM["alpha"]
    points = [(T, "l1", alpha) for T in TEMPERATURES if T != experiments.PAPER_T]
    return _explorer(points, EXPLORER_LONG_EPOCHS, seed, n_jobs, store, progress)


def explorer_fields(seed: int = 0, n_jobs: int = 1, store: Store | None = None, progress: bool = True) -> list:
    """For the receptive-field explorer: the first EXPLORER_UNITS fields of the first layer at the
    EXPLORER_EPOCHS snapshots of every setting of penalty_sweep and temperature_sweep (one
    training seed), each point retrained along the sweep's own trajectory. Returns one dict per
    (T, penalty, alpha): fields (snapshots, units, 1600) int8, scale, stats (locality mean and
    error, participation mean and error per snapshot) and epochs."""
    paper_alpha = experiments.PAPER_RBM["alpha"]
    settings = [("none", 0.0)] + [(p, a) for p in PENALTIES if p != "none" for a in ALPHAS]
    settings += [("l1", paper_alpha)] if paper_alpha not in ALPHAS else []
    points = [(experiments.PAPER_T, p, a) for p, a in settings]
    points += [(T, p, 0.0 if p == "none" else a) for T in TEMPERATURES if T != experiments.PAPER_T
               for p, a in TEMPERATURE_SETTINGS]
    return _explorer(points, EXPLORER_EPOCHS, seed, n_jobs, store, progress)


def paper_epochs_by_temperature(temperatures=TEMPERATURES, seed: int = 0, n_jobs: int = 1,
                                store: Store | None = None, progress: bool = True, **options):
    """The first layer at the paper's L1 strength, trained for the paper's 200 epochs at each
    temperature (one seed); table.attrs["locality_per_epoch"][(T, seed)] is its mean locality
    after every epoch. options go to temperature_sweep (n_iter, n_hidden, L)."""
    return temperature_sweep(temperatures, (("l1", experiments.PAPER_RBM["alpha"]),), (seed,),
                             **({"n_iter": experiments.PAPER_RBM["n_iter"]} | options), n_jobs=n_jobs, store=store,
                             progress=progress)


def measured_by_epoch(temperatures=TEMPERATURES, every: int = MEASURE_EVERY, seed: int = 0,
                      n_iter: int = experiments.PAPER_RBM["n_iter"], n_hidden: int = experiments.PAPER_LAYERS[0],
                      n_jobs: int = 1, store: Store | None = None, progress: bool = True, L: int = experiments.PAPER_L):
    """The runs of paper_epochs_by_temperature again (L1 at the paper's alpha), measured as
    the sweep measures its points after every `every` epochs (held-out AIS log-likelihood among
    them): one row per (T, epoch). Same configuration and seed on one BLAS thread, so the same
    trajectories: the rows of the last epoch repeat that sweep's points. (Retrained rather than
    reused: those runs kept no weights along the way.)"""
    import pandas as pd

    store = store or Store()
    alpha = experiments.PAPER_RBM["alpha"]
    data_names = _data_names(temperatures, L=L)
    jobs = [(_point_config(data_names[T], "l1", alpha, seed, n_iter, n_hidden, L) | {"measure_every": every},
             _label(T, "l1", alpha, seed, n_iter, n_hidden, L) + f"-every{every}", T) for T in temperatures]
    _compute_missing(store, "epochs", jobs, _train_measured, n_jobs, progress, "measured by epoch")
    return pd.concat([pd.DataFrame(store.load(artifact_name("epochs", config, label))[0]).assign(T=T)
                      for config, label, T in jobs], ignore_index=True)


def ais_recheck(temperatures=TEMPERATURES, settings=TEMPERATURE_SETTINGS, seeds=(0,),
                ais_seeds=AIS_SEEDS, betas_factor: int = BETAS_FACTOR, n_iter: int = N_EPOCHS,
                n_hidden: int = 400, n_jobs: int = 1, store: Store | None = None, progress: bool = True,
                L: int = experiments.PAPER_L):
    """How far the sweep's AIS log-likelihoods can be trusted: the points of temperature_sweep
    for the given training seeds (seed 0 by default), retrained (same trajectories), with ln Z
    estimated again by AIS with other seeds at the sweep's settings and with betas_factor times
    the intermediate distributions.

    One row per point: log_likelihood (the sweep's own AIS seed: it equals the sweep's value),
    seed_spread (standard deviation of the log-likelihood over the AIS seeds, the first
    included), stated_error (the largest stated AIS error among them), log_likelihood_more_betas
    and its error, shift (that minus log_likelihood: positive when the longer annealing finds a
    smaller ln Z) and, for RBMs small enough to enumerate, exact (the exact log-likelihood)."""
    import pandas as pd

    store = store or Store()
    if betas_factor < 1:
        raise ValueError(f"betas_factor must be >= 1, got {betas_factor}")
    if not ais_seeds:
        raise ValueError(f"ais_seeds must name at least one seed, got {ais_seeds!r}")
    data_names = _data_names(temperatures, L=L)
    jobs = []
    for T in temperatures:
        for penalty, alpha in settings:
            alpha = 0.0 if penalty == "none" else alpha
            for seed in seeds:
                config = _point_config(data_names[T], penalty, alpha, seed, n_iter, n_hidden, L) | {
                    "ais_seeds": [seed + offset for offset in ais_seeds], "betas_factor": betas_factor}
                label = (_label(T, penalty, alpha, seed, n_iter, n_hidden, L)
                         + f"-seeds{len(ais_seeds)}-betas{betas_factor}x")
                jobs.append((config, label, T, penalty, alpha, seed))
    _compute_missing(store, "aischeck", [(c, l, T) for c, l, T, *_ in jobs], _recheck_ais, n_jobs, progress,
                     "AIS recheck")
    rows = []
    for config, label, T, penalty, alpha, seed in jobs:
        arrays, sidecar = store.load(artifact_name("aischeck", config, label))
        minus_f, minus_f_se = sidecar["info"]["minus_free_energy"]
        n = len(config["ais_seeds"])
        log_likelihood = minus_f - arrays["log_z"]
        row = {"T": T, "penalty": penalty, "alpha": alpha, "seed": seed,
               "log_likelihood": log_likelihood[0],
               "seed_spread": float(np.std(log_likelihood[:n], ddof=1)) if n > 1 else np.nan,
               "stated_error": float(arrays["log_z_error"][:n].max()),
               "log_likelihood_more_betas": log_likelihood[n],
               "log_likelihood_more_betas_error": float(arrays["log_z_error"][n]),
               "shift": log_likelihood[n] - log_likelihood[0]}
        if "exact_log_z" in sidecar["info"]:
            row["exact"] = minus_f - sidecar["info"]["exact_log_z"]
        rows.append(row)
    return pd.DataFrame(rows)


def ais_recheck_long(temperatures=TEMPERATURES, **options):
    """ais_recheck of paper_epochs_by_temperature's runs (L1 at the paper's alpha, 200 epochs)."""
    return ais_recheck(temperatures, (("l1", experiments.PAPER_RBM["alpha"]),),
                       **({"n_iter": experiments.PAPER_RBM["n_iter"]} | options))


def _sandwich_point(config, T):
    """A point trained as the sweep trains it, then its held-out KL bracketed by
    converge.likelihood_bracket with config["evaluation"]; also the held-out log-likelihood with
    the sweep's own AIS (log_likelihood_sweep_ais), which repeats the sweep's value when the
    retraining repeats its trajectory. Returns (arrays, info)."""
    from . import converge

    for epoch, rbm, X, held in _training(config, T):
        pass
    W, b, c = rbm.components_, rbm.intercept_hidden_, rbm.intercept_visible_
    with threadpool_limits(1):
        sweep_ais = _measure(rbm, X, held, config)["log_likelihood"][0]
    return {}, converge.likelihood_bracket(W, b, c, X, held, T, config["seed"], config["evaluation"]) | {
        "log_likelihood_sweep_ais": float(sweep_ais)}


def sandwich_check(temperatures=TEMPERATURES, epochs=(N_EPOCHS, experiments.PAPER_RBM["n_iter"]), seed: int = 0,
                   evaluation: dict | None = None, n_hidden: int = 400, L: int = experiments.PAPER_L,
                   n_jobs: int = 1, store: Store | None = None, progress: bool = True) -> "pandas.DataFrame":
    """The paper's L1 first layer (seed 0) of temperature_sweep (N_EPOCHS) and of
    paper_epochs_by_temperature (200 epochs), retrained and bracketed from both sides as the
    reference runs are (converge.EVALUATION's AIS and RAISE): one row per (T, epochs) with kl_sweep
    (the sweep's AIS) and its stated error, repeats (whether the retraining gives the sweep's
    log-likelihood to the last bit), kl (AIS's ln Z, all held-out rows) and its error,
    kl_ais and kl_raise on the first raise_rows rows with their errors, and converge.bracket's
    gap, error and verdict. evaluation updates those settings; n_hidden and L are the sweep's."""
    import pandas as pd

    from . import converge
    from .analysis import kl_from_log_likelihood

    store = store or Store()
    alpha = experiments.PAPER_RBM["alpha"]
    evaluation = {key: converge.EVALUATION[key] for key in ("ais", "raise_rows", "raise_chains")} | (evaluation or {})
    data_names = _data_names(temperatures, L=L)
    jobs = [(_point_config(data_names[T], "l1", alpha, seed, n, n_hidden, L) | {"evaluation": evaluation},
             _label(T, "l1", alpha, seed, n, n_hidden, L) + "-sandwich", T) for n in epochs for T in temperatures]
    _compute_missing(store, "sandwich", jobs, _sandwich_point, n_jobs, progress, "sandwich check")
    swept = {n: temperature_sweep(temperatures, (("l1", alpha),), (seed,), n_iter=n, n_hidden=n_hidden, L=L,
                                  store=store, progress=False).set_index("T") for n in epochs}
    rows = []
    for (config, label, T), n in zip(jobs, [n for n in epochs for _ in temperatures]):
        info = store.load(artifact_name("sandwich", config, label))[1]["info"]
        point = swept[n].loc[T]
        kl = lambda ll: float(kl_from_log_likelihood(ll, L, T))  # noqa: E731
        upper, upper_se, lower, lower_se = info["kl_bracket_rows"]
        rows.append({"T": T, "epochs": n, "kl_sweep": kl(point["log_likelihood"]),
                     "kl_sweep_error": float(point["log_likelihood_error"]),
                     "repeats": info["log_likelihood_sweep_ais"] == float(point["log_likelihood"]),
                     "kl": info["kl"][0], "kl_error": info["kl"][1], "kl_ais": upper, "kl_ais_error": upper_se,
                     "kl_raise": lower, "kl_raise_error": lower_se} | converge.bracket(info))
    return pd.DataFrame(rows).set_index(["T", "epochs"])


def longer_training(temperatures=TEMPERATURES, store: Store | None = None):
    """The paper's L1 first layer (seed 0) after N_EPOCHS and after the paper's 200 epochs (the
    same trajectory), per temperature T (the index), KL in nats per configuration: kl_short and
    kl_long with the stated errors of their log-likelihoods (the sweep's AIS), the same two with
    the longer annealing of ais_recheck (kl_short_more_betas, kl_long_more_betas); over the
    second half of measured_by_epoch, the largest change of the KL between successive
    measurements (largest_jump) and its range (kl_min, kl_max); and same_path, whether the
    measurements at N_EPOCHS and 200 epochs repeat the sweep's log-likelihoods to the last bit.
    Nothing is trained here that the sweeps have not stored."""
    import pandas as pd

    from .analysis import kl_from_log_likelihood

    alpha, n_long = experiments.PAPER_RBM["alpha"], experiments.PAPER_RBM["n_iter"]
    paper = (("l1", alpha),)
    short = temperature_sweep(temperatures, paper, (0,), store=store, progress=False).set_index("T")
    long = paper_epochs_by_temperature(temperatures, store=store, progress=False).set_index("T")
    check = ais_recheck(temperatures, paper, store=store, progress=False).set_index("T")
    check_long = ais_recheck_long(temperatures, store=store, progress=False).set_index("T")
    by_epoch = measured_by_epoch(temperatures, store=store, progress=False)
    rows = {}
    for T in temperatures:
        kl = lambda ll: float(kl_from_log_likelihood(ll, experiments.PAPER_L, T))  # noqa: E731
        run = by_epoch[by_epoch["T"] == T].set_index("epoch")
        late = np.array([kl(ll) for ll in run.loc[run.index > n_long / 2, "log_likelihood"]])
        rows[T] = {
            "kl_short": kl(short.loc[T, "log_likelihood"]), "kl_short_error": short.loc[T, "log_likelihood_error"],
            "kl_long": kl(long.loc[T, "log_likelihood"]), "kl_long_error": long.loc[T, "log_likelihood_error"],
            "kl_short_more_betas": kl(check.loc[T, "log_likelihood_more_betas"]),
            "kl_long_more_betas": kl(check_long.loc[T, "log_likelihood_more_betas"]),
            "largest_jump": float(np.abs(np.diff(late)).max()), "kl_min": float(late.min()), "kl_max": float(late.max()),
            "same_path": bool(run.loc[N_EPOCHS, "log_likelihood"] == short.loc[T, "log_likelihood"]
                              and run.loc[n_long, "log_likelihood"] == long.loc[T, "log_likelihood"])}
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("T")


def ais_flagged(check, n_sigma: float = 4.0):
    """Rows of an ais_recheck table whose longer annealing moves the log-likelihood by more
    than n_sigma combined stated errors (a boolean Series)."""
    return check["shift"].abs() > n_sigma * np.hypot(check["stated_error"], check["log_likelihood_more_betas_error"])


def ais_recheck_flagged(seeds=SEEDS, **options):
    """ais_recheck on every training seed of the points that ais_recheck(**options) flags
    (ais_flagged); an empty table if it flags none."""
    import pandas as pd

    check = ais_recheck(**options)
    options = {key: value for key, value in options.items() if key not in ("temperatures", "settings", "seeds")}
    tables = [ais_recheck((row["T"],), ((row["penalty"], row["alpha"]),), seeds=seeds, **options)
              for _, row in check[ais_flagged(check)].iterrows()]
    return pd.concat(tables, ignore_index=True) if tables else check.iloc[:0]


# ----------------------------------------------------------------------------- the scale test (issue 20, item 2)
SCALE_LS = (32, 40, 64)  # lattice sides of the scale test
SCALE_LARGEST = 128  # run at T_c only, one seed of SCALE_STRONG: about an hour a run on one core
# T_c, where xi is limited by L, and temperatures above it of the temperature sweeps, whose exact
# infinite-lattice xi (exact.correlation_length) is 16.3, 7.47, 4.27 and 2.14 lattice spacings
SCALE_TEMPERATURES = (T_C, 2.35, experiments.PAPER_T, 2.6, 3.0)
SCALE_SETTINGS = (("l1", experiments.PAPER_RBM["alpha"]), ("none", 0.0))  # the paper's penalty, and none
SCALE_STRONG = ("l1", 1e-3)  # beside them: the L1 strength whose fields are compact after 20 epochs at L = 40
SCALE_COMPRESSION = 4  # L^2 / n_hidden: the paper's 1600 -> 400 at L = 40, kept at every L
SCALE_RADII = (rg.WINDOW_RADIUS, 12)  # window half-sides of compact_part (2R + 1 < 32 for both)
SCALE_MEASURES = ("area", "gyration", "background")
SCALE_BOOTSTRAP = 1000  # resamples of the units for the error of a median
SCALE_COMPACT_BELOW = sizes.COMPACT_BELOW  # a field has a compact part when its background share is below this


def scale_hidden(L: int, compression: int = SCALE_COMPRESSION) -> int:
    """The first layer's hidden units on the L x L lattice: L^2 / compression (400 at L = 40)."""
    if (L * L) % compression:
        raise ValueError(f"compression {compression} must divide L^2 = {L * L}")
    return L * L // compression


def scale_points(Ls=SCALE_LS, temperatures=SCALE_TEMPERATURES, settings=SCALE_SETTINGS, seeds=(0,)) -> list:
    """The points (L, T, penalty, alpha, seed) of the scale test in the order a run computes
    them: seed by seed, and within a seed the smaller lattices first."""
    return [(L, T, penalty, 0.0 if penalty == "none" else alpha, seed)
            for seed in seeds for L in sorted(Ls) for T in temperatures for penalty, alpha in settings]


def _scale_point(config, T):
    """A point of scale_test: the first layer trained as the sweep trains it (no AIS), then
    rg.compact_part of every unit's field at each window half-side of config["radii"].
    Returns (arrays, info): per unit and radius R, area_R{R}, gyration_R{R}, background_R{R}
    (float32; a field that is identically zero has none of them: NaN), and the seconds of each
    epoch; never the weights."""
    seconds, start = [], time.perf_counter()
    for epoch, rbm, X, held in _training(config, T):
        seconds.append(time.perf_counter() - start)
        start = time.perf_counter()
    L = config.get("L", experiments.PAPER_L)
    W = np.asarray(rbm.components_, np.float64)
    alive = (W != 0).any(axis=1)
    arrays = {"epoch_seconds": np.array(seconds)}
    for radius in config["radii"]:
        part = rg.compact_part(W[alive], (L, L), radius=radius)
        for key in SCALE_MEASURES:
            values = np.full(len(W), np.nan, np.float32)
            values[alive] = getattr(part, key)
            arrays[f"{key}_R{radius}"] = values
    return arrays, {"seconds": float(sum(seconds)), "dead_units": int((~alive).sum())}


def median_and_error(x, n_resamples: int = SCALE_BOOTSTRAP, seed: int = 0) -> tuple[float, float]:
    """Median of the finite values of x and its bootstrap standard error (n_resamples
    resamples with replacement, from seed: the same x gives the same error); NaN error below 2
    values."""
    x = np.asarray(x, float)
    x = x[np.isfinite(x)]
    if len(x) < 2:
        return (float(x[0]) if len(x) else np.nan), np.nan
    resampled = np.random.default_rng(seed).choice(x, size=(n_resamples, len(x)))
    return float(np.median(x)), float(np.median(resampled, axis=1).std(ddof=1))


def scale_summary(arrays, radii=SCALE_RADII, compact_below: float = SCALE_COMPACT_BELOW) -> dict:
    """A scale_test point's row from its per-unit arrays. For each radius R (the default R
    without suffix, the others with _R{R}): compact, the share of units with a compact part
    (background share below compact_below, as sizes.COMPACT_BELOW); over those units the median
    and mean area in sites and the median gyration in lattice spacings; over all units the
    median area (area_all, which for a field with no compact part measures the window) and the
    mean background share. Each with its error over the units (bootstrap for medians, standard
    error for means)."""
    row = {}
    for radius in radii:
        suffix = "" if radius == rg.WINDOW_RADIUS else f"_R{radius}"
        area, gyration = arrays[f"area_R{radius}"], arrays[f"gyration_R{radius}"]
        background = arrays[f"background_R{radius}"]
        with np.errstate(invalid="ignore"):
            compact = np.isfinite(area) & (background < compact_below)
        for name, value in (("area", median_and_error(area[compact])),
                            ("mean_area", analysis.mean_and_error(area[compact])),
                            ("gyration", median_and_error(gyration[compact])),
                            ("area_all", median_and_error(area)),
                            ("background", analysis.mean_and_error(background[np.isfinite(background)]))):
            row[f"{name}{suffix}"], row[f"{name}{suffix}_error"] = value
        row[f"compact{suffix}"] = float(np.mean(compact))
    return row


def scale_test(points=None, n_iter: int = N_EPOCHS, compression: int = SCALE_COMPRESSION, radii=SCALE_RADII,
               n_jobs: int = 1, store: Store | None = None, progress: bool = True):
    """Do the first layer's receptive fields track the correlation length? For each point
    (L, T, penalty, alpha, seed) (default: scale_book_points(), those the book shows), the first layer with
    L^2 / compression hidden units (the paper's 1600 -> 400 compression at every L) trained with
    the paper's CD-1 schedule (experiments.PAPER_RBM, n_iter epochs: the sweep's 20 by default)
    on the 20,000 configurations of the L x L torus at T, and the size of its fields measured
    by rg.compact_part, apart from their background.

    One row per point: L, T, penalty, alpha, seed, n_hidden, xi (the exact infinite-lattice
    correlation length; inf at and below T_c), xi2 = xi^2, the columns of scale_summary, seconds
    (training, the data's loading included), seconds_per_epoch (the median epoch) and dead_units
    (identically zero fields). Each point is its own artifact (kind "scale") holding per-unit
    measures, never weights: a run resumes where it stopped, and the same seed gives the same
    row (one BLAS thread)."""
    import pandas as pd

    from .exact import correlation_length

    store = store or Store()
    points = scale_book_points() if points is None else list(points)
    jobs = []
    for L, T, penalty, alpha, seed in points:
        n_hidden = scale_hidden(L, compression)
        data_name = experiments.ising_samples_name(L=L, T=T)
        config = {key: value for key, value in _point_config(data_name, penalty, alpha, seed, n_iter, n_hidden,
                                                             L).items() if key != "ais"}
        config |= {"radii": list(radii), "L": L}
        jobs.append((config, _label(T, penalty, alpha, seed, n_iter, n_hidden, L), T))
    _compute_missing(store, "scale", jobs, _scale_point, n_jobs, progress, "scale test")
    rows = []
    for (L, T, penalty, alpha, seed), (config, label, _) in zip(points, jobs):
        arrays, sidecar = store.load(artifact_name("scale", config, label))
        xi = correlation_length(T) if T > T_C else np.inf
        rows.append({"L": L, "T": T, "penalty": penalty, "alpha": alpha, "seed": seed, "n_hidden": config["n_hidden"],
                     "xi": xi, "xi2": xi**2} | scale_summary(arrays, radii)
                    | {"seconds": sidecar["info"]["seconds"],
                       "seconds_per_epoch": float(np.median(arrays["epoch_seconds"])),
                       "dead_units": sidecar["info"]["dead_units"]})
    return pd.DataFrame(rows)


def scale_book_points() -> list:
    """The points of scale_test that the book's chapter shows (what one session could compute):
    seed 0 at every lattice side, temperature and setting (SCALE_SETTINGS and SCALE_STRONG);
    seeds 1 and 2 at L = 32 and 40 for SCALE_STRONG, seed 1 at L = 64 for SCALE_STRONG at
    T_c and at the highest temperature (the reference of scaling.critical_growth), and seed 0
    of SCALE_STRONG at T_c on the SCALE_LARGEST lattice."""
    every = SCALE_SETTINGS + (SCALE_STRONG,)
    return (scale_points(settings=every, seeds=(0,))
            + scale_points(Ls=(32, 40), settings=(SCALE_STRONG,), seeds=(1, 2))
            + scale_points(Ls=(64,), temperatures=(T_C, max(SCALE_TEMPERATURES)), settings=(SCALE_STRONG,), seeds=(1,))
            + scale_points(Ls=(SCALE_LARGEST,), temperatures=(T_C,), settings=(SCALE_STRONG,), seeds=(0,)))
