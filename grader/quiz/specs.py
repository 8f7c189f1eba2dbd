"""The parsed form of a bank: what ``schema.py`` builds from the YAML and ``variants.py`` renders.

A ``QuestionSpec`` is a question as the bank states it (templates, parameter specs, answer
expressions); a variant of it is an ``Item`` (``model.py``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader.errors import ConfigError
from grader.quiz import seeds
from grader.quiz.templates import Expr, Text
from grader.text import L


@dataclass(frozen=True)
class ParamSpec:
    name: str
    kind: str  # choice | int | range | expr
    values: tuple[Any, ...] = ()  # choice values, or the grid of a range
    lo: int = 0
    hi: int = 0
    expr: Expr | None = None

    def space(self) -> int:
        if self.kind in ("choice", "range"):
            return len(self.values)
        if self.kind == "int":
            return self.hi - self.lo + 1
        return 1

    def all_values(self) -> list[Any]:
        if self.kind == "int":
            return list(range(self.lo, self.hi + 1))
        return list(self.values)

    def draw(self, seed: int, attempt: int) -> Any:
        i = seeds.index(self.space(), "param", seed, self.name, attempt)
        return self.lo + i if self.kind == "int" else self.values[i]


@dataclass(frozen=True)
class ChoiceSpec:
    id: str
    public_id: str
    text: Text | None
    value: Expr | None
    correct: bool | Expr
    credit: float | None
    feedback: Text | None


@dataclass(frozen=True)
class MistakeSpec:
    id: str
    value: Expr
    feedback: Text | None


@dataclass(frozen=True)
class PairSpec:
    id: str
    public_id: str  # the premise's public id
    option_id: str  # its answer's public id (different, so ids never pair up visibly)
    left: Text
    right: Text


@dataclass(frozen=True)
class QuestionSpec:
    topic: str
    id: str
    version: int
    type: str
    line: int
    title: Text
    text: Text
    points: float
    feedback: Text | None = None
    tags: tuple[str, ...] = ()
    params: tuple[ParamSpec, ...] = ()
    where: Expr | None = None
    choices: tuple[ChoiceSpec, ...] = ()
    order: str = "shuffle"
    policy: str = "all_or_nothing"
    answer: Expr | bool | None = None
    atol: float = 0.0
    rtol: float = 0.0
    decimals: int | None = None
    key: float | None = None
    mistakes: tuple[MistakeSpec, ...] = ()
    answers: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    pairs: tuple[PairSpec, ...] = ()
    extras: tuple[PairSpec, ...] = ()  # matching options that match no premise (left unused)

    @property
    def parameterised(self) -> bool:
        return any(p.kind != "expr" for p in self.params)

    def space(self) -> int:
        return math.prod(p.space() for p in self.params)


@dataclass(frozen=True)
class Bank:
    topic: str
    path: Path
    title: L
    questions: tuple[QuestionSpec, ...]
    namespace: Mapping[str, Any] = field(repr=False, compare=False)

    def question(self, qid: str) -> QuestionSpec:
        for q in self.questions:
            if q.id == qid:
                return q
        raise KeyError(qid)

    def where(self, q: QuestionSpec | None = None) -> str:
        return f"{self.path}:{q.line}: question {q.id!r}" if q else str(self.path)

    def error(self, q: QuestionSpec, reason: str) -> ConfigError:
        """A broken question: the file, its line, its id and the reason."""
        return ConfigError(f"{self.where(q)}: {reason}")
