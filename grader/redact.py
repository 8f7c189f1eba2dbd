"""The text of a student's exception, made fit for a report: it keeps the student's words and
the exception's shape (types, small integers such as shapes, axes and indices) and drops what
could be test data copied out (the hidden inputs, printed in any of the usual ways: floats,
long integers, lists of numbers, hex or base64 dumps of their bytes).

The text was raised while the function held the hidden inputs, so anything of it could be
them. No filter stops every encoding a determined student can invent (words for digits); what
is left is bounded in length, and the inputs' seed depends on the submission's content, so a
value that slips through is of no use for the next submission (docs/report-format.md)."""

from __future__ import annotations

import builtins
import re

SHOWN = 300  # characters of a message kept, after redaction
MARK = "…"

# a run of letters and digits (with base64's + / =) that mixes both: a hex or base64 dump
_DUMP = re.compile(r"(?<![\w+/])(?=[\w+/]*\d)(?=[\w+/]*[^\W\d_])[\w+/]{8,}=*")
# a number: floats (a point or an exponent; NumPy prints 2.0 as `2.`) and integers of more than four digits are data
_NUMBER = re.compile(r"(?<![\w.])[-+]?(?:\d+\.\d+|\.\d+|\d+\.(?=\s*[,;\])\d]|\s\s)|\d+)(?:[eE][-+]?\d+)?(?!\w|\.\d)")
# five or more numbers (or marks) in a row: a list of values, whatever their size
_SEPARATOR = r"[\s,;:()\[\]{}|]*"
_NUMBERS = re.compile(rf"(?:(?:[-+]?\d+|{MARK}){_SEPARATOR}){{4,}}(?:[-+]?\d+|{MARK})")
_MARKS = re.compile(rf"{MARK}(?:{_SEPARATOR}{MARK})+")
_WHERE = re.compile(r"[\w.-]{1,80}:\d{1,7}")


def _number(match: re.Match[str]) -> str:
    token = match.group(0)
    digits = token.lstrip("+-")
    if digits.isdigit() and len(digits) <= 4:
        return token
    return MARK


def exception_text(text: str) -> str:
    """``text`` without values that could be test data, capped at SHOWN characters."""
    text = text[: SHOWN * 20]  # bounds the work below; the jail caps it already
    text = "".join(c if c.isprintable() or c == " " else " " for c in text)
    text = _DUMP.sub(MARK, text)
    text = _NUMBER.sub(_number, text)
    text = _NUMBERS.sub(MARK, text)
    text = _MARKS.sub(MARK, text)
    return text if len(text) <= SHOWN else text[:SHOWN] + MARK


def where(text: str) -> str:
    """A place in the student's code (``file.py:12``) as the jail reported it, or nothing when
    it is anything else (a file name is the student's to choose)."""
    return text if _WHERE.fullmatch(text) and exception_text(text) == text else ""


def type_name(types: tuple[str, ...]) -> str:
    """The name to show of an exception whose classes (its MRO) are named ``types``: its own
    class's, unless that name could be data (a class made at run time can be named anything);
    then the first built-in exception it derives from."""
    for name in types:
        if name.isidentifier() and len(name) <= 60 and exception_text(name) == name:
            return name
        if isinstance(getattr(builtins, name, None), type):
            return name
    return "Exception"
