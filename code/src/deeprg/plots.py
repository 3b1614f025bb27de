"""Figure helpers shared by the chapters. Each returns a matplotlib Figure and computes nothing
that is not shown.

One style for the whole book: every figure is at most WIDTH inches wide (the PDF's text width;
the HTML scales it to its column), text is 8-9 pt, and labels use matplotlib's mathtext so they
match the prose ($\\alpha$, $T_c$)."""

from __future__ import annotations

import functools

import matplotlib.pyplot as plt
import numpy as np

from .analysis import over_seeds
from .fmt import ALGORITHMS, num, penalty as penalty_label

SPIN_CMAP = "gray"
FIELD_CMAP = "RdBu_r"
WIDTH = 6.4  # inches
STYLE = {"font.size": 9, "axes.titlesize": 9, "axes.labelsize": 9, "xtick.labelsize": 8, "ytick.labelsize": 8,
         "legend.fontsize": 8, "legend.frameon": False, "mathtext.fontset": "dejavusans", "figure.dpi": 120,
         "axes.spines.top": False, "axes.spines.right": False, "figure.constrained_layout.use": True}


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


@_styled
def samples(examples: dict, n: int = 3):
    """A row of n configurations per temperature; examples maps T -> (k, L, L) spins."""
    temps = sorted(examples)
    fig, axes = plt.subplots(len(temps), n, figsize=(1.3 * n + 0.6, 1.3 * len(temps)), squeeze=False)
    for row, T in zip(axes, temps):
        for k, ax in enumerate(row):
            ax.imshow(examples[T][k], cmap=SPIN_CMAP, vmin=-1, vmax=1, interpolation="nearest")
            _bare(ax)
        row[0].set_ylabel(_temperature(T))
    return fig


@_styled
def energy_validation(table, exact_heat, T_grid):
    """Left: deviations of the sampled energy and specific heat from the exact finite-torus
    values, in standard errors. Right: sampled specific heat on the exact curve."""
    fig, axes = plt.subplots(1, 2, figsize=(WIDTH, 2.8))
    axes[0].axhspan(-4, 4, color="0.9")
    for k, (algorithm, rows) in enumerate(table.groupby("algorithm")):
        shift = 0.015 * (k - 1)
        for key, marker in (("energy", "o"), ("specific_heat", "s")):
            z = (rows[key] - rows[f"{key}_exact"]) / rows[f"{key}_error"]
            axes[0].plot(rows["T"] + shift, z, marker, color=f"C{k}", ms=4, mfc="none" if marker == "s" else None,
                         label=f"{ALGORITHMS.get(algorithm, algorithm)}, {key.replace('_', ' ')}")
        axes[1].errorbar(rows["T"] + shift, rows["specific_heat"], yerr=rows["specific_heat_error"], fmt="o",
                         color=f"C{k}", ms=3, capsize=2, label=ALGORITHMS.get(algorithm, algorithm))
    axes[0].axhline(0, color="k", lw=0.8)
    axes[0].set_ylabel("(sampled − exact) / error")
    axes[0].legend(ncol=1, fontsize=6.5)
    axes[1].plot(T_grid, exact_heat, color="k", lw=1, label="exact, $L = 40$")
    axes[1].set_ylabel("specific heat per spin $c$")
    axes[1].legend()
    for ax in axes:
        ax.set_xlabel("$T$")
    return fig


@_styled
def receptive_field_panels(panels: dict, shape=(40, 40), n: int = 8):
    """Rows of n receptive fields, one row per (label -> fields) entry. Each row has one
    symmetric colour scale, +-(largest |w| among its n fields), shown by a colour bar."""
    fig, axes = plt.subplots(len(panels), n, figsize=(WIDTH, 0.78 * WIDTH / n * len(panels) + 0.2), squeeze=False)
    for row, (label, fields) in zip(axes, panels.items()):
        shown = np.asarray(fields)[:n]
        lim = float(np.abs(shown).max()) or 1.0
        for ax, f in zip(row, shown):
            image = ax.imshow(f.reshape(shape), cmap=FIELD_CMAP, vmin=-lim, vmax=lim, interpolation="nearest")
        for ax in row:
            _bare(ax)
        row[0].set_ylabel(label.replace(", ", "\n"), fontsize=7, rotation=0, ha="right", va="center")
        bar = fig.colorbar(image, ax=list(row), fraction=0.015, pad=0.01, aspect=8, ticks=[-lim, 0, lim])
        bar.ax.set_yticklabels([num(-lim, sig=2), "0", num(lim, sig=2)], fontsize=7)
    return fig


@_styled
def reconstructions(originals, rows: dict, shape=(40, 40)):
    """Originals in the first row, then one row per (label -> P(v) reconstructions)."""
    n = len(originals)
    height = 1 + len(rows)
    fig, axes = plt.subplots(height, n, figsize=(WIDTH, WIDTH / n * height + 0.1), squeeze=False)
    panels = {"data": np.asarray(originals).reshape(n, -1)} | rows
    for ax_row, (label, images) in zip(axes, panels.items()):
        for ax, img in zip(ax_row, np.asarray(images)):
            ax.imshow(np.asarray(img).reshape(shape), cmap=SPIN_CMAP, vmin=0 if label != "data" else -1,
                      vmax=1, interpolation="nearest")
            _bare(ax)
        ax_row[0].set_ylabel(label.replace(", ", "\n"), fontsize=7, rotation=0, ha="right", va="center")
    return fig


@_styled
def training_curves(histories: dict, n_visible: dict | None = None):
    """Pseudo-likelihood (per visible unit when n_visible gives each label's count),
    reconstruction error and sparsity per epoch; histories maps label -> history_."""
    keys = ("pseudo_likelihood", "reconstruction_error", "sparsity")
    fig, axes = plt.subplots(1, 3, figsize=(WIDTH, 2.4))
    for label, history in histories.items():
        if not history:
            continue
        epochs = [h["epoch"] for h in history]
        for ax, key in zip(axes, keys):
            scale = n_visible[label] if (n_visible and key == "pseudo_likelihood") else 1
            ax.plot(epochs, [h[key] / scale for h in history], label=label)
    titles = ("pseudo-likelihood" + (" per unit" if n_visible else ""), "reconstruction error",
              "fraction $|w| < 10^{-3}$")
    for ax, title in zip(axes, titles):
        ax.set_xlabel("epoch")
        ax.set_title(title)
    axes[0].legend()
    return fig


@_styled
def locality_panels(locality: dict, references, ylabel="locality"):
    """One panel per layer: box plots of the per-unit values of each network (locality maps
    label -> list of per-layer arrays), with a reference value per layer (dashed)."""
    n_layers = len(next(iter(locality.values())))
    fig, axes = plt.subplots(1, n_layers, figsize=(WIDTH, 2.5), sharey=True, squeeze=False)
    for layer, ax in enumerate(axes[0]):
        ax.boxplot([values[layer] for values in locality.values()], showfliers=False)
        ax.set_xticks(range(1, len(locality) + 1), list(locality), fontsize=7)
        ax.axhline(references[layer], ls="--", color="k", lw=1)
        ax.set_title(f"layer {layer + 1}")
    axes[0, 0].set_ylabel(ylabel)
    return fig


@_styled
def sweep_curves(table, key, ylabel, reference=None, log_x=True):
    """Mean and standard error over seeds of `key` against alpha, one line per penalty; the
    unpenalised runs are drawn as a band."""
    fig, ax = plt.subplots(figsize=(5.6, 2.9))
    for penalty, rows in table.groupby("penalty"):
        stats = over_seeds(rows, "alpha", key)
        if penalty == "none":
            m, e = stats["mean"].iloc[0], stats["error"].iloc[0]
            ax.axhspan(m - e, m + e, color="0.8", label="no penalty")
            ax.axhline(m, color="0.5", lw=1)
        else:
            ax.errorbar(stats.index, stats["mean"], yerr=stats["error"], marker="o", ms=4, capsize=2,
                        label=penalty.upper())
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
    fig, ax = plt.subplots(figsize=(4.6, 2.7))
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
    fig, axes = plt.subplots(1, len(temperatures), figsize=(WIDTH, 2.4), sharex=True, squeeze=False)
    for ax, T in zip(axes[0], temperatures):
        rows = table[table["T"] == T]
        ax.errorbar(rows["epoch"], rows[key], yerr=rows[f"{key}_error"], marker="o", ms=2.5, capsize=1.5, lw=1)
        if baseline is not None:
            ax.axhline(baseline[T], ls="--", color="k", lw=1, label=baseline_label)
        ax.set_title(_temperature(T))
        ax.set_xlabel("epoch")
    axes[0, 0].set_ylabel(ylabel)
    if baseline is not None:
        axes[0, 0].legend(fontsize=7)
    return fig


@_styled
def by_temperature(table, key, ylabel, T_c):
    """Mean and standard error over seeds of `key` against the data's temperature, one line
    per (penalty, alpha); T_c dotted."""
    fig, ax = plt.subplots(figsize=(5.6, 2.9))
    for (penalty, alpha), rows in table.groupby(["penalty", "alpha"], sort=False):
        stats = over_seeds(rows, "T", key)
        label = "no penalty" if penalty == "none" else penalty_label(penalty, alpha)
        ax.errorbar(stats.index, stats["mean"], yerr=stats["error"], marker="o", ms=4, capsize=2, label=label)
    ax.axvline(T_c, ls=":", color="k", lw=1, label="$T_c$")
    ax.set_xlabel("temperature of the data $T$")
    ax.set_ylabel(ylabel)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return fig


@_styled
def flow_panels(table, panels: dict, references: dict):
    """Estimated temperature against flow step, one panel per entry of panels (title ->
    (method, hidden)), one line per starting temperature T0 (coloured cold to hot);
    references (label -> T) dashed and dotted."""
    fig, axes = plt.subplots(1, len(panels), figsize=(WIDTH, 2.6), sharey=True, squeeze=False)
    T0s = np.sort(table["T0"].unique())
    colours = plt.cm.viridis(np.linspace(0, 1, len(T0s)))
    for ax, (title, (method, hidden)) in zip(axes[0], panels.items()):
        rows = table[(table["method"] == method) & (table["hidden"] == hidden)]
        for T0, colour in zip(T0s, colours):
            line = rows[rows["T0"] == T0].sort_values("step")
            ax.plot(line["step"] + 1, line["T"], color=colour, lw=1, ms=2, marker="o")
        for (label, T), (style, colour) in zip(references.items(), (("--", "k"), (":", "C3"))):
            ax.axhline(T, ls=style, color=colour, lw=1.2, label=label)
        if rows["step"].max() > 10:
            ax.set_xscale("log")
        else:
            ax.set_xticks(np.arange(rows["step"].max() + 1) + 1)
        ax.set_xlabel("step + 1")
        ax.set_yscale("log")
        ax.set_title(title, fontsize=8)
    axes[0, 0].set_ylabel("estimated temperature")
    axes[0, 0].legend(fontsize=7)
    axes[0, 0].yaxis.set_minor_formatter(plt.FuncFormatter(lambda y, _: f"{y:g}" if y in (0.5, 2, 3, 5, 20) else ""))
    scale = plt.cm.ScalarMappable(cmap="viridis", norm=plt.Normalize(T0s[0], T0s[-1]))
    fig.colorbar(scale, ax=list(axes[0]), fraction=0.03, pad=0.01, label="starting $T_0$")
    return fig


def _endpoints(ax, ends, references, log=True):
    """Draw flow end points against T0 (analysis.flow_ends) with the no-flow diagonal and
    references; a logarithmic temperature axis when the ends span decades."""
    T0 = ends.columns.to_numpy(float)
    ax.plot(T0, T0, color="0.7", lw=3, label="start")
    for (method, hidden), row in ends.iterrows():
        ax.plot(T0, row.to_numpy(float), marker="o", ms=3, lw=1,
                label=f"{int(hidden)} hidden, {method.removeprefix('rbm ')}")
    for (label, T), (style, colour) in zip(references.items(), (("--", "k"), (":", "C3"))):
        ax.axhline(T, ls=style, color=colour, lw=1.2, label=label)
    if log:
        ax.set_yscale("log")
    ax.set_xlabel("starting temperature $T_0$")


@_styled
def flow_endpoints(ends, references: dict):
    """Temperature at the end of each RBM flow against the starting temperature T0, from
    analysis.flow_ends (rows (method, hidden), columns T0); the diagonal (no flow) in grey."""
    fig, ax = plt.subplots(figsize=(WIDTH, 4.0))
    _endpoints(ax, ends, references)
    ax.set_ylabel("temperature at the end of the flow")
    ax.legend(fontsize=7, ncol=3, loc="upper center", bbox_to_anchor=(0.5, -0.2))
    return fig


@_styled
def flow_endpoint_panels(panels: dict, references: dict):
    """flow_endpoints side by side, one panel per {title: analysis.flow_ends table} (e.g. two
    ways of reading the temperature), on a linear temperature axis, one shared legend below."""
    fig, axes = plt.subplots(1, len(panels), figsize=(WIDTH, 3.6), sharey=True, squeeze=False)
    for ax, (title, ends) in zip(axes[0], panels.items()):
        _endpoints(ax, ends, references, log=False)
        ax.set_title(title)
    axes[0, 0].set_ylabel("temperature at the end of the flow")
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, labels, fontsize=7, ncol=3, loc="outside lower center")
    return fig
