"""The data of the book's receptive-field explorer: the first few fields of each trained network
the book has, by penalty, strength, temperature, layer and epoch, 8-bit quantised.

Layer 1 at epochs 1, 5 and 20 comes from the sweep points (sweep.explorer_fields), and after
50, 100 and 200 epochs at the other temperatures from the long L1 runs (sweep.explorer_long_runs);
layers 1-3 after the paper's 200 epochs from the seed-0 DBNs at the paper's temperature."""

from __future__ import annotations

import base64
import json

import numpy as np

from . import analysis, experiments, plots, rg, sweep


SIGNIFICANT = 6  # digits kept of the numbers the explorer shows: its data do not depend on rounding noise


def _rounded(x) -> float:
    return float(f"{float(x):.{SIGNIFICANT}g}")


def _point(T, penalty, alpha, layer, epoch, q, scale, locality, participation):
    """One explorer point; fields as base64 of int8 (units x 1600), w = q * scale / 127; scale,
    locality and participation to SIGNIFICANT digits."""
    return {"T": float(T), "penalty": penalty, "alpha": float(alpha), "layer": int(layer), "epoch": int(epoch),
            "scale": _rounded(scale), "fields": base64.b64encode(np.ascontiguousarray(q, np.int8).tobytes()).decode(),
            "units": int(len(q)), "locality": [_rounded(x) for x in locality],
            "participation": [_rounded(x) for x in participation]}


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


def ojs_script(**values) -> str:
    """values as a <script type="ojs-define"> element, the form Quarto's OJS runtime reads (what
    ojs_define displays). Printed as raw Markdown rather than displayed as HTML, it does not make
    Quarto add require.js and jQuery from a CDN, so the page works offline."""
    contents = [{"name": name, "value": value} for name, value in values.items()]
    text = json.dumps({"contents": contents}, separators=(",", ":")).replace("</", "<\\/")
    return f'<script type="ojs-define">{text}</script>'
