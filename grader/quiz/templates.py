"""Template rendering: a bank's texts are jinja2 templates and its answers, values and
constraints jinja2 expressions, all evaluated in a variant's context (its parameters and the
functions of the course's solutions)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import jinja2

from grader.quiz.model import fixed, format_number


def _num(value: Any, decimals: int = 3) -> str:
    return fixed(float(value), int(decimals))


def _g(value: Any, digits: int = 4) -> str:
    return format_number(float(value), int(digits))


def _make_env() -> jinja2.Environment:
    env = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=False, keep_trailing_newline=False)
    env.filters["num"] = _num
    env.filters["g"] = _g
    return env


ENV = _make_env()


@dataclass(frozen=True)
class Expr:
    """A jinja2 expression of the bank (``elu(x, alpha=alpha)``), evaluated in a variant's
    context: its parameters plus the bank's solution functions."""

    source: str
    fn: Callable[..., Any] = field(repr=False, compare=False)

    def __call__(self, ctx: Mapping[str, Any]) -> Any:
        return self.fn(**ctx)


@dataclass(frozen=True)
class Template:
    """One language's text of the bank: its jinja2 template, or the text itself when it has no
    jinja syntax (most of a bank), which then needs no rendering."""

    source: str
    compiled: jinja2.Template = field(repr=False, compare=False)
    static: str | None = None

    def render(self, ctx: Mapping[str, Any]) -> str:
        return self.static if self.static is not None else self.compiled.render(ctx).strip()


Text = Mapping[str, Template]  # lang -> template


def compile_template(source: str) -> Template:
    """jinja2.TemplateSyntaxError if ``source`` is not a template."""
    static = None if any(mark in source for mark in ("{{", "{%", "{#")) else source.strip()
    return Template(source, ENV.from_string(source), static)


def compile_expression(source: str) -> Expr:
    """jinja2.TemplateSyntaxError if ``source`` is not an expression."""
    return Expr(source, ENV.compile_expression(source, undefined_to_none=False))


def render(text: Text, lang: str, ctx: Mapping[str, Any]) -> str:
    return text[lang].render(ctx)
