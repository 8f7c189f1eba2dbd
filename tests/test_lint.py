"""The grader is linted and type-checked strictly (style.md, habit 13); the exercise code is
kept plain and is not."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(*command: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", *command], capture_output=True, text=True, cwd=ROOT,
                          timeout=300)  # fmt: skip


def test_ruff_finds_nothing_in_the_project() -> None:
    done = run("ruff", "check", ".")  # exclusions: pyproject.toml [tool.ruff]
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_project_is_formatted() -> None:
    """One formatter for everyone (``ruff format``): a diff is about what changed, never style."""
    done = run("ruff", "format", "--check", ".")
    assert done.returncode == 0, "run `ruff format .`\n" + done.stdout + done.stderr


def test_mypy_finds_nothing_in_the_grader() -> None:
    done = run("mypy")  # files and options: pyproject.toml [tool.mypy]
    assert done.returncode == 0, done.stdout + done.stderr
