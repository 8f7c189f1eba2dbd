"""Renderers: pure functions of the result model (reports in, text out).

Every text in a report may have come from the submission (an exception's message, a folder's
name, what it printed): each format escapes it for what it is. Markdown gets every ASCII
punctuation backslash-escaped and <, >, & as entities, on one line (no fake heading, no closed
``<details>``); XML drops what XML 1.0 forbids; the terminal gets plain ``Text`` (never rich
markup) without control characters; Gradescope is told its fields are plain text. Every format
states the jail and the protections it held and missed (``report.protections``)."""

from __future__ import annotations

import json
import re
import string
from typing import Any

from rich.console import Group
from rich.table import Table
from rich.text import Text

from grader.results import Report, TopicResult
from grader.text import L

_OUTCOME_STYLE = {"pass": "green", "fail": "red", "error": "magenta", "not_attempted": "yellow"}
_WORDS = {
    "pass": L("pass", "верно"), "fail": L("fail", "неверно"), "error": L("error", "ошибка"),
    "not_attempted": L("not attempted", "не начато"), "graded": L("graded", "проверено"),
    "missing": L("missing", "нет файла"), "not_gradable": L("not gradable", "не проверяемо"),
    "total": L("total", "итого"), "topic": L("topic", "тема"), "score": L("score", "баллы"),
    "status": L("status", "статус"), "test": L("test", "тест"), "points": L("points", "баллы"),
    "outcome": L("outcome", "результат"), "seed": L("seed", "seed"),
    "warnings": L("warnings (cost nothing)", "предупреждения (баллы не снимаются)"),
    "submission": L("submission", "работа"), "why": L("why", "почему"),
    "said_above": L("{n} test(s) could not run for the reason above",
                    "не удалось выполнить тестов по этой причине: {n}"),
}  # fmt: skip
_LEGEND = L("— no module for the topic;  ! not gradable (syntax, import, signature)",
            "— нет файла темы;  ! не проверяемо (синтаксис, импорт, сигнатура)")  # fmt: skip


def _words(lang: str) -> dict[str, str]:
    return {key: text(lang) for key, text in _WORDS.items()}


_PROTECTION_WORDS = {
    "jail": L("jail", "изоляция"), "held": L("held", "есть"), "missing": L("missing", "нет"),
    "none": L("none", "ничего"), "memory": L("memory limit", "лимит памяти"),
    "not_run": L("none (nothing of the submission ran)", "нет (код работы не запускался)"),
    "weak": L("weaker guarantees: not the strong jail", "защита слабее: не строгая изоляция"),
}  # fmt: skip
# the names of the protections grader.sandbox reports; a key not here is shown as it is
_PROTECTION_NAMES = {
    "separate_process": L("separate process", "отдельный процесс"),
    "pid_namespace": L("own PID namespace", "своё пространство PID"),
    "network": L("no network", "нет сети"),
    "private_filesystem": L("private file system", "своя файловая система"),
    "course_hidden": L("course hidden", "курс скрыт"),
    "unprivileged_uid": L("unprivileged uid", "непривилегированный uid"),
    "scrubbed_environment": L("scrubbed environment", "чистое окружение"),
    "orphans_killed": L("no process outlives its job", "ни один процесс не переживает задание"),
}  # fmt: skip
MAX_SHOWN = 4000  # characters of one text a report shows; the JSON keeps what the grader kept

_LINE_BREAKS = re.compile(r"\r\n|[\n\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")
# C0/C1 controls but tab, DEL, lone surrogates, and what XML 1.0 forbids besides
_UNSAFE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def clean(text: Any, *, keep_lines: bool = False) -> str:
    """A student's text made harmless for any output: no control character (a terminal's
    escape sequences, what XML forbids), no lone surrogate (it would not encode), and, unless
    ``keep_lines``, on one line (a line break shows as ⏎)."""
    text = str(text)
    if len(text) > MAX_SHOWN:
        text = text[:MAX_SHOWN] + f" […{len(text) - MAX_SHOWN}]"
    if keep_lines:
        text = _LINE_BREAKS.sub("\n", text)
        return "\n".join(_UNSAFE.sub("\ufffd", line) for line in text.split("\n"))
    return _UNSAFE.sub("\ufffd", _LINE_BREAKS.sub(" ⏎ ", text))


_MD_ENTITIES = {"<": "&lt;", ">": "&gt;", "&": "&amp;"}


def md(text: Any) -> str:
    """Inert inline markdown: one line, every ASCII punctuation escaped, <>& as entities."""
    return "".join(_MD_ENTITIES.get(c) or ("\\" + c if c in string.punctuation else c) for c in clean(text))


def _protection_parts(protections: dict[str, Any], lang: str) -> tuple[str, list[str], list[str], int | None]:
    def name(key: str) -> str:
        return _PROTECTION_NAMES[key](lang) if key in _PROTECTION_NAMES else key.replace("_", " ")

    held = [name(k) for k, v in protections.items() if v is True]
    missing = [name(k) for k, v in protections.items() if v is False]
    memory = protections.get("memory_limit_bytes")
    memory = memory if isinstance(memory, int) and not isinstance(memory, bool) else None
    return str(protections.get("jail", "?")), held, missing, memory


def protections_line(report: Report) -> str:
    """One line: the jail, its memory bound, the protections held and missing."""
    words = {key: text(report.lang) for key, text in _PROTECTION_WORDS.items()}
    if not report.protections:
        return f"{words['jail']}: {words['not_run']}"
    jail, held, missing, memory = _protection_parts(report.protections, report.lang)
    line = f"{words['jail']}: {jail}"
    if jail != "bwrap":
        line += f" ({words['weak']})"
    if memory is not None:
        line += f"; {words['memory']} {memory >> 20} MiB"
    line += f"; {words['held']}: {', '.join(held) or words['none']}"
    line += f"; {words['missing']}: {', '.join(missing) or words['none']}"
    return clean(line)


def _num(value: float) -> str:
    return f"{value:g}"


_SURROGATE = re.compile(r"[\ud800-\udfff]")


def _clean_json(value: Any) -> Any:
    """JSON that also encodes as UTF-8: a lone surrogate would not (json escapes the rest)."""
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value)
    if isinstance(value, dict):
        return {_clean_json(k): _clean_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean_json(v) for v in value]
    return value


def report_json(report: Report) -> str:
    return json.dumps(_clean_json(report.to_json()), ensure_ascii=False, indent=2)


def report_text(report: Report) -> Group:
    """One submission: a table per topic, failures with their message and hints."""
    words = _words(report.lang)
    parts: list[Any] = [
        Text(f"{clean(report.submission)}: {_num(report.score)} / {_num(report.max_score)}   "
             f"({words['seed']} {report.seed})", style="bold"),
        Text(protections_line(report), style="dim" if report.protections.get("jail") == "bwrap" else "yellow"),
    ]  # fmt: skip
    for topic in report.topics:
        parts.append(_topic_table(topic, words))
    return Group(*parts)


def _topic_table(topic: TopicResult, words: dict[str, str]) -> Group:
    title = (f"{topic.topic}: {_num(topic.score)} / {_num(topic.max_score)} "
             f"[{words[topic.status]}]")  # fmt: skip
    rows: list[Any] = [Text(title, style="bold cyan")]
    if topic.message:
        rows.append(Text("  " + clean(topic.message), style="yellow"))
    if topic.tests:
        table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
        table.add_column(words["test"], overflow="fold")
        table.add_column(words["points"], justify="right", no_wrap=True)
        table.add_column(words["outcome"], no_wrap=True)
        for test in topic.tests:
            table.add_row(Text(clean(test.title)), f"{_num(test.points)}/{_num(test.max_points)}",
                          Text(words[test.outcome], style=_OUTCOME_STYLE[test.outcome]))  # fmt: skip
        rows.append(table)
        same = _said_above(topic)
        for test in topic.tests:
            if test.outcome != "pass" and test not in same:  # the why, in full, below the table
                why = Text(f"  ✗ {clean(test.title)}: ", style=_OUTCOME_STYLE[test.outcome])
                why.append(clean(test.message), style="default")
                rows.append(why)
                rows.extend(Text(f"      → {clean(hint)}", style="dim") for hint in test.hints)
        if same:
            rows.append(Text("  ✗ " + words["said_above"].format(n=len(same)), style=_OUTCOME_STYLE["error"]))
    if topic.warnings:
        rows.append(Text(f"  {words['warnings']}: " + "; ".join(map(clean, topic.warnings)), style="dim"))
    return Group(*rows)


def _said_above(topic: TopicResult) -> list[Any]:
    """The failed tests whose message is the topic's own (a module that does not import):
    said once, at the topic, never once per test."""
    # the topic's message joins its problems with "; " (and one problem may hold "; " itself)
    said = {topic.message, *topic.message.split("; ")} if topic.message else set()
    return [test for test in topic.tests if test.outcome != "pass" and test.message in said]


def batch_legend(lang: str = "en") -> Text:
    return Text(_LEGEND(lang), style="dim")


def batch_table(reports: list[Report], lang: str = "en") -> Table:
    """Many submissions: one row each, a column per topic."""
    words = _words(lang)
    table = Table(show_header=True, header_style="bold")
    table.add_column(words["submission"])
    topics = [topic.topic for topic in reports[0].topics] if reports else []
    for name in topics:
        table.add_column(name, justify="right")
    table.add_column(words["total"], justify="right", style="bold")
    for report in reports:
        cells = []
        for topic in report.topics:
            mark = "" if topic.status == "graded" else {"missing": " —", "not_gradable": " !"}[topic.status]
            cells.append(f"{_num(topic.score)}/{_num(topic.max_score)}{mark}")
        # Text(): a student's folder name or message may hold [brackets] rich would eat as markup
        table.add_row(Text(clean(report.submission)), *cells, f"{_num(report.score)}/{_num(report.max_score)}")
    return table


def report_gradescope(report: Report) -> str:
    """Gradescope's results.json: one test per hidden test, titles and messages visible (they
    never hold hidden data), the seed and the jail in the output so a regrade can be replayed.
    Every field is declared plain text: Gradescope renders markdown or HTML only when asked."""
    tests = [
        {
            "name": clean(f"{topic.topic}: {test.title}"),
            "score": test.points,
            "max_score": test.max_points,
            "status": "passed" if test.outcome == "pass" else "failed",
            "output": clean("\n".join([test.message, *test.hints]).strip(), keep_lines=True),
            "output_format": "text",
            "tags": [topic.topic, test.outcome],
            "visibility": "visible",
        }
        for topic in report.topics
        for test in topic.tests
    ]
    notes = [clean(f"{t.topic}: {t.message}") for t in report.topics if t.message]
    return json.dumps({
        "score": report.score,
        "execution_time": round(report.seconds, 3),
        "output": "\n".join([f"dlgrade {report.grader_version}, seed {report.seed}", protections_line(report),
                             *notes]),
        "output_format": "text",
        "test_output_format": "text",
        "test_name_format": "text",
        "visibility": "visible",  # titles and messages never hold hidden data
        "stdout_visibility": "hidden",  # the autograder's own log, not the student's
        "tests": tests,
    }, ensure_ascii=False, indent=2)  # fmt: skip


def report_junit(report: Report) -> str:
    """JUnit XML, a suite per topic: what CI systems show as test results. The jail, its
    protections, the seed and the content hash are properties of every suite."""
    from xml.sax.saxutils import quoteattr

    jail, held, missing, memory = _protection_parts(report.protections, "en")
    properties = {"score": _num(report.score), "max_score": _num(report.max_score),
                  "jail": jail if report.protections else "none", "protections_held": ", ".join(held),
                  "protections_missing": ", ".join(missing), "seed": str(report.seed),
                  "content_sha256": report.content_sha256}  # fmt: skip
    if memory is not None:
        properties["memory_limit_bytes"] = str(memory)
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             f"<testsuites name={_attr('dlgrade ' + report.submission)} "
             f'tests="{sum(len(t.tests) for t in report.topics)}" time="{report.seconds:.3f}">']  # fmt: skip
    for topic in report.topics:
        failures = sum(test.outcome == "fail" for test in topic.tests)
        errors = sum(test.outcome in ("error", "not_attempted") for test in topic.tests)
        lines.append(f"  <testsuite name={_attr(topic.topic)} tests=\"{len(topic.tests)}\" "
                     f'failures="{failures}" errors="{errors}">')  # fmt: skip
        lines.append("    <properties>")
        suite = {"topic_score": _num(topic.score), "topic_max_score": _num(topic.max_score)}
        lines += [f"      <property name={quoteattr(k)} value={_attr(v)}/>" for k, v in (suite | properties).items()]
        lines.append("    </properties>")
        if topic.status != "graded":
            lines.append(f"    <system-out>{_xml_text(topic.status + ': ' + topic.message)}</system-out>")
        for test in topic.tests:
            lines.append(f"    <testcase classname={_attr(topic.topic)} name={_attr(test.title)} "
                         f'time="{test.seconds:.3f}">')  # fmt: skip
            # JUnit has no field for points: properties of the case, as pytest's record_property
            lines.append(f'      <properties><property name="points" value="{_num(test.points)}"/>'
                         f'<property name="max_points" value="{_num(test.max_points)}"/></properties>')  # fmt: skip
            if test.outcome == "pass":
                lines.append("    </testcase>")
                continue
            tag = "failure" if test.outcome == "fail" else "error"
            detail = "\n".join([test.message, *test.hints])
            lines.append(f"      <{tag} type={quoteattr(test.outcome)} message={_attr(test.message)}>"
                         f"{_xml_text(detail)}</{tag}>")  # fmt: skip
            lines.append("    </testcase>")
        lines.append("  </testsuite>")
    lines.append("</testsuites>")
    return "\n".join(lines)


def _attr(text: str) -> str:
    from xml.sax.saxutils import quoteattr

    return quoteattr(clean(text))


def _xml_text(text: str) -> str:
    from xml.sax.saxutils import escape

    return escape(clean(text, keep_lines=True))


def report_markdown(report: Report) -> str:
    """Markdown for a GitHub job summary or a pull-request comment. Every text is inert
    (``md``): a student's message cannot close the <details>, start a heading or add a verdict."""
    words = _words(report.lang)
    out = [f"### dlgrade: {_num(report.score)} / {_num(report.max_score)}",
           "", f"| {words['topic']} | {words['score']} | {words['status']} |", "| --- | ---: | --- |"]  # fmt: skip
    out += [f"| {md(t.topic)} | {_num(t.score)} / {_num(t.max_score)} | {words[t.status]} |" for t in report.topics]
    failing = [(t, x) for t in report.topics for x in t.tests if x.outcome != "pass" and x not in _said_above(t)]
    notes = [t for t in report.topics if t.status != "graded" and t.message]
    if failing or notes:
        out += ["", "<details><summary>" + words["why"] + "</summary>", ""]
        out += [f"- **{md(topic.topic)}**: {md(topic.message)}" for topic in notes]
        for topic, test in failing:
            hint = "".join(f" → {md(h)}" for h in test.hints)
            out.append(f"- **{md(topic.topic)}**: {md(test.title)} ({words[test.outcome]}): {md(test.message)}{hint}")
        out += ["", "</details>"]
    out += ["", f"<sub>{md(protections_line(report))}</sub>", "",
            f"<sub>{md(report.submission)} · {words['seed']} {report.seed} · "
            f"dlgrade {md(report.grader_version)}</sub>"]  # fmt: skip
    return "\n".join(out)


RENDERERS = {"json": report_json, "gradescope": report_gradescope, "junit": report_junit,
             "markdown": report_markdown}  # fmt: skip
