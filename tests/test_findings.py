"""The Preface's key figure reads the book's stored results, each from the chapter that measures it."""

import numpy as np

from deeprg import converge, experiments, findings, sizes


def test_key_figure_shows_the_stored_results_it_names():
    """The fields are the DBNs' first layers; the scores are the L1 top layer's block scores and
    nulls; the reference's ordered-phase entry is seed 0's AIS from the two-state base, the others
    converge.comparison's; the references are the baselines at every temperature."""
    inputs = findings.key_figure()
    dbns = experiments.penalty_dbns(seed=0, progress=False)
    np.testing.assert_array_equal(inputs["fields"]["L1 (the paper's)"], dbns["L1"].dbn.rbms[0].components_)
    np.testing.assert_array_equal(inputs["fields"]["no penalty"], dbns["none"].dbn.rbms[0].components_)
    top = sizes.penalty_sizes()["blocks"].loc[("L1", 3)]
    assert {label: top[key] for label, key in findings.SCORES.items()} == inputs["scores"]
    table = converge.comparison()
    reference = inputs["models"]["PCD-10 to a stopping rule"]
    ordered = converge.reference_brackets(temperatures=(2.0,), base="two products").loc[2.0]
    assert reference[2.0] == (ordered["kl_ais"], ordered["kl_ais_error"])
    for T in table.index[table.index > 2.0]:
        assert reference[T] == table.loc[T, "PCD-10 reference"]
    assert list(inputs["references"]) == ["fair coins", "independent rows", "8-row strips", "two-state mixture"]
    assert (inputs["references"]["fair coins"] == table["coins"]).all()
