"""What a response to an item is worth: the one meaning every LMS export is compiled from.

An answer is read into a normal form first (``read_answer``), then scored (``score``) as a
fraction of the item's points in [0, 1]:

- single / truefalse: the chosen choice's ``credit`` (1 for the correct one).
- multi, policy ``net_correct`` (default): (correct ticked − wrong ticked) / #correct, floored
  at 0. ``edc``: the share of choices decided right (ticked if correct, left if wrong), Open
  edX's "EDC". ``all_or_nothing``: 1 only for exactly the correct set.
- numeric: 1 iff ``|answer − value| <= atol + rtol·|value|``.
- short: 1 iff the answer, case-folded with spaces squeezed (and ё read as е), is one of the
  accepted answers.
- matching, policy ``per_pair`` (default): the share of premises matched right;
  ``all_or_nothing``: 1 only if all are.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from grader.quiz.model import Choice, Item
from grader.text import L

TRUE_WORDS = {"true", "t", "yes", "y", "1", "верно", "да", "истина", "правда", "в"}
FALSE_WORDS = {"false", "f", "no", "n", "0", "неверно", "нет", "ложь", "н"}
_SPACES = re.compile(r"[\s\u00a0\u2009\u202f]+")
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


class AnswerError(ValueError):
    """A response that cannot be read as an answer to its item; ``message`` says why, in both
    languages (the report picks one)."""

    def __init__(self, message: L):
        super().__init__(message.en)
        self.message = message


@dataclass(frozen=True)
class Scored:
    fraction: float  # of the item's points, in [0, 1]
    feedback: tuple[str, ...] = ()  # targeted feedback for what was answered (item's language)
    detail: str = ""  # e.g. "2/3" for partial matches


def is_blank(raw: Any) -> bool:
    if raw is None:
        return True
    if isinstance(raw, str):
        return not raw.strip()
    if isinstance(raw, (list, tuple, dict)):
        return not raw
    return False


def parse_number(raw: Any) -> float:
    """A number as a person types it: ``0,1966``, ``−1.4``, ``1 234,5``, ``2.4e-4``, ``1/4``."""
    if isinstance(raw, bool):
        raise AnswerError(L(f"{raw!r} is not a number", f"{raw!r} — не число"))
    if isinstance(raw, (int, float)):
        return float(raw)
    text = _SPACES.sub("", str(raw)).replace("−", "-").replace("–", "-").replace("＋", "+")
    if "," in text:
        if "." in text or text.count(",") > 1:
            raise AnswerError(L(f"{raw!r}: use one decimal separator", f"{raw!r}: используйте один десятичный разделитель"))
        text = text.replace(",", ".")
    try:
        if "/" in text:
            num, den = text.split("/")
            return float(Fraction(num) / Fraction(den))
        value = float(text)
    except (ValueError, ZeroDivisionError):
        raise AnswerError(L(f"{raw!r} is not a number", f"{raw!r} — не число")) from None
    if value != value or value in (float("inf"), float("-inf")):
        raise AnswerError(L(f"{raw!r} is not a finite number", f"{raw!r} — не конечное число"))
    return value


def normalize_text(text: str) -> str:
    return _SPACES.sub(" ", str(text)).strip().casefold().replace("ё", "е")


def _refs(raw: Any) -> list[str]:
    if isinstance(raw, (list, tuple, set)):
        return [str(r).strip() for r in raw if str(r).strip()]
    return [r for r in re.split(r"[;,\s]+", str(raw).strip()) if r]


def _choice(item: Item, ref: str) -> Choice:
    choice = item.choice(ref)
    if choice is None and len(ref) == 1 and ref.upper() in _LETTERS:
        i = _LETTERS.index(ref.upper())  # a letter of the order our own renderings show
        if i < len(item.choices):
            choice = item.choices[i]
    if choice is None and item.type == "truefalse":
        low = ref.strip().casefold()
        if low in TRUE_WORDS:
            choice = item.choices[0]
        elif low in FALSE_WORDS:
            choice = item.choices[1]
    if choice is None:
        raise AnswerError(L(f"{ref!r} is not one of this question's choices", f"{ref!r} — не один из вариантов ответа"))
    return choice


def read_answer(item: Item, raw: Any) -> Any:
    """The normal form of a response: a choice id, a frozenset of choice ids, a float, a string,
    or a dict premise id -> option id. Raises AnswerError for what cannot be read."""
    if item.type in ("single", "truefalse"):
        if isinstance(raw, bool) and item.type == "truefalse":
            return "true" if raw else "false"
        refs = _refs(raw) if not isinstance(raw, str) else [raw.strip()]
        if len(refs) != 1:
            raise AnswerError(L("choose exactly one answer", "выберите ровно один ответ"))
        return _choice(item, refs[0]).id
    if item.type == "multi":
        return frozenset(_choice(item, r).id for r in _refs(raw))
    if item.type == "numeric":
        return parse_number(raw)
    if item.type == "short":
        return str(raw).strip()
    if item.type == "matching":
        return _read_matching(item, raw)
    raise AnswerError(L(f"unknown question type {item.type}", f"неизвестный тип {item.type}"))


def _read_matching(item: Item, raw: Any) -> dict[str, str]:
    if isinstance(raw, Mapping):
        entries = [(str(k), str(v)) for k, v in raw.items()]
    else:
        entries = []
        for part in re.split(r"[;\n]+", str(raw)):
            if not part.strip():
                continue
            if "=" not in part:
                raise AnswerError(L(f"{part.strip()!r}: write premise=option", f"{part.strip()!r}: пишите посылка=вариант"))
            left, right = part.split("=", 1)
            entries.append((left.strip(), right.strip()))
    out: dict[str, str] = {}
    for left, right in entries:
        pair = next((p for p in item.pairs if left in (p.public_id, p.id)), None)
        option = next((o for o in item.options if right in (o.public_id, o.id)), None)
        if pair is None or option is None:
            bad = left if pair is None else right
            raise AnswerError(
                L(f"{bad!r} is not an item of this matching question", f"{bad!r} — не элемент этого задания на соответствие")
            )
        out[pair.id] = option.id
    return out


def score(item: Item, answer: Any) -> Scored:
    """Score a normal-form answer (see ``read_answer``)."""
    if item.type in ("single", "truefalse"):
        chosen = next(c for c in item.choices if c.id == answer)
        return Scored(chosen.credit, (chosen.feedback,) if chosen.feedback else ())
    if item.type == "multi":
        return _score_multi(item, answer)
    if item.type == "numeric":
        assert item.numeric is not None
        key = item.numeric
        if key.accepts(answer):
            return Scored(1.0)
        fb = tuple(m.feedback for m in key.mistakes if m.feedback and abs(answer - m.value) <= key.mistake_tolerance(m))
        return Scored(0.0, fb[:1])
    if item.type == "short":
        norm = normalize_text(answer)
        return Scored(1.0 if any(norm == normalize_text(a) for a in item.answers) else 0.0)
    if item.type == "matching":
        right = sum(answer.get(p.id) == p.id for p in item.pairs)
        n = len(item.pairs)
        fraction = right / n if item.policy == "per_pair" else float(right == n)
        return Scored(fraction, (), f"{right}/{n}")
    raise ValueError(item.type)


def _score_multi(item: Item, ticked: frozenset[str]) -> Scored:
    correct = {c.id for c in item.choices if c.correct}
    wrong = {c.id for c in item.choices} - correct
    hits, false_ticks = len(ticked & correct), len(ticked & wrong)
    if item.policy == "net_correct":
        fraction = max(0.0, (hits - false_ticks) / len(correct))
    elif item.policy == "edc":
        fraction = (hits + len(wrong - ticked)) / len(item.choices)
    else:
        fraction = float(ticked == correct)
    feedback = tuple(c.feedback for c in item.choices if c.id in ticked and not c.correct and c.feedback)
    return Scored(fraction, feedback, f"{hits}/{len(correct)}")


def right_answer(item: Item) -> Any:
    """The normal form of a full-credit answer (for self-tests and answer keys)."""
    if item.type in ("single", "truefalse"):
        return next(c.id for c in item.choices if c.correct)
    if item.type == "multi":
        return frozenset(c.id for c in item.choices if c.correct)
    if item.type == "numeric":
        assert item.numeric is not None
        return item.numeric.value
    if item.type == "short":
        return item.answers[0]
    if item.type == "matching":
        return {p.id: p.id for p in item.pairs}
    raise ValueError(item.type)


def wrong_answers(item: Item) -> list[Any]:
    """Normal-form answers that must score less than full: every distractor, every modelled
    mistake, and for multi and matching each one-step deviation from the key."""
    if item.type in ("single", "truefalse"):
        return [c.id for c in item.choices if not c.correct]
    if item.type == "multi":
        key = right_answer(item)
        return [key ^ {c.id} for c in item.choices]
    if item.type == "numeric":
        assert item.numeric is not None
        key = item.numeric
        return [m.value for m in key.mistakes] + [key.value + 2 * key.tolerance + 1e-12, key.value - 2 * key.tolerance - 1e-12]
    if item.type == "short":
        return ["", item.answers[0] + "x"]
    if item.type == "matching":
        out = []
        ids = [p.id for p in item.pairs]
        for i in range(len(ids)):
            swapped = dict(zip(ids, ids))
            j = (i + 1) % len(ids)
            swapped[ids[i]], swapped[ids[j]] = ids[j], ids[i]
            out.append(swapped)
        return out
    raise ValueError(item.type)
