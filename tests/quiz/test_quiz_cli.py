"""``dlgrade quiz`` end to end through click: render, export, grade, check; errors exit 2."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

from click.testing import CliRunner
from quiz_paths import COURSE, ROOT

from grader.quiz.cli import quiz


def run(*args: str):
    return CliRunner().invoke(quiz, [*args, "--course", str(COURSE)])


def test_render_formats():
    md = run("render", "activations", "--student", "ivanov", "--format", "md", "--lang", "en")
    assert md.exit_code == 0, md.output
    assert md.output.startswith("# Quiz: Activation functions")
    page = run("render", "activations", "--student", "ivanov", "--format", "html")
    assert page.exit_code == 0 and page.output.startswith("<!DOCTYPE html>")
    data = json.loads(run("render", "activations", "--student", "ivanov", "--format", "json").output)
    assert data["student"] == "ivanov" and len(data["items"]) == 8
    both = run("render", "all", "--student", "ivanov", "--format", "json")
    assert both.exit_code == 0


def test_render_many_students_to_a_folder(tmp_path):
    students = tmp_path / "students.csv"
    students.write_text("student\nanna\nboris\n")
    r = run("render", "activations", "--students", str(students), "--format", "html", "--out", str(tmp_path / "out"))
    assert r.exit_code == 0, r.output
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["anna.activations.html", "boris.activations.html"]


def test_export_every_format(tmp_path):
    for fmt, name in [
        ("gift", "activations.gift.txt"),
        ("moodle", "activations.moodle.xml"),
        ("qti", "activations.qti.zip"),
        ("olx", "course.olx.tar.gz"),
    ]:
        r = run("export", "--format", fmt, "--topic", "activations", "--variants", "3", "--out", str(tmp_path))
        assert r.exit_code == 0, r.output
        assert (tmp_path / name).stat().st_size > 1000
        assert (tmp_path / f"variants-{fmt}.csv").exists()
    assert "net_correct" in (tmp_path / "NOTES-olx.txt").read_text()


def test_grade_the_key_gets_full_marks(tmp_path):
    key = json.loads(run("render", "activations", "--student", "vera", "--format", "json", "--with-key").output)
    rows = []
    for item in key["items"]:
        answer = item["key"]
        if item["type"] == "numeric":
            answer = str(answer["value"]).replace(".", ",")
        elif item["type"] == "short":
            answer = answer[0]
        rows.append({"student": "vera", "question": item["question"], "answer": answer})
    path = tmp_path / "r.json"
    path.write_text(json.dumps(rows))
    r = run("grade", str(path), "--format", "json")
    assert r.exit_code == 0, r.output
    report = json.loads(r.output)["reports"]["vera"]
    assert report["score"] == report["max_score"] == 8
    csv_out = run("grade", str(path), "--format", "csv")
    assert "vera,quiz:activations,8,8" in csv_out.output


def test_check_passes():
    r = run("check", "activations", "--draws", "300")
    assert r.exit_code == 0, r.output


def test_malformed_bank_exits_2(tmp_path):
    course = tmp_path / "course"
    shutil.copytree(COURSE / "activations", course / "activations", ignore=shutil.ignore_patterns("hidden", "public"))
    shutil.copy(COURSE / "course.toml", course / "course.toml")
    bank = course / "activations" / "quiz.yaml"
    bank.write_text(bank.read_text(encoding="utf-8").replace("decimals: 4", "decimals: 2", 1), encoding="utf-8")
    r = CliRunner().invoke(quiz, ["render", "activations", "--student", "x", "--course", str(course)])
    assert r.exit_code == 2
    assert "quiz.yaml" in r.output and "question 'sigmoid_grad_value'" in r.output
    assert "outside its own tolerance" in r.output


def test_usage_errors_exit_2():
    assert run("render", "nosuchtopic", "--student", "x").exit_code == 2
    assert run("render", "activations").exit_code == 2


# a machine with the grader but not the quiz extra: jinja2 cannot be imported
WITHOUT_JINJA = """
import sys
sys.modules["jinja2"] = None  # `import jinja2` now raises ImportError, as if not installed
from grader.cli import main
sys.argv = ["dlgrade", *sys.argv[1:]]
main()
"""


def _dlgrade_without_jinja(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", WITHOUT_JINJA, *args], capture_output=True, text=True,
                          cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=120)  # fmt: skip


def test_a_missing_quiz_extra_says_what_to_install():
    done = _dlgrade_without_jinja("quiz", "render", "activations", "--student", "x")
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stderr.strip().splitlines() == [
        "error: the quiz commands need jinja2, which is not installed: pip install 'dlgrade[quiz]'"
    ]


def test_the_grader_runs_without_the_quiz_extra():
    done = _dlgrade_without_jinja("--help")
    assert done.returncode == 0, done.stderr
    assert "quiz" in done.stdout and "grade" in done.stdout
    assert _dlgrade_without_jinja("quiz", "render", "--help").returncode == 0


def test_the_olx_export_is_named_after_the_course(tmp_path):
    """[course] name is what Open edX shows as the course's name."""
    import tarfile

    from grader.course import load_course

    r = run("export", "--format", "olx", "--topic", "dropout", "--variants", "1", "--out", str(tmp_path))
    assert r.exit_code == 0, r.output
    with tarfile.open(tmp_path / "course.olx.tar.gz") as archive:
        name = next(n for n in archive.getnames() if n.endswith("/policy.json"))
        policy = json.loads(archive.extractfile(name).read())  # type: ignore[union-attr]
    (settings,) = policy.values()
    assert settings["display_name"] == load_course(ROOT).name


def test_files_that_are_not_utf8_are_one_clear_error(tmp_path):
    """A responses file, a students list or a bank saved in another encoding: exit 2, the file
    named and what to do, never the grader's internal error (exit 3)."""
    latin1 = "student,question,answer\nJosé,elu_negative_value,1\n".encode("latin-1")
    (tmp_path / "responses.csv").write_bytes(latin1)
    (tmp_path / "students.csv").write_bytes("José\n".encode("latin-1"))
    course = tmp_path / "course"
    shutil.copytree(COURSE / "activations", course / "activations", ignore=shutil.ignore_patterns("hidden", "public"))
    shutil.copy(COURSE / "course.toml", course / "course.toml")
    bank = course / "activations" / "quiz.yaml"
    bank.write_bytes(bank.read_text(encoding="utf-8").encode("cp1251", errors="replace"))
    runs = {
        "responses.csv": run("grade", str(tmp_path / "responses.csv")),
        "students.csv": run("render", "activations", "--students", str(tmp_path / "students.csv"), "--out", str(tmp_path)),
        "quiz.yaml": CliRunner().invoke(quiz, ["render", "activations", "--student", "x", "--course", str(course)]),
    }
    for name, r in runs.items():
        assert r.exit_code == 2, (name, r.output)
        assert name in r.output and "UTF-8" in r.output, (name, r.output)
