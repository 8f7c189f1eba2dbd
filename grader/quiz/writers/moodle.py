"""Moodle XML: one category per question (``$course$/top/dlgrade/<topic>/<question>``) holding
its pre-generated variants, each with ``<idnumber>`` = its variant id.

Compiled semantics: numerical answers with the absolute tolerance ``atol + rtol·|value|`` of
each variant (exact), modelled mistakes as 0% answers with feedback (windows that never reach
the right answer; Moodle takes the first matching answer, the right one comes first);
multichoice with net_correct fractions (exact for net_correct, noted otherwise); a half-right
single choice as an allowed Moodle fraction (else a ConfigError naming the question);
shortanswer case-insensitive; matching with Moodle's per-pair credit (noted for
all_or_nothing).
"""

from __future__ import annotations

from xml.sax.saxutils import escape as xml_escape

from grader.quiz.markup import to_html, to_plain
from grader.quiz.model import Item, format_number
from grader.quiz.writers.common import (
    Export,
    Pools,
    cdata,
    lms_number,
    moodle_fraction,
    multi_fractions,
)

TARGET = "moodle"


def _text(text: str, inline: bool = False) -> str:
    return f"<text>{cdata(to_html(text, math='tex', inline=inline))}</text>"


def _fb(text: str) -> str:
    return f'<feedback format="html">{_text(text) if text else "<text></text>"}</feedback>'


def _answer(fraction: str, text_xml: str, feedback: str = "", extra: str = "", fmt: str = "html") -> str:
    return f'    <answer fraction="{fraction}" format="{fmt}">{text_xml}{extra}{_fb(feedback)}</answer>'


def _question(item: Item, k: int, export: Export, where: str) -> str:
    qtype = {
        "single": "multichoice",
        "multi": "multichoice",
        "truefalse": "truefalse",
        "numeric": "numerical",
        "short": "shortanswer",
        "matching": "matching",
    }[item.type]
    name = xml_escape(f"{to_plain(item.title)} · {item.qid} v{k:03d}")
    head = [
        f'  <question type="{qtype}">',
        f"    <name><text>{name}</text></name>",
        f'    <questiontext format="html">{_text(item.text)}</questiontext>',
        f'    <generalfeedback format="html">{_text(item.feedback) if item.feedback else "<text></text>"}</generalfeedback>',
        f"    <defaultgrade>{format_number(item.points)}</defaultgrade>",
        "    <penalty>0</penalty>",
        "    <hidden>0</hidden>",
        f"    <idnumber>{xml_escape(item.variant_id)}</idnumber>",
    ]
    body: list[str] = []
    if item.type in ("single", "multi"):
        single = item.type == "single"
        body += [
            f"    <single>{'true' if single else 'false'}</single>",
            f"    <shuffleanswers>{'true' if item.shuffle else 'false'}</shuffleanswers>",
            "    <answernumbering>abc</answernumbering>",
        ]
        shares = {c.id: c.credit for c in item.choices} if single else multi_fractions(item, TARGET, export)
        for c in item.choices:
            body.append(_answer(moodle_fraction(shares[c.id], where), _text(c.text, inline=True), c.feedback))
        if not single:
            body.append("    <shownumcorrect/>")
    elif item.type == "truefalse":
        for c in item.choices:
            body.append(_answer("100" if c.correct else "0", f"<text>{c.id}</text>", c.feedback, fmt="moodle_auto_format"))
    elif item.type == "numeric":
        assert item.numeric is not None
        key = item.numeric
        body.append(
            _answer(
                "100",
                f"<text>{lms_number(key.value)}</text>",
                extra=f"<tolerance>{lms_number(key.tolerance)}</tolerance>",
                fmt="moodle_auto_format",
            )
        )
        for m in key.mistakes:
            tol = key.mistake_tolerance(m)
            if m.feedback and tol > 0:
                body.append(
                    _answer(
                        "0",
                        f"<text>{lms_number(m.value)}</text>",
                        m.feedback,
                        extra=f"<tolerance>{lms_number(tol)}</tolerance>",
                        fmt="moodle_auto_format",
                    )
                )
        body += [
            "    <unitgradingtype>0</unitgradingtype>",
            "    <unitpenalty>0.1</unitpenalty>",
            "    <showunits>3</showunits>",
            "    <unitsleft>0</unitsleft>",
        ]
    elif item.type == "short":
        body.append("    <usecase>0</usecase>")
        for a in item.answers:
            body.append(_answer("100", f"<text>{xml_escape(a.replace('*', chr(92) + '*'))}</text>", fmt="moodle_auto_format"))
    elif item.type == "matching":
        if item.policy != "per_pair":
            export.note(TARGET, item, f"policy {item.policy} cannot be expressed; Moodle gives credit per pair")
        body.append(f"    <shuffleanswers>{'true' if item.shuffle else 'false'}</shuffleanswers>")
        for p in item.pairs:
            body.append(
                f'    <subquestion format="html">{_text(p.left, inline=True)}'
                f"<answer><text>{xml_escape(p.right)}</text></answer></subquestion>"
            )
        for o in item.options:
            if o.id not in {p.id for p in item.pairs}:
                body.append(
                    '    <subquestion format="html"><text></text>'
                    f"<answer><text>{xml_escape(o.text)}</text></answer></subquestion>"
                )
    return "\n".join(head + body + ["  </question>"])


def export_moodle(pools: Pools, lang: str) -> Export:
    export = Export()
    for bank, questions in pools:
        out = [
            '<?xml version="1.0" encoding="UTF-8"?>',
            "<quiz>",
            f"<!-- dlgrade quiz bank {bank.topic} ({lang}): one category per question; "
            "draw one variant per student with a random question -->",
        ]
        for q, items in questions:
            out.append(
                '  <question type="category"><category><text>'
                f"$course$/top/dlgrade/{bank.topic}/{q.id}</text></category></question>"
            )
            where = f"{bank.path}: question {q.id!r}"
            for k, item in enumerate(items):
                out.append(_question(item, k, export, where))
        out.append("</quiz>")
        export.files[f"{bank.topic}.moodle.xml"] = ("\n".join(out) + "\n").encode("utf-8")
    return export
