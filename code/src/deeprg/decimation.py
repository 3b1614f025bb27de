"""The paper's 1D example: decimating the Ising ring, built by hand as an RBM.

A ring of 2n spins with coupling K (H = -K sum_i s_i s_{i+1}, temperature absorbed) is
bipartite: every odd spin touches only even ones. Its Boltzmann distribution is therefore
exactly the joint distribution of an RBM whose two layers are the odd and the even spins,
with no couplings inside a layer. Tracing one layer out is decimation: it leaves a ring of n
spins with coupling K', tanh K' = tanh^2 K, and ln Z_2n(K) = n ln(2 sqrt(cosh 2K)) + ln Z_n(K').
Both marginals, visible and hidden, are such n-spin rings at K': the RBM maps n spins to n
spins and coarse-grains nothing between its layers; the decimation K -> K' happens between
the joint distribution and either marginal. The next RBM of the "stack" splits the previous
visible marginal (the n-ring at K') into two layers of n/2 spins again; it is not trained on
the previous hidden layer, as a deep belief network's next layer would be.

Signs: this package's energy is E = -v W h - b h - c v (so p ~ e^{-E}), and the ferromagnetic
ring needs W = +4K; in the paper's convention E = +v W h + ... the same ring has W = -4K."""

from __future__ import annotations

import numpy as np

from ._validate import check_size
from .exact import all_configurations
from .rbm import RBM, set_parameters


def decimated_coupling(K: float) -> float:
    """K' with tanh K' = tanh^2 K: the coupling after summing out every other spin."""
    return float(np.arctanh(np.tanh(K) ** 2))


def ring_log_partition(N: int, K: float) -> float:
    """ln Z of the ring of N spins: Z = (2 cosh K)^N + (2 sinh K)^N (transfer matrix)."""
    return float(np.logaddexp(N * np.log(2 * np.cosh(K)), N * np.log(2 * np.sinh(K)) if K > 0 else -np.inf))


def ring_rbm(n: int, K: float) -> RBM:
    """The RBM whose joint distribution over (v, h) in {0, 1}^n x {0, 1}^n is the ring of 2n
    spins ..., h_j, v_j, h_{j+1}, ... with coupling K, spins s = 2x - 1.

    -K s t with s = 2v - 1, t = 2h - 1 is -4K v h + 2K v + 2K h - K, so each bond gives a
    weight 4K and each unit, in two bonds, a bias -4K; the constant 2nK is dropped, so
    ln Z_RBM = ln Z_2n(K) - 2nK."""
    n = check_size(n, "n", minimum=2)
    if not (np.isfinite(K) and K > 0):
        raise ValueError(f"K must be a finite positive coupling, got {K!r}")
    W = np.zeros((n, n))
    j = np.arange(n)
    W[j, j] = W[(j + 1) % n, j] = 4 * K  # v_j sits between h_j and h_{j+1}
    return set_parameters(RBM(n, dtype="float64"), W, np.full(n, -4 * K), np.full(n, -4 * K))


def swap_layers(rbm: RBM) -> RBM:
    """The same joint distribution with visible and hidden layers exchanged (W -> W^T)."""
    return set_parameters(RBM(rbm.components_.shape[0], dtype="float64"), rbm.components_.T,
                          rbm.intercept_visible_, rbm.intercept_hidden_)


def marginal_coupling(rbm: RBM) -> dict:
    """Fit ln p(v) = a + K' sum_j s_j s_{j+1} (ring, s = 2v - 1) to the RBM's exact visible
    marginal over all 2^n configurations (least squares). Returns K', the largest absolute
    residual (0 when the marginal is exactly a nearest-neighbour ring) and ln Z_RBM."""
    n = rbm.n_features_in_
    spins = all_configurations(1, n).reshape(-1, n)
    log_z = rbm.log_partition("exact")[0]
    log_p = -rbm.free_energy((spins + 1) / 2) - log_z
    design = np.column_stack([np.ones(len(spins)), (spins * np.roll(spins, -1, axis=1)).sum(axis=1)])
    coef, *_ = np.linalg.lstsq(design, log_p, rcond=None)
    return {"coupling": float(coef[1]), "residual": float(np.abs(design @ coef - log_p).max()), "log_z": float(log_z)}


def decimation_table(K: float, n: int = 16) -> "pandas.DataFrame":
    """The stack of hand-built RBMs from a ring of 2n spins at coupling K down to 4 spins.

    Per level: ring size, K, the coupling K' of the RBM's exact visible marginal and its fit
    residual, the coupling of its exact hidden marginal (the same K': no coarse-graining from v to h), tanh^2 K (for tanh K'), and the free energy bookkeeping
    ln Z_2n(K) - [n ln(2 sqrt(cosh 2K)) + ln Z_n(K')] computed from the RBM's exact ln Z."""
    import pandas as pd

    rows = []
    while n >= 2:
        fit = marginal_coupling(ring_rbm(n, K))
        log_z_ring = fit["log_z"] + 2 * n * K
        hidden = marginal_coupling(swap_layers(ring_rbm(n, K)))["coupling"]
        rows.append({"spins": 2 * n, "K": K, "K_fit": fit["coupling"], "K_hidden": hidden, "residual": fit["residual"],
                     "tanh_fit": np.tanh(fit["coupling"]), "tanh2_K": np.tanh(K) ** 2,
                     "free_energy_gap": log_z_ring - (n * np.log(2 * np.sqrt(np.cosh(2 * K)))
                                                      + ring_log_partition(n, decimated_coupling(K))),
                     "log_z_error": log_z_ring - ring_log_partition(2 * n, K)})
        K, n = fit["coupling"], n // 2
    return pd.DataFrame(rows)
