"""Which jail a run uses: the one policy every command goes through (spec: fail closed).

A grade runs in the strong jail (bubblewrap) or is refused, unless the user opts in to the
plain one (``--jail plain`` or ``DLGRADE_JAIL=plain``) or the code is the course's own (its
samples, its references). A student's public checks on their own machine (``check``) run with
what the machine has. The choice is reported in every format (``report.protections["jail"]``).
"""

from __future__ import annotations

import os
import shutil

from grader import sandbox
from grader.errors import JailUnavailable, UsageError

JAIL_MODES = ("bwrap", "plain")


# ----------------------------------------------------------------------------- which jail
def jail_choice(option: str | None = None) -> str | None:
    """What the user asked for: ``--jail``, else DLGRADE_JAIL, else None (nothing asked)."""
    value, source = (option, "--jail") if option is not None else (os.environ.get("DLGRADE_JAIL"), "DLGRADE_JAIL")
    if not value:
        return None
    if value not in JAIL_MODES:
        raise UsageError(f"{source} {value!r} is not a jail; choose one of {', '.join(JAIL_MODES)}")
    return value


def strong_jail_usable() -> bool:
    return shutil.which("bwrap") is not None and sandbox._bwrap_works()


def grading_jail(option: str | None = None, *, trusted: bool = False) -> tuple[str, str]:
    """The jail a grade runs in, and a note to print when it is not the strong one. Fails
    closed: without bubblewrap a grade is refused unless the user opted in to the plain jail,
    or the code is the course's own (``trusted``: its samples)."""
    choice = jail_choice(option)
    if choice == "plain":
        return "plain", ("note: grading with the plain jail, as asked: student code runs as an ordinary "
                         "process, without the namespaces and the private file system of bubblewrap")  # fmt: skip
    if strong_jail_usable():
        return "bwrap", ""
    if choice is None and trusted:
        return "plain", ("note: bubblewrap is not usable here, so the course's own samples (trusted) are "
                         "graded with the plain jail; any other submission is refused without it: "
                         "apt-get install bubblewrap, or pass --jail plain")  # fmt: skip
    asked = " (--jail bwrap / DLGRADE_JAIL=bwrap)" if choice == "bwrap" else ""
    raise JailUnavailable(
        f"the strong jail (bubblewrap){asked} is not usable on this machine, so no grade is given: "
        "install it (apt-get install bubblewrap; not root: allow unprivileged user namespaces) "
        "or pass --jail plain (DLGRADE_JAIL=plain) to grade with weaker guarantees"
    )


def local_jail() -> str:
    """Trusted code (a student's own public checks on their machine, the course's references):
    the strong jail where the machine has it, else the plain one; an explicit choice is kept."""
    return grading_jail(None, trusted=True)[0]
