"""The class report: one HTML page with PNG plots (matplotlib, Agg: no display, no pyplot
state) of the grade distribution, the pass rates per topic and per test, the tests most
students fail, errors and timeouts by kind, and the pairs of students whose code overlaps beyond
the stubs, their shared lines side by side."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from statistics import mean, median
from typing import Any

from grader.reports.files import write_file
from grader.reports.model import ERROR_KINDS, Member, error_kind
from grader.reports.similarity import NOISE, THRESHOLD, Overlaps, overlapping_pairs
from grader.reports.templates import render
from grader.reports.words import words

HARDEST = 10  # tests listed as the ones most students fail


@dataclass
class TestRate:
    __test__ = False  # not a pytest class

    topic: str
    name: str
    title: str
    passed: int = 0
    students: int = 0

    @property
    def rate(self) -> float:
        return self.passed / self.students if self.students else 0.0


@dataclass
class ClassStats:
    percents: list[float] = field(default_factory=list)
    topic_rates: dict[str, float] = field(default_factory=dict)
    tests: list[TestRate] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)


def class_stats(members: list[Member], topics: list[str], lang: str) -> ClassStats:
    """What the plots show. A test a student's report does not list (their module was missing)
    counts as not passed by them."""
    stats = ClassStats()
    rates: dict[tuple[str, str], TestRate] = {}
    for member in members:
        for topic in member.report.topics:
            for test in topic.tests:
                key = (topic.topic, test.name)
                if key not in rates:
                    rates[key] = TestRate(topic.topic, test.name, test.title)
                elif member.report.lang == lang:  # titles in the class report's language where one is
                    rates[key].title = test.title
    per_topic: dict[str, list[TestRate]] = {t: [] for t in topics}
    for rate in rates.values():
        per_topic.setdefault(rate.topic, []).append(rate)
    for member in members:
        report = member.report
        stats.percents.append(100 * report.score / report.max_score if report.max_score else 0.0)
        outcomes = {(t.topic, x.name): x.outcome for t in report.topics for x in t.tests}
        for key, rate in rates.items():
            rate.students += 1
            rate.passed += outcomes.get(key) == "pass"
        for topic in report.topics:
            if topic.status != "graded":
                stats.errors[topic.status] += 1
            # a module that would not load fails each of its tests with the one reason: counted once, above
            repeated = topic.message if topic.status != "graded" else None
            stats.errors.update(error_kind(x.message) for x in topic.tests if x.outcome == "error" and x.message != repeated)
        if report.error_kind == "submission":
            stats.errors["unreadable"] += 1
        elif report.error_kind == "internal":
            stats.errors["internal"] += 1
    for name, listed in per_topic.items():
        tried = sum(r.students for r in listed)
        stats.topic_rates[name] = sum(r.passed for r in listed) / tried if tried else 0.0
    order = {t: n for n, t in enumerate(topics)}
    stats.tests = sorted(rates.values(), key=lambda r: (order.get(r.topic, len(order)), r.name))
    return stats


def _figure(width: float, height: float) -> Any:
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), dpi=100, layout="constrained")
    return figure, figure.add_subplot()


def _save(figure: Any, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, format="png")
    return path


def _short(text: str, n: int = 48) -> str:
    from grader.render import clean

    text = clean(text)
    return text if len(text) <= n else text[: n - 1] + "…"


def plot_all(stats: ClassStats, topics: list[str], lang: str, folder: Path) -> dict[str, Path]:
    import matplotlib
    from matplotlib.ticker import MaxNLocator

    w = words(lang)
    # a student's or a suite's text is never markup: "$" is a dollar sign, not TeX
    with matplotlib.rc_context({"text.parse_math": False, "font.family": "DejaVu Sans"}):
        paths: dict[str, Path] = {}

        figure, axes = _figure(7, 3.6)
        axes.hist(stats.percents, bins=list(range(0, 101, 10)), color="#4c72b0", edgecolor="white")
        axes.set_xlabel(w["share_of_max"])
        axes.set_ylabel(w["count"])
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))  # students come whole
        axes.set_xlim(0, 100)
        axes.set_title(w["distribution"])
        paths["distribution"] = _save(figure, folder / "distribution.png")

        figure, axes = _figure(7, 0.5 + 0.45 * max(len(topics), 1))
        values = [100 * stats.topic_rates.get(t, 0.0) for t in topics]
        axes.barh(topics[::-1], values[::-1], color="#55a868")
        axes.set_xlim(0, 100)
        axes.set_xlabel(w["pass_rate"])
        axes.set_title(w["topic_rates"])
        paths["topics"] = _save(figure, folder / "topics.png")

        figure, axes = _figure(10, 3.8)
        colors = matplotlib.colormaps["tab10"]
        for n, topic in enumerate(topics):
            xs = [i for i, r in enumerate(stats.tests) if r.topic == topic]
            axes.bar(xs, [100 * stats.tests[i].rate for i in xs], width=1.0, color=colors(n % 10), label=topic)
        axes.set_ylim(0, 100)
        axes.set_xlim(-1, max(len(stats.tests), 1))
        axes.set_xticks([])
        axes.set_ylabel(w["pass_rate"])
        axes.set_title(w["test_rates"])
        if topics:
            axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.04), ncol=min(len(topics), 6), frameon=False)
        paths["tests"] = _save(figure, folder / "tests.png")

        hardest = hardest_tests(stats)
        figure, axes = _figure(9, 0.6 + 0.4 * max(len(hardest), 1))
        labels = [f"{r.topic}: {_short(r.title)}" for r in hardest]
        axes.barh(labels[::-1], [100 * (1 - r.rate) for r in hardest][::-1], color="#c44e52")
        axes.set_xlim(0, 100)
        axes.set_xlabel(w["failed_by"] + ", %")
        axes.set_title(w["hardest"])
        paths["hardest"] = _save(figure, folder / "hardest.png")

        kinds = [k for k in ERROR_KINDS if stats.errors.get(k)]
        figure, axes = _figure(8, 0.6 + 0.4 * max(len(kinds), 1))
        axes.barh([ERROR_KINDS[k](lang) for k in kinds][::-1], [stats.errors[k] for k in kinds][::-1], color="#8172b2")
        axes.set_xlabel(w["occurrences"])
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
        axes.set_title(w["errors"])
        paths["errors"] = _save(figure, folder / "errors.png")
    return paths


def hardest_tests(stats: ClassStats) -> list[TestRate]:
    failing = [r for r in stats.tests if r.passed < r.students]
    return sorted(failing, key=lambda r: (r.rate, r.topic, r.name))[:HARDEST]


def write_class_report(folder: Path, members: list[Member], topics: list[str], lang: str, course: Any,
                       overlaps: Overlaps | None = None) -> list[Path]:  # fmt: skip
    """The class report; ``overlaps``, when given, is the similarity check already made."""
    lang = lang if lang in ("en", "ru") else "en"
    w = words(lang)
    stats = class_stats(members, topics, lang)
    plots = plot_all(stats, topics, lang, folder)
    if overlaps is None:
        overlaps = overlapping_pairs(members, topics, course.root / "exercises", lang=lang)
    page = render(
        "class.html.j2", w=w, lang=lang, course=course.name, students=len(members),
        mean=round(mean(stats.percents), 1) if stats.percents else 0,
        median=round(median(stats.percents), 1) if stats.percents else 0,
        plots={k: p.name for k, p in plots.items()}, topics=[(t, round(100 * stats.topic_rates.get(t, 0))) for t in topics],
        hardest=[{"topic": r.topic, "title": r.title, "failed": r.students - r.passed, "students": r.students}
                 for r in hardest_tests(stats)],
        errors=[(ERROR_KINDS[k](lang), stats.errors[k]) for k in ERROR_KINDS if stats.errors.get(k)],
        pairs=overlaps.pairs, found=overlaps.found, skipped=sorted(overlaps.skipped.items()),
        similarity_intro=w["similarity_intro"].format(threshold=round(100 * THRESHOLD), noise=NOISE),
        members=[{"id": m.id, "folder": m.folder, "score": m.report.score, "max_score": m.report.max_score,
                  "scores": {t.topic: t.score for t in m.report.topics}} for m in members],
    )  # fmt: skip
    return [write_file(folder / "index.html", page), *plots.values()]
