"""Per-student feedback, HTML and Markdown, in the language of the student's report: the score
per topic, each failing test with its title, message and hints, what is wrong with a topic as a
whole, and the jail the code ran in with its protections.

Only what the report's format promises a student may read is shown: titles, messages and hints
(which name the property and the kind of input, never the hidden data), warnings, the seed.
Neither what the code printed (``output``) nor the resources it used are: the first could
echo whatever the code received, the second says nothing a student can act on."""

from __future__ import annotations

from typing import Any

from grader.render import _protection_parts, protections_line
from grader.reports.model import Member
from grader.reports.templates import render
from grader.reports.words import words


def feedback_context(member: Member) -> dict[str, Any]:
    report = member.report
    lang = report.lang if report.lang in ("en", "ru") else "en"
    w = words(lang)
    jail, held, missing, memory = _protection_parts(report.protections, lang)
    topics = []
    for topic in report.topics:
        failing = [
            {"title": t.title, "outcome": w[t.outcome], "outcome_key": t.outcome, "points": t.points,
             "max_points": t.max_points, "message": t.message, "hints": list(t.hints)}
            for t in topic.tests if t.outcome != "pass"
        ]  # fmt: skip
        topics.append({
            "name": topic.topic, "score": topic.score, "max_score": topic.max_score,
            "status": w[topic.status], "status_key": topic.status, "message": topic.message,
            "failing": failing, "warnings": list(topic.warnings),
            "passed": sum(t.outcome == "pass" for t in topic.tests), "tests": len(topic.tests),
        })  # fmt: skip
    return {
        "w": w, "lang": lang, "student": member.id, "score": report.score, "max_score": report.max_score,
        "percent": round(100 * report.score / report.max_score) if report.max_score else 0,
        "topics": topics, "error": report.error, "ran": bool(report.protections),
        "jail": jail, "strong": jail == "bwrap", "held": held, "missing": missing,
        "memory_mib": memory >> 20 if memory is not None else None,
        "protections_line": protections_line(report) if report.protections else w["nothing_ran"],
        "seed": report.seed, "grader_version": report.grader_version, "content_sha256": report.content_sha256,
        "all_passed": all(not t["failing"] and t["status_key"] == "graded" for t in topics) and not report.error,
    }  # fmt: skip


def feedback_html(member: Member) -> str:
    return render("feedback.html.j2", **feedback_context(member))


def feedback_markdown(member: Member) -> str:
    return render("feedback.md.j2", **feedback_context(member))
