"""What a submission is (spec/report-format.md): a folder, a .zip of one, a single .py, or a
notebook. Reading it is guarded (sizes, counts, paths) and never runs anything; the result is
plain text per file, which only ever runs inside the jail."""

from __future__ import annotations

import io
import json
import stat
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from grader.errors import SubmissionError, UsageError

TOPICS = ("activations", "initialization", "batchnorm", "dropout", "optimizers", "matrix_ops")
MAX_FILE_BYTES = 1 << 20
MAX_ZIP_BYTES = 32 << 20
MAX_ZIP_FILES = 2000


@dataclass(frozen=True)
class Submission:
    name: str
    modules: dict[str, str]  # topic -> source of <topic>.py
    helpers: dict[str, str] = field(default_factory=dict)  # other .py files beside them
    problems: dict[str, str] = field(default_factory=dict)  # topic -> why it could not be read

    def files_for(self, topic: str) -> dict[str, str]:
        return {**self.helpers, f"{topic}.py": self.modules[topic]}


def load_submission(path: Path, topic: str | None = None) -> Submission:
    if topic is not None and topic not in TOPICS:
        raise UsageError(f"unknown topic {topic!r}; choose one of {', '.join(TOPICS)}")
    if not path.exists():
        raise UsageError(f"{path}: no such file or folder; give a folder, a .zip, a .py or a .ipynb")
    if path.is_dir():
        return _from_tree(path.name, _read_folder(path))
    suffix = path.suffix.lower()
    if suffix == ".zip":
        return _from_tree(path.stem, _read_zip(path))
    if suffix in (".py", ".ipynb"):
        chosen = topic or path.stem
        if chosen not in TOPICS:
            raise UsageError(
                f"{path.name}: cannot tell its topic from the name; add --topic with one of "
                f"{', '.join(TOPICS)}"
            )
        raw = _read_bytes(path)
        text = _notebook_code(raw, path.name) if suffix == ".ipynb" else raw
        return _from_tree(path.stem, {f"{chosen}.py": text})
    raise UsageError(f"{path.name}: a submission is a folder, a .zip, a .py or a .ipynb file")


def _read_bytes(path: Path) -> bytes:
    if path.stat().st_size > MAX_FILE_BYTES:
        raise SubmissionError(f"{path}: larger than {MAX_FILE_BYTES >> 20} MiB")
    return path.read_bytes()


def _read_folder(root: Path) -> dict[str, bytes]:
    base = root / "exercises" if (root / "exercises").is_dir() else root
    return {
        entry.name: _read_bytes(entry)
        for entry in sorted(base.glob("*.py"))
        if entry.is_file() and not entry.is_symlink()
    }


def _read_zip(path: Path) -> dict[str, bytes]:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as error:
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
            if name.is_absolute() or ".." in name.parts or ":" in info.filename:
                raise SubmissionError(f"{path.name}: unsafe path {info.filename!r} in the zip")
            if stat.S_ISLNK(info.external_attr >> 16):
                raise SubmissionError(f"{path.name}: {info.filename!r} is a link; zip plain files")
            if "__MACOSX" in name.parts:
                continue
            entries[name] = info
        tops = {name.parts[0] for name in entries}
        strip = 1 if len(tops) == 1 and all(len(name.parts) > 1 for name in entries) else 0
        tree = {PurePosixPath(*name.parts[strip:]): info for name, info in entries.items()}
        folder = PurePosixPath("exercises")
        base = folder if any(name.parent == folder for name in tree) else PurePosixPath(".")
        files = {}
        for name, info in tree.items():
            if name.parent == base and name.suffix == ".py":
                if info.file_size > MAX_FILE_BYTES:
                    raise SubmissionError(f"{path.name}: {name} is larger than 1 MiB")
                try:
                    files[name.name] = archive.read(info)
                except (zipfile.BadZipFile, zlib.error, OSError, EOFError, NotImplementedError) as error:
                    raise SubmissionError(f"{path.name}: {name} is damaged in the zip ({error}); "
                                          "pack the folder again") from None  # fmt: skip
        return files


def _notebook_code(raw: bytes, name: str) -> bytes:
    """The code of a notebook's solution cells (nbgrader's ``solution`` flag), or of all code
    cells when none is flagged; IPython magics and shell lines are dropped."""
    try:
        notebook = json.loads(raw)
        cells = [cell for cell in notebook["cells"] if cell.get("cell_type") == "code"]
    except (ValueError, KeyError, TypeError):
        raise SubmissionError(f"{name}: not a readable Jupyter notebook") from None
    flagged = [c for c in cells if c.get("metadata", {}).get("nbgrader", {}).get("solution")]
    chunks = []
    for cell in flagged or cells:
        source = cell.get("source", "")
        text = "".join(source) if isinstance(source, list) else str(source)
        lines = [line for line in text.splitlines() if not line.lstrip().startswith(("%", "!"))]
        chunks.append("\n".join(lines))
    return "\n\n".join(chunks).encode("utf-8")


def _from_tree(name: str, files: dict[str, bytes]) -> Submission:
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
    return Submission(name, modules, helpers, problems)
