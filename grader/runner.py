"""Grading: the hidden (or public) suites run here, on the trusted side, as one pytest session;
the student's code runs in the jail behind the ``student`` fixture.

The suites are collected once per session; every submission of a batch then runs every test
with fresh function fixtures: a plain test (only this plugin's fixtures and direct parameters)
is called directly, any other through pytest's own test protocol (``GradingPlugin._outcome``).
That is what makes a batch of a thousand cheap: no re-collection, no new interpreter, no
protocol paid two hundred times a submission, one zygote forking a worker per topic.
"""

from __future__ import annotations

import contextlib
import hashlib
import inspect
import os
import sys
import time
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from _pytest.runner import runtestprotocol

from grader import __version__, timing
from grader.calls import seed_for
from grader.course import Course
from grader.errors import ConfigError, DlgradeError, JailSetupFailed, JailUnavailable
from grader.policy import grading_jail
from grader.proxy import StudentModule, TopicJail
from grader.results import Outcome, Report, TestResult, TopicResult, TopicStatus
from grader.sandbox import Limits, Sandbox
from grader.submission import Submission
from grader.suite import (
    MARKS,
    Failure,
    InvalidResult,
    JailFailure,
    L,
    MissingFunction,
    NotAttempted,
    StudentError,
    StudentRaised,
    TooSlow,
)


@dataclass(frozen=True)
class TestInfo:
    __test__ = False

    name: str
    title: L
    points: float
    topic: str
    # tests of the same topic that must pass for this one to give points (@pytest.mark.requires):
    # a property (does not modify its input, the right shape, float64) is worth nothing on
    # values that are wrong, e.g. the zeros of a function left undone
    requires: tuple[str, ...] = ()


def test_info(item: pytest.Item) -> TestInfo:
    marker = item.get_closest_marker("points")
    if marker is None or not marker.args:
        raise ConfigError(f"{item.nodeid}: no @pytest.mark.points(n); every graded test has points")
    doc = inspect.getdoc(getattr(item, "function", None)) or item.name
    lines = [line.strip() for line in doc.splitlines() if line.strip()]
    english = lines[0] if lines else item.name
    russian = next((line[3:].strip() for line in lines if line.lower().startswith("ru:")), english)
    name = item.name.removeprefix("test_")
    params = getattr(getattr(item, "callspec", None), "params", {})
    if params:  # a parametrized test's title names its case: "{name} is vectorized"
        english, russian = (_fill(text, params) for text in (english, russian))
    requires = tuple(str(arg) for mark in item.iter_markers("requires") for arg in mark.args)
    return TestInfo(name, L(english, russian), float(marker.args[0]), _topic_of(item), requires)


def _check_requires(infos: Iterable[TestInfo]) -> None:
    """Every test a ``requires`` mark names exists in the same topic: a typo would otherwise
    gate a test on nothing, or on a test that never passes."""
    infos = list(infos)
    names = {(info.topic, info.name) for info in infos}
    for info in infos:
        unknown = [name for name in info.requires if (info.topic, name) not in names]
        if unknown:
            raise ConfigError(f"{info.topic}: test {info.name} requires {', '.join(unknown)}, "
                              "which is no test of its topic")  # fmt: skip


def gate(tests: tuple[TestResult, ...], infos: list[TestInfo], lang: str) -> tuple[TestResult, ...]:
    """A test that passed gives its points only when the tests it requires passed too (those
    gated in turn included); otherwise it fails, naming them."""
    passed = {test.name for test in tests if test.outcome == "pass"}
    titles = {test.name: test.title for test in tests}
    missing: dict[str, list[str]] = {}
    changed = True
    while changed:
        changed = False
        for test, info in zip(tests, infos):
            if test.name in passed and any(name not in passed for name in info.requires):
                passed.discard(test.name)
                missing[test.name] = [name for name in info.requires if name not in passed]
                changed = True
    if not missing:
        return tests
    gated = []
    for test in tests:
        if test.name not in missing:
            gated.append(test)
            continue
        named = ", ".join(_QUOTED(lang).format(titles[name]) for name in missing[test.name])
        text = _GATED(lang).format(tests=named)
        gated.append(TestResult(test.name, test.title, test.max_points, "fail", 0.0, text, (), test.seconds))
    return tuple(gated)


_QUOTED = L("“{}”", "«{}»")
_GATED = L(
    "this property counts only when the values are right too: first make these tests pass: {tests}",
    "это свойство засчитывается, только если верны и значения: сначала должны пройти тесты {tests}",
)


def _fill(text: str, params: dict[str, Any]) -> str:
    try:
        return text.format(**params)
    except (KeyError, IndexError, ValueError):
        return text


def _topic_of(item: pytest.Item) -> str:
    # course/<topic>/<kind>/test_<topic>.py
    return Path(str(item.path)).parent.parent.name


def submission_seed(secret: int, content_sha256: str) -> int:
    """A submission's seed: the course's secret and the submission's content, hashed. The same
    code gets the same hidden inputs every time (a regrade reproduces its grade); inputs one
    submission prints say nothing about another's, whose content differs."""
    digest = hashlib.sha256(f"dlgrade-seed:{secret}:{content_sha256}".encode()).digest()
    return int.from_bytes(digest[:8], "big") & (2**63 - 1)  # a signed 64-bit int: SQLite, JSON


class GradingPlugin:
    """The pytest plugin of one grading session: fixtures, and a test loop over submissions."""

    def __init__(
        self,
        course: Course,
        submissions: Iterable[Submission],
        topics: tuple[str, ...],
        seed: int | None,
        lang: str,
        sandbox: Sandbox,
        on_report: Callable[[Report], None],
        debug: bool = False,
    ):
        self.course = course
        self.submissions = submissions
        self.topics = topics
        self.seed_override = seed  # --seed: used as given for every submission
        self.run_seed = 0  # the current submission's
        self.lang = lang
        self.sandbox = sandbox
        self.on_report = on_report
        self.debug = debug
        self.jail: TopicJail | None = None
        self.error: BaseException | None = None
        self.retry_salt = ""  # while a timing test runs again: other inputs than the first time
        self._direct: dict[str, tuple[str, ...]] = {}  # nodeid: _direct_call's answer

    # -- fixtures
    @pytest.fixture
    def student(self) -> StudentModule:
        assert self.jail is not None, "the student fixture is only for graded suites"
        return StudentModule(self.jail)

    @pytest.fixture
    def seed(self, request: pytest.FixtureRequest) -> int:
        return seed_for(self.run_seed, request.node.name + self.retry_salt)

    @pytest.fixture
    def rng(self, seed: int) -> np.random.Generator:
        return np.random.default_rng(seed)

    # -- hooks
    def pytest_configure(self, config: pytest.Config) -> None:
        for mark in MARKS:
            config.addinivalue_line("markers", mark)

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
        outcome = yield
        report = outcome.get_result()
        if call.excinfo is not None:
            report.dlgrade_exception = call.excinfo.value

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self.error = ConfigError(f"a suite does not load: {report.nodeid}\n{report.longreprtext}")

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtestloop(self, session: pytest.Session) -> bool:
        if self.error is not None:
            return True
        try:
            infos = {item.nodeid: test_info(item) for item in session.items}
            _check_requires(infos.values())
            by_topic = {topic: [i for i in session.items if infos[i.nodeid].topic == topic]
                        for topic in self.topics}  # fmt: skip
            for submission in self.submissions:
                self.on_report(self._grade_submission(submission, by_topic, infos))
        except BaseException as error:  # surfaces after pytest returns
            self.error = error
        return True

    def _grade_submission(self, submission: Submission, by_topic: dict[str, list[pytest.Item]],
                          infos: dict[str, TestInfo]) -> Report:  # fmt: skip
        started = time.monotonic()
        deadline = started + self.sandbox.limits.submission_seconds
        self.run_seed = (self.seed_override if self.seed_override is not None
                         else submission_seed(self.course.seed, submission.content_sha256))  # fmt: skip
        results, errors = [], []
        for topic in self.topics:
            try:
                results.append(self._grade_topic(submission, topic, by_topic[topic], infos, deadline))
            except (JailUnavailable, ConfigError, KeyboardInterrupt):
                raise  # the machine or the course, not this submission: every grade would fail
            except JailSetupFailed as error:
                # no code of the submission ran: the grader's failure, said as such in the
                # record (a rerun grades it again) and to the student; the batch goes on
                errors.append(f"{topic}: {error}")
                max_score = sum(infos[item.nodeid].points for item in by_topic[topic])
                results.append(TopicResult(topic, "not_gradable", (), max_score, _NOT_SET_UP(self.lang)))
            except Exception as error:  # one submission must never end a batch
                # a bug of the grader that this submission's content triggered: recorded for
                # this topic, the other topics and submissions go on
                if self.debug or os.environ.get("DLGRADE_DEBUG"):
                    traceback.print_exception(error, file=sys.stderr)
                errors.append(f"{topic}: {type(error).__name__}: {error}")
                max_score = sum(infos[item.nodeid].points for item in by_topic[topic])
                results.append(TopicResult(topic, "not_gradable", (), max_score, _INTERNAL(self.lang)))
        return Report(
            submission=submission.name, seed=self.run_seed, grader_version=__version__,
            lang=self.lang, topics=tuple(results), protections=self.sandbox.protections(),
            seconds=time.monotonic() - started, content_sha256=submission.content_sha256,
            path=submission.source, error="; ".join(e for e in (submission.error, *errors) if e),
            error_kind="internal" if errors else submission.error_kind, manifest=submission.manifest,
        )  # fmt: skip

    # -- one topic
    def _grade_topic(
        self,
        submission: Submission,
        topic: str,
        items: list[pytest.Item],
        infos: dict[str, TestInfo],
        deadline: float,
    ) -> TopicResult:
        max_score = sum(infos[item.nodeid].points for item in items)
        if topic in submission.problems:
            return TopicResult(topic, "not_gradable", (), max_score, submission.problems[topic])
        if topic not in submission.modules:
            message = L(
                f"no {topic}.py in the submission: put it in exercises/ or at the top level",
                f"в работе нет {topic}.py: положите его в exercises/ или в корень архива",
            )
            return TopicResult(topic, "missing", (), max_score, message(self.lang))
        jail = TopicJail(topic, submission.files_for(topic), self.sandbox, deadline,
                         describe=tuple(self.course.contract(topic)))  # fmt: skip
        self.jail = jail
        try:
            problems = self._contract_problems(topic, jail)
            if jail.load_problem is not None:
                # the module did not load (a syntax error, a crash or a hang at import): every
                # test would stop at its first call with this same message, after drawing its
                # inputs and computing its references for nothing
                unloaded = jail.load_problem.message(self.lang)
                tests = tuple(TestResult(infos[item.nodeid].name, infos[item.nodeid].title(self.lang),
                                         infos[item.nodeid].points, "error", 0.0, unloaded)
                              for item in items)  # fmt: skip
            else:
                tests = tuple(self._run_test(item, infos[item.nodeid]) for item in items)
            tests = gate(tests, [infos[item.nodeid] for item in items], self.lang)
        finally:
            jail.close()
            self.jail = None
        status: TopicStatus = "not_gradable" if problems else "graded"
        output = jail.output_text(self.lang)  # import-time output only: never the test inputs
        return TopicResult(
            topic, status, tests, max_score, "; ".join(p(self.lang) for p in problems),
            warnings=tuple(sorted(jail.warnings)), output=output, resources=jail.resources(),
        )  # fmt: skip

    def _contract_problems(self, topic: str, jail: TopicJail) -> list[L]:
        """Not gradable as submitted: the module does not import, or a function is missing or
        has another signature than the contract's. The tests still run: what works scores."""
        try:
            jail.ensure_job()
        except JailFailure as failure:
            return [failure.message]
        problems = []
        for name, contract_params in self.course.contract(topic).items():
            expected = _signature_text(name, contract_params)
            if name not in jail.functions:
                problems.append(L(f"{name} is missing: define {expected}",
                                  f"нет функции {name}: определите {expected}"))  # fmt: skip
                continue
            params = jail.functions[name]
            if params is not None and not _same_params(params, contract_params):
                got = _signature_text(name, params)
                problems.append(L(f"{got} should be {expected} (names and defaults as in the task)",
                                  f"{got} должна быть {expected} (имена и значения по умолчанию как в задании)"))  # fmt: skip
        return problems

    def _run_test(self, item: pytest.Item, info: TestInfo) -> TestResult:
        started = time.perf_counter()
        passed, error = self._outcome(item)
        if isinstance(error, TooSlow) and error.retry:
            # a right answer over its time budget: once more, a moment later, on inputs of another
            # seed (an answer stored by the first run is no help), and that run counts
            time.sleep(_RETIME_PAUSE)
            self.retry_salt = "#again"
            try:
                passed, error = self._outcome(item)
            finally:
                self.retry_salt = ""
        seconds = time.perf_counter() - started
        if passed:
            return TestResult(info.name, info.title(self.lang), info.points, "pass",
                              info.points, seconds=seconds)  # fmt: skip
        if isinstance(error, JailSetupFailed):
            raise error  # the topic cannot be graded here: never a test the student lost
        outcome, message, hints = self._judge(error, info)
        if outcome == "error" and not isinstance(error, StudentError) and self.debug:
            text = "".join(traceback.format_exception(error)) if error is not None else "no exception"
            print(f"[dlgrade] {item.nodeid}:\n{text}", file=sys.stderr)
        return TestResult(info.name, info.title(self.lang), info.points, outcome, 0.0,
                          message, hints, seconds)  # fmt: skip

    def _outcome(self, item: pytest.Item) -> tuple[bool, BaseException | None]:
        """Run one test: (passed, what it raised). A plain test (its arguments only this
        plugin's fixtures and direct parameters, no mark or hook that changes how it runs) is
        called directly, with the same fixture values pytest would make: pytest's protocol
        (setup, call, teardown, three reports, their hooks) costs about as much as a small
        test itself, a thousand submissions times two hundred tests. Any other test runs
        through the protocol, as before."""
        if item.nodeid not in self._direct:
            self._direct[item.nodeid] = _direct_call(item, self)
        argnames = self._direct[item.nodeid]
        if argnames is _PROTOCOL:
            reports = runtestprotocol(item, log=False, nextitem=None)
            failed = next((r for r in reports if r.failed and r.when != "teardown"), None)
            failed = failed or next((r for r in reports if r.skipped), None)
            if failed is None:
                return True, None
            return False, getattr(failed, "dlgrade_exception", None)
        assert isinstance(item, pytest.Function)
        params = getattr(getattr(item, "callspec", None), "params", {})
        kwargs: dict[str, Any] = {}
        for name in argnames:
            if name == "student":
                assert self.jail is not None, "the student fixture is only for graded suites"
                kwargs[name] = StudentModule(self.jail)
            elif name in ("seed", "rng"):
                seed = seed_for(self.run_seed, item.name + self.retry_salt)
                kwargs[name] = seed if name == "seed" else np.random.default_rng(seed)
            else:
                kwargs[name] = params[name]
        try:
            item.obj(**kwargs)
        except (KeyboardInterrupt, pytest.exit.Exception):
            raise  # as pytest's protocol: the session ends
        except BaseException as error:  # as pytest's protocol: anything else fails the test
            return False, error
        return True, None

    def _judge(self, error: BaseException | None, info: TestInfo) -> tuple[Outcome, str, tuple[str, ...]]:
        lang = self.lang
        if isinstance(error, Failure):
            return "fail", error.message(lang), tuple(hint(lang) for hint in error.hints)
        if isinstance(error, NotAttempted):
            return "not_attempted", error.message(lang), ()
        if isinstance(error, (StudentRaised, MissingFunction, InvalidResult, JailFailure)):
            return "error", error.message(lang), ()
        if isinstance(error, AssertionError):
            # a bare assert: its text would show hidden data, so only the property is named
            text = L(f"does not hold: {info.title.en}", f"не выполняется: {info.title.ru}")
            return "fail", text(lang), ()
        # anything else is the grader's own fault, never the student's: say so plainly
        text = L(
            "the grader could not run this test (an internal error, not your fault); tell your instructor",
            "проверяющая система не смогла выполнить этот тест (внутренняя ошибка, не ваша); сообщите преподавателю",
        )
        if error is not None and os.environ.get("DLGRADE_DEBUG"):
            traceback.print_exception(error, file=sys.stderr)
        return "error", text(lang), ()


# _direct_call's answer for a test that needs pytest's protocol: no argument's name
_PROTOCOL = ("<pytest's protocol>",)
_PLUGIN_FIXTURES = ("student", "seed", "rng")
# marks that change how a test runs, which only pytest's protocol applies
_ACTIVE_MARKS = frozenset({"skip", "skipif", "xfail", "usefixtures", "filterwarnings"})
# every hook of pytest's test protocol: a plugin other than pytest's own or this one that
# implements any of them (a course's conftest.py, say) is honoured by running the protocol
_RUN_HOOKS = (
    "pytest_runtest_protocol", "pytest_runtest_logstart", "pytest_runtest_logfinish",
    "pytest_runtest_setup", "pytest_runtest_call", "pytest_runtest_teardown",
    "pytest_runtest_makereport", "pytest_runtest_logreport", "pytest_pyfunc_call",
    "pytest_fixture_setup", "pytest_fixture_post_finalizer", "pytest_exception_interact",
)  # fmt: skip


def _direct_call(item: pytest.Item, plugin: GradingPlugin) -> tuple[str, ...]:
    """The argument names to call a plain test with, or ``_PROTOCOL``."""
    if type(item) is not pytest.Function or item.cls is not None or not _only_plain_hooks(item.config, plugin):
        return _PROTOCOL
    function = item.obj
    if inspect.iscoroutinefunction(function) or inspect.isgeneratorfunction(function):
        return _PROTOCOL
    marks = list(item.iter_markers())
    if any(mark.name in _ACTIVE_MARKS for mark in marks):
        return _PROTOCOL
    if any(mark.kwargs.get("indirect") for mark in marks if mark.name == "parametrize"):
        return _PROTOCOL
    params = getattr(getattr(item, "callspec", None), "params", {})
    definitions = item._fixtureinfo.name2fixturedefs
    for name in item.fixturenames:  # the arguments and every fixture they need, autouse ones too
        if name == "request" or (name in params and name not in _PLUGIN_FIXTURES):
            continue
        defined = definitions.get(name)
        if name not in _PLUGIN_FIXTURES or not defined or getattr(defined[-1].func, "__self__", None) is not plugin:
            return _PROTOCOL  # a fixture of someone else's, or one of ours overridden
    argnames = tuple(item._fixtureinfo.argnames)
    return _PROTOCOL if set(argnames) - {*_PLUGIN_FIXTURES, *params} else argnames


def _only_plain_hooks(config: pytest.Config, plugin: GradingPlugin) -> bool:
    """Every implementation of a protocol hook is pytest's own (a module or an object of
    ``_pytest``: capture, the terminal, the session's counts) or this plugin's."""
    for hook in _RUN_HOOKS:
        for impl in getattr(config.hook, hook).get_hookimpls():
            owner = impl.plugin
            module = owner.__name__ if inspect.ismodule(owner) else type(owner).__module__
            if owner is not plugin and not str(module).startswith("_pytest."):
                return False
    return True


_RETIME_PAUSE = 0.2  # seconds between a timing test that failed and its second run

_INTERNAL = L(
    "the grader could not grade this topic (an internal error, not your fault); tell your instructor",
    "проверяющая система не смогла проверить эту тему (внутренняя ошибка, не ваша); сообщите преподавателю",
)


_NOT_SET_UP = L(
    "the grader could not set up the jail to run your code (a problem of the grading machine, not of "
    "your code); tell your instructor, who has to fix it and grade your work again",
    "проверяющая система не смогла подготовить песочницу для запуска вашего кода (проблема машины, на "
    "которой идёт проверка, а не вашего кода); сообщите преподавателю: ему нужно это исправить и "
    "проверить работу снова",
)


def _same_params(got: list[Any], expected: list[Any]) -> bool:
    if not isinstance(got, list) or len(got) != len(expected):
        return False
    for (name, _kind, has_default, default), (e_name, _e_kind, e_has, e_default) in zip(got, expected):
        if name != e_name or bool(has_default) != e_has:
            return False
        if e_has and not _same_default(default, e_default):
            return False
    return True


def _same_default(got: Any, expected: Any) -> bool:
    """The student's default (decoded from the jail: any plain data, an array included) equals
    the contract's. Never raises: ``w0=np.zeros(2)`` where None is due is a wrong signature."""
    try:
        if expected is None:
            return got is None
        if isinstance(expected, bool):
            return got is expected or (type(got) is int and got == int(expected))
        if isinstance(expected, (int, float)):
            return isinstance(got, (int, float)) and not isinstance(got, bool) and float(got) == float(expected)
        if isinstance(expected, np.ndarray) or isinstance(got, np.ndarray):
            return (isinstance(got, np.ndarray) and isinstance(expected, np.ndarray)
                    and got.dtype == expected.dtype and np.array_equal(got, expected))  # fmt: skip
        return type(got) is type(expected) and bool(got == expected)
    except Exception:  # a comparison that cannot be made: not the same default
        return False


def _signature_text(name: str, params: list[Any]) -> str:
    parts = []
    for pname, _kind, has_default, default in params:
        parts.append(f"{pname}={default!r}" if has_default else str(pname))
    return f"{name}({', '.join(parts)})"


def run_session(
    course: Course,
    submissions: Iterable[Submission],
    *,
    topics: tuple[str, ...] | None = None,
    seed: int | None = None,
    lang: str = "en",
    kind: str = "hidden",
    limits: Limits | None = None,
    jail_mode: str | None = None,
    cgroups_required: bool | None = None,
    on_report: Callable[[Report], None] | None = None,
    debug: bool = False,
    keep_reports: bool = True,
) -> list[Report]:
    """Grade submissions against a kind of suite; returns the reports in order (and hands each
    to ``on_report`` as soon as it is done, for progress and incremental saving). Each report
    carries its submission's ``path``. ``seed`` None: each submission's own (submission_seed).
    ``keep_reports`` False: only ``on_report`` gets them (a session that stays open for a
    whole batch, ``grader.farm``, keeps none)."""
    # hidden: every topic of the course, so a missing suite is a configuration error, not a
    # topic silently left out of max_score; public: whatever suites the course ships
    chosen = topics or (course.topics if kind == "hidden" else course.topics_with_suites(kind))
    files = [course.suite(topic, kind) for topic in chosen]
    missing = [str(path) for path in files if not path.exists()]
    if missing:
        raise ConfigError(f"no {kind} suite for {', '.join(missing)}")
    reports: list[Report] = []

    def keep(report: Report) -> None:
        if keep_reports:
            reports.append(report)
        if on_report is not None:
            on_report(report)

    # no mode given: the policy's, which fails closed (JailUnavailable without bubblewrap unless
    # DLGRADE_JAIL=plain), never the sandbox's silent fallback to the plain jail
    jail_mode = jail_mode or grading_jail(None)[0]
    timing.new_session()  # the timings ``timing.once`` keeps are this session's own
    with Sandbox(limits or course.limits, jail_mode, cgroups_required=cgroups_required, hide=[course.root]) as sandbox:
        plugin = GradingPlugin(course, submissions, chosen, seed, lang, sandbox, keep, debug)
        args = [
            "-c", os.devnull, "--rootdir", str(course.root), "--import-mode=importlib",
            "-p", "no:cacheprovider", "-p", "no:randomly", "-p", "no:warnings", "-qq",
            # what a grading session never uses, paid on every test (logging's and the thread
            # hooks' setup and teardown) or at collection (the rewriting of every assert: the
            # suites' failures carry their own messages, and a bare assert's text is never shown)
            "-p", "no:logging", "-p", "no:faulthandler", "-p", "no:threadexception",
            "-p", "no:unraisableexception", "-p", "no:junitxml", "-p", "no:doctest", "--assert=plain",
            # no plugin that happens to be installed (an entry point: pytest-timeout, -randomly,
            # -xdist's hooks) joins the session: the grade is the course's suites and this plugin
            "--disable-plugin-autoload",
            "--no-header", "-s", "--tb=native", *map(str, files),
        ]  # fmt: skip
        # the references are this course's: its root first, ahead of whatever folder (a
        # student's repository as the current one) might hold another solutions/
        root = str(course.root)
        if sys.path[:1] != [root]:
            with contextlib.suppress(ValueError):
                sys.path.remove(root)
            sys.path.insert(0, root)
        # one BLAS thread on this side: the suites' matrix products are small, and OpenBLAS's
        # other thread, spinning after each, took 17 % of a steady session's CPU (0.47 s a
        # submission became 0.39 s), a core that a class's other workers and jails need
        with contextlib.redirect_stdout(sys.stderr), timing.one_blas_thread():  # stdout: the report's
            code = pytest.main(args, plugins=[plugin])
    if plugin.error is not None:
        raise plugin.error
    if code in (pytest.ExitCode.INTERNAL_ERROR, pytest.ExitCode.USAGE_ERROR):
        raise DlgradeError(f"the grading session could not run (pytest exit code {int(code)})")
    return reports
