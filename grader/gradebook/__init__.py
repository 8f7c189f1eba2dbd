"""The gradebook: a real database through SQLAlchemy, its schema made by the Alembic migrations
shipped in this package and run when it is opened. SQLite by default (a file, nothing to start),
PostgreSQL by URL (``postgresql+psycopg://user@host/db``).

Only the parent process of a run writes; each graded submission is one transaction, so a run
killed anywhere keeps every grade committed and leaves no half-written row, and the unique
key of a run (submission, run key) makes a rerun finish the rest without duplicates."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, select, update
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, OperationalError
from sqlalchemy.orm import Session, joinedload

from grader.errors import UsageError
from grader.gradebook.models import Run, Student, SubmissionRow, TestRow

__all__ = ["Gradebook", "Grade", "open_gradebook", "run_key", "changed_since", "Run", "Student", "SubmissionRow",
           "TestRow"]  # fmt: skip

MIGRATIONS = Path(__file__).parent / "migrations"


@dataclass(frozen=True)
class Grade:
    """What a run of autograde knows of one student's counting grade."""

    student: str
    assignment: str
    score: float
    max_score: float
    report: dict[str, Any]
    run_key: str
    key_parts: dict[str, Any]


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")  # a kill -9 or a power loss keeps what was committed
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _redact(url: str) -> str:
    try:
        from sqlalchemy.engine import make_url

        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "the database URL"


def open_gradebook(url: str) -> Gradebook:
    """Connect, migrate to the newest schema, and return the gradebook; a URL that is wrong or
    a server that cannot be reached is a UsageError (exit 2), said in one line."""
    from alembic import command
    from alembic.config import Config

    shown = _redact(url)
    try:
        engine = create_engine(url, connect_args={"connect_timeout": 10} if url.startswith("postgresql") else {})
    except ImportError as error:  # the database's driver
        raise UsageError(f"--db {shown}: its driver is not installed ({error.name}); for PostgreSQL: "
                         "pip install 'dlgrade[postgres]'") from None  # fmt: skip
    except (ArgumentError, NoSuchModuleError, ValueError) as error:
        raise UsageError(f"--db {shown}: not a database URL SQLAlchemy can use ({error}); "
                         "use sqlite:///PATH or postgresql+psycopg://USER@HOST/DB") from None  # fmt: skip
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    except (OperationalError, DBAPIError) as error:
        reason = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
        raise UsageError(f"cannot open the gradebook at {shown}: {reason}; check the URL and that the "
                         "database server is running") from None  # fmt: skip
    return Gradebook(engine)


def run_key(parts: dict[str, Any]) -> str:
    """The key of a run: a hash of everything its grade depends on (content, suites, seed,
    limits, engine, options). A run is reused only for the same key."""
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


_PARTS = ("content", "suites", "seed", "limits", "engine", "options")


def changed_since(old: Run, parts: dict[str, Any]) -> str:
    """What differs between the run ``old`` and a new one of ``parts``: ``"content, suites"``."""
    before = {"content": old.submission.content_sha256, "suites": old.suite_version, "seed": old.seed_asked,
              "limits": json.loads(old.limits), "engine": old.engine_version, "options": json.loads(old.options)}  # fmt: skip
    return ", ".join(name for name in _PARTS if before.get(name) != parts.get(name)) or "nothing recorded"


def _now() -> datetime:
    return datetime.now(UTC)


class Gradebook:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def close(self) -> None:
        self.engine.dispose()

    def find(self, student: str, assignment: str, content_sha256: str, run_key: str) -> Run | None:
        """The run of this key, if one was committed: the grade to reuse."""
        with Session(self.engine, expire_on_commit=False) as session:
            return session.scalars(
                select(Run)
                .join(SubmissionRow)
                .join(Student)
                .where(
                    Student.name == student,
                    SubmissionRow.assignment == assignment,
                    SubmissionRow.content_sha256 == content_sha256,
                    Run.run_key == run_key,
                )  # fmt: skip
            ).first()

    def counting(self, student: str, assignment: str) -> Run | None:
        with Session(self.engine, expire_on_commit=False) as session:
            return session.scalars(
                select(Run)
                .join(SubmissionRow)
                .join(Student)
                .where(Student.name == student, SubmissionRow.assignment == assignment, Run.counts.is_(True))
                .options(joinedload(Run.submission))  # read after the session: its content hash
            ).first()

    def make_counting(self, run_id: int, student: str, assignment: str) -> None:
        """A reused run counts again (the student went back to an older content)."""
        with Session(self.engine) as session, session.begin():
            self._uncount(session, student, assignment)
            session.execute(update(Run).where(Run.id == run_id).values(counts=True))

    def _uncount(self, session: Session, student: str, assignment: str) -> None:
        ids = select(SubmissionRow.id).join(Student).where(Student.name == student, SubmissionRow.assignment == assignment)
        session.execute(update(Run).where(Run.submission_id.in_(ids), Run.counts.is_(True)).values(counts=False))

    def record(self, *, student: str, assignment: str, content_sha256: str, source: str, received_at: datetime,
               run_key: str, key_parts: dict[str, Any], report: dict[str, Any], replaces: Run | None,
               changed: str) -> Run:  # fmt: skip
        """One graded submission, in one transaction: its student, submission, run and test
        results all committed, or none of them."""
        with Session(self.engine, expire_on_commit=False) as session, session.begin():
            person = session.scalars(select(Student).where(Student.name == student)).first()
            if person is None:
                person = Student(name=student, created_at=_now())
                session.add(person)
                session.flush()
            row = session.scalars(
                select(SubmissionRow).where(
                    SubmissionRow.student_id == person.id,
                    SubmissionRow.assignment == assignment,
                    SubmissionRow.content_sha256 == content_sha256,
                )  # fmt: skip
            ).first()
            if row is None:
                row = SubmissionRow(student_id=person.id, assignment=assignment, content_sha256=content_sha256,
                                    source=source, received_at=received_at)  # fmt: skip
                session.add(row)
                session.flush()
            self._uncount(session, student, assignment)
            topics = report.get("topics", {})
            run = Run(
                submission_id=row.id, run_key=run_key, engine_version=str(key_parts["engine"]),
                suite_version=str(key_parts["suites"]), seed_asked=str(key_parts["seed"]),
                seed=str(int(report.get("seed", 0))), limits=json.dumps(key_parts["limits"], sort_keys=True),
                protections=json.dumps(report.get("protections", {}), sort_keys=True),
                options=json.dumps(key_parts["options"], sort_keys=True),
                score=float(sum(t.get("score", 0.0) for t in topics.values())),
                max_score=float(sum(t.get("max_score", 0.0) for t in topics.values())),
                error=str(report.get("error", "")), error_kind=str(report.get("error_kind", "")),
                report=json.dumps(report, ensure_ascii=False), graded_at=_now(), counts=True,
                replaces_id=replaces.id if replaces is not None else None, changed=changed,
            )  # fmt: skip
            session.add(run)
            session.flush()
            session.add_all(
                TestRow(
                    run_id=run.id,
                    topic=name,
                    name=str(test["name"]),
                    outcome=str(test["outcome"]),
                    points=float(test["points"]),
                    max_points=float(test["max_points"]),
                )  # fmt: skip
                for name, topic in topics.items()
                for test in topic.get("tests", [])
            )
        return run

    def keep(self, *, student: str, assignment: str, source: str, received_at: datetime, parts: dict[str, Any],
             report: dict[str, Any]) -> Run | None:  # fmt: skip
        """One grade of a server (XQueue, LTI) that grades as submissions come: recorded and made
        the counting one, unless the same run (``parts``, with ``content``) is there already
        (None: the same code sent again). What changed since the grade it replaces is kept."""
        key = run_key(parts)
        if self.find(student, assignment, str(parts["content"]), key) is not None:
            return None
        old = self.counting(student, assignment)
        return self.record(student=student, assignment=assignment, content_sha256=str(parts["content"]), source=source,
                           received_at=received_at, run_key=key, key_parts=parts, report=report, replaces=old,
                           changed=changed_since(old, parts) if old is not None else "")  # fmt: skip

    def counting_grades(self) -> list[tuple[str, str, Run]]:
        with Session(self.engine, expire_on_commit=False) as session:
            rows = session.execute(
                select(Student.name, SubmissionRow.assignment, Run)
                .join(SubmissionRow, Run.submission_id == SubmissionRow.id)
                .join(Student, SubmissionRow.student_id == Student.id)
                .where(Run.counts.is_(True))
                .order_by(Student.name, SubmissionRow.assignment)
            ).all()
            return [(name, assignment, run) for name, assignment, run in rows]
