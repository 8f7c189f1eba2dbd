"""Headless Chromium (Debian's) for the tests that look at a page as a person would: the quiz
pages and the reports. ``chromium()`` is None where it is not installed (the test skips)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path


def chromium() -> str | None:
    for name in ("chromium", "chromium-browser"):
        if path := shutil.which(name):
            return path
    return None


def chromium_args(profile: Path, size: str = "1000,2600") -> list[str]:
    """The command line of a headless run with its own profile folder, no GPU, no first-run
    dialogs, and a virtual time budget so the page's load event has fired."""
    return [str(chromium()), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
            f"--user-data-dir={profile}", f"--window-size={size}", "--virtual-time-budget=3000"]  # fmt: skip


def dump_dom(page: Path, profile: Path, size: str = "1000,2600") -> str:
    """The DOM after the page loaded (its scripts ran), as Chromium serializes it."""
    done = subprocess.run(chromium_args(profile, size) + ["--dump-dom", page.as_uri()], capture_output=True,
                          text=True, timeout=120, check=True)  # fmt: skip
    return done.stdout


def screenshot(page: Path, shot: Path, profile: Path, size: str = "1000,2600") -> bytes:
    subprocess.run(chromium_args(profile, size) + [f"--screenshot={shot}", page.as_uri()], capture_output=True,
                   timeout=120, check=True)  # fmt: skip
    return shot.read_bytes()
