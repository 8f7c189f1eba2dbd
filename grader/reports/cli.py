"""``dlgrade report GRADES.jsonl --out DIR``: the reports of a class from the JSON lines that
``dlgrade batch --out`` wrote (``dlgrade autograde --out`` writes them itself)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from grader.command import handles_errors
from grader.engine import CORES
from grader.errors import UsageError
from grader.text import LANGS


def read_jsonl(path: Path) -> list[tuple[str, dict[str, Any]]]:
    """(student, report) per submission, by student: the student is the report's ``submission``
    name; a submission graded again later in the file (a batch rerun) counts once, with its last
    line (a batch writes in the order grades finish, so the file's order says nothing)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise UsageError(f"{path}: no such file; give the JSON lines that `dlgrade batch --out` wrote") from None
    except IsADirectoryError:
        raise UsageError(f"{path}: is a folder; give the JSON lines file that `dlgrade batch --out` wrote") from None
    except (OSError, UnicodeDecodeError) as error:
        raise UsageError(f"{path}: cannot be read ({error})") from None
    by_key: dict[str, dict[str, Any]] = {}
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except ValueError:
            raise UsageError(f"{path}:{number}: not a JSON line; give the file `dlgrade batch --out` wrote") from None
        if not isinstance(data, dict):
            raise UsageError(f"{path}:{number}: not a JSON report (not an object)")
        key = str(data.get("path") or data.get("submission") or number)
        by_key.pop(key, None)  # the last line of a submission wins, in the place it last had
        by_key[key] = data
    if not by_key:
        raise UsageError(f"{path}: holds no report")
    results: list[tuple[str, dict[str, Any]]] = []
    seen: dict[str, str] = {}
    for key, data in by_key.items():
        student = str(data.get("submission") or Path(key).stem)
        if student in seen:
            raise UsageError(f"{path}: two submissions are both named {student!r} ({seen[student]} and {key}); "
                             "rename one and grade it again")  # fmt: skip
        seen[student] = key
        results.append((student, data))
    return sorted(results, key=lambda pair: pair[0].casefold())


@click.command()
@click.argument("grades", type=click.Path(path_type=Path))
@click.option("--out", type=click.Path(path_type=Path), required=True, help="The folder for the reports.")
@click.option("--lang", type=click.Choice(LANGS), help="Language of the class report (default: the course's).")
@click.option("--course", type=click.Path(path_type=Path, file_okay=False),
              help="The course (its topics' order and its stubs); default as for `dlgrade grade`.")  # fmt: skip
@handles_errors
def report(grades: Path, out: Path, lang: str | None, course: Path | None) -> None:
    """Write a class's reports from GRADES (the JSON lines of `dlgrade batch --out`): feedback per
    student (HTML, Markdown), Gradescope's results.json and JUnit XML per submission, grades.csv
    and the class report with its plots (class/index.html)."""
    from grader.course import load_course
    from grader.reports import require_extra, write_class_reports

    require_extra("dlgrade report needs")
    results = read_jsonl(grades)
    loaded = load_course(course)
    written = write_class_reports(out, results, lang or loaded.lang, loaded, workers=CORES)
    click.echo(f"wrote {len(written)} files for {len(results)} students into {out}", err=True)
    click.echo(f"grades (an LMS gradebook imports it): {out / 'grades.csv'}")
    click.echo(f"class report: {out / 'class' / 'index.html'}")
    click.echo(f"feedback per student: {out / 'students'}/<student>/feedback.html")
