"""Grading responses: documented schema, stable choice ids, decimal commas, partial credit,
feedback, and the same result model as the exercises."""

from __future__ import annotations

import csv
import json

import pytest

from grader.errors import UsageError
from grader.quiz.engine import student_quiz
from grader.quiz.grading import grade_item, grade_responses, read_responses
from grader.quiz.scoring import (
    AnswerError,
    parse_number,
    read_answer,
    right_answer,
    score,
    wrong_answers,
)
from grader.quiz.writers.student import quiz_json
from grader.results import Report


@pytest.mark.parametrize(
    "text, value", [("0,1966", 0.1966), ("−1,4", -1.4), ("1 234,5", 1234.5), ("2.4e-4", 2.4e-4), ("1/4", 0.25), (" 3 ", 3.0)]
)
def test_numbers_as_people_type_them(text, value):
    assert parse_number(text) == pytest.approx(value)


@pytest.mark.parametrize("text", ["1,234.5", "abc", "1/0", "nan", ""])
def test_unreadable_numbers(text):
    with pytest.raises(AnswerError):
        parse_number(text)


def test_right_answers_score_full_and_wrong_ones_less(banks, config):
    """For every question of every bank, over many variants: the key scores 1, every
    distractor, modelled mistake and near miss scores less."""
    for bank in banks.values():
        for student in range(25):
            for item in student_quiz(bank, f"st{student}", "ru", config).items:
                assert score(item, right_answer(item)).fraction == 1.0, item.variant_id
                for wrong in wrong_answers(item):
                    assert score(item, wrong).fraction < 1.0, (item.variant_id, wrong)


def test_choice_ids_letters_and_bank_ids(act):
    from grader.quiz.loader import instantiate

    q = act.question("sigmoid_range")
    item = instantiate(act, q, 12345, "en")
    right = next(c for c in item.choices if c.correct)
    letter = "ABCDEFG"[item.choices.index(right)]
    for ref in (right.public_id, right.id, letter, letter.lower()):
        assert score(item, read_answer(item, ref)).fraction == 1.0
    half = next(c for c in item.choices if c.id == "closed_unit")
    scored = score(item, read_answer(item, half.public_id))
    assert scored.fraction == 0.5 and scored.feedback  # partial credit and its feedback


def test_multi_policies(act):
    from grader.quiz.loader import instantiate

    item = instantiate(act, act.question("zero_centered"), 7, "en")  # 3 right of 5
    right = [c.public_id for c in item.choices if c.correct]
    wrong = [c.public_id for c in item.choices if not c.correct]
    frac = lambda refs, it=item: score(it, read_answer(it, refs)).fraction  # noqa: E731
    assert frac(right) == 1
    assert frac(right[:2]) == pytest.approx(2 / 3)  # net_correct
    assert frac(right[:2] + wrong[:1]) == pytest.approx(1 / 3)
    assert frac(wrong) == 0
    edc = item.__class__(**{**item.__dict__, "policy": "edc"})
    assert frac(right[:2], edc) == pytest.approx(4 / 5)
    aon = item.__class__(**{**item.__dict__, "policy": "all_or_nothing"})
    assert frac(right[:2], aon) == 0
    assert frac(";".join(right)) == 1 and frac(" ".join(right)) == 1


def test_matching_per_pair(act):
    from grader.quiz.loader import instantiate

    item = instantiate(act, act.question("match_derivatives"), 3, "ru")
    option = {o.id: o.public_id for o in item.options}
    answer = {p.public_id: option[p.id] for p in item.pairs}
    assert score(item, read_answer(item, answer)).fraction == 1
    first, second = item.pairs[0], item.pairs[1]
    answer[first.public_id], answer[second.public_id] = option[second.id], option[first.id]
    text = "; ".join(f"{k}={v}" for k, v in answer.items())
    assert score(item, read_answer(item, text)).fraction == pytest.approx(2 / 4)


def test_short_answers_are_normalized(act):
    from grader.quiz.loader import instantiate

    item = instantiate(act, act.question("relu_name"), 1, "ru")
    for text in ("ReLU", " relu ", "Линейный   выпрямитель"):
        assert score(item, read_answer(item, text)).fraction == 1


def test_numeric_feedback_names_the_mistake(act):
    from grader.quiz.loader import instantiate

    item = instantiate(act, act.question("elu_negative_value"), 99, "en")
    m = next(m for m in item.numeric.mistakes if m.id == "forgot_minus_one")
    result = grade_item(item, f"{m.value:.3f}".replace(".", ","), "en")
    assert result.outcome == "fail" and result.points == 0
    assert any("-1" in h for h in result.hints)
    assert "expected" in result.message


def _own_answers(bank, student, config, lang="en"):
    """The JSON rows a student with every answer right would hand in (from the key copy)."""
    rows = []
    for item in quiz_json(student_quiz(bank, student, lang, config), with_key=True)["items"]:
        key = item["key"]
        answer = key["value"] if isinstance(key, dict) and "value" in key else key
        if item["type"] == "short":
            answer = answer[0]
        if isinstance(answer, float):
            answer = f"{answer:.10f}".replace(".", ",")  # a decimal comma
        rows.append({"student": student, "topic": bank.topic, "question": item["question"], "answer": answer})
    return rows


def test_grade_json_full_marks_and_report_shape(act, banks, config, tmp_path):
    rows = _own_answers(act, "anna", config) + _own_answers(act, "boris", config)
    rows = [r for r in rows if not (r["student"] == "boris" and r is rows[-1])]
    path = tmp_path / "responses.json"
    path.write_text(json.dumps({"responses": rows}, ensure_ascii=False))
    reports = grade_responses(read_responses(path, banks), banks, config, "en")
    assert set(reports) == {"anna", "boris"}
    anna = reports["anna"]
    assert isinstance(anna, Report)
    assert anna.score == anna.max_score == 8
    data = anna.to_json()
    topic = data["topics"]["quiz:activations"]
    assert topic["status"] == "graded" and len(topic["tests"]) == 8
    assert {t["outcome"] for t in topic["tests"]} == {"pass"}
    boris = reports["boris"].topics[0]
    assert [t.outcome for t in boris.tests].count("not_attempted") == 1


def test_grade_csv_with_variant_ids(act, banks, config, tmp_path):
    """LMS mode: rows name the variant the LMS showed, which may not be the student's own."""
    from grader.quiz.engine import pool

    item = pool(act, act.question("elu_negative_value"), 5, "ru", "lms")[3]
    path = tmp_path / "r.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, delimiter=";")
        w.writerow(["student_id", "question", "variant", "answer"])
        w.writerow(["zoe", "elu_negative_value", item.variant_id, item.numeric.display().replace(".", ",")])
        w.writerow(["zoe", "sigmoid_range", "activations.sigmoid_range.0000000001", "A"])
    reports = grade_responses(read_responses(path, banks), banks, config, "ru")
    tests = {t.name: t for t in reports["zoe"].topics[0].tests}
    assert set(tests) == {"elu_negative_value", "sigmoid_range"}
    assert tests["elu_negative_value"].outcome == "pass"


def test_bad_rows_are_usage_errors(banks, tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("student,question,answer\nx,no_such_question,1\n")
    with pytest.raises(UsageError, match="no_such_question"):
        read_responses(path, banks)
    path.write_text("who,question,answer\nx,relu_name,ReLU\n")
    with pytest.raises(UsageError, match="student"):
        read_responses(path, banks)


def test_unreadable_answer_fails_only_that_question(act, config):
    item = next(i for i in student_quiz(act, "q", "en", config).items if i.type == "numeric")
    result = grade_item(item, "twelve", "en")
    assert result.outcome == "fail" and "could not read" in result.message
