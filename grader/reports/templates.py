"""The reports' jinja2 environments. Every value a template prints passes a ``finalize`` that
makes it inert for the format: in HTML the student's text is cleaned of control characters and
capped (grader.render.clean), then autoescaped; in Markdown it is one line with every
punctuation escaped (grader.render.md). Nothing is marked safe but what this package built
itself from escaped parts (``markupsafe.Markup``)."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from grader.render import clean, md

TEMPLATES = Path(__file__).resolve().parent / "templates"


def _number(value: float) -> str:
    return f"{value:g}"


def _html_value(value: Any) -> Any:
    if isinstance(value, Markup):
        return value
    if isinstance(value, bool) or value is None:
        return "" if value is None else str(value)
    if isinstance(value, (int, float)):
        return _number(value)
    return clean(value)


def _md_value(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return "" if value is None else str(value)
    if isinstance(value, (int, float)):
        return md(_number(value))
    return md(value)


@cache
def environment(kind: str) -> jinja2.Environment:
    """``html`` or ``md``: templates of that kind, with the finalize that makes values inert."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        undefined=jinja2.StrictUndefined,
        autoescape=kind == "html",
        finalize=_html_value if kind == "html" else _md_value,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env


def render(template: str, **context: Any) -> str:
    kind = "html" if template.endswith(".html.j2") else "md"
    return environment(kind).get_template(template).render(**context)
