"""The book's figures share one visual system (deeprg.plots): a fixed colour per penalty with a
shade per strength, text of at least FONT_SIZE at the printed width, figures no wider than the
PDF's text, and receptive fields at most FIELD_COLUMNS side by side. Drawn on small synthetic
inputs, without the data."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_hex, to_rgb  # noqa: E402

from deeprg import explorer, plots  # noqa: E402

PDF_TEXT_WIDTH = 425.2 / 72  # inches: the typst book's text width (15 cm), where figures print at 100 %
TIGHT_PAD = 0.1  # inches on each side: the inline backend saves with bbox_inches="tight"
RNG = np.random.default_rng(0)


def _luminance(colour):
    r, g, b = to_rgb(colour)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _sweep_table():
    rows = [{"penalty": p, "alpha": a, "seed": s, "locality": RNG.random()}
            for p, alphas in (("l1", (1e-5, 1e-4, 1e-3)), ("l2", (1e-5, 1e-4, 1e-3)), ("none", (0.0,)))
            for a in alphas for s in range(3)]
    return pd.DataFrame(rows)


def _temperature_table():
    rows = [{"penalty": p, "alpha": a, "T": T, "seed": s, "locality": RNG.random()}
            for p, a in (("none", 0.0), ("l2", 1e-3), ("l1", 2e-4), ("l1", 1e-3))
            for T in (2.0, 2.269, 3.0) for s in range(3)]
    return pd.DataFrame(rows)


def _flow_table():
    rows = []
    for method, hidden in (("majority rule", 0), ("rbm mean-field", 64), ("rbm sampled", 64),
                           ("rbm mean-field", 256), ("rbm sampled", 256)):
        for T0 in (1.0, 2.0, 3.0, 4.0):
            for step in range(4):
                rows.append({"method": method, "hidden": hidden, "T0": T0, "step": step, "T": T0 + 0.1 * step})
    return pd.DataFrame(rows)


def _figures():
    """Every figure function of plots on synthetic inputs, by name."""
    fields = {f"{name}, layer {k}": RNG.normal(size=(10, 1600))
              for name in ("L1", "L2", "none") for k in (1, 3)}
    flow = _flow_table()
    from deeprg import analysis

    ends = analysis.flow_ends(flow)
    references = {"$T_c$": 2.269, "peak of $c$, 16×16": 2.35}
    validation = pd.DataFrame([{"algorithm": a, "T": T, "energy": 0.0, "energy_exact": 0.1, "energy_error": 0.05,
                                "specific_heat": 1.0, "specific_heat_exact": 1.0, "specific_heat_error": 0.02}
                               for a in ("metropolis", "swendsen-wang", "wolff") for T in (2.0, 2.5, 3.5)])
    history = [{"epoch": e, "pseudo_likelihood": -100.0 - e, "reconstruction_error": 0.1, "sparsity": 0.2}
               for e in range(1, 6)]
    by_epoch = pd.DataFrame([{"T": T, "epoch": e, "kl": 1.0, "kl_error": 0.1} for T in (2.0, 2.451) for e in (10, 20)])
    return {
        "samples": lambda: plots.samples({T: RNG.choice([-1, 1], size=(3, 40, 40)) for T in (2.0, 2.451)}),
        "energy_validation": lambda: plots.energy_validation(validation, [1.0] * 5, np.linspace(1.8, 3.7, 5)),
        "receptive_field_panels": lambda: plots.receptive_field_panels(fields, n=8),
        "receptive_field_panels_10": lambda: plots.receptive_field_panels(dict(list(fields.items())[:3]), n=10),
        "receptive_field_panels_rows": lambda: plots.receptive_field_panels(
            {"none": fields["none, layer 1"], "L2 at $10^{-5}$": fields["L2, layer 1"],
             "L1 at $2 \\times 10^{-4}$": fields["L1, layer 1"]}, n=5),
        "reconstructions": lambda: plots.reconstructions(RNG.choice([-1, 1], size=(8, 1600)),
                                                         {"via layer 1": RNG.random((8, 1600))}),
        "training_curves": lambda: plots.training_curves({"layer 1": history, "layer 2": history},
                                                         {"layer 1": 1600, "layer 2": 400}),
        "locality_panels": lambda: plots.locality_panels(
            {name: [RNG.random(20) for _ in range(3)] for name in ("L1", "L2", "none", "sklearn")}, [0.9, 0.8, 0.7]),
        "sweep_curves": lambda: plots.sweep_curves(_sweep_table(), "locality", "mean locality", reference=2e-4),
        "per_epoch": lambda: plots.per_epoch({f"seed {s}": RNG.random(20) for s in range(3)}, "mean locality"),
        "by_epoch_per_temperature": lambda: plots.by_epoch_per_temperature(
            by_epoch, "kl", "KL", baseline={2.0: 1.0, 2.451: 1.2}, baseline_label="fair coins"),
        "by_temperature": lambda: plots.by_temperature(_temperature_table(), "locality", "mean locality", 2.269),
        "flow_panels": lambda: plots.flow_panels(flow, {"majority rule, b = 2": ("majority rule", 0),
                                                        "RBM, 64 hidden, mean-field": ("rbm mean-field", 64),
                                                        "RBM, 64 hidden, sampled": ("rbm sampled", 64)}, references),
        "flow_endpoints": lambda: plots.flow_endpoints(ends, references),
        "flow_endpoint_panels": lambda: plots.flow_endpoint_panels({"energy": ends, "thermometer": ends}, references),
    }


FIGURES = _figures()


@pytest.fixture(params=sorted(FIGURES))
def figure(request):
    fig = FIGURES[request.param]()
    fig.canvas.draw()
    yield request.param, fig
    plt.close(fig)


def _texts(fig):
    """Every visible, non-empty text of a figure (titles, labels, tick labels, legends, colour bars)."""
    return [t for t in fig.findobj(matplotlib.text.Text) if t.get_visible() and t.get_text().strip()
            and t.get_window_extent().width > 0]


def test_every_text_is_at_least_the_book_font_size(figure):
    name, fig = figure
    small = {(t.get_text(), t.get_fontsize()) for t in _texts(fig) if t.get_fontsize() < plots.FONT_SIZE - 1e-9}
    assert not small, f"{name}: text below {plots.FONT_SIZE} pt: {sorted(small)[:5]}"
    assert plots.FONT_SIZE >= 10


def test_every_figure_prints_at_full_size_within_the_pdf_text_width(figure):
    """Saved with the tight bounding box (what Quarto's inline backend does), a figure is no
    wider than the PDF's text width, so typst does not shrink it and its text stays 10 pt."""
    name, fig = figure
    box = fig.get_tightbbox()
    assert box.width + 2 * TIGHT_PAD <= PDF_TEXT_WIDTH + 1e-6, f"{name}: {box.width + 2 * TIGHT_PAD:.2f} in wide"
    assert fig.get_size_inches()[1] <= plots.MAX_HEIGHT + 1e-6, name


@pytest.mark.parametrize("name", [name for name in sorted(FIGURES) if name.startswith("receptive_field_panels")])
def test_receptive_fields_are_at_most_five_side_by_side(name):
    fig = FIGURES[name]()
    fig.canvas.draw()
    rows = {}
    for ax in fig.get_axes():
        if ax.get_visible() and ax.images:
            rows.setdefault(round(ax.get_window_extent().y0 / 5), []).append(ax)
    widest = max(len(row) for row in rows.values())
    plt.close(fig)
    assert widest <= plots.FIELD_COLUMNS, f"{name}: {widest} fields side by side"
    assert plots.FIELD_COLUMNS <= 5


@pytest.mark.parametrize("n, grid", [(1, (1, 1)), (5, (1, 5)), (8, (2, 4)), (10, (2, 5)), (16, (4, 4)), (25, (5, 5))])
def test_field_grid_fills_rows_evenly_with_at_most_five_columns(n, grid):
    rows, cols = plots.field_grid(n)
    assert (rows, cols) == grid and rows * cols >= n and cols <= plots.FIELD_COLUMNS


def test_penalty_colours_are_fixed_and_strength_shades_darken():
    assert plots.PENALTY_COLOURS == {"none": "#6e6e6e", "l2": "#0072b2", "l1": "#d55e00"}
    for penalty in ("l1", "l2"):
        assert plots.penalty_colour(penalty) == plots.PENALTY_COLOURS[penalty]
        alphas = [1e-6, 1e-5, 1e-4, 2e-4, 1e-3, 1e-2, 1e-1]
        lum = [_luminance(plots.penalty_colour(penalty, a)) for a in alphas]
        assert all(a >= b for a, b in zip(lum, lum[1:])), lum  # stronger is darker
        assert lum[1] > lum[-2] + 0.25  # the ramp spans a visible range
        assert lum[0] == lum[1] and lum[-1] == lum[-2]  # clipped to ALPHA_RANGE
        middle = 10 ** np.mean(np.log10(plots.ALPHA_RANGE))
        assert plots.penalty_colour(penalty, middle) == plots.PENALTY_COLOURS[penalty]
    assert plots.penalty_colour("none", 1e-3) == plots.penalty_colour("none") == plots.PENALTY_COLOURS["none"]
    # the shades of one penalty stay closer to its hue than to the other penalty's
    for a in (1e-5, 1e-3, 1e-2):
        l1, l2 = np.array(to_rgb(plots.penalty_colour("l1", a))), np.array(to_rgb(plots.penalty_colour("l2", a)))
        assert l1[0] > l1[2] and l2[2] > l2[0]
    # other categories never take a penalty's hue
    assert not set(plots.CATEGORY_COLOURS) & set(plots.PENALTY_COLOURS.values())


@pytest.mark.parametrize("label, expected", [
    ("L1, layer 1", ("l1", None)), ("deeprg L1, top", ("l1", None)), ("L2", ("l2", None)),
    ("none, layer 3", ("none", None)), ("no penalty", ("none", None)), ("sklearn", (None, None)),
    ("control (L2 at $10^{-5}$)", ("l2", 1e-5)), ("L1 at $2 \\times 10^{-4}$", ("l1", 2e-4)),
    ("L1 α=1e-03", ("l1", 1e-3)), ("layer 2", (None, None)),
])
def test_label_penalty_reads_the_books_labels(label, expected):
    penalty, alpha = plots.label_penalty(label)
    assert penalty == expected[0]
    assert alpha == pytest.approx(expected[1]) if expected[1] else alpha is None


def test_penalty_figures_draw_in_the_palette():
    fig = plots.sweep_curves(_sweep_table(), "locality", "mean locality", reference=2e-4)
    colours = {to_hex(line.get_color()) for line in fig.axes[0].get_lines()}
    assert {plots.PENALTY_COLOURS["l1"], plots.PENALTY_COLOURS["l2"], plots.PENALTY_COLOURS["none"]} <= colours
    faces = {to_hex(c) for coll in fig.axes[0].collections for c in coll.get_facecolors()}
    assert {plots.penalty_colour("l1", 1e-5), plots.penalty_colour("l1", 1e-3)} <= faces
    plt.close(fig)

    fig = plots.by_temperature(_temperature_table(), "locality", "mean locality", 2.269)
    colours = {to_hex(line.get_color()) for line in fig.axes[0].get_lines()}
    for penalty, alpha in (("none", 0.0), ("l2", 1e-3), ("l1", 2e-4), ("l1", 1e-3)):
        assert plots.penalty_colour(penalty, alpha) in colours
    plt.close(fig)

    fig = plots.locality_panels({name: [RNG.random(20)] for name in ("L1", "L2", "none")}, [0.9])
    edges = [to_hex(p.get_edgecolor()) for p in fig.axes[0].patches]
    assert edges == [plots.PENALTY_COLOURS[p] for p in ("l1", "l2", "none")]
    plt.close(fig)

    fig = plots.receptive_field_panels({"L2, layer 1": RNG.normal(size=(8, 1600))}, n=8)
    titles = [t for t in fig.findobj(matplotlib.text.Text) if t.get_text() == "L2, layer 1"]
    assert titles and to_hex(titles[0].get_color()) == plots.PENALTY_COLOURS["l2"]
    plt.close(fig)


def test_explorer_gets_the_same_colours():
    points = [{"penalty": "l1", "alpha": 1e-3}, {"penalty": "l2", "alpha": 1e-5}, {"penalty": "none", "alpha": 0.0}]
    palette = explorer.palette(points, [{"penalty": "l1", "alpha": 2e-4}])
    assert palette["penalties"] == plots.PENALTY_COLOURS
    shades = {(s["penalty"], s["alpha"]): s["colour"] for s in palette["shades"]}
    assert shades == {(p["penalty"], p["alpha"]): plots.penalty_colour(p["penalty"], p["alpha"])
                      for p in points + [{"penalty": "l1", "alpha": 2e-4}]}
    # one field colour per quantised weight q = -127..127, as matplotlib draws w = q * scale / 127
    cmap = plt.get_cmap(plots.FIELD_CMAP)
    assert len(palette["field"]) == 255
    for q in (-127, -64, 0, 31, 127):
        assert palette["field"][q + 127] == to_hex(cmap((q / 127 + 1) / 2))
