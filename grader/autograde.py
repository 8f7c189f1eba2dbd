"""``dlgrade autograde``: grade a whole class into the gradebook (grader.gradebook).

Submissions are found in nbgrader's layout (``submitted/<student>/<assignment>/``), a flat folder
of per-student folders, zips or notebooks, or ``dlgrade submit`` archives (whose manifest,
``dlgrade-manifest.json`` with a ``student`` key, names the student). Each one's grade is
keyed by everything it depends on (content, hidden suites, seed, limits, engine, jail, language,
topic): the same key is reused, any other is graded again and the change kept.

The work runs on grader.engine, as ``dlgrade batch``'s does: a local pool of spawned processes
that die with this one, or a Dask cluster's executor (``autograde(..., executor=...)``). Only
this process writes the gradebook, one transaction per graded submission."""

from __future__ import annotations

import hashlib
import json
import os
import re
import signal
import zipfile
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import Executor
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from grader import __version__, engine, farm
from grader.command import course_option, debug_option, handles_errors, jail_option, lang_option, seed_option, topic_option
from grader.course import Course, load_course, seed_override, suite_version
from grader.errors import DlgradeError, UsageError
from grader.policy import grading_jail, jail_choice
from grader.submission import EMPTY, load_submission

if TYPE_CHECKING:  # sqlalchemy loads when autograde runs, not with every dlgrade command
    from grader.gradebook import Gradebook

MANIFEST_NAMES = ("dlgrade-manifest.json", "manifest.json")
_SAFE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@+-]{0,99}")
_MANIFEST_BYTES = 64 << 10
_KINDS = (".zip", ".ipynb")  # a loose .py is a script of the folder (make_samples.py), not a student


@dataclass(frozen=True)
class Found:
    """One submission of the class: whose, for which assignment, where."""

    student: str
    assignment: str
    path: Path


@dataclass
class Outcome:
    """What autograde did, for the summary and the caller."""

    reused: list[str] = field(default_factory=list)
    new: list[str] = field(default_factory=list)
    regraded: list[tuple[str, float, float, str]] = field(default_factory=list)  # who, before, after, what changed
    counts: Counter[str] = field(default_factory=Counter)  # full, partial, zero, error
    written: list[Path] = field(default_factory=list)
    interrupted: bool = False


# ----------------------------------------------------------------------------- finding submissions
def _manifest_student(path: Path) -> str | None:
    """The student a ``dlgrade submit`` archive names, if it has a manifest. Hostile bytes: a
    manifest too big, not JSON or naming no plain id is ignored (the layout's name is used)."""
    raw: bytes | None = None
    try:
        if path.is_dir():
            for name in MANIFEST_NAMES:
                candidate = path / name
                if candidate.is_file() and not candidate.is_symlink() and candidate.stat().st_size <= _MANIFEST_BYTES:
                    raw = candidate.read_bytes()
                    break
        elif path.suffix.lower() == ".zip" and zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                for name in MANIFEST_NAMES:
                    try:
                        info = archive.getinfo(name)
                    except KeyError:
                        continue
                    if info.file_size <= _MANIFEST_BYTES:
                        with archive.open(info) as stream:
                            raw = stream.read(_MANIFEST_BYTES + 1)[:_MANIFEST_BYTES]
                    break
    except (OSError, zipfile.BadZipFile, ValueError, RuntimeError):
        return None
    if raw is None:
        return None
    try:
        student = json.loads(raw).get("student")
    except (ValueError, AttributeError):
        return None
    return student if isinstance(student, str) and _SAFE_ID.fullmatch(student) else None


def _entries(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if not p.name.startswith(".") and not p.is_symlink())


def _is_submission_folder(path: Path, topics: tuple[str, ...]) -> bool:
    return (path / "exercises").is_dir() or any((path / f"{t}{s}").exists() for t in topics for s in (".py", ".ipynb"))


def find_submissions(root: Path, topics: tuple[str, ...]) -> list[Found]:
    """Every submission under ``root``, each with its student id (the layout's, or the
    manifest's) and assignment. Two submissions of one student for one assignment are an error:
    which one counts would be a guess."""
    if not root.exists():
        raise UsageError(f"{root}: no such folder; give the folder of the class's submissions")
    if not root.is_dir():
        raise UsageError(f"{root}: not a folder; autograde grades a folder of submissions (use `dlgrade grade` for one)")
    submitted = root / "submitted" if (root / "submitted").is_dir() else root if root.name == "submitted" else None
    found: list[Found] = []
    if submitted is not None:  # nbgrader: submitted/<student>/<assignment>/
        for student in _entries(submitted):
            if student.is_dir():
                for assignment in _entries(student):
                    if assignment.is_dir():
                        found.append(Found(_manifest_student(assignment) or student.name, assignment.name, assignment))
    else:
        for entry in _entries(root):
            if entry.is_dir() or entry.suffix.lower() in _KINDS:
                name = entry.name if entry.is_dir() else entry.stem
                found.append(Found(_manifest_student(entry) or name, "", entry))
    seen: dict[tuple[str, str], Path] = {}
    for item in found:
        other = seen.setdefault((item.student, item.assignment), item.path)
        if other != item.path:
            raise UsageError(f"{other} and {item.path} are both {item.student}'s"
                             f"{' for ' + item.assignment if item.assignment else ''}; keep one of them")  # fmt: skip
    if not found:
        raise UsageError(f"{root}: no submissions found (folders, .zip or .ipynb files, or nbgrader's submitted/)")
    return found


# ----------------------------------------------------------------------------- the key of a grade
def content_hash(path: Path) -> tuple[str, str]:
    """The submission's canonical content hash, and why it cannot be graded ("" if it can);
    for one that cannot be read, a hash of its raw bytes (so a corrected file is a new
    content, and the same broken one is reused)."""
    try:
        submission = load_submission(path)
        empty = not (submission.modules or submission.helpers or submission.problems)
        return submission.content_sha256, EMPTY if empty else ""
    except Exception:
        digest = hashlib.sha256(b"unreadable\0")
        try:
            if path.is_file():
                with path.open("rb") as stream:
                    while block := stream.read(1 << 20):
                        digest.update(block)
            else:
                for entry in sorted(path.rglob("*")):
                    digest.update(str(entry.relative_to(path)).encode() + b"\0")
        except OSError as error:
            digest.update(str(error).encode())
        return digest.hexdigest(), ""  # the worker reads it again and records why


# ----------------------------------------------------------------------------- processes
class Interrupted(Exception):
    pass


@contextmanager
def _stops_cleanly() -> Iterator[None]:
    """SIGTERM and SIGINT end the run between two commits: what is committed stays."""

    def stop(signum: int, _frame: FrameType | None) -> None:
        raise Interrupted(signal.Signals(signum).name)

    old = {s: signal.signal(s, stop) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for s, handler in old.items():
            signal.signal(s, handler)


# ----------------------------------------------------------------------------- the run
def _bucket(report: dict[str, Any]) -> str:
    if report.get("error_kind"):
        return "error"
    topics = report.get("topics", {}).values()
    score = sum(t.get("score", 0.0) for t in topics)
    best = sum(t.get("max_score", 0.0) for t in topics)
    return "full" if best and score >= best else "zero" if score <= 0 else "partial"


def _score(report: dict[str, Any]) -> float:
    return float(sum(t.get("score", 0.0) for t in report.get("topics", {}).values()))


def out_folder(out: Path) -> Path:
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out}: is a file; autograde writes a folder of reports there: give a folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise UsageError(f"--out {out}: cannot make this folder ({error.strerror})") from None
    return out


def autograde(submissions: Path, *, out: Path, db: str | None = None, workers: int = engine.DEFAULT_WORKERS,
              executor: Executor | None = None, topic: str | None = None, seed: int | None = None,
              lang: str | None = None, course: Course | Path | None = None, jail: str | None = None,
              console: Console | None = None, reports: bool = True, nbgrader: Path | None = None) -> Outcome:  # fmt: skip
    """Grade the class under ``submissions`` into the gradebook at ``db`` (default: SQLite in
    ``out``), then write the class's reports into ``out``. Every check of the user's input
    comes before any work, each a UsageError or ConfigError (exit 2)."""
    jail_choice(jail)
    course = course if isinstance(course, Course) else load_course(course)
    seed = seed_override(seed)
    lang = lang or course.lang
    mode, note = grading_jail(jail)  # fail closed: a student's work, never trusted
    if executor is None:  # on a cluster, the workers' machines are the ones that need the bounds
        engine.check_bounds(farm.Settings(course, topic, seed, lang, mode, None))
    out = out_folder(out)
    if nbgrader is not None:
        from grader import nbgradebook

        nbgrader = nbgradebook.course_folder(nbgrader)
    console = console or Console(stderr=True)
    found = find_submissions(submissions, course.topics)
    from grader.gradebook import open_gradebook

    book = open_gradebook(db or f"sqlite:///{(out / 'gradebook.sqlite').resolve()}")
    if note:
        console.print(Text(note, style="yellow"))
    outcome = Outcome()
    base = {"suites": suite_version(course), "seed": "derived" if seed is None else str(seed),
            "limits": asdict(course.limits), "engine": __version__,
            "options": {"jail": mode, "lang": lang, "topic": topic or ""}}  # fmt: skip
    settings = farm.Settings(course, topic, seed, lang, mode, None)
    try:
        todo = _plan(book, found, base, outcome)
        with _stops_cleanly():
            try:
                _grade(book, todo, settings, workers, executor, outcome, console, len(found))
            except Interrupted as why:
                outcome.interrupted = True
                console.print(Text(f"stopped ({why}): every grade made so far is in the gradebook; "
                                   "run the same command again to finish", style="yellow"))  # fmt: skip
                return outcome
        if nbgrader is not None:
            _write_nbgrader(book, nbgrader, course, console, {_label(f) for f in found})
        if reports:
            outcome.written = _write_reports(book, out, lang, course, console, {_label(f) for f in found}, workers)
    finally:
        book.close()
    return outcome


@dataclass(frozen=True)
class _Job:
    found: Found
    content: str
    parts: dict[str, Any]
    key: str
    replaces: Any
    empty: str  # why it cannot be graded though it reads (no code in it), or ""


def _label(item: Found) -> str:
    return f"{item.student}/{item.assignment}" if item.assignment else item.student


def _plan(book: Gradebook, found: list[Found], base: dict[str, Any], outcome: Outcome) -> list[_Job]:
    from grader.gradebook import run_key

    todo = []
    for item in found:
        content, empty = content_hash(item.path)
        parts = base | {"content": content}
        key = run_key(parts)
        same = book.find(item.student, item.assignment, content, key)
        if same is not None:
            if not same.counts:
                book.make_counting(same.id, item.student, item.assignment)
            outcome.reused.append(_label(item))
            outcome.counts[_bucket(json.loads(same.report))] += 1
            continue
        todo.append(_Job(item, content, parts, key, book.counting(item.student, item.assignment), empty))
    return todo


def _grade(book: Gradebook, todo: list[_Job], settings: farm.Settings, workers: int, executor: Executor | None,
           outcome: Outcome, console: Console, total: int) -> None:  # fmt: skip
    columns = (TextColumn("grading"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[counts]}"),
               TimeElapsedColumn())  # fmt: skip

    def counts() -> str:
        c = outcome.counts
        return f"full {c['full']} · partial {c['partial']} · zero {c['zero']} · error {c['error']}"

    with Progress(*columns, console=console, transient=False) as bar:
        task = bar.add_task("grading", total=total, completed=total - len(todo), counts=counts())

        def commit(index: int, record: dict[str, Any]) -> None:
            _commit(book, todo[index], record, outcome)
            bar.update(task, advance=1, counts=counts())

        items = [engine.Item(str(job.found.path), f"{job.found.path.name} {job.empty}" if job.empty else "")
                 for job in todo]  # fmt: skip
        failures = engine.grade_all(items, settings, commit, workers=workers, executor=executor)
    if failures:  # every other grade is committed
        index, error = failures[0]
        raise DlgradeError(f"grading {todo[index].found.path} failed: {type(error).__name__}: {error}") from error


def _commit(book: Gradebook, job: _Job, record: dict[str, Any], outcome: Outcome) -> None:
    from grader.gradebook import changed_since

    item = job.found
    try:
        received = datetime.fromtimestamp(item.path.stat().st_mtime, UTC)
    except OSError:
        received = datetime.now(UTC)
    old = job.replaces
    changed = changed_since(old, job.parts) if old is not None else ""
    book.record(student=item.student, assignment=item.assignment, content_sha256=job.content, source=str(item.path),
                received_at=received, run_key=job.key, key_parts=job.parts, report=record, replaces=old,
                changed=changed)  # fmt: skip
    outcome.counts[_bucket(record)] += 1
    if old is None:
        outcome.new.append(_label(item))
    else:
        outcome.regraded.append((_label(item), old.score, _score(record), changed))


def _write_reports(book: Gradebook, out: Path, lang: str, course: Course, console: Console, class_: set[str],
                   workers: int) -> list[Path]:  # fmt: skip
    """The reports of this class: the counting grade of each submission found this time."""
    from grader.reports import require_extra, write_class_reports

    results = [(label.replace("/", "-"), json.loads(run.report))
               for s, a, run in book.counting_grades() if (label := _label(Found(s, a, Path()))) in class_]  # fmt: skip
    try:
        require_extra("the class's reports need")
    except UsageError as error:  # the grades are in the gradebook; say what the reports need
        console.print(Text(f"note: no reports written: {error}", style="yellow"))
        return []
    # the reports' pool only computes (no waits to fill, unlike grading): no more than the cores
    return write_class_reports(out, results, lang, course, min(workers, engine.CORES))


def _write_nbgrader(book: Gradebook, course_dir: Path, course: Course, console: Console, class_: set[str]) -> None:
    """The counting grades of this class into the nbgrader course's gradebook (grader.nbgradebook)."""
    from grader import nbgradebook

    grades = [(s, json.loads(run.report)) for s, a, run in book.counting_grades()
              if _label(Found(s, a, Path())) in class_]  # fmt: skip
    from sqlalchemy.engine import make_url

    url = nbgradebook.db_url(course_dir)  # the course's own config, run once here
    written = nbgradebook.export(course_dir, course, grades, url)
    where = make_url(url).render_as_string(hide_password=True)
    console.print(f"nbgrader: {written} notebooks of {len({s for s, _ in grades})} students in {where}")


def summary(outcome: Outcome) -> Table:
    table = Table(title="autograde", show_edge=False)
    table.add_column("")
    table.add_column("submissions", justify="right")
    table.add_row("new", str(len(outcome.new)))
    table.add_row("regraded", str(len(outcome.regraded)))
    table.add_row("reused (same content, suites, seed and limits)", str(len(outcome.reused)))
    for bucket in ("full", "partial", "zero", "error"):
        table.add_row(f"  {bucket}", str(outcome.counts[bucket]))
    return table


def regrade_table(outcome: Outcome) -> Table:
    table = Table(title="regraded: score before and after", show_edge=False)
    for name in ("student", "before", "after", "what changed"):
        table.add_column(name, justify="right" if name in ("before", "after") else "left")
    for who, before, after, changed in outcome.regraded:
        table.add_row(who, f"{before:g}", f"{after:g}", changed)
    return table


# ----------------------------------------------------------------------------- the command
@click.command(name="autograde")
@click.argument("submissions", type=click.Path(path_type=Path))
@click.option("--workers", "-j", type=click.IntRange(1, 64), default=engine.DEFAULT_WORKERS,
              show_default=True, help="Grading processes working in parallel (by default the processors + 1).")  # fmt: skip
@click.option("--db", help="The gradebook's database URL (default: SQLite, OUT/gradebook.sqlite; "
              "PostgreSQL: postgresql+psycopg://USER@HOST/DB).")  # fmt: skip
@click.option("--out", type=click.Path(path_type=Path), default=Path("dlgrade-out"), show_default=True,
              help="The folder of the class's reports (and of the default gradebook).")  # fmt: skip
@click.option("--scheduler", help="Grade on a Dask cluster: its scheduler's tcp://HOST:PORT.")
@click.option("--nbgrader", "nbgrader_dir", type=click.Path(path_type=Path), metavar="COURSE_DIR",
              help="Also write the scores into this nbgrader course's gradebook (each topic an assignment).")  # fmt: skip
@topic_option
@seed_option
@lang_option
@course_option
@jail_option
@debug_option
@handles_errors
def autograde_command(submissions: Path, workers: int, db: str | None, out: Path, scheduler: str | None,
                      nbgrader_dir: Path | None, topic: str | None, seed: int | None, lang: str | None, course: Path | None,
                      jail: str | None, debug: bool) -> None:  # fmt: skip
    """Grade every submission of a class (nbgrader's submitted/, a folder of per-student
    folders, zips or notebooks, `dlgrade submit` archives) into the gradebook, then write
    the class's reports into OUT. A rerun grades only what changed."""
    if debug:
        os.environ["DLGRADE_DEBUG"] = "1"
    console = Console(stderr=True, highlight=False)
    executor = farm.dask_executor(scheduler) if scheduler else None
    try:
        outcome = autograde(submissions, out=out, db=db, workers=workers, executor=executor, topic=topic,
                            seed=seed, lang=lang, course=course, jail=jail, console=console,
                            nbgrader=nbgrader_dir)  # fmt: skip
    finally:
        if executor is not None:
            executor.shutdown(wait=False, cancel_futures=True)
    console.print(summary(outcome))
    if outcome.regraded:
        console.print(regrade_table(outcome))
    for path in outcome.written:
        click.echo(str(path))
    if outcome.interrupted:
        raise SystemExit(130)
