"""The class as the reports see it: each student's id and their report, read back from the JSON
report (docs/report-format.md) with every field checked, and the facts the class-wide reports
count (outcomes, kinds of error). A report comes from a file an instructor points at: one that
does not fit the format is a usage error naming the student and the field, never a traceback."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from typing import Any, cast

from grader.errors import UsageError
from grader.results import Report, TestResult, TopicResult
from grader.text import L

OUTCOMES = ("pass", "fail", "not_attempted", "error")
STATUSES = ("graded", "missing", "not_gradable")


@dataclass(frozen=True)
class Member:
    """One student of the class: ``id`` as given, ``folder`` a file name made from it."""

    id: str
    folder: str
    report: Report


def _fail(who: str, what: str) -> UsageError:
    return UsageError(f"{who}: not a dlgrade JSON report ({what}); give the reports that "
                      "`dlgrade grade --format json` or `dlgrade batch --out` wrote")  # fmt: skip


def _get(data: dict[str, Any], key: str, kinds: tuple[type, ...], who: str, default: Any = None) -> Any:
    if key not in data:
        if default is None:
            raise _fail(who, f"no {key!r}")
        return default
    value = data[key]
    if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
        raise _fail(who, f"{key!r} is not {' or '.join(k.__name__ for k in kinds)}")
    return value


def _number(data: dict[str, Any], key: str, who: str, default: float | None = None) -> float:
    value = _get(data, key, (int, float), who, default)
    number = float(value)
    if number != number or number in (float("inf"), float("-inf")):
        raise _fail(who, f"{key!r} is not a finite number")
    return number


def parse_report(data: Any, who: str) -> Report:
    """The Report of a JSON report dict, every field used checked for its type."""
    if not isinstance(data, dict):
        raise _fail(who, "not a JSON object")
    topics_data = _get(data, "topics", (dict,), who)
    topics = []
    for name, topic in topics_data.items():
        where = f"{who}, topic {str(name)[:40]!r}"
        if not isinstance(topic, dict):
            raise _fail(where, "not an object")
        status = _get(topic, "status", (str,), where)
        if status not in STATUSES:
            raise _fail(where, "unknown 'status'")
        tests = []
        for number, test in enumerate(_get(topic, "tests", (list,), where), 1):
            at = f"{where}, test {number}"
            if not isinstance(test, dict):
                raise _fail(at, "not an object")
            outcome = _get(test, "outcome", (str,), at)
            if outcome not in OUTCOMES:
                raise _fail(at, "unknown 'outcome'")
            hints = _get(test, "hints", (list,), at, [])
            if not all(isinstance(h, str) for h in hints):
                raise _fail(at, "a hint is not text")
            tests.append(TestResult(
                name=_get(test, "name", (str,), at), title=_get(test, "title", (str,), at),
                max_points=_number(test, "max_points", at), outcome=cast(Any, outcome),
                points=_number(test, "points", at), message=_get(test, "message", (str,), at, ""),
                hints=tuple(hints), seconds=_number(test, "seconds", at, 0.0),
            ))  # fmt: skip
        warnings = _get(topic, "warnings", (list,), where, [])
        topics.append(TopicResult(
            topic=str(name), status=cast(Any, status), tests=tuple(tests),
            max_score=_number(topic, "max_score", where), message=_get(topic, "message", (str,), where, ""),
            warnings=tuple(str(w) for w in warnings), output=_get(topic, "output", (str,), where, ""),
            resources=_get(topic, "resources", (dict,), where, {}),
        ))  # fmt: skip
    seed = _get(data, "seed", (int,), who)
    return Report(
        submission=_get(data, "submission", (str,), who, ""), seed=seed,
        grader_version=_get(data, "grader_version", (str,), who, ""), lang=_get(data, "lang", (str,), who, "en"),
        topics=tuple(topics), protections=_get(data, "protections", (dict,), who, {}),
        seconds=_number(data, "seconds", who, 0.0), content_sha256=_get(data, "content_sha256", (str,), who, ""),
        path=_get(data, "path", (str,), who, ""), error=_get(data, "error", (str,), who, ""),
        error_kind=_get(data, "error_kind", (str,), who, ""),
    )  # fmt: skip


_UNSAFE_NAME = re.compile(r"[^\w.-]+")


def folder_name(student: str) -> str:
    """A file name for a student's folder: letters (Cyrillic too), digits, ``.``, ``_``, ``-``;
    never hidden, empty or a path; when anything had to change, a short hash of the id keeps
    two ids that clean alike apart."""
    text = unicodedata.normalize("NFC", student)
    name = _UNSAFE_NAME.sub("_", text).strip("._")[:60]
    if name != student or not name:
        name = f"{name or 'student'}-{hashlib.sha256(student.encode('utf-8', 'surrogatepass')).hexdigest()[:8]}"
    return name


def class_members(results: list[tuple[str, dict[str, Any]]]) -> list[Member]:
    """The class in the order given; an id given twice, or empty, is a usage error."""
    members: list[Member] = []
    seen: dict[str, str] = {}
    for student, data in results:
        if not isinstance(student, str) or not student.strip():
            raise UsageError(f"a report without a student id (submission {str(data.get('submission', '?'))[:80]!r})")
        report = parse_report(data, f"student {student[:80]!r}")
        if student in seen:
            raise UsageError(f"student {student[:80]!r} appears twice; give each student one report")
        folder = folder_name(student)
        if folder.casefold() in seen.values():  # "Anna" and "anna": one folder on some file systems
            folder = f"{folder}-{hashlib.sha256(student.encode('utf-8', 'surrogatepass')).hexdigest()[:8]}"
        seen[student] = folder.casefold()
        members.append(Member(student, folder, report))
    return members


def topic_order(members: list[Member], course_topics: tuple[str, ...]) -> list[str]:
    """The course's topics in its order, then any other topic a report lists."""
    found = [t.topic for m in members for t in m.report.topics]
    return [t for t in course_topics if t in found] + sorted(set(found) - set(course_topics))


# -- kinds of error (what the class report counts). The result model keeps a test's message,
# not the kind of death behind it, so the kind is read from the words the engine writes
# (grader/sandbox.py, grader/proxy.py), in both languages; anything else is "other".
ERROR_KINDS: dict[str, L] = {
    "timeout": L("timeout", "превышение времени"),
    "cpu": L("CPU time limit", "лимит процессорного времени"),
    "memory": L("memory limit", "лимит памяти"),
    "crash": L("crash or exit", "аварийное завершение"),
    "protocol": L("broke the jail's protocol", "нарушение протокола"),
    "exception": L("raised an exception", "исключение"),
    "other": L("other error", "другая ошибка"),
    "not_gradable": L("module not gradable (syntax, import, signature)", "модуль не проверяем (синтаксис, импорт)"),
    "missing": L("module missing", "нет файла модуля"),
    "unreadable": L("submission unreadable", "работа не читается"),
    "internal": L("grader's own error", "ошибка проверяющей системы"),
}  # fmt: skip
_KIND_WORDS = (
    ("timeout", ("did not finish within", "не завершился за", "not run again", "повторно не запускалась",
                 "timed out", "time limit")),
    ("cpu", ("out of cpu time", "процессорное время")),
    ("memory", ("out of memory", "исчерпал память", "memoryerror")),
    ("protocol", ("protocol", "протокол", "not plain data", "malformed reply", "искажённый ответ")),
    ("crash", ("crashed", "аварийно", "stopped answering", "перестала отвечать", "no longer running",
               "уже не работает", "ended its own process", "завершил собственный процесс", "over the size limit",
               "больше допустимого размера")),
    ("exception", (" raised ", "выбросила исключение", "выброшено")),
    ("not_gradable", ("syntax error", "синтаксическая ошибка", "importing ", "импорт ")),
)  # fmt: skip


def error_kind(message: str) -> str:
    text = message.casefold()
    for kind, words in _KIND_WORDS:
        if any(word in text for word in words):
            return kind
    return "other"
