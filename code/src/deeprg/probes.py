"""What a network's hidden units compute, probed on data, each beside a null.

Units are functions of the configurations: a (n_configs, n_units) array of activities. Three
probes: the best match of each unit with any block spin of the lattice (all offsets of the
tiling), the unit's odd part under the spin flip s -> -s (a spin is odd; a detector of one
sign is not), and receptive fields measured by linear response and by spike-triggered averages
instead of products of weights. Configurations are (n, L, L) arrays of +-1."""

from __future__ import annotations

import numbers

import numpy as np

from .analysis import mean_and_error
from .dbn import DBN, hidden_probs
from .rbm import set_parameters, spins_to_visible


# ----------------------------------------------------------------------------- units and nulls
def dbn_units(dbn, configs, layer) -> np.ndarray:
    """The units of `layer` as mean-field spins 2 P(h = 1 | v) - 1 (mean-field up pass)."""
    return 2 * dbn.transform(spins_to_visible(configs, np.float64), layer) - 1


def untrained_copy(dbn, init_scale=0.1, seed=0) -> DBN:
    """A DBN of the same shape as it is before training (rbm.m's initialisation): weights drawn
    from N(0, init_scale^2), biases zero."""
    rng = np.random.default_rng(seed)
    copy = DBN(dbn.layer_sizes)
    for rbm, trained in zip(copy.rbms, dbn.rbms):
        n_hidden, n_visible = np.shape(trained.components_)
        set_parameters(rbm, init_scale * rng.standard_normal((n_hidden, n_visible)), np.zeros(n_hidden),
                       np.zeros(n_visible))
    return copy


def random_local_fields(areas, shape, seed=0) -> np.ndarray:
    """One random-sign field per area: N(0, 1) weights, of either sign and mean zero, on a square
    patch of round(sqrt(area)) sites a side at a uniformly random place on the torus, zero
    elsewhere. (n_fields, Ly * Lx). s . f is a random signed sum of the patch's spins, not a
    local average: the nulls that are local magnetisations are blob_fields and
    box_average_fields."""
    rng = np.random.default_rng(seed)
    fields = np.zeros((len(areas), shape[0] * shape[1]))
    for k, area in enumerate(areas):
        side = int(np.clip(round(np.sqrt(area)), 1, min(shape)))
        rows = (rng.integers(shape[0]) + np.arange(side)) % shape[0]
        cols = (rng.integers(shape[1]) + np.arange(side)) % shape[1]
        patch = np.zeros(shape)
        patch[np.ix_(rows, cols)] = rng.standard_normal((side, side))
        fields[k] = patch.ravel()
    return fields


def _check_areas(areas) -> np.ndarray:
    """A 1D array of finite areas > 0, in sites."""
    a = np.asarray(areas, dtype=np.float64)
    if a.ndim != 1 or not np.all(np.isfinite(a) & (a > 0)):
        raise ValueError(f"areas must be a 1D array of finite numbers > 0 (sites), got {areas!r}")
    return a


def _torus_distance2(shape, centre) -> np.ndarray:
    """Squared minimum-image distance of every site of the torus from the site `centre`, (Ly, Lx)."""
    d = [(np.arange(n) - c + n / 2) % n - n / 2 for n, c in zip(shape, centre)]
    return d[0][:, None] ** 2 + d[1][None, :] ** 2


def blob_fields(areas, shape, seed=0) -> np.ndarray:
    """One positive Gaussian field per area: f_i ~ exp(-|x_i - c|^2 / (2 sigma^2)) with
    minimum-image distances on the torus and sigma = sqrt(area / (2 pi)) lattice spacings, so
    that its area by participation ratio (rg.participation_ratio x N, the convention of
    random_local_fields) is `area` sites (in the continuum; on the 40 x 40 torus within 0.5 %
    for 10 to 400 sites), centred on a uniformly random site c and normalised to sum 1: s . f
    is a local magnetisation, a weighted mean of the spins, in [-1, 1]. rg.compact_part gives
    it the area pi sigma^2 ln(1 / (1 - q)), 1.15 x area sites for q = 0.9. The centre is a
    site, so for even b a blob is never centred on a b x b block (whose centre lies between
    sites). (n_fields, Ly * Lx)."""
    rng = np.random.default_rng(seed)
    fields = np.zeros((len(areas), shape[0] * shape[1]))
    for k, area in enumerate(_check_areas(areas)):
        centre = rng.integers(shape[0]), rng.integers(shape[1])
        blob = np.exp(-_torus_distance2(shape, centre) * np.pi / area)
        fields[k] = (blob / blob.sum()).ravel()
    return fields


def box_average_fields(areas, shape, seed=0) -> np.ndarray:
    """One box average per area: 1 / b^2 on a b x b square, b = round(sqrt(area)) clipped to
    [1, min(shape)] (the patch of random_local_fields), zero elsewhere, its top-left corner on
    a uniformly random site of the torus: s . f is the magnetisation of that block, in [-1, 1].
    (n_fields, Ly * Lx)."""
    rng = np.random.default_rng(seed)
    fields = np.zeros((len(areas), shape[0] * shape[1]))
    for k, area in enumerate(_check_areas(areas)):
        side = int(np.clip(round(np.sqrt(area)), 1, min(shape)))
        rows = (rng.integers(shape[0]) + np.arange(side)) % shape[0]
        cols = (rng.integers(shape[1]) + np.arange(side)) % shape[1]
        patch = np.zeros(shape)
        patch[np.ix_(rows, cols)] = 1.0 / side**2
        fields[k] = patch.ravel()
    return fields


def linear_units(fields, configs) -> np.ndarray:
    """Units that are linear in the spins: s . f for each field f."""
    return np.reshape(configs, (len(configs), -1)).astype(np.float64) @ np.asarray(fields, np.float64).T


def saturating_units(fields, configs, gain=np.inf) -> np.ndarray:
    """Units that saturate: the mean-field spin 2 sigmoid(gain s . f) - 1 = tanh(gain s . f / 2)
    of each field f. gain = inf (the default) gives sign(s . f), 0 where s . f = 0 (as the ties
    of all_block_spins), so the box average of a block is that block's majority spin. For the
    fields of blob_fields and box_average_fields, s . f is a magnetisation and gain is per unit
    of it; as gain -> 0 the units become linear_units up to a factor."""
    if isinstance(gain, bool) or not isinstance(gain, numbers.Real) or not gain > 0:
        raise ValueError(f"gain must be a number > 0 (inf for the sign), got {gain!r}")
    x = linear_units(fields, configs)
    return np.sign(x) if np.isinf(gain) else np.tanh(gain * x / 2)


def pca_fields(train_configs, n_components) -> np.ndarray:
    """The top n_components principal axes of the training configurations (rows)."""
    S = np.reshape(train_configs, (len(train_configs), -1)).astype(np.float64)
    _, _, Vt = np.linalg.svd(S - S.mean(axis=0), full_matrices=False)
    return Vt[:n_components]


# ----------------------------------------------------------------------------- block spins
def all_block_spins(configs, b) -> np.ndarray:
    """Majority-rule spins of every b x b block of the L x L torus, at all b^2 offsets of the
    tiling: (n, L * L), column i * L + j for the block whose top-left site is (i, j). Ties count
    0, so the reference is deterministic and exactly odd under s -> -s."""
    s = np.asarray(configs, np.int32)
    sums = np.zeros_like(s)
    for di in range(b):
        for dj in range(b):
            sums += np.roll(s, (-di, -dj), axis=(-2, -1))
    return np.sign(sums).reshape(len(s), -1).astype(np.float64)


def _columns_correlation(A, B):
    """Pearson correlation of every column of A with every column of B (constant columns: 0)."""
    A, B = A - A.mean(axis=0), B - B.mean(axis=0)
    norm = np.outer(np.linalg.norm(A, axis=0), np.linalg.norm(B, axis=0))
    return np.divide(A.T @ B, norm, out=np.zeros(norm.shape), where=norm > 0)


def best_block_match(units, configs, b, with_sign=False):
    """Per unit, the largest |Pearson correlation| over configurations with any b x b block spin
    (all_block_spins): 1 for an exact block spin wherever its block sits. with_sign: also the
    sign of that correlation (-1 for a unit that is a block spin reversed)."""
    corr = _columns_correlation(np.asarray(units, np.float64), all_block_spins(configs, b))
    best = np.abs(corr).argmax(axis=1)
    score = np.abs(corr[np.arange(len(best)), best])
    return (score, np.sign(corr[np.arange(len(best)), best])) if with_sign else score


def oddness(unit_fn, configs) -> np.ndarray:
    """Per unit, the share of its variance that is odd under the spin flip:
    Var(u(s) - u(-s)) / (Var(u(s) - u(-s)) + Var(u(s) + u(-s))), over configurations.
    1 for a spin (u(-s) = -u(s)), 0 for a function of |m| only; between for a detector of one
    sign of local order. unit_fn maps configurations to (n, n_units) activities."""
    up, down = unit_fn(configs), unit_fn(-np.asarray(configs))
    odd, even = (up - down).var(axis=0), (up + down).var(axis=0)
    return np.divide(odd, odd + even, out=np.full(odd.shape, np.nan), where=odd + even > 0)


NULLS = ("untrained", "random local", "PCA")  # block_match_with_nulls's null columns, beside "trained"


def block_match_with_nulls(dbn, configs, train_configs, seed=0) -> "pandas.DataFrame":
    """Per layer, the mean best_block_match (b = L / sqrt(units), ± standard error over units)
    of the network's responsive units (responsive_units) and of three nulls: the untrained
    network (all its units), linear units with random-sign local fields (random_local_fields) as
    large as the responsive units' weights (participation ratio x N sites, unit by unit), and
    as many top principal components of the training configurations. Also the responsive
    units' mean activity P(h = 1) and oddness (and the untrained units' oddness), the mean |m|
    of all units, of the responsive units each turned to agree with its best block spin
    (abs_m_aligned), and of the block spins of one tiling, and the number of silent units."""
    import pandas as pd

    from . import rg

    L = np.shape(configs)[-1]
    null_net = untrained_copy(dbn, seed=seed)
    principal = pca_fields(train_configs, max(dbn.layer_sizes))
    rows = []
    for layer in range(len(dbn.rbms)):
        units, active = dbn_units(dbn, configs, layer), responsive_units(dbn, configs, layer)
        b = int(round(L / np.sqrt(len(active))))
        local = random_local_fields(rg.participation_ratio(dbn.receptive_fields(layer)[active]) * L * L, (L, L), seed)
        pca = principal[: active.sum()]
        probes = {"trained": lambda c: dbn_units(dbn, c, layer)[:, active],
                  "untrained": lambda c: dbn_units(null_net, c, layer),
                  "random local": lambda c: linear_units(local, c),
                  "PCA": lambda c: linear_units(pca, c)}
        blocks = rg.block_spins(configs, b).reshape(len(configs), -1)  # a property of the data: one tie-break
        row = {"layer": layer + 1, "block": b}
        for name, fn in probes.items():
            row[name] = mean_and_error(best_block_match(fn(configs), configs, b))
        sign = best_block_match(units[:, active], configs, b, with_sign=True)[1]
        row |= {"activity": mean_and_error((units[:, active].mean(axis=0) + 1) / 2),
                "abs_m_hidden": mean_and_error(np.abs(units.mean(axis=1))),
                "abs_m_aligned": mean_and_error(np.abs((units[:, active] * sign).mean(axis=1))),
                "abs_m_blocks": mean_and_error(np.abs(blocks.mean(axis=1))),
                "oddness": mean_and_error(oddness(probes["trained"], configs)),
                "oddness_untrained": mean_and_error(oddness(probes["untrained"], configs)),
                "silent_units": int((~active).sum())}
        rows.append(row)
    return pd.DataFrame(rows).set_index("layer")


MAGNETISATION_NULLS = {"blob": blob_fields, "box": box_average_fields}


def magnetisation_nulls(dbn, configs, seed=0) -> "pandas.DataFrame":
    """Per layer, nulls for block_match_with_nulls' table that are local magnetisations: the
    mean best_block_match (the same b, ± standard error over units) of units whose fields are
    positive Gaussian blobs (blob_fields) and box averages (box_average_fields), one per
    responsive unit and as large as that unit's linear-response field (linear_response_fields;
    participation ratio x N sites), both linear ("blob", "box": linear_units) and saturated
    ("blob (sign)", "box (sign)": saturating_units with infinite gain); and the responsive
    units' linear-response fields themselves used the same two ways ("response field",
    "response field (sign)"). Also b ("block") and the mean area in sites ("area"). In the
    first layer the linear-response fields are the weights scaled row by row, so the areas are
    those block_match_with_nulls gives its random local fields."""
    import pandas as pd

    from . import rg

    L = np.shape(configs)[-1]
    rows = []
    for layer in range(len(dbn.rbms)):
        active = responsive_units(dbn, configs, layer)
        b = int(round(L / np.sqrt(len(active))))  # as many blocks as units
        response = linear_response_fields(dbn, configs, layer)[active]
        areas = rg.participation_ratio(response) * L * L
        fields = {name: make(areas, (L, L), seed) for name, make in MAGNETISATION_NULLS.items()}
        fields["response field"] = response
        row = {"layer": layer + 1, "block": b, "area": mean_and_error(areas)}
        for name, F in fields.items():
            row[name] = mean_and_error(best_block_match(linear_units(F, configs), configs, b))
            row[f"{name} (sign)"] = mean_and_error(best_block_match(saturating_units(F, configs), configs, b))
        rows.append(row)
    return pd.DataFrame(rows).set_index("layer")


# ----------------------------------------------------------------------------- fields from data
def linear_response_fields(dbn, configs, layer, chunk=200) -> np.ndarray:
    """Row j: <dP(h_j = 1 | v) / dv>_data, the mean response of unit j of `layer` to each visible
    unit through every layer's sigmoid (mean-field up pass), (n_units, n_visible). By the chain
    rule, J = D_l W_l ... D_1 W_1 with D_k = diag(p_k (1 - p_k)); the product is formed per
    configuration up to the first hidden layer, averaged, and then multiplied by W_1."""
    X = spins_to_visible(configs, np.float64)
    layer = dbn._layer(layer)
    total = 0.0
    for start in range(0, len(X), chunk):
        data, K = X[start:start + chunk], None
        for k, rbm in enumerate(dbn.rbms[: layer + 1]):
            p = hidden_probs(rbm, data)
            d = p * (1 - p)
            if k == 0:  # D_1, kept as its diagonal (n, units)
                K = d
            elif k == 1:
                K = d[:, :, None] * rbm.components_[None] * K[:, None, :]
            else:
                K = d[:, :, None] * (rbm.components_ @ K)
            data = p
        total = total + K.sum(axis=0)
    mean = total / len(X)
    W1 = np.asarray(dbn.rbms[0].components_, np.float64)
    return mean[:, None] * W1 if layer == 0 else mean @ W1


def spike_triggered_fields(dbn, configs, layer) -> np.ndarray:
    """Row j: E[s | h_j = 1] - E[s] with the mean-field P(h_j = 1 | v) as the weight of each
    configuration, (n_units, n_sites). Unlike linear response it carries the data's own
    correlations: a single-site field becomes that site's correlation function."""
    S = np.reshape(configs, (len(configs), -1)).astype(np.float64)
    P = dbn.transform(spins_to_visible(configs, np.float64), layer)
    return (P.T @ (S - S.mean(axis=0))) / P.sum(axis=0)[:, None]


SILENT_STD = 1e-3  # a unit whose P(h = 1) varies less than this over the data is silent


def responsive_units(dbn, configs, layer) -> np.ndarray:
    """Boolean mask of the units of `layer` whose P(h = 1 | v) has a standard deviation of at
    least SILENT_STD over the configurations (the others are stuck off or on: silent)."""
    return dbn.transform(spins_to_visible(configs, np.float64), layer).std(axis=0) >= SILENT_STD


def field_definitions(dbn, configs, shape=None) -> "pandas.DataFrame":
    """Per layer, the receptive fields by three definitions: products of weights
    (dbn.receptive_fields, over all units and over the responsive ones), linear response and
    spike-triggered averages (over the responsive units). For each, the mean locality and the
    mean area (participation ratio x N sites) with standard errors over units; with the number
    of units and of responsive units."""
    import pandas as pd

    from . import rg

    L = np.shape(configs)[-1]
    shape = shape or (L, L)
    n_sites = shape[0] * shape[1]
    rows = []
    for layer in range(len(dbn.rbms)):
        active = responsive_units(dbn, configs, layer)
        fields = {"weights (all units)": dbn.receptive_fields(layer),
                  "weights": dbn.receptive_fields(layer)[active],
                  "linear response": linear_response_fields(dbn, configs, layer)[active],
                  "spike-triggered": spike_triggered_fields(dbn, configs, layer)[active]}
        row = {"layer": layer + 1, "units": len(active), "responsive": int(active.sum())}
        for name, F in fields.items():
            row[f"locality: {name}"] = mean_and_error(rg.locality(F, shape))
            row[f"area: {name}"] = mean_and_error(rg.participation_ratio(F) * n_sites)
        rows.append(row)
    return pd.DataFrame(rows).set_index("layer")
