"""The ``[quiz]`` table of ``course/course.toml``, taken from the course read once by
``grader.course.load_course`` (never read again here). Keys (all optional)::

    [quiz]
    questions_per_student = 10        # an int for every topic, or a table: {default = 10, optimizers = 16}
    salt = "dl-2026"                  # mixed into every seed; change it to re-randomize a new run
    lang = "ru"                       # the default language of rendered quizzes

A missing key means: all questions of a bank, salt "dlgrade", the course's language
(``[course] lang``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from grader.errors import ConfigError
from grader.submission import TOPICS
from grader.text import LANGS

if TYPE_CHECKING:
    from grader.course import Course

DEFAULT_SALT = "dlgrade"


@dataclass(frozen=True)
class QuizConfig:
    course_dir: Path  # the course/ folder: <topic>/quiz.yaml
    topics: tuple[str, ...] = TOPICS  # the course's topics, in its order
    course_name: str = ""  # [course] name: what an LMS export calls the course
    salt: str = DEFAULT_SALT
    lang: str = "ru"
    default_count: int | None = None  # None: every question of the bank
    topic_counts: dict[str, int] = field(default_factory=dict)

    def questions_per_student(self, topic: str, bank_size: int) -> int:
        """How many of a bank's ``bank_size`` questions each student gets."""
        n = self.topic_counts.get(topic, self.default_count)
        return bank_size if n is None else min(n, bank_size)


def _positive_int(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(f"{where}: questions_per_student must be a positive integer, got {value!r}")
    return value


def quiz_config(course: Course) -> QuizConfig:
    """The course's quiz settings; ConfigError naming course.toml and the key."""
    quiz = course.raw.get("quiz", {})
    where = f"{course.config_path}: [quiz]"
    if not isinstance(quiz, dict):
        raise ConfigError(f"{where} must be a table")
    unknown = sorted(set(quiz) - {"questions_per_student", "salt", "lang"})
    if unknown:
        raise ConfigError(f"{where} unknown key(s) {', '.join(unknown)}; known: questions_per_student, salt, lang")
    default: int | None = None
    topics: dict[str, int] = {}
    count = quiz.get("questions_per_student")
    if isinstance(count, dict):
        for key, value in count.items():
            if key == "default":
                default = _positive_int(value, where)
            elif key in course.topics:
                topics[key] = _positive_int(value, f"{where} questions_per_student.{key}")
            else:
                raise ConfigError(f"{where} questions_per_student: unknown topic {key!r} "
                                  f"(one of {', '.join(course.topics)} or 'default')")  # fmt: skip
    elif count is not None:
        default = _positive_int(count, where)
    salt = quiz.get("salt", DEFAULT_SALT)
    lang = quiz.get("lang", course.lang)
    if not isinstance(salt, str) or not salt:
        raise ConfigError(f"{where} salt must be a non-empty string")
    if lang not in LANGS:
        raise ConfigError(f"{where} lang must be one of {', '.join(LANGS)}, got {lang!r}")
    return QuizConfig(course_dir=course.root / "course", topics=course.topics, course_name=course.name, salt=salt, lang=lang,
                      default_count=default, topic_counts=topics)  # fmt: skip
