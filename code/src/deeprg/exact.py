"""Exact results for the 2D nearest-neighbour Ising ferromagnet, H = -J sum_<ij> s_i s_j, J = 1.

Temperatures are in units of J/k_B and K = J/T is the reduced coupling.

- Infinite lattice: Onsager's critical point and energy, Yang's spontaneous magnetisation.
- Finite m x n torus: the Kaufman (1949) / Ferdinand & Fisher (1969) partition function,
  with its first and second derivatives in K computed analytically and in scaled
  arithmetic, so that log Z, the energy and the specific heat are stable for any size
  on both sides of T_c.
- Tiny tori: brute-force enumeration of all 2^(m n) states, an independent oracle.
"""

from __future__ import annotations

import itertools

import numpy as np
from scipy.special import ellipk

from ._validate import check_size, check_temperature

K_C = 0.5 * np.log1p(np.sqrt(2.0))
"""Onsager's critical coupling ln(1 + sqrt 2) / 2 = 0.44068679..."""
T_C = 1.0 / K_C
"""Critical temperature 2 / ln(1 + sqrt 2) = 2.26918531..."""


# --------------------------------------------------------------------------- infinite lattice
def onsager_energy_per_spin(T: float) -> float:
    """Energy per spin of the infinite lattice,
    u = -coth 2K [1 + (2/pi)(2 tanh^2 2K - 1) K1(q)], q = 2 sinh 2K / cosh^2 2K."""
    K = 1.0 / check_temperature(T)
    q = 2.0 * np.sinh(2 * K) / np.cosh(2 * K) ** 2
    slope = 2 * np.tanh(2 * K) ** 2 - 1  # vanishes at K_c, where K1(q = 1) diverges
    elliptic = 0.0 if q >= 1.0 else slope * ellipk(q * q)
    return float(-1.0 / np.tanh(2 * K) * (1 + 2 / np.pi * elliptic))


def yang_magnetisation(T: float) -> float:
    """Spontaneous magnetisation per spin, (1 - sinh(2K)^-4)^(1/8) below T_c, 0 above."""
    K = 1.0 / check_temperature(T)
    return float(max(0.0, 1.0 - np.sinh(2 * K) ** -4.0) ** 0.125)


# --------------------------------------------------------------------------- finite torus
def _cosh_factor(x, dx, ddx):
    """2 cosh x and its K-derivatives, each divided by exp|x| (so all stay O(1))."""
    e = np.exp(-2 * np.abs(x))
    s = np.sign(x)
    return 1 + e, s * (1 - e) * dx, (1 + e) * dx**2 + s * (1 - e) * ddx


def _sinh_factor(x, dx, ddx):
    """2 sinh x and its K-derivatives, each divided by exp|x|."""
    e = np.exp(-2 * np.abs(x))
    s = np.sign(x)
    return s * (1 - e), (1 + e) * dx, s * (1 - e) * dx**2 + (1 + e) * ddx


def _gammas(K: float, m: int, n: int):
    """gamma_l for l = 0 .. 2n-1 and dgamma/dK, d2gamma/dK2.

    cosh gamma_l = cosh 2K coth 2K - cos(pi l / n) for l >= 1; gamma_0 = 2K + ln tanh K
    (negative below K_c)."""
    sh, ch = np.sinh(2 * K), np.cosh(2 * K)
    c = ch * ch / sh
    dc = 2 * ch * (1 - 1 / sh**2)
    ddc = 4 * sh - 2 * (2 * sh**2 - 4 * ch**2) / sh**3
    ell = np.arange(2 * n)
    cl = c - np.cos(np.pi * ell / n)
    g = np.arccosh(np.maximum(cl, 1.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        dg = dc / np.sinh(g)
        ddg = (ddc - cl * dg**2) / np.sinh(g)
    g[0] = 2 * K + np.log(np.tanh(K))
    dg[0] = 2 + 2 / sh
    ddg[0] = -4 * ch / sh**2
    return g, dg, ddg


def _log_z_and_derivatives(m: int, n: int, K: float):
    """ln Z of the m x n torus and its first two derivatives in K.

    Z = 1/2 (2 sinh 2K)^(mn/2) [prod_r 2cosh(m g_{2r+1}/2) + prod_r 2sinh(m g_{2r+1}/2)
                                + prod_r 2cosh(m g_{2r}/2)   + prod_r 2sinh(m g_{2r}/2)],
    r = 0 .. n-1. Each product is f0 * R with f0 its r = 0 factor (only 2 sinh(m g_0 / 2)
    can vanish, at K_c) and R the rest, so Z_i' = f0' R + f0 R' etc. stay finite."""
    g, dg, ddg = _gammas(K, m, n)
    x, dx, ddx = m * g / 2, m * dg / 2, m * ddg / 2
    odd, even = slice(1, None, 2), slice(0, None, 2)
    terms = []
    for part in (odd, even):
        for factor in (_cosh_factor, _sinh_factor):
            v, d1, d2 = factor(x[part], dx[part], ddx[part])
            rv, r1, r2 = v[1:], d1[1:] / v[1:], d2[1:] / v[1:]
            rho1 = r1.sum()
            rho2 = rho1**2 + (r2 - r1**2).sum()
            scale = np.abs(x[part]).sum() + np.log(np.abs(rv)).sum()
            sign = np.prod(np.sign(rv))
            f0, f1, f2 = v[0], d1[0], d2[0]
            q = np.array([f0, f1 + f0 * rho1, f2 + 2 * f1 * rho1 + f0 * rho2]) * sign
            terms.append((scale, q))
    scales = np.array([s for s, _ in terms])
    top = scales.max()
    y = sum(np.exp(s - top) * q for s, q in terms)
    N = m * n
    sh = np.sinh(2 * K)
    log_z = np.log(0.5) + 0.5 * N * np.log(2 * sh) + top + np.log(y[0])
    d1 = N / np.tanh(2 * K) + y[1] / y[0]
    d2 = -2 * N / sh**2 + y[2] / y[0] - (y[1] / y[0]) ** 2
    return float(log_z), float(d1), float(d2)


def _torus(L: int, m: int | None):
    n = check_size(L, "L")
    m = n if m is None else check_size(m, "m")
    return m, n


def log_partition(L: int, T: float, m: int | None = None) -> float:
    """ln Z of the m x L torus (m = L by default) at temperature T (Kaufman 1949)."""
    m, n = _torus(L, m)
    return _log_z_and_derivatives(m, n, 1.0 / check_temperature(T))[0]


def energy_per_spin(L: int, T: float, m: int | None = None) -> float:
    """Exact mean energy per spin, u = -(1/N) d ln Z / dK, of the m x L torus (J = 1)."""
    m, n = _torus(L, m)
    return -_log_z_and_derivatives(m, n, 1.0 / check_temperature(T))[1] / (m * n)


def nearest_neighbour_correlation(L: int, T: float, m: int | None = None) -> float:
    """Exact <s_i s_j> over nearest neighbours of the torus: -u/2, since each spin owns two bonds."""
    return -0.5 * energy_per_spin(L, T, m)


def specific_heat_per_spin(L: int, T: float, m: int | None = None) -> float:
    """Exact specific heat per spin, c = (K^2 / N) d^2 ln Z / dK^2 (k_B = 1)."""
    m, n = _torus(L, m)
    K = 1.0 / check_temperature(T)
    return K * K * _log_z_and_derivatives(m, n, K)[2] / (m * n)


def entropy_per_spin(L: int, T: float, m: int | None = None) -> float:
    """Exact entropy per spin, s = ln Z / N + u / T (k_B = 1): N s is the entropy of the
    Boltzmann distribution, the best mean log-likelihood any model of it can reach is -N s."""
    m, n = _torus(L, m)
    return log_partition(n, T, m) / (m * n) + energy_per_spin(n, T, m) / T


def entropy(L: int, T: float, m: int | None = None) -> float:
    """Exact entropy S = N s(T) of the Boltzmann distribution of the m x L torus (m = L by
    default), in nats per configuration: -S is the best mean log-likelihood any model can reach."""
    rows, n = _torus(L, m)
    return rows * n * entropy_per_spin(L, T, m)


def correlation_length(T: float) -> float:
    """Exact correlation length of the infinite square lattice above T_c, in lattice spacings:
    1/xi = ln coth K - 2K = -gamma_0 (the decay of the row-to-row correlation, from the largest
    two eigenvalues of Onsager's transfer matrix); it diverges as T -> T_c."""
    T = check_temperature(T)
    if T <= T_C:
        raise ValueError(f"T must be above T_c = {T_C:.6f} for the paramagnetic correlation length, got {T}")
    K = 1.0 / T
    return float(1.0 / (np.log(1.0 / np.tanh(K)) - 2 * K))


def temperature_from_energy(L: int, u: float, T_range=(0.5, 50.0), clip: bool = False) -> float:
    """The temperature at which the exact energy per spin of the L x L torus equals u.

    u must lie strictly between the energies at the ends of T_range; with clip=True an
    energy outside gives the nearer end of T_range instead of an error."""
    from scipy.optimize import brentq

    lo, hi = (energy_per_spin(L, t) for t in T_range)
    if clip and not lo < u < hi:
        return float(T_range[0] if u <= lo else T_range[1])
    if not lo < u < hi:
        raise ValueError(f"u must lie in ({lo:.4f}, {hi:.4f}) for T in {T_range}, got {u}")
    return float(brentq(lambda t: energy_per_spin(L, t) - u, *T_range, xtol=1e-10))


# --------------------------------------------------------------------------- enumeration
def all_configurations(m: int, n: int) -> np.ndarray:
    """Every +-1 configuration of an m x n lattice, shape (2^(mn), m, n), int8."""
    if m * n > 20:
        raise ValueError(f"m*n must be <= 20 for enumeration, got {m * n}")
    states = np.array(list(itertools.product((-1, 1), repeat=m * n)), dtype=np.int8)
    return states.reshape(-1, m, n)


def bond_energy(configs: np.ndarray) -> np.ndarray:
    """Total energy -sum_<ij> s_i s_j of each (m, n) torus configuration (periodic rolls)."""
    s = configs.astype(np.int64)
    return -(s * np.roll(s, 1, axis=-1) + s * np.roll(s, 1, axis=-2)).sum(axis=(-1, -2))


def boltzmann_weights(m: int, n: int, T: float) -> tuple[np.ndarray, np.ndarray]:
    """All configurations of the m x n torus and their exact Boltzmann probabilities."""
    configs = all_configurations(m, n)
    E = bond_energy(configs)
    w = np.exp(-(E - E.min()) / check_temperature(T))
    return configs, w / w.sum()


def enumerate_thermodynamics(m: int, n: int, T: float) -> dict:
    """ln Z, energy and specific heat per spin of the m x n torus by brute force."""
    K = 1.0 / check_temperature(T)
    E = bond_energy(all_configurations(m, n)).astype(float)
    a = -K * E
    top = a.max()
    w = np.exp(a - top)
    Z = w.sum()
    p = w / Z
    mean, var = (p * E).sum(), (p * E**2).sum() - (p * E).sum() ** 2
    N = m * n
    return {"log_z": float(top + np.log(Z)), "energy": mean / N, "specific_heat": K * K * var / N}
