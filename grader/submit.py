"""``dlgrade submit``: the archive of a student's work, with the manifest the grader checks it
against (the format and the check: grader.archive)."""

from __future__ import annotations

import datetime
import getpass
import hashlib
import json
import os
import zipfile
from pathlib import Path
from typing import Any

from grader import __version__
from grader.archive import FORMAT, MANIFEST, MANIFEST_VERSION, STUDENT_ID, member_path
from grader.errors import UsageError
from grader.submission import TOPICS, _from_tree, _read_folder


def pack(work: Path, student: str | None = None, out: Path | None = None) -> tuple[Path, dict[str, Any]]:
    """Write the archive of the student's ``work`` folder (its ``exercises/``): returns its path
    and the manifest. The files are read as a grade reads a folder (the same caps, no link)."""
    student = student or _login()
    if not STUDENT_ID.fullmatch(student):
        raise UsageError(f"--student {student!r}: use letters, digits and . _ @ - only (at most 64), "
                         "e.g. your student number or login")  # fmt: skip
    work = Path(work)
    if not (work / "exercises").is_dir():
        raise UsageError(f"{work}: no exercises/ folder here; run `dlgrade submit` in the folder of your "
                         "work (the bundle) or pass --path")  # fmt: skip
    files = _read_folder(work)  # exercises/*.py and the notebooks: the caps, links refused
    if not files:
        raise UsageError(f"{work / 'exercises'}: no .py file or notebook to submit")
    read = _from_tree(work.name, files)  # as a grade will read it: its topics, its hash
    topics = [topic for topic in TOPICS if topic in read.modules]
    manifest = {
        "format": FORMAT,
        "manifest_version": MANIFEST_VERSION,
        "student": student,
        "topics": topics,
        "files": [
            {"path": member_path(name), "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
            for name, data in sorted(files.items())
        ],  # fmt: skip
        "engine_version": __version__,
        "created": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "content_sha256": read.content_sha256,
    }
    out = Path(out) if out is not None else work / f"submission-{student}.zip"
    if out.is_dir():
        raise UsageError(f"--out {out} is a folder; name the archive file to write")
    partial = out.with_name(out.name + ".partial")
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as zipped:
        # the manifest first: an archive cut short still says what it should have held
        zipped.writestr(_entry(MANIFEST), json.dumps(manifest, indent=1, ensure_ascii=False) + "\n")
        for name, data in sorted(files.items()):
            zipped.writestr(_entry(member_path(name)), data)
    os.replace(partial, out)
    return out, manifest


def _entry(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=datetime.datetime.now().timetuple()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    return info


def _login() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        raise UsageError("cannot tell who you are; pass --student ID") from None
