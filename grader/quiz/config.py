"""The ``[quiz]`` table of ``course/course.toml`` (the course's one config file, owned by the lead).

Keys read here (all optional)::

    [quiz]
    questions_per_student = 10        # an int for every topic, or a table: {default = 10, optimizers = 16}
    salt = "dl-2026"                  # mixed into every seed; change it to re-randomize a new run
    lang = "ru"                       # the default language of rendered quizzes

A missing file or key means: all questions of a bank, salt "dlgrade", Russian.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader.errors import ConfigError

TOPICS = ("activations", "initialization", "batchnorm", "dropout", "optimizers", "matrix_ops")
DEFAULT_SALT = "dlgrade"


@dataclass(frozen=True)
class QuizConfig:
    course_dir: Path
    salt: str = DEFAULT_SALT
    lang: str = "ru"
    default_count: int | None = None               # None: every question of the bank
    topic_counts: dict[str, int] = field(default_factory=dict)

    def questions_per_student(self, topic: str, bank_size: int) -> int:
        """How many of a bank's ``bank_size`` questions each student gets."""
        n = self.topic_counts.get(topic, self.default_count)
        return bank_size if n is None else min(n, bank_size)


def _positive_int(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(f"{where}: questions_per_student must be a positive integer, got {value!r}")
    return value


def load_config(course_dir: str | Path = "course") -> QuizConfig:
    course_dir = Path(course_dir)
    path = course_dir / "course.toml"
    if not path.exists():
        return QuizConfig(course_dir=course_dir)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise ConfigError(f"{path}: not valid TOML: {e}") from None
    quiz = data.get("quiz", {})
    if not isinstance(quiz, dict):
        raise ConfigError(f"{path}: [quiz] must be a table")
    where = f"{path}: [quiz]"
    default: int | None = None
    topics: dict[str, int] = {}
    count = quiz.get("questions_per_student")
    if isinstance(count, dict):
        for key, value in count.items():
            if key == "default":
                default = _positive_int(value, where)
            elif key in TOPICS:
                topics[key] = _positive_int(value, f"{where} questions_per_student.{key}")
            else:
                raise ConfigError(f"{where} questions_per_student: unknown topic {key!r} "
                                  f"(one of {', '.join(TOPICS)} or 'default')")
    elif count is not None:
        default = _positive_int(count, where)
    salt = quiz.get("salt", DEFAULT_SALT)
    lang = quiz.get("lang", "ru")
    if not isinstance(salt, str) or not salt:
        raise ConfigError(f"{where} salt must be a non-empty string")
    if lang not in ("ru", "en"):
        raise ConfigError(f"{where} lang must be 'ru' or 'en', got {lang!r}")
    return QuizConfig(course_dir=course_dir, salt=salt, lang=lang, default_count=default,
                      topic_counts=topics)
