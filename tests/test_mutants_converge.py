"""deeprg.converge: cases that kill mutants the other tests let survive (mutation/run.py, code/MUTATION.md)."""

import numpy as np
import pandas as pd
import pytest

from deeprg import analysis, converge, exact, experiments, sweep
from deeprg.store import Store


@pytest.mark.parametrize("gap, verdict", [(0.5, "open"), (-0.5, "crossed")])
def test_a_bracket_is_open_or_crossed_by_the_sign_of_a_gap_of_any_size(gap, verdict):
    """The verdict reads the gap in combined errors, not in nats: half a nat with errors of 0.01 is decisive."""
    assert converge.bracket({"kl_bracket_rows": [100.0, 0.01, 100.0 + gap, 0.01]})["verdict"] == verdict


def test_a_quiet_run_prints_nothing(tmp_path, capsys):
    """progress=False: no progress bar on stderr (the book's cells and the tests call it so)."""
    converge.train(T=2.451, seed=0, store=Store(tmp_path), progress=False, L=4, n_samples=1000,
                   recipe={"n_components": 4, "batch_size": 50},
                   schedule={"check_every": 2, "max_epochs": 4, "decay_epochs": 10})
    assert capsys.readouterr().err == ""


def test_comparison_reads_each_reference_run_at_its_best_check():
    """From the committed runs: per temperature, the PCD-10 reference is the mean and standard
    error over seeds of the KL of each run's best check, the count of runs, and whether the rule
    stopped them all; the 200-epoch CD-1 entry is the paper's L1 run with its AIS error; the
    two-state mixture is fitted in the ordered phase only."""
    table = converge.comparison()
    runs = converge.finished()
    long = analysis.with_kl(sweep.paper_epochs_by_temperature(converge.TEMPERATURES, progress=False))
    for T in converge.TEMPERATURES:
        mine = runs[np.isclose(runs["T"], T)]
        best = mine.loc[mine.groupby("seed")["log_likelihood"].idxmax()]
        row = table.loc[T]
        assert row["reference runs"] == len(best) > 1
        assert row["PCD-10 reference"] == pytest.approx(analysis.mean_and_error(best["kl"]))
        assert row["all stopped by the rule"] == bool(best["converged"].all())
        paper = long[np.isclose(long["T"], T)].iloc[0]
        assert row["CD-1, 200 epochs, L1"] == pytest.approx((paper["kl"], paper["log_likelihood_error"]))
        assert np.isfinite(row["mixture"]) == (T == 2.0)


def test_field_comparison_has_the_columns_it_documents():
    got = converge.field_comparison((exact.T_C,))
    assert list(got.columns) == [*converge.FIELD_COLUMNS, "runs", "CD-1 none locality",
                                 "CD-1 200 epochs L1 locality", "best null", "below_nulls"]


def test_judged_runs_are_numbered_from_zero():
    runs = converge.judged_runs()
    assert set(runs["judged"]) == set(converge.JUDGED) and runs.index.equals(pd.RangeIndex(len(runs)))


def test_paper_evaluation_reads_the_stored_judgement_of_the_paper_first_layer():
    """The committed evaluation of the paper's L1 first layer (no training here): its KL is the
    sandwich's, AIS on all held-out rows, and lies between coins and zero."""
    arrays, info = converge.paper_evaluation("L1")
    assert set(info) >= {"kl", "kl_bracket_rows", "log_z", "locality"}
    coins = experiments.PAPER_L**2 * (np.log(2) - exact.entropy_per_spin(experiments.PAPER_L, experiments.PAPER_T))
    assert 0 < info["kl"][0] < coins
    with pytest.raises(ValueError, match="penalty must be one of"):
        converge.paper_evaluation("L3")


def test_train_finds_the_committed_runs_under_their_names():
    """The committed reference runs are found by train() itself, not only by finished(): with the
    store in probe mode (nothing may be computed) it returns the stored checks of seed 0."""
    from deeprg.store import PROBE

    token = PROBE.set(True)
    try:
        arrays, sidecar = converge.train(T=experiments.PAPER_T, seed=0, progress=False)
    finally:
        PROBE.reset(token)
    stored = converge.finished((experiments.PAPER_T,), (0,))
    np.testing.assert_array_equal(arrays["epoch"], stored["epoch"])
