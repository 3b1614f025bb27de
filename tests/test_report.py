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
def test_chapter_cells_execute(chapter, tmp_path, monkeypatch):
    """Every cell and inline expression runs without error, and the artifacts the cells load are
    those data/readers.json records for the chapter (the "read by" column of data/index.csv;
    python -m deeprg.verify --readers records them again)."""
    from deeprg import store

    log = tmp_path / "read.log"
    log.touch()
    monkeypatch.setenv(store.READ_LOG, str(log))  # the kernel inherits it
    text = source(chapter)
    cells = [nbformat.v4.new_code_cell(c) for c in CELL.findall(text)]
    inline = INLINE.findall(text)
    # An inline value is printed through its plain-text repr unless it renders as Markdown: TeX
    # ("$", "\\") then shows escaped, so does a character Python's repr escapes, and a
    # cross-reference ("@sec-...") becomes a citation that does not resolve.
    cells.append(nbformat.v4.new_code_cell(
        "_inline = [" + ",\n".join(f"({e})" for e in inline) + "]\n"
        "_bad = [str(v) for v in _inline if not hasattr(v, '_repr_markdown_')\n"
        "        and ('$' in str(v) or '@' in str(v) or '\\\\' in str(v) or repr(str(v))[1:-1] != str(v))]\n"
        "assert not _bad, _bad"))
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    NotebookClient(nb, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str((ROOT / chapter).parent)}}).execute()
    for cell in nb.cells:
        assert not [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
    readers = json.loads((store.default_root() / store.READERS).read_text())
    assert sorted(set(log.read_text().split())) == readers.get(chapter, []), \
        "data/readers.json is not current: run python -m deeprg.verify --readers, then python -m deeprg.store"


@pytest.mark.parametrize("chapter", [c for c in CHAPTERS if CELL.search(source(c))])
def test_cell_options_are_valid_yaml(chapter):
    """Quarto reads a cell's `#|` lines as YAML: a lone backslash in a caption stops the render."""
    for cell in CELL.findall(source(chapter)):
        options = "\n".join(line[3:] for line in cell.splitlines() if line.startswith("#| "))
        parsed = yaml.safe_load(options) or {}
        for key in ("fig-cap", "tbl-cap"):
            assert "`{python}" not in str(parsed.get(key, "")), f"{chapter}: inline code in a {key}"


# --- what readers of the rendered book see (issue 22): no TeX in plain text, no request off the site

from deeprg import postrender  # noqa: E402

BOOK = ROOT / "_book"
needs_book = pytest.mark.skipif(not (BOOK / "index.html").exists(), reason="no rendered book in _book/")
READER_ATTRIBUTE = re.compile(r'\s(title|aria-label|alt|data-title|data-description|data-caption|content)="([^"]*)"')


@pytest.mark.parametrize("tex, text", [
    ("T_\\lambda", "Tλ"), ("h_j", "hj"), ("$\\alpha$", "α"), ("\\mathrm{KL}(p_\\mathrm{data} \\Vert p_\\mathrm{RBM})",
                                                             "KL(pdata ‖ pRBM)"),
    ("40\\times 40", "40 × 40"), ("$2 \\times 10^{-4}$", "2 × 10⁻⁴"), ("10^{-3}", "10⁻³"), ("x_1", "x₁"),
    ("\\lvert w\\rvert < 10^{-3}", "|w| < 10⁻³"), ("T_c = 2.269", "Tc = 2.269"), ("T_0", "T₀"),
    ("e^{-H}/Z", "e^(−H)/Z"), ("\\tanh K' = \\tanh^2 K", "tanh K' = tanh² K"), ("\\ln(Z/Z_\\lambda)", "ln(Z/Zλ)"),
    ("\\frac{a}{b}", "a/b"), ("\\sqrt{N}", "√N"), ("H(\\{v_i\\})", "H({vi})"), ("\\operatorname{Tr}_v", "Trv"),
    # prose around the math is kept: a word after a symbol, names with underscores, plain text
    ("strength \\alpha, for L1", "strength α, for L1"), ("\\alpha over", "α over"), ("n_iter", "n_iter"),
    ("Figure 2.1: no math here", "Figure 2.1: no math here"),
])
def test_tex_to_text(tex, text):
    assert postrender.tex_to_text(tex) == text
    assert not postrender.TEX.search(postrender.tex_to_text(tex))


def test_rewrite_html_converts_reader_attributes_only():
    page = ('<title>Chapter on $T_c$</title><a href="x.png" title="Figure&nbsp;1: the 40\\times 40 torus, '
            'T_c &lt; T" class="lightbox"><math><semantics><mi>α</mi>'
            '<annotation encoding="application/x-tex">\\alpha</annotation></semantics></math></a>')
    out = postrender.rewrite_html(page)
    assert 'title="Figure\u00a01: the 40 × 40 torus, Tc &lt; T"' in out
    assert "<title>Chapter on Tc</title>" in out
    assert '<annotation encoding="application/x-tex">\\alpha</annotation>' in out  # the math itself stays
    assert postrender.rewrite_html(out) == out  # idempotent


def test_search_entries_lose_the_tex_copy_of_each_formula():
    page = ('<p><math><semantics><mrow><msub><mi>T</mi><mi>λ</mi></msub></mrow>'
            '<annotation encoding="application/x-tex">T_\\lambda</annotation></semantics></math> and '
            '<math><semantics><mi>K</mi><annotation encoding="application/x-tex">K</annotation></semantics></math>'
            ' and <math><semantics><mrow><mo>|</mo><mi>w</mi><mo>|</mo><mo>&lt;</mo></mrow>'
            '<annotation encoding="application/x-tex">\\lvert w\\rvert &lt;</annotation></semantics></math>'
            ' and the NN correlation</p>')
    entries = [{"href": "p.html#s", "title": "On $T_c$", "section": "s",
                "text": "TλT_\\lambda and KK and |w|&lt;\\lvert w\\rvert &lt; and the NN correlation"}]
    out = postrender.rewrite_search(entries, {"p.html": page})[0]
    assert out["text"] == "Tλ and K and |w|&lt; and the NN correlation"
    assert out["title"] == "On Tc"
    # a one-letter formula's doubling is kept where the doubled word is prose on the page
    page_nn = page.replace("<mi>K</mi>", "<mi>N</mi>").replace(">K<", ">N<")
    text = postrender.drop_tex_copies("NN and the NN correlation", postrender.formulas(page_nn),
                                      postrender._prose(page_nn))
    assert text == "NN and the NN correlation"


def test_post_render_script_is_configured():
    script = CONFIG["project"]["post-render"]
    assert (ROOT / script).is_file() and script.endswith("postrender.py")


@needs_book
def test_rendered_book_shows_no_tex_in_attributes_or_search():
    found = []
    for page in BOOK.rglob("*.html"):
        if "site_libs" in page.parts:
            continue
        for name, value in READER_ATTRIBUTE.findall(page.read_text(encoding="utf-8")):
            if postrender.TEX.search(value):
                found.append((page.name, name, value[:80]))
    assert not found, found[:5]
    index = BOOK / "search.json"
    if index.exists():
        for entry in json.loads(index.read_text(encoding="utf-8")):
            for key in ("title", "section", "text"):
                hit = postrender.TEX.search(entry.get(key) or "")
                assert hit is None, (entry["href"], key, entry[key][max(0, hit.start() - 40): hit.end() + 40])


@needs_book
def test_rendered_book_requests_nothing_off_the_site():
    """No stylesheet imports a remote URL (cosmo's Google font), and no page links a remote
    stylesheet, script or font."""
    for css in BOOK.rglob("*.css"):
        text = css.read_text(encoding="utf-8", errors="replace")
        assert not re.search(r"@import\s*(url\()?\s*[\"']?(https?:)?//", text), css.relative_to(BOOK)
        assert not re.search(r"url\(\s*[\"']?(https?:)?//", text), css.relative_to(BOOK)
    for page in BOOK.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        remote = re.findall(r"<(?:script|link|img|iframe)\b[^>]*\s(?:src|href)=\"(?:https?:)?//[^\"]+\"", text)
        remote = [tag for tag in remote if 'rel="canonical"' not in tag]
        assert not remote, (page.relative_to(BOOK), remote[:3])


def test_the_freeze_holds_no_figure_its_chapter_does_not_show():
    """Every file in a chapter's _freeze/.../figure-*/ folder is named in that chapter's frozen
    results: a re-render that changed a cell's figures leaves no stale file behind."""
    stale = []
    for folder in (ROOT / "_freeze").rglob("figure-*"):
        results = "".join(p.read_text() for p in (folder.parent / "execute-results").glob("*.json"))
        stale += [str(f.relative_to(ROOT)) for f in folder.iterdir() if f.name not in results]
    assert not stale, stale
