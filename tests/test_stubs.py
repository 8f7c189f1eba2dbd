"""The stub generator (grader/stubs.py) and the generated exercises/ it keeps in sync with
solutions/."""

from __future__ import annotations

import importlib
import inspect
import textwrap
from pathlib import Path

import pytest

from grader.errors import ConfigError
from grader.stubs import BEGIN, END, drifted_stubs, planned_stubs, stub_source, write_stubs
from grader.submission import TOPICS

ROOT = Path(__file__).resolve().parent.parent


def body_of(stub: str) -> str:
    """The stub without its generated header line."""
    first, rest = stub.split("\n", 1)
    assert first.startswith("# Generated from"), first
    return rest


# ----------------------------------------------------------------------------- stub_source
def test_region_becomes_not_implemented_at_its_indentation():
    solution = textwrap.dedent('''\
        """Module docstring."""
        import numpy as np


        def relu(x):
            """Docstring stays.

            RU: остаётся.
            """
            ### BEGIN SOLUTION
            secret = np.maximum(x, 0)
            return secret
            ### END SOLUTION
        ''')
    stub = stub_source(solution, "activations.py")
    assert stub.splitlines()[0] == (
        "# Generated from solutions/activations.py by `dlgrade stubs`; edit the solution, not this file."
    )
    assert body_of(stub) == textwrap.dedent('''\
        """Module docstring."""
        import numpy as np


        def relu(x):
            """Docstring stays.

            RU: остаётся.
            """
            # YOUR CODE HERE / ВАШ КОД ЗДЕСЬ
            raise NotImplementedError
        ''')
    assert "secret" not in stub and BEGIN not in stub and END not in stub


def test_nested_and_indented_regions():
    solution = textwrap.dedent("""\
        ### BEGIN SOLUTION
        TABLE = {"hidden": 1}
        ### END SOLUTION


        class Layer:
            def forward(self, x):
                if x is not None:
                    ### BEGIN SOLUTION
                    y = x * 2
                    ### END SOLUTION
                    return y
                return None

            def backward(self, dout):
                ### BEGIN SOLUTION
                def helper(v):
                    return v
                return helper(dout)
                ### END SOLUTION


        def two_regions(a):
            ### BEGIN SOLUTION
            a = a + 1
            ### END SOLUTION
            b = a
        \t### BEGIN SOLUTION
        \tsecret = 3
        \t### END SOLUTION
            return b
        """)
    got = body_of(stub_source(solution, "layer.py"))
    want = textwrap.dedent("""\
        # YOUR CODE HERE / ВАШ КОД ЗДЕСЬ
        raise NotImplementedError


        class Layer:
            def forward(self, x):
                if x is not None:
                    # YOUR CODE HERE / ВАШ КОД ЗДЕСЬ
                    raise NotImplementedError
                    return y
                return None

            def backward(self, dout):
                # YOUR CODE HERE / ВАШ КОД ЗДЕСЬ
                raise NotImplementedError


        def two_regions(a):
            # YOUR CODE HERE / ВАШ КОД ЗДЕСЬ
            raise NotImplementedError
            b = a
        \t# YOUR CODE HERE / ВАШ КОД ЗДЕСЬ
        \traise NotImplementedError
            return b
        """)
    assert got == want
    for hidden in ("hidden", "y = x * 2", "helper", "a + 1", "secret"):
        assert hidden not in got


def test_markers_with_surrounding_spaces_and_crlf():
    solution = "def f(x):\r\n    ### BEGIN SOLUTION   \r\n    return x\r\n    ### END SOLUTION\r\n"
    got = body_of(stub_source(solution, "f.py"))
    assert "return x" not in got
    assert "    raise NotImplementedError\n" in got


def test_text_without_regions_is_copied():
    solution = "def f(x):\n    return x  # ### BEGIN SOLUTION is only a marker on its own line\n"
    assert body_of(stub_source(solution, "f.py")) == solution


def test_stub_runs_and_raises_not_implemented():
    solution = textwrap.dedent('''\
        def f(x, alpha=1.0):
            """Doc."""
            ### BEGIN SOLUTION
            return x * alpha
            ### END SOLUTION
        ''')
    namespace: dict = {}
    exec(compile(stub_source(solution, "f.py"), "f.py", "exec"), namespace)
    with pytest.raises(NotImplementedError):
        namespace["f"](1)
    assert namespace["f"].__doc__ == "Doc."


# ----------------------------------------------------------------------------- unbalanced markers
def test_end_without_begin_names_file_and_line():
    solution = "def f():\n    pass\n    ### END SOLUTION\n"
    with pytest.raises(ConfigError) as error:
        stub_source(solution, "dropout.py")
    assert "dropout.py:3" in str(error.value)
    assert END in str(error.value)


def test_begin_inside_begin_names_file_and_line():
    solution = "def f():\n    ### BEGIN SOLUTION\n    x = 1\n    ### BEGIN SOLUTION\n    ### END SOLUTION\n"
    with pytest.raises(ConfigError) as error:
        stub_source(solution, "batchnorm.py")
    assert "batchnorm.py:4" in str(error.value)


def test_begin_never_closed_names_file_and_line():
    """The line to fix is the BEGIN that has no END; the message must say which one (a file
    has a dozen regions)."""
    solution = (
        "def f():\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION\n\n\n"
        "def g():\n    ### BEGIN SOLUTION\n    return 2\n"
    )
    with pytest.raises(ConfigError) as error:
        stub_source(solution, "optimizers.py")
    message = str(error.value)
    assert "optimizers.py" in message and END in message
    assert "optimizers.py:8" in message, f"the message does not name line 8: {message!r}"


# ----------------------------------------------------------------------------- the course's stubs
def test_exercises_are_in_sync_with_solutions():
    drifted = drifted_stubs(ROOT)
    assert drifted == [], (
        "out of sync with solutions/: "
        + ", ".join(str(p.relative_to(ROOT)) for p in drifted)
        + "; run `.venv/bin/python -m grader.stubs`"
    )


def test_every_solution_has_a_planned_stub():
    planned = {path.name for path in planned_stubs(ROOT)}
    solutions = {path.name for path in (ROOT / "solutions").glob("[!_]*.py")}
    assert planned == solutions
    assert all(path.parent == ROOT / "exercises" for path in planned_stubs(ROOT))


def _topics_with_solutions() -> list[str]:
    return [topic for topic in TOPICS if (ROOT / "solutions" / f"{topic}.py").exists()]


@pytest.mark.parametrize("topic", _topics_with_solutions())
def test_stub_functions_raise_not_implemented_and_keep_docstrings(topic):
    solution = importlib.import_module(f"solutions.{topic}")
    stub = importlib.import_module(f"exercises.{topic}")
    assert list(stub.__all__) == list(solution.__all__)
    for name in solution.__all__:
        ref, fn = getattr(solution, name), getattr(stub, name)
        assert inspect.signature(fn) == inspect.signature(ref), name
        assert inspect.getdoc(fn), f"{topic}.{name} has no docstring"
        assert inspect.getdoc(fn) == inspect.getdoc(ref), f"{topic}.{name}: docstring differs"
        required = [p for p in inspect.signature(fn).parameters.values()
                    if p.default is inspect.Parameter.empty]  # fmt: skip
        with pytest.raises(NotImplementedError):
            fn(*[None] * len(required))


@pytest.mark.parametrize("topic", _topics_with_solutions())
def test_stub_text_holds_no_solution_region(topic):
    text = (ROOT / "exercises" / f"{topic}.py").read_text(encoding="utf-8")
    assert BEGIN not in text and END not in text
    assert text.startswith(f"# Generated from solutions/{topic}.py")


# ----------------------------------------------------------------------------- drift and writing
def _course(tmp_path: Path) -> Path:
    (tmp_path / "solutions").mkdir()
    (tmp_path / "exercises").mkdir()
    (tmp_path / "solutions" / "__init__.py").write_text("")
    (tmp_path / "solutions" / "relu.py").write_text("def relu(x):\n    ### BEGIN SOLUTION\n    return x\n    ### END SOLUTION\n")
    return tmp_path


def test_drift_is_detected_and_write_fixes_it(tmp_path):
    root = _course(tmp_path)
    stub = root / "exercises" / "relu.py"
    assert drifted_stubs(root) == [stub]  # missing
    assert write_stubs(root) == [stub]
    assert drifted_stubs(root) == []
    assert write_stubs(root) == []  # nothing to do
    stub.write_text(stub.read_text() + "# a hand edit\n")
    assert drifted_stubs(root) == [stub]
    write_stubs(root)
    assert "hand edit" not in stub.read_text()
    assert not (root / "exercises" / "__init__.py").exists()  # packages files are not stubs


def test_unbalanced_solution_fails_the_drift_check(tmp_path):
    root = _course(tmp_path)
    (root / "solutions" / "broken.py").write_text("def f():\n    ### BEGIN SOLUTION\n    pass\n")
    with pytest.raises(ConfigError, match="broken.py"):
        drifted_stubs(root)
