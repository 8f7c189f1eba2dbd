"""``dlgrade lti push``: the gradebook's counting grades to the platform's gradebook.

Each student of the gradebook is mapped to an LTI user id (``sub``) by the config's
``[push] students`` CSV, or by their own launch of the tool (``dlgrade lti serve`` remembers who
launched as whom). A grade goes to the line item the config names for its assignment, or to the
one found (or made) by tag in the course's line-item container: one column per assignment, or
per topic with ``columns = "topic"``. Scores go through the outbox: a rerun posts only what
changed, and what the platform could not take waits for the next run."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from grader.errors import ConfigError
from grader.lti.ags import Flushed, flush
from grader.lti.config import Config, Push
from grader.lti.outbox import Outbox


@dataclass
class Pushed:
    queued: int = 0
    unchanged: int = 0
    unmapped: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # who, and why no score is posted
    flushed: Flushed = field(default_factory=Flushed)


def _iso(when: datetime) -> str:
    when = when if when.tzinfo else when.replace(tzinfo=UTC)  # SQLite keeps no zone: the gradebook writes UTC
    return when.astimezone(UTC).isoformat(timespec="milliseconds")


def score_body(user_id: str, given: float, maximum: float, timestamp: str, comment: str) -> dict[str, Any]:
    """An AGS score: the work is done and fully graded by dlgrade."""
    body: dict[str, Any] = {"userId": user_id, "scoreGiven": round(float(given), 4),
                            "scoreMaximum": round(float(maximum), 4), "activityProgress": "Completed",
                            "gradingProgress": "FullyGraded", "timestamp": timestamp}  # fmt: skip
    if comment:
        body["comment"] = comment
    return body


def comment_of(report: dict[str, Any]) -> str:
    """A one-line summary the platform shows beside the grade: the score of each topic."""
    parts = [f"{name} {t.get('score', 0):g}/{t.get('max_score', 0):g}" for name, t in report.get("topics", {}).items()]
    return ("dlgrade: " + ", ".join(parts))[:500] if parts else ""


def target(push: Push, column: str) -> dict[str, Any]:
    """Where a column's scores go: its configured line item, or the container and a tag."""
    if column in push.lineitem:
        return {"lineitem": push.lineitem[column]}
    if not push.lineitems:
        raise ConfigError(f"[push]: no line item for {column or 'the class'!r}: add it to [push.lineitem] or set lineitems")
    return {"lineitems": push.lineitems, "tag": f"dlgrade:{column or 'grade'}", "label": column or "dlgrade"}


def push(config: Config, db: str) -> Pushed:
    from grader.gradebook import open_gradebook

    if config.push is None:
        raise ConfigError(f"{config.path}: no [push] table: say where the grades go (docs/lti.md)")
    setup = config.push
    platform = setup.platform
    outbox = Outbox(config.state)
    launched = outbox.users(platform.issuer, platform.client_id)
    done = Pushed()
    book = open_gradebook(db)
    try:
        grades = book.counting_grades()
    finally:
        book.close()
    for student, assignment, run in grades:
        who = f"{student}/{assignment}" if assignment else student
        user = setup.students.get(student) or launched.get(student)
        if user is None:
            done.unmapped.append(who)
            continue
        if run.error_kind == "internal":
            done.skipped.append(f"{who}: dlgrade failed grading it ({run.error[:120]}); regrade it first")
            continue
        report = json.loads(run.report)
        when = _iso(run.graded_at)
        columns: list[tuple[str, float, float, str]]
        if setup.columns == "topic":
            columns = [(f"{assignment}/{name}" if assignment else name, float(t.get("score", 0)),
                        float(t.get("max_score", 0)), "") for name, t in report.get("topics", {}).items()]  # fmt: skip
        else:
            columns = [(assignment, run.score, run.max_score, comment_of(report))]
        for column, given, maximum, comment in columns:
            if maximum <= 0:
                done.skipped.append(f"{who}: nothing of {column or 'it'} was graded (no points to give)")
                continue
            where = target(setup, column)
            if "tag" in where:
                where["scoreMaximum"] = maximum
            body = score_body(user, given, maximum, when, comment)
            queued = outbox.enqueue(issuer=platform.issuer, client_id=platform.client_id, target=where, user_id=user,
                                    student=student, assignment=column, score=body)  # fmt: skip
            done.queued += queued
            done.unchanged += not queued
    done.flushed = flush(config, outbox)
    return done
