"""Writers: items in, files out. ``student`` renders one student's quiz (md, html, json);
``export`` compiles pools of pre-generated variants for an LMS (gift, moodle, qti, olx)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from grader.errors import UsageError
from grader.quiz.specs import Bank
from grader.quiz.writers.common import Export, Pools, make_pools

if TYPE_CHECKING:
    from grader.quiz.writers.olx import CodeProblem

EXPORT_FORMATS = ("gift", "moodle", "qti", "olx")


def export(
    fmt: str,
    banks: dict[str, Bank],
    *,
    lang: str,
    variants: int,
    salt: str,
    course: str = "",
    questions_per_student: dict[str, int] | None = None,
    code: Sequence[CodeProblem] = (),
) -> Export:
    """Compile ``banks`` for one LMS: ``variants`` pre-generated variants of every question
    with parameters (one of a question without). ``course`` names the course where the target has
    a place for it (Open edX); ``code``, the programming exercises it gains (Open edX only)."""
    if variants < 1:
        raise UsageError("--variants must be at least 1")
    if fmt not in EXPORT_FORMATS:
        raise UsageError(f"unknown export format {fmt!r}: one of {', '.join(EXPORT_FORMATS)}")
    pools = make_pools(banks, variants, lang, salt)
    if fmt == "gift":
        from grader.quiz.writers.gift import export_gift as write
    elif fmt == "moodle":
        from grader.quiz.writers.moodle import export_moodle as write
    elif fmt == "qti":
        from grader.quiz.writers.qti import export_qti as write
    else:
        from grader.quiz.writers.olx import export_olx

        def write(pools: Pools, lang: str) -> Export:
            return export_olx(pools, lang, title=course, code=code)

    result = write(pools, lang)
    result.files[f"variants-{fmt}.csv"] = _manifest(fmt, pools)
    for topic, k in (questions_per_student or {}).items():
        n = len(banks[topic].questions) if topic in banks else k
        if k < n:
            result.notes.append(
                f"[{fmt}] {topic}: questions_per_student = {k} of {n} is not exported: every "
                "question's pool is in the export; pick the questions in the LMS's quiz"
            )
    return result


def _manifest(fmt: str, pools: Pools) -> bytes:
    """Which LMS object holds which variant (the instructor's side: it names no answer, but
    a variant id rebuilds the variant, key included, with the bank)."""
    from grader.quiz.writers.olx import url_name
    from grader.quiz.writers.qti import ident

    lines = ["lms_id,variant,topic,question,k"]
    for bank, questions in pools:
        for q, items in questions:
            for k, item in enumerate(items):
                lms = {"olx": url_name(bank.topic, q.id, f"{k:03d}"), "qti": ident(item.variant_id)}.get(fmt, item.variant_id)
                lines.append(f"{lms},{item.variant_id},{bank.topic},{q.id},{k}")
    return ("\n".join(lines) + "\n").encode("utf-8")
