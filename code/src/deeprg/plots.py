"""Figure helpers shared by the chapters. Each returns a matplotlib Figure and computes nothing
that is not shown.

One visual system for the whole book, set here and nowhere else:

- Size: every figure is at most WIDTH inches wide, so that with the 0.1 in padding of the inline
  backend's tight bounding box it is no wider than the PDF's text width (15 cm = 5.9 in) and
  prints at 100 %; the HTML scales it to its column.
- Text: every label, tick label, legend, colour bar and panel title is FONT_SIZE (10 pt) at that
  printed width; labels use matplotlib's mathtext so they match the prose ($\\alpha$, $T_c$).
- Penalties: one hue each, PENALTY_COLOURS (none grey, L2 blue, L1 vermillion, from Okabe and
  Ito's colour-blind-safe palette), and for a penalty strength alpha a shade of that hue,
  penalty_colour(penalty, alpha): light at the weakest strength of the book (ALPHA_RANGE[0]),
  the pure hue in the middle of the range (on a log scale), dark at the strongest. The
  explorer (explorer.palette) hands the same colours to its OJS.
- Other categories (algorithms, layers, seeds, temperatures, numbers of hidden units) take
  CATEGORY_COLOURS, which avoid the penalties' hues; receptive fields FIELD_CMAP, spins SPIN_CMAP.
- Grids of receptive fields have at most FIELD_COLUMNS fields side by side (more rows if
  needed), so that on a phone's screen a field is not a few pixels wide.
"""

from __future__ import annotations

import functools
import math
import re

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import to_hex, to_rgb

from .analysis import over_seeds
from .fmt import ALGORITHMS, num, penalty as penalty_label

SPIN_CMAP = "gray"
FIELD_CMAP = "RdBu_r"  # receptive fields: red positive, blue negative, white zero
WIDTH = 5.75  # inches: the widest figure; saved with 0.1 in padding, it fits the PDF's 5.9 in text width
MAX_HEIGHT = 8.2  # inches: the tallest figure that fits an A4 page of the PDF beside its caption
FONT_SIZE = 10  # points, for every text in a figure at its printed width
FIELD_COLUMNS = 5  # at most this many receptive fields side by side
PENALTY_COLOURS = {"none": "#6e6e6e", "l2": "#0072b2", "l1": "#d55e00"}
PENALTY_NAMES = {"none": "no penalty", "l2": "L2", "l1": "L1"}
ALPHA_RANGE = (1e-5, 1e-2)  # the strengths of the book's penalty sweep: the ends of each shade ramp
SHADE_TINT, SHADE_DARK = 0.55, 0.45  # the weakest strength mixes this much white, the strongest this much black
CATEGORY_COLOURS = ("#009e73", "#cc79a7", "#222222", "#e69f00", "#56b4e9", "#8c564b")
REFERENCE_STYLES = (("--", "black"), (":", "#882255"))  # reference lines (T_c, a peak): dashed, dotted
BASELINE_STYLES = (("--", "black"), (":", "#882255"), ("-.", "#555555"), ("-", "#aaaaaa"))  # baselines in one panel
BAND_COLOUR = "#dedede"  # the unpenalised networks' band, the ±4 band
STYLE = {"font.size": FONT_SIZE, "axes.titlesize": FONT_SIZE, "axes.labelsize": FONT_SIZE,
         "xtick.labelsize": FONT_SIZE, "ytick.labelsize": FONT_SIZE, "legend.fontsize": FONT_SIZE,
         "legend.title_fontsize": FONT_SIZE, "figure.titlesize": FONT_SIZE, "figure.labelsize": FONT_SIZE,
         "legend.frameon": False, "mathtext.fontset": "dejavusans", "figure.dpi": 120,
         "axes.spines.top": False, "axes.spines.right": False, "figure.constrained_layout.use": True,
         "axes.prop_cycle": mpl.cycler(color=CATEGORY_COLOURS)}


def penalty_colour(penalty: str, alpha: float | None = None) -> str:
    """The colour of a penalty ('none', 'l1', 'l2'), as '#rrggbb'; with a strength alpha > 0, its
    shade for that strength (light for weak, dark for strong: see the module docstring)."""
    base = np.array(to_rgb(PENALTY_COLOURS[penalty]))
    if penalty == "none" or alpha is None or alpha <= 0:
        return to_hex(base)
    low, high = np.log10(ALPHA_RANGE)
    t = float(np.clip((np.log10(alpha) - low) / (high - low), 0.0, 1.0))
    if t < 0.5:
        mixed = base + (1 - base) * SHADE_TINT * (1 - 2 * t)
    else:
        mixed = base * (1 - SHADE_DARK * (2 * t - 1))
    return to_hex(np.clip(mixed, 0, 1))


_POWER = re.compile(r"(?:(\d+(?:\.\d+)?)\s*\\times\s*)?10\^\{?(−|-)?(\d+)\}?")


def label_penalty(label: str) -> tuple[str | None, float | None]:
    """(penalty, alpha) named by a figure label such as 'L1, layer 1', 'control (L2 at
    $10^{-5}$)' or 'none'; (None, None) when it names no penalty, alpha None when no strength."""
    found = re.search(r"\b(L1|L2)\b", label)
    if found is None:
        return ("none", None) if re.search(r"\bnone\b|no penalty", label) else (None, None)
    power, plain = _POWER.search(label), re.search(r"α\s*=\s*(\d[\d.]*e[-+−]?\d+)", label)
    alpha = float(plain.group(1).replace("−", "-")) if plain else None
    if power is not None:
        exponent = int(power.group(3)) * (-1 if power.group(2) else 1)
        alpha = float(power.group(1) or 1) * 10.0**exponent
    return found.group(1).lower(), alpha


def field_colours(levels: int = 255) -> list[str]:
    """FIELD_CMAP sampled at `levels` evenly spaced values from -1 to 1, as '#rrggbb'."""
    cmap = plt.get_cmap(FIELD_CMAP)
    return [to_hex(cmap(x)) for x in np.linspace(0, 1, levels)]


def _styled(figure_function):
    """Draw under the book's STYLE (constrained layout, so colour bars and labels fit)."""
    @functools.wraps(figure_function)
    def draw(*args, **kwargs):
        with plt.rc_context(STYLE):
            return figure_function(*args, **kwargs)
    return draw


def _bare(ax):
    """An image panel: no ticks, a thin frame on all four sides."""
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(True)
        spine.set_linewidth(0.5)


def _temperature(T: float) -> str:
    return f"$T = {T:.4g}$"


def _wrapped(text: str, inches: float) -> str:
    """text broken at ', ' into lines that fit `inches` at FONT_SIZE (about 0.55 em a character)."""
    limit = max(8, int(inches / (0.55 * FONT_SIZE / 72)))
    if len(text) <= limit:
        return text
    lines = [""]
    for part in text.split(", "):
        candidate = f"{lines[-1]}, {part}" if lines[-1] else part
        if lines[-1] and len(candidate) > limit:
            lines[-1] += ","
            lines.append(part)
        else:
            lines[-1] = candidate
    return "\n".join(lines)


def _label_colour(label: str) -> str:
    """The colour a label is written in: its penalty's (the pure hue), black when it names none."""
    penalty, _ = label_penalty(label)
    return "black" if penalty is None else penalty_colour(penalty)


def field_grid(n: int) -> tuple[int, int]:
    """(rows, columns) of a block of n receptive fields: at most FIELD_COLUMNS side by side, the
    rows as evenly filled as possible (8 -> 2 x 4, 10 -> 2 x 5, 16 -> 4 x 4)."""
    rows = max(1, math.ceil(n / FIELD_COLUMNS))
    return rows, max(1, math.ceil(n / rows))


@_styled
def samples(examples: dict, n: int = 3):
    """A row of n configurations per temperature; examples maps T -> (k, L, L) spins."""
    temps = sorted(examples)
    fig, axes = plt.subplots(len(temps), n, figsize=(1.3 * n + 0.9, 1.3 * len(temps)), squeeze=False)
    for row, T in zip(axes, temps):
        for k, ax in enumerate(row):
            ax.imshow(examples[T][k], cmap=SPIN_CMAP, vmin=-1, vmax=1, interpolation="nearest")
            _bare(ax)
        row[0].set_ylabel(_temperature(T))
    return fig


@_styled
def energy_validation(table, exact_heat, T_grid):
    """Left: deviations of the sampled energy and specific heat from the exact finite-torus
    values, in standard errors. Right: sampled specific heat on the exact curve. One colour per
    algorithm (legend below), circles for the energy, open squares for the specific heat."""
    fig, axes = plt.subplots(1, 2, figsize=(WIDTH, 3.3))
    axes[0].axhspan(-4, 4, color=BAND_COLOUR, lw=0)
    algorithms = []
    for k, (algorithm, rows) in enumerate(table.groupby("algorithm")):
        shift, colour = 0.015 * (k - 1), CATEGORY_COLOURS[k]
        name = ALGORITHMS.get(algorithm, algorithm)
        for key, marker in (("energy", "o"), ("specific_heat", "s")):
            z = (rows[key] - rows[f"{key}_exact"]) / rows[f"{key}_error"]
            axes[0].plot(rows["T"] + shift, z, marker, color=colour, ms=4.5, ls="none",
                         mfc="none" if marker == "s" else colour)
        axes[1].errorbar(rows["T"] + shift, rows["specific_heat"], yerr=rows["specific_heat_error"], fmt="o",
                         color=colour, ms=3.5, capsize=2)
        algorithms.append(plt.Line2D([], [], color=colour, marker="o", ls="none", label=name))
    axes[0].axhline(0, color="k", lw=0.8)
    axes[0].set_ylabel("(sampled − exact) / error")
    quantities = [plt.Line2D([], [], color="0.6", marker="o", ls="none", label="energy"),
                  plt.Line2D([], [], color="0.6", marker="s", mfc="none", ls="none", label="specific heat")]
    axes[1].plot(T_grid, exact_heat, color="k", lw=1, label="exact, $L = 40$")
    axes[1].set_ylabel("specific heat per spin $c$")
    axes[1].legend(loc="upper right")
    for ax in axes:
        ax.set_xlabel("$T$")
    # one legend below: the algorithms' colours in the first row, the two markers in the second
    # (matplotlib fills a legend column by column)
    handles = [h for pair in zip(algorithms, quantities + [plt.Line2D([], [], ls="none", label=" ")]) for h in pair]
    fig.legend(handles=handles, loc="outside lower center", ncol=len(algorithms), handletextpad=0.3)
    return fig


@_styled
def receptive_field_panels(panels: dict, shape=(40, 40), n: int = 8):
    """One block per (label -> fields) entry: its first n fields in rows of at most FIELD_COLUMNS
    (field_grid), labelled (in its penalty's colour when the label names one: above a block of
    several rows, at the left of a single row), with one symmetric colour scale, +-(largest |w|
    among its n fields), shown by a colour bar at its right. The fields are as large as the
    width allows, smaller when the blocks would make the figure taller than MAX_HEIGHT (then the
    figure is narrower than WIDTH)."""
    blocks = [(label, np.asarray(fields)[:n]) for label, fields in panels.items()]
    rows, cols = field_grid(max(len(fields) for _, fields in blocks))
    # inches: a colour bar with its tick labels; the space between fields (across, down: a single
    # row's colour bar tick labels stand out above and below it); a label above, or at the left
    bar, gap = 0.8, 0.05
    down, title, side_label = (gap, 0.32, 0.0) if rows > 1 else (0.17, 0.0, 1.3)
    side = min(0.95, (WIDTH - bar - side_label) / cols - gap,
               (MAX_HEIGHT - 0.1) / len(blocks) / rows - title / rows - down)
    fig = plt.figure(figsize=(side_label + cols * (side + gap) + bar, len(blocks) * (title + rows * (side + down)) + 0.1))
    fig.get_layout_engine().set(w_pad=3 / 72, h_pad=1 / 72, wspace=0.02, hspace=0.02)
    if rows == 1:  # one grid, so that the labels and fields of all blocks line up
        grids = [(fig, row[None, :]) for row in fig.subplots(len(blocks), cols, squeeze=False)]
    else:  # one subfigure per block, its label above it
        grids = [(sub, sub.subplots(rows, cols, squeeze=False)) for sub in np.atleast_1d(fig.subfigures(len(blocks), 1))]
    for (owner, axes), (label, fields) in zip(grids, blocks):
        lim = float(np.abs(fields).max()) or 1.0
        for k, ax in enumerate(axes.flat):
            if k < len(fields):
                image = ax.imshow(fields[k].reshape(shape), cmap=FIELD_CMAP, vmin=-lim, vmax=lim,
                                  interpolation="nearest")
                _bare(ax)
            else:
                ax.set_visible(False)
        if rows > 1:
            owner.suptitle(label, x=0.01, ha="left", color=_label_colour(label))
        else:
            axes[0, 0].set_ylabel(_wrapped(label, side_label), rotation=0, ha="right", va="center",
                                  color=_label_colour(label))
        bar_ = owner.colorbar(image, ax=list(axes.flat), ticks=[-lim, 0, lim], aspect=8 * rows, pad=0.02)
        bar_.ax.set_yticklabels([num(-lim, sig=2), "0", num(lim, sig=2)])
    return fig


@_styled
def reconstructions(originals, rows: dict, shape=(40, 40)):
    """Originals in the first row, then one row per (label -> P(v) reconstructions)."""
    n = len(originals)
    height = 1 + len(rows)
    fig, axes = plt.subplots(height, n, figsize=(WIDTH, (WIDTH - 1.0) / n * height + 0.1), squeeze=False)
    panels = {"data": np.asarray(originals).reshape(n, -1)} | rows
    for ax_row, (label, images) in zip(axes, panels.items()):
        for ax, img in zip(ax_row, np.asarray(images)):
            ax.imshow(np.asarray(img).reshape(shape), cmap=SPIN_CMAP, vmin=0 if label != "data" else -1,
                      vmax=1, interpolation="nearest")
            _bare(ax)
        ax_row[0].set_ylabel(label.replace(", ", "\n"), rotation=0, ha="right", va="center",
                             color=_label_colour(label))
    return fig


@_styled
def training_curves(histories: dict, n_visible: dict | None = None):
    """Pseudo-likelihood (per visible unit when n_visible gives each label's count),
    reconstruction error and sparsity per epoch; histories maps label -> history_."""
    keys = ("pseudo_likelihood", "reconstruction_error", "sparsity")
    fig, axes = plt.subplots(1, 3, figsize=(WIDTH, 2.7))
    for label, history in histories.items():
        if not history:
            continue
        epochs = [h["epoch"] for h in history]
        for ax, key in zip(axes, keys):
            scale = n_visible[label] if (n_visible and key == "pseudo_likelihood") else 1
            ax.plot(epochs, [h[key] / scale for h in history], label=label)
    titles = ("pseudo-likelihood" + ("\nper unit" if n_visible else ""), "reconstruction\nerror",
              "fraction\n$|w| < 10^{-3}$")
    for ax, title in zip(axes, titles):
        ax.set_xlabel("epoch")
        ax.set_title(title)
    axes[0].legend()
    return fig


@_styled
def locality_panels(locality: dict, references, ylabel="locality"):
    """One panel per layer: box plots of the per-unit values of each network (locality maps
    label -> list of per-layer arrays), with a reference value per layer (dashed). A network
    whose label names a penalty is drawn in that penalty's colour (its strength's shade when
    the label gives one)."""
    n_layers = len(next(iter(locality.values())))
    labels = list(locality)
    colours = []
    for label in labels:
        penalty, alpha = label_penalty(label)
        colours.append("0.2" if penalty is None else penalty_colour(penalty, alpha))
    fig, axes = plt.subplots(1, n_layers, figsize=(WIDTH, 2.9), sharey=True, squeeze=False)
    for layer, ax in enumerate(axes[0]):
        boxes = ax.boxplot([values[layer] for values in locality.values()], showfliers=False, patch_artist=True,
                           widths=0.6)
        for k, colour in enumerate(colours):
            boxes["boxes"][k].set(facecolor=to_hex(0.25 * np.array(to_rgb(colour)) + 0.75), edgecolor=colour)
            for part in ("whiskers", "caps"):
                for line in boxes[part][2 * k: 2 * k + 2]:
                    line.set_color(colour)
            boxes["medians"][k].set(color=colour, lw=2)
        ax.set_xticks(range(1, len(labels) + 1), labels, rotation=40 if len(labels) > 3 else 0,
                      ha="right" if len(labels) > 3 else "center", rotation_mode="anchor")
        for tick, colour in zip(ax.get_xticklabels(), colours):
            tick.set_color(colour)
        ax.axhline(references[layer], ls="--", color="k", lw=1)
        ax.set_title(f"layer {layer + 1}")
    axes[0, 0].set_ylabel(ylabel)
    return fig


@_styled
def sweep_curves(table, key, ylabel, reference=None, log_x=True):
    """Mean and standard error over seeds of `key` against alpha, one line per penalty in its
    colour, each point in the shade of its strength; the unpenalised runs are drawn as a band."""
    fig, ax = plt.subplots(figsize=(WIDTH, 3.0))
    for penalty, rows in table.groupby("penalty"):
        stats = over_seeds(rows, "alpha", key)
        if penalty == "none":
            m, e = stats["mean"].iloc[0], stats["error"].iloc[0]
            ax.axhspan(m - e, m + e, color=BAND_COLOUR, lw=0, label=PENALTY_NAMES["none"])
            ax.axhline(m, color=penalty_colour("none"), lw=1)
        else:
            colour = penalty_colour(penalty)
            ax.errorbar(stats.index, stats["mean"], yerr=stats["error"], color=colour, capsize=2, lw=1.5,
                        label=PENALTY_NAMES.get(penalty, penalty))
            ax.scatter(stats.index, stats["mean"], s=30, zorder=3, edgecolors=colour, linewidths=1,
                       c=[penalty_colour(penalty, a) for a in stats.index])
    if reference is not None:
        ax.axvline(reference, ls=":", color="k", lw=1, label="paper's $\\alpha$")
    if log_x:
        ax.set_xscale("log")
    ax.set_xlabel("penalty strength $\\alpha$")
    ax.set_ylabel(ylabel)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return fig


@_styled
def per_epoch(curves: dict, ylabel: str):
    """One line per entry of curves (label -> values after each epoch)."""
    fig, ax = plt.subplots(figsize=(4.8, 2.9))
    for label, curve in curves.items():
        ax.plot(np.arange(1, len(curve) + 1), curve, label=str(label))
    ax.xaxis.set_major_locator(plt.MaxNLocator(integer=True))
    ax.set_xlabel("epoch")
    ax.set_ylabel(ylabel)
    ax.legend()
    return fig


@_styled
def by_epoch_per_temperature(table, key, ylabel, baseline: dict | None = None, baseline_label: str = ""):
    """One panel per temperature: `key` ± `key`_error of table's rows against their epoch, with
    an optional reference value per temperature (baseline maps T -> value) dashed."""
    temperatures = sorted(table["T"].unique())
    fig, axes = plt.subplots(1, len(temperatures), figsize=(WIDTH, 2.7), sharex=True, squeeze=False)
    for ax, T in zip(axes[0], temperatures):
        rows = table[table["T"] == T]
        ax.errorbar(rows["epoch"], rows[key], yerr=rows[f"{key}_error"], marker="o", ms=2.5, capsize=1.5, lw=1)
        if baseline is not None:
            ax.axhline(baseline[T], ls="--", color="k", lw=1, label=baseline_label)
        ax.set_title(_temperature(T))
        ax.set_xlabel("epoch")
    axes[0, 0].set_ylabel(ylabel)
    if baseline is not None:
        fig.legend(*axes[0, 0].get_legend_handles_labels(), loc="outside lower center")
    return fig


@_styled
def by_temperature(table, key, ylabel, T_c):
    """Mean and standard error over seeds of `key` against the data's temperature, one line
    per (penalty, alpha), in that penalty's shade for alpha; T_c dotted."""
    fig, ax = plt.subplots(figsize=(WIDTH, 3.0))
    for (penalty, alpha), rows in table.groupby(["penalty", "alpha"], sort=False):
        stats = over_seeds(rows, "T", key)
        label = PENALTY_NAMES["none"] if penalty == "none" else penalty_label(penalty, alpha)
        ax.errorbar(stats.index, stats["mean"], yerr=stats["error"], marker="o", ms=4, capsize=2, label=label,
                    color=penalty_colour(penalty, alpha))
    ax.axvline(T_c, ls=":", color="k", lw=1, label="$T_c$")
    ax.set_xlabel("temperature of the data $T$")
    ax.set_ylabel(ylabel)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return fig


def _references(ax, references: dict):
    """Horizontal reference lines (label -> T) in REFERENCE_STYLES: dashed, then dotted."""
    for (label, T), (style, colour) in zip(references.items(), REFERENCE_STYLES):
        ax.axhline(T, ls=style, color=colour, lw=1.2, label=label)


@_styled
def flow_panels(table, panels: dict, references: dict):
    """Estimated temperature against flow step, one panel per entry of panels (title ->
    (method, hidden)), one line per starting temperature T0 (coloured cold to hot);
    references (label -> T) dashed and dotted."""
    fig, axes = plt.subplots(1, len(panels), figsize=(WIDTH, 3.2), sharey=True, squeeze=False)
    T0s = np.sort(table["T0"].unique())
    colours = plt.cm.viridis(np.linspace(0, 1, len(T0s)))
    for ax, (title, (method, hidden)) in zip(axes[0], panels.items()):
        rows = table[(table["method"] == method) & (table["hidden"] == hidden)]
        for T0, colour in zip(T0s, colours):
            line = rows[rows["T0"] == T0].sort_values("step")
            ax.plot(line["step"] + 1, line["T"], color=colour, lw=1, ms=2, marker="o")
        _references(ax, references)
        if rows["step"].max() > 10:
            ax.set_xscale("log")
        else:
            ax.set_xticks(np.arange(rows["step"].max() + 1) + 1)
        ax.set_xlabel("step + 1")
        ax.set_yscale("log")
        ax.set_title(_wrapped(title, (WIDTH - 1.4) / len(panels)))
    axes[0, 0].set_ylabel("estimated temperature")
    axes[0, 0].yaxis.set_minor_formatter(plt.FuncFormatter(lambda y, _: f"{y:g}" if y in (0.5, 2, 5, 20) else ""))
    scale = plt.cm.ScalarMappable(cmap="viridis", norm=plt.Normalize(T0s[0], T0s[-1]))
    fig.colorbar(scale, ax=list(axes[0]), fraction=0.03, pad=0.01, label="starting $T_0$")
    fig.legend(*axes[0, 0].get_legend_handles_labels(), loc="outside lower center", ncol=len(references))
    return fig


def _endpoints(ax, ends, references, log=True):
    """Draw flow end points against T0 (analysis.flow_ends) with the no-flow diagonal and
    references; one colour per number of hidden units, solid and filled for mean-field, dashed
    and open for sampled; a logarithmic temperature axis when the ends span decades."""
    T0 = ends.columns.to_numpy(float)
    ax.plot(T0, T0, color="0.75", lw=3, label="start")
    hidden_counts = sorted({int(h) for _, h in ends.index})
    for (method, hidden), row in ends.iterrows():
        colour = CATEGORY_COLOURS[hidden_counts.index(int(hidden)) % len(CATEGORY_COLOURS)]
        sampled = "sampled" in method
        ax.plot(T0, row.to_numpy(float), marker="s" if sampled else "o", ms=3.5, lw=1.2, color=colour,
                ls="--" if sampled else "-", mfc="white" if sampled else colour,
                label=f"{int(hidden)} hidden, {method.removeprefix('rbm ')}")
    _references(ax, references)
    if log:
        ax.set_yscale("log")
    ax.set_xlabel("starting temperature $T_0$")


def _flow_legend(ax):
    """The handles and labels of _endpoints ordered for a three-column legend: mean-field flows,
    sampled flows, then the no-flow line and the references."""
    pairs = list(zip(*ax.get_legend_handles_labels()))
    order = [p for p in pairs if "mean-field" in p[1]] + [p for p in pairs if "sampled" in p[1]]
    order += [p for p in pairs if p not in order]
    return [h for h, _ in order], [label for _, label in order]


@_styled
def flow_endpoints(ends, references: dict):
    """Temperature at the end of each RBM flow against the starting temperature T0, from
    analysis.flow_ends (rows (method, hidden), columns T0); the diagonal (no flow) in grey."""
    fig, ax = plt.subplots(figsize=(WIDTH, 4.4))
    _endpoints(ax, ends, references)
    ax.set_ylabel("temperature at the end of the flow")
    fig.legend(*_flow_legend(ax), ncol=3, loc="outside lower center", handlelength=1.8, columnspacing=0.9,
               handletextpad=0.4)
    return fig


@_styled
def flow_endpoint_panels(panels: dict, references: dict):
    """flow_endpoints side by side, one panel per {title: analysis.flow_ends table} (e.g. two
    ways of reading the temperature), on a linear temperature axis, one shared legend below."""
    fig, axes = plt.subplots(1, len(panels), figsize=(WIDTH, 4.2), sharey=True, squeeze=False)
    for ax, (title, ends) in zip(axes[0], panels.items()):
        _endpoints(ax, ends, references, log=False)
        ax.set_title(title)
    axes[0, 0].set_ylabel("temperature at the end of the flow")
    fig.legend(*_flow_legend(axes[0, 0]), ncol=3, loc="outside lower center", handlelength=1.8, columnspacing=0.9,
               handletextpad=0.4)
    return fig


@_styled
def converged_trajectories(runs, table, baseline_columns=("strips_w1", "strips_w2", "strips_w4")):
    """One panel per temperature of `runs` (converge.finished or converge.judged_runs): the KL at
    each check of each seed's run (runs judged by the last iterate, if any, in grey), with the
    baselines of that temperature (columns of `table`, converge.comparison) as horizontal lines
    (BASELINE_STYLES, named in the legend). The KL axis is logarithmic: runs and baselines span
    two decades."""
    from .baselines import BASELINE_NAMES

    runs = runs if "judged" in runs.columns else runs.assign(judged="tail average")
    temperatures = sorted(runs["T"].unique()) if len(runs) else []
    fig, axes = plt.subplots(1, max(len(temperatures), 1), figsize=(WIDTH, 2.9), squeeze=False)
    for ax, T in zip(axes[0], temperatures):
        at = runs[runs["T"] == T]
        for (seed, rows), colour in zip(at[at["judged"] != "last iterate"].groupby("seed"), CATEGORY_COLOURS):
            ax.errorbar(rows["epoch"], rows["kl"], yerr=rows["log_likelihood_error"], marker="o", ms=2.5,
                        capsize=1.5, lw=1, color=colour, label=f"seed {seed}")
        for seed, rows in at[at["judged"] == "last iterate"].groupby("seed"):
            ax.plot(rows["epoch"], rows["kl"], marker=".", ms=3, lw=0.8, ls="--", color="0.6",
                    label=f"seed {seed}, last iterate")
        row = table.loc[table.index[np.isclose(table.index.to_numpy(float), T)][0]]
        for column, (style, colour) in zip(baseline_columns, BASELINE_STYLES):
            ax.axhline(row[column], ls=style, color=colour, lw=1, label=BASELINE_NAMES[column])
        ax.set_yscale("log")
        low, high = ax.get_ylim()
        ax.yaxis.set_major_locator(mpl.ticker.LogLocator(subs=(1.0,) if high / low > 300 else (1.0, 2.0, 5.0)))
        ax.yaxis.set_major_formatter(mpl.ticker.FuncFormatter(lambda v, _: f"{v:g}"))
        ax.yaxis.set_minor_formatter(mpl.ticker.NullFormatter())
        ax.xaxis.set_major_locator(plt.MaxNLocator(3, integer=True))
        ax.set_title(_temperature(T))
        ax.set_xlabel("epoch")
    axes[0, 0].set_ylabel("KL (nats per configuration)")
    if temperatures:
        legend = {}
        for ax in axes[0]:
            legend |= {label: handle for handle, label in zip(*ax.get_legend_handles_labels()) if label not in legend}
        order = sorted(legend, key=lambda label: label in BASELINE_NAMES.values())  # runs, then baselines
        fig.legend([legend[k] for k in order], order, loc="outside lower center", ncol=3, handlelength=1.8,
                   columnspacing=0.9)
    else:
        axes[0, 0].text(0.5, 0.5, "no finished run", ha="center", va="center", transform=axes[0, 0].transAxes)
    return fig


@_styled
def scale_sizes(means, key: str = "area", ylabel: str = "median field area (sites)", ceilings: dict | None = None,
                settings=None):
    """The scale test: one panel per (penalty, alpha) of `means` (scaling.seed_means by L, T,
    penalty, alpha), `key` ± its error against the exact xi^2 on log axes, one line per lattice
    side L (CATEGORY_COLOURS) over the temperatures above T_c; the point at T_c, where xi is
    limited by the lattice, is drawn open at xi^2 = L^2. A dashed guide of slope 1 (a size that
    tracks xi^2) starts at each panel's smallest xi; ceilings (label -> value), dotted, e.g.
    the window's sites. settings: the (penalty, alpha) panels in order (default: as they come)."""
    settings = list(settings or dict.fromkeys(zip(means["penalty"], means["alpha"])))
    fig, axes = plt.subplots(1, len(settings), figsize=(WIDTH, 2.9), sharex=True, sharey=True, squeeze=False)
    for ax, (penalty, alpha) in zip(axes[0], settings):
        rows = means[(means["penalty"] == penalty) & (means["alpha"] == alpha)]
        for (L, at_L), colour in zip(rows.groupby("L"), CATEGORY_COLOURS):
            above = at_L[np.isfinite(at_L["xi2"])].sort_values("xi2")
            ax.errorbar(above["xi2"], above[key], yerr=above[f"{key}_error"], marker="o", ms=3.5, capsize=2, lw=1,
                        color=colour, label=f"$L = {L}$")
            critical = at_L[~np.isfinite(at_L["xi2"])]
            ax.errorbar(np.full(len(critical), float(L) ** 2), critical[key], yerr=critical[f"{key}_error"],
                        marker="o", ms=5, mfc="white", capsize=2, lw=0, elinewidth=1, color=colour)
        above = rows[np.isfinite(rows["xi2"])]
        if len(above):
            x0 = above["xi2"].min()
            y0 = above.loc[above["xi2"] == x0, key].median()
            x = np.array([x0, float(rows["L"].max()) ** 2])
            ax.plot(x, y0 * x / x0, ls="--", color="black", lw=0.8, label="$\\propto \\xi^2$")
        for (label, value), (style, colour) in zip((ceilings or {}).items(), REFERENCE_STYLES[1:] * 4):
            ax.axhline(value, ls=style, color=colour, lw=1, label=label)
        ax.set_xscale("log")
        ax.set_yscale("log")
        title = PENALTY_NAMES["none"] if penalty == "none" else penalty_label(penalty, alpha)
        ax.set_title(title, color=penalty_colour(penalty, alpha))
    axes[0, len(settings) // 2].set_xlabel("exact $\\xi^2$ (open circles: $T_c$, placed at $L^2$)")
    axes[0, 0].set_ylabel(ylabel)
    legend = {}  # every panel's entries, once each (a lattice may have points in some panels only)
    for ax in axes[0]:
        for handle, label in zip(*ax.get_legend_handles_labels()):
            legend.setdefault(label, handle)
    fig.legend(legend.values(), legend.keys(), loc="outside lower center", ncol=3)
    return fig


def _value_and_error(entry) -> tuple[float, float]:
    """(value, error) of a table entry: a (mean, error) pair, or a bare number with error 0."""
    if isinstance(entry, (tuple, list, np.ndarray)):
        return float(entry[0]), float(entry[1])
    return float(entry), 0.0


@_styled
def key_findings(fields: dict, scores: dict, models: dict, references: dict, shape=(40, 40), n: int = FIELD_COLUMNS):
    """The Preface's figure, three findings side by side in one visual system.
    (a) fields: label -> first-layer weights (units, sites); the first n units of each, one row
    per label on one symmetric colour scale per row. (b) scores: label -> (mean, error) of a block
    score, as horizontal bars (the first in L1's hue, the rest grey). (c) models and references:
    label -> Series over T of KL (entries (mean, error) or numbers; NaN skipped), models as
    points with error bars in CATEGORY_COLOURS, references as lines in BASELINE_STYLES (a lone
    value as a diamond), on a logarithmic KL axis, with one legend below."""
    fig = plt.figure(figsize=(WIDTH, 5.4))
    top, bottom = fig.subfigures(2, 1, height_ratios=[1.0, 1.35])
    axes = top.subplots(len(fields), n, squeeze=False)
    for row, (label, weights) in zip(axes, fields.items()):
        shown = np.asarray(weights)[:n]
        lim = float(np.abs(shown).max()) or 1.0
        for ax, w in zip(row, shown):
            ax.imshow(w.reshape(shape), cmap=FIELD_CMAP, vmin=-lim, vmax=lim, interpolation="nearest")
            _bare(ax)
        row[0].set_ylabel(_wrapped(label, 1.2), rotation=0, ha="right", va="center", color=_label_colour(label))
    top.suptitle("(a) first-layer fields", x=0.01, ha="left")
    score_ax, kl_ax = bottom.subplots(1, 2, width_ratios=[1.0, 1.25])
    labels = list(scores)
    values = [_value_and_error(scores[label]) for label in labels]
    colours = [penalty_colour("l1")] + ["0.6"] * (len(labels) - 1)
    score_ax.barh(range(len(labels)), [v for v, _ in values], xerr=[e for _, e in values], color=colours,
                  capsize=2)
    score_ax.set_yticks(range(len(labels)), labels)
    score_ax.invert_yaxis()
    score_ax.set_xlim(0, 1)
    score_ax.set_xlabel("block-spin score")
    score_ax.set_title("(b) top layer as block spins", loc="left")
    for (label, series), colour in zip(models.items(), CATEGORY_COLOURS):
        points = [(float(T), *_value_and_error(entry)) for T, entry in series.items()
                  if np.isfinite(_value_and_error(entry)[0])]
        if points:
            T, value, error = np.array(points).T
            kl_ax.errorbar(T, value, yerr=error, marker="o", ms=4, capsize=2, lw=1, color=colour, label=label)
    for (label, series), (style, colour) in zip(references.items(), BASELINE_STYLES):
        kept = series[np.isfinite(series.to_numpy(float))]
        kl_ax.plot(kept.index.to_numpy(float), kept.to_numpy(float), ls=style, color=colour, lw=1, label=label,
                   marker="D" if len(kept) == 1 else None, ms=4)
    kl_ax.set_yscale("log")
    kl_ax.yaxis.set_major_formatter(mpl.ticker.FuncFormatter(lambda v, _: f"{v:g}"))
    kl_ax.set_xlabel("$T$")
    kl_ax.set_ylabel("KL (nats)")
    kl_ax.set_title("(c) fit to the exact distribution", loc="left")
    bottom.legend(loc="outside lower center", ncol=2, handlelength=1.8, columnspacing=1.0)
    return fig
