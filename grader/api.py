"""The programmatic API; the CLI is a thin layer over it.

    grade(path) -> Report             one submission, hidden suites
    grade_many(paths) -> [Report]     a batch, in parallel, resumable
    check(path) -> Report             a student's exercises/ against the public suites
    validate() -> [problem]           the course checks itself
    doctor() -> facts                 which protections the jail has here
"""

from __future__ import annotations

import json
import os
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import Progress

from grader import stubs
from grader.course import Course, load_course
from grader.errors import DlgradeError, UsageError
from grader.results import Report, TestResult, TopicResult
from grader.runner import run_session
from grader.sandbox import Sandbox, detect_mode
from grader.submission import load_submission


def grade(path: Path, *, topic: str | None = None, seed: int | None = None,
          lang: str | None = None, course: Course | None = None) -> Report:  # fmt: skip
    course = course or load_course()
    submission = load_submission(path, topic)
    topics = (topic,) if topic else None
    (report,) = run_session(course, [submission], topics=topics, seed=seed,
                            lang=lang or course.lang)  # fmt: skip
    return report


def check(path: Path, *, topic: str | None = None, lang: str | None = None) -> Report:
    course = load_course()
    submission = load_submission(path)
    topics = (topic,) if topic else tuple(
        t for t in course.topics_with_suites("public") if t in submission.modules
    )
    if not topics:
        raise UsageError(f"{path}: no exercises/<topic>.py with a public suite found; "
                         "run this in the folder of your work or pass --path")  # fmt: skip
    (report,) = run_session(course, [submission], topics=topics, kind="public",
                            lang=lang or course.lang)  # fmt: skip
    return report


def sample_paths(course: Course) -> list[Path]:
    folder = course.root / "course" / "samples"
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix in (".zip", ".ipynb") or p.is_dir())


def _grade_chunk(args: tuple) -> list[dict[str, Any]]:
    """One worker process of a batch: its own sandbox and pytest session."""
    course, paths, topic, seed, lang = args  # the Course itself: course.toml is read once per batch
    submissions, unreadable = [], []
    for path in paths:
        try:
            submissions.append(load_submission(Path(path), topic))
        except DlgradeError as error:
            unreadable.append(_unreadable_report(course, Path(path), str(error), topic, seed, lang))
    reports = run_session(course, submissions, topics=(topic,) if topic else None, seed=seed,
                          lang=lang)  # fmt: skip
    return [r.to_json() for r in reports] + unreadable


def _unreadable_report(course: Course, path: Path, why: str, topic: str | None, seed: int | None,
                       lang: str) -> dict[str, Any]:  # fmt: skip
    topics = tuple(
        TopicResult(t, "not_gradable", (), 0.0, why)
        for t in ((topic,) if topic else course.topics)
    )
    report = Report(path.name, seed if seed is not None else course.seed, "", lang, topics)
    return report.to_json() | {"error": why}


def grade_many(paths: list[Path], *, jobs: int = 1, out: Path | None = None,
               topic: str | None = None, seed: int | None = None, lang: str | None = None,
               progress: Console | None = None, chunk: int | None = None) -> list[Report]:  # fmt: skip
    """Grade a batch. Each report is appended to ``out`` (JSON lines) as soon as it is done, so
    an interrupted batch loses nothing: a rerun with the same ``out`` skips what is there."""
    course = load_course()
    lang = lang or course.lang
    if not paths:
        paths = sample_paths(course)
        if not paths:
            raise UsageError("no submissions given and the course has no samples/ folder")
    expanded = _expand(paths, course.topics)
    done: dict[str, dict] = {}
    if out is not None and out.exists():
        for line in out.read_text(encoding="utf-8").splitlines():
            try:
                record = json.loads(line)
                done[record["path"]] = record
            except (ValueError, KeyError, TypeError):
                continue  # a line cut short by the interruption: grade that one again
    todo = [p for p in expanded if str(p) not in done]
    # a chunk pays one session's start (collecting the suites, a zygote): big enough to amortize
    # that, small enough to keep every worker busy and to save progress often
    chunk = chunk or max(1, min(16, -(-len(todo) // (2 * jobs))))
    chunks = [todo[i:i + chunk] for i in range(0, len(todo), chunk)]
    results: dict[str, dict] = {}
    sink = out.open("a", encoding="utf-8") if out is not None else None
    if sink is not None and out is not None and out.stat().st_size and not out.read_bytes().endswith(b"\n"):
        sink.write("\n")  # the last line was cut by the interruption: never append to it
    try:
        with Progress(console=progress or Console(stderr=True), transient=True) as bar:
            task = bar.add_task("grading", total=len(todo))
            with ProcessPoolExecutor(max_workers=jobs) as pool:
                futures = {
                    pool.submit(_grade_chunk, (course, [str(p) for p in c], topic, seed, lang)): c
                    for c in chunks
                }  # fmt: skip
                for future in as_completed(futures):
                    for path, record in zip(futures[future], future.result()):
                        record["path"] = str(path)
                        results[str(path)] = record
                        if sink is not None:
                            sink.write(json.dumps(record, ensure_ascii=False) + "\n")
                            sink.flush()
                    bar.advance(task, len(futures[future]))
    finally:
        if sink is not None:
            sink.close()
    merged = done | results
    return [_report_from_json(merged[str(p)]) for p in expanded]


def _expand(paths: list[Path], topics: tuple[str, ...]) -> list[Path]:
    """A folder of submissions stands for its entries; a submission folder stands for itself."""
    found = []
    for path in paths:
        if not path.exists():
            raise UsageError(f"{path}: no such file or folder")
        is_submission = (path / "exercises").is_dir() or any((path / f"{t}.py").exists() for t in topics)
        is_container = path.is_dir() and not is_submission
        found.extend(sorted(p for p in path.iterdir() if not p.name.startswith(".")) if is_container else [path])
    return found


def _report_from_json(data: dict[str, Any]) -> Report:
    topics = tuple(
        TopicResult(
            name, t["status"],
            tuple(TestResult(x["name"], x["title"], x["max_points"], x["outcome"], x["points"],
                             x["message"], tuple(x["hints"]), x.get("seconds", 0.0))
                  for x in t["tests"]),
            t["max_score"], t["message"], tuple(t.get("warnings", ())), t.get("output", ""),
            t.get("resources", {}),
        )
        for name, t in data["topics"].items()
    )  # fmt: skip
    return Report(data.get("submission", ""), data["seed"], data["grader_version"],
                  data.get("lang", "en"), topics, data.get("protections", {}),
                  data.get("seconds", 0.0))  # fmt: skip


def validate(progress: Console | None = None) -> list[str]:
    """Everything that must hold for the course to be gradable, as a list of problems."""
    from grader.quiz import require_extra

    require_extra("dlgrade validate checks the quiz banks and needs")  # before minutes of grading
    course = load_course()
    problems = [f"{path.relative_to(course.root)} is out of sync with its solution; run `dlgrade stubs`"
                for path in stubs.drifted_stubs(course.root)]  # fmt: skip
    reference = load_submission(course.root / "solutions")
    stub = load_submission(course.root / "exercises")
    hidden_max: dict[str, float] = {}  # what each hidden suite adds up to, for [topics.*] max_points
    for kind in ("hidden", "public"):
        topics = course.topics_with_suites(kind)
        missing = [t for t in course.topics if t not in topics]
        if kind == "hidden" and missing:
            problems.append(f"no hidden suite for {', '.join(missing)}")
        if not topics:
            continue
        if progress:
            progress.print(f"[dim]grading solutions/ and exercises/ with the {kind} suites…[/dim]")
        ref_report, stub_report = run_session(course, [reference, stub], topics=topics, kind=kind,
                                              lang="en")  # fmt: skip
        if kind == "hidden":
            hidden_max = {topic.topic: topic.max_score for topic in ref_report.topics}
        for topic in ref_report.topics:
            for test in topic.tests:
                if test.outcome != "pass":
                    problems.append(f"{kind} {topic.topic}.{test.name}: the reference gets "
                                    f"{test.outcome}: {test.message}")  # fmt: skip
            if topic.status != "graded":
                problems.append(f"{kind} {topic.topic}: the reference is {topic.status}: {topic.message}")
        for topic in stub_report.topics:
            for test in topic.tests:
                if test.outcome != "not_attempted":
                    problems.append(f"{kind} {topic.topic}.{test.name}: the stub gets {test.outcome}, "
                                    "not not_attempted (does the test call the student?)")  # fmt: skip
    problems += _quiz_bank_problems(course)
    for name, expected in course.max_points.items():
        got = hidden_max.get(name, 0.0)
        if got != expected:
            problems.append(f"course.toml says {name} is worth {expected:g}, its hidden suite sums to {got:g}")
    return problems


def _quiz_bank_problems(course: Course) -> list[str]:
    """Every topic has a quiz bank, and every bank loads with its variants checked."""
    from grader.quiz.loader import load_bank

    problems = []
    for topic in course.topics:
        path = course.root / "course" / topic / "quiz.yaml"
        if not path.exists():
            problems.append(f"no quiz bank {path.relative_to(course.root)}")
            continue
        try:
            load_bank(path)
        except DlgradeError as error:
            problems.append(f"quiz bank {path.relative_to(course.root)}: {error}")
    return problems


def _job_bound_lines(facts: dict[str, Any], limits: Any, yes: str, no: str) -> list[str]:
    """The job-wide bounds (one cgroup per job), held or not, and what to do when not."""
    where = f"cgroup {facts['cgroup']}" if facts.get("cgroup") else "no cgroup"
    lines = [
        f"{yes if facts['job_memory_bound'] else no} job-wide memory bound: {limits.memory_bytes >> 20} MiB for "
        f"all of a job's processes together, page cache, memfd and tmpfs included ({where})",
        f"{yes if facts['job_process_bound'] else no} job-wide process bound: {limits.processes} tasks ({where})",
        f"{yes if facts['job_cpu_accounting'] else no} job-wide CPU time: threads and children included, "
        f"{limits.cpu_seconds} s a job ({where})",
    ]
    if not facts["job_memory_bound"]:
        lines.append(
            f"  why not: {facts.get('cgroup_problem') or 'unknown'}; to fix: run as root (cgroup v1), or delegate "
            "a cgroup v2 subtree and set DLGRADE_CGROUP_ROOT; until then `grade` refuses the strong jail "
            "unless DLGRADE_CGROUPS=optional"
        )
    return lines


_SEAL_LINES = (
    ("seccomp", "seccomp filter: no new namespaces, ptrace, keyctl, bpf, mount; no signal to the zygote"),
    ("fresh_keyring", "a fresh session keyring: the grader's keys are not the jail's"),
    ("zygote_unreachable", "the zygote is out of its workers' reach (not dumpable, not signalled)"),
    ("private_job_folder", "each job's folder has a random name, made fresh by the zygote"),
    ("job_file_bounds", "a tmpfs per job: its bytes and files bounded, nothing left for the next job"),
    ("course_hidden", "nothing of the course or of the installed project is readable in the jail"),
)


def doctor() -> dict[str, Any]:
    """What protections are active here, checked by starting a jail, not assumed."""
    course = load_course()
    mode = detect_mode()
    with Sandbox(course.limits, mode, cgroups_required=False) as sandbox:
        job = sandbox.spawn()
        job.close()
        facts = sandbox.protections()
    strong = mode == "bwrap"
    yes, no = "[green]✓[/green]", "[red]✗[/red]"
    limits = course.limits
    lines = [
        f"jail: {mode}" + ("" if strong else "  (bubblewrap not usable here: weaker guarantees)"),
        f"{yes} separate process per topic; only plain data crosses (msgpack, no pickle)",
        f"{yes if strong else no} own PID namespace: the jail sees no process of the machine",
        f"{yes} no process a job starts outlives it, daemons included (the zygote is their subreaper)",
        f"{yes if strong else no} no network (own network namespace)",
        f"{yes if strong else no} private file system: course/ and solutions/ do not exist in the jail",
        f"{yes if facts['unprivileged_uid'] else no} unprivileged uid 65534 in the jail",
        f"{yes} scrubbed environment (no tokens, no variables of the grader)",
        f"{yes} limits per worker: {limits.call_seconds:g} s a call, {limits.load_seconds:g} s to import, "
        f"{limits.cpu_seconds} s CPU, {limits.memory_bytes >> 20} MiB memory, "
        f"{limits.processes} processes, {limits.file_bytes >> 20} MiB files, "
        f"{limits.submission_seconds:g} s a submission",
        *_job_bound_lines(facts, limits, yes, no),
        *(f"{yes if facts[key] else no} {text}" for key, text in _SEAL_LINES),
    ]
    if os.geteuid() != 0 and strong:
        lines.append("note: not root: jail and zygote share a uid in a user namespace")
    return facts | {"lines": lines}
