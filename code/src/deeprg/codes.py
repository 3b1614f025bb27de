"""What each layer of a network keeps of a configuration, beside codes with as many units that
need no training: majority-rule block spins and principal components.

- tiling: where the compact parts of the layer's receptive fields sit (their centres, from
  rg.compact_part): the covering radius (the largest distance from a site to the nearest
  centre) and the median spacing between neighbouring centres, beside a perfect square tiling
  and centres placed at random, with as many centres;
- decoding: a linear read-out (least squares, on the training rows) of the majority-rule block
  configuration from the layer's units, and of the units from the blocks, scored on held-out rows;
- reconstruction: the held-out mean squared error (0/1 units) of the layer's reconstruction
  beside that of the block spins (every site takes its block's majority) and of PCA.

Distances are minimum-image distances on the L x L torus, in lattice spacings."""

from __future__ import annotations

import numpy as np

from . import analysis, rg, sizes
from ._validate import check_size, check_spins
from .rbm import spins_to_visible

N_RANDOM_TILINGS = 200  # draws of random centres for the null


# ----------------------------------------------------------------------------- tiling
def _torus_distances(a, b, shape) -> np.ndarray:
    """(len(a), len(b)) minimum-image distances between points (y, x) of a and of b."""
    delta = np.abs(np.asarray(a, np.float64)[:, None, :] - np.asarray(b, np.float64)[None, :, :])
    delta = np.minimum(delta, np.asarray(shape, np.float64) - delta)
    return np.sqrt((delta ** 2).sum(axis=2))


def tiling(centres, shape) -> dict:
    """covering: the largest distance from a site to its nearest centre; spacing: the median over
    centres of the distance to the nearest other centre (NaN for one centre); centres: how many.
    A perfect square tiling of n = m^2 centres on an L x L torus has spacing L/m and covering
    radius (L/m - 1)/sqrt 2 measured over sites (perfect_tiling)."""
    centres = np.asarray(centres, np.float64).reshape(-1, 2)
    if len(centres) == 0:
        raise ValueError("centres must hold at least one centre, got none")
    sites = np.stack(np.unravel_index(np.arange(shape[0] * shape[1]), shape), axis=1)
    covering = float(_torus_distances(sites, centres, shape).min(axis=1).max())
    if len(centres) == 1:
        return {"centres": 1, "covering": covering, "spacing": float("nan")}
    between = _torus_distances(centres, centres, shape)
    np.fill_diagonal(between, np.inf)
    return {"centres": len(centres), "covering": covering, "spacing": float(np.median(between.min(axis=1)))}


def perfect_tiling(n: int, shape) -> dict:
    """The tiling of n centres on a square lattice of spacing a = sqrt(L_y L_x / n) covering the
    torus, in the continuum: spacing a and covering radius a / sqrt 2 (the corner of a cell)."""
    n = check_size(n, "n", minimum=1)
    a = float(np.sqrt(shape[0] * shape[1] / n))
    return {"centres": n, "covering": a / np.sqrt(2), "spacing": a}


def random_tiling(n: int, shape, draws: int = N_RANDOM_TILINGS, seed: int = 0) -> dict:
    """tiling() of n centres drawn uniformly on the torus, over `draws` draws: covering and
    spacing as (mean, standard deviation over draws)."""
    n = check_size(n, "n", minimum=2)
    rng = np.random.default_rng(seed)
    runs = [tiling(rng.random((n, 2)) * np.asarray(shape), shape) for _ in range(check_size(draws, "draws", 2))]
    return {"centres": n} | {key: (float(np.mean([r[key] for r in runs])), float(np.std([r[key] for r in runs], ddof=1)))
                             for key in ("covering", "spacing")}


def compact_centres(fields, shape, compact_below: float = sizes.COMPACT_BELOW) -> np.ndarray:
    """The centres (y, x) of the fields that have a compact part (background share below
    compact_below, as sizes.summarise counts them), (n_compact, 2); the window is rg's, or the
    largest that fits a smaller lattice."""
    part = rg.compact_part(fields, shape, radius=min(rg.WINDOW_RADIUS, (min(shape) - 2) // 2))
    keep = (np.asarray(part.background) < compact_below) & np.isfinite(part.area)
    return np.asarray(part.centre, np.float64)[keep]


# ----------------------------------------------------------------------------- decoding
def _least_squares(X, Y, X_test) -> np.ndarray:
    """The linear read-out Y ~ X w + w0 fitted by least squares, applied to X_test."""
    design = np.hstack([X, np.ones((len(X), 1))])
    coefficients, *_ = np.linalg.lstsq(design, Y, rcond=None)
    return np.hstack([X_test, np.ones((len(X_test), 1))]) @ coefficients


def _block_sums(configs, b: int) -> np.ndarray:
    """Per configuration, the spin sums of the b x b blocks, (n, (L/b)^2)."""
    s = check_spins(configs).astype(np.int64)
    L = s.shape[-1]
    return s.reshape(len(s), L // b, b, L // b, b).sum(axis=(2, 4)).reshape(len(s), -1)


def sites_agreeing(configs, b: int, seed: int = 0) -> np.ndarray:
    """Per configuration, the share of sites whose spin equals their b x b block's majority spin
    (rg.block_spins with this seed)."""
    s = check_spins(configs)
    majority = rg.block_spins(s, b, seed).repeat(b, axis=-2).repeat(b, axis=-1)
    return (s == majority).reshape(len(s), -1).mean(axis=1)


def block_accuracy(predicted, sums) -> tuple[float, float]:
    """The fraction of blocks whose majority sign(sum) the read-out's sign gets right, blocks with
    a tied sum left out (their majority is a coin flip); mean and standard error over configurations."""
    decided = sums != 0
    right = (np.sign(predicted) == np.sign(sums)) & decided
    per_row = right.sum(axis=1) / np.maximum(decided.sum(axis=1), 1)
    return analysis.mean_and_error(per_row[decided.any(axis=1)])


def variance_explained(predicted, target) -> float:
    """The share of the targets' total variance that a read-out explains on held-out rows:
    1 - sum (target - predicted)^2 / sum (target - column mean)^2, summed over rows and columns
    (pooled, so that columns that hardly vary, such as silent units, weigh little)."""
    total = ((target - target.mean(axis=0)) ** 2).sum()
    if not total > 0:
        raise ValueError("target must vary over the rows")
    return float(1 - ((target - predicted) ** 2).sum() / total)


def _pca(train_visible, n_components):
    """(mean, components (n_components, n_visible)) of the training rows."""
    mean = train_visible.mean(axis=0)
    _, _, vt = np.linalg.svd(train_visible - mean, full_matrices=False)
    return mean, vt[:n_components]


def layer_codes(dbn, train_configs, test_configs, layer: int) -> dict:
    """One layer (from 0) of dbn beside the block spins of b = L / sqrt(n_units) and PCA with
    n_units components (fitted on train_configs; scored on test_configs, +-1 (n, L, L)):
    blocks_from_units, blocks_from_pca: block_accuracy of the read-out of the majority
    configuration; units_from_blocks: variance_explained of the layer's P(h | v) by a read-out from
    the block sums; reconstruction, reconstruction_blocks, reconstruction_pca: held-out mean
    squared error (0/1 units; mean and standard error over configurations) of the layer's
    reconstruction P(v), of the block spins' and of the PCA projection clipped to [0, 1], and
    reconstruction_vs_blocks, the layer's error minus the blocks' (paired over configurations).
    The block spins are rg.block_spins' (ties broken at random); a site's reconstruction from
    them is its conditional mean given its block's spin, q where the spin is up and 1 - q where
    down, q being the share of training sites that agree with their block's spin."""
    train, test = check_spins(train_configs), check_spins(test_configs)
    L = test.shape[-1]
    X_train, X_test = spins_to_visible(train, np.float64), spins_to_visible(test, np.float64)
    H_train, H_test = dbn.transform(X_train, layer), dbn.transform(X_test, layer)
    n_units = H_test.shape[1]
    b = int(round(L / np.sqrt(n_units)))
    if b * b * n_units != L * L:
        raise ValueError(f"layer {layer} has {n_units} units: not (L/b)^2 blocks of a {L} x {L} lattice")
    sums_train, sums_test = _block_sums(train, b), _block_sums(test, b)
    mean, components = _pca(X_train, n_units)
    scores_train, scores_test = (X_train - mean) @ components.T, (X_test - mean) @ components.T
    agree = sites_agreeing(train, b).mean()
    majority = spins_to_visible(rg.block_spins(test, b).repeat(b, axis=1).repeat(b, axis=2), np.float64)
    squared = {name: ((X_test - R) ** 2).mean(axis=1) for name, R in (
        ("reconstruction", dbn.reconstruct(X_test, layer)),
        ("reconstruction_blocks", np.where(majority.reshape(len(test), -1) == 1, agree, 1 - agree)),
        ("reconstruction_pca", np.clip(mean + scores_test @ components, 0, 1)))}
    return {
        "units": n_units, "block": b,
        "blocks_from_units": block_accuracy(_least_squares(H_train, np.sign(sums_train), H_test), sums_test),
        "blocks_from_pca": block_accuracy(_least_squares(scores_train, np.sign(sums_train), scores_test), sums_test),
        "units_from_blocks": variance_explained(_least_squares(sums_train, H_train, sums_test), H_test),
    } | {name: analysis.mean_and_error(values) for name, values in squared.items()} | {
        "reconstruction_vs_blocks": analysis.mean_and_error(squared["reconstruction"] - squared["reconstruction_blocks"])}


def network_codes(dbn, train_configs, test_configs, draws: int = N_RANDOM_TILINGS) -> "pandas.DataFrame":
    """Per layer (from 1): layer_codes, and the tiling of the compact parts of the layer's
    receptive fields (compact_centres; centres, covering, spacing; NaN where there are too few)
    beside random_tiling's with as many centres (covering_random, spacing_random: mean, sd) and
    a perfect square tiling with as many centres (covering_perfect, spacing_perfect); covering_z,
    how many standard deviations of the random placements' covering radius the layer's lies below
    their mean (about 0 for centres placed at random, large for a tiling)."""
    import pandas as pd

    L = np.shape(test_configs)[-1]
    rows = []
    for layer in range(len(dbn.rbms)):
        codes = layer_codes(dbn, train_configs, test_configs, layer)
        centres = compact_centres(dbn.receptive_fields(layer), (L, L))
        nan = (float("nan"), float("nan"))
        found = tiling(centres, (L, L)) if len(centres) else {"centres": 0, "covering": nan[0], "spacing": nan[0]}
        null = random_tiling(len(centres), (L, L), draws, seed=layer) if len(centres) > 1 else \
            {"covering": nan, "spacing": nan}
        perfect = perfect_tiling(len(centres), (L, L)) if len(centres) else {"covering": nan[0], "spacing": nan[0]}
        rows.append({"layer": layer + 1} | codes | found
                    | {"covering_random": null["covering"], "spacing_random": null["spacing"],
                       "covering_perfect": perfect["covering"], "spacing_perfect": perfect["spacing"],
                       "covering_z": (null["covering"][0] - found["covering"]) / null["covering"][1]})
    return pd.DataFrame(rows).set_index("layer")


def penalty_codes(seed: int = 0, store=None) -> "pandas.DataFrame":
    """network_codes of the paper's network with each penalty of experiments.DBN_PENALTIES (training
    seed `seed`) on the paper's training and held-out samples, cached in the store (kind "tables")
    apart from the weights, which are loaded (or trained) only when the table is missing; indexed
    (network, layer). Pairs from random_tiling are (mean, standard deviation over draws)."""
    import pandas as pd

    from . import experiments
    from .store import Store, artifact_name

    store = store or Store()
    data = experiments.ising_samples(store=store, progress=False)
    held = experiments.held_out_samples(store=store)
    tables = {}
    for name, penalty in experiments.DBN_PENALTIES:
        _, dbn_config, dbn_label = experiments._dbn_config("deeprg", seed, data, {"penalty": penalty},
                                                           experiments.PAPER_LAYERS)
        config = {"codes": artifact_name("dbn", dbn_config, dbn_label), "held_out": held.name, "train": data.name,
                  "draws": N_RANDOM_TILINGS, "q": rg.SIZE_FRACTION, "compact_below": sizes.COMPACT_BELOW}

        def compute(penalty=penalty):
            dbn = experiments.trained_dbn("deeprg", seed=seed, penalty=penalty, store=store, progress=False).dbn
            return experiments._table_arrays(network_codes(dbn, data.configs, held.configs), "codes"), {}

        arrays, _ = store.cached("tables", config, compute, f"codes-{dbn_label}")
        tables[name] = experiments._arrays_table(arrays, "codes", "layer")
    return pd.concat(tables, names=["network"])
