"""Timing on the trusted side: what the hidden suites' vectorization checks measure; the
verdicts are ``grader.checks``' (``vectorized``, ``faster_than_loop``, ``loop_hint``).

- ``cpu_time_of(fn, *args)``: a reference's (or a plain loop's) CPU time here, the best of a
  few runs, under a limit of one BLAS thread, as the single-threaded jail runs.
- ``reference_seconds(fn, *args)`` and ``once(key, compute)``: what a timing check compares
  with does not depend on the submission (a reference's CPU time on inputs of a shape, a loop's,
  ``transfer_seconds``), so it is measured once, the best of 5, and reused for the submissions
  graded in the next 30 s: a batch pays it twice a minute, not once per submission.
- ``transfer_seconds(*arrays)``: the jail's cost of moving these arrays (about 15-30 ns per
  float64 value, and a first call in a fresh worker several times that), which a cheap
  reference does not pay: a check's budget adds it.
- ``best_cpu_time(student, fn, *args)``: the best of 2 calls with the same arguments.
- ``fastest_within(student, fn, calls, ...)``: calls on distinct inputs, so that an answer
  stored by one call cannot be the one timed, until one is within its budget; before a call is
  found too slow, the yardstick is timed again beside it, and it is confirmed on more values
  (``CONFIRM_SCALE`` times), so that a loaded machine does not fail an honest call.
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Callable, Hashable, Iterable, Sequence
from contextlib import AbstractContextManager
from typing import Any, NamedTuple, TypeVar

import numpy as np
from threadpoolctl import threadpool_limits

__all__ = [
    "cpu_time_of",
    "new_session",
    "once",
    "seconds_of",
    "reference_seconds",
    "best_cpu_time",
    "Timing",
    "fastest_within",
    "CONFIRM_SCALE",
    "NOT_NOISE",
    "SCALED_LOOP",
    "SCALED_ROUNDS",
    "NOT_NOISE_SECONDS",
    "may_be_noise",
    "transfer_seconds",
    "loop_hint_budget",
    "one_blas_thread",
]

T = TypeVar("T")
Y = TypeVar("Y")


def cpu_time_of(fn: Callable[..., T], *args: Any, repeat: int = 3, **kw: Any) -> tuple[T, float]:
    """``(result, seconds)``: the reference's CPU time on the trusted side, the best of
    ``repeat`` runs, with ``time.thread_time`` (this thread only) under a limit of one BLAS/OpenMP
    thread (threadpoolctl, a dependency: never silently skipped), so that it compares with the
    single-threaded jail."""
    best = math.inf
    result: Any = None
    with one_blas_thread():
        for _ in range(repeat):
            start = time.thread_time()
            result = fn(*args, **kw)
            best = min(best, time.thread_time() - start)
    return result, best


# what ``once`` measured in this grading session, and when; the runner empties it when a
# session starts
_SESSION: dict[Hashable, tuple[Any, float]] = {}
ONCE_REPEAT = 5  # paid once, not once a submission: the best of more runs
FRESH_REPEAT = 3  # a confirmation's yardstick, timed now beside a call: paid per slow call
# a timing kept longer would no longer say what the machine's load is now: measured per
# submission, the reference and the student's code met the same load; this keeps them close
ONCE_SECONDS = 30.0


def new_session() -> None:
    """Forget every value ``once`` kept (the runner calls it when a grading session starts)."""
    _SESSION.clear()


def once(key: Hashable, compute: Callable[[], T], *, max_age: float = ONCE_SECONDS) -> T:
    """``compute()``, computed the first time ``key`` is asked for in this grading session and
    reused for the submissions after it, for ``max_age`` seconds (then measured again). Only for
    what does not depend on the submission: the CPU time of a reference or of a plain loop on
    inputs of a given shape (each submission's inputs differ, but are drawn alike), never a value
    computed from a submission's output. The key names everything the value depends on (the
    function, the shapes and dtypes, the parameters); trusted side only, nothing from the jail."""
    now = time.monotonic()
    if key in _SESSION:
        value, when = _SESSION[key]
        if now - when <= max_age:
            kept: T = value
            return kept
    value = compute()
    _SESSION[key] = (value, now)
    return value


def seconds_of(key: Hashable, fn: Callable[..., Any], *args: Any, fresh: bool = False) -> float:
    """The CPU seconds of ``fn(*args)`` (``cpu_time_of``): the best of ``ONCE_REPEAT`` kept for
    the session under ``key`` (``once``), or, if ``fresh``, the best of ``FRESH_REPEAT`` timed
    now (a yardstick confirmed beside a slow call, ``fastest_within``)."""
    if fresh:
        return cpu_time_of(fn, *args, repeat=FRESH_REPEAT)[1]
    return once(key, lambda: cpu_time_of(fn, *args, repeat=ONCE_REPEAT)[1])


def reference_seconds(fn: Callable[..., Any], *args: Any, fresh: bool = False, **kw: Any) -> float:
    """The CPU seconds of ``fn(*args, **kw)`` (``cpu_time_of``, the best of 5), measured once
    (``once``: again after 30 s) for arguments of these shapes, dtypes and parameter values, and
    not called at all when already measured; timed now if ``fresh`` (``seconds_of``). Compute
    the reference's result on the submission's own input separately: only its time is shared.
    Give it a fresh generator where it takes one, as ``fn`` may draw from it."""
    key = ("reference_seconds", getattr(fn, "__module__", None), getattr(fn, "__qualname__", repr(fn)),
           _signature(args), _signature(kw))  # fmt: skip
    return seconds_of(key, lambda: fn(*args, **kw), fresh=fresh)


def _signature(value: Any) -> Hashable:
    """What a timing depends on in an argument: an array's shape and dtype (never its values),
    a number's or a string's value, a generator's kind; containers item by item."""
    if isinstance(value, np.ndarray):
        return ("array", value.shape, value.dtype.str)
    if isinstance(value, np.random.Generator):
        return ("generator", type(value.bit_generator).__name__)
    if value is None or isinstance(value, (bool, int, float, str, np.generic)):
        return (type(value).__name__, value.item() if isinstance(value, np.generic) else value)
    if isinstance(value, (tuple, list)):
        return (type(value).__name__, tuple(_signature(item) for item in value))
    if isinstance(value, dict):
        return ("dict", tuple(sorted((str(k), _signature(v)) for k, v in value.items())))
    raise TypeError(f"reference_seconds cannot tell what the time depends on in a {type(value).__name__}")


def best_cpu_time(student: Any, fn: str, *args: Any, repeat: int = 2, **kw: Any) -> tuple[Any, float]:
    """``(result, seconds)`` of the fastest of ``repeat`` calls of ``student.cpu_time(fn, ...)``
    (the first call into a fresh worker pays for page faults of its new buffers): the result is
    that call's, so the timing check verifies the very call whose time counts. The calls get
    the same arguments: where a stored answer could be handed back, use ``fastest_within``."""
    best = math.inf
    result: Any = None
    for _ in range(repeat):
        got, seconds = student.cpu_time(fn, *args, **kw)
        if seconds < best:
            best, result = seconds, got
    return result, best


class Timing(NamedTuple):
    """What ``fastest_within`` found: the result and CPU seconds of the call that counts,
    ``which`` input of ``calls`` it got (an index) and the yardstick its budget came from. The
    seconds are per a first call's values: a confirmation call on ``scale`` times the values
    counts for its CPU seconds divided by ``scale``."""

    result: Any
    seconds: float
    which: int
    yardstick: Any


# Confirmation of a timing over its budget (``fastest_within``). Under a full test run on a
# shared 2-core machine honest vectorized calls were seen charged 13 to 17 ms more than their
# usual 1 to 3 ms for several calls in a row (up to 1.6 times their budget), with the loop
# they are compared with 1.3 to 1.6 times slower too when timed then, not when it was timed
# once, earlier: before a verdict of "too slow", the yardstick is timed again on both sides of
# another call, after each pause. Loops of the corpus take 1.7 to 5 times their budgets. A
# burst once lasted through the first three (an honest leaky_relu at 1.03 times its budget in
# each, beside a hostile class's hangs and memory bombs): the last pause waits a second.
CONFIRM_PAUSES = (0.0, 0.05, 0.2, 1.0)
# how many times the values of a first call a confirmation call gets (the suites' ``calls``
# yield such inputs after the first ``tries``): a loop's time grows with the values, the
# bursts above (13 to 17 ms on a call of 2) do not, so on 4 times the values an honest call
# is far inside 4 times its budget, and a loop as far over it as before
CONFIRM_SCALE = 4
# a call more over its budget than this is a loop, not a loaded machine: no confirmation (it
# would cost every looping submission the pauses); loops take 1.7 to 5 times the budgets
NOT_NOISE = 2.5
# Confirmations on CONFIRM_SCALE times the values end sooner than the rounds above: a burst
# adds seconds, and the honest calls of the suites that scale (the vectorized variants of the
# corpus) take at most 0.4 of their budgets, so on 4 times the values one is over its budget
# only with a burst of 2.4 budgets in that very call (20 to 90 ms budgets; the bursts seen:
# 13 to 40 ms), and more than SCALED_LOOP times it only with one of 4.4. Such a round, or
# SCALED_ROUNDS of them over the budget, ends the rounds: a loop is as slow in each, and paid
# for every round (in the class benchmark, an initializer's loop at twice its budget cost 6 s
# of four rounds on 4 times the weights, for the same verdict as the first round's)
SCALED_LOOP = 1.5
SCALED_ROUNDS = 2
# ... and, for the runner's second run of a failed timing test, more than this many CPU seconds
# over it too: a burst adds seconds, not a factor, to an honest call (about 16 ms seen on a call
# of 2, up to 40 ms on 4.8 MB of fresh pages); a per-sample loop of half a second is no burst
NOT_NOISE_SECONDS = 0.25


def may_be_noise(seconds: float, budget: float) -> bool:
    """Whether a call over its budget could be an honest one slowed by the machine (worth
    timing again): within ``NOT_NOISE`` times the budget, or at most ``NOT_NOISE_SECONDS`` over."""
    return seconds <= NOT_NOISE * budget or seconds - budget <= NOT_NOISE_SECONDS


# a yardstick timed again may give at most this many times the budget of the one kept (the
# honest calls above needed up to 1.5; loops are at 1.7 or more)
YARDSTICK_GROWTH = 1.6
# the jail's CPU seconds while the yardstick is timed above which it is not trusted: a
# submission that keeps a thread spinning between calls would slow the trusted side's
# yardstick down (shared cores and caches) and buy itself a larger budget
JAIL_IDLE_S = 0.002


def fastest_within(
    student: Any,
    fn: str,
    calls: Iterable[tuple[Any, ...]],
    *,
    tries: int,
    yardstick: Y,
    budget: Callable[[Y], float],
    remeasure: Callable[[], Y] | None = None,
    pauses: Sequence[float] = CONFIRM_PAUSES,
    scale: float = 1.0,
) -> Timing:
    """The call of ``fn`` that counts for a timing check, one call per argument tuple of
    ``calls``: give each call other values, so that no call can return an answer stored by an
    earlier one (a loop run once, then its stored result) and be the one timed.

    Up to ``tries`` calls, until one takes at most ``budget(yardstick)`` CPU seconds (no later
    call could change the verdict but by being faster). If none does, the machine may just be
    loaded: for each of ``pauses`` (seconds), ``remeasure()`` times the yardstick again here,
    on the trusted side, before and after one more call, whose budget then comes from the
    smaller of the two if that is larger than the first (at most ``YARDSTICK_GROWTH`` times
    it; the first if the jail was busy meanwhile). The first call within its budget counts;
    else the call least over its own, with that yardstick, and the check fails with figures
    measured together.
    ``calls`` may be a generator yielding ``tries + len(pauses)`` tuples: the inputs of calls
    that are not made are then never built. The confirmation calls' inputs (those after the
    first ``tries``) may hold ``scale`` times the values of the first ones (``CONFIRM_SCALE``):
    their budgets are then ``scale`` times larger, and their seconds count divided by
    ``scale``, so that a ``Timing``'s seconds always compare with ``budget(yardstick)``; with
    ``scale`` 2 or more, the rounds end after one such call more than ``SCALED_LOOP`` times over
    its budget, or ``SCALED_ROUNDS`` over it.
    ``yardstick`` is what the check's budget is computed from (a loop's seconds and the
    transfer's, say), ``budget`` the check's own formula."""
    inputs = iter(calls)
    first = budget(yardstick)
    best: Timing | None = None
    best_ratio = math.inf
    made = 0  # calls made so far: the next one's input index
    scaled_over = 0  # confirmations on more values (scale) that were over their budgets
    for args in itertools.islice(inputs, tries):
        got, seconds = student.cpu_time(fn, *args)
        made += 1
        if seconds <= first:
            return Timing(got, seconds, made - 1, yardstick)
        if seconds / first < best_ratio:
            best, best_ratio = Timing(got, seconds, made - 1, yardstick), seconds / first
    if best is None:
        raise ValueError("fastest_within needs at least one call")
    for pause in pauses if remeasure is not None else ():
        if best_ratio > NOT_NOISE:
            break
        more = next(inputs, None)
        if more is None:
            break
        time.sleep(pause)
        before, busy_before = student.between_calls(remeasure)
        got, seconds = student.cpu_time(fn, *more)
        seconds /= scale  # per a first call's values: the budgets' unit
        made += 1
        after, busy_after = student.between_calls(remeasure)
        # the smaller of the two beside the call: a load that lasted through the call slowed
        # both, one that hit only the yardstick (and not the call) must not buy a budget
        now = min(before, after, key=budget)
        if busy_before + busy_after > JAIL_IDLE_S or not first <= budget(now) <= YARDSTICK_GROWTH * first:
            now = yardstick
        timing = Timing(got, seconds, made - 1, now)
        if seconds <= budget(now):
            return timing
        if seconds / budget(now) < best_ratio:
            best, best_ratio = timing, seconds / budget(now)
        if scale >= 2:
            scaled_over += 1
            if seconds / budget(now) > SCALED_LOOP or scaled_over >= SCALED_ROUNDS:
                break  # no burst of this size: see SCALED_LOOP
    return best


# the fixed cost of a jail call beyond moving its arrays (the socket's turn, the protocol)
CALL_SECONDS = 0.003


def call_overhead(*arrays: np.ndarray, fresh: bool = False) -> float:
    """A jail call's CPU seconds that are not the function's own: moving ``arrays``
    (``transfer_seconds``) and the call's fixed cost. What a timing check adds to its budget."""
    return transfer_seconds(*arrays, fresh=fresh) + CALL_SECONDS


def transfer_seconds(*arrays: np.ndarray, fresh: bool = False) -> float:
    """An estimate (on the generous side) of the CPU seconds a jail call spends on moving these
    arrays rather than computing: decoding the arguments, the mutation check's copy and compare,
    encoding a result of the same size. Measured here, so it scales with this machine; kept for
    the session (``once``) unless ``fresh`` (a timing check's confirmation, ``fastest_within``)."""
    from grader.jail import wire

    def move(array: np.ndarray) -> None:
        arrived = wire.decode(wire.encode([array]))[0]
        np.array_equal(arrived.copy(), arrived, equal_nan=True)
        wire.decode(wire.encode([arrived]))

    # the wire's cost depends on the shape and dtype only: shared by submissions (``once``)
    total = 0.0
    for a in map(np.asarray, arrays):
        total += seconds_of(("transfer_seconds", _signature(a)), move, a, fresh=fresh)
    return total


def loop_hint_budget(per: np.ndarray, arrays: list[np.ndarray]) -> tuple[float, float]:
    """What ``checks.loop_hint`` compares with: (the seconds of a loop doing one
    multiplication per item of ``per``, the jail's cost of moving ``arrays`` in and a result the
    size of ``per`` out). They depend on shapes only: measured once (``once``) for the
    submissions of a session, not per submission."""

    def measure() -> float:
        items = per.tolist() if per.ndim == 1 else list(per)
        _, loop_s = cpu_time_of(lambda values: [value * 0.5 for value in values], items, repeat=ONCE_REPEAT)
        if per.ndim == 1:  # a student's loop over the values also has to get them out of the array
            loop_s += cpu_time_of(per.tolist, repeat=ONCE_REPEAT)[1]
        return loop_s

    loop_s = once(("loop_hint", _signature(per)), measure)
    # the jail's cost of moving the arguments in and a result the size of ``per`` out
    return loop_s, call_overhead(*arrays, per)


def one_blas_thread() -> AbstractContextManager[Any]:
    """One BLAS/OpenMP thread inside (threadpoolctl): what the jail has, and what a grading
    session uses throughout (grader.runner)."""
    return threadpool_limits(limits=1)  # type: ignore[no-any-return]  # threadpoolctl ships no types
