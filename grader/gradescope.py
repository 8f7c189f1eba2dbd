"""Gradescope's autograder: the zip an instructor uploads (``dlgrade package gradescope``) and
what it runs for every submission in Gradescope's container (``run``).

Gradescope's layout (its autograder specification): the uploaded zip is unpacked into
``/autograder/source``; ``setup.sh`` runs there once, when the image is built (as root, Ubuntu);
for each submission ``/autograder/run_autograder`` (a copy of the zip's) runs with the student's
files in ``/autograder/submission`` and ``/autograder/submission_metadata.json`` beside them, and
the score is what it leaves in ``/autograder/results/results.json``.

What runs there is dlgrade's own grade, jail included: the student's code never runs in the
process that writes ``results.json``, and no file of the course (its hidden suites, solutions/)
exists inside the jail, so a submission that writes a results.json of its own, or reads the
suites, changes nothing. ``results.json`` is written last, from the trusted report, atomically;
whatever goes wrong (an unreadable submission, a jail that cannot start) still leaves one that
says what happened, and never a score the grade did not give.
"""

from __future__ import annotations

import json
import os
import shlex
import stat
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import click

from grader.command import course_option, handles_errors
from grader.course import Course, load_course
from grader.errors import ConfigError, DlgradeError, SubmissionError, UsageError
from grader.leaks import refuse_leaks, secret_lines, text_lines
from grader.policy import JAIL_MODES
from grader.text import L

ROOT_ENV = "DLGRADE_AUTOGRADER_ROOT"  # where the /autograder tree is (the tests lay out a fake one)
PYTHON_ENV = "DLGRADE_AUTOGRADER_PYTHON"  # the interpreter with the engine (setup.sh makes it)
COURSE_DIR = "dlgrade-course"  # in source/: course/ with the suites, solutions/, exercises/
VENV = "dlgrade-venv"  # in /autograder: the engine and its dependencies, installed by setup.sh
CGROUPS = ("required", "optional")
_ZIP_TIME = (2026, 1, 1, 0, 0, 0)  # the same course gives the same zip, byte for byte


# ----------------------------------------------------------------------------- the package
def build(out: Path, course: Course | Path | None = None, *, wheel: Path | str | None = None,
          jail: str = "bwrap", cgroups: str = "required") -> Path:  # fmt: skip
    """Write Gradescope's autograder zip to ``out``; return its path. ``wheel``: the engine's
    wheel to ship (default: built from this engine's source, as ``dlgrade release`` does)."""
    from grader.release import BUILD_WHEEL, engine_wheel, wheel_members

    out = Path(out)
    if out.is_dir() or out.suffix != ".zip":
        raise UsageError(f"{out}: name the zip file to write (e.g. autograder.zip), not a folder")
    if jail not in JAIL_MODES or cgroups not in CGROUPS:
        raise UsageError(f"--jail {jail!r} / --cgroups {cgroups!r}: choose a jail of {', '.join(JAIL_MODES)} "
                         f"and cgroups of {', '.join(CGROUPS)}")  # fmt: skip
    course = course if isinstance(course, Course) else load_course(course)
    if not (course.root / "solutions").is_dir():
        raise ConfigError(f"{course.root}: no solutions/; the autograder grades with the instructor's course, "
                          "not a student bundle: pass --course with the course's checkout")  # fmt: skip
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".dlgrade-gradescope.", dir=out.parent) as scratch:
        name, content = engine_wheel(wheel if wheel is not None else BUILD_WHEEL, Path(scratch))
        engine = wheel_members((name, content))
    # the engine installs nothing of the course (tests/test_packaging.py): its wheel holds no
    # secret line, so that a student who finds it in the image learns nothing from it
    secrets = secret_lines(course.root)
    for member, data in engine.items():
        refuse_leaks(secrets, f"the engine's wheel ({member})", text_lines(member, data))
    files = {"setup.sh": setup_script(name).encode(), "run_autograder": run_script(jail, cgroups).encode(),
             name: content, **_course_files(course)}  # fmt: skip
    partial = out.with_name(out.name + ".partial")
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as zipped:
        for member in sorted(files):
            info = zipfile.ZipInfo(member, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            executable = member in ("setup.sh", "run_autograder")
            info.external_attr = (0o755 if executable else 0o644) << 16
            zipped.writestr(info, files[member])
    os.replace(partial, out)
    return out


def _course_files(course: Course) -> dict[str, bytes]:
    """The course as the grade reads it: course/ (config and suites; the sample class left out),
    solutions/ (the contract and the references the suites time), exercises/ (the stubs)."""
    files: dict[str, bytes] = {}
    root = course.root
    for folder in ("course", "solutions", "exercises"):
        for path in sorted((root / folder).rglob("*")):
            relative = path.relative_to(root)
            if not path.is_file() or "__pycache__" in relative.parts or relative.parts[:2] == ("course", "samples"):
                continue
            files[f"{COURSE_DIR}/{relative.as_posix()}"] = path.read_bytes()
    return files


def setup_script(wheel: str) -> str:
    return f"""#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder's image (Ubuntu): bubblewrap
# is the jail, libseccomp2 compiles its seccomp filter; the engine goes into a venv of its own.
set -euo pipefail
cd "$(dirname "$0")"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq python3 python3-venv python3-pip bubblewrap libseccomp2 >/dev/null
python3 -m venv /autograder/{VENV}
/autograder/{VENV}/bin/pip install -q --upgrade pip
/autograder/{VENV}/bin/pip install -q ./{shlex.quote(wheel)}
/autograder/{VENV}/bin/dlgrade doctor --course /autograder/source/{COURSE_DIR} || true  # the build log says what holds
"""


def run_script(jail: str, cgroups: str) -> str:
    return f"""#!/usr/bin/env bash
# Gradescope runs this for every submission. The grade is dlgrade's, in its jail; results.json
# is written by the trusted side only (grader/gradescope.py). {ROOT_ENV} and {PYTHON_ENV}
# move the tree and the interpreter (the project's tests use them).
set -uo pipefail
ROOT="${{{ROOT_ENV}:-/autograder}}"
PYTHON="${{{PYTHON_ENV}:-$ROOT/{VENV}/bin/python}}"
export DLGRADE_JAIL={jail} DLGRADE_CGROUPS={cgroups}
unset DLGRADE_COURSE DLGRADE_SEED  # the course and the seed are the package's, never the container's
exec "$PYTHON" -m grader.gradescope "$ROOT"
"""


# ----------------------------------------------------------------------------- one submission
_UNREADABLE = L("Your submission could not be graded: {why}. Nothing was run; fix it and submit again.",
                "Работу не удалось проверить: {why}. Ничего не запускалось; исправьте и отправьте снова.")  # fmt: skip
_GRADER_FAILED = L(
    "The autograder could not grade this submission: the fault is the grader's, not yours. "
    "Your instructor has been told; submit again later. ({why})",
    "Автопроверка не смогла оценить эту работу: ошибка на стороне проверяющей системы, не ваша. "
    "Преподаватель получит сообщение; отправьте работу позже. ({why})",
)


def run(root: Path) -> int:
    """Grade ``root/submission`` with the packaged course and write ``root/results/results.json``.
    Returns 0 when a grade was given (whatever its score), 1 when the grader could not grade."""
    import grader
    from grader import __version__, api
    from grader.render import clean, report_gradescope

    print(f"dlgrade {__version__} from {Path(grader.__file__).parent}")  # Gradescope's log: which engine graded
    results = root / "results"
    results.mkdir(parents=True, exist_ok=True)
    course_root = root / "source" / COURSE_DIR
    try:
        course = load_course(course_root)
        report = api.grade(root / "submission", course=course)
        _write(results, report_gradescope(report))
        print(f"dlgrade: {report.score:g} / {report.max_score:g} (seed {report.seed})")
        return 0
    except DlgradeError as error:
        # a submission that cannot be read is the student's to fix; a jail that does not start,
        # a broken course or the grader's own bug is the instructor's (exit 1: Gradescope's log)
        student_fault = isinstance(error, SubmissionError)
        text = (_UNREADABLE if student_fault else _GRADER_FAILED).format(why=clean(str(error)))
        lang = _lang(course_root)
        _write(results, _failure_json(text(lang) + "\n\n" + text("en" if lang == "ru" else "ru")))
        print(f"dlgrade: {type(error).__name__}: {error}", file=sys.stderr)
        return 0 if student_fault else 1


def _lang(course_root: Path) -> str:
    try:
        return load_course(course_root).lang
    except DlgradeError:
        return "ru"


def _failure_json(output: str) -> str:
    result: dict[str, Any] = {"score": 0, "output": output, "output_format": "text", "visibility": "visible",
                              "stdout_visibility": "hidden", "tests": []}  # fmt: skip
    return json.dumps(result, ensure_ascii=False, indent=2)


def _write(results: Path, text: str) -> None:
    """results.json whole or not at all: a reader never sees half of it."""
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=results, prefix=".results.", delete=False) as stream:
        stream.write(text + "\n")
    os.replace(stream.name, results / "results.json")
    os.chmod(results / "results.json", stat.S_IRUSR | stat.S_IWUSR | stat.S_IRGRP | stat.S_IROTH)


# ----------------------------------------------------------------------------- the command
@click.group(name="package")
def package_command() -> None:
    """Packages that run dlgrade inside another grading service."""


@package_command.command("gradescope")
@click.argument("out", type=click.Path(path_type=Path))
@click.option("--wheel", type=click.Path(path_type=Path), help="The engine's wheel to ship (default: built "
              "from this engine's source).")  # fmt: skip
@click.option("--jail", type=click.Choice(JAIL_MODES), default="bwrap", show_default=True,
              help="plain only where Gradescope's container cannot run bubblewrap (weaker: see docs/lms.md).")  # fmt: skip
@click.option("--cgroups", type=click.Choice(CGROUPS), default="required", show_default=True,
              help="optional: grade where the container has no writable cgroup (memory bounded per process).")  # fmt: skip
@course_option
@handles_errors
def gradescope_command(out: Path, wheel: Path | None, jail: str, cgroups: str, course: Path | None) -> None:
    """Build Gradescope's autograder zip OUT (setup.sh, run_autograder, the engine, the course
    with its hidden suites): upload it as the assignment's autograder."""
    written = build(out, course, wheel=wheel, jail=jail, cgroups=cgroups)
    click.echo(f"{written}: Gradescope's autograder (jail {jail}, cgroups {cgroups}); upload it in the "
               "assignment's Configure Autograder page")  # fmt: skip


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m grader.gradescope AUTOGRADER_ROOT", file=sys.stderr)
        return 2
    return run(Path(argv[0]))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
