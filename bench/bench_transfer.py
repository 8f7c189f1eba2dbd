"""What one jail call costs in CPU on each side: a call with a small array, one whose reply is a
large array, one whose argument is, and one with both; the grading side's CPU
(``time.process_time``) and the job's (its cgroup, or /proc), per call, through the real jail
(a bubblewrap zygote, a forked worker, the job's arena and socket).

Run: ``.venv/bin/python bench/bench_transfer.py --values 584000 --runs 7``. Prints the median of
``--runs`` batches of 20 calls each. Pair it with another commit by running it in both
checkouts one after the other (the machine is shared)."""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from grader.proxy import StudentModule, TopicJail  # noqa: E402
from grader.sandbox import Limits, Sandbox  # noqa: E402

MODULE = """
import numpy as np

def tiny(x):
    return x

def out_big(n):
    return np.zeros(n)

def in_big(x):
    return 0.0

def both(x):
    return x * 2
"""
CALLS = 20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--values", type=int, default=584_000, help="float64 values of the large arrays")
    parser.add_argument("--runs", type=int, default=7)
    options = parser.parse_args()
    big = np.ones(options.values)
    cases = (("tiny", (np.ones(10),)), ("out_big", (options.values,)), ("in_big", (big,)), ("both", (big,)))
    print(f"per call, median of {options.runs} x {CALLS} calls, {big.nbytes / 1e6:.2f} MB arrays:")
    with Sandbox(Limits()) as box:
        jail = TopicJail("mod", {"mod.py": MODULE}, box, time.monotonic() + 3600)
        student = StudentModule(jail)
        try:
            for name, args in cases:
                ours, theirs = [], []
                getattr(student, name)(*args)  # the worker's first big buffers: not what is measured
                for _ in range(options.runs):
                    job = jail.ensure_job()
                    started, jail_started = time.process_time(), job.cpu_seconds()
                    for _ in range(CALLS):
                        getattr(student, name)(*args)
                    ours.append((time.process_time() - started) / CALLS * 1e6)
                    theirs.append((job.cpu_seconds() - jail_started) / CALLS * 1e6)
                print(f"  {name:8s} grading side {statistics.median(ours):7.0f} us   jail {statistics.median(theirs):7.0f} us")
        finally:
            jail.close()


if __name__ == "__main__":
    main()
