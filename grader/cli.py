"""The ``dlgrade`` command: a thin layer over grader.api. Exit codes (spec/report-format.md):
0 done, 1 check/validate found failures, 2 usage or configuration, 3 the grader's own bug."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click
from rich.console import Console
from rich.text import Text

from grader import __version__, api, engine
from grader.autograde import autograde_command
from grader.ci_github import ci
from grader.command import (
    course_option,
    debug_option,
    handles_errors,
    jail_option,
    lang_option,
    partial_option,
    seed_option,
    topic_option,
)
from grader.errors import UsageError
from grader.gradescope import package_command
from grader.lti.cli import lti
from grader.quiz.cli import quiz
from grader.render import RENDERERS, batch_legend, batch_table, report_text
from grader.reports.cli import report
from grader.submission import TOPICS
from grader.text import L
from grader.xqueue import serve_command

# progress, tables and errors go to stderr unless they are the command's product
err = Console(stderr=True, highlight=False)


def _console() -> Console:
    console = Console(highlight=False, no_color=bool(os.environ.get("NO_COLOR")))
    if not console.is_terminal:  # a pipe or a CI log: wide enough for a row per submission
        console.width = max(console.width, 120)
    return console


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="dlgrade")
def cli() -> None:
    """dlgrade: grade NumPy deep-learning exercises and quizzes, safely."""


def main() -> None:
    """The console script: click's usage errors become one ``error:`` line and exit 2."""
    try:
        code = cli.main(prog_name="dlgrade", standalone_mode=False)
    except click.UsageError as error:
        hint = f" (see `{error.ctx.command_path} --help`)" if error.ctx else ""
        click.echo(f"error: {error.format_message()}{hint}", err=True)
        sys.exit(2)
    except click.ClickException as error:
        click.echo(f"error: {error.format_message()}", err=True)
        sys.exit(error.exit_code)
    except click.exceptions.Abort:
        click.echo("error: interrupted", err=True)
        sys.exit(130)
    sys.exit(code if isinstance(code, int) else 0)


@cli.command()
@click.argument("submission", type=click.Path(path_type=Path))
@topic_option
@click.option("--format", "fmt", type=click.Choice(["text", "json", "gradescope", "junit", "markdown"]),
              default="text", help="json: the report of report-format.md; gradescope: results.json; "
              "junit: XML for CI; markdown: a GitHub job summary.")  # fmt: skip
@seed_option
@lang_option
@course_option
@jail_option
@partial_option
@debug_option
@handles_errors
def grade(submission: Path, topic: str | None, fmt: str, seed: int | None, lang: str | None,
          course: Path | None, jail: str | None, accept_partial: bool, debug: bool) -> None:  # fmt: skip
    """Grade SUBMISSION (a folder, .zip, .py or .ipynb) with the hidden suites."""
    if debug:
        os.environ["DLGRADE_DEBUG"] = "1"
    report = api.grade(submission, topic=topic, seed=seed, lang=lang, course=course, jail=jail,
                       accept_partial=accept_partial)  # fmt: skip
    if fmt == "text":
        _console().print(report_text(report))
    else:
        click.echo(RENDERERS[fmt](report))


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--jobs", "-j", type=click.IntRange(1, 64), default=engine.DEFAULT_WORKERS,
              show_default=True, help="Grading processes working in parallel (by default the processors + 1).")  # fmt: skip
@click.option("--out", type=click.Path(path_type=Path),
              help="Append each report as a JSON line here; a rerun skips the ones already there.")  # fmt: skip
@topic_option
@seed_option
@lang_option
@course_option
@jail_option
@partial_option
@debug_option
@click.option("--scheduler", metavar="tcp://HOST:PORT", help="Grade on this Dask distributed "
              "cluster instead of local processes (docs/cluster.md).")  # fmt: skip
@handles_errors
def batch(paths: tuple[Path, ...], jobs: int, out: Path | None, topic: str | None,
          seed: int | None, lang: str | None, course: Path | None, jail: str | None,
          accept_partial: bool, debug: bool, scheduler: str | None) -> None:  # fmt: skip
    """Grade many submissions (PATHS, or the folders they contain) and print a table.

    With no PATHS, grades the sample submissions shipped with the course."""
    if debug:
        os.environ["DLGRADE_DEBUG"] = "1"
    reports = api.grade_many(list(paths), jobs=jobs, out=out, topic=topic, seed=seed, lang=lang,
                             progress=err, course=course, jail=jail, scheduler=scheduler,
                             accept_partial=accept_partial)  # fmt: skip
    console = _console()
    console.print(batch_table(reports, lang or "en"))
    console.print(batch_legend(lang or "en"))
    unreadable = [r for r in reports if r.error_kind == "submission"]
    if unreadable:
        err.print(Text(f"{len(unreadable)} submission(s) could not be read (their rows say why, "
                       "and so does --out): " + ", ".join(r.path or r.submission for r in unreadable)))  # fmt: skip
    broken = [r for r in reports if r.error_kind == "internal"]
    if broken:  # every other grade is made and saved; the grader's own failure still shows
        click.echo(f"error: dlgrade failed internally on {len(broken)} submission(s) "
                   f"({', '.join(r.path or r.submission for r in broken)}); their records say so and a "
                   "rerun with --out grades them again; DLGRADE_DEBUG=1 shows the traceback", err=True)  # fmt: skip
        sys.exit(3)


PUBLIC_ONLY = L(
    "These are the public checks only: the grade comes from the hidden tests, which check "
    "more (other inputs, parameters, edge cases).",
    "Это только открытые проверки: оценку ставят скрытые тесты, которые проверяют больше "
    "(другие входы, параметры, крайние случаи).",
)


@cli.command()
@click.argument("topic", required=False, type=click.Choice(TOPICS))
@click.option("--path", type=click.Path(path_type=Path), default=Path("."), show_default=True,
              help="Your work: the folder with exercises/.")  # fmt: skip
@lang_option
@course_option
@handles_errors
def check(topic: str | None, path: Path, lang: str | None, course: Path | None) -> None:
    """Run the public checks on your exercises (all topics, or TOPIC)."""
    report = api.check(path, topic=topic, lang=lang, course=course)
    console = _console()
    console.print(report_text(report))
    # say it every time: "all public checks passed" is not the grade (otter's #138 and #383)
    console.print(Text(PUBLIC_ONLY(report.lang), style="dim"))
    if any(test.outcome != "pass" for t in report.topics for test in t.tests):
        sys.exit(1)


@cli.command()
@course_option
@handles_errors
def validate(course: Path | None) -> None:
    """Check the course: references score full marks, stubs score nothing and are in sync."""
    problems = api.validate(progress=err, course=course)
    for problem in problems:
        click.echo(f"✗ {problem}")
    if problems:
        click.echo(f"{len(problems)} problem(s) found", err=True)
        sys.exit(1)
    click.echo("✓ the course is consistent: references full marks, stubs not attempted, stubs in sync")


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@course_option
@handles_errors
def doctor(fmt: str, course: Path | None) -> None:
    """Say which protections the jail has on this machine."""
    facts = api.doctor(course=course)
    if fmt == "json":
        click.echo(json.dumps(facts, indent=2))
        return
    console = _console()
    for line in facts["lines"]:
        console.print(line)


@cli.command()
@click.option("--check", "only_check", is_flag=True, help="Fail if exercises/ drifted instead of writing.")
@course_option
@handles_errors
def stubs(only_check: bool, course: Path | None) -> None:
    """Generate exercises/ from the marked regions of solutions/."""
    from grader import stubs as generator
    from grader.course import find_root

    root = find_root(course)
    if only_check:
        drifted = generator.drifted_stubs(root)
        for path in drifted:
            click.echo(f"✗ {path.relative_to(root)} differs from its solution; run `dlgrade stubs`")
        sys.exit(1 if drifted else 0)
    for path in generator.write_stubs(root):
        click.echo(f"wrote {path.relative_to(root)}", err=True)


@cli.command("release")
@click.argument("out", type=click.Path(path_type=Path))
@click.option(
    "--wheel",
    type=click.Path(path_type=Path),
    help="The engine's wheel to ship in the bundle (default: built from this engine's source).",
)
@click.option("--no-wheel", is_flag=True, help="Ship no engine: students get the wheel some other way.")
@course_option
@handles_errors
def release_(out: Path, wheel: Path | None, no_wheel: bool, course: Path | None) -> None:
    """Write the student bundle as OUT/ and OUT.zip: stubs, public checks, the engine, README; no solution."""
    from grader.release import BUILD_WHEEL, release

    if wheel is not None and no_wheel:
        raise UsageError("--wheel and --no-wheel contradict each other; give one")
    done = release(out, course, wheel=None if no_wheel else (wheel or BUILD_WHEEL))
    click.echo(f"wrote {done.folder}/ ({len(done.files)} files) and {done.archive}"
               + (f"; the engine: {done.wheel}" if done.wheel else "; no engine wheel (students need one)"))  # fmt: skip


@cli.command("notebooks")
@click.argument("out", type=click.Path(path_type=Path, file_okay=False))
@click.option("--topic", "topics", multiple=True, type=click.Choice(TOPICS), help="Only this topic (repeatable).")
@course_option
@handles_errors
def notebooks_(out: Path, topics: tuple[str, ...], course: Path | None) -> None:
    """Write nbgrader's source notebooks, OUT/<topic>/<topic>.ipynb (OUT: a course's source/)."""
    from grader.notebooks import write_source_notebooks

    for path in write_source_notebooks(course, out, topics or None):
        click.echo(f"wrote {path}", err=True)


@cli.command()
@click.option("--student", help="Your student ID (default: your login name).")
@click.option("--out", type=click.Path(path_type=Path), help="The archive to write (default: submission-ID.zip here).")
@click.option("--path", type=click.Path(path_type=Path), default=Path("."), show_default=True,
              help="Your work: the folder with exercises/.")  # fmt: skip
@handles_errors
def submit(student: str | None, out: Path | None, path: Path) -> None:
    """Pack your exercises/ (and notebooks/) into one archive with a manifest, ready to upload."""
    from grader.submit import pack

    written, manifest = pack(path, student, out)
    click.echo(f"wrote {written}: {len(manifest['files'])} file(s), topics {', '.join(manifest['topics']) or 'none'}, "
               f"student {manifest['student']}; upload this file unchanged")  # fmt: skip


cli.add_command(quiz)  # its engine's dependencies (the quiz extra) load when a quiz command runs
cli.add_command(autograde_command)
cli.add_command(package_command)  # grader.gradescope: Gradescope's autograder zip  # grader.autograde: a class into the gradebook
cli.add_command(report)  # the reports' dependencies (the reports extra) load when it runs
cli.add_command(serve_command)  # `dlgrade serve xqueue`: an Open edX external grader
cli.add_command(ci)  # `dlgrade ci github`: a pull request graded in a GitHub Actions step
cli.add_command(lti)  # `dlgrade lti`: LTI 1.3 launch and grade passback (the lti extra loads when it runs)


if __name__ == "__main__":
    main()
