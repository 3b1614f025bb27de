"""The `deeprg` command: sample Ising data, train models, reproduce every cached result."""

from __future__ import annotations

import argparse
import os

from . import cluster, codes, converge, experiments, sweep
from . import sizes as field_sizes  # (a local helper of _steps is called sizes)
from .cluster import Call, Step
from .exact import T_C


def _sample(args):
    data = experiments.ising_samples(args.L, args.T, args.n, algorithm=args.algorithm, seed=args.seed)
    info = data.info
    print(f"{data.name}: {data.configs.shape[0]} samples; burn-in {info['burn_in_sweeps']} sweeps, "
          f"thin {info['thin_sweeps']} sweeps, tau_int(E) = {info['tau_energy']:.2f}, "
          f"tau_int(|m|) = {info['tau_abs_m']:.2f} sweeps")


def _train(args):
    penalty = None if args.penalty == "none" else args.penalty
    if args.implementation == "sklearn":
        trained = experiments.sklearn_dbn(seed=args.seed)
    else:
        trained = experiments.trained_dbn("deeprg", seed=args.seed, penalty=penalty)
    print(f"{trained.name}: trained in {trained.info['train_seconds']:.0f} s")


# `deeprg reproduce --tiny`: every step of reproduce at a toy size, to check the pipeline end to
# end in a minute or less (not for results): an 8 x 8 lattice, a 16-4-1 network, first layers of
# 4 units, one training seed, one epoch (two for the "200-epoch" runs), two AIS seeds and twice
# the intermediate distributions for the AIS rechecks, exact fits on 3 x 3; the grids of
# temperatures and penalties are the real ones.
TINY = {"L": 8, "layers": (16, 4, 1), "n_hidden": 4, "n_iter": 1, "n_iter_long": 2, "seeds": (0,),
        "ais_seeds": (0, 1), "betas_factor": 2}


def _steps(tiny: bool = False) -> list:
    """(label, step) of every cached result the report shows; with tiny, each at TINY's size.
    A step is a cluster.Step: its calls of the package's functions, run in order when called;
    `--scheduler` splits them into tasks instead (deeprg.cluster)."""
    def sizes(**tiny_kwargs):  # a step's keyword arguments at the toy size; none for the real run
        return tiny_kwargs if tiny else {}

    toy_data = Call(experiments.ising_samples, L=TINY["L"], progress=False)  # loaded where a step runs

    def dbn(**more):  # a DBN's keyword arguments at the toy size: trained on the toy data set
        if not tiny:
            return {}
        return {"data": toy_data, "layers": TINY["layers"], "n_iter": TINY["n_iter"]} | more

    lattice = sizes(L=TINY["L"])
    first = sizes(L=TINY["L"], n_hidden=TINY["n_hidden"], n_iter=TINY["n_iter"])  # first layers of the sweeps
    long = first | sizes(n_iter=TINY["n_iter_long"])  # the runs of the paper's 200 epochs
    seeds = sizes(seeds=TINY["seeds"])
    ais = sizes(ais_seeds=TINY["ais_seeds"], betas_factor=TINY["betas_factor"])
    exact = sizes(L=3, hidden=(1, 2))
    flow = sizes(L=TINY["L"], temperatures=(1.5, 3.5), hidden=(TINY["n_hidden"],), n_train=100, n_start=50,
                 steps=(0, 1, 2))
    converged = sizes(L=TINY["L"], recipe={"n_components": TINY["n_hidden"]},
                      schedule={"max_epochs": TINY["n_iter_long"], "check_every": 1})
    scale = sizes(points=sweep.scale_points(Ls=(TINY["L"],), temperatures=(T_C,), settings=(sweep.SCALE_STRONG,)),
                  n_iter=TINY["n_iter"], radii=(1, 2))
    return [
        ("paper data set", Step(Call(experiments.ising_samples, **lattice))),
        ("held-out samples", Step(Call(experiments.held_out_samples, **lattice))),
        ("sampler validation", Step(Call(experiments.sampler_validation, **lattice, **sizes(n_samples=200)))),
        ("paper DBN and penalty variants", Step(Call(experiments.penalty_dbns, **dbn()))),
        ("per-layer tables of the penalty DBNs of every seed, and of the control",
         Step(Call(experiments.penalty_tables, with_control=True, **seeds, **dbn()))),
        # (with n_iter, scikit-learn's label needs the learning rate: BernoulliRBM's default)
        ("scikit-learn DBN", Step(Call(experiments.sklearn_dbn, **dbn(learning_rate=0.1)))),
        ("scikit-learn DBN at the paper's budget", Step(Call(experiments.sklearn_matched_dbn, **dbn()))),
        ("the paper's DBN with persistent CD", Step(Call(experiments.persistent_dbn, **dbn()))),
        ("trace condition", Step(Call(experiments.trace_condition, **exact, **seeds, **sizes(n_samples=200)))),
        ("trace condition, exact fits", Step(Call(experiments.trace_condition_exact, **exact,
                                                   **sizes(starts=len(TINY["seeds"]))))),
        ("penalty sweep", Step(Call(sweep.penalty_sweep, n_jobs=2, **first, **seeds))),
        ("temperature sweep", Step(Call(sweep.temperature_sweep, n_jobs=2, **first, **seeds))),
        ("temperature sweep, fine grid", Step(Call(sweep.fine_temperature_sweep, n_jobs=2, **first, **seeds))),
        ("temperature sweep, negligible-penalty control",
         Step(Call(sweep.negligible_penalty_control, n_jobs=2, **first, **seeds))),
        ("ordered phase: both magnetisations, symmetrised data",
         Step(Call(sweep.ordered_phase, n_jobs=2, **first, **seeds))),
        ("first layer on 40,000 samples", Step(Call(sweep.appendix_data_set, n_jobs=2, **first, **seeds))),
        ("the permuted control: the sites scrambled", Step(Call(sweep.permuted_control, n_jobs=2, **first, **seeds))),
        ("200 epochs at each temperature", Step(Call(sweep.paper_epochs_by_temperature, n_jobs=2, **long))),
        (f"200 epochs at each temperature, measured every {sweep.MEASURE_EVERY}",
         Step(Call(sweep.measured_by_epoch, n_jobs=2, **long, **sizes(every=1)))),
        ("AIS rechecked at 20 epochs", Step(Call(sweep.ais_recheck, n_jobs=2, **first, **ais))),
        ("AIS rechecked at 200 epochs", Step(Call(sweep.ais_recheck_long, n_jobs=2, **long, **ais))),
        ("AIS rechecked on every seed of the points it fails on",
         Step(Call(sweep.ais_recheck_flagged, n_jobs=2, **first, **seeds, **ais))),
        ("the paper's first layers bracketed by AIS and RAISE",
         Step(Call(sweep.sandwich_check, **sizes(L=TINY["L"], n_hidden=TINY["n_hidden"],
                                                 epochs=(TINY["n_iter"], TINY["n_iter_long"]))))),
        ("RBM flow", Step(Call(experiments.rbm_flow, **flow,
                               **sizes(rbm_params=experiments.FLOW_RBM | {"n_iter": 1})))),
        # iso_flow fixes its sizes: at the toy size, its rbm_flow with ISO_RBM and the thermometer
        ("RBM flow in Iso, Shiba and Yokoo's setting",
         Step(Call(experiments.rbm_flow, **flow, rbm_params=experiments.ISO_RBM | {"n_iter": 1}, thermometer=True)
              if tiny else Call(experiments.iso_flow))),
        ("first layers trained to the stopping rule (one at a time, resumable)",
         Step(*[Call(converge.train, T=T, seed=seed, progress=True, **converged)
                for seed in (TINY["seeds"] if tiny else converge.SEEDS) for T in converge.TEMPERATURES],
              *([] if tiny else [Call(converge.train, T=experiments.PAPER_T, seed=0, recipe=converge.L1_RECIPE,
                                      progress=True),
                                 *[Call(converge.train, T=2.0, seed=0, recipe=recipe, schedule=schedule, progress=True)
                                   for recipe, schedule in converge.ORDERED_REMEDIES.values()]]))),
        ("the scale test: first-layer field sizes on L x L tori", Step(Call(sweep.scale_test, **scale))),
    ] + ([] if tiny else [  # these judge the paper-sized networks only
        ("first layers judged: sandwich, own samples, fields",
         Step(*[Call(converge.paper_evaluation, name) for name in ("L1", "L2", "none")],
              *[Call(converge.converged_evaluation, T, seed) for T in converge.TEMPERATURES
                for seed in converge.SEEDS],
              *[Call(converge.two_product_bracket, T, 0, n_betas=n) for T, n in converge.TWO_PRODUCT_CHECKS],
              *[Call(converge.two_product_bracket, 2.0, 0, recipe=recipe, schedule=schedule)
                for recipe, schedule in converge.ORDERED_REMEDIES.values()])),
        ("fields of the reference runs, measured as the paper's",
         Step(Call(converge.field_table),
              Call(converge.field_table, temperatures=(experiments.PAPER_T,), seeds=(0,), recipe=converge.L1_RECIPE))),
        ("MCRG of the networks", Step(Call(experiments.network_mcrg))),
        ("what the units know of their environment (information view)", Step(Call(experiments.information_table))),
        ("field sizes apart from background, and local-magnetisation nulls", Step(Call(field_sizes.penalty_sizes))),
        ("what each layer keeps: tiling, read-outs, reconstructions beside blocks and PCA",
         Step(Call(codes.penalty_codes))),
    ])


def _reproduce(args):
    """Every cached result the report shows, computed where missing (progress bars on long work):
    step after step here, or as a task graph on a Dask scheduler (--scheduler)."""
    if args.tiny and not os.environ.get("DEEPRG_DATA"):
        raise SystemExit("deeprg reproduce --tiny writes toy artifacts: set DEEPRG_DATA to a scratch folder "
                         "so that they stay out of the repository's data/")
    steps = _steps(args.tiny)
    if args.scheduler is not None:
        raise SystemExit(cluster.reproduce(args.scheduler, steps))
    for label, step in steps:
        print(f"== {label}", flush=True)
        step()


def _sweep(args):
    if args.temperature:
        table = sweep.temperature_sweep(n_jobs=args.n_jobs, n_iter=args.epochs)
    else:
        table = sweep.penalty_sweep(n_jobs=args.n_jobs, n_iter=args.epochs)
    print(table.groupby(["T", "penalty", "alpha"])[["locality", "sparsity", "log_likelihood"]].mean().to_string())


def main(argv=None):
    parser = argparse.ArgumentParser(prog="deeprg", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("sample", help="write or find equilibrium Ising samples in data/")
    p.add_argument("--L", type=int, default=experiments.PAPER_L)
    p.add_argument("--T", type=float, default=experiments.PAPER_T)
    p.add_argument("--n", type=int, default=experiments.PAPER_N_SAMPLES)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--algorithm", default="wolff", choices=sorted(experiments.ising.ALGORITHMS))
    p.set_defaults(run=_sample)
    p = sub.add_parser("train", help="write or find a trained 1600-400-100-25 DBN in data/")
    p.add_argument("--implementation", default="deeprg", choices=["deeprg", "sklearn"])
    p.add_argument("--penalty", default="l1", choices=["l1", "l2", "none"])
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(run=_train)
    p = sub.add_parser("sweep", help="the first-layer penalty sweep (cached point by point)")
    p.add_argument("--n-jobs", type=int, default=1, help="parallel points (joblib)")
    p.add_argument("--epochs", type=int, default=sweep.N_EPOCHS)
    p.add_argument("--temperature", action="store_true",
                   help="the temperature sweep (below, at and above T_c) instead of the penalty sweep")
    p.set_defaults(run=_sweep)
    p = sub.add_parser("reproduce", help="compute every result the report uses that data/ lacks")
    p.add_argument("--tiny", action="store_true",
                   help="every step at a toy size (8 x 8 lattice, 16-4-1 network, one seed, an epoch) into "
                        "$DEEPRG_DATA (required): checks the pipeline in a minute; not for results")
    p.add_argument("--scheduler", type=cluster.scheduler_spec, metavar="local:N|ADDRESS",
                   help="run the steps as a task graph on Dask distributed (pip install 'deeprg[distributed]'): "
                        "local:N starts N single-threaded worker processes here; ADDRESS (tcp://host:8786) or a "
                        "scheduler file (*.json) uses a running scheduler whose workers share $DEEPRG_DATA")
    p.set_defaults(run=_reproduce)
    args = parser.parse_args(argv)
    try:
        args.run(args)
    except cluster.SchedulerError as err:  # cannot start or reach the scheduler: a usage error, in one line
        p.error(str(err))


if __name__ == "__main__":
    main()
