"""Benchmark: our Wolff and Metropolis against PyPI's ising-rs (import isingmodel), one core, L = 40.

For each sampler and temperature (T_c and the paper's 2.451) it measures
- spin flips per ns (Wolff: spins flipped; Metropolis: flip attempts),
- tau_int of the energy and |m| in sweeps (N flips or attempts), from a recorded chain,
- independent samples per second = 1 / (2 max tau_int x seconds per sweep),
and prints the ratios ours / ising-rs. Finally it times the paper's data set: 20,000
decorrelated 40 x 40 samples at T = 2.451 with sample(), after JIT warm-up.

Run: NUMBA_NUM_THREADS=1 python code/benchmarks/ising.py  (pass --quick for a smoke run)
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("NUMBA_NUM_THREADS", "1")

import numpy as np

from deeprg import exact, ising
from deeprg.ising import kernels
from deeprg.ising.autocorr import integrated_time

L = 40
N = L * L


def ours(T, algorithm, n_sweeps):
    """(flips per sweep, seconds per sweep, tau_E, tau_|m|) of our sampler in equilibrium."""
    code = ising.ALGORITHMS[algorithm]
    chain = ising.sampler._Chain(L, T, code, "auto", np.random.default_rng(1))
    chain.advance(2000)
    series = np.empty((n_sweeps, 2))
    chain.advance(n_sweeps, series)
    t = time.perf_counter()
    chain.advance(n_sweeps)
    per_sweep = (time.perf_counter() - t) / n_sweeps
    flips = N
    if code == kernels.WOLFF:
        clusters, flipped = kernels.wolff_calibrate(chain.spins, chain.nbr, chain.K, 50 * N, chain.state)
        flips = chain.clusters_per_sweep * flipped / clusters
    return flips, per_sweep, integrated_time(series[:, 0]).tau, integrated_time(series[:, 1]).tau


def peer(T, algorithm, n_sweeps):
    """The same figures for ising-rs: Wolff clusters (N / mean size per sweep) or N single-flip steps."""
    import isingmodel

    lat = isingmodel.Lattice(L, L, T, 0.0)
    step = lat.wolff_step if algorithm == "wolff" else lat.simulation_step
    steps_per_sweep, flips = N, N
    if algorithm == "wolff":
        for _ in range(2000):
            step()
        sizes = []
        for _ in range(5000):
            m0 = lat.get_total_magnetization()
            step()
            sizes.append(abs(lat.get_total_magnetization() - m0) / 2)
        mean_size = max(np.mean(sizes), 1.0)
        steps_per_sweep = max(1, round(N / mean_size))
        flips = steps_per_sweep * mean_size
    for _ in range(200 * steps_per_sweep):
        step()
    series = np.empty((n_sweeps, 2))
    for t in range(n_sweeps):
        for _ in range(steps_per_sweep):
            step()
        series[t] = lat.get_energy() / N, abs(lat.average_magnetization())
    t = time.perf_counter()
    for _ in range(n_sweeps * steps_per_sweep):
        step()
    per_sweep = (time.perf_counter() - t) / n_sweeps
    return flips, per_sweep, integrated_time(series[:, 0]).tau, integrated_time(series[:, 1]).tau


def report(name, flips, per_sweep, tau_e, tau_m):
    rate = 1.0 / (2 * max(tau_e, tau_m) * per_sweep)
    print(f"  {name:22s} {flips / per_sweep * 1e-9:8.4f} flips/ns  tau_E {tau_e:7.2f}  tau_|m| {tau_m:7.2f} sweeps"
          f"  {rate:10.1f} independent samples/s")
    return flips / per_sweep * 1e-9, rate


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="short chains, for a smoke test")
    args = parser.parse_args()
    n_ours = 2000 if args.quick else 40000
    n_peer = 200 if args.quick else 4000
    ising.sample(8, 2.5, 10)  # JIT warm-up
    for T in (exact.T_C, 2.451):
        print(f"T = {T:.4f}, L = {L}")
        for algorithm in ("wolff", "metropolis"):
            a = report(f"deeprg {algorithm}", *ours(T, algorithm, n_ours))
            b = report(f"ising-rs {algorithm}", *peer(T, algorithm, n_peer if algorithm == "wolff" else n_peer // 10))
            print(f"  ratio deeprg / ising-rs {algorithm}: flips/ns x{a[0] / b[0]:.1f}, "
                  f"independent samples/s x{a[1] / b[1]:.1f}")
    n = 2000 if args.quick else 20000
    t = time.perf_counter()
    run = ising.simulate(L, 2.451, n, seed=0)
    print(f"paper data set: {n} samples at T = 2.451 in {time.perf_counter() - t:.2f} s "
          f"(burn-in {run.burn_in} sweeps, thin {run.thin} sweeps; target < 10 s for 20,000)")


if __name__ == "__main__":
    main()
