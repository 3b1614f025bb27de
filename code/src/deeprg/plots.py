"""Figure helpers shared by the chapters. Each returns a matplotlib Figure and computes nothing
that is not shown."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from .analysis import over_seeds

SPIN_CMAP = "gray"
FIELD_CMAP = "RdBu_r"


def samples(examples: dict, n: int = 3):
    """A row of n configurations per temperature; examples maps T -> (k, L, L) spins."""
    temps = sorted(examples)
    fig, axes = plt.subplots(len(temps), n, figsize=(1.6 * n, 1.6 * len(temps)), squeeze=False)
    for row, T in zip(axes, temps):
        for k, ax in enumerate(row):
            ax.imshow(examples[T][k], cmap=SPIN_CMAP, vmin=-1, vmax=1, interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
        row[0].set_ylabel(f"T = {T:.3f}")
    fig.tight_layout()
    return fig


def energy_validation(table, exact_heat, T_grid):
    """Left: deviations of the sampled energy and specific heat from the exact finite-torus
    values, in standard errors. Right: sampled specific heat on the exact curve."""
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.4))
    axes[0].axhspan(-4, 4, color="0.9")
    for k, (algorithm, rows) in enumerate(table.groupby("algorithm")):
        shift = 0.015 * (k - 1)
        for key, marker in (("energy", "o"), ("specific_heat", "s")):
            z = (rows[key] - rows[f"{key}_exact"]) / rows[f"{key}_error"]
            axes[0].plot(rows["T"] + shift, z, marker, color=f"C{k}", ms=5, mfc="none" if marker == "s" else None,
                         label=f"{algorithm}, {key.replace('_', ' ')}")
        axes[1].errorbar(rows["T"] + shift, rows["specific_heat"], yerr=rows["specific_heat_error"], fmt="o",
                         color=f"C{k}", ms=4, capsize=2, label=algorithm)
    axes[0].axhline(0, color="k", lw=0.8)
    axes[0].set_ylabel("(sampled - exact) / error")
    axes[0].legend(fontsize=6, ncol=2)
    axes[1].plot(T_grid, exact_heat, color="k", lw=1, label="exact (Kaufman), L = 40")
    axes[1].set_ylabel("specific heat per spin")
    axes[1].legend(fontsize=8)
    for ax in axes:
        ax.set_xlabel("T")
    fig.tight_layout()
    return fig


def receptive_field_panels(panels: dict, shape=(40, 40), n: int = 8):
    """Rows of n receptive fields, one row per (label -> fields) entry."""
    fig, axes = plt.subplots(len(panels), n, figsize=(1.25 * n, 1.35 * len(panels)), squeeze=False)
    for row, (label, fields) in zip(axes, panels.items()):
        for ax, f in zip(row, np.asarray(fields)[:n]):
            f = f.reshape(shape)
            lim = np.abs(f).max() or 1.0
            ax.imshow(f, cmap=FIELD_CMAP, vmin=-lim, vmax=lim, interpolation="nearest")
        for ax in row:
            ax.set_xticks([])
            ax.set_yticks([])
        row[0].set_ylabel(label, fontsize=8)
    fig.tight_layout()
    return fig


def reconstructions(originals, rows: dict, shape=(40, 40)):
    """Originals in the first row, then one row per (label -> P(v) reconstructions)."""
    n = len(originals)
    fig, axes = plt.subplots(1 + len(rows), n, figsize=(1.3 * n, 1.35 * (1 + len(rows))), squeeze=False)
    panels = {"data": np.asarray(originals).reshape(n, -1)} | rows
    for ax_row, (label, images) in zip(axes, panels.items()):
        for ax, img in zip(ax_row, np.asarray(images)):
            ax.imshow(np.asarray(img).reshape(shape), cmap=SPIN_CMAP, vmin=0 if label != "data" else -1,
                      vmax=1, interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
        ax_row[0].set_ylabel(label, fontsize=8)
    fig.tight_layout()
    return fig


def training_curves(histories: dict, n_visible: dict | None = None):
    """Pseudo-likelihood (per visible unit when n_visible gives each label's count),
    reconstruction error and sparsity per epoch; histories maps label -> history_."""
    keys = ("pseudo_likelihood", "reconstruction_error", "sparsity")
    fig, axes = plt.subplots(1, 3, figsize=(11, 3.2))
    for label, history in histories.items():
        if not history:
            continue
        epochs = [h["epoch"] for h in history]
        for ax, key in zip(axes, keys):
            scale = n_visible[label] if (n_visible and key == "pseudo_likelihood") else 1
            ax.plot(epochs, [h[key] / scale for h in history], label=label)
    titles = ("pseudo-likelihood" + (" per visible unit" if n_visible else ""), "reconstruction error",
              "fraction of |w| < 0.001")
    for ax, title in zip(axes, titles):
        ax.set_xlabel("epoch")
        ax.set_title(title, fontsize=10)
    axes[0].legend(fontsize=7)
    fig.tight_layout()
    return fig


def locality_panels(locality: dict, references, ylabel="locality"):
    """One panel per layer: box plots of the per-unit values of each network (locality maps
    label -> list of per-layer arrays), with a reference value per layer (dashed)."""
    n_layers = len(next(iter(locality.values())))
    fig, axes = plt.subplots(1, n_layers, figsize=(3.7 * n_layers, 3.2), sharey=True, squeeze=False)
    for layer, ax in enumerate(axes[0]):
        ax.boxplot([values[layer] for values in locality.values()], showfliers=False)
        ax.set_xticks(range(1, len(locality) + 1), list(locality), fontsize=8)
        ax.axhline(references[layer], ls="--", color="k", lw=1)
        ax.set_title(f"layer {layer + 1}", fontsize=10)
    axes[0, 0].set_ylabel(ylabel)
    fig.tight_layout()
    return fig


def sweep_curves(table, key, ylabel, reference=None, log_x=True):
    """Mean and standard error over seeds of `key` against alpha, one line per penalty; the
    unpenalised runs are drawn as a band."""
    fig, ax = plt.subplots(figsize=(5, 3.3))
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
        ax.axvline(reference, ls=":", color="k", lw=1, label="paper's alpha")
    if log_x:
        ax.set_xscale("log")
    ax.set_xlabel("alpha")
    ax.set_ylabel(ylabel)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def per_epoch(curves: dict, ylabel: str):
    """One line per entry of curves (label -> values after each epoch)."""
    fig, ax = plt.subplots(figsize=(5, 3))
    for label, curve in curves.items():
        ax.plot(np.arange(1, len(curve) + 1), curve, label=str(label))
    ax.set_xlabel("epoch")
    ax.set_ylabel(ylabel)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def by_epoch_per_temperature(table, key, ylabel):
    """One panel per temperature: `key` ± `key`_error of table's rows against their epoch."""
    temperatures = sorted(table["T"].unique())
    fig, axes = plt.subplots(1, len(temperatures), figsize=(2.2 * len(temperatures), 2.6), sharex=True, squeeze=False)
    for ax, T in zip(axes[0], temperatures):
        rows = table[table["T"] == T]
        ax.errorbar(rows["epoch"], rows[key], yerr=rows[f"{key}_error"], marker="o", ms=3, capsize=2)
        ax.set_title(f"T = {T:.4g}", fontsize=9)
        ax.set_xlabel("epoch")
    axes[0, 0].set_ylabel(ylabel)
    fig.tight_layout()
    return fig


def by_temperature(table, key, ylabel, T_c):
    """Mean and standard error over seeds of `key` against the data's temperature, one line
    per (penalty, alpha); T_c dotted."""
    fig, ax = plt.subplots(figsize=(5, 3.3))
    for (penalty, alpha), rows in table.groupby(["penalty", "alpha"], sort=False):
        stats = over_seeds(rows, "T", key)
        label = "no penalty" if penalty == "none" else f"{penalty.upper()} {alpha:g}"
        ax.errorbar(stats.index, stats["mean"], yerr=stats["error"], marker="o", ms=4, capsize=2, label=label)
    ax.axvline(T_c, ls=":", color="k", lw=1, label="$T_c$")
    ax.set_xlabel("temperature of the data")
    ax.set_ylabel(ylabel)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def flow_panels(table, panels: dict, references: dict):
    """Estimated temperature against flow step, one panel per entry of panels (title ->
    (method, hidden)), one line per starting temperature T0 (coloured cold to hot);
    references (label -> T) dashed and dotted."""
    fig, axes = plt.subplots(1, len(panels), figsize=(3.6 * len(panels), 3.4), sharey=True, squeeze=False)
    T0s = np.sort(table["T0"].unique())
    colours = plt.cm.viridis(np.linspace(0, 1, len(T0s)))
    for ax, (title, (method, hidden)) in zip(axes[0], panels.items()):
        rows = table[(table["method"] == method) & (table["hidden"] == hidden)]
        for T0, colour in zip(T0s, colours):
            line = rows[rows["T0"] == T0].sort_values("step")
            ax.plot(line["step"] + 1, line["T"], color=colour, lw=1, ms=2, marker="o")
        for (label, T), style in zip(references.items(), ("--", ":")):
            ax.axhline(T, ls=style, color="k", lw=1, label=label)
        if rows["step"].max() > 10:
            ax.set_xscale("log")
            ax.set_xlabel("step + 1")
        else:
            ax.set_xticks(np.arange(rows["step"].max() + 1) + 1)
            ax.set_xlabel("step + 1")
        ax.set_yscale("log")
        ax.set_title(title, fontsize=10)
    axes[0, 0].set_ylabel("estimated temperature")
    axes[0, 0].legend(fontsize=7)
    fig.tight_layout()
    return fig


def flow_endpoints(ends, references: dict):
    """Temperature at the end of each RBM flow against the starting temperature T0, from
    analysis.flow_ends (rows (method, hidden), columns T0); the diagonal (no flow) in grey."""
    fig, ax = plt.subplots(figsize=(5.2, 3.6))
    T0 = ends.columns.to_numpy(float)
    ax.plot(T0, T0, color="0.7", lw=3, label="start")
    for (method, hidden), row in ends.iterrows():
        ax.plot(T0, row.to_numpy(float), marker="o", ms=3, lw=1,
                label=f"{int(hidden)} hidden, {method.removeprefix('rbm ')}")
    for (label, T), style in zip(references.items(), ("--", ":")):
        ax.axhline(T, ls=style, color="k", lw=1, label=label)
    ax.set_yscale("log")
    ax.set_xlabel("starting temperature $T_0$")
    ax.set_ylabel("temperature at the end of the flow")
    ax.legend(fontsize=7, ncol=2)
    fig.tight_layout()
    return fig
