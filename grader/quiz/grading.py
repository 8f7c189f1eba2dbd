"""Grade a file of quiz responses against each student's own variant (``dlgrade quiz grade``).

Input (the schema is documented in grader/quiz/README.md, "Responses"): CSV with a header, or
JSON (a list of rows, or ``{"responses": [...]}``); one row per student and question:

    student   the student's id (the one their quiz was rendered for)
    question  a question id of the bank, or a variant id ``topic.question.hex10``
    variant   optional: the variant id the LMS showed (pre-generated pools); without it the
              student's own variant is rebuilt from (student id, quiz id)
    topic     optional when ``question`` is a variant id, or the question id is unique among
              the banks, or ``--topic`` is given
    answer    a choice id (public or bank id, or the letter our rendering showed), several ids
              for multi (``;``, ``,`` or spaces between; a JSON list), a number (decimal comma
              accepted), a text, or for matching ``premise=option; ...`` (a JSON object)

Output: one ``grader.results.Report`` per student, a ``TopicResult`` per quiz topic (named
``quiz:<topic>``, so a gradebook never confuses it with the exercises of that topic), a
``TestResult`` per question (name = question id) with partial credit and feedback.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader import __version__
from grader.errors import UsageError
from grader.quiz import seeds
from grader.quiz.config import QuizConfig
from grader.quiz.engine import chosen_questions, student_seed
from grader.quiz.model import Item, format_number
from grader.quiz.scoring import AnswerError, is_blank, read_answer, score
from grader.quiz.specs import Bank
from grader.quiz.variants import instantiate
from grader.results import Report, TestResult, TopicResult
from grader.text import L

COLUMNS = ("student", "question", "variant", "topic", "answer")
ALIASES = {"student_id": "student", "question_id": "question", "variant_id": "variant", "response": "answer"}


@dataclass(frozen=True)
class Response:
    student: str
    topic: str
    qid: str
    variant: str | None
    answer: Any
    where: str  # file:line (CSV) or file:[index] (JSON), for messages


def _rows_csv(text: str, path: str) -> Iterable[tuple[str, dict[str, Any]]]:
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    if reader.fieldnames is None:
        raise UsageError(f"{path}: empty CSV")
    names = [ALIASES.get(n.strip().lower(), n.strip().lower()) for n in reader.fieldnames]
    missing = {"student", "question", "answer"} - set(names)
    if missing:
        raise UsageError(
            f"{path}: the CSV header needs the column(s) {', '.join(sorted(missing))} (got {', '.join(reader.fieldnames)})"
        )
    reader.fieldnames = names
    for row in reader:
        yield f"{path}:{reader.line_num}", row


def _rows_json(text: str, path: str) -> Iterable[tuple[str, dict[str, Any]]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise UsageError(f"{path}:{e.lineno}: not valid JSON: {e.msg}") from None
    if isinstance(data, Mapping):
        data = data.get("responses")
    if not isinstance(data, list):
        raise UsageError(f'{path}: expected a list of responses or {{"responses": [...]}}')
    for i, row in enumerate(data):
        if not isinstance(row, Mapping):
            raise UsageError(f"{path}: response [{i}] is not an object")
        yield f"{path}:[{i}]", {ALIASES.get(str(k), str(k)): v for k, v in row.items()}


def read_responses(path: str | Path, banks: Mapping[str, Bank], topic: str | None = None) -> list[Response]:
    """Read a CSV or JSON responses file; rows name their question and, where needed, topic."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as e:
        raise UsageError(f"{path}: cannot read: {e.strerror}") from None
    except UnicodeDecodeError:
        raise UsageError(f"{path}: not UTF-8 text; export the responses as UTF-8 (CSV UTF-8)") from None
    is_json = path.suffix.lower() == ".json" or text.lstrip()[:1] in ("[", "{")
    rows = _rows_json(text, str(path)) if is_json else _rows_csv(text, str(path))
    out = []
    for where, row in rows:
        out.append(_response(where, row, banks, topic))
    return out


def _response(where: str, row: Mapping[str, Any], banks: Mapping[str, Bank], topic: str | None) -> Response:
    student = str(row.get("student") or "").strip()
    question = str(row.get("question") or "").strip()
    variant = str(row.get("variant") or "").strip() or None
    row_topic = str(row.get("topic") or "").strip() or topic
    if not student or not question:
        raise UsageError(f"{where}: a response needs a student and a question")
    if question.count(".") == 2:  # a variant id in the question column
        variant = variant or question
    if variant:
        try:
            v_topic, v_qid, _ = seeds.parse_variant_id(variant)
        except ValueError:
            raise UsageError(f"{where}: {variant!r} is not a variant id (topic.question.hex10)") from None
        if question not in (variant, v_qid):
            raise UsageError(f"{where}: variant {variant} is not of question {question!r}")
        row_topic, question = v_topic, v_qid
    if row_topic is None:
        owners = [t for t, b in banks.items() if any(q.id == question for q in b.questions)]
        if len(owners) != 1:
            raise UsageError(
                f"{where}: question {question!r} is in "
                f"{'no bank' if not owners else 'the banks ' + ', '.join(owners)}; "
                "add a topic column or --topic"
            )
        row_topic = owners[0]
    if row_topic not in banks:
        raise UsageError(f"{where}: no quiz bank for topic {row_topic!r} is loaded")
    if not any(q.id == question for q in banks[row_topic].questions):
        raise UsageError(f"{where}: the {row_topic} bank has no question {question!r}")
    return Response(student, row_topic, question, variant, row.get("answer"), where)


_WORDS = {
    "right": L("right", "верно"),
    "partly": L("partly right", "частично верно"),
    "wrong": L("wrong", "неверно"),
    "blank": L("no answer", "нет ответа"),
    "unreadable": L("could not read the answer", "не удалось прочитать ответ"),
    "expected": L("expected", "ожидалось"),
    "yours": L("your answer", "ваш ответ"),
    "pairs": L("pairs matched", "пар сопоставлено"),
    "found": L("right choices ticked", "верных вариантов отмечено"),
    "not_in_quiz": L("answers to questions not in the student's quiz were ignored",
                     "ответы на вопросы не из варианта студента не учтены"),
    "duplicate": L("a question was answered twice; the last answer counts",
                   "на вопрос ответили дважды; учтён последний ответ"),
}  # fmt: skip


def _w(key: str, lang: str) -> str:
    return _WORDS[key](lang)


def _key_text(item: Item) -> str:
    if item.type in ("single", "truefalse", "multi"):
        return "; ".join(c.text for c in item.choices if c.correct)
    if item.type == "numeric":
        assert item.numeric is not None
        return f"{item.numeric.display()} (± {format_number(item.numeric.tolerance, 3)})"
    if item.type == "short":
        return item.answers[0]
    return "; ".join(f"{p.left} → {p.right}" for p in item.pairs)


def grade_item(item: Item, raw: Any, lang: str, *, reveal: bool = True) -> TestResult:
    """One question's TestResult for one raw answer (None: not answered)."""
    if is_blank(raw):
        return TestResult(
            name=item.qid, title=item.title, max_points=item.points, outcome="not_attempted", message=_w("blank", lang)
        )
    try:
        scored = score(item, read_answer(item, raw))
    except AnswerError as e:
        return TestResult(
            name=item.qid,
            title=item.title,
            max_points=item.points,
            outcome="fail",
            message=f"{_w('unreadable', lang)}: {e.message(lang)}",
        )
    points = round(scored.fraction * item.points, 6)
    if scored.fraction >= 1:
        return TestResult(
            name=item.qid, title=item.title, max_points=item.points, outcome="pass", points=points, message=_w("right", lang)
        )
    status = _w("partly" if scored.fraction > 0 else "wrong", lang)
    parts = [status]
    if scored.detail and item.type == "matching":
        parts.append(f"{_w('pairs', lang)}: {scored.detail}")
    elif scored.detail and item.type == "multi":
        parts.append(f"{_w('found', lang)}: {scored.detail}")
    if reveal:
        parts.append(f"{_w('expected', lang)}: {_key_text(item)}")
    if item.type in ("numeric", "short"):
        parts.append(f"{_w('yours', lang)}: {str(raw).strip()}")
    hints = tuple(scored.feedback) + ((item.feedback,) if item.feedback and reveal else ())
    return TestResult(
        name=item.qid,
        title=item.title,
        max_points=item.points,
        outcome="fail",
        points=points,
        message="; ".join(parts),
        hints=hints,
    )


def grade_responses(
    responses: list[Response], banks: Mapping[str, Bank], config: QuizConfig, lang: str, *, reveal: bool = True
) -> dict[str, Report]:
    """One Report per student (in the order students first appear)."""
    by_student: dict[str, dict[str, dict[str, Response]]] = {}
    duplicates: set[tuple[str, str]] = set()
    for r in responses:
        topic_rows = by_student.setdefault(r.student, {}).setdefault(r.topic, {})
        if r.qid in topic_rows:
            duplicates.add((r.student, r.topic))
        topic_rows[r.qid] = r
    reports = {}
    for student, topics in by_student.items():
        results = []
        for topic, rows in topics.items():
            results.append(_grade_topic(banks[topic], student, rows, config, lang, reveal, (student, topic) in duplicates))
        reports[student] = Report(submission=student, seed=0, grader_version=__version__, lang=lang, topics=tuple(results))
    return reports


def _grade_topic(
    bank: Bank, student: str, rows: Mapping[str, Response], config: QuizConfig, lang: str, reveal: bool, duplicate: bool
) -> TopicResult:
    warnings = [_w("duplicate", lang)] if duplicate else []
    lms_mode = any(r.variant for r in rows.values())
    if lms_mode:
        # the LMS chose the questions and variants: grade what it reports
        questions = [q for q in bank.questions if q.id in rows]
    else:
        questions = list(chosen_questions(bank, student, config))
        if set(rows) - {q.id for q in questions}:
            warnings.append(_w("not_in_quiz", lang))
    tests = []
    for q in questions:
        r = rows.get(q.id)
        if r is not None and r.variant:
            _, _, seed = seeds.parse_variant_id(r.variant)
        else:
            seed = student_seed(bank, q, student, config)
        item = instantiate(bank, q, seed, lang)
        tests.append(grade_item(item, r.answer if r else None, lang, reveal=reveal))
    return TopicResult(
        topic=f"quiz:{bank.topic}",
        status="graded",
        tests=tuple(tests),
        max_score=float(sum(t.max_points for t in tests)),
        warnings=tuple(warnings),
    )
