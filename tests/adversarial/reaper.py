"""Run a command as a child subreaper and say what it left behind.

    python reaper.py RESULT.json [--settle SECONDS] -- COMMAND...

Every orphan of COMMAND (a daemon of the jail, a double fork) is reparented to this process,
not to init, so "no process survives the grade" can be checked exactly, without confusing the
jails of other graders running on the same machine. When COMMAND has exited, the survivors
get a second (or ``--settle`` SECONDS) to go; those still there are written to RESULT.json,
then killed. RESULT.json also lists the orphans: every process COMMAND had not reaped when it
ended, alive or already a zombie.
"""

from __future__ import annotations

import ctypes
import json
import os
import signal
import subprocess
import sys
import time

PR_SET_CHILD_SUBREAPER = 36
SETTLE_SECONDS = 1.0


def descendants() -> list[int]:
    found, pending = [], [os.getpid()]
    while pending:
        pid = pending.pop()
        try:
            tasks = os.listdir(f"/proc/{pid}/task")
        except OSError:
            continue
        for task in tasks:
            try:
                with open(f"/proc/{pid}/task/{task}/children") as handle:
                    children = [int(child) for child in handle.read().split()]
            except OSError:
                continue
            found.extend(children)
            pending.extend(children)
    return found


def reap() -> None:
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def describe(pid: int) -> dict:
    info: dict = {"pid": pid}
    try:
        with open(f"/proc/{pid}/comm") as handle:  # a zombie's name: it has no cmdline
            info["name"] = handle.read().strip()
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            info["cmdline"] = handle.read().replace(b"\0", b" ").decode("utf-8", "replace").strip()
        with open(f"/proc/{pid}/status") as handle:
            for line in handle:
                if line.startswith(("Uid:", "State:")):
                    key, value = line.split(":", 1)
                    info[key.lower()] = value.split()[0] if key == "Uid" else value.strip()
    except OSError:
        info["gone"] = True
    return info


def main() -> int:
    result_path, rest = sys.argv[1], sys.argv[2:]
    settle = SETTLE_SECONDS
    if rest[0] == "--settle":
        settle, rest = float(rest[1]), rest[2:]
    command = rest[1:]  # after "--"
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    child = subprocess.Popen(command)
    signal.signal(signal.SIGTERM, lambda *_: child.kill())
    code = child.wait()
    # what COMMAND left unreaped when it ended (alive, or already a zombie reparented here): a
    # clean end waits for its own children, so "orphans" is empty then
    orphans = [describe(pid) for pid in descendants()]
    deadline = time.monotonic() + settle
    while True:
        reap()
        alive = [pid for pid in descendants() if not describe(pid).get("state", "").startswith("Z")]
        if not alive or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    survivors = [describe(pid) for pid in alive]
    for _ in range(50):  # a survivor may still be forking: kill until nothing is left
        left = descendants()
        if not left:
            break
        for pid in left:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        time.sleep(0.02)
        reap()
    with open(result_path, "w") as handle:
        json.dump({"code": code, "survivors": survivors, "orphans": orphans}, handle)
    return code if code >= 0 else 128 - code


if __name__ == "__main__":
    sys.exit(main())
