"""``dlgrade autograde --nbgrader COURSE_DIR``: the class's scores into an nbgrader course's own
gradebook (the ``db_url`` of its nbgrader_config.py, by default ``COURSE_DIR/gradebook.db``),
through nbgrader's API, so that an instructor on
nbgrader sees them in formgrader and exports them with ``nbgrader export``.

The structure is the one ``grader.notebooks`` gives nbgrader: each topic an assignment holding
one notebook of the topic's name, each hidden test a grade cell worth its points, each public
test a grade cell worth 0. The grade cells' ids are read from the source notebooks that
``grader.notebooks.source_notebook`` builds (never written a second time here), so a gradebook
made by ``nbgrader generate_assignment`` from those notebooks and one made here agree cell by
cell. A test's score is its ``auto_score``; a topic that was not handed in makes no nbgrader
submission. A rerun overwrites the scores of what was graded again."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader.course import Course
from grader.errors import ConfigError, UsageError

_CHECK = re.compile(r"\.check\((['\"])(?P<name>[^'\"]+)\1\)")
DB_NAME = "gradebook.db"  # nbgrader's default CourseDirectory.db_url


@dataclass(frozen=True)
class Cell:
    grade_id: str
    points: float
    test: str  # the name of the test in dlgrade's report ("" for a public check)


def course_folder(path: Path) -> Path:
    """The nbgrader course folder, checked before any grading (UsageError, exit 2)."""
    if not path.is_dir():
        raise UsageError(f"--nbgrader {path}: no such folder; give the nbgrader course's folder "
                         "(the one with nbgrader_config.py)")  # fmt: skip
    if not (path / "nbgrader_config.py").is_file() and not (path / DB_NAME).is_file():
        raise UsageError(f"--nbgrader {path}: not an nbgrader course (no nbgrader_config.py, no {DB_NAME}); "
                         "make one with `nbgrader quickstart` or give its folder")  # fmt: skip
    try:
        import nbgrader.api  # noqa: F401
    except ImportError:
        raise UsageError("--nbgrader needs nbgrader: pip install -e '.[notebooks]'") from None
    db_url(path.resolve())  # a config that fails says so before any grading
    return path.resolve()


def db_url(course_dir: Path) -> str:
    """The gradebook the nbgrader course uses: ``CourseDirectory.db_url`` as its own
    nbgrader_config.py sets it (formgrader and ``nbgrader export`` read that one), by default
    ``COURSE_DIR/gradebook.db``. The config is the instructor's own file, run as nbgrader
    runs it; one that fails is an error that says so."""
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config.loader import PyFileConfigLoader

    config_file = course_dir / "nbgrader_config.py"
    if not config_file.is_file():
        return f"sqlite:///{course_dir / DB_NAME}"
    try:
        config = PyFileConfigLoader(config_file.name, path=str(course_dir)).load_config()
        return str(CourseDirectory(config=config, root=str(course_dir)).db_url)
    except Exception as error:  # the instructor's Python: any error of theirs
        raise UsageError(f"--nbgrader {course_dir}: its nbgrader_config.py fails "
                         f"({type(error).__name__}: {error}); fix it and run again") from None  # fmt: skip


def grade_cells(course: Course, topic: str) -> list[Cell]:
    """The grade cells of ``topic``'s source notebook, in order, with the report's test names."""
    from grader.notebooks import source_notebook

    cells = []
    for cell in source_notebook(course, topic).cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if not meta.get("grade"):
            continue
        hidden = "### BEGIN HIDDEN TESTS" in cell.source
        calls = list(_CHECK.finditer(cell.source))  # the cell's own test is its last call
        test = calls[-1].group("name").removeprefix("test_") if hidden and calls else ""
        if hidden and not test:
            raise ConfigError(f"{topic}: a hidden grade cell ({meta.get('grade_id')}) names no test")
        cells.append(Cell(str(meta["grade_id"]), float(meta.get("points", 0)), test))
    return cells


def export(course_dir: Path, course: Course, grades: list[tuple[str, dict[str, Any]]], url: str | None = None) -> int:
    """Write each ``(student, report)`` into the nbgrader gradebook of ``course_dir`` (``url``:
    its ``db_url`` when the caller has it already); returns the number of (student, topic)
    submissions written."""
    from nbgrader.api import Gradebook, MissingEntry

    handed_in = {t for _, report in grades for t, r in report.get("topics", {}).items() if r.get("status") != "missing"}
    cells = {topic: grade_cells(course, topic) for topic in course.topics if topic in handed_in}
    written = 0
    with Gradebook(url or db_url(course_dir)) as book:
        for topic, topic_cells in cells.items():
            book.update_or_create_assignment(topic)
            book.update_or_create_notebook(topic, topic)
            for cell in topic_cells:
                book.update_or_create_grade_cell(cell.grade_id, topic, topic, max_score=cell.points, cell_type="code")
        for student, report in grades:
            book.update_or_create_student(student)
            for topic, result in report.get("topics", {}).items():
                if topic not in cells or result.get("status") == "missing":
                    continue
                earned = {str(t["name"]): float(t["points"]) for t in result.get("tests", [])}
                unknown = set(earned) - {c.test for c in cells[topic]}
                if unknown:
                    raise ConfigError(f"{topic}: tests with no grade cell in its source notebook: "
                                      f"{', '.join(sorted(unknown)[:5])}")  # fmt: skip
                try:
                    submission = book.find_submission(topic, student)
                except MissingEntry:
                    submission = book.add_submission(topic, student)
                by_id = {c.grade_id: c for c in cells[topic]}
                for notebook in submission.notebooks:
                    for grade in notebook.grades:
                        mine = by_id.get(grade.name)
                        if mine is None:  # a cell of the instructor's own, not dlgrade's: left as it is
                            continue
                        # a test not run (the module did not load) earns nothing
                        grade.auto_score = earned.get(mine.test, 0.0) if mine.test else 0.0
                book.db.commit()
                written += 1
    return written
