"""Every export parsed back from its bytes and its scoring rule replayed on every variant: the
right answer scores full, every distractor and modelled mistake less; where the target can
express the bank's rule exactly, the replayed score equals ours on probes around the key."""

from __future__ import annotations

import csv
import io
import re
import tarfile
import xml.etree.ElementTree as ET
from html import unescape
from pathlib import Path

import lms_replay as R
import pytest

from grader.quiz.engine import variant
from grader.quiz.markup import to_html
from grader.quiz.model import Item
from grader.quiz.scoring import right_answer, score, wrong_answers
from grader.quiz.writers import export

N = 4  # variants per question with parameters
# openedx-calc still calls pyparsing's camelCase names
pytestmark = pytest.mark.filterwarnings("ignore:.*deprecated.*:DeprecationWarning")
LANGS = ("ru", "en")


def _norm(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", "", html)).split())


def _choice_text(text: str) -> str:
    return to_html(text, math="tex", inline=True)


@pytest.fixture(scope="module", params=LANGS)
def exports(request, banks):
    lang = request.param
    out = {fmt: export(fmt, banks, lang=lang, variants=N, salt="test") for fmt in ("gift", "moodle", "qti", "olx")}
    return lang, out


def _variants(files: dict[str, bytes], fmt: str) -> dict[str, str]:
    rows = csv.DictReader(io.StringIO(files[f"variants-{fmt}.csv"].decode()))
    return {r["lms_id"]: r["variant"] for r in rows}


def _item(banks, variant_id: str, lang: str) -> Item:
    return variant(banks[variant_id.split(".")[0]], variant_id, lang)


def _probes(item: Item) -> list:
    """Answers whose score every exact target must agree with ours on."""
    probes = [right_answer(item)] + wrong_answers(item)
    if item.type == "numeric":
        v, t = item.numeric.value, item.numeric.tolerance
        probes += [v + 0.999 * t, v - 0.999 * t, v + 1.001 * t, v - 1.001 * t]
    if item.type == "multi":
        ids = [c.id for c in item.choices]
        probes += [frozenset(c for k, c in enumerate(ids) if mask >> k & 1) for mask in range(2 ** len(ids))]
    if item.type in ("single", "truefalse"):
        probes += [c.id for c in item.choices]
    return probes


# --------------------------------------------------------------------------- Moodle and GIFT


def _moodle_response(item: Item, q: R.MoodleQuestion, answer, gift: bool):
    if item.type == "truefalse":
        return answer
    if item.type in ("single", "multi"):
        texts = {c.id: _choice_text(c.text) for c in item.choices}
        if gift:
            texts = {k: " ".join(v.split()) for k, v in texts.items()}
        if item.type == "single":
            return texts[answer]
        return {texts[a] for a in answer}
    if item.type == "matching":
        left = {p.id: _choice_text(p.left) for p in item.pairs}
        right = {o.id: o.text for o in item.options}
        return {left[k]: right[v] for k, v in answer.items()}
    return answer


@pytest.mark.parametrize("fmt", ["moodle", "gift"])
def test_moodle_and_gift_round_trip(exports, banks, fmt):
    lang, out = exports
    ex = out[fmt]
    seen = 0
    for name, data in ex.files.items():
        if name.startswith("variants-"):
            continue
        questions = R.read_moodle(data) if fmt == "moodle" else R.read_gift(data.decode())
        for q in questions:
            item = _item(banks, q.idnumber, lang)
            exact = f"{item.topic}.{item.qid}" not in " ".join(ex.notes)
            full = R.moodle_score(q, _moodle_response(item, q, right_answer(item), fmt == "gift"))
            assert full == pytest.approx(1.0), (fmt, item.variant_id)
            for wrong in wrong_answers(item):
                got = R.moodle_score(q, _moodle_response(item, q, wrong, fmt == "gift"))
                assert got < 1.0, (fmt, item.variant_id, wrong)
            if exact:
                for probe in _probes(item):
                    got = R.moodle_score(q, _moodle_response(item, q, probe, fmt == "gift"))
                    assert got == pytest.approx(score(item, probe).fraction, abs=1e-6), (fmt, item.variant_id, probe)
            seen += 1
    assert seen >= sum(len(b.questions) for b in banks.values())


def test_moodle_ids_are_unique_and_fractions_allowed(exports):
    _, out = exports
    allowed = {
        100,
        90,
        83.33333,
        80,
        75,
        70,
        66.66667,
        60,
        50,
        40,
        33.33333,
        30,
        25,
        20,
        16.66667,
        14.28571,
        12.5,
        11.11111,
        10,
        5,
        0,
    }
    for name, data in out["moodle"].files.items():
        if not name.endswith(".xml"):
            continue
        root = ET.fromstring(data)
        ids = [q.findtext("idnumber") for q in root.findall("question") if q.get("type") != "category"]
        assert len(ids) == len(set(ids))
        for a in root.findall("question/answer"):
            assert abs(float(a.get("fraction"))) in allowed


# --------------------------------------------------------------------------- Canvas QTI


def _qti_response(item: Item, answer) -> dict:
    if item.type in ("single", "truefalse"):
        return {"response1": {next(c.public_id for c in item.choices if c.id == answer)}}
    if item.type == "multi":
        return {"response1": {c.public_id for c in item.choices if c.id in answer}}
    if item.type == "matching":
        opt = {o.id: o.public_id for o in item.options}
        return {f"response_{p.public_id}": {opt[answer[p.id]]} for p in item.pairs if p.id in answer}
    return {"response1": answer}


def test_qti_round_trip(exports, banks):
    lang, out = exports
    ex = out["qti"]
    ids = _variants(ex.files, "qti")
    for name, data in ex.files.items():
        if not name.endswith(".zip"):
            continue
        files, items = R.read_qti(data)
        for xml_name, body in files.items():
            if xml_name.endswith(".xml"):
                ET.fromstring(body)  # every file well-formed
        assert {"imsmanifest.xml", "non_cc_assessments/"} <= set(files)
        for qi in items:
            item = _item(banks, ids[qi.ident], lang)
            assert qi.qtype.endswith("_question")
            assert R.qti_score(qi, _qti_response(item, right_answer(item))) == 1.0
            for wrong in wrong_answers(item):
                assert R.qti_score(qi, _qti_response(item, wrong)) < 1.0, (qi.ident, wrong)
            if item.type in ("numeric", "short", "matching"):  # exact on Canvas
                for probe in _probes(item):
                    assert R.qti_score(qi, _qti_response(item, probe)) == pytest.approx(score(item, probe).fraction, abs=1e-6), (
                        qi.ident,
                        probe,
                    )


# --------------------------------------------------------------------------- Open edX


def _capa_responses(item: Item, problem: ET.Element, answer) -> list:
    def index_of(choices, text):
        want = _norm(_choice_text(text))
        found = [
            k
            for k, c in enumerate(choices)
            if _norm((c.text or "") + "".join(ET.tostring(x, encoding="unicode") for x in c if x.tag != "choicehint")) == want
        ]
        assert len(found) == 1, (want, item.variant_id)
        return found[0]

    if item.type in ("single", "truefalse"):
        choices = problem.findall(".//choicegroup/choice")
        return [index_of(choices, next(c.text for c in item.choices if c.id == answer))]
    if item.type == "multi":
        choices = problem.findall(".//checkboxgroup/choice")
        return [{index_of(choices, c.text) for c in item.choices if c.id in answer}]
    if item.type == "matching":
        text = {o.id: o.text for o in item.options}
        return [text.get(answer.get(p.id), "") for p in item.pairs]
    return [answer]


def test_olx_round_trip_and_openedx_calc(exports, banks):
    pytest.importorskip("calc")
    from calc import evaluator

    lang, out = exports
    ex = out["olx"]
    files = R.read_olx(ex.files["course.olx.tar.gz"])
    assert "course/course.xml" in files
    for xml_name, body in files.items():
        if xml_name.endswith(".xml"):
            ET.fromstring(body)
    ids = _variants(ex.files, "olx")
    problems = {Path(n).stem: ET.fromstring(b) for n, b in files.items() if n.startswith("course/problem/")}
    assert set(problems) == set(ids)
    for url, problem in problems.items():
        item = _item(banks, ids[url], lang)
        for nr in problem.iter("numericalresponse"):
            assert evaluator({}, {}, nr.get("answer")) == pytest.approx(item.numeric.value, rel=1e-9, abs=1e-15)
        full = R.capa_score(problem, _capa_responses(item, problem, right_answer(item)))
        assert full == pytest.approx(1.0), item.variant_id
        for wrong in wrong_answers(item):
            got = R.capa_score(problem, _capa_responses(item, problem, wrong))
            assert got < 1.0, (item.variant_id, wrong)
        if item.type != "multi":  # EDC vs net_correct: noted
            for probe in _probes(item):
                got = R.capa_score(problem, _capa_responses(item, problem, probe))
                assert got == pytest.approx(score(item, probe).fraction, abs=1e-6), (item.variant_id, probe)


def test_olxcleaner_accepts_the_course(exports, tmp_path):
    """olxcleaner as Open edX runs it at import (itembank is an installed XBlock it does not
    parse), and again on a copy whose units hold the problems directly, so that every problem
    file goes through its checks too."""
    validate = pytest.importorskip("olxcleaner").validate
    _, out = exports
    data = out["olx"].files["course.olx.tar.gz"]
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        tar.extractall(tmp_path, filter="data")
    course = tmp_path / "course"
    _, errors, _ = validate(str(course), steps=8, allowed_xblocks=["itembank"])
    assert not errors.errors, [e.description for e in errors.errors]
    for vertical in (course / "vertical").glob("*.xml"):
        text = vertical.read_text(encoding="utf-8")
        for name in re.findall(r'<itembank url_name="([^"]+)"/>', text):
            bank = (course / "itembank" / f"{name}.xml").read_text(encoding="utf-8")
            children = "".join(re.findall(r'<problem url_name="[^"]+"/>', bank))
            text = text.replace(f'<itembank url_name="{name}"/>', children)
        vertical.write_text(text, encoding="utf-8")
    for f in (course / "itembank").glob("*.xml"):
        f.unlink()
    (course / "itembank").rmdir()
    course_obj, errors, _ = validate(str(course), steps=8)
    assert not errors.errors, [e.description for e in errors.errors]


def test_exports_are_reproducible(banks):
    for fmt in ("gift", "moodle", "qti", "olx"):
        a = export(fmt, banks, lang="ru", variants=2, salt="x").files
        b = export(fmt, banks, lang="ru", variants=2, salt="x").files
        assert a == b, fmt


def test_notes_say_what_cannot_be_expressed(exports):
    _, out = exports
    assert any("net_correct" in n for n in out["olx"].notes)
    assert any("partial credit of a single choice" in n for n in out["qti"].notes)
    assert not [n for n in out["moodle"].notes if "sigmoid_range" in n]  # 50 % is allowed
