"""Real-space renormalisation, the RBM flow, and measures of how local a receptive field is.

Fields are rows of an array (n_units, n_sites) over an L x L torus (sites in row-major
order); configurations are (n, L, L) arrays of +-1 spins."""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np

from ._validate import check_choice, check_size, check_spins


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


# ----------------------------------------------------------------------------- compact part and background
# Half-side R of the square window around a field's peak, in lattice spacings. The paper
# network's median top-layer field falls to twice its background's w^2 per site at r = 10 and
# to it by r = 12; from R = 8 to 12 its mean area changes by 3 % and background by 0.01.
WINDOW_RADIUS = 8
SIZE_FRACTION = 0.9  # q: the share of the compact part's w^2 that its area holds
ORDERS = ("distance", "power")


@dataclass(frozen=True)
class CompactPart:
    """compact_part's measures, one entry per field (see there for the definitions)."""

    peak: np.ndarray  # (n, 2) int: (row, column) of the window's centre site
    centre: np.ndarray  # (n, 2) float: (row, column) of the centre of mass, in [0, L)
    area: np.ndarray  # sites
    gyration: np.ndarray  # lattice spacings
    background: np.ndarray  # share of sum w^2 spread uniformly over the lattice
    outside: np.ndarray  # share of sum w^2 outside the window


def _check_radius(radius, shape) -> int:
    """A window half-side R >= 0 with 2R + 1 < min(shape), so that sites remain outside it."""
    if isinstance(radius, bool) or not isinstance(radius, numbers.Integral) or not 0 <= 2 * radius + 1 < min(shape):
        raise ValueError(f"radius must be an integer with 0 <= 2 radius + 1 < {min(shape)}, got {radius!r}")
    return int(radius)


def _box_sums(p, radius):
    """Per site, the sum of p (n, Ly, Lx) over the (2R + 1) x (2R + 1) square centred on it, on the torus."""
    for axis in (-2, -1):
        p = sum(np.roll(p, k, axis=axis) for k in range(-radius, radius + 1))
    return p


def field_peaks(fields, shape, radius: int = WINDOW_RADIUS) -> np.ndarray:
    """Per field, the centre site (row, column) of its window: the site nearest the centre of
    mass of w^2 in the (2R + 1) x (2R + 1) square (R = radius, in lattice spacings) that holds
    the most w^2, i.e. the square at the peak of w^2 smoothed by that box on the torus (ties go
    to the first site in row-major order). Moving to the centre of mass puts a field smaller
    than the box, which many squares hold equally, in the middle of its window. (n_fields, 2)
    ints."""
    return _peaks(_weights(fields, shape), _check_radius(radius, shape))


def _peaks(p, radius):
    """field_peaks of the normalised w^2, p (n, Ly, Lx)."""
    sums = _box_sums(p, radius).reshape(len(p), -1)
    smoothed_peak = np.stack(np.unravel_index(sums.argmax(axis=1), p.shape[1:]), axis=1)
    centre = _window_centre(_window(p, smoothed_peak, radius)[0], radius)
    return np.rint(smoothed_peak + centre).astype(int) % np.asarray(p.shape[1:])


def _offsets(radius) -> np.ndarray:
    """(row, column) offsets of the (2R + 1)^2 sites of a window from its centre, row-major, (A, 2)."""
    return np.stack(np.divmod(np.arange((2 * radius + 1) ** 2), 2 * radius + 1), axis=1) - radius


def _window_centre(window, radius) -> np.ndarray:
    """Centre of mass of w^2 in each window (n, (2R + 1)^2), as (row, column) offsets from the
    window's centre site: sum_i p_i delta_i / sum_i p_i. The window is smaller than the torus,
    so this is the torus centre of mass (the circular mean) of the window's w^2."""
    return window @ _offsets(radius) / window.sum(axis=1, keepdims=True)


def _window(p, peaks, radius):
    """w^2 in each field's window, (n, (2R + 1)^2) in row-major order of the offsets, and a
    boolean (n, Ly, Lx) mask of the window's sites."""
    offsets = np.arange(-radius, radius + 1)
    rows = (peaks[:, :1] + offsets) % p.shape[1]
    cols = (peaks[:, 1:] + offsets) % p.shape[2]
    index = (np.arange(len(p))[:, None, None], rows[:, :, None], cols[:, None, :])
    mask = np.zeros(p.shape, bool)
    mask[index] = True
    return p[index].reshape(len(p), -1), mask


def _wrap(points, shape):
    """Coordinates (n, 2) taken into [0, Ly) x [0, Lx) (a tiny negative one goes to 0, not to L)."""
    wrapped = np.mod(points, shape)
    return np.where(wrapped >= np.asarray(shape), 0.0, wrapped)


def _q_set_weights(excess, q):
    """Weights of the first sites of each row of `excess` (sites already in their order) that
    hold a share q of the row's sum: the sites before the first crossing of q x sum in full,
    the crossing site by the part of it that is needed. Returns (area in sites, interpolated
    linearly within the crossing site; weights (n, A))."""
    cumulative = np.cumsum(excess, axis=1)
    target = q * cumulative[:, -1:]
    k = (cumulative >= target).argmax(axis=1)[:, None]
    before = np.take_along_axis(cumulative - excess, k, axis=1)
    needed = target - before
    with np.errstate(invalid="ignore", divide="ignore"):
        area = (k + needed / np.take_along_axis(excess, k, axis=1))[:, 0]
    columns = np.arange(excess.shape[1])
    weights = np.where(columns < k, excess, 0.0) + np.where(columns == k, needed, 0.0)
    return area, weights


def _check_fraction(q) -> float:
    """A share 0 < q <= 1."""
    try:
        value = float(q)
    except (TypeError, ValueError):
        raise ValueError(f"q must be a number with 0 < q <= 1, got {q!r}") from None
    if not 0 < value <= 1:
        raise ValueError(f"q must be a number with 0 < q <= 1, got {q!r}")
    return value


def compact_part(fields, shape, q: float = SIZE_FRACTION, radius: int = WINDOW_RADIUS,
                 order: str = "distance") -> CompactPart:
    """Size of each field's compact part and the share of its background, measured apart.

    With p_i = w_i^2 / sum_j w_j^2 (sign-agnostic) on the Ly x Lx torus of N sites:
      - window: the (2R + 1)^2 = A sites of the square of half-side R = radius centred on the
        peak (field_peaks); R must exceed the compact part's reach;
      - background: the sites outside the window are taken as background, of mean density
        d = p_out / (N - A) with p_out = sum of p outside the window (the share `outside`);
        spread uniformly over all N sites it is the share background = N d. A compact field
        plus white noise gives back the noise's share of sum w^2 (in expectation, when the
        field's tail outside the window is negligible);
      - compact part: the excess e_i = p_i - d of the window's sites, of total
        1 - background;
      - centre: peak + sum_window p_i delta_i / sum_window p_i, delta_i the offset of site i
        from the peak (the torus centre of mass: the window is smaller than the torus),
        modulo (Ly, Lx);
      - area: the number of window sites, taken in `order`, whose excess first reaches q times
        the compact part's, interpolated linearly within the last site (so a box of b x b
        equal weights has area q b^2 in power order), in sites;
      - gyration: sqrt(sum_set e_i |x_i - centre|^2 / sum_set e_i) over that set of sites
        (the last one by the part of it that is needed), in lattice spacings.
    order "distance" (the default) takes sites by increasing distance from the centre: the
    order does not depend on the noise, so subtracting the mean background leaves the area
    unbiased under a uniform background, and pure noise gets an area of order A. order "power"
    takes them by decreasing w^2: the smallest set of sites holding the share q, exact for
    compact fields of any shape (a box of b x b has area q b^2, which the disc of the distance
    order exceeds) but biased by a background, whose fluctuations it picks first (pure noise
    gets a few sites). For a field whose w^2 decreases with the distance from its centre (a
    Gaussian blob) the two orders agree. A Gaussian w^2 ~ exp(-r^2 / (2 s^2)) (a field
    w ~ exp(-r^2 / (2 sigma^2)), s = sigma / sqrt 2) has, in the continuum, area
    2 pi s^2 t and gyration s sqrt(2 (1 - (1 + t)(1 - q)) / q) with t = ln(1 / (1 - q)).
    area and gyration are NaN where the window holds no excess over the background (beyond the
    rounding of the N shares: a uniform field)."""
    radius = _check_radius(radius, shape)
    q = _check_fraction(q)
    order = check_choice(order, "order", ORDERS)
    p = _weights(fields, shape)
    peaks = _peaks(p, radius)
    window, mask = _window(p, peaks, radius)
    outside = np.where(mask, 0.0, p).sum(axis=(1, 2))
    density = outside / (p[0].size - window.shape[1])
    centre = _window_centre(window, radius)  # relative to the peak
    excess = window - density[:, None]
    distance2 = ((_offsets(radius)[None] - centre[:, None]) ** 2).sum(axis=2)
    rank = np.argsort(distance2 if order == "distance" else -window, axis=1, kind="stable")
    area, weights = _q_set_weights(np.take_along_axis(excess, rank, axis=1), q)
    with np.errstate(invalid="ignore", divide="ignore"):
        gyration = np.sqrt((weights * np.take_along_axis(distance2, rank, axis=1)).sum(axis=1) / weights.sum(axis=1))
    has_excess = excess.sum(axis=1) > p[0].size * np.finfo(float).eps  # above the rounding of N shares
    return CompactPart(peak=peaks, centre=_wrap(peaks + centre, shape),
                       area=np.where(has_excess, area, np.nan), gyration=np.where(has_excess, gyration, np.nan),
                       background=density * p[0].size, outside=outside)


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
