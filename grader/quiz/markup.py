"""Bank text (Markdown with ``$...$`` and ``$$...$$`` math) to what each target shows.

Math is cut out before Markdown sees it (so ``a_1 * b_2`` is never read as emphasis) and put
back afterwards in the target's form:

- ``mathml``: MathML from latex2mathml, for the standalone HTML quiz (no JavaScript, no fonts to
  ship: Chromium, Firefox and Safari render MathML Core natively);
- ``tex``: ``\\( ... \\)`` / ``\\[ ... \\]`` for LMSs that run MathJax (Open edX, Moodle, Canvas);
- ``plain``: the TeX source, for titles and other plain-text fields.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache

from latex2mathml.converter import convert as _latex_to_mathml
from markdown_it import MarkdownIt

_MATH = re.compile(r"(?<!\\)\$\$(.+?)(?<!\\)\$\$|(?<!\\)\$(?![\s$])(.+?)(?<![\s\\])\$", re.S)
_PLACEHOLDER = re.compile("\ue000(\\d+)\ue001")
_MARKDOWN_SYNTAX = re.compile(r"[*_`\[\]<>&\\#|~!]|\n|^\s*(\d+[.)]|[-+])\s")
_MD = MarkdownIt("commonmark", {"html": False})


def split_math(text: str) -> tuple[str, list[tuple[bool, str]]]:
    """``text`` with every formula replaced by a placeholder, and the formulas
    as (display?, TeX)."""
    formulas: list[tuple[bool, str]] = []

    def cut(m: re.Match[str]) -> str:
        display = m.group(1) is not None
        formulas.append((display, (m.group(1) if display else m.group(2)).strip()))
        return f"\ue000{len(formulas) - 1}\ue001"

    return _MATH.sub(cut, text), formulas


@lru_cache(maxsize=65536)
def mathml(tex: str, display: bool) -> str:
    try:
        out = _latex_to_mathml(tex, display="block" if display else "inline")
    except Exception:  # an unsupported command: show the source rather than fail a quiz
        return f'<code class="tex">{html.escape(tex)}</code>'
    return out


def _math(display: bool, tex: str, mode: str) -> str:
    if mode == "mathml":
        return mathml(tex, display)
    if mode == "tex":
        body = html.escape(tex, quote=False)
        return f"\\[{body}\\]" if display else f"\\({body}\\)"
    return tex


@lru_cache(maxsize=65536)
def to_html(text: str, math: str = "mathml", inline: bool = False) -> str:
    """Markdown with math to an HTML fragment (``inline``: no ``<p>`` around one paragraph)."""
    body, formulas = split_math(text)
    if not _MARKDOWN_SYNTAX.search(body):
        out = html.escape(body, quote=False)
        out = out if inline else f"<p>{out}</p>"
    else:
        out = _MD.renderInline(body) if inline else _MD.render(body).strip()
    if formulas:
        out = _PLACEHOLDER.sub(lambda m: _math(*formulas[int(m.group(1))], math), out)
    return out


def to_plain(text: str) -> str:
    """A one-line plain-text form (titles, names): math keeps its TeX, Markdown marks go."""
    body, formulas = split_math(text)
    body = re.sub(r"[*_`]", "", body)
    body = _PLACEHOLDER.sub(lambda m: formulas[int(m.group(1))][1], body)
    return " ".join(body.split())


def to_markdown(text: str) -> str:
    """Markdown for the .md writer: the bank's text is already Markdown with $math$."""
    return text.strip()
