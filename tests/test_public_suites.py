"""The public suites (what `dlgrade check` runs) are frozen and fair (issue 9, items 3 and 7).

Frozen: no public suite imports ``solutions/`` or reads anything beside itself; what it compares
with is ``course/<topic>/public/expected.npz``, which must equal a fresh build from the
reference (``course/<topic>/fixtures/public.py``), so the same suite runs in the course and in
the student bundle. Fair: a student's mistake (a value of the wrong kind, a function that does
not raise) is never reported as the grader's internal error; every check has its own title; a
module that does not import is said once; each topic has a cheap vectorization hint."""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path

import numpy as np
import pytest

from grader import api
from grader.course import load_course
from grader.policy import local_jail
from grader.release import same_frozen
from grader.render import report_markdown, report_text
from grader.runner import run_session
from grader.submission import TOPICS, Submission, load_submission

ROOT = Path(__file__).resolve().parent.parent
INTERNAL = ("internal error", "внутренняя ошибка")


def _generator(topic: str):
    path = ROOT / "course" / topic / "fixtures" / "public.py"
    spec = importlib.util.spec_from_file_location(f"{topic}_public_fixtures", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _suite(topic: str) -> Path:
    return ROOT / "course" / topic / "public" / f"test_{topic}.py"


@pytest.mark.parametrize("topic", TOPICS)
def test_no_public_suite_imports_the_solutions(topic: str) -> None:
    tree = ast.parse(_suite(topic).read_text(encoding="utf-8"))
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    roots = {name.split(".")[0] for name in imported}
    assert roots <= {"pathlib", "math", "numpy", "pytest", "grader"}, f"{topic}: the public suite imports {sorted(roots)}"
    text = _suite(topic).read_text(encoding="utf-8")
    assert "fixtures" not in text.replace("../fixtures/public.py", ""), f"{topic}: reads ../fixtures (not in the bundle)"


@pytest.mark.parametrize("topic", [t for t in TOPICS if (ROOT / "course" / t / "fixtures" / "public.py").exists()])
def test_the_frozen_expected_values_are_the_references(topic: str) -> None:
    import importlib

    fresh = _generator(topic).build(importlib.import_module(f"solutions.{topic}"))
    with np.load(ROOT / "course" / topic / "public" / "expected.npz") as stored:
        assert sorted(stored.files) == sorted(fresh), f"{topic}: expected.npz has other keys; rerun its fixtures/public.py"
        for key, value in fresh.items():
            assert stored[key].dtype == value.dtype and stored[key].shape == value.shape, f"{topic}.{key}"
            # up to rounding: NumPy's SIMD paths differ by CPU (one ulp seen on a sum)
            assert same_frozen(stored[key], value), f"{topic}.{key} is stale: {stored[key]!r} vs {value!r}"


def test_a_stale_expected_value_is_caught(tmp_path: Path) -> None:
    """The comparison above can fail: a reference that changed gives other frozen values."""
    import importlib

    ref = importlib.import_module("solutions.activations")

    class Changed:
        def __getattr__(self, name: str):
            function = getattr(ref, name)
            return lambda *args, **kw: function(*args, **kw) + 1e-9

    fresh = _generator("activations").build(Changed())
    with np.load(ROOT / "course" / "activations" / "public" / "expected.npz") as stored:
        assert any(not same_frozen(stored[key], value) for key, value in fresh.items())


@pytest.fixture(scope="module")
def stub_report():
    return api.check(ROOT / "exercises", lang="en")


def test_every_public_check_has_its_own_title(stub_report) -> None:
    ru = api.check(ROOT / "exercises", lang="ru")
    for report in (stub_report, ru):
        assert {t.topic for t in report.topics} == set(TOPICS)
        for topic in report.topics:
            titles = [test.title for test in topic.tests]
            repeated = sorted({title for title in titles if titles.count(title) > 1})
            assert not repeated, f"{topic.topic} ({report.lang}): titles shared by several checks: {repeated}"


def test_every_topic_has_a_vectorization_hint(stub_report) -> None:
    for topic in stub_report.topics:
        hints = [test for test in topic.tests if "vectorized" in test.name]
        assert hints, f"{topic.topic}: no public vectorization check"
        assert all("hint" in test.title for test in hints), [test.title for test in hints]


def test_a_module_that_does_not_import_is_said_once(tmp_path: Path) -> None:
    (tmp_path / "exercises").mkdir()
    (tmp_path / "exercises" / "dropout.py").write_text("def dropout_forward(x, p, rng, train=True):\n    return (\n")
    report = api.check(tmp_path, topic="dropout", lang="en")
    (topic,) = report.topics
    assert topic.status == "not_gradable" and "syntax error" in topic.message
    assert all(test.outcome == "error" for test in topic.tests) and len(topic.tests) > 3
    from rich.console import Console

    console = Console(width=200, record=True, file=open("/dev/null", "w"))  # noqa: SIM115
    console.print(report_text(report))
    text = console.export_text()
    assert text.count("syntax error") == 1, text
    assert f"{len(topic.tests)} test(s) could not run for the reason above" in text
    assert report_markdown(report).count("syntax error") == 1


# ------------------------------------------------------------------ a student's mistake is theirs

# what a student's function may hand back instead of the right thing
BAD_RETURNS = ["None", "'text'", "(1, 2, 3)", "np.zeros(3)", "(None, None)", "[[1.0], [2.0, 3.0]]",
               "np.full((4, 4), np.nan)"]  # fmt: skip


def _returning(topic: str, value: str) -> str:
    stub = (ROOT / "exercises" / f"{topic}.py").read_text(encoding="utf-8")
    return stub.replace("raise NotImplementedError", f"return {value}")


@pytest.mark.slow
def test_no_wrong_answer_is_an_internal_error() -> None:
    """Every contract function of a topic returns the same wrong kind of value, or the mistakes
    of the corpus (tests/corpus/<topic>/wrong): each public check fails or errs on the
    student's side, never with "internal error, not your fault"; the corpus's correct but
    unusual submissions pass every public check."""
    course = load_course(ROOT)
    problems = []
    for topic in TOPICS:
        subs = [Submission(f"returns {value}", {topic: _returning(topic, value)}, source=value) for value in BAD_RETURNS]
        wrong = sorted((ROOT / "tests" / "corpus" / topic / "wrong").glob("*.py"))
        correct = sorted((ROOT / "tests" / "corpus" / topic / "correct").glob("*.py"))
        subs += [load_submission(path, topic) for path in wrong + correct]
        reports = run_session(course, subs, topics=(topic,), kind="public", lang="en", jail_mode=local_jail())
        for sub, report in zip(subs, reports):
            (result,) = report.topics
            for test in result.tests:
                if any(word in test.message for word in INTERNAL):
                    problems.append(f"{topic} {sub.source}: {test.name} says {test.message!r}")
            if sub.source.endswith(".py") and "/correct/" in sub.source and result.score != result.max_score:
                failed = [(t.name, t.message[:120]) for t in result.tests if t.outcome != "pass"]
                problems.append(f"{topic} {sub.source} (correct) fails public checks: {failed}")
    assert not problems, "\n".join(problems)


def test_dropout_that_does_not_raise_for_a_bad_p_is_told_so(tmp_path: Path) -> None:
    """The issue's case: a dropout that reads p as the keep probability never raises for
    p = 1.5; the check says it did not raise (a fail), not an internal error."""
    solution = (ROOT / "solutions" / "dropout.py").read_text(encoding="utf-8")
    keep = solution.replace("raise ValueError", "pass  # raise ValueError")
    assert keep != solution
    (tmp_path / "dropout.py").write_text(keep, encoding="utf-8")
    report = api.check(tmp_path, topic="dropout", lang="en")
    (test,) = [t for t in report.topics[0].tests if t.name == "invalid_p_raises"]
    assert test.outcome == "fail" and "did not raise ValueError" in test.message, test
