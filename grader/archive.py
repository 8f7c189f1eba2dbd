"""``dlgrade submit``'s archive: the student's work and a manifest, and how the grader checks it.

The archive is a zip: ``manifest.json`` first, then the ``.py`` files of the student's
``exercises/`` (the topic modules and their helpers, exactly what a grade reads of a folder).
The manifest says who (``student``), which topics, each file's size and SHA-256, the engine's
version, when, and the ``content_sha256`` the report of this work will carry.

When the grader reads a zip that holds a ``manifest.json`` at its top, it checks the archive
against it before anything is graded:

- ``truncated``: the zip ends early (its directory is gone: cut short by an upload or a copy);
- ``tampered``: a file differs from its recorded size or SHA-256, a ``.py`` file that would be
  graded is not in the manifest, or the manifest itself is not one ``dlgrade submit`` writes;
- ``incomplete``: a file the manifest lists is not in the archive.

Any of these refuses the grade in one line (exit 2; in a batch, the record's ``error``), unless
the instructor asks for what is intact (``--accept-partial``): then the files that match the
manifest are graded, and a topic whose module does not is ``not_gradable`` with the reason.
The report's ``manifest`` says what the archive claimed and what the check found.

The manifest proves integrity, not authorship: whoever can write the zip can write a manifest
to match (no secret is shared with students). It catches what goes wrong between a student's
``dlgrade submit`` and the grader: a truncated upload, a file edited, added or lost."""

from __future__ import annotations

import hashlib
import json
import re
import stat
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from grader.caps import MAX_FILE_BYTES, MAX_NOTEBOOK_BYTES, MAX_ZIP_BYTES, MAX_ZIP_FILES
from grader.errors import SubmissionError

MANIFEST = "manifest.json"
FORMAT = "dlgrade-submission"
MANIFEST_VERSION = 1
MAX_MANIFEST_BYTES = 1 << 20
STUDENT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")
_ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, OSError, EOFError, ValueError,
               NotImplementedError, RuntimeError, struct.error)  # fmt: skip
_AGAIN = "run `dlgrade submit` again and upload the new archive, or grade what is intact with --accept-partial"


@dataclass
class Checked:
    """A submitted archive after its check: the intact files (name -> bytes, as a grade reads
    them), the problems found per file, and the report's ``manifest`` object."""

    files: dict[str, bytes]
    status: str = "intact"  # intact, truncated, tampered, incomplete
    problems: list[str] = field(default_factory=list)
    bad_files: dict[str, str] = field(default_factory=dict)  # file name -> why it is not graded
    claimed: dict[str, Any] = field(default_factory=dict)

    def report(self) -> dict[str, Any]:
        keys = ("student", "topics", "engine_version", "created", "content_sha256")
        return {"status": self.status, "problems": list(self.problems)} | {k: self.claimed[k] for k in keys if k in self.claimed}

    def line(self, name: str) -> str:
        return f"{name}: {self.status}: {self.problems[0]}"


def member_path(name: str) -> str:
    """Where a file the folder reader returned goes in the archive: ``exercises/<name>``, and
    the bundle's notebooks at ``notebooks/<name>``."""
    return name if name.startswith("notebooks/") else f"exercises/{name}"


def submitted_file(path: str) -> bool:
    """Whether an archive member is one a grade reads (and so one its manifest must list): a
    ``.py`` or a notebook of ``exercises/``, a notebook of ``notebooks/``."""
    parts = PurePosixPath(path).parts
    if len(parts) != 2:
        return False
    return (parts[0] == "exercises" and path.endswith((".py", ".ipynb"))) or (parts[0] == "notebooks" and path.endswith(".ipynb"))


# ----------------------------------------------------------------------------- the check
def check_submitted(path: Path, accept_partial: bool = False) -> Checked | None:
    """The archive at ``path`` checked against its manifest, or None when it is not one
    ``dlgrade submit`` wrote (no ``manifest.json`` at its top): an ordinary zip. Refuses
    (``SubmissionError``, one line) a truncated, tampered or incomplete archive unless
    ``accept_partial``."""
    if path.stat().st_size > MAX_ZIP_BYTES:
        return None  # the ordinary reader refuses it with its own message
    try:
        zipped = zipfile.ZipFile(path)
    except _ZIP_ERRORS:
        entries = _scan_local_entries(path)
        if MANIFEST not in entries:
            return None  # not ours, or cut before the manifest: the ordinary reader says it is unreadable
        checked = _against_manifest(entries, truncated=True)
        checked.status, checked.problems = (
            "truncated",
            [
                "the archive ends early (cut short in an upload or a copy); "
                f"{len(checked.files)} of its manifest's {len(checked.claimed.get('files', []))} file(s) are intact",
                *checked.problems,
            ],
        )
        return _decide(checked, path, accept_partial)
    except UnicodeDecodeError:
        return None
    with zipped:
        names = {info.filename for info in zipped.infolist()}
        if MANIFEST not in names:
            return None
        entries = {}
        for info in zipped.infolist():
            _safe_name(info, path.name)
            if info.is_dir():
                continue
            try:
                entries[info.filename] = _read_member(zipped, info)
            except _ZIP_ERRORS:
                entries[info.filename] = None  # damaged: its CRC or its compressed data is wrong
    return _decide(_against_manifest(entries), path, accept_partial)


def _decide(checked: Checked, path: Path, accept_partial: bool) -> Checked:
    if checked.status != "intact" and not accept_partial:
        raise ManifestMismatch(f"{checked.line(path.name)}; {_AGAIN}", checked)
    return checked


class ManifestMismatch(SubmissionError):
    """A submitted archive that does not match its manifest (exit 2: the submission's fault)."""

    def __init__(self, message: str, checked: Checked):
        super().__init__(message)
        self.checked = checked


def _safe_name(info: zipfile.ZipInfo, shown: str) -> None:
    name = PurePosixPath(info.filename.replace("\\", "/"))
    if name.is_absolute() or ".." in name.parts or ":" in info.filename or "\x00" in info.filename:
        raise SubmissionError(f"{shown}: unsafe path {info.filename!r} in the zip")
    if stat.S_ISLNK(info.external_attr >> 16):
        raise SubmissionError(f"{shown}: {info.filename!r} is a link; zip plain files")
    if info.flag_bits & 0x1:
        raise SubmissionError(f"{shown}: {info.filename} is encrypted; zip it again without a password")


def _read_member(zipped: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes | None:
    """A member's bytes, never more than a module may hold (whatever its header claims): a
    larger one is not a file ``dlgrade submit`` wrote, and None."""
    limit = MAX_FILE_BYTES
    if info.filename == MANIFEST:
        limit = MAX_MANIFEST_BYTES
    elif info.filename.endswith(".ipynb"):
        limit = MAX_NOTEBOOK_BYTES
    with zipped.open(info) as member:
        data = member.read(limit + 1)
    return None if len(data) > limit else data


def _scan_local_entries(path: Path) -> dict[str, bytes | None]:
    """The entries of a zip whose end (its central directory) is lost, read one local header
    after the other from the start, as far as they are whole: what a truncated upload kept.
    Only stored and deflated entries with their sizes in the header (how ``dlgrade submit``
    writes them); each bounded like any member."""
    MAX_FILE_BYTES = MAX_NOTEBOOK_BYTES  # the largest member: a notebook with its plots

    data = path.read_bytes()
    entries: dict[str, bytes | None] = {}
    offset = 0
    header = struct.Struct("<4s5H3L2H")
    while offset + header.size <= len(data) and len(entries) < MAX_ZIP_FILES:
        sig, _version, flags, method, _time, _date, crc, csize, usize, nlen, xlen = header.unpack_from(data, offset)
        if sig != b"PK\x03\x04" or flags & 0x9 or method not in (0, 8) or usize > MAX_FILE_BYTES:
            break  # not a local header, a data descriptor, encrypted, another method, too big
        start = offset + header.size + nlen + xlen
        if start + csize > len(data):
            break  # this entry was cut: it and everything after it are lost
        try:
            name = data[offset + header.size : offset + header.size + nlen].decode("utf-8")
        except UnicodeDecodeError:
            break
        raw = data[start : start + csize]
        try:
            body = raw if method == 0 else zlib.decompressobj(-15).decompress(raw, MAX_FILE_BYTES + 1)
        except zlib.error:
            body = None
        if body is not None and (len(body) != usize or zlib.crc32(body) != crc):
            body = None
        entries[name] = body
        offset = start + csize
    return entries


def _against_manifest(entries: dict[str, bytes | None], truncated: bool = False) -> Checked:
    """The entries (name -> bytes, None where damaged) against the manifest among them; of a
    ``truncated`` archive, a file not there was lost at its end."""
    manifest = _parse_manifest(entries.get(MANIFEST))
    if isinstance(manifest, str):
        return Checked({}, "tampered", [f"its {MANIFEST} {manifest}"], claimed={})
    listed = {entry["path"]: entry for entry in manifest["files"]}
    checked = Checked({}, claimed=manifest)
    problems: dict[str, list[str]] = {"tampered": [], "incomplete": []}
    for path_name, entry in listed.items():
        name = path_name if path_name.startswith("notebooks/") else PurePosixPath(path_name).name
        if path_name not in entries:
            lost = "is lost (the archive ends before it)" if truncated else "is listed in its manifest but not in the archive"
            problems["incomplete"].append(f"{path_name} {lost}")
            checked.bad_files[name] = "lost: the archive ends before it" if truncated else "missing from the archive"
            continue
        data = entries[path_name]
        if data is None:
            problems["tampered"].append(f"{path_name} is damaged in the archive")
            checked.bad_files[name] = "damaged in the archive"
        elif len(data) != entry["bytes"] or hashlib.sha256(data).hexdigest() != entry["sha256"]:
            problems["tampered"].append(f"{path_name} differs from the SHA-256 its manifest records "
                                        "(changed after `dlgrade submit`)")  # fmt: skip
            checked.bad_files[name] = "changed after `dlgrade submit` (its SHA-256 differs from the manifest's)"
        else:
            checked.files[name] = data
    for path_name in sorted(entries):
        if submitted_file(path_name) and path_name not in listed:
            problems["tampered"].append(f"{path_name} is not in its manifest (added after `dlgrade submit`)")
    for kind in ("tampered", "incomplete"):  # a changed file says more than a lost one
        if problems[kind] and checked.status == "intact":
            checked.status = kind
    checked.problems = problems["tampered"] + problems["incomplete"]
    return checked


def _parse_manifest(raw: bytes | None) -> dict[str, Any] | str:
    """The manifest, checked for the shape ``pack`` writes, or what is wrong with it."""
    if raw is None:
        return "is damaged"
    try:
        manifest = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return "is not valid JSON"
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        return f"is not a {FORMAT} manifest"
    if manifest.get("manifest_version") != MANIFEST_VERSION:
        return f"has manifest_version {manifest.get('manifest_version')!r}; this dlgrade reads {MANIFEST_VERSION}"
    files = manifest.get("files")
    if not isinstance(files, list) or not files:
        return "lists no files"
    for entry in files:
        if not (isinstance(entry, dict) and isinstance(entry.get("path"), str)
                and isinstance(entry.get("sha256"), str) and type(entry.get("bytes")) is int):  # fmt: skip
            return "has a file entry without path, bytes and sha256"
        if not submitted_file(entry["path"]):
            return f"lists {entry['path']!r}, which is not a file of exercises/ or a notebook of notebooks/"
    if not isinstance(manifest.get("student"), str) or not isinstance(manifest.get("topics"), list):
        return "has no student or no topics"
    listed = {PurePosixPath(entry["path"]).name for entry in files}
    notebooks = any(name.endswith(".ipynb") for name in listed)  # a notebook's topic is in its content
    missing = [t for t in manifest["topics"] if not isinstance(t, str) or (f"{t}.py" not in listed and not notebooks)]
    if missing:
        return f"names topic(s) {', '.join(map(str, missing))} without their module"
    return manifest
