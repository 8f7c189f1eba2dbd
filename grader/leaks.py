"""The leak search: no line of a solution region or of a hidden suite reaches students.

Everything made for students (the release bundle, its engine wheel, the notebooks, an LMS
export) goes through ``refuse_leaks`` before it is written. A secret line is a stripped line of
``solutions/<topic>.py`` that its stub does not have, or a hidden suite's line that no public
suite has (bare imports and the region markers are no secret). Short lines are left out: they
are the language's (``return x``), not the solution's."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path

from grader.errors import ConfigError

SHORTEST_SOLUTION_LINE = 12
SHORTEST_HIDDEN_LINE = 20


def secret_lines(root: Path) -> dict[str, str]:
    """Line (stripped) -> where it comes from, for every line a student's file must not hold."""

    def lines(path: Path) -> set[str]:
        return {line.strip() for line in path.read_text(encoding="utf-8").splitlines()}

    secrets: dict[str, str] = {}
    for solution in sorted((root / "solutions").glob("[!_]*.py")):
        stub = root / "exercises" / solution.name
        for line in lines(solution) - (lines(stub) if stub.exists() else set()):
            if len(line) >= SHORTEST_SOLUTION_LINE:
                secrets.setdefault(line, f"solutions/{solution.name}")
    public = set().union(*(lines(suite) for suite in root.glob("course/*/public/*.py")))
    for suite in sorted(root.glob("course/*/hidden/*.py")):
        for line in lines(suite) - public:
            if len(line) >= SHORTEST_HIDDEN_LINE and not line.startswith(("import ", "from ")):
                secrets.setdefault(line, suite.relative_to(root).as_posix())
    return {line: where for line, where in secrets.items() if not line.startswith(("### BEGIN ", "### END "))}


def text_lines(name: str, content: bytes) -> list[str]:
    """The lines a file shows a reader: a notebook's are those of its cells too (in its JSON they
    sit quoted, one string per line, where a search of the raw file would never match them)."""
    text = content.decode("utf-8", errors="replace")
    lines = text.splitlines()
    if name.endswith(".ipynb"):
        try:
            cells = json.loads(text).get("cells", [])
            for cell in cells:
                source = cell.get("source", "")
                lines += ("".join(source) if isinstance(source, list) else str(source)).splitlines()
        except (ValueError, AttributeError, TypeError):
            pass  # not a notebook's JSON: its raw lines are searched, as any file's
    return lines


def refuse_leaks(secrets: Mapping[str, str], where: str, lines: Iterable[str]) -> None:
    """A ConfigError naming the first secret line among ``lines`` (of ``where``), if any."""
    for line in lines:
        if (source := secrets.get(line.strip())) is not None:
            raise ConfigError(f"{where} holds a line of {source} ({line.strip()[:60]!r}); "
                              "nothing of a solution region or a hidden suite may reach students")  # fmt: skip
