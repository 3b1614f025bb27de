"""The verdicts the prose states, each from numbers of known answer."""

import pytest

from deeprg import fmt, verdicts
from deeprg.analysis import Peak

S = fmt.NBSP


def test_peak_margin_prints_the_peak_and_its_margin_or_the_edge():
    text = verdicts.peak_margin(Peak(3.0, 0.5, 0.03, 5.547))
    assert text == f"0.500{S}±{S}0.030, 5.5 standard errors above the nearer of its neighbours on the grid"
    assert isinstance(text, fmt.Math)
    assert verdicts.peak_margin(Peak(3.0, 0.5, 0.03, None)) == "at the edge of the grid"


def test_below_control_names_the_settings_or_the_largest_margin():
    found = [("l1", 1e-3, 2.269185), ("l2", 1e-3, 3.0)]
    assert verdicts.below_control(found, (6.0, found[0])) == (
        "By four combined standard errors, only L1 at $10^{-3}$ at $T$ = 2.269, L2 at $10^{-3}$ at $T$ = 3.000 "
        "lower the KL below the control.")
    assert verdicts.below_control([], (2.345, ("l1", 2e-4, 2.451))) == (
        "No setting lowers the KL below the control by four combined standard errors; the largest margin is "
        "2.3 (L1 at $2 \\times 10^{-4}$, $T$ = 2.451).")
    assert "by three combined" in verdicts.below_control([], (1.0, ("none", 0.0, 2.0)), n_sigma=3)
    assert "By 2.5 combined" in verdicts.below_control(found, (6.0, found[0]), n_sigma=2.5)


@pytest.mark.parametrize("sides, text", [
    ([1, 1, 1, 1], "all better than coins"),
    ([-1, -1, -1, -1], "all worse than coins"),
    ([1, 0, 0, -1], "1 better than coins, 1 worse than coins and 2 indistinguishable from coins"),
    ([1, 0, 1, 1], "3 better than coins and 1 indistinguishable from coins"),
    ([0, 0], "2 indistinguishable from coins"),
])
def test_tally_counts_the_sides(sides, text):
    assert verdicts.tally(sides) == text
    assert verdicts.tally(iter(sides)) == text  # dict values or any iterable


def test_better_than_lists_the_better_settings_and_flags_unreliable_ones():
    sides = {("none", 0.0, 3.0): 0, ("l1", 1e-3, 3.0): 1, ("l2", 1e-3, 3.0): 1, ("l1", 2e-4, 3.0): -1}
    assert verdicts.better_than(sides, {("l2", 1e-3, 3.0), ("l1", 2e-4, 3.0)}) == (
        "better: L1 at $10^{-3}$; better: L2 at $10^{-3}$, whose AIS estimate is unreliable")
    assert verdicts.better_than(sides) == "better: L1 at $10^{-3}$; better: L2 at $10^{-3}$"
    assert verdicts.better_than(dict.fromkeys(sides, 0)) == "none better"


def test_favoured_sign_per_seed():
    assert verdicts.favoured_sign([-10.0, -11.0, -9.0], [-50.0, -60.0, -55.0]) == "all seeds: m > 0"
    assert verdicts.favoured_sign([-60.0, -70.0], [-50.0, -40.0]) == "all seeds: m < 0"
    assert verdicts.favoured_sign([-10.0, -70.0, -5.0], [-50.0, -60.0, -5.0]) == "m > 0, m < 0, m < 0"  # a tie: m < 0


@pytest.mark.parametrize("stay, cross, text", [
    (0.95, 0.97, "has one state: its chains end with m > 0 whatever their start"),
    (0.05, 0.02, "has one state: its chains end with m < 0 whatever their start"),
    (0.95, 0.05, "keeps both states: its chains stay in the state they start in"),
    (0.5, 0.5, "lets chains cross from one state to the other"),
    (0.9, 0.95, "lets chains cross from one state to the other"),  # 0.9 is not above 0.9
    (0.99, 0.1, "lets chains cross from one state to the other"),  # nor 0.1 below 0.1
])
def test_chains_reads_the_fractions_ending_with_m_above_zero(stay, cross, text):
    assert verdicts.chains(stay, cross) == text
