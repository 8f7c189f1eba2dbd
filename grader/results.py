"""The one result model: a report holds topics, a topic holds tests. Frozen, pure data; every
renderer (text, JSON, gradebook rows) is a function of it. ``Report.to_json()`` is the shape
fixed by spec/report-format.md (fields may be added, never renamed or removed)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

SCHEMA_VERSION = 1

Outcome = Literal["pass", "fail", "not_attempted", "error"]
TopicStatus = Literal["graded", "missing", "not_gradable"]


@dataclass(frozen=True)
class TestResult:
    __test__ = False  # not a pytest test class, despite the name

    name: str
    title: str
    max_points: float
    outcome: Outcome
    points: float = 0.0
    message: str = ""
    hints: tuple[str, ...] = ()
    seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "points": self.points,
            "max_points": self.max_points,
            "outcome": self.outcome,
            "message": self.message,
            "hints": list(self.hints),
            "seconds": round(self.seconds, 4),
        }


@dataclass(frozen=True)
class TopicResult:
    topic: str
    status: TopicStatus
    tests: tuple[TestResult, ...]
    max_score: float
    message: str = ""
    warnings: tuple[str, ...] = ()  # hints from the student's warnings; never cost points
    output: str = ""  # the head of what the student's code printed
    # what the topic's jobs used, read from their cgroups (grader.cgroups.combine); empty when
    # the machine gave no cgroup to read
    resources: dict[str, Any] = field(default_factory=dict)

    @property
    def score(self) -> float:
        return sum(test.points for test in self.tests)

    def to_json(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "score": self.score,
            "max_score": self.max_score,
            "message": self.message,
            "warnings": list(self.warnings),
            "output": self.output,
            "resources": dict(self.resources),
            "tests": [test.to_json() for test in self.tests],
        }


@dataclass(frozen=True)
class Report:
    submission: str
    seed: int
    grader_version: str
    lang: str
    topics: tuple[TopicResult, ...]
    protections: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0
    content_sha256: str = ""  # of the submission's files (grader.submission): the seed's input
    path: str = ""  # the submission as given (a batch keys its reports by it, never by position)
    error: str = ""  # why this submission could not be graded (in full or in part)
    error_kind: str = ""  # "submission": its own fault (unreadable); "internal": the grader's
    manifest: dict[str, Any] = field(default_factory=dict)  # a `dlgrade submit` archive's, checked

    @property
    def score(self) -> float:
        return sum(topic.score for topic in self.topics)

    @property
    def max_score(self) -> float:
        return sum(topic.max_score for topic in self.topics)

    def to_json(self) -> dict[str, Any]:
        return (
            {
                "schema_version": SCHEMA_VERSION,
                "submission": self.submission,
                "score": self.score,
                "max_score": self.max_score,
                "seed": self.seed,
                "grader_version": self.grader_version,
                "lang": self.lang,
                "seconds": round(self.seconds, 3),
                "protections": self.protections,
                "content_sha256": self.content_sha256,
                "topics": {topic.topic: topic.to_json() for topic in self.topics},
            }
            | ({"path": self.path} if self.path else {})
            | ({"error": self.error, "error_kind": self.error_kind} if self.error else {})
            | ({"manifest": self.manifest} if self.manifest else {})
        )
