"""The installable package is the engine, never the course (issue 8, item 2; issue 9, item 2).

A wheel that ships ``solutions/`` lets ``import solutions`` work in the jail's plain mode, so a
submission that calls the reference scores full marks; an sdist that ships ``course/`` or
``tests/corpus`` hands out the hidden suites and correct answers. These tests build the wheel and
the sdist from a copy of the repository, look inside by path and by content, then install the
wheel into a fresh virtual environment and use it as a user would."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import zipfile
from pathlib import Path, PurePosixPath

import pytest

ROOT = Path(__file__).resolve().parent.parent
COURSE_DATA = ("solutions", "exercises", "course", "tests")  # never in a package, at any depth
WHEEL_TOP = {"grader"}  # besides dlgrade-<version>.dist-info
SDIST_TOP = {"grader", "docs", "README.md", "pyproject.toml", "MANIFEST.in", "PKG-INFO", "setup.cfg",
             "dlgrade.egg-info"}  # fmt: skip
JAIL_MODULES = ("grader/jail/agent.py", "grader/jail/callables.py", "grader/jail/wire.py")
# The shortest line (in characters, stripped) counted as a leak. Every line of a solution region
# matters, even `return np.tanh(x)`; a hidden suite also holds generic helper lines (`batches =
# []`, `for k in range(3):`) that the engine may well share, while its inputs and its checks sit
# on longer lines.
SHORTEST_SOLUTION_LINE = 12
SHORTEST_HIDDEN_LINE = 20

pytestmark = pytest.mark.slow


def _clean_env(**extra: str) -> dict[str, str]:
    """The environment of a user's shell: nothing that puts a checkout on the path or picks a course."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "DLGRADE_", "VIRTUAL_ENV"))}
    return env | extra


def _run(*command: str | Path, cwd: Path, env: dict[str, str], timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([str(c) for c in command], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout)  # fmt: skip


def _repository_files() -> list[str]:
    """What a clone holds: tracked files and new ones not ignored (a file about to be committed)."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            cwd=ROOT, capture_output=True, check=True).stdout  # fmt: skip
    return [name for name in listed.decode().split("\0") if name and (ROOT / name).is_file()]


@pytest.fixture(scope="module")
def checkout(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the repository as a clone would have it, itself a git repository, so that a
    version-control plugin of setuptools (setuptools-scm and the like) would see every file."""
    if shutil.which("git") is None:
        pytest.skip("git is needed to list the repository's files")
    copy = tmp_path_factory.mktemp("checkout")
    for name in _repository_files():
        (copy / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, copy / name)
    for command in (["git", "init", "-q"], ["git", "add", "-A"]):
        subprocess.run(command, cwd=copy, capture_output=True, check=True)
    return copy


@pytest.fixture(scope="module")
def built(checkout: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The sdist, and the wheel built from that sdist (what `python -m build` does), offline:
    with this environment's setuptools, no isolated build environment to download."""
    out = tmp_path_factory.mktemp("dist")
    done = _run(sys.executable, "-m", "build", "--no-isolation", "--outdir", out, checkout, cwd=checkout,
                env=_clean_env())  # fmt: skip
    assert done.returncode == 0, f"python -m build failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    wheels, sdists = sorted(out.glob("*.whl")), sorted(out.glob("*.tar.gz"))
    assert len(wheels) == 1 and len(sdists) == 1, f"expected one wheel and one sdist, got {sorted(out.iterdir())}"
    return {"wheel": wheels[0], "sdist": sdists[0]}


def _members(archive: Path) -> dict[str, bytes]:
    """Path inside the package (the sdist's top folder dropped) -> content, for every file."""
    if archive.suffix == ".whl":
        with zipfile.ZipFile(archive) as zipped:
            return {info.filename: zipped.read(info) for info in zipped.infolist() if not info.is_dir()}
    found = {}
    with tarfile.open(archive) as tarred:
        for member in tarred.getmembers():
            if member.isfile():
                inner = PurePosixPath(*PurePosixPath(member.name).parts[1:]).as_posix()
                found[inner] = tarred.extractfile(member).read()  # type: ignore[union-attr]
    return found


def _lines(path: Path) -> set[str]:
    return {line.strip() for line in path.read_text(encoding="utf-8").splitlines()}


def _secret_lines() -> dict[str, str]:
    """Line -> where it comes from, for every line a package must not hold: the solution regions
    (a line of solutions/<topic>.py its stub does not have) and the hidden suites' own lines
    (those not also in the public suites, which students get anyway, nor a bare import)."""
    secrets: dict[str, str] = {}
    for solution in sorted((ROOT / "solutions").glob("[!_]*.py")):
        stub = ROOT / "exercises" / solution.name
        for line in _lines(solution) - (_lines(stub) if stub.exists() else set()):
            if len(line) >= SHORTEST_SOLUTION_LINE:
                secrets.setdefault(line, f"solutions/{solution.name}")
    public: set[str] = set()
    for suite in ROOT.glob("course/*/public/*.py"):
        public |= _lines(suite)
    for suite in sorted(ROOT.glob("course/*/hidden/*.py")):
        for line in _lines(suite) - public:
            if len(line) >= SHORTEST_HIDDEN_LINE and not line.startswith(("import ", "from ")):
                secrets.setdefault(line, suite.relative_to(ROOT).as_posix())
    # the region markers are no secret: the stub generator and nbgrader's notebooks name them
    return {line: where for line, where in secrets.items() if not line.startswith(("### BEGIN ", "### END "))}


def test_the_secret_lines_are_found_where_they_are():
    """The content search can fail: it finds lines of the solutions and of the hidden suites."""
    secrets = _secret_lines()
    sources = set(secrets.values())
    assert any(where.startswith("solutions/") for where in sources), "no solution region was read"
    assert sum(where.startswith("course/") for where in sources) >= 6, "not every hidden suite was read"
    solution_text = (ROOT / "solutions" / "activations.py").read_text(encoding="utf-8")
    assert _leaks({"solutions/activations.py": solution_text.encode()}, secrets)


def _leaks(members: dict[str, bytes], secrets: dict[str, str]) -> list[str]:
    found = []
    for name, content in members.items():
        for line in content.decode("utf-8", errors="replace").splitlines():
            if (where := secrets.get(line.strip())) is not None:
                found.append(f"{name} holds a line of {where}: {line.strip()[:80]!r}")
    return found


@pytest.mark.parametrize("kind", ["wheel", "sdist"])
def test_the_package_holds_the_engine_and_no_course(built: dict[str, Path], kind: str):
    members = _members(built[kind])
    course_paths = [name for name in members if set(PurePosixPath(name).parts) & set(COURSE_DATA)]
    assert not course_paths, f"the {kind} ships course data or tests: {course_paths[:10]}"
    tops = {PurePosixPath(name).parts[0] for name in members}
    allowed = WHEEL_TOP | {t for t in tops if t.endswith(".dist-info")} if kind == "wheel" else SDIST_TOP
    assert tops <= allowed, (
        f"the {kind} holds {sorted(tops - allowed)}, which is not the engine; if it belongs to the "
        "engine, allow it in tests/test_packaging.py, otherwise exclude it (pyproject.toml, MANIFEST.in)"
    )
    missing = [module for module in ("grader/cli.py", *JAIL_MODULES) if module not in members]
    assert not missing, f"the {kind} lacks what the engine runs: {missing}"


@pytest.mark.parametrize("kind", ["wheel", "sdist"])
def test_no_solution_or_hidden_test_survives_by_content(built: dict[str, Path], kind: str):
    leaks = _leaks(_members(built[kind]), _secret_lines())
    assert not leaks, f"the {kind} leaks {len(leaks)} line(s): " + "; ".join(leaks[:10])


def _frozen_values() -> dict[str, bytes]:
    """The raw bytes of every array the course freezes (its fixtures, the public suites'
    expected values), of those long enough (32 bytes) not to turn up by chance."""
    import numpy as np

    found = {}
    for path in sorted(ROOT.glob("course/*/*/*.npz")):
        with np.load(path) as data:
            for key in data.files:
                raw = np.ascontiguousarray(data[key]).tobytes()
                if len(raw) >= 32:
                    found[f"{path.relative_to(ROOT)}:{key}"] = raw
    return found


@pytest.mark.parametrize("kind", ["wheel", "sdist"])
def test_no_frozen_value_survives_by_content(built: dict[str, Path], kind: str):
    values = _frozen_values()
    assert len(values) > 20, "the course's frozen arrays were not found: the search would prove nothing"
    leaks = [f"{name} holds {where}" for name, content in _members(built[kind]).items()
             for where, raw in values.items() if raw in content]  # fmt: skip
    assert not leaks, f"the {kind} holds frozen course values: {leaks[:5]}"


def _venv(where: Path) -> Path:
    """A fresh virtual environment that sees this one's third-party packages (numpy, pytest,
    click...) after its own, so that nothing is downloaded; its own site-packages comes first."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(where)], check=True, capture_output=True)
    python = where / "bin" / "python"
    site = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()  # fmt: skip
    ours = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (Path(site) / "zz_dependencies.pth").write_text("".join(f"{path}\n" for path in sorted(ours)))
    return python


def _pip_install(python: Path, *args: str | Path, cwd: Path) -> None:
    done = _run(sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--no-index",
                "--no-build-isolation", "-q", *args, cwd=cwd, env=_clean_env())  # fmt: skip
    assert done.returncode == 0, f"pip install {args} failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"


@pytest.fixture(scope="module")
def installed(built: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The built wheel installed into a fresh environment: its python."""
    python = _venv(tmp_path_factory.mktemp("venv"))
    _pip_install(python, built["wheel"], cwd=built["wheel"].parent)
    return python


def test_the_installed_engine_has_no_solutions(installed: Path, tmp_path: Path):
    env = _clean_env()
    where = _run(installed, "-c", "import grader; print(grader.__file__)", cwd=tmp_path, env=env)
    assert where.returncode == 0, where.stderr
    assert Path(where.stdout.strip()).is_relative_to(installed.parent.parent), (
        f"grader was imported from {where.stdout.strip()}, not from the installed wheel"
    )
    for package in ("solutions", "exercises"):
        done = _run(installed, "-c", f"import {package}; print({package}.__path__)", cwd=tmp_path, env=env)
        assert done.returncode != 0 and "ModuleNotFoundError" in done.stderr, (
            f"`import {package}` works where only the engine is installed: {done.stdout.strip()}"
        )


def test_the_installed_engine_without_a_course_says_how_to_name_one(installed: Path, tmp_path: Path):
    submission = ROOT / "course" / "samples" / "anna.zip"
    dlgrade = installed.parent / "dlgrade"
    done = _run(dlgrade, "grade", submission, cwd=tmp_path, env=_clean_env(DLGRADE_JAIL="plain"))
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert done.returncode == 2, f"exit {done.returncode}, expected 2 (a configuration error):\n{done.stderr}"
    assert len(lines) == 1 and lines[0].startswith("error: "), f"expected one `error:` line:\n{done.stderr}"
    assert "DLGRADE_COURSE" in lines[0] or "--course" in lines[0], f"the error does not say how to name the course: {lines[0]}"
    assert not done.stdout, f"nothing is graded without a course, yet stdout has:\n{done.stdout}"


def test_the_installed_engine_grades_the_course_it_is_pointed_at(installed: Path, checkout: Path, tmp_path: Path):
    """The course is data: pointed at a course folder, the installed engine imports that
    folder's solutions/ for its hidden suite, and the reference scores full marks."""
    env = _clean_env(DLGRADE_JAIL="plain", DLGRADE_COURSE=str(checkout))
    done = _run(installed.parent / "dlgrade", "grade", checkout / "solutions", "--topic", "activations",
                "--format", "json", cwd=tmp_path, env=env)  # fmt: skip
    assert done.returncode == 0, f"exit {done.returncode}:\n{done.stderr[-3000:]}"
    report = json.loads(done.stdout)
    topic = report["topics"]["activations"]
    assert topic["status"] == "graded" and topic["max_score"] > 0, topic
    assert topic["score"] == topic["max_score"], [t["name"] for t in topic["tests"] if t["outcome"] != "pass"]


def test_the_editable_install_grades_in_the_checkout(checkout: Path, tmp_path: Path):
    """The README's `pip install -e .`: the checkout's grading works from the checkout, although
    solutions/ is no installed package (the grader puts the course root on sys.path)."""
    python = _venv(tmp_path / "venv")
    _pip_install(python, "-e", checkout, cwd=checkout)
    env = _clean_env(DLGRADE_JAIL="plain")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    done = _run(python, "-c", "import solutions", cwd=elsewhere, env=env)
    assert done.returncode != 0, "the editable install makes `import solutions` work outside the checkout"
    done = _run(python.parent / "dlgrade", "grade", "course/samples/anna.zip", "--topic", "activations",
                "--format", "json", cwd=checkout, env=env)  # fmt: skip
    assert done.returncode == 0, f"exit {done.returncode}:\n{done.stderr[-3000:]}"
    assert json.loads(done.stdout)["topics"]["activations"]["status"] == "graded"


def test_a_new_student_works_from_the_bundle_alone(installed: Path, built: dict[str, Path], checkout: Path,
                                                   tmp_path: Path):  # fmt: skip
    """Issue 9's judging, end to end: the instructor releases the bundle with the installed
    engine; a student with only that engine (no checkout, no DLGRADE_COURSE) checks the bundle,
    fixes one stub, checks again and submits; the instructor grades the archive and gets the
    score of the student's folder itself, under the student's ID."""
    dlgrade = installed.parent / "dlgrade"
    instructor = _clean_env(DLGRADE_COURSE=str(checkout), DLGRADE_JAIL="plain")
    refused = _run(dlgrade, "release", tmp_path / "bundle", cwd=tmp_path, env=instructor)
    assert refused.returncode == 2 and "--wheel FILE" in refused.stderr, "an installed engine cannot build its wheel"
    done = _run(dlgrade, "release", tmp_path / "bundle", "--wheel", built["wheel"], cwd=tmp_path, env=instructor)
    assert done.returncode == 0, f"release: exit {done.returncode}:\n{done.stdout}\n{done.stderr[-3000:]}"
    assert (tmp_path / "bundle" / built["wheel"].name).read_bytes() == built["wheel"].read_bytes()
    with zipfile.ZipFile(tmp_path / "bundle.zip") as zipped:  # what the student downloads
        zipped.extractall(tmp_path / "student")
    work = tmp_path / "student" / "bundle"
    student = _clean_env()
    first = _run(dlgrade, "check", "--lang", "en", cwd=work, env=student)
    assert first.returncode == 1, f"check: exit {first.returncode}:\n{first.stdout}\n{first.stderr[-3000:]}"
    assert "not attempted" in first.stdout and "public checks only" in first.stdout
    shutil.copy2(checkout / "solutions" / "activations.py", work / "exercises" / "activations.py")  # fixed
    again = _run(dlgrade, "check", "activations", "--lang", "en", cwd=work, env=student)
    assert again.returncode == 0, f"check after the fix: exit {again.returncode}:\n{again.stdout}\n{again.stderr}"
    done = _run(dlgrade, "submit", "--student", "s-0042", cwd=work, env=student)
    assert done.returncode == 0, f"submit: exit {done.returncode}:\n{done.stderr}"
    archive = work / "submission-s-0042.zip"
    assert archive.is_file(), done.stdout
    folder = tmp_path / "as-a-folder"  # the same work, graded straight from the student's folder
    shutil.copytree(work / "exercises", folder / "exercises")
    out = tmp_path / "grades.jsonl"
    done = _run(dlgrade, "batch", archive, folder, "--topic", "activations", "--out", out, cwd=tmp_path, env=instructor)
    assert done.returncode == 0, f"batch: exit {done.returncode}:\n{done.stderr[-3000:]}"
    by_path = {record["path"]: record for record in map(json.loads, out.read_text().splitlines())}
    graded, direct = by_path[str(archive)], by_path[str(folder)]
    assert graded["manifest"]["status"] == "intact" and graded["manifest"]["student"] == "s-0042"
    assert "error" not in graded, graded.get("error")
    assert (graded["score"], graded["content_sha256"], graded["seed"]) == (
        direct["score"], direct["content_sha256"], direct["seed"])  # fmt: skip
    topic = graded["topics"]["activations"]
    assert topic["score"] == topic["max_score"] > 0 and graded["score"] == topic["score"]
