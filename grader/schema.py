"""What a reply from the jail may hold, per request: one small declarative schema per op.

A reply has already been decoded within ``wire.REPLY``'s bounds (so it is plain data of a
bounded size); here every field is checked for its type, its length and its place before any
of it is used. A reply that does not fit is the submission breaking the protocol: the proxy
kills the worker and the test that asked is scored as an error. The messages name the field and
what was wrong with it, never a value the jail sent.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from grader.jail.wire import Handle
from grader.suite import L

Check = Callable[[Any, str], None]  # (value, where it is in the reply) -> None, or ProtocolError


class ProtocolError(Exception):
    """A reply that breaks the protocol; ``message`` says which field and how."""

    def __init__(self, message: L):
        super().__init__(message.en)
        self.message = message


def _wrong(where: str, en: str, ru: str) -> ProtocolError:
    return ProtocolError(L(f"{where}: {en}", f"{where}: {ru}"))


def text(max_len: int) -> Check:
    def check(value: Any, where: str) -> None:
        if type(value) is not str:
            raise _wrong(where, "not a string", "не строка")
        if len(value) > max_len:
            raise _wrong(where, f"longer than {max_len} characters", f"длиннее {max_len} символов")

    return check


def boolean(value: Any, where: str) -> None:
    if type(value) is not bool:
        raise _wrong(where, "not true or false", "не логическое значение")


def literal(*allowed: Any) -> Check:
    def check(value: Any, where: str) -> None:
        if not any(type(value) is type(a) and value == a for a in allowed):
            raise _wrong(where, "not one of the values allowed here", "недопустимое значение")

    return check


def plain_default(value: Any, where: str) -> None:
    """A parameter's default as the agent sends it: None, a bool, a number or a short string."""
    if value is None or type(value) in (bool, int, float):
        return
    text(80)(value, where)


def hexdigest(value: Any, where: str) -> None:
    text(64)(value, where)
    if len(value) != 64 or any(c not in "0123456789abcdef" for c in value):
        raise _wrong(where, "not a SHA-256 digest", "не дайджест SHA-256")


def array(value: Any, where: str) -> None:
    if type(value) is not np.ndarray:
        raise _wrong(where, "not an array", "не массив")


def generator(value: Any, where: str) -> None:
    if type(value) is not np.random.Generator:
        raise _wrong(where, "not a random generator", "не генератор случайных чисел")


def handle(value: Any, where: str) -> None:
    if type(value) is not Handle:
        raise _wrong(where, "not a handle", "не дескриптор объекта")


def anything(value: Any, where: str) -> None:
    """Plain data of any shape: wire.decode has bounded and typed it already."""


def optional(inner: Check) -> Check:
    def check(value: Any, where: str) -> None:
        if value is not None:
            inner(value, where)

    return check


def list_of(item: Check, max_items: int) -> Check:
    def check(value: Any, where: str) -> None:
        if type(value) is not list:
            raise _wrong(where, "not a list", "не список")
        if len(value) > max_items:
            raise _wrong(where, f"more than {max_items} items", f"больше {max_items} элементов")
        for i, entry in enumerate(value):
            item(entry, f"{where}[{i}]")

    return check


def row(*columns: Check) -> Check:
    """A list of exactly these fields, in this order."""

    def check(value: Any, where: str) -> None:
        if type(value) is not list or len(value) != len(columns):
            raise _wrong(where, f"not a list of {len(columns)} fields", f"не список из {len(columns)} полей")
        for i, (column, entry) in enumerate(zip(columns, value)):
            column(entry, f"{where}[{i}]")

    return check


def dict_of(key: Check, value_check: Check, max_items: int) -> Check:
    def check(value: Any, where: str) -> None:
        if type(value) is not dict:
            raise _wrong(where, "not a map", "не словарь")
        if len(value) > max_items:
            raise _wrong(where, f"more than {max_items} entries", f"больше {max_items} записей")
        for k, v in value.items():
            key(k, f"{where} key")
            value_check(v, f"{where}[{k!r:.40}]")

    return check


def arg_key(value: Any, where: str) -> None:
    """An argument's place: a position or a keyword's name (which of them: the proxy checks)."""
    if type(value) is int:
        return
    text(100)(value, where)


def record(**fields: Check) -> Check:
    """A map with exactly these keys."""

    def check(value: Any, where: str) -> None:
        if type(value) is not dict:
            raise _wrong(where, "not a map", "не словарь")
        if set(value) != set(fields):
            raise _wrong(where, "not the fields this reply has", "не те поля, что у этого ответа")
        for name, field_check in fields.items():
            field_check(value[name], f"{where}.{name}")

    return check


def variants(*records: tuple[str, Check]) -> Check:
    """One of several records, told apart by a key only that one has."""

    def check(value: Any, where: str) -> None:
        if type(value) is not dict:
            raise _wrong(where, "not a map", "не словарь")
        for key, record_check in records:
            if key in value:
                record_check(value, where)
                return
        raise _wrong(where, "not a reply to this request", "не ответ на этот запрос")

    return check


WARNINGS = list_of(text(400), 20)
ERROR = record(types=list_of(text(200), 64), message=text(400), where=text(300))
PARAM_KINDS = ("POSITIONAL_ONLY", "POSITIONAL_OR_KEYWORD", "VAR_POSITIONAL", "KEYWORD_ONLY",
               "VAR_KEYWORD")  # fmt: skip
SIGNATURE = optional(list_of(row(text(200), literal(*PARAM_KINDS), boolean, plain_default), 256))

REPLIES: dict[str, Check] = {
    "load": variants(
        ("import_error", record(import_error=ERROR)),
        ("functions", record(functions=dict_of(text(200), SIGNATURE, 2000), warnings=WARNINGS)),
        ("invalid", record(invalid=text(400))),  # the module imported; its description failed
    ),
    "call": variants(
        (
            "result",
            record(
                result=anything,
                inputs=dict_of(arg_key, optional(array), 1000),
                rngs=dict_of(arg_key, generator, 1000),
                warnings=WARNINGS,
            ),
        ),  # fmt: skip
        ("raised", record(raised=ERROR, warnings=WARNINGS)),
        ("missing", record(missing=text(200))),
        ("lost_handle", record(lost_handle=literal(True))),
        ("invalid", record(invalid=text(400))),
    ),
    "put": record(result=handle),
    "fetch": variants(
        ("result", record(result=anything)),
        ("lost_handle", record(lost_handle=literal(True))),
    ),
    "rng_digest": record(result=hexdigest),
}


def check_reply(op: str, reply: Any) -> None:
    """Raise ProtocolError unless ``reply`` (without its id) is a valid reply to ``op``."""
    REPLIES[op](reply, "reply")
