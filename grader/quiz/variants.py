"""Variant checking: a question and a seed to an ``Item`` in one language, and the checks every
variant must pass (a finite answer, the key within its own tolerance, every modelled mistake
outside it, distinct choices, exactly one correct choice where one is due)."""

from __future__ import annotations

import math
from typing import Any

import jinja2
import numpy as np

from grader.errors import ConfigError
from grader.quiz import seeds
from grader.quiz.model import Choice, Item, Mistake, NumericKey, Option, Pair, fixed, format_number
from grader.quiz.params import draw_params
from grader.quiz.specs import Bank, MistakeSpec, QuestionSpec
from grader.quiz.templates import Expr, render
from grader.text import L

TRUE, FALSE = L("True", "Верно"), L("False", "Неверно")  # the two choices of a true/false item


def _float(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{what} is {value!r}, not a number")
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"{what} is {number}, not finite")
    return number


def instantiate(bank: Bank, q: QuestionSpec, seed: int, lang: str) -> Item:
    """The variant ``seed`` of question ``q`` in ``lang``, checked."""
    try:
        return _instantiate(bank, q, seed, lang)
    except ConfigError:
        raise
    except Exception as e:  # a template, expression or check failed for this variant
        reason = e.message if isinstance(e, jinja2.TemplateError) and e.message else str(e)
        raise bank.error(
            q,
            f"variant {seeds.variant_id(q.topic, q.id, seed)} ({lang}): "
            f"{type(e).__name__ if not isinstance(e, ValueError) else ''}"
            f"{': ' if not isinstance(e, ValueError) else ''}{reason}",
        ) from None


def _instantiate(bank: Bank, q: QuestionSpec, seed: int, lang: str) -> Item:
    params = draw_params(bank, q, seed)
    ctx: dict[str, Any] = dict(bank.namespace)
    ctx.update(params)
    ctx["lang"] = lang
    values: dict[str, Any] = {}
    ctx["values"] = values
    item: dict[str, Any] = dict(
        topic=q.topic,
        qid=q.id,
        version=q.version,
        variant_id=seeds.variant_id(q.topic, q.id, seed),
        seed=seed,
        type=q.type,
        lang=lang,
        points=q.points,
        tags=q.tags,
        params=tuple(params.items()),
    )
    numeric: NumericKey | None = None
    if q.type == "numeric":
        assert isinstance(q.answer, Expr)
        value = _float(q.answer(ctx), f"the answer {q.answer.source}")
        ctx["answer"] = value
        mistakes = []
        for m in q.mistakes:
            mv = _float(m.value(ctx), f"mistake {m.id!r} ({m.value.source})")
            values[m.id] = mv
            mistakes.append((m, mv))
        numeric = NumericKey(value=value, atol=q.atol, rtol=q.rtol, decimals=q.decimals)
        _check_numeric(numeric, q, mistakes)
        numeric = NumericKey(
            value=value,
            atol=q.atol,
            rtol=q.rtol,
            decimals=q.decimals,
            mistakes=tuple(Mistake(m.id, mv, render(m.feedback, lang, ctx) if m.feedback else "") for m, mv in mistakes),
        )
        item["numeric"] = numeric
    elif q.type == "truefalse":
        answer = q.answer if isinstance(q.answer, bool) else q.answer(ctx)  # type: ignore[misc]
        if not isinstance(answer, (bool, np.bool_)):
            raise ValueError(f"the true/false answer is {answer!r}, not a bool")
        ctx["answer"] = bool(answer)
        yes, no = TRUE(lang), FALSE(lang)
        item["choices"] = (
            Choice("true", "true", yes, bool(answer), float(bool(answer))),
            Choice("false", "false", no, not answer, float(not answer)),
        )
        item["shuffle"] = False
    elif q.type in ("single", "multi"):
        item["choices"] = _render_choices(q, seed, lang, ctx, values)
        item["shuffle"] = q.order == "shuffle"
        item["policy"] = q.policy if q.type == "multi" else "all_or_nothing"
    elif q.type == "short":
        item["answers"] = q.answers[lang]
        ctx["answer"] = q.answers[lang][0]
    elif q.type == "matching":
        pairs = tuple(Pair(p.id, p.public_id, render(p.left, lang, ctx), render(p.right, lang, ctx)) for p in q.pairs)
        options = [Option(p.id, s.option_id, p.right) for p, s in zip(pairs, q.pairs)]
        options += [Option(e.id, e.option_id, render(e.right, lang, ctx)) for e in q.extras]
        for o in options:
            if "$" in o.text:
                raise ValueError(
                    f"matching option {o.id!r} has math ($): LMS drop-down lists "
                    "show options as plain text, so write it in Unicode (σ, eˣ, ²)"
                )
        _check_distinct([(o.id, o.text) for o in options], "matching options")
        _check_distinct([(p.id, p.left) for p in pairs], "matching premises")
        options.sort(key=lambda o: seeds.hash_int("order", seed, o.id))
        item["pairs"], item["options"] = pairs, tuple(options)
        item["policy"] = q.policy
    item["title"] = render(q.title, lang, ctx)
    item["text"] = render(q.text, lang, ctx)
    item["feedback"] = render(q.feedback, lang, ctx) if q.feedback else ""
    return Item(**item)


def _check_numeric(key: NumericKey, q: QuestionSpec, mistakes: list[tuple[MistakeSpec, float]]) -> None:
    tol = key.tolerance
    if q.decimals is not None:
        shown = float(fixed(key.value, q.decimals))
        if not key.accepts(shown):
            raise ValueError(
                f"the answer {format_number(key.value)} rounded to {q.decimals} decimals "
                f"({fixed(key.value, q.decimals)}) is outside its own tolerance ±{tol:.3g}: "
                "widen the tolerance or ask for more decimals"
            )
    if q.key is not None and not key.accepts(q.key):
        raise ValueError(
            f"the answer {format_number(key.value)} computed by "
            f"{q.answer.source if isinstance(q.answer, Expr) else ''} is not within "
            f"±{tol:.3g} of the bank's key {format_number(q.key)}"
        )
    for m, mv in mistakes:
        if key.accepts(mv):
            raise ValueError(
                f"mistake {m.id!r} = {format_number(mv)} lies within the tolerance "
                f"±{tol:.3g} of the answer {format_number(key.value)}: it would be "
                "graded right (add a `where`, or tighten the tolerance)"
            )


def _check_distinct(entries: list[tuple[str, str]], what: str) -> None:
    seen: dict[str, str] = {}
    for eid, text in entries:
        norm = " ".join(text.split())
        if norm in seen:
            raise ValueError(f"{what} {seen[norm]!r} and {eid!r} render the same text {text!r}")
        seen[norm] = eid


def _render_choices(q: QuestionSpec, seed: int, lang: str, ctx: dict[str, Any], values: dict[str, Any]) -> tuple[Choice, ...]:
    decimals = 3 if q.decimals is None else q.decimals
    for c in q.choices:
        if c.value is not None:
            values[c.id] = _float(c.value(ctx), f"choice {c.id!r} ({c.value.source})")
    out: list[Choice] = []
    for c in q.choices:
        cctx = ctx
        if c.value is not None:
            cctx = {**ctx, "value": values[c.id]}
        correct = c.correct if isinstance(c.correct, bool) else c.correct(cctx)
        if not isinstance(correct, (bool, np.bool_)):
            raise ValueError(f"choice {c.id!r}: correct is {correct!r}, not a bool")
        text = render(c.text, lang, cctx) if c.text is not None else f"${fixed(values[c.id], decimals)}$"
        credit = 1.0 if correct else (c.credit or 0.0)
        out.append(Choice(c.id, c.public_id, text, bool(correct), credit, render(c.feedback, lang, cctx) if c.feedback else ""))
    n_correct = sum(c.correct for c in out)
    if q.type == "single" and n_correct != 1:
        raise ValueError(f"a single-choice question needs exactly one correct choice, this variant has {n_correct}")
    if q.type == "multi" and n_correct < 1:
        raise ValueError("a multiple-choice question needs at least one correct choice")
    _check_distinct([(c.id, c.text) for c in out], "choices")
    if q.order == "shuffle":
        out.sort(key=lambda c: seeds.hash_int("order", seed, c.id))
    elif q.order == "sorted":
        out.sort(key=lambda c: values[c.id])
    return tuple(out)
