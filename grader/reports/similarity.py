"""Pairs of students whose code overlaps beyond the stubs: copydetect's fingerprints (the code
tokenized, names and strings normalized, k-grams of ``noise`` tokens) per topic module, with the
course's stub of that module as boilerplate, so what everyone was handed never counts.

The code is read again from each report's ``path`` with the same guarded reader that grading
uses (grader.submission: caps, no link followed), and compared only when its ``content_sha256``
is still the one graded: a file replaced since is listed as not compared, never matched under
the old grade. Student code is data here: it is tokenized (pygments), never run, and shown
escaped."""

from __future__ import annotations

import io
import itertools
import re
from collections import Counter
from concurrent.futures import Executor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from copydetect import CodeFingerprint, compare_files
from copydetect.utils import filter_code, highlight_overlap
from markupsafe import Markup

from grader.errors import DlgradeError
from grader.reports.model import Member
from grader.submission import load_submission
from grader.text import L

NO_PATH = L("the report names no submission to read", "в отчёте нет пути к работе")
CHANGED = L("changed since it was graded", "изменилась после проверки")

NOISE = 25  # copydetect's default noise threshold: the shortest match (filtered characters) counted
THRESHOLD = 0.5  # a pair is listed when either module shares at least this much with the other
MAX_CODE = 64 << 10  # characters of one module compared (a course's module is a few KiB)
MAX_PAIRS = 40  # shown in the class report, most similar first
ALL_PAIRS_UP_TO = 60  # students; beyond, only pairs that share a fingerprint few others have
# modules to tokenize from which a pool's processes do it: ~6 ms a module (6,000 in a class of
# 1,000), a process's start and imports about 0.5 s
POOL_FROM = 200
_LINE_BREAKS = re.compile(r"\r\n|[\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")
_UNSAFE = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


@dataclass(frozen=True)
class Pair:
    a: str
    b: str
    topic: str
    share_a: float  # of a's module (beyond the stub) found in b's
    share_b: float
    side_a: Markup  # a's code, escaped, the shared parts in <mark>
    side_b: Markup

    @property
    def share(self) -> float:
        return max(self.share_a, self.share_b)


@dataclass(frozen=True)
class Overlaps:
    pairs: list[Pair]  # the most similar first, at most MAX_PAIRS
    found: int  # how many pairs were over the threshold
    skipped: dict[str, str]  # student -> why their code was not compared


def _code(text: str) -> str:
    """Student code as plain text: one kind of line break, no control character."""
    return _UNSAFE.sub("\ufffd", _LINE_BREAKS.sub("\n", text[:MAX_CODE]))


# copydetect's tokens of a module: its filtered code (names, strings normalized) and the offsets
# that map it back onto the code. The costly part of a fingerprint (~6 ms a module), and the same
# in every process, so a pool's processes can make them; the fingerprint's hashes are not the
# same in every process (``hash()``, salted per process): they are made here, from the tokens.
Tokens = tuple[str, Any]


def tokenize(code: str) -> Tokens:
    filtered, offsets = filter_code(code, "module.py")
    return filtered, offsets


def _tokenize_all(codes: list[str]) -> list[Tokens]:
    return [tokenize(code) for code in codes]


def _fingerprint(code: str, tokens: Tokens, boilerplate: Any) -> Any:
    """copydetect's fingerprint of ``code`` from its tokens: what ``CodeFingerprint`` makes of
    the code itself (tests.test_reports holds them equal), its tokenizing done beforehand."""
    filtered, offsets = tokens
    fingerprint = CodeFingerprint("module.py", NOISE, 1, boilerplate, filter=False, fp=io.StringIO(filtered))
    fingerprint.raw_code, fingerprint.offsets = code, offsets
    return fingerprint


def _tokenize_each(codes: list[str], executor: Executor | None) -> dict[str, Tokens]:
    """{code: its tokens}, in ``executor``'s processes when there are enough to pay for them."""
    if executor is None or len(codes) < POOL_FROM:
        return dict(zip(codes, _tokenize_all(codes)))
    size = max(1, len(codes) // 32)
    chunks = [codes[start : start + size] for start in range(0, len(codes), size)]
    return dict(zip(codes, itertools.chain.from_iterable(executor.map(_tokenize_all, chunks))))


def _stub(stubs: Path, topic: str) -> str | None:
    path = stubs / f"{topic}.py"
    return _code(path.read_text(encoding="utf-8")) if path.is_file() else None


def read_modules(members: list[Member], lang: str = "en") -> tuple[dict[str, dict[str, str]], dict[str, str]]:
    """{student: {topic: code}} of the reports whose submission still holds what was graded,
    and {student: why not} for the others."""
    modules: dict[str, dict[str, str]] = {}
    skipped: dict[str, str] = {}
    for member in members:
        report = member.report
        if not report.path:
            skipped[member.id] = NO_PATH(lang)
            continue
        try:
            submission = load_submission(Path(report.path))
        except DlgradeError as error:
            skipped[member.id] = str(error)
            continue
        except OSError as error:
            skipped[member.id] = f"{report.path}: cannot be read ({error.strerror})"
            continue
        if report.content_sha256 and submission.content_sha256 != report.content_sha256:
            skipped[member.id] = f"{report.path}: {CHANGED(lang)}"
            continue
        modules[member.id] = {topic: _code(code) for topic, code in submission.modules.items()}
    return modules, skipped


def _candidates(prints: dict[str, Any]) -> list[tuple[str, str]]:
    """Pairs worth comparing: all of them in a small class; in a large one, the pairs that share
    a fingerprint held by few students (one the whole class shares is the common solution)."""
    names = sorted(prints)
    if len(names) <= ALL_PAIRS_UP_TO:
        return list(itertools.combinations(names, 2))
    holders: dict[int, list[str]] = {}
    for name in names:
        for h in prints[name].hashes:
            holders.setdefault(h, []).append(name)
    cap = max(10, len(names) // 20)
    shared: Counter[tuple[str, str]] = Counter()
    for group in holders.values():
        if 1 < len(group) <= cap:
            shared.update(itertools.combinations(group, 2))
    return sorted(shared)


def overlapping_pairs(
    members: list[Member],
    topics: list[str],
    stubs: Path,
    threshold: float = THRESHOLD,
    lang: str = "en",
    executor: Executor | None = None,
) -> Overlaps:
    """The pairs over ``threshold`` and the students not compared, with why. ``stubs`` is the
    folder of the stubs handed out (exercises/). Each distinct module (an untouched stub or a
    copied file is common) is tokenized once, in ``executor``'s processes when given one."""
    modules, skipped = read_modules(members, lang)
    tokenized = _tokenize_each(sorted({text for code in modules.values() for text in code.values()}), executor)
    found: list[tuple[float, str, str, str, float, float, Any, Any]] = []
    for topic in topics:
        stub = _stub(stubs, topic)
        boilerplate = None
        if stub is not None:
            boilerplate = np.unique(np.array(list(_fingerprint(stub, tokenize(stub), None).hashes)))
        made: dict[str, Any] = {}  # by code: an untouched stub, a copied file are fingerprinted once
        for code in modules.values():
            if topic in code and code[topic] not in made:
                made[code[topic]] = _fingerprint(code[topic], tokenized[code[topic]], boilerplate)
        prints = {name: made[code[topic]] for name, code in modules.items() if topic in code}
        prints = {name: fp for name, fp in prints.items() if fp.hashes}
        for a, b in _candidates(prints):
            tokens, (share_a, share_b), (slices_a, slices_b) = compare_files(prints[a], prints[b])
            if tokens and max(share_a, share_b) >= threshold:
                found.append((-max(share_a, share_b), topic, a, b, float(share_a), float(share_b), slices_a, slices_b))
    pairs = []
    for _, topic, a, b, share_a, share_b, slices_a, slices_b in sorted(found, key=lambda f: f[:4])[:MAX_PAIRS]:
        # copydetect escapes the code (markupsafe) around the marks it inserts
        side_a, _ = highlight_overlap(modules[a][topic], slices_a, "<mark>", "</mark>", truncate=3, escape_html=True)
        side_b, _ = highlight_overlap(modules[b][topic], slices_b, "<mark>", "</mark>", truncate=3, escape_html=True)
        pairs.append(Pair(a, b, topic, share_a, share_b, Markup(side_a), Markup(side_b)))
    return Overlaps(pairs, len(found), skipped)
