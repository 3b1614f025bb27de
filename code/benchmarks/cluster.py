"""Benchmark: `deeprg reproduce --tiny` serially and on a Dask LocalCluster (--scheduler local:N).

Each run is a new process writing into a new empty folder ($DEEPRG_DATA), with BLAS and OpenMP
pinned to one thread, so both compute every artifact of the tiny run (the same ones, bit for bit:
tests/test_cluster.py). The serial path is the default `deeprg reproduce`, which already runs
the points of each sweep two at a time (joblib, n_jobs=2) but everything else one after another;
the cluster run makes every unit a task (see deeprg.cluster) and includes starting the cluster.
The runs alternate over the rounds and each keeps its fastest, so that a busy moment of the
machine does not land on one of them only. Beside each: the CPU seconds of its processes (how
many cores it kept busy on average) and the load average, since a speed-up needs idle cores.

Run: python code/benchmarks/cluster.py  [--workers 2] [--rounds 2]
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PINNED = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "TQDM_DISABLE": "1"}


def _cpu_seconds() -> float:
    """User and system CPU seconds of this process's finished children (and theirs)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(scheduler: str | None) -> float:
    """Seconds of one `deeprg reproduce --tiny` into a new folder (with --scheduler if given)."""
    command = [sys.executable, "-m", "deeprg.cli", "reproduce", "--tiny"]
    command += ["--scheduler", scheduler] if scheduler else []
    with tempfile.TemporaryDirectory(prefix="deeprg-bench-") as folder:
        start, cpu = time.perf_counter(), _cpu_seconds()
        done = subprocess.run(command, env=os.environ | PINNED | {"DEEPRG_DATA": folder}, capture_output=True,
                              text=True)
        seconds, cpu = time.perf_counter() - start, _cpu_seconds() - cpu
        if done.returncode:
            sys.exit(f"{' '.join(command[2:])} failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
        artifacts = len(list(Path(folder).glob("*.npz")))
    print(f"  {'serial' if scheduler is None else scheduler:>9}: {seconds:6.1f} s, {cpu:6.1f} CPU s "
          f"({cpu / seconds:.2f} cores busy on average), {artifacts} artifacts, load average {os.getloadavg()[0]:.1f}",
          flush=True)
    return seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}; "
          f"load average {os.getloadavg()[0]:.1f} before")
    scheduler = f"local:{args.workers}"
    serial, distributed = [], []
    for i in range(args.rounds):
        print(f"round {i + 1}")
        serial.append(run(None))
        distributed.append(run(scheduler))
    print(f"deeprg reproduce --tiny, fastest of {args.rounds}: serial {min(serial):.1f} s, "
          f"--scheduler {scheduler} {min(distributed):.1f} s: speed-up {min(serial) / min(distributed):.2f}x")


if __name__ == "__main__":
    main()
