"""Writes every report of a class into one folder (grader.reports.write_class_reports)."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import Executor, ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from grader.errors import UsageError
from grader.render import report_gradescope, report_junit
from grader.reports.feedback import feedback_html, feedback_markdown
from grader.reports.files import write_file as _write
from grader.reports.gradebook_csv import class_csv
from grader.reports.model import Member, class_members, topic_order
from grader.reports.similarity import overlapping_pairs


def _course(course: Any) -> Any:
    from grader.course import Course, load_course

    return course if isinstance(course, Course) else load_course(course)


def _out_dir(out_dir: Path) -> Path:
    if out_dir.exists() and not out_dir.is_dir():
        raise UsageError(f"{out_dir}: is a file; --out needs a folder for the reports")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise UsageError(f"{out_dir}: cannot make the reports' folder ({error.strerror})") from None
    return out_dir


def student_files(out_dir: Path, member: Member) -> list[Path]:
    folder = out_dir / "students" / member.folder
    return [
        _write(folder / "feedback.html", feedback_html(member)),
        _write(folder / "feedback.md", feedback_markdown(member)),
        _write(folder / "results.json", report_gradescope(member.report)),
        _write(folder / "junit.xml", report_junit(member.report)),
    ]


@contextmanager
def _processes(workers: int) -> Iterator[Executor | None]:
    """Processes for the similarity check's tokenizing, started only if a class is large enough
    to use them (grader.reports.similarity.POOL_FROM): the grading pool's kind, spawned and
    killed with this process."""
    if workers <= 1:
        yield None
        return
    from grader.engine import local_pool

    with local_pool(workers) as pool:
        yield pool


def write_all(out_dir: Path, results: list[tuple[str, dict[str, Any]]], lang: str, course: Any,
              workers: int = 1) -> list[Path]:  # fmt: skip
    """Every report of the class. The similarity check (reading the modules, tokenizing them:
    most of the reports' time in a class of 1,000) runs in a thread beside the per-student
    files, its tokenizing in ``workers`` processes when there are more than one."""
    from grader.reports.classreport import write_class_report

    members = class_members(results)
    course = _course(course)
    topics = topic_order(members, course.topics)
    out_dir = _out_dir(out_dir)
    with _processes(workers) as pool, ThreadPoolExecutor(1) as beside:
        overlaps = beside.submit(overlapping_pairs, members, topics, course.root / "exercises", lang=lang,
                                 executor=pool)  # fmt: skip
        written = [_write(out_dir / "grades.csv", class_csv(members, topics))]
        for member in members:
            written += student_files(out_dir, member)
        written += write_class_report(out_dir / "class", members, topics, lang, course, overlaps.result())
    return written
