"""Generate the student stubs in ``exercises/`` from the marked regions of ``solutions/``.

The reference is the single source: every ``### BEGIN SOLUTION`` ... ``### END SOLUTION`` region
becomes ``raise NotImplementedError`` at the marker's indentation (nbgrader's convention), and
everything else (docstrings, signatures, helpers) is copied as it is.
"""

from __future__ import annotations

import re
from pathlib import Path

from grader.errors import ConfigError

BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"
_STUB_BODY = ("# YOUR CODE HERE / ВАШ КОД ЗДЕСЬ", "raise NotImplementedError")
_HEADER = "# Generated from solutions/{name} by `dlgrade stubs`; edit the solution, not this file.\n"


def stub_source(solution: str, name: str = "<solution>") -> str:
    """The stub text for one solution module's text."""
    out: list[str] = []
    inside = False
    opened_at = 0
    for number, line in enumerate(solution.splitlines(keepends=True), start=1):
        marker = line.strip()
        if marker == BEGIN:
            if inside:
                raise ConfigError(f"{name}:{number}: {BEGIN} inside another solution region")
            inside = True
            opened_at = number
            indent = re.match(r"\s*", line).group(0)  # type: ignore[union-attr]
            out.extend(f"{indent}{body}\n" for body in _STUB_BODY)
        elif marker == END:
            if not inside:
                raise ConfigError(f"{name}:{number}: {END} without {BEGIN}")
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise ConfigError(f"{name}:{opened_at}: {BEGIN} is never closed; add {END}")
    return _HEADER.format(name=name) + "".join(out)


def planned_stubs(root: Path) -> dict[Path, str]:
    """Every exercises/<topic>.py as the generator would write it."""
    solutions = sorted((root / "solutions").glob("[!_]*.py"))
    return {root / "exercises" / path.name: stub_source(path.read_text(encoding="utf-8"), path.name) for path in solutions}


def _drifted(root: Path) -> dict[Path, str]:
    """The stubs whose text differs from what the generator would write (or that are missing),
    with the text it would write."""
    return {
        path: text for path, text in planned_stubs(root).items() if not path.exists() or path.read_text(encoding="utf-8") != text
    }


def drifted_stubs(root: Path) -> list[Path]:
    return list(_drifted(root))


def write_stubs(root: Path) -> list[Path]:
    """Write every stub that drifted; returns the paths written."""
    drifted = _drifted(root)
    for path, text in drifted.items():
        path.write_text(text, encoding="utf-8")
    return list(drifted)


if __name__ == "__main__":
    import sys

    course_root = Path(__file__).resolve().parent.parent
    for written_path in write_stubs(course_root):
        print(f"wrote {written_path.relative_to(course_root)}", file=sys.stderr)
