"""What a submission is (spec/report-format.md): a folder, a .zip of one, a single .py, or a
notebook. Reading it is guarded (sizes, counts, paths) and never runs anything; the result is
plain text per file, which only ever runs inside the jail."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import os
import stat
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from grader.errors import SubmissionError, UsageError

TOPICS = ("activations", "initialization", "batchnorm", "dropout", "optimizers", "matrix_ops")
MAX_FILE_BYTES = 1 << 20  # one module
MAX_NOTEBOOK_BYTES = 16 << 20  # a notebook with its outputs (plots); its code is capped as a module
# the whole submission, folder or zip: checked before anything is read or copied
MAX_ZIP_BYTES = 32 << 20
MAX_ZIP_FILES = 2000
MAX_TREE_BYTES = MAX_ZIP_BYTES
MAX_TREE_ENTRIES = MAX_ZIP_FILES  # files and folders
MAX_DEPTH = 16  # folders inside folders
# what goes into the jail: the topic modules and the helpers beside them
MAX_CODE_FILES = 100
MAX_CODE_BYTES = 8 << 20


@dataclass(frozen=True)
class Submission:
    name: str
    modules: dict[str, str]  # topic -> source of <topic>.py
    helpers: dict[str, str] = field(default_factory=dict)  # other .py files beside them
    problems: dict[str, str] = field(default_factory=dict)  # topic -> why it could not be read
    source: str = ""  # the path it was read from, as given
    content_sha256: str = ""  # of the files read, names and bytes (not of the submission's name)
    error: str = ""  # why it could not be read at all (a batch grades it as such, under its path)
    error_kind: str = ""  # "submission" (its own fault) or "internal" (the reader's)
    manifest: dict[str, Any] = field(default_factory=dict)  # a `dlgrade submit` archive's, checked (grader.archive)

    def files_for(self, topic: str) -> dict[str, str]:
        return {**self.helpers, f"{topic}.py": self.modules[topic]}


def load_submission(path: Path, topic: str | None = None, accept_partial: bool = False) -> Submission:
    if topic is not None and topic not in TOPICS:
        raise UsageError(f"unknown topic {topic!r}; choose one of {', '.join(TOPICS)}")
    if path.is_symlink():
        raise SubmissionError(f"{path}: is a symbolic link; dlgrade never follows links in a submission: "
                              "give the file or folder itself")  # fmt: skip
    if not path.exists():
        raise UsageError(f"{path}: no such file or folder; give a folder, a .zip, a .py or a .ipynb")
    if path.is_dir():
        return _from_tree(path.name or path.resolve().name, _read_folder(path), str(path))  # "." has no name
    suffix = path.suffix.lower()
    if suffix == ".zip":
        from grader.archive import check_submitted  # a `dlgrade submit` archive: its manifest first

        if (checked := check_submitted(path, accept_partial)) is not None:
            return _submitted(path, checked)
        return _from_tree(path.stem, _read_zip(path), str(path))
    if suffix in (".py", ".ipynb"):
        chosen = topic or path.stem
        if chosen not in TOPICS:
            raise UsageError(f"{path.name}: cannot tell its topic from the name; add --topic with one of {', '.join(TOPICS)}")
        if suffix == ".ipynb":
            text = _notebook_code(_read_bytes(path, MAX_NOTEBOOK_BYTES), path.name)
            if len(text) > MAX_FILE_BYTES:
                raise SubmissionError(f"{path.name}: its code is larger than {MAX_FILE_BYTES >> 20} MiB")
        else:
            text = _read_bytes(path)
        return _from_tree(path.stem, {f"{chosen}.py": text}, str(path))
    raise UsageError(f"{path.name}: a submission is a folder, a .zip, a .py or a .ipynb file")


def _read_bytes(path: Path, limit: int = MAX_FILE_BYTES, shown: str | None = None) -> bytes:
    """A regular file, at most ``limit`` bytes, opened without following a link (the check and
    the read are one: a file swapped for a link in between is not read)."""
    shown = shown or str(path)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except OSError as error:
        raise SubmissionError(f"{shown}: cannot be read ({error.strerror})") from None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise SubmissionError(f"{shown}: not a regular file; submit plain files")
        if info.st_size > limit:
            raise SubmissionError(f"{shown}: larger than {limit >> 20} MiB")
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise SubmissionError(f"{shown}: larger than {limit >> 20} MiB")
    return data


def _walk(root: Path) -> dict[str, list[os.DirEntry[str]]]:
    """Every regular file of a submission folder, by folder (relative, "" for the top), after
    the caps on entries, bytes and depth; never follows a link and refuses any (it would point
    out of the submission: a course/, solutions/, a secret). It stops at the first cap, so a
    million files or a 5,000-deep chain costs milliseconds. Hidden folders (.git, .venv,
    .ipynb_checkpoints) are not part of a submission and are not looked into."""
    files: dict[str, list[os.DirEntry[str]]] = {}
    entries = total = 0
    stack: list[tuple[Path, str, int]] = [(root, "", 0)]
    while stack:
        folder, relative, depth = stack.pop()
        try:
            listing = os.scandir(folder)
        except OSError as error:
            raise SubmissionError(f"{root.name}/{relative}: cannot be read ({error.strerror})") from None
        with listing:
            for entry in listing:
                shown = f"{root.name}/{relative}{entry.name}"
                if entry.is_symlink():
                    raise SubmissionError(f"{shown} is a symbolic link; dlgrade never follows links in a "
                                          "submission: replace it with the file or folder itself")  # fmt: skip
                is_dir = entry.is_dir(follow_symlinks=False)
                if is_dir and (entry.name.startswith(".") or entry.name == "__pycache__"):
                    continue
                entries += 1
                if entries > MAX_TREE_ENTRIES:
                    raise SubmissionError(f"{root.name}: more than {MAX_TREE_ENTRIES} files and folders; "
                                          "submit only your exercises/ folder (or a zip of it)")  # fmt: skip
                if is_dir:
                    if depth + 1 >= MAX_DEPTH:
                        raise SubmissionError(f"{shown}: folders nested more than {MAX_DEPTH} deep; "
                                              "submit only your exercises/ folder")  # fmt: skip
                    stack.append((Path(entry.path), f"{relative}{entry.name}/", depth + 1))
                elif entry.is_file(follow_symlinks=False):
                    total += entry.stat(follow_symlinks=False).st_size
                    if total > MAX_TREE_BYTES:
                        raise SubmissionError(f"{root.name}: more than {MAX_TREE_BYTES >> 20} MiB of files; "
                                              "submit only your exercises/ folder (or a zip of it)")  # fmt: skip
                    files.setdefault(relative, []).append(entry)
                elif not entry.name.startswith("."):
                    raise SubmissionError(f"{shown}: not a regular file or folder (a pipe, socket or device); "
                                          "remove it")  # fmt: skip
    return files


def _read_folder(root: Path) -> dict[str, bytes]:
    files = _walk(root)
    base = "exercises/" if (root / "exercises").is_dir() else ""
    chosen = sorted((e for e in files.get(base, []) if e.name.endswith(".py")), key=lambda e: e.name)
    _check_code_caps(root.name, [(e.name, e.stat(follow_symlinks=False).st_size) for e in chosen])
    return {entry.name: _read_bytes(Path(entry.path), shown=f"{root.name}/{base}{entry.name}") for entry in chosen}


def _check_code_caps(name: str, sizes: list[tuple[str, int]]) -> None:
    if len(sizes) > MAX_CODE_FILES:
        raise SubmissionError(f"{name}: more than {MAX_CODE_FILES} .py files beside the exercises; "
                              "keep only your modules and their helpers")  # fmt: skip
    for filename, size in sizes:
        if size > MAX_FILE_BYTES:
            raise SubmissionError(f"{name}: {filename} is larger than {MAX_FILE_BYTES >> 20} MiB")
    if sum(size for _, size in sizes) > MAX_CODE_BYTES:
        raise SubmissionError(f"{name}: its .py files add up to more than {MAX_CODE_BYTES >> 20} MiB")


_ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, OSError, EOFError, ValueError,
               NotImplementedError, RuntimeError, struct.error)  # fmt: skip


def _read_zip(path: Path) -> dict[str, bytes]:
    if path.stat().st_size > MAX_ZIP_BYTES:
        raise SubmissionError(f"{path.name}: larger than {MAX_ZIP_BYTES >> 20} MiB")
    try:
        archive = zipfile.ZipFile(path)
    except UnicodeDecodeError:
        raise SubmissionError(f"{path.name}: a file name in the zip is not valid UTF-8; "
                              "rename the files with plain names and zip again") from None  # fmt: skip
    except _ZIP_ERRORS as error:
        raise SubmissionError(f"{path.name}: not a readable zip file ({error})") from None
    with archive:
        infos = [info for info in archive.infolist() if not info.is_dir()]
        if len(infos) > MAX_ZIP_FILES:
            raise SubmissionError(f"{path.name}: more than {MAX_ZIP_FILES} files")
        if sum(info.file_size for info in infos) > MAX_ZIP_BYTES:
            raise SubmissionError(f"{path.name}: unpacks to more than {MAX_ZIP_BYTES >> 20} MiB")
        entries: dict[PurePosixPath, zipfile.ZipInfo] = {}
        for info in infos:
            name = PurePosixPath(info.filename.replace("\\", "/"))
            if name.is_absolute() or ".." in name.parts or ":" in info.filename or "\x00" in info.filename:
                raise SubmissionError(f"{path.name}: unsafe path {info.filename!r} in the zip")
            if stat.S_ISLNK(info.external_attr >> 16):
                raise SubmissionError(f"{path.name}: {info.filename!r} is a link; zip plain files")
            if len(name.parts) > MAX_DEPTH:
                raise SubmissionError(f"{path.name}: folders nested more than {MAX_DEPTH} deep")
            if "__MACOSX" in name.parts:
                continue
            entries[name] = info
        tops = {name.parts[0] for name in entries}
        strip = 1 if len(tops) == 1 and all(len(name.parts) > 1 for name in entries) else 0
        tree = {PurePosixPath(*name.parts[strip:]): info for name, info in entries.items()}
        folder = PurePosixPath("exercises")
        base = folder if any(name.parent == folder for name in tree) else PurePosixPath(".")
        chosen = {name: info for name, info in tree.items() if name.parent == base and name.suffix == ".py"}
        _check_code_caps(path.name, [(str(name), info.file_size) for name, info in chosen.items()])
        files: dict[str, bytes] = {}
        for name, info in chosen.items():
            if info.flag_bits & 0x1:
                raise SubmissionError(f"{path.name}: {name} is encrypted; zip it again without a password")
            if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                # zipfile inflates bzip2 and lzma a whole input chunk at once: no output bound
                raise SubmissionError(f"{path.name}: {name} is compressed with method {info.compress_type}; "
                                      "zip it again with the usual compression (deflate)")  # fmt: skip
            files[name.name] = _read_entry(archive, info, path.name, str(name))
            if sum(map(len, files.values())) > MAX_CODE_BYTES:
                raise SubmissionError(f"{path.name}: its .py files add up to more than {MAX_CODE_BYTES >> 20} MiB")
        return files


def _read_entry(archive: zipfile.ZipFile, info: zipfile.ZipInfo, zip_name: str, name: str) -> bytes:
    """At most ``MAX_FILE_BYTES + 1`` bytes of an entry, whatever its header says: the sizes
    in a zip are the sender's word (a header saying 100 bytes may front a stream that unpacks
    to gigabytes), so the reader's output is what is bounded, in small inflate steps."""
    data = bytearray()
    try:
        with archive.open(info) as handle:
            while len(data) <= MAX_FILE_BYTES and (chunk := handle.read(min(1 << 16, MAX_FILE_BYTES + 1 - len(data)))):
                data += chunk
    except _ZIP_ERRORS as error:
        raise SubmissionError(f"{zip_name}: {name} is damaged in the zip ({error}); pack the folder again") from None
    if len(data) > MAX_FILE_BYTES:
        raise SubmissionError(f"{zip_name}: {name} unpacks to more than {MAX_FILE_BYTES >> 20} MiB "
                              "(more than its header says); pack the folder again")  # fmt: skip
    return bytes(data)


def _notebook_code(raw: bytes, name: str) -> bytes:
    """The code of a notebook's solution cells (nbgrader's ``solution`` flag), or of all code
    cells when none is flagged; IPython magics and shell lines are dropped. Every part of the
    notebook is checked for its type first: a malformed one is the student's file to fix."""
    try:
        notebook = json.loads(raw)
    except (ValueError, RecursionError):
        raise SubmissionError(f"{name}: not a readable Jupyter notebook (not JSON); save it again "
                              "from Jupyter") from None  # fmt: skip
    cells = _notebook_cells(notebook)
    if isinstance(cells, str):
        raise SubmissionError(f"{name}: not a readable Jupyter notebook ({cells}); save it again from Jupyter")
    code = [cell for cell in cells if cell["cell_type"] == "code"]
    flagged = [c for c in code if c["metadata"].get("nbgrader", {}).get("solution") is True]
    chunks = []
    for cell in flagged or code:
        source = cell["source"]
        text = "".join(source) if isinstance(source, list) else source
        lines = [line for line in text.splitlines() if not line.lstrip().startswith(("%", "!"))]
        chunks.append("\n".join(lines))
    try:
        return "\n\n".join(chunks).encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate from a \ud800 escape in the JSON
        raise SubmissionError(f"{name}: not a readable Jupyter notebook (its code holds characters that "
                              "are not valid text); save it again from Jupyter") from None  # fmt: skip


def _notebook_cells(notebook: Any) -> list[dict[str, Any]] | str:
    """The cells with every field used checked for its type, or what is wrong."""
    if not isinstance(notebook, dict):
        return "the file is JSON but not a notebook object"
    cells = notebook.get("cells")
    if not isinstance(cells, list):
        return "no list of cells"
    checked = []
    for number, cell in enumerate(cells, 1):
        if not isinstance(cell, dict):
            return f"cell {number} is not an object"
        source = cell.get("source", "")
        if not (isinstance(source, str) or isinstance(source, list) and all(isinstance(s, str) for s in source)):
            return f"cell {number}: its source is neither text nor a list of lines"
        metadata = cell.get("metadata", {})
        if not isinstance(metadata, dict) or not isinstance(metadata.get("nbgrader", {}), dict):
            return f"cell {number}: its metadata is not an object"
        cell_type = cell.get("cell_type")
        if not isinstance(cell_type, str):
            return f"cell {number} has no cell_type"
        checked.append({"cell_type": cell_type, "source": source, "metadata": metadata})
    return checked


def content_sha256(files: dict[str, bytes]) -> str:
    """The canonical hash of a submission's files: names and bytes, sorted, each length-framed
    (so no two different sets of files hash alike); the submission's own name is not in it."""
    digest = hashlib.sha256()
    for name in sorted(files):
        encoded = name.encode("utf-8", "surrogateescape")
        for part in (encoded, files[name]):
            digest.update(len(part).to_bytes(8, "big") + part)
    return digest.hexdigest()


def _submitted(path: Path, checked: Any) -> Submission:
    """A checked ``dlgrade submit`` archive (grader.archive.Checked): its intact files; with
    --accept-partial, each topic whose module did not survive says why, and the report why."""
    base = _from_tree(path.stem, checked.files, str(path))
    problems = dict(base.problems)
    for name, why in checked.bad_files.items():
        if name[:-3] in TOPICS:
            problems[name[:-3]] = f"{name} not graded: {why}"
    error = "" if checked.status == "intact" else f"{checked.line(path.name)} (graded what is intact, as asked)"
    return dataclasses.replace(base, problems=problems, manifest=checked.report(), error=error,
                               error_kind="submission" if error else "")  # fmt: skip


def _from_tree(name: str, files: dict[str, bytes], source: str = "") -> Submission:
    modules: dict[str, str] = {}
    helpers: dict[str, str] = {}
    problems: dict[str, str] = {}
    for filename, raw in files.items():
        stem = filename[:-3]
        if stem.startswith("__"):
            continue  # __init__.py and the like are packaging, not code to grade
        try:
            text = io.TextIOWrapper(io.BytesIO(raw), encoding="utf-8-sig").read()
        except UnicodeDecodeError:
            if stem in TOPICS:
                problems[stem] = f"{filename} is not UTF-8 text; save it as UTF-8"
            continue
        (modules if stem in TOPICS else helpers)[filename if stem not in TOPICS else stem] = text
    return Submission(name, modules, helpers, problems, source, content_sha256(files))
