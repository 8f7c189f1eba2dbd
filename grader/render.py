"""Renderers: pure functions of the result model (reports in, text out)."""

from __future__ import annotations

import json

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
}  # fmt: skip
_LEGEND = L("— no module for the topic;  ! not gradable (syntax, import, signature)",
            "— нет файла темы;  ! не проверяемо (синтаксис, импорт, сигнатура)")  # fmt: skip


def _words(lang: str) -> dict[str, str]:
    return {key: text(lang) for key, text in _WORDS.items()}


def _num(value: float) -> str:
    return f"{value:g}"


def report_json(report: Report) -> str:
    return json.dumps(report.to_json(), ensure_ascii=False, indent=2)


def report_text(report: Report) -> Group:
    """One submission: a table per topic, failures with their message and hints."""
    words = _words(report.lang)
    parts: list = [
        Text(f"{report.submission}: {_num(report.score)} / {_num(report.max_score)}   "
             f"({words['seed']} {report.seed})", style="bold")
    ]  # fmt: skip
    for topic in report.topics:
        parts.append(_topic_table(topic, words))
    return Group(*parts)


def _topic_table(topic: TopicResult, words: dict[str, str]) -> Group:
    title = (f"{topic.topic}: {_num(topic.score)} / {_num(topic.max_score)} "
             f"[{words[topic.status]}]")  # fmt: skip
    rows: list = [Text(title, style="bold cyan")]
    if topic.message:
        rows.append(Text("  " + topic.message, style="yellow"))
    if topic.tests:
        table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
        table.add_column(words["test"], overflow="fold")
        table.add_column(words["points"], justify="right", no_wrap=True)
        table.add_column(words["outcome"], no_wrap=True)
        for test in topic.tests:
            table.add_row(Text(test.title), f"{_num(test.points)}/{_num(test.max_points)}",
                          Text(words[test.outcome], style=_OUTCOME_STYLE[test.outcome]))  # fmt: skip
        rows.append(table)
        for test in topic.tests:
            if test.outcome != "pass":  # the why, in full, below the table: easier to read
                why = Text(f"  ✗ {test.title}: ", style=_OUTCOME_STYLE[test.outcome])
                why.append(test.message, style="default")
                rows.append(why)
                rows.extend(Text(f"      → {hint}", style="dim") for hint in test.hints)
    if topic.warnings:
        rows.append(Text(f"  {words['warnings']}: " + "; ".join(topic.warnings), style="dim"))
    return Group(*rows)


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
        table.add_row(Text(report.submission), *cells, f"{_num(report.score)}/{_num(report.max_score)}")
    return table


def report_gradescope(report: Report) -> str:
    """Gradescope's results.json: one test per hidden test, titles and messages visible (they
    never hold hidden data), the seed in the output so a regrade can be replayed."""
    tests = [
        {
            "name": f"{topic.topic}: {test.title}",
            "score": test.points,
            "max_score": test.max_points,
            "status": "passed" if test.outcome == "pass" else "failed",
            "output": "\n".join([test.message, *test.hints]).strip(),
            "tags": [topic.topic, test.outcome],
            "visibility": "visible",
        }
        for topic in report.topics
        for test in topic.tests
    ]
    notes = [f"{t.topic}: {t.message}" for t in report.topics if t.message]
    return json.dumps({
        "score": report.score,
        "execution_time": round(report.seconds, 3),
        "output": "\n".join([f"dlgrade {report.grader_version}, seed {report.seed}", *notes]),
        "tests": tests,
    }, ensure_ascii=False, indent=2)  # fmt: skip


def report_junit(report: Report) -> str:
    """JUnit XML, a suite per topic: what CI systems show as test results."""
    from xml.sax.saxutils import quoteattr

    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             f"<testsuites name={quoteattr('dlgrade ' + report.submission)} "
             f'tests="{sum(len(t.tests) for t in report.topics)}" time="{report.seconds:.3f}">']  # fmt: skip
    for topic in report.topics:
        failures = sum(test.outcome == "fail" for test in topic.tests)
        errors = sum(test.outcome in ("error", "not_attempted") for test in topic.tests)
        lines.append(f"  <testsuite name={quoteattr(topic.topic)} tests=\"{len(topic.tests)}\" "
                     f'failures="{failures}" errors="{errors}">')  # fmt: skip
        if topic.status != "graded":
            lines.append(f"    <system-out>{_xml_text(topic.status + ': ' + topic.message)}</system-out>")
        for test in topic.tests:
            head = (f"    <testcase classname={quoteattr(topic.topic)} name={quoteattr(test.title)} "
                    f'time="{test.seconds:.3f}"')  # fmt: skip
            if test.outcome == "pass":
                lines.append(head + "/>")
                continue
            tag = "failure" if test.outcome == "fail" else "error"
            detail = "\n".join([test.message, *test.hints])
            lines.append(head + ">")
            lines.append(f"      <{tag} type={quoteattr(test.outcome)} message={quoteattr(test.message)}>"
                         f"{_xml_text(detail)}</{tag}>")  # fmt: skip
            lines.append("    </testcase>")
        lines.append("  </testsuite>")
    lines.append("</testsuites>")
    return "\n".join(lines)


def _xml_text(text: str) -> str:
    from xml.sax.saxutils import escape

    return escape(text)


def report_markdown(report: Report) -> str:
    """Markdown for a GitHub job summary or a pull-request comment."""
    words = _words(report.lang)
    out = [f"### dlgrade: {_num(report.score)} / {_num(report.max_score)}",
           "", f"| {words['topic']} | {words['score']} | {words['status']} |", "| --- | ---: | --- |"]  # fmt: skip
    out += [f"| {t.topic} | {_num(t.score)} / {_num(t.max_score)} | {words[t.status]} |" for t in report.topics]
    failing = [(t, x) for t in report.topics for x in t.tests if x.outcome != "pass"]
    if failing:
        out += ["", "<details><summary>" + words["why"] + "</summary>", ""]
        for topic, test in failing:
            hint = "".join(f" → {h}" for h in test.hints)
            out.append(f"- **{topic.topic}**: {test.title} ({words[test.outcome]}): "
                       f"{test.message}{hint}".replace("|", "\\|"))  # fmt: skip
        out += ["", "</details>"]
    out += ["", f"<sub>{words['seed']} {report.seed} · dlgrade {report.grader_version}</sub>"]
    return "\n".join(out)


RENDERERS = {"json": report_json, "gradescope": report_gradescope, "junit": report_junit,
             "markdown": report_markdown}  # fmt: skip
