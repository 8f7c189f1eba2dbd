"""How much the jail costs: start-up per submission, and grading one full submission against a
bare in-process pytest run of the same suite (the floor: no jail, no boundary, no safety).

    .venv/bin/python bench/bench_grading.py [--topic activations] [--runs 7]

Prints medians (and min/max) of several runs, and the ratio to the floor; the machines are
shared and noisy, so compare figures taken side by side in one run, never across runs.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from grader.course import load_course  # noqa: E402
from grader.runner import run_session, seed_for  # noqa: E402
from grader.sandbox import Sandbox  # noqa: E402
from grader.submission import load_submission  # noqa: E402


class InProcessFloor:
    """The floor: the same suite, the student's module imported into the test process."""

    def __init__(self, module, run_seed: int):
        self.module = module
        self.run_seed = run_seed

    @pytest.fixture
    def student(self):
        module = self.module

        class Direct:
            def __getattr__(self, name):
                return getattr(module, name)

            def cpu_time(self, fn, *args, **kwargs):
                start = time.thread_time()
                result = getattr(module, fn)(*args, **kwargs)
                return result, time.thread_time() - start

        return Direct()

    @pytest.fixture
    def seed(self, request):
        return seed_for(self.run_seed, request.node.name)

    @pytest.fixture
    def rng(self, seed):
        return np.random.default_rng(seed)

    def pytest_configure(self, config):
        config.addinivalue_line("markers", "points(n): points")


def timed(fn, runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return samples


def show(label: str, samples: list[float], floor: float | None = None) -> float:
    median = statistics.median(samples)
    ratio = f"   {median / floor:5.2f}× the floor" if floor else ""
    print(f"{label:58} median {median * 1000:8.1f} ms  (min {min(samples) * 1000:.1f}, "
          f"max {max(samples) * 1000:.1f}, n={len(samples)}){ratio}")  # fmt: skip
    return median


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--topic", default="activations")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--batch", type=int, default=10)
    options = parser.parse_args()
    course = load_course(ROOT)
    topic = options.topic
    solution_file = ROOT / "solutions" / f"{topic}.py"
    submission = load_submission(solution_file, topic)
    suite = course.suite(topic)
    print(f"topic {topic}; suite {suite.relative_to(ROOT)}; jail mode {Sandbox().mode}; "
          f"{os.cpu_count()} cores\n")  # fmt: skip

    # 1. start-up: a zygote once, then a worker per submission (fork + import of the module)
    def cold_start():
        with Sandbox(course.limits) as fresh:
            fresh.spawn().close()  # ready only once the zygote has imported NumPy and forked

    cold = timed(cold_start, options.runs)
    with Sandbox(course.limits) as sandbox:
        sandbox.spawn().close()  # warm

        def start_worker():
            job = sandbox.spawn()
            job.request({"op": "load", "files": submission.files_for(topic), "module": topic}, 10)
            job.close()

        warm = timed(start_worker, options.runs * 3)
    show("zygote cold start, to its first worker (once per process)", cold)
    show("jail start-up per submission (fork, import, stop)", warm)
    print()

    # 2. one submission, end to end inside a session, against the floor
    module = importlib.import_module(f"solutions.{topic}")
    args = ["-c", os.devnull, "--rootdir", str(ROOT), "--import-mode=importlib", "-p",
            "no:cacheprovider", "-qq", "--no-header", "-s", str(suite)]  # fmt: skip

    def floor_run():
        with open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink):
            pytest.main(args, plugins=[InProcessFloor(module, course.seed)])

    def jail_run():
        with open(os.devnull, "w") as sink, contextlib.redirect_stderr(sink):
            run_session(course, [submission], topics=(topic,))

    def jail_batch():
        with open(os.devnull, "w") as sink, contextlib.redirect_stderr(sink):
            run_session(course, [submission] * options.batch, topics=(topic,))

    floor_run(), jail_run()  # warm both: imports, page cache
    floor, graded = [], []
    for _ in range(options.runs):  # interleaved, so load on the machine hits both alike
        floor += timed(floor_run, 1)
        graded += timed(jail_run, 1)
    floor_median = show("floor: bare in-process pytest, one submission", floor)
    show("dlgrade: one submission in a fresh session (jail, zygote)", graded, floor_median)
    batch = [t / options.batch for t in timed(jail_batch, max(3, options.runs // 2))]
    show(f"dlgrade: per submission in a batch of {options.batch}", batch, floor_median)


if __name__ == "__main__":
    main()
