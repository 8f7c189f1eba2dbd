"""A grading session in its steady state: one process grades N copies of a whole submission
(all six topics) in one session, as each worker of ``dlgrade autograde`` does; the first two
are dropped (the zygote's start, pytest's collection, the first timings of ``timing.once``).

Run: ``.venv/bin/python bench/bench_steady.py --copies 8 --runs 3``. Prints, per run, the wall
clock per submission, the grading process's CPU per submission and the jails' CPU (from the
reports), then their medians. Pair it with another commit by running it in both checkouts
one after the other, several times (the machine is shared)."""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from grader.course import load_course  # noqa: E402
from grader.runner import run_session  # noqa: E402
from grader.submission import load_submission  # noqa: E402

DROPPED = 2


def one_run(copies: int, sample: Path) -> tuple[float, float, float]:
    course = load_course(ROOT)
    submissions = [load_submission(sample) for _ in range(copies + DROPPED)]
    marks: list[tuple[float, float]] = []
    jails: list[float] = []

    def on_report(report) -> None:  # noqa: ANN001
        marks.append((time.perf_counter(), time.process_time()))
        jails.append(sum(topic.resources.get("cpu_seconds", 0.0) for topic in report.topics if topic.resources))

    run_session(course, submissions, lang="en", on_report=on_report, keep_reports=False)
    (wall0, cpu0), (wall1, cpu1) = marks[DROPPED - 1], marks[-1]
    return (wall1 - wall0) / copies, (cpu1 - cpu0) / copies, statistics.fmean(jails[DROPPED:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=8, help="submissions measured per run (after 2 dropped)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sample", type=Path, default=ROOT / "course" / "samples" / "anna.zip")
    args = parser.parse_args()
    rows = []
    for run in range(args.runs):
        wall, cpu, jail = one_run(args.copies, args.sample)
        rows.append((wall, cpu, jail))
        print(f"run {run + 1}: wall {wall:.3f} s/sub, grader CPU {cpu:.3f} s/sub, jails' CPU {jail:.3f} s/sub "
              f"(load {os.getloadavg()[0]:.1f})", flush=True)  # fmt: skip
    wall, cpu, jail = (statistics.median(column) for column in zip(*rows))
    print(f"median of {args.runs}: wall {wall:.3f} s/sub, grader CPU {cpu:.3f} s/sub, jails' CPU {jail:.3f} s/sub")


if __name__ == "__main__":
    main()
