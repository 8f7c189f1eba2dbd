"""Every bank of the course, one at a time: its size and question types, rendering for a student
in every format and language, grading its own key through the CLI, exporting to every LMS
format, formulas that MathML can show, and (where Debian's chromium is installed) what a real
browser shows of it. The tests that loop over all banks at once (export round trips, scoring,
variant checks, no answer in student files) live in the other test_quiz_*.py files."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import tarfile
import xml.etree.ElementTree as ET
import zipfile

import pytest
from click.testing import CliRunner
from quiz_paths import COURSE, ROOT
from test_quiz_html import _MEASURE, _chromium, _secrets

from grader.course import load_course
from grader.quiz import seeds
from grader.quiz.cli import quiz
from grader.quiz.engine import student_quiz
from grader.quiz.loader import instantiate
from grader.quiz.markup import mathml, split_math
from grader.quiz.model import QUESTION_TYPES
from grader.quiz.writers.student import quiz_html

TOPICS = load_course(ROOT).topics  # course.toml's [topics], the one list
MIN_QUESTIONS = {"optimizers": 24}


def run(*args: str):
    return CliRunner().invoke(quiz, [*args, "--course", str(COURSE)])


def test_every_topic_has_a_bank(banks):
    assert list(banks) == list(TOPICS)  # and in the course's order


@pytest.mark.parametrize("topic", TOPICS)
def test_bank_size_and_all_six_types(banks, topic):
    bank = banks[topic]
    assert len(bank.questions) >= MIN_QUESTIONS.get(topic, 12)
    assert {q.type for q in bank.questions} == set(QUESTION_TYPES)


def test_optimizers_tags_gd_and_sgd_apart(banks):
    """Every question of the optimizers bank is tagged gd or sgd, and each tag on its own has
    all six question types."""
    bank = banks["optimizers"]
    for q in bank.questions:
        assert {"gd", "sgd"} & set(q.tags), q.id
    for tag in ("gd", "sgd"):
        types = {q.type for q in bank.questions if tag in q.tags}
        assert types == set(QUESTION_TYPES), (tag, types)


@pytest.mark.parametrize("topic", TOPICS)
@pytest.mark.parametrize("lang", ["ru", "en"])
def test_render_every_format(topic, lang):
    md = run("render", topic, "--student", "ivanov", "--format", "md", "--lang", lang)
    assert md.exit_code == 0, md.output
    assert md.output.startswith("# ") and "ivanov" in md.output
    page = run("render", topic, "--student", "ivanov", "--format", "html", "--lang", lang)
    assert page.exit_code == 0, page.output
    assert page.output.startswith("<!DOCTYPE html>") and f'<html lang="{lang}">' in page.output
    assert "<math" in page.output
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page.output)
    data = json.loads(run("render", topic, "--student", "ivanov", "--format", "json", "--lang", lang).output)
    assert data["topic"] == topic and data["lang"] == lang and len(data["items"]) == 8
    assert all("key" not in item for item in data["items"])


def _key_answer(item: dict):
    """The response a student who knows the key would write (numbers with a decimal comma)."""
    key = item["key"]
    if item["type"] == "numeric":
        return f"{key['value']:.10g}".replace(".", ",")
    if item["type"] == "short":
        return key[0].upper()
    return key


@pytest.mark.parametrize("topic", TOPICS)
def test_grade_the_key_gets_full_marks(topic, tmp_path):
    rows = []
    for student in ("vera", "oleg"):
        key = json.loads(run("render", topic, "--student", student, "--format", "json", "--with-key").output)
        rows += [
            {"student": student, "question": item["question"], "topic": topic, "answer": _key_answer(item)}
            for item in key["items"]
        ]
    path = tmp_path / "r.json"
    path.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    r = run("grade", str(path), "--format", "json")
    assert r.exit_code == 0, r.output
    for student, report in json.loads(r.output)["reports"].items():
        assert report["score"] == report["max_score"] == 8, (student, report)


@pytest.mark.parametrize("topic", TOPICS)
def test_export_every_format(topic, banks, tmp_path):
    """`quiz export --topic T` writes a readable file of every format, with every question."""
    n_questions = len(banks[topic].questions)
    for fmt in ("gift", "moodle", "qti", "olx"):
        out = tmp_path / fmt
        r = run("export", "--format", fmt, "--topic", topic, "--variants", "2", "--out", str(out))
        assert r.exit_code == 0, r.output
        rows = csv.DictReader(io.StringIO((out / f"variants-{fmt}.csv").read_text("utf-8")))
        assert {r["question"] for r in rows if r["topic"] == topic} == {q.id for q in banks[topic].questions}, fmt
        if fmt == "gift":
            text = (out / f"{topic}.gift.txt").read_text(encoding="utf-8")
            assert text.count("::") >= 2 * n_questions
        elif fmt == "moodle":
            root = ET.fromstring((out / f"{topic}.moodle.xml").read_bytes())
            assert len([q for q in root.findall("question") if q.get("type") != "category"]) >= n_questions
        elif fmt == "qti":
            with zipfile.ZipFile(out / f"{topic}.qti.zip") as z:
                for name in z.namelist():
                    if name.endswith(".xml"):
                        ET.fromstring(z.read(name))
        else:
            with tarfile.open(out / "course.olx.tar.gz") as tar:
                problems = [m for m in tar.getnames() if m.startswith("course/problem/")]
            assert len(problems) >= n_questions


def _texts(item) -> list[str]:
    out = [item.text, item.feedback]
    out += [c.text for c in item.choices] + [c.feedback for c in item.choices]
    out += [p.left for p in item.pairs]
    if item.numeric:
        out += [m.feedback for m in item.numeric.mistakes]
    return out


def test_every_formula_renders_as_mathml(banks):
    """No formula falls back to its TeX source (an unsupported command), and none shows TeX
    escapes as text (``\\text{fan\\_in}`` renders as ``fan\\_in``)."""
    bad = set()
    for bank in banks.values():
        for q in bank.questions:
            for k in range(6):
                seed = seeds.pool_seed("mathml", bank.topic, q.id, q.version, k)
                for lang in ("ru", "en"):
                    for text in _texts(instantiate(bank, q, seed, lang)):
                        for display, tex in split_math(text)[1]:
                            html = mathml(tex, display)
                            if 'class="tex"' in html or re.search(r"<m(text|i)[^>]*>[^<]*\\", html):
                                bad.add((bank.topic, q.id, tex))
    assert not bad, sorted(bad)[:10]


@pytest.mark.skipif(_chromium() is None, reason="Debian's chromium is not installed")
@pytest.mark.parametrize("topic", [t for t in TOPICS if t != "activations"])
def test_headless_chromium_shows_each_bank(banks, config, topic, tmp_path):
    """The activations page is looked at in test_quiz_html.py; here every other bank: the quiz
    with the most formulas among 40 students', its formulas laid out (non-zero width, any
    fractions stacked), its title visible, and no answer visible."""
    bank = banks[topic]
    quiz_ = max((student_quiz(bank, f"s{n}", "ru", config) for n in range(40)), key=lambda q: quiz_html(q).count("<math"))
    page = quiz_html(quiz_)
    probe = tmp_path / "probe.html"
    probe.write_text(page.replace("</body>", _MEASURE + "</body>"), encoding="utf-8")
    args = [
        _chromium(),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--hide-scrollbars",
        "--no-first-run",
        f"--user-data-dir={tmp_path / 'profile'}",
        "--window-size=1000,2600",
        "--virtual-time-budget=3000",
    ]
    dom = subprocess.run(args + ["--dump-dom", probe.as_uri()], capture_output=True, text=True, timeout=120, check=True).stdout
    attrs = dict(re.findall(r'data-([a-z-]+)="(\d+)"', dom))
    assert int(attrs["maths"]) >= 5 and attrs["zero-width"] == "0", attrs
    assert attrs["stacked"] == attrs["fracs"], attrs
    visible = re.search(r'<pre id="visible">(.*?)</pre>', dom, re.S).group(1)
    assert bank.title.ru in visible
    for secret in _secrets(quiz_):
        assert secret not in visible, secret
