"""A plain hidden test is called directly instead of through pytest's protocol
(``GradingPlugin._outcome``): the grade must not tell the two apart, and every test that needs
what only the protocol does (a mark, a fixture of someone else's, a hook) must still get it."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from grader import runner
from grader.course import load_course
from grader.runner import GradingPlugin, run_session
from grader.submission import TOPICS, load_submission

ROOT = Path(__file__).resolve().parent.parent
CORPUS = Path(__file__).parent / "corpus"

SUITE = """
import pytest

@pytest.fixture
def own():
    return 1

def test_plain(student, rng): pass
def test_seed_only(seed): pass
def test_no_arguments(): pass
@pytest.mark.parametrize("name", ["a", "b"])
def test_direct_parameter(student, name): pass
@pytest.mark.parametrize("own", [2], indirect=True)
def test_indirect_parameter(own): pass
@pytest.mark.parametrize("seed", [5])
def test_parameter_named_like_a_fixture(seed): pass
def test_own_fixture(student, own): pass
def test_request(request): pass
@pytest.mark.skip(reason="x")
def test_skipped(student): pass
@pytest.mark.skipif(True, reason="x")
def test_skipped_if(student): pass
@pytest.mark.xfail
def test_xfail(student): pass
@pytest.mark.usefixtures("own")
def test_usefixtures(student): pass
@pytest.mark.filterwarnings("error")
def test_filterwarnings(student): pass
class TestInAClass:
    def test_method(self, student): pass
"""

DIRECT = {"test_plain", "test_seed_only", "test_no_arguments", "test_direct_parameter[a]", "test_direct_parameter[b]"}


class Probe(GradingPlugin):
    """The grading plugin's fixtures and hooks, with a test loop that only asks, per test,
    whether it would be called directly."""

    def __init__(self) -> None:
        self.decisions: dict[str, bool] = {}

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtestloop(self, session: pytest.Session) -> bool:
        for item in session.items:
            self.decisions[item.name] = runner._direct_call(item, self) is not runner._PROTOCOL
        return True


def _decide(folder: Path, conftest: str = "") -> dict[str, bool]:
    (folder / "test_suite.py").write_text(textwrap.dedent(SUITE), encoding="utf-8")
    if conftest:
        (folder / "conftest.py").write_text(textwrap.dedent(conftest), encoding="utf-8")
    probe = Probe()
    args = ["-c", "/dev/null", "--rootdir", str(folder), "-p", "no:cacheprovider", "-qq",
            "--disable-plugin-autoload", "--import-mode=importlib", "-W", "ignore", str(folder)]  # fmt: skip
    assert pytest.main(args, plugins=[probe]) == pytest.ExitCode.OK
    return probe.decisions


def test_only_plain_tests_are_called_directly(tmp_path: Path) -> None:
    decisions = _decide(tmp_path)
    assert {name for name, direct in decisions.items() if direct} == DIRECT
    assert len(decisions) == len(DIRECT) + 10  # every other test of SUITE was collected, and is protocol


def test_a_conftest_hook_of_the_run_sends_every_test_through_the_protocol(tmp_path: Path) -> None:
    hooked = "def pytest_runtest_call(item):\n    pass\n"
    assert not any(_decide(tmp_path, hooked).values())


def test_an_overridden_plugin_fixture_sends_its_tests_through_the_protocol(tmp_path: Path) -> None:
    overriding = "import pytest\n\n@pytest.fixture\ndef rng():\n    return 0\n"
    decisions = _decide(tmp_path, overriding)
    assert not decisions["test_plain"] and decisions["test_seed_only"]


def _submissions() -> list:
    """One known-wrong file of every topic (every kind of outcome: fail, error, not
    attempted, pass), and one correct file."""
    chosen = [sorted((CORPUS / topic / "wrong").glob("*.py"))[0] for topic in TOPICS]
    chosen.append(sorted((CORPUS / "activations" / "correct").glob("*.py"))[0])
    return [load_submission(path, path.parent.parent.name) for path in chosen]


def _grades(reports: list) -> list[tuple]:
    """Every test's grade and feedback; measured seconds (the vectorization tests') as N."""
    return [(t.topic, test.name, test.outcome, test.points, re.sub(r"\d+(\.\d+)?", "N", test.message), test.hints)
            for report in reports for t in report.topics for test in t.tests]  # fmt: skip


def test_the_course_grades_the_same_called_directly_or_through_the_protocol(monkeypatch: pytest.MonkeyPatch) -> None:
    course = load_course(ROOT)
    submissions = _submissions()
    asked: list[bool] = []
    decide = runner._direct_call

    def counting(item: pytest.Item, plugin: GradingPlugin) -> tuple[str, ...]:
        answer = decide(item, plugin)
        asked.append(answer is not runner._PROTOCOL)
        return answer

    monkeypatch.setattr(runner, "_direct_call", counting)
    direct = run_session(course, submissions, topics=TOPICS, lang="en")
    assert asked and sum(asked) / len(asked) > 0.9, "the course's own tests should nearly all be plain"
    monkeypatch.setattr(runner, "_direct_call", lambda item, plugin: runner._PROTOCOL)
    protocol = run_session(course, submissions, topics=TOPICS, lang="en")
    assert _grades(direct) == _grades(protocol)
    outcomes = {grade[2] for grade in _grades(direct)}
    assert {"pass", "fail"} <= outcomes, outcomes
