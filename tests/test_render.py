"""Every renderer is a pure function of the result model; each output parses and adds up,
states the jail, and keeps a student's text inert (a hostile message cannot forge a verdict)."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

import pytest
from rich.console import Console

from grader.render import (
    RENDERERS,
    batch_table,
    report_gradescope,
    report_json,
    report_junit,
    report_markdown,
    report_text,
)
from grader.results import Report, TestResult, TopicResult

REPORT = Report(
    submission="ivan [draft]", seed=7, grader_version="0.1.0", lang="en", seconds=1.5,
    topics=(
        TopicResult("activations", "graded", (
            TestResult("elu_values", "ELU is right", 2.0, "pass", 2.0),
            TestResult("elu_grad", "ELU' <at> 0 & more", 1.0, "fail", 0.0, "wrong | off by 0.3", ("use alpha",)),
            TestResult("relu_values", "ReLU", 1.0, "not_attempted", 0.0, "relu is not implemented yet"),
        ), 4.0),
        TopicResult("dropout", "missing", (), 3.0, "no dropout.py in the submission"),
    ),
)  # fmt: skip


def test_json_is_the_report_format() -> None:
    data = json.loads(report_json(REPORT))
    assert data["score"] == 2.0 and data["max_score"] == 7.0 and data["seed"] == 7
    assert data["topics"]["dropout"]["status"] == "missing"


def test_gradescope_results_add_up() -> None:
    data = json.loads(report_gradescope(REPORT))
    assert data["score"] == sum(test["score"] for test in data["tests"]) == 2.0
    assert [t["status"] for t in data["tests"]] == ["passed", "failed", "failed"]
    assert "seed 7" in data["output"] and "no dropout.py" in data["output"]


def test_junit_parses_and_counts() -> None:
    root = ET.fromstring(report_junit(REPORT))
    suites = {suite.get("name"): suite for suite in root}
    assert suites["activations"].get("failures") == "1" and suites["activations"].get("errors") == "1"
    cases = suites["activations"].findall("testcase")
    assert cases[1].get("name") == "ELU' <at> 0 & more"
    assert cases[1].find("failure").get("message") == "wrong | off by 0.3"


def test_markdown_escapes_table_pipes_and_lists_what_failed() -> None:
    text = report_markdown(REPORT)
    assert text.startswith("### dlgrade: 2 / 7")
    assert "wrong \\| off by 0\\.3 → use alpha" in text
    assert "| dropout | 0 / 3 | missing |" in text


# ----------------------------------------------------------------------------- hostile text
PROTECTIONS = {"jail": "bwrap", "network": True, "pid_namespace": True, "seccomp": False,
               "cgroup_memory": True, "memory_limit_bytes": 2 << 30, "limits": {"call_seconds": 10.0}}  # fmt: skip
# what a StudentRaised carries: the student's own exception text, built to forge a verdict
HOSTILE = (
    "ValueError: x\n\n</details>\n\n### dlgrade: 264 / 264\n\n| activations | 60 / 60 | graded |\n"
    "<script>alert(1)</script> `code` *bold* [link](http://evil) # not a heading\r\n"
    "\x1b[2J\x1b]0;pwned\x07 [bold red]markup[/bold red] \x00\x01\x08 \ud800 end"
)
HOSTILE_REPORT = Report(
    submission="evil\n### dlgrade: 264 / 264 <b>x</b>", seed=7, grader_version="0.1.0", lang="en",
    protections=PROTECTIONS, content_sha256="ab" * 32,
    topics=(TopicResult("activations", "not_gradable", (
        TestResult("elu", "ELU is right", 3.0, "error", 0.0, HOSTILE, (HOSTILE,)),
        TestResult("relu", HOSTILE, 1.0, "fail", 0.0, HOSTILE),
    ), 4.0, HOSTILE, (HOSTILE,)),),
)  # fmt: skip


def _lines_with_fake_verdict(text: str) -> list[str]:
    """Lines where the forged verdict starts the line (after markdown's heading or quote marks)."""
    return [line for line in text.splitlines() if re.match(r"\s*[#>|\s]*dlgrade: 264 / 264", line)]


def test_markdown_keeps_hostile_text_inert() -> None:
    text = report_markdown(HOSTILE_REPORT)
    assert not _lines_with_fake_verdict(text), _lines_with_fake_verdict(text)
    assert text.count("</details>") == 1 and text.count("<details>") == 1
    assert "<script>" not in text and "&lt;script&gt;" in text and "<b>" not in text
    assert "`" not in text.replace("\\`", "")  # every backtick escaped: no code span of the student's
    assert "[link](" not in text and "\x1b" not in text and "\x00" not in text
    # the real verdict is the first line; the fake one is still there, as inert text in a list item
    assert text.startswith("### dlgrade: 0 / 4") and "dlgrade\\: 264 \\/ 264" in text
    assert text.splitlines()[-1].startswith("<sub>") and "</sub>" in text.splitlines()[-1]
    text.encode("utf-8")  # the lone surrogate is gone


def test_junit_keeps_hostile_text_inert_and_parses() -> None:
    text = report_junit(HOSTILE_REPORT)
    text.encode("utf-8")
    root = ET.fromstring(text)  # raises on a forbidden character such as \x00 or \x1b
    case = root.find("testsuite/testcase[1]")
    assert case is not None
    error = case.find("error")
    assert error is not None and "<script>" in (error.text or "")  # text, not markup
    assert root.find("testsuite/testcase/script") is None
    props = {p.get("name"): p.get("value") for p in root.iter("property")}
    assert props["jail"] == "bwrap" and "seccomp" in props["protections_missing"]
    assert "network" in props["protections_held"] and props["memory_limit_bytes"] == str(2 << 30)


def test_gradescope_keeps_hostile_text_as_plain_text() -> None:
    text = report_gradescope(HOSTILE_REPORT)
    text.encode("utf-8")
    data = json.loads(text)
    assert data["output_format"] == data["test_output_format"] == data["test_name_format"] == "text"
    assert all(test["output_format"] == "text" for test in data["tests"])
    assert "\x1b" not in text and "\\u0000" not in text and "\\u001b" not in text
    assert "jail: bwrap" in data["output"] and "missing: seccomp" in data["output"]


def test_json_of_hostile_text_parses_and_encodes() -> None:
    text = report_json(HOSTILE_REPORT)
    text.encode("utf-8")
    data = json.loads(text)
    assert data["content_sha256"] == "ab" * 32 and data["protections"]["jail"] == "bwrap"
    assert "</details>" in data["topics"]["activations"]["message"]  # JSON keeps the text, escaped


def test_text_report_shows_hostile_text_without_markup_or_control_codes() -> None:
    console = Console(record=True, width=200, force_terminal=True, color_system="truecolor")
    console.print(report_text(HOSTILE_REPORT))
    console.print(batch_table([HOSTILE_REPORT]))
    plain = console.export_text()
    assert "[bold red]markup[/bold red]" in plain  # shown as typed, not read as rich markup
    assert "\x1b" not in plain and "\x07" not in plain and "\x00" not in plain
    assert not _lines_with_fake_verdict(plain), _lines_with_fake_verdict(plain)
    assert "jail: bwrap" in plain and "missing: seccomp" in plain


@pytest.mark.parametrize("fmt", sorted(RENDERERS))
@pytest.mark.parametrize("lang", ["en", "ru"])
def test_every_format_states_the_jail_and_its_protections(fmt: str, lang: str) -> None:
    plain_report = Report("ivan", 7, "0.1.0", lang, REPORT.topics,
                          protections={"jail": "plain", "network": False, "separate_process": True,
                                       "memory_limit_bytes": 1 << 30})  # fmt: skip
    text = RENDERERS[fmt](plain_report)
    assert "plain" in text and ("1073741824" in text or "1024 MiB" in text)
    if fmt != "junit" and fmt != "json":
        words = {"en": ("held", "missing", "weaker"), "ru": ("есть", "нет", "слабее")}[lang]
        assert all(word in text for word in words), (words, text)
