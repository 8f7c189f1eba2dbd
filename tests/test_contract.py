"""The student API is a contract (shared/spec/exercise-api.md): every function of its tables
exists in ``solutions.<topic>`` and ``exercises.<topic>`` with exactly the written names,
parameter names and defaults, and ``__all__`` lists exactly those functions.

The spec is read from ``<repo>/../shared/spec/exercise-api.md`` (where CI puts it too)."""

from __future__ import annotations

import ast
import functools
import importlib
import inspect
import re
from pathlib import Path

import pytest

from grader.submission import TOPICS

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT.parent / "shared" / "spec" / "exercise-api.md"

_SECTION = re.compile(r"^##\s+(\d+)\.\s+`([a-z_]+)`")
_ROW = re.compile(r"^\|\s*`([A-Za-z_]\w*)\((.*?)\)`\s*\|")

Params = list[tuple[str, bool, object]]  # (name, has_default, default)


@functools.cache
def spec_functions() -> dict[str, dict[str, Params]]:
    """topic -> function name -> parameters, in the order of the spec's tables."""
    if not SPEC.is_file():
        pytest.fail(
            f"the exercise API spec is expected at {SPEC} (<repo>/../shared/spec/exercise-api.md); "
            "put shared/ beside the checkout"
        )
    topics: dict[str, dict[str, Params]] = {}
    current: str | None = None
    for number, line in enumerate(SPEC.read_text(encoding="utf-8").splitlines(), start=1):
        if line.startswith("## "):
            match = _SECTION.match(line)
            current = match.group(2) if match else None
            if current is not None:
                assert current not in topics, f"{SPEC}:{number}: section {current} twice"
                topics[current] = {}
            continue
        row = _ROW.match(line)
        if row and current is not None:
            name, params = row.groups()
            assert name not in topics[current], f"{SPEC}:{number}: {name} listed twice"
            topics[current][name] = _parse_params(name, params, f"{SPEC}:{number}")
    return topics


def _parse_params(name: str, params: str, where: str) -> Params:
    try:
        tree = ast.parse(f"def {name}({params}): pass")
    except SyntaxError as error:
        raise AssertionError(f"{where}: cannot read the signature {name}({params}): {error}") from None
    args = tree.body[0].args  # type: ignore[attr-defined]
    assert not (args.posonlyargs or args.kwonlyargs or args.vararg or args.kwarg), where
    defaults = [ast.literal_eval(node) for node in args.defaults]
    first_default = len(args.args) - len(defaults)
    return [
        (arg.arg, i >= first_default, defaults[i - first_default] if i >= first_default else None)
        for i, arg in enumerate(args.args)
    ]


def actual_params(fn) -> Params:
    found = []
    for param in inspect.signature(fn).parameters.values():
        assert param.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD, (
            f"{fn.__module__}.{fn.__name__}: parameter {param.name} is {param.kind.description}; "
            "the contract has plain parameters only"
        )
        has_default = param.default is not inspect.Parameter.empty
        found.append((param.name, has_default, param.default if has_default else None))
    return found


def same_default(got: object, want: object) -> bool:
    # 1.0 and 1 differ in the contract (a float default is written as a float), as do False and 0
    return type(got) is type(want) and got == want


def test_spec_has_a_section_for_every_topic():
    spec = spec_functions()
    assert set(spec) == set(TOPICS), f"sections {sorted(spec)} vs topics {sorted(TOPICS)}"
    for topic, functions in spec.items():
        assert functions, f"section {topic} lists no functions (was the table format changed?)"


def test_spec_parser_reads_known_rows():
    spec = spec_functions()
    assert spec["activations"]["elu"] == [("x", False, None), ("alpha", True, 1.0)]
    assert spec["optimizers"]["fit_sgd"][-2:] == [("momentum", True, 0.0), ("w0", True, None)]
    assert spec["dropout"]["dropout_forward"][-1] == ("train", True, True)


@pytest.mark.parametrize("package", ["solutions", "exercises"])
@pytest.mark.parametrize("topic", TOPICS)
def test_module_matches_the_contract(package, topic):
    expected = spec_functions()[topic]
    module = importlib.import_module(f"{package}.{topic}")
    exported = list(getattr(module, "__all__", []))
    assert sorted(exported) == sorted(expected), (
        f"{package}.{topic}.__all__ = {exported}; the contract lists {list(expected)}"
    )
    assert len(set(exported)) == len(exported), f"{package}.{topic}.__all__ has duplicates"
    problems = []
    for name, want in expected.items():
        fn = getattr(module, name, None)
        if not inspect.isfunction(fn):
            problems.append(f"{name}: missing or not a function")
            continue
        got = actual_params(fn)
        if [p[:2] for p in got] != [p[:2] for p in want] or not all(
            not w[1] or same_default(g[2], w[2]) for g, w in zip(got, want)
        ):
            problems.append(f"{name}{inspect.signature(fn)} should be {name}({_text(want)})")
    assert not problems, f"{package}.{topic} breaks the contract: " + "; ".join(problems)


def _text(params: Params) -> str:
    return ", ".join(f"{name}={default!r}" if has else name for name, has, default in params)
