"""Benchmark: every student's full quiz (all topics with a bank), 1,000 students.

    .venv/bin/python bench/quiz_render.py [--students 1000] [--runs 5]

For each output (the variants alone, Markdown, standalone HTML with MathML, JSON) it builds
and renders the quizzes of all students, several times, and prints the first (cold caches)
and the median wall time. Banks are loaded (and checked) once, outside the timings.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from grader.course import load_course  # noqa: E402
from grader.quiz import markup  # noqa: E402
from grader.quiz.config import quiz_config  # noqa: E402
from grader.quiz.engine import load_banks, student_quiz  # noqa: E402
from grader.quiz.writers.student import quiz_html, quiz_json, quiz_markdown  # noqa: E402


def run(students: list[str], banks, config, fmt: str) -> int:
    size = 0
    for sid in students:
        quizzes = [student_quiz(b, sid, config.lang, config) for b in banks.values()]
        if fmt == "html":
            size += len(quiz_html(quizzes))
        elif fmt == "md":
            size += sum(len(quiz_markdown(q)) for q in quizzes)
        elif fmt == "json":
            size += sum(len(json.dumps(quiz_json(q), ensure_ascii=False)) for q in quizzes)
    return size


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--students", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    config = quiz_config(load_course(ROOT))
    t = time.perf_counter()
    banks = load_banks(config, "all")
    load = time.perf_counter() - t
    students = [f"student{i:05d}" for i in range(args.students)]
    n_items = sum(len(student_quiz(b, "x", config.lang, config).items) for b in banks.values())
    print(
        f"banks: {', '.join(banks)}; {n_items} questions per student; "
        f"{args.students} students; loading and checking the banks: {load:.2f} s"
    )
    print(f"{'output':<10}{'first run s':>13}{'median s':>11}{'per student ms':>16}{'MB':>8}")
    for fmt in ("variants", "md", "html", "json"):
        markup.to_html.cache_clear()
        markup.mathml.cache_clear()
        times, size = [], 0
        for _ in range(args.runs):
            t = time.perf_counter()
            size = run(students, banks, config, fmt)
            times.append(time.perf_counter() - t)
        med = statistics.median(times)
        print(f"{fmt:<10}{times[0]:>13.2f}{med:>11.2f}{med / args.students * 1000:>16.2f}{size / 1e6:>8.1f}")


if __name__ == "__main__":
    main()
