"""Quizzes: banks of templated questions, per-student variants, graded answers, LMS exports.

The public API (the CLI in ``cli.py`` is thin over it; the bank schema is in README.md)::

    banks = load_banks("course")                        # {topic: Bank}, every bank checked
    quiz = student_quiz(banks["activations"], "ivanov", "ru", load_config("course"))
    item = variant(banks["activations"], "activations.elu_negative_value.3fa9c01b22", "en")
"""

from grader.quiz.config import QuizConfig, load_config
from grader.quiz.engine import load_banks, pool, student_quiz, variant
from grader.quiz.loader import load_bank
from grader.quiz.model import Item, Quiz
from grader.quiz.specs import Bank

__all__ = ["Bank", "Item", "Quiz", "QuizConfig", "load_bank", "load_banks", "load_config",
           "pool", "student_quiz", "variant"]
