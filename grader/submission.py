"""What a submission is (spec/report-format.md): a folder, a .zip of one, a single .py, or a
notebook. Reading it is guarded (sizes, counts, paths) and never runs anything; the result is
plain text per file, which only ever runs inside the jail."""

from __future__ import annotations

import ast
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

from grader.caps import (
    MAX_CODE_BYTES,
    MAX_CODE_FILES,
    MAX_DEPTH,
    MAX_FILE_BYTES,
    MAX_NOTEBOOK_BYTES,
    MAX_TREE_BYTES,
    MAX_TREE_ENTRIES,
    MAX_ZIP_BYTES,
    MAX_ZIP_FILES,
)
from grader.errors import SubmissionError, UsageError

TOPICS = ("activations", "initialization", "batchnorm", "dropout", "optimizers", "matrix_ops")
EMPTY = "holds no Python file or notebook to grade (empty)"  # why a submission has nothing to grade
NOTEBOOKS = "notebooks/"  # the student bundle's folder of notebooks, read beside the modules


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
    if suffix == ".ipynb":
        text, named = _notebook_code(_read_bytes(path, MAX_NOTEBOOK_BYTES), path.name)
        chosen = topic or named or (path.stem if path.stem in TOPICS else None) or topic_of_code(_text(text))
        if chosen is None:
            raise UsageError(f"{path.name}: cannot tell its topic (not from its name, its metadata or the "
                             f"functions it defines); add --topic with one of {', '.join(TOPICS)}")  # fmt: skip
        if len(text) > MAX_FILE_BYTES:
            raise SubmissionError(f"{path.name}: its code is larger than {MAX_FILE_BYTES >> 20} MiB")
        return _from_tree(path.stem, {f"{chosen}.py": text}, str(path))
    if suffix == ".py":
        chosen = topic or path.stem
        if chosen not in TOPICS:
            raise UsageError(f"{path.name}: cannot tell its topic from the name; add --topic with one of {', '.join(TOPICS)}")
        return _from_tree(path.stem, {f"{chosen}.py": _read_bytes(path)}, str(path))
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
    .ipynb_checkpoints), and links by such names, are not part of a submission and are not
    looked into."""
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
                is_link = entry.is_symlink()
                is_dir = not is_link and entry.is_dir(follow_symlinks=False)
                # a hidden folder is no part of the submission, nor is a link by such a name
                # (a .venv made elsewhere): neither is followed or read
                if (is_dir or is_link) and (entry.name.startswith(".") or entry.name == "__pycache__"):
                    continue
                if is_link:
                    raise SubmissionError(f"{shown} is a symbolic link; dlgrade never follows links in a "
                                          "submission: replace it with the file or folder itself")  # fmt: skip
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
    """The ``.py`` files of the submission's code folder (``exercises/``, else its top) by name,
    and its notebooks: those beside them (by name) and those of ``notebooks/`` (the student
    bundle's, as ``notebooks/<name>``)."""
    files = _walk(root)
    base = "exercises/" if (root / "exercises").is_dir() else ""
    chosen = sorted((e for e in files.get(base, []) if e.name.endswith(".py")), key=lambda e: e.name)
    _check_code_caps(root.name, [(e.name, e.stat(follow_symlinks=False).st_size) for e in chosen])
    read = {entry.name: _read_bytes(Path(entry.path), shown=f"{root.name}/{base}{entry.name}") for entry in chosen}
    for folder, prefix in ((base, ""), (NOTEBOOKS, NOTEBOOKS)):
        for entry in sorted(files.get(folder, []) if folder != base or not prefix else [], key=lambda e: e.name):
            if entry.name.lower().endswith(".ipynb"):
                shown = f"{root.name}/{folder}{entry.name}"
                read[prefix + entry.name] = _read_bytes(Path(entry.path), MAX_NOTEBOOK_BYTES, shown)
    return read


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
        books = {name: info for name, info in tree.items() if name.suffix.lower() == ".ipynb"
                 and (name.parent == base or name.parent == PurePosixPath(NOTEBOOKS))}  # fmt: skip
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
        for name, info in sorted(books.items()):
            if info.flag_bits & 0x1 or info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise SubmissionError(f"{path.name}: {name} is encrypted or compressed with method "
                                      f"{info.compress_type}; zip it again with the usual compression (deflate)")  # fmt: skip
            key = name.name if name.parent == base else NOTEBOOKS + name.name
            files[key] = _read_entry(archive, info, path.name, str(name), MAX_NOTEBOOK_BYTES)
        return files


def _read_entry(archive: zipfile.ZipFile, info: zipfile.ZipInfo, zip_name: str, name: str, limit: int = MAX_FILE_BYTES) -> bytes:
    """At most ``limit + 1`` bytes of an entry, whatever its header says: the sizes
    in a zip are the sender's word (a header saying 100 bytes may front a stream that unpacks
    to gigabytes), so the reader's output is what is bounded, in small inflate steps."""
    data = bytearray()
    try:
        with archive.open(info) as handle:
            while len(data) <= limit and (chunk := handle.read(min(1 << 16, limit + 1 - len(data)))):
                data += chunk
    except _ZIP_ERRORS as error:
        raise SubmissionError(f"{zip_name}: {name} is damaged in the zip ({error}); pack the folder again") from None
    if len(data) > limit:
        raise SubmissionError(f"{zip_name}: {name} unpacks to more than {limit >> 20} MiB "
                              "(more than its header says); pack the folder again")  # fmt: skip
    return bytes(data)


# The functions each topic's module defines (docs/exercise-api.md; tests/test_submission.py
# checks them against the course's contract): how a notebook of no known name tells its topic.
CONTRACT_FUNCTIONS: dict[str, tuple[str, ...]] = {
    "activations": ("sigmoid", "sigmoid_grad", "tanh", "tanh_grad", "relu", "relu_grad", "leaky_relu",
                    "leaky_relu_grad", "elu", "elu_grad"),
    "initialization": ("xavier_uniform", "xavier_normal", "he_uniform", "he_normal"),
    "batchnorm": ("batchnorm_forward", "batchnorm_backward", "batchnorm_inference", "update_running_stats"),
    "dropout": ("dropout_forward", "dropout_backward"),
    "optimizers": ("least_squares_loss_grad", "gd_step", "momentum_step", "minibatch_indices", "fit_gd", "fit_sgd"),
    "matrix_ops": ("linear_forward", "linear_backward", "softmax", "cross_entropy", "numerical_gradient"),
}  # fmt: skip
# what an assignment in a notebook may call and still be kept: NumPy's and math's functions,
# never one that reads a file (the jail has none) nor one of the notebook's own
_KEPT_CALL_ROOTS = {"np", "numpy", "math"}
_FILE_READERS = {"load", "loadtxt", "genfromtxt", "fromfile", "memmap", "open", "fromregex"}


def _notebook_code(raw: bytes, name: str) -> tuple[bytes, str | None]:
    """The module a notebook holds, and the topic its metadata names (None if none does).

    The module is the *definitions* of its code cells, in order: ``def``, ``class``, imports
    (each kept only if it works: ``try: import x`` / ``except ImportError: pass``, so an import
    of matplotlib in a plotting cell costs nothing), and assignments that call nothing but NumPy's
    and math's functions (constants such as ``EPS = 1e-8``). Everything else is left out: calls
    (``plt.plot(...)``, ``display(...)``, ``print(relu(x))``), loops, tests, IPython's ``%magic``,
    ``%%cell`` magics and ``!shell`` lines, nbgrader's autograder test cells and the cells of
    dlgrade's own checks. A cell that is not Python even then is left out too, unless it is an
    answer cell (nbgrader's ``solution`` flag) or holds a ``def``: then it is kept as it is, and
    its syntax error is reported as any module's. Every part of the notebook is checked for its
    type first: a malformed one is the student's file to fix (SubmissionError, one line)."""
    try:
        notebook = json.loads(raw)
    except (ValueError, RecursionError):
        raise SubmissionError(f"{name}: not a readable Jupyter notebook (not JSON); save it again "
                              "from Jupyter") from None  # fmt: skip
    cells = _notebook_cells(notebook)
    if isinstance(cells, str):
        raise SubmissionError(f"{name}: not a readable Jupyter notebook ({cells}); save it again from Jupyter")
    future: list[str] = []
    chunks: list[str] = []
    for number, cell in enumerate(cells, 1):
        meta = cell["metadata"].get("nbgrader", {})
        own = cell["metadata"].get("dlgrade")
        if cell["cell_type"] != "code" or isinstance(own, dict) and own.get("checks") is True:
            continue  # not code, or the cell of dlgrade's own checks (grader.notebooks)
        if meta.get("grade") is True and meta.get("solution") is not True:
            continue  # an autograder test cell: the course's, not the student's
        source = cell["source"]
        text = "".join(source) if isinstance(source, list) else source
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate from a \ud800 escape in the JSON
            raise SubmissionError(f"{name}: not a readable Jupyter notebook (cell {number} holds characters "
                                  "that are not valid text); save it again from Jupyter") from None  # fmt: skip
        code = _cell_definitions(text, answer=meta.get("solution") is True, future=future)
        if code.strip():
            chunks.append(f"# notebook cell {number}\n{code}")
    topic = _notebook_topic(notebook, cells)
    return "\n\n".join([*dict.fromkeys(future), *chunks]).encode("utf-8"), topic


def _cell_definitions(text: str, answer: bool, future: list[str]) -> str:
    """The definitions of one code cell (see ``_notebook_code``); ``from __future__`` imports
    go to ``future``, the top of the module."""
    if text.lstrip().startswith("%%"):
        return ""  # a cell magic: the whole cell is another language (%%bash, %%timeit...)
    lines = text.splitlines()
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        # IPython's own lines (%magic, !shell) are no Python: without them the cell may be
        lines = ["" if line.lstrip().startswith(("%", "!")) else line for line in lines]
        try:
            tree = ast.parse("\n".join(lines))
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            keep = answer or any(line.startswith(("def ", "class ", "async def ")) for line in lines)
            return "\n".join(lines) if keep else ""
    own = {node.name for node in ast.walk(tree) if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}
    kept: list[str] = []
    used_lines: dict[int, int] = {}  # line -> how many top-level statements are on it
    for node in tree.body:
        for line in range(_first_line(node), (node.end_lineno or node.lineno) + 1):
            used_lines[line] = used_lines.get(line, 0) + 1
    for node in tree.body:
        segment = _segment(lines, node, used_lines)
        if isinstance(node, ast.ImportFrom) and node.module == "__future__":
            future.append(segment)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            body = "\n".join("    " + line for line in segment.splitlines())
            kept.append(f"try:\n{body}\nexcept ImportError:\n    pass")
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            kept.append(segment)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)) and _harmless(node.value, own):
            kept.append(segment)
    return "\n".join(kept)


def _first_line(node: ast.stmt) -> int:
    return int(min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))]))


def _segment(lines: list[str], node: ast.stmt, used_lines: dict[int, int]) -> str:
    """A top-level statement's own text (comments inside it kept), or its unparsed form where it
    shares a line with another (``a = 1; plt.plot(a)``)."""
    first, last = _first_line(node), node.end_lineno or node.lineno
    if all(used_lines.get(line) == 1 for line in range(first, last + 1)):
        return "\n".join(lines[first - 1 : last])
    return ast.unparse(node)


def _harmless(value: ast.expr | None, own: set[str]) -> bool:
    """An assignment's value that runs nothing of the notebook's and reads no file."""
    if value is None:
        return True
    for node in ast.walk(value):
        if isinstance(node, (ast.Await, ast.Yield, ast.YieldFrom, ast.NamedExpr)):
            return False
        if isinstance(node, ast.Name) and node.id in own:
            return False
        if isinstance(node, ast.Call):
            func = node.func
            root = func
            while isinstance(root, ast.Attribute):
                root = root.value
            attribute = func.attr if isinstance(func, ast.Attribute) else ""
            if (
                not (isinstance(root, ast.Name) and root.id in _KEPT_CALL_ROOTS and root is not func)
                or attribute in _FILE_READERS
            ):
                return False
    return True


def _notebook_topic(notebook: dict[str, Any], cells: list[dict[str, Any]]) -> str | None:
    """The topic a notebook's metadata names: dlgrade's (``metadata.dlgrade.topic``), else the
    one every nbgrader answer cell's ``grade_id`` starts with (``<topic>-...``, as dlgrade's
    notebooks name them)."""
    meta = notebook.get("metadata")
    dlgrade = meta.get("dlgrade") if isinstance(meta, dict) else None
    if isinstance(dlgrade, dict) and dlgrade.get("topic") in TOPICS:
        return str(dlgrade["topic"])
    ids = [str(c["metadata"].get("nbgrader", {}).get("grade_id", "")) for c in cells
           if c["metadata"].get("nbgrader", {}).get("solution") is True]  # fmt: skip
    found = {topic for topic in TOPICS for grade_id in ids if grade_id.startswith(f"{topic}-")}
    return found.pop() if ids and len(found) == 1 and all("-" in grade_id for grade_id in ids) else None


def topic_of_code(code: str) -> str | None:
    """The topic whose contract functions the code defines most of (at least one), or None
    when none or a tie: how a notebook that neither its name nor its metadata place is read."""
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    defined = {node.name for node in tree.body if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))}
    counts = sorted(((len(defined & set(names)), topic) for topic, names in CONTRACT_FUNCTIONS.items()), reverse=True)
    if counts[0][0] == 0 or counts[0][0] == counts[1][0]:
        return None
    return counts[0][1]


def _attempted(code: str) -> int:
    """How many top-level functions the code defines whose body is more than a stub's
    ``raise NotImplementedError`` (after a docstring): a module and a notebook of one topic are
    told apart by it."""
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return 1  # a syntax error is an attempt: report it rather than grade the other copy
    count = 0
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            body = (
                node.body[1:]
                if node.body
                and isinstance(node.body[0], ast.Expr)
                and isinstance(getattr(node.body[0], "value", None), ast.Constant)
                else node.body
            )
            stub = len(body) == 1 and isinstance(body[0], ast.Raise) and "NotImplementedError" in ast.unparse(body[0])
            count += not stub
    return count


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
        if name[:-3] in TOPICS and name[:-3] not in base.modules:  # (a notebook of the topic may have come through)
            problems[name[:-3]] = f"{name} not graded: {why}"
    error = "" if checked.status == "intact" else f"{checked.line(path.name)} (graded what is intact, as asked)"
    return dataclasses.replace(base, problems=problems, manifest=checked.report(), error=error,
                               error_kind="submission" if error else "")  # fmt: skip


def _from_tree(name: str, files: dict[str, bytes], source: str = "") -> Submission:
    """The modules of a submission's files: ``.py`` files by name (a topic's module, or a helper)
    and notebooks (``.ipynb``, see ``_notebook_code``), each placed by its metadata, its name or
    the functions it defines. Where a module and a notebook (or two notebooks) hold one topic,
    the one with more functions written beyond the stub's ``raise NotImplementedError`` is
    graded; on a tie, the ``.py`` module (then the first notebook by name). A notebook whose
    topic cannot be told is not part of the grade; one that cannot be read is its topic's
    problem, or the submission's error when it has no topic's name."""
    modules: dict[str, str] = {}
    helpers: dict[str, str] = {}
    problems: dict[str, str] = {}
    hashed = {filename: raw for filename, raw in files.items() if not filename.lower().endswith(".ipynb")}
    for filename, raw in hashed.items():
        stem = filename[:-3]
        if stem.startswith("__"):
            continue  # __init__.py and the like are packaging, not code to grade
        try:
            text = _text(raw)
        except UnicodeDecodeError:
            if stem in TOPICS:
                problems[stem] = f"{filename} is not UTF-8 text; save it as UTF-8"
            continue
        (modules if stem in TOPICS else helpers)[filename if stem not in TOPICS else stem] = text
    from_notebooks: dict[str, tuple[str, bytes]] = {}  # topic -> the hashed name and code of its notebook
    for filename in sorted(f for f in files if f.lower().endswith(".ipynb")):
        stem = PurePosixPath(filename).stem
        try:
            code, named = _notebook_code(files[filename], filename)
            if len(code) > MAX_FILE_BYTES:
                raise SubmissionError(f"{filename}: its code is larger than {MAX_FILE_BYTES >> 20} MiB")
        except SubmissionError as error:
            if stem not in TOPICS:
                raise
            problems.setdefault(stem, str(error))
            continue
        text = _text(code)
        topic = named or (stem if stem in TOPICS else None) or topic_of_code(text)
        if topic is None:
            continue
        if topic not in modules or _attempted(text) > _attempted(modules[topic]):
            modules[topic] = text
            problems.pop(topic, None)
            from_notebooks[topic] = (f"{filename}.py", code)
    # the hash (the seed's input) covers what is graded: the .py files, and the code of each
    # notebook that gives a topic its module (not one that lost to the module beside it, not
    # its outputs): a bundle graded as a folder or as its `dlgrade submit` archive hashes alike
    hashed |= dict(from_notebooks.values())
    return Submission(name, modules, helpers, problems, source, content_sha256(hashed))


def _text(raw: bytes) -> str:
    return io.TextIOWrapper(io.BytesIO(raw), encoding="utf-8-sig").read()
