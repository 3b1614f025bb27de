"""How the book prints numbers and tables, in one place.

A value with an error is rounded by the Particle Data Group's rule: the error keeps two
significant figures when its three leading digits are 100-354, one when they are 355-949, and
is rounded up to two (1.0 of the next decade) when they are 950-999; the value keeps the same
decimal place. Negative numbers get a true minus sign. Tables become Markdown pipe tables, which
Quarto renders natively in both formats; in them the spaces around "±" and "×" are non-breaking,
so a value and its error stay on one line, and numeric columns are right-aligned (text columns
left-aligned), so that digits of the same place line up. (Prose keeps plain spaces: Quarto prints an inline
expression's plain-text repr, in which Python escapes a no-break space as "\\xa0".)
"""

from __future__ import annotations

import math
import re

import numpy as np

NBSP = "\u00a0"
MINUS = "\u2212"
DASH = "\u2014"  # printed for a missing value (NaN)

# Column names of the package's tables -> headers a reader understands.
HEADERS = {
    "T": "T", "penalty": "penalty", "alpha": "α", "seed": "seed", "layer": "layer", "units": "units",
    "block": "block b", "hidden": "hidden units", "epochs": "epochs", "algorithm": "algorithm",
    "locality": "locality", "locality_block": "block's locality",
    "participation": "participation", "participation_block": "block's participation",
    "reconstruction_error": "reconstruction MSE", "nn_correlation": "NN correlation",
    "sparsity": "fraction $\\lvert w\\rvert{<}10^{-3}$", "pseudo_likelihood": "pseudo-likelihood",
    "log_likelihood": "log-likelihood (nats)", "kl": "KL (nats)",
    "abs_m_blocks": "blocks' ⟨|m|⟩", "abs_m_hidden": "units' ⟨|m|⟩",
    "nn_blocks": "blocks' NN corr.", "nn_hidden": "units' NN corr.",
    "best_match": "best match", "blocks_matched": "blocks matched",
}
PENALTIES = {"l1": "L1", "l2": "L2", "none": "none"}


def _signed(text: str) -> str:
    return text.replace("-", MINUS)


def _rounded_error(error: float) -> tuple[int, float]:
    """(decimal places, rounded value) of `error` (> 0) by the PDG rule; negative places mean
    tens, hundreds... The rule reads the three leading digits: 100-354 keep two figures, 355-949
    one, and 950-999 round up to 1.0 of the next decade (shown with two figures there), which is
    set explicitly: round() on the binary value of, e.g., 0.95 (just below it) would give 0.9."""
    exponent = math.floor(math.log10(error))
    leading = round(error / 10 ** (exponent - 2))
    if leading >= 1000:  # 999.6 rounds up a decade
        exponent, leading = exponent + 1, 100
    if leading >= 950:
        return -exponent, 10.0 ** (exponent + 1)
    decimals = 1 - exponent if leading <= 354 else -exponent
    return decimals, round(error, decimals)


def _fixed(x: float, decimals: int) -> str:
    rounded = round(x, decimals) + 0.0  # + 0.0 turns -0.0 into 0.0
    return _signed(f"{rounded:.{max(decimals, 0)}f}")


RELATIVE_NOISE = 1e-12  # an error this small relative to its value is double-precision rounding


def pm(value, error=None) -> str:
    """'value ± error' rounded by the PDG rule, with no-break spaces around ± (a Math string);
    pm((value, error)) also works. A zero error prints the value alone (four significant
    figures), and so does an error below RELATIVE_NOISE of the value (the rounding noise of a
    spread between equal numbers, not an uncertainty); a NaN prints a dash."""
    if error is None:
        value, error = value
    value, error = float(value), float(error)
    if math.isnan(value) or math.isnan(error):
        return DASH
    if error <= RELATIVE_NOISE * abs(value):
        return num(value)
    d, shown = _rounded_error(abs(error))
    return Math(f"{_fixed(value, d)}{NBSP}±{NBSP}{_fixed(shown, d)}")


def num(x, decimals: int | None = None, sig: int = 4) -> str:
    """A number with a true minus sign: `decimals` fixed places, or else `sig` significant
    figures (integers print whole, NaN as a dash)."""
    if isinstance(x, (int, np.integer)):
        return _signed(f"{x:,}" if abs(x) >= 10_000 else f"{x}")
    x = float(x)
    if math.isnan(x):
        return DASH
    if decimals is not None:
        return _fixed(x, decimals)
    if x == 0:
        return "0"
    if x.is_integer() and abs(x) < 10**sig:
        return _signed(f"{int(x)}")
    text = _fixed(x, sig - 1 - math.floor(math.log10(abs(x))))
    return text.rstrip("0").rstrip(".") if "." in text else text


class Math(str):
    """Text for Markdown: TeX math ($...$) or no-break spaces. Jupyter shows it as Markdown, so a
    Quarto inline expression that returns it renders the math (and keeps the no-break spaces)
    instead of printing escaped TeX or "\\xa0"; matplotlib's mathtext and fmt.table's Markdown
    cells read it as it is. (Joining Math strings gives a plain str: wrap the result in Math again.)"""

    def _repr_markdown_(self):
        return str(self)


def listing(items) -> Math:
    """Items as prose: 'a', 'a and b', 'a, b and c' (Math, so items with TeX or no-break spaces render)."""
    items = [str(x) for x in items]
    return Math(" and ".join(items) if len(items) < 3 else ", ".join(items[:-1]) + " and " + items[-1])


def pm_at(stats, key, mean: str = "mean", error: str = "error") -> str:
    """pm of one row of a table of means and errors: row `key`, columns `mean` and `error`
    (analysis.over_seeds names them so): pm_at(stats, ("l1", 1e-3, 2.451))."""
    return pm(stats.loc[key, mean], stats.loc[key, error])


def t_test(result: dict) -> Math:
    """analysis.welch's result as 'difference ± error (t = .., ν = .. degrees of freedom, p = ..)'."""
    p = result["p"]
    p_text = f"{NBSP}={NBSP}{p:.2g}" if p >= 1e-3 else f"{NBSP}<{NBSP}0.001"
    t_text = _signed(f"{result['t']:.1f}")
    return Math(f"{pm(result['difference'], result['error'])} (Welch's t{NBSP}={NBSP}{t_text}, "
                f"{result['dof']:.1f} degrees of freedom, p{p_text})")


def from_to(before, after) -> Math:
    """Two (value, error) pairs as 'a ± e to b ± f': a change between two measurements."""
    return Math(f"{pm(*before)} to {pm(*after)}")


def change(x: float, decimals: int) -> str:
    """A difference with its sign always shown: +1.2, −0.3, 0.0."""
    text = num(x, decimals)
    return text if text.startswith(MINUS) or float(text) == 0 else "+" + text


def power10(x: float) -> Math:
    """A positive number as math, '$a \\times 10^{n}$' (or '$10^{n}$' when a = 1):
    0.0002 -> '$2 \\times 10^{-4}$'."""
    if x == 0:
        return Math("$0$")
    exponent = math.floor(math.log10(abs(x)) + 1e-12)
    mantissa = x / 10**exponent
    power = f"10^{{{exponent}}}"
    return Math(f"${power}$" if abs(mantissa - 1) < 1e-9 else f"${mantissa:g} \\times {power}$")


def sci(x: float, digits: int = 2) -> Math:
    """A number in scientific notation as math, '$-7 \\times 10^{-14}$', with `digits` significant
    figures ('$0$' for zero; plain figures between 0.01 and 1000): for quantities that span
    many decades."""
    if isinstance(digits, bool) or not isinstance(digits, int) or digits < 1:
        raise ValueError(f"digits must be an integer >= 1 (significant figures), got {digits!r}")
    if x == 0 or math.isnan(x):
        return Math("$0$" if x == 0 else DASH)
    if 0.01 <= abs(x) < 1000:
        return Math(num(x, sig=digits))
    exponent = math.floor(math.log10(abs(x)))
    mantissa = round(x / 10**exponent, digits - 1)
    if abs(mantissa) >= 10:
        mantissa, exponent = mantissa / 10, exponent + 1
    return Math(f"${mantissa:.{digits - 1}f} \\times 10^{{{exponent}}}$")


def penalty(name: str, alpha: float | None = None) -> Math:
    """'L1 at $2 \\times 10^{-4}$', 'L2 at $10^{-3}$' or 'none'."""
    label = PENALTIES.get(name, name)
    return Math(label if name == "none" or alpha is None else f"{label} at {power10(alpha)}")


def pm_cell(tables, name, row, column) -> str:
    """pm of the (value, error) cell tables[name].loc[row, column]: one cell of one of several
    tables of the same layout, e.g. one network summary per penalty, by layer."""
    return pm(tables[name].loc[row, column])


def pm_in_errors(pair) -> Math:
    """A (difference, error) pair (analysis.difference) as 'd ± e (k standard errors)', with
    k = |d| / e to one decimal: how many combined standard errors separate two measurements."""
    d, e = pair
    return Math(f"{pm(d, e)} ({num(abs(d) / e, 1)} standard errors)")


def clipped_temperature(T: float, bounds=(0.5, 50.0)) -> str:
    """A temperature estimate to two decimals, or '≤ 0.5' / '≥ 50' at or beyond the ends of the
    range it was clipped to (bounds: exact.temperature_from_energy's T_range)."""
    low, high = bounds
    return f"≤ {low:g}" if T <= low else f"≥ {high:g}" if T >= high else f"{T:.2f}"


def flows_among(flows, total: int) -> str:
    """Some of the RBM flows of an analysis.flow_ends table, given as (method, hidden) row keys,
    as prose: '2 of the 6 RBM flows (16 hidden units, mean-field; 64 hidden units, sampled)', or
    'none of the 6 RBM flows'."""
    names = [f"{int(hidden)} hidden units, {method.removeprefix('rbm ')}" for method, hidden in flows]
    return f"{len(names)} of the {total} RBM flows ({'; '.join(names)})" if names else f"none of the {total} RBM flows"


def cell(x, format=None) -> str:
    """x as a table cell or in prose: by `format` if given; a (value, error) pair by pm; a bool
    as yes/no; a number by num."""
    if format is not None:
        return format(x)
    if isinstance(x, str):
        return x.replace("|", "\\|")
    if isinstance(x, tuple) and len(x) == 2:
        return pm(x)
    if isinstance(x, (bool, np.bool_)):
        return "yes" if x else "no"
    return num(x).replace("|", "\\|")


ALGORITHMS = {"metropolis": "Metropolis", "swendsen-wang": "Swendsen-Wang", "wolff": "Wolff"}
FORMATS = {"alpha": lambda a: "0" if a == 0 else power10(a), "penalty": lambda p: PENALTIES.get(p, p),
           "T": lambda T: num(T, 3), "algorithm": lambda a: ALGORITHMS.get(a, a)}


# A cell's text that reads as a number: figures with an optional sign, error, power of ten or
# percent, as num, pm, power10 and sci print them (TeX math included); a dash is a missing number.
_NUMBER = re.compile(r"^[−+-]?(\d[\d,]*(\.\d*)?|\.\d+)(\s*±\s*(\d[\d,]*(\.\d*)?|\.\d+))?\s*%?$")
_MATH_NUMBER = re.compile(r"^\$[−+\-\d.\s]*(\\times\s*)?10\^\{[−+\-]?\d+\}\$$")


def _is_number(value, text: str) -> bool:
    """Whether a cell holds a number: a real number (not a bool), a (value, error) pair, or text
    that reads as one."""
    if isinstance(value, (bool, np.bool_)):
        return False
    if isinstance(value, (int, float, np.integer, np.floating)):
        return True
    if isinstance(value, tuple) and len(value) == 2:
        return all(isinstance(v, (int, float, np.integer, np.floating)) for v in value)
    text = text.replace(NBSP, " ").strip()
    return bool(_NUMBER.match(text) or _MATH_NUMBER.match(text))


def _numeric_column(values, texts) -> bool:
    """A column is numeric when every cell that is not a dash (a missing value) holds a number,
    and at least one does."""
    cells = [(v, t) for v, t in zip(values, texts) if t.strip() not in (DASH, "")]
    return bool(cells) and all(_is_number(v, t) for v, t in cells)


def table(df, index: bool = True, headers: dict | None = None, formats: dict | None = None):
    """A pandas DataFrame as a Markdown pipe table (an IPython Markdown object). Cells that are
    (value, error) pairs print with pm, numbers with num, strings as they are, unless
    `formats` (after FORMATS) maps the column to a function; column names go through HEADERS
    (then `headers`); the index's levels become the first columns. Numeric columns (every
    cell a number, a (value, error) pair or text that reads as a number) are right-aligned
    (`---:`), the others left-aligned (`:---`)."""
    from IPython.display import Markdown

    names, formats = HEADERS | (headers or {}), FORMATS | (formats or {})
    frame = df.reset_index() if index else df
    columns = [str(c) for c in frame.columns]
    header = [names.get(c, c) for c in columns]
    values = list(frame.itertuples(index=False))
    rows = [[cell(x, formats.get(c)).replace(" ± ", f"{NBSP}±{NBSP}").replace(" × ", f"{NBSP}×{NBSP}")
             for x, c in zip(row, columns)] for row in values]
    numeric = [_numeric_column([row[k] for row in values], [r[k] for r in rows]) for k in range(len(columns))]
    # Pandoc sizes a wide pipe table's columns by the dashes under the header: make them
    # proportional to each column's longest entry (the header's longest word counts too).
    widths = [max([len(w) for w in h.split()] + [len(r[k]) for r in rows]) for k, h in enumerate(header)]
    # The alignment colon replaces the last or first dash, so the widths stay as measured.
    rule = ["-" * (max(w, 3) - 1) + ":" if right else ":" + "-" * (max(w, 3) - 1) for w, right in zip(widths, numeric)]
    lines = ["| " + " | ".join(h.replace("|", "\\|") for h in header) + " |", "|" + "|".join(rule) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return Markdown("\n".join(lines))
