"""The ordinary user's path: ``dlgrade grade`` on a course sample, run by a user that is not
root (``dlgtest``, made with useradd, as in test_jail_seal.py). Such a user may create no
cgroup, so without a delegated subtree the strong jail has no job-wide memory bound: grade
refuses with one ``error:`` line that says what to do, ``DLGRADE_CGROUPS=optional`` grades
and the report says which protections are missing, and ``dlgrade doctor`` says the same."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest
from test_jail_seal import ROOT, _as_user, _user_ready

from grader.sandbox import detect_mode

SAMPLE = ROOT / "course" / "samples" / "anna.zip"  # the course's own reference sample

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def user() -> None:
    if not shutil.which("useradd"):
        pytest.skip("useradd is not available here")
    why = _user_ready()
    if why:
        pytest.skip(why)
    if detect_mode() != "bwrap":
        pytest.skip("bubblewrap is not usable here")


def as_user(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DLGRADE_")}
    command = _as_user([sys.executable, "-m", "grader.cli", *args], ROOT)
    return subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=ROOT,
                          env={**clean, "PYTHONPATH": str(ROOT), **(env or {})})  # fmt: skip


@pytest.fixture(scope="module")
def doctor(user: None) -> dict:
    done = as_user("doctor", "--format", "json")
    assert done.returncode == 0, done.stderr[-2000:]
    facts = json.loads(done.stdout)
    if facts["job_memory_bound"]:
        pytest.skip("this user has a delegated cgroup: nothing is refused")
    return facts


def test_grade_refuses_without_a_job_memory_bound_and_says_what_to_do(doctor: dict) -> None:
    done = as_user("grade", str(SAMPLE), "--topic", "activations", "--format", "json")
    assert done.returncode == 2 and done.stdout == ""
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith("error: ") and "job-wide memory bound" in line
    assert "DLGRADE_CGROUPS=optional" in line and "DLGRADE_CGROUP_ROOT" in line


def test_doctor_says_the_same(doctor: dict) -> None:
    assert doctor["job_memory_bound"] is False and doctor["cgroup"] is None
    (advice,) = [line for line in doctor["lines"] if "why not" in line]
    assert doctor["cgroup_problem"] in advice
    assert "DLGRADE_CGROUP_ROOT" in advice and "DLGRADE_CGROUPS=optional" in advice
    assert any("✗" in line and "unprivileged uid" in line for line in doctor["lines"])


def test_opting_out_grades_in_full_and_the_report_names_what_is_missing(doctor: dict) -> None:
    optional = {"DLGRADE_CGROUPS": "optional"}
    done = as_user("grade", str(SAMPLE), "--topic", "activations", "--format", "json", env=optional)
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout)
    assert report["score"] == report["max_score"] > 0
    protections = report["protections"]
    assert protections["jail"] == "bwrap" and protections["seccomp"] is True
    assert protections["job_memory_bound"] is False and protections["cgroup"] is None
    assert protections["cgroup_problem"] == doctor["cgroup_problem"]
    assert protections["unprivileged_uid"] is False  # the grader's own uid, in a user namespace
    text = as_user("grade", str(SAMPLE), "--topic", "activations", "--lang", "en", env=optional)
    assert text.returncode == 0, text.stderr[-2000:]
    (jail,) = [line for line in text.stdout.replace("\n", " ").split("activations:")[:1]]
    missing = jail.split("missing:", 1)[1]
    for name in ("job memory bound", "job process bound", "unprivileged uid"):
        assert name in " ".join(missing.split()), jail
