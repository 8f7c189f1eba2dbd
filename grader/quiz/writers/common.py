"""What the LMS writers share: pools of pre-generated variants, numbers an LMS parses, Moodle's
fixed set of fractions, and the notes a writer leaves where a target cannot say what we mean."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from grader.errors import ConfigError
from grader.quiz.engine import pool
from grader.quiz.model import Item
from grader.quiz.specs import Bank, QuestionSpec

# Moodle accepts only these grade fractions (percent); anything else is rejected on import.
MOODLE_FRACTIONS = (
    100.0,
    90.0,
    83.33333,
    80.0,
    75.0,
    70.0,
    66.66667,
    60.0,
    50.0,
    40.0,
    33.33333,
    30.0,
    25.0,
    20.0,
    16.66667,
    14.28571,
    12.5,
    11.11111,
    10.0,
    5.0,
    0.0,
)


@dataclass
class Export:
    """A writer's product: files (relative path -> bytes) and notes on approximations."""

    files: dict[str, bytes] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def note(self, target: str, item: Item | QuestionSpec, text: str) -> None:
        qid = f"{item.topic}.{item.id if isinstance(item, QuestionSpec) else item.qid}"
        line = f"[{target}] {qid}: {text}"
        if line not in self.notes:
            self.notes.append(line)


Pools = list[tuple[Bank, list[tuple[QuestionSpec, list[Item]]]]]


def make_pools(banks: dict[str, Bank], n: int, lang: str, salt: str) -> Pools:
    """For every bank and question: n variants (1 for a question without parameters)."""
    return [(bank, [(q, pool(bank, q, n, lang, salt)) for q in bank.questions]) for bank in banks.values()]


def lms_number(value: float) -> str:
    """A number every LMS parser reads: positional, shortest exact-enough, no exponent."""
    text = np.format_float_positional(float(value), precision=12, unique=True, trim="-")
    return "0" if text in ("-0", "0") else text


def moodle_fraction(share: float, where: str) -> str:
    """``share`` (−1..1) as one of Moodle's allowed percentages, or ConfigError."""
    percent = abs(share) * 100
    for allowed in MOODLE_FRACTIONS:
        if abs(percent - allowed) < 1e-4:
            text = f"{allowed:.5f}".rstrip("0").rstrip(".")
            return f"-{text}" if share < 0 and allowed else text
    raise ConfigError(
        f"{where}: a share of {share:.6g} of the points cannot be expressed in "
        "Moodle, which accepts only the fractions " + ", ".join(f"{f:g}%" for f in MOODLE_FRACTIONS)
    )


def multi_fractions(item: Item, target: str, export: Export) -> dict[str, float]:
    """Per-choice shares for LMSs that sum the shares of the ticked choices and clip the total
    to [0, 1] (Moodle, GIFT). That sum is exactly ``net_correct``; other policies are
    approximated by it, and the export says so."""
    n_correct = sum(c.correct for c in item.choices)
    if item.policy != "net_correct":
        export.note(
            target,
            item,
            f"partial-credit policy {item.policy} cannot be expressed; "
            "exported as net_correct (each correct choice +1/#correct, each wrong one "
            "-1/#correct, total floored at 0)",
        )
    return {c.id: (1 / n_correct if c.correct else -1 / n_correct) for c in item.choices}


def cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def plain_params(item: Item) -> dict[str, Any]:
    return {k: v for k, v in item.params}
