"""The main job: `dlgrade batch` over the shipped samples, and resuming an interrupted batch."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENV = {**os.environ, "DLGRADE_LIMIT_CALL_SECONDS": "3", "DLGRADE_LIMIT_LOAD_SECONDS": "3"}


def batch(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "grader.cli", "batch", *args], capture_output=True,
                          text=True, cwd=ROOT, env=ENV, timeout=600)  # fmt: skip


def test_samples_are_graded_into_a_table(tmp_path: Path) -> None:
    out = tmp_path / "grades.jsonl"
    done = batch("--out", str(out), "--lang", "en")
    assert done.returncode == 0, done.stderr
    records = {Path(r["path"]).stem: r for r in map(json.loads, out.read_text().splitlines())}
    assert set(records) == {"anna", "boris", "vera", "gleb", "dina"}
    assert records["anna"]["score"] == records["anna"]["max_score"] > 0
    assert 0 < records["boris"]["score"] < records["boris"]["max_score"]
    assert records["gleb"]["topics"]["initialization"]["status"] == "not_gradable"  # syntax error
    assert records["gleb"]["topics"]["matrix_ops"]["status"] == "missing"
    assert records["dina"]["topics"]["activations"]["score"] < records["dina"]["topics"]["activations"]["max_score"]
    for name in records:
        assert name in done.stdout
    assert "258/258" in done.stdout or f"{records['anna']['max_score']:g}" in done.stdout


def test_an_interrupted_batch_resumes_without_regrading(tmp_path: Path) -> None:
    folder = tmp_path / "submissions"
    folder.mkdir()
    for name in ("a", "b", "c"):
        (folder / name).mkdir()
        shutil.copy(ROOT / "solutions" / "dropout.py", folder / name / "dropout.py")
    out = tmp_path / "grades.jsonl"
    assert batch(str(folder), "--topic", "dropout", "--out", str(out), "--jobs", "1").returncode == 0
    lines = out.read_text().splitlines()
    assert len(lines) == 3
    # as if the batch had been killed while writing c's line
    out.write_text("\n".join(lines[:2]) + "\n" + lines[2][: len(lines[2]) // 2])
    kept = {json.loads(line)["path"] for line in lines[:2]}
    again = batch(str(folder), "--topic", "dropout", "--out", str(out), "--jobs", "1")
    assert again.returncode == 0, again.stderr
    records = [json.loads(line) for line in out.read_text().splitlines()[2:] if line.strip().endswith("}")]
    regraded = {r["path"] for r in records}
    assert regraded and not (regraded & kept), "graded again what was already saved"
    assert all(r["score"] == r["max_score"] for r in records)


# ----------------------------------------------------------------------------- no submission ends a batch
DROPOUT = (ROOT / "solutions" / "dropout.py").read_text(encoding="utf-8")
DROPOUT_BUG = DROPOUT + "\n\ndef dropout_backward(dout, mask, p):\n    return dout * mask\n"  # forgets 1/(1-p)


def _zip(path: Path, files: dict[str, str]) -> Path:
    import zipfile

    with zipfile.ZipFile(path, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return path


def _folder(path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (path / name).parent.mkdir(parents=True, exist_ok=True)
        (path / name).write_text(text, encoding="utf-8")
    return path


def _hostile_class(folder: Path) -> dict[str, str | None]:
    """Honest and broken submissions, interleaved; the value says why a broken one is broken."""
    folder.mkdir()
    _folder(folder / "a_honest", {"exercises/dropout.py": DROPOUT})
    _folder(folder / "b_too_big", {"exercises/dropout.py": DROPOUT + "#" * (1 << 20)})
    _folder(folder / "c_buggy", {"dropout.py": DROPOUT_BUG})
    encrypted = _zip(folder / "d_encrypted.zip", {"hw/exercises/dropout.py": DROPOUT})
    data = bytearray(encrypted.read_bytes())
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        data[data.index(signature) + offset] |= 0x1
    encrypted.write_bytes(bytes(data))
    _folder(folder / "e_honest_twin", {"exercises/dropout.py": DROPOUT})  # a's code under another name
    bad_name = _zip(folder / "f_bad_name.zip", {"hw/dropout.py": DROPOUT, "hw/é.py": "x = 1\n"})
    bad_name.write_bytes(bad_name.read_bytes().replace("é".encode(), b"\xff\xfe"))
    (folder / "g_notebook.ipynb").write_text('{"cells": [{"cell_type": "code", "source": 3}]}', encoding="utf-8")
    # an array default where a bool is due crashed the signature check ("truth value ... ambiguous")
    _folder(
        folder / "h_array_default",
        {
            "dropout.py": DROPOUT.replace(
                "def dropout_forward(x, p, rng, train=True)", "def dropout_forward(x, p, rng, train=np.ones(2))"
            )
        },
    )
    _folder(folder / "i_link", {"x.txt": ""})
    (folder / "i_link" / "exercises").symlink_to(ROOT / "solutions")
    _folder(folder / "j_honest_last", {"dropout.py": DROPOUT + "\n# my notes\n"})
    return {"a_honest": None, "b_too_big": "larger than", "c_buggy": None, "d_encrypted": "encrypted",
            "e_honest_twin": None, "f_bad_name": "UTF-8", "g_notebook": "notebook", "h_array_default": None,
            "i_link": "symbolic link", "j_honest_last": None}  # fmt: skip


def test_a_hostile_class_loses_no_honest_grade(tmp_path: Path) -> None:
    assert "def dropout_forward(x, p, rng, train=True)" in DROPOUT, "update the array-default case"
    expected = _hostile_class(tmp_path / "class")
    out = tmp_path / "grades.jsonl"
    done = batch(str(tmp_path / "class"), "--topic", "dropout", "--out", str(out), "--jobs", "2", "--lang", "en")
    assert done.returncode == 0, done.stderr[-3000:]
    records = {Path(r["path"]).name.removesuffix(".zip").removesuffix(".ipynb"): r
               for r in map(json.loads, out.read_text(encoding="utf-8").splitlines())}  # fmt: skip
    assert set(records) == set(expected)
    for name, why in expected.items():
        record = records[name]
        assert record["submission"] in name, (name, record["submission"])
        topic = record["topics"]["dropout"]
        if why is None:
            continue
        assert topic["status"] == "not_gradable" and topic["score"] == 0 and topic["max_score"] > 0, name
        assert record["error_kind"] == "submission" and why in record["error"], (name, record.get("error"))
        assert why in topic["message"], (name, topic["message"])
    # every honest one: exactly its solo grade, under its own name
    for name in ("a_honest", "c_buggy", "e_honest_twin", "h_array_default", "j_honest_last"):
        solo = subprocess.run([sys.executable, "-m", "grader.cli", "grade", str(tmp_path / "class" / name),
                               "--topic", "dropout", "--format", "json", "--lang", "en"],
                              capture_output=True, text=True, cwd=ROOT, env=ENV, timeout=300)  # fmt: skip
        assert solo.returncode == 0, solo.stderr[-2000:]
        alone, together = json.loads(solo.stdout), records[name]
        assert (alone["seed"], alone["content_sha256"]) == (together["seed"], together["content_sha256"]), name
        assert [(t["name"], t["outcome"], t["points"]) for t in alone["topics"]["dropout"]["tests"]] == \
            [(t["name"], t["outcome"], t["points"]) for t in together["topics"]["dropout"]["tests"]], name  # fmt: skip
    assert records["a_honest"]["score"] == records["a_honest"]["max_score"] > 0
    assert 0 < records["c_buggy"]["score"] < records["c_buggy"]["max_score"]
    assert records["e_honest_twin"]["seed"] == records["a_honest"]["seed"] != records["j_honest_last"]["seed"]
    array_default = records["h_array_default"]["topics"]["dropout"]
    assert array_default["status"] == "not_gradable" and "train=True" in array_default["message"]
    for name in expected:
        assert name in done.stdout  # a row each in the table


def FORKED(workers: int):  # noqa: N802
    """The engine's local pools, forked: a patch made in this process reaches their workers."""
    from grader.engine import local_pool

    return local_pool(workers, "fork")


def _solo_module(path: Path, text: str = DROPOUT) -> Path:
    return _folder(path, {"dropout.py": text})


def test_a_grader_failure_on_one_submission_keeps_the_others(tmp_path: Path, monkeypatch) -> None:
    """A bug of the grader that one submission's content triggers: that one is recorded as the
    grader's failure (tried again on a rerun), every other is graded and saved."""
    from grader import api, runner

    for name in ("one", "two", "three"):
        _solo_module(tmp_path / "class" / name, DROPOUT + ("\n# BREAKS THE GRADER\n" if name == "two" else ""))
    real = runner.GradingPlugin._grade_topic

    def flaky(self, submission, *args, **kwargs):
        if "BREAKS THE GRADER" in submission.modules.get("dropout", ""):
            raise RuntimeError("a bug of the grader")
        return real(self, submission, *args, **kwargs)

    monkeypatch.setattr(runner.GradingPlugin, "_grade_topic", flaky)  # FORKED pools: their workers see it
    monkeypatch.setenv("DLGRADE_LIMIT_CALL_SECONDS", "3")
    out = tmp_path / "grades.jsonl"
    reports = api.grade_many([tmp_path / "class"], jobs=2, out=out, topic="dropout", lang="en", chunk=1, pools=FORKED)
    by_name = {r.submission: r for r in reports}
    assert by_name["two"].error_kind == "internal" and "a bug of the grader" in by_name["two"].error
    assert by_name["two"].topics[0].status == "not_gradable"
    for name in ("one", "three"):
        assert by_name[name].error == "" and by_name[name].score == by_name[name].max_score > 0
    saved = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert sorted(Path(r["path"]).name for r in saved) == ["one", "three", "two"]
    # a rerun grades again the one the grader failed on, and only that one
    monkeypatch.setattr(runner.GradingPlugin, "_grade_topic", real)
    again = api.grade_many([tmp_path / "class"], jobs=1, out=out, topic="dropout", lang="en")
    assert {r.submission: r.error_kind for r in again} == {"one": "", "two": "", "three": ""}
    assert len(out.read_text(encoding="utf-8").splitlines()) == 4


def test_a_failed_chunk_surfaces_after_the_other_grades_are_saved(tmp_path: Path, monkeypatch) -> None:
    from grader import api, farm

    for name in ("one", "two", "three"):
        _solo_module(tmp_path / "class" / name)
    real = farm.Station.grade

    def broken_for_two(self, submissions):
        if any(s.name == "two" for s in submissions):
            raise RuntimeError("the session broke")
        return real(self, submissions)

    monkeypatch.setattr(farm.Station, "grade", broken_for_two)
    monkeypatch.setenv("DLGRADE_LIMIT_CALL_SECONDS", "3")
    out = tmp_path / "grades.jsonl"
    import pytest

    with pytest.raises(RuntimeError, match="the session broke"):
        api.grade_many([tmp_path / "class"], jobs=2, out=out, topic="dropout", lang="en", chunk=1, pools=FORKED)
    saved = sorted(Path(json.loads(line)["path"]).name for line in out.read_text(encoding="utf-8").splitlines())
    assert saved == ["one", "three"]


def test_the_signature_check_never_raises_on_a_default() -> None:
    import numpy as np

    from grader.runner import _same_default

    assert _same_default(np.zeros(2), None) is False  # was: "truth value of an array is ambiguous"
    assert _same_default(np.ones(2), True) is False
    assert _same_default((np.zeros(2),), (0.0,)) is False
    assert _same_default(None, None) and _same_default(True, True) and _same_default(1, True)
    assert _same_default(0.9, 0.9) and _same_default(1, 1.0) and not _same_default(True, 1.0)
    assert _same_default(np.zeros(2), np.zeros(2)) and not _same_default(np.zeros(2), np.zeros(3))
    assert _same_default("a", "a") and not _same_default("a", "b")


def test_a_submission_that_kills_its_grading_process_loses_only_its_own_grade(tmp_path: Path, monkeypatch) -> None:
    """The grader's worker process dies (as under the OOM killer) while grading one submission:
    a broken pool fails every chunk it held, so they are graded again, one by one; the culprit
    gets a record saying so, every other submission its grade."""
    import os

    from grader import api, runner

    names = ["a", "b", "c_killer", "d", "e"]
    for name in names:
        _solo_module(tmp_path / "class" / name, DROPOUT + ("\n# KILLS THE GRADER\n" if name == "c_killer" else ""))
    real = runner.GradingPlugin._grade_topic

    def deadly(self, submission, *args, **kwargs):
        if "KILLS THE GRADER" in submission.modules.get("dropout", ""):
            os._exit(137)
        return real(self, submission, *args, **kwargs)

    monkeypatch.setattr(runner.GradingPlugin, "_grade_topic", deadly)  # FORKED pools: their workers see it
    monkeypatch.setenv("DLGRADE_LIMIT_CALL_SECONDS", "3")
    out = tmp_path / "grades.jsonl"
    reports = api.grade_many([tmp_path / "class"], jobs=2, out=out, topic="dropout", lang="en", chunk=3, pools=FORKED)
    by_name = {r.submission: r for r in reports}
    assert list(by_name) == names
    assert by_name["c_killer"].error_kind == "internal" and "worker process died" in by_name["c_killer"].error
    for name in names:
        if name != "c_killer":
            assert by_name[name].error == "" and by_name[name].score == by_name[name].max_score > 0, name
    saved = {Path(json.loads(line)["path"]).name for line in out.read_text(encoding="utf-8").splitlines()}
    assert saved == set(names)


def test_the_engine_fails_closed_when_no_jail_is_named(tmp_path: Path, monkeypatch) -> None:
    """run_session without a jail mode (a later command, a script): the policy's choice, never
    the sandbox's silent fallback to the plain jail."""
    import pytest

    from grader import policy
    from grader.course import load_course
    from grader.errors import JailUnavailable
    from grader.runner import run_session
    from grader.submission import load_submission

    monkeypatch.setattr(policy, "strong_jail_usable", lambda: False)
    monkeypatch.delenv("DLGRADE_JAIL", raising=False)
    course = load_course(ROOT)
    submission = load_submission(_solo_module(tmp_path / "w"), "dropout")
    with pytest.raises(JailUnavailable, match="--jail plain"):
        run_session(course, [submission], topics=("dropout",))
    monkeypatch.setenv("DLGRADE_JAIL", "plain")
    (report,) = run_session(course, [submission], topics=("dropout",))
    assert report.protections["jail"] == "plain" and report.score == report.max_score > 0


# ----------------------------------------------------------------------------- bad input; kill -9
import pytest  # noqa: E402


@pytest.mark.parametrize(
    "args, env, says",
    [
        (["--out", "{folder}"], {}, "is a folder"),
        (["--out", "{folder}/missing/grades.jsonl"], {}, "cannot write there"),
        (["--scheduler", "tcp://127.0.0.1:9"], {}, "no Dask scheduler"),
        ([], {"DLGRADE_SEED": "abc"}, "DLGRADE_SEED"),
        ([], {"DLGRADE_LIMIT_CALL_SECONDS": "-1"}, "DLGRADE_LIMIT_CALL_SECONDS"),
        ([], {"DLGRADE_CGROUPS": "sometimes"}, "DLGRADE_CGROUPS"),
        ([], {"DLGRADE_CGROUP_ROOT": "/nonexistent"}, "DLGRADE_CGROUP_ROOT=/nonexistent"),
        ([], {"DLGRADE_LIMIT_LOAD_SECOND": "2"}, "DLGRADE_LIMIT_LOAD_SECOND is not a limit"),
    ],
)
def test_bad_input_is_one_error_line(tmp_path: Path, args: list[str], env: dict[str, str], says: str) -> None:
    work = _solo_module(tmp_path / "work")
    (tmp_path / "folder").mkdir()
    args = [a.replace("{folder}", str(tmp_path / "folder")) for a in args]
    done = subprocess.run([sys.executable, "-m", "grader.cli", "batch", str(work), "--topic", "dropout", *args],
                          capture_output=True, text=True, cwd=ROOT, env=ENV | env, timeout=120)  # fmt: skip
    assert done.returncode == 2, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:") and says in lines[0], done.stderr


@pytest.mark.slow
def test_a_batch_killed_with_sigkill_leaves_no_process_and_resumes(tmp_path: Path) -> None:
    """The issue's survivors: a batch's pool workers lived on, blocked on a pipe, after kill -9.
    The batch runs under a subreaper (tests/adversarial/reaper.py): whatever it left is counted."""
    import signal
    import time

    for k in range(6):
        _solo_module(tmp_path / "class" / f"s{k}", DROPOUT + f"\n# {k}\n")
    out, result = tmp_path / "grades.jsonl", tmp_path / "reaped.json"
    command = [sys.executable, str(ROOT / "tests" / "adversarial" / "reaper.py"), str(result), "--settle", "15", "--",
               sys.executable, "-m", "grader.cli", "batch", str(tmp_path / "class"), "--topic", "dropout", "--jobs", "2",
               "--out", str(out)]  # fmt: skip
    reaper = subprocess.Popen(command, cwd=ROOT, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 240
    while not (out.exists() and out.read_text().count("\n") >= 1):  # grading has begun: jails are open
        assert reaper.poll() is None and time.monotonic() < deadline, reaper.stderr.read() if reaper.stderr else ""
        time.sleep(0.1)
    children = {c for task in Path(f"/proc/{reaper.pid}/task").iterdir() for c in (task / "children").read_text().split()}
    (child,) = [int(c) for c in children if b"grader.cli" in Path(f"/proc/{c}/cmdline").read_bytes()]
    os.kill(child, signal.SIGKILL)
    reaper.communicate(timeout=60)
    reaped = json.loads(result.read_text())
    assert reaped["code"] == -signal.SIGKILL and not reaped["survivors"], reaped
    again = batch(str(tmp_path / "class"), "--topic", "dropout", "--out", str(out))
    assert again.returncode == 0, again.stderr
    records = [json.loads(line) for line in out.read_text().splitlines() if line.strip().endswith("}")]
    assert sorted(Path(r["path"]).name for r in records) == [f"s{k}" for k in range(6)]  # each once
    assert all(r["score"] == r["max_score"] > 0 for r in records)


def test_batch_and_autograde_agree(tmp_path: Path) -> None:
    """Two commands, one engine: the same class gets the same grades (score, seed, every test's
    outcome, the reason of an empty one) in batch's JSON lines and in autograde's gradebook."""
    import sqlite3
    import zipfile

    folder = tmp_path / "class"
    stub = (ROOT / "exercises" / "dropout.py").read_text(encoding="utf-8")
    for name, text in (("ann", DROPOUT), ("bob", DROPOUT_BUG), ("cat", stub)):
        _solo_module(folder / name, text)
    zipfile.ZipFile(folder / "dan.zip", "w").close()  # empty: said so by both
    lines = tmp_path / "grades.jsonl"
    done = batch(str(folder), "--topic", "dropout", "--out", str(lines), "--jobs", "2")
    assert done.returncode == 0, done.stderr[-2000:]
    graded = subprocess.run([sys.executable, "-m", "grader.cli", "autograde", str(folder), "--topic", "dropout",
                             "--out", str(tmp_path / "out")], capture_output=True, text=True, cwd=ROOT, env=ENV,
                            timeout=600)  # fmt: skip
    assert graded.returncode == 0, graded.stderr[-2000:]
    with sqlite3.connect(tmp_path / "out" / "gradebook.sqlite") as connection:
        book = {name: json.loads(report) for name, report in connection.execute(
            "SELECT s.name, r.report FROM runs r JOIN submissions b ON r.submission_id = b.id "
            "JOIN students s ON b.student_id = s.id WHERE r.counts")}  # fmt: skip

    def grade_of(record: dict) -> tuple:
        tests = [(t["name"], t["outcome"], t["points"]) for t in record["topics"]["dropout"]["tests"]]
        return record["score"], record["seed"], record.get("error", ""), record.get("error_kind", ""), tests

    records = {Path(r["path"]).stem: r for r in map(json.loads, lines.read_text(encoding="utf-8").splitlines())}
    assert set(records) == set(book) == {"ann", "bob", "cat", "dan"}
    for name in records:
        assert grade_of(records[name]) == grade_of(book[name]), name
    assert records["ann"]["score"] > records["bob"]["score"] > records["cat"]["score"] == 0
    assert records["dan"]["error_kind"] == "submission" and "empty" in records["dan"]["error"]


def test_a_rerun_regrades_what_changed_and_says_what_it_reused(tmp_path: Path) -> None:
    """The issue's stale grades: a corrected submission rerun with the same --out kept its old
    grade, and so did every submission under another --seed. A saved line is reused only for the
    same content under the same seed; a changed one gets a new line, after its old one."""
    _solo_module(tmp_path / "class" / "ann")
    _solo_module(tmp_path / "class" / "bob", DROPOUT_BUG)
    out = tmp_path / "grades.jsonl"

    def run(*extra: str) -> tuple[subprocess.CompletedProcess, list[dict]]:
        done = batch(str(tmp_path / "class"), "--topic", "dropout", "--out", str(out), "--jobs", "1", *extra)
        assert done.returncode == 0, done.stderr[-2000:]
        return done, [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]

    _, first = run()
    again, same = run()
    assert same == first and "2 already graded there, reused" in " ".join(again.stderr.split())
    (tmp_path / "class" / "bob" / "dropout.py").write_text(DROPOUT, encoding="utf-8")  # bob's correction
    fixed, lines = run()
    said = " ".join(fixed.stderr.split())  # rich wraps the line at the terminal's width
    assert "1 already graded there, reused" in said and "1 graded again" in said
    assert len(lines) == 3 and Path(lines[-1]["path"]).name == "bob"
    (bob_before,) = [r for r in first if Path(r["path"]).name == "bob"]
    assert lines[-1]["score"] == lines[-1]["max_score"] > bob_before["score"]  # the last line of a path counts
    _, seeded = run("--seed", "7")
    assert len(seeded) == 5 and {r["seed"] for r in seeded[3:]} == {7}


def test_a_rerun_after_a_suite_fix_regrades_every_submission(tmp_path: Path) -> None:
    """A hidden suite changed since the saved lines (a fix of a test, a new case): no saved grade
    is the one this run would make, so every submission is graded again."""
    course = tmp_path / "course-copy"
    for folder in ("course", "solutions", "exercises"):
        shutil.copytree(ROOT / folder, course / folder, ignore=shutil.ignore_patterns("samples", "__pycache__"))
    _solo_module(tmp_path / "class" / "ann")
    out = tmp_path / "grades.jsonl"

    def run() -> tuple[subprocess.CompletedProcess, list[dict]]:
        done = batch(str(tmp_path / "class"), "--topic", "dropout", "--out", str(out), "--jobs", "1",
                     "--course", str(course))  # fmt: skip
        assert done.returncode == 0, done.stderr[-2000:]
        return done, [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]

    _, first = run()
    assert len(first) == 1 and len(first[0]["suite_version"]) == 64
    hidden = sorted((course / "course" / "dropout" / "hidden").glob("test_*.py"))[0]
    hidden.write_text(hidden.read_text(encoding="utf-8") + "\n# a fix of the suite\n", encoding="utf-8")
    again, lines = run()
    said = " ".join(again.stderr.split())
    assert "0 already graded there" in said and "1 graded again" in said
    assert len(lines) == 2 and lines[1]["suite_version"] != lines[0]["suite_version"]
