"""Banks of a course, students' quizzes and LMS pools: the programmatic API the CLI is thin over.

- ``load_banks(config)``: every ``course/<topic>/quiz.yaml`` of the course's topics, checked.
- ``student_quiz(bank, student, lang, config)``: the student's own quiz: the questions they get
  (how many: ``[quiz] questions_per_student``) and their variant of each.
- ``pool(bank, question, n, lang, salt)``: n pre-generated variants of a question for an LMS.
- ``variant(bank, variant_id, lang)``: the variant a variant id names.
"""

from __future__ import annotations

from pathlib import Path

from grader.errors import UsageError
from grader.quiz import seeds
from grader.quiz.config import QuizConfig
from grader.quiz.loader import CHECK_SEEDS, load_bank_cached
from grader.quiz.model import LANGS, Item, Quiz
from grader.quiz.specs import Bank, QuestionSpec
from grader.quiz.variants import instantiate


def bank_path(course_dir: str | Path, topic: str) -> Path:
    return Path(course_dir) / topic / "quiz.yaml"


def available_topics(config: QuizConfig) -> list[str]:
    """The course's topics that have a bank, in the course's order."""
    return [t for t in config.topics if bank_path(config.course_dir, t).exists()]


def load_banks(config: QuizConfig, topics: str | list[str] = "all", *, check: int = CHECK_SEEDS) -> dict[str, Bank]:
    """The banks of ``topics`` ("all": every topic of the course that has one)."""
    course_dir = config.course_dir
    if topics == "all":
        names = available_topics(config)
        if not names:
            raise UsageError(f"no quiz banks under {course_dir}/<topic>/quiz.yaml")
    else:
        names = [topics] if isinstance(topics, str) else list(topics)
        for t in names:
            if t not in config.topics:
                raise UsageError(f"unknown topic {t!r}: one of {', '.join(config.topics)} or 'all'")
            if not bank_path(course_dir, t).exists():
                raise UsageError(f"topic {t!r} has no quiz bank ({bank_path(course_dir, t)})")
    return {t: load_bank_cached(bank_path(course_dir, t), check=check) for t in names}


def _check_lang(lang: str) -> None:
    if lang not in LANGS:
        raise UsageError(f"unknown language {lang!r}: ru or en")


def chosen_questions(bank: Bank, student: str, config: QuizConfig) -> tuple[QuestionSpec, ...]:
    """The questions a student gets, in the bank's order. A question's rank depends only on
    (salt, topic, question id, student), so adding a question to the bank changes a student's
    selection by at most one question."""
    k = config.questions_per_student(bank.topic, len(bank.questions))
    ranked = sorted(bank.questions, key=lambda q: seeds.pick_rank(config.salt, bank.topic, q.id, student))
    keep = {q.id for q in ranked[:k]}
    return tuple(q for q in bank.questions if q.id in keep)


def student_seed(bank: Bank, q: QuestionSpec, student: str, config: QuizConfig) -> int:
    return seeds.student_seed(config.salt, bank.topic, q.id, q.version, student)


def student_quiz(bank: Bank, student: str, lang: str, config: QuizConfig) -> Quiz:
    _check_lang(lang)
    if not student.strip():
        raise UsageError("a student id must not be empty")
    items = tuple(
        instantiate(bank, q, student_seed(bank, q, student, config), lang) for q in chosen_questions(bank, student, config)
    )
    return Quiz(topic=bank.topic, student=student, lang=lang, title=bank.title(lang), items=items)


def pool_seeds(bank: Bank, q: QuestionSpec, n: int, salt: str) -> list[int]:
    """Seeds of a question's LMS pool: one for a question without parameters (the LMS shuffles
    its choices), n otherwise. Variant k's seed depends only on k, so a larger n keeps the
    first variants (re-imports update them in place)."""
    count = n if q.parameterised else 1
    return [seeds.pool_seed(salt, bank.topic, q.id, q.version, k) for k in range(count)]


def pool(bank: Bank, q: QuestionSpec, n: int, lang: str, salt: str) -> list[Item]:
    _check_lang(lang)
    return [instantiate(bank, q, s, lang) for s in pool_seeds(bank, q, n, salt)]


def variant(bank: Bank, variant_id: str, lang: str) -> Item:
    """The variant a variant id names (its tail is the variant's seed)."""
    _check_lang(lang)
    try:
        topic, qid, seed = seeds.parse_variant_id(variant_id)
    except ValueError:
        raise UsageError(f"{variant_id!r} is not a variant id (topic.question.hex10)") from None
    if topic != bank.topic:
        raise UsageError(f"variant {variant_id!r} is not of topic {bank.topic!r}")
    try:
        q = bank.question(qid)
    except KeyError:
        raise UsageError(f"variant {variant_id!r}: the bank {bank.path} has no question {qid!r}") from None
    return instantiate(bank, q, seed, lang)
