"""GIFT (Moodle's plain-text import format): one ``$CATEGORY`` per question holding its variants,
so a Moodle "random question from category" gives each student one of them.

Compiled semantics: numeric ``{#=value:tolerance}`` with the absolute half-width
``atol + rtol·|value|`` of each variant (exact); mistakes as 0% answers with feedback on a
window that cannot reach the right one; multi as net_correct fractions (exact for net_correct);
partial credit of a single choice as a Moodle fraction (or an error if Moodle has none).
GIFT has no per-question points: every question imports with 1 point (noted when a bank says
otherwise).
"""

from __future__ import annotations

from grader.quiz.markup import to_html, to_plain
from grader.quiz.model import Item
from grader.quiz.writers.common import (
    Export,
    Pools,
    lms_number,
    moodle_fraction,
    multi_fractions,
)

TARGET = "gift"


def escape(text: str) -> str:
    """GIFT's special characters, escaped as Moodle's own exporter does; one line."""
    for ch in "\\~=#{}:":
        text = text.replace(ch, "\\" + ch)
    return " ".join(text.split())


def _html(text: str, inline: bool = False) -> str:
    return escape(to_html(text, math="tex", inline=inline))


def _fb(text: str) -> str:
    return f"#{_html(text, inline=True)}" if text else ""


def _answers(item: Item, export: Export, where: str) -> str:
    if item.type == "truefalse":
        right, wrong = ("TRUE", "FALSE") if item.choices[0].correct else ("FALSE", "TRUE")
        return "{" + right + "}"
    if item.type == "single":
        parts = []
        for c in item.choices:
            if c.correct:
                parts.append(f"={_html(c.text, True)}{_fb(c.feedback)}")
            elif c.credit > 0:
                parts.append(f"~%{moodle_fraction(c.credit, where)}%{_html(c.text, True)}{_fb(c.feedback)}")
            else:
                parts.append(f"~{_html(c.text, True)}{_fb(c.feedback)}")
        return "{\n\t" + "\n\t".join(parts) + "\n}"
    if item.type == "multi":
        shares = multi_fractions(item, TARGET, export)
        parts = [f"~%{moodle_fraction(shares[c.id], where)}%{_html(c.text, True)}{_fb(c.feedback)}" for c in item.choices]
        return "{\n\t" + "\n\t".join(parts) + "\n}"
    if item.type == "numeric":
        assert item.numeric is not None
        key = item.numeric
        parts = [f"={lms_number(key.value)}:{lms_number(key.tolerance)}"]
        for m in key.mistakes:
            tol = key.mistake_tolerance(m)
            if m.feedback and tol > 0:
                parts.append(f"=%0%{lms_number(m.value)}:{lms_number(tol)}{_fb(m.feedback)}")
        return "{#\n\t" + "\n\t".join(parts) + "\n}"
    if item.type == "short":
        return "{" + " ".join(f"={escape(a.replace('*', chr(92) + '*'))}" for a in item.answers) + "}"
    if item.type == "matching":
        if item.policy != "per_pair":
            export.note(TARGET, item, f"policy {item.policy} cannot be expressed; Moodle gives credit per pair")
        parts = [f"={_html(p.left, True)} -> {escape(p.right)}" for p in item.pairs]
        parts += [f"= -> {escape(o.text)}" for o in item.options if o.id not in {p.id for p in item.pairs}]
        return "{\n\t" + "\n\t".join(parts) + "\n}"
    raise ValueError(item.type)


def export_gift(pools: Pools, lang: str) -> Export:
    export = Export()
    for bank, questions in pools:
        lines = [
            f"// dlgrade quiz bank {bank.topic} ({lang}); every question's variants share "
            "one category: draw one per student with a random question",
            "",
        ]
        for q, items in questions:
            lines += [f"$CATEGORY: $course$/top/dlgrade/{bank.topic}/{q.id}", ""]
            if q.points != 1:
                export.note(TARGET, q, f"GIFT has no points: set {q.points:g} in the quiz")
            for k, item in enumerate(items):
                where = f"{bank.path}: question {q.id!r}"
                name = escape(f"{item.variant_id} {to_plain(item.title)}")
                general = f"####{_html(item.feedback)}" if item.feedback else ""
                body = _answers(item, export, where)
                if item.type == "truefalse" and item.feedback:
                    body = body[:-1] + general + "}"
                    general = ""
                elif general:
                    body = body[:-1].rstrip() + f"\n\t{general}\n}}"
                lines += [f"// variant {k}: {item.variant_id}", f"::{name}::[html]{_html(item.text)}{body}", ""]
        export.files[f"{bank.topic}.gift.txt"] = "\n".join(lines).encode("utf-8")
    return export
