"""Schema validation: a bank's YAML document to its specs (``specs.py``), every key checked.

Unknown keys are errors (a typo must not silently drop a feature); every error is a
``ConfigError`` naming the file, the line, the question id and the reason. Templates and
expressions are compiled here, so a syntax error is found when the bank loads; whether they
evaluate is for ``variants.py`` to check.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any, NamedTuple

import jinja2

from grader.errors import ConfigError
from grader.quiz import seeds
from grader.quiz.model import LANGS, MATCHING_POLICIES, MULTI_POLICIES, QUESTION_TYPES
from grader.quiz.specs import ChoiceSpec, MistakeSpec, PairSpec, ParamSpec, QuestionSpec
from grader.quiz.templates import Expr, Template, Text, compile_expression, compile_template
from grader.quiz.yaml_lines import line_of
from grader.text import L

SCHEMA_VERSION = 1
ID_RE = re.compile(r"^[a-z][a-z0-9_]{0,47}$")


class _Ctx:
    """Where a value came from, for error messages."""

    def __init__(self, path: Path, line: int = 0, qid: str | None = None):
        self.path, self.line, self.qid = path, line, qid

    def at(self, node: Any) -> _Ctx:
        line = line_of(node) or self.line
        return _Ctx(self.path, line, self.qid)

    def error(self, reason: str) -> ConfigError:
        where = f"{self.path}:{self.line}" if self.line else str(self.path)
        if self.qid:
            where += f": question {self.qid!r}"
        return ConfigError(f"{where}: {reason}")


def _check_keys(node: Mapping[str, Any], allowed: set[str], required: set[str], ctx: _Ctx, what: str) -> None:
    unknown = set(node) - allowed
    if unknown:
        raise ctx.at(node).error(
            f"{what}: unknown key(s) {', '.join(sorted(map(str, unknown)))} (allowed: {', '.join(sorted(allowed))})"
        )
    missing = required - set(node)
    if missing:
        raise ctx.at(node).error(f"{what}: missing key(s) {', '.join(sorted(missing))}")


def _template(source: Any, ctx: _Ctx, what: str) -> Template:
    if not isinstance(source, (str, int, float)) or isinstance(source, bool):
        raise ctx.error(f"{what}: expected text, got {type(source).__name__}")
    try:
        return compile_template(str(source))
    except jinja2.TemplateSyntaxError as e:
        raise ctx.error(f"{what}: template error: {e.message} (template line {e.lineno})") from None


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
        return compile_expression(str(source))
    except jinja2.TemplateSyntaxError as e:
        raise ctx.error(f"{what}: expression error in {source!r}: {e.message}") from None


def _id(value: Any, ctx: _Ctx, what: str) -> str:
    if not isinstance(value, str) or not ID_RE.match(value):
        raise ctx.error(f"{what}: id {value!r} must match {ID_RE.pattern}")
    return value


def _number(value: Any, ctx: _Ctx, what: str, *, positive: bool = False, nonneg: bool = False) -> float:
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
        raise ctx.error(
            f"{what}: expected one of {{choice: [...]}}, {{int: [lo, hi]}}, "
            "{range: [lo, hi, step]}, {expr: ...} or an expression string"
        )
    ctx = ctx.at(node)
    ((kind, arg),) = node.items()
    if kind == "choice":
        if not isinstance(arg, list) or not arg:
            raise ctx.error(f"{what}: choice needs a non-empty list")
        if len({repr(v) for v in arg}) != len(arg):
            raise ctx.error(f"{what}: choice lists a value twice")
        return ParamSpec(name, "choice", values=tuple(arg))
    if kind == "int":
        if (
            not isinstance(arg, list)
            or len(arg) != 2
            or not all(isinstance(v, int) and not isinstance(v, bool) for v in arg)
            or arg[0] > arg[1]
        ):
            raise ctx.error(f"{what}: int needs [lo, hi], integers, lo <= hi (both included)")
        return ParamSpec(name, "int", lo=arg[0], hi=arg[1])
    if kind == "range":
        if not isinstance(arg, list) or len(arg) != 3:
            raise ctx.error(f"{what}: range needs [lo, hi, step] (both ends included)")
        return ParamSpec(name, "range", values=_grid(arg[0], arg[1], arg[2], ctx, what))
    if kind == "expr":
        return ParamSpec(name, "expr", expr=_expr(arg, ctx, what))
    raise ctx.error(f"{what}: unknown kind {kind!r} (choice, int, range, expr)")


COMMON_KEYS = {"id", "version", "type", "title", "text", "feedback", "points", "tags", "params", "where"}
TYPE_KEYS = {
    "single": {"choices", "order", "decimals"},
    "multi": {"choices", "order", "policy", "decimals"},
    "truefalse": {"answer"},
    "numeric": {"answer", "tolerance", "decimals", "key", "mistakes"},
    "short": {"answers"},
    "matching": {"pairs", "extra", "policy"},
}
TYPE_REQUIRED = {
    "single": {"choices"},
    "multi": {"choices"},
    "truefalse": {"answer"},
    "numeric": {"answer", "tolerance"},
    "short": {"answers"},
    "matching": {"pairs"},
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
    _check_keys(node, COMMON_KEYS | TYPE_KEYS[qtype], {"id", "type", "title", "text"} | TYPE_REQUIRED[qtype], ctx, qtype)
    version = node.get("version", 1)
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise ctx.error("version must be a positive integer")
    tags = node.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise ctx.error("tags must be a list of strings")
    spec: dict[str, Any] = dict(
        topic=topic,
        id=qid,
        version=version,
        type=qtype,
        line=ctx.line,
        title=_text(node["title"], ctx, "title"),
        text=_text(node["text"], ctx, "text"),
        feedback=_text(node["feedback"], ctx, "feedback") if "feedback" in node else None,
        points=_number(node.get("points", defaults.get("points", 1)), ctx, "points", positive=True),
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
        _unique(
            [x for p in spec["pairs"] + spec["extras"] for x in (p.public_id, p.option_id)],
            ctx,
            "matching public ids (rename a pair)",
        )
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
        _check_keys(c, {"id", "text", "value", "correct", "credit", "feedback"}, {"id"}, cctx, "choice")
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
                raise cctx.error(f"choice {cid!r}: credit must be below 1 (the correct choice has 1)")
        out.append(
            ChoiceSpec(
                id=cid,
                public_id=seeds.public_id(ctx.path.parent.name, ctx.qid or "", "choice", cid),
                text=_text(c["text"], cctx, f"choice {cid!r} text") if "text" in c else None,
                value=_expr(c["value"], cctx, f"choice {cid!r} value") if "value" in c else None,
                correct=correct,
                credit=credit,
                feedback=_text(c["feedback"], cctx, f"choice {cid!r} feedback") if "feedback" in c else None,
            )
        )
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
        out.append(
            MistakeSpec(
                mid,
                _expr(m["value"], mctx, f"mistake {mid!r} value"),
                _text(m["feedback"], mctx, f"mistake {mid!r} feedback") if "feedback" in m else None,
            )
        )
    _unique([m.id for m in out], ctx, "mistake ids")
    return tuple(out)


def _answers(node: Any, ctx: _Ctx) -> dict[str, tuple[str, ...]]:
    def strings(v: Any, what: str) -> tuple[str, ...]:
        if not isinstance(v, list) or not v or not all(isinstance(s, (str, int, float)) for s in v):
            raise ctx.error(f"{what}: a non-empty list of accepted answers is needed")
        return tuple(str(s) for s in v)

    if isinstance(node, Mapping):
        _check_keys(node, set(LANGS), set(LANGS), ctx, "answers")
        return {lang: strings(node[lang], f"answers.{lang}") for lang in LANGS}
    both = strings(node, "answers")
    return {lang: both for lang in LANGS}


def _pairs(node: Any, ctx: _Ctx, what: str, qid: str, topic: str, extra: bool) -> tuple[PairSpec, ...]:
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
        out.append(
            PairSpec(pid, seeds.public_id(topic, qid, "pair", pid), seeds.public_id(topic, qid, "option", pid), left, right)
        )
    return tuple(out)


def _unique(ids: list[str], ctx: _Ctx, what: str) -> None:
    dup = sorted({i for i in ids if ids.count(i) > 1})
    if dup:
        raise ctx.error(f"duplicate {what}: {', '.join(dup)}")


class BankSource(NamedTuple):
    """A bank as its file states it, before its solutions are imported."""

    topic: str
    title: L
    modules: list[str]
    questions: tuple[QuestionSpec, ...]


def parse_bank(data: Any, path: Path) -> BankSource:
    """Check a bank's YAML document and build its question specs."""
    ctx = _Ctx(path)
    if not isinstance(data, Mapping):
        raise ctx.error("a bank is a mapping with keys schema, topic, title, questions")
    _check_keys(
        data,
        {"schema", "topic", "title", "solutions", "defaults", "questions"},
        {"schema", "topic", "title", "questions"},
        ctx,
        "bank",
    )
    if data["schema"] != SCHEMA_VERSION:
        raise ctx.error(f"schema {data['schema']!r} is not supported (this grader reads schema {SCHEMA_VERSION})")
    topic = data["topic"]
    if not isinstance(topic, str) or topic != path.parent.name:
        raise ctx.error(f"topic {topic!r} must be the bank's folder name {path.parent.name!r}")
    modules = data.get("solutions", [topic])
    if isinstance(modules, str):
        modules = [modules]
    if not isinstance(modules, list) or not all(isinstance(m, str) and ID_RE.match(m) for m in modules):
        raise ctx.error("solutions must be a list of module names of solutions/")
    defaults = data.get("defaults", {}) or {}
    if not isinstance(defaults, Mapping):
        raise ctx.error("defaults must be a mapping")
    _check_keys(defaults, {"points", "multi_policy"}, set(), ctx, "defaults")
    title_node = data["title"]
    if not isinstance(title_node, Mapping) or set(title_node) != set(LANGS):
        raise ctx.error("title must be {ru: ..., en: ...}")
    title = L(en=str(title_node["en"]), ru=str(title_node["ru"]))
    qnodes = data["questions"]
    if not isinstance(qnodes, list) or not qnodes:
        raise ctx.error("questions must be a non-empty list")
    questions = tuple(_question(q, topic, defaults, ctx) for q in qnodes)
    seen: dict[str, int] = {}
    for q in questions:
        if q.id in seen:
            raise _Ctx(path, q.line, q.id).error(f"duplicate question id (first at line {seen[q.id]})")
        seen[q.id] = q.line
    return BankSource(topic, title, modules, questions)


RESERVED = ("lang", "answer", "values", "value")  # names a variant's context defines itself


def check_parameter_names(path: Path, questions: tuple[QuestionSpec, ...], namespace: Mapping[str, Any]) -> None:
    """No parameter may shadow a function the expressions call, or a reserved name."""
    for q in questions:
        clash = [p.name for p in q.params if p.name in namespace or p.name in RESERVED]
        if clash:
            raise _Ctx(path, q.line, q.id).error(f"parameter name(s) {', '.join(clash)} shadow a function or a reserved name")
