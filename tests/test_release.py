"""`dlgrade release OUT`: the student bundle (issue 9, item 3).

What is in it (the stubs, the public suites with their frozen values, a config without the
secret, the contract, the README in both languages), and, by content, what is not: no line of a
solution region, no line of a hidden suite, no frozen value only the course's own tests use.
A course that is not consistent, or an OUT that is not new, is refused in one line (exit 2)."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import numpy as np
import pytest

from grader import __version__
from grader.submission import TOPICS
from tests.test_packaging import _leaks, _secret_lines

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow  # a release runs the bundle's public suites on the references


def _dlgrade(*args: str | Path, cwd: Path, course: Path = ROOT) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DLGRADE_COURSE": str(course)}
    return subprocess.run([sys.executable, "-m", "grader.cli", *map(str, args)], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=600)  # fmt: skip


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    where = tmp_path_factory.mktemp("release")
    done = _dlgrade("release", where / "student-bundle", cwd=where)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "student-bundle.zip" in done.stdout
    return where / "student-bundle"


def _files(bundle: Path) -> dict[str, bytes]:
    """The bundle's folder and its zip, every file of both, by name."""
    found = {p.relative_to(bundle).as_posix(): p.read_bytes() for p in bundle.rglob("*") if p.is_file()}
    with zipfile.ZipFile(bundle.with_name(bundle.name + ".zip")) as zipped:
        found |= {f"zip:{info.filename}": zipped.read(info) for info in zipped.infolist() if not info.is_dir()}
    for name in [n for n in found if n.endswith(".whl")]:  # the engine's wheel: every file inside it too
        with zipfile.ZipFile(io.BytesIO(found[name])) as wheel:
            found |= {f"{name}:{i.filename}": wheel.read(i) for i in wheel.infolist() if not i.is_dir()}
    return found


def test_the_bundle_holds_what_a_student_needs(bundle: Path) -> None:
    names = {p.relative_to(bundle).as_posix() for p in bundle.rglob("*") if p.is_file()}
    for topic in TOPICS:
        assert f"exercises/{topic}.py" in names
        assert f"course/{topic}/public/test_{topic}.py" in names
        assert (bundle / "exercises" / f"{topic}.py").read_bytes() == (ROOT / "exercises" / f"{topic}.py").read_bytes()
    wheel = f"dlgrade-{__version__}-py3-none-any.whl"  # the engine, built from this checkout's source
    assert {"README.md", "course/course.toml", "course/contract.json", "docs/exercise-api.md", wheel} <= names
    tops = {name.split("/")[0] for name in names}
    assert tops <= {"README.md", "course", "exercises", "docs", "notebooks", wheel}, tops
    with zipfile.ZipFile(bundle / wheel) as engine:
        inside = {info.filename.split("/")[0] for info in engine.infolist()}
    assert inside == {"grader", f"dlgrade-{__version__}.dist-info"}, f"the wheel holds more than the engine: {inside}"
    assert not [n for n in names if "/hidden/" in n or n.startswith(("solutions/", "tests/")) or "/fixtures/" in n]
    config = tomllib.loads((bundle / "course" / "course.toml").read_text(encoding="utf-8"))
    assert "seed" not in config["course"] and "quiz" not in config, "the course's secret stays with the instructor"
    assert list(config["topics"]) == list(TOPICS) and all(t == {} for t in config["topics"].values())
    readme = (bundle / "README.md").read_text(encoding="utf-8")
    for words in (
        "dlgrade check",
        "dlgrade submit",
        f"pip install {wheel}",
        "Установите",
        "Сдайте",
        "Install",
        "Submit",
        "лежит в этой папке",
        "it is in this folder",
    ):
        assert words in readme, words
    with zipfile.ZipFile(bundle.with_name(bundle.name + ".zip")) as zipped:
        assert sorted(i.filename for i in zipped.infolist()) == sorted(f"student-bundle/{n}" for n in names)


def test_no_solution_or_hidden_line_survives_by_content(bundle: Path) -> None:
    leaks = _leaks(_files(bundle), _secret_lines())
    assert not leaks, f"the bundle leaks {len(leaks)} line(s): " + "; ".join(leaks[:10])


def _hidden_values() -> dict[str, np.ndarray]:
    """Every frozen array of the course's fixtures/ that no public expected.npz holds."""
    public = []
    for path in ROOT.glob("course/*/public/expected.npz"):
        with np.load(path) as data:
            public += [data[key] for key in data.files]
    hidden = {}
    for path in ROOT.glob("course/*/fixtures/*.npz"):
        with np.load(path) as data:
            for key in data.files:
                if not any(v.shape == data[key].shape and np.array_equal(v, data[key]) for v in public):
                    hidden[f"{path.relative_to(ROOT)}:{key}"] = data[key]
    return hidden


def test_no_hidden_fixture_value_survives(bundle: Path) -> None:
    hidden = _hidden_values()
    assert hidden, "the course's fixtures hold values for its own tests only (eps = 0.1 cases): the search can fail"
    files = _files(bundle)
    for name, content in files.items():
        for where, value in hidden.items():
            raw = np.ascontiguousarray(value).tobytes()
            assert len(raw) < 32 or raw not in content, f"{name} holds the bytes of {where}"
        if name.endswith(".npz"):
            with np.load(__import__("io").BytesIO(content)) as data:
                for key in data.files:
                    same = [w for w, v in hidden.items() if v.shape == data[key].shape and np.array_equal(v, data[key])]
                    assert not same, f"{name}:{key} is {same}"


def test_the_bundle_checks_itself(bundle: Path, tmp_path: Path) -> None:
    """Its own course (config, contract, frozen values; no solutions/): a stub gets not
    attempted, a solved module passes, a wrong signature is said."""
    work = tmp_path / "work"
    shutil.copytree(bundle, work)
    (work / "exercises" / "dropout.py").write_bytes((ROOT / "solutions" / "dropout.py").read_bytes())
    (work / "exercises" / "my_helpers.py").write_text("SCALE = 2.0\n")  # a helper module is fine
    done = _dlgrade("check", "--course", work, "--lang", "en", cwd=work)
    assert done.returncode == 1, done.stdout + done.stderr
    done = _dlgrade("check", "dropout", "--course", work, "--lang", "en", cwd=work)
    assert done.returncode == 0, done.stdout + done.stderr
    stub = (work / "exercises" / "activations.py").read_text(encoding="utf-8")
    (work / "exercises" / "activations.py").write_text(stub.replace("def elu(x, alpha=1.0)", "def elu(x, a=1.0)"))
    done = _dlgrade("check", "activations", "--course", work, "--lang", "en", cwd=work)
    assert "should be elu(x, alpha=1.0)" in done.stdout, done.stdout


# ------------------------------------------------------------------ refusals, one line each
@pytest.fixture
def course_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "course-copy"
    for folder in ("course", "solutions", "exercises", "docs"):
        shutil.copytree(ROOT / folder, copy / folder, ignore=shutil.ignore_patterns("samples", "__pycache__"))
    return copy


def _refused(done: subprocess.CompletedProcess[str], needle: str) -> None:
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert done.returncode == 2, f"exit {done.returncode}:\n{done.stdout}\n{done.stderr}"
    assert len(lines) == 1 and lines[0].startswith("error: ") and needle in lines[0], done.stderr


def test_release_refuses_an_out_that_is_not_new(course_copy: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    _refused(_dlgrade("release", out, cwd=tmp_path, course=course_copy), "already exists and is not an empty folder")
    assert (out / "keep.txt").read_text() == "mine"
    (tmp_path / "taken.zip").write_text("")
    _refused(_dlgrade("release", tmp_path / "taken", cwd=tmp_path, course=course_copy), "taken.zip already exists")


def test_release_refuses_an_inconsistent_course(course_copy: Path, tmp_path: Path) -> None:
    stub = course_copy / "exercises" / "dropout.py"
    stub.write_text(stub.read_text(encoding="utf-8") + "# edited by hand\n", encoding="utf-8")
    _refused(_dlgrade("release", tmp_path / "a", cwd=tmp_path, course=course_copy), "exercises/dropout.py is out of sync")
    assert not (tmp_path / "a").exists() and not (tmp_path / "a.zip").exists()
    shutil.copy2(ROOT / "exercises" / "dropout.py", stub)

    suite = course_copy / "course" / "batchnorm" / "public" / "test_batchnorm.py"
    original = suite.read_text(encoding="utf-8")
    suite.write_text(original.replace("import numpy as np", "import numpy as np\nfrom solutions import batchnorm"))
    _refused(_dlgrade("release", tmp_path / "b", cwd=tmp_path, course=course_copy), "imports solutions")
    suite.write_text(original, encoding="utf-8")

    reference = course_copy / "solutions" / "activations.py"
    reference.write_text(reference.read_text(encoding="utf-8").replace("np.maximum(x, 0", "0.5 * np.maximum(x, 0"))
    _refused(_dlgrade("release", tmp_path / "c", cwd=tmp_path, course=course_copy), "expected.npz is stale")
    assert not list(tmp_path.glob(".c.*")), "a refused release leaves nothing behind"


def test_release_refuses_a_bundle_with_a_solution_line(course_copy: Path, tmp_path: Path) -> None:
    """The release's own search (fail closed), not only this file's: a line of a solution
    region pasted into a document the bundle ships stops the release."""
    line = "return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0)))"
    assert line in (ROOT / "solutions" / "activations.py").read_text(encoding="utf-8")
    doc = course_copy / "docs" / "exercise-api.md"
    doc.write_text(doc.read_text(encoding="utf-8") + f"\n```python\n{line}\n```\n", encoding="utf-8")
    _refused(_dlgrade("release", tmp_path / "d", cwd=tmp_path, course=course_copy),
             "docs/exercise-api.md holds a line of solutions/activations.py")  # fmt: skip
    assert not (tmp_path / "d").exists()


def test_release_ships_the_wheel_given_or_none(course_copy: Path, tmp_path: Path) -> None:
    """--wheel FILE ships that file once it is seen to be the engine's wheel; --no-wheel ships
    none, and the README then says the instructor hands the engine out."""
    fake = tmp_path / "dlgrade-9.9-py3-none-any.whl"
    fake.write_bytes(b"not a zip")
    _refused(_dlgrade("release", tmp_path / "e", "--wheel", fake, cwd=tmp_path, course=course_copy), "is not a wheel")
    with zipfile.ZipFile(fake, "w") as zipped:  # a zip, but not of the engine
        zipped.writestr("other/__init__.py", "")
    _refused(_dlgrade("release", tmp_path / "e", "--wheel", fake, cwd=tmp_path, course=course_copy),
             "is not the dlgrade engine's wheel")  # fmt: skip
    _refused(_dlgrade("release", tmp_path / "e", "--wheel", tmp_path / "none.whl", cwd=tmp_path, course=course_copy),
             "no such wheel")  # fmt: skip
    _refused(_dlgrade("release", tmp_path / "e", "--wheel", fake, "--no-wheel", cwd=tmp_path, course=course_copy),
             "contradict")  # fmt: skip
    assert not (tmp_path / "e").exists() and not (tmp_path / "e.zip").exists()
    done = _dlgrade("release", tmp_path / "f", "--no-wheel", cwd=tmp_path, course=course_copy)
    assert done.returncode == 0, done.stdout + done.stderr
    assert not list((tmp_path / "f").glob("*.whl")) and "no engine wheel" in done.stdout
    assert "your instructor gives you" in (tmp_path / "f" / "README.md").read_text(encoding="utf-8")


def test_the_leak_search_reads_a_notebooks_cells() -> None:
    """In a notebook's JSON a cell's lines sit quoted, one string each: the search reads the
    cells' code, so a solution line pasted into a notebook cell stops the release."""
    import json

    from grader.course import load_course
    from grader.errors import ConfigError
    from grader.release import _refuse_leaks

    line = "return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0)))"
    notebook = {"cells": [{"cell_type": "code", "source": ["def elu(x, alpha=1.0):\n", f"    {line}\n"]}]}
    raw = json.dumps(notebook, indent=1).encode()
    assert line not in [text.strip() for text in raw.decode().splitlines()], "the raw JSON alone hides the line"
    with pytest.raises(ConfigError, match="notebooks/activations.ipynb holds a line of solutions/activations.py"):
        _refuse_leaks(load_course(ROOT), {"notebooks/activations.ipynb": raw})
