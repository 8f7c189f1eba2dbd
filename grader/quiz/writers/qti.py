"""Canvas QTI 1.2 (a ``.zip`` per topic, the layout text2qti and R/exams use): one quiz per
topic, one question group per question (``selection_number`` 1) holding its variants, so Canvas
draws one variant per student.

Compiled semantics: numerical answers in the exact ± margin form Canvas recognizes
(``or(varequal v, and(vargte v−t, varlte v+t))``, t = atol + rtol·|v|); answers with
|v| < 1e-4 are noted (Canvas classic rounds them to 0). Canvas scores multiple-answer questions
with its own partial credit whatever the file says, single choices without partial credit, and
matching per pair: each is noted where it differs from the bank's policy.
"""

from __future__ import annotations

import io
import zipfile
from xml.sax.saxutils import escape as xml_escape
from xml.sax.saxutils import quoteattr

from grader.quiz.markup import to_html, to_plain
from grader.quiz.model import Item, format_number
from grader.quiz.writers.common import Export, Pools, lms_number

TARGET = "canvas"
QUESTION_TYPES = {
    "single": "multiple_choice_question",
    "truefalse": "true_false_question",
    "multi": "multiple_answers_question",
    "numeric": "numerical_question",
    "short": "short_answer_question",
    "matching": "matching_question",
}


def ident(text: str) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in text)


def _mat(text: str, inline: bool = False) -> str:
    return f'<material><mattext texttype="text/html">{xml_escape(to_html(text, math="tex", inline=inline))}</mattext></material>'


def _meta(label: str, value: str) -> str:
    return f"<qtimetadatafield><fieldlabel>{label}</fieldlabel><fieldentry>{xml_escape(value)}</fieldentry></qtimetadatafield>"


def _set(score: float | str, action: str = "Set") -> str:
    return f'<setvar action="{action}" varname="SCORE">{score}</setvar>'


def _item(item: Item, export: Export) -> str:
    iid = ident(item.variant_id)
    answers: list[str] = []
    pres: list[str] = [_mat(item.text)]
    proc: list[str] = ['<outcomes><decvar maxvalue="100" minvalue="0" varname="SCORE" vartype="Decimal"/></outcomes>']
    feedback: dict[str, str] = {}
    if item.feedback:
        feedback["general_fb"] = item.feedback
    if item.type in ("single", "truefalse", "multi"):
        card = "Multiple" if item.type == "multi" else "Single"
        labels = "".join(f'<response_label ident="{c.public_id}">{_mat(c.text, True)}</response_label>' for c in item.choices)
        pres.append(
            f'<response_lid ident="response1" rcardinality="{card}"><render_choice '
            f'shuffle="{"Yes" if item.shuffle else "No"}">{labels}</render_choice>'
            "</response_lid>"
        )
        answers = [c.public_id for c in item.choices]
        if item.feedback:
            proc.append(
                '<respcondition continue="Yes"><conditionvar><other/></conditionvar>'
                '<displayfeedback feedbacktype="Response" linkrefid="general_fb"/>'
                "</respcondition>"
            )
        for c in item.choices:
            if c.feedback:
                feedback[f"{c.public_id}_fb"] = c.feedback
                proc.append(
                    '<respcondition continue="Yes"><conditionvar><varequal '
                    f'respident="response1">{c.public_id}</varequal></conditionvar>'
                    f'<displayfeedback feedbacktype="Response" linkrefid="{c.public_id}_fb"/>'
                    "</respcondition>"
                )
        if item.type == "multi":
            conds = "".join(
                f'<varequal respident="response1">{c.public_id}</varequal>'
                if c.correct
                else f'<not><varequal respident="response1">{c.public_id}</varequal></not>'
                for c in item.choices
            )
            proc.append(
                f'<respcondition continue="No"><conditionvar><and>{conds}</and></conditionvar>{_set(100)}</respcondition>'
            )
            export.note(
                TARGET,
                item,
                f"policy {item.policy}: Canvas applies its own partial "
                "credit to multiple-answer questions (a share per right tick, the same "
                "share off per wrong tick, not below 0) whatever the file says",
            )
        else:
            right = next(c for c in item.choices if c.correct)
            proc.append(
                '<respcondition continue="No"><conditionvar><varequal '
                f'respident="response1">{right.public_id}</varequal></conditionvar>'
                f"{_set(100)}</respcondition>"
            )
            if any(0 < c.credit < 1 for c in item.choices):
                export.note(
                    TARGET,
                    item,
                    "partial credit of a single choice cannot be expressed; Canvas gives 0 for the half-right choice",
                )
    elif item.type == "numeric":
        assert item.numeric is not None
        key = item.numeric
        v, t = key.value, key.tolerance
        pres.append(
            '<response_str ident="response1" rcardinality="Single"><render_fib '
            'fibtype="Decimal"><response_label ident="answer1"/></render_fib>'
            "</response_str>"
        )
        proc.append(
            '<respcondition continue="No"><conditionvar><or>'
            f'<varequal respident="response1">{lms_number(v)}</varequal><and>'
            f'<vargte respident="response1">{lms_number(v - t)}</vargte>'
            f'<varlte respident="response1">{lms_number(v + t)}</varlte></and></or>'
            f"</conditionvar>{_set(100)}</respcondition>"
        )
        if abs(v) < 1e-4 or t < 1e-4:
            export.note(
                TARGET,
                item,
                "an answer or margin below 1e-4 (Canvas classic quizzes "
                "round such values to 0): check this question after import",
            )
        if any(m.feedback for m in key.mistakes):
            export.note(
                TARGET,
                item,
                "feedback on modelled mistakes is not exported (Canvas numerical questions have one answer feedback)",
            )
    elif item.type == "short":
        pres.append(
            '<response_str ident="response1" rcardinality="Single"><render_fib>'
            '<response_label ident="answer1" rshuffle="No"/></render_fib>'
            "</response_str>"
        )
        for a in item.answers:
            proc.append(
                '<respcondition continue="No"><conditionvar><varequal '
                f'respident="response1">{xml_escape(a)}</varequal></conditionvar>'
                f"{_set(100)}</respcondition>"
            )
    elif item.type == "matching":
        labels = "".join(
            f'<response_label ident="{o.public_id}"><material><mattext '
            f'texttype="text/plain">{xml_escape(o.text)}</mattext></material>'
            "</response_label>"
            for o in item.options
        )
        share = format_number(100 / len(item.pairs), 8)
        for p in item.pairs:
            right = next(o for o in item.options if o.id == p.id)  # type: ignore[assignment]
            pres.append(
                f'<response_lid ident="response_{p.public_id}">{_mat(p.left, True)}'
                f"<render_choice>{labels}</render_choice></response_lid>"
            )
            proc.append(
                '<respcondition continue="Yes"><conditionvar><varequal '
                f'respident="response_{p.public_id}">{right.public_id}</varequal>'
                f"</conditionvar>{_set(share, 'Add')}</respcondition>"
            )
        answers = [o.public_id for o in item.options]
        if item.policy != "per_pair":
            export.note(TARGET, item, f"policy {item.policy} cannot be expressed; Canvas gives credit per pair")
    fb = "".join(f'<itemfeedback ident="{k}"><flow_mat>{_mat(v)}</flow_mat></itemfeedback>' for k, v in feedback.items())
    meta = "".join(
        [
            _meta("question_type", QUESTION_TYPES[item.type]),
            _meta("points_possible", format_number(item.points)),
            _meta("original_answer_ids", ",".join(answers)),
            _meta("assessment_question_identifierref", f"{iid}_ref"),
        ]
    )
    return (
        f"<item ident={quoteattr(iid)} title={quoteattr(to_plain(item.title))}>"
        f"<itemmetadata><qtimetadata>{meta}</qtimetadata></itemmetadata>"
        f"<presentation>{''.join(pres)}</presentation>"
        f"<resprocessing>{''.join(proc)}</resprocessing>{fb}</item>"
    )


def _manifest(aid: str) -> str:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="{aid}_manifest" xmlns="http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <metadata><schema>IMS Content</schema><schemaversion>1.1.3</schemaversion></metadata>
  <organizations/>
  <resources>
    <resource identifier="{aid}" type="imsqti_xmlv1p2"><file href="{aid}/{aid}.xml"/><dependency identifierref="{aid}_meta"/></resource>
    <resource identifier="{aid}_meta" type="associatedcontent/imscc_xmlv1p1/learning-application-resource" href="{aid}/assessment_meta.xml"><file href="{aid}/assessment_meta.xml"/></resource>
  </resources>
</manifest>
"""


def _assessment_meta(aid: str, title: str, points: float) -> str:
    t, p = xml_escape(title), format_number(points)
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<quiz identifier="{aid}" xmlns="http://canvas.instructure.com/xsd/cccv1p0" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <title>{t}</title><description></description>
  <shuffle_answers>true</shuffle_answers><scoring_policy>keep_highest</scoring_policy>
  <hide_results></hide_results><quiz_type>assignment</quiz_type><points_possible>{p}</points_possible>
  <show_correct_answers>false</show_correct_answers><allowed_attempts>1</allowed_attempts>
  <one_question_at_a_time>false</one_question_at_a_time><cant_go_back>false</cant_go_back><available>false</available>
  <assignment identifier="{aid}_assignment"><title>{t}</title><quiz_identifierref>{aid}</quiz_identifierref>
    <points_possible>{p}</points_possible><grading_type>points</grading_type><submission_types>online_quiz</submission_types>
    <workflow_state>unpublished</workflow_state></assignment>
  <assignment_group_identifierref>{aid}_group</assignment_group_identifierref>
</quiz>
"""


def export_qti(pools: Pools, lang: str) -> Export:
    export = Export()
    for bank, questions in pools:
        aid = ident(f"dlgrade_{bank.topic}")
        title = bank.title(lang)
        sections = []
        points = 0.0
        for q, items in questions:
            points += q.points
            body = "".join(_item(item, export) for item in items)
            sections.append(
                f'<section ident="{ident(f"g_{bank.topic}_{q.id}")}" '
                f"title={quoteattr(to_plain(items[0].title))}><selection_ordering><selection>"
                "<selection_number>1</selection_number><selection_extension><points_per_item>"
                f"{format_number(q.points)}</points_per_item></selection_extension></selection>"
                f"</selection_ordering>{body}</section>"
            )
        xml = (
            '<?xml version="1.0" encoding="UTF-8"?>\n<questestinterop '
            'xmlns="http://www.imsglobal.org/xsd/ims_qtiasiv1p2" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation='
            '"http://www.imsglobal.org/xsd/ims_qtiasiv1p2 '
            'http://www.imsglobal.org/xsd/ims_qtiasiv1p2p1.xsd">\n'
            f"<assessment ident={quoteattr(aid)} title={quoteattr(title)}><qtimetadata>"
            f"{_meta('cc_maxattempts', '1')}</qtimetadata>"
            f'<section ident="root_section">{"".join(sections)}</section></assessment>\n'
            "</questestinterop>\n"
        )
        export.files[f"{bank.topic}.qti.zip"] = _zip(
            {
                "imsmanifest.xml": _manifest(aid),
                "non_cc_assessments/": "",
                f"{aid}/{aid}.xml": xml,
                f"{aid}/assessment_meta.xml": _assessment_meta(aid, title, points),
            }
        )
    return export


def _zip(files: dict[str, str]) -> bytes:
    """A reproducible zip: fixed timestamps, the given order."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in files.items():
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_STORED if name.endswith("/") else zipfile.ZIP_DEFLATED
            info.external_attr = (0o40755 << 16) | 0x10 if name.endswith("/") else 0o644 << 16
            z.writestr(info, text)
    return buf.getvalue()
