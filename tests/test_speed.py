"""What does not depend on the submission is computed once a session and reused; a batch grades
exactly as one submission at a time does. (No timed assertion here: the figures are
bench/README.md's.)"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from grader import checks, timing
from grader.suite import L

ROOT = Path(__file__).resolve().parent.parent
WHAT = L("f on 3 values", "f на 3 значениях")


class Counting:
    """A reference whose calls are counted."""

    def __init__(self) -> None:
        self.calls = 0
        self.__qualname__ = f"Counting{id(self)}"

    def __call__(self, x: np.ndarray, alpha: float = 1.0) -> np.ndarray:
        self.calls += 1
        return x * alpha


def test_a_reference_is_timed_once_a_session_per_shape_dtype_and_parameter() -> None:
    timing.new_session()
    fn = Counting()
    rng = np.random.default_rng(0)
    first = timing.reference_seconds(fn, rng.random((20, 30)))
    assert fn.calls == 5 and first >= 0.0  # the best of 5, paid once
    # another submission's input: other values, same shape and dtype: not called at all
    assert timing.reference_seconds(fn, rng.random((20, 30))) == first
    assert fn.calls == 5
    for other in ((rng.random((30, 20)),), (rng.random((20, 30)).astype(np.float32),)):
        timing.reference_seconds(fn, *other)
    assert fn.calls == 15  # another shape, another dtype: measured for themselves
    timing.reference_seconds(fn, rng.random((20, 30)), alpha=2.0)
    assert fn.calls == 20  # a parameter's value is part of what the time depends on
    timing.new_session()
    timing.reference_seconds(fn, rng.random((20, 30)))
    assert fn.calls == 25  # a new session measures again


def test_once_keeps_a_value_per_key_until_the_session_ends() -> None:
    timing.new_session()
    computed = []
    for _ in range(3):
        timing.once(("loop", (5,)), lambda: computed.append(1) or 0.25)
    assert computed == [1]
    assert timing.once(("loop", (5,)), lambda: 9.0) == 0.25
    timing.new_session()
    assert timing.once(("loop", (5,)), lambda: 9.0) == 9.0


def test_a_kept_timing_is_measured_again_once_it_is_old(monkeypatch: pytest.MonkeyPatch) -> None:
    # a reference timed minutes ago says nothing of the machine's load now
    timing.new_session()
    clock = [1000.0]
    monkeypatch.setattr(timing.time, "monotonic", lambda: clock[0])
    assert timing.once("budget", lambda: 1.0) == 1.0
    clock[0] += timing.ONCE_SECONDS - 1
    assert timing.once("budget", lambda: 2.0) == 1.0
    clock[0] += 2
    assert timing.once("budget", lambda: 3.0) == 3.0


def test_transfer_seconds_is_measured_once_per_shape() -> None:
    timing.new_session()
    a = timing.transfer_seconds(np.zeros((100, 100)))
    assert timing.transfer_seconds(np.ones((100, 100))) == a  # the same shape and dtype: reused
    assert timing.transfer_seconds(np.zeros((100, 100)), np.zeros(3)) > a


def test_an_argument_whose_cost_cannot_be_told_is_the_suite_authors_error() -> None:
    timing.new_session()
    with pytest.raises(TypeError, match="cannot tell"):
        timing.reference_seconds(Counting(), object())


# ----------------------------------------------------------------------------- a batch, one at a time
def _graded(report) -> dict[tuple[str, str], tuple[str, float, str]]:
    """Every test's outcome and points, and its message where no time is in it."""
    return {
        (topic.topic, test.name): (test.outcome, test.points, "" if "vectorized" in test.name else test.message)
        for topic in report.topics
        for test in topic.tests
    }


@pytest.mark.slow
def test_a_batch_grades_exactly_as_one_submission_at_a_time(tmp_path: Path) -> None:
    from grader import api

    corpus = ROOT / "tests" / "corpus" / "batchnorm"
    names = ["correct/std_and_copies", "wrong/backward_ignores_eps", "correct/float32_preserving",
             "wrong/forward_loop_over_samples", "wrong/running_var_biased"]  # fmt: skip
    paths = []
    for name in names:
        folder = tmp_path / name.replace("/", "-")
        folder.mkdir()
        (folder / "batchnorm.py").write_text((corpus / f"{name}.py").read_text(encoding="utf-8"), encoding="utf-8")
        paths.append(folder)
    # chunks of one on two processes: each process's session serves several chunks, so what it
    # measured once (the reference's time) is reused for submissions after the first
    batch = api.grade_many(paths, jobs=2, chunk=1, topic="batchnorm", lang="en")
    for path, batched in zip(paths, batch):
        alone = api.grade(path, topic="batchnorm", lang="en")
        assert (batched.seed, batched.content_sha256) == (alone.seed, alone.content_sha256)
        assert _graded(batched) == _graded(alone), path.name
        assert batched.score == alone.score
    scores = {path.name: report.score for path, report in zip(paths, batch)}
    assert scores["correct-std_and_copies"] == batch[0].max_score
    assert scores["wrong-forward_loop_over_samples"] < batch[0].max_score  # the loop is caught in a batch too


class Scripted:
    """A student whose calls take the given CPU seconds, and whose code is charged ``busy``
    seconds while the trusted side times a yardstick between its calls."""

    def __init__(self, seconds: list[float], busy: float = 0.0) -> None:
        self.seconds = list(seconds)
        self.busy = busy
        self.calls: list[tuple[object, ...]] = []

    def cpu_time(self, fn: str, *args: object) -> tuple[object, float]:
        self.calls.append(args)
        return f"result{len(self.calls)}", self.seconds[len(self.calls) - 1]

    def between_calls(self, compute):  # type: ignore[no-untyped-def]
        return compute(), self.busy


def fastest(student: Scripted, remeasured: list[float] | None = None, n: int = 6) -> timing.Timing:
    """``fastest_within`` with 3 tries and a budget of the yardstick itself (0.02 s), timed
    again as ``remeasured`` says, with no pauses."""
    again = iter(remeasured or [])
    return timing.fastest_within(
        student,
        "f",
        ((k,) for k in range(n)),
        tries=3,
        yardstick=0.02,
        budget=lambda y: y,
        remeasure=(lambda: next(again)) if remeasured is not None else None,
        pauses=(0.0, 0.0, 0.0),
    )


def test_a_timed_call_within_the_budget_ends_the_timing() -> None:
    fast = Scripted([0.01, 0.5, 0.5])
    assert fastest(fast) == ("result1", 0.01, 0, 0.02)
    assert fast.calls == [(0,)]  # no other call could change the verdict but by being faster
    slow = Scripted([0.5, 0.04, 0.015])  # a first call in a fresh worker pays its page faults
    assert fastest(slow) == ("result3", 0.015, 2, 0.02)
    assert len(slow.calls) == 3
    assert fastest(Scripted([0.5, 0.01, 0.3]))[:3] == ("result2", 0.01, 1)
    assert fastest(Scripted([0.5, 0.04, 0.03])) == ("result3", 0.03, 2, 0.02)  # none: the least over


def test_a_call_over_its_budget_is_timed_again_beside_the_yardstick() -> None:
    # a loaded machine: the calls over budget, and so is the loop when timed again beside them
    loaded = Scripted([0.03, 0.03, 0.03, 0.029])
    timed = fastest(loaded, remeasured=[0.031, 0.03])
    assert timed == ("result4", 0.029, 3, 0.03)  # the smaller yardstick of the two beside it
    assert len(loaded.calls) == 4
    # a load that slowed only one of the two yardsticks buys no budget: the call was not slowed
    spike = Scripted([0.03, 0.03, 0.03, 0.03, 0.03, 0.03])
    assert fastest(spike, remeasured=[0.04, 0.02, 0.02, 0.04, 0.039, 0.02]).yardstick == 0.02
    # a transient: the yardstick is as before, but a call after a pause is within it
    assert fastest(Scripted([0.03, 0.03, 0.03, 0.03, 0.019]), remeasured=[0.02] * 4)[:3] == ("result5", 0.019, 4)


def test_a_slow_call_stays_slow_however_often_it_is_timed() -> None:
    slow = Scripted([0.035, 0.034, 0.036, 0.033, 0.032, 0.034])
    timed = fastest(slow, remeasured=[0.021, 0.022, 0.02, 0.02, 0.02, 0.02])
    # every round over its own budget: the one least over counts, with its yardstick
    assert len(slow.calls) == 6 and timed == ("result4", 0.033, 3, 0.021)
    with pytest.raises(checks.TooSlow):
        checks.faster_than_loop(timed.seconds, timed.yardstick, WHAT, fraction=1.0, got=1.0, want=1.0)
    # a loop far over the budget is not confirmed at all (no loaded machine makes it 2.5 times)
    loop = Scripted([0.1, 0.1, 0.1, 0.01])
    assert fastest(loop, remeasured=[0.02, 0.02])[:2] == ("result1", 0.1) and len(loop.calls) == 3
    # no way to time the yardstick again: no confirmation
    unconfirmed = Scripted([0.03] * 6)
    assert fastest(unconfirmed).which == 0 and len(unconfirmed.calls) == 3


def test_a_busy_jail_or_a_yardstick_grown_too_much_buys_no_budget() -> None:
    # a thread left spinning between calls slows the trusted side's yardstick: not trusted
    spinner = Scripted([0.03, 0.03, 0.03, 0.03, 0.03, 0.03], busy=0.01)
    timed = fastest(spinner, remeasured=[0.04] * 6)
    assert timed.seconds == 0.03 and timed.yardstick == 0.02  # the budget kept: still too slow
    # a yardstick grown more than YARDSTICK_GROWTH times is not the load a loop is told from
    grown = 0.02 * timing.YARDSTICK_GROWTH * 1.01
    assert fastest(Scripted([0.03] * 6), remeasured=[grown] * 6).yardstick == 0.02
    # the calls ran out: as far as they go
    short = Scripted([0.03] * 6)
    assert fastest(short, remeasured=[0.02] * 6, n=4).seconds == 0.03 and len(short.calls) == 4


def test_a_failed_test_costs_no_source_annotated_traceback(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """pytest's long report of a failure parses the test file again to print its statement
    (~0.15 s a failure, for text shown only with DLGRADE_DEBUG): the runner asks for native
    tracebacks, and the failures are judged as before."""
    from _pytest._code import code

    from grader import api

    built = []
    formatter = getattr(code, "ExceptionInfoFormatter", None) or code.FormattedExcinfo  # renamed in pytest 9
    original = formatter.repr_traceback_entry
    monkeypatch.setattr(formatter, "repr_traceback_entry",
                        lambda self, *a, **k: built.append(1) or original(self, *a, **k))  # fmt: skip
    folder = tmp_path / "bob"
    folder.mkdir()
    wrong = ROOT / "tests" / "corpus" / "dropout" / "wrong" / "backward_forgets_scale.py"
    (folder / "dropout.py").write_text(wrong.read_text(encoding="utf-8"), encoding="utf-8")
    report = api.grade(folder, topic="dropout", lang="en")
    failed = [t for topic in report.topics for t in topic.tests if t.outcome == "fail"]
    assert failed and all(t.message for t in failed)
    assert built == []


def test_a_fresh_timing_is_timed_now_and_leaves_the_kept_one() -> None:
    timing.new_session()
    fn = Counting()
    x = np.zeros(10)
    kept = timing.seconds_of("counted", fn, x)
    assert fn.calls == timing.ONCE_REPEAT and timing.seconds_of("counted", fn, x) == kept
    timing.seconds_of("counted", fn, x, fresh=True)  # a confirmation: timed now, every time
    timing.seconds_of("counted", fn, x, fresh=True)
    assert fn.calls == timing.ONCE_REPEAT + 2 * timing.FRESH_REPEAT
    assert timing.seconds_of("counted", fn, x) == kept  # the session's value is not replaced


def test_a_burst_through_three_rounds_is_outwaited_by_a_fourth_a_second_later(monkeypatch: pytest.MonkeyPatch) -> None:
    """Seen in a full test run beside a hostile class: an honest call over its budget in the
    first tries and in each of the first three rounds (0, 50, 200 ms), not in one a second later."""
    slept: list[float] = []
    monkeypatch.setattr(timing.time, "sleep", slept.append)
    honest = Scripted([0.021] * 6 + [0.001])
    timed = timing.fastest_within(honest, "f", ((k,) for k in range(3 + len(timing.CONFIRM_PAUSES))), tries=3,
                                  yardstick=0.02, budget=lambda y: y, remeasure=lambda: 0.02)  # fmt: skip
    assert timed[:3] == ("result7", 0.001, 6) and len(honest.calls) == 7
    assert slept == list(timing.CONFIRM_PAUSES) and slept[-1] >= 1.0


class Bursting:
    """A student whose call on ``units`` times a first call's values takes ``per_unit`` CPU
    seconds a unit, plus ``burst`` on every call: a loaded machine's constant (13 to 17 ms seen
    on honest calls of 2), or, with no burst and ``per_unit`` over the budget, a loop."""

    def __init__(self, per_unit: float, burst: float = 0.0) -> None:
        self.per_unit, self.burst = per_unit, burst
        self.calls: list[int] = []

    def cpu_time(self, fn: str, units: int) -> tuple[object, float]:
        self.calls.append(units)
        return units, self.per_unit * units + self.burst

    def between_calls(self, compute):  # type: ignore[no-untyped-def]
        return compute(), 0.0


def test_a_confirmation_on_more_values_outlasts_a_burst_but_not_a_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(timing.time, "sleep", lambda seconds: None)
    budget = 0.018

    def timed(student: Bursting, scale: int) -> timing.Timing:
        calls = ((1 if k < 3 else scale,) for k in range(3 + len(timing.CONFIRM_PAUSES)))
        return timing.fastest_within(student, "f", calls, tries=3, yardstick=budget, budget=lambda y: y,
                                     remeasure=lambda: budget, scale=scale)  # fmt: skip

    # the burst seen beside a hostile class: 18.6 ms for an honest call of 2, in every round
    assert timed(Bursting(0.002, burst=0.0166), scale=1).seconds > budget
    honest = Bursting(0.002, burst=0.0166)
    got = timed(honest, scale=timing.CONFIRM_SCALE)
    assert honest.calls == [1, 1, 1, timing.CONFIRM_SCALE] and got.which == 3
    # its seconds per a first call's values: what checks.faster_than_loop compares with the budget
    assert got.seconds == pytest.approx((0.002 * timing.CONFIRM_SCALE + 0.0166) / timing.CONFIRM_SCALE)
    assert got.seconds < budget
    # a loop 1.7 times its budget is as slow on the larger values: one round says so
    loop = Bursting(0.03)
    got = timed(loop, scale=timing.CONFIRM_SCALE)
    assert loop.calls == [1, 1, 1, timing.CONFIRM_SCALE] and got.seconds == pytest.approx(0.03)
    # one 1.2 times its budget gets a second round, and no more
    loop = Bursting(0.0216)
    got = timed(loop, scale=timing.CONFIRM_SCALE)
    assert loop.calls == [1, 1, 1] + [timing.CONFIRM_SCALE] * timing.SCALED_ROUNDS
    assert got.seconds == pytest.approx(0.0216)
    # rounds on the same values (no scale) still outwait a burst through all of them
    loop = Bursting(0.0216)
    timed(loop, scale=1)
    assert len(loop.calls) == 3 + len(timing.CONFIRM_PAUSES)


def test_the_suites_confirm_a_slow_call_on_more_values(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Through the real jail, with the reference's activations: each call of leaky_relu on the
    first calls' 300,000 values is charged a constant 1.5 times its budget more (a burst, added
    here to the seconds the jail's cgroup gave; the budget is the suite's own, the last
    ``checks.loop_budget`` computed). The suite's confirmations get CONFIRM_SCALE times the values,
    where no burst is added: no point lost. With confirmations on the same size, it would be."""
    from grader import api, proxy

    budgets: list[float] = []
    loop_budget = checks.loop_budget
    monkeypatch.setattr(checks, "loop_budget", lambda *a, **k: budgets.append(loop_budget(*a, **k)) or budgets[-1])
    sizes: list[int] = []
    timed = proxy.StudentModule.cpu_time

    def bursting(self, fn, *args, **kw):  # type: ignore[no-untyped-def]
        got, seconds = timed(self, fn, *args, **kw)
        if fn == "leaky_relu" and isinstance(args[0], np.ndarray) and args[0].size >= 100_000:
            sizes.append(args[0].size)
            if args[0].size == 300_000:
                seconds += 1.5 * budgets[-1]
        return got, seconds

    monkeypatch.setattr(proxy.StudentModule, "cpu_time", bursting)
    folder = tmp_path / "burst"
    folder.mkdir()
    (folder / "activations.py").write_text((ROOT / "solutions" / "activations.py").read_text(encoding="utf-8"), encoding="utf-8")

    def vectorized() -> str:
        sizes.clear()
        report = api.grade(folder, topic="activations", lang="en")
        return next(t.outcome for t in report.topics[0].tests if t.name == "vectorized[leaky_relu]")

    assert vectorized() == "pass"
    assert sizes == [300_000] * 3 + [300_000 * timing.CONFIRM_SCALE]  # three tries, one confirmation
    monkeypatch.setattr(timing, "CONFIRM_SCALE", 1)
    assert vectorized() == "fail"
    assert sizes == [300_000] * (3 + len(timing.CONFIRM_PAUSES))  # every round, and no second run


def test_a_loop_far_over_its_budget_is_not_timed_again() -> None:
    """The runner times a TooSlow test once more only where a loaded machine could be why: not
    for a call over timing.NOT_NOISE times its budget and NOT_NOISE_SECONDS over it, nor for
    one whose slowness fastest_within's rounds confirmed already."""

    def raised(check, *args, **kw):  # type: ignore[no-untyped-def]
        with pytest.raises(checks.TooSlow) as caught:
            check(*args, what=WHAT, got=1.0, want=1.0, **kw)
        return caught.value

    budget = checks.vectorized_budget(0.001, ratio=10, floor=0.15)  # 0.16 s
    limit = dict(ratio=10, floor=0.15)
    assert raised(checks.vectorized, 1.1 * budget, 0.001, **limit).retry
    # a per-sample loop of a second: six times the budget, 0.84 s over it
    assert not raised(checks.vectorized, 1.0, 0.001, **limit).retry
    # far over, but by less than a burst can add (0.2 s on a call of 0.02): timed again
    assert raised(checks.faster_than_loop, 0.2, 0.02).retry  # fraction 0.5: a budget of 0.01
    assert raised(checks.faster_than_loop, 0.011, 0.02).retry
    # fastest_within's rounds ran (within NOT_NOISE): they were the second timing
    assert not raised(checks.faster_than_loop, 0.011, 0.02, confirmed=True).retry
    # no rounds ran for a call over NOT_NOISE times its budget: the runner's run is the second
    assert raised(checks.faster_than_loop, 0.2, 0.02, confirmed=True).retry
    assert not raised(checks.faster_than_loop, 0.5, 0.02, confirmed=True).retry
    assert timing.may_be_noise(0.4, 0.16) and not timing.may_be_noise(0.42, 0.16)


def test_a_per_sample_loop_is_timed_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Through the real jail: a loop of about a second (hundreds of times the budget) costs one
    call and one run of its test, not two of each (once four seconds a looping submission)."""
    from grader import api, proxy, runner

    runs: list[str] = []
    outcome = runner.GradingPlugin._outcome
    monkeypatch.setattr(runner.GradingPlugin, "_outcome", lambda self, item: runs.append(item.name) or outcome(self, item))
    calls: list[str] = []
    timed = proxy.StudentModule.cpu_time
    monkeypatch.setattr(proxy.StudentModule, "cpu_time", lambda self, fn, *a, **k: calls.append(fn) or timed(self, fn, *a, **k))
    folder = tmp_path / "loop"
    folder.mkdir()
    source = (ROOT / "solutions" / "optimizers.py").read_text(encoding="utf-8")
    wrong = (ROOT / "tests" / "corpus" / "optimizers" / "wrong" / "grad_per_sample_loop.py").read_text(encoding="utf-8")
    loop = wrong.split("\n\n\ndef gd_step")[0]
    (folder / "optimizers.py").write_text(source + "\n\n" + loop + "\n", encoding="utf-8")
    report = api.grade(folder, topic="optimizers", lang="en")
    test = next(t for t in report.topics[0].tests if t.name == "loss_grad_vectorized")
    assert test.outcome == "fail" and "too slow" in test.message
    assert runs.count("test_loss_grad_vectorized") == 1
    assert calls.count("least_squares_loss_grad") == 1
