"""Benchmark: one epoch of CD-1 on the paper's data, ours against the matrix-product floor and
scikit-learn's BernoulliRBM, measured in one run.

20,000 x 1600 Ising samples at T = 2.451, 400 hidden units, mini-batches of 100, one Gibbs step:
- the five matrix products per mini-batch alone (v W^T, h W, v' W^T and the two gradient
  products), in float32: the floor for any implementation of the same algorithm;
- deeprg's RBM with the L1 penalty, momentum and sampling on (float32);
- BernoulliRBM in float32 and in float64 (what integer input gives), same batch size;
- the pseudo-likelihood each RBM reaches after 5 epochs (mean of score_samples on 2,000 rows).

Run: python code/benchmarks/rbm.py  (--quick: 2,000 samples and 2 epochs, a smoke test)
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from sklearn.neural_network import BernoulliRBM

from deeprg import experiments
from deeprg.rbm import RBM, spins_to_visible


def floor_epoch(X, n_hidden, batch):
    rng = np.random.default_rng(0)
    W = rng.normal(0, 0.1, (n_hidden, X.shape[1])).astype(X.dtype)
    h = rng.random((batch, n_hidden), dtype=np.float32).astype(X.dtype)
    start = time.perf_counter()
    for i in range(0, len(X), batch):
        v = X[i:i + batch]
        a = v @ W.T
        r = h @ W
        b = r @ W.T
        g1 = a.T @ v
        g2 = b.T @ r
    return time.perf_counter() - start


def seconds_per_epoch(make, X, epochs):
    model = make(1)
    model.fit(X[:200])  # JIT and BLAS warm-up
    model = make(epochs)
    start = time.perf_counter()
    model.fit(X)
    return (time.perf_counter() - start) / epochs, model


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    configs = experiments.ising_samples(progress=False).configs
    X32 = spins_to_visible(configs[:2000] if args.quick else configs)
    X64 = X32.astype(np.float64)
    epochs = 2 if args.quick else 5
    score_rows = X32[:2000]
    floor = min(floor_epoch(X32, 400, 100) for _ in range(3))
    ours, rbm = seconds_per_epoch(lambda n: RBM(400, n_iter=n, penalty="l1", alpha=2e-4, random_state=0), X32, epochs)
    sk32, sk_a = seconds_per_epoch(lambda n: BernoulliRBM(400, batch_size=100, learning_rate=0.1, n_iter=n,
                                                          random_state=0), X32, epochs)
    sk64, sk_b = seconds_per_epoch(lambda n: BernoulliRBM(400, batch_size=100, learning_rate=0.1, n_iter=n,
                                                          random_state=0), X64, epochs)
    print(f"data: {X32.shape[0]} x {X32.shape[1]}, 400 hidden, batch 100, CD-1, {epochs} epochs")
    print(f"  floor (5 products, float32) {floor:7.3f} s/epoch")
    print(f"  deeprg RBM, L1, float32     {ours:7.3f} s/epoch   x{ours / floor:.2f} the floor")
    print(f"  BernoulliRBM float32        {sk32:7.3f} s/epoch   x{sk32 / floor:.2f} the floor, "
          f"deeprg is x{sk32 / ours:.2f} faster")
    print(f"  BernoulliRBM float64        {sk64:7.3f} s/epoch   x{sk64 / floor:.2f} the floor, "
          f"deeprg is x{sk64 / ours:.2f} faster")
    print(f"pseudo-likelihood after {epochs} epochs (mean over {len(score_rows)} rows): "
          f"deeprg {rbm.score_samples(score_rows).mean():.1f}, "
          f"BernoulliRBM float32 {sk_a.score_samples(score_rows).mean():.1f}, "
          f"float64 {sk_b.score_samples(score_rows.astype(np.float64)).mean():.1f}")


if __name__ == "__main__":
    main()
