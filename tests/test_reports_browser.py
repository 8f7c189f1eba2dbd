"""The reports' pages as a person sees them, in a real headless Chromium (Debian's, with a
Cyrillic font): the class report renders, every plot loads, the Russian text shows, the shared
lines sit side by side; a student's feedback page shows a hostile message as text and runs
none of it."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from reports_class import HOSTILE_ID, ROOT, synthetic_class

from grader.reports import write_class_reports
from grader.reports.model import folder_name
from tests.browser import chromium, dump_dom, screenshot

pytestmark = pytest.mark.skipif(chromium() is None, reason="Debian's chromium is not installed")

# run after the page has loaded: what loaded and what a person sees, as attributes and a <pre>
PROBE = """<script id="probe">
window.addEventListener('load', function () {
  var images = Array.from(document.images);
  document.body.setAttribute('data-images', images.length);
  document.body.setAttribute('data-loaded', images.filter(function (i) {
    return i.complete && i.naturalWidth > 100 && i.getBoundingClientRect().width > 100; }).length);
  document.body.setAttribute('data-scripts', document.scripts.length);
  var pair = document.querySelector('.pair');
  if (pair) {
    var a = pair.children[0].getBoundingClientRect(), b = pair.children[1].getBoundingClientRect();
    document.body.setAttribute('data-side-by-side', (a.right <= b.left + 1 && Math.abs(a.top - b.top) < 2) ? 1 : 0);
    document.body.setAttribute('data-marks', document.querySelectorAll('.pair mark').length);
  }
  var pre = document.createElement('pre'); pre.id = 'visible';
  pre.textContent = document.body.innerText; document.body.appendChild(pre);
});
</script>"""


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    fonts = subprocess.run(["fc-list", ":lang=ru"], capture_output=True, text=True).stdout
    assert fonts.strip(), "no font with Cyrillic glyphs (install fonts-dejavu-core)"
    folder = tmp_path_factory.mktemp("reports")
    write_class_reports(folder, synthetic_class(), "ru", ROOT)
    return folder


def _look(page: Path, profile: Path) -> tuple[dict[str, str], str]:
    probe = page.with_name("probe.html")  # beside the page: its images' relative paths still resolve
    probe.write_text(page.read_text(encoding="utf-8").replace("</body>", PROBE + "</body>"), encoding="utf-8")
    dom = dump_dom(probe, profile, "1100,3000")
    attrs = dict(re.findall(r'data-([a-z-]+)="(\d+)"', dom.split("<body", 1)[1].split(">", 1)[0]))
    visible = re.search(r'<pre id="visible">(.*?)</pre>', dom, re.S)
    assert visible, dom[:2000]
    return attrs, visible.group(1)


def test_the_class_report_renders_its_plots_and_russian_text(out: Path, tmp_path: Path) -> None:
    page = out / "class" / "index.html"
    attrs, visible = _look(page, tmp_path / "profile")
    assert attrs["images"] == "5" and attrs["loaded"] == "5", attrs  # every plot found and decoded
    for text in ("Отчёт по группе", "Распределение оценок", "Совпадения кода сверх заготовок", "Дина Петрова"):
        assert text in visible, text
    assert attrs["side-by-side"] == "1" and int(attrs["marks"]) >= 2, attrs
    assert attrs["scripts"] == "1"  # the probe's: the report runs none of its own
    shot = screenshot(page, tmp_path / "class.png", tmp_path / "profile", "1100,3000")
    assert shot[:8] == b"\x89PNG\r\n\x1a\n" and len(shot) > 50_000


def test_a_hostile_message_is_shown_as_text_and_never_run(out: Path, tmp_path: Path) -> None:
    page = out / "students" / folder_name(HOSTILE_ID) / "feedback.html"
    attrs, visible = _look(page, tmp_path / "profile")
    assert attrs["scripts"] == "1" and attrs["images"] == "0", attrs  # no <script>, no <img onerror>
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in visible  # shown as the text it is
    assert "{{ 7*7 }}" in visible and "Как запускался" not in visible  # an English report, in English
    assert "How your code was run" in visible and "bwrap" in visible


def test_a_russian_students_feedback_shows_in_russian(out: Path, tmp_path: Path) -> None:
    attrs, visible = _look(out / "students" / folder_name("Дина Петрова") / "feedback.html", tmp_path / "profile")
    assert "Результаты проверки: Дина Петрова" in visible and "проверьте alpha" in visible
    assert "Как запускался ваш код" in visible and "нет сети" in visible
