"""How large the receptive fields are, with their background measured apart.

rg.locality mixes two things: how compact a field is and how much of its w^2 lies diffusely
outside its compact part. Here they are measured apart by rg.compact_part: the area (sites)
and radius of gyration (lattice spacings) of the compact part, and the background, the share
of w^2 spread over the lattice. The sizes are compared with Kadanoff's b x b blocks measured
the same way (block_part) and with fields of independent Gaussian weights, which have no
compact part (noise_part: their "area" is that of the window). A field whose background holds
COMPACT_BELOW or more of its w^2 is counted as having no compact part: its area then measures
the background's fluctuations and the window, not a size.

Tables are cached in the store per network (network_sizes), and built from the first-layer
fields that the sweeps keep for the explorer (sweep_sizes)."""

from __future__ import annotations

import numpy as np
from threadpoolctl import threadpool_limits

from . import analysis, experiments, probes, rg
from .store import Store, artifact_name

COMPACT_BELOW = 0.5  # a field has a compact part when its background share is below this
RADII = (rg.WINDOW_RADIUS, 10)  # the window's half-side, and a larger one: a size that grows with it is the window's
MEASURES = ("area", "gyration", "background", "outside")
DEFINITIONS = ("weights (all units)", "weights", "linear response", "spike-triggered")
SIZE_SEEDS = (0,)  # training seeds whose networks' weights are committed (the others keep only their tables)
NOISE_FIELDS = 400  # Gaussian fields of noise_part


# ----------------------------------------------------------------------------- per field
def measures(fields, shape, radius: int = rg.WINDOW_RADIUS) -> dict:
    """Per field, rg.compact_part's area, gyration, background and outside: {measure: (n,) array}
    (empty arrays for no fields)."""
    if len(fields) == 0:
        return {m: np.zeros(0) for m in MEASURES}
    part = rg.compact_part(fields, shape, radius=radius)
    return {m: np.asarray(getattr(part, m), np.float64) for m in MEASURES}


def summarise(parts: dict, compact_below: float = COMPACT_BELOW) -> dict:
    """One row of a size table from the per-field measures of `measures`: fields (how many),
    compact (how many have a background share below compact_below), area and gyration (mean and
    standard error over those; NaN if none), background (mean and standard error over all
    fields)."""
    background = np.asarray(parts["background"], np.float64)
    compact = (background < compact_below) & np.isfinite(parts["area"])
    return {"fields": int(len(background)), "compact": int(compact.sum()),
            "area": analysis.mean_and_error(np.asarray(parts["area"])[compact]),
            "gyration": analysis.mean_and_error(np.asarray(parts["gyration"])[compact]),
            "background": analysis.mean_and_error(background)}


def block_part(b: int, shape=(experiments.PAPER_L, experiments.PAPER_L), radius: int = rg.WINDOW_RADIUS) -> dict:
    """The area and gyration that rg.compact_part gives a b x b block of equal weights (the
    receptive field of a Kadanoff block spin), measured as the fields are: {"area", "gyration"}."""
    field = np.zeros(shape)
    field[:b, :b] = 1.0
    part = measures(field.reshape(1, -1), shape, radius)
    return {"area": float(part["area"][0]), "gyration": float(part["gyration"][0])}


def noise_part(shape=(experiments.PAPER_L, experiments.PAPER_L), n: int = NOISE_FIELDS, seed: int = 0,
               radius: int = rg.WINDOW_RADIUS) -> dict:
    """summarise of n fields of independent N(0, 1) weights: a field with no compact part
    (its background share is close to 1 and its area that of the window)."""
    noise = np.random.default_rng(seed).standard_normal((n, shape[0] * shape[1]))
    return summarise(measures(noise, shape, radius))


# ----------------------------------------------------------------------------- per network
def _definition_fields(dbn, configs, layer):
    """The receptive fields of `layer` by each of DEFINITIONS (probes.field_definitions'),
    and the responsive-unit mask."""
    active = probes.responsive_units(dbn, configs, layer)
    weights = dbn.receptive_fields(layer)
    return {"weights (all units)": weights, "weights": weights[active],
            "linear response": probes.linear_response_fields(dbn, configs, layer)[active],
            "spike-triggered": probes.spike_triggered_fields(dbn, configs, layer)[active]}, active


def unit_measures(dbn, configs, radii=RADII) -> dict:
    """Per unit, the compact-part measures of every layer's fields by each of DEFINITIONS, at
    each window half-side in radii, on the configurations' L x L lattice: arrays keyed
    "{layer}/{definition}/R{radius}/{measure}" (layers from 1), "{layer}/responsive" (the mask of
    probes.responsive_units) and "shape"."""
    L = np.shape(configs)[-1]
    arrays = {"shape": np.array([L, L])}
    for layer in range(len(dbn.rbms)):
        fields, active = _definition_fields(dbn, configs, layer)
        arrays[f"{layer + 1}/responsive"] = active
        for name, F in fields.items():
            for radius in radii:
                for measure, values in measures(F, (L, L), radius).items():
                    arrays[f"{layer + 1}/{name}/R{radius}/{measure}"] = values
    return arrays


def unit_values(units: dict, layer: int, definition: str, measure: str, radius: int = RADII[0]) -> np.ndarray:
    """One measure of every field of one layer (from 1) and definition in unit_measures' arrays."""
    return units[f"{layer}/{definition}/R{radius}/{measure}"]


def size_table(units: dict, radius: int = RADII[0], definitions=DEFINITIONS,
               compact_below: float = COMPACT_BELOW) -> "pandas.DataFrame":
    """A network's size table from unit_measures' arrays: one row per (layer, definition) with
    summarise's columns and the block b (as many b x b blocks as the layer has units) with the
    area and gyration of a b x b block (block_part), all at window half-side `radius`."""
    import pandas as pd

    shape = tuple(int(n) for n in units["shape"])
    layers = sorted({int(key.split("/")[0]) for key in units if key != "shape"})
    rows = []
    for layer in layers:
        n_units = len(units[f"{layer}/responsive"])
        b = int(round(np.sqrt(shape[0] * shape[1] / n_units)))
        block = block_part(b, shape, radius)
        for name in definitions:
            parts = {m: units[f"{layer}/{name}/R{radius}/{m}"] for m in MEASURES}
            rows.append({"layer": layer, "definition": name} | summarise(parts, compact_below)
                        | {"block": b, "block_area": block["area"], "block_gyration": block["gyration"]})
    return pd.DataFrame(rows).set_index(["layer", "definition"])


def network_sizes(implementation: str = "deeprg", *, seed: int = 0, store: Store | None = None,
                  data=None, layers=experiments.PAPER_LAYERS, radii=RADII, **rbm_params) -> dict:
    """The sizes of the fields of the DBN trained_dbn(implementation, seed, data, layers,
    **rbm_params) on the held-out samples of its lattice, and its block scores' nulls that are
    local magnetisations, cached in the store (kind "sizes") apart from its weights, which are
    loaded (or trained) only when the artifact is missing: {"units": unit_measures' arrays at
    every window half-side in radii, "nulls": probes.magnetisation_nulls (drawn with the
    training seed)}."""
    store = store or Store()
    data = data or experiments.ising_samples(store=store, progress=False)
    held = experiments.held_out_samples(store=store, L=data.configs.shape[-1])
    _, dbn_config, dbn_label = experiments._dbn_config(implementation, seed, data, rbm_params, layers)
    radii = [int(r) for r in radii]
    config = {"dbn": artifact_name("dbn", dbn_config, dbn_label), "held_out": held.name, "radii": radii,
              "q": rg.SIZE_FRACTION, "silent_std": probes.SILENT_STD}

    def compute():
        dbn = experiments.trained_dbn(implementation, seed=seed, data=data, store=store, progress=False,
                                      layers=layers, **rbm_params).dbn
        with threadpool_limits(1):
            units = unit_measures(dbn, held.configs, radii)
            nulls = probes.magnetisation_nulls(dbn, held.configs, seed)
        return {f"units/{k}": v for k, v in units.items()} | experiments._table_arrays(nulls, "nulls"), {}

    arrays, _ = store.cached("sizes", config, compute, dbn_label)
    units = {key[len("units/"):]: value for key, value in arrays.items() if key.startswith("units/")}
    return {"units": units, "nulls": experiments._arrays_table(arrays, "nulls", "layer")}


POSITIVE_NULLS = ("blob", "blob (sign)", "box", "box (sign)")  # probes.magnetisation_nulls' columns used as nulls
NULL_NAMES = {"random local": "random-sign local", "blob": "Gaussian blob", "blob (sign)": "sign of a blob",
              "box": "box average", "box (sign)": "sign of a box"}  # how the chapters name them


def penalty_sizes(seeds=SIZE_SEEDS, radius: int = RADII[0], store: Store | None = None, radii=RADII,
                  **options) -> dict:
    """The penalty networks (experiments.DBN_PENALTIES) of each training seed in `seeds`, each
    table combined over the seeds by analysis.between_networks (with one seed: the errors over
    units): {"sizes": size_table at window half-side `radius`, indexed (network, layer,
    definition); "blocks": per (network, layer), experiments.network_tables' block scores
    (block, trained and probes.NULLS) beside probes.magnetisation_nulls' (area and
    POSITIVE_NULLS)}. radii go to network_sizes (radius must be one of them); options to it and
    to network_tables (data, layers, RBM parameters)."""
    import pandas as pd

    sizes, blocks = {}, {}
    for name, penalty in experiments.DBN_PENALTIES:
        per_seed = [(network_sizes(seed=s, store=store, penalty=penalty, radii=radii, **options),
                     experiments.network_tables(seed=s, store=store, penalty=penalty, **options)["blocks"])
                    for s in seeds]
        sizes[name] = analysis.between_networks([size_table(n["units"], radius) for n, _ in per_seed])
        blocks[name] = analysis.between_networks(
            [pd.concat([b[["block", "trained", *probes.NULLS]], n["nulls"][["area", *POSITIVE_NULLS]]], axis=1)
             for n, b in per_seed])
    return {"sizes": pd.concat(sizes, names=["network"]), "blocks": pd.concat(blocks, names=["network"])}


# ----------------------------------------------------------------------------- first-layer sweeps
def sweep_sizes(points=None, compact_below: float = COMPACT_BELOW,
                radius: int = rg.WINDOW_RADIUS) -> "pandas.DataFrame":
    """Sizes of the first-layer fields that the sweeps keep for the explorer (sweep.explorer_fields
    by default: the first EXPLORER_UNITS units of one training seed, 8-bit, at the snapshot
    epochs of each (T, penalty, alpha)): one row per (T, penalty, alpha, epoch) with summarise's
    columns over the fields that are not identically zero after the 8-bit rounding, and dead,
    the number that are."""
    import pandas as pd

    from . import sweep

    points = sweep.explorer_fields(progress=False) if points is None else points
    rows = []
    for point in points:
        side = int(round(np.sqrt(point["fields"].shape[-1])))
        for epoch, q, scale in zip(point["epochs"], point["fields"], point["scale"]):
            fields = q.astype(np.float64) * float(scale) / 127
            alive = np.abs(fields).sum(axis=1) > 0
            row = summarise(measures(fields[alive], (side, side), radius), compact_below)
            rows.append({"T": float(point["T"]), "penalty": point["penalty"], "alpha": float(point["alpha"]),
                         "epoch": int(epoch)} | row | {"dead": int((~alive).sum())})
    return pd.DataFrame(rows).set_index(["T", "penalty", "alpha", "epoch"])
