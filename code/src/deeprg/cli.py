"""The `deeprg` command: sample Ising data, train models, reproduce every cached result."""

from __future__ import annotations

import argparse

from . import experiments, sweep


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


def _reproduce(args):
    """Every cached result the report shows, computed where missing (progress bars on long work)."""
    steps = [
        ("paper data set", lambda: experiments.ising_samples()),
        ("held-out samples", lambda: experiments.held_out_samples()),
        ("sampler validation", lambda: experiments.sampler_validation()),
        ("paper DBN and penalty variants", lambda: experiments.penalty_dbns()),
        ("per-layer tables of the penalty DBNs of every seed, and of the control",
         lambda: experiments.penalty_tables(with_control=True)),
        ("scikit-learn DBN", lambda: experiments.sklearn_dbn()),
        ("scikit-learn DBN at the paper's budget", lambda: experiments.sklearn_matched_dbn()),
        ("the paper's DBN with persistent CD", lambda: experiments.persistent_dbn()),
        ("trace condition", lambda: experiments.trace_condition()),
        ("trace condition, exact fits", lambda: experiments.trace_condition_exact()),
        ("penalty sweep", lambda: sweep.penalty_sweep(n_jobs=2)),
        ("temperature sweep", lambda: sweep.temperature_sweep(n_jobs=2)),
        ("temperature sweep, fine grid", lambda: sweep.fine_temperature_sweep(n_jobs=2)),
        ("temperature sweep, negligible-penalty control", lambda: sweep.negligible_penalty_control(n_jobs=2)),
        ("ordered phase: both magnetisations, symmetrised data", lambda: sweep.ordered_phase(n_jobs=2)),
        ("first layer on 40,000 samples", lambda: sweep.appendix_data_set(n_jobs=2)),
        ("200 epochs at each temperature", lambda: sweep.paper_epochs_by_temperature(n_jobs=2)),
        (f"200 epochs at each temperature, measured every {sweep.MEASURE_EVERY}", lambda: sweep.measured_by_epoch(n_jobs=2)),
        ("AIS rechecked at 20 epochs", lambda: sweep.ais_recheck(n_jobs=2)),
        ("AIS rechecked at 200 epochs", lambda: sweep.ais_recheck_long(n_jobs=2)),
        ("AIS rechecked on every seed of the points it fails on", lambda: sweep.ais_recheck_flagged(n_jobs=2)),
        ("RBM flow", lambda: experiments.rbm_flow()),
        ("RBM flow in Iso, Shiba and Yokoo's setting", lambda: experiments.iso_flow()),
    ]
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
    p.set_defaults(run=_reproduce)
    args = parser.parse_args(argv)
    args.run(args)


if __name__ == "__main__":
    main()
