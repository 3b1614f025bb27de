"""Samples from an RBM's own distribution, checked against the Ising model's thermodynamics.

Long block-Gibbs chains v -> h -> v of a Bernoulli RBM (W of shape (n_hidden, L*L), hidden
biases b, visible biases c; v = (s + 1) / 2) are started from data or at random, and every
`every` sweeps each chain's configuration is measured as the Ising data are: energy per spin,
magnetisation per spin and G(r). A model of the data should reproduce the data's values, and
chains from both starts should agree; where they do not, the chains have not mixed and any
number read from them (or from AIS on the model) is suspect.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import expit

from . import exact, ising
from ._validate import check_size, check_temperature
from .ising.autocorr import integrated_time, jackknife


def _spins(V, L):
    return (2 * V - 1).astype(np.int8).reshape(len(V), L, L)


def run_chains(W, b, c, start, n_sweeps: int, every: int = 10, random_state=None) -> dict[str, np.ndarray]:
    """Block-Gibbs chains from the visible states `start` (n_chains, L*L), 0/1: n_sweeps sweeps
    h ~ p(h|v), v ~ p(v|h), recording after every `every`-th sweep. Returns arrays of shape
    (n_sweeps // every, n_chains): energy and magnetisation per spin (J = 1), and correlation of
    shape (n_sweeps // every, n_chains, L//2 + 1), G(r) along the axes; and n_spins, L*L."""
    W, b, c = (np.asarray(a, np.float64) for a in (W, b, c))
    V = np.asarray(start, np.float64)
    if V.ndim != 2 or V.shape[1] != W.shape[1]:
        raise ValueError(f"start must have shape (n_chains, {W.shape[1]}), got {V.shape}")
    L = int(round(np.sqrt(W.shape[1])))
    if L * L != W.shape[1]:
        raise ValueError(f"the visible layer must be an L x L lattice, got {W.shape[1]} units")
    n_sweeps, every = check_size(n_sweeps, "n_sweeps", 1), check_size(every, "every", 1)
    rng = np.random.default_rng(random_state)
    records = {"energy": [], "magnetisation": [], "correlation": []}
    for sweep in range(1, n_sweeps + 1):
        H = (rng.random((len(V), len(b))) < expit(V @ W.T + b)).astype(np.float64)
        V = (rng.random(V.shape) < expit(H @ W + c)).astype(np.float64)
        if sweep % every == 0:
            s = _spins(V, L)
            records["energy"].append(ising.energy(s))
            records["magnetisation"].append(ising.magnetisation(s))
            records["correlation"].append(ising.correlation_function(s))
    return {key: np.array(value) for key, value in records.items()} | {"n_spins": np.array(L * L)}


def summary(records: dict, T: float, burn_in: int) -> dict[str, tuple[float, float]]:
    """(value, standard error) of the observables of chains after dropping `burn_in` records:
    energy <e>, abs_magnetisation <|m|>, specific_heat N var(e) / T^2 (pooled over chains and
    records), nn_correlation G(1); the errors are jackknife errors over chains (independent, so
    honest however slowly each mixes). Also tau, the integrated autocorrelation time of each
    chain's energy in records (mean over chains), and its largest value."""
    T = check_temperature(T)
    e, m, G = (np.asarray(records[k])[burn_in:] for k in ("energy", "magnetisation", "correlation"))
    if len(e) < 4:
        raise ValueError(f"burn_in={burn_in} leaves {len(e)} records; need at least 4")
    N = int(records["n_spins"])
    stats = {  # of arrays with the chains first: e, m (chains, records), G (chains, records, r)
        "energy": lambda e, m, G: e.mean(),
        "abs_magnetisation": lambda e, m, G: np.abs(m).mean(),
        "specific_heat": lambda e, m, G: N * e.var() / T**2,
        "nn_correlation": lambda e, m, G: G[..., 1].mean(),
    }
    out = {name: tuple(float(x) for x in jackknife(f, e.T, m.T, G.transpose(1, 0, 2), n_blocks=e.shape[1]))
           for name, f in stats.items()}
    taus = [integrated_time(series).tau for series in e.T]
    out["tau"] = (float(np.mean(taus)), float(np.max(taus)))
    return out


def compare(W, b, c, data_configs, T: float, n_chains: int = 100, n_sweeps: int = 3000, every: int = 10,
            burn_in_fraction: float = 0.5, random_state=0) -> pd.DataFrame:
    """The RBM's samples beside the data and the exact torus: one row per source ("exact",
    "data", "chains from data", "chains from random"), columns value and error of energy,
    abs_magnetisation, specific_heat and nn_correlation (exact: energy and specific heat from
    Kaufman's ln Z, nn_correlation = -e/2; data: blocked jackknife), and tau for the chains.
    Chains from data start at the first n_chains data configurations; from random, at fair coins."""
    T = check_temperature(T)
    data = np.asarray(data_configs)
    L = data.shape[-1]
    rng = np.random.default_rng(random_state)
    starts = {"chains from data": (data[:n_chains].reshape(n_chains, -1) + 1) / 2,
              "chains from random": (rng.random((n_chains, L * L)) < 0.5).astype(np.float64)}
    u = exact.energy_per_spin(L, T)
    rows = {"exact": {"energy": (u, 0.0), "specific_heat": (exact.specific_heat_per_spin(L, T), 0.0),
                      "nn_correlation": (-u / 2, 0.0)}}
    thermo = ising.thermodynamics(data, T)
    rows["data"] = {key: thermo[key] for key in ("energy", "abs_magnetisation", "specific_heat")}
    G, G_err = thermo["correlation"]
    rows["data"]["nn_correlation"] = (float(G[1]), float(G_err[1]))
    burn_in = int(burn_in_fraction * (n_sweeps // every))
    for name, start in starts.items():
        records = run_chains(W, b, c, start, n_sweeps, every, rng)
        rows[name] = summary(records, T, burn_in)
    table = pd.DataFrame({source: {f"{k}{suffix}": v[i] for k, v in values.items()
                                   for i, suffix in ((0, ""), (1, "_error"))} for source, values in rows.items()}).T
    return table.rename(columns={"tau": "tau_mean", "tau_error": "tau_max"})


OBSERVABLES = ("energy", "abs_magnetisation", "specific_heat", "nn_correlation")


def discrepancies(table: pd.DataFrame) -> pd.DataFrame:
    """z-scores (difference over combined standard error) from a `compare` table, one row per
    observable: chains from data against chains from random starts (have the chains mixed?),
    and each against the data (does the model reproduce them?). |z| > 4 is a disagreement."""
    def z(a, b, key):
        x, y = table.loc[a], table.loc[b]
        return (x[key] - y[key]) / np.hypot(x[f"{key}_error"], y[f"{key}_error"])

    return pd.DataFrame({
        "starts": [z("chains from data", "chains from random", k) for k in OBSERVABLES],
        "from data vs data": [z("chains from data", "data", k) for k in OBSERVABLES],
        "from random vs data": [z("chains from random", "data", k) for k in OBSERVABLES],
    }, index=pd.Index(OBSERVABLES, name="observable"))


def verdict(table: pd.DataFrame, n_sigma: float = 4.0) -> dict:
    """From a `compare` table: "mixed", the chains from the two starts agree within n_sigma
    combined errors on every observable; "faithful", both sets of chains also agree with the
    data on every observable."""
    z = discrepancies(table).abs() < n_sigma
    return {"mixed": bool(z["starts"].all()), "faithful": bool(z.to_numpy().all())}
