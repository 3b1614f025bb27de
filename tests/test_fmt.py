"""The book's number formatting: the PDG rounding rule, signs, dashes and tables."""

import math

import pandas as pd
import pytest

from deeprg import fmt

S = N = fmt.NBSP


@pytest.mark.parametrize("value, error, text", [
    (0.4237, 0.0123, f"0.424{S}±{S}0.012"),      # leading digits 123: two figures
    (0.4237, 0.0456, f"0.42{S}±{S}0.05"),        # 456: one figure
    (0.5, 0.0097, f"0.500{S}±{S}0.010"),         # 970: rounds up a decade, two figures
    (1835.2, 43.7, f"1840{S}±{S}40"),            # errors above ten round the value to tens
    (0.7123, 0.00004, f"0.71230{S}±{S}0.00004"),  # never "± 0.000"
    (-1.15153, 0.00031, f"{fmt.MINUS}1.15153{S}±{S}0.00031"),
])
def test_pm_rounds_by_the_pdg_rule(value, error, text):
    assert fmt.pm(value, error) == text
    assert fmt.pm((value, error)) == text


# The PDG rule at each boundary of the three leading digits, in several decades: 354 keeps two
# figures, 355 one; 949 one; 950 and above round up to 1.0 of the next decade (two figures).
@pytest.mark.parametrize("value, error, text", [
    (1.0, 0.000354, f"1.00000{S}±{S}0.00035"),
    (1.0, 0.000355, f"1.0000{S}±{S}0.0004"),
    (1.0, 0.0354, f"1.000{S}±{S}0.035"),
    (1.0, 0.0355, f"1.00{S}±{S}0.04"),
    (10.0, 3.54, f"10.0{S}±{S}3.5"),
    (10.0, 3.55, f"10{S}±{S}4"),
    (100.0, 35.4, f"100{S}±{S}35"),
    (100.0, 35.5, f"100{S}±{S}40"),
    (1234.0, 354.0, f"1230{S}±{S}350"),
    (1234.0, 355.0, f"1200{S}±{S}400"),
    (1.0, 0.0949, f"1.00{S}±{S}0.09"),
    (1.0, 0.0950, f"1.00{S}±{S}0.10"),
    (1.0, 0.0999, f"1.00{S}±{S}0.10"),
    (1.0, 0.09996, f"1.00{S}±{S}0.10"),
    (10.0, 9.49, f"10{S}±{S}9"),
    (10.0, 9.996, f"10{S}±{S}10"),
    (5000.0, 949.0, f"5000{S}±{S}900"),
    (5000.0, 950.0, f"5000{S}±{S}1000"),
    (5000.0, 999.6, f"5000{S}±{S}1000"),
    (1.0, 0.00999, f"1.000{S}±{S}0.010"),
    (1.0, 0.0095, f"1.000{S}±{S}0.010"),  # binary value just below 0.0095: still 950
    (1.0, 0.95, f"1.0{S}±{S}1.0"),
])
def test_pm_at_the_pdg_boundaries(value, error, text):
    assert fmt.pm(value, error) == text


def test_pm_without_an_error_or_with_nan():
    assert fmt.pm(3.14159, 0) == "3.142"
    assert fmt.pm(math.nan, math.nan) == fmt.DASH
    # the spread of two equal numbers is rounding noise, not an error; just above it, an error
    assert fmt.pm(0.983639359622705212, 6e-18) == "0.9836"
    assert fmt.pm(1.0, 2e-12) == "1.0000000000000\xa0±\xa00.0000000000020"


def test_num_and_power10():
    assert fmt.num(2.2691853) == "2.269"
    assert fmt.num(2.0) == "2"
    assert fmt.num(20000) == "20,000"
    assert fmt.num(-0.5, decimals=2) == f"{fmt.MINUS}0.50"
    assert fmt.power10(2e-4) == "$2 \\times 10^{-4}$"
    assert fmt.power10(1e-3) == "$10^{-3}$"
    assert fmt.penalty("l1", 2e-4) == "L1 at $2 \\times 10^{-4}$" and fmt.penalty("none", 0.0) == "none"
    assert fmt.power10(1e-3)._repr_markdown_() == "$10^{-3}$"  # Quarto renders it as math


def test_table_is_a_pipe_table_with_readable_headers():
    df = pd.DataFrame({"penalty": ["l1", "none"], "alpha": [2e-4, 0.0], "locality": [(0.3, 0.01), (0.02, 0.001)]})
    lines = fmt.table(df, index=False).data.splitlines()
    assert lines[0] == "| penalty | α | locality |"
    # dashes as wide as the widest entry; text columns left-aligned, numeric ones right-aligned
    assert lines[1] == "|:------|-----------------:|--------------:|"
    assert lines[2] == f"| L1 | $2 \\times 10^{{-4}}$ | 0.300{N}±{N}0.010 |"  # no line break inside a value
    assert lines[3] == f"| none | 0 | 0.0200{N}±{N}0.0010 |"


def test_inline_strings_render_as_markdown_or_have_printable_reprs():
    """Quarto prints an inline expression's plain repr unless it renders as Markdown: a value
    with no-break spaces or TeX must be Markdown, and plain numbers need no escapes."""
    for text in (fmt.pm(0.4237, 0.0123), fmt.power10(1e-3), fmt.sci(1e-9)):
        assert text._repr_markdown_() == text
    for text in (fmt.num(-1.5), fmt.change(0.5, 1)):
        assert repr(text)[1:-1] == text


def test_no_negative_zero_and_signed_changes():
    assert fmt.num(-0.04, 1) == "0.0"
    assert fmt.change(-0.04, 1) == "0.0"
    assert fmt.change(0.6, 1) == "+0.6" and fmt.change(-42.8, 1) == f"{fmt.MINUS}42.8"


def test_sci_for_quantities_spanning_decades():
    assert fmt.sci(2.445e-4) == "$2.4 \\times 10^{-4}$"
    assert fmt.sci(2.445e-1) == "0.24"  # plain figures where they read well
    assert fmt.sci(-7.04e-14, 1) == "$-7 \\times 10^{-14}$"
    assert fmt.sci(9.96e-3) == "$1.0 \\times 10^{-2}$"  # rounding carries into the exponent
    assert fmt.sci(0.0) == "$0$"
    assert fmt.sci(1e-6, 1) == "$1 \\times 10^{-6}$"
    with pytest.raises(ValueError, match="digits must be an integer >= 1.*got 0"):
        fmt.sci(1e-6, 0)


def test_table_right_aligns_numeric_columns_and_left_aligns_text():
    """Numbers, (value, error) pairs, powers of ten and text that reads as a number align right
    (a dash for a missing value does not make a column text); names and yes/no align left."""
    df = pd.DataFrame({"name": ["a", "b", "c"], "n": [1, 20, 300], "x": [0.5, math.nan, -2.25],
                       "pm": [(0.3, 0.01), (0.02, 0.001), (1.0, 0.5)], "flag": [True, False, True],
                       "text": ["0.5 ± 0.1", "12", "−3"], "mixed": ["1", "two", "3"]})
    rule = fmt.table(df, index=False).data.splitlines()[1].strip("|").split("|")
    right = [r.endswith(":") and not r.startswith(":") for r in rule]
    assert right == [False, True, True, True, False, True, False]
    assert all(r.startswith(":") for r, is_right in zip(rule, right) if not is_right)
    # the index's levels are columns like the others
    indexed = fmt.table(pd.DataFrame({"locality": [(0.3, 0.01)]}, index=pd.Index([1], name="layer")))
    assert indexed.data.splitlines()[1] == "|----:|------------:|"


def test_t_test_prints_difference_t_dof_and_p():
    text = fmt.t_test({"difference": 52.3, "error": 16.1, "t": 3.25, "dof": 3.4, "p": 0.0391})
    assert text == f"52{S}±{S}16 (Welch's t{S}={S}3.2, 3.4 degrees of freedom, p{S}={S}0.039)"
    assert fmt.t_test({"difference": 1.0, "error": 0.1, "t": 10.0, "dof": 4.0, "p": 0.00012}).endswith(f"p{S}<{S}0.001)")


def test_listing_joins_items_as_prose():
    assert fmt.listing([]) == "" and fmt.listing(["a"]) == "a" and fmt.listing([1, 2]) == "1 and 2"
    assert fmt.listing(["17", "10", "1"]) == "17, 10 and 1"
    assert hasattr(fmt.listing(["$T_c$", "1\xa0±\xa02"]), "_repr_markdown_")  # inline TeX renders


def test_pm_at_prints_one_row_of_a_table_of_means_and_errors():
    stats = pd.DataFrame({"mean": [0.51, 0.1], "error": [0.01 / math.sqrt(3), 0.0234]},
                         index=pd.MultiIndex.from_tuples([("l1", 1e-3), ("none", 0.0)]))
    assert fmt.pm_at(stats, ("l1", 1e-3)) == f"0.510{S}±{S}0.006"
    assert fmt.pm_at(stats, ("none", 0.0)) == f"0.100{S}±{S}0.023"
    long = pd.DataFrame({"locality": [0.2346], "locality_error": [0.0123]}, index=pd.Index([2.0], name="T"))
    assert fmt.pm_at(long, 2.0, "locality", "locality_error") == f"0.235{S}±{S}0.012"


def test_pm_cell_reads_one_cell_of_one_table():
    tables = {"L1": pd.DataFrame({"locality": [(0.4237, 0.0123), (0.5, 0.0097)]}, index=[1, 3]),
              "none": pd.DataFrame({"locality": [(0.1, 0.02), (0.2, 0.03)]}, index=[1, 3])}
    assert fmt.pm_cell(tables, "L1", 3, "locality") == f"0.500{S}±{S}0.010"
    assert fmt.pm_cell(tables, "none", 1, "locality") == f"0.100{S}±{S}0.020"


def test_pm_in_errors_counts_standard_errors():
    assert fmt.pm_in_errors((0.3, 0.1)) == f"0.30{S}±{S}0.10 (3.0 standard errors)"
    assert fmt.pm_in_errors((-0.0456, 0.0123)) == f"{fmt.MINUS}0.046{S}±{S}0.012 (3.7 standard errors)"
    assert isinstance(fmt.pm_in_errors((1.0, 1.0)), fmt.Math)


def test_clipped_temperature_shows_the_clip_as_a_bound():
    assert fmt.clipped_temperature(2.2692) == "2.27"
    assert fmt.clipped_temperature(0.5) == fmt.clipped_temperature(0.3) == "≤ 0.5"
    assert fmt.clipped_temperature(50.0) == "≥ 50" and fmt.clipped_temperature(49.994) == "49.99"
    assert fmt.clipped_temperature(0.51) == "0.51"
    assert fmt.clipped_temperature(7.0, bounds=(1.0, 6.0)) == "≥ 6"


def test_flows_among_names_the_flows():
    flows = [("rbm mean-field", 16.0), ("rbm sampled", 64.0)]
    assert fmt.flows_among(flows, 6) == "2 of the 6 RBM flows (16 hidden units, mean-field; 64 hidden units, sampled)"
    assert fmt.flows_among([], 6) == "none of the 6 RBM flows"


def test_from_to_joins_two_measurements():
    assert fmt.from_to((303.51, 1.63), (290.2, 0.7)) == "303.5\xa0±\xa01.6 to 290.2\xa0±\xa00.7"
