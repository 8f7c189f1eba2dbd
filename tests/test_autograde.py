"""`dlgrade autograde`: a class into the gradebook (SQLite, PostgreSQL), reruns never stale,
bad input one error line, kill -9 anywhere loses nothing and leaves no process behind."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from grader.autograde import find_submissions
from grader.errors import UsageError
from grader.submission import TOPICS

ROOT = Path(__file__).resolve().parent.parent
ENV = {**os.environ, "DLGRADE_LIMIT_CALL_SECONDS": "3", "DLGRADE_LIMIT_LOAD_SECONDS": "3"}
ENV.pop("DLGRADE_SEED", None)
DROPOUT = (ROOT / "solutions" / "dropout.py").read_text(encoding="utf-8")
DROPOUT_BUG = DROPOUT + "\n\ndef dropout_backward(dout, mask, p):\n    return dout * mask\n"  # forgets 1/(1-p)
STUB = (ROOT / "exercises" / "dropout.py").read_text(encoding="utf-8")


def autograde(*args: str, env: dict[str, str] | None = None, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "grader.cli", "autograde", *args], capture_output=True, text=True,
                          cwd=ROOT, env=env or ENV, timeout=timeout)  # fmt: skip


def sql(db: Path, query: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(db) as connection:
        return connection.execute(query).fetchall()


def make_class(folder: Path, codes: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for student, code in codes.items():
        (folder / student).mkdir(exist_ok=True)
        (folder / student / "dropout.py").write_text(code, encoding="utf-8")
    return folder


def counting(db: Path) -> dict[str, tuple[float, str]]:
    rows = sql(db, "SELECT s.name, r.score, r.error_kind FROM runs r JOIN submissions b ON r.submission_id = b.id "
                   "JOIN students s ON b.student_id = s.id WHERE r.counts")  # fmt: skip
    names = [row[0] for row in rows]
    assert len(names) == len(set(names)), f"more than one counting run for a student: {names}"
    return {str(name): (float(score), str(kind)) for name, score, kind in rows}  # type: ignore[arg-type]


# ----------------------------------------------------------------------------- finding the class
def test_layouts_name_their_students(tmp_path: Path) -> None:
    course = tmp_path / "course" / "submitted"
    for student, assignment in (("ann", "hw1"), ("bob", "hw1"), ("bob", "hw2")):
        (course / student / assignment).mkdir(parents=True)
        (course / student / assignment / "dropout.ipynb").write_text("{}")
    for given in (tmp_path / "course", course):
        found = find_submissions(given, TOPICS)
        assert [(f.student, f.assignment) for f in found] == [("ann", "hw1"), ("bob", "hw1"), ("bob", "hw2")]
    flat = tmp_path / "flat"
    flat.mkdir()
    (flat / "cat").mkdir()
    (flat / "dan.ipynb").write_text("{}")
    with zipfile.ZipFile(flat / "upload-1.zip", "w") as archive:  # a `dlgrade submit` archive
        archive.writestr("dlgrade-manifest.json", json.dumps({"student": "eve"}))
        archive.writestr("exercises/dropout.py", DROPOUT)
    with zipfile.ZipFile(flat / "upload-2.zip", "w") as archive:  # a manifest naming no plain id: ignored
        archive.writestr("dlgrade-manifest.json", json.dumps({"student": "../../etc"}))
    (flat / "make_samples.py").write_text("")  # a script beside the class, not a student
    assert {(f.student, f.path.name) for f in find_submissions(flat, TOPICS)} == {
        ("cat", "cat"), ("dan", "dan.ipynb"), ("eve", "upload-1.zip"), ("upload-2", "upload-2.zip")}  # fmt: skip
    (flat / "eve").mkdir()  # eve twice: which one counts would be a guess
    with pytest.raises(UsageError, match="both eve's"):
        find_submissions(flat, TOPICS)


# ----------------------------------------------------------------------------- bad input: one line, exit 2
@pytest.mark.parametrize(
    "args, env, says",
    [
        (["--out", "{file}"], {}, "is a file"),
        (["--db", "postgresql+psycopg://nobody@127.0.0.1:9/none"], {}, "cannot open the gradebook"),
        (["--db", "nonsense"], {}, "not a database URL"),
        (["--scheduler", "bogus"], {}, "tcp://HOST:PORT"),
        (["--scheduler", "tcp://127.0.0.1:9"], {}, "no Dask scheduler"),
        ([], {"DLGRADE_SEED": "abc"}, "DLGRADE_SEED"),
        ([], {"DLGRADE_JAIL": "bogus"}, "DLGRADE_JAIL"),
        ([], {"DLGRADE_LIMIT_CALL_SECONDS": "-1"}, "DLGRADE_LIMIT_CALL_SECONDS"),
        ([], {"DLGRADE_LIMIT_CALL_SECOND": "2"}, "DLGRADE_LIMIT_CALL_SECOND is not a limit"),  # misspelt: not ignored
        ([], {"DLGRADE_CGROUPS": "sometimes"}, "DLGRADE_CGROUPS"),
        ([], {"DLGRADE_CGROUP_ROOT": "/nonexistent"}, "DLGRADE_CGROUP_ROOT=/nonexistent"),  # before any grading
    ],
)
def test_bad_input_is_one_error_line(tmp_path: Path, args: list[str], env: dict[str, str], says: str) -> None:
    folder = make_class(tmp_path / "class", {"ann": DROPOUT})
    (tmp_path / "file").write_text("")
    args = [a.replace("{file}", str(tmp_path / "file")) for a in args]
    out = [] if "--out" in args else ["--out", str(tmp_path / "out")]
    done = autograde(str(folder), *out, *args, env=ENV | env, timeout=120)
    assert done.returncode == 2, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:") and says in lines[0], done.stderr
    assert not (tmp_path / "out" / "gradebook.sqlite").exists() or "--db" in args


# ----------------------------------------------------------------------------- reruns are never stale
def test_reruns_reuse_only_the_same_key_and_keep_the_change(tmp_path: Path) -> None:
    folder = make_class(tmp_path / "class", {"ann": DROPOUT, "bob": DROPOUT_BUG, "cat": STUB})
    with zipfile.ZipFile(folder / "dan.zip", "w"):
        pass  # empty: recorded with its reason, the class goes on
    out = tmp_path / "out"
    db = out / "gradebook.sqlite"
    first = autograde(str(folder), "--topic", "dropout", "--out", str(out))
    assert first.returncode == 0, first.stderr
    grades = counting(db)
    assert set(grades) == {"ann", "bob", "cat", "dan"}
    assert grades["ann"][0] > grades["bob"][0] > 0 and grades["cat"][0] == 0
    assert grades["dan"][1] == "submission"
    (why,) = sql(db, "SELECT r.error FROM runs r JOIN submissions b ON r.submission_id=b.id "
                     "JOIN students s ON b.student_id=s.id WHERE s.name='dan'")  # fmt: skip
    assert "empty" in str(why[0]).lower() or "no " in str(why[0]).lower(), why
    tests = sql(db, "SELECT COUNT(*) FROM test_results t JOIN runs r ON t.run_id = r.id WHERE r.counts")[0][0]
    assert isinstance(tests, int) and tests > 3
    assert str(out / "grades.csv") in first.stdout and str(out / "class" / "index.html") in first.stdout

    again = autograde(str(folder), "--topic", "dropout", "--out", str(out))
    assert again.returncode == 0, again.stderr
    assert sql(db, "SELECT COUNT(*) FROM runs") == [(4,)]
    assert "reused" in again.stderr and " 4 " in again.stderr.split("reused")[1].splitlines()[0]

    # bob hands in a corrected file: graded again, the old score kept beside the new
    (folder / "bob" / "dropout.py").write_text(DROPOUT, encoding="utf-8")
    fixed = autograde(str(folder), "--topic", "dropout", "--out", str(out))
    assert fixed.returncode == 0, fixed.stderr
    assert counting(db)["bob"][0] == grades["ann"][0]
    (row,) = sql(db, "SELECT r.changed, old.score, r.score FROM runs r JOIN runs old ON r.replaces_id = old.id")
    assert row[0] == "content" and row[1] == grades["bob"][0] and row[2] == grades["ann"][0]
    assert "before and after" in fixed.stderr and "bob" in fixed.stderr

    # another seed: every grade again, the change named
    seeded = autograde(str(folder), "--topic", "dropout", "--out", str(out), "--seed", "7")
    assert seeded.returncode == 0, seeded.stderr
    assert sql(db, "SELECT COUNT(*) FROM runs WHERE changed = 'seed'") == [(4,)]
    assert {r[0] for r in sql(db, "SELECT seed FROM runs WHERE counts")} == {"7"}


def test_a_suite_fix_regrades_and_says_before_and_after(tmp_path: Path) -> None:
    course = tmp_path / "course-copy"
    shutil.copytree(ROOT, course, ignore=shutil.ignore_patterns(".venv", ".git", "tests", "bench", "*.pyc"))
    folder = make_class(tmp_path / "class", {"ann": DROPOUT, "bob": DROPOUT_BUG})
    out = tmp_path / "out"
    args = (str(folder), "--topic", "dropout", "--out", str(out), "--course", str(course))
    assert autograde(*args).returncode == 0
    suite = course / "course" / "dropout" / "hidden" / "test_dropout.py"
    suite.write_text(suite.read_text() + "\n\n# a fixed typo\n")
    fix = autograde(*args)
    assert fix.returncode == 0, fix.stderr
    rows = sql(out / "gradebook.sqlite", "SELECT changed FROM runs WHERE replaces_id IS NOT NULL")
    assert sorted(rows) == [("suites",), ("suites",)]
    table = fix.stderr.split("before and after")[1]
    assert "ann" in table and "bob" in table


# ----------------------------------------------------------------------------- PostgreSQL, a real server
PG_BIN = Path("/usr/lib/postgresql")


@pytest.fixture(scope="module")
def postgres() -> Iterator[str]:
    """A throwaway cluster (initdb, pg_ctl) run as the postgres user; fails, never skips."""
    versions = sorted(PG_BIN.glob("*/bin/pg_ctl"))
    assert versions, "PostgreSQL is not installed: .ci/run installs Debian's postgresql (apt-get install postgresql)"
    bin_ = versions[-1].parent
    data = Path(tempfile.mkdtemp(prefix="dlgrade-pg-"))  # not under pytest's root-only folder
    if os.geteuid() == 0:
        shutil.chown(data, "postgres", "postgres")
    user = [] if os.geteuid() != 0 else ["runuser", "-u", "postgres", "--"]
    port = str(20000 + os.getpid() % 20000)
    cluster, sockets = data / "cluster", data / "sockets"
    run = lambda *cmd: subprocess.run([*user, *cmd], capture_output=True, text=True, timeout=120)  # noqa: E731
    made = run(str(bin_ / "initdb"), "-D", str(cluster), "-A", "trust", "-U", "postgres")
    assert made.returncode == 0, f"initdb failed: {made.stderr}"
    assert run("mkdir", "-p", str(sockets)).returncode == 0
    started = run(str(bin_ / "pg_ctl"), "-D", str(cluster), "-w", "-l", str(data / "log"), "-o",
                  f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1", "start")  # fmt: skip
    log = (data / "log").read_text() if (data / "log").exists() else ""
    assert started.returncode == 0, f"the PostgreSQL server did not start: {started.stderr} {log}"
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        run(str(bin_ / "pg_ctl"), "-D", str(cluster), "-m", "immediate", "stop")
        shutil.rmtree(data, ignore_errors=True)


def test_postgresql_gradebook(tmp_path: Path, postgres: str) -> None:
    import sqlalchemy

    folder = make_class(tmp_path / "class", {"ann": DROPOUT, "bob": DROPOUT_BUG})
    first = autograde(str(folder), "--topic", "dropout", "--out", str(tmp_path / "out"), "--db", postgres)
    assert first.returncode == 0, first.stderr
    assert not (tmp_path / "out" / "gradebook.sqlite").exists()
    again = autograde(str(folder), "--topic", "dropout", "--out", str(tmp_path / "out"), "--db", postgres)
    assert again.returncode == 0, again.stderr
    engine = sqlalchemy.create_engine(postgres)
    with engine.connect() as connection:
        rows = connection.execute(sqlalchemy.text(
            "SELECT s.name, r.score, r.counts FROM runs r JOIN submissions b ON r.submission_id = b.id "
            "JOIN students s ON b.student_id = s.id ORDER BY s.name")).all()  # fmt: skip
        version = connection.execute(sqlalchemy.text("SELECT version_num FROM alembic_version")).scalar()
    engine.dispose()
    assert [(r[0], r[2]) for r in rows] == [("ann", True), ("bob", True)] and rows[0][1] > rows[1][1] > 0
    assert version == "0001"


# ----------------------------------------------------------------------------- kill -9 anywhere
def descendants(pid: int) -> set[int]:
    """Every living process below ``pid`` (pool workers, zygotes, jails), from /proc."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z":
            parents[int(stat.parent.name)] = int(fields[1])
    found, frontier = set(), {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def alive(pids: set[int]) -> set[int]:
    living = set()
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            living.add(pid)
    return living


def survivors(pids: set[int], timeout: float = 15) -> list[str]:
    """Those of ``pids`` still alive after ``timeout``, with their command lines (pgrep)."""
    deadline = time.monotonic() + timeout
    while alive(pids) and time.monotonic() < deadline:
        time.sleep(0.3)
    listed = subprocess.run(["pgrep", "-a", "."], capture_output=True, text=True).stdout.splitlines()
    left = alive(pids)
    return [line[:160] for line in listed if int(line.split()[0]) in left]


def started(args: list[str], **kwargs: object) -> tuple[subprocess.Popen[str], set[int]]:
    process = subprocess.Popen([sys.executable, "-m", "grader.cli", "autograde", *args], cwd=ROOT, env=ENV,
                               text=True, **kwargs)  # type: ignore[call-overload]  # fmt: skip
    return process, set()


def graded(db: Path) -> int:
    """How many runs the gradebook holds now (0 while it does not exist yet or is locked)."""
    try:
        return int(sql(db, "SELECT COUNT(*) FROM runs")[0][0])  # type: ignore[call-overload]
    except (sqlite3.Error, IndexError):
        return 0


def watch_until(process: subprocess.Popen[str], db: Path, runs: int, timeout: float = 300) -> set[int]:
    """Every process the run started until its gradebook holds ``runs`` runs (or it ends)."""
    seen: set[int] = set()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None and graded(db) < runs:
        seen |= descendants(process.pid)
        time.sleep(0.1)
    return seen | descendants(process.pid)


def watch(process: subprocess.Popen[str], seconds: float) -> set[int]:
    """Every process the run started in ``seconds`` (polled: a short-lived one may be missed,
    the workers and zygotes that matter live long)."""
    seen: set[int] = set()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and process.poll() is None:
        seen |= descendants(process.pid)
        time.sleep(0.2)
    return seen | descendants(process.pid)


@pytest.mark.slow
def test_kill_9_anywhere_loses_nothing_and_leaves_no_process(tmp_path: Path) -> None:
    codes = {f"s{i:02d}": (DROPOUT, DROPOUT_BUG, STUB)[i % 3] for i in range(12)}
    folder = make_class(tmp_path / "class-kill9-marker", codes)
    clean_out, out = tmp_path / "clean", tmp_path / "killed"
    args = ("--topic", "dropout", "--workers", "2")
    clean = autograde(str(folder), *args, "--out", str(clean_out))
    assert clean.returncode == 0, clean.stderr
    expected = counting(clean_out / "gradebook.sqlite")
    assert len(expected) == 12
    # each round is killed once the gradebook has grown by a random number of runs (never by a
    # clock: a machine fast or loaded would make a timed kill land after the run ended), and at
    # random moments between commits
    rng = random.Random(1)
    kills = 0
    for step in (2, 3, 3):
        target = graded(out / "gradebook.sqlite") + step  # a rerun of the killed one grows from there
        if target >= 12:
            break
        process, _ = started([str(folder), *args, "--out", str(out)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        seen = watch_until(process, out / "gradebook.sqlite", target)
        seen |= watch(process, rng.uniform(0, 0.25))  # a few of the class's grades take about that
        assert process.poll() is None, f"the run ended before its kill at {target} grades (exit {process.returncode})"
        process.send_signal(signal.SIGKILL)
        process.wait()
        kills += 1
        assert seen, f"the run started no process to check (at {graded(out / 'gradebook.sqlite')} grades, target {target})"
        assert not survivors(seen), f"left behind after kill -9: {survivors(seen, 0)}"
        if (out / "gradebook.sqlite").exists():
            assert sql(out / "gradebook.sqlite", "PRAGMA integrity_check") == [("ok",)]
    assert kills >= 2, f"only {kills} kill(s) landed mid-run"
    rerun = autograde(str(folder), *args, "--out", str(out))
    assert rerun.returncode == 0, rerun.stderr
    assert counting(out / "gradebook.sqlite") == expected
    assert sql(out / "gradebook.sqlite", "SELECT COUNT(*) FROM runs") == [(12,)]  # every grade once


@pytest.mark.slow
def test_sigterm_stops_cleanly(tmp_path: Path) -> None:
    # the signal comes when the first grade is committed, so the run is mid-class (half of it
    # stubs, slower to grade than a solution) and never over before its SIGTERM
    folder = make_class(tmp_path / "class-term-marker", {f"s{i}": (DROPOUT, STUB)[i % 2] for i in range(8)})
    out = tmp_path / "out"
    process, _ = started([str(folder), "--topic", "dropout", "--out", str(out)], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)  # fmt: skip
    seen = watch_until(process, out / "gradebook.sqlite", 1)
    assert process.poll() is None and graded(out / "gradebook.sqlite") < 8, "the run ended before its SIGTERM"
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert "stopped (SIGTERM)" in stderr and "Traceback" not in stderr
    assert seen and not survivors(seen)
    rerun = autograde(str(folder), "--topic", "dropout", "--out", str(out))
    assert rerun.returncode == 0 and len(counting(out / "gradebook.sqlite")) == 8


def test_without_bubblewrap_the_class_is_refused(tmp_path: Path) -> None:
    """Fails closed like `grade`: a class is students' work, never the course's own samples."""
    bare = tmp_path / "bin"
    bare.mkdir()
    for directory in os.environ.get("PATH", "/usr/bin:/bin").split(os.pathsep):
        if os.path.isdir(directory):
            for entry in os.scandir(directory):
                target = bare / entry.name
                if entry.name != "bwrap" and not target.exists() and os.access(entry.path, os.X_OK):
                    target.symlink_to(entry.path)
    done = autograde(str(ROOT / "course" / "samples"), "--out", str(tmp_path / "out"), env=ENV | {"PATH": str(bare)})
    assert done.returncode == 2, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:") and "--jail plain" in lines[0], done.stderr
    assert not (tmp_path / "out" / "gradebook.sqlite").exists()
