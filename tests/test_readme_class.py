"""The README's autograde command, as written there: the shipped sample class autograded in one
command, its reports where the README says, the class report at the path it tells to open."""

from __future__ import annotations

import os
import re
import shlex
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
ENV = {k: v for k, v in os.environ.items() if not k.startswith("DLGRADE_")}


@pytest.mark.slow
def test_the_readme_autogrades_the_sample_class(tmp_path: Path) -> None:
    (line,) = [line for line in README.splitlines() if "dlgrade autograde course/samples" in line]
    command = shlex.split(line.split("&&")[-1])  # after its `pip install` of the reports extra
    assert command[0] == ".venv/bin/dlgrade", command
    out = command[command.index("--out") + 1]
    (opened,) = re.findall(r"xdg-open (\S+)", README)
    assert opened.startswith(out + "/")
    # as written, run in a folder that looks like the clone (its course/), so class-out/ lands there
    (tmp_path / "course").symlink_to(ROOT / "course")
    done = subprocess.run([sys.executable, "-m", "grader.cli", *command[1:]], capture_output=True, text=True,
                          cwd=tmp_path, env=ENV | {"PYTHONPATH": str(ROOT)}, timeout=600)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    assert str(Path(out) / "class" / "index.html") in done.stdout.splitlines()  # the path it prints
    page = tmp_path / opened
    assert page.is_file() and "<html" in page.read_text(encoding="utf-8").lower()
    for named in ("gradebook.sqlite", "grades.csv", "students"):  # what the README says is there
        assert named in README and (tmp_path / out / named).exists(), named
    with sqlite3.connect(tmp_path / out / "gradebook.sqlite") as connection:
        students = {row[0] for row in connection.execute("SELECT name FROM students")}
    assert students == {p.stem for p in (ROOT / "course" / "samples").glob("*.zip")}
