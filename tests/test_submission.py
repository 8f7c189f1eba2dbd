"""Reading a submission (grader/submission.py, spec/report-format.md "What a submission is"):
folders, zips, single files and notebooks become plain text per module, guarded, without
running anything."""

from __future__ import annotations

import json
import os
import stat
import struct
import tracemalloc
import zipfile
import zlib
from pathlib import Path

import pytest

from grader.errors import SubmissionError, UsageError
from grader.submission import MAX_ZIP_BYTES, MAX_ZIP_FILES, TOPICS, load_submission

CODE = "def relu(x):\n    return x * (x > 0)\n"
HELPER = "SCALE = 2\n"


def write(folder: Path, files: dict[str, str | bytes]) -> Path:
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
    return folder


def make_zip(path: Path, files: dict[str, str | bytes | zipfile.ZipInfo]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return path


# ----------------------------------------------------------------------------- folders
def test_folder_with_exercises(tmp_path):
    write(tmp_path / "work", {
        "exercises/activations.py": CODE,
        "exercises/dropout.py": "def dropout_forward(x, p, rng, train=True):\n    pass\n",
        "exercises/helpers.py": HELPER,
        "activations.py": "top-level copy that must be ignored",
        "notes.txt": "not code",
    })  # fmt: skip
    sub = load_submission(tmp_path / "work")
    assert sub.name == "work"
    assert sub.modules == {
        "activations": CODE,
        "dropout": "def dropout_forward(x, p, rng, train=True):\n    pass\n",
    }
    assert sub.helpers == {"helpers.py": HELPER}
    assert sub.problems == {}


def test_folder_with_top_level_modules(tmp_path):
    write(tmp_path / "work", {"batchnorm.py": CODE, "matrix_ops.py": CODE, "util.py": HELPER,
                              "deeper/activations.py": CODE})  # fmt: skip
    sub = load_submission(tmp_path / "work")
    assert set(sub.modules) == {"batchnorm", "matrix_ops"}  # nothing from subfolders
    assert sub.helpers == {"util.py": HELPER}


def test_helper_modules_are_carried_along(tmp_path):
    write(tmp_path / "w", {"exercises/activations.py": "from mylib import f\n",
                           "exercises/mylib.py": "def f():\n    return 1\n"})  # fmt: skip
    sub = load_submission(tmp_path / "w")
    files = sub.files_for("activations")
    assert files == {"activations.py": "from mylib import f\n",
                     "mylib.py": "def f():\n    return 1\n"}  # fmt: skip


def test_package_files_are_skipped(tmp_path):
    write(tmp_path / "w", {"exercises/__init__.py": "raise SystemExit", "exercises/__main__.py": "",
                           "exercises/activations.py": CODE})  # fmt: skip
    sub = load_submission(tmp_path / "w")
    assert sub.modules == {"activations": CODE}
    assert sub.helpers == {}
    assert "__init__.py" not in sub.files_for("activations")


def test_empty_folder_has_no_modules(tmp_path):
    (tmp_path / "w").mkdir()
    sub = load_submission(tmp_path / "w")
    assert sub.modules == {} and sub.helpers == {} and sub.problems == {}


@pytest.mark.parametrize("link", ["dropout.py", "helper.py", "notes.txt", "deeper/x.py"])
def test_any_symlink_in_a_folder_is_refused_by_name(tmp_path, link):
    """A link is never followed, nor silently skipped: the submission is refused, naming it."""
    secret = tmp_path / "secret.py"
    secret.write_text("TOKEN = 'do not read'\n")
    write(tmp_path / "w", {"activations.py": CODE, "deeper/ok.txt": ""})
    os.symlink(secret, tmp_path / "w" / link)
    with pytest.raises(SubmissionError) as error:
        load_submission(tmp_path / "w")
    assert f"w/{link}" in str(error.value) and "link" in str(error.value)
    assert "do not read" not in str(error.value)


def test_symlinked_exercises_folder_is_refused(tmp_path):
    """The 264/264 attack: exercises/ pointing at the course's solutions/."""
    solutions = Path(__file__).resolve().parent.parent / "solutions"
    (tmp_path / "w").mkdir()
    os.symlink(solutions, tmp_path / "w" / "exercises")
    with pytest.raises(SubmissionError, match="w/exercises is a symbolic link"):
        load_submission(tmp_path / "w")


def test_symlinked_submission_itself_is_refused(tmp_path):
    write(tmp_path / "real", {"activations.py": CODE})
    os.symlink(tmp_path / "real", tmp_path / "alias")
    os.symlink(tmp_path / "real" / "activations.py", tmp_path / "activations.py")
    for path in (tmp_path / "alias", tmp_path / "activations.py"):
        with pytest.raises(SubmissionError, match="symbolic link"):
            load_submission(path)


def test_hidden_folders_are_not_looked_into(tmp_path):
    """A student's .git or .venv (full of links and files) is not part of the submission."""
    write(tmp_path / "w", {"exercises/activations.py": CODE, ".git/objects/ab": "x", ".venv/lib/a.py": ""})
    os.symlink("/usr/bin/python3", tmp_path / "w" / ".venv" / "python")
    assert load_submission(tmp_path / "w").modules == {"activations": CODE}


def test_a_hidden_link_is_skipped_like_a_hidden_folder(tmp_path):
    """A .venv made elsewhere and linked in is no more part of the submission than a real one:
    neither followed nor a reason to refuse the work beside it; a visible link still is."""
    solutions = Path(__file__).resolve().parent.parent / "solutions"
    write(tmp_path / "w", {"exercises/activations.py": CODE})
    os.symlink(solutions, tmp_path / "w" / ".venv")
    os.symlink(solutions / "dropout.py", tmp_path / "w" / "exercises" / ".dropout.py")
    assert load_submission(tmp_path / "w").modules == {"activations": CODE}
    os.symlink(solutions, tmp_path / "w" / "venv")
    with pytest.raises(SubmissionError, match="w/venv is a symbolic link"):
        load_submission(tmp_path / "w")


def test_a_fifo_in_a_folder_is_refused_not_read(tmp_path):
    write(tmp_path / "w", {"exercises/activations.py": CODE})
    os.mkfifo(tmp_path / "w" / "exercises" / "dropout.py")  # reading it would block forever
    with pytest.raises(SubmissionError, match="not a regular file"):
        load_submission(tmp_path / "w")


def _timed_refusal(path: Path, needle: str) -> float:
    import time

    started = time.perf_counter()
    with pytest.raises(SubmissionError, match=needle):
        load_submission(path)
    return time.perf_counter() - started


def test_a_folder_too_large_is_refused_before_reading_it(tmp_path):
    """400 files of 1 MB: refused from their sizes, fast, long before 400 MB are read."""
    folder = tmp_path / "w"
    write(folder, {"activations.py": CODE})
    for i in range(400):
        with open(folder / f"blob{i}.py", "wb") as handle:
            handle.truncate(1_000_000)  # sparse: a size without the bytes
    assert _timed_refusal(folder, "MiB") < 2.0


def test_a_folder_with_too_many_files_is_refused_fast(tmp_path):
    from grader.submission import MAX_TREE_ENTRIES

    folder = write(tmp_path / "w", {"activations.py": CODE})
    (folder / "many").mkdir()
    for i in range(MAX_TREE_ENTRIES + 10):
        (folder / "many" / str(i)).touch()
    assert _timed_refusal(folder, f"more than {MAX_TREE_ENTRIES} files") < 2.0


def test_a_very_deep_folder_chain_is_refused_fast(tmp_path):
    folder = write(tmp_path / "w", {"activations.py": CODE})
    deep = folder
    for _ in range(300):
        deep = deep / "d"
    os.makedirs(deep)
    assert _timed_refusal(folder, "nested more than") < 2.0


def test_too_many_modules_beside_the_exercises_are_refused(tmp_path):
    from grader.submission import MAX_CODE_FILES

    write(tmp_path / "w", {f"helper{i}.py": "x = 1\n" for i in range(MAX_CODE_FILES + 1)})
    with pytest.raises(SubmissionError, match=f"more than {MAX_CODE_FILES} .py files"):
        load_submission(tmp_path / "w")


def test_content_hash_ignores_the_name_and_sees_every_byte(tmp_path):
    one = load_submission(write(tmp_path / "anna", {"exercises/activations.py": CODE}))
    two = load_submission(write(tmp_path / "boris", {"exercises/activations.py": CODE}))
    three = load_submission(write(tmp_path / "vera", {"exercises/activations.py": CODE + " "}))
    four = load_submission(write(tmp_path / "gleb", {"exercises/dropout.py": CODE}))
    assert len(one.content_sha256) == 64
    assert one.content_sha256 == two.content_sha256
    assert len({one.content_sha256, three.content_sha256, four.content_sha256}) == 3
    assert one.source == str(tmp_path / "anna")


def test_file_over_the_size_limit(tmp_path):
    write(tmp_path / "w", {"activations.py": "#" * ((1 << 20) + 1)})
    with pytest.raises(SubmissionError, match="activations.py"):
        load_submission(tmp_path / "w")


def test_bom_and_crlf_are_plain_text(tmp_path):
    write(tmp_path / "w", {"activations.py": "\ufeffx = 1\r\ny = 2\r\n".encode()})
    sub = load_submission(tmp_path / "w")
    assert sub.modules["activations"] == "x = 1\ny = 2\n"


# ----------------------------------------------------------------------------- non-UTF-8
def test_non_utf8_topic_module_is_a_problem_not_an_error(tmp_path):
    write(tmp_path / "w", {"exercises/activations.py": "x = 'привет'\n".encode("cp1251"),
                           "exercises/dropout.py": CODE})  # fmt: skip
    sub = load_submission(tmp_path / "w")
    assert "activations" not in sub.modules
    assert sub.modules == {"dropout": CODE}
    message = sub.problems["activations"]
    assert "activations.py" in message and "UTF-8" in message


def test_non_utf8_helper_is_dropped(tmp_path):
    write(tmp_path / "w", {"activations.py": CODE, "helper.py": b"\xff\xfe junk"})
    sub = load_submission(tmp_path / "w")
    assert sub.modules == {"activations": CODE} and sub.helpers == {} and sub.problems == {}


# ----------------------------------------------------------------------------- zips
def test_zip_with_one_wrapping_folder_is_stripped(tmp_path):
    path = make_zip(tmp_path / "hw.zip", {
        "ivanov_hw1/exercises/activations.py": CODE,
        "ivanov_hw1/exercises/helpers.py": HELPER,
        "ivanov_hw1/README.md": "hi",
        "ivanov_hw1/solutions_of_someone/dropout.py": CODE,
    })  # fmt: skip
    sub = load_submission(path)
    assert sub.name == "hw"
    assert sub.modules == {"activations": CODE}
    assert sub.helpers == {"helpers.py": HELPER}


def test_zip_with_top_level_modules(tmp_path):
    path = make_zip(tmp_path / "hw.zip", {"activations.py": CODE, "optimizers.py": CODE,
                                          "util.py": HELPER})  # fmt: skip
    sub = load_submission(path)
    assert set(sub.modules) == {"activations", "optimizers"}
    assert sub.helpers == {"util.py": HELPER}


def test_zip_wrapping_folder_with_top_level_modules(tmp_path):
    path = make_zip(tmp_path / "hw.zip", {"hw/activations.py": CODE, "hw/util.py": HELPER})
    sub = load_submission(path)
    assert sub.modules == {"activations": CODE} and sub.helpers == {"util.py": HELPER}


def test_zip_macos_metadata_is_ignored(tmp_path):
    path = make_zip(tmp_path / "hw.zip", {
        "hw/exercises/activations.py": CODE,
        "__MACOSX/hw/exercises/._activations.py": b"\x00\x05\x16\x07 mac resource fork \xff",
    })  # fmt: skip
    sub = load_submission(path)
    assert sub.modules == {"activations": CODE}
    assert sub.problems == {}


def test_zip_directory_entries_are_fine(tmp_path):
    path = tmp_path / "hw.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(zipfile.ZipInfo("hw/"), "")
        archive.writestr(zipfile.ZipInfo("hw/exercises/"), "")
        archive.writestr("hw/exercises/activations.py", CODE)
    assert load_submission(path).modules == {"activations": CODE}


@pytest.mark.parametrize(
    "name",
    ["/etc/activations.py", "/activations.py", "../activations.py", "hw/../../activations.py",
     "hw/exercises/../../../x.py", "..\\activations.py", "C:/activations.py",
     "C:\\Windows\\activations.py"],
)  # fmt: skip
def test_zip_unsafe_paths_are_refused(tmp_path, name):
    path = make_zip(tmp_path / "hw.zip", {"hw/activations.py": CODE, name: CODE})
    with pytest.raises(SubmissionError) as error:
        load_submission(path)
    assert "hw.zip" in str(error.value) and "unsafe path" in str(error.value)
    assert name in str(error.value) or repr(name) in str(error.value)


def test_zip_symlink_entry_is_refused(tmp_path):
    path = tmp_path / "hw.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("hw/exercises/activations.py", CODE)
        link = zipfile.ZipInfo("hw/exercises/dropout.py")
        link.create_system = 3  # unix
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(link, "/work/main/solutions/dropout.py")
    with pytest.raises(SubmissionError) as error:
        load_submission(path)
    assert "link" in str(error.value) and "dropout.py" in str(error.value)


def test_zip_with_too_many_files_is_refused(tmp_path):
    files = {f"hw/junk/{i}.txt": "" for i in range(MAX_ZIP_FILES + 1)}
    path = make_zip(tmp_path / "hw.zip", {"hw/activations.py": CODE, **files})
    with pytest.raises(SubmissionError) as error:
        load_submission(path)
    assert f"more than {MAX_ZIP_FILES} files" in str(error.value)


def test_zip_at_the_file_count_limit_is_fine(tmp_path):
    files = {f"hw/junk/{i}.txt": "" for i in range(MAX_ZIP_FILES - 1)}
    path = make_zip(tmp_path / "hw.zip", {"hw/activations.py": CODE, **files})
    assert load_submission(path).modules == {"activations": CODE}


def test_zip_that_unpacks_too_large_is_refused(tmp_path):
    # zeros deflate ~1000:1, so this archive is small on disk
    path = tmp_path / "bomb.zip"
    chunk = b"\x00" * (8 << 20)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("hw/activations.py", CODE)
        for i in range(MAX_ZIP_BYTES // len(chunk) + 1):
            archive.writestr(f"hw/data/{i}.bin", chunk)
    assert path.stat().st_size < MAX_ZIP_BYTES // 100
    with pytest.raises(SubmissionError) as error:
        load_submission(path)
    assert "bomb.zip" in str(error.value) and "MiB" in str(error.value)


def test_zip_module_over_the_file_limit_is_refused(tmp_path):
    path = make_zip(tmp_path / "hw.zip", {"hw/activations.py": "#" * ((1 << 20) + 1)})
    with pytest.raises(SubmissionError, match="activations.py"):
        load_submission(path)


@pytest.mark.parametrize("content", [b"", b"PK\x03\x04 not really", b"just text", b"\x00" * 100])
def test_bad_zip_is_a_submission_error(tmp_path, content):
    path = tmp_path / "hw.zip"
    path.write_bytes(content)
    with pytest.raises(SubmissionError) as error:
        load_submission(path)
    assert "hw.zip" in str(error.value) and "zip" in str(error.value)


@pytest.mark.parametrize("method", [zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED], ids=["deflated", "stored"])
def test_zip_with_corrupted_member_is_a_submission_error(tmp_path, method):
    """A zip whose directory is fine but whose data is damaged (a truncated upload, a bit
    flip): the student's file, not the grader, is broken, so SubmissionError (exit 2), not an
    uncaught zlib.error or zipfile.BadZipFile("Bad CRC-32") (exit 3, "the grader's own bug")."""
    path = tmp_path / "hw.zip"
    with zipfile.ZipFile(path, "w", method) as archive:
        archive.writestr("hw/activations.py", CODE * 50)
    data = bytearray(path.read_bytes())
    start = data.index(b"hw/activations.py") + len("hw/activations.py")  # local header's name
    for i in range(start + 5, start + 25):
        data[i] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(SubmissionError) as error:
        load_submission(path)
    assert "hw.zip" in str(error.value)


def _patched_zip(path: Path, files: dict[str, str], old: bytes, new: bytes) -> Path:
    """A zip written by zipfile, then ``old`` replaced by ``new`` (same length) everywhere."""
    make_zip(path, files)
    data = path.read_bytes()
    assert len(old) == len(new) and old in data
    path.write_bytes(data.replace(old, new))
    return path


def test_zip_with_an_encrypted_entry_is_a_submission_error(tmp_path):
    """zipfile raises RuntimeError("password required") for it: the student's to fix."""
    path = tmp_path / "hw.zip"
    make_zip(path, {"hw/activations.py": CODE})
    data = bytearray(path.read_bytes())
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):  # local and central headers
        at = data.index(signature) + offset
        data[at] |= 0x1
    path.write_bytes(bytes(data))
    with pytest.raises(SubmissionError, match="encrypted"):
        load_submission(path)


def test_zip_with_a_name_that_is_not_utf8_is_a_submission_error(tmp_path):
    path = _patched_zip(tmp_path / "hw.zip", {"hw/activations.py": CODE, "hw/é.py": "x = 1\n"},
                        "é".encode(), b"\xff\xfe")  # fmt: skip
    with pytest.raises(SubmissionError, match="not valid UTF-8"):
        load_submission(path)


def _lying_zip(path: Path, unpacked: int, claimed: int = 100) -> Path:
    """One deflated entry whose headers say ``claimed`` bytes while it unpacks to ``unpacked``."""
    name, data = b"activations.py", b"#" * unpacked
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    stream = packer.compress(data) + packer.flush()
    crc = zlib.crc32(data)
    local = struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 8, 0, 0, crc, len(stream), claimed, len(name), 0) + name
    central = struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, 8, 0, 0, crc, len(stream), claimed, len(name),
                          0, 0, 0, 0, 0, 0) + name  # fmt: skip
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, 1, 1, len(central), len(local) + len(stream), 0)
    path.write_bytes(local + stream + central + end)
    return path


@pytest.mark.parametrize("claimed", [100, 1000])
def test_a_zip_whose_header_lies_is_read_with_a_bound(tmp_path, claimed):
    """64 MiB behind a header of 100 bytes: refused, and never more than a little is inflated."""
    path = _lying_zip(tmp_path / "hw.zip", 64 << 20, claimed)
    tracemalloc.start()
    try:
        with pytest.raises(SubmissionError) as error:
            load_submission(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert "hw.zip" in str(error.value) and "activations.py" in str(error.value)
    assert peak < 8 << 20, f"{peak >> 20} MiB inflated for a header of {claimed} bytes"


def test_a_zip_entry_larger_than_its_cap_is_refused_while_reading(tmp_path):
    """The header says 2 MiB honestly but the cap checks passed it (a ZipInfo patched to say
    less is the same case): the read itself stops at the cap + 1 byte."""
    path = make_zip(tmp_path / "hw.zip", {"activations.py": "#" * (3 << 20)})
    data = path.read_bytes()
    size = (3 << 20).to_bytes(4, "little")
    path.write_bytes(data.replace(size, (100).to_bytes(4, "little")))
    with pytest.raises(SubmissionError, match="hw.zip: activations.py"):
        load_submission(path)


@pytest.mark.parametrize("method", [zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA], ids=["bzip2", "lzma"])
def test_a_zip_compressed_without_deflate_is_refused(tmp_path, method):
    """zipfile inflates these without an output bound: refused with what to do instead."""
    path = tmp_path / "hw.zip"
    with zipfile.ZipFile(path, "w", method) as archive:
        archive.writestr("activations.py", CODE)
    with pytest.raises(SubmissionError, match="deflate"):
        load_submission(path)


def test_zip_nested_too_deep_is_refused(tmp_path):
    path = make_zip(tmp_path / "hw.zip", {"hw/activations.py": CODE, "hw/" + "d/" * 40 + "x.txt": ""})
    with pytest.raises(SubmissionError, match="nested more than"):
        load_submission(path)


# ----------------------------------------------------------------------------- single files
def test_single_py_named_after_its_topic(tmp_path):
    path = write(tmp_path, {"dropout.py": CODE}) / "dropout.py"
    sub = load_submission(path)
    assert sub.modules == {"dropout": CODE} and sub.helpers == {}


def test_single_py_with_topic_option(tmp_path):
    path = write(tmp_path, {"my_homework.py": CODE}) / "my_homework.py"
    sub = load_submission(path, "activations")
    assert sub.modules == {"activations": CODE}
    assert sub.files_for("activations") == {"activations.py": CODE}


def test_single_py_topic_option_overrides_its_stem(tmp_path):
    path = write(tmp_path, {"dropout.py": CODE}) / "dropout.py"
    assert load_submission(path, "batchnorm").modules == {"batchnorm": CODE}


def test_single_py_whose_stem_is_not_a_topic(tmp_path):
    path = write(tmp_path, {"homework1.py": CODE}) / "homework1.py"
    with pytest.raises(UsageError) as error:
        load_submission(path)
    assert "homework1.py" in str(error.value) and "--topic" in str(error.value)


def test_unknown_topic_option(tmp_path):
    path = write(tmp_path, {"activations.py": CODE}) / "activations.py"
    with pytest.raises(UsageError) as error:
        load_submission(path, "convolutions")
    assert "convolutions" in str(error.value)
    assert all(topic in str(error.value) for topic in TOPICS)


def test_single_non_utf8_py_is_a_problem(tmp_path):
    path = write(tmp_path, {"activations.py": "# привет\n".encode("cp1251")}) / "activations.py"
    sub = load_submission(path)
    assert sub.modules == {}
    assert "UTF-8" in sub.problems["activations"]


@pytest.mark.parametrize("name", ["activations.txt", "activations", "work.tar.gz", "nb.json"])
def test_unknown_file_kind_is_a_usage_error(tmp_path, name):
    path = tmp_path / name
    path.write_text(CODE)
    with pytest.raises(UsageError) as error:
        load_submission(path)
    assert ".zip" in str(error.value) and ".py" in str(error.value)


def test_missing_path_is_a_usage_error(tmp_path):
    with pytest.raises(UsageError) as error:
        load_submission(tmp_path / "nowhere")
    assert "nowhere" in str(error.value) and "no such file" in str(error.value)


def test_uppercase_suffixes(tmp_path):
    path = write(tmp_path, {"activations.PY": CODE}) / "activations.PY"
    assert load_submission(path).modules == {"activations": CODE}


# ----------------------------------------------------------------------------- notebooks
def notebook(cells: list[dict]) -> str:
    return json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5})


def code_cell(source, solution: bool | None = None) -> dict:
    cell = {"cell_type": "code", "source": source, "metadata": {}, "outputs": [],
            "execution_count": None}  # fmt: skip
    if solution is not None:
        cell["metadata"]["nbgrader"] = {"solution": solution, "grade": False,
                                        "grade_id": "c", "locked": False}  # fmt: skip
    return cell


def test_notebook_with_nbgrader_solution_cells(tmp_path):
    text = notebook([
        {"cell_type": "markdown", "source": "# Задание\n", "metadata": {}},
        code_cell("import numpy as np\nprint('setup, not a solution')\n", solution=False),
        code_cell(["def relu(x):\n", "    return np.maximum(x, 0)\n"], solution=True),
        code_cell("assert relu(1) == 1  # a visible test\n", solution=False),
        code_cell("import numpy as np\n%timeit relu(1)\ndef tanh(x):\n    return np.tanh(x)", True),
    ])  # fmt: skip
    path = write(tmp_path, {"activations.ipynb": text}) / "activations.ipynb"
    module = load_submission(path).modules["activations"]
    assert "def relu(x):\n    return np.maximum(x, 0)" in module
    assert "def tanh(x):\n    return np.tanh(x)" in module
    assert "setup, not a solution" not in module and "assert relu(1)" not in module
    assert "%timeit" not in module
    compile(module, "activations.py", "exec")


def test_notebook_without_flags_takes_every_code_cell_without_magics(tmp_path):
    text = notebook([
        {"cell_type": "markdown", "source": ["Some *text*\n", "%not code either\n"], "metadata": {}},
        code_cell("%matplotlib inline\n!pip install torch\nimport numpy as np\n"),
        code_cell("def relu(x):\n    return np.maximum(x, 0)\n"),
        code_cell("    %time relu(1)\n  !ls\nX = relu(np.ones(2))\n"),
        {"cell_type": "raw", "source": "raw text", "metadata": {}},
    ])  # fmt: skip
    path = write(tmp_path, {"work.ipynb": text}) / "work.ipynb"
    sub = load_submission(path, "activations")
    module = sub.modules["activations"]
    assert "import numpy as np" in module and "def relu(x):" in module
    for gone in ("%matplotlib", "!pip", "%time", "!ls", "*text*", "raw text", "X = relu(np.ones(2))"):
        assert gone not in module
    compile(module, "activations.py", "exec")


@pytest.mark.parametrize("content", [
    "not json", "[]", "3", '"text"', '{"cells": 3}', '{"nbformat": 4}', '{"cells": {"a": 1}}',
    '{"cells": [3]}', '{"cells": [null]}', '{"cells": [{"cell_type": "code", "source": 3}]}',
    '{"cells": [{"cell_type": "code", "source": [1, 2]}]}',
    '{"cells": [{"cell_type": "code", "source": "x = 1", "metadata": []}]}',
    '{"cells": [{"cell_type": "code", "source": "x = 1", "metadata": {"nbgrader": 1}}]}',
    '{"cells": [{"source": "x = 1"}]}', "[" * 100_000 + "]" * 100_000,
    '{"cells": [{"cell_type": "code", "source": "x = \'\\ud800\'"}]}',
])  # fmt: skip
def test_unreadable_notebook_is_a_submission_error(tmp_path, content):
    path = write(tmp_path, {"activations.ipynb": content}) / "activations.ipynb"
    with pytest.raises(SubmissionError) as error:
        load_submission(path)
    assert "activations.ipynb" in str(error.value) and "notebook" in str(error.value)


def test_notebook_stem_not_a_topic(tmp_path):
    path = write(tmp_path, {"hw.ipynb": notebook([code_cell("x = 1")])}) / "hw.ipynb"
    with pytest.raises(UsageError):
        load_submission(path)


# ----------------------------------------------------------------------------- notebooks everywhere
RELU_NB = notebook([
    code_cell("import numpy as np\nimport matplotlib.pyplot as plt\nEPS = np.float64(1e-12)\nN = 3"),
    code_cell("def relu(x):\n    return np.maximum(x, 0)\n", solution=True),
    code_cell("%matplotlib inline\n!pip install torch\nxs = np.linspace(-1, 1, 5)\nplt.plot(xs, relu(xs))\n"
              "display(relu(xs))\nys = relu(xs)\nfor x in xs:\n    print(relu(x))"),
    code_cell("%%bash\necho hi"),
    code_cell("relu?"),
    code_cell("from __future__ import annotations\ndef tanh(x) -> Thing:\n    return np.tanh(x)"),
])  # fmt: skip


def test_notebook_keeps_definitions_only(tmp_path):
    """Plots, shell lines, magics, display and calls of the notebook's own functions are left
    out; imports are kept only where they work (matplotlib is not in the jail)."""
    path = write(tmp_path, {"activations.ipynb": RELU_NB}) / "activations.ipynb"
    module = load_submission(path).modules["activations"]
    namespace: dict = {}
    exec(compile(module, "activations.py", "exec"), namespace)  # imports nothing that fails, calls nothing
    assert namespace["relu"](-1.0) == 0 and namespace["N"] == 3 and "tanh" in namespace
    assert module.startswith("from __future__ import annotations")
    for gone in ("plt.plot", "display(", "ys = relu", "print(", "echo hi", "relu?", "!pip"):
        assert gone not in module, gone


@pytest.mark.parametrize("where", ["top", "exercises", "notebooks"])
def test_notebook_in_a_folder_and_a_zip_is_graded(tmp_path, where):
    """The topic of a notebook of any name comes from its metadata or from the contract
    functions it defines; beside the modules, in exercises/, or in the bundle's notebooks/."""
    named = json.loads(RELU_NB)
    named["metadata"]["dlgrade"] = {"topic": "batchnorm"}  # the metadata wins over the functions
    folder = {"top": "", "exercises": "exercises/", "notebooks": "notebooks/"}[where]
    files = {f"{folder}my work.ipynb": RELU_NB, f"{folder}other.ipynb": json.dumps(named), "exercises/helpers.py": HELPER,
             "notes.ipynb": notebook([code_cell("x = 1")])}  # fmt: skip
    if where == "top":
        files["helpers.py"] = files.pop("exercises/helpers.py")
    write(tmp_path / "work", files)
    for sub in (load_submission(tmp_path / "work"), load_submission(make_zip(tmp_path / "work.zip", files))):
        assert set(sub.modules) == {"activations", "batchnorm"}, where
        assert "def relu(x):" in sub.modules["activations"] and sub.problems == {}
        assert sub.helpers == {"helpers.py": HELPER}


def test_module_and_notebook_of_one_topic(tmp_path):
    """The copy with more functions written is graded: the bundle's stub module does not hide
    the notebook the student worked in, nor a stub notebook the module."""
    stub = 'def relu(x):\n    """doc"""\n    raise NotImplementedError\n'
    write(tmp_path / "a", {"exercises/activations.py": stub, "notebooks/activations.ipynb": RELU_NB})
    assert "np.maximum" in load_submission(tmp_path / "a").modules["activations"]
    stub_nb = notebook([code_cell(stub, solution=True)])
    write(tmp_path / "b", {"exercises/activations.py": CODE, "notebooks/activations.ipynb": stub_nb})
    assert load_submission(tmp_path / "b").modules["activations"] == CODE
    write(tmp_path / "c", {"exercises/activations.py": stub, "notebooks/activations.ipynb": stub_nb})
    assert load_submission(tmp_path / "c").modules["activations"] == stub  # a tie: the module


def test_single_notebook_of_any_name(tmp_path):
    path = write(tmp_path, {"hw 3 (final).ipynb": RELU_NB}) / "hw 3 (final).ipynb"
    assert set(load_submission(path).modules) == {"activations"}
    both = notebook([code_cell("def relu(x):\n    return x\ndef dropout_forward(x, p, rng, train=True):\n    return x")])
    path = write(tmp_path, {"tie.ipynb": both}) / "tie.ipynb"
    with pytest.raises(UsageError, match="cannot tell its topic"):
        load_submission(path)
    assert set(load_submission(path, "dropout").modules) == {"dropout"}


def test_nbgrader_grade_ids_name_the_topic(tmp_path):
    cell = code_cell("def helper(x):\n    return x\n", solution=True)
    cell["metadata"]["nbgrader"]["grade_id"] = "optimizers-gd_step"
    path = write(tmp_path, {"hw.ipynb": notebook([cell])}) / "hw.ipynb"
    assert set(load_submission(path).modules) == {"optimizers"}


@pytest.mark.parametrize("content", ["not json", '{"cells": [3]}', '{"cells": [{"cell_type": "code", "source": 3}]}'])
def test_malformed_notebook_in_a_folder_is_one_clear_line(tmp_path, content):
    write(tmp_path / "w", {"exercises/activations.ipynb": content, "exercises/dropout.py": CODE})
    sub = load_submission(tmp_path / "w")  # its topic's problem; the rest is graded
    assert "activations.ipynb: not a readable Jupyter notebook" in sub.problems["activations"]
    assert "dropout" in sub.modules
    write(tmp_path / "v", {"exercises/scratch.ipynb": content})
    with pytest.raises(SubmissionError, match=r"^scratch.ipynb: not a readable Jupyter notebook \("):
        load_submission(tmp_path / "v")


def test_a_notebook_cell_that_is_not_python(tmp_path):
    """A broken answer cell is kept, so the syntax error is reported; a broken scratch cell
    is left out."""
    text = notebook([code_cell("def relu(x):\n    return x +\n", solution=True), code_cell("x = = 1")])
    module = load_submission(write(tmp_path, {"activations.ipynb": text}) / "activations.ipynb").modules["activations"]
    assert "return x +" in module and "x = = 1" not in module


def test_contract_functions_are_the_courses():
    from grader.course import load_course
    from grader.submission import CONTRACT_FUNCTIONS

    course = load_course(Path(__file__).resolve().parent.parent)
    assert {topic: tuple(course.contract(topic)) for topic in TOPICS} == CONTRACT_FUNCTIONS


def test_a_notebooks_outputs_do_not_change_its_hash(tmp_path):
    ran = json.loads(RELU_NB)
    ran["cells"][2]["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "plotted\n"}]
    a = load_submission(write(tmp_path / "a", {"activations.ipynb": RELU_NB}))
    b = load_submission(write(tmp_path / "b", {"activations.ipynb": json.dumps(ran)}))
    assert a.content_sha256 == b.content_sha256 and a.modules == b.modules


def test_a_notebook_that_is_not_graded_is_not_hashed(tmp_path):
    """The bundle's stub notebook beside the module the student wrote changes neither the
    grade nor its seed: a folder with it and one without it hash alike."""
    stub_nb = notebook([code_cell('def relu(x):\n    """doc"""\n    raise NotImplementedError\n', solution=True)])
    with_nb = load_submission(write(tmp_path / "a", {"exercises/activations.py": CODE, "notebooks/activations.ipynb": stub_nb}))
    alone = load_submission(write(tmp_path / "b", {"exercises/activations.py": CODE}))
    assert with_nb.content_sha256 == alone.content_sha256 and with_nb.modules == alone.modules
    worked = load_submission(write(tmp_path / "c", {"exercises/activations.py": CODE, "notebooks/activations.ipynb": RELU_NB}))
    assert worked.content_sha256 != alone.content_sha256  # the notebook graded is in the hash
