"""A notebook per topic, from the course's single sources, for nbgrader and for the student bundle.

The sources are the ones ``dlgrade grade`` uses: ``solutions/<topic>.py`` (its ``### BEGIN/END
SOLUTION`` regions), ``exercises/<topic>.py`` (the stub generated from it),
``course/<topic>/public/`` and ``course/<topic>/hidden/`` (the suites, their points). Nothing is
written twice, so a notebook cannot drift from the grader.

- ``source_notebook(course, topic)``: nbgrader's *source* notebook (``source/<topic>/<topic>.ipynb``
  of an nbgrader course). Each function of the solution is a cell; a cell that holds a solution
  region is an autograded answer (``solution: true``), the others read-only. Each public test is
  a visible autograder test cell worth 0 points (a check the student may run, as
  ``dlgrade check``); each hidden test an autograder test cell worth its ``@pytest.mark.points``,
  its code inside ``### BEGIN HIDDEN TESTS``/``### END HIDDEN TESTS`` (the first one also holds
  the hidden suite and the reference it needs, so ``nbgrader generate_assignment`` removes them
  with it). The cells call ``grader.kernel.Checks``: the same pytest suites, with a ``student``
  that behaves as the jail's proxy. The kernel that runs them needs dlgrade installed.
- ``student_notebook(course, topic)``: the student bundle's notebook (``dlgrade release``): the
  stubs and the public checks, no solution line, no hidden test (checked line by line).
- ``write_source_notebooks(course, out_dir)``: every topic's source notebook, as nbgrader's
  ``source/`` folder wants them.

The hidden tests run with a seed derived from the course's secret and the topic
(``hidden_seed``); ``dlgrade grade --seed`` with that seed draws the very same inputs.
"""

from __future__ import annotations

import ast
import base64
import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
import nbformat.v4

from grader import __version__, stubs
from grader.course import Course, load_course
from grader.errors import ConfigError
from grader.leaks import refuse_leaks, secret_lines
from grader.text import L

Node = Any  # nbformat's NotebookNode (a dict with attribute access; nbformat has no types)
SCHEMA_VERSION = 3  # of nbgrader's cell metadata (nbgrader 0.9)
_GRADE_ID = re.compile(r"[^A-Za-z0-9_-]+")


def new_markdown_cell(text: str) -> Node:
    return nbformat.v4.new_markdown_cell(text)  # type: ignore[no-untyped-call]


def new_code_cell(source: str, metadata: dict[str, Any]) -> Node:
    return nbformat.v4.new_code_cell(source, metadata=metadata)  # type: ignore[no-untyped-call]


def new_notebook(cells: list[Node]) -> Node:
    return nbformat.v4.new_notebook(cells=cells)  # type: ignore[no-untyped-call]


@dataclass(frozen=True)
class Test:
    name: str  # the pytest item's name, e.g. test_relu_is_vectorized[relu]
    points: float


def hidden_seed(course: Course, topic: str) -> int:
    """The seed of a topic's hidden tests in its nbgrader notebook (``dlgrade grade --seed``)."""
    digest = hashlib.sha256(f"dlgrade-nbgrader:{course.seed}:{topic}".encode()).digest()
    return int.from_bytes(digest[:8], "big") & (2**63 - 1)


def write_source_notebooks(course: Course | Path | None, out_dir: Path, topics: tuple[str, ...] | None = None) -> list[Path]:
    """Write ``out_dir/<topic>/<topic>.ipynb`` for each topic (all by default): ``out_dir`` is
    an nbgrader course's ``source/`` folder, each topic an assignment. Returns the paths."""
    course = course if isinstance(course, Course) else load_course(course)
    written = []
    for topic in topics or course.topics:
        path = Path(out_dir) / topic / f"{topic}.ipynb"
        path.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(source_notebook(course, topic), str(path))  # type: ignore[no-untyped-call]
        written.append(path)
    return written


def source_notebook(course: Course, topic: str) -> Node:
    """nbgrader's source notebook of ``topic`` (see the module docstring)."""
    root = course.root
    solution = _read(root / "solutions" / f"{topic}.py")
    ids = _Ids(topic)
    cells = [_intro(course, topic, student=False), *_code_cells(solution, topic, ids)]
    cells += _public_cells(course, topic, ids)
    hidden = _tests(course, topic, "hidden")
    cells.append(new_markdown_cell(_HIDDEN_TITLE.en + " / " + _HIDDEN_TITLE.ru))
    setup = _checks_call(
        "_dlgrade_hidden", topic, "hidden", _read(course.suite(topic, "hidden")), course.lang, hidden_seed(course, topic),
        modules={f"solutions.{topic}": solution},
    )  # fmt: skip
    for number, test in enumerate(hidden):
        body = (setup + "\n" if number == 0 else "") + f"_dlgrade_hidden.check({test.name!r})"
        source = f"### BEGIN HIDDEN TESTS\n{body}\n### END HIDDEN TESTS"
        cells.append(_cell(source, ids.new(f"hidden-{test.name}"), grade=True, points=test.points, checks=True))
    return _notebook(course, topic, cells, "source")


def student_notebook(course: Course, topic: str) -> Node:
    """The bundle's notebook of ``topic``: the stubs and the public checks (no solution, no
    hidden test: refused with ConfigError if a line of either got in)."""
    stub = _read(course.root / "exercises" / f"{topic}.py")
    ids = _Ids(topic)
    stub_cells = _code_cells(stub, topic, ids, stub=True)
    cells = [_intro(course, topic, student=True), *stub_cells, *_public_cells(course, topic, ids)]
    notebook = _notebook(course, topic, cells, "student")
    _refuse_leaks(course, topic, notebook)
    return notebook


def fill_answers(notebook: Node, module: str) -> Node:
    """A copy of ``notebook`` (a source, released or student notebook) with a module's code in
    its answer cells, as a student who wrote that module would have: each answer cell gets the
    module's function of the same name, the first one also the module's other top-level code
    (imports, helpers, constants). For tests and benchmarks that turn ``.py`` submissions into
    nbgrader's ``submitted/<student>/<topic>/<topic>.ipynb``."""
    import copy

    filled = copy.deepcopy(notebook)
    try:
        tree = ast.parse(module)
    except SyntaxError:  # not Python: the whole text in the first answer cell, as typed
        tree = None
    functions: dict[str, str] = {}
    rest: list[str] = [module] if tree is None else []
    answers = [cell for cell in filled.cells if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("solution")]
    names = [match.group(1) if (match := re.search(r"^def (\w+)\(", cell.source, re.M)) else "" for cell in answers]
    for node in tree.body if tree is not None else []:
        segment = ast.get_source_segment(module, node) or ""
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name in names:
            decorators = "".join(f"@{ast.get_source_segment(module, d)}\n" for d in node.decorator_list)
            functions[node.name] = decorators + segment
        else:
            rest.append(segment)
    for number, (cell, name) in enumerate(zip(answers, names)):
        head = "\n\n".join(rest) + "\n\n" if number == 0 and rest else ""
        cell.source = head + functions.get(name, "")
        cell.outputs = []
    return filled


# ----------------------------------------------------------------------------- cells
class _Ids:
    """nbgrader's grade_id: unique in a notebook, letters, digits, ``_`` and ``-`` only."""

    def __init__(self, topic: str):
        self.topic = topic
        self.seen: set[str] = set()

    def new(self, name: str) -> str:
        base = f"{self.topic}-" + _GRADE_ID.sub("_", name.replace("test_", "", 1)).strip("_")
        chosen, n = base, 1
        while chosen in self.seen:
            n += 1
            chosen = f"{base}-{n}"
        self.seen.add(chosen)
        return chosen


def _cell(
    source: str, grade_id: str, *, solution: bool = False, grade: bool = False, points: float = 0, checks: bool = False
) -> Node:
    meta: dict[str, Any] = {
        "grade": grade,
        "grade_id": grade_id,
        "locked": not solution,
        "schema_version": SCHEMA_VERSION,
        "solution": solution,
    }
    if grade:
        meta["points"] = points
    # dlgrade's own check cells say so: a notebook submission's reader leaves them out
    return new_code_cell(source, metadata={"nbgrader": meta, **({"dlgrade": {"checks": True}} if checks else {})})


def _code_cells(module: str, topic: str, ids: _Ids, stub: bool = False) -> list[Node]:
    """A module's text as cells: its docstring as markdown, its top-level statements before the
    first function as one read-only cell, then one cell per function or class (with the comments
    above it). A cell holding a solution region (or, in a stub, the stub's NotImplementedError)
    is an answer cell; the others are read-only."""
    try:
        tree = ast.parse(module)
    except SyntaxError as error:
        raise ConfigError(f"{topic}: the module does not parse ({error})") from None
    lines = module.splitlines()
    body = list(tree.body)
    cells: list[Node] = []
    top = 0  # the first line after the module's docstring
    if body and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant):
        doc = body.pop(0)
        text = doc.value.value if isinstance(doc, ast.Expr) and isinstance(doc.value, ast.Constant) else ""
        cells.append(new_markdown_cell(str(text).strip()))
        top = doc.end_lineno or doc.lineno
    groups: list[tuple[str, list[ast.stmt]]] = []
    for node in body:
        kind = "def" if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) else "setup"
        if kind == "setup" and groups and groups[-1][0] == "setup":
            groups[-1][1].append(node)
        else:
            groups.append((kind, [node]))

    def first_line(node: ast.stmt) -> int:
        return int(min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))])) - 1

    # a cell runs up to the next one's first line: the comments after its last statement (a
    # region's ``### END SOLUTION``) are its own
    starts = [top, *(first_line(nodes[0]) for _, nodes in groups[1:])]
    ends = [*starts[1:], len(lines)]
    for (kind, nodes), start, end in zip(groups, starts, ends):
        text = "\n".join(lines[start:end]).strip("\n")
        if not text.strip():
            continue
        answer = stubs.BEGIN in text if not stub else kind == "def" and "raise NotImplementedError" in text
        name = nodes[0].name if kind == "def" else "setup"  # type: ignore[attr-defined]
        cells.append(_cell(text, ids.new(name), solution=answer))
    return cells


def _public_cells(course: Course, topic: str, ids: _Ids) -> list[Node]:
    folder = course.root / "course" / topic / "public"
    files = {path.name: base64.b64encode(path.read_bytes()).decode() for path in sorted(folder.glob("*.npz"))}
    setup = _checks_call("_dlgrade_public", topic, "public", _read(course.suite(topic, "public")), course.lang, 0, files=files)
    cells = [new_markdown_cell(f"{_PUBLIC_TITLE.en} / {_PUBLIC_TITLE.ru}\n\n{_PUBLIC_HELP.en}\n\n{_PUBLIC_HELP.ru}"),
             _cell(setup, ids.new("public-setup"), checks=True)]  # fmt: skip
    for test in _tests(course, topic, "public"):
        cells.append(
            _cell(f"_dlgrade_public.check({test.name!r})", ids.new(f"public-{test.name}"), grade=True, points=0, checks=True)
        )
    return cells


def _checks_call(
    variable: str, topic: str, kind: str, suite: str, lang: str, seed: int,
    files: dict[str, str] | None = None, modules: dict[str, str] | None = None,
) -> str:  # fmt: skip
    """The code that builds a ``grader.kernel.Checks`` in the kernel, its sources inline (as
    JSON string literals: one line each, valid Python)."""
    parts = [
        "from grader.kernel import Checks as _DlgradeChecks",
        f"_dlgrade_suite = {_literal(suite)}",
    ]
    extra = ""
    if files:
        parts.append(f"_dlgrade_files = {json.dumps(files)}")
        extra += ", files=_dlgrade_files"
    if modules:
        parts.append(f"_dlgrade_modules = {_literal(modules)}")
        extra += ", modules=_dlgrade_modules"
    parts.append(f"{variable} = _DlgradeChecks({topic!r}, {kind!r}, _dlgrade_suite, namespace=globals(), seed={seed}, "
                 f"lang={lang!r}{extra})")  # fmt: skip
    return "\n".join(parts)


def _literal(value: Any) -> str:
    """``value`` as a one-line Python literal (JSON) in which nbgrader finds none of its markers:
    it looks for ``BEGIN SOLUTION``, ``END SOLUTION`` and ``HIDDEN TESTS`` anywhere in a line, and
    must not find the inline reference's (a letter of each is a JSON escape)."""
    text = json.dumps(value, ensure_ascii=False)
    return text.replace("BEGIN", "BEG\\u0049N").replace("END", "EN\\u0044").replace("HIDDEN", "HIDDE\\u004e")


def _tests(course: Course, topic: str, kind: str) -> list[Test]:
    """The suite's tests in their order, with their points, as pytest collects them."""
    import contextlib
    import io
    import os
    import sys

    import pytest
    from _pytest.config import _prepareconfig
    from _pytest.main import Session

    from grader.suite import MARKS

    class Markers:
        def pytest_configure(self, config: pytest.Config) -> None:
            for mark in MARKS:
                config.addinivalue_line("markers", mark)

    root = str(course.root)
    if sys.path[:1] != [root]:
        sys.path.insert(0, root)
    args = ["-c", os.devnull, "--rootdir", root, "--import-mode=importlib", "-p", "no:cacheprovider", "-qq",
            "-p", "no:warnings", str(course.suite(topic, kind))]  # fmt: skip
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()) as err:
        config = _prepareconfig(args, plugins=[Markers()])
        try:
            config._do_configure()
            session = Session.from_config(config)
            config.hook.pytest_sessionstart(session=session)
            session.perform_collect()
            failed = session.testsfailed
            items = list(session.items)
        finally:
            config._ensure_unconfigure()
    if failed:
        raise ConfigError(f"{course.suite(topic, kind)} does not load:\n{err.getvalue()[-1500:]}")
    tests = []
    for item in items:
        marker = item.get_closest_marker("points")
        if marker is None or not marker.args:
            raise ConfigError(f"{item.nodeid}: no @pytest.mark.points(n); every graded test has points")
        tests.append(Test(item.name, float(marker.args[0])))
    return tests


def _notebook(course: Course, topic: str, cells: list[Node], kind: str) -> Node:
    notebook = new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
    notebook.metadata["language_info"] = {"name": "python"}
    notebook.metadata["dlgrade"] = {"topic": topic, "kind": kind, "engine_version": __version__}
    nbformat.validate(notebook)
    return notebook


def _intro(course: Course, topic: str, student: bool) -> Node:
    text = _INTRO.format(course=course.name, topic=topic)
    return new_markdown_cell(f"{text.ru}\n\n{text.en}")


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError(f"{path}: cannot be read ({error.strerror}); a notebook is made from it") from None


def _refuse_leaks(course: Course, topic: str, notebook: Node) -> None:
    """No line of a cell is a line of a solution region or of a hidden suite (release's test)."""
    secrets = secret_lines(course.root)
    for cell in notebook.cells:
        sources = [cell.source]
        if cell.cell_type == "code" and "_dlgrade_suite = " in cell.source:  # the inline suite, decoded
            for line in cell.source.splitlines():
                if line.startswith("_dlgrade_suite = "):
                    sources.append(str(json.loads(line.removeprefix("_dlgrade_suite = "))))
        for source in sources:
            refuse_leaks(secrets, f"the notebook of {topic}", source.splitlines())


_INTRO = L(
    "# {course}: `{topic}`\n\nWrite each function in its cell (replace `raise NotImplementedError`), run the "
    "cells, then run the checks at the end. Keep the names, parameters and defaults as they are "
    "(docs/exercise-api.md). Plots and experiments are welcome in cells of your own: only "
    "definitions (functions, classes, imports, constants) are graded.",
    "# {course}: `{topic}`\n\nНапишите каждую функцию в её ячейке (замените `raise NotImplementedError`), "
    "выполните ячейки, затем запустите проверки в конце. Не меняйте имена, параметры и значения по "
    "умолчанию (docs/exercise-api.md). Графики и эксперименты можно делать в своих ячейках: "
    "оцениваются только определения (функции, классы, импорты, константы).",
)
_PUBLIC_TITLE = L("## Public checks", "## Открытые проверки")
_PUBLIC_HELP = L(
    "The same checks as `dlgrade check` (they need dlgrade installed in this kernel). Passing them "
    "does not mean passing the hidden tests.",
    "Те же проверки, что и `dlgrade check` (нужен установленный в этом ядре dlgrade). Их "
    "прохождение не означает прохождения скрытых тестов.",
)
_HIDDEN_TITLE = L("## Hidden tests (nbgrader removes them from the students' copy)",
                  "## Скрытые тесты (nbgrader убирает их из копии студентов)")  # fmt: skip
