"""First layers trained to documented convergence: the reference for what an RBM of the paper's
size (1600 -> 400) can learn from the Ising data. The paper's CD-1 networks stay the replication.

The recipe (RECIPE) is persistent contrastive divergence (Tieleman 2008): 100 chains (one per
row of a mini-batch) carried over between updates, cd_k Gibbs sweeps per update, momentum 0.5,
visible biases started at the data's log-odds, and a learning rate decaying as
lr_e = lr_0 / (1 + e / decay_epochs) in epoch e. Every check_every epochs (SCHEDULE) the
held-out mean log-likelihood is estimated by AIS, with its standard error; training stops by the
rule of `stopped`, or at max_epochs, which the result records as not converged. A run returns
the network of its best check (early stopping), which is its last where it still improves.

What a check judges, and what a run returns, is the tail average (Polyak & Juditsky 1992) of the
parameters at the end of each epoch since the previous check, not the last iterate: under PCD the
iterate itself fluctuates between checks by far more than AIS's error (the first runs, judged by
the iterate, moved by 17 nats from check to check at T_c against an AIS error below 0.4), and a
stopping rule that compares checks within their AIS errors is then decided by that fluctuation.

Each check leaves a checkpoint in the store's checkpoints/ folder (git-ignored), so an
interrupted run resumes from its last check and gives the same result; the finished run is one
artifact: the trajectory of checks and the final weights.
"""

from __future__ import annotations

import copy
import pickle
import warnings

import numpy as np
from threadpoolctl import threadpool_limits

from . import baselines, experiments, gibbs, rg
from .exact import T_C
from .rbm import RBM, partition, spins_to_visible
from .store import CorruptArtifactError, Store, artifact_name

RECIPE = {"n_components": 400, "learning_rate": 0.01, "batch_size": 100, "momentum": 0.5, "cd_k": 10,
          "persistent": True, "penalty": None, "alpha": 0.0, "visible_bias_init": "data"}
SCHEDULE = {
    "decay_epochs": 50,  # lr halves after 50 epochs, is a third after 100
    "check_every": 10,  # epochs between held-out likelihood checks
    "averaged": True,  # checks judge the mean of the end-of-epoch parameters since the previous check
    "patience": 3,  # checks without a significant improvement before stopping
    "n_sigma": 2.0,  # "significant": more than this many combined standard errors
    "max_epochs": 200,  # this round's cap: a run still improving then is reported as not converged
    "ais": {"n_chains": 100, "n_betas": 5000},  # may add "base" (BASES; the data's log-odds unless given)
}
L1_RECIPE = {"penalty": "l1", "alpha": experiments.PAPER_RBM["alpha"]}  # RECIPE with the paper's penalty
# The ordered phase's run: RECIPE's chains with the global-flip move, checked by AIS from the two-state mixture
FLIP_RECIPE = {"global_flip": True}
FLIP_SCHEDULE = {"ais": SCHEDULE["ais"] | {"base": "two products"}}
# ... and with parallel tempering instead: 10 replicas from beta = 1 to 0.6, one sweep each per update
# (chosen after a probe on the flip run's network; what the returned network's ladder swaps: swap_acceptance)
TEMPERED_RECIPE = {"n_temperatures": 10, "min_beta": 0.6, "cd_k": 1}
TEMPERED_SCHEDULE = FLIP_SCHEDULE | {"max_epochs": 60}
# ... and with a learning rate ten times smaller, capped at 40 epochs
SLOW_TEMPERED_RECIPE = TEMPERED_RECIPE | {"learning_rate": 0.001}
SLOW_TEMPERED_SCHEDULE = FLIP_SCHEDULE | {"max_epochs": 40}
# the ordered phase's runs beyond the reference: (recipe, schedule) by name
ORDERED_REMEDIES = {"PCD-10 with flips": (FLIP_RECIPE, FLIP_SCHEDULE),
                    "parallel tempering": (TEMPERED_RECIPE, TEMPERED_SCHEDULE),
                    "parallel tempering, lr 0.001": (SLOW_TEMPERED_RECIPE, SLOW_TEMPERED_SCHEDULE)}
STOPPING = ("patience", "n_sigma", "max_epochs")  # the parts of SCHEDULE that decide when to stop, not the path
BLAS_THREADS = 1
CHECK_COLUMNS = ("epoch", "log_likelihood", "log_likelihood_error", "learning_rate", "kl")
TEMPERATURES = (2.0, T_C, experiments.PAPER_T, 3.0)  # those of the temperature study
SEEDS = (0, 1, 2)


def learning_rate(lr0: float, epoch: int, decay_epochs: float) -> float:
    """lr_e = lr_0 / (1 + e / decay_epochs): the step size of epoch e (counted from 0)."""
    if decay_epochs <= 0:
        raise ValueError(f"decay_epochs must be > 0, got {decay_epochs}")
    return lr0 / (1.0 + epoch / decay_epochs)


def stopped(log_likelihood, error, patience: int, n_sigma: float) -> bool:
    """The stopping rule on a sequence of checks (mean held-out log-likelihood and its standard
    error): True when none of the last `patience` checks exceeds the best earlier check by more
    than n_sigma sqrt(se_i^2 + se_best^2). False while there are `patience` checks or fewer."""
    ll, se = np.asarray(log_likelihood, float), np.asarray(error, float)
    if ll.shape != se.shape or ll.ndim != 1:
        raise ValueError(f"log_likelihood and error must be 1-d of one length, got {ll.shape} and {se.shape}")
    if len(ll) <= patience:
        return False
    best = int(np.argmax(ll[:-patience]))
    margin = n_sigma * np.sqrt(se[-patience:] ** 2 + se[best] ** 2)
    return bool(np.all(ll[-patience:] - ll[best] <= margin))


def _label(L, T, seed, recipe):
    return (f"L{L}-T{T:.4f}-h{recipe['n_components']}-{recipe.get('penalty') or 'none'}-"
            f"{'pcd' if recipe['persistent'] else 'cd'}{recipe['cd_k']}{'-flip' if recipe.get('global_flip') else ''}"
            f"{'-pt' + str(recipe['n_temperatures']) if recipe.get('n_temperatures', 1) > 1 else ''}"
            f"{'-lr' + format(recipe['learning_rate'], 'g') if recipe['learning_rate'] != RECIPE['learning_rate'] else ''}"
            f"-seed{seed}")


def _check(rbm, held, seed, ais, base):
    """(mean held-out log-likelihood, standard error of its ln Z): ln Z by AIS from `base`
    (annealing_base's keywords), or exactly when a layer has at most 20 units (RBM.log_partition's "auto")."""
    log_z, se = rbm.log_partition("auto", random_state=seed, **ais, **base)
    return float(-rbm.free_energy(held).mean() - log_z), float(se)


def _parameters(rbm):
    return rbm.components_, rbm.intercept_hidden_, rbm.intercept_visible_


def _with_parameters(rbm, W, b, c):
    """A shallow copy of rbm with parameters W, b, c."""
    model = copy.copy(rbm)
    model.components_, model.intercept_hidden_, model.intercept_visible_ = W, b, c
    return model


class _Checkpoints:
    """A run's checkpoints, one artifact per check: the pickled estimator, the checks so far and
    the parameters of the best check so far."""

    def __init__(self, store: Store, run: str):
        self.store, self.run = Store(store.root / "checkpoints"), run

    def _name(self, epoch):
        return f"{self.run}-e{epoch:05d}"

    def latest(self):
        """(rbm, rows, best check's (W, b, c)) of the latest readable checkpoint, or (None, [], None)."""
        folder = self.store.folder(self.run)
        names = sorted(p.stem for p in folder.glob(f"{self.run}-e*.json")) if folder.exists() else []
        for name in reversed(names):
            try:
                arrays, sidecar = self.store.load(name)
            except CorruptArtifactError as err:  # damaged: say so, drop it, resume from the one before
                warnings.warn(f"skipping a damaged checkpoint ({err}); resuming from the one before", RuntimeWarning)
                for path in self.store.paths(name):
                    path.unlink(missing_ok=True)
                continue
            best = tuple(arrays[f"best_{key}"] for key in "Wbc")
            return pickle.loads(arrays["estimator"].tobytes()), sidecar["info"]["rows"], best
        return None, [], None

    def save(self, rbm, rows, best):
        arrays = {"estimator": np.frombuffer(pickle.dumps(rbm), np.uint8)} | {f"best_{k}": p for k, p in zip("Wbc", best)}
        self.store.save(self._name(rbm.n_epochs_), arrays, {"run": self.run}, {"rows": rows})

    def clear(self):
        for path in self.store.folder(self.run).glob(f"{self.run}-e*"):
            path.unlink()


def _spec(T, seed, recipe, schedule, L, n_samples):
    """(store config, label, name of its checkpoints) of a run, RECIPE and SCHEDULE updated by
    recipe and schedule. Checkpoints are named by what fixes the trajectory (not by when to stop),
    so a run resumes under a later stopping rule or cap."""
    recipe, schedule = RECIPE | (recipe or {}), SCHEDULE | (schedule or {})
    if not schedule["averaged"]:  # the first runs judged the last iterate, stored before the key existed
        schedule = {k: v for k, v in schedule.items() if k != "averaged"}
    config = {"data": experiments.ising_samples_name(L=L, T=T, n_samples=n_samples), "L": L, "T": float(T),
              "n_samples": n_samples, "seed": seed, "recipe": recipe, "schedule": schedule}
    label = _label(L, T, seed, recipe)
    trajectory = config | {"schedule": {k: v for k, v in schedule.items() if k not in STOPPING}}
    return config, label, artifact_name("trajectory", trajectory, label)


def train(T: float = experiments.PAPER_T, seed: int = 0, recipe: dict | None = None, schedule: dict | None = None,
          L: int = experiments.PAPER_L, n_samples: int = experiments.PAPER_N_SAMPLES, store: Store | None = None,
          progress: bool = True):
    """A first layer trained on the L x L data set at T by RECIPE (updated by `recipe`) until the
    stopping rule of SCHEDULE (updated by `schedule`) holds. Returns (arrays, sidecar) of its
    checks: arrays epoch, log_likelihood, log_likelihood_error, learning_rate, kl (one row per
    check); info says whether it converged, after how many epochs. Its weights: `weights`."""
    store = store or Store()
    config, label, run = _spec(T, seed, recipe, schedule, L, n_samples)
    return store.cached("converged", config, lambda: _train(config, store, run, progress), label)


def weights(T: float = experiments.PAPER_T, seed: int = 0, recipe: dict | None = None, schedule: dict | None = None,
            L: int = experiments.PAPER_L, n_samples: int = experiments.PAPER_N_SAMPLES, store: Store | None = None,
            progress: bool = True):
    """(W, b, c), float32, of the run of train(...) with these arguments: the network of its best
    check (the highest held-out likelihood; early stopping's choice), the tail average there. Stored apart from the checks; where they are not (only seed 0's are committed),
    the run is trained again, to the same bits."""
    store = store or Store()
    config, label, run = _spec(T, seed, recipe, schedule, L, n_samples)
    name = artifact_name("weights-converged", config, label)
    if not store.exists(name):
        _train(config, store, run, progress)
    arrays, _ = store.load(name)
    return arrays["W"], arrays["b"], arrays["c"]


def _train(config, store, run, progress):
    """Train (resuming from the checkpoints), store the final weights as 'weights-converged' and
    return (checks, info)."""
    from tqdm.auto import tqdm

    L, T, seed, recipe, schedule = (config[key] for key in ("L", "T", "seed", "recipe", "schedule"))
    X = spins_to_visible(experiments.ising_samples(L=L, T=T, n_samples=config["n_samples"], store=store,
                                                   progress=False).configs)
    held = spins_to_visible(experiments.held_out_samples(T, L=L, store=store).configs, np.float64)
    ais = dict(schedule["ais"])
    base = annealing_base(X, ais.pop("base", "data log-odds"))
    checkpoints = _Checkpoints(store, run)
    rbm, rows, best = checkpoints.latest()  # best: the parameters of the check with the highest likelihood
    rbm = rbm or RBM(random_state=seed, n_iter=1, **recipe)
    every, limit = schedule["check_every"], schedule["max_epochs"]
    total = None  # sums of the end-of-epoch parameters since the last check
    with threadpool_limits(BLAS_THREADS), tqdm(total=limit, initial=getattr(rbm, "n_epochs_", 0),
                                               disable=not progress, desc=f"converge {run}", unit="epoch") as bar:
        while not stopped([r["log_likelihood"] for r in rows], [r["log_likelihood_error"] for r in rows],
                          schedule["patience"], schedule["n_sigma"]):
            epoch = getattr(rbm, "n_epochs_", 0)
            if epoch >= limit:
                break
            rbm.learning_rate = learning_rate(recipe["learning_rate"], epoch, schedule["decay_epochs"])
            rbm.partial_fit(X)
            now = _parameters(rbm)
            total = [p.copy() for p in now] if total is None else [t + p for t, p in zip(total, now)]
            bar.update()
            if rbm.n_epochs_ % every == 0:
                judged = tuple(t / every for t in total) if schedule.get("averaged") else tuple(p.copy() for p in now)
                total = None
                ll, se = _check(_with_parameters(rbm, *judged), held, seed, ais, base)
                if not rows or ll > max(r["log_likelihood"] for r in rows):
                    best = judged
                rows.append({"epoch": rbm.n_epochs_, "log_likelihood": ll, "log_likelihood_error": se,
                             "learning_rate": rbm.learning_rate})
                bar.set_postfix(kl=f"{float(baselines.kl_from_log_likelihood(ll, L, T)):.1f}")
                checkpoints.save(rbm, rows, best)
    columns = {key: np.array([row[key] for row in rows], float) for key in rows[0]}
    columns["kl"] = baselines.kl_from_log_likelihood(columns["log_likelihood"], L, T)
    info = {"converged": rbm.n_epochs_ < limit, "epochs": rbm.n_epochs_,
            "best_epoch": int(columns["epoch"][np.argmax(columns["log_likelihood"])])}
    name = artifact_name("weights-converged", config, _label(L, T, seed, recipe))
    if not store.exists(name):
        store.save(name, dict(zip("Wbc", (p.astype(np.float32) for p in best))), config, info)
    checkpoints.clear()
    return columns, info


EVALUATION = {
    "ais": {"n_betas": 20_000, "schedule": "salakhutdinov", "n_chains": 100, "dtype": "float32"},
    "raise_rows": 50,  # held-out rows bracketed by RAISE (2 reverse chains each)
    "raise_chains": 2,
    "gibbs": {"n_chains": 100, "n_sweeps": 3000, "every": 10},
}


BASES = ("data log-odds", "two products")  # the annealing's base, fitted to the training rows
# (T, n_betas) of the reference runs (seed 0) judged again from the two-product base: every
# temperature with EVALUATION's annealing, and the ordered phase with three times as long
TWO_PRODUCT_CHECKS = tuple((T, EVALUATION["ais"]["n_betas"]) for T in TEMPERATURES) + (
    (2.0, 3 * EVALUATION["ais"]["n_betas"]),)


def annealing_base(train, base: str = "data log-odds") -> dict:
    """The base of AIS and RAISE fitted to the training rows (0/1), as their keyword arguments:
    "data log-odds", the product distribution of the rows' marginals; "two products", a mixture
    of two product distributions fitted by EM (baselines.fit_mixture, seed 0), which holds both
    magnetised states of the ordered phase (partition.mixture_base)."""
    if base not in BASES:
        raise ValueError(f"base must be one of {BASES}, got {base!r}")
    if base == "data log-odds":
        return {"base_visible_bias": partition.data_log_odds(train)}
    mixture = baselines.fit_mixture(2 * np.asarray(train, np.int8) - 1, 2, seed=0)
    visible_bias, hidden = partition.mixture_base(mixture.weights, mixture.probabilities)
    return {"base_visible_bias": visible_bias, "base_hidden": hidden}


def likelihood_bracket(W, b, c, train, held, T: float, seed: int = 0, settings: dict | None = None,
                       base: str = "data log-odds") -> dict:
    """The held-out KL (nats per configuration) of an RBM (W, b, c) on the L x L torus at T,
    from the sandwich of settings (EVALUATION's ais, raise_rows, raise_chains) on the first
    raise_rows held-out rows (0/1): kl_bracket_rows, [KL from AIS (a stochastic lower bound),
    its error, KL from RAISE (upper), its error]; kl, [KL over all held-out rows with AIS's ln Z,
    error combining the rows' sampling and AIS's]; log_z, [AIS's ln Z, its error]. The annealing
    starts from annealing_base(train, base)."""
    settings = EVALUATION | (settings or {})
    L = int(round(np.sqrt(np.shape(W)[1])))
    rows = held[:settings["raise_rows"]]
    options = settings["ais"] | annealing_base(train, base) | {"random_state": seed}
    with threadpool_limits(BLAS_THREADS):
        (lower, lower_se), (upper, upper_se) = partition.sandwich(
            W, b, c, rows, raise_chains=settings["raise_chains"], **options)
        log_z = float(-partition.free_energy(W, b, c, rows).mean() - upper)
        log_p = -partition.free_energy(W, b, c, held) - log_z
    kl = lambda ll: float(baselines.kl_from_log_likelihood(ll, L, T))  # noqa: E731
    return {"kl_bracket_rows": [kl(upper), upper_se, kl(lower), lower_se],  # KL from the upper and lower bounds
            "kl": [kl(log_p.mean()), float(np.hypot(log_p.std(ddof=1) / np.sqrt(len(log_p)), upper_se))],
            "log_z": [log_z, upper_se]}


def evaluate(W, b, c, T: float, L: int = experiments.PAPER_L, seed: int = 0, store: Store | None = None,
             settings: dict | None = None) -> tuple[dict, dict]:
    """A first layer (W, b, c) trained on the L x L data at T, judged on the held-out samples:
    the held-out mean log-likelihood bracketed by RAISE (lower) and AIS (upper) on the first
    raise_rows rows, and by AIS on all rows (with the rows' sampling error), as KL in nats;
    samples of its own (gibbs.compare) beside the data and Kaufman; the sizes and backgrounds
    of its fields (rg.compact_part) and locality. `settings` updates EVALUATION. Returns
    (arrays, info) for the store."""
    settings = EVALUATION | (settings or {})
    train = spins_to_visible(experiments.ising_samples(L=L, T=T, store=store, progress=False).configs)
    held_configs = experiments.held_out_samples(T, L=L, store=store).configs
    info = likelihood_bracket(W, b, c, train, spins_to_visible(held_configs, np.float64), T, seed, settings)
    with threadpool_limits(BLAS_THREADS):
        samples = gibbs.compare(W, b, c, held_configs, T, random_state=seed, **settings["gibbs"])
    parts = rg.compact_part(W, (L, L), radius=min(rg.WINDOW_RADIUS, (L - 2) // 2))  # the window fits the lattice
    info |= {
        "locality": [float(rg.locality(W, (L, L)).mean()), float(rg.locality(W, (L, L)).std(ddof=1) / np.sqrt(len(W)))],
        "median_area": float(np.nanmedian(parts.area)), "mean_background": float(np.mean(parts.background)),
    }
    arrays = {f"samples_{key}": samples[key].to_numpy(float) for key in samples.columns}
    return arrays | {"samples_source": samples.index.to_numpy(str)}, info


def bracket(info: dict, n_sigma: float = 4.0) -> dict:
    """The AIS/RAISE bracket of an evaluation (`evaluate`'s info): the gap, KL from RAISE minus
    KL from AIS on the same rows (nats; >= 0 in expectation when RAISE's bound holds), its
    combined error, and the verdict: "closed" (|gap| <= n_sigma errors: the estimate can be
    trusted), "open" (RAISE above by more: the annealing is too short) or "crossed" (RAISE
    below by more: its bound fails, as it may for data far from the model's own samples)."""
    upper_kl, upper_se, lower_kl, lower_se = info["kl_bracket_rows"]
    gap, error = lower_kl - upper_kl, float(np.hypot(upper_se, lower_se))
    state = "closed" if abs(gap) <= n_sigma * error else "open" if gap > 0 else "crossed"
    return {"gap": float(gap), "error": error, "verdict": state}


def finished(temperatures=TEMPERATURES, seeds=SEEDS, store: Store | None = None, L: int = experiments.PAPER_L,
             n_samples: int = experiments.PAPER_N_SAMPLES, recipe: dict | None = None, schedule: dict | None = None):
    """The runs of train(...) with these arguments that are stored (none is trained here):
    one row per check, with columns T, seed, epoch, log_likelihood, log_likelihood_error,
    learning_rate, kl, and per run converged (the rule stopped it) and epochs."""
    import pandas as pd

    store = store or Store()
    frames = []
    for T in temperatures:
        for seed in seeds:
            config, label, _ = _spec(T, seed, recipe, schedule, L, n_samples)
            name = artifact_name("converged", config, label)
            if store.exists(name):
                arrays, sidecar = store.load(name)
                checks = {key: arrays[key] for key in CHECK_COLUMNS}
                frames.append(pd.DataFrame(checks).assign(T=float(T), seed=seed, **sidecar["info"]))
    columns = ["T", "seed", *CHECK_COLUMNS, "converged", "epochs", "best_epoch"]  # best_epoch: not in the first runs
    return pd.concat(frames, ignore_index=True).reindex(columns=columns) if frames else pd.DataFrame(columns=columns)


JUDGED = {"tail average": True, "last iterate": False}  # what a check judges: SCHEDULE["averaged"]


def judged_runs(temperatures=TEMPERATURES, seeds=SEEDS, store: Store | None = None):
    """`finished` runs of both kinds, with a column judged: "tail average" (SCHEDULE's rule) or
    "last iterate" (the first runs, averaged=False). Same seeds, data and path otherwise."""
    import pandas as pd

    frames = [finished(temperatures, seeds, store, schedule={"averaged": flag}).assign(judged=name)
              for name, flag in JUDGED.items()]
    return pd.concat([f for f in frames if len(f)], ignore_index=True) if any(len(f) for f in frames) else frames[0]


def _run_keys(runs):
    return [key for key in ("judged", "T", "seed") if key in runs.columns]


def check_scatter(runs) -> "pandas.DataFrame":
    """Per run of `finished` (or `judged_runs`): the root-mean-square change of the KL between
    successive checks over the second half of the run, beside the median AIS error of a check
    (nats). The stopping rule sees only the latter; where the former is much larger, the model's
    own fluctuation between checks, not the estimate's error, decides when the rule fires."""
    import pandas as pd

    rows = {}
    for key, run in runs.sort_values("epoch").groupby(_run_keys(runs)):
        late = run[run["epoch"] > run["epoch"].max() / 2]
        rows[key] = {"scatter": float(np.sqrt(np.mean(np.diff(late["kl"]) ** 2))) if len(late) > 1 else np.nan,
                     "ais_error": float(run["log_likelihood_error"].median())}
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis(_run_keys(runs))


def at_common_epoch(runs) -> "pandas.DataFrame":
    """Per (T, seed) run of judged_runs that exists judged both ways: the last epoch both runs
    checked, and the KL there of the tail average and of the last iterate, with AIS errors
    (nats per configuration). Same data, seed and trajectory: the difference is the averaging."""
    import pandas as pd

    rows = {}
    for (T, seed), run in runs.groupby(["T", "seed"]):
        kinds = {name: part.set_index("epoch") for name, part in run.groupby("judged")}
        if set(kinds) != set(JUDGED):
            continue
        epoch = max(set(kinds["tail average"].index) & set(kinds["last iterate"].index))
        rows[(T, seed)] = {"epoch": int(epoch)} | {
            f"{column}{suffix}": float(kinds[name].loc[epoch, key])
            for name, column in (("tail average", "averaged"), ("last iterate", "iterate"))
            for key, suffix in (("kl", ""), ("log_likelihood_error", "_error"))}
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis(["T", "seed"])


def run_summary(runs) -> "pandas.DataFrame":
    """Per run of `finished` or `judged_runs`: epochs trained, whether the stopping rule ended it,
    the KL at the last check (kl, with the AIS error kl_error) and the lowest KL of any check
    (best), and check_scatter's columns, in nats per configuration."""
    keys = _run_keys(runs)
    ordered = runs.sort_values("epoch").groupby(keys)
    last = ordered.tail(1).set_index(keys)
    table = last[["epochs", "converged"]].assign(kl=last["kl"], kl_error=last["log_likelihood_error"],
                                                 best=ordered["kl"].min())
    return table.join(check_scatter(runs))


def seed_spread(runs, judged: str = "tail average") -> "pandas.DataFrame":
    """Per temperature with two or more finished runs (of `finished`, or `judged_runs` judged
    this way): how many seeds, the standard deviation between seeds of each run's lowest KL
    (ddof=1, nats per configuration), the largest AIS error of those best checks, and their
    ratio. Where the ratio is large, a reference KL's error is the spread between seeds, not
    one run's AIS error."""
    import pandas as pd

    mine = runs[runs["judged"] == judged] if "judged" in runs.columns else runs
    best = mine.loc[mine.groupby(["T", "seed"])["kl"].idxmin()]
    rows = {T: {"seeds": len(g), "spread": float(g["kl"].std(ddof=1)),
                "ais_error": float(g["log_likelihood_error"].max())}
            for T, g in best.groupby("T") if len(g) > 1}
    table = pd.DataFrame.from_dict(rows, orient="index", columns=["seeds", "spread", "ais_error"]).rename_axis("T")
    return table.assign(ratio=table["spread"] / table["ais_error"])


def baseline_table(temperatures=TEMPERATURES, widths=(1, 2, 4, 8), mixture_temperatures=(2.0,), store: Store | None = None):
    """baselines.table at the paper's size, with the two-state product mixture fitted on the
    training set at each of mixture_temperatures and scored on its held-out samples (the data
    the RBMs see), in nats per configuration."""
    L = experiments.PAPER_L
    table = baselines.table(L, temperatures, widths)
    for T in mixture_temperatures:
        fit = baselines.mixture_from_samples(experiments.ising_samples(T=T, store=store, progress=False).configs,
                                             experiments.held_out_samples(T, store=store).configs, T)
        table.loc[float(T), ["mixture", "mixture_error"]] = fit.kl, fit.error
    return table


def _evaluation_key(kind, config, label):
    """(store config, label) under which an evaluation of `kind` ("paper", "converged") is cached."""
    return config | {"evaluation": EVALUATION}, f"{kind}-{label}"


def _evaluation(kind, config, label, weights, T, seed, store):
    store = store or Store()
    key, key_label = _evaluation_key(kind, config, label)
    arrays, sidecar = store.cached("evaluation", key, lambda: evaluate(*weights(), T=T, seed=seed, store=store), key_label)
    return arrays, sidecar["info"]


def _converged_evaluation_spec(T, seed, recipe=None, schedule=None):
    """(config, label) of the evaluation of the run at (T, seed) of RECIPE and SCHEDULE updated by
    recipe and schedule (the reference run without them), before _evaluation_key."""
    recipe, schedule = RECIPE | (recipe or {}), SCHEDULE | (schedule or {})
    label = _label(experiments.PAPER_L, T, seed, recipe)
    return {"converged": label, "recipe": recipe, "schedule": schedule}, label


def converged_evaluation(T: float = experiments.PAPER_T, seed: int = 0, store: Store | None = None):
    """evaluate() of the converged first layer at T (trained by `train` if not yet stored)."""
    config, label = _converged_evaluation_spec(T, seed)
    return _evaluation("converged", config, label, lambda: weights(T=T, seed=seed, store=store), T, seed, store)


def _two_product_key(T, seed, n_betas=None, recipe=None, schedule=None):
    """(store config, label) of two_product_bracket(T, seed, n_betas=n_betas, recipe, schedule), beside
    the evaluation of the data's log-odds; an annealing of EVALUATION's length adds nothing to either."""
    key, key_label = _evaluation_key("converged", *_converged_evaluation_spec(T, seed, recipe, schedule))
    key, key_label = key | {"base": "two products"}, f"{key_label}-two-products"
    if n_betas is not None and n_betas != EVALUATION["ais"]["n_betas"]:
        key, key_label = key | {"n_betas": n_betas}, f"{key_label}-{n_betas}"
    return key, key_label


def two_product_bracket(T: float, seed: int = 0, store: Store | None = None, n_betas: int | None = None,
                        recipe: dict | None = None, schedule: dict | None = None) -> dict:
    """likelihood_bracket of the run at (T, seed) (the reference run, or that of RECIPE and
    SCHEDULE updated by recipe and schedule; trained if its weights are not stored) with the
    "two products" base, as converged_evaluation's info holds it for the data's log-odds
    (cached beside it); n_betas replaces EVALUATION's annealing length."""
    store = store or Store()
    key, key_label = _two_product_key(T, seed, n_betas, recipe, schedule)
    longer = n_betas is not None and n_betas != EVALUATION["ais"]["n_betas"]
    settings = {"ais": EVALUATION["ais"] | {"n_betas": n_betas}} if longer else None

    def compute():
        train = spins_to_visible(experiments.ising_samples(T=T, store=store, progress=False).configs)
        held = spins_to_visible(experiments.held_out_samples(T, store=store).configs, np.float64)
        network = weights(T=T, seed=seed, recipe=recipe, schedule=schedule, store=store)
        return {}, likelihood_bracket(*network, train, held, T, seed, settings,
                                      base="two products")

    return store.cached("evaluation", key, compute, key_label)[1]["info"]


def reference_brackets(temperatures=TEMPERATURES, seed: int = 0, store: Store | None = None,
                       base: str = "data log-odds") -> "pandas.DataFrame":
    """The sandwich of the reference run at each temperature for one seed, from the annealing
    base `base` (BASES), where its weights or that evaluation are stored (none is trained here):
    per T, the KL over all held-out rows (AIS) and its error, the AIS and RAISE KLs on the
    bracketed rows with their errors, and bracket()'s gap, error and verdict (nats per configuration)."""
    import pandas as pd

    if base not in BASES:
        raise ValueError(f"base must be one of {BASES}, got {base!r}")
    store = store or Store()
    rows = {}
    for T in temperatures:
        config, label, _ = _spec(T, seed, None, None, experiments.PAPER_L, experiments.PAPER_N_SAMPLES)
        key, key_label = (_evaluation_key("converged", *_converged_evaluation_spec(T, seed)) if base == "data log-odds"
                          else _two_product_key(T, seed))
        stored = store.exists(artifact_name("evaluation", key, key_label))
        if not (stored or store.exists(artifact_name("weights-converged", config, label))):
            continue
        info = converged_evaluation(T, seed, store)[1] if base == "data log-odds" else two_product_bracket(T, seed, store)
        ais, ais_error, raised, raised_error = info["kl_bracket_rows"]
        rows[float(T)] = {"kl": info["kl"][0], "kl_error": info["kl"][1], "kl_ais": ais, "kl_ais_error": ais_error,
                          "kl_raise": raised, "kl_raise_error": raised_error} | bracket(info)
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("T")


def paper_evaluation(penalty: str = "L1", seed: int = 0, store: Store | None = None):
    """evaluate() of the first layer of the paper's DBN (CD-1, 200 epochs, rbm.m's settings) with
    penalty "L1" (the paper's), "L2" or "none" at the paper's alpha, on the paper's data."""
    names = dict(experiments.DBN_PENALTIES)
    if penalty not in names:
        raise ValueError(f"penalty must be one of {sorted(names)}, got {penalty!r}")

    def weights():
        rbm = experiments.penalty_dbns(seed=seed, store=store, progress=False)[penalty].dbn.rbms[0]
        return rbm.components_, rbm.intercept_hidden_, rbm.intercept_visible_

    config = {"dbn_first_layer": penalty, "seed": seed, "rbm_params": experiments.PAPER_RBM}
    return _evaluation("paper", config, f"{penalty.lower()}-seed{seed}", weights, experiments.PAPER_T, seed, store)


def comparison(temperatures=TEMPERATURES, store: Store | None = None):
    """KL (nats per configuration) of the first layers at each temperature beside the baselines:
    baseline_table's columns; the paper's CD-1 training for 20 epochs without a penalty and at
    the paper's L1 strength (the temperature sweep, (mean, standard error) over its seeds); the
    paper's L1 run for its 200 epochs (one seed, AIS as the sweep estimated it); and the
    PCD-10 reference runs at their best checks (finished only: (mean, standard error) over their seeds, or the one run's
    value and AIS error), with how many there are and whether all stopped by the rule."""
    import pandas as pd

    from . import analysis, sweep

    baselines_at = baseline_table(temperatures, store=store)
    short = analysis.with_kl(sweep.temperature_sweep(temperatures, progress=False, store=store))
    long = analysis.with_kl(sweep.paper_epochs_by_temperature(temperatures, progress=False, store=store))
    runs = finished(temperatures, store=store)
    last = runs.loc[runs.groupby(["T", "seed"])["log_likelihood"].idxmax()]  # each run's best check: what it returns
    paper_alpha = experiments.PAPER_RBM["alpha"]
    rows = []
    for T, row in baselines_at.iterrows():
        at, run, mine = (frame[np.isclose(frame["T"].to_numpy(float), T)] for frame in (short, long, last))
        none, l1 = at[at["penalty"] == "none"], at[(at["penalty"] == "l1") & (at["alpha"] == paper_alpha)]
        reference = (np.nan if len(mine) == 0 else analysis.mean_and_error(mine["kl"]) if len(mine) > 1
                     else (float(mine["kl"].iloc[0]), float(mine["log_likelihood_error"].iloc[0])))
        rows.append(row.to_dict() | {
            "CD-1, 20 epochs, none": analysis.mean_and_error(none["kl"]),
            "CD-1, 20 epochs, L1": analysis.mean_and_error(l1["kl"]),
            "CD-1, 200 epochs, L1": (float(run["kl"].iloc[0]), float(run["log_likelihood_error"].iloc[0])),
            "PCD-10 reference": reference, "reference runs": len(mine),
            "all stopped by the rule": bool(len(mine)) and bool(mine["converged"].all())})
    return pd.DataFrame(rows, index=baselines_at.index)


def swap_acceptance(T: float, seed: int, recipe: dict, schedule: dict | None = None, n_updates: int = 40,
                    store: Store | None = None) -> np.ndarray:
    """The ladder of a tempered run (recipe with n_temperatures > 1) measured on the network it
    returned, weights frozen: the fraction of proposed swaps each neighbouring pair of betas
    accepted over n_updates updates of 100 chains started from the first training rows (seed
    `seed`). Cached; the run is trained if its weights are not stored."""
    recipe = RECIPE | recipe
    if recipe.get("n_temperatures", 1) < 2:
        raise ValueError(f"recipe must have n_temperatures > 1, got {recipe.get('n_temperatures', 1)}")
    store = store or Store()
    config, label, _ = _spec(T, seed, recipe, schedule, experiments.PAPER_L, experiments.PAPER_N_SAMPLES)
    key = {"weights": artifact_name("weights-converged", config, label), "n_updates": n_updates}

    def compute():
        from .rbm import set_parameters

        W, b, c = weights(T=T, seed=seed, recipe=recipe, schedule=schedule, store=store, progress=False)
        rbm = set_parameters(RBM(random_state=seed, **recipe), W, b, c)
        X = spins_to_visible(experiments.ising_samples(T=T, store=store, progress=False).configs[:recipe["batch_size"]])
        V, H = np.empty_like(X), np.empty((len(X), len(b)), X.dtype)
        rng = np.random.default_rng(seed)
        with threadpool_limits(BLAS_THREADS):
            for _ in range(n_updates):
                rbm._negative_phase(rbm._hidden_probs(X), V, H, rng)
        return {"acceptance": rbm.swap_acceptance_}, {}

    return store.cached("ladder", key, compute, label)[0]["acceptance"]


def mirror_symmetrised(W, b, c, visible, log_z: float) -> dict:
    """The model p(v) = exp(-F(v)) / Z of an RBM (W, b, c) beside its mirror-symmetrised form
    p_s(v) = (p(v) + p(1 - v)) / 2, which has the same Z, on rows `visible` (0/1) of a data set.
    With D(v) = ln p(1 - v) - ln p(v) = F(v) - F(1 - v), ln p_s(v) = ln p(v) + ln((1 + e^D) / 2)
    exactly, so KL(q || p_s) = KL(q || p) - E_q[ln((1 + e^D) / 2)] for any q, and for a q that
    is itself symmetric (the Ising model without a field) the reduction is >= 0. Returns the median
    |D| (nats; 0 for a symmetric model), the reduction's mean and standard error over the rows
    ("gain"), and the mean log-likelihoods of p and p_s with standard errors over the rows (ln Z
    given; its error is not included)."""
    from .analysis import mean_and_error

    W, b, c = (np.asarray(p, np.float64) for p in (W, b, c))
    V = np.asarray(visible, np.float64)
    free = partition.free_energy(W, b, c, V)
    asymmetry = free - partition.free_energy(W, b, c, 1 - V)
    gain = np.logaddexp(0, asymmetry) - np.log(2)
    log_p = -free - log_z
    return {"asymmetry": float(np.median(np.abs(asymmetry))), "gain": list(mean_and_error(gain)),
            "log_likelihood": list(mean_and_error(log_p)), "log_likelihood_symmetrised": list(mean_and_error(log_p + gain))}


MIRROR_RUNS = {"PCD-10 reference": (None, None)} | ORDERED_REMEDIES


def mirror_table(temperatures=TEMPERATURES, seed: int = 0, store: Store | None = None) -> "pandas.DataFrame":
    """mirror_symmetrised for each run of MIRROR_RUNS at (T, seed) whose two-product evaluation
    is stored (two_product_bracket; nothing is trained or annealed here), on the held-out samples
    of T, ln Z from that evaluation: per (run, T) the median asymmetry, the gain, and the KL of the
    model and of its symmetrised form, in nats per configuration, with errors combining the rows'
    with ln Z's."""
    import pandas as pd

    store = store or Store()
    rows = {}
    for run, (recipe, schedule) in MIRROR_RUNS.items():
        for T in temperatures:
            key, key_label = _two_product_key(T, seed, None, recipe, schedule)
            if not store.exists(artifact_name("evaluation", key, key_label)):
                continue
            log_z, log_z_error = two_product_bracket(T, seed, store, recipe=recipe, schedule=schedule)["log_z"]
            held = spins_to_visible(experiments.held_out_samples(T, store=store).configs, np.float64)
            network = weights(T=T, seed=seed, recipe=recipe, schedule=schedule, store=store, progress=False)
            mirror = mirror_symmetrised(*network, held, log_z)
            kl = lambda key: (float(baselines.kl_from_log_likelihood(mirror[key][0], experiments.PAPER_L, T)),  # noqa: E731
                              float(np.hypot(mirror[key][1], log_z_error)))
            rows[(run, float(T))] = {"asymmetry": mirror["asymmetry"], "gain": tuple(mirror["gain"]),
                                     "kl": kl("log_likelihood"), "kl_symmetrised": kl("log_likelihood_symmetrised")}
    index = pd.MultiIndex.from_tuples(list(rows), names=["run", "T"])
    return pd.DataFrame(list(rows.values()), index=index, columns=["asymmetry", "gain", "kl", "kl_symmetrised"])


FIELD_COLUMNS = ("locality", "fields", "compact", "area", "gyration", "background", "block", "trained",
                 "untrained", "random local", "PCA", "blob", "blob (sign)", "box", "box (sign)")


def field_table(temperatures=TEMPERATURES, seeds=SEEDS, store: Store | None = None, L: int = experiments.PAPER_L,
                n_samples: int = experiments.PAPER_N_SAMPLES, recipe: dict | None = None) -> "pandas.DataFrame":
    """The first layers of the stored reference runs (RECIPE updated by `recipe`; weights stored; none is trained here),
    measured as the paper's networks are, on the held-out samples of their temperature: one row
    per (T, seed) with locality ((mean, standard error) over units), sizes.summarise's columns
    (fields, compact, area, gyration, background), and the mean best block match of the
    responsive units ("trained", at b = block) beside probes.block_match_with_nulls' nulls
    (untrained, random local, PCA) and magnetisation_nulls' positive ones (blob, box: linear
    and saturated). Cached per run."""
    import pandas as pd

    from . import dbn as dbn_module
    from . import probes, sizes

    store = store or Store()
    rows = {}
    for T in temperatures:
        for seed in seeds:
            config, label, _ = _spec(T, seed, recipe, None, L, n_samples)
            name = artifact_name("weights-converged", config, label)
            held_name = experiments.held_out_samples_name(T, L=L)
            fields_config = {"weights": name, "held_out": held_name, "silent_std": probes.SILENT_STD}
            if not (store.exists(artifact_name("fields-converged", fields_config, label)) or store.exists(name)):
                continue  # neither measured nor trained: nothing is trained here

            def compute(T=T, seed=seed, name=name):
                arrays, _ = store.load(name)
                held = experiments.held_out_samples(T, L=L, store=store)
                network = dbn_module.DBN([len(arrays["W"])]).load_arrays({f"{k}0": arrays[k] for k in "Wbc"})
                train = experiments.ising_samples(L=L, T=T, n_samples=n_samples, store=store, progress=False).configs
                with threadpool_limits(BLAS_THREADS):
                    locality = rg.locality(arrays["W"], (L, L))
                    row = {"locality": (float(locality.mean()), float(locality.std(ddof=1) / np.sqrt(len(locality))))}
                    row |= sizes.summarise(sizes.measures(arrays["W"], (L, L), radius=min(rg.WINDOW_RADIUS, (L - 2) // 2)))
                    blocks = probes.block_match_with_nulls(network, held.configs, train, seed).loc[1]
                    nulls = probes.magnetisation_nulls(network, held.configs, seed).loc[1]
                row |= {key: blocks[key] for key in ("block", "trained", *probes.NULLS)}
                row |= {key: nulls[key] for key in sizes.POSITIVE_NULLS}
                table = pd.DataFrame([row], index=pd.Index([0], name="run"))
                return experiments._table_arrays(table, "fields"), {}

            arrays, _ = store.cached("fields-converged", fields_config, compute, label)
            rows[(float(T), seed)] = experiments._arrays_table(arrays, "fields", "run").iloc[0]
    index = pd.MultiIndex.from_tuples(list(rows), names=["T", "seed"])
    return pd.DataFrame(list(rows.values()), index=index).reindex(columns=list(FIELD_COLUMNS))


def field_comparison(temperatures=TEMPERATURES, store: Store | None = None, n_sigma: float = 4.0) -> "pandas.DataFrame":
    """Per T: the reference layers' fields (field_table, over the stored seeds by
    analysis.between_networks: one seed keeps its errors over units) beside the locality of the
    paper's CD-1 training without a penalty (the temperature sweep, 20 epochs, mean and
    standard error over its seeds) and at the paper's L1 strength after its 200 epochs (one
    seed); runs, how many reference seeds; best null, the largest block score of the
    local-magnetisation nulls; below_nulls, whether the trained score is below it by more than
    n_sigma combined errors (the network's units are worse block spins than local averages)."""
    import pandas as pd

    from . import analysis, sizes, sweep

    fields = field_table(temperatures, store=store)
    short = sweep.temperature_sweep(temperatures, progress=False, store=store)
    long = sweep.paper_epochs_by_temperature(temperatures, progress=False, store=store)
    rows = {}
    for T in fields.index.get_level_values("T").unique():
        at = fields.xs(T, level="T")
        per_seed = [at.iloc[[i]].reset_index(drop=True) for i in range(len(at))]
        row = analysis.between_networks(per_seed).iloc[0].to_dict()
        none = short[np.isclose(short["T"], T) & (short["penalty"] == "none")]
        best = max((row[k] for k in sizes.POSITIVE_NULLS), key=lambda v: v[0])
        gap = best[0] - row["trained"][0]
        rows[T] = row | {"runs": len(per_seed), "CD-1 none locality": analysis.mean_and_error(none["locality"]),
                         "CD-1 200 epochs L1 locality": float(long.loc[np.isclose(long["T"], T), "locality"].iloc[0]),
                         "best null": best, "below_nulls": bool(gap > n_sigma * np.hypot(best[1], row["trained"][1]))}
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("T")
