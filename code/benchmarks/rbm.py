"""Benchmark: one epoch of CD-1 on the paper's data, ours against the matrix-product floor and
scikit-learn's BernoulliRBM, measured in one run.

20,000 x 1600 Ising samples at T = 2.451, 400 hidden units, mini-batches of 100, one Gibbs step:
- the five matrix products per mini-batch alone (v W^T, h W, v' W^T and the two gradient
  products), in float32: the floor for any implementation of the same algorithm;
- deeprg's RBM with the L1 penalty, momentum and sampling on (float32);
- BernoulliRBM in float32 and in float64 (what integer input gives), same batch size;
- the floor plus the momentum step on W alone, against the time that would make ours 3x
  faster than BernoulliRBM in float64 (issue 3's third target);
- the pseudo-likelihood each RBM reaches after 5 epochs (mean of score_samples on 2,000 rows).
Timings alternate between the implementations over three rounds and keep each one's fastest
epoch, so that a busy moment of the machine does not land on one of them only.

Run: python code/benchmarks/rbm.py  (--quick: 2,000 samples and 2 epochs, a smoke test)
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from sklearn.neural_network import BernoulliRBM

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


def one_epoch(make, X):
    """Seconds for one epoch of training, after a warm-up fit on 200 rows (JIT, BLAS threads).

    For deeprg's RBM this is the epoch's own time in history_, without the per-epoch
    monitoring (history_ scores 1,000 rows after each epoch; its cost is printed apart)."""
    make(1).fit(X[:200])
    start = time.perf_counter()
    model = make(1).fit(X)
    total = time.perf_counter() - start
    return model.history_[0]["seconds"] if hasattr(model, "history_") else total


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    configs = experiments.ising_samples(progress=False).configs
    X32 = spins_to_visible(configs[:2000] if args.quick else configs)
    X64 = X32.astype(np.float64)
    epochs = 2 if args.quick else 5
    score_rows = X32[:2000]
    ours = lambda n: RBM(400, n_iter=n, penalty="l1", alpha=2e-4, random_state=0)  # noqa: E731
    sk = lambda n: BernoulliRBM(400, batch_size=100, learning_rate=0.1, n_iter=n, random_state=0)  # noqa: E731
    t = {"floor": [], "ours": [], "sk32": [], "sk64": [], "floor_update": []}
    monitor = RBM(400, n_iter=1, random_state=0).fit(X32[:200])
    start = time.perf_counter()
    monitor._record(0.0)
    monitoring = time.perf_counter() - start
    for _ in range(3):
        t["floor"].append(floor_epoch(X32, 400, 100))
        t["ours"].append(one_epoch(ours, X32))
        t["sk32"].append(one_epoch(sk, X32))
        t["sk64"].append(one_epoch(sk, X64))
        t["floor_update"].append(floor_epoch(X32, 400, 100, with_update=True))
    floor, ours_t, sk32, sk64, floor_update = (min(v) for v in t.values())
    rbm, sk_a, sk_b = ours(epochs).fit(X32), sk(epochs).fit(X32), sk(epochs).fit(X64)
    print(f"data: {X32.shape[0]} x {X32.shape[1]}, 400 hidden, batch 100, CD-1; fastest of 3 epochs each")
    print(f"  floor (5 products, float32) {floor:7.3f} s/epoch")
    print(f"  deeprg RBM, L1, float32     {ours_t:7.3f} s/epoch   x{ours_t / floor:.2f} the floor "
          f"(+ {monitoring:.3f} s of history_ monitoring)")
    print(f"  BernoulliRBM float32        {sk32:7.3f} s/epoch   x{sk32 / floor:.2f} the floor, "
          f"deeprg is x{sk32 / ours_t:.2f} faster")
    print(f"  BernoulliRBM float64        {sk64:7.3f} s/epoch   x{sk64 / floor:.2f} the floor, "
          f"deeprg is x{sk64 / ours_t:.2f} faster")
    print(f"  floor + the weight update   {floor_update:7.3f} s/epoch   x{floor_update / floor:.2f} the floor; "
          f"x{sk64 / 3 / floor:.2f} is the most that is 3x faster than BernoulliRBM float64")
    print(f"pseudo-likelihood after {epochs} epochs (mean over {len(score_rows)} rows): "
          f"deeprg {rbm.score_samples(score_rows).mean():.1f}, "
          f"BernoulliRBM float32 {sk_a.score_samples(score_rows).mean():.1f}, "
          f"float64 {sk_b.score_samples(score_rows.astype(np.float64)).mean():.1f}")


if __name__ == "__main__":
    main()
