"""``dlgrade quiz``: render a student's quiz, export banks to an LMS, grade responses, check banks.

A thin layer over grader.quiz.engine, .writers and .grading; exit codes as every dlgrade
command (0 done, 1 ``check`` found problems, 2 usage or configuration, 3 the grader's bug).
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from grader.command import handles_errors
from grader.errors import UsageError
from grader.quiz import require_extra
from grader.quiz.config import QuizConfig, quiz_config
from grader.text import LANGS

if TYPE_CHECKING:
    from grader.quiz.writers.olx import CodeProblem


def _course(course: Path | None) -> QuizConfig:
    """The course's quiz settings: course.toml read once (grader.course), its [quiz] table."""
    require_extra()
    from grader.course import find_root, load_course

    if course is None:
        root = find_root()
    elif (course / "course").is_dir():
        root = course.resolve()
    elif course.name == "course":
        root = course.resolve().parent
    else:
        raise UsageError(f"--course {course}: give a course checkout (with course/course.toml) or its course/ folder")
    if str(root) not in sys.path:  # banks call solutions/ of this checkout
        sys.path.insert(0, str(root))
    return quiz_config(load_course(root))


course_option = click.option(
    "--course",
    type=click.Path(path_type=Path, file_okay=False),
    help="The course checkout, or its course/ folder (default: the course of dlgrade's configuration).",
)
lang_option = click.option("--lang", type=click.Choice(LANGS), help="Language (default: [quiz] lang, else [course] lang).")


def _topics(topic: str) -> str | list[str]:
    return "all" if topic == "all" else [topic]


@click.group()
def quiz() -> None:
    """Quizzes: render a student's variant, export to an LMS, grade responses, check banks."""


def _read_students(path: Path) -> list[str]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise UsageError(f"{path}: not UTF-8 text; save the list of students as UTF-8") from None
    rows = csv.reader(io.StringIO(text))
    students = []
    for row in rows:
        if row and row[0].strip() and not row[0].startswith("#"):
            students.append(row[0].strip())
    if students and students[0].lower() in ("student", "student_id", "id"):
        students = students[1:]
    if not students:
        raise UsageError(f"{path}: no student ids (one per line, or the first CSV column)")
    return students


@quiz.command()
@click.argument("topic")
@click.option("--student", "student", help="The student's id.")
@click.option(
    "--students",
    "students_file",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="A file of student ids (one per line or first CSV column); needs --out.",
)
@click.option("--format", "fmt", type=click.Choice(["md", "html", "json"]), default="md", show_default=True)
@lang_option
@click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    help="Write <student>.<topic>.<ext> files here instead of printing.",
)
@click.option("--with-key", is_flag=True, help="The instructor's copy: answers and solutions (md and json only).")
@course_option
@handles_errors
def render(
    topic: str,
    student: str | None,
    students_file: Path | None,
    fmt: str,
    lang: str | None,
    out: Path | None,
    with_key: bool,
    course: Path | None,
) -> None:
    """Render TOPIC's quiz (or all topics') for a student: their own questions and variants."""
    if with_key and fmt == "html":
        raise UsageError("--with-key is for md and json; the HTML page is the student's")
    if (student is None) == (students_file is None):
        raise UsageError("give --student ID or --students FILE")
    if students_file and out is None:
        raise UsageError("--students needs --out DIR")
    config = _course(course)
    from grader.quiz.engine import load_banks, student_quiz
    from grader.quiz.writers.student import quiz_html, quiz_json, quiz_markdown

    lang = lang or config.lang
    banks = load_banks(config, _topics(topic))
    students = [student] if student else _read_students(students_file)  # type: ignore[arg-type]
    for sid in students:
        quizzes = [student_quiz(b, sid, lang, config) for b in banks.values()]
        if fmt == "html":
            text = quiz_html(quizzes)
        elif fmt == "md":
            text = "\n".join(quiz_markdown(q, with_key=with_key) for q in quizzes)
        else:
            data = [quiz_json(q, with_key=with_key) for q in quizzes]
            text = json.dumps(data[0] if len(data) == 1 else data, ensure_ascii=False, indent=1) + "\n"
        if out is None:
            click.echo(text, nl=False)
        else:
            out.mkdir(parents=True, exist_ok=True)
            _safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in sid)
            (out / f"{_safe}.{topic}.{fmt}").write_text(text, encoding="utf-8")
    if out is not None:
        click.echo(f"wrote {len(students)} {fmt} file(s) to {out}", err=True)


@quiz.command()
@click.option("--format", "fmt", type=click.Choice(["gift", "moodle", "qti", "olx"]), required=True)
@click.option("--topic", default="all", show_default=True, help="A topic, or all.")
@lang_option
@click.option(
    "--variants",
    type=click.IntRange(1, 10_000),
    default=20,
    show_default=True,
    help="Pre-generated variants of every question with parameters.",
)
@click.option("--out", type=click.Path(path_type=Path, file_okay=False), required=True)
@click.option("--queue", default=None, help="olx: the XQueue queue of the code problems (default: the first of "
              "DLGRADE_XQUEUE_QUEUE, else dlgrade), the one `dlgrade serve xqueue` pulls.")  # fmt: skip
@click.option("--no-code", is_flag=True, help="olx: the quizzes only, without a code problem per topic.")
@course_option
@handles_errors
def export(fmt: str, topic: str, lang: str | None, variants: int, out: Path, queue: str | None, no_code: bool,
           course: Path | None) -> None:  # fmt: skip
    """Export banks for an LMS: GIFT or Moodle XML, Canvas QTI 1.2 (.zip), Open edX OLX
    (.tar.gz; with a code problem per topic, graded through XQueue). Where a target cannot
    express a tolerance or a partial-credit rule exactly, the file NOTES-<format>.txt beside
    the export says what was done instead."""
    config = _course(course)
    from grader.quiz.engine import load_banks
    from grader.quiz.writers import export as run_export

    lang = lang or config.lang
    banks = load_banks(config, _topics(topic))
    counts = {t: config.questions_per_student(t, len(b.questions)) for t, b in banks.items()}
    code = () if fmt != "olx" or no_code else _code_problems(config, tuple(banks), queue)
    result = run_export(fmt, banks, lang=lang, variants=variants, salt=config.salt, course=config.course_name,
                        questions_per_student=counts, code=code)  # fmt: skip
    out.mkdir(parents=True, exist_ok=True)
    for name, data in result.files.items():
        (out / name).write_bytes(data)
        click.echo(f"wrote {out / name}", err=True)
    notes = out / f"NOTES-{fmt}.txt"
    if result.notes:
        notes.write_text("\n".join(result.notes) + "\n", encoding="utf-8")
        click.echo(f"{len(result.notes)} note(s) on what {fmt} cannot express: {notes}", err=True)
    elif notes.exists():
        notes.unlink()


def _code_problems(config: QuizConfig, topics: tuple[str, ...], queue: str | None) -> tuple[CodeProblem, ...]:
    """Each topic's stub as its code problem's starting text; none of it a line of a solution or
    a hidden suite (the leak search every student file goes through)."""
    from grader.leaks import refuse_leaks, secret_lines
    from grader.quiz.writers.olx import CodeProblem

    if queue is None:
        queue = os.environ.get("DLGRADE_XQUEUE_QUEUE", "").split(",")[0].strip() or "dlgrade"
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}", queue):
        raise UsageError(f"--queue {queue!r}: a queue name is letters, digits and . _ - (as XQueue names them)")
    root = config.course_dir.parent
    secrets = secret_lines(root)
    problems = []
    for topic in topics:
        path = root / "exercises" / f"{topic}.py"
        try:
            stub = path.read_text(encoding="utf-8")
        except OSError as error:
            raise UsageError(f"{path}: cannot be read ({error.strerror}); its code problem starts from it "
                             "(`dlgrade stubs` writes it), or pass --no-code") from None  # fmt: skip
        lines = stub.splitlines(keepends=True)
        if lines and lines[0].startswith("# Generated from"):  # the instructor's note, not the student's
            stub = "".join(lines[1:])
        refuse_leaks(secrets, f"the code problem of {topic}", stub.splitlines())
        problems.append(CodeProblem(topic=topic, stub=stub, queue=queue))
    return tuple(problems)


@quiz.command()
@click.argument("responses", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.option("--topic", help="The topic of rows that do not name one.")
@lang_option
@click.option("--format", "fmt", type=click.Choice(["text", "json", "csv"]), default="text", show_default=True)
@click.option(
    "--out", type=click.Path(path_type=Path, file_okay=False), help="Also write one <student>.json report per student here."
)
@click.option("--no-reveal", is_flag=True, help="Do not show the right answers in messages.")
@course_option
@handles_errors
def grade(
    responses: Path, topic: str | None, lang: str | None, fmt: str, out: Path | None, no_reveal: bool, course: Path | None
) -> None:
    """Grade a CSV or JSON file of RESPONSES against each student's own variant."""
    config = _course(course)
    from grader.quiz.engine import load_banks
    from grader.quiz.grading import grade_responses, read_responses

    lang = lang or config.lang
    banks = load_banks(config, _topics(topic) if topic else "all")
    rows = read_responses(responses, banks, topic)
    reports = grade_responses(rows, banks, config, lang, reveal=not no_reveal)
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        for sid, report in reports.items():
            _safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in sid)
            (out / f"{_safe}.json").write_text(json.dumps(report.to_json(), ensure_ascii=False, indent=2), encoding="utf-8")
    if fmt == "json":
        click.echo(
            json.dumps(
                {"schema_version": 1, "kind": "quiz", "reports": {s: r.to_json() for s, r in reports.items()}},
                ensure_ascii=False,
                indent=2,
            )
        )
    elif fmt == "csv":
        writer = csv.writer(sys.stdout)
        writer.writerow(["student", "topic", "score", "max_score"])
        for sid, report in reports.items():
            for t in report.topics:
                writer.writerow([sid, t.topic, f"{t.score:g}", f"{t.max_score:g}"])
    else:
        from rich.console import Console

        from grader.render import batch_table, report_text

        console = Console(highlight=False)
        for report in reports.values():
            console.print(report_text(report))
        if len(reports) > 1:
            console.print(batch_table(list(reports.values()), lang))


@quiz.command()
@click.argument("topic", default="all")
@click.option(
    "--draws",
    type=click.IntRange(1, 100_000),
    default=2000,
    show_default=True,
    help="Variants drawn per question to count the distinct ones.",
)
@click.option(
    "--min-distinct",
    type=int,
    default=100,
    show_default=True,
    help="Fail a question with parameters that has fewer distinct variants (unless "
    "its whole parameter space is smaller and every variant is reached).",
)
@course_option
@handles_errors
def check(topic: str, draws: int, min_distinct: int, course: Path | None) -> None:
    """Check banks: every variant renders in both languages (all of them up to 5,000 per
    question), and count the distinct variants of every question."""
    from rich.console import Console
    from rich.table import Table

    config = _course(course)
    from grader.quiz.engine import load_banks
    from grader.quiz.stats import check_bank

    banks = load_banks(config, _topics(topic))
    console = Console(highlight=False)
    failed = False
    for bank in banks.values():
        table = Table(title=f"{bank.topic}: {len(bank.questions)} questions", header_style="bold")
        for col in ("question", "type", "variants checked", "distinct", "space", "verdict"):
            table.add_column(col, justify="left" if col in ("question", "type") else "right")
        for row in check_bank(bank, draws=draws, min_distinct=min_distinct):
            failed |= not row.ok
            table.add_row(
                row.qid,
                row.type,
                str(row.checked),
                str(row.distinct),
                "—" if row.space is None else str(row.space),
                "[green]ok[/]" if row.ok else f"[red]{row.reason}[/]",
            )
        console.print(table)
    sys.exit(1 if failed else 0)
