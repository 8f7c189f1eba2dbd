"""The student API is a contract (docs/exercise-api.md): every function of its tables exists in
``solutions.<topic>`` and ``exercises.<topic>`` with exactly the written names, parameter names
and defaults, and ``__all__`` lists exactly those functions."""

from __future__ import annotations

import ast
import functools
import importlib
import inspect
import json
import re
import subprocess
import typing
from pathlib import Path

import pytest

from grader import results
from grader.submission import TOPICS

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "docs" / "exercise-api.md"

_SECTION = re.compile(r"^##\s+(\d+)\.\s+`([a-z_]+)`")
_ROW = re.compile(r"^\|\s*`([A-Za-z_]\w*)\((.*?)\)`\s*\|")

Params = list[tuple[str, bool, object]]  # (name, has_default, default)


@functools.cache
def spec_functions() -> dict[str, dict[str, Params]]:
    """topic -> function name -> parameters, in the order of the spec's tables."""
    if not SPEC.is_file():
        pytest.fail(f"the exercise API is expected at {SPEC}: the contract tests read its tables")
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
    assert sorted(exported) == sorted(expected), f"{package}.{topic}.__all__ = {exported}; the contract lists {list(expected)}"
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


# --- the repository stands alone: its documents link only to what it holds --------------------

DOCUMENTS = ["README.md", *sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "docs").glob("*.md")),
             "grader/quiz/README.md"]  # fmt: skip
_FENCE = re.compile(r"^(```|~~~).*?^\1", re.S | re.M)
_CODE = re.compile(r"`[^`\n]*`")
_INLINE_LINK = re.compile(r"!?\[[^\]\n]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_REFERENCE_LINK = re.compile(r"^\s{0,3}\[[^\]\n]+\]:\s*<?(\S+?)>?(?:\s+.*)?$", re.M)
_HTML_LINK = re.compile(r"""<(?:a|img)\b[^>]*?\b(?:href|src)\s*=\s*["']([^"']+)["']""", re.I)


def links(text: str) -> list[str]:
    """Every link target of a markdown text, outside code blocks and code spans."""
    prose = _CODE.sub("", _FENCE.sub("", text))
    return [m.group(1) for pattern in (_INLINE_LINK, _REFERENCE_LINK, _HTML_LINK) for m in pattern.finditer(prose)]


def anchors(text: str) -> set[str]:
    """The anchors GitHub gives the headings of a markdown text."""
    found: set[str] = set()
    for line in _FENCE.sub("", text).splitlines():
        if match := re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line):
            slug = re.sub(r"[^\w\- ]", "", match.group(1).lower()).replace(" ", "-")
            base, n = slug, 1
            while slug in found:
                slug, n = f"{base}-{n}", n + 1
            found.add(slug)
    return found


def test_link_reader_finds_every_kind_of_link():
    text = ("See [a](docs/a.md#x), ![img](pic.png \"title\") and <a href='b.html'>b</a>.\n"
            "[ref]: ../outside.md\n`[not](a-link.md)`\n```\n[nor](this.md)\n```\n")  # fmt: skip
    assert links(text) == ["docs/a.md#x", "pic.png", "../outside.md", "b.html"]
    assert anchors("# Seeds\n## The JSON report\n## Seeds\n") == {"seeds", "the-json-report", "seeds-1"}


@pytest.mark.parametrize("document", DOCUMENTS)
def test_every_relative_link_resolves_inside_the_repository(document):
    path = ROOT / document
    assert path.is_file(), f"{document} is missing"
    problems = []
    for target in links(path.read_text(encoding="utf-8")):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I):  # https:, mailto: and the like
            continue
        file_part, _, anchor = target.partition("#")
        linked = (path.parent / file_part).resolve() if file_part else path
        if not linked.is_relative_to(ROOT) or ".git" in linked.relative_to(ROOT).parts:
            problems.append(f"{target}: outside the repository")
        elif not linked.exists():
            problems.append(f"{target}: no such file in the repository")
        elif anchor and linked.suffix == ".md" and anchor not in anchors(linked.read_text(encoding="utf-8")):
            problems.append(f"{target}: {linked.relative_to(ROOT)} has no heading with the anchor #{anchor}")
    assert not problems, f"{document}: " + "; ".join(problems)


def repository_files() -> list[Path]:
    """The files a clone holds (tracked or about to be), or every file but .git's when git is absent."""
    try:
        listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                                cwd=ROOT, capture_output=True, check=True).stdout  # fmt: skip
    except (OSError, subprocess.CalledProcessError):
        return [p for p in ROOT.rglob("*") if p.is_file() and ".git" not in p.relative_to(ROOT).parts]
    return [ROOT / name for name in listed.decode().split("\0") if name and (ROOT / name).is_file()]


def test_nothing_in_the_repository_reaches_outside_it():
    # written in two halves so that this file does not name what it looks for
    outside = [("../" + "shared").encode(), ("/work/" + "shared").encode()]
    files = repository_files()
    assert any(p.name == "exercise-api.md" for p in files), "the file listing found nothing"
    offenders = [
        f"{path.relative_to(ROOT)} mentions {needle.decode()}"
        for path in files
        for needle in outside
        if needle in path.read_bytes()
    ]
    assert not offenders, "the repository must stand alone: " + "; ".join(offenders)


# --- docs/report-format.md and the report the code writes say the same -----------------------

REPORT_DOC = ROOT / "docs" / "report-format.md"
_SAMPLE_VALUES = {"str": "x", "float": 1.0, "int": 1, "tuple[str, ...]": ("x",), "dict[str, Any]": {"k": 1}}


def _filled(cls: type, **known: object) -> object:
    """An instance with every field set (a text field to a non-empty string), so that the keys
    a report writes only when they apply (path, error) are written too."""
    import dataclasses

    values = {}
    for f in dataclasses.fields(cls):
        if f.name in known:
            values[f.name] = known[f.name]
        elif str(f.type) in _SAMPLE_VALUES:
            values[f.name] = _SAMPLE_VALUES[str(f.type)]
    return cls(**values)


def _full_report() -> dict:
    test = _filled(results.TestResult, outcome="fail")
    topic = _filled(results.TopicResult, topic="activations", status="graded", tests=(test,))
    report = _filled(results.Report, topics=(topic,), protections={"jail": "bwrap"})
    return report.to_json()  # type: ignore[attr-defined]


def _table_fields(text: str, heading: str) -> list[str]:
    """The backticked names in the first column of the first table under ``### heading`` (a
    section may hold a second table, e.g. of a field's values)."""
    section = text.split(f"\n### {heading}\n", 1)[1].split("\n#", 1)[0]
    table = re.search(r"(?:^\|.*\n?)+", section, re.M)
    return re.findall(r"^\|\s*`([a-z_0-9]+)`\s*\|", table.group(0) if table else "", re.M)


def test_the_report_format_documents_every_field_the_report_has():
    text = REPORT_DOC.read_text(encoding="utf-8")
    report = _full_report()
    topic = report["topics"]["activations"]
    test = topic["tests"][0]
    named = set(re.findall(r"`([a-z_0-9]+)`", text))
    for level, keys in (("report", report), ("topic", topic), ("test", test)):
        undocumented = sorted(set(keys) - named)
        assert not undocumented, f"a {level} has {undocumented}, which {REPORT_DOC.name} does not describe"
    for heading, keys in (("Top level", report), ("A topic", topic), ("A test", test)):
        documented = _table_fields(text, heading)
        assert documented, f"{REPORT_DOC.name}: no field table under '### {heading}'"
        gone = sorted(set(documented) - set(keys))
        assert not gone, f"{REPORT_DOC.name} '### {heading}' lists {gone}, which the report does not write"


def test_the_report_format_example_is_a_report():
    example = json.loads(re.search(r"```json\n(.*?)```", REPORT_DOC.read_text(encoding="utf-8"), re.S).group(1))
    report = _full_report()
    assert set(example) <= set(report), sorted(set(example) - set(report))
    for name, topic in example["topics"].items():
        assert set(topic) <= set(report["topics"]["activations"]), (name, sorted(topic))
        for test in topic["tests"]:
            assert set(test) <= set(report["topics"]["activations"]["tests"][0]), sorted(test)
            assert test["outcome"] in typing.get_args(results.Outcome)
        assert topic["status"] in typing.get_args(results.TopicStatus)


@pytest.mark.parametrize("kind", ["TopicStatus", "Outcome"])
def test_the_report_format_lists_every_status_and_outcome(kind):
    text = REPORT_DOC.read_text(encoding="utf-8")
    values = typing.get_args(getattr(results, kind))
    rows = set(re.findall(r"^\|\s*`([a-z_]+)`\s*\|", text, re.M))
    assert set(values) <= rows, f"{REPORT_DOC.name} has no table row for {sorted(set(values) - rows)}"
