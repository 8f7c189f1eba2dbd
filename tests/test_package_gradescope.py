"""`dlgrade package gradescope OUT.zip` (issue 11, item 4): the zip Gradescope's autograder
expects, and its `run_autograder` run against a fake `/autograder` tree laid out as Gradescope
documents it (source/ unpacked from the zip, submission/, results/, submission_metadata.json),
with the engine installed from the zip's own wheel, not from this checkout.

Judged by what results.json says: a correct submission gets what `dlgrade grade` gives the same
files; a buggy one loses points; a broken or unreadable one gets a results.json that says why,
never a crash; a hostile one (writing results.json itself, reading the hidden suite) changes
nothing."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from grader.gradescope import COURSE_DIR, PYTHON_ENV, ROOT_ENV
from tests.test_packaging import _leaks, _secret_lines

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow  # each run grades in the real jail
DROPOUT = (ROOT / "solutions" / "dropout.py").read_text(encoding="utf-8")
WRONG_DROPOUT = (ROOT / "tests" / "corpus" / "dropout" / "wrong" / "backward_forgets_scale.py").read_text(encoding="utf-8")


def _dlgrade(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("DLGRADE_COURSE", None)
    return subprocess.run([sys.executable, "-m", "grader.cli", *map(str, args)], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=600)  # fmt: skip


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    where = tmp_path_factory.mktemp("gradescope")
    done = _dlgrade("package", "gradescope", where / "autograder.zip", "--course", ROOT, cwd=where)
    assert done.returncode == 0, done.stdout + done.stderr
    return where / "autograder.zip"


@pytest.fixture(scope="module")
def engine(package: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The zip's wheel installed alone (what setup.sh does, without apt and the network): its
    dependencies are this venv's, the engine is the wheel's."""
    where = tmp_path_factory.mktemp("engine")
    with zipfile.ZipFile(package) as zipped:
        (wheel,) = [name for name in zipped.namelist() if name.endswith(".whl")]
        zipped.extract(wheel, where)
    done = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-index", "--target",
                           str(where / "site"), str(where / wheel)], capture_output=True, text=True, timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stderr
    return where / "site"


def _autograder(tmp: Path, package: Path, files: dict[str, str | bytes]) -> Path:
    """A fresh /autograder as Gradescope lays it out for one submission."""
    root = tmp / "autograder"
    with zipfile.ZipFile(package) as zipped:
        zipped.extractall(root / "source")
    for name in ("run_autograder", "setup.sh"):  # zipfile drops the modes the zip records
        (root / "source" / name).chmod(0o755)
    shutil.copy2(root / "source" / "run_autograder", root / "run_autograder")
    (root / "submission").mkdir()
    (root / "results").mkdir()
    for name, content in files.items():
        path = root / "submission" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode() if isinstance(content, str) else content)
    metadata = {"id": 1, "created_at": "2026-12-03T10:00:00Z", "assignment": {"title": "dropout"},
                "users": [{"email": "student@example.org", "name": "Student", "sid": "s1"}]}  # fmt: skip
    (root / "submission_metadata.json").write_text(json.dumps(metadata))
    return root


def _run(root: Path, engine: Path) -> tuple[subprocess.CompletedProcess[str], dict]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("DLGRADE_")}
    env |= {ROOT_ENV: str(root), PYTHON_ENV: sys.executable, "PYTHONPATH": str(engine)}
    done = subprocess.run([str(root / "run_autograder")], cwd=root, env=env, capture_output=True, text=True,
                          timeout=600)  # fmt: skip
    results = root / "results" / "results.json"
    assert results.is_file(), f"no results.json: {done.stdout}\n{done.stderr}"
    return done, json.loads(results.read_text(encoding="utf-8"))


def _solo(files: dict[str, str], tmp: Path) -> dict:
    """`dlgrade grade --format gradescope` of the same files, from this checkout."""
    folder = tmp / "solo"
    folder.mkdir()
    for name, content in files.items():
        (folder / name).write_text(content, encoding="utf-8")
    done = _dlgrade("grade", folder, "--format", "gradescope", "--course", ROOT, cwd=tmp)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _topic(results: dict, topic: str) -> tuple[float, float]:
    tests = [test for test in results["tests"] if topic in test["tags"]]
    return sum(t["score"] for t in tests), sum(t["max_score"] for t in tests)


# ----------------------------------------------------------------------------- the zip
def test_the_zip_is_what_gradescope_runs_and_holds_the_course(package: Path) -> None:
    with zipfile.ZipFile(package) as zipped:
        infos = {info.filename: info for info in zipped.infolist()}
        setup = zipped.read("setup.sh").decode()
        run = zipped.read("run_autograder").decode()
    for script in ("setup.sh", "run_autograder"):
        assert stat.S_IMODE(infos[script].external_attr >> 16) == 0o755, script
    assert setup.startswith("#!/usr/bin/env bash") and "bubblewrap" in setup and "pip install" in setup
    assert "DLGRADE_JAIL=bwrap" in run and "DLGRADE_CGROUPS=required" in run
    for topic in ("activations", "dropout", "matrix_ops"):
        assert f"{COURSE_DIR}/course/{topic}/hidden/test_{topic}.py" in infos
        assert f"{COURSE_DIR}/solutions/{topic}.py" in infos
    assert f"{COURSE_DIR}/course/course.toml" in infos
    assert not [name for name in infos if "/samples/" in name or "__pycache__" in name]
    # the engine's wheel holds nothing of the course: no solution line, no hidden suite line
    with zipfile.ZipFile(package) as zipped:
        (wheel,) = [name for name in zipped.namelist() if name.endswith(".whl")]
        import io

        with zipfile.ZipFile(io.BytesIO(zipped.read(wheel))) as inner:
            members = {name: inner.read(name) for name in inner.namelist()}
    assert not [name for name in members if name.startswith(("solutions/", "course/"))]
    assert not _leaks(members, _secret_lines())


def test_the_same_course_gives_the_same_zip(package: Path, tmp_path: Path) -> None:
    done = _dlgrade("package", "gradescope", tmp_path / "again.zip", "--course", ROOT, "--wheel",
                    _wheel_of(package, tmp_path), cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "again.zip").read_bytes() == package.read_bytes()


def _wheel_of(package: Path, where: Path) -> Path:
    with zipfile.ZipFile(package) as zipped:
        (wheel,) = [name for name in zipped.namelist() if name.endswith(".whl")]
        zipped.extract(wheel, where)
    return where / wheel


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["package", "gradescope", "{tmp}"], "name the zip file to write"),
        (["package", "gradescope", "{tmp}/a.zip", "--course", "{tmp}/nowhere"], "nowhere"),
        (["package", "gradescope", "{tmp}/a.zip", "--course", str(ROOT), "--wheel", "{tmp}/none.whl"], "no such wheel"),
    ],
)
def test_a_bad_call_is_one_error_line(args: list[str], says: str, tmp_path: Path) -> None:
    done = _dlgrade(*(arg.format(tmp=tmp_path) for arg in args), cwd=tmp_path)
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert done.returncode == 2 and len(lines) == 1 and lines[0].startswith("error: "), done.stderr
    assert says in lines[0]
    assert not list(tmp_path.glob("*.zip"))


# ----------------------------------------------------------------------------- run_autograder
def test_a_correct_submission_scores_as_dlgrade_grade(package: Path, engine: Path, tmp_path: Path) -> None:
    files = {"dropout.py": DROPOUT}
    root = _autograder(tmp_path, package, files)
    done, results = _run(root, engine)
    assert done.returncode == 0, done.stderr
    assert str(engine) in done.stdout  # graded by the zip's engine, not this checkout's
    solo = _solo(files, tmp_path)
    assert results["score"] == solo["score"]
    assert [(t["name"], t["score"]) for t in results["tests"]] == [(t["name"], t["score"]) for t in solo["tests"]]
    score, most = _topic(results, "dropout")
    assert score == most > 0
    assert "bwrap" in results["output"] and results["stdout_visibility"] == "hidden"


def test_a_buggy_submission_loses_points(package: Path, engine: Path, tmp_path: Path) -> None:
    files = {"dropout.py": WRONG_DROPOUT}
    done, results = _run(_autograder(tmp_path, package, files), engine)
    assert done.returncode == 0, done.stderr
    score, most = _topic(results, "dropout")
    assert 0 < most and score < most
    assert results["score"] == _solo(files, tmp_path)["score"]


def test_a_broken_submission_gets_a_results_json_that_says_why(package: Path, engine: Path, tmp_path: Path) -> None:
    done, results = _run(_autograder(tmp_path, package, {"dropout.py": "def dropout_forward(x, p:\n"}), engine)
    assert done.returncode == 0, done.stderr
    assert results["score"] == 0
    dropout = [t for t in results["tests"] if "dropout" in t["tags"]]
    assert dropout and all(t["score"] == 0 for t in dropout)
    assert "SyntaxError" in results["output"] or any("SyntaxError" in t["output"] for t in dropout)


def test_an_unreadable_submission_is_told_so_in_both_languages(package: Path, engine: Path, tmp_path: Path) -> None:
    done, results = _run(_autograder(tmp_path, package, {"dropout.py": b"x = 1\n" * 300_000}), engine)
    assert done.returncode == 0, done.stderr
    assert results["score"] == 0 and results["tests"] == []
    assert "could not be graded" in results["output"] and "не удалось проверить" in results["output"]


def test_a_hostile_submission_changes_nothing(package: Path, engine: Path, tmp_path: Path) -> None:
    root = tmp_path / "autograder"
    hidden = root / "source" / COURSE_DIR / "course" / "dropout" / "hidden" / "test_dropout.py"
    attack = f"""
import json, os
LEAKED = []
for where in ({str(root / "results" / "results.json")!r}, "/autograder/results/results.json"):
    try:
        with open(where, "w") as stream:
            json.dump({{"score": 1000, "output": "forged", "tests": []}}, stream)
        LEAKED.append(where)
    except OSError:
        pass
for where in ({str(hidden)!r}, {str(root / "source" / COURSE_DIR / "solutions" / "dropout.py")!r}):
    try:
        open(where).read()
        LEAKED.append(where)
    except OSError:
        pass
"""
    # an honest dropout, unless the attack got through: then every function is wrong
    files = {"dropout.py": DROPOUT + attack + "\nif LEAKED:\n    dropout_forward = dropout_backward = None\n"}
    _autograder(tmp_path, package, files)
    done, results = _run(root, engine)
    assert done.returncode == 0, done.stderr
    assert "forged" not in json.dumps(results) and results["score"] != 1000
    score, most = _topic(results, "dropout")
    assert score == most > 0, [t for t in results["tests"] if t["score"] < t["max_score"]]


def test_a_grader_that_cannot_jail_says_so_and_gives_no_score(package: Path, engine: Path, tmp_path: Path) -> None:
    """Gradescope's container may not run bubblewrap: then no grade is given (fail closed) and
    results.json says it is the grader's fault, not the student's."""
    root = _autograder(tmp_path, package, {"dropout.py": DROPOUT})
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "bwrap").write_text("#!/bin/sh\nexit 1\n")  # a bubblewrap that cannot start anything
    (bin_dir / "bwrap").chmod(0o755)
    env = {key: value for key, value in os.environ.items() if not key.startswith("DLGRADE_")}
    env |= {ROOT_ENV: str(root), PYTHON_ENV: sys.executable, "PYTHONPATH": str(engine),
            "PATH": f"{bin_dir}:{env.get('PATH', '')}"}  # fmt: skip
    done = subprocess.run([str(root / "run_autograder")], cwd=root, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 1, done.stdout + done.stderr
    results = json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))
    assert results["score"] == 0 and results["tests"] == []
    assert "the fault is the grader's" in results["output"] and "bubblewrap" in results["output"]
