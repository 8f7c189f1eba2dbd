"""Load a quiz bank (``course/<topic>/quiz.yaml``), check it, and render its variants.

The bank schema is documented in ``grader/quiz/README.md``. Everything here is pure: a bank is
read once, then ``instantiate(bank, question, seed, lang)`` turns a question and a seed into an
``Item`` and checks that variant (finite answer, the key within its own tolerance, every
modelled mistake outside it, distinct choices). A broken bank raises ``ConfigError`` naming the
file, the line, the question id and the reason.
"""

from __future__ import annotations

import importlib
import itertools
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
import numpy as np
import yaml

from grader.errors import ConfigError
from grader.quiz import seeds
from grader.quiz.model import (
    LANGS,
    MATCHING_POLICIES,
    MULTI_POLICIES,
    QUESTION_TYPES,
    Choice,
    Item,
    Mistake,
    NumericKey,
    Option,
    Pair,
    fixed,
    format_number,
)

SCHEMA_VERSION = 1
ID_RE = re.compile(r"^[a-z][a-z0-9_]{0,47}$")
CHECK_SEEDS = 16          # variants of every question rendered (both languages) when a bank loads
MAX_TRIES = 1000          # draws tried before a question's ``where`` is declared unsatisfiable
ENUMERATE_LIMIT = 200_000  # parameter spaces up to this size are counted exactly

TRUE_FALSE_TEXT = {"ru": ("Верно", "Неверно"), "en": ("True", "False")}


# --------------------------------------------------------------------------- YAML with lines

class _LineDict(dict):
    line = 0


class _Loader(yaml.SafeLoader):
    """SafeLoader that remembers the line of every mapping and rejects duplicate keys (which
    PyYAML silently keeps the last of)."""

    def construct_mapping(self, node, deep=False):  # type: ignore[override]
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r} (first at line {seen[key] + 1})",
                    key_node.start_mark)
            seen[key] = key_node.start_mark.line
        out = _LineDict(super().construct_mapping(node, deep=True))
        out.line = node.start_mark.line + 1
        return out


def _construct_map(loader: _Loader, node: yaml.MappingNode) -> _LineDict:
    return loader.construct_mapping(node)


_Loader.add_constructor("tag:yaml.org,2002:map", _construct_map)


# --------------------------------------------------------------------------- jinja2

def _num(value: Any, decimals: int = 3) -> str:
    return fixed(float(value), int(decimals))


def _g(value: Any, digits: int = 4) -> str:
    return format_number(float(value), int(digits))


def _make_env() -> jinja2.Environment:
    env = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=False,
                             keep_trailing_newline=False)
    env.filters["num"] = _num
    env.filters["g"] = _g
    return env


ENV = _make_env()


@dataclass(frozen=True)
class Expr:
    """A jinja2 expression of the bank (``elu(x, alpha=alpha)``), evaluated in a variant's
    context: its parameters plus the bank's solution functions."""

    source: str
    fn: Callable[..., Any] = field(repr=False, compare=False)

    def __call__(self, ctx: Mapping[str, Any]) -> Any:
        return self.fn(**ctx)


Text = Mapping[str, jinja2.Template]   # lang -> template


# --------------------------------------------------------------------------- specs

@dataclass(frozen=True)
class ParamSpec:
    name: str
    kind: str                              # choice | int | range | expr
    values: tuple[Any, ...] = ()           # choice values, or the grid of a range
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
    public_id: str          # the premise's public id
    option_id: str          # its answer's public id (different, so ids never pair up visibly)
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
    extras: tuple[PairSpec, ...] = ()     # matching options that match no premise (left unused)

    @property
    def parameterised(self) -> bool:
        return any(p.kind != "expr" for p in self.params)

    def space(self) -> int:
        return math.prod(p.space() for p in self.params)


@dataclass(frozen=True)
class Bank:
    topic: str
    path: Path
    title: Mapping[str, str]
    questions: tuple[QuestionSpec, ...]
    namespace: Mapping[str, Any] = field(repr=False, compare=False)

    def question(self, qid: str) -> QuestionSpec:
        for q in self.questions:
            if q.id == qid:
                return q
        raise KeyError(qid)

    def where(self, q: QuestionSpec | None = None) -> str:
        return f"{self.path}:{q.line}: question {q.id!r}" if q else str(self.path)


# --------------------------------------------------------------------------- solutions

def _to_np(value: Any) -> Any:
    if isinstance(value, bool) or isinstance(value, int) or isinstance(value, str):
        return value
    if isinstance(value, float):
        return np.asarray(value, dtype=np.float64)
    if isinstance(value, (list, tuple)):
        return np.asarray(value, dtype=np.float64)
    return value


def _from_np(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        if value.size == 1:
            return value.reshape(()).item()
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, tuple):
        return tuple(_from_np(v) for v in value)
    if isinstance(value, list):
        return [_from_np(v) for v in value]
    return value


def _wrap(fn: Callable[..., Any]) -> Callable[..., Any]:
    def call(*args: Any, **kwargs: Any) -> Any:
        return _from_np(fn(*(_to_np(a) for a in args), **{k: _to_np(v) for k, v in kwargs.items()}))
    call.__name__ = getattr(fn, "__name__", "fn")
    return call


_MATH = {
    "exp": math.exp, "log": math.log, "sqrt": math.sqrt, "tanh": math.tanh, "abs": abs,
    "min": min, "max": max, "round": round, "float": float, "int": int, "pi": math.pi,
    "e": math.e, "sum": sum, "len": len, "range": range,
    "rng": lambda seed=0: np.random.default_rng(seed),
}


def _namespace(modules: list[str], where: str) -> dict[str, Any]:
    ns: dict[str, Any] = dict(_MATH)
    for name in modules:
        try:
            mod = importlib.import_module(f"solutions.{name}")
        except Exception as e:  # the bank names a module that does not import
            raise ConfigError(f"{where}: solutions module 'solutions.{name}' does not import: "
                              f"{type(e).__name__}: {e}") from None
        names = getattr(mod, "__all__", None)
        if names is None:
            raise ConfigError(f"{where}: solutions.{name} has no __all__")
        for fn_name in names:
            if fn_name in ns and fn_name not in _MATH:  # a solution may replace a math helper
                raise ConfigError(f"{where}: function {fn_name!r} of solutions.{name} is also "
                                  "defined by another module or helper")
            ns[fn_name] = _wrap(getattr(mod, fn_name))
    return ns


# --------------------------------------------------------------------------- parsing

class _Ctx:
    """Where a value came from, for error messages."""

    def __init__(self, path: Path, line: int = 0, qid: str | None = None):
        self.path, self.line, self.qid = path, line, qid

    def at(self, node: Any) -> _Ctx:
        line = getattr(node, "line", 0) or self.line
        return _Ctx(self.path, line, self.qid)

    def error(self, reason: str) -> ConfigError:
        where = f"{self.path}:{self.line}" if self.line else str(self.path)
        if self.qid:
            where += f": question {self.qid!r}"
        return ConfigError(f"{where}: {reason}")


def _check_keys(node: Mapping[str, Any], allowed: set[str], required: set[str], ctx: _Ctx,
                what: str) -> None:
    unknown = set(node) - allowed
    if unknown:
        raise ctx.at(node).error(f"{what}: unknown key(s) {', '.join(sorted(map(str, unknown)))} "
                                 f"(allowed: {', '.join(sorted(allowed))})")
    missing = required - set(node)
    if missing:
        raise ctx.at(node).error(f"{what}: missing key(s) {', '.join(sorted(missing))}")


def _template(source: Any, ctx: _Ctx, what: str) -> jinja2.Template:
    if not isinstance(source, (str, int, float)) or isinstance(source, bool):
        raise ctx.error(f"{what}: expected text, got {type(source).__name__}")
    try:
        template = ENV.from_string(str(source))
    except jinja2.TemplateSyntaxError as e:
        raise ctx.error(f"{what}: template error: {e.message} (template line {e.lineno})") from None
    # a text without jinja syntax needs no rendering (most of a bank): keep it as it is
    text = str(source)
    static = None if any(m in text for m in ("{{", "{%", "{#")) else text.strip()
    template.static_text = static  # type: ignore[attr-defined]  # read by _render
    return template


def _text(node: Any, ctx: _Ctx, what: str) -> Text:
    """A text in both languages: one string for both, or ``{ru: ..., en: ...}``."""
    if isinstance(node, Mapping):
        _check_keys(node, set(LANGS), set(LANGS), ctx, what)
        return {lang: _template(node[lang], ctx.at(node), f"{what}.{lang}") for lang in LANGS}
    template = _template(node, ctx, what)
    return {lang: template for lang in LANGS}


def _expr(source: Any, ctx: _Ctx, what: str) -> Expr:
    if isinstance(source, bool) or not isinstance(source, (str, int, float)):
        raise ctx.error(f"{what}: expected an expression, got {source!r}")
    try:
        fn = ENV.compile_expression(str(source), undefined_to_none=False)
    except jinja2.TemplateSyntaxError as e:
        raise ctx.error(f"{what}: expression error in {source!r}: {e.message}") from None
    return Expr(str(source), fn)


def _id(value: Any, ctx: _Ctx, what: str) -> str:
    if not isinstance(value, str) or not ID_RE.match(value):
        raise ctx.error(f"{what}: id {value!r} must match {ID_RE.pattern}")
    return value


def _number(value: Any, ctx: _Ctx, what: str, *, positive: bool = False,
            nonneg: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ctx.error(f"{what}: expected a number, got {value!r}")
    if not math.isfinite(value) or (positive and value <= 0) or (nonneg and value < 0):
        raise ctx.error(f"{what}: {value!r} is out of range")
    return float(value)


def _grid(lo: Any, hi: Any, step: Any, ctx: _Ctx, what: str) -> tuple[float, ...]:
    try:
        dlo, dhi, dstep = (Decimal(str(v)) for v in (lo, hi, step))
    except Exception:
        raise ctx.error(f"{what}: range needs numbers [lo, hi, step]") from None
    if dstep <= 0 or dhi < dlo:
        raise ctx.error(f"{what}: range needs lo <= hi and step > 0")
    n = int((dhi - dlo) / dstep) + 1
    if n > 10_000_000:
        raise ctx.error(f"{what}: range has {n} values, more than 10 million")
    return tuple(float(dlo + i * dstep) for i in range(n))


def _param(name: str, node: Any, ctx: _Ctx) -> ParamSpec:
    what = f"params.{name}"
    if isinstance(node, str):
        return ParamSpec(name, "expr", expr=_expr(node, ctx, what))
    if not isinstance(node, Mapping) or len(node) != 1:
        raise ctx.error(f"{what}: expected one of {{choice: [...]}}, {{int: [lo, hi]}}, "
                        "{range: [lo, hi, step]}, {expr: ...} or an expression string")
    ctx = ctx.at(node)
    (kind, arg), = node.items()
    if kind == "choice":
        if not isinstance(arg, list) or not arg:
            raise ctx.error(f"{what}: choice needs a non-empty list")
        if len({repr(v) for v in arg}) != len(arg):
            raise ctx.error(f"{what}: choice lists a value twice")
        return ParamSpec(name, "choice", values=tuple(arg))
    if kind == "int":
        if (not isinstance(arg, list) or len(arg) != 2
                or not all(isinstance(v, int) and not isinstance(v, bool) for v in arg)
                or arg[0] > arg[1]):
            raise ctx.error(f"{what}: int needs [lo, hi], integers, lo <= hi (both included)")
        return ParamSpec(name, "int", lo=arg[0], hi=arg[1])
    if kind == "range":
        if not isinstance(arg, list) or len(arg) != 3:
            raise ctx.error(f"{what}: range needs [lo, hi, step] (both ends included)")
        return ParamSpec(name, "range", values=_grid(arg[0], arg[1], arg[2], ctx, what))
    if kind == "expr":
        return ParamSpec(name, "expr", expr=_expr(arg, ctx, what))
    raise ctx.error(f"{what}: unknown kind {kind!r} (choice, int, range, expr)")


COMMON_KEYS = {"id", "version", "type", "title", "text", "feedback", "points", "tags", "params",
               "where"}
TYPE_KEYS = {
    "single": {"choices", "order", "decimals"},
    "multi": {"choices", "order", "policy", "decimals"},
    "truefalse": {"answer"},
    "numeric": {"answer", "tolerance", "decimals", "key", "mistakes"},
    "short": {"answers"},
    "matching": {"pairs", "extra", "policy"},
}
TYPE_REQUIRED = {
    "single": {"choices"}, "multi": {"choices"}, "truefalse": {"answer"},
    "numeric": {"answer", "tolerance"}, "short": {"answers"}, "matching": {"pairs"},
}


def _question(node: Any, topic: str, defaults: Mapping[str, Any], ctx: _Ctx) -> QuestionSpec:
    if not isinstance(node, Mapping):
        raise ctx.error(f"a question must be a mapping, got {type(node).__name__}")
    ctx = ctx.at(node)
    qid = _id(node.get("id"), ctx, "id")
    ctx.qid = qid
    qtype = node.get("type")
    if qtype not in QUESTION_TYPES:
        raise ctx.error(f"type {qtype!r} is not one of {', '.join(QUESTION_TYPES)}")
    _check_keys(node, COMMON_KEYS | TYPE_KEYS[qtype], {"id", "type", "title", "text"}
                | TYPE_REQUIRED[qtype], ctx, qtype)
    version = node.get("version", 1)
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise ctx.error("version must be a positive integer")
    tags = node.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise ctx.error("tags must be a list of strings")
    spec: dict[str, Any] = dict(
        topic=topic, id=qid, version=version, type=qtype, line=ctx.line,
        title=_text(node["title"], ctx, "title"), text=_text(node["text"], ctx, "text"),
        feedback=_text(node["feedback"], ctx, "feedback") if "feedback" in node else None,
        points=_number(node.get("points", defaults.get("points", 1)), ctx, "points",
                       positive=True),
        tags=tuple(tags),
    )
    params = node.get("params", {})
    if not isinstance(params, Mapping):
        raise ctx.error("params must be a mapping name -> spec")
    spec["params"] = tuple(_param(_id(n, ctx, "params"), p, ctx) for n, p in params.items())
    if "where" in node:
        spec["where"] = _expr(node["where"], ctx, "where")
    if "decimals" in node:
        d = node["decimals"]
        if isinstance(d, bool) or not isinstance(d, int) or not 0 <= d <= 12:
            raise ctx.error("decimals must be an integer in 0..12")
        spec["decimals"] = d

    if qtype in ("single", "multi"):
        spec["choices"] = _choices(node["choices"], qtype, ctx)
        order = node.get("order", "shuffle")
        if order not in ("shuffle", "fixed", "sorted"):
            raise ctx.error(f"order {order!r} is not one of shuffle, fixed, sorted")
        if order == "sorted" and any(c.value is None for c in spec["choices"]):
            raise ctx.error("order: sorted needs a value on every choice")
        spec["order"] = order
    if qtype == "multi":
        policy = node.get("policy", defaults.get("multi_policy", "net_correct"))
        if policy not in MULTI_POLICIES:
            raise ctx.error(f"policy {policy!r} is not one of {', '.join(MULTI_POLICIES)}")
        spec["policy"] = policy
    if qtype == "truefalse":
        answer = node["answer"]
        spec["answer"] = answer if isinstance(answer, bool) else _expr(answer, ctx, "answer")
        spec["order"] = "fixed"
    if qtype == "numeric":
        spec["answer"] = _expr(node["answer"], ctx, "answer")
        tol = node["tolerance"]
        if not isinstance(tol, Mapping):
            raise ctx.error("tolerance must be a mapping {atol: ..., rtol: ...}")
        _check_keys(tol, {"atol", "rtol"}, set(), ctx, "tolerance")
        spec["atol"] = _number(tol.get("atol", 0.0), ctx, "tolerance.atol", nonneg=True)
        spec["rtol"] = _number(tol.get("rtol", 0.0), ctx, "tolerance.rtol", nonneg=True)
        if spec["atol"] == 0 and spec["rtol"] == 0:
            raise ctx.error("tolerance: atol and rtol are both 0; no float answer would pass")
        if "key" in node:
            spec["key"] = _number(node["key"], ctx, "key")
        spec["mistakes"] = _mistakes(node.get("mistakes", []), ctx)
    if qtype == "short":
        spec["answers"] = _answers(node["answers"], ctx)
    if qtype == "matching":
        spec["pairs"] = _pairs(node["pairs"], ctx, "pairs", qid, topic, extra=False)
        spec["extras"] = _pairs(node.get("extra", []), ctx, "extra", qid, topic, extra=True)
        ids = [p.id for p in spec["pairs"] + spec["extras"]]
        if len(set(ids)) != len(ids):
            raise ctx.error("matching: pair and extra ids must be distinct")
        _unique([x for p in spec["pairs"] + spec["extras"] for x in (p.public_id, p.option_id)],
                ctx, "matching public ids (rename a pair)")
        policy = node.get("policy", "per_pair")
        if policy not in MATCHING_POLICIES:
            raise ctx.error(f"policy {policy!r} is not one of {', '.join(MATCHING_POLICIES)}")
        spec["policy"] = policy
        spec["order"] = "shuffle"
    names = [p.name for p in spec["params"]]
    if len(set(names)) != len(names):
        raise ctx.error("a parameter is defined twice")
    return QuestionSpec(**spec)


def _choices(node: Any, qtype: str, ctx: _Ctx) -> tuple[ChoiceSpec, ...]:
    if not isinstance(node, list) or len(node) < 2:
        raise ctx.error("choices: a list of at least two choices is needed")
    out: list[ChoiceSpec] = []
    for c in node:
        if not isinstance(c, Mapping):
            raise ctx.error("choices: every choice is a mapping")
        cctx = ctx.at(c)
        _check_keys(c, {"id", "text", "value", "correct", "credit", "feedback"}, {"id"}, cctx,
                    "choice")
        cid = _id(c["id"], cctx, "choice")
        if "text" not in c and "value" not in c:
            raise cctx.error(f"choice {cid!r}: needs a text or a value")
        correct = c.get("correct", False)
        if not isinstance(correct, bool):
            correct = _expr(correct, cctx, f"choice {cid!r} correct")
        credit = None
        if "credit" in c:
            if qtype != "single":
                raise cctx.error(f"choice {cid!r}: credit is for single-choice questions")
            credit = _number(c["credit"], cctx, f"choice {cid!r} credit", nonneg=True)
            if credit >= 1:
                raise cctx.error(f"choice {cid!r}: credit must be below 1 (the correct choice "
                                 "has 1)")
        out.append(ChoiceSpec(
            id=cid, public_id=seeds.public_id(ctx.path.parent.name, ctx.qid or "", "choice", cid),
            text=_text(c["text"], cctx, f"choice {cid!r} text") if "text" in c else None,
            value=_expr(c["value"], cctx, f"choice {cid!r} value") if "value" in c else None,
            correct=correct, credit=credit,
            feedback=_text(c["feedback"], cctx, f"choice {cid!r} feedback")
            if "feedback" in c else None))
    _unique([c.id for c in out], ctx, "choice ids")
    _unique([c.public_id for c in out], ctx, "choice public ids (rename a choice)")
    return tuple(out)


def _mistakes(node: Any, ctx: _Ctx) -> tuple[MistakeSpec, ...]:
    if not isinstance(node, list):
        raise ctx.error("mistakes must be a list")
    out = []
    for m in node:
        if not isinstance(m, Mapping):
            raise ctx.error("mistakes: every mistake is a mapping {id, value, feedback}")
        mctx = ctx.at(m)
        _check_keys(m, {"id", "value", "feedback"}, {"id", "value"}, mctx, "mistake")
        mid = _id(m["id"], mctx, "mistake")
        out.append(MistakeSpec(mid, _expr(m["value"], mctx, f"mistake {mid!r} value"),
                               _text(m["feedback"], mctx, f"mistake {mid!r} feedback")
                               if "feedback" in m else None))
    _unique([m.id for m in out], ctx, "mistake ids")
    return tuple(out)


def _answers(node: Any, ctx: _Ctx) -> dict[str, tuple[str, ...]]:
    def strings(v: Any, what: str) -> tuple[str, ...]:
        if not isinstance(v, list) or not v or not all(isinstance(s, (str, int, float))
                                                        for s in v):
            raise ctx.error(f"{what}: a non-empty list of accepted answers is needed")
        return tuple(str(s) for s in v)
    if isinstance(node, Mapping):
        _check_keys(node, set(LANGS), set(LANGS), ctx, "answers")
        return {lang: strings(node[lang], f"answers.{lang}") for lang in LANGS}
    both = strings(node, "answers")
    return {lang: both for lang in LANGS}


def _pairs(node: Any, ctx: _Ctx, what: str, qid: str, topic: str,
           extra: bool) -> tuple[PairSpec, ...]:
    if not isinstance(node, list) or (not extra and len(node) < 2):
        raise ctx.error(f"{what}: a list{'' if extra else ' of at least two pairs'} is needed")
    out = []
    for p in node:
        if not isinstance(p, Mapping):
            raise ctx.error(f"{what}: every entry is a mapping")
        pctx = ctx.at(p)
        keys = {"id", "text"} if extra else {"id", "left", "right"}
        _check_keys(p, keys, keys, pctx, what)
        pid = _id(p["id"], pctx, what)
        if extra:
            right = _text(p["text"], pctx, f"{what} {pid!r} text")
            left = right
        else:
            left = _text(p["left"], pctx, f"{what} {pid!r} left")
            right = _text(p["right"], pctx, f"{what} {pid!r} right")
        out.append(PairSpec(pid, seeds.public_id(topic, qid, "pair", pid),
                            seeds.public_id(topic, qid, "option", pid), left, right))
    return tuple(out)


def _unique(ids: list[str], ctx: _Ctx, what: str) -> None:
    dup = sorted({i for i in ids if ids.count(i) > 1})
    if dup:
        raise ctx.error(f"duplicate {what}: {', '.join(dup)}")


# --------------------------------------------------------------------------- loading

def load_bank(path: str | Path, *, check: int = CHECK_SEEDS) -> Bank:
    """Read, parse and check one bank. ``check`` variants of every question are rendered in
    both languages (0: parse only)."""
    path = Path(path)
    try:
        raw = path.read_text(encoding="utf-8")
    except OSError as e:
        raise ConfigError(f"{path}: cannot read the bank: {e.strerror}") from None
    try:
        data = yaml.load(raw, Loader=_Loader)  # noqa: S506 - _Loader is a SafeLoader
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        reason = getattr(e, "problem", None) or str(e)
        raise ConfigError(f"{where}: bad YAML: {reason}") from None
    ctx = _Ctx(path)
    if not isinstance(data, Mapping):
        raise ctx.error("a bank is a mapping with keys schema, topic, title, questions")
    _check_keys(data, {"schema", "topic", "title", "solutions", "defaults", "questions"},
                {"schema", "topic", "title", "questions"}, ctx, "bank")
    if data["schema"] != SCHEMA_VERSION:
        raise ctx.error(f"schema {data['schema']!r} is not supported (this grader reads "
                        f"schema {SCHEMA_VERSION})")
    topic = data["topic"]
    if not isinstance(topic, str) or topic != path.parent.name:
        raise ctx.error(f"topic {topic!r} must be the bank's folder name {path.parent.name!r}")
    modules = data.get("solutions", [topic])
    if isinstance(modules, str):
        modules = [modules]
    if not isinstance(modules, list) or not all(isinstance(m, str) and ID_RE.match(m)
                                                for m in modules):
        raise ctx.error("solutions must be a list of module names of solutions/")
    defaults = data.get("defaults", {}) or {}
    if not isinstance(defaults, Mapping):
        raise ctx.error("defaults must be a mapping")
    _check_keys(defaults, {"points", "multi_policy"}, set(), ctx, "defaults")
    title_node = data["title"]
    title = {lang: str(title_node[lang]) for lang in LANGS} if isinstance(title_node, Mapping) \
        and set(title_node) == set(LANGS) else None
    if title is None:
        raise ctx.error("title must be {ru: ..., en: ...}")
    qnodes = data["questions"]
    if not isinstance(qnodes, list) or not qnodes:
        raise ctx.error("questions must be a non-empty list")
    questions = tuple(_question(q, topic, defaults, ctx) for q in qnodes)
    seen: dict[str, int] = {}
    for q in questions:
        if q.id in seen:
            raise _Ctx(path, q.line, q.id).error(f"duplicate question id (first at line "
                                                 f"{seen[q.id]})")
        seen[q.id] = q.line
    ns = _namespace(modules, str(path))
    for q in questions:
        clash = [p.name for p in q.params if p.name in ns or p.name in ("lang", "answer",
                                                                          "values", "value")]
        if clash:
            raise _Ctx(path, q.line, q.id).error(f"parameter name(s) {', '.join(clash)} shadow "
                                                 "a function or a reserved name")
    bank = Bank(topic=topic, path=path, title=title, questions=questions, namespace=ns)
    for q in questions:
        for k in range(check):
            seed = seeds.pool_seed("check", topic, q.id, q.version, k)
            for lang in LANGS:
                instantiate(bank, q, seed, lang)
    return bank


# --------------------------------------------------------------------------- variants

def draw_params(bank: Bank, q: QuestionSpec, seed: int) -> dict[str, Any]:
    """The parameters of a question's variant ``seed`` (rejection-sampled against ``where``)."""
    if not q.params:
        return {}
    for attempt in range(MAX_TRIES):
        ctx: dict[str, Any] = dict(bank.namespace)
        params: dict[str, Any] = {}
        for p in q.params:
            value = p.expr(ctx) if p.expr is not None else p.draw(seed, attempt)
            value = _from_np(value)
            ctx[p.name] = params[p.name] = value
        if q.where is None or q.where(ctx):
            return params
    raise _Ctx(bank.path, q.line, q.id).error(
        f"no parameters satisfy where: {q.where.source if q.where else ''} "
        f"in {MAX_TRIES} draws")


def _render(t: Text, lang: str, ctx: Mapping[str, Any]) -> str:
    template = t[lang]
    static = getattr(template, "static_text", None)
    return static if static is not None else template.render(ctx).strip()


def _float(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{what} is {value!r}, not a number")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{what} is {value}, not finite")
    return value


def instantiate(bank: Bank, q: QuestionSpec, seed: int, lang: str) -> Item:
    """The variant ``seed`` of question ``q`` in ``lang``, checked."""
    try:
        return _instantiate(bank, q, seed, lang)
    except ConfigError:
        raise
    except Exception as e:  # a template, expression or check failed for this variant
        reason = e.message if isinstance(e, jinja2.TemplateError) and e.message else str(e)
        raise _Ctx(bank.path, q.line, q.id).error(
            f"variant {seeds.variant_id(q.topic, q.id, seed)} ({lang}): "
            f"{type(e).__name__ if not isinstance(e, ValueError) else ''}"
            f"{': ' if not isinstance(e, ValueError) else ''}{reason}") from None


def _instantiate(bank: Bank, q: QuestionSpec, seed: int, lang: str) -> Item:
    params = draw_params(bank, q, seed)
    ctx: dict[str, Any] = dict(bank.namespace)
    ctx.update(params)
    ctx["lang"] = lang
    values: dict[str, Any] = {}
    ctx["values"] = values
    item: dict[str, Any] = dict(
        topic=q.topic, qid=q.id, version=q.version, variant_id=seeds.variant_id(q.topic, q.id,
                                                                                  seed),
        seed=seed, type=q.type, lang=lang, points=q.points, tags=q.tags,
        params=tuple(params.items()))
    numeric: NumericKey | None = None
    if q.type == "numeric":
        assert isinstance(q.answer, Expr)
        value = _float(q.answer(ctx), f"the answer {q.answer.source}")
        ctx["answer"] = value
        mistakes = []
        for m in q.mistakes:
            mv = _float(m.value(ctx), f"mistake {m.id!r} ({m.value.source})")
            values[m.id] = mv
            mistakes.append((m, mv))
        numeric = NumericKey(value=value, atol=q.atol, rtol=q.rtol, decimals=q.decimals)
        _check_numeric(numeric, q, mistakes)
        numeric = NumericKey(value=value, atol=q.atol, rtol=q.rtol, decimals=q.decimals,
                             mistakes=tuple(Mistake(m.id, mv, _render(m.feedback, lang, ctx)
                                                    if m.feedback else "")
                                            for m, mv in mistakes))
        item["numeric"] = numeric
    elif q.type == "truefalse":
        answer = q.answer if isinstance(q.answer, bool) else q.answer(ctx)  # type: ignore[misc]
        if not isinstance(answer, (bool, np.bool_)):
            raise ValueError(f"the true/false answer is {answer!r}, not a bool")
        ctx["answer"] = bool(answer)
        yes, no = TRUE_FALSE_TEXT[lang]
        item["choices"] = (Choice("true", "true", yes, bool(answer), float(bool(answer))),
                           Choice("false", "false", no, not answer, float(not answer)))
        item["shuffle"] = False
    elif q.type in ("single", "multi"):
        item["choices"] = _render_choices(q, seed, lang, ctx, values)
        item["shuffle"] = q.order == "shuffle"
        item["policy"] = q.policy if q.type == "multi" else "all_or_nothing"
    elif q.type == "short":
        item["answers"] = q.answers[lang]
        ctx["answer"] = q.answers[lang][0]
    elif q.type == "matching":
        pairs = tuple(Pair(p.id, p.public_id, _render(p.left, lang, ctx),
                           _render(p.right, lang, ctx)) for p in q.pairs)
        options = [Option(p.id, s.option_id, p.right) for p, s in zip(pairs, q.pairs)]
        options += [Option(e.id, e.option_id, _render(e.right, lang, ctx)) for e in q.extras]
        for o in options:
            if "$" in o.text:
                raise ValueError(f"matching option {o.id!r} has math ($): LMS drop-down lists "
                                 "show options as plain text, so write it in Unicode (σ, eˣ, ²)")
        _check_distinct([(o.id, o.text) for o in options], "matching options")
        _check_distinct([(p.id, p.left) for p in pairs], "matching premises")
        options.sort(key=lambda o: seeds.hash_int("order", seed, o.id))
        item["pairs"], item["options"] = pairs, tuple(options)
        item["policy"] = q.policy
    item["title"] = _render(q.title, lang, ctx)
    item["text"] = _render(q.text, lang, ctx)
    item["feedback"] = _render(q.feedback, lang, ctx) if q.feedback else ""
    return Item(**item)


def _check_numeric(key: NumericKey, q: QuestionSpec,
                   mistakes: list[tuple[MistakeSpec, float]]) -> None:
    tol = key.tolerance
    if q.decimals is not None:
        shown = float(fixed(key.value, q.decimals))
        if not key.accepts(shown):
            raise ValueError(
                f"the answer {format_number(key.value)} rounded to {q.decimals} decimals "
                f"({fixed(key.value, q.decimals)}) is outside its own tolerance ±{tol:.3g}: "
                "widen the tolerance or ask for more decimals")
    if q.key is not None and not key.accepts(q.key):
        raise ValueError(f"the answer {format_number(key.value)} computed by "
                         f"{q.answer.source if isinstance(q.answer, Expr) else ''} is not within "
                         f"±{tol:.3g} of the bank's key {format_number(q.key)}")
    for m, mv in mistakes:
        if key.accepts(mv):
            raise ValueError(f"mistake {m.id!r} = {format_number(mv)} lies within the tolerance "
                             f"±{tol:.3g} of the answer {format_number(key.value)}: it would be "
                             "graded right (add a `where`, or tighten the tolerance)")


def _check_distinct(entries: list[tuple[str, str]], what: str) -> None:
    seen: dict[str, str] = {}
    for eid, text in entries:
        norm = " ".join(text.split())
        if norm in seen:
            raise ValueError(f"{what} {seen[norm]!r} and {eid!r} render the same text {text!r}")
        seen[norm] = eid


def _render_choices(q: QuestionSpec, seed: int, lang: str, ctx: dict[str, Any],
                    values: dict[str, Any]) -> tuple[Choice, ...]:
    decimals = 3 if q.decimals is None else q.decimals
    for c in q.choices:
        if c.value is not None:
            values[c.id] = _float(c.value(ctx), f"choice {c.id!r} ({c.value.source})")
    out: list[Choice] = []
    for c in q.choices:
        cctx = ctx
        if c.value is not None:
            cctx = {**ctx, "value": values[c.id]}
        correct = c.correct if isinstance(c.correct, bool) else c.correct(cctx)
        if not isinstance(correct, (bool, np.bool_)):
            raise ValueError(f"choice {c.id!r}: correct is {correct!r}, not a bool")
        text = (_render(c.text, lang, cctx) if c.text is not None
                else f"${fixed(values[c.id], decimals)}$")
        credit = 1.0 if correct else (c.credit or 0.0)
        out.append(Choice(c.id, c.public_id, text, bool(correct), credit,
                          _render(c.feedback, lang, cctx) if c.feedback else ""))
    n_correct = sum(c.correct for c in out)
    if q.type == "single" and n_correct != 1:
        raise ValueError(f"a single-choice question needs exactly one correct choice, this "
                         f"variant has {n_correct}")
    if q.type == "multi" and n_correct < 1:
        raise ValueError("a multiple-choice question needs at least one correct choice")
    if q.type == "multi" and n_correct == len(out) and q.policy == "edc":
        pass  # legal, if unusual: every box is to be ticked
    _check_distinct([(c.id, c.text) for c in out], "choices")
    if q.order == "shuffle":
        out.sort(key=lambda c: seeds.hash_int("order", seed, c.id))
    elif q.order == "sorted":
        out.sort(key=lambda c: values[c.id])
    return tuple(out)


# --------------------------------------------------------------------------- statistics

@dataclass(frozen=True)
class QuestionStats:
    qid: str
    parameterised: bool
    space: int | None        # the size of the parameter space (after `where`), when countable
    distinct: int            # distinct parameter sets among the draws
    draws: int


def question_stats(bank: Bank, q: QuestionSpec, draws: int = 2000) -> QuestionStats:
    """How many distinct variants ``draws`` pool seeds give, and how many exist."""
    if not q.parameterised:
        return QuestionStats(q.id, False, 1, 1, draws)
    seen = set()
    for k in range(draws):
        params = draw_params(bank, q, seeds.pool_seed("stats", q.topic, q.id, q.version, k))
        seen.add(repr(sorted(params.items())))
    return QuestionStats(q.id, True, parameter_space(bank, q), len(seen), draws)


def parameter_space(bank: Bank, q: QuestionSpec) -> int | None:
    """The number of distinct parameter sets a question can draw (None: too many to count)."""
    drawn = [p for p in q.params if p.kind != "expr"]
    total = math.prod(p.space() for p in drawn)
    if q.where is None:
        return total
    if total > ENUMERATE_LIMIT:
        return None
    count = 0
    for combo in itertools.product(*(p.all_values() for p in drawn)):
        ctx: dict[str, Any] = dict(bank.namespace)
        fixed_values = dict(zip((p.name for p in drawn), combo))
        for p in q.params:
            ctx[p.name] = _from_np(p.expr(ctx)) if p.expr is not None else fixed_values[p.name]
        count += bool(q.where(ctx))
    return count


@lru_cache(maxsize=64)
def _cached_bank(path: str, mtime: float, check: int) -> Bank:
    return load_bank(path, check=check)


def load_bank_cached(path: str | Path, *, check: int = CHECK_SEEDS) -> Bank:
    p = Path(path)
    return _cached_bank(str(p), p.stat().st_mtime if p.exists() else 0.0, check)
