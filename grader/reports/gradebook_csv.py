"""The class CSV an LMS gradebook imports: one row per student, columns ``student``, one per
topic (its points) and ``total``. UTF-8 with a byte-order mark, so that a spreadsheet shows
Cyrillic names right (Moodle, Canvas and Python's ``utf-8-sig`` read past it).

A student id is text a student chose (a folder's name): a cell that a spreadsheet would run as a
formula (``=``, ``+``, ``-``, ``@``, a tab or a carriage return first) gets a leading ``'``, as
OWASP's advice on CSV injection says, and control characters are replaced."""

from __future__ import annotations

import csv
import io

from grader.render import clean
from grader.reports.model import Member

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "|", "%")


def safe_cell(text: str) -> str:
    cell = clean(text)
    return "'" + cell if cell.startswith(_FORMULA_START) or text.startswith(_FORMULA_START) else cell


def _points(value: float) -> str:
    return f"{value:g}"


def class_csv(members: list[Member], topics: list[str]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["student", *topics, "total"])
    for member in members:
        scores = {t.topic: t.score for t in member.report.topics}
        writer.writerow([safe_cell(member.id), *(_points(scores.get(t, 0.0)) for t in topics),
                         _points(member.report.score)])  # fmt: skip
    return out.getvalue()
