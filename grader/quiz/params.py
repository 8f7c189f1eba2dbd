"""Parameter drawing: a variant's parameters from its seed, rejection-sampled against the
question's ``where``, and the size of a question's parameter space."""

from __future__ import annotations

import itertools
import math
from typing import Any

from grader.quiz.reference import from_np
from grader.quiz.specs import Bank, QuestionSpec

MAX_TRIES = 1000  # draws tried before a question's ``where`` is declared unsatisfiable
ENUMERATE_LIMIT = 200_000  # parameter spaces up to this size are counted exactly


def draw_params(bank: Bank, q: QuestionSpec, seed: int) -> dict[str, Any]:
    """The parameters of a question's variant ``seed`` (rejection-sampled against ``where``)."""
    if not q.params:
        return {}
    for attempt in range(MAX_TRIES):
        ctx: dict[str, Any] = dict(bank.namespace)
        params: dict[str, Any] = {}
        for p in q.params:
            value = p.expr(ctx) if p.expr is not None else p.draw(seed, attempt)
            value = from_np(value)
            ctx[p.name] = params[p.name] = value
        if q.where is None or q.where(ctx):
            return params
    raise bank.error(q, f"no parameters satisfy where: {q.where.source if q.where else ''} in {MAX_TRIES} draws")


def parameter_space(bank: Bank, q: QuestionSpec) -> int | None:
    """The number of distinct parameter sets a question can draw (None: too many to count)."""
    drawn = [p for p in q.params if p.kind != "expr"]
    total = math.prod(p.space() for p in drawn)
    if q.where is None:
        return total
    if total > ENUMERATE_LIMIT:
        return None
    count = 0
    for combo in itertools.product(*(p.all_values() for p in drawn)):
        ctx: dict[str, Any] = dict(bank.namespace)
        fixed_values = dict(zip((p.name for p in drawn), combo))
        for p in q.params:
            ctx[p.name] = from_np(p.expr(ctx)) if p.expr is not None else fixed_values[p.name]
        count += bool(q.where(ctx))
    return count
