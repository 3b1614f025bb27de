"""The data of the book's receptive-field explorer: the first few fields of each trained network
the book has, by penalty, strength, temperature, layer and epoch, 8-bit quantised.

Layer 1 at epochs 1, 5 and 20 comes from the sweep points (sweep.explorer_fields), and after
50, 100 and 200 epochs at the other temperatures from the long L1 runs (sweep.explorer_long_runs);
layers 1-3 after the paper's 200 epochs from the seed-0 DBNs at the paper's temperature.

The numbers the explorer prints are formatted here, by the book's formatter (fmt), so that the
explorer prints what the chapters print; ojs_values gathers everything its OJS reads: the
points, the locality curves, the colours, the setting it opens on, its presets and the colour
scale shared by all networks."""

from __future__ import annotations

import base64
import json
import math

import numpy as np

from . import analysis, experiments, fmt, plots, rg, sweep


SIGNIFICANT = 6  # digits kept of the numbers the explorer shows: its data do not depend on rounding noise
CONTROLS = ("penalty", "alpha", "T", "layer", "epoch")  # the explorer's controls, left to right
# The network the explorer opens on: the first layer of the paper's DBN (L1 at the paper's
# strength, the paper's temperature) after the paper's 200 epochs.
PAPER_SETTING = {"penalty": experiments.PAPER_RBM["penalty"], "alpha": float(experiments.PAPER_RBM["alpha"]),
                 "T": float(experiments.PAPER_T), "layer": 1, "epoch": int(experiments.PAPER_RBM["n_iter"])}
# The (layer, epoch, temperature) of the inset's curve, the penalty sweep's locality against alpha.
CURVE_SETTING = (1, sweep.N_EPOCHS, float(experiments.PAPER_T))


def _rounded(x) -> float:
    return float(f"{float(x):.{SIGNIFICANT}g}")


def scale_text(x: float) -> str:
    """A colour scale's end as the colour bar prints it: two significant figures, a true minus
    sign, plain figures from 0.001 to 10,000 (240, 0.44, 0.0012) and a power of ten beyond
    (2.4×10⁻⁴, 1.1×10⁵)."""
    x = float(x)
    if x == 0 or 1e-3 <= abs(x) < 1e4:
        return fmt.num(x, sig=2)
    exponent = math.floor(math.log10(abs(x)))
    mantissa = round(x / 10**exponent, 1)
    if abs(mantissa) >= 10:
        mantissa, exponent = mantissa / 10, exponent + 1
    superscript = str(exponent).translate(str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹"))
    return fmt.num(mantissa, 1) + f"×10{superscript}"


def _point(T, penalty, alpha, layer, epoch, q, scale, locality, participation):
    """One explorer point; fields as base64 of int8 (units x 1600), w = q * scale / 127; scale,
    locality and participation (mean, error) to SIGNIFICANT digits, and as the book prints them
    (scale_text; fmt.pm, from the unrounded values)."""
    return {"T": float(T), "penalty": penalty, "alpha": float(alpha), "layer": int(layer), "epoch": int(epoch),
            "scale": _rounded(scale), "fields": base64.b64encode(np.ascontiguousarray(q, np.int8).tobytes()).decode(),
            "units": int(len(q)), "locality": [_rounded(x) for x in locality],
            "participation": [_rounded(x) for x in participation],
            "scale_text": scale_text(_rounded(scale)), "locality_text": str(fmt.pm(*locality)),
            "participation_text": str(fmt.pm(*participation))}


def _quantised(fields):
    scale = float(np.abs(fields).max())
    return np.round(fields / scale * 127).astype(np.int8), scale


def points(progress: bool = False) -> list[dict]:
    """Every point the explorer offers (see the module docstring), one dict each."""
    out = []
    for p in sweep.explorer_fields(progress=progress) + sweep.explorer_long_runs(progress=progress):
        for k, epoch in enumerate(p["epochs"]):
            loc_mean, loc_err, part_mean, part_err = p["stats"][k]
            out.append(_point(p["T"], p["penalty"], p["alpha"], 1, epoch, p["fields"][k], p["scale"][k],
                              (loc_mean, loc_err), (part_mean, part_err)))
    alpha = experiments.PAPER_RBM["alpha"]
    for name, penalty in experiments.DBN_PENALTIES:
        dbn = experiments.trained_dbn("deeprg", penalty=penalty, progress=progress).dbn
        for layer in range(len(dbn.rbms)):
            fields = dbn.receptive_fields(layer, dtype=np.float64)
            q, scale = _quantised(fields[: sweep.EXPLORER_UNITS])
            out.append(_point(experiments.PAPER_T, penalty or "none", 0.0 if penalty is None else alpha, layer + 1,
                              experiments.PAPER_RBM["n_iter"], q, scale,
                              analysis.mean_and_error(rg.locality(fields, (40, 40))),
                              analysis.mean_and_error(rg.participation_ratio(fields))))
    return out


def locality_curves() -> list[dict]:
    """The penalty sweep's mean locality against alpha (mean and error over seeds), per penalty."""
    table = sweep.penalty_sweep(progress=False)
    stats = analysis.over_seeds(table, ["penalty", "alpha"], "locality")
    return [{"penalty": p, "alpha": float(a), "mean": float(r["mean"]), "error": float(r["error"])}
            for (p, a), r in stats.iterrows()]


def palette(points: list[dict], curves: list[dict] = ()) -> dict:
    """The book's colours for the explorer's OJS, from plots (one visual system): each penalty's
    colour, the shade of every (penalty, alpha) the points and curves hold, the band colour of
    the unpenalised networks, and the field colour map as 255 '#rrggbb' entries, one per
    quantised weight q = -127..127 (entry q + 127), the colours matplotlib gives the book's
    figures with the symmetric scale +-scale."""
    settings = sorted({(r["penalty"], float(r["alpha"])) for r in [*points, *curves]})
    return {"penalties": {p: plots.penalty_colour(p) for p in plots.PENALTY_COLOURS},
            "names": dict(plots.PENALTY_NAMES),
            "shades": [{"penalty": p, "alpha": a, "colour": plots.penalty_colour(p, a)} for p, a in settings],
            "band": plots.BAND_COLOUR, "field": plots.field_colours(255)}


def label(point) -> str:
    """A short plain-text name of a point's setting, e.g. 'L1 α=1e-03'."""
    name = {"none": "none", "l1": "L1", "l2": "L2"}[point["penalty"]]
    return name if point["penalty"] == "none" else f"{name} α={point['alpha']:.0e}"


def dequantised(point) -> np.ndarray:
    """The fields of a point as floats, (units, 1600)."""
    q = np.frombuffer(base64.b64decode(point["fields"]), np.int8).reshape(point["units"], -1)
    return q.astype(np.float64) * point["scale"] / 127


def setting(point) -> dict:
    """The values of the explorer's controls (CONTROLS) that select a point."""
    return {key: point[key] for key in CONTROLS}


def closest(points: list[dict], wanted: dict, **fixed) -> dict:
    """The setting (of `points` whose keys match `fixed`) nearest to `wanted`: the same
    temperature, layer and epoch if there is one, else the nearest temperature, then layer,
    then epoch (on a log scale), then strength."""
    candidates = [p for p in points if all(p[k] == v for k, v in fixed.items())]
    if not candidates:
        raise ValueError(f"no explorer point has {fixed}")

    def log_distance(a, b):
        return abs(math.log(a / b)) if a > 0 and b > 0 else float(a != b)

    return setting(min(candidates, key=lambda p: (abs(p["T"] - wanted["T"]), abs(p["layer"] - wanted["layer"]),
                                                   log_distance(p["epoch"], wanted["epoch"]),
                                                   log_distance(p["alpha"], wanted["alpha"]))))


def presets(points: list[dict]) -> list[dict]:
    """The explorer's presets, each a name and a setting: the paper's network (PAPER_SETTING, or
    the closest L1 point if the book has not trained it) and its counterpart without a penalty
    (the same temperature, layer and epoch, or the closest). The book's scikit-learn networks
    are not among the explorer's points, so there is no scikit-learn preset."""
    paper = closest(points, PAPER_SETTING, penalty=PAPER_SETTING["penalty"])
    return [{"name": "the paper's network", "setting": paper},
            {"name": "no penalty", "setting": closest(points, paper, penalty="none")}]


def shared_scale(points: list[dict]) -> dict[int, float]:
    """The colour scale shared by all networks of a layer, by layer: the largest of those networks'
    own scales. Per layer, because a deeper layer's field is a product of weight matrices
    (r_l = r_{l-1} W_l), on a scale that would wash out every first layer."""
    scales: dict[int, float] = {}
    for p in points:
        scales[p["layer"]] = max(scales.get(p["layer"], 0.0), p["scale"])
    return scales


def on_curve(point: dict, curves: list[dict]) -> str | None:
    """Where a point belongs on the explorer's inset, the penalty sweep's locality against alpha
    (first layer, sweep.N_EPOCHS epochs, the paper's temperature): "point" if its penalty and
    strength are a point of the curve, "band" if it has no penalty (the band of the unpenalised
    networks), None if no point of the curve applies (another layer, epoch or temperature)."""
    if (point["layer"], point["epoch"], point["T"]) != CURVE_SETTING:
        return None
    if point["penalty"] == "none":
        return "band" if any(c["penalty"] == "none" for c in curves) else None
    return "point" if any((c["penalty"], c["alpha"]) == (point["penalty"], point["alpha"]) for c in curves) else None


def ojs_values(points: list[dict], curves: list[dict]) -> dict:
    """Everything the explorer's OJS reads, by name: the points (each with on_curve's answer as
    "curve"), the curves, the palette, the setting it opens on (the first preset, the paper's
    network), the presets, the shared colour scale of each layer (value and text, keyed by the layer
    as text) and the setting of the curve
    (layer, epoch, temperature)."""
    shown = [p | {"curve": on_curve(p, curves)} for p in points]
    offered = presets(points)
    scale = shared_scale(points)
    return {"explorer_points": shown, "explorer_curves": list(curves), "explorer_palette": palette(points, curves),
            "explorer_default": offered[0]["setting"], "explorer_presets": offered,
            "explorer_shared_scale": {str(layer): {"value": x, "text": scale_text(x)} for layer, x in scale.items()},
            "explorer_curve_setting": dict(zip(("layer", "epoch", "T"), CURVE_SETTING))}


def ojs_script(**values) -> str:
    """values as a <script type="ojs-define"> element, the form Quarto's OJS runtime reads (what
    ojs_define displays). Printed as raw Markdown rather than displayed as HTML, it does not make
    Quarto add require.js and jQuery from a CDN, so the page works offline."""
    contents = [{"name": name, "value": value} for name, value in values.items()]
    text = json.dumps({"contents": contents}, separators=(",", ":")).replace("</", "<\\/")
    return f'<script type="ojs-define">{text}</script>'
