"""``dlgrade release OUT``: the student bundle, as the folder ``OUT/`` and ``OUT.zip``.

What a student gets, and nothing else: the stubs (``exercises/``), the public suites with their
frozen expected values (``course/<topic>/public/``), a course config without its secret seed,
quiz sizes or points (``course/course.toml``), the contract the checks hold the stubs to
(``course/contract.json``, in place of the references), the exercise API, a notebook per topic
where the course has a notebook generator, the engine's wheel (built from its source, or the
one given), and a README in Russian and English (install the engine, check, submit). With only
that engine installed, ``dlgrade check`` and ``dlgrade submit`` work inside it.

The course is checked first and the release refused (exit 2, one line) when it is not
consistent: a stub out of sync with its solution, a topic without a stub or a public suite, a
public suite that imports ``solutions/`` or whose frozen values are stale. The bundle is
written beside ``OUT`` and renamed into place only when complete; before that, its public
suites run from the bundle itself (references: every check passes; stubs: not attempted), and
its every line, the wheel's files included, is searched for a line of a solution region or of
a hidden suite (fail closed)."""

from __future__ import annotations

import ast
import importlib.util
import io
import json
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from grader import __version__, stubs
from grader.course import Course, load_course
from grader.errors import ConfigError, UsageError
from grader.leaks import refuse_leaks, secret_lines, text_lines

# what a public suite may import: the engine, NumPy, pytest and the standard library's few it uses
PUBLIC_IMPORTS = {"grader", "numpy", "pytest", "math", "pathlib"}
_ZIP_TIME = (2026, 1, 1, 0, 0, 0)  # the same bundle gives the same zip, byte for byte


@dataclass(frozen=True)
class Release:
    folder: Path
    archive: Path
    files: tuple[str, ...]  # relative to the folder, sorted
    notebooks: bool  # whether the bundle has a notebook per topic
    wheel: str | None  # the engine's wheel in the bundle, by name; None when it ships without one


# what `release` does about the engine: build its wheel from the source tree (the default, which
# needs the engine to be a checkout), ship a wheel given, or ship none (students get it elsewhere)
BUILD_WHEEL = "build"


def release(out: Path, course: Course | Path | None = None, *, verify: bool = True,
            wheel: Path | str | None = BUILD_WHEEL) -> Release:  # fmt: skip
    """Write the student bundle of ``course`` as ``out/`` and ``out.zip``; ``wheel`` is
    ``BUILD_WHEEL``, the path of an engine wheel to ship, or None for none."""
    out = Path(out)
    archive = out.with_name(out.name + ".zip")
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise UsageError(f"{out} already exists and is not an empty folder; name a new folder for the bundle")
    if archive.exists():
        raise UsageError(f"{archive} already exists; remove it or name another folder for the bundle")
    if not out.parent.is_dir():
        raise UsageError(f"{out.parent}: no such folder to write the bundle in")
    course = course if isinstance(course, Course) else load_course(course)
    if str(course.root) not in sys.path:  # the references (fixtures, contract) are this course's
        sys.path.insert(0, str(course.root))
    files = _bundle_files(course)  # the course's consistency checks first: a refusal costs no build
    engine = engine_wheel(wheel, out.parent) if wheel is not None else None
    inside = wheel_members(engine) if engine else {}  # refuses what is not a dlgrade wheel
    if engine:
        files[engine[0]] = engine[1]
    notebooks = any(name.startswith("notebooks/") for name in files)
    files["README.md"] = student_readme(course, notebooks, engine[0] if engine else None).encode()
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        for name, content in files.items():
            path = staging / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
        _refuse_leaks(course, files)
        if engine:
            _refuse_leaks(course, {f"{engine[0]}:{name}": content for name, content in inside.items()})
        if verify:
            _verify(course, staging)
        if out.exists():
            out.rmdir()  # empty, checked above
        staging.rename(out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _write_zip(out, archive, sorted(files))
    return Release(out, archive, tuple(sorted(files)), notebooks, engine[0] if engine else None)


# ----------------------------------------------------------------------------- the engine
_ENGINE_SOURCE = ("pyproject.toml", "README.md", "MANIFEST.in")  # beside grader/, what a build reads


def engine_wheel(wheel: Path | str, scratch: Path) -> tuple[str, bytes]:
    """(file name, bytes) of the engine's wheel for the bundle: the one given (``wheel_members``
    then checks it is dlgrade's), or one built now from this engine's source tree (a copy of it,
    so the build's leftovers never land in the instructor's checkout)."""
    if wheel != BUILD_WHEEL:
        path = Path(wheel)
        if not path.is_file() or path.suffix != ".whl":
            raise UsageError(f"{path}: no such wheel; give the engine's .whl file (`python -m build --wheel`), "
                             "or --no-wheel to ship the bundle without the engine")  # fmt: skip
        return path.name, path.read_bytes()
    package = Path(__file__).resolve().parent
    source = package.parent
    pyproject = source / "pyproject.toml"
    if not pyproject.is_file() or 'name = "dlgrade"' not in pyproject.read_text(encoding="utf-8"):
        raise UsageError(f"this engine ({package}) is installed from a package, not a source tree, so its wheel "
                         "cannot be built here; give it with --wheel FILE, or --no-wheel to ship none")  # fmt: skip
    with tempfile.TemporaryDirectory(prefix=".dlgrade-wheel.", dir=scratch) as temp:
        copy = Path(temp) / "source"
        shutil.copytree(package, copy / "grader", ignore=shutil.ignore_patterns("__pycache__", "*.py[cod]"))
        for name in _ENGINE_SOURCE:
            if (source / name).is_file():
                shutil.copy2(source / name, copy / name)
        built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                                "--no-index", "-q", "-w", str(Path(temp) / "dist"), str(copy)],
                               capture_output=True, text=True, timeout=600)  # fmt: skip
        wheels = sorted((Path(temp) / "dist").glob("dlgrade-*.whl"))
        if built.returncode != 0 or len(wheels) != 1:
            last = (built.stderr.strip().splitlines() or ["no wheel written"])[-1]
            raise UsageError(f"building the engine's wheel failed ({last}); install setuptools>=77 and pip, "
                             "give a wheel with --wheel FILE, or --no-wheel to ship none")  # fmt: skip
        return wheels[0].name, wheels[0].read_bytes()


def wheel_members(engine: tuple[str, bytes]) -> dict[str, bytes]:
    """Every file of the wheel, by its path inside it; a file that is not a dlgrade wheel is refused."""
    name, content = engine
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as zipped:
            members = {info.filename: zipped.read(info) for info in zipped.infolist() if not info.is_dir()}
    except (zipfile.BadZipFile, OSError, EOFError) as error:
        raise UsageError(f"{name} is not a wheel ({error}); give the engine's .whl file") from None
    if not any(m.startswith("dlgrade-") and m.endswith(".dist-info/METADATA") for m in members) or not any(
        m.startswith("grader/") for m in members
    ):
        raise UsageError(f"{name} is not the dlgrade engine's wheel (no grader/ and dlgrade dist-info in it)")
    return members


# ----------------------------------------------------------------------------- what goes in
def _bundle_files(course: Course) -> dict[str, bytes]:
    """Every file of the bundle, by its path inside it, after the course's consistency checks."""
    root = course.root
    drifted = stubs.drifted_stubs(root)
    if drifted:
        raise ConfigError(f"{drifted[0].relative_to(root)} is out of sync with its solution; run `dlgrade stubs` "
                          "and release again")  # fmt: skip
    files: dict[str, bytes] = {}
    contract: dict[str, Any] = {}
    for topic in course.topics:
        stub = root / "exercises" / f"{topic}.py"
        public = root / "course" / topic / "public"
        if not stub.is_file():
            raise ConfigError(f"{topic}: no stub exercises/{topic}.py; write solutions/{topic}.py and run `dlgrade stubs`")
        if not course.suite(topic, "public").is_file():
            raise ConfigError(f"{topic}: no public suite {course.suite(topic, 'public').relative_to(root)}; a "
                              "student bundle needs one per topic")  # fmt: skip
        files[f"exercises/{topic}.py"] = stub.read_bytes()
        for path in sorted(public.rglob("*")):
            if path.is_symlink():
                raise ConfigError(f"{path.relative_to(root)} is a link; a bundle holds plain files only")
            if path.is_file() and "__pycache__" not in path.parts:
                if path.suffix == ".py":
                    _check_public_suite(path, root)
                files[path.relative_to(root).as_posix()] = path.read_bytes()
        _check_frozen(course, topic)
        contract[topic] = course.contract(topic)
    files["course/course.toml"] = _student_config(course).encode()
    files["course/contract.json"] = (json.dumps(contract, indent=1, ensure_ascii=False) + "\n").encode()
    api_doc = root / "docs" / "exercise-api.md"
    if api_doc.is_file():
        files["docs/exercise-api.md"] = api_doc.read_bytes()
    files |= _notebooks(course)
    return files  # the README is written by release, once it knows the engine's wheel


def _check_public_suite(path: Path, root: Path) -> None:
    """A public suite imports only the engine, NumPy, pytest and the standard library it needs:
    never ``solutions`` (not in the bundle, and the answers), nor anything of the course."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    except (SyntaxError, UnicodeDecodeError, ValueError) as error:
        raise ConfigError(f"{path.relative_to(root)} does not parse ({error})") from None
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or "." * node.level]
        else:
            continue
        for name in names:
            if name.split(".")[0] not in PUBLIC_IMPORTS:
                raise ConfigError(f"{path.relative_to(root)}:{node.lineno} imports {name}; a public suite ships "
                                  "to students and may import only grader, numpy, pytest, math and pathlib "
                                  "(freeze expected values with fixtures/public.py)")  # fmt: skip


def _check_frozen(course: Course, topic: str) -> None:
    """``course/<topic>/public/expected.npz`` is what ``fixtures/public.py`` builds from the
    reference now: a stale file would check students against answers the reference changed."""
    generator = course.root / "course" / topic / "fixtures" / "public.py"
    stored_path = course.root / "course" / topic / "public" / "expected.npz"
    if not generator.is_file():
        return
    rerun = f"run `python {generator.relative_to(course.root)}` and release again"
    spec = importlib.util.spec_from_file_location(f"dlgrade_release_{topic}_fixtures", generator)
    if spec is None or spec.loader is None:
        raise ConfigError(f"{generator}: cannot be loaded")
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
        fresh = module.build(course.solution(topic))
    except ConfigError:
        raise
    except Exception as error:
        raise ConfigError(f"{generator.relative_to(course.root)} fails ({type(error).__name__}: {error})") from None
    if not stored_path.is_file():
        raise ConfigError(f"{stored_path.relative_to(course.root)} is missing; {rerun}")
    with np.load(stored_path, allow_pickle=False) as stored:
        same = sorted(stored.files) == sorted(fresh) and all(same_frozen(stored[key], value) for key, value in fresh.items())
    if not same:
        raise ConfigError(f"{stored_path.relative_to(course.root)} is stale (not what the reference gives now); {rerun}")


def same_frozen(stored: Any, fresh: Any) -> bool:
    """Whether a frozen expected value is still what the reference gives: the same dtype and
    shape, and the same values up to rounding (1e-12 of the array's scale). NumPy's SIMD paths
    differ by CPU, so a reference sum may end one ulp apart on another machine; a changed
    reference moves values by far more."""
    stored, fresh = np.asarray(stored), np.asarray(fresh)
    if stored.dtype != fresh.dtype or stored.shape != fresh.shape:
        return False
    if stored.dtype.kind not in "fc":
        return bool(np.array_equal(stored, fresh))
    finite = np.abs(stored[np.isfinite(stored)])
    scale = float(finite.max()) if finite.size else 0.0
    return bool(np.allclose(stored, fresh, rtol=1e-12, atol=1e-12 * scale, equal_nan=True))


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    return json.dumps(str(value), ensure_ascii=False)  # a JSON string is a TOML basic string


def _student_config(course: Course) -> str:
    """The course's config without the hidden parts: no seed (the secret), no points, no quiz;
    the topics in their order and the jail's limits for ``dlgrade check``."""
    lines = [
        "# The student bundle's course, written by `dlgrade release`: the public checks only.",
        "# `dlgrade check` reads it; the instructor's course (hidden tests, seed) is not here.",
        "",
        "[course]",
        f"name = {_toml_value(course.name)}",
        f"lang = {_toml_value(course.lang)}",
        "",
    ]
    lines += [f"[topics.{topic}]" for topic in course.topics]
    limits = course.raw.get("limits", {})  # the file's, not the environment's overrides
    if limits:
        lines += ["", "[limits]", *(f"{key} = {_toml_value(value)}" for key, value in limits.items())]
    return "\n".join(lines) + "\n"


def _notebooks(course: Course) -> dict[str, bytes]:
    """A notebook per topic (``grader.notebooks``). It needs nbformat, of the ``notebooks``
    extra: without it the release is refused, never shipped short of its notebooks."""
    try:
        import nbformat  # noqa: F401
    except ImportError:
        raise UsageError("the bundle's notebooks need nbformat, which is not installed: "
                         "pip install 'dlgrade[notebooks]'") from None  # fmt: skip
    from grader.notebooks import student_notebook

    return {f"notebooks/{topic}.ipynb": _as_bytes(student_notebook(course, topic)) for topic in course.topics}


def _as_bytes(notebook: Any) -> bytes:
    if isinstance(notebook, bytes):
        return notebook
    if isinstance(notebook, str):
        return notebook.encode()
    return (json.dumps(notebook, indent=1, ensure_ascii=False) + "\n").encode()


# ----------------------------------------------------------------------------- fail closed
def _refuse_leaks(course: Course, files: dict[str, bytes]) -> None:
    secrets = secret_lines(course.root)
    for name, content in files.items():
        refuse_leaks(secrets, f"the bundle's {name}", text_lines(name, content))


def _verify(course: Course, bundle: Path) -> None:
    """The bundle's own public suites, run from the bundle (its config, its contract, its frozen
    values; no solutions/ there): the references pass every check, the stubs attempt none."""
    from grader.policy import local_jail
    from grader.runner import run_session
    from grader.submission import load_submission

    bundled = load_course(bundle)
    reference = load_submission(course.root / "solutions")
    stub = load_submission(bundle / "exercises")
    ref_report, stub_report = run_session(bundled, [reference, stub], kind="public", lang="en",
                                          jail_mode=local_jail(), cgroups_required=False)  # fmt: skip
    for topic in ref_report.topics:
        failed = [f"{test.name} ({test.outcome}: {test.message})" for test in topic.tests if test.outcome != "pass"]
        if topic.status != "graded" or failed:
            raise ConfigError(f"in the bundle, the reference of {topic.topic} fails its public checks: "
                              f"{'; '.join(failed) or topic.message}")  # fmt: skip
    for topic in stub_report.topics:
        attempted = [test.name for test in topic.tests if test.outcome != "not_attempted"]
        if attempted:
            raise ConfigError(f"in the bundle, the stub of {topic.topic} is not 'not attempted' in "
                              f"{', '.join(attempted)} (does each public check call the student?)")  # fmt: skip


def _write_zip(folder: Path, archive: Path, names: list[str]) -> None:
    partial = archive.with_name(archive.name + ".partial")
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as zipped:
        for name in names:
            info = zipfile.ZipInfo(f"{folder.name}/{name}", date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zipped.writestr(info, (folder / name).read_bytes())
    partial.rename(archive)


# ----------------------------------------------------------------------------- the README
def student_readme(course: Course, notebooks: bool, wheel: str | None = None) -> str:
    """The bundle's README: Russian first (the course's students), then English. ``wheel``: the
    engine's wheel in the bundle, if it has one; otherwise the instructor hands it out."""
    given_ru = "лежит в этой папке" if wheel else "даёт преподаватель"
    given_en = "it is in this folder" if wheel else "your instructor gives you"
    wheel = wheel or f"dlgrade-{__version__}-py3-none-any.whl"
    topics = ", ".join(f"`{topic}`" for topic in course.topics)
    nb_ru = ("\nВместо `.py` можно работать в тетрадке `notebooks/<тема>.ipynb` (`dlgrade check` и `dlgrade "
             "submit` берут и её): проверяются определения её ячеек (функции, классы, импорты, константы), а "
             "графики, `!pip` и `%magic` в других ячейках не мешают. Из `.py` и тетрадки одной темы "
             "оценивается та, где написано больше функций.\n") if notebooks else ""  # fmt: skip
    nb_en = ("\nInstead of the `.py`, you may work in the notebook `notebooks/<topic>.ipynb` (`dlgrade check` "
             "and `dlgrade submit` take it too): the definitions of its cells (functions, classes, imports, "
             "constants) are what is checked, and plots, `!pip` or `%magic` in other cells do no harm. Of a "
             "topic's `.py` and notebook, the one with more functions written is graded.\n") if notebooks else ""  # fmt: skip
    return f"""# {course.name}

Материалы для студента / the student bundle. Темы / topics: {topics}.

## По-русски

**1. Установите проверяющую систему** (Python 3.11 или новее; файл `{wheel}` {given_ru}):

```bash
python3 -m venv .venv
.venv/bin/pip install {wheel}
source .venv/bin/activate
```

**2. Решайте.** Заготовки — в `exercises/<тема>.py`: замените каждый `raise NotImplementedError`
своим кодом. Имена функций, параметров и значения по умолчанию не меняйте: что именно должна
делать каждая функция, сказано в её docstring и в `docs/exercise-api.md`. Помимо значений,
скрытые тесты проверяют, что код векторизован (без циклов Python по элементам), не изменяет
входные массивы и работает с float32.
{nb_ru}
**3. Проверяйте** в этой папке:

```bash
dlgrade check              # все темы
dlgrade check activations  # одна тема
```

Это открытые проверки на простых входах: они быстро показывают, какая функция неверна. Оценку
ставят скрытые тесты преподавателя, которые проверяют больше. Сообщения выводятся на языке курса;
`--lang ru` или `--lang en` выбирает язык.

**4. Сдайте работу** (в этой папке; ID — ваш номер или логин, как скажет преподаватель):

```bash
dlgrade submit --student ID
```

Получится один архив `submission-ID.zip` с вашими файлами из `exercises/` и описью (`manifest.json`:
файлы и их SHA-256). Загрузите этот архив, не меняя его: проверяющая система сверяет опись и
отказывается оценивать изменённый, обрезанный или неполный архив.

## In English

**1. Install the grader** (Python 3.11 or newer; {given_en}: `{wheel}`):

```bash
python3 -m venv .venv
.venv/bin/pip install {wheel}
source .venv/bin/activate
```

**2. Solve.** The stubs are `exercises/<topic>.py`: replace each `raise NotImplementedError`
with your code. Keep every function name, parameter name and default: what each function must
do is in its docstring and in `docs/exercise-api.md`. Beyond the values, the hidden tests check
that your code is vectorized (no Python loop over the elements), leaves its inputs unchanged
and works on float32.
{nb_en}
**3. Check**, in this folder:

```bash
dlgrade check              # every topic
dlgrade check activations  # one topic
```

These are the public checks, on simple inputs: they tell you early which function is off. The
grade comes from the instructor's hidden tests, which check more. Messages come in the course's
language; `--lang en` or `--lang ru` chooses.

**4. Submit** (in this folder; ID is your student number or login, as your instructor says):

```bash
dlgrade submit --student ID
```

This writes one archive, `submission-ID.zip`, holding your files of `exercises/` and a manifest
(`manifest.json`: the files and their SHA-256). Upload that archive unchanged: the grader checks
the manifest and refuses to grade an archive that was changed, cut short or is incomplete.
"""
