"""Notebooks from the course's single sources, and real nbgrader on them (issue 9, item 4).

The structural checks run for every topic and cost a collection of the suites each. The nbgrader
runs are real: ``nbgrader generate_assignment``, ``autograde`` and ``generate_feedback`` in a
throwaway nbgrader course, with submissions whose solution cells hold a correct and a wrong
module, and nbgrader's gradebook compared with ``dlgrade grade`` of the same code."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

nbformat = pytest.importorskip("nbformat")

from grader import api, notebooks  # noqa: E402
from grader.course import load_course  # noqa: E402
from grader.jail.wire import Handle, PublicFn  # noqa: E402
from grader.kernel import CheckFailed, Checks, KernelStudent  # noqa: E402
from grader.leaks import secret_lines  # noqa: E402
from grader.submission import TOPICS  # noqa: E402
from grader.suite import MissingFunction, NotAttempted, StudentRaised  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
COURSE = load_course(ROOT)
VENV_BIN = Path(sys.executable).parent


def _meta(cell) -> dict:
    return cell.metadata.get("nbgrader", {})


# ----------------------------------------------------------------------------- structure
@pytest.fixture(scope="module")
def sources() -> dict[str, object]:
    return {topic: notebooks.source_notebook(COURSE, topic) for topic in TOPICS}


@pytest.mark.parametrize("topic", TOPICS)
def test_source_notebook_is_nbgraders_from_the_single_sources(topic: str, sources) -> None:
    notebook = sources[topic]
    nbformat.validate(notebook)
    assert notebook.metadata["dlgrade"]["topic"] == topic
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    ids = [_meta(cell)["grade_id"] for cell in code]
    assert len(ids) == len(set(ids)) and all(all(c.isalnum() or c in "-_" for c in i) for i in ids)
    for cell in code:
        meta = _meta(cell)
        assert set(meta) >= {"grade", "solution", "locked", "grade_id", "schema_version"}
        assert meta["schema_version"] == 3 and meta["locked"] is not meta["solution"]
        assert ("points" in meta) is meta["grade"]
    # every solution region is in an answer cell, as written in solutions/<topic>.py
    solution = (ROOT / "solutions" / f"{topic}.py").read_text(encoding="utf-8")
    answers = "\n".join(cell.source for cell in code if _meta(cell)["solution"])
    regions = solution.count("### BEGIN SOLUTION")
    assert regions and answers.count("### BEGIN SOLUTION") == regions == answers.count("### END SOLUTION")
    # the answer cells and the read-only ones are the module again, in order
    module = "\n".join(cell.source for cell in code if not _meta(cell)["grade"])
    assert ast.dump(ast.parse(module)).count("FunctionDef") == ast.dump(ast.parse(solution)).count("FunctionDef")
    # one hidden cell per hidden test, worth its points; one 0-point visible cell per public test
    hidden = [cell for cell in code if "### BEGIN HIDDEN TESTS" in cell.source]
    public = [cell for cell in code if _meta(cell)["grade"] and cell not in hidden]
    collected = notebooks._tests(COURSE, topic, "hidden")
    assert [json.loads(json.dumps(_meta(c)["points"])) for c in hidden] == [t.points for t in collected]
    if topic in COURSE.max_points:
        assert sum(t.points for t in collected) == COURSE.max_points[topic]
    assert all(cell.source.strip().endswith("### END HIDDEN TESTS") for cell in hidden)
    assert len(public) == len(notebooks._tests(COURSE, topic, "public"))
    assert all(_meta(cell)["points"] == 0 and "HIDDEN" not in cell.source for cell in public)


@pytest.mark.parametrize("topic", TOPICS)
def test_student_notebook_holds_no_solution_or_hidden_line(topic: str) -> None:
    notebook = notebooks.student_notebook(COURSE, topic)
    nbformat.validate(notebook)
    secrets = secret_lines(ROOT)
    text = json.dumps(notebook, ensure_ascii=False)
    assert "BEGIN SOLUTION" not in text and "HIDDEN TESTS" not in text
    for cell in notebook.cells:
        for line in cell.source.splitlines():
            assert line.strip() not in secrets, (topic, line)
    stub = (ROOT / "exercises" / f"{topic}.py").read_text(encoding="utf-8")
    answers = [cell for cell in notebook.cells if cell.cell_type == "code" and _meta(cell).get("solution")]
    assert answers and all("raise NotImplementedError" in cell.source and cell.source in stub for cell in answers)


def test_student_notebook_refuses_a_leak() -> None:
    """A cell holding a line of a solution region, or of the hidden suite inside the inline
    public suite, is refused naming where it comes from (release's leak rule, cell by cell)."""
    solution = (ROOT / "solutions" / "dropout.py").read_text(encoding="utf-8")
    leaked = next(line for line in solution.splitlines() if "keep = rng.random" in line)
    notebook = notebooks.student_notebook(COURSE, "dropout")
    notebook.cells.append(nbformat.v4.new_code_cell(f"def _helper(x, p, rng):\n{leaked}\n    return keep"))
    with pytest.raises(notebooks.ConfigError, match="holds a line of solutions/dropout.py"):
        notebooks._refuse_leaks(COURSE, "dropout", notebook)
    hidden = (ROOT / "course" / "dropout" / "hidden" / "test_dropout.py").read_text(encoding="utf-8")
    line = next(line for line in hidden.splitlines() if "SHAPE = (200, 500)" in line)
    notebook = notebooks.student_notebook(COURSE, "dropout")
    setup = next(cell for cell in notebook.cells if "_dlgrade_suite = " in cell.source)
    setup.source = setup.source.replace("import numpy as np\\n", f"import numpy as np\\n{line}\\n", 1)
    with pytest.raises(notebooks.ConfigError, match="holds a line of course/dropout/hidden"):
        notebooks._refuse_leaks(COURSE, "dropout", notebook)


def test_write_source_notebooks_lays_out_nbgraders_source_folder(tmp_path: Path) -> None:
    written = notebooks.write_source_notebooks(COURSE, tmp_path / "source", ("activations",))
    assert written == [tmp_path / "source" / "activations" / "activations.ipynb"]
    assert nbformat.read(str(written[0]), as_version=4).metadata["dlgrade"]["kind"] == "source"


# ----------------------------------------------------------------------------- the stand-in
def test_kernel_student_means_what_the_proxy_means() -> None:
    def stub(x):
        raise NotImplementedError

    def picky(x, p):
        if p > 1:
            raise ValueError(f"p = {p}")
        return x * 2, (x, {"p": p})

    def writes(x, rng):
        x[0] = -1.0
        return rng.random()

    def numgrad(f, x):
        return f(x)

    student = KernelStudent({"stub": stub, "picky": picky, "writes": writes, "numgrad": numgrad, "np": np})
    with pytest.raises(NotAttempted):
        student.stub(np.ones(3))
    with pytest.raises(StudentRaised) as raised:
        student.picky(np.ones(3), 2)
    assert raised.value.is_a("ValueError") and "p = 2" in raised.value.message.en
    with pytest.raises(MissingFunction):
        student.absent(1)
    with pytest.raises(MissingFunction):
        student.np(1)  # a module is not a function of the notebook
    x = np.arange(3.0)
    out, cache = student.picky(x, 0.5)
    assert isinstance(cache, Handle) and out is not x and np.array_equal(out, 2 * x)
    cached_x, cached_p = student.fetch(cache)
    assert np.array_equal(cached_x, x) and cached_p == {"p": 0.5}  # fetched: plain data, as the jail sends it
    rng = np.random.default_rng(1)
    twin = np.random.default_rng(1)
    drawn = student.writes(x, rng)  # the write reaches the suite's array, the rng advances
    assert x[0] == -1.0 and drawn == twin.random() and rng.random() == twin.random()
    assert student.numgrad(PublicFn("sum_of_squares"), np.array([1.0, 2.0])) == 5.0


def test_checks_run_a_public_suite_in_the_kernel() -> None:
    """The public dropout suite over a namespace: the reference passes, a stub is not attempted."""
    suite = (ROOT / "course" / "dropout" / "public" / "test_dropout.py").read_text(encoding="utf-8")
    namespace: dict[str, object] = {}
    exec(compile((ROOT / "solutions" / "dropout.py").read_text(encoding="utf-8"), "dropout", "exec"), namespace)
    checks = Checks("dropout", "public", suite, namespace=namespace, seed=1, lang="en")
    assert checks.names() and all(checks.outcome(name)[0] == "pass" for name in checks.names())
    stub: dict[str, object] = {}
    exec(compile((ROOT / "exercises" / "dropout.py").read_text(encoding="utf-8"), "dropout", "exec"), stub)
    checks = Checks("dropout", "public", suite, namespace=stub, seed=1, lang="en")
    with pytest.raises(CheckFailed, match="not attempted: dropout_forward is not implemented yet"):
        checks.check(checks.names()[0])


# ----------------------------------------------------------------------------- real nbgrader
def _student_notebook(released: Path, module: str, target: Path) -> None:
    """The released notebook with the student's module in its answer cells, and a cell of the
    student's own that plots and runs shell lines (nbgrader runs it; it costs nothing)."""
    notebook = notebooks.fill_answers(nbformat.read(str(released), as_version=4), module)
    notebook.cells.append(nbformat.v4.new_code_cell("%matplotlib inline\n!echo plotting\nprint('a cell of my own')"))
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, str(target))


def _nbgrader(course_dir: Path, *args: str) -> None:
    env = {**os.environ, "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
           "PYTHONPATH": str(ROOT)}  # fmt: skip
    done = subprocess.run([str(VENV_BIN / "nbgrader"), *args, "--force"], cwd=course_dir, env=env,
                          capture_output=True, text=True, timeout=600)  # fmt: skip
    assert done.returncode == 0 and "ERROR" not in done.stderr, done.stderr[-3000:]


SUBMISSIONS = {  # student -> (module, topic)
    "correct": "solutions/{topic}.py",
    "wrong": "tests/corpus/{topic}/wrong/{wrong}",
    "stub": "exercises/{topic}.py",
}


@pytest.mark.slow
@pytest.mark.parametrize(("topic", "wrong"), [("dropout", "backward_forgets_scale.py"), ("activations", "loops_everywhere.py")])
def test_nbgrader_scores_agree_with_dlgrade(tmp_path: Path, topic: str, wrong: str) -> None:
    pytest.importorskip("nbgrader")
    course_dir = tmp_path / "nbgrader"
    students = list(SUBMISSIONS)
    (course_dir / "source").mkdir(parents=True)
    (course_dir / "nbgrader_config.py").write_text(
        "c = get_config()\n"
        f"c.CourseDirectory.root = {str(course_dir)!r}\n"
        f"c.CourseDirectory.db_assignments = [dict(name={topic!r})]\n"
        f"c.CourseDirectory.db_students = {[{'id': s} for s in students]!r}\n"
        "c.ExecutePreprocessor.timeout = 300\n",
        encoding="utf-8",
    )
    notebooks.write_source_notebooks(COURSE, course_dir / "source", (topic,))
    _nbgrader(course_dir, "generate_assignment", topic)
    released = course_dir / "release" / topic / f"{topic}.ipynb"
    assert "HIDDEN" not in released.read_text(encoding="utf-8")
    modules = {}
    for student, pattern in SUBMISSIONS.items():
        modules[student] = (ROOT / pattern.format(topic=topic, wrong=wrong)).read_text(encoding="utf-8")
        _student_notebook(released, modules[student], course_dir / "submitted" / student / topic / f"{topic}.ipynb")
    _nbgrader(course_dir, "autograde", topic)
    _nbgrader(course_dir, "generate_feedback", topic)

    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course_dir / 'gradebook.db'}") as gradebook:
        scores = {student: gradebook.find_submission(topic, student).score for student in students}
        cells = {student: {grade.name: grade.score for grade in gradebook.find_submission_notebook(topic, topic, student).grades}
                 for student in students}  # fmt: skip
    for student in students:
        assert (course_dir / "feedback" / student / topic / f"{topic}.html").is_file()
        module = tmp_path / "dlgrade" / student / f"{topic}.py"
        module.parent.mkdir(parents=True)
        module.write_text(modules[student], encoding="utf-8")
        report = api.grade(module, topic=topic, seed=notebooks.hidden_seed(COURSE, topic), lang="en", course=ROOT)
        (result,) = report.topics
        by_test = {f"{topic}-hidden-" + notebooks._GRADE_ID.sub("_", test.name).strip("_"): test.points
                   for test in result.tests}  # fmt: skip
        hidden = {name: score for name, score in cells[student].items() if "-hidden-" in name}
        assert hidden == by_test, student  # test by test, the same points
        assert scores[student] == pytest.approx(result.score), student
    assert scores["correct"] == result.max_score > scores["wrong"] > 0 and scores["stub"] == 0


def test_checks_name_a_bare_assert_by_its_title_only() -> None:
    """A bare assert shows the test's title, never pytest's text of the hidden values (as the
    runner does); an error in the check itself is the grader's, not the student's."""
    suite = (
        "import pytest\n\n\n@pytest.mark.points(1)\ndef test_double(student):\n"
        '    """doubles its input\n    ru: удваивает вход"""\n    assert student.double(21) == 42\n\n\n'
        "@pytest.mark.points(1)\ndef test_broken(student):\n    raise KeyError('secret input 7')\n"
    )
    checks = Checks("activations", "hidden", suite, namespace={"double": lambda x: x + 1}, seed=0, lang="ru")
    assert checks.outcome("test_double") == ("fail", "не выполняется: удваивает вход")
    outcome, message = checks.outcome("test_broken")
    assert outcome == "error" and "secret" not in message and "внутренняя ошибка" in message


@pytest.mark.parametrize("topic", TOPICS)
def test_a_filled_notebook_reads_back_as_the_module(topic: str, tmp_path: Path) -> None:
    """fill_answers puts a module into a notebook's answer cells; dlgrade reads the same
    functions back from it."""
    from grader.submission import load_submission

    solution = (ROOT / "solutions" / f"{topic}.py").read_text(encoding="utf-8")
    filled = notebooks.fill_answers(notebooks.student_notebook(COURSE, topic), solution)
    path = tmp_path / f"{topic}.ipynb"
    nbformat.write(filled, str(path))
    module = load_submission(path).modules[topic]

    def functions(text: str) -> dict[str, str]:
        return {n.name: ast.dump(n) for n in ast.parse(text).body if isinstance(n, ast.FunctionDef)}

    assert functions(module) == functions(solution)


def test_dlgrade_notebooks_command(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DLGRADE_COURSE": str(ROOT)}
    run = [sys.executable, "-m", "grader.cli", "notebooks"]
    done = subprocess.run([*run, str(tmp_path / "source"), "--topic", "dropout"], env=env, capture_output=True, text=True)
    assert done.returncode == 0 and (tmp_path / "source" / "dropout" / "dropout.ipynb").is_file(), done.stderr
    (tmp_path / "file").write_text("")
    done = subprocess.run([*run, str(tmp_path / "file")], env=env, capture_output=True, text=True)
    assert done.returncode == 2 and "is a file" in done.stderr, done.stderr
