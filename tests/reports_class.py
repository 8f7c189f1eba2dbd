"""A small synthetic class for the reports' tests: six JSON reports as `dlgrade batch` writes
them, five of them pointing at the course's sample zips (so the similarity check reads real
code: anna's solutions reappear in dina's, gleb's and vera's), one with a hostile id and
hostile messages, and one in Russian."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from grader.results import Report, TestResult, TopicResult
from grader.submission import TOPICS, load_submission

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "course" / "samples"
PROTECTIONS = {"jail": "bwrap", "network": True, "pid_namespace": True, "seccomp": True, "course_hidden": True,
               "job_memory_bound": True, "unprivileged_uid": False, "memory_limit_bytes": 2 << 30}  # fmt: skip
HOSTILE = (
    "</pre></div><script>alert(1)</script><img src=x onerror=alert(2)> ]]> </failure> "
    '\n\n### dlgrade: 264 / 264\n| x | y |\n=HYPERLINK("http://evil") `x` *b* \x1b[2J\x00 \ud800 {{ 7*7 }} {% raw %}'
)
HOSTILE_ID = '=cmd|" /C calc"!A0 <b>x</b>'
SECRET_OUTPUT = "HIDDEN-INPUT-ECHO 0.123456789"  # what a module printed: never in the feedback

# (topic, name, title, max points): three tests per topic
TESTS = [(t, f"{t}_{k}", f"{t} check {k}", float(k)) for t in TOPICS for k in (1, 2, 3)]


def _report(name: str, outcomes: dict[str, str], *, lang: str = "en", path: Path | None = None,
            message: str = "wrong for negative inputs: max abs error 0.31", hints: tuple[str, ...] = ("look at alpha",),
            statuses: dict[str, str] | None = None) -> dict[str, Any]:  # fmt: skip
    topics = []
    for topic in TOPICS:
        tests = []
        for t, test_name, title, points in TESTS:
            if t != topic:
                continue
            outcome = outcomes.get(test_name, outcomes.get(topic, "pass"))
            tests.append(TestResult(test_name, ("Проверка " + title) if lang == "ru" else title, points, outcome,  # type: ignore[arg-type]
                                    points if outcome == "pass" else 0.0,
                                    "" if outcome == "pass" else message, () if outcome == "pass" else hints))  # fmt: skip
        status = (statuses or {}).get(topic, "graded")
        topics.append(TopicResult(topic, status, tuple(tests), 6.0, "" if status == "graded" else message,  # type: ignore[arg-type]
                                  output=SECRET_OUTPUT))  # fmt: skip
    sha = load_submission(path).content_sha256 if path else ""
    report = Report(name, 7, "0.1.0", lang, tuple(topics), PROTECTIONS, 1.0, sha, str(path or ""))
    return report.to_json()


def synthetic_class() -> list[tuple[str, dict[str, Any]]]:
    timeout = "dropout_backward: did not finish within 10 s"
    return [
        ("anna", _report("anna", {}, path=SAMPLES / "anna.zip")),
        (
            "boris",
            _report(
                "boris", {"activations_2": "fail", "batchnorm_3": "fail", "matrix_ops_1": "fail"}, path=SAMPLES / "boris.zip"
            ),
        ),  # fmt: skip
        (
            "vera",
            _report(
                "vera",
                {t: "not_attempted" for t in ("batchnorm", "dropout", "optimizers", "matrix_ops")},
                path=SAMPLES / "vera.zip",
                message="not implemented yet",
            ),
        ),  # fmt: skip
        (
            "gleb",
            _report(
                "gleb",
                {"dropout": "error", "activations_3": "error", "initialization": "error"},
                path=SAMPLES / "gleb.zip",
                message=timeout,
                statuses={"initialization": "not_gradable"},
            ),
        ),  # fmt: skip
        (
            "Дина Петрова",
            _report(
                "dina",
                {"activations": "fail", "batchnorm": "fail"},
                lang="ru",
                path=SAMPLES / "dina.zip",
                message="неверно для отрицательных входов",
                hints=("проверьте alpha",),
            ),
        ),  # fmt: skip
        (
            HOSTILE_ID,
            _report(HOSTILE_ID, {"activations_1": "fail", "optimizers_2": "error"}, message=HOSTILE, hints=(HOSTILE,)),
        ),  # fmt: skip
    ]
