"""Benchmark: a one-epoch fit of CD-1 on the paper's data, ours against the matrix-product floor
and scikit-learn's BernoulliRBM, measured in one run, on 20,000 rows (the paper's size) and 5,000.

1600 visible units (Ising samples at T = 2.451), 400 hidden, mini-batches of 100, one Gibbs step:
- the five matrix products per mini-batch alone (v W^T, h W, v' W^T and the two gradient
  products), in float32: the floor for any implementation of the same algorithm;
- deeprg's RBM with the L1 penalty, momentum and sampling on (float32), whole fit(X) with
  n_iter=1 (validation, initialisation and the epoch), without and with monitor=True;
- BernoulliRBM in float32 and in float64 (what integer input gives), same batch size;
- the floor plus the momentum step on W alone, the least any implementation adds to the products;
- the pseudo-likelihood each RBM reaches after 5 epochs on 20,000 rows (mean of score_samples on 2,000 rows).
The target is deeprg within 1.25x the floor. Timings alternate between the implementations over
three rounds and keep each one's fastest, so that a busy moment of the machine does not land on
one of them only.

Run: python code/benchmarks/rbm.py  (--quick: 2,000 and 500 rows, 2 epochs, a smoke test)
"""

from __future__ import annotations

import argparse
import platform
import time

import numpy as np
from sklearn.neural_network import BernoulliRBM

from threadpoolctl import threadpool_info

from deeprg import experiments
from deeprg.rbm import RBM, kernels, spins_to_visible


def floor_epoch(X, n_hidden, batch, with_update=False):
    """Seconds for the five products of an epoch; with_update adds the momentum step on W
    (kernels.update_weights, no penalty), the least memory traffic any implementation adds:
    read the gradient, the increment and W, write the last two."""
    rng = np.random.default_rng(0)
    W = rng.normal(0, 0.1, (n_hidden, X.shape[1])).astype(X.dtype)
    inc = np.zeros_like(W)
    h = rng.random((batch, n_hidden), dtype=np.float32).astype(X.dtype)
    start = time.perf_counter()
    for i in range(0, len(X), batch):
        v = X[i:i + batch]
        a = v @ W.T
        r = h @ W
        b = r @ W.T
        g1 = a.T @ v
        g2 = b.T @ r
        if with_update:
            kernels.update_weights(W, inc, g1, 0.0, 0.0, 0.9, 0.0, kernels.NO_PENALTY)
    return time.perf_counter() - start


def fit_seconds(make, X):
    """Seconds for a one-epoch fit, after a warm-up fit on 200 rows (JIT, BLAS threads)."""
    make(1).fit(X[:200])
    start = time.perf_counter()
    make(1).fit(X)
    return time.perf_counter() - start


ROWS = [("floor: 5 products, float32", "floor"), ("deeprg RBM, L1, float32", "ours"),
        ("  the same, monitor=True", "monitored"), ("BernoulliRBM float32", "sk32"),
        ("BernoulliRBM float64", "sk64"), ("floor + the weight update", "floor_update")]


def timings(X32, rounds=3):
    """The fastest of `rounds` seconds of each entry of ROWS on X32 (float32 0/1 rows)."""
    X64 = X32.astype(np.float64)
    runs = {
        "floor": lambda: floor_epoch(X32, 400, 100),
        "ours": lambda: fit_seconds(ours, X32),
        "monitored": lambda: fit_seconds(lambda n: ours(n, monitor=True), X32),
        "sk32": lambda: fit_seconds(sk, X32),
        "sk64": lambda: fit_seconds(sk, X64),
        "floor_update": lambda: floor_epoch(X32, 400, 100, with_update=True),
    }
    seconds = {key: [] for key in runs}
    for _ in range(rounds):
        for key, run in runs.items():
            seconds[key].append(run())
    return {key: min(values) for key, values in seconds.items()}


def ours(n_iter, **params):
    return RBM(400, n_iter=n_iter, penalty="l1", alpha=2e-4, random_state=0, **params)


def sk(n_iter):
    return BernoulliRBM(400, batch_size=100, learning_rate=0.1, n_iter=n_iter, random_state=0)


def machine() -> str:
    """The CPU model and the BLAS library, kernel and threads that numpy's products run on."""
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        cpu = platform.processor() or platform.machine()
    blas = [f"{i['prefix']} ({i['internal_api']} {i.get('version', '')}) {i.get('architecture', '?')} kernels, {i['num_threads']} threads"
            for i in threadpool_info() if i["user_api"] == "blas"]
    return f"CPU: {cpu}; BLAS: {'; '.join(blas) or 'none found'}"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    configs = experiments.ising_samples(progress=False).configs
    sizes, epochs = ((2000, 500), 2) if args.quick else ((20_000, 5_000), 5)
    X32 = spins_to_visible(configs[:sizes[0]])
    t = {n: timings(X32[:n]) for n in sizes}
    print(machine())
    print(f"one-epoch fit, {X32.shape[1]} visible, 400 hidden, batch 100, CD-1; fastest of 3 rounds; "
          f"seconds and ratio to the floor")
    print(f"  {'':28}" + "".join(f"{f'{n} rows':>19}" for n in sizes))
    for label, key in ROWS:
        print(f"  {label:28}" + "".join(f"{t[n][key]:10.3f} s  x{t[n][key] / t[n]['floor']:.2f}" for n in sizes))
    for n in sizes:
        print(f"  {n} rows: deeprg is x{t[n]['sk32'] / t[n]['ours']:.2f} faster than BernoulliRBM float32, "
              f"x{t[n]['sk64'] / t[n]['ours']:.2f} than float64; target x1.25 the floor: "
              f"{'met' if t[n]['ours'] <= 1.25 * t[n]['floor'] else 'MISSED'}")
    score_rows = X32[:2000]
    rbm, sk_a, sk_b = ours(epochs).fit(X32), sk(epochs).fit(X32), sk(epochs).fit(X32.astype(np.float64))
    print(f"pseudo-likelihood after {epochs} epochs on {len(X32)} rows (mean over {len(score_rows)} rows): "
          f"deeprg {rbm.score_samples(score_rows).mean():.1f}, "
          f"BernoulliRBM float32 {sk_a.score_samples(score_rows).mean():.1f}, "
          f"float64 {sk_b.score_samples(score_rows.astype(np.float64)).mean():.1f}")


if __name__ == "__main__":
    main()
