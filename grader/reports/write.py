"""Writes every report of a class into one folder (grader.reports.write_class_reports)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from grader.errors import UsageError
from grader.render import report_gradescope, report_junit
from grader.reports.feedback import feedback_html, feedback_markdown
from grader.reports.files import write_file as _write
from grader.reports.gradebook_csv import class_csv
from grader.reports.model import Member, class_members, topic_order


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


def write_all(out_dir: Path, results: list[tuple[str, dict[str, Any]]], lang: str, course: Any) -> list[Path]:
    members = class_members(results)
    course = _course(course)
    topics = topic_order(members, course.topics)
    out_dir = _out_dir(out_dir)
    written = [_write(out_dir / "grades.csv", class_csv(members, topics))]
    for member in members:
        written += student_files(out_dir, member)
    from grader.reports.classreport import write_class_report

    written += write_class_report(out_dir / "class", members, topics, lang, course)
    return written
