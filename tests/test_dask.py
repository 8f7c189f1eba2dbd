"""`dlgrade batch --scheduler tcp://HOST:PORT` on a real local Dask cluster: a `dask scheduler`
and two `dask worker` processes, each started here as a process of its own."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.test_autograde import alive, descendants

pytest.importorskip("distributed")

ROOT = Path(__file__).resolve().parent.parent
DASK = str(Path(sys.executable).with_name("dask"))
ENV = {**os.environ, "PYTHONPATH": str(ROOT), "DLGRADE_LIMIT_CALL_SECONDS": "3", "DLGRADE_LIMIT_LOAD_SECONDS": "3"}
BATCHNORM = (ROOT / "solutions" / "batchnorm.py").read_text(encoding="utf-8")
BUGGY = BATCHNORM.replace("np.sqrt(var + eps)", "np.sqrt(var)")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_for_workers(address: str, n: int, timeout: float = 90) -> None:
    from distributed import Client

    with Client(address, timeout=30) as client:
        client.wait_for_workers(n, timeout=timeout)


class Cluster:
    def __init__(self, tmp: Path):
        self.port = _free_port()
        self.address = f"tcp://127.0.0.1:{self.port}"
        self.logs = tmp
        self.scheduler = self._start("scheduler", [DASK, "scheduler", "--host", "127.0.0.1", "--port", str(self.port),
                                                   "--no-dashboard"])  # fmt: skip
        self.workers = [self._start(f"worker{k}", [DASK, "worker", self.address, "--nthreads", "1", "--nworkers", "1",
                                                   "--no-dashboard", "--name", f"w{k}"]) for k in range(2)]  # fmt: skip
        _wait_for_workers(self.address, 2)

    def _start(self, name: str, command: list[str]) -> subprocess.Popen[bytes]:
        log = (self.logs / f"{name}.log").open("wb")
        return subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=ENV, cwd=self.logs,
                                start_new_session=True)  # fmt: skip

    def kill(self, process: subprocess.Popen[bytes]) -> None:
        """The worker and its nanny, at once: no chance to hand anything back."""
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait()

    def stop(self) -> None:
        for process in [*self.workers, self.scheduler]:
            self.kill(process)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    started = Cluster(tmp_path_factory.mktemp("dask"))
    try:
        yield started
    finally:
        started.stop()


def _class(folder: Path, n: int) -> list[Path]:
    paths = []
    for k in range(n):
        path = folder / f"student{k:02d}"
        path.mkdir(parents=True)
        # each its own content (its own seed); every third one buggy
        text = (BUGGY if k % 3 == 2 else BATCHNORM) + f"\n# student {k}\n"
        (path / "batchnorm.py").write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


def _batch(*args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "grader.cli", "batch", *args], capture_output=True, text=True,
                          cwd=ROOT, env=ENV, timeout=timeout)  # fmt: skip


def _records(out: Path) -> dict[str, dict]:
    return {Path(r["path"]).name: r for r in map(json.loads, out.read_text().splitlines())}


@pytest.mark.slow
def test_a_cluster_grades_as_the_local_pool_does(cluster: Cluster, tmp_path: Path) -> None:
    paths = _class(tmp_path / "class", 4)
    remote, local = tmp_path / "remote.jsonl", tmp_path / "local.jsonl"
    done = _batch(*map(str, paths), "--topic", "batchnorm", "--out", str(remote), "--scheduler", cluster.address)
    assert done.returncode == 0, done.stderr
    assert _batch(*map(str, paths), "--topic", "batchnorm", "--out", str(local), "--jobs", "2").returncode == 0
    remote_records, local_records = _records(remote), _records(local)
    assert set(remote_records) == {p.name for p in paths}
    for name, record in remote_records.items():
        assert (record["score"], record["seed"]) == (local_records[name]["score"], local_records[name]["seed"])
    assert remote_records["student00"]["score"] == remote_records["student00"]["max_score"]
    assert remote_records["student02"]["score"] < remote_records["student02"]["max_score"]


@pytest.mark.slow
def test_a_worker_killed_mid_run_loses_no_grade(cluster: Cluster, tmp_path: Path) -> None:
    paths = _class(tmp_path / "class", 10)
    out = tmp_path / "grades.jsonl"
    run = subprocess.Popen([sys.executable, "-m", "grader.cli", "batch", *map(str, paths), "--topic", "batchnorm",
                            "--out", str(out), "--scheduler", cluster.address],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT, env=ENV)  # fmt: skip
    deadline = time.monotonic() + 300
    while not (out.exists() and out.read_text().count("\n") >= 1):  # grading has begun
        assert run.poll() is None and time.monotonic() < deadline, run.stderr.read() if run.stderr else ""
        time.sleep(0.2)
    victim = cluster.workers.pop(0)
    cluster.kill(victim)  # with its chunk in hand, most likely; if not, with its session open
    try:
        stdout, stderr = run.communicate(timeout=600)
    finally:
        cluster.workers.append(cluster._start("worker-again", [DASK, "worker", cluster.address, "--nthreads", "1",
                                                               "--no-dashboard"]))  # fmt: skip
    assert run.returncode == 0, stderr
    records = [json.loads(line) for line in out.read_text().splitlines()]
    by_name = {Path(r["path"]).name: r for r in records}
    assert set(by_name) == {p.name for p in paths}  # every grade, each once
    assert len(records) == len(paths)
    for k, path in enumerate(paths):
        record = by_name[path.name]
        assert not record.get("error"), record.get("error")
        full = record["score"] == record["max_score"]
        assert full == (k % 3 != 2), path.name


def test_an_unreachable_scheduler_is_one_error_line(tmp_path: Path) -> None:
    paths = _class(tmp_path / "class", 1)
    for address, why in ((f"tcp://127.0.0.1:{_free_port()}", "no Dask scheduler answers"),
                         ("localhost:8786", "expected the scheduler's address as tcp://HOST:PORT")):  # fmt: skip
        done = _batch(str(paths[0]), "--topic", "batchnorm", "--scheduler", address, timeout=120)
        assert done.returncode == 2, done.stderr
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        assert len(lines) == 1 and lines[0].startswith("error: ") and why in lines[0], done.stderr


# ----------------------------------------------------------------------------- autograde on the cluster
SAMPLES = ROOT / "course" / "samples"


def _sample_class(folder: Path) -> list[str]:
    """Whole-module submissions of the samples (full marks, partial, half stubs), two of them
    twice under other names (the same content: the same seed and grade)."""
    folder.mkdir(parents=True)
    names = ["anna", "boris", "vera", "dina", "anna", "boris"]
    students = []
    for k, name in enumerate(names):
        student = f"s{k}-{name}"
        (folder / f"{student}.zip").write_bytes((SAMPLES / f"{name}.zip").read_bytes())
        students.append(student)
    return students


def _autograde(*args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "grader.cli", "autograde", *args], capture_output=True, text=True,
                          cwd=ROOT, env=ENV, timeout=timeout)  # fmt: skip


def _gradebook(db: Path) -> tuple[dict[str, tuple[float, str, str]], list[tuple[str, str, str, str, float]]]:
    """Every student's counting grade (score, seed, error kind), and every counting test result."""
    import sqlite3

    with sqlite3.connect(db) as connection:
        runs = connection.execute(
            "SELECT s.name, r.score, r.seed, r.error_kind FROM runs r JOIN submissions b ON r.submission_id = b.id "
            "JOIN students s ON b.student_id = s.id WHERE r.counts").fetchall()  # fmt: skip
        tests = connection.execute(
            "SELECT s.name, t.topic, t.name, t.outcome, t.points FROM test_results t JOIN runs r ON t.run_id = r.id "
            "JOIN submissions b ON r.submission_id = b.id JOIN students s ON b.student_id = s.id WHERE r.counts "
            "ORDER BY 1, 2, 3").fetchall()  # fmt: skip
        total = connection.execute("SELECT COUNT(*) FROM runs").fetchone()[0]
    names = [row[0] for row in runs]
    assert len(names) == len(set(names)) == total, f"a grade recorded more than once: {sorted(names)}, {total} runs"
    return {name: (score, seed, kind) for name, score, seed, kind in runs}, tests


def _tree(pid: int) -> set[int]:
    """``pid`` and every living process below it (the nanny, its worker, zygotes, jails)."""
    return alive({pid} | descendants(pid))


@pytest.mark.slow
def test_autograde_on_a_cluster_with_a_worker_killed_equals_the_local_pool(cluster: Cluster, tmp_path: Path) -> None:
    students = _sample_class(tmp_path / "class")
    remote, local = tmp_path / "remote", tmp_path / "local"
    run = subprocess.Popen([sys.executable, "-m", "grader.cli", "autograde", str(tmp_path / "class"), "--out", str(remote),
                            "--scheduler", cluster.address],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT, env=ENV)  # fmt: skip
    db = remote / "gradebook.sqlite"
    victim = cluster.workers[0]
    seen: set[int] = set()
    deadline = time.monotonic() + 300
    while True:  # until a first grade is committed: the victim is then grading, its session and jails open
        seen |= _tree(victim.pid)
        assert run.poll() is None and time.monotonic() < deadline, run.stderr.read() if run.stderr else ""
        if db.exists() and _committed(db) >= 1:
            break
        time.sleep(0.2)
    seen |= _tree(victim.pid)
    cluster.workers.remove(victim)
    cluster.kill(victim)
    try:
        stdout, stderr = run.communicate(timeout=600)
    finally:
        cluster.workers.append(cluster._start("worker-again", [DASK, "worker", cluster.address, "--nthreads", "1",
                                                               "--no-dashboard"]))  # fmt: skip
    assert run.returncode == 0, stderr
    assert len(seen) > 2, f"the victim had no session to lose: {seen}"  # nanny, worker, zygote at least
    deadline = time.monotonic() + 15
    while alive(seen) and time.monotonic() < deadline:
        time.sleep(0.3)
    assert not alive(seen), f"left alive after its worker was killed: {alive(seen)}"
    assert str(remote / "class" / "index.html") in stdout
    local_run = _autograde(str(tmp_path / "class"), "--out", str(local), "--workers", "2")
    assert local_run.returncode == 0, local_run.stderr
    grades, tests = _gradebook(db)
    local_grades, local_tests = _gradebook(local / "gradebook.sqlite")
    assert set(grades) == set(students)  # every grade, each once
    assert grades == local_grades
    assert tests == local_tests
    assert grades["s0-anna"][0] > grades["s1-boris"][0] > 0 and not any(g[2] for g in grades.values())


def _committed(db: Path) -> int:
    import sqlite3

    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as connection:
            return int(connection.execute("SELECT COUNT(*) FROM runs").fetchone()[0])
    except sqlite3.Error:  # the schema not made yet
        return 0
