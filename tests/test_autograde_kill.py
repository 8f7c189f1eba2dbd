"""`dlgrade autograde` of a 200-submission class killed with SIGKILL at random moments, several
times, then run again: every grade is in the gradebook once, equal to a clean run's, and no
process of any run is left (each run is the child of a subreaper, tests/adversarial/reaper.py,
so whatever it started is counted exactly, jails and double forks included)."""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
REAPER = ROOT / "tests" / "adversarial" / "reaper.py"
ENV = {k: v for k, v in os.environ.items() if not k.startswith("DLGRADE_")}
ENV |= {"DLGRADE_LIMIT_CALL_SECONDS": "3", "DLGRADE_LIMIT_LOAD_SECONDS": "3", "PYTHONPATH": str(ROOT)}
REFERENCE = (ROOT / "solutions" / "batchnorm.py").read_text(encoding="utf-8")
CORPUS = ROOT / "tests" / "corpus" / "batchnorm" / "wrong"
# four contents, four scores; bugs the suite finds quickly, so 200 grades stay cheap
CONTENTS = {
    "ref": REFERENCE,
    **{name: (CORPUS / f"{name}.py").read_text(encoding="utf-8")
       for name in ("one_pass_variance", "backward_ignores_eps", "inference_ignores_eps")},
}  # fmt: skip
N = 200
# a pool worker still starting when its parent is killed (a spawned one imports for a second or
# more) ends itself as soon as it finds its parent gone; every other one dies with it at once
SETTLE = 15


def _class(folder: Path, contents: dict[str, str]) -> dict[str, str]:
    """``N`` students, each handed one of the contents (shuffled): student -> content name."""
    rng = random.Random(200)
    names = [list(contents)[k % len(contents)] for k in range(N)]
    rng.shuffle(names)
    whose = {}
    for k, name in enumerate(names):
        (folder / f"s{k:03d}").mkdir(parents=True)
        (folder / f"s{k:03d}" / "batchnorm.py").write_text(contents[name], encoding="utf-8")
        whose[f"s{k:03d}"] = name
    return whose


def _command(folder: Path, out: Path) -> list[str]:
    return [sys.executable, "-m", "grader.cli", "autograde", str(folder), "--topic", "batchnorm", "--workers", "2",
            "--out", str(out)]  # fmt: skip


def _under_reaper(folder: Path, out: Path, result: Path) -> subprocess.Popen[bytes]:
    command = [sys.executable, str(REAPER), str(result), "--settle", str(SETTLE), "--", *_command(folder, out)]
    return subprocess.Popen(command, cwd=ROOT, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _child(pid: int, timeout: float = 10) -> int:
    """The one child of the reaper: the autograde run."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for task in os.listdir(f"/proc/{pid}/task"):
            children = Path(f"/proc/{pid}/task/{task}/children").read_text().split()
            if children:
                return int(children[0])
        time.sleep(0.02)
    raise AssertionError("the reaper started no run")


def _grades(db: Path) -> tuple[dict[str, tuple[float, str, str]], int]:
    """Each student's counting grade (score, seed, error kind), and how many runs there are."""
    with sqlite3.connect(db) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        rows = connection.execute(
            "SELECT s.name, r.score, r.seed, r.error_kind FROM runs r JOIN submissions b ON r.submission_id = b.id "
            "JOIN students s ON b.student_id = s.id WHERE r.counts").fetchall()  # fmt: skip
        total = connection.execute("SELECT COUNT(*) FROM runs").fetchone()[0]
    names = [row[0] for row in rows]
    assert len(names) == len(set(names)), "a student with two counting runs"
    return {name: (score, seed, kind) for name, score, seed, kind in rows}, int(total)


def _committed(db: Path) -> int:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as connection:
            return int(connection.execute("SELECT COUNT(*) FROM runs").fetchone()[0])
    except sqlite3.Error:  # not made yet
        return 0


@pytest.mark.slow
def test_kill_9_at_random_moments_of_200_submissions_then_a_rerun(tmp_path: Path) -> None:
    # the clean run: one student per content; a grade depends on the content only (its seed is
    # derived from it), so each of the 200 must equal its content's clean grade
    clean_folder = tmp_path / "clean"
    for name, text in CONTENTS.items():
        (clean_folder / name).mkdir(parents=True)
        (clean_folder / name / "batchnorm.py").write_text(text, encoding="utf-8")
    clean = subprocess.run(_command(clean_folder, tmp_path / "clean-out"), cwd=ROOT, env=ENV, capture_output=True,
                           text=True, timeout=300)  # fmt: skip
    assert clean.returncode == 0, clean.stderr[-2000:]
    expected, _ = _grades(tmp_path / "clean-out" / "gradebook.sqlite")
    assert len({score for score, _, _ in expected.values()}) == len(CONTENTS), expected  # a swap would show

    folder = tmp_path / "class"
    whose = _class(folder, CONTENTS)
    out = tmp_path / "out"
    db = out / "gradebook.sqlite"
    rng = random.Random(9)
    mid_run = 0
    # the moments: one while the run starts, then three at random numbers of grades committed
    # (a clock would miss the run once grading is fast enough to end before it)
    targets = [0, *sorted(rng.sample(range(5, N - 20), 3))]
    for k, target in enumerate(targets):
        result = tmp_path / f"reaped-{k}.json"
        reaper = _under_reaper(folder, out, result)
        run = _child(reaper.pid)
        deadline = time.monotonic() + 120
        while _committed(db) < target and reaper.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(rng.uniform(0.3, 1.5) if target == 0 else rng.uniform(0, 0.05))
        before = _committed(db)
        try:
            os.kill(run, signal.SIGKILL)
        except ProcessLookupError:
            pytest.fail(f"run {k} ended before its kill ({before} of {N} grades committed, target {target})")
        _, stderr = reaper.communicate(timeout=60)
        reaped = json.loads(result.read_text())
        assert reaped["code"] == -signal.SIGKILL, (reaped, stderr.decode(errors="replace")[-2000:])
        assert not reaped["survivors"], f"left alive after kill -9 of the run: {reaped['survivors']}"
        mid_run += 0 < before < N
        if db.exists():
            grades, total = _grades(db)  # intact, no half-written row, no duplicate
            assert total == len(grades) <= N
            for student, grade in grades.items():
                assert grade == expected[whose[student]], student
    assert mid_run, "no kill landed while grades were being committed"
    result = tmp_path / "reaped-rerun.json"
    reaper = _under_reaper(folder, out, result)
    _, stderr = reaper.communicate(timeout=600)
    reaped = json.loads(result.read_text())
    assert reaped["code"] == 0, stderr.decode(errors="replace")[-3000:]
    assert not reaped["survivors"], reaped["survivors"]
    # a clean end reaps its own children, multiprocessing's resource tracker included: none is
    # left for the machine's init (a container's may take seconds, the process group held).
    # bubblewrap's inner process is its outer one's child, which the zygote's kill leaves
    # behind already dead (a zombie) and in a session of its own (--new-session): not ours
    left = [o for o in reaped["orphans"] if not (o.get("name") == "bwrap" and o.get("state", "").startswith("Z"))]
    assert not left, reaped["orphans"]
    grades, total = _grades(db)
    assert total == N and set(grades) == set(whose)  # every grade, once
    assert {student: grades[student] for student in whose} == {student: expected[whose[student]] for student in whose}
