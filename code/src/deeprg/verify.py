"""`make verify`: rerun every chapter's cells from data/ and compare what they print with the
frozen book.

Quarto's jupyter engine turns a chapter into a notebook (the Markdown between ```{python} cells
becomes Markdown cells), runs the code cells in order in one kernel and, on reaching a Markdown
cell, evaluates its inline `{python} expr` expressions through the kernel's user_expressions. It
then writes the executed chapter as Markdown, which the freeze keeps
(_freeze/<chapter>/execute-results/<format>.json, "markdown"). This module executes a chapter the
same way (one kernel, the same cells, the expressions where Quarto evaluates them) and walks the
source alongside the frozen Markdown of every format the book renders:

* prose: each Markdown cell with this run's inline values written as Quarto writes them
  (text/markdown as it is, so fmt.Math and Markdown objects; text/html as raw HTML in HTML
  formats; else the text/plain repr, a str's quotes removed and Markdown punctuation escaped,
  "0.179" -> "0\\.179") must be the frozen text; where it is not, each expression's frozen value
  is read off between the literal prose around it and compared with this run's;
* cells: the frozen cell (a `::: {.cell}` div, the raw text of an `output: asis` cell, or
  nothing) is split into its outputs (`::: {.cell-output-*}` divs), which must match this run's
  outputs rendered as Quarto renders them: printed text, Markdown (the tables), HTML, reprs and
  errors by their text, figures by their presence.

Only trailing whitespace, memory addresses and the kernel's process-specific folder in a
warning's file name are normalised (figure file names never enter: figures are compared by
presence); anything else that differs is a difference. A chapter whose
freeze is missing or was made from another version of its source (the md5 Quarto records) is
reported as such and not compared.

    python -m deeprg.verify [chapters...] [--root DIR] [--readers]

prints one line per chapter ("report/replication.qmd: identical", or "...: 2 differences"
followed by the first few) and exits with status 1 on any difference, missing or stale freeze.
"""

from __future__ import annotations

import argparse
import contextlib
import difflib
import hashlib
import html
import json
import os
import re
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml

# Quarto's regexes: a code cell starts with ```{python ...} (any indent, three or more backticks)
# and ends at the same indent and backticks; inline expressions as the kernel side finds them
# (resources/jupyter/notebook.py) and as the Markdown writer substitutes them, line by line
# (core/execute-inline.ts).
CELL_START = re.compile(r"^(\s*)(```+)\s*\{python( *[ ,].*)?\}\s*$")
INLINE_EVAL = re.compile(r"(?:^|[^`])`\{python\}[ \t]([^`]+)`", re.M)
INLINE = re.compile(r"(^|[^`])`\{python\}[ \t]([^`]+)`")

FREEZE_FILE = {"html": "html", "typst": "typ", "pdf": "tex", "latex": "tex", "beamer": "tex"}
HTML_FORMATS = {"html", "revealjs", "dashboard"}
LATEX_FORMATS = {"pdf", "latex", "beamer"}
IMAGE_TYPES = ("image/png", "image/jpeg", "image/svg+xml", "application/pdf")
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
ADDRESS = re.compile(r"\b0x[0-9a-fA-F]{6,}\b")
# a cell's file in a warning or traceback, /tmp/ipykernel_<pid>/<hash>.py: matched from the start
# of a path only (the look-behind), which keeps the search linear in long lines
KERNEL_FILE = re.compile(r"(?<![^\s\"'(])[^\s\"'()]*?ipykernel_\d+")
TRAILING = re.compile(r"[ \t]+(?=\n)")  # trailing whitespace of a line (not of a text's last one)

# What Quarto's setup cell does that can matter here (figure size and format); the rest of its
# setup (plotly, altair, shiny) does not apply to this book.
SETUP = """\
try:
    import matplotlib.pyplot as _plt
    _plt.rcParams['figure.figsize'] = (7, 5)
    _plt.rcParams['figure.dpi'] = 96
    _plt.rcParams['savefig.dpi'] = 'figure'
    from matplotlib_inline.backend_inline import set_matplotlib_formats as _formats
    _formats('png')
    del _plt, _formats
except Exception:
    pass
"""


# ---------------------------------------------------------------------------------------------
# The book and its chapters


def book_root(start: Path | None = None) -> Path:
    """The folder holding _quarto.yml: the current one or a parent, else this repository's."""
    start = (start or Path.cwd()).resolve()
    for folder in (start, *start.parents):
        if (folder / "_quarto.yml").is_file():
            return folder
    return Path(__file__).resolve().parents[3]


def _config(root: Path) -> dict:
    return yaml.safe_load((root / "_quarto.yml").read_text()) or {}


def book_chapters(root: Path) -> list[str]:
    """The chapters and appendices of _quarto.yml, in order (parts flattened)."""
    book = _config(root).get("book", {})

    def flat(entries):
        for entry in entries or []:
            if isinstance(entry, str):
                yield entry
            elif isinstance(entry, dict):
                if isinstance(entry.get("part"), str) and entry["part"].endswith(".qmd"):
                    yield entry["part"]
                yield from flat(entry.get("chapters"))

    return list(flat(book.get("chapters"))) + list(flat(book.get("appendices")))


def book_formats(root: Path) -> list[str]:
    formats = _config(root).get("format") or {"html": {}}
    return list(formats) if isinstance(formats, dict) else [formats]


def execute_options(root: Path, fmt: str) -> dict:
    """The book's execute options for a format: echo, output, warning, include."""
    config = _config(root)
    options = dict(config.get("execute") or {})
    formats = config.get("format") or {}
    format_options = formats.get(fmt) if isinstance(formats, dict) else None
    if isinstance(format_options, dict):
        options |= {k: v for k, v in format_options.items() if k in ("echo", "output", "warning", "include")}
        options |= format_options.get("execute") or {}
    return options


def freeze_file(root: Path, chapter: str, fmt: str) -> Path:
    name = FREEZE_FILE.get(fmt, fmt)
    return root / "_freeze" / chapter.removesuffix(".qmd") / "execute-results" / f"{name}.json"


def source_hash(text: str) -> str:
    """The md5 Quarto records in a freeze: of the source with LF line endings."""
    return hashlib.md5(text.replace("\r\n", "\n").encode()).hexdigest()


# ---------------------------------------------------------------------------------------------
# A chapter as Quarto's jupyter engine sees it


@dataclass
class Code:
    source: str  # without the #| option lines
    options: dict
    line: int  # of the ```{python} fence, 1-based
    ordinal: int = 0  # 1 for the chapter's first code cell: Quarto's execution_count
    outputs: list = field(default_factory=list)  # this run's, after run()

    @property
    def name(self) -> str:
        label = self.options.get("label")
        return f"cell {label} (line {self.line})" if label else f"cell at line {self.line}"


@dataclass
class Prose:
    text: str
    line: int  # of its first line
    values: dict = field(default_factory=dict)  # expression -> its user_expressions result, after run()


def split(text: str) -> list[Code | Prose]:
    """The chapter as Quarto's notebook: Markdown cells between the code cells (one empty line
    trimmed at each end, empty ones dropped), code cells with their `#|` options."""
    items: list[Code | Prose] = []
    lines = text.replace("\r\n", "\n").split("\n")
    buffer: list[str] = []
    start, cell = 1, None  # cell: (indent, ticks, line) of the open code cell

    def flush(kind, first):
        while buffer and buffer[0].strip() == "":
            buffer.pop(0)
            first += 1
        while buffer and buffer[-1].strip() == "":
            buffer.pop()
        if buffer:
            if kind == "code":
                indent = cell[0]
                body = [line.removeprefix(indent) for line in buffer]
                n = 0  # the leading #| lines are the options
                while n < len(body) and body[n].startswith("#|"):
                    n += 1
                options = yaml.safe_load("\n".join(line[2:].removeprefix(" ") for line in body[:n])) or {}
                ordinal = 1 + sum(isinstance(item, Code) for item in items)
                items.append(Code("\n".join(body[n:]).strip("\n"), options, cell[2], ordinal))
            else:
                items.append(Prose("\n".join(buffer), first))
        buffer.clear()

    for number, line in enumerate(lines, 1):
        if cell is None and (m := CELL_START.match(line)):
            flush("markdown", start)
            cell = (m.group(1), len(m.group(2)), number)
        elif cell is not None and re.fullmatch(re.escape(cell[0]) + "`" * cell[1] + r"\s*", line):
            flush("code", cell[2] + 1)
            cell, start = None, number + 1
        else:
            buffer.append(line)
    if cell is None:
        flush("markdown", start)
    return items


def has_code(text: str) -> bool:
    return any(isinstance(item, Code) for item in split(text)) or bool(INLINE_EVAL.search(text))


# ---------------------------------------------------------------------------------------------
# Running a chapter


def run(path: Path, items: list[Code | Prose], kernel: str = "python3", timeout: int = 3600) -> None:
    """Execute the chapter's cells in one kernel in the chapter's folder, as Quarto does: code
    cells in order (their outputs land in item.outputs), and each Markdown cell's inline
    expressions (item.values) when the run reaches it."""
    import nbformat
    from nbclient import NotebookClient

    cells = [nbformat.v4.new_code_cell(SETUP)]
    cells += [nbformat.v4.new_code_cell(i.source) if isinstance(i, Code) else nbformat.v4.new_markdown_cell(i.text)
              for i in items]
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": kernel, "display_name": kernel, "language": "python"}
    client = NotebookClient(nb, timeout=timeout, kernel_name=kernel, allow_errors=True,
                            resources={"metadata": {"path": str(path.parent)}})
    # the kernel's own chatter (transport warnings, its shutdown) goes to a log, shown on failure
    with tempfile.TemporaryFile("w+") as log:
        try:
            _execute(client, nb, items, stderr=log)
        except Exception as error:
            log.seek(0)
            tail = log.read()[-2000:].strip()
            raise RuntimeError(f"{type(error).__name__}: {error}" + (f"\nkernel log:\n{tail}" if tail else "")) from error


def _execute(client, nb, items, **kernel_options) -> None:
    with client.setup_kernel(**kernel_options):
        client.execute_cell(nb.cells[0], 0, store_history=False)
        for index, item in enumerate(items, 1):
            if isinstance(item, Code):
                if item.options.get("eval", True) is not False:
                    client.execute_cell(nb.cells[index], index)
                item.outputs = list(nb.cells[index].outputs)
            else:
                expressions = INLINE_EVAL.findall(item.text)
                if expressions:
                    msg_id = client.kc.execute("", user_expressions={str(k): e for k, e in enumerate(expressions)})
                    reply = client.wait_for_reply(msg_id)["content"]
                    if reply.get("status") != "ok":
                        error = {"status": "error", "ename": reply.get("ename"), "evalue": reply.get("evalue")}
                        item.values = {e: error for e in expressions}
                    else:  # keyed by the expression as found, looked up trimmed, as Quarto does
                        item.values = {e: reply["user_expressions"][str(k)] for k, e in enumerate(expressions)}


# ---------------------------------------------------------------------------------------------
# How Quarto writes outputs (core/jupyter/jupyter.ts, display-data.ts, jupyter-inline.ts)


def _text(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def mime_type(data: dict, fmt: str) -> str | None:
    """The MIME type Quarto shows of a display output's data in format fmt."""
    order = ["text/markdown", "image/svg+xml", "image/png", "image/jpeg"]
    if fmt in HTML_FORMATS:
        order = ["application/vnd.jupyter.widget-state+json", "application/vnd.jupyter.widget-view+json",
                 "application/javascript", "text/html"] + order
    elif fmt in LATEX_FORMATS:
        order = ["text/latex", "application/pdf"] + order
    html_text = _text(data.get("text/html", "")).lower()
    if "<table" in html_text and "</table" in html_text and "text/html" not in order:
        order.append("text/html")
    order.append("text/plain")
    return next((m for m in order if m in data), None)


def inline_value(result: dict, fmt: str) -> str | None:
    """An inline expression's result as Quarto writes it into the prose (None: Quarto leaves the
    expression's code in place, as it does for an empty value)."""
    if result.get("status") != "ok":
        return f"<error: {result.get('ename')}: {result.get('evalue')}>"
    mime = mime_type(result.get("data", {}), fmt)
    if mime is None:
        return None
    data = _text(result["data"][mime])
    if mime == "text/html":
        data = f"`{data}`{{=html}}"
    elif mime == "text/latex":
        data = f"`{data}`{{=tex}}"
    elif mime != "text/markdown" and len(data) >= 1 and data[0] == data[-1] and data[0] in "'\"":
        # a str's repr: quotes off, backslashes doubled, then Markdown punctuation escaped; the
        # JavaScript class [\\`*_{}\[\]()>#+-.!] holds the range +-. , so "+,-." are escaped
        data = data[1:-1].replace("\\", "\\\\")
        data = re.sub(r"([\\`*_{}\[\]()>#+,\-.!])", r"\\\1", data)
    return data or None


def _discardable(output: dict, have_image: bool) -> bool:
    """Quarto drops a bare repr of a matplotlib object (the value of a cell's last line)."""
    if output.get("output_type") != "execute_result" or set(output.get("data", {})) != {"text/plain"}:
        return False
    lines = _text(output["data"]["text/plain"]).splitlines(keepends=True)
    if not lines:
        return False
    if have_image:
        if len(lines) == 1:
            first = lines[0].strip()
            return bool(re.match(r"^([<(\[]).*?([>)\]])$", first) or re.match(r"^Text\([-\d]", first)
                        or (first.startswith("{") and "<matplotlib." in first))
        return any("<matplotlib." in line for line in lines)
    return lines[0].startswith(("[<matplotlib", "<matplotlib", "<seaborn.", "<ggplot:"))


def _option(cell: Code, defaults: dict, key: str):
    return cell.options[key] if key in cell.options else defaults.get(key, True)


def _fence(text: str, info: str = "") -> str:
    ticks = "`" * max(3, 1 + max([len(m.group(0)) for line in text.splitlines(keepends=True)
                                   if (m := re.match(r"^\s*`+", line))], default=0))
    return f"{ticks}{info}\n{text}{'' if text.endswith(chr(10)) else chr(10)}{ticks}\n"


def rendered_outputs(cell: Code, fmt: str, defaults: dict) -> list[tuple[str, str]] | None:
    """This run's outputs of a cell as Quarto would write them: (kind, text) pairs, kind one of
    stdout, stderr, error, markdown, html, latex, plain, image (text empty). None: the cell is
    not in the book (include: false)."""
    if not _option(cell, defaults, "include"):
        return None
    if not _option(cell, defaults, "output"):
        return []
    outputs: list[dict] = []
    for output in cell.outputs:  # merge consecutive streams of one name
        if (outputs and output.get("output_type") == "stream" and outputs[-1].get("output_type") == "stream"
                and outputs[-1]["name"] == output["name"]):
            outputs[-1] = dict(outputs[-1], text=outputs[-1]["text"] + output["text"])
        else:
            outputs.append(output)
    displays = [o for o in outputs if o.get("output_type") in ("display_data", "execute_result")]
    have_image = any(mime_type(o.get("data", {}), fmt) in IMAGE_TYPES for o in displays)
    shown = []
    for output in outputs:
        kind = output.get("output_type")
        if kind == "stream" and output["name"] == "stderr" and not _option(cell, defaults, "warning"):
            continue
        if _discardable(output, have_image) or output.get("metadata", {}).get("quarto", {}).get("display") is False:
            continue
        if kind == "stream":
            text = ANSI.sub("", output["text"])
            if output["name"] == "stderr":
                text = re.sub(r"<ipython-input.*?>:\d+:\s+", "", text, count=1)
            shown.append((output["name"], text))
        elif kind == "error":
            traceback = "\n".join(output.get("traceback", []))
            text = f"{output['ename']}: {output['evalue']}" + (f"\n{traceback}" if traceback else "")
            shown.append(("error", ANSI.sub("", text)))
        else:
            data = dict(output.get("data", {}))
            latex = _text(data.get("text/latex", "")).strip()
            if fmt not in LATEX_FORMATS and latex and "text/markdown" not in data and (
                    (latex.startswith("$") and latex.endswith("$")) or latex.startswith("\\begin{")):
                data["text/markdown"] = data["text/latex"]
            mime = mime_type(data, fmt)
            if mime is None:
                shown.append(("plain", "Unable to display output for mime type(s): " + ", ".join(data)))
            elif mime in IMAGE_TYPES:
                shown.append(("image", ""))
            elif mime == "text/markdown":
                shown.append(("markdown", _text(data[mime])))
            elif mime == "text/latex":
                shown.append(("latex", _text(data[mime])))
            elif mime == "text/html":
                shown.append(("html", _text(data[mime])))
            elif mime == "text/plain":
                text = _text(data[mime])
                if text.startswith("'<table") and text.endswith("</table>'") and "\n" not in text:
                    shown.append(("markdown", text[1:-1]))
                else:
                    shown.append(("plain", ANSI.sub("", text)))
            else:  # widgets and JavaScript: a script tag
                payload = _text(data[mime]) if isinstance(data[mime], (str, list)) else json.dumps(data[mime])
                shown.append(("html", f'<script type="{mime}">\n{payload}\n</script>'))
    return shown


def asis_text(outputs: list[tuple[str, str]]) -> str:
    """The raw Markdown an `output: asis` cell writes: stdout as printed, the rest as Quarto
    writes it outside a div."""
    parts = []
    for kind, text in outputs:
        if kind == "stdout" or kind == "markdown":
            parts.append(text if kind == "stdout" else text + "\n")
        elif kind == "image":
            parts.append("![](figure)\n")
        elif kind in ("html", "latex"):
            parts.append(_fence(text, "{=" + ("html" if kind == "html" else "tex") + "}"))
        else:
            parts.append(_fence(text))
    return "".join(parts)


# ---------------------------------------------------------------------------------------------
# Reading the frozen Markdown

DIV_OPEN = re.compile(r"^(:{3,})\s*(\{.*\}|[^\s{}:][^\s{}]*)\s*$")
DIV_CLOSE = re.compile(r"^:{3,}\s*$")
FENCE_OPEN = re.compile(r"^\s*(`{3,}|~{3,})")


def _end_of_div(lines: list[str], i: int) -> tuple[int, list[tuple[str, int, int]]]:
    """lines[i] opens a fenced div: (index of its closing line, its child divs as (attributes,
    opening line, closing line)); fenced code inside is skipped."""
    children, j = [], i + 1
    while j < len(lines):
        line = lines[j]
        if m := FENCE_OPEN.match(line):
            marker = m.group(1)
            closing = re.compile(r"^\s*" + re.escape(marker[0]) + "{" + str(len(marker)) + r",}\s*$")
            j += 1
            while j < len(lines) and not closing.match(lines[j]):
                j += 1
        elif m := DIV_OPEN.match(line):
            end, _ = _end_of_div(lines, j)
            children.append((m.group(2), j, end))
            j = end
        elif DIV_CLOSE.match(line):
            return j, children
        j += 1
    return len(lines), children


def _unfence(text: str) -> tuple[str, str | None]:
    """(content, info) of a text that is one fenced block, or (text, None)."""
    lines = text.strip("\n").split("\n")
    if len(lines) >= 2 and (m := re.match(r"^(`{3,}|~{3,})(.*)$", lines[0])) and \
            re.fullmatch(re.escape(m.group(1)[0]) + "{" + str(len(m.group(1))) + r",}\s*", lines[-1]):
        return "\n".join(lines[1:-1]), m.group(2).strip()
    return text, None


def _ansi_html(text: str) -> str | None:
    """The text of Quarto's HTML rendering of ANSI-coloured output, if that is what text is."""
    m = re.match(r"^\s*:::+\s*\{\.ansi-escaped-output\}\s*\n```\{=html\}\n<pre>(.*)</pre>\n```\s*\n:::", text, re.S)
    return html.unescape(re.sub(r"<[^>]+>", "", m.group(1))) if m else None


def _output_captions(cell: Code) -> list[str]:
    """The captions Quarto gives a cell's display outputs, in order (labels.ts resolveCaptions)."""
    caption, sub = cell.options.get("fig-cap"), cell.options.get("fig-subcap")
    if isinstance(caption, list):
        captions = caption
    elif caption and sub is not None:
        captions = [""] if sub is True else sub if isinstance(sub, list) else [sub]
    else:
        captions = [caption] if caption else []
    return [str(c).strip().replace("\n", " ") for c in captions]


def frozen_outputs(lines: list[str], start: int, cell: Code) -> list[tuple[str, str]]:
    """The outputs of the frozen cell div that opens at lines[start] as (kind, text) pairs; the
    caption Quarto writes under a display output that is not a figure is the source's, not an
    output, and is left out."""
    _, children = _end_of_div(lines, start)
    captions, outputs = _output_captions(cell), []
    for attributes, i, j in children:
        classes = re.findall(r"(?:^|[\s{])\.([\w-]+)", attributes)
        if "cell-output" not in classes:
            continue
        content = "\n".join(lines[i + 1:j])
        ansi = _ansi_html(content)
        stream = next((c.removeprefix("cell-output-") for c in classes
                       if c in ("cell-output-stdout", "cell-output-stderr", "cell-output-error")), None)
        if stream:
            outputs.append((stream, ansi if ansi is not None else _unfence(content)[0]))
            continue
        caption = captions.pop(0) if captions else ""
        if caption and not re.match(r"^\s*\[?!\[", content) and content.rstrip().endswith(caption):
            content = content.rstrip()[:-len(caption)].rstrip("\n")
        if "cell-output-markdown" in classes:
            outputs.append(("markdown", content))
        elif ansi is not None:
            outputs.append(("plain", ansi))
        elif re.match(r"^\s*\[?!\[", content):
            outputs.append(("image", ""))
        else:
            inner, info = _unfence(content)
            kinds = {"{=html}": "html", "{=tex}": "latex", "{=latex}": "latex", "": "plain"}
            outputs.append((kinds.get(info, "markdown"), inner) if info is not None else ("markdown", content))
    return outputs


# ---------------------------------------------------------------------------------------------
# Comparing


@dataclass
class Difference:
    line: int
    what: str
    frozen: str
    now: str
    formats: list[str] = field(default_factory=list)

    def key(self):
        return self.line, self.what, self.frozen, self.now


def normalise(text: str) -> str:
    """What may differ between a freeze and a rerun without being a difference: trailing
    whitespace, leading and trailing empty lines, memory addresses, the kernel's temporary
    folder."""
    return _tidy(text.replace("\r\n", "\n")).rstrip(" \t\n").lstrip("\n")


def _tidy(text: str) -> str:
    """Trailing whitespace of lines and memory addresses normalised; nothing stripped at the ends."""
    text = ADDRESS.sub("0x…", TRAILING.sub("", text))
    return KERNEL_FILE.sub("ipykernel_…", text) if "ipykernel_" in text else text


def clip(a: str, b: str, width: int = 160) -> tuple[str, str]:
    """Two long texts shown around their first difference."""
    if len(a) <= width and len(b) <= width:
        return a, b
    k = next((n for n, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
    lo = max(0, k - width // 3)

    def cut(s):
        return ("…" if lo else "") + s[lo:lo + width] + ("…" if len(s) > lo + width else "")

    return cut(a), cut(b)


def _text_differences(where: str, line: int, frozen: str, now: str) -> list[Difference]:
    """The differing lines of two output texts, one Difference per changed line (a table row);
    within a long line (an asis script's data), one per changed comma-separated field."""
    a, b = normalise(frozen).split("\n"), normalise(now).split("\n")
    found = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        if tag == "replace" and i2 - i1 == j2 - j1:
            for i, j in zip(range(i1, i2), range(j1, j2)):
                if max(len(a[i]), len(b[j])) > LONG:
                    found += _field_differences(f"{where}, line {i + 1}", line, a[i], b[j])
                else:
                    found.append(Difference(line, f"{where}, line {i + 1}", a[i], b[j]))
        else:
            found.append(Difference(line, f"{where}, lines {i1 + 1}-{max(i2, i1 + 1)}",
                                    *clip("\n".join(a[i1:i2]) or "(nothing)", "\n".join(b[j1:j2]) or "(nothing)")))
    return found


LONG = 300  # characters: a longer line is compared field by field


def _field_differences(where: str, line: int, a: str, b: str) -> list[Difference]:
    """The differing fields of two long lines split after each comma, each shown after the two
    fields before it."""
    x, y = re.split(r"(?<=,)", a), re.split(r"(?<=,)", b)
    found = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, x, y, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        runs = ([(k, k + 1, m, m + 1) for k, m in zip(range(i1, i2), range(j1, j2))] if i2 - i1 == j2 - j1
                else [(i1, i2, j1, j2)])
        for a1, a2, b1, b2 in runs:
            fa, fb = clip("".join(x[a1:a2]), "".join(y[b1:b2]), 120)
            found.append(Difference(line, f"{where}, character {len(''.join(x[:a1])) + 1}",
                                    _before(x, a1) + fa, _before(y, b1) + fb))
    return found


def _before(fields: list[str], k: int, width: int = 60) -> str:
    """The end of the two fields before fields[k], for context."""
    text = "".join(fields[max(0, k - 2):k])
    return text if len(text) <= width else "…" + text[-width:]


def _describe(outputs) -> str:
    """A cell's outputs in brief: their kinds, with the first line of any text that is not a
    figure, table or HTML."""
    def brief(kind, text):
        if kind in ("image", "markdown", "html", "latex"):
            return kind
        first = normalise(text).split("\n")[0]
        return f"{kind}: {first[:100]}{'…' if len(first) > 100 else ''}"

    return "[" + ", ".join(brief(*output) for output in outputs) + "]" if outputs else "no output"


def compare_outputs(cell: Code, frozen: list[tuple[str, str]], now: list[tuple[str, str]]) -> list[Difference]:
    kinds = lambda outputs: [k for k, _ in outputs]  # noqa: E731
    if kinds(frozen) != kinds(now):
        return [Difference(cell.line, f"{cell.name}: its outputs", _describe(frozen), _describe(now))]
    found = []
    for n, ((kind, a), (_, b)) in enumerate(zip(frozen, now), 1):
        if kind != "image" and normalise(a) != normalise(b):
            where = f"{cell.name}, output {n} ({kind})" if len(now) > 1 else f"{cell.name} ({kind})"
            found += _text_differences(where, cell.line, a, b)
    return found


class _Lost(Exception):
    """The frozen Markdown no longer follows the chapter's source: the walk cannot go on."""


def _skip_blank(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t\n":
        pos += 1
    return pos


def _prose_pieces(item: Prose, fmt: str) -> list:
    """The Markdown cell as Quarto writes it: literal strings and (expression, value, line) slots."""
    pieces: list = []
    for n, line in enumerate(item.text.split("\n")):
        last = 0
        for m in INLINE.finditer(line):
            expression = m.group(2)
            result = item.values.get(expression.strip())
            value = inline_value(result, fmt) if result is not None else None
            pieces.append(line[last:m.start()] + m.group(1))
            if value is None:  # Quarto leaves the code in place
                pieces.append(m.group(0)[len(m.group(1)):])
            else:
                pieces.append((expression.strip(), value, item.line + n))
            last = m.end()
        pieces.append(line[last:] + "\n")
    # normalise the literal text as the frozen Markdown is normalised
    joined: list = []
    for piece in pieces:
        if isinstance(piece, str) and joined and isinstance(joined[-1], str):
            joined[-1] += piece
        else:
            joined.append(piece)
    out = [_tidy(p) if isinstance(p, str) else (p[0], _tidy(p[1]), p[2]) for p in joined]
    if isinstance(out[0], str):
        out[0] = out[0].lstrip(" \t\n")
    if isinstance(out[-1], str):
        out[-1] = out[-1].rstrip(" \t\n")
    return out


def _compare_prose(item: Prose, fmt: str, frozen: str, pos: int) -> tuple[int, list[Difference]]:
    pieces = _prose_pieces(item, fmt)
    expected = "".join(p if isinstance(p, str) else p[1] for p in pieces)
    pos = _skip_blank(frozen, pos)
    if frozen.startswith(expected, pos):
        return pos + len(expected), []
    # read each expression's frozen value off between the literal text around it
    pattern = "".join(re.escape(p) if isinstance(p, str) else
                      (r"([^\n]*?)" if k < len(pieces) - 1 else r"([^\n]*)") for k, p in enumerate(pieces))
    pattern += r"(?=\n|\Z)"  # a Markdown cell ends at the end of a line
    m = re.compile(pattern).match(frozen, pos)
    if m is None:
        a, b = frozen[pos:].split("\n"), expected.split("\n")
        k = next((k for k, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
        shown = clip(a[k] if k < len(a) else "(end)", b[k] if k < len(b) else "(end)")
        raise _Lost(Difference(item.line + k, "prose (the frozen text no longer follows the chapter here)", *shown))
    slots = [p for p in pieces if not isinstance(p, str)]
    found = [Difference(line, f"inline `{expression}`", *clip(m.group(k + 1), value))
             for k, (expression, value, line) in enumerate(slots) if m.group(k + 1) != value]
    return m.end(), found


def _cell_div(first_line: str, cell: Code) -> bool:
    """Whether a frozen line opens this cell's div: a div of class .cell whose execution_count,
    Quarto's count of the chapter's code cells, is the cell's."""
    m = DIV_OPEN.match(first_line)
    if not (m and re.search(r"(?:^|[\s{])\.cell(?=[\s}])", m.group(2))):
        return False
    count = re.search(r"\sexecution_count=(\d+)", m.group(2))
    return count is None or int(count.group(1)) == cell.ordinal


def _after_fence(text: str, pos: int) -> int:
    """The position after the fenced code block that starts at pos."""
    lines = text[pos:].split("\n")
    marker = FENCE_OPEN.match(lines[0]).group(1)
    closing = re.compile(r"^\s*" + re.escape(marker[0]) + "{" + str(len(marker)) + r",}\s*$")
    end = next((k for k in range(1, len(lines)) if closing.match(lines[k])), len(lines) - 1)
    return pos + len("\n".join(lines[:end + 1]))


def _compare_cell(item: Code, fmt: str, defaults: dict, frozen: str, pos: int,
                  anchor: str | None = None) -> tuple[int, list[Difference]]:
    """Compare a cell with the frozen Markdown at pos (anchor: the first line of the text that
    follows it, which ends the raw text of an asis cell)."""
    now = rendered_outputs(item, fmt, defaults)
    if now is None:  # include: false
        return pos, []
    start = _skip_blank(frozen, pos)
    asis = _option(item, defaults, "output") == "asis"
    first = frozen[start:].split("\n", 1)[0]
    if _cell_div(first, item):
        lines = frozen[start:].split("\n")
        end, children = _end_of_div(lines, 0)
        after = start + len("\n".join(lines[:end + 1]))
        if asis:  # a div holding raw text: everything but the echoed code and output divs
            inner = "\n".join(line for k, line in enumerate(lines[1:end], 1)
                              if not any(i <= k <= j for _, i, j in children))
            inner = re.sub(r"^(`{3,})[^\n]*\.cell-code[^\n]*\n.*?^\1[ \t]*$", "", inner, flags=re.S | re.M)
            return after, _text_differences(f"{item.name} (output: asis)", item.line, inner, asis_text(now))
        return after, compare_outputs(item, frozen_outputs(lines, 0, item), now)
    if asis and now:  # raw text, after the echoed code if any
        if FENCE_OPEN.match(first) and ".cell-code" in first:
            start = _skip_blank(frozen, _after_fence(frozen, start))
        expected = normalise(asis_text(now))
        if frozen.startswith(expected, start):
            return start + len(expected), []
        end = frozen.find(anchor, start) if anchor else -1
        end = end if end >= 0 else start + len(expected)
        return end, _text_differences(f"{item.name} (output: asis)", item.line, frozen[start:end], expected)
    return pos, compare_outputs(item, [], now)  # the freeze shows nothing of this cell


def compare(items: list[Code | Prose], markdown: str, fmt: str, defaults: dict) -> list[Difference]:
    """The differences between this run (items, after run()) and a frozen executed Markdown."""
    frozen = normalise(markdown)
    pos, found = 0, []
    try:
        for k, item in enumerate(items):
            if isinstance(item, Prose):
                pos, new = _compare_prose(item, fmt, frozen, pos)
            else:
                after = items[k + 1] if k + 1 < len(items) else None
                first = _prose_pieces(after, fmt)[0] if isinstance(after, Prose) else None
                anchor = first.split("\n")[0] if isinstance(first, str) and first.strip() else None
                pos, new = _compare_cell(item, fmt, defaults, frozen, pos, anchor)
            found += new
        rest = frozen[_skip_blank(frozen, pos):]
        if rest:
            found.append(Difference(0, "end of chapter: the freeze has more", *clip(rest, "")))
    except _Lost as lost:
        found.append(lost.args[0])
    for difference in found:
        difference.formats = [fmt]
    return found


# ---------------------------------------------------------------------------------------------
# Chapters


@dataclass
class Outcome:
    chapter: str
    status: str  # identical, different, stale, missing, error, nothing
    differences: list[Difference] = field(default_factory=list)
    message: str = ""


def verify_chapter(root: Path, chapter: str, kernel: str = "python3") -> Outcome:
    path = root / chapter
    text = path.read_text()
    if not has_code(text):
        return Outcome(chapter, "nothing", message="no Python cells or inline expressions")
    formats, markdown = book_formats(root), {}
    for fmt in formats:
        file = freeze_file(root, chapter, fmt)
        if not file.is_file():
            return Outcome(chapter, "missing", message=(
                f"freeze missing ({file.relative_to(root)}): render the book and commit _freeze/"))
        frozen = json.loads(file.read_text())
        if frozen.get("hash") != source_hash(text):
            return Outcome(chapter, "stale", message=(
                f"freeze is stale: {file.relative_to(root)} was made from another version of the "
                f"chapter (hash {frozen.get('hash')}, the chapter's is {source_hash(text)}): "
                "render the book and commit _freeze/"))
        markdown[fmt] = frozen["result"]["markdown"]
    front = re.match(r"---\n(.*?)\n---\s*\n", text.replace("\r\n", "\n"), re.S)
    front = (yaml.safe_load(front.group(1)) or {}) if front else {}
    items = split(text)
    try:
        run(path, items, kernel=kernel)
    except Exception as error:  # a dead kernel or a timeout: nothing to compare
        return Outcome(chapter, "error", message=f"could not run its cells: {error}")
    merged: dict = {}
    for fmt in formats:
        options = execute_options(root, fmt) | (front.get("execute") or {})
        for difference in compare(items, markdown[fmt], fmt, options):
            if difference.key() in merged:
                merged[difference.key()].formats += difference.formats
            else:
                merged[difference.key()] = difference
    differences = sorted(merged.values(), key=lambda d: d.line)
    return Outcome(chapter, "different" if differences else "identical", differences)


def report(outcome: Outcome, show: int = 5, formats: int = 1) -> str:
    if outcome.status == "identical":
        return f"{outcome.chapter}: identical"
    if outcome.status != "different":
        return f"{outcome.chapter}: {outcome.message}"
    n = len(outcome.differences)
    lines = [f"{outcome.chapter}: {n} difference{'s' if n != 1 else ''}"]
    for d in outcome.differences[:show]:
        where = f"line {d.line}, {d.what}" if d.line else d.what
        tag = f" [{', '.join(d.formats)}]" if len(d.formats) < formats else ""
        lines.append(f"  {where}{tag}")
        lines.append("    freeze: " + d.frozen.replace("\n", "\n            "))
        lines.append("    now:    " + d.now.replace("\n", "\n            "))
    if n > show:
        lines.append(f"  ... and {n - show} more")
    return "\n".join(lines)


@contextlib.contextmanager
def _read_log(active: bool):
    """While active, every Store.load of the kernels started inside appends its artifact's name to
    a temporary file (store.READ_LOG); yields a list that holds the sorted distinct names on exit."""
    from .store import READ_LOG

    names = []
    if not active:
        yield names
        return
    with tempfile.NamedTemporaryFile("r", suffix=".log") as log:
        previous = os.environ.get(READ_LOG)
        os.environ[READ_LOG] = log.name
        try:
            yield names
        finally:
            names.extend(sorted(set(Path(log.name).read_text().split())))
            if previous is None:
                os.environ.pop(READ_LOG, None)
            else:
                os.environ[READ_LOG] = previous


def _write_readers(readers: dict) -> None:
    """Merge chapter -> loaded artifacts into the store's readers.json (chapters not run keep theirs)."""
    from .store import READERS, default_root

    path = default_root() / READERS
    known = json.loads(path.read_text()) if path.exists() else {}
    merged = {k: v for k, v in known.items() if k not in readers} | {k: v for k, v in readers.items() if v}
    path.write_text(json.dumps(merged, indent=1, sort_keys=True) + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deeprg.verify", description=(
        "Rerun the book's cells from data/ and compare their printed values, tables and output "
        "(figures by presence) with the frozen book in _freeze/."))
    parser.add_argument("chapters", nargs="*", help="chapters to check (default: every chapter of _quarto.yml)")
    parser.add_argument("--root", type=Path, default=None, help="the book's folder (default: the one holding _quarto.yml)")
    parser.add_argument("--show", type=int, default=5, help="differences shown per chapter (default 5)")
    parser.add_argument("--kernel", default="python3", help="Jupyter kernel (default python3)")
    parser.add_argument("--readers", action="store_true", help=(
        "also record which artifacts each chapter's cells load, into data/readers.json (then "
        "python -m deeprg.store writes data/index.csv from it)"))
    args = parser.parse_args(argv)
    root = (args.root or book_root()).resolve()
    chapters = args.chapters or book_chapters(root)
    start, failed, checked, readers = time.perf_counter(), [], 0, {}
    for chapter in chapters:
        chapter = Path(chapter).resolve().relative_to(root).as_posix() if Path(chapter).is_absolute() else chapter
        if not (root / chapter).is_file():
            print(f"{chapter}: no such chapter", flush=True)
            failed.append(chapter)
            continue
        with _read_log(args.readers) as loaded:
            outcome = verify_chapter(root, chapter, kernel=args.kernel)
        if args.readers:
            readers[chapter] = loaded
        if outcome.status == "nothing":
            print(f"{chapter}: no Python code (nothing to compare)", flush=True)
            continue
        checked += 1
        print(report(outcome, args.show, len(book_formats(root))), flush=True)
        if outcome.status != "identical":
            failed.append(chapter)
    if args.readers:
        _write_readers(readers)
    seconds = time.perf_counter() - start
    print(f"verify: {checked} chapter{'s' if checked != 1 else ''} checked against _freeze/ in {seconds:.0f} s: "
          + (f"{len(failed)} not identical ({', '.join(failed)})" if failed else "all identical"), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
