"""A class of generated whole-module submissions through `dlgrade autograde`, and the same
submissions through nbgrader 0.9.6's `autograde`, side by side in one run.

    .venv/bin/python bench/bench_autograde.py [--submissions 1000] [--jobs N] [--nbgrader 20]

The class (made once in --work, then reused): every submission has the six topics' modules,
each its own content (so its own seed). A mix: 45 % correct everywhere (the references and the
corpus's correct-but-unusual variants, tests/corpus/*/correct), 44 % with one to three buggy
modules (tests/corpus/*/wrong: realistic bugs, loops included), 10 % broken (a module with a
syntax error, or one missing) and 1 % hanging (one function loops forever: it costs the call
limit once).

dlgrade is timed from outside, the real command (`dlgrade autograde DIR --workers N --out OUT`
into a fresh gradebook, its class reports included), from its start to its exit; peak memory is
the largest sum of the resident sets of its process tree (the grader, its pool workers, their
zygotes and jails), sampled every 0.2 s. --grade N grades a class of the first N (a copy), and
the figures for the whole class are multiplied out (the report says so). nbgrader runs on the
first --nbgrader submissions of the same class (it takes seconds each: the whole class would
take hours), on the course's own nbgrader notebooks (grader.notebooks: each topic an
assignment, each hidden test a grade cell with its points, run in the kernel with no jail, as
nbgrader does), the student's module in the answer cells; its six `nbgrader autograde`
commands are timed together and multiplied out to the class.
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
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from grader.course import load_course  # noqa: E402
from grader.engine import DEFAULT_WORKERS  # noqa: E402

COURSE = load_course(ROOT)
TOPICS = COURSE.topics
CPU_SECONDS: list[float] = []  # of each timed command, in order
# of each timed command, the CPU seconds every process of the machine used meanwhile (/proc/stat):
# the jails' share, which the reaping chain inside bubblewrap leaves out of CPU_SECONDS, included;
# honest on an otherwise idle machine (the load average is printed beside it)
BUSY_SECONDS: list[float] = []


def _busy() -> float:
    """CPU seconds the machine spent busy since boot (user, nice, system, irq, softirq)."""
    with open("/proc/stat") as stat:
        fields = stat.readline().split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq = (int(v) for v in fields[:7])
    return (user + nice + system + irq + softirq) / os.sysconf("SC_CLK_TCK")


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
    busy = _busy()
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
    BUSY_SECONDS.append(_busy() - busy)
    done.set()
    sampler.join()
    return seconds, peak[0], subprocess.CompletedProcess(command, process.returncode, stdout, stderr)


def run_dlgrade(folder: Path, out: Path, jobs: int) -> tuple[float, int, list[dict[str, object]]]:
    """`dlgrade autograde FOLDER --out OUT` from nothing (a fresh gradebook: every submission
    graded, none reused); the counting reports, read back from its gradebook."""
    shutil.rmtree(out, ignore_errors=True)
    command = [sys.executable, "-m", "grader.cli", "autograde", str(folder), "--workers", str(jobs), "--out", str(out),
               "--course", str(ROOT), "--lang", "en"]  # fmt: skip
    seconds, peak, done = timed(command, cwd=ROOT)
    if done.returncode != 0:
        raise SystemExit(f"dlgrade autograde failed ({done.returncode}):\n{done.stderr[-3000:]}")
    with sqlite3.connect(out / "gradebook.sqlite") as db:
        rows = db.execute("SELECT r.report FROM runs r WHERE r.counts").fetchall()
    return seconds, peak, [json.loads(row[0]) for row in rows]


# ----------------------------------------------------------------------------- nbgrader
def _meta(cell: Any) -> dict[str, Any]:
    return dict(cell.get("metadata", {}).get("nbgrader", {}))


def _student_notebook(released: Path, module: str, target: Path) -> None:
    """The released notebook with the student's module in its answer cells: each function in
    its own cell, the module's other top-level code in the first (a module that does not parse
    goes whole into the first, as a student's broken cell would)."""
    import ast

    import nbformat

    notebook = nbformat.read(str(released), as_version=4)
    answers = [cell for cell in notebook.cells if _meta(cell).get("solution")]
    names = [cell.source.split("(")[0].removeprefix("def ").strip() for cell in answers]
    try:
        tree = ast.parse(module)
    except SyntaxError:
        for number, cell in enumerate(answers):
            cell.source = module if number == 0 else ""
    else:
        functions = {node.name: ast.get_source_segment(module, node) for node in tree.body
                     if isinstance(node, ast.FunctionDef)}  # fmt: skip
        rest = [ast.get_source_segment(module, node) or "" for node in tree.body
                if not (isinstance(node, ast.FunctionDef) and node.name in names)]  # fmt: skip
        for number, (cell, name) in enumerate(zip(answers, names)):
            cell.source = ("\n\n".join(rest) + "\n\n" if number == 0 else "") + (functions.get(name) or "")
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, str(target))


def run_nbgrader(folder: Path, names: list[str], work: Path) -> tuple[float, int, dict[str, float]]:
    """nbgrader's autograde of ``names`` on the course's own nbgrader notebooks
    (grader.notebooks: each topic an assignment, each hidden test a grade cell worth its points,
    run in the kernel as nbgrader does, no jail): seconds and peak bytes of the six
    `nbgrader autograde` commands together, and each student's total score."""
    from grader.notebooks import write_source_notebooks

    nbgrader = Path(sys.executable).with_name("nbgrader")
    course = work / "nbgrader_course"
    shutil.rmtree(course, ignore_errors=True)
    course.mkdir(parents=True)
    (course / "nbgrader_config.py").write_text(
        f"c = get_config()\nc.CourseDirectory.root = {str(course)!r}\nc.CourseDirectory.course_id = 'dl'\n"
        f"c.CourseDirectory.db_students = {[{'id': n} for n in names]!r}\n"
        "c.ExecutePreprocessor.timeout = 60  # a hanging cell: nbgrader's own per-cell bound\n",
        encoding="utf-8",
    )  # fmt: skip
    write_source_notebooks(ROOT, course / "source")
    # nbgrader runs `alembic` (and the kernel) from PATH: this environment's first
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    for topic in TOPICS:
        made = subprocess.run([str(nbgrader), "generate_assignment", topic, "--force"], cwd=course, env=env,
                              capture_output=True, text=True)  # fmt: skip
        if made.returncode != 0:
            raise SystemExit(f"nbgrader generate_assignment {topic} failed:\n{made.stderr[-3000:]}")
        released = course / "release" / topic / f"{topic}.ipynb"
        for name in names:
            module = folder / name / f"{topic}.py"
            if module.exists():  # a module not handed in: no notebook, as a student would
                target = course / "submitted" / name / topic / f"{topic}.ipynb"
                _student_notebook(released, module.read_text(encoding="utf-8"), target)
    seconds, peak = 0.0, 0
    cpu = 0.0
    for topic in TOPICS:
        took, most, done = timed([str(nbgrader), "autograde", topic, "--force"], cwd=course, env=env)
        seconds, peak, cpu = seconds + took, max(peak, most), cpu + CPU_SECONDS.pop()
        if done.returncode != 0:
            print(f"note: nbgrader autograde {topic} exited {done.returncode}: {done.stderr[-500:]}", file=sys.stderr)
    CPU_SECONDS.append(cpu)
    from nbgrader.api import Gradebook, MissingEntry

    scores = dict.fromkeys(names, 0.0)
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        for name in names:
            for topic in TOPICS:
                try:
                    scores[name] += float(gradebook.find_submission(topic, name).score)
                except MissingEntry:  # that topic not handed in
                    pass
    return seconds, peak, scores


# ----------------------------------------------------------------------------- the report
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--submissions", type=int, default=1000)
    parser.add_argument("--grade", type=int, help="dlgrade grades only the first N of the class (default: all)")
    parser.add_argument("--jobs", type=int, default=DEFAULT_WORKERS, help="autograde --workers (its default)")
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
    target = folder
    if len(graded) < len(kinds):  # autograde takes a class folder: one of just those
        target = options.work / f"class-{len(graded)}"
        if not target.is_dir() or len(list(target.iterdir())) != len(graded):
            shutil.rmtree(target, ignore_errors=True)
            for path in graded:
                shutil.copytree(path, target / path.name)
    if len(graded) < len(kinds):
        print(f"dlgrade grades the first {len(graded)} of them; its figures for the class are multiplied out")
    walls, peaks, cpus, records = [], [], [], []
    for run in range(max(1, options.runs)):
        seconds, peak, records = run_dlgrade(target, options.work / "autograde-out", options.jobs)
        walls.append(seconds)
        peaks.append(peak)
        cpus.append(CPU_SECONDS[-1])
        jails = sum(float(t.get("resources", {}).get("cpu_seconds", 0.0)) for r in records
                    for t in r.get("topics", {}).values()) / len(records)  # fmt: skip
        print(f"dlgrade run {run + 1}: {seconds:.1f} s, {len(records) / seconds:.2f} submissions/s, "
              f"{CPU_SECONDS[-1] / len(records):.2f} CPU s each (rusage), the machine busy "
              f"{BUSY_SECONDS[-1] / len(records):.2f} CPU s each (/proc/stat), the jails {jails:.2f} CPU s each "
              f"(the reports), peak {peak / 2**20:.0f} MiB, load {os.getloadavg()[0]:.2f}")  # fmt: skip
    wall = statistics.median(walls)
    per = sorted(float(r["seconds"]) for r in records)  # type: ignore[arg-type]
    by_kind: dict[str, list[float]] = {}
    for record in records:
        by_kind.setdefault(kinds[Path(str(record["path"])).name], []).append(float(record["seconds"]))  # type: ignore[arg-type]
    class_wall = wall * len(kinds) / len(records)
    print(f"\ndlgrade autograde --workers {options.jobs}: {wall:.1f} s for {len(records)} (median of {len(walls)}), "
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
