"""Numbers the chapters quote: locality of receptive fields, reconstruction quality, and
their uncertainties. Each function returns plain numbers or arrays."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from . import baselines, ising, rg
from .baselines import kl_from_log_likelihood  # noqa: F401  (the chapters call it from here)
from .rbm import spins_to_visible


def mean_and_error(x) -> tuple[float, float]:
    """Mean and standard error of the mean of a 1D sample (NaN where undefined: no values,
    or one value's error)."""
    x = np.asarray(x, dtype=float)
    if len(x) < 2:
        return (float(x[0]) if len(x) else np.nan), np.nan
    return float(x.mean()), float(x.std(ddof=1) / np.sqrt(len(x)))


def locality_by_layer(dbn, shape=(40, 40)) -> list[np.ndarray]:
    """rg.locality of every unit's effective receptive field, one array per layer."""
    return [rg.locality(dbn.receptive_fields(layer), shape) for layer in range(len(dbn.rbms))]


def participation_by_layer(dbn) -> list[np.ndarray]:
    """rg.participation_ratio of every unit's effective receptive field, one array per layer."""
    return [rg.participation_ratio(dbn.receptive_fields(layer)) for layer in range(len(dbn.rbms))]


def reconstruction_error(dbn, configs, layer) -> tuple[float, float]:
    """Mean squared error between v and its reconstruction P(v) through `layer`, mean and
    standard error over configurations."""
    X = spins_to_visible(configs, np.float64)
    per_sample = ((X - dbn.reconstruct(X, layer)) ** 2).mean(axis=1)
    return mean_and_error(per_sample)


def sampled_reconstructions(dbn, configs, layer, seed=0) -> np.ndarray:
    """+-1 configurations drawn site by site, independently, from the mean-field reconstruction
    P(v = 1) through `layer` (not samples of the model's P(v), which need Gibbs chains)."""
    P = dbn.reconstruct(spins_to_visible(configs, np.float64), layer)
    v = np.random.default_rng(seed).random(P.shape) < P
    return (2 * v.astype(np.int8) - 1).reshape(np.shape(configs))


def nearest_neighbour_correlation(configs) -> tuple[float, float]:
    """<s_i s_j> over nearest neighbours: mean and standard error over configurations."""
    return mean_and_error(ising.correlation_function(configs)[:, 1])


def block_reference(b: int, shape=(40, 40)) -> dict:
    """locality and participation ratio of a b x b block of equal weights: what an exact
    Kadanoff block spin's receptive field would score."""
    field = np.zeros(shape)
    field[:b, :b] = 1.0
    field = field.reshape(1, -1)
    return {"locality": float(rg.locality(field, shape)[0]), "participation": float(rg.participation_ratio(field)[0])}


def network_summary(dbn, configs, shape=(40, 40)):
    """One row per layer: locality and participation ratio of the receptive fields (mean and
    standard error over units), the same for a Kadanoff block with as many blocks as units,
    reconstruction error on `configs`, and the nearest-neighbour correlation of
    configurations drawn site by site from the mean-field reconstruction P(v | h = P(h | v))
    (sampled_reconstructions: independent draws, not samples of the model; mean and standard
    error over configurations)."""
    import pandas as pd

    rows = []
    for layer, (loc, part) in enumerate(zip(locality_by_layer(dbn, shape), participation_by_layer(dbn))):
        n_units = len(loc)
        b = int(round(np.sqrt(shape[0] * shape[1] / n_units)))
        ref = block_reference(b, shape)
        rows.append({
            "layer": layer + 1, "units": n_units, "block": b,
            "locality": mean_and_error(loc), "locality_block": ref["locality"],
            "participation": mean_and_error(part), "participation_block": ref["participation"],
            "reconstruction_error": reconstruction_error(dbn, configs, layer),
            "nn_correlation": nearest_neighbour_correlation(sampled_reconstructions(dbn, configs, layer)),
        })
    return pd.DataFrame(rows).set_index("layer")


def _neighbour_pairs(side: int) -> np.ndarray:
    """Index pairs (right and down neighbours) of a side x side torus of blocks."""
    i, j = np.divmod(np.arange(side * side), side)
    right = i * side + (j + 1) % side
    down = ((i + 1) % side) * side + j
    return np.concatenate([np.stack([i * side + j, right], 1), np.stack([i * side + j, down], 1)])


def block_spin_comparison(dbn, configs, seed=0):
    """Each hidden layer beside majority-rule block spins with as many blocks as units.

    Hidden units enter as mean-field spins 2 P(h = 1 | v) - 1. Per layer: <|m|> of the block
    spins and of the hidden units; the nearest-neighbour correlation of the block lattice and,
    for the hidden units, the mean product of units whose best-matching blocks are
    neighbours; and, for each unit, the largest |Pearson correlation| with any block spin
    (mean and standard error over units; an exact block spin scores 1)."""
    import pandas as pd

    from .rg import block_spins

    X = spins_to_visible(configs, np.float64)
    L = np.shape(configs)[-1]
    rows = []
    for layer in range(len(dbn.rbms)):
        S = 2 * dbn.transform(X, layer) - 1
        b = int(round(L / np.sqrt(S.shape[1])))
        B = block_spins(configs, b, seed).reshape(len(configs), -1).astype(np.float64)
        pairs = _neighbour_pairs(L // b)
        Sc, Bc = S - S.mean(0), B - B.mean(0)
        corr = (Sc.T @ Bc) / np.outer(np.linalg.norm(Sc, axis=0), np.linalg.norm(Bc, axis=0))
        best = np.abs(corr).argmax(axis=1)
        match = np.abs(corr).max(axis=1)
        sign = np.sign(corr[np.arange(len(best)), best])
        unit_of_block = {blk: u for u, blk in enumerate(best)}  # one unit per matched block
        hidden_pairs = [(unit_of_block[p], unit_of_block[q]) for p, q in pairs
                        if p in unit_of_block and q in unit_of_block]
        signed = S * sign
        rows.append({
            "layer": layer + 1, "block": b,
            "abs_m_blocks": mean_and_error(np.abs(B.mean(axis=1))),
            "abs_m_hidden": mean_and_error(np.abs(S.mean(axis=1))),
            "nn_blocks": mean_and_error((B[:, pairs[:, 0]] * B[:, pairs[:, 1]]).mean(axis=1)),
            "nn_hidden": (mean_and_error(np.mean([signed[:, u] * signed[:, v] for u, v in hidden_pairs], axis=0))
                          if hidden_pairs else (np.nan, np.nan)),
            "best_match": mean_and_error(match),
            "blocks_matched": len(set(best)) / B.shape[1],
        })
    return pd.DataFrame(rows).set_index("layer")


def over_seeds(table, by, key):
    """Mean and standard error over the rows (seeds) of each group: columns mean, error."""
    import pandas as pd

    g = table.groupby(by)[key]
    return pd.DataFrame({"mean": g.mean(), "error": g.std(ddof=1) / np.sqrt(g.count())})


def seed_table(table, by, columns):
    """(mean, standard error) over seeds of each column, one row per group (fmt.table prints it)."""
    import pandas as pd

    stats = {c: over_seeds(table, by, c) for c in columns}
    return pd.DataFrame({c: list(zip(st["mean"], st["error"])) for c, st in stats.items()},
                        index=stats[columns[0]].index)


def between_networks(tables):
    """Cell by cell over tables of the same shape (one per training seed), the mean and the
    standard error between them; a (mean, error) cell enters by its mean, so the error is the
    scatter between networks, not within one. Cells that are the same in every table (a
    property of the data, or of the architecture) keep their own value and error."""
    import pandas as pd

    first = tables[0]
    out = first.copy().astype(object)
    for column in first.columns:
        values = np.array([[v[0] if isinstance(v, tuple) else v for v in t[column]] for t in tables], float)
        out[column] = [first[column].iloc[i] if np.ptp(values[:, i]) == 0 else mean_and_error(values[:, i])
                       for i in range(values.shape[1])]
    return pd.DataFrame(out, index=first.index, columns=first.columns)


def welch(a, b) -> dict:
    """Welch's t-test of mean(a) - mean(b) for two small independent samples (e.g. three
    training seeds each): difference, its standard error sqrt(s_a^2/n_a + s_b^2/n_b), t, the
    Welch-Satterthwaite degrees of freedom and the two-sided p-value. With three seeds a side,
    dof is between 2 and 4: a t of 4 is p ~ 0.02-0.06, not "four sigma"."""
    from scipy import stats

    a, b = np.asarray(a, float), np.asarray(b, float)
    if a.size < 2 or b.size < 2:
        raise ValueError(f"each sample needs at least 2 values, got {a.size} and {b.size}")
    va, vb = a.var(ddof=1) / a.size, b.var(ddof=1) / b.size
    se = float(np.sqrt(va + vb))
    dof = float((va + vb) ** 2 / (va**2 / (a.size - 1) + vb**2 / (b.size - 1))) if se > 0 else np.inf
    diff = float(a.mean() - b.mean())
    t = diff / se if se > 0 else np.copysign(np.inf, diff)
    return {"difference": diff, "error": se, "t": float(t), "dof": dof, "p": float(2 * stats.t.sf(abs(t), dof))}


def difference(a, b):
    """(mean, error) of a - b for two (mean, error) pairs with independent errors."""
    return a[0] - b[0], float(np.hypot(a[1], b[1]))


def ratio(a, b) -> tuple[float, float]:
    """(mean, error) of a / b for two (mean, error) pairs with independent errors, to first
    order: r = a/b with error |r| sqrt((e_b/b)^2 + (e_a/a)^2) (relative errors in quadrature)."""
    (a_mean, a_err), (b_mean, b_err) = a, b
    r = a_mean / b_mean
    return r, abs(r) * np.hypot(b_err / b_mean, a_err / a_mean)


def margin(a, b) -> float:
    """By how many combined standard errors a exceeds b: (a - b) / sqrt(e_a^2 + e_b^2) for two
    (mean, error) pairs with independent errors (an exact value is (value, 0)); negative when a
    is below b. Dimensionless."""
    (a_mean, a_err), (b_mean, b_err) = a, b
    return float((a_mean - b_mean) / np.hypot(a_err, b_err))


def sign_verdict(pair, words: tuple[str, str, str], n_sigma: float = 4.0) -> str:
    """words[0] if a (value, error) pair lies more than n_sigma errors below 0, words[2] if more
    than n_sigma above, words[1] otherwise (e.g. ("better than", "as well as", "worse than") for
    a difference of errors)."""
    value, error = pair
    return words[0] if value < -n_sigma * error else words[2] if value > n_sigma * error else words[1]


def mean_where(table, key, **columns) -> tuple[float, float]:
    """mean_and_error of column `key` over the rows (seeds) whose columns equal the values given:
    mean_where(sweep, "locality", penalty="l1", alpha=1e-3)."""
    rows = np.ones(len(table), dtype=bool)
    for column, value in columns.items():
        rows &= (table[column] == value).to_numpy()
    return mean_and_error(table[key][rows])


def mean_change(before, after, key, **columns) -> tuple[float, float]:
    """(mean, error) of how far the mean over seeds of `key` moves from table `before` to table
    `after` at the rows given by `columns` (mean_where): a difference of two means, standard
    errors in quadrature, in the units of `key`."""
    return difference(mean_where(after, key, **columns), mean_where(before, key, **columns))


def row_difference(stats, key, reference) -> tuple[float, float]:
    """(mean, error) of row `key` minus row `reference` of a table of means and standard errors
    (over_seeds: columns mean and error), errors in quadrature."""
    return difference(tuple(stats.loc[key, ["mean", "error"]]), tuple(stats.loc[reference, ["mean", "error"]]))


def below_reference(stats, pairs, n_sigma=4.0):
    """Which rows of a table of means and standard errors (over_seeds) lie below their reference
    row by more than n_sigma combined standard errors, for (key, reference key) pairs. Returns
    (those keys in the order given, (largest margin, its key)), the margin being
    margin(reference, row) = -(row - reference) / combined error (the first key on a tie)."""
    found, largest = [], None
    for key, reference in pairs:
        d = row_difference(stats, key, reference)
        if -d[0] > n_sigma * d[1]:
            found.append(key)
        candidate = (-d[0] / d[1], key)
        if largest is None or candidate > largest:
            largest = candidate
    return found, largest


def against_value(stats, keys, value, n_sigma=4.0) -> dict:
    """Each row `keys` of a table of means and standard errors (over_seeds) against an exact
    value (no error), by z = margin((value, 0), row) = (value - mean) / error: {key: +1} where the
    mean lies below the value by more than n_sigma standard errors (z > n_sigma), -1 where above
    by more (z < -n_sigma), 0 in between. (KL against fair coins: +1 is a better model.)"""
    sides = {}
    for key in keys:
        z = margin((value, 0.0), tuple(stats.loc[key, ["mean", "error"]]))
        sides[key] = 1 if z > n_sigma else -1 if z < -n_sigma else 0
    return sides


class Peak(NamedTuple):
    """analysis.peak's result."""

    at: float  # the grid point
    mean: float
    error: float
    margin: float | None  # None: no neighbour on the grid


def peak(stats) -> Peak:
    """The largest mean of a table of means and standard errors over a grid (over_seeds with one
    index level, in grid order): its grid point, mean and error, and its margin, the smaller of
    margin(peak, neighbour) over its one or two neighbours on the grid, in combined standard
    errors (None on a grid of one point)."""
    at = stats["mean"].idxmax()
    k = list(stats.index).index(at)
    rows = [(stats["mean"].iloc[j], stats["error"].iloc[j]) for j in range(len(stats))]
    z = [margin(rows[k], rows[j]) for j in (k - 1, k + 1) if 0 <= j < len(stats)]
    return Peak(at, rows[k][0], rows[k][1], min(z) if z else None)


def above_best_null(row, nulls, column="trained"):
    """A score beside its nulls, in a row of (mean, error) cells: ((mean, error) of row[column]
    minus the best null's, errors in quadrature; the best null's name), the best null being the
    one of highest mean (the first on a tie)."""
    best = max(nulls, key=lambda null: row[null][0])
    return difference(row[column], row[best]), best


def nulls_beaten(table, keys, nulls, n_sigma=4.0, column="trained") -> int:
    """How many rows `keys` of a table of (mean, error) cells have `column` above their best null
    (above_best_null) by more than n_sigma combined standard errors."""
    return int(sum(d[0] > n_sigma * d[1] for d, _ in (above_best_null(table.loc[key], nulls, column) for key in keys)))


def sides_of_best_null(table, keys, nulls, n_sigma=4.0, column="trained") -> dict:
    """For each row `keys` of a table of (mean, error) cells, where `column` lies against the
    best of its nulls (above_best_null): {key: +1} above it by more than n_sigma combined
    standard errors, -1 below it by more, 0 in between."""
    sides = {}
    for key in keys:
        (d, e), _ = above_best_null(table.loc[key], nulls, column)
        sides[key] = 1 if d > n_sigma * e else -1 if d < -n_sigma * e else 0
    return sides


def penalty_onset(table, penalty="l1", key="locality", n_sigma=4.0):
    """The smallest alpha at which `key` of the penalised runs exceeds that of the unpenalised
    runs by n_sigma combined standard errors (means over seeds); None if it never does.
    Returns (alpha, table of mean and error per alpha)."""
    base = over_seeds(table[table["penalty"] == "none"], "alpha", key)
    stats = over_seeds(table[table["penalty"] == penalty], "alpha", key)
    mean, err = stats["mean"], stats["error"]
    excess = (mean - base["mean"].iloc[0]) / np.hypot(err, base["error"].iloc[0])
    above = excess[excess > n_sigma]
    return (float(above.index.min()) if len(above) else None), mean, err


def specific_heat_peak(L: int, T_range=(1.5, 3.5)) -> float:
    """The temperature of the exact specific heat's maximum on the L x L torus."""
    from scipy.optimize import minimize_scalar

    from . import exact

    res = minimize_scalar(lambda T: -exact.specific_heat_per_spin(L, T), bounds=T_range, method="bounded",
                          options={"xatol": 1e-6})
    return float(res.x)


def flow_ends(flow, value="T"):
    """Temperature after the last recorded step of each RBM flow in an experiments.rbm_flow
    table (by the energy, or value="T_thermometer"): one row per (method, hidden), one column
    per starting temperature T0."""
    rbm = flow[(flow["method"] != "majority rule") & (flow["step"] == flow["step"].max())]
    return rbm.pivot_table(index=["method", "hidden"], columns="T0", values=value)


def majority_flow(flow):
    """Temperature along the majority-rule flow: one row per blocking step, one column per T0."""
    return flow[flow["method"] == "majority rule"].pivot_table(index="step", columns="T0", values="T")


def span(values, digits=2) -> str:
    """"lowest to highest" of some values, for the prose."""
    return f"{np.min(values):.{digits}f} to {np.max(values):.{digits}f}"


def bracketing(ends, T: float) -> list[tuple]:
    """The flows of a flow_ends table, as its (method, hidden) row keys in table order, whose end
    points over all starts lie on both sides of the temperature T: min <= T <= max."""
    return [key for key, row in ends.iterrows() if row.min() <= T <= row.max()]


PLATEAU_EPOCHS = 50  # the last epochs of training over which a training curve's plateau is summarised


def training_curve(history, key: str) -> np.ndarray:
    """One quantity per epoch, in its own units, from a layer's training history (a list of
    per-epoch dicts: experiments.paper_dbn(...).history[layer])."""
    return np.array([h[key] for h in history])


def plateau(curve, n: int = PLATEAU_EPOCHS) -> tuple[float, float]:
    """Mean and standard deviation (ddof = 0: how far the values fluctuate, not an error of the
    mean) of the last n values of a training curve, in its units: where stochastic training
    settles, and how much it still moves there."""
    tail = np.asarray(curve)[-n:]
    return tail.mean(), tail.std()


def area_in_sites(participation, n_sites: int) -> tuple[float, float]:
    """A (mean, error) participation ratio, the fraction of the lattice a field effectively
    covers (rg.participation_ratio), as a number of sites: both times n_sites."""
    mean, error = participation
    return mean * n_sites, error * n_sites


def sample_std(pair, n: int) -> float:
    """The standard deviation (ddof = 1) of the n values whose (mean, standard error of the mean)
    is `pair` (mean_and_error): error x sqrt(n), in the values' units. Over training seeds, the
    scatter between networks that training again would show."""
    return pair[1] * np.sqrt(n)


def coin_kl(L: int, T: float) -> float:
    """KL(p_data || fair coins) in nats per configuration, N ln 2 - N s(T) (baselines.coins)."""
    return baselines.coins(L, T).kl


def with_kl(table, L: int = 40):
    """A copy of a table with columns log_likelihood and T, plus kl = kl_from_log_likelihood."""
    return table.assign(kl=[kl_from_log_likelihood(ll, L, T) for ll, T in zip(table["log_likelihood"], table["T"])])
