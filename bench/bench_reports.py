"""The reports of a graded class (``write_class_reports``: per-student files, grades.csv, the
class report with its plots and the similarity check) from the counting grades of a gradebook,
written with one process and with ``--workers`` processes, in turn.

Run: ``.venv/bin/python bench/bench_autograde.py --grade 100 --nbgrader 0 --check 0 --work W``
first (it leaves ``W/autograde-out/gradebook.sqlite``), then
``.venv/bin/python bench/bench_reports.py W/autograde-out/gradebook.sqlite --runs 3``. Prints
each run's wall clock and the medians."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from grader.course import load_course  # noqa: E402
from grader.reports import write_class_reports  # noqa: E402

COUNTING = """select students.name, runs.report from runs join submissions on runs.submission_id = submissions.id
join students on submissions.student_id = students.id where runs.counts order by students.name"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("gradebook", type=Path, help="a SQLite gradebook of `dlgrade autograde`")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    with sqlite3.connect(f"file:{args.gradebook}?mode=ro", uri=True) as book:
        results = [(name, json.loads(report)) for name, report in book.execute(COUNTING)]
    course = load_course(ROOT)
    seconds: dict[int, list[float]] = {1: [], args.workers: []}
    with tempfile.TemporaryDirectory() as scratch:
        for run in range(args.runs):
            for workers in seconds:
                out = Path(scratch) / f"out{workers}"
                shutil.rmtree(out, ignore_errors=True)
                started = time.perf_counter()
                written = write_class_reports(out, results, "en", course, workers=workers)
                seconds[workers].append(time.perf_counter() - started)
                print(f"run {run + 1}, {workers} process(es): {seconds[workers][-1]:.2f} s, {len(written)} files "
                      f"(load {os.getloadavg()[0]:.1f})", flush=True)  # fmt: skip
    for workers, taken in seconds.items():
        print(f"{len(results)} students, {workers} process(es): median {statistics.median(taken):.2f} s")


if __name__ == "__main__":
    main()
