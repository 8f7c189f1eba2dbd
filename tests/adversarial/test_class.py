"""The red team against a whole class: `dlgrade autograde` over honest submissions with hostile
ones mixed in at random places (a hang, a segfault, memory bombs, a fork bomb, a forged report
and forged verdicts on stdout, a module too large to read, a broken zip, an empty zip, an empty
folder), graded under the harness (reaper, canaries, watched files).

SAFE GRADER: the class finishes (exit 0); every student is in the gradebook once; every honest
one has exactly its solo `dlgrade grade` score under its own name; each hostile module loses
only what its attack touched, with the reason in its tests' messages; each unreadable or empty
one is a run with `error_kind` `submission` and its reason in `error`; nothing survives, leaks
or changes outside the jail.
"""

from __future__ import annotations

import json
import random
import re
import sqlite3
import zipfile
from pathlib import Path

import pytest
from harness import MODULES, REFERENCE, ROOT, Attack, Verdict, assert_no_leak, assert_no_survivor, grade, run_grader

pytestmark = pytest.mark.slow

STUB = (ROOT / "exercises" / "activations.py").read_text(encoding="utf-8")
FAKE = json.dumps({"schema_version": 1, "score": 999.0, "max_score": 999.0, "topics": {}})


def sabotage(fn: str, body: str) -> str:
    """The reference activations with ``fn`` redefined (same signature) to run ``body``."""
    match = re.search(rf"^def {fn}\((.*?)\):", REFERENCE["activations"], flags=re.M)
    assert match, fn
    indented = "\n".join("    " + line for line in body.strip().splitlines())
    return REFERENCE["activations"] + f"\n\ndef {fn}({match.group(1)}):\n{indented}\n"


FORGED = (
    "import os as _os, sys as _sys\n"
    f"print({FAKE!r})\n_sys.stdout.flush()\n_os.write(1, {FAKE!r}.encode() + b'\\n')\n"
    f"_sys.stderr.write('activations: 72 / 72\\n' + {FAKE!r})\n"
    "for _where in ('results.json', '../results.json', '/tmp/results.json', 'grades.csv', '../gradebook.sqlite'):\n"
    "    try:\n"
    f"        open(_where, 'w').write({FAKE!r})\n"
    "    except OSError:\n"
    "        pass\n"
)
SEGFAULT = "import ctypes\nctypes.string_at(0)\nreturn x"  # reads address 0: SIGSEGV, no syscall needed

# student -> (activations.py, what the verdict is: honest, or the tests that must lose points with the
# words one of their messages must hold, or a red-team module's own verdict)
CODE: dict[str, tuple[str, Verdict | None, tuple[str, ...]]] = {
    "ann": (REFERENCE["activations"], None, ()),
    "ben": (sabotage("relu", "return x"), None, ()),  # an honest bug
    "cyd": (STUB, None, ()),  # not attempted
    "hang": (sabotage("tanh", "while True:\n    pass"), Verdict(may=("tanh",)), ("within",)),
    "segv": (sabotage("elu", SEGFAULT), Verdict(may=("elu",)), ("crashed", "SIGSEGV")),
    "bomb": (
        sabotage("relu", "import numpy as np\nb = np.ones(int(20e9 // 8))\nreturn b[: x.size].reshape(x.shape)"),
        Verdict(may=("relu",)),
        ("MemoryError",),
    ),  # fmt: skip
    "forger": (FORGED + sabotage("elu", "return x"), Verdict(may=("elu",)), ()),
}
MODULE_ATTACKS = ("fork_bomb", "memory_five_children", "terminal_injection")  # tests/adversarial/modules
UNREADABLE = {"toobig": "larger than", "brokenzip": "zip", "emptyzip": "empty", "emptydir": "empty"}


def _class(folder: Path, marker: str) -> dict[str, Path]:
    """The class, its students in a shuffled order of names (so the hostile ones sit at random
    places of the run, between honest ones); returns each student's submission."""
    order = [*CODE, *MODULE_ATTACKS, *UNREADABLE]
    random.Random(10).shuffle(order)
    paths: dict[str, Path] = {}
    for k, who in enumerate(order):
        name = f"{k:02d}-{who}"
        if who in CODE:
            path = folder / name
            path.mkdir(parents=True)
            (path / "activations.py").write_text(CODE[who][0], encoding="utf-8")
            (path / "initialization.py").write_text(REFERENCE["initialization"], encoding="utf-8")
        elif who in MODULE_ATTACKS:
            path = Attack.load(MODULES / f"{who}.py").submission(folder / name, marker)
        elif who == "toobig":
            path = folder / name
            path.mkdir(parents=True)
            (path / "activations.py").write_text(REFERENCE["activations"] + "#" * (1 << 20), encoding="utf-8")
        elif who == "brokenzip":
            path = folder / f"{name}.zip"
            path.write_bytes(b"PK\x03\x04" + bytes(range(256)) * 8)
        elif who == "emptyzip":
            path = folder / f"{name}.zip"
            zipfile.ZipFile(path, "w").close()
        else:
            path = folder / name
            path.mkdir(parents=True)
        paths[name] = path
    return paths


def _gradebook(db: Path) -> dict[str, dict]:
    with sqlite3.connect(db) as connection:
        rows = connection.execute(
            "SELECT s.name, r.error_kind, r.error, r.report, r.score FROM runs r JOIN submissions b "
            "ON r.submission_id = b.id JOIN students s ON b.student_id = s.id WHERE r.counts").fetchall()  # fmt: skip
        total = connection.execute("SELECT COUNT(*) FROM runs").fetchone()[0]
    names = [row[0] for row in rows]
    assert len(names) == len(set(names)) == total, f"a student graded more than once: {sorted(names)}"
    return {name: {"error_kind": kind, "error": error, "report": json.loads(report), "score": score}
            for name, kind, error, report, score in rows}  # fmt: skip


def _tests(report: dict, topic: str = "activations") -> list[tuple[str, str, float]]:
    return [(t["name"], t["outcome"], t["points"]) for t in report["topics"][topic]["tests"]]


def _differences(solo: dict, report: dict, topic: str) -> list[tuple[str, str]]:
    """The tests graded otherwise in the class than alone, with the class's message: what to
    look at when a neighbour's attack changed an honest grade."""
    alone = {t["name"]: (t["outcome"], t["points"]) for t in solo["topics"][topic]["tests"]}
    return [(t["name"], t.get("message", "")) for t in report["topics"][topic]["tests"]
            if alone.get(t["name"]) != (t["outcome"], t["points"])]  # fmt: skip


def test_a_hostile_class_finishes_and_honest_grades_are_solo_grades(tmp_path: Path) -> None:
    marker = "redteamclass" + format(random.getrandbits(32), "x")
    folder = tmp_path / "class"
    paths = _class(folder, marker)
    out = tmp_path / "out"
    run = run_grader(["autograde", str(folder), "--out", str(out), "--lang", "en", "--workers", "2"], watch=[folder],
                     timeout=600, marker=marker)  # fmt: skip
    assert run.code == 0, f"exit {run.code}: {run.stderr[-3000:]}"
    assert_no_leak(run)
    assert_no_survivor(run)
    assert FAKE not in run.stdout and "999" not in run.stdout  # stdout: the paths of the reports, nothing forged
    assert not (tmp_path / "results.json").exists() and not (folder / "results.json").exists()
    book = _gradebook(out / "gradebook.sqlite")
    assert set(book) == set(paths), f"missing: {set(paths) - set(book)}"
    for name, path in paths.items():
        who = name.split("-", 1)[1]
        record = book[name]
        report = record["report"]
        assert report["submission"] in (name, path.stem), (name, report["submission"])
        if who in UNREADABLE:
            assert record["error_kind"] == "submission", (name, record)
            assert UNREADABLE[who] in record["error"].lower(), (name, record["error"])
            assert record["score"] == 0
            continue
        assert not record["error_kind"], (name, record["error"])
        if who in MODULE_ATTACKS:
            Attack.load(MODULES / f"{who}.py").verdict.check(report)
            continue
        _code, verdict, words = CODE[who]
        if verdict is None:  # honest: exactly the solo grade, seed and content included
            alone = grade(path, watch=[tmp_path])
            assert alone.code == 0, alone.stderr[-2000:]
            solo = json.loads(alone.stdout)
            assert (solo["seed"], solo["content_sha256"]) == (report["seed"], report["content_sha256"]), name
            for topic in ("activations", "initialization"):
                assert _tests(solo, topic) == _tests(report, topic), (name, topic, _differences(solo, report, topic))
            assert solo["score"] == report["score"], name
            continue
        verdict.check(report)
        lost = [t for t in report["topics"]["activations"]["tests"] if t["points"] < t["max_points"]]
        errors = [t for t in lost if t["outcome"] == "error"]
        if words:  # a hang, a crash, a memory bomb: its tests are errors, each saying why
            assert errors, f"{name}: no test recorded as an error: {[(t['name'], t['outcome']) for t in lost]}"
            assert all(t["message"] for t in errors), name
            assert any(all(w in t["message"] for w in words) for t in errors), (name, [t["message"] for t in errors])
    ann = book[next(n for n in paths if n.endswith("-ann"))]["report"]["topics"]
    assert all(ann[t]["score"] == ann[t]["max_score"] > 0 for t in ("activations", "initialization"))
    forger = book[next(n for n in paths if n.endswith("-forger"))]["report"]
    assert forger["topics"]["activations"]["score"] < ann["activations"]["score"]  # its printed 999 counted for nothing
