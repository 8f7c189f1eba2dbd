"""``dlgrade ci github SUBMISSION``: grade a pull request inside a GitHub Actions step and say so
where GitHub shows it (docs/classroom.md; ci/github/grade-pr.sh is the step that runs it).

- the job summary: the markdown report appended to ``$GITHUB_STEP_SUMMARY``;
- annotations on the student's lines: ``::error file=…,line=…::`` workflow commands on stdout,
  one per function that lost points (GitHub shows at most 10 errors and 10 warnings a step),
  at the line that defines it;
- step outputs in ``$GITHUB_OUTPUT``: ``score``, ``max_score``, ``percent``, ``passed``;
- the check's status: exit 0 when the score reaches ``--pass-at`` of the maximum, 1 below it,
  2 for a submission or a setup that cannot be graded, 3 for the grader's own bug.

Every byte that came from the submission is hostile. GitHub runs any stdout or stderr line
that starts with ``::`` as a command, so nothing is printed while grading runs but between
``::stop-commands::TOKEN`` and ``::TOKEN::``, with a token drawn here that nothing of the
submission can know; each annotation escapes its data and properties as GitHub's runner
unescapes them (``%``, CR, LF; and ``:`` ``,`` in properties), so a student's text stays one
line of data. The summary is ``report_markdown`` (every student text inert); the outputs are
numbers computed here. Where a function is defined is read with ``ast`` (no code runs here)."""

from __future__ import annotations

import ast
import json
import os
import re
import secrets
import sys
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import click

from grader import api
from grader.command import handles_errors
from grader.course import load_course
from grader.errors import DlgradeError, UsageError
from grader.policy import JAIL_MODES
from grader.render import clean, md, report_markdown
from grader.results import Report, TestResult
from grader.submission import TOPICS, load_submission
from grader.text import LANGS, L

MAX_PER_KIND = 10  # GitHub keeps at most 10 error and 10 warning annotations of one step
MAX_EVENT_BYTES = 25 << 20  # GitHub's webhook payloads are capped at 25 MB
_SHA = re.compile(r"[0-9a-f]{40}")

_TEXT = {
    "lost": L("dlgrade: {fn}: {lost} of {worth} points lost", "dlgrade: {fn}: потеряно {lost} из {worth} баллов"),
    "not_attempted": L("dlgrade: {fn} is not attempted yet", "dlgrade: {fn} ещё не начата"),
    "module": L("dlgrade: {topic}", "dlgrade: {topic}"),
    "more": L("dlgrade: {n} more", "dlgrade: ещё {n}"),
    "more_body": L("{n} more functions lost points: the job summary lists every test",
                   "ещё {n} функций потеряли баллы: все тесты — в сводке задания"),
    "score": L("dlgrade: {score} / {max_score}", "dlgrade: {score} / {max_score}"),
    "score_body": L("{score} of {max_score} points; the check passes at {need}",
                    "{score} из {max_score} баллов; проверка пройдена от {need}"),
    "pr": L("Pull request #{number}, commit {sha}", "Pull request #{number}, коммит {sha}"),
    "failed": L("dlgrade could not grade this pull request", "dlgrade не смог проверить этот pull request"),
    "no_env": L("{name} is not set: `dlgrade ci github` runs as a step of a GitHub Actions job "
                "(docs/classroom.md)",
                "{name} не задана: `dlgrade ci github` запускается шагом задания GitHub Actions "
                "(docs/classroom.md)"),
}  # fmt: skip


# ----------------------------------------------------------------------------- escaping
def escape_data(text: str) -> str:
    """A command's message as the runner unescapes it (%25, %0D, %0A): one line, whatever it holds."""
    return clean(text, keep_lines=True).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A command's property value (file, title): as data, and ``:`` and ``,`` too, which would end it."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(kind: str, message: str, **properties: str | int) -> str:
    """One workflow command line, ``::kind k=v,…::message``, every part escaped."""
    props = ",".join(f"{key}={escape_property(str(value))}" for key, value in properties.items())
    return f"::{kind}{' ' + props if props else ''}::{escape_data(message)}"


@contextmanager
def commands_stopped(out: Callable[[str], None]) -> Iterator[None]:
    """No line printed inside is a workflow command: GitHub's ``stop-commands`` with a token
    that the submission cannot know (drawn here, never given to the jail)."""
    token = secrets.token_hex(16)
    out(f"::stop-commands::{token}")
    try:
        yield
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        out(f"::{token}::")


# ----------------------------------------------------------------------------- where the code is
@dataclass
class Module:
    """A topic's file in the pull request (relative to the repository) and where each of its
    top-level names is bound, read with ``ast``."""

    path: str | None  # None: no file to point at (a notebook, a zip, a file that differs)
    lines: dict[str, int] = field(default_factory=dict)
    syntax_line: int | None = None  # where a syntax error is, when the module has one


def locate(root: Path, topic: str, source: str | None) -> Module:
    """The file the grader read for ``topic``: ``exercises/<topic>.py`` when the folder has
    ``exercises/``, else ``<topic>.py`` (as grader.submission reads a folder), only if it is a
    regular file holding exactly the source that was graded."""
    if source is None or not root.is_dir():
        return Module(None)
    relative = ("exercises/" if (root / "exercises").is_dir() else "") + f"{topic}.py"
    path = root / relative
    try:
        if path.is_symlink() or not path.is_file() or path.read_bytes().decode("utf-8") != source:
            return Module(None)
    except (OSError, UnicodeDecodeError):
        return Module(None)
    try:
        tree = ast.parse(source, filename=relative)
    except SyntaxError as error:
        return Module(relative, syntax_line=error.lineno if isinstance(error.lineno, int) else 1)
    except (ValueError, RecursionError, MemoryError):  # a null byte, absurd nesting
        return Module(relative)
    lines: dict[str, int] = {}
    for node in tree.body:  # the last binding wins, as when Python runs the module
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            lines[node.name] = node.lineno
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Name):
                    lines[target.id] = node.lineno
    return Module(relative, lines)


def concerned(test: TestResult, functions: list[str]) -> list[str]:
    """The contract functions a test is about: its parameter (``float32_inputs[sigmoid]``), else
    those its message names, else those its title names, else the one its name starts with."""
    param = re.search(r"\[(.*)\]$", test.name)
    if param:
        named = [f for f in functions if f in re.split(r"[-,\s]", param.group(1))]
        if named:
            return named
    for text in (test.message, test.title):
        named = [f for f in functions if re.search(rf"(?<![\w]){re.escape(f)}(?![\w])", text)]
        if named:
            return named
    # the suites name a test <function>_<property> (a gated property's message names other
    # tests, in the student's language, not always its function): the longest such prefix
    prefixed = [f for f in functions if test.name.startswith(f + "_")]
    return [max(prefixed, key=len)] if prefixed else []


# ----------------------------------------------------------------------------- annotations
@dataclass
class Annotation:
    kind: str  # error or warning
    title: str
    lines: list[str]
    lost: float
    file: str | None = None
    line: int | None = None

    def render(self) -> str:
        where: dict[str, str | int] = {}
        if self.file is not None:
            where["file"] = self.file
            where["line"] = self.line or 1
        return command(self.kind, "\n".join(self.lines), **where, title=self.title)


def _num(value: float) -> str:
    return f"{value:g}"


def annotate(report: Report, root: Path, sources: dict[str, str], functions: dict[str, list[str]]) -> list[Annotation]:
    """One annotation per function (or topic) that lost points, at the line that defines it:
    failures are errors, stubs not yet attempted warnings; at most MAX_PER_KIND of each, the
    largest losses first, the last one saying how many more the summary lists."""
    lang = report.lang
    groups: dict[tuple[str, str], Annotation] = {}
    for topic in report.topics:
        if topic.status == "missing":
            continue
        module = locate(root, topic.topic, sources.get(topic.topic))
        if topic.message:
            groups[(topic.topic, "")] = Annotation(
                "error", _TEXT["module"](lang).format(topic=topic.topic), [clean(topic.message)],
                topic.max_score - topic.score, module.path, module.syntax_line or 1)  # fmt: skip
        about = {test.name: (concerned(test, functions.get(topic.topic, [])) or [""])[0] for test in topic.tests}
        for test in topic.tests:
            if test.outcome == "pass":
                continue
            fn = about[test.name]
            key = (topic.topic, fn)
            if key not in groups:
                line = module.lines.get(fn) if fn else module.syntax_line
                groups[key] = Annotation("warning", "", [], 0.0, module.path, line or 1)
            group = groups[key]
            if test.outcome != "not_attempted":
                group.kind = "error"  # a failure weighs more than a stub beside it
            lost = test.max_points - test.points
            group.lost += lost
            text = f"✗ {clean(test.title)} (−{_num(lost)})" + (f": {clean(test.message)}" if test.message else "")
            group.lines.append(text + "".join(f" → {clean(hint)}" for hint in test.hints))
            label = fn or topic.topic
            worth = sum(t.max_points for t in topic.tests if about[t.name] == fn)
            group.title = (_TEXT["not_attempted"](lang).format(fn=label) if group.kind == "warning"
                           else _TEXT["lost"](lang).format(fn=label, lost=_num(group.lost), worth=_num(worth)))  # fmt: skip
    chosen: list[Annotation] = []
    for kind in ("error", "warning"):
        ranked = sorted((a for a in groups.values() if a.kind == kind), key=lambda a: -a.lost)
        if len(ranked) > MAX_PER_KIND:
            rest = ranked[MAX_PER_KIND - 1 :]
            ranked = ranked[: MAX_PER_KIND - 1]
            ranked.append(Annotation(kind, _TEXT["more"](lang).format(n=len(rest)),
                                     [_TEXT["more_body"](lang).format(n=len(rest))], sum(a.lost for a in rest)))  # fmt: skip
        chosen += ranked
    return chosen


# ----------------------------------------------------------------------------- the event
def pull_request(event_path: str | None) -> tuple[int, str] | None:
    """(number, head sha) of the pull request in GitHub's event payload, when it is one; only
    an integer and a hex digest are kept (a title or a branch name is the student's text)."""
    if not event_path:
        return None
    try:
        with open(event_path, "rb") as handle:
            data = handle.read(MAX_EVENT_BYTES + 1)
        event = json.loads(data) if len(data) <= MAX_EVENT_BYTES else None
    except (OSError, ValueError):
        return None
    pr = event.get("pull_request") if isinstance(event, dict) else None
    if not isinstance(pr, dict):
        return None
    number, head = pr.get("number"), pr.get("head")
    sha = head.get("sha") if isinstance(head, dict) else None
    if isinstance(number, int) and not isinstance(number, bool) and isinstance(sha, str) and _SHA.fullmatch(sha):
        return number, sha
    return None


# ----------------------------------------------------------------------------- the command
def _required_file(name: str, lang: str) -> Path:
    value = os.environ.get(name, "")
    if not value:
        raise UsageError(_TEXT["no_env"](lang).format(name=name))
    return Path(value)


def _append(path: Path, text: str) -> None:
    try:
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as error:
        raise UsageError(f"{path}: cannot be written ({error.strerror or error})") from None


def contract_functions(course_root: Path) -> dict[str, list[str]]:
    """The contract's function names per topic: ``__all__`` of the course's references
    (tests/test_contract.py holds them to docs/exercise-api.md), read with ``ast``."""
    names: dict[str, list[str]] = {}
    for topic in TOPICS:
        try:
            tree = ast.parse((course_root / "solutions" / f"{topic}.py").read_text(encoding="utf-8"))
        except (OSError, SyntaxError, ValueError):
            continue
        for node in tree.body:
            if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets):
                try:
                    value = ast.literal_eval(node.value)
                except ValueError:
                    continue
                names[topic] = [str(v) for v in value]
    return names


@dataclass
class Outcome:
    score: float
    max_score: float
    passed: bool

    def outputs(self) -> str:
        percent = 100.0 * self.score / self.max_score if self.max_score else 0.0
        return (f"score={_num(self.score)}\nmax_score={_num(self.max_score)}\n"
                f"percent={percent:.1f}\npassed={'true' if self.passed else 'false'}\n")  # fmt: skip


def run(submission: Path, *, pass_at: float, course: Path | None, jail: str | None, lang: str | None,
        seed: int | None, out: Callable[[str], None] = click.echo) -> int:  # fmt: skip
    """Grade, write the summary, the annotations and the outputs; the exit code."""
    summary = _required_file("GITHUB_STEP_SUMMARY", lang or "en")
    outputs = _required_file("GITHUB_OUTPUT", lang or "en")
    pr = pull_request(os.environ.get("GITHUB_EVENT_PATH"))
    report: Report | None = None
    failure, code = "", 0
    sources: dict[str, str] = {}
    functions: dict[str, list[str]] = {}
    # whatever is printed while grading runs (an error naming a student's file, a traceback) is inert
    with commands_stopped(out):
        try:
            loaded = load_course(course)
            report = api.grade(submission, seed=seed, lang=lang, course=loaded, jail=jail)
            sources = load_submission(submission).modules
            functions = contract_functions(loaded.root)
        except DlgradeError as error:
            failure, code = str(error), error.exit_code
            if code == 3 or os.environ.get("DLGRADE_DEBUG"):
                traceback.print_exc()
        except Exception as error:  # the grader's own bug: said here, where no command runs
            if os.environ.get("DLGRADE_DEBUG"):
                traceback.print_exc()
            failure, code = f"dlgrade failed internally ({type(error).__name__}: {error}); rerun with DLGRADE_DEBUG=1", 3
        if failure:
            click.echo(f"error: {failure}", err=True)
    shown = report.lang if report else (lang or "en")
    header = ""
    if pr is not None:
        header = f"#### {md(_TEXT['pr'](shown).format(number=pr[0], sha=pr[1][:12]))}\n\n"
    if report is None:
        _append(summary, f"{header}### {md(_TEXT['failed'](shown))}\n\n{md(failure)}\n")
        _append(outputs, Outcome(0.0, 0.0, False).outputs())
        out(command("error", failure, title=_TEXT["failed"](shown)))
        return code
    result = Outcome(report.score, report.max_score, report.score >= pass_at * report.max_score)
    _append(summary, header + report_markdown(report) + "\n")
    _append(outputs, result.outputs())
    for annotation in annotate(report, submission, sources, functions):
        out(annotation.render())
    score, max_score = _num(report.score), _num(report.max_score)
    body = _TEXT["score_body"](shown).format(score=score, max_score=max_score, need=_num(pass_at * report.max_score))
    out(command("notice", body, title=_TEXT["score"](shown).format(score=score, max_score=max_score)))
    return 0 if result.passed else 1


@click.group()
def ci() -> None:
    """Grade where a CI system shows it."""


@ci.command()
@click.argument("submission", type=click.Path(path_type=Path))
@click.option("--pass-at", type=click.FloatRange(0.0, 1.0), default=1.0, show_default=True,
              help="The check passes when the score is at least this fraction of the maximum.")  # fmt: skip
@click.option("--course", type=click.Path(path_type=Path, file_okay=False), help="The course (DLGRADE_COURSE).")
@click.option("--jail", type=click.Choice(JAIL_MODES), help="bwrap (the default) or plain.")
@click.option("--lang", type=click.Choice(LANGS), help="Language of messages.")
@click.option("--seed", type=int, help="Replay or vary a run.")
@handles_errors
def github(submission: Path, pass_at: float, course: Path | None, jail: str | None, lang: str | None,
           seed: int | None) -> None:  # fmt: skip
    """Grade SUBMISSION in a GitHub Actions step: job summary, annotations, outputs, status."""
    sys.exit(run(submission, pass_at=pass_at, course=course, jail=jail, lang=lang, seed=seed))
