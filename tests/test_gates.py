"""``@pytest.mark.requires``: a property test gives its points only when the value tests it
names pass too (zeros of the right shape leave their input alone, repeat, and are float64).
The suites' own marks are checked end to end by the lazy files of ``tests/corpus/*/wrong/``."""

from __future__ import annotations

import pytest

from grader.errors import ConfigError
from grader.results import TestResult
from grader.runner import TestInfo, _check_requires, gate
from grader.text import L


def _info(name: str, *requires: str) -> TestInfo:
    return TestInfo(name, L(name, name), 1.0, "batchnorm", requires)


def _result(name: str, outcome: str, title: str = "") -> TestResult:
    points = 1.0 if outcome == "pass" else 0.0
    return TestResult(name, title or name, 1.0, outcome, points)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("lang", "text"),
    [("en", "counts only when the values are right too"), ("ru", "засчитывается, только если верны и значения")],
)
def test_a_property_on_wrong_values_gives_nothing_and_says_why(lang: str, text: str) -> None:
    tests = (_result("dx", "fail", "BN backward gives the right dx"), _result("unchanged", "pass"))
    infos = [_info("dx"), _info("unchanged", "dx")]
    dx, unchanged = gate(tests, infos, lang)
    assert dx == tests[0]
    assert unchanged.outcome == "fail" and unchanged.points == 0.0 and unchanged.max_points == 1.0
    assert text in unchanged.message and "BN backward gives the right dx" in unchanged.message


def test_a_property_on_right_values_keeps_its_points() -> None:
    tests = (_result("dx", "pass"), _result("unchanged", "pass"), _result("repeat", "fail"))
    infos = [_info("dx"), _info("unchanged", "dx"), _info("repeat", "dx")]
    assert gate(tests, infos, "en") == tests


def test_gates_chain() -> None:
    # c requires b, b requires a: a failing takes both
    tests = (_result("a", "fail"), _result("b", "pass"), _result("c", "pass"))
    infos = [_info("a"), _info("b", "a"), _info("c", "b")]
    assert [t.points for t in gate(tests, infos, "en")] == [0.0, 0.0, 0.0]


def test_a_requirement_that_names_no_test_is_a_broken_course() -> None:
    with pytest.raises(ConfigError, match="requires bn_backward_dxx"):
        _check_requires([_info("bn_backward_dx"), _info("unchanged", "bn_backward_dxx")])
    _check_requires([_info("bn_backward_dx"), _info("unchanged", "bn_backward_dx")])
