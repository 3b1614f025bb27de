"""Verdicts of the scale test (sweep.scale_test, issue 20): does the size of the first layer's
receptive fields track the correlation length xi?

If the network coarse-grains the physics, a field's area grows as xi^2 above T_c (slope 1 of
ln area against ln xi^2) and, at T_c where xi is limited by the lattice, as L^2 (an area ratio
of (L / L')^2 between two lattices). If it learns local features, the area stays put (slope 0,
ratio 1). The functions take the scale test's table (one row per point, a column per measure
and its _error over the units) and return plain tables and numbers."""

from __future__ import annotations

import numpy as np

COARSE_SLOPE, LOCAL_SLOPE = 1.0, 0.0  # d ln area / d ln xi^2 under the two hypotheses
N_SIGMA = 3.0  # a hypothesis is excluded beyond this many standard errors
MIN_COMPACT = 0.1  # a point's size is measured when at least this share of its units has a compact part
MAX_WINDOW_GROWTH = 1.5  # ... and its area grows by at most this factor from the smaller window to the larger


def measured(table, key: str = "area", larger: str = "area_R12", min_compact: float = MIN_COMPACT,
             max_growth: float = MAX_WINDOW_GROWTH):
    """Which rows of a scale-test table measure a size (a boolean Series): at least min_compact
    of the units have a compact part (column compact) and the median area over them grows by at
    most max_growth from the smaller window (key) to the larger (larger). A compact field has the
    same area in both windows; a field that fills the window has an area that grows as the
    window's (by 625 / 289 = 2.16 from half-side 8 to 12), which measures the window, not the field."""
    with np.errstate(invalid="ignore"):
        growth = table[larger] / table[key]
    return (table["compact"] >= min_compact) & (growth <= max_growth)


def _combined(values, errors) -> tuple[float, float]:
    """Mean of per-seed values and its error: the larger of the standard error over the seeds
    (when there are two or more) and the root-mean-square of the seeds' own errors over
    sqrt(n). With two or three seeds the scatter between them alone is a poor estimate of the
    error, so it is never allowed below what each run's own error implies."""
    values, errors = np.asarray(values, float), np.asarray(errors, float)
    n = len(values)
    own = float(np.sqrt(np.mean(errors**2)) / np.sqrt(n))
    between = float(values.std(ddof=1) / np.sqrt(n)) if n > 1 else 0.0
    return float(values.mean()), max(own, between)


def seed_means(table, key: str = "area", by=("L", "T", "penalty")):
    """Per group of `by`, the mean over seeds of `key` and its error (_combined: the larger of
    the scatter between seeds and the runs' own errors over the units), and n_seeds."""
    import pandas as pd

    rows = []
    for group, part in table.groupby(list(by), sort=True):
        mean, error = _combined(part[key], part[f"{key}_error"])
        rows.append(dict(zip(by, group)) | {key: mean, f"{key}_error": error, "n_seeds": part["seed"].nunique()})
    return pd.DataFrame(rows, columns=[*by, key, f"{key}_error", "n_seeds"])


def _line(x, y, sigma) -> tuple[float, float]:
    """Slope of a weighted least-squares line through (x, y) with errors sigma on y, and its
    error: the formal one, scaled up (never down) by sqrt(chi^2 / dof) when the points scatter
    more than their errors; with two points, the formal one."""
    x, y, w = np.asarray(x, float), np.asarray(y, float), 1 / np.asarray(sigma, float) ** 2
    xm, ym = np.average(x, weights=w), np.average(y, weights=w)
    sxx = np.sum(w * (x - xm) ** 2)
    slope = float(np.sum(w * (x - xm) * (y - ym)) / sxx)
    error = float(1 / np.sqrt(sxx))
    dof = len(x) - 2
    if dof > 0:
        chi2 = float(np.sum(w * (y - ym - slope * (x - xm)) ** 2))
        error *= max(1.0, np.sqrt(chi2 / dof))
    return slope, error


def size_slope(table, key: str = "area", by=("L", "penalty")):
    """Per group of `by`, the slope of ln(key) against ln(xi^2) over the points above T_c
    (finite xi2): 1 if the size tracks xi^2, 0 if it stays put (for the gyration radius, a
    length, tracking xi gives 1/2).

    Per seed, a weighted least-squares line (_line) through (ln xi2, ln key) with the error of
    ln key taken as key_error / key; over seeds, the mean slope with the error of _combined.
    Columns: the `by` keys, slope, slope_error, n_seeds, n_temperatures, xi_min, xi_max."""
    import pandas as pd

    above = table[np.isfinite(table["xi2"])]
    rows = []
    for group, part in above.groupby(list(by), sort=True):
        fits = [_line(np.log(run["xi2"]), np.log(run[key]), run[f"{key}_error"] / run[key])
                for _, run in part.groupby("seed", sort=True) if run["T"].nunique() >= 2]
        if not fits:
            continue
        slope, error = _combined(*zip(*fits))
        rows.append(dict(zip(by, group)) | {"slope": slope, "slope_error": error, "n_seeds": len(fits),
                                            "n_temperatures": part["T"].nunique(),
                                            "xi_min": float(np.sqrt(part["xi2"].min())),
                                            "xi_max": float(np.sqrt(part["xi2"].max()))})
    return pd.DataFrame(rows)


def size_ratio(table, big: int, small: int, T: float, key: str = "area", power: float = 2.0, by=("penalty", "alpha")):
    """Per group of `by` (a training setting), the ratio of `key` on the big x big lattice to
    that on the small x small one at temperature T, each the mean over its seeds (seed_means),
    with the error of analysis.ratio; coarse_graining is (big / small)^power, what a size
    growing with L at T_c gives (power 2 for an area, 1 for a length), against 1 for a size
    that stays put. Columns: the `by` keys, ratio, ratio_error, coarse_graining, n_seeds_big,
    n_seeds_small; groups without both lattices are left out."""
    import pandas as pd

    from .analysis import ratio

    at_T = table[np.isclose(table["T"], T)]
    means = seed_means(at_T, key, (*by, "L")).set_index([*by, "L"])
    rows = []
    for group in dict.fromkeys(index[:-1] for index in means.index):
        if (*group, big) not in means.index or (*group, small) not in means.index:
            continue
        b, s = means.loc[(*group, big)], means.loc[(*group, small)]
        r, error = ratio((b[key], b[f"{key}_error"]), (s[key], s[f"{key}_error"]))
        rows.append(dict(zip(by, group)) | {"ratio": r, "ratio_error": error, "coarse_graining": (big / small) ** power,
                                            "n_seeds_big": int(b["n_seeds"]), "n_seeds_small": int(s["n_seeds"])})
    return pd.DataFrame(rows, columns=[*by, "ratio", "ratio_error", "coarse_graining", "n_seeds_big", "n_seeds_small"])


def critical_growth(table, big: int, small: int, T: float, T_ref: float, key: str = "area", power: float = 2.0,
                    by=("penalty", "alpha")):
    """size_ratio at T divided by size_ratio at a reference temperature T_ref far above T_c
    (xi much smaller than both lattices), per group of `by`, with the ratios' errors combined
    in quadrature (relative). Off T_c the physics on the two lattices is the same, so a ratio
    there measures what else changes with L (how far the training has gone after a fixed number
    of epochs, for instance); the double ratio removes a factor common to both temperatures.
    Coarse-graining gives (big / small)^power at T and 1 at T_ref, so coarse_graining =
    (big / small)^power; local features give 1. Columns: the `by` keys, growth, growth_error,
    coarse_graining, ratio_T, ratio_T_error, ratio_ref, ratio_ref_error."""
    import pandas as pd

    at_T = size_ratio(table, big, small, T, key, power, by).set_index(list(by))
    at_ref = size_ratio(table, big, small, T_ref, key, power, by).set_index(list(by))
    rows = []
    for group in at_T.index.intersection(at_ref.index):
        a, b = at_T.loc[group], at_ref.loc[group]
        growth = a["ratio"] / b["ratio"]
        error = abs(growth) * np.hypot(a["ratio_error"] / a["ratio"], b["ratio_error"] / b["ratio"])
        rows.append(dict(zip(by, group if isinstance(group, tuple) else (group,)))
                    | {"growth": growth, "growth_error": error, "coarse_graining": (big / small) ** power,
                       "ratio_T": a["ratio"], "ratio_T_error": a["ratio_error"],
                       "ratio_ref": b["ratio"], "ratio_ref_error": b["ratio_error"]})
    return pd.DataFrame(rows, columns=[*by, "growth", "growth_error", "coarse_graining", "ratio_T", "ratio_T_error",
                                       "ratio_ref", "ratio_ref_error"])


def verdict(value: float, error: float, coarse: float, local: float, n_sigma: float = N_SIGMA) -> str:
    """Which hypothesis a measured value (a slope or a ratio, with its error) leaves standing:
    "coarse-graining" if it is within n_sigma errors of `coarse` and not of `local`, "local" if
    the reverse, "neither" if it excludes both, "undecided" if it excludes neither."""
    if not error > 0:
        raise ValueError(f"error must be positive, got {error!r}")
    near_coarse = abs(value - coarse) <= n_sigma * error
    near_local = abs(value - local) <= n_sigma * error
    if near_coarse and not near_local:
        return "coarse-graining"
    if near_local and not near_coarse:
        return "local"
    return "undecided" if near_coarse else "neither"


def fraction_of_prediction(value: float, error: float, coarse: float, local: float) -> tuple[float, float]:
    """Where a measured value lies between the two predictions, as (value - local) / (coarse -
    local) with its error: 0 for a size that stays put, 1 for one that tracks the physics."""
    span = coarse - local
    return (value - local) / span, error / abs(span)


def nearer(fractions, errors, n_sigma: float = N_SIGMA) -> str:
    """Which prediction a set of measurements, each given as fraction_of_prediction's (fraction,
    error) (0 local, 1 coarse-graining), lies nearer to: "local" if every fraction is below one
    half by more than n_sigma errors, "coarse-graining" if every one is above it by more, and
    "mixed" otherwise. Weaker than verdict: a small but significant trend (a slope of -0.1 ±
    0.01) excludes both predictions, and is still far nearer the local one."""
    fractions, errors = np.asarray(fractions, float), np.asarray(errors, float)
    if fractions.size == 0:
        raise ValueError("no measurements")
    if np.all(fractions + n_sigma * errors < 0.5):
        return "local"
    if np.all(fractions - n_sigma * errors > 0.5):
        return "coarse-graining"
    return "mixed"


def excluded_by(value: float, error: float, prediction: float) -> float:
    """By how many standard errors a measured value misses a prediction: |value - prediction| / error."""
    return abs(value - prediction) / error

