"""The student's files hold no answer; the HTML page renders its formulas offline (MathML)
and, in a real headless Chromium (Debian's, with Cyrillic fonts), shows no answer."""

from __future__ import annotations

import json
import re
import subprocess
from html.parser import HTMLParser

import pytest

from grader.quiz.engine import student_quiz
from grader.quiz.writers.student import quiz_html, quiz_json, quiz_markdown
from tests.browser import chromium as _chromium  # shared with the reports' tests


class _Collect(HTMLParser):
    def __init__(self):
        super().__init__()
        self.text: list[str] = []
        self.selects: list[list[str]] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag == "select":
            self.selects.append([])
        if tag == "option" and self.selects:
            self.selects[-1].append(dict(attrs).get("value", ""))

    def handle_data(self, data):
        self.text.append(data)


def _secrets(quiz) -> list[str]:
    """Strings that would give an answer away if a student file contained them."""
    out = []
    for item in quiz.items:
        if item.feedback:
            out.append(item.feedback)
        for c in item.choices:
            if c.feedback:
                out.append(c.feedback)
            if c.id != c.public_id and c.id not in ("true", "false"):
                out += [f'value="{c.id}"', f'"id": "{c.id}"', f"`{c.id}`"]
        for p in item.pairs:
            out += [f'value="{p.id}"', f'"id": "{p.id}"', f"`{p.id}`"]
        if item.numeric:
            out.append(item.numeric.display())
            out.append(repr(item.numeric.value))
            out += [m.feedback for m in item.numeric.mistakes if m.feedback]
    return out


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_student_files_hold_no_answer(banks, config, lang):
    for bank in banks.values():
        for n in range(40):
            quiz = student_quiz(bank, f"student{n}", lang, config)
            page = quiz_html(quiz)
            files = (page, quiz_markdown(quiz), json.dumps(quiz_json(quiz), ensure_ascii=False))
            for secret in _secrets(quiz):
                for text in files:
                    assert secret not in text, (quiz.student, secret)
            for text in files:
                assert not re.search(r"correct\W*[:=]|\"key\"|credit", text)
            parsed = _Collect()
            parsed.feed(page)
            for options in parsed.selects:  # every premise offers the same options
                assert options == parsed.selects[0] or options[0] == ""
            assert not re.search(r"\$[^$]+\$", "".join(parsed.text)), "raw TeX left on the page"


def test_formulas_are_mathml_and_the_page_needs_no_network(act, config):
    page = quiz_html(student_quiz(act, "ivanov", "ru", config))
    assert page.count("<math") >= 5
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)
    assert '<html lang="ru">' in page and "Функции активации" in page


def test_key_copy_has_the_answers(act, config):
    quiz = student_quiz(act, "ivanov", "en", config)
    md = quiz_markdown(quiz, with_key=True)
    for item in quiz.items:
        if item.numeric:
            assert item.numeric.display() in md


_MEASURE = """<script>
window.addEventListener('load', function () {
  var maths = Array.from(document.querySelectorAll('math'));
  var fracs = Array.from(document.querySelectorAll('mfrac'));
  document.body.setAttribute('data-maths', maths.length);
  document.body.setAttribute('data-zero-width',
    maths.filter(function (m) { return m.getBoundingClientRect().width < 1; }).length);
  document.body.setAttribute('data-fracs', fracs.length);
  document.body.setAttribute('data-stacked', fracs.filter(function (f) {
    var a = f.children[0].getBoundingClientRect(), b = f.children[1].getBoundingClientRect();
    return a.bottom <= b.top + 1; }).length);
  var pre = document.createElement('pre'); pre.id = 'visible';
  pre.textContent = document.body.innerText; document.body.appendChild(pre);
});
</script>"""


@pytest.mark.skipif(_chromium() is None, reason="Debian's chromium is not installed")
def test_headless_chromium_shows_formulas_and_no_answer(act, config, tmp_path):
    fonts = subprocess.run(["fc-list", ":lang=ru"], capture_output=True, text=True).stdout
    assert fonts.strip(), "no font with Cyrillic glyphs (install fonts-dejavu-core)"
    quiz = next(
        q for q in (student_quiz(act, f"s{n}", "ru", config) for n in range(50)) if any(i.qid == "sigmoid_range" for i in q.items)
    )
    page = quiz_html(quiz)
    (tmp_path / "quiz.html").write_text(page, encoding="utf-8")
    probe = tmp_path / "probe.html"
    probe.write_text(page.replace("</body>", _MEASURE + "</body>"), encoding="utf-8")
    args = [
        _chromium(),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--hide-scrollbars",
        "--no-first-run",
        f"--user-data-dir={tmp_path / 'profile'}",
        "--window-size=1000,2600",
        "--virtual-time-budget=3000",
    ]
    shot = tmp_path / "quiz.png"
    subprocess.run(
        args + [f"--screenshot={shot}", (tmp_path / "quiz.html").as_uri()], capture_output=True, timeout=120, check=True
    )
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000
    dom = subprocess.run(args + ["--dump-dom", probe.as_uri()], capture_output=True, text=True, timeout=120, check=True).stdout
    attrs = dict(re.findall(r'data-([a-z-]+)="(\d+)"', dom))
    assert int(attrs["maths"]) >= 5 and attrs["zero-width"] == "0"
    assert int(attrs["fracs"]) >= 1 and attrs["stacked"] == attrs["fracs"], attrs  # laid out
    visible = re.search(r'<pre id="visible">(.*?)</pre>', dom, re.S).group(1)
    assert "Функции активации" in visible
    for secret in _secrets(quiz):
        assert secret not in visible, secret
