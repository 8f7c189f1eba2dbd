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
from collections.abc import Callable
from concurrent.futures import Executor
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import Progress
from rich.text import Text

from grader import engine, farm, stubs
from grader.course import Course, load_course, seed_override, suite_version
from grader.errors import DlgradeError, UsageError
from grader.policy import grading_jail, jail_choice, local_jail
from grader.results import Report, TestResult, TopicResult
from grader.runner import run_session
from grader.sandbox import Sandbox, detect_mode
from grader.submission import EMPTY, load_submission

# trusted code (the course's samples; a student's own public checks on their machine) runs
# without the job-wide kernel bounds where the machine has none; a grade of anything else does not
_TRUSTED_CGROUPS_REQUIRED = False


def _course(course: Course | Path | None) -> Course:
    jail_choice(None)  # a bad DLGRADE_JAIL is an error of every command, never ignored
    return course if isinstance(course, Course) else load_course(course)


# ----------------------------------------------------------------------------- grading
def grade(path: Path, *, topic: str | None = None, seed: int | None = None, lang: str | None = None,
          course: Course | Path | None = None, jail: str | None = None,
          accept_partial: bool = False) -> Report:  # fmt: skip
    """One submission with the hidden suites. A submission that cannot be read is a
    SubmissionError (exit 2); one that breaks the grader is a DlgradeError (exit 3)."""
    course = _course(course)
    seed = seed_override(seed)
    mode, _ = grading_jail(jail)
    submission = load_submission(path, topic, accept_partial)
    topics = (topic,) if topic else None
    (report,) = run_session(course, [submission], topics=topics, seed=seed, lang=lang or course.lang,
                            jail_mode=mode)  # fmt: skip
    if report.error_kind == "internal":
        raise DlgradeError(f"dlgrade failed internally grading {path} ({report.error}); "
                           "rerun with DLGRADE_DEBUG=1 for the traceback and report it")  # fmt: skip
    return report


def check(path: Path, *, topic: str | None = None, lang: str | None = None,
          course: Course | Path | None = None) -> Report:  # fmt: skip
    """The public suites against a student's work. With no course named, a student bundle's
    own (``path`` holds ``course/course.toml``) is the last resort, after the installed one."""
    jail_choice(None)
    course = course if isinstance(course, Course) else load_course(course, work=path if path.is_dir() else None)
    submission = load_submission(path)
    topics = (topic,) if topic else tuple(t for t in course.topics_with_suites("public") if t in submission.modules)
    if not topics:
        raise UsageError(f"{path}: no exercises/<topic>.py with a public suite found; "
                         "run this in the folder of your work or pass --path")  # fmt: skip
    (report,) = run_session(course, [submission], topics=topics, kind="public", lang=lang or course.lang,
                            jail_mode=local_jail(), cgroups_required=_TRUSTED_CGROUPS_REQUIRED)  # fmt: skip
    return report


def sample_paths(course: Course) -> list[Path]:
    folder = course.root / "course" / "samples"
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix in (".zip", ".ipynb") or p.is_dir())


def grade_many(paths: list[Path], *, jobs: int = 1, out: Path | None = None,
               topic: str | None = None, seed: int | None = None, lang: str | None = None,
               progress: Console | None = None, chunk: int | None = None,
               course: Course | Path | None = None, jail: str | None = None,
               scheduler: str | None = None, accept_partial: bool = False,
               pools: Callable[[int], Executor] | None = None) -> list[Report]:  # fmt: skip
    """Grade a batch. Each report is appended to ``out`` (JSON lines) as soon as it is done, so
    an interrupted batch loses nothing: a rerun with the same ``out`` skips what is there.
    Reports are keyed by path; a submission that cannot be read or breaks the grader gets a
    record saying why (``error``, ``error_kind``) and the batch goes on. With no paths, the
    course's own samples are graded: trusted, so the plain jail is allowed where bwrap is not.
    ``scheduler`` (``tcp://HOST:PORT``): the same tasks on a Dask cluster, not a local pool.
    The grading is autograde's engine (grader.engine): the same pool, retries and records;
    ``pools`` makes its local pools (tests that patch the engine in this process fork them)."""
    course = _course(course)
    if scheduler is not None:
        farm.dask_executor(scheduler).shutdown()  # unreachable: one error line before any work
    lang = lang or course.lang
    seed = seed_override(seed)
    console = progress or Console(stderr=True)
    trusted = not paths
    mode, note = grading_jail(jail, trusted=trusted)
    if not paths:
        paths = sample_paths(course)
        if not paths:
            raise UsageError("no submissions given and the course has no samples/ folder")
    expanded = _expand(paths, course.topics)
    if out is not None and out.is_dir():
        raise UsageError(f"--out {out}: is a folder; batch appends its reports to a file there: give a file's path")
    if note:
        console.print(Text(note, style="yellow"))
    done: dict[str, dict[str, Any]] = {}
    if out is not None and out.exists():
        for line in out.read_text(encoding="utf-8").splitlines():
            try:
                record = json.loads(line)
                if record.get("error_kind") != "internal":  # the grader's failure: try it again
                    done[record["path"]] = record
            except (ValueError, KeyError, TypeError, AttributeError):
                continue  # a line cut short by the interruption: grade that one again
    # a saved line is reused only for the same content under the same seed: a corrected
    # submission, or another --seed, is graded again and its new line appended after the old

    suites = suite_version(course)
    seen = {p: _inspect(p, topic, accept_partial) for p in expanded}
    stale = [p for p in expanded if str(p) in done and not _same(done[str(p)], seen[p][0], seed, course, suites)]
    for path in stale:
        del done[str(path)]
    todo = [p for p in expanded if str(p) not in done]
    if done or stale:
        console.print(Text(f"--out {out}: {len(done)} already graded there, reused (same content, seed and "
                           f"hidden suites); {len(stale)} graded again (their content, the seed or the suites "
                           "changed)"))  # fmt: skip
    # every worker process keeps its grading session open between chunks (grader.farm): small
    # chunks keep every worker busy to the end and save progress often
    chunk = chunk or max(1, min(4, -(-len(todo) // (2 * jobs))))
    results: dict[str, dict[str, Any]] = {}
    cgroups_required = _TRUSTED_CGROUPS_REQUIRED if trusted else None  # None: DLGRADE_CGROUPS decides
    settings = farm.Settings(course, topic, seed, lang, mode, cgroups_required, accept_partial)
    if scheduler is None:  # on a cluster, the workers' machines are the ones that need the bounds
        engine.check_bounds(settings)
    try:
        sink = out.open("a", encoding="utf-8") if out is not None else None
    except OSError as error:
        raise UsageError(f"--out {out}: cannot write there ({error.strerror})") from None
    if sink is not None and out is not None and out.stat().st_size and not out.read_bytes().endswith(b"\n"):
        sink.write("\n")  # the last line was cut by the interruption: never append to it
    executor = farm.dask_executor(scheduler) if scheduler is not None else None
    try:
        with Progress(console=console, transient=True) as bar:
            task = bar.add_task("grading", total=len(todo))

            def save(index: int, record: dict[str, Any]) -> None:
                record["suite_version"] = suites  # what a rerun compares, with the content and the seed
                results[record["path"]] = record
                if sink is not None:
                    sink.write(json.dumps(record, ensure_ascii=False) + "\n")
                    sink.flush()
                bar.advance(task, 1)

            items = [engine.Item(str(p), seen[p][1]) for p in todo]
            failures = engine.grade_all(items, settings, save, workers=jobs, executor=executor, chunk=chunk,
                                        pools=pools or engine.local_pool)  # fmt: skip
    finally:
        if sink is not None:
            sink.close()
        if executor is not None:
            executor.shutdown(wait=False, cancel_futures=True)
    if failures:  # after every grade that could be made was saved
        raise failures[0][1]
    merged = done | results
    return [_report_from_json(merged[str(p)]) for p in expanded]


def _inspect(path: Path, topic: str | None, accept_partial: bool) -> tuple[str, str]:
    """A submission's content hash ("" if it does not read: the worker says why), and why it
    cannot be graded though it reads: it holds no code (an empty zip or folder: its record says
    so, as autograde's does), or ""."""

    try:
        submission = load_submission(path, topic, accept_partial)
    except Exception:
        return "", ""
    empty = not (submission.modules or submission.helpers or submission.problems)
    return submission.content_sha256, f"{path.name} {EMPTY}" if empty else ""


def _same(record: dict[str, Any], content: str, seed: int | None, course: Course, suites: str) -> bool:
    """Whether a saved record is the grade this run would make: the same content, the same seed,
    the same hidden suites (a record without ``suite_version`` predates it: graded again)."""
    from grader.runner import submission_seed

    if record.get("suite_version") != suites:  # a suite fixed since: every grade is made again
        return False
    if not content:  # it does not read now: its saved record (why it did not) stands
        return True
    if record.get("content_sha256") != content:
        return False
    want = seed if seed is not None else submission_seed(course.seed, content)
    return str(record.get("seed")) == str(want)


def _expand(paths: list[Path], topics: tuple[str, ...]) -> list[Path]:
    """A folder of submissions stands for its entries; a submission folder stands for itself.
    Each path once, in the order given."""
    found = []
    for path in paths:
        if not path.exists() and not path.is_symlink():
            raise UsageError(f"{path}: no such file or folder")
        is_submission = (path / "exercises").exists() or any((path / f"{t}.py").exists() for t in topics)
        is_container = path.is_dir() and not path.is_symlink() and not is_submission
        found.extend(sorted(p for p in path.iterdir() if not p.name.startswith(".")) if is_container else [path])
    return list(dict.fromkeys(found))


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
                  data.get("seconds", 0.0), data.get("content_sha256", ""), data.get("path", ""),
                  data.get("error", ""), data.get("error_kind", ""), data.get("manifest", {}))  # fmt: skip


def validate(progress: Console | None = None, course: Course | Path | None = None) -> list[str]:
    """Everything that must hold for the course to be gradable, as a list of problems."""
    from grader.quiz import require_extra

    require_extra("dlgrade validate checks the quiz banks and needs")  # before minutes of grading
    course = _course(course)
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
        # the course's own code: the strong jail where there is one, else the plain one
        ref_report, stub_report = run_session(course, [reference, stub], topics=topics, kind=kind,
                                              lang="en", jail_mode=local_jail())  # fmt: skip
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


def doctor(course: Course | Path | None = None) -> dict[str, Any]:
    """What protections are active here, checked by starting a jail, not assumed."""
    course = _course(course)
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
        f"{yes if facts['network'] else no} no network (own network namespace)",
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
