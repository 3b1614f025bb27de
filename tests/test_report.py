"""The book without Quarto: _quarto.yml agrees with report/, every chapter's Python cells and
inline expressions execute in a Jupyter kernel from the committed caches, every
cross-reference and citation resolves, no math holds an inline expression (which Quarto
would print as escaped TeX), and the committed freeze was made from the chapters as they are."""

import hashlib
import json
import re
from pathlib import Path

import nbformat
import pytest
import yaml
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
CONFIG = yaml.safe_load((ROOT / "_quarto.yml").read_text())
CHAPTERS = [c for c in CONFIG["book"]["chapters"] + CONFIG["book"].get("appendices", []) if isinstance(c, str)]
FORMATS = {"html": "html.json", "typst": "typ.json"}
CELL = re.compile(r"^```\{python\}[^\n]*\n(.*?)^```\s*$", re.S | re.M)
INLINE = re.compile(r"(?<!`)`\{python\}\s+([^`]+)`")
CROSSREF = re.compile(r"(?<![\w@])@((?:fig|tbl|eq|sec)-[\w-]+)")
CITATION = re.compile(r"(?<![\w@.])@([A-Za-z][\w:-]*[\w])")


def source(chapter):
    return (ROOT / chapter).read_text()


def prose(text):
    """Markdown without code cells, fenced blocks or inline code."""
    text = re.sub(r"^```.*?^```\s*$", "", text, flags=re.S | re.M)
    return re.sub(r"`[^`]*`", "", text)


def inline_math(text):
    """The $...$ spans of a chapter's prose (display math and code cells removed)."""
    text = re.sub(r"^```.*?^```\s*$", "", text, flags=re.S | re.M)
    text = re.sub(r"\$\$.*?\$\$", "", text, flags=re.S)
    return re.findall(r"(?<![\\$])\$(?!\$)((?:[^$\\]|\\.)+?)\$", text)


def test_quarto_lists_existing_files_and_every_chapter():
    assert CHAPTERS[0] == "index.qmd"
    for chapter in CHAPTERS:
        assert (ROOT / chapter).is_file(), chapter
    on_disk = {str(p.relative_to(ROOT)) for p in (ROOT / "report").glob("*.qmd")}
    assert on_disk == {c for c in CHAPTERS if c.startswith("report/")}
    assert (ROOT / CONFIG["bibliography"]).is_file()
    assert CONFIG["execute"]["freeze"] == "auto"


def test_cross_references_resolve():
    labels = set()
    for chapter in CHAPTERS:
        text = source(chapter)
        labels |= set(re.findall(r"\{#((?:fig|tbl|eq|sec)-[\w-]+)", text))
        labels |= set(re.findall(r"#\|\s*label:\s*((?:fig|tbl)-[\w-]+)", text))
    for chapter in CHAPTERS:
        missing = set(CROSSREF.findall(prose(source(chapter)))) - labels
        assert not missing, f"{chapter}: unresolved {sorted(missing)}"


def test_math_holds_no_inline_expression_and_no_plain_tex_font_switch():
    for chapter in CHAPTERS:
        for math in inline_math(source(chapter)):
            assert "`" not in math, f"{chapter}: inline code inside ${math}$ prints as escaped TeX"
            assert "\\rm" not in math, f"{chapter}: use \\mathrm{{}} in ${math}$"


@pytest.mark.parametrize("chapter", [c for c in CHAPTERS if CELL.search(source(c))])
def test_freeze_was_made_from_the_chapter_as_it_is(chapter):
    """Each format's freeze records the md5 of the chapter (LF line endings) it executed."""
    want = hashlib.md5(source(chapter).replace("\r\n", "\n").encode()).hexdigest()
    for name in FORMATS.values():
        frozen = ROOT / "_freeze" / chapter.removesuffix(".qmd") / "execute-results" / name
        assert frozen.is_file(), f"{frozen.relative_to(ROOT)} missing: render the book and commit _freeze/"
        assert json.loads(frozen.read_text())["hash"] == want, (
            f"{chapter} changed after its freeze ({name}): render the book and commit _freeze/")


def test_every_figure_and_table_cell_has_a_caption():
    for chapter in CHAPTERS:
        for cell in CELL.findall(source(chapter)):
            if re.search(r"#\|\s*label:\s*fig-", cell):
                assert "#| fig-cap:" in cell, (chapter, cell[:80])
            if re.search(r"#\|\s*label:\s*tbl-", cell):
                assert "#| tbl-cap:" in cell, (chapter, cell[:80])


def test_citations_are_in_the_bibliography():
    keys = set(re.findall(r"@\w+\{([^,\s]+),", (ROOT / CONFIG["bibliography"]).read_text()))
    for chapter in CHAPTERS:
        cited = {k for k in CITATION.findall(prose(source(chapter)))
                 if not k.startswith(("fig-", "tbl-", "eq-", "sec-"))}
        assert not cited - keys, f"{chapter}: not in references.bib {sorted(cited - keys)}"


@pytest.mark.parametrize("chapter", [c for c in CHAPTERS if CELL.search(source(c))])
def test_chapter_cells_execute(chapter):
    text = source(chapter)
    cells = [nbformat.v4.new_code_cell(c) for c in CELL.findall(text)]
    inline = INLINE.findall(text)
    # An inline value is printed through its plain-text repr unless it renders as Markdown: TeX
    # ("$", "\\") then shows escaped, and so does a character Python's repr escapes.
    cells.append(nbformat.v4.new_code_cell(
        "_inline = [" + ",\n".join(f"({e})" for e in inline) + "]\n"
        "_bad = [str(v) for v in _inline if not hasattr(v, '_repr_markdown_')\n"
        "        and ('$' in str(v) or '\\\\' in str(v) or repr(str(v))[1:-1] != str(v))]\n"
        "assert not _bad, _bad"))
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    NotebookClient(nb, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str((ROOT / chapter).parent)}}).execute()
    for cell in nb.cells:
        assert not [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]


@pytest.mark.parametrize("chapter", [c for c in CHAPTERS if CELL.search(source(c))])
def test_cell_options_are_valid_yaml(chapter):
    """Quarto reads a cell's `#|` lines as YAML: a lone backslash in a caption stops the render."""
    for cell in CELL.findall(source(chapter)):
        options = "\n".join(line[3:] for line in cell.splitlines() if line.startswith("#| "))
        parsed = yaml.safe_load(options) or {}
        for key in ("fig-cap", "tbl-cap"):
            assert "`{python}" not in str(parsed.get(key, "")), f"{chapter}: inline code in a {key}"
