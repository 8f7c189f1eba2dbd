"""``python -m grader.devrun``, the authors' shortcut, fails like every dlgrade command: one
error: line and exit 2 for bad input, never a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    "args,needle",
    [(["nowhere/activations.py", "--topic", "activations"], "no such file"),
     (["solutions/activations.py", "--topic", "convolutions"], "unknown topic 'convolutions'")],
    ids=["missing-file", "unknown-topic"],
)  # fmt: skip
def test_bad_input_is_one_error_line(args: list[str], needle: str) -> None:
    done = subprocess.run([sys.executable, "-m", "grader.devrun", *args], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert done.returncode == 2, done.stderr
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith("error: ") and needle in line, line
