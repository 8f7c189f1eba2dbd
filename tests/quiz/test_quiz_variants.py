"""Variants are reproducible from (student id, quiz id), stable, and varied enough."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace

import pytest
from quiz_paths import COURSE, ROOT

from grader.course import load_course
from grader.quiz.config import QuizConfig, quiz_config
from grader.quiz.engine import chosen_questions, pool, pool_seeds, student_quiz, variant
from grader.quiz.stats import check_bank


def ids(quiz):
    return [i.variant_id for i in quiz.items]


def test_same_student_same_quiz(act, config):
    a = student_quiz(act, "ivanov", "ru", config)
    b = student_quiz(act, "ivanov", "ru", config)
    assert a == b
    assert ids(a) == ids(student_quiz(act, "ivanov", "en", config))  # languages share variants


def test_students_differ(act, config):
    quizzes = {ids(student_quiz(act, f"s{i}", "ru", config)).__repr__() for i in range(30)}
    assert len(quizzes) == 30


def test_independent_of_python_hash_seed(act, config):
    """The same variant ids in a fresh interpreter with another PYTHONHASHSEED."""
    code = (
        "from grader.quiz.engine import load_banks, student_quiz;"
        "from pathlib import Path;"
        "from grader.course import load_course;"
        "from grader.quiz.config import quiz_config;"
        f"c = quiz_config(load_course(Path({str(ROOT)!r})));"
        "b = load_banks(c, ['activations'], check=0)['activations'];"
        "print(' '.join(i.variant_id for i in student_quiz(b, 'ivanov', 'ru', c).items))"
    )
    env = dict(os.environ, PYTHONHASHSEED="12345")
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT, check=True
    ).stdout.split()
    assert out == ids(student_quiz(act, "ivanov", "ru", config))


def test_variant_id_rebuilds_the_variant(act, config):
    for item in student_quiz(act, "petrova", "en", config).items:
        assert variant(act, item.variant_id, "en") == item


def _config(tmp_path, toml: str) -> QuizConfig:
    """The quiz settings of a course whose course.toml is ``toml``."""
    (tmp_path / "course").mkdir(exist_ok=True)
    (tmp_path / "course" / "course.toml").write_text(toml, encoding="utf-8")
    return quiz_config(load_course(tmp_path))


def test_questions_per_student_from_course_toml(act, tmp_path):
    cfg = _config(tmp_path, "[quiz]\nquestions_per_student = 5\n")
    assert len(student_quiz(act, "x", "ru", cfg).items) == 5
    cfg = _config(tmp_path, "[course]\nname = 'c'\n")
    assert len(student_quiz(act, "x", "ru", cfg).items) == len(act.questions)
    cfg = _config(tmp_path, "[quiz]\nquestions_per_student = {default = 3, activations = 4}\n")
    assert len(student_quiz(act, "x", "ru", cfg).items) == 4


def test_quiz_settings_follow_the_course(tmp_path):
    """Topics in course.toml's order, the course's language unless [quiz] says otherwise."""
    cfg = _config(tmp_path, "[course]\nlang = 'en'\n[topics.dropout]\n[topics.activations]\n")
    assert cfg.topics == ("dropout", "activations") and cfg.lang == "en"
    assert _config(tmp_path, "[course]\nlang = 'en'\n[quiz]\nlang = 'ru'\n").lang == "ru"


@pytest.mark.parametrize(
    "toml,needle",
    [("[quiz]\nquestions_per_student = 0\n", "questions_per_student"),
     ("[quiz]\nquestions_per_studnet = 3\n", "questions_per_studnet"),
     ("[topics.activations]\n[quiz]\nquestions_per_student = {dropout = 3}\n", "dropout")],
    ids=["zero", "typo", "topic-not-in-course"],
)  # fmt: skip
def test_config_errors_name_the_file(tmp_path, toml, needle):
    from grader.errors import ConfigError

    with pytest.raises(ConfigError, match="course.toml") as error:
        _config(tmp_path, toml)
    assert needle in str(error.value)


def test_adding_a_question_moves_at_most_one(act):
    cfg = QuizConfig(course_dir=COURSE, default_count=6)
    smaller = replace(act, questions=act.questions[:-1])
    for i in range(40):
        before = {q.id for q in chosen_questions(smaller, f"s{i}", cfg)}
        after = {q.id for q in chosen_questions(act, f"s{i}", cfg)}
        assert len(before - after) <= 1


def test_pools_are_stable_when_growing(act):
    q = act.question("elu_negative_value")
    assert pool_seeds(act, q, 10, "salt")[:5] == pool_seeds(act, q, 5, "salt")
    assert pool_seeds(act, q, 5, "salt") != pool_seeds(act, q, 5, "other salt")
    assert len(pool(act, act.question("sigmoid_range"), 10, "ru", "salt")) == 1


def test_every_variant_of_every_bank_checks(banks):
    """Every variant of every small parameter space renders and passes its own checks, and
    every question with parameters reaches >= 100 distinct variants (or its whole space)."""
    for bank in banks.values():
        bad = [row for row in check_bank(bank, draws=600) if not row.ok]
        assert not bad, bad


def test_bank_statistics_are_reported(act):
    rows = {r.qid: r for r in check_bank(act, draws=600)}
    assert rows["elu_negative_value"].distinct == rows["elu_negative_value"].space == 150
    assert rows["sigmoid_grad_value"].distinct >= 100


def test_all_six_types_in_the_activations_bank(act):
    assert {q.type for q in act.questions} == {"single", "multi", "truefalse", "numeric", "short", "matching"}
    assert len(act.questions) >= 12


def test_json_render_is_deterministic(act, config):
    from grader.quiz.writers.student import quiz_json

    a = json.dumps(quiz_json(student_quiz(act, "k", "ru", config)), ensure_ascii=False)
    b = json.dumps(quiz_json(student_quiz(act, "k", "ru", config)), ensure_ascii=False)
    assert a == b
