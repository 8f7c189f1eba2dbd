"""`dlgrade submit` and the grader's check of its manifest (issue 9, item 5).

The archive holds the student's exercises/ and a manifest (student, topics, files with their
SHA-256, engine version, time). A grade checks it first: a truncated, tampered or incomplete
archive is refused in one line (exit 2; a batch record's ``error``), and only with
``--accept-partial`` is what is intact graded, the rest said."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from grader import api
from grader.archive import ManifestMismatch
from grader.errors import UsageError
from grader.submission import content_sha256, load_submission
from grader.submit import pack

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def work(tmp_path: Path) -> Path:
    """A student's folder: the stubs, with activations solved and a helper module."""
    folder = tmp_path / "work"
    (folder / "exercises").mkdir(parents=True)
    for stub in (ROOT / "exercises").glob("*.py"):
        (folder / "exercises" / stub.name).write_bytes(stub.read_bytes())
    (folder / "exercises" / "activations.py").write_bytes((ROOT / "solutions" / "activations.py").read_bytes())
    (folder / "exercises" / "my_helpers.py").write_text("SCALE = 2.0\n", encoding="utf-8")
    (folder / "notes.txt").write_text("not part of the submission\n", encoding="utf-8")
    return folder


def _dlgrade(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DLGRADE_COURSE": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "grader.cli", *map(str, args)], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)  # fmt: skip


def _rewrite(source: Path, target: Path, change) -> Path:
    """A copy of the archive, each member passed through ``change(name, data)`` (None drops it)."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            data = change(info.filename, old.read(info))
            if data is not None:
                new.writestr(info, data)
    return target


def test_submit_packs_the_exercises_with_a_manifest(work: Path) -> None:
    done = _dlgrade("submit", "--student", "s-042", cwd=work)
    assert done.returncode == 0, done.stderr
    archive = work / "submission-s-042.zip"
    assert "submission-s-042.zip" in done.stdout and "s-042" in done.stdout
    with zipfile.ZipFile(archive) as zipped:
        names = [info.filename for info in zipped.infolist()]
        manifest = json.loads(zipped.read("manifest.json"))
        members = {name: zipped.read(name) for name in names}
    assert names[0] == "manifest.json", "the manifest comes first: a cut archive still has it"
    expected = sorted(f"exercises/{p.name}" for p in (work / "exercises").glob("*.py"))
    assert sorted(names[1:]) == expected, "exactly the .py files of exercises/ (no notes, no course)"
    assert manifest["student"] == "s-042" and manifest["format"] == "dlgrade-submission"
    assert manifest["topics"] == ["activations", "initialization", "batchnorm", "dropout", "optimizers", "matrix_ops"]
    assert manifest["engine_version"] and manifest["created"].endswith("Z")
    for entry in manifest["files"]:
        data = (work / entry["path"]).read_bytes()
        assert entry["bytes"] == len(data) and entry["sha256"] == hashlib.sha256(data).hexdigest()
        assert members[entry["path"]] == data
    graded = load_submission(archive)
    assert graded.manifest["status"] == "intact" and not graded.error
    assert graded.content_sha256 == manifest["content_sha256"] == load_submission(work).content_sha256


def test_submit_refuses_a_bad_student_id_or_a_folder_without_exercises(work: Path, tmp_path: Path) -> None:
    done = _dlgrade("submit", "--student", "../evil", cwd=work)
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 2 and len(lines) == 1 and lines[0].startswith("error: --student"), done.stderr
    empty = tmp_path / "empty"
    empty.mkdir()
    done = _dlgrade("submit", "--student", "s1", cwd=empty)
    assert done.returncode == 2 and "no exercises/ folder" in done.stderr, done.stderr
    with pytest.raises(UsageError):
        pack(work, "s1", out=work / "exercises")


@pytest.fixture
def archive(work: Path) -> Path:
    return pack(work, "s-042")[0]


def _refused(path: Path, kind: str, needle: str) -> ManifestMismatch:
    with pytest.raises(ManifestMismatch) as raised:
        load_submission(path)
    message = str(raised.value)
    assert "\n" not in message and f"{path.name}: {kind}: " in message and needle in message, message
    assert "--accept-partial" in message
    return raised.value


def test_a_changed_file_is_tampered(archive: Path, tmp_path: Path) -> None:
    def change(name: str, data: bytes) -> bytes:
        return data + b"\n# improved after the deadline\n" if name == "exercises/dropout.py" else data

    tampered = _rewrite(archive, tmp_path / "t.zip", change)
    _refused(tampered, "tampered", "exercises/dropout.py differs from the SHA-256")
    partial = load_submission(tampered, accept_partial=True)
    assert "dropout" not in partial.modules and "changed after" in partial.problems["dropout"]
    assert "activations" in partial.modules and partial.error_kind == "submission"
    assert partial.manifest["status"] == "tampered"


def test_an_added_module_is_tampered(archive: Path, tmp_path: Path) -> None:
    added = _rewrite(archive, tmp_path / "a.zip", lambda name, data: data)
    with zipfile.ZipFile(added, "a") as zipped:
        zipped.writestr("exercises/sneaky.py", "import os\n")
    _refused(added, "tampered", "exercises/sneaky.py is not in its manifest")
    assert "sneaky.py" not in load_submission(added, accept_partial=True).helpers


def test_a_forged_manifest_is_tampered(archive: Path, tmp_path: Path) -> None:
    forged = _rewrite(archive, tmp_path / "f.zip", lambda name, data: b"{not json" if name == "manifest.json" else data)
    _refused(forged, "tampered", "manifest.json is not valid JSON")
    assert load_submission(forged, accept_partial=True).modules == {}, "nothing is intact without a manifest"


def test_a_lost_file_is_incomplete(archive: Path, tmp_path: Path) -> None:
    lost = _rewrite(archive, tmp_path / "i.zip", lambda name, data: None if name == "exercises/batchnorm.py" else data)
    _refused(lost, "incomplete", "exercises/batchnorm.py is listed in its manifest but not in the archive")
    partial = load_submission(lost, accept_partial=True)
    assert "batchnorm" not in partial.modules and "missing from the archive" in partial.problems["batchnorm"]


def test_a_cut_archive_is_truncated_and_its_whole_part_gradable(archive: Path, tmp_path: Path) -> None:
    data = archive.read_bytes()
    cut = tmp_path / "cut.zip"
    cut.write_bytes(data[: len(data) * 2 // 3])
    _refused(cut, "truncated", "the archive ends early")
    partial = load_submission(cut, accept_partial=True)
    kept, lost = set(partial.modules), {t for t, why in partial.problems.items() if "lost" in why}
    assert kept and lost and not kept & lost, (kept, lost)
    with zipfile.ZipFile(archive) as whole:  # what survived is byte for byte what was submitted
        for topic in kept:
            assert partial.modules[topic] == whole.read(f"exercises/{topic}.py").decode("utf-8")
    # cut inside the manifest itself: nothing says what it held, an unreadable zip as any other
    head = tmp_path / "head.zip"
    head.write_bytes(data[:60])
    with pytest.raises(Exception, match="not a readable zip"):
        load_submission(head)


def test_an_ordinary_zip_is_read_as_before(work: Path, tmp_path: Path) -> None:
    plain = tmp_path / "plain.zip"
    with zipfile.ZipFile(plain, "w") as zipped:
        for path in sorted((work / "exercises").glob("*.py")):
            zipped.writestr(f"exercises/{path.name}", path.read_bytes())
    submission = load_submission(plain)
    assert submission.manifest == {} and submission.content_sha256 == load_submission(work).content_sha256


def test_content_hash_is_the_manifests() -> None:
    assert content_sha256({"a.py": b"x"}) != content_sha256({"a.py": b"y"})


@pytest.mark.slow
def test_grade_refuses_and_accepts_partial_and_a_batch_records_why(archive: Path, tmp_path: Path) -> None:
    lost = _rewrite(archive, tmp_path / "lost.zip", lambda name, data: None if name == "exercises/dropout.py" else data)
    done = _dlgrade("grade", lost, "--topic", "activations", "--jail", "plain", cwd=tmp_path)
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 2 and len(lines) == 1 and "lost.zip: incomplete: " in lines[0], done.stderr
    done = _dlgrade("grade", lost, "--format", "json", "--jail", "plain", "--accept-partial", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["manifest"]["status"] == "incomplete" and report["manifest"]["student"] == "s-042"
    assert report["error_kind"] == "submission" and "incomplete" in report["error"]
    assert report["topics"]["activations"]["score"] == report["topics"]["activations"]["max_score"]
    assert report["topics"]["dropout"]["status"] == "not_gradable"
    reports = api.grade_many([archive, lost], out=tmp_path / "grades.jsonl", topic="activations", jail="plain")
    whole, broken = reports
    assert whole.manifest["status"] == "intact" and not whole.error
    assert broken.error_kind == "submission" and "incomplete" in broken.error and broken.score == 0
    assert broken.manifest["status"] == "incomplete"
    assert whole.score == whole.max_score


def test_a_damaged_archive_is_a_submission_error_never_a_crash(archive: Path, tmp_path: Path) -> None:
    """Every byte of a submission is hostile: flipped bytes, cuts anywhere, a manifest that lies
    about paths or sizes. Each gives a Submission or a SubmissionError (one line), nothing else."""
    import random

    from grader.errors import SubmissionError

    data = archive.read_bytes()
    rng = random.Random(20261203)
    variants = [data[:cut] for cut in range(0, len(data), max(1, len(data) // 60))]
    for _ in range(60):
        damaged = bytearray(data)
        for _ in range(rng.randint(1, 8)):
            damaged[rng.randrange(len(damaged))] = rng.randrange(256)
        variants.append(bytes(damaged))
    lies = [{"files": [{"path": "../../etc/passwd.py", "bytes": 1, "sha256": "0" * 64}]},
            {"files": [{"path": "exercises/a.py", "bytes": 10**12, "sha256": "x"}]},
            {"topics": ["activations", 3]}, {"files": "all"}, {"manifest_version": 99}]  # fmt: skip
    with zipfile.ZipFile(archive) as zipped:
        manifest = json.loads(zipped.read("manifest.json"))
    for lie in lies:
        forged = tmp_path / "forged.zip"
        _rewrite(
            archive, forged, lambda name, data, lie=lie: json.dumps(manifest | lie).encode() if name == "manifest.json" else data
        )
        variants.append(forged.read_bytes())
    for number, variant in enumerate(variants):
        path = tmp_path / f"v{number}.zip"
        path.write_bytes(variant)
        for partial in (False, True):
            try:
                submission = load_submission(path, accept_partial=partial)
            except SubmissionError as error:
                assert "\n" not in str(error), str(error)
                continue
            assert all(isinstance(text, str) for text in submission.modules.values())


# ----------------------------------------------------------------------------- notebooks
def _solved_notebook(topic: str) -> str:
    """The bundle's notebook of ``topic`` with the reference in its answer cells."""
    nbformat = pytest.importorskip("nbformat")
    from grader.course import load_course
    from grader.notebooks import student_notebook

    notebook = student_notebook(load_course(ROOT), topic)
    solution = (ROOT / "solutions" / f"{topic}.py").read_text(encoding="utf-8")
    answers = [cell for cell in notebook.cells if cell.metadata.get("nbgrader", {}).get("solution")]
    answers[0].source = solution  # the whole module in the first answer cell, the stubs after it
    for cell in answers[1:]:
        cell.source = "# solved above"
    notebook.cells.append(nbformat.v4.new_code_cell("import matplotlib.pyplot as plt\n%matplotlib inline\nplt.plot([1, 2])"))
    return nbformat.writes(notebook)


def test_submit_packs_the_notebooks_and_the_grade_reads_them(work: Path, tmp_path: Path) -> None:
    """The bundle's notebooks/ go into the archive with their SHA-256; the topic worked in the
    notebook is graded from it (the stub module beside it has nothing written), and a changed
    notebook is tampered like a changed module."""
    (work / "notebooks").mkdir()
    (work / "notebooks" / "dropout.ipynb").write_text(_solved_notebook("dropout"), encoding="utf-8")
    archive, manifest = pack(work, "s-042")
    paths = [entry["path"] for entry in manifest["files"]]
    assert "notebooks/dropout.ipynb" in paths and "dropout" in manifest["topics"]
    graded = load_submission(archive)
    assert graded.manifest["status"] == "intact" and graded.content_sha256 == manifest["content_sha256"]
    assert "keep = rng.random" in graded.modules["dropout"] and "plt.plot" not in graded.modules["dropout"]
    assert graded.modules["activations"] == (ROOT / "solutions" / "activations.py").read_text(encoding="utf-8")

    def change(name: str, data: bytes) -> bytes:
        return data.replace(b"keep = rng.random", b"keep = rng.uniform") if name == "notebooks/dropout.ipynb" else data

    _refused(_rewrite(archive, tmp_path / "t.zip", change), "tampered", "notebooks/dropout.ipynb differs")


def test_check_runs_the_public_checks_on_a_notebook(work: Path) -> None:
    """`dlgrade check` in the bundle grades the notebook the student worked in."""
    (work / "notebooks").mkdir()
    (work / "notebooks" / "dropout.ipynb").write_text(_solved_notebook("dropout"), encoding="utf-8")
    done = _dlgrade("check", "dropout", "--lang", "en", cwd=work)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "not attempted" not in done.stdout.lower() and "dropout" in done.stdout
