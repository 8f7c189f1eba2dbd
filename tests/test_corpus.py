"""Every corpus submission through the real grader (jail included), checked against what its
first line declares:

    # expect: full                       correct but unusual: full marks on its topic
    # expect: lose elu_negative_*        these tests (fnmatch) lose points; others may too
    # expect-only: lose relu_grad_at_zero   these lose points, and no other test does

A parametrized test ``vectorized[elu]`` is matched as ``vectorized.elu`` (fnmatch would read
the brackets as a character class): ``# expect: lose vectorized.*_grad``.

One grading session per topic grades all its files (as a batch would), then each file is its
own test here, so a failure names the file and the tests that did not behave."""

from __future__ import annotations

import fnmatch
from pathlib import Path

import pytest

from grader.course import load_course
from grader.runner import run_session
from grader.submission import TOPICS, load_submission

CORPUS = Path(__file__).parent / "corpus"


def _cases() -> list[tuple[str, Path]]:
    return [(topic, path) for topic in TOPICS for path in sorted((CORPUS / topic).glob("*/*.py"))]


def parse_expectation(path: Path) -> tuple[str, list[str]]:
    first = path.read_text(encoding="utf-8").splitlines()[0].strip()
    for prefix, kind in (("# expect-only:", "only"), ("# expect:", "lose")):
        if first.startswith(prefix):
            words = first[len(prefix) :].replace(",", " ").split()
            if words == ["full"]:
                return "full", []
            if words and words[0] == "lose" and len(words) > 1:
                return kind, words[1:]
    raise AssertionError(f"{path}: first line must be '# expect: full' or '# expect: lose PATTERN…'")


class Graded:
    """Each topic's corpus graded once, in one session, the first time a test asks for it."""

    def __init__(self) -> None:
        self.course = load_course(Path(__file__).resolve().parent.parent)
        self.results: dict[Path, object] = {}

    def __getitem__(self, path: Path) -> object:
        if path not in self.results:
            topic = path.parent.parent.name
            paths = [p for t, p in _cases() if t == topic]
            submissions = [load_submission(p, topic) for p in paths]
            reports = run_session(self.course, submissions, topics=(topic,), lang="en")
            for graded_path, report in zip(paths, reports):
                self.results[graded_path] = report.topics[0]
        return self.results[path]


@pytest.fixture(scope="session")
def graded() -> Graded:
    return Graded()


def _matchable(name: str) -> str:
    return name.replace("[", ".").rstrip("]")


@pytest.mark.parametrize("topic,path", _cases(), ids=[f"{t}/{p.parent.name}/{p.stem}" for t, p in _cases()])
def test_corpus_file(topic: str, path: Path, graded: Graded) -> None:
    kind, patterns = parse_expectation(path)
    assert (path.parent.name == "correct") == (kind == "full"), f"{path}: folder and expectation disagree"
    result = graded[path]
    lost = {test.name: test for test in result.tests if test.points < test.max_points}
    if kind == "full":
        detail = "; ".join(f"{n}: {t.outcome} {t.message}" for n, t in lost.items())
        assert result.status == "graded" and not lost, f"correct submission lost points: {detail}"
        assert result.score == result.max_score
        return
    names = [_matchable(test.name) for test in result.tests]
    lost = {_matchable(name): test for name, test in lost.items()}
    for pattern in patterns:
        matching = fnmatch.filter(names, pattern)
        assert matching, f"pattern {pattern!r} names no test of {topic}"
        assert any(name in lost for name in matching), f"none of {matching} lost points; lost: {sorted(lost)}"
    if kind == "only":
        extra = [n for n in lost if not any(fnmatch.fnmatch(n, p) for p in patterns)]
        assert not extra, f"tests outside the declared bug lost points: {extra}"
