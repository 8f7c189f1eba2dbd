"""The reports of a class (grader.reports), all from the JSON report: per-student feedback in
HTML and Markdown, Gradescope's results.json and JUnit XML, the class CSV, the class report's
numbers, plots and similarity pairs; every format keeps a hostile student's text inert; the
`dlgrade report` command and its errors. Chromium looks at the pages in test_reports_browser.py."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
from markdown_it import MarkdownIt
from reports_class import HOSTILE_ID, ROOT, SAMPLES, SECRET_OUTPUT, TESTS, _report, synthetic_class

from grader.errors import UsageError
from grader.reports import require_extra, similarity, write_class_reports
from grader.reports.classreport import class_stats, hardest_tests
from grader.reports.gradebook_csv import safe_cell
from grader.reports.model import class_members, error_kind, folder_name
from grader.reports.similarity import MAX_PAIRS, overlapping_pairs
from grader.submission import TOPICS


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("reports")
    write_class_reports(folder, synthetic_class(), "ru", ROOT)
    return folder


def _student(out: Path, student: str) -> Path:
    return out / "students" / folder_name(student)


# ----------------------------------------------------------------------------- the layout
def test_every_file_is_written_and_listed(tmp_path: Path) -> None:
    written = write_class_reports(tmp_path, synthetic_class(), "en", ROOT)
    assert all(p.is_file() and p.stat().st_size > 0 for p in written)
    names = {p.relative_to(tmp_path).as_posix() for p in written}
    assert {"grades.csv", "class/index.html", "class/distribution.png", "class/topics.png", "class/tests.png",
            "class/hardest.png", "class/errors.png"} <= names  # fmt: skip
    for student, _ in synthetic_class():
        for name in ("feedback.html", "feedback.md", "results.json", "junit.xml"):
            assert f"students/{folder_name(student)}/{name}" in names
    assert all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in written if p.suffix == ".png")
    assert not [p for p in tmp_path.rglob(".*")], "a temporary file was left behind"


def test_folder_names_are_safe_and_distinct() -> None:
    assert folder_name("anna") == "anna"
    for hostile in ("../../etc", "/abs", ".hidden", "a/b", "a\x00b", "", "..", "x" * 500):
        name = folder_name(hostile)
        assert name and "/" not in name and "\x00" not in name and not name.startswith(".") and len(name) < 80
    assert folder_name("a/b") != folder_name("a_b") and folder_name("a b") != folder_name("a?b")
    members = class_members([("Anna", _report("Anna", {})), ("anna", _report("anna", {}))])
    assert members[0].folder.casefold() != members[1].folder.casefold()


def test_a_student_twice_or_a_broken_report_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="appears twice"):
        class_members([("anna", _report("anna", {})), ("anna", _report("anna", {}))])
    bad = _report("anna", {})
    bad["topics"]["activations"]["tests"][0]["points"] = "many"
    with pytest.raises(UsageError, match=r"student 'anna', topic 'activations', test 1: not a dlgrade JSON report"):
        class_members([("anna", bad)])
    with pytest.raises(UsageError, match="no 'topics'"):
        class_members([("anna", {"seed": 1})])


def test_a_file_where_the_folder_should_be_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "out").write_text("x")
    with pytest.raises(UsageError, match="is a file"):
        write_class_reports(tmp_path / "out", synthetic_class()[:1], "en", ROOT)


def test_a_missing_extra_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib now raises ImportError
    with pytest.raises(UsageError, match=r"matplotlib, which is not installed: pip install 'dlgrade\[reports\]'"):
        require_extra()
    with pytest.raises(UsageError, match="dlgrade's reports need matplotlib"):
        write_class_reports(Path("unused"), [], "en", ROOT)


# ----------------------------------------------------------------------------- the class CSV
def test_class_csv_has_a_row_per_student_and_adds_up(out: Path) -> None:
    raw = (out / "grades.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # a spreadsheet then reads the Cyrillic names right
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert list(rows[0]) == ["student", *TOPICS, "total"]
    by_student = {row["student"]: row for row in rows}
    expected = {student: data for student, data in synthetic_class()}
    assert set(by_student) == {"'" + HOSTILE_ID, *(s for s in expected if s != HOSTILE_ID)}
    for student, data in expected.items():
        row = by_student["'" + student if student == HOSTILE_ID else student]
        assert float(row["total"]) == data["score"] == sum(float(row[t]) for t in TOPICS)
        assert all(float(row[t]) == data["topics"][t]["score"] for t in TOPICS)
    assert by_student["boris"]["total"] == "30" and by_student["Дина Петрова"]["activations"] == "0"


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1", "=cmd|'/C calc'!A0"])
def test_a_cell_a_spreadsheet_would_run_is_quoted(text: str) -> None:
    cell = safe_cell(text)
    assert cell.startswith("'") and "\r" not in cell
    assert safe_cell("anna") == "anna" and safe_cell("Иванов") == "Иванов"


# ----------------------------------------------------------------------------- feedback
class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attrs: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs += [name for name, _ in attrs]

    def handle_data(self, data: str) -> None:
        self.text.append(data)


FEEDBACK_TAGS = {"html", "head", "meta", "title", "style", "body", "h1", "h2", "h3", "p", "span", "strong", "table",
                 "thead", "tbody", "tr", "th", "td", "section", "ul", "li", "div", "footer"}  # fmt: skip


def test_feedback_html_lists_each_failing_test_and_the_jail(out: Path) -> None:
    page = (_student(out, "boris") / "feedback.html").read_text(encoding="utf-8")
    parsed = _Tags()
    parsed.feed(page)
    text = " ".join(parsed.text)
    assert '<html lang="en">' in page and "30 / 36" in text
    for name in ("activations check 2", "batchnorm check 3", "matrix_ops check 1"):
        assert name in text
    assert "activations check 1" not in text  # passed: not in what to fix
    assert text.count("wrong for negative inputs: max abs error 0.31") == 3 and text.count("look at alpha") == 3
    assert "bwrap" in text and "no network" in text and "unprivileged uid" in text  # held, and missing
    assert SECRET_OUTPUT not in page  # what the module printed could echo its inputs


def test_feedback_is_in_the_students_language(out: Path) -> None:
    page = (_student(out, "Дина Петрова") / "feedback.html").read_text(encoding="utf-8")
    assert '<html lang="ru">' in page and "Что исправить" in page and "проверьте alpha" in page
    assert "Как запускался ваш код" in page and "нет сети" in page
    md = (_student(out, "Дина Петрова") / "feedback.md").read_text(encoding="utf-8")
    assert md.startswith("# Результаты проверки: Дина Петрова") and "Что исправить" in md


def test_an_unreadable_submission_says_why_and_that_nothing_ran(tmp_path: Path) -> None:
    report = _report("zoe", {t: "not_attempted" for t in TOPICS}, statuses=dict.fromkeys(TOPICS, "missing"))
    report |= {"error": "zoe.zip: not a readable zip file", "error_kind": "submission", "protections": {}}
    for topic in report["topics"].values():
        topic |= {"tests": [], "score": 0}
    written = write_class_reports(tmp_path, [("zoe", report)], "en", ROOT)
    page = (tmp_path / "students" / "zoe" / "feedback.html").read_text(encoding="utf-8")
    assert "The submission could not be graded" in page and "zoe.zip: not a readable zip file" in page
    assert "None of your code ran." in page and "0 / 36" in page
    assert "submission unreadable" in (tmp_path / "class" / "index.html").read_text(encoding="utf-8")
    assert len(written) == 1 + 4 + 6  # the CSV, the student's four files, the class page and its plots


def test_an_empty_class_still_makes_its_files(tmp_path: Path) -> None:
    written = write_class_reports(tmp_path, [], "ru", ROOT)
    assert (tmp_path / "grades.csv").read_bytes() == b"\xef\xbb\xbfstudent,total\r\n"
    assert tmp_path / "class" / "index.html" in written


def test_a_full_score_says_so(out: Path) -> None:
    page = (_student(out, "anna") / "feedback.html").read_text(encoding="utf-8")
    assert "Every test passed." in page and "What to fix" not in page


def test_hostile_text_stays_inert_in_the_feedback_html(out: Path) -> None:
    page = (_student(out, HOSTILE_ID) / "feedback.html").read_text(encoding="utf-8")
    parsed = _Tags()
    parsed.feed(page)
    assert set(parsed.tags) <= FEEDBACK_TAGS, set(parsed.tags) - FEEDBACK_TAGS
    assert "onerror" not in parsed.attrs
    text = "".join(parsed.text)
    assert "<script>alert(1)</script>" in text and "{{ 7*7 }}" in text and "49" not in text  # shown, not run
    assert HOSTILE_ID in text
    assert "\x1b" not in page and "\x00" not in page and "\ud800" not in page


def test_hostile_text_stays_inert_in_the_feedback_markdown(out: Path) -> None:
    md = (_student(out, HOSTILE_ID) / "feedback.md").read_text(encoding="utf-8")
    html = MarkdownIt("commonmark").enable("table").render(md)
    assert "<script" not in html and "<img" not in html and "<b>" not in html
    headings = [line for line in html.splitlines() if line.startswith("<h")]
    assert not any("264" in h for h in headings)  # no forged heading
    tables = html.count("<table>")
    assert tables == 1  # ours; the message's | x | y | is text
    assert "\x1b" not in md and "\x00" not in md


# ----------------------------------------------------------------------------- Gradescope, JUnit
# Gradescope's results.json, as its autograder specification documents it
GRADESCOPE_TOP = {"score", "execution_time", "output", "output_format", "test_output_format", "test_name_format",
                  "visibility", "stdout_visibility", "extra_data", "tests", "leaderboard"}  # fmt: skip
GRADESCOPE_TEST = {"score", "max_score", "status", "name", "name_format", "number", "output", "output_format",
                   "tags", "visibility", "extra_data"}  # fmt: skip
VISIBILITY = {"hidden", "after_due_date", "after_published", "visible"}
FORMATS = {"text", "html", "simple_format", "md", "ansi"}


@pytest.mark.parametrize("student", [s for s, _ in synthetic_class()])
def test_gradescope_results_follow_its_schema(out: Path, student: str) -> None:
    data = json.loads((_student(out, student) / "results.json").read_text(encoding="utf-8"))
    expected = dict(synthetic_class())[student]
    assert set(data) <= GRADESCOPE_TOP and data["visibility"] in VISIBILITY and data["stdout_visibility"] in VISIBILITY
    assert {data["output_format"], data["test_output_format"], data["test_name_format"]} <= FORMATS
    assert len(data["tests"]) == len(TESTS)
    for test in data["tests"]:
        assert set(test) <= GRADESCOPE_TEST and {"score", "max_score", "name", "output", "visibility"} <= set(test)
        assert isinstance(test["score"], float) and 0 <= test["score"] <= test["max_score"]
        assert test["visibility"] in VISIBILITY and test["status"] in ("passed", "failed")
    assert data["score"] == sum(t["score"] for t in data["tests"]) == expected["score"]
    assert sum(t["max_score"] for t in data["tests"]) == expected["max_score"]


@pytest.mark.parametrize("student", [s for s, _ in synthetic_class()])
def test_junit_carries_points_and_parses(out: Path, student: str) -> None:
    root = ET.parse(_student(out, student) / "junit.xml").getroot()
    expected = dict(synthetic_class())[student]
    cases = root.findall("testsuite/testcase")
    assert len(cases) == len(TESTS) == int(root.get("tests", "-1"))
    points = [{p.get("name"): float(p.get("value", "nan")) for p in case.findall("properties/property")} for case in cases]
    assert sum(p["points"] for p in points) == expected["score"]
    assert sum(p["max_points"] for p in points) == expected["max_score"]
    for suite in root.findall("testsuite"):
        props = {p.get("name"): p.get("value") for p in suite.findall("properties/property")}
        assert float(props["topic_score"]) == expected["topics"][suite.get("name")]["score"]
        assert float(props["score"]) == expected["score"] and props["jail"] == "bwrap"
    failing = sum(x["outcome"] != "pass" for t in expected["topics"].values() for x in t["tests"])
    assert len(root.findall("testsuite/testcase/failure") + root.findall("testsuite/testcase/error")) == failing
    assert not root.findall(".//script") and not root.findall(".//img")


# ----------------------------------------------------------------------------- class numbers
def test_class_stats_count_rates_and_kinds_of_error() -> None:
    members = class_members(synthetic_class())
    stats = class_stats(members, list(TOPICS), "en")
    assert len(stats.percents) == 6 and stats.percents[0] == 100.0
    # activations: 18 results, failed by boris (1), gleb (1), dina (3), the hostile student (1)
    assert stats.topic_rates["activations"] == pytest.approx(12 / 18)
    rates = {r.name: r for r in stats.tests}
    assert (rates["batchnorm_3"].passed, rates["batchnorm_3"].students) == (3, 6)  # boris, vera, dina fail it
    assert [r.name for r in hardest_tests(stats)][:2] == ["batchnorm_3", "activations_1"]
    # gleb: 4 tests timed out, one module would not load (its 3 tests fail with that one reason,
    # counted once); the hostile student: one error of no known kind
    assert dict(stats.errors) == {"timeout": 4, "not_gradable": 1, "other": 1}
    assert rates["activations_1"].title == "activations check 1"  # English where the class report is


def test_error_kinds_are_read_from_the_engines_own_words() -> None:
    import signal

    from grader.sandbox import _death

    assert error_kind(_death(None).reason) == "crash"
    assert error_kind(_death(signal.SIGKILL).reason) == "crash"
    assert error_kind(_death(signal.SIGXCPU).reason) == "cpu" == error_kind(_death(signal.SIGXCPU).reason_ru)
    assert error_kind(_death(3 << 8).reason_ru) == "crash"  # exit code 3
    assert error_kind("fn: did not finish within 10 s") == "timeout" == error_kind("fn: не завершился за 10 с")
    assert error_kind("ran out of memory (the job's limit is 2048 MiB, all its processes together)") == "memory"
    assert error_kind("elu raised ValueError: bad") == "exception" == error_kind("elu выбросила исключение ValueError")
    assert error_kind("в initialization.py синтаксическая ошибка: SyntaxError: invalid syntax") == "not_gradable"
    assert error_kind("returned an array of shape (3,), expected (4,)") == "other"


# ----------------------------------------------------------------------------- similarity
def _pairs(results: list[tuple[str, dict]], topics: list[str] | None = None) -> set[tuple[str, str, str]]:
    found = overlapping_pairs(class_members(results), topics or list(TOPICS), ROOT / "exercises")
    assert found.found == len(found.pairs)  # a small class: every pair shown
    return {(p.topic, p.a, p.b) for p in found.pairs}


def test_shared_solutions_are_found_and_stubs_are_not() -> None:
    found = _pairs(synthetic_class())
    # anna's reference solutions are in gleb's batchnorm, and in everyone's initialization
    assert ("batchnorm", "anna", "gleb") in found and ("initialization", "anna", "vera") in found
    # vera's batchnorm, dropout, optimizers, matrix_ops are the stubs: they match nothing
    assert not [p for p in found if "vera" in p[1:] and p[0] != "initialization"]


def _folder(root: Path, name: str, modules: dict[str, str]) -> Path:
    folder = root / name / "exercises"
    folder.mkdir(parents=True)
    for topic, code in modules.items():
        (folder / f"{topic}.py").write_text(code, encoding="utf-8")
    return folder.parent


def test_the_stub_alone_is_never_a_match_but_code_beyond_it_is(tmp_path: Path) -> None:
    stub = (ROOT / "exercises" / "batchnorm.py").read_text(encoding="utf-8")
    own = (ROOT / "solutions" / "batchnorm.py").read_text(encoding="utf-8")

    def student(name: str, code: str) -> tuple[str, dict]:
        return name, _report(name, {}, path=_folder(tmp_path, name, {"batchnorm": code}))

    assert _pairs([student("a", stub), student("b", stub)], ["batchnorm"]) == set()
    assert _pairs([student("c", stub), student("d", own)], ["batchnorm"]) == set()
    assert _pairs([student("e", own), student("f", own)], ["batchnorm"]) == {("batchnorm", "e", "f")}


def test_a_submission_changed_since_grading_is_not_compared(tmp_path: Path) -> None:
    copy = tmp_path / "anna.zip"
    shutil.copy(SAMPLES / "anna.zip", copy)
    results = [("anna", _report("anna", {}, path=copy)), ("gleb", _report("gleb", {}, path=SAMPLES / "gleb.zip"))]
    assert ("batchnorm", "anna", "gleb") in _pairs(results)
    with zipfile.ZipFile(copy, "a") as archive:
        archive.writestr("anna/exercises/extra.py", "x = 1\n")
    found = overlapping_pairs(class_members(results), list(TOPICS), ROOT / "exercises")
    assert not found.pairs and "changed since it was graded" in found.skipped["anna"]


def test_a_large_overlap_shows_the_most_similar_and_says_how_many(tmp_path: Path) -> None:
    results = [(f"copy{n}", _report(f"copy{n}", {}, path=SAMPLES / "anna.zip")) for n in range(10)]
    found = overlapping_pairs(class_members(results), list(TOPICS), ROOT / "exercises")
    assert found.found == 45 * len(TOPICS) and len(found.pairs) == MAX_PAIRS
    write_class_reports(tmp_path, results, "en", ROOT)
    page = (tmp_path / "class" / "index.html").read_text(encoding="utf-8")
    assert f"{45 * len(TOPICS)} pairs overlap that much; the {MAX_PAIRS} most similar are shown." in page


def test_a_fingerprint_from_tokens_made_ahead_is_copydetects_own() -> None:
    from copydetect import CodeFingerprint

    stub = similarity._code((ROOT / "exercises" / "dropout.py").read_text(encoding="utf-8"))
    boilerplate = np.unique(np.array(list(similarity._fingerprint(stub, similarity.tokenize(stub), None).hashes)))
    for path in [ROOT / "solutions" / "dropout.py", *sorted((ROOT / "tests" / "corpus" / "dropout" / "wrong").glob("*.py"))[:5]]:
        code = similarity._code(path.read_text(encoding="utf-8"))
        want = CodeFingerprint("module.py", similarity.NOISE, 1, boilerplate, fp=io.StringIO(code))
        got = similarity._fingerprint(code, similarity.tokenize(code), boilerplate)
        assert (got.raw_code, got.filtered_code, got.hashes, got.k, got.token_coverage) == (
            want.raw_code, want.filtered_code, want.hashes, want.k, want.token_coverage)  # fmt: skip
        assert np.array_equal(got.offsets, want.offsets) and got.hash_idx.keys() == want.hash_idx.keys()
        assert all(np.array_equal(got.hash_idx[h], want.hash_idx[h]) for h in want.hash_idx)


def test_tokens_made_in_other_processes_give_the_same_pairs(monkeypatch: pytest.MonkeyPatch) -> None:
    """A pool's processes salt ``hash()`` their own way: only tokens cross, the hashes are made
    here, so the pairs are the ones a single process finds."""
    from grader.engine import local_pool

    members = class_members(synthetic_class())
    alone = overlapping_pairs(members, list(TOPICS), ROOT / "exercises")
    monkeypatch.setattr(similarity, "POOL_FROM", 1)
    with local_pool(2) as pool:
        pooled = overlapping_pairs(members, list(TOPICS), ROOT / "exercises", executor=pool)
        assert pool._processes, "the pool was used"  # type: ignore[attr-defined]
    assert alone.pairs and pooled == alone


def test_shared_lines_are_shown_escaped_side_by_side(out: Path) -> None:
    page = (out / "class" / "index.html").read_text(encoding="utf-8")
    assert "anna ↔ gleb" in page and page.count('<div class="pair">') >= 3 and "<mark>" in page
    parsed = _Tags()
    parsed.feed(page)
    assert "script" not in parsed.tags and "onerror" not in parsed.attrs
    assert "Не сравнивались" in page and "в отчёте нет пути к работе" in page  # the hostile one has no path


# ----------------------------------------------------------------------------- the command
def _dlgrade(*args: str | Path, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "grader.cli", *map(str, args)], cwd=cwd, capture_output=True,
                          text=True, timeout=120, env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)})  # fmt: skip


def test_dlgrade_report_writes_the_class_from_batch_lines(tmp_path: Path) -> None:
    lines = tmp_path / "grades.jsonl"
    reports = [data for _, data in synthetic_class()[:4]]
    stale = dict(reports[1], topics={}, score=0)  # a batch rerun appends; the last line of a path counts
    lines.write_text("\n".join(json.dumps(r) for r in [stale, *reports]) + "\n", encoding="utf-8")
    done = _dlgrade("report", lines, "--out", tmp_path / "out", "--lang", "en", "--course", ROOT)
    assert done.returncode == 0, done.stderr
    assert str(tmp_path / "out" / "class" / "index.html") in done.stdout
    rows = list(csv.reader(io.StringIO((tmp_path / "out" / "grades.csv").read_text(encoding="utf-8-sig"))))
    assert [r[0] for r in rows] == ["student", "anna", "boris", "gleb", "vera"] and rows[2][-1] == "30"


@pytest.mark.parametrize(
    "content, out_is_file, message",
    [
        (None, False, "no such file"),
        ("not json\n", False, ":1: not a JSON line"),
        ('{"seed": 1}\n', False, "no 'topics'"),
        ("\n", False, "holds no report"),
        ("ok", True, "is a file"),
    ],
)  # fmt: skip
def test_dlgrade_report_bad_input_is_one_error_line(tmp_path: Path, content: str | None, out_is_file: bool,
                                                   message: str) -> None:  # fmt: skip
    lines = tmp_path / "grades.jsonl"
    if content == "ok":
        lines.write_text(json.dumps(synthetic_class()[0][1]) + "\n", encoding="utf-8")
    elif content is not None:
        lines.write_text(content, encoding="utf-8")
    out = tmp_path / "out"
    if out_is_file:
        out.write_text("x")
    done = _dlgrade("report", lines, "--out", out, "--course", ROOT)
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("error: ") and message in done.stderr, done.stderr


# ----------------------------------------------------------------------------- end to end
@pytest.mark.slow
def test_real_batch_reports_make_a_class_report(tmp_path: Path) -> None:
    """Three of the course's samples graded for real (`dlgrade batch`), then `dlgrade report`:
    the reports the engine writes are what the reports read."""
    lines = tmp_path / "grades.jsonl"
    samples = [SAMPLES / f"{name}.zip" for name in ("anna", "dina", "vera")]
    graded = _dlgrade("batch", *samples, "--out", lines, "--jail", "plain", "--course", ROOT, "--lang", "ru")
    assert graded.returncode == 0, graded.stderr
    done = _dlgrade("report", lines, "--out", tmp_path / "out", "--course", ROOT)
    assert done.returncode == 0, done.stderr
    reports = {r["submission"]: r for r in map(json.loads, lines.read_text(encoding="utf-8").splitlines())}
    rows = list(csv.DictReader(io.StringIO((tmp_path / "out" / "grades.csv").read_text(encoding="utf-8-sig"))))
    assert [r["student"] for r in rows] == ["anna", "dina", "vera"]
    for row in rows:
        assert float(row["total"]) == reports[row["student"]]["score"]
    page = (tmp_path / "out" / "class" / "index.html").read_text(encoding="utf-8")
    assert "initialization: anna ↔ vera" in page and "dropout: anna ↔ dina" in page
    assert "нет файла модуля" in page  # dina has no batchnorm.py, optimizers.py, matrix_ops.py
    feedback = (tmp_path / "out" / "students" / "vera" / "feedback.md").read_text(encoding="utf-8")
    assert "не начато" in feedback and "Что исправить" in feedback  # vera's stubs, in Russian
    junit = ET.parse(tmp_path / "out" / "students" / "dina" / "junit.xml").getroot()
    points = [float(p.get("value", "nan")) for p in junit.iter("property") if p.get("name") == "points"]
    assert sum(points) == reports["dina"]["score"]
