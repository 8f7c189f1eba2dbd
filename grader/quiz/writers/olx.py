"""Open edX OLX: a course-import ``.tar.gz`` (Studio: Tools > Import) with a chapter per topic,
a graded subsection "quiz" per topic, and in its unit a Problem Bank (``itembank``,
``max_count="1"``) per question holding that question's pre-generated variants as problems, so
Open edX shows each learner one variant of every question.

Layout (``url_name`` values are stable, so a re-import updates the same blocks in place)::

    course/course.xml                          -> course/<run>.xml
    course/chapter/quiz_<topic>.xml            -> sequential/quiz_<topic>.xml -> vertical/...
    course/itembank/<topic>__<question>.xml    <itembank max_count="1"> + <problem url_name=.../>
    course/problem/<topic>__<question>__<k>.xml
    course/policies/<run>/{policy,grading_policy}.json, course/policies/assets.json

With code problems (``dlgrade quiz export --format olx``, unless ``--no-code``), each topic's
chapter also holds a graded subsection "exercise" whose unit is one ``coderesponse`` problem:
the topic's stub as the initial text, ``{"grader": "<topic>"}`` as the grader payload, the
queue named by ``--queue``; the external grader (``dlgrade serve xqueue``) pulls it there::

    course/sequential/exercise_<topic>_seq.xml -> vertical/exercise_<topic>_unit.xml
    course/problem/exercise_<topic>.xml        <coderesponse queuename=...>

Compiled semantics: numerical answers with the absolute tolerance ``atol + rtol·|v|``, or
``rtol·100 %`` when a question has only a relative tolerance (Open edX's percent is relative to
the instructor's answer: exact either way); single choice with ``partial_credit="points"`` for a
half-right choice (exact); multi with ``EDC`` (exact for edc; net_correct and all_or_nothing
are noted); matching as one drop-down per premise, each worth the same (exact for per_pair);
short answers case-insensitive with every accepted answer.
"""

from __future__ import annotations

import io
import json
import re
import tarfile
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from grader.errors import DlgradeError
from grader.quiz.markup import to_html, to_plain
from grader.quiz.model import Item, format_number
from grader.quiz.writers.common import Export, Pools, lms_number
from grader.text import L

TARGET = "openedx"
RUN = "dlgrade"
_SINGLE_P = re.compile(r"^<p>(.*)</p>$", re.S)


def _a(text: str) -> str:
    return escape(text, quote=True)


def _html(text: str) -> str:
    return to_html(text, math="tex")


def _inline(text: str) -> str:
    return to_html(text, math="tex", inline=True)


def _stem(text: str) -> tuple[str, str]:
    """(HTML before the response, the label): a one-paragraph stem is all label."""
    html = _html(text)
    m = _SINGLE_P.match(html)
    if m and "<p>" not in m.group(1):
        return "", m.group(1)
    paragraphs = html.rsplit("<p>", 1)
    if len(paragraphs) == 2 and paragraphs[1].endswith("</p>"):
        return paragraphs[0], paragraphs[1][:-4]
    return html, ""


def _solution(item: Item) -> str:
    if not item.feedback:
        return ""
    return f'<solution><div class="detailed-solution">{_html(item.feedback)}</div></solution>'


def _hint(text: str, attr: str = "") -> str:
    return f"<choicehint{attr}>{_inline(text)}</choicehint>" if text else ""


def problem_xml(item: Item, export: Export) -> str:
    before, label = _stem(item.text)
    parts: list[str] = [before]
    sol = _solution(item)
    if item.type in ("single", "truefalse"):
        partial = any(0 < c.credit < 1 for c in item.choices)
        choices = []
        for c in item.choices:
            if c.correct:
                attrs = 'correct="true"'
            elif c.credit > 0:
                attrs = f'correct="partial" point_value="{format_number(c.credit)}"'
            else:
                attrs = 'correct="false"'
            choices.append(f"<choice {attrs}>{_inline(c.text)}{_hint(c.feedback)}</choice>")
        pc = ' partial_credit="points"' if partial else ""
        parts.append(
            f"<multiplechoiceresponse{pc}><label>{label}</label>"
            f'<choicegroup type="MultipleChoice" shuffle="{str(item.shuffle).lower()}">'
            f"{''.join(choices)}</choicegroup>{sol}</multiplechoiceresponse>"
        )
    elif item.type == "multi":
        if item.policy == "net_correct":
            export.note(
                TARGET,
                item,
                "policy net_correct cannot be expressed; exported with Open edX's EDC (a share per choice decided right)",
            )
        pc = ' partial_credit="EDC"' if item.policy in ("edc", "net_correct") else ""
        boxes = "".join(
            f'<choice correct="{str(c.correct).lower()}">{_inline(c.text)}'
            f"{_hint(c.feedback, ' selected=' + chr(34) + 'true' + chr(34))}"
            "</choice>"
            for c in item.choices
        )
        parts.append(f"<choiceresponse{pc}><label>{label}</label><checkboxgroup>{boxes}</checkboxgroup>{sol}</choiceresponse>")
    elif item.type == "numeric":
        assert item.numeric is not None
        key = item.numeric
        tol = f"{format_number(key.rtol * 100, 12)}%" if key.atol == 0 else lms_number(key.tolerance)
        parts.append(
            f'<numericalresponse answer="{lms_number(key.value)}"><label>{label}</label>'
            f'<responseparam type="tolerance" default="{tol}"/>'
            f'<formulaequationinput size="12"/>{sol}</numericalresponse>'
        )
        if any(m.feedback for m in key.mistakes):
            export.note(
                TARGET,
                item,
                "feedback on modelled mistakes is not exported (Open edX numerical responses have no per-value feedback)",
            )
    elif item.type == "short":
        first, *rest = item.answers
        extra = "".join(f'<additional_answer answer="{_a(a)}"/>' for a in rest)
        parts.append(
            f'<stringresponse answer="{_a(first)}" type="ci"><label>{label}</label>'
            f'{extra}<textline size="24"/>{sol}</stringresponse>'
        )
    elif item.type == "matching":
        if item.policy != "per_pair":
            export.note(TARGET, item, f"policy {item.policy} cannot be expressed; Open edX gives credit per drop-down")
        if label:
            parts.append(f"<p>{label}</p>")
        for p in item.pairs:
            opts = "".join(
                f'<option correct="{"True" if o.id == p.id else "False"}">{escape(o.text, quote=False)}</option>'
                for o in item.options
            )
            parts.append(f"<optionresponse><label>{_inline(p.left)}</label><optioninput>{opts}</optioninput></optionresponse>")
        parts.append(sol)
    return (
        f'<problem display_name="{_a(to_plain(item.title))}" max_attempts="1" '
        f'weight="{format_number(item.points)}" showanswer="finished" rerandomize="never">'
        f"{''.join(parts)}</problem>\n"
    )


def _check_xml(name: str, text: str) -> None:
    try:
        ET.fromstring(text)
    except ET.ParseError as e:  # our own bug: never ship a file Studio cannot read
        raise DlgradeError(f"OLX writer produced malformed XML in {name}: {e}") from None


def url_name(*parts: str) -> str:
    return "__".join(re.sub(r"[^a-z0-9_]", "_", p.lower()) for p in parts)


@dataclass(frozen=True)
class CodeProblem:
    """One topic's programming exercise, graded outside Open edX by the queue's grader."""

    topic: str
    stub: str  # the student's starting code: the topic's stub, as released
    queue: str  # the XQueue queue the problem's submissions go to


EXERCISE = L("Exercise", "Задание")
_CODE_INTRO = L(
    "<p>Write the functions below: replace each <code>raise NotImplementedError</code>, and keep the "
    "names, parameters and defaults as they are. Then press <b>Submit</b>. Your code is graded by the "
    "course's hidden tests in a sandbox, as <code>dlgrade grade</code> grades it; the score and what "
    "failed come back here, usually within a minute. Use <code>dlgrade check</code> on your machine "
    "first: it runs the public checks.</p>",
    "<p>Напишите функции ниже: замените каждый <code>raise NotImplementedError</code>, не меняя имён, "
    "параметров и значений по умолчанию. Затем нажмите <b>Отправить</b>. Код проверяют скрытые тесты "
    "курса в песочнице, так же как <code>dlgrade grade</code>; оценка и то, что не прошло, появятся "
    "здесь, обычно в течение минуты. Сначала запустите <code>dlgrade check</code> у себя: он "
    "выполняет открытые проверки.</p>",
)
_CODE_ANSWER = L(
    "The reference solution is not shown. The feedback of your last submission says which tests failed and why.",
    "Эталонное решение не показывается. Отзыв на последнюю отправку говорит, какие тесты не прошли и почему.",
)


def code_problem_xml(problem: CodeProblem, title: str, lang: str) -> str:
    """A ``coderesponse`` problem, as edx-platform's CodeResponse reads it: a textbox for Python,
    ``codeparam`` with the initial text, a neutral answer display (never the reference) and the
    grader payload."""
    payload = json.dumps({"grader": problem.topic})
    return (
        f'<problem display_name="{_a(EXERCISE(lang) + ": " + title)}" weight="1" showanswer="never" '
        f'rerandomize="never">{_CODE_INTRO(lang)}'
        f'<coderesponse queuename="{_a(problem.queue)}">'
        f"<label>{escape(title, quote=False)}</label>"
        '<textbox rows="40" cols="100" mode="python" tabsize="4"/>'
        f"<codeparam><initial_display>{escape(problem.stub, quote=False)}</initial_display>"
        f"<answer_display>{escape(_CODE_ANSWER(lang), quote=False)}</answer_display>"
        f"<grader_payload>{escape(payload, quote=False)}</grader_payload></codeparam>"
        "</coderesponse></problem>\n"
    )


COURSE_TITLE = L("Quizzes: deep learning basics", "Тесты: основы глубокого обучения")
QUIZ = L("Quiz", "Тест")


def export_olx(pools: Pools, lang: str, *, title: str = "", org: str = "dlgrade",
               code: Sequence[CodeProblem] = ()) -> Export:  # fmt: skip
    export = Export()
    code_of = {problem.topic: problem for problem in code}
    exercises = 0
    files: dict[str, str] = {}
    chapters = []
    course_title = title or COURSE_TITLE(lang)
    quiz_word = QUIZ(lang)
    for bank, questions in pools:
        t = bank.topic
        ch, seq, vert = f"quiz_{t}", f"quiz_{t}_seq", f"quiz_{t}_unit"
        chapters.append(ch)
        sequentials = f'<sequential url_name="{seq}"/>'
        if (problem := code_of.get(t)) is not None:
            exercises += 1
            ex_seq, ex_vert, ex_problem = f"exercise_{t}_seq", f"exercise_{t}_unit", f"exercise_{t}"
            sequentials += f'<sequential url_name="{ex_seq}"/>'
            files[f"sequential/{ex_seq}.xml"] = (
                f'<sequential display_name="{_a(EXERCISE(lang) + ": " + bank.title(lang))}" '
                f'graded="true" format="Exercise"><vertical url_name="{ex_vert}"/></sequential>\n'
            )
            files[f"vertical/{ex_vert}.xml"] = (
                f'<vertical display_name="{_a(bank.title(lang))}"><problem url_name="{ex_problem}"/></vertical>\n'
            )
            files[f"problem/{ex_problem}.xml"] = code_problem_xml(problem, bank.title(lang), lang)
        files[f"chapter/{ch}.xml"] = f'<chapter display_name="{_a(bank.title(lang))}">{sequentials}</chapter>\n'
        files[f"sequential/{seq}.xml"] = (
            f'<sequential display_name="{_a(quiz_word + ": " + bank.title(lang))}" '
            f'graded="true" format="Quiz"><vertical url_name="{vert}"/></sequential>\n'
        )
        banks_xml = []
        for q, items in questions:
            ib = url_name(t, q.id)
            banks_xml.append(f'<itembank url_name="{ib}"/>')
            children = []
            for k, item in enumerate(items):
                pid = url_name(t, q.id, f"{k:03d}")
                children.append(f'<problem url_name="{pid}"/>')
                files[f"problem/{pid}.xml"] = problem_xml(item, export)
            files[f"itembank/{ib}.xml"] = (
                f'<itembank display_name="{_a(to_plain(items[0].title))}" max_count="1">{"".join(children)}</itembank>\n'
            )
        files[f"vertical/{vert}.xml"] = f'<vertical display_name="{_a(bank.title(lang))}">{"".join(banks_xml)}</vertical>\n'
    files["course.xml"] = f'<course url_name="{RUN}" org="{_a(org)}" course="dlgrade_quiz"/>\n'
    files[f"course/{RUN}.xml"] = "<course>" + "".join(f'<chapter url_name="{c}"/>' for c in chapters) + "</course>\n"
    files[f"policies/{RUN}/policy.json"] = json.dumps(
        {
            f"course/{RUN}": {
                "display_name": course_title,
                "language": lang,
                "start": "2026-01-01T00:00:00Z",
                "end": "2030-12-31T00:00:00Z",
                "course_image": "",
            }
        },
        ensure_ascii=False,
        indent=2,
    )
    files[f"policies/{RUN}/grading_policy.json"] = json.dumps(
        {
            "GRADER": [
                {
                    "type": "Quiz",
                    "min_count": len(chapters),
                    "drop_count": 0,
                    "short_label": "Q",
                    "weight": 0.5 if exercises else 1.0,
                }
            ]
            + (
                [{"type": "Exercise", "min_count": exercises, "drop_count": 0, "short_label": "Ex", "weight": 0.5}]
                if exercises
                else []
            ),
            "GRADE_CUTOFFS": {"Pass": 0.5},
        },
        indent=2,
    )
    files["policies/assets.json"] = "{}"
    for name, text in files.items():
        if name.endswith(".xml"):
            _check_xml(name, text)
    export.files["course.olx.tar.gz"] = _tarball(files)
    return export


def _tarball(files: dict[str, str]) -> bytes:
    """A reproducible tar.gz: sorted names, fixed times and owners, one top folder course/."""
    buf = io.BytesIO()
    import gzip

    with gzip.GzipFile(fileobj=buf, mode="wb", mtime=0) as gz:
        with tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as tar:
            dirs = sorted({"/".join(n.split("/")[:i]) for n in files for i in range(1, n.count("/") + 1)})
            for d in ["course"] + [f"course/{d}" for d in dirs]:
                info = tarfile.TarInfo(d)
                info.type, info.mode, info.mtime = tarfile.DIRTYPE, 0o755, 0
                tar.addfile(info)
            for name in sorted(files):
                data = files[name].encode("utf-8")
                info = tarfile.TarInfo(f"course/{name}")
                info.size, info.mode, info.mtime = len(data), 0o644, 0
                tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()
