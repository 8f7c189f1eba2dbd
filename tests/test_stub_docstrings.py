"""Fair to students: every stub's docstring says, in English and in Russian, what the hidden
suites grade beyond the values (docs/exercise-api.md): vectorization (and which loops belong
to the task), inputs left alone, float32 and float64 inputs, the x = 0 convention, the rng rule.
The claims are held to the hidden suites where they can be read off them: a function with an
``_at_zero`` test must state its value at 0, one timed by the hidden suite must say it is timed."""

from __future__ import annotations

import ast
import inspect
import re
from pathlib import Path

import pytest

from grader.submission import TOPICS

ROOT = Path(__file__).resolve().parent.parent
HEAD_EN = "Graded beyond the values (the hidden tests check it):"
HEAD_RU = "Что оценивается, кроме значений (это проверяют скрытые тесты):"

# functions whose only inputs are sizes and a generator: no array to keep unchanged, no dtype
NO_ARRAY_INPUT = {"xavier_uniform", "xavier_normal", "he_uniform", "he_normal", "minibatch_indices"}
# the loops that are the task itself (docs/exercise-api.md, "Vectorized")
LOOPS_ARE_THE_TASK = {"fit_gd", "fit_sgd", "numerical_gradient"}


def functions() -> list[tuple[str, str, str, list[str]]]:
    """(topic, name, docstring, parameters) of every contract function of the stubs."""
    found = []
    for topic in TOPICS:
        tree = ast.parse((ROOT / "exercises" / f"{topic}.py").read_text(encoding="utf-8"))
        exported = next(ast.literal_eval(n.value) for n in tree.body if isinstance(n, ast.Assign)
                        and any(isinstance(t, ast.Name) and t.id == "__all__" for t in n.targets))  # fmt: skip
        for node in tree.body:
            if isinstance(node, ast.FunctionDef) and node.name in exported:
                found.append((topic, node.name, inspect.cleandoc(ast.get_docstring(node) or ""),
                              [a.arg for a in node.args.args]))  # fmt: skip
    assert len(found) == 31, f"the contract has 31 functions, found {len(found)}"
    return found


def graded(doc: str) -> tuple[str, str]:
    """The English and the Russian 'graded beyond the values' lists of a docstring."""
    english, _, russian = doc.partition("\nRU:\n")
    assert HEAD_EN in english and HEAD_RU in russian, "no 'graded beyond the values' list in both languages"
    return tuple(" ".join(part.split()) for part in (english.split(HEAD_EN, 1)[1], russian.split(HEAD_RU, 1)[1]))  # type: ignore[return-value]


def hidden_tests(topic: str) -> dict[str, str]:
    """name -> source of every test of the topic's hidden suite."""
    path = ROOT / "course" / topic / "hidden" / f"test_{topic}.py"
    text = path.read_text(encoding="utf-8")
    tree = ast.parse(text)
    lines = text.splitlines()
    # the source with its decorators (a parametrize names the functions a test is about)
    return {n.name: "\n".join(lines[min([n.lineno] + [d.lineno for d in n.decorator_list]) - 1 : n.end_lineno])
            for n in tree.body if isinstance(n, ast.FunctionDef) and n.name.startswith("test_")}  # fmt: skip


def timed_functions(topic: str) -> set[str]:
    """The contract functions a hidden test of the topic times (cpu_time / fastest_within on them,
    or a parametrized vectorization test over them)."""
    names = {name for of, name, _, _ in functions() if of == topic}
    timed: set[str] = set()
    for test, source in hidden_tests(topic).items():
        if "vectoriz" not in test:
            continue
        quoted = set(re.findall(r"[\"']([a-z_]+)[\"']", source)) & names
        timed |= quoted or (names if "parametrize" in source or "for fn in" in source else set())
    return timed


@pytest.mark.parametrize(("topic", "name", "doc", "params"), [pytest.param(*f, id=f"{f[0]}.{f[1]}") for f in functions()])
def test_the_docstring_says_what_is_graded_beyond_the_values(topic, name, doc, params):
    english, russian = graded(doc)
    problems = []

    def need(what: str, en: str, ru: str) -> None:
        if not re.search(en, english):
            problems.append(f"English: {what}")
        if not re.search(ru, russian):
            problems.append(f"Russian: {what}")

    if name in LOOPS_ARE_THE_TASK:
        need("which loops are the task", r"loops: .*(is|are) the algorithm", r"циклы: .*это сам алгоритм")
    else:
        need("vectorized", r"vectorized: no Python loop", r"векторизация: без цикла Python")
    if name not in NO_ARRAY_INPUT:
        need("inputs not modified", r"not modified|original values", r"не изменя|исходные значения")
        need("float64 accuracy", r"float64", r"float64")
    if "rng" in params:
        need("the rng rule", r"randomness only from rng: .*global random states", r"случайность только из rng: .*глобальные")
    if "cache" in params:
        need("the cache may come twice", r"same cache may come more than once", r"один и тот же cache")
    assert not problems, f"{topic}.{name}: " + "; ".join(problems)


@pytest.mark.parametrize("topic", TOPICS)
def test_the_docstrings_agree_with_the_hidden_suite(topic):
    docs = {name: graded(doc) for t, name, doc, _ in functions() if t == topic}
    tests = hidden_tests(topic)
    problems = []
    for test in tests:
        if match := re.fullmatch(r"test_(\w+)_at_zero", test):
            fn = match.group(1)
            english, russian = docs[fn]
            if "at exactly x = 0:" not in english or "ровно в x = 0:" not in russian:
                problems.append(f"{fn} has a hidden test at x = 0 ({test}) but its docstring gives no value there")
    for fn in timed_functions(topic):
        english, russian = docs[fn]
        if "the tests time it" not in english or "тесты замеряют время" not in russian:
            problems.append(f"{fn} is timed by the hidden suite, and its docstring does not say so")
    for fn, (english, russian) in docs.items():
        if ("the tests time it" in english or "тесты замеряют время" in russian) and fn not in timed_functions(topic):
            problems.append(f"{fn}: its docstring says it is timed, and no hidden test times it")
    assert not problems, "; ".join(problems)


def test_the_reading_of_the_hidden_suites_finds_what_it_looks_for():
    # the checks above would pass vacuously if the reading found nothing
    assert timed_functions("activations") == {name for t, name, _, _ in functions() if t == "activations"}
    assert {"batchnorm_forward", "batchnorm_backward"} <= timed_functions("batchnorm")
    assert {"linear_forward", "softmax", "cross_entropy"} <= timed_functions("matrix_ops")
    assert "numerical_gradient" not in timed_functions("matrix_ops")
    assert any(re.fullmatch(r"test_\w+_at_zero", t) for t in hidden_tests("activations"))
