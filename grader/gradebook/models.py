"""The gradebook's tables (SQLAlchemy 2). The schema itself is made by the Alembic migrations
beside this file (migrations/versions), run when a gradebook is opened; these classes only map it.

A submission is one content of one student's work for one assignment (its hash, when it was
received, from where). A run is one grading of it under one key: the hash of everything a grade
depends on (content, hidden suites, seed, limits, engine, jail, language, topic). Exactly one run
per student and assignment ``counts``; an older one stays, with what changed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class Student(Base):
    __tablename__ = "students"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class SubmissionRow(Base):
    __tablename__ = "submissions"
    __table_args__ = (UniqueConstraint("student_id", "assignment", "content_sha256", name="uq_submission_content"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id"))
    assignment: Mapped[str] = mapped_column(String(200))
    content_sha256: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(Text)  # from where: the path it was read from
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))  # the file's mtime
    student: Mapped[Student] = relationship()


class Run(Base):
    __tablename__ = "runs"
    # the key of a grade: a rerun of the same key is the same grade, never a second row
    __table_args__ = (UniqueConstraint("submission_id", "run_key", name="uq_run_key"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"))
    run_key: Mapped[str] = mapped_column(String(64))
    engine_version: Mapped[str] = mapped_column(String(40))
    suite_version: Mapped[str] = mapped_column(String(64))
    seed_asked: Mapped[str] = mapped_column(String(40))  # an integer, or "derived"
    seed: Mapped[str] = mapped_column(String(24))  # the seed the grade used (64 bits, unsigned: as text)
    limits: Mapped[str] = mapped_column(Text)  # JSON
    protections: Mapped[str] = mapped_column(Text)  # JSON: the jail's protections
    options: Mapped[str] = mapped_column(Text)  # JSON: jail mode, language, topic
    score: Mapped[float] = mapped_column(Float)
    max_score: Mapped[float] = mapped_column(Float)
    error: Mapped[str] = mapped_column(Text, default="")
    error_kind: Mapped[str] = mapped_column(String(20), default="")
    report: Mapped[str] = mapped_column(Text)  # the JSON report of docs/report-format.md
    graded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    counts: Mapped[bool] = mapped_column(Boolean, default=False)
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id"), nullable=True)
    changed: Mapped[str] = mapped_column(Text, default="")  # what differs from the run it replaces
    submission: Mapped[SubmissionRow] = relationship()


class TestRow(Base):
    __tablename__ = "test_results"
    __test__ = False  # not a pytest class
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"), index=True)
    topic: Mapped[str] = mapped_column(String(60))
    name: Mapped[str] = mapped_column(String(200))
    outcome: Mapped[str] = mapped_column(String(20))
    points: Mapped[float] = mapped_column(Float)
    max_points: Mapped[float] = mapped_column(Float)
