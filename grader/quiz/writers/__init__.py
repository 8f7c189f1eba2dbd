"""Writers: items in, files out. ``student`` renders one student's quiz (md, html, json);
``export`` compiles pools of pre-generated variants for an LMS (gift, moodle, qti, olx)."""

from __future__ import annotations

from grader.errors import UsageError
from grader.quiz.loader import Bank
from grader.quiz.writers.common import Export, make_pools

EXPORT_FORMATS = ("gift", "moodle", "qti", "olx")


def export(fmt: str, banks: dict[str, Bank], *, lang: str, variants: int, salt: str) -> Export:
    """Compile ``banks`` for one LMS: ``variants`` pre-generated variants of every question
    with parameters (one of a question without)."""
    if variants < 1:
        raise UsageError("--variants must be at least 1")
    pools = make_pools(banks, variants, lang, salt)
    if fmt == "gift":
        from grader.quiz.writers.gift import export_gift
        return export_gift(pools, lang)
    if fmt == "moodle":
        from grader.quiz.writers.moodle import export_moodle
        return export_moodle(pools, lang)
    if fmt == "qti":
        from grader.quiz.writers.qti import export_qti
        return export_qti(pools, lang)
    if fmt == "olx":
        from grader.quiz.writers.olx import export_olx
        return export_olx(pools, lang)
    raise UsageError(f"unknown export format {fmt!r}: one of {', '.join(EXPORT_FORMATS)}")
