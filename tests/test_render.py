"""Every renderer is a pure function of the result model; each output parses and adds up."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

from grader.render import report_gradescope, report_json, report_junit, report_markdown
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
    assert "wrong \\| off by 0.3 → use alpha" in text
    assert "| dropout | 0 / 3 | missing |" in text
