"""Equilibrated, decorrelated Ising configurations: the Python side of the kernels.

The wrapper validates arguments, owns the random seed (a numpy SeedSequence feeds every
kernel call) and chooses burn-in and spacing from measured autocorrelation times."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from tqdm.auto import tqdm

from .._validate import check_choice, check_size, check_temperature
from ..exact import T_C
from . import kernels
from .autocorr import AutocorrelationTime, integrated_time
from .observables import energy

ALGORITHMS = {"wolff": kernels.WOLFF, "metropolis": kernels.METROPOLIS, "swendsen-wang": kernels.SWENDSEN_WANG}


@dataclass
class MonteCarloRun:
    """Sampled configurations and how they were obtained.

    Times are in sweeps (N attempted Metropolis flips, one Swendsen-Wang update, or
    clusters_per_sweep Wolff clusters, which flip N spins on average). tau_energy and tau_abs_m are measured on the
    equilibrated second half of the burn-in; thin >= 2 max(tau) separates the samples."""

    configs: np.ndarray
    L: int
    T: float
    algorithm: str
    seed: int
    burn_in: int
    thin: int
    tau_energy: AutocorrelationTime
    tau_abs_m: AutocorrelationTime
    clusters_per_sweep: int = 1
    sample_tau: AutocorrelationTime = field(init=False)

    def __post_init__(self):
        # tau of the samples' energies in units of samples: 1/2 when they are independent
        self.sample_tau = integrated_time(energy(self.configs)) if len(self.configs) >= 4 else None

    @property
    def info(self) -> dict:
        """The run's metadata as plain JSON-ready values."""
        return {
            "L": self.L, "T": self.T, "algorithm": self.algorithm, "seed": self.seed,
            "burn_in_sweeps": self.burn_in, "thin_sweeps": self.thin,
            "clusters_per_sweep": self.clusters_per_sweep,
            "tau_energy": self.tau_energy.tau, "tau_energy_error": self.tau_energy.error,
            "tau_abs_m": self.tau_abs_m.tau, "tau_abs_m_error": self.tau_abs_m.error,
            "sample_tau_energy": None if self.sample_tau is None else self.sample_tau.tau,
        }


def _check_count(value, name, minimum):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


class _Chain:
    """One Markov chain: flat spins, neighbour table, SplitMix64 state, Wolff clusters per sweep."""

    def __init__(self, L, T, code, start, rng):
        check_choice(start, "start", {"auto", "hot", "cold"})
        self.L, self.K, self.code = L, 1.0 / T, code
        self.state = rng.integers(2**63, size=1, dtype=np.uint64)
        self.nbr = kernels.neighbours(L)
        if start == "cold" or (start == "auto" and T < T_C):
            self.spins = np.ones(L * L, np.int8)  # ordered start: avoids long-lived stripes below T_c
        else:
            self.spins = rng.choice(np.array([-1, 1], np.int8), size=L * L)
        self.clusters_per_sweep = self._calibrate()

    def _calibrate(self):
        """Wolff clusters that flip N spins on average, from >= 20 N flips after 4 N of warm-up."""
        if self.code != kernels.WOLFF:
            return 1
        N = self.spins.size
        kernels.wolff_calibrate(self.spins, self.nbr, self.K, 4 * N, self.state)
        clusters, flipped = kernels.wolff_calibrate(self.spins, self.nbr, self.K, 20 * N, self.state)
        return max(1, round(N * clusters / flipped))

    def advance(self, n_sweeps, series=None):
        series = np.empty((0, 2)) if series is None else series
        kernels.advance(self.spins, self.nbr, self.L, self.K, self.code, n_sweeps,
                        self.clusters_per_sweep, self.state, series)

    def collect(self, out, thin):
        kernels.collect(self.spins, self.nbr, self.L, self.K, self.code, thin,
                        self.clusters_per_sweep, self.state, out.reshape(len(out), -1))

    def measure(self, n_min, max_sweeps):
        """Run and record until the second half of the record is > 100 tau_int long.

        Returns sweeps run and the tau of energy and |m| on that second half."""
        series = np.empty((0, 2))
        n = n_min
        while True:
            chunk = np.empty((n - len(series), 2))
            self.advance(len(chunk), chunk)
            series = np.concatenate([series, chunk])
            half = series[len(series) // 2:]
            taus = integrated_time(half[:, 0]), integrated_time(half[:, 1])
            if all(t.converged for t in taus) or len(series) >= max_sweeps:
                return len(series), taus
            n = 2 * len(series)


def simulate(L, T, n_samples, *, algorithm="wolff", seed=0, burn_in="auto", thin="auto",
             start="auto", max_burn_in=2**24, progress=False) -> MonteCarloRun:
    """Sample an L x L torus at temperature T; see MonteCarloRun for what comes back.

    start "auto" is ordered below T_c and random above. Wolff first flips clusters until
    24 N spins have flipped, to fix clusters_per_sweep. burn_in="auto" runs (and records)
    at least 1024 sweeps, doubling until the second half is longer than 100 tau_int of both
    energy and |m|; an integer burns in that many sweeps first, then measures tau over at
    least 256 more. thin="auto" spaces samples by ceil(2 max tau_int) sweeps, at least 1.

    Only observables even under s -> -s are decorrelated: below T_c, Metropolis keeps the
    sign of m for astronomically long times at L = 40, and tau of signed m is not measured."""
    L = check_size(L, "L")
    T = check_temperature(T)
    n_samples = _check_count(n_samples, "n_samples", 1)
    code = ALGORITHMS[check_choice(algorithm, "algorithm", ALGORITHMS)]
    if burn_in != "auto":
        burn_in = _check_count(burn_in, "burn_in", 0)
    if thin != "auto":
        thin = _check_count(thin, "thin", 1)
    rng = np.random.default_rng(seed)
    chain = _Chain(L, T, code, start, rng)
    swept = 0
    if burn_in != "auto":
        chain.advance(burn_in)
        swept = burn_in
    probe, (tau_e, tau_m) = chain.measure(1024 if burn_in == "auto" else 256, max_burn_in)
    swept += probe
    if thin == "auto":
        thin = max(1, int(np.ceil(2 * max(tau_e.tau, tau_m.tau))))
    configs = np.empty((n_samples, L, L), np.int8)
    chunk = max(1, n_samples // 100)
    with tqdm(total=n_samples, disable=not progress, desc=f"{algorithm} L={L} T={T:.4f}", unit="sample") as bar:
        for i in range(0, n_samples, chunk):
            part = configs[i:i + chunk]
            chain.collect(part, thin)
            bar.update(len(part))
    return MonteCarloRun(configs, L, T, algorithm, seed if isinstance(seed, int) else None,
                         swept, thin, tau_e, tau_m, chain.clusters_per_sweep)


def sample(L, T, n_samples, *, algorithm="wolff", seed=0, burn_in="auto", thin="auto", **kwargs) -> np.ndarray:
    """Equilibrated, decorrelated configurations, shape (n_samples, L, L), int8 +-1.

    See simulate() for the options and for the measured autocorrelation times."""
    return simulate(L, T, n_samples, algorithm=algorithm, seed=seed, burn_in=burn_in, thin=thin, **kwargs).configs
