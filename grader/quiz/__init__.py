"""Quizzes: banks of templated questions, per-student variants, graded answers, LMS exports.

The public API (the CLI in ``cli.py`` is thin over it; the bank schema is in README.md)::

    banks = load_banks(config)                          # {topic: Bank}, every bank checked
    quiz = student_quiz(banks["activations"], "ivanov", "ru", config)
    item = variant(banks["activations"], "activations.elu_negative_value.3fa9c01b22", "en")

where ``config = quiz_config(load_course())``. The engine needs the quiz extra
(``pip install 'dlgrade[quiz]'``: jinja2, PyYAML, latex2mathml, markdown-it-py); grading does
not, so this package imports it only when one of the names above is first used, and then
``require_extra`` says what to install if it is missing.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from grader.errors import UsageError

if TYPE_CHECKING:
    from grader.quiz.config import QuizConfig, quiz_config
    from grader.quiz.engine import load_banks, pool, student_quiz, variant
    from grader.quiz.loader import load_bank
    from grader.quiz.model import Item, Quiz
    from grader.quiz.specs import Bank

__all__ = ["Bank", "Item", "Quiz", "QuizConfig", "load_bank", "load_banks", "pool", "quiz_config",
           "require_extra", "student_quiz", "variant"]  # fmt: skip

# (module, the distribution that provides it): what only the quiz needs
EXTRA = (("jinja2", "jinja2"), ("yaml", "pyyaml"), ("latex2mathml", "latex2mathml"), ("markdown_it", "markdown-it-py"))
INSTALL = "pip install 'dlgrade[quiz]'"

_HOMES = {
    "QuizConfig": "config", "quiz_config": "config", "load_banks": "engine", "pool": "engine",
    "student_quiz": "engine", "variant": "engine", "load_bank": "loader", "Item": "model",
    "Quiz": "model", "Bank": "specs",
}  # fmt: skip


def require_extra(who: str = "the quiz commands need") -> None:
    """UsageError naming what to install when a dependency of the quiz engine is missing."""
    missing = []
    for module, distribution in EXTRA:
        try:
            importlib.import_module(module)
        except ImportError:
            missing.append(distribution)
    if missing:
        raise UsageError(f"{who} {', '.join(missing)}, which {'is' if len(missing) == 1 else 'are'} "
                         f"not installed: {INSTALL}")  # fmt: skip


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module 'grader.quiz' has no attribute {name!r}")
    require_extra("the quiz engine needs")
    return getattr(importlib.import_module(f"grader.quiz.{_HOMES[name]}"), name)
