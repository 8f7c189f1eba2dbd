"""A malformed bank fails with the file, the line, the question id and the reason."""

from __future__ import annotations

import pytest

from grader.errors import ConfigError
from grader.quiz.loader import load_bank

HEAD = """\
schema: 1
topic: activations
title: {ru: Т, en: T}
questions:
"""

NUMERIC = (
    HEAD
    + """\
  - id: elu_value
    type: numeric
    title: ELU
    params:
      x: {range: [-3.0, -0.1, 0.1]}
      alpha: {choice: [0.5, 0.7, 2.0]}
    text: 'ELU at $x = {{ x|num(1) }}$'
    answer: elu(x, alpha=alpha)
    decimals: 3
    tolerance: {atol: 0.001}
    mistakes:
      - {id: forgot_minus_one, value: alpha * exp(x)}
"""
)


def load_error(write_bank, text: str) -> str:
    path = write_bank(text)
    with pytest.raises(ConfigError) as e:
        load_bank(path)
    message = str(e.value)
    assert str(path) in message
    return message


def test_a_good_bank_loads(write_bank):
    bank = load_bank(write_bank(NUMERIC))
    assert [q.id for q in bank.questions] == ["elu_value"]


def test_bad_yaml_names_line(write_bank):
    message = load_error(write_bank, HEAD + "  - id: a\n    type: single\n   title: x\n")
    assert "bad YAML" in message and "quiz.yaml:7:" in message


def test_duplicate_yaml_key(write_bank):
    message = load_error(write_bank, NUMERIC.replace("    decimals: 3\n", "    decimals: 3\n    decimals: 4\n"))
    assert "duplicate key 'decimals'" in message


def test_duplicate_question_id(write_bank):
    second = NUMERIC[len(HEAD) :]
    message = load_error(write_bank, NUMERIC + second)
    assert "question 'elu_value'" in message and "duplicate question id" in message


def test_template_syntax_error(write_bank):
    message = load_error(write_bank, NUMERIC.replace("{{ x|num(1) }}", "{{ x|num(1) }"))
    assert "question 'elu_value'" in message and "template error" in message


def test_undefined_name_in_template(write_bank):
    message = load_error(write_bank, NUMERIC.replace("{{ x|num(1) }}", "{{ y|num(1) }}"))
    assert "question 'elu_value'" in message and "'y' is undefined" in message


def test_answer_outside_its_own_tolerance(write_bank):
    # asked for 2 decimals, graded to +-0.001: a correctly rounded answer would be marked wrong
    message = load_error(write_bank, NUMERIC.replace("decimals: 3", "decimals: 2"))
    assert "question 'elu_value'" in message and "outside its own tolerance" in message


def test_key_disagrees_with_the_reference(write_bank):
    text = (
        HEAD
        + """\
  - id: sigmoid_grad_zero
    type: numeric
    title: s
    text: "sigma'(0)"
    answer: sigmoid_grad(0.0)
    key: 0.5
    tolerance: {atol: 0.001}
"""
    )
    message = load_error(write_bank, text)
    assert "question 'sigmoid_grad_zero'" in message and "key 0.5" in message


def test_mistake_inside_the_tolerance(write_bank):
    message = load_error(write_bank, NUMERIC.replace("value: alpha * exp(x)", "value: 'elu(x, alpha=alpha) + 0.0001'"))
    assert "mistake 'forgot_minus_one'" in message and "within the tolerance" in message
    assert "quiz.yaml:5: question 'elu_value'" in message  # the question's line


def test_coinciding_choices(write_bank):
    text = (
        HEAD
        + """\
  - id: elu_choice
    type: single
    title: e
    params:
      alpha: {choice: [0.5, 1.0]}
    text: 'ELU(-1) with alpha {{ alpha }}'
    choices:
      - {id: right, correct: true, value: 'elu(-1.0, alpha=alpha)'}
      - {id: forgot_alpha, value: exp(-1.0) - 1}
"""
    )
    message = load_error(write_bank, text)
    assert "question 'elu_choice'" in message and "render the same text" in message


def test_single_needs_one_correct(write_bank):
    text = (
        HEAD
        + """\
  - id: two_right
    type: single
    title: t
    text: q
    choices:
      - {id: a, correct: true, text: A}
      - {id: b, correct: true, text: B}
"""
    )
    assert "exactly one correct" in load_error(write_bank, text)


def test_unknown_key_and_type(write_bank):
    assert "unknown key(s) tolerence" in load_error(write_bank, NUMERIC.replace("tolerance:", "tolerence:"))
    assert "type 'essay'" in load_error(write_bank, NUMERIC.replace("type: numeric", "type: essay"))


def test_topic_must_be_the_folder(write_bank):
    assert "must be the bank's folder name" in load_error(write_bank, NUMERIC.replace("topic: activations", "topic: dropout"))


def test_missing_language(write_bank):
    message = load_error(write_bank, NUMERIC.replace("title: ELU", "title: {ru: ELU}"))
    assert "question 'elu_value'" in message and "missing key(s) en" in message


def test_unsatisfiable_where(write_bank):
    message = load_error(write_bank, NUMERIC.replace("    decimals: 3\n", "    decimals: 3\n    where: x > 0\n"))
    assert "no parameters satisfy where" in message


def test_matching_options_are_plain_text(write_bank):
    text = (
        HEAD
        + """\
  - id: m
    type: matching
    title: m
    text: match
    pairs:
      - {id: a, left: A, right: '$x^2$'}
      - {id: b, left: B, right: 'y'}
"""
    )
    assert "plain text" in load_error(write_bank, text)


def test_unknown_solutions_module(write_bank):
    message = load_error(write_bank, NUMERIC.replace("questions:", "solutions: [nosuchtopic]\nquestions:"))
    assert "solutions.nosuchtopic" in message


def test_the_course_banks_load(banks):
    assert "activations" in banks
    assert len(banks["activations"].questions) >= 12
