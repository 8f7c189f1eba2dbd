"""Independent readers of the exported files and replays of each LMS's scoring rule.

Nothing here imports the writers: every export is parsed back from its bytes (ElementTree,
tarfile, zipfile, a GIFT reader written from the format's description) and scored the way the
target documents it (Moodle: the fraction of the chosen answer, the sum of ticked fractions
clipped to [0, 1], the first numerical answer whose tolerance holds; Canvas QTI: respconditions
in order, setvar Set/Add, continue="No" stops; Open edX capa: choice correctness and
point_value, EDC, numericalresponse through openedx-calc's evaluator, case-insensitive
strings, one point per optionresponse)."""

from __future__ import annotations

import io
import re
import tarfile
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any


def inner_xml(el: ET.Element) -> str:
    text = el.text or ""
    for child in el:
        text += ET.tostring(child, encoding="unicode")
    return text.strip()


# --------------------------------------------------------------------------- Moodle-like


@dataclass
class MoodleQuestion:
    type: str
    idnumber: str
    single: bool = True
    # (fraction 0..1, text, tolerance or None, feedback)
    answers: list[tuple[float, str, float | None, str]] = field(default_factory=list)
    subquestions: list[tuple[str, str]] = field(default_factory=list)  # (premise, answer)
    usecase: bool = False


def moodle_score(q: MoodleQuestion, response: Any) -> float:
    if q.type == "multichoice" and q.single or q.type == "truefalse":
        return next((f for f, t, _, _ in q.answers if t == response), 0.0)
    if q.type == "multichoice":
        return min(1.0, max(0.0, sum(f for f, t, _, _ in q.answers if t in response)))
    if q.type == "numerical":
        for f, t, tol, _ in q.answers:
            if abs(float(response) - float(t)) <= (tol or 0.0) + 1e-12:
                return f
        return 0.0
    if q.type == "shortanswer":
        norm = (lambda s: s.strip()) if q.usecase else (lambda s: s.strip().casefold())
        return next((f for f, t, _, _ in q.answers if norm(t.replace("\\*", "*")) == norm(response)), 0.0)
    if q.type == "matching":
        real = [(p, a) for p, a in q.subquestions if p]
        return sum(response.get(p) == a for p, a in real) / len(real)
    raise ValueError(q.type)


def read_moodle(data: bytes) -> list[MoodleQuestion]:
    root = ET.fromstring(data)
    assert root.tag == "quiz"
    out = []
    for qel in root.findall("question"):
        qtype = qel.get("type")
        if qtype == "category":
            continue
        q = MoodleQuestion(qtype, qel.findtext("idnumber", ""))
        q.single = qel.findtext("single", "true") == "true"
        q.usecase = qel.findtext("usecase", "0") == "1"
        for a in qel.findall("answer"):
            tol = a.findtext("tolerance")
            q.answers.append(
                (
                    float(a.get("fraction")) / 100,
                    a.findtext("text", ""),
                    float(tol) if tol is not None else None,
                    a.findtext("feedback/text", "") or "",
                )
            )
        for s in qel.findall("subquestion"):
            q.subquestions.append((s.findtext("text", "") or "", s.findtext("answer/text", "")))
        out.append(q)
    return out


# --------------------------------------------------------------------------- GIFT


def _split_unescaped(text: str, seps: str) -> list[tuple[str, str]]:
    """Split at unescaped separator characters: [(separator before, chunk), ...]."""
    parts, cur, sep, i = [], "", "", 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            cur += text[i : i + 2]
            i += 2
            continue
        if ch in seps:
            parts.append((sep, cur))
            sep, cur = ch, ""
        else:
            cur += ch
        i += 1
    parts.append((sep, cur))
    return parts


def gift_unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text).strip()


def read_gift(text: str) -> list[MoodleQuestion]:
    """A reader of the GIFT subset Moodle documents: ::name::[html]text{answers}."""
    out = []
    for block in re.split(r"\n\s*\n", text):
        lines = [ln for ln in block.splitlines() if not ln.startswith("//") and not ln.startswith("$CATEGORY")]
        src = "\n".join(lines).strip()
        if not src:
            continue
        m = re.match(r"::(.*?)(?<!\\)::(.*)$", src, re.S)
        assert m, src[:80]
        name, rest = m.groups()
        # the answer block: the last unescaped { ... } of the question
        depth, start = 0, None
        for i, ch in enumerate(rest):
            if ch == "{" and (i == 0 or rest[i - 1] != "\\"):
                start = i if depth == 0 else start
                depth += 1
            elif ch == "}" and rest[i - 1] != "\\":
                depth -= 1
        assert start is not None and depth == 0, name
        body = rest[start + 1 : rest.rindex("}")].strip()
        general = ""
        gparts = re.split(r"(?<!\\)####", body)
        if len(gparts) == 2:
            body, general = gparts
        idnumber = gift_unescape(name).split(" ")[0]
        q = MoodleQuestion("", idnumber)
        body = body.strip()
        if body in ("TRUE", "FALSE", "T", "F"):
            q.type = "truefalse"
            right = "true" if body in ("TRUE", "T") else "false"
            q.answers = [(1.0, right, None, ""), (0.0, {"true": "false", "false": "true"}[right], None, "")]
        elif body.startswith("#"):
            q.type = "numerical"
            for _sep, chunk in _split_unescaped(body[1:], "=")[1:]:
                chunk = re.split(r"(?<!\\)#", chunk)[0].strip()
                frac = 1.0
                fm = re.match(r"%(-?[\d.]+)%(.*)", chunk)
                if fm:
                    frac, chunk = float(fm.group(1)) / 100, fm.group(2)
                value, tol = re.split(r"(?<!\\):", chunk)
                q.answers.append((frac, value.strip(), float(tol), ""))
        elif re.search(r"(?<!\\)->", body):
            q.type = "matching"
            for _sep, chunk in _split_unescaped(body, "=")[1:]:
                left, right = re.split(r"(?<!\\)->", chunk)
                q.subquestions.append((gift_unescape(left), gift_unescape(right)))
        else:
            entries = [(s, c) for s, c in _split_unescaped(body, "=~") if s]
            if all(s == "=" for s, _ in entries):
                q.type = "shortanswer"
                q.answers = [(1.0, gift_unescape(c), None, "") for _, c in entries]
            else:
                q.type = "multichoice"
                q.single = not all(s == "~" and c.strip().startswith("%") for s, c in entries)
                for s, c in entries:
                    c = re.split(r"(?<!\\)#", c.strip())[0]
                    frac = 1.0 if s == "=" else 0.0
                    fm = re.match(r"%(-?[\d.]+)%(.*)", c, re.S)
                    if fm:
                        frac, c = float(fm.group(1)) / 100, fm.group(2)
                    q.answers.append((frac, gift_unescape(c), None, ""))
        out.append(q)
    return out


# --------------------------------------------------------------------------- Canvas QTI 1.2

QTI = "{http://www.imsglobal.org/xsd/ims_qtiasiv1p2}"


@dataclass
class QtiItem:
    ident: str
    qtype: str
    el: ET.Element
    labels: dict[str, dict[str, str]]  # respident -> label ident -> text
    prompts: dict[str, str]  # respident -> its prompt text (matching)
    decimal: bool = False


def read_qti(data: bytes) -> tuple[dict[str, bytes], list[QtiItem]]:
    z = zipfile.ZipFile(io.BytesIO(data))
    files = {n: z.read(n) for n in z.namelist()}
    manifest = ET.fromstring(files["imsmanifest.xml"])
    ns = "{http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1}"
    hrefs = [
        f.get("href") for r in manifest.iter(f"{ns}resource") if r.get("type") == "imsqti_xmlv1p2" for f in r.iter(f"{ns}file")
    ]
    assert len(hrefs) == 1 and hrefs[0] in files
    root = ET.fromstring(files[hrefs[0]])
    items = []
    for item in root.iter(f"{QTI}item"):
        meta = {f.findtext(f"{QTI}fieldlabel"): f.findtext(f"{QTI}fieldentry") for f in item.iter(f"{QTI}qtimetadatafield")}
        labels: dict[str, dict[str, str]] = {}
        prompts: dict[str, str] = {}
        for lid in item.iter(f"{QTI}response_lid"):
            labels[lid.get("ident")] = {
                lab.get("ident"): lab.findtext(f".//{QTI}mattext") or "" for lab in lid.iter(f"{QTI}response_label")
            }
            prompts[lid.get("ident")] = lid.findtext(f"{QTI}material/{QTI}mattext") or ""
        decimal = any(f.get("fibtype") == "Decimal" for f in item.iter(f"{QTI}render_fib"))
        items.append(QtiItem(item.get("ident"), meta["question_type"], item, labels, prompts, decimal))
    return files, items


def _cond(el: ET.Element, resp: dict[str, Any], decimal: bool) -> bool:
    tag = el.tag.replace(QTI, "")
    if tag == "conditionvar":
        return all(_cond(c, resp, decimal) for c in el)
    if tag == "and":
        return all(_cond(c, resp, decimal) for c in el)
    if tag == "or":
        return any(_cond(c, resp, decimal) for c in el)
    if tag == "not":
        return not _cond(el[0], resp, decimal)
    if tag == "other":
        return True
    value = resp.get(el.get("respident"))
    want = (el.text or "").strip()
    if value is None:
        return False
    if tag == "varequal":
        if isinstance(value, (set, frozenset)):
            return want in value
        if decimal:
            return float(value) == float(want)
        return str(value).strip().casefold() == want.casefold()  # case="No" is the default
    if tag == "vargte":
        return float(value) >= float(want)
    if tag == "varlte":
        return float(value) <= float(want)
    raise ValueError(tag)


def qti_score(item: QtiItem, resp: dict[str, Any]) -> float:
    score = 0.0
    for rc in item.el.iter(f"{QTI}respcondition"):
        if _cond(rc.find(f"{QTI}conditionvar"), resp, item.decimal):
            for sv in rc.findall(f"{QTI}setvar"):
                v = float(sv.text)
                score = v if sv.get("action", "Set") == "Set" else score + v
            if rc.get("continue", "No") == "No":
                break
    return max(0.0, min(100.0, score)) / 100


# --------------------------------------------------------------------------- Open edX capa


def read_olx(data: bytes) -> dict[str, bytes]:
    tar = tarfile.open(fileobj=io.BytesIO(data), mode="r:gz")
    return {m.name: tar.extractfile(m).read() for m in tar.getmembers() if m.isfile()}


def edx_compare(student: float, instructor: float, tolerance: str) -> bool:
    """capa's compare_with_tolerance for real numbers: an absolute tolerance, or a percentage
    of the instructor's answer; compared as Decimals."""
    from calc import evaluator

    if tolerance.endswith("%"):
        tol = abs(instructor) * float(evaluator({}, {}, tolerance[:-1])) * 0.01
    else:
        tol = float(evaluator({}, {}, tolerance))
    return abs(Decimal(str(student)) - Decimal(str(instructor))) <= Decimal(str(tol))


def capa_score(problem: ET.Element, responses: list[Any]) -> float:
    """Score a problem given one response per response element, in document order."""
    from calc import evaluator

    kinds = ("multiplechoiceresponse", "choiceresponse", "numericalresponse", "stringresponse", "optionresponse")
    rs = [el for el in problem.iter() if el.tag in kinds]
    assert len(rs) == len(responses)
    total = 0.0
    for el, r in zip(rs, responses):
        if el.tag == "multiplechoiceresponse":
            c = el.findall("choicegroup/choice")[r]
            if c.get("correct") == "true":
                total += 1
            elif c.get("correct") == "partial" and el.get("partial_credit") == "points":
                total += float(c.get("point_value"))
        elif el.tag == "choiceresponse":
            choices = el.findall("checkboxgroup/choice")
            right = [(c.get("correct") == "true") == (i in r) for i, c in enumerate(choices)]
            if el.get("partial_credit") == "EDC":
                total += sum(right) / len(choices)
            else:
                total += float(all(right))
        elif el.tag == "numericalresponse":
            instructor = evaluator({}, {}, el.get("answer"))
            tol = el.find("responseparam").get("default")
            total += float(edx_compare(float(r), instructor, tol))
        elif el.tag == "stringresponse":
            answers = [el.get("answer")] + [a.get("answer") for a in el.findall("additional_answer")]
            ci = "ci" in (el.get("type") or "")
            norm = (lambda s: s.strip().lower()) if ci else (lambda s: s.strip())
            total += float(any(norm(a) == norm(r) for a in answers))
        elif el.tag == "optionresponse":
            correct = [o.text for o in el.findall("optioninput/option") if o.get("correct") == "True"]
            total += float(r in correct)
    return total / len(rs)
