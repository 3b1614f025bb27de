"""The book's post-render step (`project: post-render:` in _quarto.yml): no TeX where readers see text.

Quarto writes a figure's caption into the `title` of its lightbox link (shown as a tooltip and
by the lightbox) with its math as raw TeX ("the 40\\times 40 torus", "T_c"), and its search
index (search.json) holds every formula twice, as the text of its MathML and as its TeX
annotation ("TλT_\\lambda", "hjh_j"). This script rewrites both in the rendered book:

- in the HTML, the attributes a reader or a screen reader meets (title, aria-label, alt, the
  lightbox's data-*, meta content) and <title>: TeX becomes plain Unicode text (tex_to_text:
  \\lambda -> λ, T_\\lambda -> Tλ, 10^{-3} -> 10⁻³, \\mathrm{KL} -> KL, \\Vert -> ‖, \\times -> ×);
- in search.json, each formula's TeX copy is dropped where it follows the formula's MathML text
  (read from the page's <math> elements), and what TeX is left is converted as above.

The math in the pages themselves (MathML with its TeX annotation) is left alone. Standard
library only, so that Quarto can run it with any Python 3: `python code/src/deeprg/postrender.py
[OUTPUT_DIR]` (default: $QUARTO_PROJECT_OUTPUT_DIR, else _book beside _quarto.yml). It is
idempotent, and a render of one chapter runs it too (over the whole output folder)."""

from __future__ import annotations

import html
import json
import os
import re
import sys
from pathlib import Path

# What a test counts as TeX left in reader-facing text.
TEX = re.compile(r"\\[a-zA-Z]{2,}|[A-Za-z0-9]_\{|\^\{")

GREEK = {
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "varepsilon": "ε", "zeta": "ζ",
    "eta": "η", "theta": "θ", "vartheta": "ϑ", "iota": "ι", "kappa": "κ", "lambda": "λ", "mu": "μ", "nu": "ν",
    "xi": "ξ", "pi": "π", "varpi": "ϖ", "rho": "ρ", "varrho": "ϱ", "sigma": "σ", "varsigma": "ς", "tau": "τ",
    "upsilon": "υ", "phi": "φ", "varphi": "φ", "chi": "χ", "psi": "ψ", "omega": "ω",
    "Gamma": "Γ", "Delta": "Δ", "Theta": "Θ", "Lambda": "Λ", "Xi": "Ξ", "Pi": "Π", "Sigma": "Σ",
    "Upsilon": "Υ", "Phi": "Φ", "Psi": "Ψ", "Omega": "Ω",
}
# Binary operators and relations: printed with a space on each side.
OPERATORS = {
    "times": "×", "cdot": "·", "pm": "±", "mp": "∓", "div": "÷", "le": "≤", "leq": "≤", "ge": "≥", "geq": "≥",
    "ne": "≠", "neq": "≠", "approx": "≈", "simeq": "≃", "sim": "∼", "equiv": "≡", "propto": "∝", "to": "→",
    "rightarrow": "→", "leftarrow": "←", "Rightarrow": "⇒", "Leftrightarrow": "⇔", "mapsto": "↦",
    "in": "∈", "notin": "∉", "subset": "⊂", "subseteq": "⊆", "cup": "∪", "cap": "∩", "ll": "≪", "gg": "≫",
    "mid": "|", "Vert": "‖", "parallel": "∥", "otimes": "⊗", "oplus": "⊕", "circ": "∘",
}
SYMBOLS = {
    "infty": "∞", "partial": "∂", "nabla": "∇", "sum": "∑", "prod": "∏", "int": "∫", "forall": "∀",
    "exists": "∃", "ell": "ℓ", "hbar": "ℏ", "prime": "′", "ldots": "…", "dots": "…", "cdots": "⋯",
    "vert": "|", "lvert": "|", "rvert": "|", "lVert": "‖", "rVert": "‖", "langle": "⟨", "rangle": "⟩",
    "lbrace": "{", "rbrace": "}", "{": "{", "}": "}", "|": "‖", "%": "%", "$": "$", "&": "&", "#": "#",
    "_": "_", "backslash": "\\", "degree": "°", "star": "⋆", "ast": "∗", "emptyset": "∅", "top": "⊤",
}
OPENING = {"lvert", "lVert", "langle", "lbrace"}
FUNCTIONS = {"ln", "log", "exp", "sin", "cos", "tan", "sinh", "cosh", "tanh", "coth", "max", "min", "sup", "inf",
             "lim", "det", "arg", "deg", "dim", "ker", "Pr", "gcd"}
SPACES = {",": " ", ";": " ", ":": " ", ">": " ", " ": " ", "!": "", "quad": " ", "qquad": " ", "enspace": " ",
          "thinspace": " ", "\\": " ", "newline": " "}
IGNORED = {"left", "right", "big", "Big", "bigg", "Bigg", "bigl", "bigr", "Bigl", "Bigr", "biggl", "biggr",
           "displaystyle", "textstyle", "scriptstyle", "limits", "nolimits", "nonumber", "notag", "middle"}
WRAPPERS = {"mathrm", "text", "textrm", "textnormal", "mathit", "mathbf", "mathsf", "mathtt", "mathcal",
            "mathbb", "mathfrak", "mathscr", "operatorname", "boldsymbol", "bm", "textbf", "textit", "emph",
            "mbox", "hbox", "textsf", "texttt", "mathop", "mathord", "mathbin", "mathrel", "underline",
            "overline", "widetilde", "widehat", "vec", "overrightarrow", "tag"}
ACCENTS = {"hat": "\u0302", "bar": "\u0304", "tilde": "\u0303", "dot": "\u0307", "ddot": "\u0308"}
SUPERSCRIPTS = dict(zip("0123456789+-−=()ni", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁻⁼⁽⁾ⁿⁱ"))
SUBSCRIPTS = dict(zip("0123456789+-−=()", "₀₁₂₃₄₅₆₇₈₉₊₋₋₌₍₎"))


def _group(tex: str, i: int) -> tuple[str, int]:
    """The argument of a command or script at tex[i]: a {...} group (its inside), a control
    sequence, or one character; and the index after it. Leading spaces are skipped."""
    while i < len(tex) and tex[i] == " ":
        i += 1
    if i >= len(tex):
        return "", i
    if tex[i] == "{":
        depth, j = 1, i + 1
        while j < len(tex) and depth:
            if tex[j] == "\\":
                j += 2
                continue
            depth += {"{": 1, "}": -1}.get(tex[j], 0)
            j += 1
        return tex[i + 1: j - 1 if depth == 0 else j], j
    if tex[i] == "\\":
        m = re.match(r"\\([A-Za-z]+|.)", tex[i:])
        return m.group(0), i + len(m.group(0))
    return tex[i], i + 1


def _script(text: str, table: dict, mark: str) -> str:
    """A converted sub- or superscript: in Unicode script characters when it has only digits,
    signs and parentheses (10⁻³, x₁), else inline: a subscript run on (Tλ, pdata), a
    superscript after '^' (in parentheses when longer than one character)."""
    text = text.strip()
    if text and all(c in table for c in text):
        return "".join(table[c] for c in text)
    if mark == "_" or not text:
        return text
    return f"^{text}" if len(text) == 1 else f"^({text})"


def tex_to_text(tex: str) -> str:
    """TeX (math, with or without its $ signs, possibly inside prose) as plain Unicode text.
    A '_' or '^' counts as a script only before a group, a command or a single character that
    ends a word, so that names such as n_iter in prose stay as they are."""
    out, i = [], 0
    while i < len(tex):
        c = tex[i]
        if c == "$":
            i += 1
        elif c == "\\":
            m = re.match(r"\\([A-Za-z]+|.)", tex[i:]) if i + 1 < len(tex) else None
            if m is None:
                out.append(c)
                i += 1
                continue
            name, i = m.group(1), i + len(m.group(0))
            if name in GREEK:
                out.append(GREEK[name])
            elif name in OPERATORS:
                out.append(f" {OPERATORS[name]} ")
            elif name in SYMBOLS:
                out.append(SYMBOLS[name])
                if name in OPENING and tex[i:i + 1] == " ":  # "\lvert w" is |w|
                    i += 1
            elif name in FUNCTIONS:
                out.append(name)
            elif name in SPACES:
                out.append(SPACES[name])
            elif name in IGNORED:
                pass
            elif name in ("frac", "tfrac", "dfrac"):
                numerator, i = _group(tex, i)
                denominator, i = _group(tex, i)
                a, b = tex_to_text(numerator).strip(), tex_to_text(denominator).strip()
                wrap = lambda s: s if len(s) <= 1 or re.fullmatch(r"[\w.]+", s) else f"({s})"  # noqa: E731
                out.append(f"{wrap(a)}/{wrap(b)}")
            elif name == "sqrt":
                arg, i = _group(tex, i)
                arg = tex_to_text(arg).strip()
                out.append(f"√{arg}" if len(arg) <= 1 else f"√({arg})")
            elif name in ACCENTS:
                arg, i = _group(tex, i)
                arg = tex_to_text(arg)
                out.append(arg + ACCENTS[name] if len(arg) == 1 else arg)
            elif name in WRAPPERS:
                arg, i = _group(tex, i)
                out.append(tex_to_text(arg))
            elif name in ("begin", "end"):
                _, i = _group(tex, i)
            else:  # an unknown command: its name, without the backslash
                out.append(name)
        elif c in "_^":
            rest = tex[i + 1:]
            is_script = bool(re.match(r"\s*[{\\]", rest) or re.match(r"[^\s{}\\](?![A-Za-z0-9])", rest))
            if not is_script:
                out.append(c)
                i += 1
                continue
            arg, i = _group(tex, i + 1)
            text = tex_to_text(arg).replace("-", "−")
            out.append(_script(text, SUBSCRIPTS if c == "_" else SUPERSCRIPTS, c))
        elif c in "{}":
            i += 1
        elif c == "&" and not re.match(r"&(#?\w+);", tex[i:]):  # an alignment tab, not an entity
            out.append(" ")
            i += 1
        else:
            out.append(c)
            i += 1
    text = "".join(out)
    text = re.sub(r"[ \t]{2,}", " ", text)
    text = re.sub(r"\( | \)", lambda m: m.group(0).strip(), text)
    return text


# --- the rendered HTML ---------------------------------------------------------------------------

ATTRIBUTE = re.compile(r'(\s(?:title|aria-label|alt|data-title|data-description|data-caption|content)=")([^"]*)(")')
TITLE_ELEMENT = re.compile(r"(<title>)(.*?)(</title>)", re.S)


def _attribute(value: str) -> str:
    """An HTML attribute value (escaped) with its TeX as text, escaped again."""
    text = html.unescape(value)
    if not (TEX.search(text) or "$" in text or re.search(r"[A-Za-z0-9]_[A-Za-z0-9\\]|\^", text)):
        return value
    converted = tex_to_text(text)
    return value if converted == text else html.escape(converted, quote=True)


def rewrite_html(text: str) -> str:
    """A page with the TeX in its reader-facing attributes and <title> as plain text."""
    text = ATTRIBUTE.sub(lambda m: m.group(1) + _attribute(m.group(2)) + m.group(3), text)
    return TITLE_ELEMENT.sub(lambda m: m.group(1) + _attribute(m.group(2)) + m.group(3), text)


MATH = re.compile(r"<math\b[^>]*>(.*?)</math>", re.S)
ANNOTATION = re.compile(r'<annotation encoding="application/x-tex">(.*?)</annotation>', re.S)


def formulas(page: str) -> list[tuple[str, str]]:
    """(text of the MathML, TeX annotation) of each formula of a page, in document order, as a
    browser's textContent reads them (tags dropped, entities decoded)."""
    found = []
    for math in MATH.findall(page):
        annotation = ANNOTATION.search(math)
        if annotation is None:
            continue
        shown = html.unescape(re.sub(r"<[^>]+>", "", math[: annotation.start()]))
        found.append((shown, html.unescape(annotation.group(1))))
    return found


def _loose(text: str) -> str:
    """A regular expression for text as the search index may hold it: any whitespace between
    characters, and <, > and & either as they are or as entities."""
    escaped = {"<": "(?:<|&lt;)", ">": "(?:>|&gt;)", "&": "(?:&|&amp;)"}
    return r"\s*".join(escaped.get(c, re.escape(c)) for c in text if not c.isspace())


def _prose(page: str) -> str:
    """A page's text without its formulas and tags."""
    return html.unescape(re.sub(r"<[^>]+>", " ", MATH.sub(" ", page)))


def drop_tex_copies(text: str, page_formulas: list[tuple[str, str]], prose: str = "") -> str:
    """A search entry's text without the TeX copy that follows each formula's MathML text. A
    formula whose TeX has no markup (N, 40) is a doubled word (NN): it is undoubled only where
    the doubled word never occurs in the page's prose."""
    done = set()
    for shown, tex in sorted(page_formulas, key=lambda f: -len(f[1])):
        if (shown, tex) in done or not shown.strip() or not tex.strip():
            continue
        done.add((shown, tex))
        pattern = f"({_loose(shown)})\\s*{_loose(tex)}"
        if not re.search(r"[\\^_{}]", tex):
            doubled = shown.strip() + tex.strip()
            if re.search(rf"(?<!\w){re.escape(doubled)}(?!\w)", prose):
                continue
            pattern = rf"(?<!\w){pattern}(?!\w)"
        text = re.sub(pattern, lambda m: m.group(1), text)
    return text


def rewrite_search(entries: list[dict], pages: dict[str, str]) -> list[dict]:
    """search.json's entries with TeX copies dropped (pages maps an entry's page, as its href
    before '#', to the page's HTML) and what TeX is left converted to text."""
    cache = {}
    for entry in entries:
        page = entry.get("href", "").split("#")[0]
        if page not in cache:
            source = pages.get(page, "")
            cache[page] = (formulas(source), _prose(source))
        page_formulas, prose = cache[page]
        for key in ("title", "section", "text"):
            value = entry.get(key)
            if not isinstance(value, str):
                continue
            if key == "text":
                value = drop_tex_copies(value, page_formulas, prose)
            value = DOLLAR_SPAN.sub(lambda m: tex_to_text(m.group(0)), value)
            if TEX.search(value):
                value = TEX_SPAN.sub(lambda m: tex_to_text(m.group(0)), value)
            entry[key] = value
        if isinstance(entry.get("crumbs"), list):
            entry["crumbs"] = [tex_to_text(c) if isinstance(c, str) and TEX.search(c) else c for c in entry["crumbs"]]
    return entries


# A stretch of TeX inside other text: from a command, script or group to the next space that
# is not inside braces (e.g. "\lvert w\rvert" converts as two spans, "T_{\lambda}" as one).
DOLLAR_SPAN = re.compile(r"(?<![\\$])\$(?!\$)[^$\n]+?(?<!\\)\$")  # $...$ math left as TeX
TEX_SPAN = re.compile(r"(?:[A-Za-z0-9(]*)(?:\\[A-Za-z]+|[_^]\{)(?:\{[^{}]*(?:\{[^{}]*\}[^{}]*)*\}|[^\s{}])*")


def run(output_dir: Path) -> dict:
    """Rewrite the book in output_dir; return counts of what changed."""
    changed = {"pages": 0, "entries": 0}
    pages = {}
    for path in sorted(output_dir.rglob("*.html")):
        if "site_libs" in path.parts:
            continue
        source = path.read_text(encoding="utf-8")
        pages[path.relative_to(output_dir).as_posix()] = source
        rewritten = rewrite_html(source)
        if rewritten != source:
            path.write_text(rewritten, encoding="utf-8")
            changed["pages"] += 1
    index = output_dir / "search.json"
    if index.exists():
        entries = json.loads(index.read_text(encoding="utf-8"))
        before = json.dumps(entries, ensure_ascii=False)
        rewrite_search(entries, pages)
        after = json.dumps(entries, ensure_ascii=False)
        if after != before:
            changed["entries"] = sum(1 for a, b in zip(json.loads(before), entries) if a != b)
            index.write_text(json.dumps(entries, ensure_ascii=False, indent=2), encoding="utf-8")
    return changed


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    root = Path(__file__).resolve().parents[3]
    default = os.environ.get("QUARTO_PROJECT_OUTPUT_DIR") or "_book"
    output_dir = Path(argv[0] if argv else default)
    if not output_dir.is_absolute():
        output_dir = (Path.cwd() if (Path.cwd() / output_dir).exists() else root) / output_dir
    if not output_dir.is_dir():
        print(f"postrender: no output folder {output_dir}", file=sys.stderr)
        return 0
    changed = run(output_dir)
    print(f"postrender: plain text for TeX in {changed['pages']} pages and {changed['entries']} search entries")
    return 0


if __name__ == "__main__":
    sys.exit(main())
