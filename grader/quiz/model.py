"""The quiz engine's one item model: what every writer and the grader consume.

A *question* is a template in a bank (``QuestionSpec``, see ``specs.py``); an *item* is one
rendered variant of it in one language: its parameters drawn, its answer computed, its text
rendered. Items are target-neutral: writers compile them to Markdown, HTML, GIFT, Moodle XML,
Canvas QTI and Open edX OLX, and ``scoring.py`` gives the one meaning of a response's score that
every target is compared with.

Identifiers (all stable: they depend on the bank and the course salt, never on Python's hash()):

- ``Item.variant_id`` = ``"<topic>.<question id>.<10 hex digits>"``: the hex digits ARE the
  variant's seed, so a variant id alone rebuilds the variant (``Bank.variant``).
- ``Choice.id`` is the bank's choice id (instructor side); ``Choice.public_id`` is an opaque id
  (``"c" + 5 hex digits``) that student-facing files show, so an id never gives the answer away.
  Responses may name either.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from grader.text import LANGS as LANGS  # the languages of a bank, for the quiz modules

QuestionType = Literal["single", "multi", "truefalse", "numeric", "short", "matching"]
QUESTION_TYPES: tuple[str, ...] = ("single", "multi", "truefalse", "numeric", "short", "matching")

# Partial-credit policies (scoring.py gives their exact meaning)
MULTI_POLICIES = ("net_correct", "edc", "all_or_nothing")
MATCHING_POLICIES = ("per_pair", "all_or_nothing")


@dataclass(frozen=True)
class Choice:
    """One option of a single, multi or true/false item (true/false items have the two choices
    ``true`` and ``false``). ``credit`` is the share of the points choosing it earns in a single
    item (1 for the correct one, 0 for a distractor, in between for a half-right option)."""

    id: str
    public_id: str
    text: str
    correct: bool
    credit: float = 0.0
    feedback: str = ""


@dataclass(frozen=True)
class Mistake:
    """A realistic wrong value of a numeric item (forgot the -1, used fan_in + fan_out, ...):
    never within the item's tolerance, with the feedback a student who made it should read."""

    id: str
    value: float
    feedback: str = ""


@dataclass(frozen=True)
class NumericKey:
    """The answer of a numeric item and its tolerance: a response ``a`` is right iff
    ``|a - value| <= atol + rtol * |value|`` (one rule, compiled per target by the writers)."""

    value: float
    atol: float
    rtol: float
    decimals: int | None
    mistakes: tuple[Mistake, ...] = ()

    @property
    def tolerance(self) -> float:
        """The absolute half-width of the window of right answers around ``value``."""
        return self.atol + self.rtol * abs(self.value)

    def accepts(self, answer: float) -> bool:
        return abs(answer - self.value) <= self.tolerance * (1 + 1e-12)

    def mistake_tolerance(self, mistake: Mistake) -> float:
        """The window around a mistake that earns its feedback: as wide as the answer's but never
        reaching into it (so an LMS that checks answers in order cannot mistake one for the
        other)."""
        gap = abs(mistake.value - self.value) - self.tolerance
        return max(0.0, min(self.tolerance, gap / 2))

    def display(self) -> str:
        """The key as a person would write it (rounded to the decimals asked for)."""
        if self.decimals is None:
            return format_number(self.value)
        return fixed(self.value, self.decimals)


@dataclass(frozen=True)
class Pair:
    """One premise of a matching item and its right-hand answer."""

    id: str
    public_id: str
    left: str
    right: str


@dataclass(frozen=True)
class Option:
    """One right-hand option of a matching item: a pair's answer (``id`` = the pair's id) or an
    extra distractor that matches no premise."""

    id: str
    public_id: str
    text: str


@dataclass(frozen=True)
class Item:
    """One variant of one question in one language, ready for a writer or the grader."""

    topic: str
    qid: str
    version: int
    variant_id: str
    seed: int
    type: str
    lang: str
    title: str
    text: str  # Markdown with $...$ / $$...$$ math
    points: float
    feedback: str = ""  # the worked solution / general feedback
    choices: tuple[Choice, ...] = ()
    numeric: NumericKey | None = None
    answers: tuple[str, ...] = ()  # short: accepted answers (case-insensitive, spaces squeezed)
    pairs: tuple[Pair, ...] = ()  # matching premises
    options: tuple[Option, ...] = ()  # matching right-hand options (pairs' answers + extras)
    policy: str = "all_or_nothing"  # partial-credit policy (multi, matching)
    shuffle: bool = True  # may a writer / LMS shuffle the choices
    params: tuple[tuple[str, Any], ...] = ()
    tags: tuple[str, ...] = ()

    @property
    def parameterised(self) -> bool:
        return bool(self.params)

    def choice(self, ref: str) -> Choice | None:
        """The choice a response names: by public id, bank id (case-insensitive)."""
        ref = ref.strip()
        low = ref.lower()
        for c in self.choices:
            if ref == c.public_id or low == c.id.lower():
                return c
        return None

    @property
    def correct_choices(self) -> tuple[Choice, ...]:
        return tuple(c for c in self.choices if c.correct)


@dataclass(frozen=True)
class Quiz:
    """A student's quiz: the chosen items of one topic's bank, each a variant of its own."""

    topic: str
    student: str
    lang: str
    title: str
    items: tuple[Item, ...] = field(default_factory=tuple)

    @property
    def max_score(self) -> float:
        return float(sum(i.points for i in self.items))


def fixed(value: float, decimals: int) -> str:
    """``value`` with exactly ``decimals`` decimals and a decimal point; never ``-0.00``."""
    text = f"{value:.{decimals}f}"
    if text.startswith("-") and float(text) == 0:
        text = text[1:]
    return text


def format_number(value: float, digits: int = 10) -> str:
    """A short exact-enough text for a number (``0.1966119332``, ``3``, ``1.5e-05``)."""
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    text = f"{value:.{digits}g}"
    if "e" in text:
        mantissa, exp = text.split("e")
        text = f"{mantissa}e{int(exp)}"
    return text
