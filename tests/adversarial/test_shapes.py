"""The red team, part two: attacks that are the shape of a submission or of the grader's
surroundings rather than code in a module (a course in the student's repository, symlinks, a
machine without bubblewrap, huge folders, broken zips and notebooks, a batch with hostile
submissions at random places). Each test's docstring names the attack and what a safe grader
must do; the checks are the harness's (no crash, no survivor, nothing leaked, bounded memory).
"""

from __future__ import annotations

import json
import shutil
import struct
import time
import zipfile
import zlib
from pathlib import Path

import pytest
from harness import (
    REFERENCE,
    ROOT,
    assert_bounded,
    assert_no_leak,
    assert_no_survivor,
    assert_refused,
    assert_safe,
    grade,
    run_grader,
)

pytestmark = pytest.mark.slow

STUB = (ROOT / "exercises" / "activations.py").read_text(encoding="utf-8")

# (test id) -> whose fix is pending; see the table in README.md
PENDING: dict[str, str] = {}


@pytest.fixture(autouse=True)
def _pending(request: pytest.FixtureRequest) -> None:
    """A test whose attack still gets through on main fails as a strict xfail (see PENDING)."""
    name = request.node.name.removeprefix("test_")
    if name in PENDING:
        request.applymarker(pytest.mark.xfail(strict=True, reason=PENDING[name]))


def write(folder: Path, files: dict[str, str | bytes]) -> Path:
    for name, content in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return folder


def sabotaged(fn: str) -> str:
    """The reference activations with ``fn`` returning its input (wrong)."""
    return REFERENCE["activations"] + f"\n\ndef {fn}(x, *args, **kwargs):\n    return x\n"


def topic_scores(report: dict) -> dict[str, tuple[float, float]]:
    return {name: (t["score"], t["max_score"]) for name, t in report["topics"].items()}


def assert_link_rejected(run, topic: str = "activations") -> None:
    """Refused outright (exit 2, one error line naming the link), or graded with the linked part
    scoring nothing and its message naming the link."""
    if run.code == 2:
        assert_refused(run, "link")
        return
    report = assert_safe(run)
    data = report["topics"][topic]
    assert data["score"] == 0, f"{topic} scored {data['score']} through a symlink"
    assert "link" in data["message"].lower(), f"the report does not say a link was refused: {data['message']!r}"


# ----------------------------------------------------------------------------- the course
def test_course_from_the_current_directory(tmp_path: Path) -> None:
    """ATTACK: `dlgrade grade .` in the student's repository, which holds its own course/ (hidden
    suites that pass everything, worth 100 points a test), its own solutions/ (the stubs), and
    a conftest.py, pytest.ini, sitecustomize.py, numpy.py and grader/ package of its own.
    SAFE GRADER: the course comes from --course, the configuration or the installed course, never
    from the current directory, and nothing there is imported: the stubs score exactly what they
    score with the real course, and no hook ran."""
    repo = tmp_path / "repo"
    shutil.copytree(ROOT / "course", repo / "course", ignore=shutil.ignore_patterns(".redteam-canary*", "samples"))
    fake = "import pytest\n\n" + "".join(f"@pytest.mark.points(100)\ndef test_free_{i}(student):\n    pass\n\n" for i in range(6))
    for suite in (repo / "course").glob("*/hidden/test_*.py"):
        suite.write_text(fake, encoding="utf-8")
    hook = f"open({str(repo / 'hooked')!r}, 'w').write('ran')\n"
    write(repo, {"exercises/activations.py": STUB, "solutions/__init__.py": "",
                 "solutions/activations.py": STUB,
                 # pytest's and Python's own hooks in the folder the grader runs in
                 "conftest.py": hook + "import pytest\n@pytest.hookimpl(hookwrapper=True)\n"
                 "def pytest_runtest_makereport(item, call):\n    out = yield\n    out.get_result().outcome = 'passed'\n",
                 "pytest.ini": "[pytest]\naddopts = -p conftest\n", "sitecustomize.py": hook,
                 "usercustomize.py": hook, "numpy.py": hook, "grader/__init__.py": hook,
                 "grader/cli.py": hook + "def main():\n    print('{}')\n"})  # fmt: skip
    honest = assert_safe(grade(repo / "exercises", watch=[tmp_path]))
    run = run_grader(["grade", ".", "--format", "json"], cwd=repo, course_env=False, watch=[tmp_path])
    report = assert_safe(run)
    assert topic_scores(report) == topic_scores(honest), "the student's own course/ decided the grade"
    assert not (repo / "hooked").exists(), "code of the student's repository ran in the grader"


def test_symlinked_exercises_folder(tmp_path: Path) -> None:
    """ATTACK: the submission's exercises/ is a symlink to the grader's solutions/.
    SAFE GRADER: no symlink in a submission is followed: rejected, and the grader says so."""
    folder = tmp_path / "submission"
    folder.mkdir()
    (folder / "exercises").symlink_to(ROOT / "solutions", target_is_directory=True)
    assert_link_rejected(grade(folder, watch=[tmp_path]))


def test_symlinked_module(tmp_path: Path) -> None:
    """ATTACK: activations.py in the submission is a symlink to the reference solution.
    SAFE GRADER: rejected and said so (not silently "missing"); the honest initialization.py
    beside it scores in full if the submission is graded at all."""
    folder = write(tmp_path / "submission", {"initialization.py": REFERENCE["initialization"]})
    (folder / "activations.py").symlink_to(ROOT / "solutions" / "activations.py")
    run = grade(folder, watch=[tmp_path])
    assert_link_rejected(run)
    if run.code == 0:
        init = run.report["topics"]["initialization"]
        assert init["score"] == init["max_score"] > 0


def test_package_of_the_same_name(tmp_path: Path) -> None:
    """ATTACK: beside the stub activations.py, a package activations/ whose __init__.py is the
    reference, and an initialization/ package holding the reference with no module at all,
    hoping the jail imports the package, or the grader reads it as the module.
    SAFE GRADER: a topic is its <topic>.py file: activations scores as the stubs, and
    initialization is missing (or refused), never the package's grade."""
    folder = write(tmp_path / "submission", {
        "activations.py": STUB, "activations/__init__.py": REFERENCE["activations"],
        "initialization/__init__.py": REFERENCE["initialization"],
    })  # fmt: skip
    stubs = assert_safe(grade(write(tmp_path / "stubs", {"activations.py": STUB}), watch=[tmp_path]))
    run = grade(folder, watch=[tmp_path])
    if run.code == 2:
        assert_refused(run)
        return
    report = assert_safe(run)
    assert report["topics"]["activations"]["score"] == stubs["topics"]["activations"]["score"]
    assert report["topics"]["initialization"]["score"] == 0


def test_inputs_printed_by_a_classmate_are_useless(tmp_path: Path) -> None:
    """ATTACK: a lookup table. One student's correct submission learns the hidden inputs of a
    run (with a fixed default seed they are the same for everyone); a second student submits a
    table of those inputs and their answers.
    SAFE GRADER: the hidden inputs' seed depends on the submission's content (and a course
    secret): the same code regraded gets the same seed and grade; any other code, another seed."""
    seeds = {}
    for name, extra in (("first", ""), ("second", "\n# another student's file\n"), ("again", "")):
        folder = write(tmp_path / name, {"activations.py": REFERENCE["activations"] + extra})
        report = assert_safe(grade(folder, "--topic", "activations", watch=[tmp_path]))
        seeds[name] = (report["seed"], report["score"])
    assert seeds["first"] == seeds["again"], "the same code did not get the same seed and grade"
    assert seeds["first"][0] != seeds["second"][0], "two submissions share the hidden inputs' seed"


# ----------------------------------------------------------------------------- fail closed
def _path_without_bwrap(tmp_path: Path) -> str:
    """A PATH with every program of /usr/bin and /bin but bwrap: a fresh machine without
    bubblewrap."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for folder in (Path("/usr/local/bin"), Path("/usr/bin"), Path("/bin")):
        for program in folder.iterdir():
            if program.name != "bwrap" and not (bin_dir / program.name).exists():
                (bin_dir / program.name).symlink_to(program)
    return str(bin_dir)


def test_no_bwrap_refuses_without_consent(tmp_path: Path) -> None:
    """ATTACK: grade on a machine without bubblewrap (here: a PATH without bwrap), hoping for the
    silent fallback to the plain jail (student code as root, the hidden suites readable).
    SAFE GRADER: refuses with one error line and exit 2; an unknown DLGRADE_JAIL value is
    refused too."""
    folder = write(tmp_path / "submission", {"activations.py": REFERENCE["activations"]})
    path = _path_without_bwrap(tmp_path)
    assert_refused(grade(folder, path_env=path, watch=[tmp_path]), "bwrap", "bubblewrap", "jail")
    assert_refused(grade(folder, env={"DLGRADE_JAIL": "nonsense"}, watch=[tmp_path]), "jail")


def test_no_bwrap_plain_with_consent(tmp_path: Path) -> None:
    """The other half: with the user's consent (`--jail plain`, or DLGRADE_JAIL=plain) the grade
    runs in the plain jail and the report says so."""
    folder = write(tmp_path / "submission", {"activations.py": REFERENCE["activations"]})
    path = _path_without_bwrap(tmp_path)
    for args, env in ((["--jail", "plain"], {}), ([], {"DLGRADE_JAIL": "plain"})):
        report = assert_safe(grade(folder, *args, path_env=path, env=env, watch=[tmp_path]))
        assert report["protections"]["jail"] == "plain"
        assert report["topics"]["activations"]["score"] == report["topics"]["activations"]["max_score"]


# ----------------------------------------------------------------------------- size and shape
def test_four_hundred_megabyte_folder(tmp_path: Path) -> None:
    """ATTACK: a submission folder of 400 files of 1 MB each beside a correct activations.py
    (the issue: 11.5 minutes despite a 300 s budget).
    SAFE GRADER: the submission's size and file count are capped before anything is copied:
    refused within seconds with one clear error line."""
    folder = write(tmp_path / "submission", {"activations.py": REFERENCE["activations"]})
    filler = ("# " + "x" * 97 + "\n").encode() * 10_000
    try:
        for i in range(400):
            (folder / f"helper_{i:03d}.py").write_bytes(filler)
        started = time.monotonic()
        run = grade(folder, timeout=25)
        seconds = time.monotonic() - started
        assert_refused(run, "size", "large", "mb", "mib", "files", "bytes")
        assert seconds < 20, f"refusing took {seconds:.0f} s"
        assert_no_survivor(run)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _encrypted_zip(path: Path) -> Path:
    """A zip whose one entry has the 'encrypted' flag set (zipfile cannot write real ones)."""
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("activations.py", REFERENCE["activations"])
    data = bytearray(path.read_bytes())
    for signature, flag_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = data.find(signature)
        (flags,) = struct.unpack_from("<H", data, at + flag_at)
        struct.pack_into("<H", data, at + flag_at, flags | 0x1)
    path.write_bytes(bytes(data))
    return path


def _non_utf8_zip(path: Path) -> Path:
    """A zip whose entry name claims UTF-8 (flag 0x800) but is not."""
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("activations.py", REFERENCE["activations"])
        archive.writestr("naïve_helper.py", "X = 1\n")
    data = path.read_bytes()
    name = "naïve_helper.py".encode()
    bad = b"na\xff\xfeve_helper.py"[: len(name)].ljust(len(name), b"_")
    path.write_bytes(bytes(data).replace(name, bad))
    return path


def _zip_bomb(path: Path, unpacked: int = 256 << 20) -> Path:
    """A zip of one entry whose headers say 100 bytes while its deflate stream unpacks to
    ``unpacked`` bytes (zeros: 256 MiB deflate to a quarter of a MiB)."""
    name, data = b"activations.py", b"\0" * unpacked
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    stream = packer.compress(data) + packer.flush()
    crc = zlib.crc32(data)
    local = struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 8, 0, 0, crc, len(stream), 100, len(name), 0) + name
    central = struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, 8, 0, 0, crc, len(stream), 100, len(name),
                          0, 0, 0, 0, 0, 0) + name  # fmt: skip
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, 1, 1, len(central), len(local) + len(stream), 0)
    path.write_bytes(local + stream + central + end)
    return path


def test_zip_bomb_whose_headers_lie(tmp_path: Path) -> None:
    """ATTACK: a quarter-MiB zip whose one entry claims 100 bytes and unpacks to 256 MiB (a
    32 MiB zip would unpack to 32 GiB): the size checks read the headers, the reader then
    decompresses the whole stream into the grader's memory.
    SAFE GRADER: an entry is read with a bound (at most its cap + 1 bytes, whatever its header
    says): refused with one clear error line, the grader's own memory stays small."""
    run = grade(_zip_bomb(tmp_path / "activations.zip"), "--topic", "activations", watch=[tmp_path])
    assert_refused(run)
    assert_bounded(run)


NOTEBOOKS = {
    "cells_a_dict": {"cells": {"a": 1}},
    "cell_a_number": {"cells": [1]},
    "metadata_a_list": {"cells": [{"cell_type": "code", "metadata": [], "source": "x = 1"}]},
    "nbgrader_a_number": {"cells": [{"cell_type": "code", "metadata": {"nbgrader": 1}, "source": "x = 1"}]},
    "source_of_numbers": {"cells": [{"cell_type": "code", "source": [1, 2]}]},
    "source_a_dict": {"cells": [{"cell_type": "code", "source": {"a": 1}}]},
    "top_level_list": [],
}


def _notebook(path: Path, shape: str) -> Path:
    path.write_text(json.dumps(NOTEBOOKS[shape]), encoding="utf-8")
    return path


def _broken(tmp_path: Path, kind: str) -> Path:
    if kind == "encrypted_zip":
        return _encrypted_zip(tmp_path / "activations.zip")
    if kind == "non_utf8_zip_name":
        return _non_utf8_zip(tmp_path / "activations.zip")
    if kind == "not_utf8_notebook":
        path = tmp_path / "activations.ipynb"
        path.write_bytes(b'{"cells": [\xff\xfe]}')
        return path
    return _notebook(tmp_path / "activations.ipynb", kind)


BROKEN = ["encrypted_zip", "non_utf8_zip_name", "not_utf8_notebook", *NOTEBOOKS]


@pytest.mark.parametrize("kind", BROKEN)
def test_broken_submission_is_refused_or_graded(tmp_path: Path, kind: str) -> None:
    """ATTACK: a submission the reader chokes on: an encrypted zip entry, a zip entry name that is
    not UTF-8, notebooks of every malformed shape (the issue: exit 3, no grade for anyone).
    SAFE GRADER: one clear error line and exit 2 (or a report saying what could not be read),
    never the grader's own crash."""
    submission = _broken(tmp_path, kind)
    run = grade(submission, "--topic", "activations", watch=[tmp_path])
    assert run.code in (0, 2), f"exit {run.code}: {run.stderr[-2000:]}"
    if run.code == 2:
        assert_refused(run)
    else:
        assert_safe(run)
    assert_no_survivor(run)


# ----------------------------------------------------------------------------- batches
def _batch(folder: Path, *args: str, tmp_path: Path) -> dict[str, dict]:
    out = tmp_path / "grades.jsonl"  # the batch's own product: outside the watched folder
    run = run_grader(["batch", str(folder), "--out", str(out), "--lang", "en", *args], watch=[folder], timeout=240)
    assert run.code == 0, f"exit {run.code}: {run.stderr[-3000:]}"
    assert_no_leak(run)
    assert_no_survivor(run)
    records = {}
    for line in out.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        records[Path(record["path"]).name] = record
    return records


def test_batch_keeps_every_grade_with_its_submission(tmp_path: Path) -> None:
    """ATTACK: hostile submissions at random places of a batch (--jobs 2, groups of three): one
    unreadable (a module over 1 MiB), an encrypted zip, a zip name that is not UTF-8, a malformed
    notebook, a signature default `alpha=np.zeros(2)`, between honest ones of different scores
    (the issue: reports paired by position, two students swap grades; or exit 3 for everyone).
    SAFE GRADER: results keyed by submission: every honest one gets exactly its solo grade under
    its own name, every broken one is recorded with its reason, the batch ends normally."""
    folder = tmp_path / "class"
    honest = {
        "a_full": REFERENCE["activations"],
        "d_no_relu": sabotaged("relu"),
        "g_full": REFERENCE["activations"],
        "j_no_tanh": sabotaged("tanh"),
    }
    for name, source in honest.items():
        write(folder / name, {"activations.py": source})
    write(folder / "b_too_big", {"activations.py": REFERENCE["activations"] + "#" * (1 << 20)})
    _encrypted_zip(folder / "c_encrypted.zip")
    _non_utf8_zip(folder / "e_bad_name.zip")
    _notebook(folder / "f_notebook.ipynb", "cell_a_number")
    write(folder / "h_array_default", {"activations.py": REFERENCE["activations"] +
                                       "\n\ndef elu(x, alpha=np.zeros(2)):\n    return x\n"})  # fmt: skip
    solo = {}
    for name in ("d_no_relu", "j_no_tanh"):
        report = assert_safe(grade(folder / name, "--topic", "activations", watch=[tmp_path]))
        solo[name] = topic_scores(report)
    full = {"activations": (solo["d_no_relu"]["activations"][1],) * 2}  # the reference: every point
    solo["a_full"] = solo["g_full"] = full
    records = _batch(folder, "--jobs", "2", "--topic", "activations", tmp_path=tmp_path)
    expected = {p.name for p in folder.iterdir()}
    assert set(records) == expected, f"missing from the batch: {expected - set(records)}"
    for name, scores in solo.items():
        assert topic_scores(records[name]) == scores, f"{name} did not get its solo grade"
        assert records[name].get("submission") in (name, None)
    for name in ("b_too_big", "c_encrypted.zip", "e_bad_name.zip", "f_notebook.ipynb"):
        assert records[name]["score"] == 0, f"{name} scored {records[name]['score']}"
        assert records[name].get("error") or any(t["message"] for t in records[name]["topics"].values())


STASH = """
import os as _os, glob as _glob
for _where in ("/tmp", "/dev/shm", "/var/tmp", "/work", _os.path.dirname(_os.getcwd()), _os.path.expanduser("~")):
    try:
        with open(_os.path.join(_where, "redteam_stash.py"), "w") as _f:
            _f.write(open(__file__).read())
    except OSError:
        pass
"""

TAKE = """
import glob as _glob, os as _os
for _path in _glob.glob("/*/redteam_stash.py") + _glob.glob("/*/*/redteam_stash.py") + _glob.glob("/dev/shm/*"):
    try:
        exec(open(_path).read(), globals())
        break
    except Exception:
        pass
"""


def test_batch_leaves_nothing_for_the_next_submission(tmp_path: Path) -> None:
    """ATTACK: two students of one batch collude: the first one's correct module copies itself to
    every shared place it can write in the jail (/tmp, /dev/shm, the jobs' parent folder); the
    second one submits the stubs and, at import, runs whatever it finds there.
    SAFE GRADER: every job starts in an empty box (its own /tmp, a folder no other job could
    have written): the second student gets exactly the solo grade of the stubs."""
    folder = tmp_path / "class"
    write(folder / "a_donor", {"activations.py": REFERENCE["activations"] + STASH})
    write(folder / "b_taker", {"activations.py": STUB + TAKE})
    write(folder / "c_other", {"activations.py": REFERENCE["activations"]})
    records = _batch(folder, "--jobs", "1", "--topic", "activations", tmp_path=tmp_path)
    taker = records["b_taker"]["topics"]["activations"]
    assert taker["tests"] and {t["outcome"] for t in taker["tests"]} == {"not_attempted"}, (
        "the taker got more than its stubs' grade"
    )
    assert records["c_other"]["score"] == records["a_donor"]["score"] == records["a_donor"]["max_score"]
