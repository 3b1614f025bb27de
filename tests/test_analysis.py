"""The report's measures on networks whose answer is known."""

import numpy as np
import pytest

from deeprg import analysis, ising
from deeprg.dbn import DBN


def block_dbn(L=8, b=2, strength=20.0):
    """A one-layer 'DBN' whose hidden units are majority-rule block spins of b x b blocks
    (odd-free ties resolved at half a spin) in the 0/1 encoding."""
    n = (L // b) ** 2
    W = np.zeros((n, L * L))
    for k in range(n):
        bi, bj = divmod(k, L // b)
        for i in range(b):
            for j in range(b):
                W[k, (bi * b + i) * L + bj * b + j] = strength
    net = DBN((n,))
    net.load_arrays({"W0": W, "b0": np.full(n, -strength * (b * b / 2 - 0.25)), "c0": np.zeros(L * L)})
    return net


def test_exact_block_spins_match_themselves():
    configs = ising.sample(8, 2.3, 400, seed=0)
    table = analysis.block_spin_comparison(block_dbn(), configs)
    assert table.loc[1, "best_match"][0] > 0.9 and table.loc[1, "blocks_matched"] == 1.0
    nn_b, nn_h = table.loc[1, "nn_blocks"][0], table.loc[1, "nn_hidden"][0]
    assert nn_h == pytest.approx(nn_b, abs=0.1)


def test_network_summary_of_block_fields():
    configs = ising.sample(8, 2.3, 200, seed=1)
    summary = analysis.network_summary(block_dbn(), configs, shape=(8, 8))
    assert summary.loc[1, "locality"][0] == pytest.approx(summary.loc[1, "locality_block"])
    assert summary.loc[1, "participation"][0] == pytest.approx(summary.loc[1, "participation_block"])


def test_mean_and_error():
    m, e = analysis.mean_and_error([1.0, 2.0, 3.0, 4.0])
    assert m == 2.5 and e == pytest.approx(np.std([1, 2, 3, 4], ddof=1) / 2)
