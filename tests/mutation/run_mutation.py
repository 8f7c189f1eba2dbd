"""Mutation testing of the hidden suites with cosmic-ray: a mutant of the reference that the
suite does not take points from is a bug the suite cannot see.

For each topic the reference ``solutions/<topic>.py`` is copied to a temporary folder (mutating
``solutions/`` itself would also change what the suites compare against); cosmic-ray's ``init``
enumerates every mutation of the copy with its core operators, and cosmic-ray's mutator writes
each mutant's text. Every mutant is then graded as a student submission through the real
grader (jail included), all of a topic's mutants in one grading session. A mutant is KILLED when
it scores less than the maximum, and SURVIVES otherwise.

A survivor is either equivalent (it computes what the reference computes, on every input the
contract allows: no test can tell them apart), judged by hand in ``equivalent.yaml`` beside this
script, or a missing test. The score of a topic is killed / (mutants - equivalent).

What is not mutated, and why:
- docstrings and comments: cosmic-ray has no operator on string contents, and comments are not
  nodes of its syntax tree; the script checks that no mutant falls in a docstring anyway;
- the operators that need arguments (``VariableReplacer``, ``VariableInserter``: they insert
  random constants and need a cause variable named per run); cosmic-ray's ``init`` leaves them
  out unless configured, and so do we.

Usage (from the repository root; not collected by pytest: the name does not start with test_):

    .venv/bin/python tests/mutation/run_mutation.py                 # every topic, writes the report
    .venv/bin/python tests/mutation/run_mutation.py --topic dropout # one topic, updates the report
    .venv/bin/python tests/mutation/run_mutation.py --topic dropout --limit 20   # a quick look
    .venv/bin/python tests/mutation/run_mutation.py --render        # report again from results.json

``--limit`` runs print only; the others store their results in ``results.json`` (per topic, so
one topic can be re-run) and render ``REPORT.md`` from it and ``equivalent.yaml``.
"""

from __future__ import annotations

import argparse
import ast
import difflib
import json
import multiprocessing
import shutil
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results.json"
REPORT = HERE / "REPORT.md"
EQUIVALENT = HERE / "equivalent.yaml"

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from grader.course import load_course  # noqa: E402

TOPICS = load_course(ROOT).topics  # course.toml's [topics], the one list


@dataclass
class Mutant:
    topic: str
    index: int  # position in the topic's sorted list
    operator: str  # cosmic-ray's name, e.g. core/NumberReplacer
    occurrence: int  # cosmic-ray's occurrence of that operator in the module
    line: int
    column: int
    function: str  # the enclosing definition, as cosmic-ray names it
    before: str  # the reference's line(s) the mutant changes, stripped
    after: str  # the mutant's line(s) instead, stripped
    diff: str
    score: float | None = None
    max_score: float | None = None
    status: str = ""  # the grader's status of the topic
    killed: bool | None = None
    lost: tuple[str, ...] = ()  # the tests that took points (the first three)


# ----------------------------------------------------------------------------- generation
def generate(topic: str, workdir: Path) -> list[tuple[Mutant, str]]:
    """Every mutant of a copy of the topic's reference, with its source text."""
    import cosmic_ray.plugins
    from cosmic_ray.commands.init import init
    from cosmic_ray.mutating import mutate_code
    from cosmic_ray.work_db import WorkDB, use_db

    copy = workdir / f"{topic}.py"
    shutil.copyfile(ROOT / "solutions" / f"{topic}.py", copy)
    source = copy.read_text(encoding="utf-8")
    with use_db(str(workdir / "session.sqlite"), WorkDB.Mode.create) as db:
        init([copy], db, {})  # the core operators that take no arguments, as `cosmic-ray init`
        specs = sorted((item.mutations[0] for item in db.work_items),
                       key=lambda s: (s.start_pos, s.operator_name, s.occurrence))  # fmt: skip
    docstrings = _docstring_lines(source)
    lines = source.splitlines()
    mutants = []
    for spec in specs:
        if spec.start_pos[0] in docstrings:
            raise AssertionError(f"{topic}: cosmic-ray mutated a docstring at line {spec.start_pos[0]}")
        operator = cosmic_ray.plugins.get_operator(spec.operator_name)(**spec.operator_args)
        text = mutate_code(source, operator, spec.occurrence)
        if text is None or text == source:
            continue
        before, after = _changed(lines, text.splitlines())
        diff = "\n".join(difflib.unified_diff(lines, text.splitlines(), f"a/solutions/{topic}.py",
                                              f"b/solutions/{topic}.py", n=1, lineterm=""))  # fmt: skip
        mutants.append((Mutant(
            topic=topic, index=len(mutants), operator=spec.operator_name,
            occurrence=spec.occurrence, line=spec.start_pos[0], column=spec.start_pos[1],
            function=spec.definition_name or "", before=before, after=after, diff=diff,
        ), text))  # fmt: skip
    return mutants


def _docstring_lines(source: str) -> set[int]:
    lines: set[int] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                    and isinstance(body[0].value.value, str):  # fmt: skip
                lines.update(range(body[0].lineno, (body[0].end_lineno or body[0].lineno) + 1))
    return lines


def _changed(old: list[str], new: list[str]) -> tuple[str, str]:
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    before, after = [], []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            before += [line.strip() for line in old[i1:i2]]
            after += [line.strip() for line in new[j1:j2]]
    return " / ".join(before), " / ".join(after)


# ----------------------------------------------------------------------------- grading
def grade(topic: str, chunk: list[tuple[Mutant, str]], workdir: Path, quiet: bool = False) -> list[Mutant]:
    """Grade mutants as submissions, in one grading session."""
    from grader.course import load_course
    from grader.runner import run_session
    from grader.submission import load_submission

    course = load_course(ROOT)
    paths = []
    for mutant, text in chunk:
        folder = workdir / f"m{mutant.index:04d}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{topic}.py").write_text(text, encoding="utf-8")
        paths.append(folder / f"{topic}.py")
    done = iter(m for m, _ in chunk)
    started = time.monotonic()

    def record(report) -> None:
        mutant = next(done)
        result = report.topics[0]
        mutant.score, mutant.max_score, mutant.status = result.score, result.max_score, result.status
        mutant.killed = result.score < result.max_score
        mutant.lost = tuple(t.name for t in result.tests if t.points < t.max_points)[:3]
        if not quiet:
            mark = "killed  " if mutant.killed else "SURVIVED"
            print(
                f"[{topic} {mutant.index + 1:4d} {time.monotonic() - started:6.0f}s] {mark} "
                f"{result.score:g}/{result.max_score:g} line {mutant.line} "
                f"{mutant.operator.split('/')[-1]}: {mutant.after[:60]}",
                file=sys.stderr,
                flush=True,
            )

    submissions = (load_submission(path, topic) for path in paths)
    run_session(course, submissions, topics=(topic,), lang="en", on_report=record)
    return [m for m, _ in chunk]


def _grade_in_child(args: tuple[str, list[tuple[dict, str]], str]) -> list[dict]:
    topic, chunk, workdir = args
    mutants = [(Mutant(**m), text) for m, text in chunk]
    return [asdict(m) for m in grade(topic, mutants, Path(workdir))]


def run_topic(topic: str, limit: int | None, jobs: int) -> tuple[list[Mutant], float]:
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix=f"mutation-{topic}-") as tmp:
        workdir = Path(tmp)
        mutants = generate(topic, workdir)
        if limit is not None:
            mutants = mutants[:limit]
        print(f"{topic}: {len(mutants)} mutants", file=sys.stderr, flush=True)
        if jobs <= 1 or len(mutants) < 2 * jobs:
            graded = grade(topic, mutants, workdir)
        else:  # round-robin chunks, one grading session per process
            chunks = [[(asdict(m), text) for m, text in mutants[j::jobs]] for j in range(jobs)]
            with multiprocessing.get_context("spawn").Pool(jobs) as pool:
                parts = pool.map(_grade_in_child, [(topic, c, str(workdir)) for c in chunks])
            graded = sorted((Mutant(**{**d, "lost": tuple(d["lost"])}) for part in parts for d in part),
                            key=lambda m: m.index)  # fmt: skip
    return graded, time.monotonic() - started


def write_results(results: dict) -> None:
    """results.json with one mutant a line, so that a re-run's diff reads line by line."""

    def dump(value: object) -> str:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))

    parts = [f'"_meta":{dump(results["_meta"])}']
    for topic in TOPICS:
        if topic in results:
            mutants = ",\n".join(dump(m) for m in results[topic]["mutants"])
            parts.append(f'"{topic}":{{"seconds":{results[topic]["seconds"]:.1f},"mutants":[\n{mutants}]}}')
    RESULTS.write_text("{" + ",\n".join(parts) + "}\n", encoding="utf-8")


# ----------------------------------------------------------------------------- equivalence
def load_equivalent() -> list[dict]:
    if not EQUIVALENT.exists():
        return []
    entries = yaml.safe_load(EQUIVALENT.read_text(encoding="utf-8")) or []
    for entry in entries:
        missing = {"topic", "line", "operator", "reason"} - set(entry)
        if missing:
            raise SystemExit(f"{EQUIVALENT}: an entry lacks {', '.join(sorted(missing))}: {entry}")
    return entries


def _matches(entry: dict, mutant: Mutant) -> bool:
    """An entry names a mutant by topic, the reference's line text and the operator (short or
    full name); ``mutant:``, the mutated line's text, tells apart mutants of the same line."""
    operator = entry["operator"]
    return (entry["topic"] == mutant.topic
            and entry["line"].strip() == mutant.before
            and operator in (mutant.operator, mutant.operator.split("/")[-1])
            and ("mutant" not in entry or entry["mutant"].strip() == mutant.after))  # fmt: skip


def verdict(mutant: Mutant, entries: list[dict]) -> dict | None:
    return next((e for e in entries if _matches(e, mutant)), None)


# ----------------------------------------------------------------------------- report
def render(results: dict, entries: list[dict]) -> str:
    out = ["# Mutation testing of the hidden suites", ""]
    meta = results.get("_meta", {})
    out += [
        "Generated by `tests/mutation/run_mutation.py` (do not edit by hand; judgements of "
        "equivalence live in `tests/mutation/equivalent.yaml`).",
        "",
        f"Tool: cosmic-ray {meta.get('cosmic_ray', '?')}, its core operators (all but the two that "
        "need arguments, as `cosmic-ray init` does), applied to a copy of `solutions/<topic>.py`. "
        "Each mutant is graded as a submission by the real grader (hidden suite, course seed, jail "
        "included). Killed = it scores below the maximum. Score = killed / (mutants − equivalent).",
        "",
        "Not mutated: docstrings and comments (cosmic-ray has no operator on strings and comments "
        "are not syntax nodes; the script asserts that no mutant falls in a docstring).",
        "",
        "| topic | mutants | killed | survived | equivalent | missing tests | score | run time |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    total = killed_all = equivalent_all = 0
    survivors: list[tuple[Mutant, dict | None]] = []
    used = set()
    for topic in TOPICS:
        if topic not in results:
            out.append(f"| {topic} | not run | | | | | | |")
            continue
        mutants = [Mutant(**{**m, "lost": tuple(m["lost"])}) for m in results[topic]["mutants"]]
        killed = sum(m.killed for m in mutants)
        alive = [(m, verdict(m, entries)) for m in mutants if not m.killed]
        used.update(id(e) for _, e in alive if e is not None)
        equivalent = sum(e is not None for _, e in alive)
        missing = len(alive) - equivalent
        denominator = len(mutants) - equivalent
        score = killed / denominator if denominator else 1.0
        total += len(mutants)
        killed_all += killed
        equivalent_all += equivalent
        survivors += alive
        out.append(
            f"| {topic} | {len(mutants)} | {killed} | {len(alive)} | {equivalent} | {missing} "
            f"| {score:.1%} | {results[topic]['seconds'] / 60:.1f} min |"
        )
    if total:
        denominator = total - equivalent_all
        seconds = sum(results[t]["seconds"] for t in TOPICS if t in results)
        out.append(
            f"| **all** | {total} | {killed_all} | {total - killed_all} | {equivalent_all} "
            f"| {total - killed_all - equivalent_all} | **{killed_all / denominator:.1%}** "
            f"| {seconds / 60:.1f} min |"
        )
    stale = [e for e in entries if id(e) not in used]
    out += ["", "## Survivors", ""]
    if not survivors:
        out.append("None.")
    for mutant, entry in survivors:
        title = f"{mutant.topic}:{mutant.line} `{mutant.function}` {mutant.operator.split('/')[-1]}"
        out += [f"### {title}", "", "```diff", mutant.diff, "```", ""]
        if entry is None:
            out.append(f"**MISSING TEST** (scored {mutant.score:g}/{mutant.max_score:g}).")
        else:
            out.append(f"Equivalent: {entry['reason'].strip()}")
        out.append("")
    if stale:
        out += ["## Equivalence entries that match no survivor", ""]
        out += [f"- {e['topic']}: `{e['line']}` {e['operator']}" for e in stale]
        out.append("")
    out += ["## Every mutant", ""]
    for topic in TOPICS:
        if topic not in results:
            continue
        out += [f"<details><summary>{topic}</summary>", "",
                "| # | line | operator | mutated to | score | verdict | first tests that lost points |",
                "| ---: | ---: | --- | --- | ---: | --- | --- |"]  # fmt: skip
        for m in results[topic]["mutants"]:
            mutant = Mutant(**{**m, "lost": tuple(m["lost"])})
            state = "killed" if mutant.killed else ("equivalent" if verdict(mutant, entries) else "**missing test**")
            after = mutant.after.replace("|", "\\|")
            out.append(
                f"| {mutant.index + 1} | {mutant.line} | {mutant.operator.split('/')[-1]} "
                f"| `{after}` | {mutant.score:g}/{mutant.max_score:g} | {state} "
                f"| {', '.join(mutant.lost)} |"
            )
        out += ["", "</details>", ""]
    return "\n".join(out).rstrip() + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--topic", action="append", choices=TOPICS, help="only this topic (repeatable)")
    parser.add_argument("--limit", type=int, help="only the first N mutants of each topic; prints, writes nothing")
    parser.add_argument("--jobs", type=int, default=1, help="grading processes (the machine is shared: 1 unless idle)")
    parser.add_argument("--render", action="store_true", help="only render REPORT.md from results.json")
    args = parser.parse_args()

    from importlib.metadata import version

    results = json.loads(RESULTS.read_text(encoding="utf-8")) if RESULTS.exists() else {}
    entries = load_equivalent()
    if not args.render:
        for topic in args.topic or TOPICS:
            graded, seconds = run_topic(topic, args.limit, args.jobs)
            killed = sum(m.killed for m in graded)
            alive = [m for m in graded if not m.killed]
            missing = [m for m in alive if verdict(m, entries) is None]
            print(
                f"{topic}: {len(graded)} mutants, {killed} killed, {len(alive)} survived "
                f"({len(alive) - len(missing)} equivalent, {len(missing)} missing tests) "
                f"in {seconds:.0f} s",
                flush=True,
            )
            for m in missing:
                print(f"  line {m.line} {m.operator.split('/')[-1]}: {m.before}  ->  {m.after}", flush=True)
            if args.limit is None:
                # the diff is kept for survivors only: the report shows no other
                stored = [{**asdict(m), "diff": "" if m.killed else m.diff} for m in graded]
                results[topic] = {"seconds": seconds, "mutants": stored}
                results["_meta"] = {"cosmic_ray": version("cosmic-ray")}
                write_results(results)
    if args.limit is None:
        REPORT.write_text(render(results, entries), encoding="utf-8")
        print(f"wrote {REPORT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
