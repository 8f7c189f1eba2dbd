"""``dlgrade autograde --nbgrader COURSE_DIR`` (issue 10, item 3): the scores in an nbgrader
course's own gradebook, read back by real nbgrader 0.9.6 (`nbgrader export`, its CLI)."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest

from grader import notebooks

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
ENV = {**os.environ, "DLGRADE_LIMIT_CALL_SECONDS": "3", "DLGRADE_LIMIT_LOAD_SECONDS": "3",
       "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}", "PYTHONPATH": str(ROOT)}  # fmt: skip
ENV.pop("DLGRADE_SEED", None)
CLASS = {  # student -> the dropout module they hand in
    "ada": "solutions/dropout.py",
    "bob": "tests/corpus/dropout/wrong/backward_forgets_scale.py",
    "cyd": "exercises/dropout.py",
}


def _run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(args), capture_output=True, text=True, cwd=cwd, env=ENV, timeout=600)


def _nbgrader_course(folder: Path) -> Path:
    folder.mkdir(parents=True)
    (folder / "nbgrader_config.py").write_text(
        f"c = get_config()\nc.CourseDirectory.root = {str(folder)!r}\nc.CourseDirectory.course_id = 'dl'\n",
        encoding="utf-8",
    )
    return folder


@pytest.mark.slow
def test_autograde_writes_nbgraders_gradebook_and_nbgrader_exports_it(tmp_path: Path) -> None:
    pytest.importorskip("nbgrader")
    course_dir = _nbgrader_course(tmp_path / "nbcourse")
    # the instructor's assignment was made by nbgrader from grader.notebooks' source notebook:
    # dlgrade must fill in nbgrader's own grade cells, not add cells of its own
    notebooks.write_source_notebooks(ROOT, course_dir / "source", ("dropout",))
    made = _run(str(VENV_BIN / "nbgrader"), "generate_assignment", "dropout", "--force", cwd=course_dir)
    assert made.returncode == 0, made.stderr[-2000:]
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course_dir / 'gradebook.db'}") as book:
        cells_before = {c.name: c.max_score for c in book.find_notebook("dropout", "dropout").grade_cells}
    for student, module in CLASS.items():
        (tmp_path / "class" / student).mkdir(parents=True)
        (tmp_path / "class" / student / "dropout.py").write_text((ROOT / module).read_text(encoding="utf-8"))
    out = tmp_path / "out"
    done = _run(sys.executable, "-m", "grader.cli", "autograde", str(tmp_path / "class"), "--out", str(out),
                "--topic", "dropout", "--nbgrader", str(course_dir))  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    assert "nbgrader: 3 notebooks of 3 students" in done.stderr

    with Gradebook(f"sqlite:///{course_dir / 'gradebook.db'}") as book:
        cells_after = {c.name: c.max_score for c in book.find_notebook("dropout", "dropout").grade_cells}
    assert cells_after == cells_before  # the same grade_ids: no cell added, none changed

    exported = _run(str(VENV_BIN / "nbgrader"), "export", "--to", str(tmp_path / "grades.csv"), cwd=course_dir)
    assert exported.returncode == 0, exported.stderr[-2000:]
    rows = {r["student_id"]: r for r in csv.DictReader((tmp_path / "grades.csv").open()) if r["assignment"] == "dropout"}
    ours = {}
    for line in (out / "grades.csv").read_text(encoding="utf-8").splitlines()[1:]:
        student, *scores = line.split(",")
        ours[student] = float(scores[0])
    assert set(rows) == set(CLASS)
    for student in CLASS:
        assert float(rows[student]["score"]) == pytest.approx(ours[student]), student
        assert float(rows[student]["max_score"]) == pytest.approx(36.0)
    assert ours["ada"] == 36.0 and 0 < ours["bob"] < 36.0 and ours["cyd"] == 0.0

    # graded again after a fix: nbgrader's score follows, still one submission per student
    (tmp_path / "class" / "bob" / "dropout.py").write_text((ROOT / CLASS["ada"]).read_text(encoding="utf-8"))
    again = _run(sys.executable, "-m", "grader.cli", "autograde", str(tmp_path / "class"), "--out", str(out),
                 "--topic", "dropout", "--nbgrader", str(course_dir))  # fmt: skip
    assert again.returncode == 0, again.stderr[-3000:]
    with Gradebook(f"sqlite:///{course_dir / 'gradebook.db'}") as book:
        assert book.find_submission("dropout", "bob").score == pytest.approx(36.0)
        assert len(book.assignment_submissions("dropout")) == 3


def test_nbgrader_folder_that_is_no_course_is_one_error_line(tmp_path: Path) -> None:
    (tmp_path / "class" / "ada").mkdir(parents=True)
    (tmp_path / "class" / "ada" / "dropout.py").write_text("x = 1\n")
    (tmp_path / "empty").mkdir()
    for given in (tmp_path / "nowhere", tmp_path / "empty"):
        done = _run(sys.executable, "-m", "grader.cli", "autograde", str(tmp_path / "class"), "--out",
                    str(tmp_path / "out"), "--nbgrader", str(given))  # fmt: skip
        assert done.returncode == 2, done.stderr
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        assert len(lines) == 1 and lines[0].startswith("error: --nbgrader"), done.stderr
        assert not (tmp_path / "out" / "gradebook.sqlite").exists()  # refused before any grading


@pytest.mark.slow
def test_the_courses_own_db_url_is_the_gradebook_written(tmp_path: Path) -> None:
    """An nbgrader course whose nbgrader_config.py keeps its gradebook elsewhere: the scores go
    there (where formgrader and `nbgrader export` look), not to COURSE_DIR/gradebook.db."""
    pytest.importorskip("nbgrader")
    course_dir = _nbgrader_course(tmp_path / "nbcourse")
    elsewhere = tmp_path / "books" / "dl.db"
    elsewhere.parent.mkdir()
    with (course_dir / "nbgrader_config.py").open("a", encoding="utf-8") as config:
        config.write(f"c.CourseDirectory.db_url = 'sqlite:///{elsewhere}'\n")
    (tmp_path / "class" / "ada").mkdir(parents=True)
    (tmp_path / "class" / "ada" / "dropout.py").write_text((ROOT / CLASS["ada"]).read_text(encoding="utf-8"))
    done = _run(sys.executable, "-m", "grader.cli", "autograde", str(tmp_path / "class"), "--out",
                str(tmp_path / "out"), "--topic", "dropout", "--nbgrader", str(course_dir))  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    assert str(elsewhere) in done.stderr.replace("\n", "")
    assert not (course_dir / "gradebook.db").exists()
    exported = _run(str(VENV_BIN / "nbgrader"), "export", "--to", str(tmp_path / "grades.csv"), cwd=course_dir)
    assert exported.returncode == 0, exported.stderr[-2000:]
    (row,) = [r for r in csv.DictReader((tmp_path / "grades.csv").open()) if r["assignment"] == "dropout"]
    assert row["student_id"] == "ada" and float(row["score"]) == pytest.approx(36.0)


def test_an_nbgrader_config_that_fails_is_one_error_line(tmp_path: Path) -> None:
    pytest.importorskip("nbgrader")
    course_dir = _nbgrader_course(tmp_path / "nbcourse")
    with (course_dir / "nbgrader_config.py").open("a", encoding="utf-8") as config:
        config.write("c.CourseDirectory.db_url = undefined_name\n")
    (tmp_path / "class" / "ada").mkdir(parents=True)
    (tmp_path / "class" / "ada" / "dropout.py").write_text("x = 1\n")
    done = _run(sys.executable, "-m", "grader.cli", "autograde", str(tmp_path / "class"), "--out",
                str(tmp_path / "out"), "--nbgrader", str(course_dir))  # fmt: skip
    assert done.returncode == 2, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "nbgrader_config.py fails" in lines[0] and "NameError" in lines[0], done.stderr
