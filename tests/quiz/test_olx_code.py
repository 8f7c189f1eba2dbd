"""The OLX export's code problems (issue 11, item 2): one import gives the course its quizzes and,
per topic, a graded ``coderesponse`` problem whose submissions go to the XQueue queue that
``dlgrade serve xqueue`` pulls: the stub as the initial text, ``{"grader": "<topic>"}`` as the
payload, nothing of a solution or a hidden suite anywhere in the course."""

from __future__ import annotations

import ast
import html
import io
import json
import os
import subprocess
import sys
import tarfile
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from quiz_paths import ROOT

from grader.submission import TOPICS
from tests.test_packaging import _leaks, _secret_lines

pytestmark = pytest.mark.filterwarnings("ignore:.*deprecated.*:DeprecationWarning")


def _export(out: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environment = {key: value for key, value in os.environ.items() if not key.startswith("DLGRADE_")}
    environment |= {"PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.run([sys.executable, "-m", "grader.cli", "quiz", "export", "--format", "olx", "--variants", "1",
                           "--course", str(ROOT), "--out", str(out), *args],
                          capture_output=True, text=True, env=environment, timeout=600)  # fmt: skip


def _files(out: Path) -> dict[str, str]:
    with tarfile.open(fileobj=io.BytesIO((out / "course.olx.tar.gz").read_bytes()), mode="r:gz") as tar:
        return {m.name: tar.extractfile(m).read().decode() for m in tar.getmembers() if m.isfile()}  # type: ignore[union-attr]


@pytest.fixture(scope="module")
def course(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    out = tmp_path_factory.mktemp("olx")
    done = _export(out, "--queue", "dl-basics")
    assert done.returncode == 0, done.stderr
    return out, _files(out)


def _stub(topic: str) -> str:
    lines = (ROOT / "exercises" / f"{topic}.py").read_text(encoding="utf-8").splitlines(keepends=True)
    return "".join(lines[1:] if lines[0].startswith("# Generated from") else lines)


@pytest.mark.parametrize("topic", TOPICS)
def test_each_topic_has_a_code_problem_for_the_queue(course: tuple[Path, dict[str, str]], topic: str) -> None:
    _, files = course
    chapter = ET.fromstring(files[f"course/chapter/quiz_{topic}.xml"])
    assert [s.get("url_name") for s in chapter] == [f"quiz_{topic}_seq", f"exercise_{topic}_seq"]
    sequential = ET.fromstring(files[f"course/sequential/exercise_{topic}_seq.xml"])
    assert sequential.get("graded") == "true" and sequential.get("format") == "Exercise"
    vertical = ET.fromstring(files[f"course/vertical/exercise_{topic}_unit.xml"])
    assert [(c.tag, c.get("url_name")) for c in vertical] == [("problem", f"exercise_{topic}")]
    problem = ET.fromstring(files[f"course/problem/exercise_{topic}.xml"])
    (response,) = problem.iter("coderesponse")
    assert response.get("queuename") == "dl-basics"
    assert response.find("textbox") is not None and response.find("textbox").get("mode") == "python"  # type: ignore[union-attr]
    param = response.find("codeparam")
    assert param is not None
    initial = param.findtext("initial_display")
    assert initial == _stub(topic)  # the stub exactly, as the student bundle ships it (less its generated note)
    tree = ast.parse(initial)
    defined = {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}
    exported = next(ast.literal_eval(n.value) for n in tree.body if isinstance(n, ast.Assign)
                    and any(getattr(t, "id", "") == "__all__" for t in n.targets))  # fmt: skip
    assert set(exported) <= defined and exported
    assert json.loads(param.findtext("grader_payload") or "") == {"grader": topic}
    answer = param.findtext("answer_display") or ""
    assert "def " not in answer and "return" not in answer  # a neutral text, never the reference
    assert problem.get("showanswer") == "never"


def test_the_grading_policy_counts_the_exercises(course: tuple[Path, dict[str, str]]) -> None:
    _, files = course
    (name,) = [n for n in files if n.endswith("grading_policy.json")]
    graders = {g["type"]: g for g in json.loads(files[name])["GRADER"]}
    assert graders["Exercise"]["min_count"] == len(TOPICS) and graders["Quiz"]["min_count"] == len(TOPICS)
    assert sum(g["weight"] for g in graders.values()) == pytest.approx(1.0)


def test_no_line_of_a_solution_or_hidden_suite_is_in_the_course(course: tuple[Path, dict[str, str]]) -> None:
    _, files = course
    unescaped = {name: html.unescape(text).encode() for name, text in files.items()}
    assert not _leaks(unescaped, _secret_lines())


def test_olxcleaner_accepts_the_course_with_its_code_problems(course: tuple[Path, dict[str, str]], tmp_path: Path) -> None:
    validate = pytest.importorskip("olxcleaner").validate
    out, _ = course
    with tarfile.open(out / "course.olx.tar.gz", mode="r:gz") as tar:
        tar.extractall(tmp_path, filter="data")
    parsed, errors, _ = validate(str(tmp_path / "course"), steps=8, allowed_xblocks=["itembank"])
    assert not errors.errors, [e.description for e in errors.errors]

    def walk(block):  # every block olxcleaner parsed, the course's tree
        yield block
        for child in block.children:
            yield from walk(child)

    problems = {b.attributes.get("url_name") for b in walk(parsed) if b.type == "problem"}
    assert problems >= {f"exercise_{t}" for t in TOPICS}  # parsed and checked, not skipped


def test_the_queue_comes_from_the_graders_environment(tmp_path: Path) -> None:
    done = _export(tmp_path, "--topic", "dropout", env={"DLGRADE_XQUEUE_QUEUE": "dl-a, dl-b"})
    assert done.returncode == 0, done.stderr
    problem = ET.fromstring(_files(tmp_path)["course/problem/exercise_dropout.xml"])
    assert next(problem.iter("coderesponse")).get("queuename") == "dl-a"


def test_no_code_gives_the_quizzes_alone(tmp_path: Path) -> None:
    done = _export(tmp_path, "--topic", "dropout", "--no-code")
    assert done.returncode == 0, done.stderr
    files = _files(tmp_path)
    assert not [name for name in files if "exercise_" in name]
    assert "coderesponse" not in "".join(files.values())


@pytest.mark.parametrize("queue", ["", "has space", "ünï", "a/b"])
def test_a_bad_queue_name_is_one_error_line(tmp_path: Path, queue: str) -> None:
    done = _export(tmp_path, "--topic", "dropout", "--queue", queue)
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert done.returncode == 2 and len(lines) == 1 and lines[0].startswith("error: --queue"), done.stderr
    assert not (tmp_path / "course.olx.tar.gz").exists()
