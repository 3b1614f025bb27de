"""The inputs of the Preface's key figure (plots.key_findings), read from stored results only:
the book's findings in one place, each from the chapter that measures it."""

from __future__ import annotations

from . import converge, experiments, sizes
from .baselines import BASELINE_NAMES

# the top layer's block score beside its nulls (ch. measuring): the best positive one the Preface quotes first
SCORES = {"trained (L1)": "trained", "box, saturated": "box (sign)", "box, linear": "box",
          "random local": "random local", "PCA": "PCA", "untrained": "untrained"}
REFERENCES = ("coins", "strips_w1", "strips_w8", "mixture")


def key_figure(seed: int = 0) -> dict:
    """Keyword arguments of plots.key_findings:
    fields, the first layers of the paper's DBN with the L1 penalty and without (seed `seed`);
    scores, the mean best 8 x 8 block-spin score of the L1 top layer's units beside its nulls
    (sizes.penalty_sizes; (mean, error) over units);
    models, KL (nats per configuration) over the temperature study's T of the paper's training
    (CD-1, 20 epochs, L1; mean and error over seeds) and of the PCD-10 reference (converge.comparison)
    whose ordered-phase entry, where the mean of the best checks is not a measurement, is the AIS
    estimate of seed 0 from the two-state base (a stochastic lower bound of its KL);
    references, the exact or held-out baselines of REFERENCES by their BASELINE_NAMES."""
    dbns = experiments.penalty_dbns(seed=seed, progress=False)
    top = sizes.penalty_sizes()["blocks"].loc[("L1", 3)]
    table = converge.comparison()
    reference = table["PCD-10 reference"].copy()
    ordered = converge.reference_brackets(temperatures=(2.0,), base="two products")
    if len(ordered):
        reference[2.0] = (float(ordered.loc[2.0, "kl_ais"]), float(ordered.loc[2.0, "kl_ais_error"]))
    return {
        "fields": {"L1 (the paper's)": dbns["L1"].dbn.rbms[0].components_,
                   "no penalty": dbns["none"].dbn.rbms[0].components_},
        "scores": {label: top[key] for label, key in SCORES.items()},
        "models": {"paper's training (CD-1, 20 epochs, L1)": table["CD-1, 20 epochs, L1"],
                   "PCD-10 to a stopping rule": reference},
        "references": {BASELINE_NAMES[key]: table[key] for key in REFERENCES},
    }
