"""Observables of Ising configurations, with blocked-jackknife error bars.

Configurations are arrays (n, L, L) of +-1 spins on a torus with J = 1."""

from __future__ import annotations

import numpy as np

from .._validate import check_spins, check_temperature
from .autocorr import jackknife


def energy(configs) -> np.ndarray:
    """Energy per spin e = -(1/N) sum_<ij> s_i s_j of each configuration (J = 1)."""
    s = check_spins(configs).astype(np.int32)
    bonds = s * np.roll(s, 1, axis=-1) + s * np.roll(s, 1, axis=-2)
    return -bonds.sum(axis=(-1, -2)) / (s.shape[-1] * s.shape[-2])


def magnetisation(configs) -> np.ndarray:
    """Magnetisation per spin m = (1/N) sum_i s_i of each configuration."""
    s = check_spins(configs)
    return s.mean(axis=(-1, -2), dtype=np.float64)


def correlation_function(configs) -> np.ndarray:
    """Two-point function G(r) = <s_0 s_r> along the lattice axes, r = 0 .. L//2, per configuration.

    Averaged over all sites and both axes; shape (n, L//2 + 1)."""
    s = check_spins(configs).astype(np.float32)
    L = s.shape[-1]
    G = [((s * np.roll(s, r, axis=-1)).mean(axis=(-1, -2), dtype=np.float64)
          + (s * np.roll(s, r, axis=-2)).mean(axis=(-1, -2), dtype=np.float64)) / 2
         for r in range(L // 2 + 1)]
    return np.stack(G, axis=-1)


def thermodynamics(configs, T: float, n_blocks: int = 20) -> dict[str, tuple[float, float]]:
    """Means and blocked-jackknife errors of the standard observables, per spin:

    energy <e>; abs_magnetisation <|m|>; specific_heat N (<e^2> - <e>^2) / T^2;
    susceptibility N (<m^2> - <|m|>^2) / T; binder 1 - <m^4> / (3 <m^2>^2): each a
    (mean, error) pair of floats; and correlation, G(r) for r = 0 .. L//2 (see
    correlation_function) as a (means, errors) pair of arrays."""
    T = check_temperature(T)
    e, m = energy(configs), magnetisation(configs)
    N = np.asarray(configs).shape[-1] * np.asarray(configs).shape[-2]
    stats = {
        "energy": (lambda e, m: e.mean()),
        "abs_magnetisation": (lambda e, m: np.abs(m).mean()),
        "specific_heat": (lambda e, m: N * e.var() / T**2),
        "susceptibility": (lambda e, m: N * ((m**2).mean() - np.abs(m).mean() ** 2) / T),
        "binder": (lambda e, m: 1 - (m**4).mean() / (3 * (m**2).mean() ** 2)),
    }
    out = {}
    for name, f in stats.items():
        value, err = jackknife(f, e, m, n_blocks=n_blocks)
        out[name] = (float(value), float(err))
    out["correlation"] = jackknife(lambda G: G.mean(axis=0), correlation_function(configs), n_blocks=n_blocks)
    return out
