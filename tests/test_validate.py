"""`dlgrade validate`: the course as shipped is consistent, and a broken copy is caught."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# The points a suite adds up to, from its @pytest.mark.points markers (collected, not run)
SUM_POINTS = """
import os, sys
import pytest
class Sum:
    total = 0.0
    def pytest_collection_modifyitems(self, items):
        Sum.total = sum(float(item.get_closest_marker("points").args[0]) for item in items)
code = pytest.main(["--collect-only", "-qq", "-p", "no:cacheprovider", "-p", "no:warnings", "--import-mode=importlib",
                    "-c", os.devnull, "--rootdir", sys.argv[1], sys.argv[2]], plugins=[Sum()])
print(f"{Sum.total:g}" if code == 0 else "collection failed")
"""


def validate(root: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DLGRADE_COURSE": str(root), "DLGRADE_LIMIT_CALL_SECONDS": "5"}
    return subprocess.run([sys.executable, "-m", "grader.cli", "validate"], capture_output=True,
                          text=True, cwd=root, env=env, timeout=600)  # fmt: skip


def suite_points(root: Path, topic: str, kind: str) -> float:
    done = subprocess.run([sys.executable, "-c", SUM_POINTS, str(root), str(root / "course" / topic / kind / f"test_{topic}.py")],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)  # fmt: skip
    return float(done.stdout.strip().splitlines()[-1])


def test_the_shipped_course_validates() -> None:
    done = validate(ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "consistent" in done.stdout


@pytest.fixture(scope="module")
def broken_copy(tmp_path_factory: pytest.TempPathFactory) -> tuple[subprocess.CompletedProcess[str], dict[str, float]]:
    """A copy of the course with a stub edited by hand, a reference that disagrees with its own
    suite, and course.toml max_points for two topics: activations with its hidden suite's sum
    (which is not its public suite's), matrix_ops with one point more. One validate run."""
    tmp_path = tmp_path_factory.mktemp("course")
    for folder in ("course", "solutions", "exercises"):
        shutil.copytree(ROOT / folder, tmp_path / folder, ignore=shutil.ignore_patterns("samples"))
    stub = tmp_path / "exercises" / "dropout.py"
    stub.write_text(stub.read_text(encoding="utf-8") + "\n# edited by hand\n", encoding="utf-8")
    # a reference that disagrees with its own suite: keep-probability confusion in dropout,
    # which the suite's distribution tests judge without asking the reference
    reference = tmp_path / "solutions" / "dropout.py"
    text = reference.read_text(encoding="utf-8")
    assert "keep = rng.random(x.shape) >= p" in text
    reference.write_text(text.replace("keep = rng.random(x.shape) >= p", "keep = rng.random(x.shape) < p"),
                         encoding="utf-8")  # fmt: skip
    hidden = {topic: suite_points(tmp_path, topic, "hidden") for topic in ("activations", "matrix_ops")}
    # the bug this guards against compared with the public suite: the two sums must differ
    assert suite_points(tmp_path, "activations", "public") != hidden["activations"]
    toml = tmp_path / "course" / "course.toml"
    text = toml.read_text(encoding="utf-8")
    for topic, points in (("activations", hidden["activations"]), ("matrix_ops", hidden["matrix_ops"] + 1)):
        assert f"[topics.{topic}]\n" in text
        text = text.replace(f"[topics.{topic}]\n", f"[topics.{topic}]\nmax_points = {points:g}\n")
    toml.write_text(text, encoding="utf-8")
    return validate(tmp_path), hidden


def test_a_broken_copy_is_caught(broken_copy: tuple[subprocess.CompletedProcess[str], dict[str, float]]) -> None:
    done, _ = broken_copy
    assert done.returncode == 1, done.stdout + done.stderr
    assert "exercises/dropout.py is out of sync" in done.stdout
    assert "hidden dropout." in done.stdout and "the reference gets fail" in done.stdout


def test_max_points_that_disagree_with_the_hidden_suite_are_reported(
    broken_copy: tuple[subprocess.CompletedProcess[str], dict[str, float]],
) -> None:
    done, hidden = broken_copy
    expected = hidden["matrix_ops"]
    assert (f"course.toml says matrix_ops is worth {expected + 1:g}, its hidden suite sums to {expected:g}"
            in done.stdout), done.stdout  # fmt: skip


def test_max_points_that_agree_with_the_hidden_suite_are_not(
    broken_copy: tuple[subprocess.CompletedProcess[str], dict[str, float]],
) -> None:
    done, _ = broken_copy
    assert "course.toml says activations" not in done.stdout, done.stdout
