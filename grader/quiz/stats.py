"""Bank statistics and exhaustive checks (``dlgrade quiz check``, and the project's tests).

For every question with parameters: render every variant of its parameter space in both
languages when the space has at most ``EXHAUSTIVE`` points (so no student can ever draw a
variant whose key is wrong or whose distractor lands inside the tolerance), else ``draws``
random ones; and count the distinct variants the seeds reach.
"""

from __future__ import annotations

from dataclasses import dataclass

from grader.errors import ConfigError
from grader.quiz import seeds
from grader.quiz.model import LANGS
from grader.quiz.params import draw_params, parameter_space
from grader.quiz.specs import Bank, QuestionSpec
from grader.quiz.variants import instantiate

EXHAUSTIVE = 5000


@dataclass(frozen=True)
class CheckRow:
    qid: str
    type: str
    checked: int
    distinct: int
    space: int | None
    ok: bool
    reason: str = ""


def _seeds_covering_space(bank: Bank, q: QuestionSpec, space: int, limit: int) -> list[int]:
    """Pool-like seeds until every parameter set of a small space has been reached."""
    found: dict[str, int] = {}
    k = 0
    while len(found) < space and k < limit:
        seed = seeds.pool_seed("check", q.topic, q.id, q.version, k)
        found.setdefault(repr(sorted(draw_params(bank, q, seed).items())), seed)
        k += 1
    return list(found.values())


def check_question(bank: Bank, q: QuestionSpec, *, draws: int = 2000, min_distinct: int = 100) -> CheckRow:
    if not q.parameterised:
        try:
            for lang in LANGS:
                instantiate(bank, q, seeds.pool_seed("check", q.topic, q.id, q.version, 0), lang)
        except ConfigError as e:
            return CheckRow(q.id, q.type, 1, 1, 1, False, str(e))
        return CheckRow(q.id, q.type, 1, 1, 1, True)
    space = parameter_space(bank, q)
    distinct = set()
    for k in range(draws):
        distinct.add(repr(sorted(draw_params(bank, q, seeds.pool_seed("stats", q.topic, q.id, q.version, k)).items())))
    if space is not None and space <= EXHAUSTIVE:
        to_check = _seeds_covering_space(bank, q, space, limit=50 * space + 1000)
    else:
        to_check = [seeds.pool_seed("check", q.topic, q.id, q.version, k) for k in range(draws)]
    try:
        for seed in to_check:
            for lang in LANGS:
                instantiate(bank, q, seed, lang)
    except ConfigError as e:
        return CheckRow(q.id, q.type, len(to_check), len(distinct), space, False, str(e))
    # a small space was walked until every point was reached: that count is exact
    n_distinct = len(to_check) if space is not None and space <= EXHAUSTIVE else len(distinct)
    need = min_distinct if space is None else min(min_distinct, space)
    if n_distinct < need:
        return CheckRow(
            q.id, q.type, len(to_check), n_distinct, space, False, f"only {n_distinct} distinct variants (need {need})"
        )
    if space is not None and space <= EXHAUSTIVE and len(to_check) < space:
        return CheckRow(
            q.id, q.type, len(to_check), len(distinct), space, False, f"only {len(to_check)} of {space} variants reached"
        )
    return CheckRow(q.id, q.type, len(to_check), n_distinct, space, True)


def check_bank(bank: Bank, *, draws: int = 2000, min_distinct: int = 100) -> list[CheckRow]:
    return [check_question(bank, q, draws=draws, min_distinct=min_distinct) for q in bank.questions]
