"""A class of generated whole-module submissions through `dlgrade batch`, and the same
submissions through nbgrader 0.9.6's `autograde`, side by side in one run.

    .venv/bin/python bench/bench_autograde.py [--submissions 1000] [--jobs 2] [--nbgrader 20]

The class (made once in --work, then reused): every submission has the six topics' modules,
each its own content (so its own seed). A mix: 45 % correct everywhere (the references and the
corpus's correct-but-unusual variants, tests/corpus/*/correct), 44 % with one to three buggy
modules (tests/corpus/*/wrong: realistic bugs, loops included), 10 % broken (a module with a
syntax error, or one missing) and 1 % hanging (one function loops forever: it costs the call
limit, 10 s of CPU, once).

dlgrade is timed from outside, the real command (`dlgrade batch DIR --jobs N --out`), from its
start to its exit; peak memory is the largest sum of the resident sets of its process tree
(the grader, its pool workers, their zygotes and jails), sampled every 0.2 s. nbgrader runs on
the first --nbgrader submissions of the same class (it takes seconds each: the whole class would
take hours), on notebooks made from the same modules: one notebook per topic whose solution
cell holds the student's module and whose test cells (one per hidden test, with its points)
run the course's hidden tests in the kernel, on nbgrader's default in-process model (no jail);
its time per submission is then multiplied out to the class, and the report says so.
--check K grades K submissions again one at a time (`dlgrade grade`) and compares the scores.
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from grader.course import load_course  # noqa: E402

COURSE = load_course(ROOT)
TOPICS = COURSE.topics
CPU_SECONDS: list[float] = []  # of each timed command, in order
MIX = (("correct", 0.45), ("buggy", 0.44), ("broken", 0.10), ("hanging", 0.01))


# ----------------------------------------------------------------------------- the class
def _variants(topic: str, kind: str) -> list[str]:
    folder = ROOT / "tests" / "corpus" / topic / kind
    texts = [path.read_text(encoding="utf-8") for path in sorted(folder.glob("*.py"))]
    if kind == "correct":
        texts.append((ROOT / "solutions" / f"{topic}.py").read_text(encoding="utf-8"))
    return texts


def _hanging(topic: str) -> str:
    """The reference, with its first function replaced by one that never returns."""
    reference = COURSE.solution(topic)
    name = reference.__all__[0]
    params = ", ".join(inspect.signature(getattr(reference, name)).parameters)
    text = (ROOT / "solutions" / f"{topic}.py").read_text(encoding="utf-8")
    return text + f"\n\ndef {name}({params}):\n    while True:  # a loop whose condition never changes\n        pass\n"


def make_class(folder: Path, n: int, seed: int = 0) -> dict[str, str]:
    """n submissions under folder (one folder each, the six modules at its top level); returns
    each one's kind."""
    rng = random.Random(seed)
    correct = {t: _variants(t, "correct") for t in TOPICS}
    wrong = {t: _variants(t, "wrong") for t in TOPICS}
    kinds = {}
    shutil.rmtree(folder, ignore_errors=True)
    for k in range(n):
        kind = rng.choices([m for m, _ in MIX], [w for _, w in MIX])[0]
        modules = {t: rng.choice(correct[t]) for t in TOPICS}
        if kind == "buggy":
            for t in rng.sample(TOPICS, rng.randint(1, 3)):
                modules[t] = rng.choice(wrong[t])
        elif kind == "broken":
            t = rng.choice(TOPICS)
            if rng.random() < 0.5:
                modules[t] = modules[t] + "\ndef unfinished(x:\n    return x\n"  # a syntax error
            else:
                del modules[t]  # not handed in
        elif kind == "hanging":
            t = rng.choice(TOPICS)
            modules[t] = _hanging(t)
        name = f"s{k:04d}"
        (folder / name).mkdir(parents=True)
        for t, text in modules.items():
            (folder / name / f"{t}.py").write_text(f"{text}\n# {name}\n", encoding="utf-8")
        kinds[name] = kind
    (folder.parent / "kinds.json").write_text(json.dumps(kinds), encoding="utf-8")
    return kinds


# ----------------------------------------------------------------------------- measuring
def _tree_rss(root: int) -> int:
    """The resident bytes of a process and all its descendants, summed."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry))
        rss[int(entry)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack.extend(children.get(pid, []))
    return total


def timed(command: list[str], **kwargs: object) -> tuple[float, int, subprocess.CompletedProcess[str]]:
    """(wall seconds, peak resident bytes of the process tree, the finished process); the CPU
    seconds of the whole tree (every process is reaped by its parent: pool workers, zygotes and
    jails included) are added to CPU_SECONDS."""
    peak = [0]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs)  # type: ignore[call-overload]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.2):
            peak[0] = max(peak[0], _tree_rss(process.pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stdout, stderr = process.communicate()
    seconds = time.monotonic() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU_SECONDS.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    done.set()
    sampler.join()
    return seconds, peak[0], subprocess.CompletedProcess(command, process.returncode, stdout, stderr)


def run_dlgrade(paths: list[Path], out: Path, jobs: int) -> tuple[float, int, list[dict[str, object]]]:
    out.unlink(missing_ok=True)
    command = [sys.executable, "-m", "grader.cli", "batch", *map(str, paths), "--jobs", str(jobs), "--out", str(out),
               "--course", str(ROOT), "--lang", "en"]  # fmt: skip
    seconds, peak, done = timed(command, cwd=ROOT)
    if done.returncode != 0:
        raise SystemExit(f"dlgrade batch failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return seconds, peak, [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]


# ----------------------------------------------------------------------------- nbgrader
_SETUP = """\
# the course's hidden tests, run here in the kernel against the functions above (nbgrader's model)
import importlib.util as _ilu, inspect as _inspect, random as _random, sys as _sys, time as _time
import hashlib as _hashlib
import numpy as _np
_sys.path.insert(0, {root!r})
from grader.runner import seed_for as _seed_for
_spec = _ilu.spec_from_file_location("_hidden_{topic}", {suite!r})
_suite = _ilu.module_from_spec(_spec)
_spec.loader.exec_module(_suite)
from grader.jail import callables as _callables, wire as _wire
from grader.proxy import _raised
from grader.suite import MissingFunction as _Missing, L as _L
_namespace = globals()

def _plain(value):  # a suite's public function, as the jail would hand it to the student
    if isinstance(value, _wire.PublicFn):
        fn, bound = getattr(_callables, value.name), tuple(value.args)
        return lambda *rest: fn(*bound, *rest)
    return value

def _call(name, args, kwargs):
    if not callable(_namespace.get(name)):
        raise _Missing(_L("no function " + name, "нет функции " + name))
    try:
        return _namespace[name](*map(_plain, args), **dict((k, _plain(v)) for k, v in kwargs.items()))
    except Exception as error:  # as the proxy reports it: StudentRaised, NotAttempted
        types = [t.__name__ for t in type(error).__mro__]
        raise _raised(name, dict(types=types, message=str(error))) from None

class _Student:
    def __getattr__(self, name):
        return lambda *args, **kwargs: _call(name, args, kwargs)
    def cpu_time(self, fn, *args, **kwargs):
        start = _time.thread_time()
        result = _call(fn, args, kwargs)
        return result, _time.thread_time() - start
    def put(self, value):
        return value
    def fetch(self, value):
        return value
    def global_rng_digest(self):
        return _hashlib.sha256(repr((_np.random.get_state(), _random.getstate())).encode()).hexdigest()

def _run(name, params, node):
    fn = getattr(_suite, name)
    seed = _seed_for({seed}, node)
    given = {{"student": _Student(), "seed": seed, "rng": _np.random.default_rng(seed), **params}}
    fn(**{{p: given[p] for p in _inspect.signature(fn).parameters}})
"""


def _cell(kind: str, source: str, grade_id: str, points: float = 0.0) -> dict[str, object]:
    meta = {"grade": kind == "test", "solution": kind == "solution", "locked": kind != "solution",
            "grade_id": grade_id, "schema_version": 3, "task": False}  # fmt: skip
    if kind == "test":
        meta["points"] = points
    return {"cell_type": "code", "execution_count": None, "metadata": {"nbgrader": meta}, "outputs": [],
            "source": source}  # fmt: skip


def _tests(topic: str) -> list[tuple[str, dict[str, object], str, float]]:
    """(function, parameters, pytest node name, points) of each hidden test, as pytest collects them."""
    import pytest

    class Collect:
        items: list[pytest.Item] = []

        def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
            Collect.items = list(items)

        def pytest_configure(self, config: pytest.Config) -> None:
            config.addinivalue_line("markers", "points(n): points")

    Collect.items = []
    with open(os.devnull, "w") as sink:
        saved, sys.stdout = sys.stdout, sink
        try:
            pytest.main(["-c", os.devnull, "--rootdir", str(ROOT), "--import-mode=importlib", "-p", "no:cacheprovider",
                         "--collect-only", "-q", str(COURSE.suite(topic))], plugins=[Collect()])  # fmt: skip
        finally:
            sys.stdout = saved
    found = []
    for item in Collect.items:
        params = dict(getattr(getattr(item, "callspec", None), "params", {}))
        marker = item.get_closest_marker("points")
        found.append((item.originalname, params, item.name, float(marker.args[0]) if marker else 0.0))  # type: ignore[attr-defined]
    return found


def _notebook(topic: str, code: str, seed: int) -> dict[str, object]:
    cells = [_cell("solution", code, f"{topic}_code"),
             _cell("setup", _SETUP.format(root=str(ROOT), topic=topic, suite=str(COURSE.suite(topic)), seed=seed),
                   f"{topic}_setup")]  # fmt: skip
    for k, (name, params, node, points) in enumerate(_tests(topic)):
        cells.append(_cell("test", f"_run({name!r}, {params!r}, {node!r})", f"{topic}_t{k:03d}", points))
    return {"cells": cells, "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
            "nbformat": 4, "nbformat_minor": 5}  # fmt: skip


def run_nbgrader(folder: Path, names: list[str], work: Path) -> tuple[float, int, dict[str, float]]:
    """nbgrader's autograde of ``names`` (seconds, peak bytes, score per student)."""
    nbgrader = Path(sys.executable).with_name("nbgrader")
    course = work / "nbgrader_course"
    shutil.rmtree(course, ignore_errors=True)
    source = course / "source" / "module"
    source.mkdir(parents=True)
    (course / "nbgrader_config.py").write_text(
        "c = get_config()\nc.CourseDirectory.course_id = 'dl'\n"
        "c.Execute.timeout = 10  # the same call limit as dlgrade's\n", encoding="utf-8")  # fmt: skip
    seed = 20260101  # one seed for all: nbgrader has no per-submission seed
    templates = {}
    for topic in TOPICS:
        template = _notebook(topic, (ROOT / "exercises" / f"{topic}.py").read_text(encoding="utf-8"), seed)
        templates[topic] = template
        (source / f"{topic}.ipynb").write_text(json.dumps(template), encoding="utf-8")
    # nbgrader runs `alembic` (and the kernel) from PATH: this environment's first
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    made = subprocess.run([str(nbgrader), "generate_assignment", "module", "--force"], cwd=course, env=env,
                          capture_output=True, text=True)  # fmt: skip
    if made.returncode != 0:
        raise SystemExit(f"nbgrader generate_assignment failed:\n{made.stderr[-3000:]}")
    released = course / "release" / "module"
    for name in names:
        target = course / "submitted" / name / "module"
        target.mkdir(parents=True)
        for topic in TOPICS:
            module = folder / name / f"{topic}.py"
            if not module.exists():
                continue
            notebook = json.loads((released / f"{topic}.ipynb").read_text(encoding="utf-8"))
            for cell in notebook["cells"]:
                if cell.get("metadata", {}).get("nbgrader", {}).get("solution"):
                    cell["source"] = module.read_text(encoding="utf-8")
            (target / f"{topic}.ipynb").write_text(json.dumps(notebook), encoding="utf-8")
    seconds, peak, done = timed([str(nbgrader), "autograde", "module", "--force"], cwd=course, env=env)
    if done.returncode != 0:
        print(f"note: nbgrader autograde exited {done.returncode}: {done.stderr[-500:]}", file=sys.stderr)
    from nbgrader.api import Gradebook

    scores = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        for name in names:
            try:
                scores[name] = float(gradebook.find_submission("module", name).score)
            except Exception:  # not graded at all
                scores[name] = float("nan")
    return seconds, peak, scores


# ----------------------------------------------------------------------------- the report
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--submissions", type=int, default=1000)
    parser.add_argument("--grade", type=int, help="dlgrade grades only the first N of the class (default: all)")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--runs", type=int, default=1, help="dlgrade runs (the median is reported)")
    parser.add_argument("--nbgrader", type=int, default=20, help="submissions nbgrader grades (0: none)")
    parser.add_argument("--check", type=int, default=5, help="submissions graded again one at a time")
    parser.add_argument("--work", type=Path, default=Path("/tmp/dlgrade-bench"))
    options = parser.parse_args()
    folder = options.work / "class"
    kinds_file = options.work / "kinds.json"
    kinds = json.loads(kinds_file.read_text()) if kinds_file.exists() else {}
    if len(kinds) != options.submissions or not folder.is_dir():
        kinds = make_class(folder, options.submissions)
    counts = {kind: sum(1 for k in kinds.values() if k == kind) for kind, _ in MIX}
    print(f"{options.submissions} submissions ({', '.join(f'{v} {k}' for k, v in counts.items())}); "
          f"{os.cpu_count()} cores; load average {os.getloadavg()[0]:.2f} at the start")  # fmt: skip

    graded = sorted(folder.iterdir())[: options.grade]
    if len(graded) < len(kinds):
        print(f"dlgrade grades the first {len(graded)} of them; its figures for the class are multiplied out")
    walls, peaks, cpus, records = [], [], [], []
    for run in range(max(1, options.runs)):
        seconds, peak, records = run_dlgrade(graded, options.work / "grades.jsonl", options.jobs)
        walls.append(seconds)
        peaks.append(peak)
        cpus.append(CPU_SECONDS[-1])
        print(f"dlgrade run {run + 1}: {seconds:.1f} s, {len(records) / seconds:.2f} submissions/s, "
              f"{CPU_SECONDS[-1] / len(records):.2f} CPU s each, peak {peak / 2**20:.0f} MiB, "
              f"load {os.getloadavg()[0]:.2f}")  # fmt: skip
    wall = statistics.median(walls)
    per = sorted(float(r["seconds"]) for r in records)  # type: ignore[arg-type]
    by_kind: dict[str, list[float]] = {}
    for record in records:
        by_kind.setdefault(kinds[Path(str(record["path"])).name], []).append(float(record["seconds"]))  # type: ignore[arg-type]
    class_wall = wall * len(kinds) / len(records)
    print(f"\ndlgrade batch --jobs {options.jobs}: {wall:.1f} s for {len(records)} (median of {len(walls)}), "
          f"{len(records) / wall:.2f} submissions/s, {wall / len(records) * 1000:.0f} ms each; "
          f"{statistics.median(cpus) / len(records):.2f} CPU s each (all its processes, jails included); "
          f"peak memory {statistics.median(peaks) / 2**20:.0f} MiB"
          + (f"; the class of {len(kinds)}: {class_wall:.0f} s at that rate" if len(records) < len(kinds) else ""))  # fmt: skip
    print(f"  per-submission grading time (one worker): median {statistics.median(per):.2f} s, "
          + ", ".join(f"{k} {statistics.median(v):.2f} s (n={len(v)})" for k, v in by_kind.items()))  # fmt: skip

    if options.check:
        scores = {Path(str(r["path"])).name: r["score"] for r in records}
        sample = random.Random(1).sample(sorted(scores), min(options.check, len(scores)))
        same = 0
        for name in sample:
            alone = subprocess.run([sys.executable, "-m", "grader.cli", "grade", str(folder / name), "--format", "json",
                                    "--course", str(ROOT)], capture_output=True, text=True, cwd=ROOT)  # fmt: skip
            score = json.loads(alone.stdout)["score"]
            same += score == scores[name]
            if score != scores[name]:
                print(f"  {name} ({kinds[name]}): {scores[name]} in the batch, {score} alone")
        print(f"  graded again one at a time: {same} of {len(sample)} the same score")

    if options.nbgrader:
        names = [p.name for p in graded][: options.nbgrader]
        seconds, peak, nb_scores = run_nbgrader(folder, names, options.work)
        per_nb = seconds / len(names)
        nb_cpu = CPU_SECONDS[-1] / len(names)
        mine = {Path(str(r["path"])).name: float(r["score"]) for r in records}  # type: ignore[arg-type]
        ours_subset = sum(float(r["seconds"]) for r in records if Path(str(r["path"])).name in names)  # type: ignore[arg-type]
        print(f"\nnbgrader 0.9.6 autograde: {seconds:.1f} s for {len(names)} submissions ({per_nb:.2f} s each, "
              f"{nb_cpu:.2f} CPU s each, peak {peak / 2**20:.0f} MiB); extrapolated to {len(kinds)}: "
              f"{per_nb * len(kinds):.0f} s")  # fmt: skip
        print(f"  CPU per submission: nbgrader {nb_cpu:.2f} s, dlgrade {statistics.median(cpus) / len(records):.2f} s "
              f"({nb_cpu / (statistics.median(cpus) / len(records)):.1f}×)")  # fmt: skip
        print(f"  dlgrade's class in {class_wall:.0f} s: {per_nb * len(kinds) / class_wall:.1f}× faster than nbgrader "
              f"extrapolated; on the same {len(names)}: {ours_subset:.1f} s of one dlgrade worker, "
              f"{seconds / ours_subset:.1f}× less than nbgrader's one process")  # fmt: skip
        agree = sum(1 for n in names if abs(nb_scores[n] - mine[n]) < 1e-6)
        print(
            f"  the same total score in both: {agree} of {len(names)} (nbgrader runs the tests in the "
            "student's process, with one seed for all)"
        )


if __name__ == "__main__":
    main()
