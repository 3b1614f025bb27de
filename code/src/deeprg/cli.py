"""The `deeprg` command: sample Ising data, train models, reproduce every cached result."""

from __future__ import annotations

import argparse

from . import experiments


def _sample(args):
    data = experiments.ising_samples(args.L, args.T, args.n, algorithm=args.algorithm, seed=args.seed)
    info = data.info
    print(f"{data.name}: {data.configs.shape[0]} samples; burn-in {info['burn_in_sweeps']} sweeps, "
          f"thin {info['thin_sweeps']} sweeps, tau_int(E) = {info['tau_energy']:.2f}, "
          f"tau_int(|m|) = {info['tau_abs_m']:.2f} sweeps")


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
    args = parser.parse_args(argv)
    args.run(args)


if __name__ == "__main__":
    main()
