"""Reports for every audience, all from the one result model (docs/report-format.md's JSON
report): per-student feedback (HTML, Markdown), Gradescope's ``results.json`` and JUnit XML per
submission, the class CSV an LMS gradebook imports, and the class report (HTML with PNG plots
and the pairs of students whose code overlaps beyond the stubs).

The entry point, for ``dlgrade autograde --out DIR`` and ``dlgrade report``::

    paths = write_class_reports(out_dir, [(student_id, report_dict), ...], lang, course)

Its dependencies (jinja2, matplotlib, copydetect) are the ``reports`` extra: grading needs none
of them, so they are imported only here, after ``require_extra`` has said what to install if one
is missing.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from grader.errors import UsageError

if TYPE_CHECKING:
    from grader.course import Course

# (module, the distribution that provides it): what only the reports need
EXTRA = (("jinja2", "jinja2"), ("matplotlib", "matplotlib"), ("copydetect", "copydetect"))
INSTALL = "pip install 'dlgrade[reports]'"

__all__ = ["EXTRA", "INSTALL", "require_extra", "write_class_reports"]


def require_extra(who: str = "the reports need") -> None:
    """UsageError naming what to install when a dependency of the reports is missing."""
    missing = []
    for module, distribution in EXTRA:
        try:
            importlib.import_module(module)
        except ImportError:
            missing.append(distribution)
    if missing:
        raise UsageError(f"{who} {', '.join(missing)}, which {'is' if len(missing) == 1 else 'are'} "
                         f"not installed: {INSTALL}")  # fmt: skip


def write_class_reports(
    out_dir: Path,
    results: list[tuple[str, dict[str, Any]]],
    lang: str = "en",
    course: Course | Path | None = None,
    workers: int = 1,
) -> list[Path]:
    """Write every report of a class into ``out_dir`` and return the paths written.

    ``results`` pairs a student's id with their JSON report (docs/report-format.md), in the
    order the class report lists them; ids must be unique. ``lang`` is the language of the
    class-wide files (CSV headers, the class report); each student's feedback is in the language
    of that student's report. ``course`` (a Course, its folder, or None for the default one)
    gives the topics' order and the stubs that the similarity check ignores. Reports whose
    ``path`` still holds the graded content (same ``content_sha256``) are compared for overlap.

    Layout: ``grades.csv``; ``class/index.html`` with its PNG plots; per student
    ``students/<id>/feedback.html``, ``feedback.md``, ``results.json`` (Gradescope) and
    ``junit.xml``. ``workers``: processes for the similarity check's tokenizing."""
    require_extra("dlgrade's reports need")
    from grader.reports.write import write_all

    return write_all(Path(out_dir), results, lang, course, workers)
