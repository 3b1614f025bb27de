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
        "scale_sizes": lambda: plots.scale_sizes(pd.DataFrame(
            [{"penalty": p, "alpha": a, "L": L, "T": T, "xi2": xi2, "area": 10.0 + RNG.random(), "area_error": 0.5}
             for p, a in (("l1", 2e-4), ("none", 0.0), ("l1", 1e-3)) for L in (32, 40, 64)
             for T, xi2 in ((2.269, np.inf), (2.35, 266.0), (2.6, 18.3), (3.0, 4.6))]),
            ceilings={"window (289 sites)": 289}),
        "key_findings": lambda: plots.key_findings(*_key_inputs()),
    }


def _key_inputs():
    """(fields, scores, models, references) for plots.key_findings."""
    T = pd.Index([2.0, 2.269, 2.451, 3.0], name="T")
    fields = {"L1 (the paper's)": RNG.normal(size=(8, 1600)), "no penalty": RNG.normal(size=(8, 1600))}
    scores = {"trained (L1)": (0.86, 0.004), "positive box": (0.86, 0.003), "PCA": (0.32, 0.02)}
    models = {"paper's training": pd.Series([(900.0, 40.0), (450.0, 15.0), (300.0, 1.0), (230.0, 1.0)], index=T),
              "PCD-10": pd.Series([(250.0, 1.0), (np.nan, np.nan), (130.0, 1.0), (80.0, 0.5)], index=T)}
    references = {"fair coins": pd.Series([860.0, 630.0, 440.0, 240.0], index=T),
                  "two-state mixture": pd.Series([49.0, np.nan, np.nan, np.nan], index=T)}
    return fields, scores, models, references


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


# ----------------------------------------------------------------------------- what each figure draws
# (issue 24, item 3) Each figure function on small synthetic inputs whose values are known: the
# panels, their labels, and the data of every line and image it draws.

def _visible_axes(fig):
    return [ax for ax in fig.get_axes() if ax.get_visible()]


def _x(line):
    return np.asarray(line.get_xdata(), float)


def _y(line):
    return np.asarray(line.get_ydata(), float)


def _reference_lines(ax):
    """Horizontal (axhline) lines: y constant and x in axes coordinates [0, 1]."""
    return [line for line in ax.get_lines() if list(line.get_xdata()) == [0, 1] and len(set(line.get_ydata())) == 1]


def test_samples_draws_each_configuration_in_a_row_per_temperature():
    examples = {T: RNG.choice([-1, 1], size=(3, 8, 8)).astype(np.int8) for T in (3.5, 2.0)}
    fig = plots.samples(examples, n=2)
    axes = np.reshape(fig.get_axes(), (2, 2))
    for row, T in zip(axes, (2.0, 3.5)):  # rows in order of temperature
        assert row[0].get_ylabel() == f"$T = {T:.4g}$"
        for k, ax in enumerate(row):
            (image,) = ax.get_images()
            np.testing.assert_array_equal(image.get_array(), examples[T][k])
            assert image.get_clim() == (-1, 1) and not ax.get_xticks().size
    plt.close(fig)


def test_energy_validation_draws_deviations_and_the_exact_curve():
    algorithms, temperatures = ("metropolis", "wolff"), (2.0, 3.5)
    table = pd.DataFrame([{"algorithm": a, "T": T, "energy": -1.0 + k, "energy_exact": -1.1, "energy_error": 0.05,
                           "specific_heat": 0.5, "specific_heat_exact": 0.4, "specific_heat_error": 0.1}
                          for k, a in enumerate(algorithms) for T in temperatures])
    T_grid, heat = np.linspace(1.8, 3.7, 7), np.linspace(0.2, 0.9, 7)
    fig = plots.energy_validation(table, heat, T_grid)
    left, right = fig.get_axes()
    assert left.get_ylabel() == "(sampled − exact) / error" and right.get_ylabel() == "specific heat per spin $c$"
    assert left.get_xlabel() == right.get_xlabel() == "$T$"
    deviations = sorted(round(float(y), 6) for line in left.get_lines() if line.get_marker() in ("o", "s")
                        for y in line.get_ydata())
    assert deviations == sorted([2.0, 2.0, 22.0, 22.0, 1.0, 1.0, 1.0, 1.0])  # (sampled - exact) / error
    assert [line.get_ydata()[0] for line in _reference_lines(left)] == [0]
    assert len(right.containers) == len(algorithms)  # one errorbar series per algorithm
    (exact_line,) = [line for line in right.get_lines() if line.get_label().startswith("exact")]
    np.testing.assert_array_equal(exact_line.get_xdata(), T_grid)
    np.testing.assert_array_equal(exact_line.get_ydata(), heat)
    legend_texts = {t.get_text() for t in fig.legends[0].get_texts()}
    assert {"Metropolis", "Wolff", "energy", "specific heat"} <= legend_texts
    plt.close(fig)


@pytest.mark.parametrize("n, rows", [(4, 1), (8, 2)])
def test_receptive_field_panels_draw_each_field_on_one_symmetric_scale(n, rows):
    panels = {"L1, layer 1": RNG.normal(size=(10, 36)), "none, layer 1": RNG.normal(size=(3, 36))}
    fig = plots.receptive_field_panels(panels, shape=(6, 6), n=n)
    drawn = [ax for ax in _visible_axes(fig) if ax.get_images()]
    assert len(drawn) == n + 3  # the first n fields of each block (the second has only 3)
    images = [ax.get_images()[0] for ax in drawn]
    expected = [f.reshape(6, 6) for fields in panels.values() for f in fields[:n]]
    for image, field in zip(images, expected):
        np.testing.assert_array_equal(image.get_array(), field)
    for block, fields in zip((images[:n], images[n:]), panels.values()):
        lim = np.abs(fields[:n]).max()
        assert all(image.get_clim() == pytest.approx((-lim, lim)) for image in block)
    colour_bars = [ax for ax in fig.get_axes() if ax.get_label() == "<colorbar>"]
    assert len(colour_bars) == len(panels)
    labels = ([ax.get_ylabel() for ax in drawn if ax.get_ylabel()] if rows == 1
              else [sub._suptitle.get_text() for sub in fig.subfigs])
    assert [label.replace("\n", " ") for label in labels] == list(panels)
    plt.close(fig)


def test_reconstructions_draw_the_data_and_each_reconstruction_row():
    originals = RNG.choice([-1, 1], size=(4, 25))
    rows = {"via layer 1": RNG.random((4, 25)), "via layer 2, sampled": RNG.random((4, 25))}
    fig = plots.reconstructions(originals, rows, shape=(5, 5))
    axes = np.reshape(fig.get_axes(), (3, 4))
    assert [row[0].get_ylabel() for row in axes] == ["data", "via layer 1", "via layer 2\nsampled"]
    for row, images in zip(axes, [originals, *rows.values()]):
        for ax, expected in zip(row, images):
            (image,) = ax.get_images()
            np.testing.assert_array_equal(image.get_array(), expected.reshape(5, 5))
    assert axes[0, 0].get_images()[0].get_clim() == (-1, 1) and axes[1, 0].get_images()[0].get_clim() == (0, 1)
    plt.close(fig)


def test_training_curves_draw_one_line_per_layer_in_each_panel():
    history = [{"epoch": e, "pseudo_likelihood": -160.0 * e, "reconstruction_error": 0.1 / e, "sparsity": 0.1 * e}
               for e in (1, 2, 3)]
    fig = plots.training_curves({"layer 1": history, "layer 2": history, "layer 3": []},
                                {"layer 1": 1600, "layer 2": 400, "layer 3": 100})
    axes = fig.get_axes()
    assert len(axes) == 3 and all(ax.get_xlabel() == "epoch" for ax in axes)
    assert [ax.get_title() for ax in axes] == ["pseudo-likelihood\nper unit", "reconstruction\nerror",
                                               "fraction\n$|w| < 10^{-3}$"]
    assert all(len(ax.get_lines()) == 2 for ax in axes)  # the empty history draws nothing
    per_unit = [_y(line) for line in axes[0].get_lines()]  # pseudo-likelihood / visible units
    np.testing.assert_allclose(per_unit, [[-0.1, -0.2, -0.3], [-0.4, -0.8, -1.2]])
    np.testing.assert_allclose([_y(line) for line in axes[1].get_lines()], [[0.1, 0.05, 0.1 / 3]] * 2)
    assert [t.get_text() for t in axes[0].get_legend().get_texts()] == ["layer 1", "layer 2"]
    plt.close(fig)


def test_locality_panels_draw_a_box_per_network_and_a_reference_per_layer():
    values = {name: [RNG.random(20), RNG.random(5)] for name in ("L1", "L2", "sklearn")}
    fig = plots.locality_panels(values, [0.9, 0.6], ylabel="mean locality")
    axes = fig.get_axes()
    assert [ax.get_title() for ax in axes] == ["layer 1", "layer 2"] and axes[0].get_ylabel() == "mean locality"
    for layer, ax in enumerate(axes):
        assert len(ax.patches) == 3 and [t.get_text() for t in ax.get_xticklabels()] == list(values)
        medians = [line.get_ydata()[0] for line in ax.get_lines() if line.get_linewidth() == 2]
        np.testing.assert_allclose(medians, [np.median(v[layer]) for v in values.values()])
        assert [line.get_ydata()[0] for line in _reference_lines(ax)] == [[0.9, 0.6][layer]]
    plt.close(fig)


def test_sweep_curves_draw_seed_means_against_alpha_and_a_band_for_no_penalty():
    table = _sweep_table()
    fig = plots.sweep_curves(table, "locality", "mean locality", reference=2e-4)
    (ax,) = fig.get_axes()
    assert ax.get_xscale() == "log" and ax.get_xlabel() == "penalty strength $\\alpha$"
    assert ax.get_ylabel() == "mean locality"
    assert len(ax.containers) == 2  # L1 and L2; no penalty is a band
    for container, penalty in zip(ax.containers, ("l1", "l2")):
        means = table[table["penalty"] == penalty].groupby("alpha")["locality"].mean()
        np.testing.assert_allclose(_y(container.lines[0]), means.to_numpy())
        np.testing.assert_allclose(_x(container.lines[0]), means.index.to_numpy())
    none = table[table["penalty"] == "none"]["locality"]
    assert _reference_lines(ax)[0].get_ydata()[0] == pytest.approx(none.mean())
    (reference,) = [line for line in ax.get_lines() if line.get_label() == "paper's $\\alpha$"]
    assert list(reference.get_xdata()) == [2e-4, 2e-4]
    assert sorted(t.get_text() for t in ax.get_legend().get_texts()) == ["L1", "L2", "no penalty", "paper's $\\alpha$"]
    plt.close(fig)


def test_per_epoch_draws_one_curve_per_entry_from_epoch_one():
    curves = {"seed 0": [0.1, 0.2, 0.3], "seed 1": [0.3, 0.2]}
    fig = plots.per_epoch(curves, "mean locality")
    (ax,) = fig.get_axes()
    assert ax.get_xlabel() == "epoch" and ax.get_ylabel() == "mean locality"
    assert [list(line.get_xdata()) for line in ax.get_lines()] == [[1, 2, 3], [1, 2]]
    assert [list(line.get_ydata()) for line in ax.get_lines()] == list(curves.values())
    plt.close(fig)


def test_by_epoch_per_temperature_draws_a_panel_per_temperature_with_its_baseline():
    table = pd.DataFrame([{"T": T, "epoch": e, "kl": T * e, "kl_error": 0.1} for T in (3.0, 2.0) for e in (10, 20)])
    fig = plots.by_epoch_per_temperature(table, "kl", "KL", baseline={2.0: 1.0, 3.0: 1.5}, baseline_label="coins")
    axes = fig.get_axes()
    assert [ax.get_title() for ax in axes] == ["$T = 2$", "$T = 3$"] and axes[0].get_ylabel() == "KL"
    for ax, T, base in zip(axes, (2.0, 3.0), (1.0, 1.5)):
        (container,) = ax.containers
        assert list(_y(container.lines[0])) == [T * 10, T * 20]
        assert [line.get_ydata()[0] for line in _reference_lines(ax)] == [base]
    assert [t.get_text() for t in fig.legends[0].get_texts()] == ["coins"]
    plt.close(fig)


def test_by_temperature_draws_one_line_per_setting_and_t_c():
    table = _temperature_table()
    fig = plots.by_temperature(table, "locality", "mean locality", 2.269)
    (ax,) = fig.get_axes()
    assert ax.get_xlabel() == "temperature of the data $T$" and ax.get_ylabel() == "mean locality"
    assert len(ax.containers) == 4  # (none), (L2, 1e-3), (L1, 2e-4), (L1, 1e-3)
    rows = table[(table["penalty"] == "l1") & (table["alpha"] == 1e-3)]
    np.testing.assert_allclose(_y(ax.containers[3].lines[0]), rows.groupby("T")["locality"].mean())
    (t_c,) = [line for line in ax.get_lines() if line.get_label() == "$T_c$"]
    assert list(t_c.get_xdata()) == [2.269, 2.269]
    plt.close(fig)


def test_flow_panels_draw_one_line_per_starting_temperature_in_each_panel():
    flow = _flow_table()
    panels = {"majority rule": ("majority rule", 0), "sampled": ("rbm sampled", 64)}
    references = {"$T_c$": 2.269, "peak": 2.35}
    fig = plots.flow_panels(flow, panels, references)
    axes = [ax for ax in fig.get_axes() if ax.get_label() != "<colorbar>"]
    assert len(axes) == 2 and len(fig.get_axes()) == 3  # and one colour bar of T0
    for ax, title in zip(axes, panels):
        assert ax.get_title() == title and ax.get_yscale() == "log" and ax.get_xlabel() == "step + 1"
        lines = [line for line in ax.get_lines() if line not in _reference_lines(ax)]
        assert len(lines) == 4  # T0 = 1, 2, 3, 4
        assert [list(line.get_xdata()) for line in lines] == [[1, 2, 3, 4]] * 4  # step + 1
        np.testing.assert_allclose([line.get_ydata()[0] for line in lines], [1.0, 2.0, 3.0, 4.0])
        assert sorted(line.get_ydata()[0] for line in _reference_lines(ax)) == [2.269, 2.35]
    assert axes[0].get_ylabel() == "estimated temperature"
    plt.close(fig)


def test_flow_endpoints_draw_the_end_of_each_flow_against_its_start():
    from deeprg import analysis

    flow = _flow_table()
    ends = analysis.flow_ends(flow)
    references = {"$T_c$": 2.269}
    for fig, log in ((plots.flow_endpoints(ends, references), True),
                     (plots.flow_endpoint_panels({"energy": ends, "thermometer": ends}, references), False)):
        for ax in fig.get_axes():
            assert ax.get_xlabel() == "starting temperature $T_0$" and ax.get_yscale() == ("log" if log else "linear")
            (start,) = [line for line in ax.get_lines() if line.get_label() == "start"]
            assert list(start.get_xdata()) == list(start.get_ydata()) == [1.0, 2.0, 3.0, 4.0]  # the diagonal
            flows = [line for line in ax.get_lines() if "hidden" in line.get_label()]
            assert len(flows) == len(ends) == 4
            for line, (_, row) in zip(flows, ends.iterrows()):
                np.testing.assert_allclose(_y(line), row.to_numpy(float))  # T0 + 0.3: the last step
        assert fig.get_axes()[0].get_ylabel() == "temperature at the end of the flow"
        assert len(fig.get_axes()) == (1 if log else 2)
        plt.close(fig)


def test_converged_trajectories_draw_each_seed_and_the_baselines_per_temperature():
    from deeprg.baselines import BASELINE_NAMES

    runs = pd.DataFrame([{"T": T, "seed": s, "epoch": e, "kl": 10.0 / e + s, "log_likelihood_error": 0.1}
                         for T in (2.0, 2.451) for s in (0, 1) for e in (10, 20, 40)])
    table = pd.DataFrame({"strips_w1": [30.0, 40.0], "strips_w2": [20.0, 25.0], "strips_w4": [10.0, 12.0]},
                         index=[2.0, 2.451])
    fig = plots.converged_trajectories(runs, table)
    axes = fig.get_axes()
    assert [ax.get_title() for ax in axes] == ["$T = 2$", "$T = 2.451$"]
    assert all(ax.get_xlabel() == "epoch" for ax in axes)
    assert axes[0].get_ylabel() == "KL (nats per configuration)"
    for ax, T in zip(axes, (2.0, 2.451)):
        assert len(ax.containers) == 2  # one per seed
        assert list(_y(ax.containers[1].lines[0])) == [2.0, 1.5, 1.25]
        assert sorted(line.get_ydata()[0] for line in _reference_lines(ax)) == sorted(table.loc[T])
        assert len({(line.get_linestyle(), line.get_color()) for line in _reference_lines(ax)}) == 3  # told apart
        assert ax.get_yscale() == "log" and len(ax.get_xticks()) <= 5  # a few epoch ticks that do not collide
    assert {t.get_text() for t in fig.legends[0].get_texts()} == {"seed 0", "seed 1"} | {
        BASELINE_NAMES[c] for c in table.columns}
    plt.close(fig)

    empty = plots.converged_trajectories(runs.iloc[:0], table)
    (ax,) = empty.get_axes()
    assert [t.get_text() for t in ax.texts] == ["no finished run"]
    plt.close(empty)


def test_converged_trajectories_draw_the_last_iterate_runs_in_grey():
    runs = pd.DataFrame([{"T": 2.0, "seed": 0, "epoch": e, "kl": k, "log_likelihood_error": 0.1, "judged": j}
                         for j, ks in (("tail average", (9.0, 5.0)), ("last iterate", (12.0, 7.0)))
                         for e, k in zip((10, 20), ks)])
    table = pd.DataFrame({"strips_w1": [30.0], "strips_w2": [20.0], "strips_w4": [10.0]}, index=[2.0])
    fig = plots.converged_trajectories(runs, table)
    (ax,) = fig.get_axes()
    assert len(ax.containers) == 1 and list(_y(ax.containers[0].lines[0])) == [9.0, 5.0]
    grey = [line for line in ax.get_lines() if line.get_linestyle() == "--" and line.get_color() == "0.6"]
    assert len(grey) == 1 and list(grey[0].get_ydata()) == [12.0, 7.0]
    assert sorted(t.get_text() for t in fig.legends[0].get_texts())[-2:] == ["seed 0", "seed 0, last iterate"]
    plt.close(fig)


def test_scale_sizes_draw_a_panel_per_setting_a_line_per_lattice_and_t_c_at_l_squared():
    """Per (penalty, alpha) panel: one error-bar line per L over the temperatures above T_c in
    order of xi^2, the T_c point drawn open at xi^2 = L^2, the xi^2 guide from the smallest xi^2,
    the ceiling, log axes and the setting's title."""
    rows = [{"penalty": p, "alpha": a, "L": L, "T": T, "xi2": xi2, "area": area, "area_error": 0.5}
            for p, a in (("l1", 1e-3), ("none", 0.0)) for L in (32, 64)
            for T, xi2, area in ((2.269, np.inf, 30.0 + L), (3.0, 4.6, 12.0), (2.6, 18.3, 15.0))]
    fig = plots.scale_sizes(pd.DataFrame(rows), ceilings={"window": 289}, settings=[("l1", 1e-3), ("none", 0.0)])
    axes = fig.get_axes()
    assert len(axes) == 2 and all(ax.get_xscale() == ax.get_yscale() == "log" for ax in axes)
    assert axes[0].get_title() == plots.penalty_label("l1", 1e-3) and axes[1].get_title() == plots.PENALTY_NAMES["none"]
    for ax in axes:
        lines = {line.get_label(): line for line in ax.get_lines() if not line.get_label().startswith("_")}
        bars = {bar.get_label(): bar[0] for bar in ax.containers}  # errorbar: (data line, caps, bars)
        for L in (32, 64):
            np.testing.assert_array_equal(bars[f"$L = {L}$"].get_xdata(), [4.6, 18.3])  # sorted by xi^2
            np.testing.assert_array_equal(bars[f"$L = {L}$"].get_ydata(), [12.0, 15.0])
        open_points = [bar[0] for bar in ax.containers if bar[0].get_markerfacecolor() == "white"]
        assert sorted((float(p.get_xdata()[0]), float(p.get_ydata()[0])) for p in open_points) == [
            (32.0 ** 2, 62.0), (64.0 ** 2, 94.0)]
        guide = lines["$\\propto \\xi^2$"]
        np.testing.assert_allclose(guide.get_xdata(), [4.6, 64.0 ** 2])
        np.testing.assert_allclose(guide.get_ydata(), [12.0, 12.0 * 64.0 ** 2 / 4.6])
        assert list(lines["window"].get_ydata()) == [289, 289]
    plt.close(fig)


def test_key_findings_draws_fields_scores_and_kl_with_every_entry():
    """Panel (a): the first five fields of each network, a row each, on a scale symmetric about 0;
    (b): one bar per score, in the given order, with its error; (c): each model's finite points
    (a NaN skipped) and each reference, a lone value as a diamond, on a log KL axis."""
    fields, scores, models, references = _key_inputs()
    fig = plots.key_findings(fields, scores, models, references)
    images = [ax for ax in fig.axes if ax.images]
    assert len(images) == 2 * plots.FIELD_COLUMNS
    low, high = images[0].images[0].get_clim()
    assert low == -high and high == pytest.approx(np.abs(fields["L1 (the paper's)"][:5]).max())
    bars, kl = [ax for ax in fig.axes if not ax.images]
    assert [t.get_text() for t in bars.get_yticklabels()] == list(scores)
    assert [p.get_width() for p in bars.patches] == [v for v, _ in scores.values()]
    assert kl.get_yscale() == "log"
    lines = {line.get_label(): line for line in kl.get_lines()}
    points = {c.get_label(): c.lines[0] for c in kl.containers}
    np.testing.assert_array_equal(points["PCD-10"].get_xdata(), [2.0, 2.451, 3.0])
    assert lines["two-state mixture"].get_marker() == "D" and lines["fair coins"].get_marker() in (None, "None", "")
    plt.close(fig)
