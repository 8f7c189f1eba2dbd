"""`dlgrade validate`: the course as shipped is consistent, and a broken copy is caught."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def validate(root: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "DLGRADE_COURSE": str(root), "DLGRADE_LIMIT_CALL_SECONDS": "5"}
    return subprocess.run([sys.executable, "-m", "grader.cli", "validate"], capture_output=True,
                          text=True, cwd=root, env=env, timeout=600)  # fmt: skip


def test_the_shipped_course_validates() -> None:
    done = validate(ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "consistent" in done.stdout


def test_a_broken_copy_is_caught(tmp_path: Path) -> None:
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
    done = validate(tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "exercises/dropout.py is out of sync" in done.stdout
    assert "hidden dropout." in done.stdout and "the reference gets fail" in done.stdout
