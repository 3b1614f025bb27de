"""deeprg.fmt: cases that kill mutants the other tests let survive (mutation/run.py, code/MUTATION.md).

Each expectation is what the docstrings state, worked out by hand; none is read off the code."""

import pandas as pd

from deeprg import fmt
from deeprg.fmt import DASH, NBSP


def test_pm_prints_a_dash_when_only_the_value_or_only_the_error_is_nan():
    assert fmt.pm(float("nan"), 0.1) == DASH
    assert fmt.pm(1.0, float("nan")) == DASH


def test_num_integers_get_thousands_separators_from_ten_thousand_on():
    assert fmt.num(1234) == "1234"
    assert fmt.num(9999) == "9999"
    assert fmt.num(10_000) == "10,000"
    assert fmt.num(-10_000) == "\u221210,000"


def test_num_floats_keep_four_significant_figures_and_drop_trailing_zeros():
    assert fmt.num(0.0) == "0"
    assert fmt.num(1.0) == "1"
    assert fmt.num(1.5) == "1.5"  # from 1.500
    assert fmt.num(1.00001) == "1"  # 1.000 -> "1." -> "1"
    assert fmt.num(12345.0) == "12340"  # a float is rounded to four figures (round half even)
    assert fmt.num(12345.6) == "12350"  # no decimal point: its zeros are figures, not decimals


def test_t_test_at_p_exactly_one_in_a_thousand_prints_it():
    text = fmt.t_test({"difference": 1.0, "error": 0.1, "t": 10.0, "dof": 20.0, "p": 1e-3})
    assert text.endswith(f"p{NBSP}={NBSP}0.001)")


def test_power10_of_zero_and_of_one():
    assert fmt.power10(0) == "$0$"
    assert fmt.power10(1.0) == "$10^{0}$"


def test_sci_nan_and_the_ends_of_the_plain_range():
    assert fmt.sci(float("nan")) == DASH
    assert fmt.sci(0.01) == "0.01"  # 0.01 <= |x| < 1000: plain figures
    assert fmt.sci(1000.0) == "$1.0 \\times 10^{3}$"


def test_penalty_passes_an_unknown_name_through():
    assert fmt.penalty("custom") == "custom"
    assert fmt.penalty("custom", 1e-3) == "custom at $10^{-3}$"


def lines(df, **kwargs):
    return fmt.table(df, index=False, **kwargs).data.split("\n")


def test_table_escapes_bars_in_cells_and_headers():
    out = lines(pd.DataFrame({"x": ["a|b"]}), headers={"x": "c|d"})
    assert out[0] == "| c\\|d |"
    assert out[2] == "| a\\|b |"


def test_table_prints_booleans_as_yes_and_no_left_aligned():
    out = lines(pd.DataFrame({"flag": [True, False]}))
    assert [out[2], out[3]] == ["| yes |", "| no |"]
    assert out[1] == "|:---|"  # width 4 ("flag"), text column


def test_table_rules_of_narrow_columns_have_three_characters():
    assert lines(pd.DataFrame({"x": [1, 2]}))[1] == "|--:|"  # numeric
    assert lines(pd.DataFrame({"a": ["b"]}))[1] == "|:--|"  # text


def test_table_empty_cells_do_not_make_a_column_text():
    assert lines(pd.DataFrame({"x": ["", 2.5]}))[1] == "|--:|"


def test_table_value_error_pairs_are_numeric_whatever_their_format_prints():
    out = lines(pd.DataFrame({"x": [(1.0, 0.5)]}), formats={"x": lambda p: f"{p[0]} (about {p[1]})"})
    assert out[1].endswith(":|")


def test_table_makes_spaces_around_plus_minus_and_times_unbreakable():
    out = lines(pd.DataFrame({"x": [2.0]}), formats={"x": lambda v: f"{v} ± 1 × 3"})
    assert out[2] == f"| 2.0{NBSP}±{NBSP}1{NBSP}×{NBSP}3 |"

