"""Behaviour of a grading run that is not about one topic: the weaker jail where bubblewrap is
missing, warnings as hints, the seed in the text report."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENV = {**os.environ, "DLGRADE_LIMIT_CALL_SECONDS": "5"}


def dlgrade(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "grader.cli", *args], capture_output=True, text=True,
                          cwd=ROOT, env={**ENV, **(env or {})}, timeout=300)  # fmt: skip


def test_without_bubblewrap_it_still_grades_and_says_what_is_weaker() -> None:
    plain = {"DLGRADE_JAIL": "plain"}
    done = dlgrade("grade", "solutions/dropout.py", "--format", "json", env=plain)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["topics"]["dropout"]["score"] == report["topics"]["dropout"]["max_score"] > 0
    protections = report["protections"]
    assert protections["jail"] == "plain"
    # as root, plain mode's zygote takes a network namespace of its own (grader/jail/agent.py)
    root = os.geteuid() == 0
    assert protections["network"] is root and protections["private_filesystem"] is False
    doctor = dlgrade("doctor", env=plain)
    assert doctor.returncode == 0
    assert "weaker guarantees" in doctor.stdout and f"{'✓' if root else '✗'} no network" in doctor.stdout


def test_with_bubblewrap_the_report_says_so() -> None:
    done = dlgrade("grade", "solutions/dropout.py", "--topic", "dropout", "--format", "json")
    protections = json.loads(done.stdout)["protections"]
    assert protections["jail"] == "bwrap", "bubblewrap is installed by .ci/run and must be used"
    assert protections["network"] and protections["pid_namespace"] and protections["course_hidden"]
    assert protections["limits"]["call_seconds"] == 5  # the environment's override is reported


def test_warnings_are_hints_and_cost_nothing(tmp_path: Path) -> None:
    # the textbook sigmoid overflows in exp() for very negative x: a RuntimeWarning, right values
    text = (ROOT / "solutions" / "activations.py").read_text(encoding="utf-8")
    text += "\n\ndef sigmoid(x):\n    return 1.0 / (1.0 + np.exp(-x))\n"
    submission = tmp_path / "activations.py"
    submission.write_text(text, encoding="utf-8")
    done = dlgrade("grade", str(submission), "--format", "json", "--lang", "en")
    topic = json.loads(done.stdout)["topics"]["activations"]
    assert topic["score"] == topic["max_score"]
    assert any("RuntimeWarning" in warning and "overflow" in warning for warning in topic["warnings"])


def test_the_text_report_prints_the_seed_that_replays_it() -> None:
    done = dlgrade("grade", "solutions/dropout.py", "--topic", "dropout", "--seed", "77", "--lang", "en")
    assert done.returncode == 0
    assert "seed 77" in done.stdout


def test_check_says_the_public_checks_are_not_the_grade() -> None:
    done = dlgrade("check", "activations", "--path", "solutions", "--lang", "en")
    assert done.returncode == 0, done.stderr
    assert "public checks only" in done.stdout
    stub = dlgrade("check", "activations", "--lang", "ru")  # the stubs in exercises/
    assert stub.returncode == 1
    assert "только открытые проверки" in stub.stdout


def test_a_module_that_does_not_load_loses_every_test_with_the_reason_at_no_cost(tmp_path: Path) -> None:
    """A syntax error, an exception at import, a hang at import: every test of the topic is an
    error that says why (the one message each would have stopped at), none is run (no inputs
    drawn, no reference computed), and the other topics are graded as usual."""
    cases = {
        "syntax": ("def relu(x) return x\n", "SyntaxError"),
        "raises": ("import numpy as np\nraise RuntimeError('not yet')\n", "RuntimeError"),
        "hangs": ("while True:\n    pass\n", "did not finish within 2 s"),
    }
    for case, (code, says) in cases.items():
        archive = tmp_path / f"{case}.zip"
        with zipfile.ZipFile(archive, "w") as bundle:
            bundle.writestr("activations.py", code)
            bundle.write(ROOT / "solutions" / "dropout.py", "dropout.py")
        done = dlgrade("grade", str(archive), "--format", "json", "--lang", "en", env={"DLGRADE_LIMIT_LOAD_SECONDS": "2"})
        report = json.loads(done.stdout)
        tests = report["topics"]["activations"]["tests"]
        assert len(tests) > 50 and {t["outcome"] for t in tests} == {"error"}, case
        assert {t["message"] for t in tests} == {report["topics"]["activations"]["message"]}, case
        assert says in tests[0]["message"], (case, tests[0]["message"])
        assert sum(t["seconds"] for t in tests) == 0, case
        assert report["topics"]["dropout"]["score"] == report["topics"]["dropout"]["max_score"], case
