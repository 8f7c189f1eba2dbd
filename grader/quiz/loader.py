"""Load a quiz bank (``course/<topic>/quiz.yaml``): read it, check it, and check its variants.

The bank schema is documented in ``grader/quiz/README.md``. A bank is read once; then
``instantiate(bank, question, seed, lang)`` turns a question and a seed into a checked ``Item``.
A broken bank raises ``ConfigError`` naming the file, the line, the question id and the reason.

The jobs, one module each::

    yaml_lines.py   YAML with the line of every mapping, duplicate keys rejected
    schema.py       the document checked key by key and built into specs (specs.py)
    templates.py    jinja2 texts and expressions
    reference.py    the solutions/ functions the expressions call
    params.py       a variant's parameters from its seed
    variants.py     a variant rendered and checked
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from grader.quiz import seeds
from grader.quiz.model import LANGS
from grader.quiz.reference import namespace
from grader.quiz.schema import check_parameter_names, parse_bank
from grader.quiz.specs import Bank, QuestionSpec
from grader.quiz.variants import instantiate
from grader.quiz.yaml_lines import read_yaml

__all__ = ["CHECK_SEEDS", "Bank", "QuestionSpec", "instantiate", "load_bank", "load_bank_cached"]

CHECK_SEEDS = 16  # variants of every question rendered (both languages) when a bank loads


def load_bank(path: str | Path, *, check: int = CHECK_SEEDS) -> Bank:
    """Read, parse and check one bank. ``check`` variants of every question are rendered in
    both languages (0: parse only)."""
    path = Path(path)
    source = parse_bank(read_yaml(path), path)
    ns = namespace(source.modules, str(path))
    check_parameter_names(path, source.questions, ns)
    bank = Bank(topic=source.topic, path=path, title=source.title, questions=source.questions, namespace=ns)
    for q in bank.questions:
        for k in range(check):
            seed = seeds.pool_seed("check", bank.topic, q.id, q.version, k)
            for lang in LANGS:
                instantiate(bank, q, seed, lang)
    return bank


@lru_cache(maxsize=64)
def _cached_bank(path: str, mtime: float, check: int) -> Bank:
    return load_bank(path, check=check)


def load_bank_cached(path: str | Path, *, check: int = CHECK_SEEDS) -> Bank:
    p = Path(path)
    return _cached_bank(str(p), p.stat().st_mtime if p.exists() else 0.0, check)
