"""The red team: every attack of ``modules/`` graded in the real jail, the verdict checked (see
``harness.py``). One test per attack and jail mode; each is independent (its own folder, its
own marker), so pytest-xdist can spread them.

Attacks that a fix still pending on main lets through are marked ``xfail(strict=True)`` with
the engineer whose fix is pending: when the fix lands the test passes, the strict xfail turns
that into a failure, and the mark is removed.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest
from harness import (
    MEMORY_LIMIT,
    MEMORY_MARGIN,
    Attack,
    assert_safe,
    attacks,
    grade,
    held_bytes,
    new_marker,
    ordinary_user,
)

# (attack, mode) -> whose fix is pending; see the table in README.md
PENDING: dict[tuple[str, str], str] = {}

# "user": bubblewrap started by the ordinary user dlgtest, who may create no cgroup, so the grade
# runs with DLGRADE_CGROUPS=optional: memory is bounded per process (RLIMIT_AS), not per job, by
# design (the opt-out says so in every report); the attacks on the job-wide memory bound are the
# root runs' business
NO_JOB_CGROUP = ("memory_five_children", "memory_memfd", "memory_tmpfs")
USER_ENV = {"DLGRADE_JAIL": "bwrap", "DLGRADE_CGROUPS": "optional"}


def _params() -> list:
    found = []
    for attack in attacks():
        modes = [*attack.modes, *(("user",) if "bwrap" in attack.modes and attack.name not in NO_JOB_CGROUP else ())]
        for mode in modes:
            marks = [pytest.mark.slow]
            if (attack.name, mode) in PENDING:
                marks.append(pytest.mark.xfail(strict=True, reason=PENDING[attack.name, mode]))
            found.append(pytest.param(attack, mode, id=f"{attack.name}-{mode}", marks=marks))
    return found


def _leaked_inputs(text: str) -> list[str]:
    """Values the print/raise attacks copied out: a decimal list or hex bytes after their tag."""
    return re.findall(r"LEAKV<\[[^\]]*\d\.\d{3}", text) + re.findall(r"LEAKH<[0-9a-f]{16}", text)


def _markdown_problems(text: str) -> list[str]:
    """What the student's payload made live in a GitHub-flavoured render: a heading, an image,
    a link or raw HTML of theirs (everything they sent carries ZQXFAKE)."""
    from markdown_it import MarkdownIt

    problems = []
    tokens = MarkdownIt("commonmark", {"html": True}).parse(text)
    stack = list(tokens)
    while stack:
        token = stack.pop()
        stack.extend(token.children or [])
        if token.type == "heading_open":
            heading = tokens[tokens.index(token) + 1].content if token in tokens else ""
            if "ZQXFAKE" in heading:
                problems.append(f"a heading of the student's: {heading!r}")
        if token.type in ("html_block", "html_inline") and any(
                tag in token.content for tag in ("<img", "</failure", "ZQXFAKE", "<testcase")):  # fmt: skip
            problems.append(f"raw HTML of the student's: {token.content[:120]!r}")
        if token.type in ("image", "link_open"):
            problems.append(f"a {token.type} of the student's: {token.attrs}")
    return problems


@pytest.mark.parametrize(("attack", "mode"), _params())
def test_attack(attack: Attack, mode: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    marker = new_marker()
    as_user = mode == "user"
    if as_user:
        why = ordinary_user()
        if why:
            pytest.skip(why)
        tmp_path = Path(tempfile.mkdtemp(prefix="redteam-user-"))  # pytest's tmp_path is root's alone
        os.chmod(tmp_path, 0o755)
        request.addfinalizer(lambda: shutil.rmtree(tmp_path, ignore_errors=True))
    folder = attack.submission(tmp_path / "submission", marker)
    # forced: an attack meant for bubblewrap never runs in the plain jail
    env = USER_ENV if as_user else {"DLGRADE_JAIL": mode}
    run = grade(folder, env=env, watch=[tmp_path], marker=marker, as_user=as_user)
    report = assert_safe(run)
    assert report["protections"]["jail"] == ("bwrap" if as_user else mode)
    verdict = attack.user_verdict if as_user and attack.user_verdict else attack.verdict
    verdict.check(report, attack.topic, attack.honest_topic)
    held = held_bytes(report)
    assert held <= MEMORY_LIMIT + MEMORY_MARGIN, f"the job's processes held {held >> 20} MiB at once"
    leaked = _leaked_inputs(run.output)
    assert not leaked, f"hidden input values reached the output: {leaked[:3]}"
    assert len(run.stdout) < 1 << 20, f"the report is {len(run.stdout)} bytes"
    for fmt in attack.formats:
        if fmt == "json":
            continue
        rendered = grade(folder, fmt=fmt, env=env, watch=[tmp_path], marker=marker, as_user=as_user)
        assert rendered.code == 0, rendered.stderr[-2000:]
        if fmt == "markdown":
            problems = _markdown_problems(rendered.stdout)
            assert not problems, problems
        if fmt == "text":
            controls = sorted({hex(ord(c)) for c in rendered.stdout if ord(c) < 32 and c not in "\n\t"})
            assert not controls, f"control characters of the student's reached the terminal: {controls}"
            assert "[bold green]ZQXFAKE" in rendered.stdout, "the student's text was interpreted as markup"
        if fmt == "junit":
            tree = ElementTree.fromstring(rendered.stdout)  # well-formed
            names = [case.get("name") for case in tree.iter("testcase")]
            assert not any("ZQXFAKE" == name for name in names), "the student added a test case"
