"""What a student receives: their quiz as Markdown, JSON or one standalone HTML page.

None of these contains an answer: no correct flags, no numeric keys, no per-choice feedback,
no bank choice ids (which may name a mistake); choices, premises and options carry opaque
public ids. ``with_key=True`` (Markdown and JSON only) makes the instructor's copy instead.
"""

from __future__ import annotations

import html
import json
from typing import Any

from grader.quiz.markup import to_html, to_markdown, to_plain
from grader.quiz.model import Item, Quiz, format_number
from grader.quiz.scoring import right_answer
from grader.text import L

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"

WORDS = {
    "student": L("Student", "Студент"),
    "quiz": L("Quiz", "Тест"),
    "points": L("pt", "б."),
    "answer": L("Answer", "Ответ"),
    "questions": L("questions", "вопросов"),
    "max": L("maximum", "максимум"),
    "key": L("Key", "Ключ"),
    "solution": L("Solution", "Решение"),
    "single": L("Choose one answer.", "Выберите один ответ."),
    "multi": L("Choose every correct answer.", "Выберите все верные ответы."),
    "truefalse": L("Is the statement true?", "Верно ли утверждение?"),
    "numeric": L("Enter a number.", "Введите число (можно с запятой)."),
    "short": L("Enter a short answer.", "Введите короткий ответ."),
    "matching": L("Match every item with an option.", "Сопоставьте каждому пункту вариант."),
    "premise": L("Item", "Пункт"),
    "option": L("Option", "Вариант"),
    "download": L("Save answers (JSON)", "Сохранить ответы (JSON)"),
    "howto": L("Your answers are saved to a JSON file that you hand in.",
               "Ответы сохраняются в файл JSON, который нужно сдать преподавателю."),
    "choose": L("— choose —", "— выберите —"),
    "variant": L("Variant", "Вариант"),
}  # fmt: skip


def _words(lang: str) -> dict[str, str]:
    """The page's words in one language."""
    return {key: text(lang) for key, text in WORDS.items()}


def _pts(points: float) -> str:
    return format_number(points)


def key_text(item: Item) -> str:
    """The answer key of an item as Markdown (instructor copies only)."""
    if item.type in ("single", "truefalse", "multi"):
        ids = right_answer(item)
        ids = {ids} if isinstance(ids, str) else ids
        return "; ".join(f"{LETTERS[i]} ({c.text})" for i, c in enumerate(item.choices) if c.id in ids)
    if item.type == "numeric":
        assert item.numeric is not None
        return f"{item.numeric.display()} (± {format_number(item.numeric.tolerance, 3)})"
    if item.type == "short":
        return " / ".join(item.answers)
    return "; ".join(f"{p.left} → {p.right}" for p in item.pairs)


# --------------------------------------------------------------------------- Markdown


def quiz_markdown(quiz: Quiz, *, with_key: bool = False) -> str:
    w = _words(quiz.lang)
    out = [
        f"# {w['quiz']}: {quiz.title}",
        "",
        f"**{w['student']}:** {quiz.student} · {len(quiz.items)} {w['questions']}, "
        f"{w['max']} {_pts(quiz.max_score)} {w['points']}",
        "",
    ]
    for n, item in enumerate(quiz.items, 1):
        out += [
            f"## {n}. {to_plain(item.title)} ({_pts(item.points)} {w['points']})",
            f"<!-- {item.variant_id} -->",
            "",
            to_markdown(item.text),
            "",
            f"*{w[item.type]}*",
            "",
        ]
        if item.type in ("single", "multi", "truefalse"):
            box = "[ ]" if item.type == "multi" else "( )"
            for i, c in enumerate(item.choices):
                out.append(f"- {box} **{LETTERS[i]}.** {c.text} `{c.public_id}`")
            out.append("")
        elif item.type == "matching":
            out += [f"| {w['premise']} | id |", "| --- | --- |"]
            out += [f"| {p.left} | `{p.public_id}` |" for p in item.pairs]
            out += ["", f"| {w['option']} | id |", "| --- | --- |"]
            out += [f"| {o.text} | `{o.public_id}` |" for o in item.options]
            out.append("")
        else:
            out += [f"{w['answer']}: ____________", ""]
        if with_key:
            out += [f"> **{w['key']}:** {key_text(item)}", ">"]
            if item.feedback:
                out += [f"> {w['solution']}: {item.feedback}"]
            out.append("")
    return "\n".join(out).rstrip() + "\n"


# --------------------------------------------------------------------------- JSON


def item_json(item: Item, *, with_key: bool = False) -> dict[str, Any]:
    d: dict[str, Any] = {
        "variant": item.variant_id,
        "question": item.qid,
        "type": item.type,
        "title": item.title,
        "text": item.text,
        "points": item.points,
    }
    if item.choices:
        d["choices"] = [{"id": c.public_id, "letter": LETTERS[i], "text": c.text} for i, c in enumerate(item.choices)]
    if item.type == "numeric" and item.numeric and item.numeric.decimals is not None:
        d["decimals"] = item.numeric.decimals
    if item.type == "matching":
        d["premises"] = [{"id": p.public_id, "text": p.left} for p in item.pairs]
        d["options"] = [{"id": o.public_id, "text": o.text} for o in item.options]
    if with_key:
        d["key"] = _key_json(item)
        d["feedback"] = item.feedback
        d["params"] = dict(item.params)
    return d


def _key_json(item: Item) -> Any:
    ans = right_answer(item)
    if item.type in ("single", "truefalse"):
        return next(c.public_id for c in item.choices if c.id == ans)
    if item.type == "multi":
        return sorted(c.public_id for c in item.choices if c.id in ans)
    if item.type == "numeric":
        assert item.numeric is not None
        return {"value": item.numeric.value, "tolerance": item.numeric.tolerance}
    if item.type == "short":
        return list(item.answers)
    return {p.public_id: next(o.public_id for o in item.options if o.id == p.id) for p in item.pairs}


def quiz_json(quiz: Quiz, *, with_key: bool = False) -> dict[str, Any]:
    return {
        "schema": "dlgrade.quiz/1",
        "topic": quiz.topic,
        "student": quiz.student,
        "lang": quiz.lang,
        "title": quiz.title,
        "max_score": quiz.max_score,
        "items": [item_json(i, with_key=with_key) for i in quiz.items],
    }


# --------------------------------------------------------------------------- HTML

_CSS = """
body{font-family:"DejaVu Sans","Noto Sans",Arial,sans-serif;max-width:52rem;margin:2rem auto;
padding:0 1rem;line-height:1.5;color:#1a1a1a}
h1{font-size:1.6rem;margin-bottom:.2rem}.meta{color:#555;margin-top:0}
section.q{border:1px solid #ddd;border-radius:6px;padding:.6rem 1rem;margin:1rem 0}
section.q h2{font-size:1.1rem;margin:.3rem 0}.pts{color:#666;font-weight:normal}
.how{color:#555;font-style:italic;margin:.3rem 0}
label.choice{display:block;margin:.25rem 0;cursor:pointer}
.letter{font-weight:bold;margin-right:.3rem}
input.num,input.txt{font-size:1rem;padding:.2rem .4rem;width:14rem}
table.match td{padding:.2rem .6rem .2rem 0;vertical-align:middle}
math{font-size:1.1em}
button{font-size:1rem;padding:.4rem 1rem;margin-top:1rem}
"""

_JS = """
function dlgradeAnswers(){
 var f=document.getElementById('quiz'),rows=[],meta=JSON.parse(f.dataset.meta);
 meta.items.forEach(function(it){
  var a='';
  if(it.type==='multi'){a=[];f.querySelectorAll('input[name="'+it.v+'"]:checked')
   .forEach(function(e){a.push(e.value)});}
  else if(it.type==='matching'){a={};f.querySelectorAll('select[data-q="'+it.v+'"]')
   .forEach(function(e){if(e.value)a[e.name.split('/')[1]]=e.value});}
  else if(it.type==='single'||it.type==='truefalse'){var e=f.querySelector(
   'input[name="'+it.v+'"]:checked');a=e?e.value:'';}
  else{a=f.querySelector('[name="'+it.v+'"]').value;}
  rows.push({student:meta.student,topic:it.t,question:it.q,answer:a});});
 var blob=new Blob([JSON.stringify({responses:rows},null,1)],{type:'application/json'});
 var l=document.createElement('a');l.href=URL.createObjectURL(blob);
 l.download='answers-'+meta.student+'.json';l.click();
}
"""


def _attr(text: str) -> str:
    return html.escape(text, quote=True)


def _item_html(n: int, item: Item, w: dict[str, str]) -> str:
    v = _attr(item.variant_id)
    parts = [
        f'<section class="q" id="{v}">',
        f'<h2>{n}. {to_html(item.title, inline=True)} <span class="pts">({_pts(item.points)} {w["points"]})</span></h2>',
        to_html(item.text),
        f'<p class="how">{w[item.type]}</p>',
    ]
    if item.type in ("single", "multi", "truefalse"):
        kind = "checkbox" if item.type == "multi" else "radio"
        for i, c in enumerate(item.choices):
            parts.append(
                f'<label class="choice"><input type="{kind}" name="{v}" '
                f'value="{_attr(c.public_id)}"><span class="letter">{LETTERS[i]}.</span>'
                f"{to_html(c.text, inline=True)}</label>"
            )
    elif item.type == "numeric":
        parts.append(
            f'<p><label>{w["answer"]}: <input class="num" type="text" '
            f'inputmode="decimal" autocomplete="off" name="{v}"></label></p>'
        )
    elif item.type == "short":
        parts.append(f'<p><label>{w["answer"]}: <input class="txt" type="text" autocomplete="off" name="{v}"></label></p>')
    else:
        options = "".join(f'<option value="{_attr(o.public_id)}">{html.escape(o.text)}</option>' for o in item.options)
        parts.append('<table class="match">')
        for p in item.pairs:
            parts.append(
                f"<tr><td>{to_html(p.left, inline=True)}</td><td>"
                f'<select data-q="{v}" name="{v}/{_attr(p.public_id)}">'
                f'<option value="">{w["choose"]}</option>{options}</select></td></tr>'
            )
        parts.append("</table>")
    parts.append("</section>")
    return "\n".join(parts)


def quiz_html(quizzes: Quiz | list[Quiz]) -> str:
    """One self-contained page (one or several topics of one student): formulas as MathML (no
    network, no fonts, no scripts needed to read it), a form, and a button that saves the
    answers in the responses schema (grader/quiz/README.md)."""
    quizzes = [quizzes] if isinstance(quizzes, Quiz) else list(quizzes)
    first = quizzes[0]
    w = _words(first.lang)
    meta = {
        "student": first.student,
        "items": [{"v": i.variant_id, "q": i.qid, "t": q.topic, "type": i.type} for q in quizzes for i in q.items],
    }
    sections, n = [], 0
    for quiz in quizzes:
        if len(quizzes) > 1:
            sections.append(f"<h1>{html.escape(w['quiz'] + ': ' + quiz.title)}</h1>")
        for item in quiz.items:
            n += 1
            sections.append(_item_html(n, item, w))
    title = html.escape(f"{w['quiz']}: " + " · ".join(q.title for q in quizzes))
    n_items = sum(len(q.items) for q in quizzes)
    max_score = sum(q.max_score for q in quizzes)
    return (
        f'<!DOCTYPE html>\n<html lang="{first.lang}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{title} — {html.escape(first.student)}</title>\n<style>{_CSS}</style>\n"
        f"</head>\n<body>\n<h1>{title}</h1>\n"
        f'<p class="meta">{w["student"]}: <b>{html.escape(first.student)}</b> · '
        f"{n_items} {w['questions']}, {w['max']} {_pts(max_score)} {w['points']}"
        f'</p>\n<p class="meta">{w["howto"]}</p>\n'
        f'<form id="quiz" data-meta="{_attr(json.dumps(meta, ensure_ascii=False))}" '
        f'onsubmit="return false">\n' + "\n".join(sections) + "\n"
        f'<button type="button" onclick="dlgradeAnswers()">{w["download"]}</button>\n</form>\n'
        f"<script>{_JS}</script>\n</body>\n</html>\n"
    )
