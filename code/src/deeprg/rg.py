"""Real-space renormalisation, the RBM flow, and measures of how local a receptive field is.

Fields are rows of an array (n_units, n_sites) over an L x L torus (sites in row-major
order); configurations are (n, L, L) arrays of +-1 spins."""

from __future__ import annotations

import numpy as np

from ._validate import check_size, check_spins


def _weights(fields, shape):
    """p_i = w_i^2 / sum_j w_j^2 per unit, reshaped to (n_units, Ly, Lx)."""
    f = np.asarray(fields, dtype=np.float64)
    if f.ndim == 1:
        f = f[None]
    if f.ndim != 2 or f.shape[1] != shape[0] * shape[1]:
        raise ValueError(f"fields must have shape (n_units, {shape[0] * shape[1]}) for shape {shape}, got {f.shape}")
    p = f**2
    total = p.sum(axis=1, keepdims=True)
    if (total == 0).any():
        raise ValueError("fields must not be identically zero")
    return (p / total).reshape(-1, *shape)


def _torus_spread(p, axis_len, axis):
    """Weighted mean squared distance to the circular mean along one axis of the torus."""
    x = np.arange(axis_len)
    marginal = p.sum(axis=2 if axis == 0 else 1)  # (n_units, axis_len)
    angle = np.angle(marginal @ np.exp(2j * np.pi * x / axis_len))
    centre = angle * axis_len / (2 * np.pi)
    d = (x[None, :] - centre[:, None] + axis_len / 2) % axis_len - axis_len / 2
    return (marginal * d**2).sum(axis=1)


def radius_of_gyration(fields, shape) -> np.ndarray:
    """R_g of each field on the torus, in lattice spacings: sqrt(sum_i p_i |x_i - x_c|^2) with
    p_i = w_i^2 / sum w^2, x_c the circular mean of p along each axis, and minimum-image
    distances. A single site gives 0; a b x b block gives sqrt((b^2 - 1) / 6)."""
    p = _weights(fields, shape)
    return np.sqrt(_torus_spread(p, shape[0], 0) + _torus_spread(p, shape[1], 1))


def locality(fields, shape) -> np.ndarray:
    """One number per unit: 1 - R_g(field) / R_g(uniform field) on the same torus.

    1 for a field on a single site, 0 for a field spread evenly over the lattice (and
    values near 0 for fields with no spatial structure); a b x b block on the 40 x 40
    torus scores 1 - sqrt((b^2 - 1) / 6) / R_g(uniform), e.g. 0.80 for b = 8."""
    uniform = radius_of_gyration(np.ones((1, shape[0] * shape[1])), shape)[0]
    return 1.0 - radius_of_gyration(fields, shape) / uniform


def participation_ratio(fields) -> np.ndarray:
    """Fraction of sites a field occupies: (sum w^2)^2 / (N sum w^4), between 1/N (one site)
    and 1 (uniform magnitude); a field equal on b^2 sites and zero elsewhere gives b^2 / N."""
    f = np.atleast_2d(np.asarray(fields, dtype=np.float64))
    p2 = f**2
    return p2.sum(axis=1) ** 2 / (f.shape[1] * (p2**2).sum(axis=1))


def block_spins(configs, b: int, seed: int = 0) -> np.ndarray:
    """Majority-rule block spins of b x b blocks: sign of the block's sum, ties broken at random.

    configs (n, L, L) with L divisible by b -> (n, L/b, L/b) int8."""
    s = check_spins(configs)
    b = check_size(b, "b", minimum=1)
    L = s.shape[-1]
    if L % b:
        raise ValueError(f"b must divide L = {L}, got {b}")
    sums = s.reshape(*s.shape[:-2], L // b, b, L // b, b).sum(axis=(-3, -1), dtype=np.int64)
    ties = np.random.default_rng(seed).choice(np.array([-1, 1], np.int8), size=sums.shape)
    return np.where(sums == 0, ties, np.sign(sums)).astype(np.int8)


def rbm_flow(rbm, v, n_steps: int, shape, mean_field: bool = False, seed: int = 0):
    """The RBM flow of Iso, Shiba & Yokoo (2018): v_{k+1} from v_k through the hidden layer.

    Sampled (default): h ~ P(h | v_k), v_{k+1} ~ P(v | h), a Gibbs chain started at v.
    mean_field: v_{k+1} = P(v | h = P(h | v_k)), a deterministic map of probabilities.
    Yields n_steps + 1 arrays of +-1 configurations (n, *shape), step 0 being v itself; in
    mean-field mode each is one Bernoulli draw from v_k, made for measuring and not fed back."""
    from .dbn import hidden_probs, visible_probs

    rng = np.random.default_rng(seed)
    draw = lambda p: (rng.random(p.shape) < p).astype(np.float32)
    v = np.asarray(v, np.float32)
    for step in range(check_size(n_steps, "n_steps", minimum=0) + 1):
        states = draw(v) if mean_field else v
        yield (2 * states - 1).astype(np.int8).reshape(len(v), *shape)
        if step < n_steps:
            h = hidden_probs(rbm, v)
            v = visible_probs(rbm, h if mean_field else draw(h)).astype(np.float32)
            if not mean_field:
                v = draw(v)
