"""Authoring shortcut: ``python -m grader.devrun FILE.py --topic T [--suite hidden|public]``
grades one file through the real jail and prints a compact line per test."""

from __future__ import annotations

import argparse
from pathlib import Path

from grader.command import handles_errors
from grader.course import load_course
from grader.errors import UsageError
from grader.runner import run_session
from grader.submission import load_submission


@handles_errors  # one error: line and the exit code of every dlgrade command
def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m grader.devrun")
    parser.add_argument("file", type=Path)
    parser.add_argument("--topic", required=True)
    parser.add_argument("--suite", choices=("hidden", "public"), default="hidden")
    options = parser.parse_args()
    course = load_course()
    if options.topic not in course.topics:
        raise UsageError(f"unknown topic {options.topic!r}; the course's topics: {', '.join(course.topics)}")
    (report,) = run_session(course, [load_submission(options.file, options.topic)],
                            topics=(options.topic,), kind=options.suite)  # fmt: skip
    for topic in report.topics:
        print(f"{topic.topic}: {topic.score:g}/{topic.max_score:g} [{topic.status}] {topic.message}")
        for test in topic.tests:
            print(f"  {test.outcome:13} {test.points:g}/{test.max_points:g} {test.name}: {test.message}")


if __name__ == "__main__":
    main()
