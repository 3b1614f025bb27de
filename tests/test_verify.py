"""`make verify` (deeprg.verify) without Quarto: a mini-book whose frozen Markdown Quarto 1.11
wrote (copied below) comes out identical; altering a frozen inline value, table cell, printed
line or asis text, or dropping a figure, makes it fail and name what changed; a stale or missing
freeze is reported as such; and one real chapter matches its committed freeze."""

import json
import re
from pathlib import Path

import pytest

from deeprg import verify

ROOT = Path(__file__).resolve().parents[1]

CONFIG = """\
project:
  type: book
book:
  title: "Mini"
  chapters:
    - index.qmd
    - ch.qmd
execute:
  freeze: auto
  echo: true
jupyter: python3
format:
  html:
    code-fold: true
  typst:
    echo: false
"""

CHAPTER = r'''# Mini {#sec-mini}

```{python}
#| include: false
from IPython.display import Markdown
x = 0.1234
words = "a-b, c.d"

class Math(str):
    """Text that Jupyter shows as Markdown, as deeprg.fmt.Math."""
    def _repr_markdown_(self):
        return str(self)
```

The value is `{python} f"{x:.4f}"`, with its error `{python} Math(f"{x:.3f}\u00a0±\u00a00.010")`;
a count `{python} 3 + 4` and a phrase `{python} words`.

```{python}
#| label: tbl-mini
#| tbl-cap: "A small table."
Markdown("| a | b |\n|---|------|\n" + "\n".join(f"| {i} | {i * x:.4f} |" for i in (1, 2)))
```

```{python}
print("printed", x)
print("twice")
```

```{python}
#| label: fig-mini
#| fig-cap: "A small figure."
import matplotlib.pyplot as plt
fig, ax = plt.subplots(figsize=(2, 2))
ax.plot([0, 1])
```

```{python}
#| echo: false
#| output: asis
print(f"Raw **Markdown**, {x:.2f}.")
```

It ends with `{python} f"{2 * x:.3f}"`.
'''

# What `quarto render` (1.11) froze for CHAPTER: html.json's and typ.json's "markdown" (no-break
# spaces written as <NBSP>).
FROZEN_HTML = r"""# Mini {#sec-mini}


The value is 0\.1234, with its error 0.123<NBSP>±<NBSP>0.010;
a count 7 and a phrase a\-b\, c\.d.

::: {#tbl-mini .cell tbl-cap='A small table.' execution_count=2}
``` {.python .cell-code}
Markdown("| a | b |\n|---|------|\n" + "\n".join(f"| {i} | {i * x:.4f} |" for i in (1, 2)))
```

::: {.cell-output .cell-output-display .cell-output-markdown execution_count=2}
| a | b |
|---|------|
| 1 | 0.1234 |
| 2 | 0.2468 |
:::
:::


::: {#a3f27f1a .cell execution_count=3}
``` {.python .cell-code}
print("printed", x)
print("twice")
```

::: {.cell-output .cell-output-stdout}
```
printed 0.1234
twice
```
:::
:::


::: {#cell-fig-mini .cell execution_count=4}
``` {.python .cell-code}
import matplotlib.pyplot as plt
fig, ax = plt.subplots(figsize=(2, 2))
ax.plot([0, 1])
```

::: {.cell-output .cell-output-display}
![A small figure.](ch_files/figure-html/fig-mini-output-1.png){#fig-mini width=211 height=190}
:::
:::


Raw **Markdown**, 0.12.


It ends with 0\.247.

""".replace("<NBSP>", "\u00a0")

FROZEN_TYPST = r"""# Mini {#sec-mini}


The value is 0\.1234, with its error 0.123<NBSP>±<NBSP>0.010;
a count 7 and a phrase a\-b\, c\.d.

::: {#tbl-mini .cell tbl-cap='A small table.' execution_count=2}

::: {.cell-output .cell-output-display .cell-output-markdown execution_count=2}
| a | b |
|---|------|
| 1 | 0.1234 |
| 2 | 0.2468 |
:::
:::


::: {.cell execution_count=3}

::: {.cell-output .cell-output-stdout}
```
printed 0.1234
twice
```
:::
:::


::: {.cell execution_count=4}

::: {.cell-output .cell-output-display}
![A small figure.](ch_files/figure-typst/fig-mini-output-1.svg){#fig-mini}
:::
:::


Raw **Markdown**, 0.12.


It ends with 0\.247.

""".replace("<NBSP>", "\u00a0")

FROZEN = {"html": FROZEN_HTML, "typst": FROZEN_TYPST}
FIGURE_OUTPUT = {  # the figure's output div in each format
    "html": "::: {.cell-output .cell-output-display}\n![A small figure.](ch_files/figure-html/"
            "fig-mini-output-1.png){#fig-mini width=211 height=190}\n:::\n",
    "typst": "::: {.cell-output .cell-output-display}\n![A small figure.](ch_files/figure-typst/"
             "fig-mini-output-1.svg){#fig-mini}\n:::\n",
}


def write_freeze(book: Path, fmt: str, markdown: str, source: str = CHAPTER):
    path = verify.freeze_file(book, "ch.qmd", fmt)
    path.parent.mkdir(parents=True, exist_ok=True)
    result = {"engine": "jupyter", "markdown": markdown, "supporting": ["ch_files"], "filters": [], "includes": {}}
    path.write_text(json.dumps({"hash": verify.source_hash(source), "result": result}))


@pytest.fixture
def book(tmp_path):
    """The mini-book with its freeze, in a temporary folder."""
    (tmp_path / "_quarto.yml").write_text(CONFIG)
    (tmp_path / "index.qmd").write_text("# Home\n\nNo code here.\n")
    (tmp_path / "ch.qmd").write_text(CHAPTER)
    for fmt, markdown in FROZEN.items():
        write_freeze(tmp_path, fmt, markdown)
    return tmp_path


@pytest.fixture(scope="module")
def mini_run(tmp_path_factory):
    """The mini-book's folder and its chapter's items after one run of its cells."""
    folder = tmp_path_factory.mktemp("mini")
    (folder / "_quarto.yml").write_text(CONFIG)
    (folder / "ch.qmd").write_text(CHAPTER)
    items = verify.split(CHAPTER)
    verify.run(folder / "ch.qmd", items)
    return folder, items


def differences(run, alter=lambda fmt, md: md):
    """Differences between the run and the frozen Markdown of both formats after alter()."""
    folder, items = run
    found = []
    for fmt, markdown in FROZEN.items():
        found += verify.compare(items, alter(fmt, markdown), fmt, verify.execute_options(folder, fmt))
    return found


def test_split_follows_quarto_notebook_cells():
    items = verify.split(CHAPTER)
    assert [type(i).__name__ for i in items] == ["Prose", "Code", "Prose", "Code", "Code", "Code", "Code", "Prose"]
    cells = [i for i in items if isinstance(i, verify.Code)]
    assert [c.ordinal for c in cells] == [1, 2, 3, 4, 5]  # Quarto's execution_count
    assert cells[0].options == {"include": False} and cells[4].options == {"echo": False, "output": "asis"}
    assert cells[1].options["label"] == "tbl-mini" and cells[1].source.startswith("Markdown(")
    assert items[2].line == 15 and cells[1].line == 18


def test_inline_values_are_written_as_quarto_writes_them():
    ok = lambda **data: {"status": "ok", "data": data, "metadata": {}}  # noqa: E731
    # a str's repr loses its quotes and has Markdown punctuation (with "," of the range +-.) escaped
    assert verify.inline_value(ok(**{"text/plain": "'a-b, c.d (1+2)!'"}), "html") == r"a\-b\, c\.d \(1\+2\)\!"
    assert verify.inline_value(ok(**{"text/plain": "7"}), "typst") == "7"  # a number's repr as it is
    math = ok(**{"text/plain": "'$10^{-4}$'", "text/markdown": "$10^{-4}$"})  # fmt.Math
    assert verify.inline_value(math, "html") == verify.inline_value(math, "typst") == "$10^{-4}$"
    rich = ok(**{"text/plain": "'x'", "text/html": "<b>x</b>"})
    assert verify.inline_value(rich, "html") == "`<b>x</b>`{=html}" and verify.inline_value(rich, "typst") == "x"
    assert verify.inline_value(ok(**{"text/plain": "''"}), "html") is None  # Quarto keeps the code
    assert verify.inline_value({"status": "error", "ename": "NameError", "evalue": "y"}, "html").startswith("<error")


def test_unaltered_chapter_is_identical(book, capsys):
    assert verify.main(["--root", str(book)]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[:2] == ["index.qmd: no Python code (nothing to compare)", "ch.qmd: identical"]
    assert "1 chapter checked" in out and "all identical" in out


def test_altered_frozen_inline_value_fails_and_names_it(book, capsys):
    for fmt, markdown in FROZEN.items():
        write_freeze(book, fmt, markdown.replace("The value is 0\\.1234,", "The value is 0\\.1235,"))
    assert verify.main(["--root", str(book), "ch.qmd"]) == 1
    out = capsys.readouterr().out
    assert "ch.qmd: 1 difference" in out
    assert 'line 15, inline `f"{x:.4f}"`' in out
    assert "freeze: 0\\.1235" in out and "now:    0\\.1234" in out
    assert "1 not identical (ch.qmd)" in out


@pytest.mark.parametrize("old, new, where, frozen, now", [
    ("0.123\u00a0±\u00a00.010", "0.123\u00a0±\u00a00.009", "inline `Math(",
     "0.123\u00a0±\u00a00.009", "0.123\u00a0±\u00a00.010"),
    ("a\\-b\\, c\\.d", "a\\-b\\, c\\.e", "inline `words`", "a\\-b\\, c\\.e", "a\\-b\\, c\\.d"),
    ("| 2 | 0.2468 |", "| 2 | 0.2469 |", "cell tbl-mini (line 18) (markdown), line 4", "| 2 | 0.2469 |", "| 2 | 0.2468 |"),
    ("twice", "thrice", "cell at line 24 (stdout), line 2", "thrice", "twice"),
    ("Raw **Markdown**, 0.12.", "Raw **Markdown**, 0.13.", "cell at line 37 (output: asis), line 1",
     "Raw **Markdown**, 0.13.", "Raw **Markdown**, 0.12."),
    ("It ends with 0\\.247.", "It ends with 0\\.248.", "inline `f\"{2 * x:.3f}\"`", "0\\.248", "0\\.247"),
])
def test_each_altered_output_is_one_difference(mini_run, old, new, where, frozen, now):
    found = differences(mini_run, lambda fmt, md: md.replace(old, new))
    assert len(found) == 2 and {d.formats[0] for d in found} == {"html", "typst"}
    for d in found:
        assert where in d.what and (d.frozen, d.now) == (frozen, now), d


def test_unaltered_run_matches_both_formats(mini_run):
    assert differences(mini_run) == []


def test_a_missing_figure_is_a_difference(mini_run):
    found = differences(mini_run, lambda fmt, md: md.replace(FIGURE_OUTPUT[fmt], ""))
    assert [(d.what, d.frozen, d.now) for d in found] == [
        ("cell fig-mini (line 29): its outputs", "no output", "[image]")] * 2


def test_altered_prose_is_a_difference(mini_run):
    """Text that is not an inline value must be the chapter's own: the walk stops there."""
    found = differences(mini_run, lambda fmt, md: md.replace("a count 7", "a total 7"))
    assert [(d.line, d.frozen, d.now) for d in found] == [
        (16, "a total 7 and a phrase a\\-b\\, c\\.d.", "a count 7 and a phrase a\\-b\\, c\\.d.")] * 2
    assert "no longer follows the chapter" in found[0].what


def test_an_error_in_a_cell_is_a_difference_that_shows_it(mini_run):
    folder, items = mini_run
    broken = verify.split(CHAPTER.replace('print("twice")', "print(undefined)"))
    verify.run(folder / "ch.qmd", broken)
    found = differences((folder, broken))
    assert {(d.what, d.frozen) for d in found} == {("cell at line 24: its outputs", "[stdout: printed 0.1234]")}
    assert all(d.now.startswith("[stdout: printed 0.1234, error: NameError: name 'undefined' is not defined")
               for d in found)


def test_stale_freeze_is_reported(book, capsys):
    (book / "ch.qmd").write_text(CHAPTER + "\nA sentence added after the freeze.\n")
    assert verify.main(["--root", str(book)]) == 1
    out = capsys.readouterr().out
    assert "ch.qmd: freeze is stale: _freeze/ch/execute-results/html.json was made from another version" in out


def test_missing_freeze_is_reported(book, capsys):
    verify.freeze_file(book, "ch.qmd", "typst").unlink()
    assert verify.main(["--root", str(book)]) == 1
    out = capsys.readouterr().out
    assert "ch.qmd: freeze missing (_freeze/ch/execute-results/typ.json)" in out


def test_a_real_chapter_matches_its_freeze_and_an_altered_table_row_does_not():
    """report/penalties.qmd (inline values, a table, figures) against its committed freeze,
    which `make verify` checks for every chapter; then with one digit of the table changed."""
    chapter = "report/penalties.qmd"
    text = (ROOT / chapter).read_text()
    frozen = {fmt: verify.freeze_file(ROOT, chapter, fmt) for fmt in verify.book_formats(ROOT)}
    if not all(f.is_file() and json.loads(f.read_text())["hash"] == verify.source_hash(text) for f in frozen.values()):
        pytest.skip("the chapter's freeze is missing or stale (test_report says so): render the book")
    items = verify.split(text)
    verify.run(ROOT / chapter, items)
    for fmt, file in frozen.items():
        markdown = json.loads(file.read_text())["result"]["markdown"]
        options = verify.execute_options(ROOT, fmt)
        assert verify.compare(items, markdown, fmt, options) == [], (
            f"{chapter} ({fmt}) no longer gives its frozen outputs: see `make verify`")
        table = markdown.index(".cell-output-markdown")
        row = markdown[table:].split("\n:::")[0].split("\n")[-1]  # the table's last row
        changed = re.sub(r"\d", lambda m: str((int(m.group()) + 1) % 10), row, count=1)
        found = verify.compare(items, markdown.replace(row, changed), fmt, options)
        assert [(d.frozen, d.now) for d in found] == [(changed, row)]
        assert found[0].what.startswith("cell tbl-")
