"""The LTI tool's own state, one SQLite file (``[tool] state``): the outbox of scores, the
short-lived values of OIDC logins and launches, and which LTI user launched as which student.

A score is written here before anything is sent, and marked sent only after the platform said
2xx: a platform that is down, or a tool killed mid-way, loses no grade; the next flush (serve's
retry loop, or the next ``dlgrade lti push``) posts it. A newer score for the same line item and
user supersedes an older one still waiting (AGS keeps the latest by timestamp anyway), and the
same score is never queued twice."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from grader.errors import ConfigError

_SCHEMA = """
CREATE TABLE IF NOT EXISTS scores (
    id INTEGER PRIMARY KEY,
    issuer TEXT NOT NULL, client_id TEXT NOT NULL,
    target TEXT NOT NULL,          -- JSON: {"lineitem": URL} or {"lineitems": URL, "tag": ..., "label": ...}
    user_id TEXT NOT NULL,
    student TEXT NOT NULL, assignment TEXT NOT NULL,
    score TEXT NOT NULL,           -- JSON: the AGS score, userId included
    status TEXT NOT NULL,          -- pending, sent, refused, superseded
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT '',
    created TEXT NOT NULL, sent_at TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS scores_key ON scores (issuer, client_id, target, user_id);
CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL, expires REAL NOT NULL);
CREATE TABLE IF NOT EXISTS users (
    issuer TEXT NOT NULL, client_id TEXT NOT NULL, sub TEXT NOT NULL, student TEXT NOT NULL, seen TEXT NOT NULL,
    PRIMARY KEY (issuer, client_id, sub)
);
"""


@dataclass(frozen=True)
class Queued:
    id: int
    issuer: str
    client_id: str
    target: dict[str, Any]
    user_id: str
    student: str
    assignment: str
    score: dict[str, Any]
    attempts: int
    last_error: str


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


class Outbox:
    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with self._db() as db:
                db.executescript(_SCHEMA)
        except (OSError, sqlite3.Error) as error:
            raise ConfigError(f"[tool] state {path}: cannot open the LTI state database ({error})") from None

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")  # a sent mark survives a power loss
            yield db
        finally:
            db.close()

    # ------------------------------------------------------------------ scores
    def enqueue(self, *, issuer: str, client_id: str, target: dict[str, Any], user_id: str, student: str,
                assignment: str, score: dict[str, Any]) -> bool:  # fmt: skip
        """Queue a score; False when the newest one for this line item and user (waiting or
        sent) is this very score."""
        key = json.dumps(target, sort_keys=True)
        body = json.dumps(score, sort_keys=True)
        with self._db() as db:
            db.execute("BEGIN IMMEDIATE")
            last = db.execute("SELECT score, status FROM scores WHERE issuer=? AND client_id=? AND target=? AND user_id=? "
                              "AND status IN ('pending', 'sent') ORDER BY id DESC LIMIT 1",
                              (issuer, client_id, key, user_id)).fetchone()  # fmt: skip
            if last is not None and last[0] == body:
                db.execute("COMMIT")
                return False
            db.execute("UPDATE scores SET status='superseded' WHERE issuer=? AND client_id=? AND target=? AND user_id=? "
                       "AND status='pending'", (issuer, client_id, key, user_id))  # fmt: skip
            db.execute("INSERT INTO scores (issuer, client_id, target, user_id, student, assignment, score, status, "
                       "created) VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?)",
                       (issuer, client_id, key, user_id, student, assignment, body, now_iso()))  # fmt: skip
            db.execute("COMMIT")
        return True

    def pending(self) -> list[Queued]:
        with self._db() as db:
            rows = db.execute("SELECT id, issuer, client_id, target, user_id, student, assignment, score, attempts, "
                              "last_error FROM scores WHERE status='pending' ORDER BY id").fetchall()  # fmt: skip
        return [Queued(r[0], r[1], r[2], json.loads(r[3]), r[4], r[5], r[6], json.loads(r[7]), r[8], r[9]) for r in rows]

    def sent(self, id_: int) -> None:
        with self._db() as db:
            db.execute("UPDATE scores SET status='sent', sent_at=?, attempts=attempts+1, last_error='' WHERE id=?",
                       (now_iso(), id_))  # fmt: skip

    def failed(self, id_: int, error: str, *, final: bool) -> None:
        """A try that failed: kept for the next flush, or (``final``: the platform refused it
        for good) set aside as refused, with why."""
        with self._db() as db:
            db.execute("UPDATE scores SET status=?, attempts=attempts+1, last_error=? WHERE id=? AND status='pending'",
                       ("refused" if final else "pending", error[:2000], id_))  # fmt: skip

    def rows(self, status: str | None = None) -> list[dict[str, Any]]:
        """The outbox as plain rows (for reports and tests)."""
        query = "SELECT id, user_id, student, assignment, score, status, attempts, last_error FROM scores"
        with self._db() as db:
            cursor = db.execute(query + " WHERE status=? ORDER BY id" if status else query + " ORDER BY id",
                                (status,) if status else ())  # fmt: skip
            names = [c[0] for c in cursor.description]
            return [dict(zip(names, row)) for row in cursor.fetchall()]

    # ------------------------------------------------------------------ short-lived values
    def put(self, key: str, value: Any, lifetime: float) -> None:
        with self._db() as db:
            db.execute("DELETE FROM kv WHERE expires < ?", (time.time(),))
            db.execute("INSERT OR REPLACE INTO kv (key, value, expires) VALUES (?, ?, ?)",
                       (key, json.dumps(value), time.time() + lifetime))  # fmt: skip

    def get(self, key: str) -> Any:
        with self._db() as db:
            row = db.execute("SELECT value FROM kv WHERE key=? AND expires >= ?", (key, time.time())).fetchone()
        return json.loads(row[0]) if row else None

    def take(self, key: str) -> bool:
        """Remove a live key; True only for the one caller that removed it (a nonce is used once)."""
        with self._db() as db:
            return db.execute("DELETE FROM kv WHERE key=? AND expires >= ?", (key, time.time())).rowcount == 1

    # ------------------------------------------------------------------ who launched
    def remember(self, issuer: str, client_id: str, sub: str, student: str) -> None:
        with self._db() as db:
            db.execute("INSERT OR REPLACE INTO users (issuer, client_id, sub, student, seen) VALUES (?, ?, ?, ?, ?)",
                       (issuer, client_id, sub, student, now_iso()))  # fmt: skip

    def users(self, issuer: str, client_id: str) -> dict[str, str]:
        """The students who launched the tool from this registration: student -> LTI user id."""
        with self._db() as db:
            rows = db.execute("SELECT student, sub FROM users WHERE issuer=? AND client_id=? ORDER BY seen",
                              (issuer, client_id)).fetchall()  # fmt: skip
        return {student: sub for student, sub in rows}
