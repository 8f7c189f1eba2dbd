"""Numeric assertions for the hidden and public suites.

Every check either returns quietly or raises ``grader.suite.Failure`` with a bilingual message
that names the property (the suite's ``what``), the kind of problem and its size, in the style
of ``pytest.approx`` ("max abs error 0.31, max rel error 0.05, 40 of 64 values off"), and never
the values themselves: those are the hidden data. A wrong call of a check (a ``str`` for
``what``, an unknown ``kind``) is the suite author's bug and raises ``TypeError``/``ValueError``.

- ``close(got, want, *, like, what, hint=None, rtol=None, atol=None, kind="elementwise")``:
  ``got`` is an array of ``want``'s shape, of a float dtype (or bool/int where ``want`` is all
  0/1, which the contract allows for derivatives), finite where ``want`` is, and within the
  tolerances of ``kind`` for the dtype of ``like`` (the input the student received; see
  ``TOLERANCES``). Compute ``want`` in float64 from the same input (upcast float32 first).
- ``array``, ``shape``, ``finite``, ``scalar``: the type/shape/finiteness parts on their own.
- ``unchanged(before, after, what)``: an input array still holds its values, bit for bit.
- ``raises(exc_info_or_callable, type_name, what)``: the student's code raised ``type_name``.
- ``same_output(a, b, what)`` / ``different_output(a, b, what)``: determinism checks.
- ``between(value, lo, hi, what=..., name=...)``: a statistic lies in its acceptance band.
- ``vectorized(student_s, ref_s, what)``: the vectorization check, student CPU seconds (from
  ``student.cpu_time``, or ``grader.timing``'s ``best_cpu_time`` and ``fastest_within``)
  against the reference's (``timing.reference_seconds``). A jail call also spends CPU moving
  its arrays, which a cheap reference does not: pass ``overhead_s=timing.transfer_seconds(...)``.
- Both timing checks take the timed call's result (``got=``) and its reference (``want=``, or
  ``verify=`` for random outputs) and check the values first: a fast wrong answer is no
  vectorized version.
- ``faster_than_loop(student_s, loop_s, what)``: the student's time against a plain Python loop
  timed on the trusted side, for references so cheap or so costly that a ratio to them cannot
  tell the slowest vectorized code from the fastest loop (e.g. ``np.tanh`` vs ``math.tanh``).
- ``loop_hint(student, fn, args, what=..., per=..., verify=...)``: the public suites' cheap
  vectorization check, a hint and never the grade: the student's best time against a Python
  loop that does next to nothing per value (or per row), timed here; no reference needed.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any, NoReturn, TypeVar

import numpy as np

from grader import timing
from grader.suite import Failure, Handle, L, StudentRaised, TooSlow

__all__ = [
    "TOLERANCES",
    "tolerance",
    "array",
    "shape",
    "finite",
    "scalar",
    "close",
    "unchanged",
    "raises",
    "same_output",
    "different_output",
    "between",
    "vectorized",
    "vectorized_budget",
    "faster_than_loop",
    "loop_budget",
    "loop_hint",
    "received",
]

Hint = L | Sequence[L] | None
_EXPECTED_ARRAY = L("expected a NumPy array", "ожидался массив NumPy")
T = TypeVar("T")

# kind -> ((rtol, atol) for float64 inputs, (rtol, atol) for float32 inputs, atol scales with
# max(1, max|want|)). From testing-numerics.md §6.1; the reference is float64, so the tolerance
# only absorbs the student's own rounding.
TOLERANCES: dict[str, tuple[tuple[float, float], tuple[float, float], bool]] = {
    "elementwise": ((1e-7, 1e-12), (1e-5, 1e-6), False),  # activations and their derivatives
    "linear": ((1e-7, 1e-10), (1e-4, 1e-5), True),  # dense layers, softmax, cross-entropy grads
    "batchnorm": ((1e-6, 1e-9), (1e-3, 1e-4), True),  # BN forward/backward, well-conditioned data
    "loss": ((1e-9, 1e-12), (1e-5, 1e-6), False),  # scalar losses
    "gradcheck": ((1e-6, 1e-7), (1e-6, 1e-7), False),  # numerical vs analytic gradient, float64
    "trajectory": ((1e-9, 1e-12), (1e-4, 1e-6), True),  # optimizer paths: pass rtol=1e-9*n_steps
    "exact": ((0.0, 0.0), (0.0, 0.0), False),  # bit-for-bit (e.g. dropout with p = 0)
}


def tolerance(kind: str, like: Any, want: Any = None) -> tuple[float, float]:
    """(rtol, atol) for ``kind`` and the dtype of ``like``; ``want`` scales atol where the kind
    says so."""
    if kind not in TOLERANCES:
        raise ValueError(f"unknown tolerance kind {kind!r}; one of {sorted(TOLERANCES)}")
    double, single, scaled = TOLERANCES[kind]
    rtol, atol = single if _is_single(like) else double
    if scaled and want is not None:
        values = np.asarray(want, dtype=np.float64)
        finite_values = np.abs(values[np.isfinite(values)])
        atol *= max(1.0, float(finite_values.max(initial=0.0)))
    return rtol, atol


# ---------------------------------------------------------------- type, shape, finiteness


def array(got: Any, what: L, hint: Hint = None, *, scalar_ok: bool = False) -> np.ndarray:
    """``got`` is a NumPy array (or, with ``scalar_ok``, a plain number); returns it as one."""
    _check_what(what)
    if isinstance(got, np.ndarray):
        return got
    if scalar_ok and _is_number(got):
        return np.asarray(got)
    _fail(what, _describe_type(got, _EXPECTED_ARRAY), hint)


def shape(got: Any, expected_shape: Sequence[int], what: L, hint: Hint = None) -> np.ndarray:
    """``got`` is an array of exactly ``expected_shape`` (no broadcasting: (1, D) is not (D,))."""
    expected = tuple(int(n) for n in expected_shape)
    result = array(got, what, hint, scalar_ok=expected == ())
    if result.shape != expected:
        _fail(
            what,
            L(
                f"returned shape {_shape_text(result.shape)}, expected {_shape_text(expected)}",
                f"возвращён массив формы {_shape_text(result.shape)}, ожидалась форма {_shape_text(expected)}",
            ),
            hint,
        )
    return result


def finite(got: Any, what: L, hint: Hint = None) -> np.ndarray:
    """``got`` is a numeric array (or number) with no NaN or infinity."""
    result = array(got, what, hint, scalar_ok=True)
    _check_numeric(result, zero_one=True, what=what, hint=hint)
    bad = int(np.size(result) - np.count_nonzero(np.isfinite(result)))
    if bad:
        _fail(what, _nonfinite_text(bad, result.size), hint)
    return result


def scalar(got: Any, what: L, hint: Hint = None) -> float:
    """``got`` is one finite real number (a Python or NumPy scalar, or a 0-d array)."""
    _check_what(what)
    if isinstance(got, np.ndarray) and got.shape != ():
        _fail(
            what,
            L(
                f"returned an array of shape {_shape_text(got.shape)}, expected a single number",
                f"возвращён массив формы {_shape_text(got.shape)}, ожидалось одно число",
            ),
            hint,
        )
    if not (_is_number(got) or isinstance(got, np.ndarray)) or isinstance(got, bool):
        expected = L("expected a single number", "ожидалось одно число")
        _fail(what, _describe_type(got, expected), hint)
    value = np.asarray(got)
    if value.dtype.kind not in "iuf":
        _fail(what, _dtype_text(value.dtype), hint)
    if not np.isfinite(value):
        _fail(what, L("returned NaN or infinity", "возвращено NaN или бесконечность"), hint)
    return float(value)


# ---------------------------------------------------------------- values


def close(
    got: Any,
    want: Any,
    *,
    like: Any,
    what: L,
    hint: Hint = None,
    rtol: float | None = None,
    atol: float | None = None,
    kind: str = "elementwise",
) -> np.ndarray:
    """``got`` equals ``want`` within the tolerances of ``kind`` for the dtype of ``like``.

    Checks, in order: type (an array; a number only where ``want`` is 0-d), shape, dtype (float;
    bool/int accepted where ``want`` is all 0/1; float32 out for float64 in is lost precision),
    finiteness (NaN/inf only where ``want`` has the same), then the values:
    ``|got - want| <= atol + rtol*|want|``. Returns ``got`` as a float64 array."""
    _check_what(what)
    want_arr = np.asarray(want, dtype=np.float64)
    default_rtol, default_atol = tolerance(kind, like, want_arr)
    rtol = default_rtol if rtol is None else rtol
    atol = default_atol if atol is None else atol

    got_arr = shape(got, want_arr.shape, what, hint)
    floats = got_arr.dtype.kind == "f"
    narrowed = floats and got_arr.dtype.itemsize < 8 and not _is_single(like)
    # only a result that is not float64-for-float64 needs to know whether want is all 0/1
    zero_one = not (floats and not narrowed) and bool(np.all((want_arr == 0) | (want_arr == 1)))
    _check_numeric(got_arr, zero_one=zero_one, what=what, hint=hint)
    if not zero_one and narrowed:
        _fail(
            what,
            L(
                f"returned {got_arr.dtype} for a float64 input: precision is lost",
                f"для входа float64 возвращён {got_arr.dtype}: точность потеряна",
            ),
            hint,
        )
    got64 = got_arr.astype(np.float64)

    finite_got = np.isfinite(got64)
    finite_want = np.isfinite(want_arr)
    if finite_want.all():  # the common case: every value must be finite, and all are compared
        bad = int(got64.size - np.count_nonzero(finite_got))
        if bad:
            _fail(what, _nonfinite_text(bad, want_arr.size), hint)
        diff = np.abs(got64 - want_arr)
        scale = np.abs(want_arr)
    else:
        # where want is NaN/inf, got must be the same NaN/inf; elsewhere it must be finite
        wrong_special = ~finite_want & ~((got64 == want_arr) | (np.isnan(got64) & np.isnan(want_arr)))
        unexpected = finite_want & ~finite_got
        if unexpected.any() or wrong_special.any():
            bad = int(unexpected.sum() + wrong_special.sum())
            _fail(what, _nonfinite_text(bad, want_arr.size), hint)
        diff = np.abs(got64[finite_want] - want_arr[finite_want])
        scale = np.abs(want_arr[finite_want])
    off = diff > atol + rtol * scale
    if off.any():
        _fail(what, _error_text(diff, scale, int(off.sum()), want_arr.size), hint)
    return got64


def unchanged(before: Any, after: Any, what: L, hint: Hint = None) -> None:
    """An input array holds, after the call, exactly the values (and shape, dtype) it held
    before. Default hint: work on a copy (``x = x.copy()``) or build a new array."""
    _check_what(what)
    if hint is None:
        hint = L(
            "do not write into the input: build a new array (np.where, x * mask) or copy it first",
            "не изменяйте входной массив: создайте новый (np.where, x * mask) или сначала скопируйте его (x.copy())",
        )
    if not _equal(before, after):
        problem = L("the function modified its input array", "функция изменила входной массив")
        if isinstance(before, np.ndarray) and isinstance(after, np.ndarray) and before.shape == after.shape:
            n = int(np.count_nonzero(~_elementwise_equal(before, after)))
            if n:  # else only the dtype changed
                problem += L(
                    f" ({n} of {before.size} values)",
                    f" (изменено значений: {n} из {before.size})",
                )
        _fail(what, problem, hint)


def raises(exc_info_or_callable: Any, type_name: str, what: L, hint: Hint = None) -> StudentRaised:
    """The student's code raised ``type_name`` (or a subclass of it).

    Takes a zero-argument callable making the student call (``lambda: student.f(bad)``), a
    ``pytest.raises(StudentRaised)`` ExceptionInfo, or a ``StudentRaised``. NotAttempted,
    JailFailure and the like pass through, so the test's outcome stays not_attempted/error."""
    _check_what(what)
    error: Any = exc_info_or_callable
    if callable(error) and not isinstance(error, BaseException):
        try:
            error()
        except StudentRaised as raised:
            error = raised
        else:
            problem = L(f"did not raise {type_name}", f"не выброшено исключение {type_name}")
            _fail(what, problem, hint)
    error = getattr(error, "value", error)  # pytest's ExceptionInfo
    if not isinstance(error, StudentRaised):
        raise TypeError(f"raises() wants a callable, an ExceptionInfo or StudentRaised, not {error!r}")
    if not error.is_a(type_name):
        name = error.type_names[0] if error.type_names else "an exception"
        _fail(
            what,
            L(f"raised {name} instead of {type_name}", f"выброшено {name} вместо {type_name}"),
            hint,
        )
    return error


def same_output(a: Any, b: Any, what: L, hint: Hint = None) -> None:
    """Two results are identical (arrays bit for bit, NaN equal to NaN; lists and tuples item by
    item): e.g. the same rng state gave the same output."""
    _check_what(what)
    if not _equal(a, b):
        _fail(
            what,
            L(
                "two calls that should give the same result gave different results",
                "два вызова, которые должны дать одинаковый результат, дали разные",
            ),
            hint,
        )


def different_output(a: Any, b: Any, what: L, hint: Hint = None) -> None:
    """Two results differ: e.g. different rng states gave different outputs."""
    _check_what(what)
    if _equal(a, b):
        _fail(
            what,
            L(
                "two calls that should give different results gave the same result",
                "два вызова, которые должны дать разные результаты, дали одинаковый",
            ),
            hint,
        )


def between(
    value: float,
    lo: float,
    hi: float,
    *,
    what: L,
    name: L | None = None,
    hint: Hint = None,
) -> None:
    """A statistic of the student's output (a fraction, a variance ratio) lies in [lo, hi];
    state the band's tail probability in the test. The message gives the statistic and the band:
    they describe the output's distribution, not the hidden input."""
    _check_what(what)
    name = name or L("the statistic", "статистика")
    v = float(value)
    if not (lo <= v <= hi):  # NaN fails too
        _fail(
            what,
            L(
                f"{name.en} is {v:.4g}, expected between {lo:.4g} and {hi:.4g}",
                f"{name.ru}: {v:.4g}, ожидалось от {lo:.4g} до {hi:.4g}",
            ),
            hint,
        )


# ---------------------------------------------------------------- time (verdicts; ``grader.timing`` measures)


def vectorized_budget(ref_s: float, ratio: float = 25, floor: float = 0.02, overhead_s: float = 0.0) -> float:
    """``vectorized``'s budget, in CPU seconds: for ``timing.fastest_within``'s ``budget`` to
    end the timing exactly where the check would pass."""
    return ratio * ref_s + floor + overhead_s


def loop_budget(loop_s: float, fraction: float = 0.5, overhead_s: float = 0.0) -> float:
    """``faster_than_loop``'s budget, in CPU seconds (as ``vectorized_budget``)."""
    return fraction * loop_s + overhead_s


def _timed_result(
    got: Any,
    want: Any,
    verify: Callable[[Any], None] | None,
    what: L,
    hint: Hint,
    like: Any,
    kind: str,
    rtol: float | None,
    atol: float | None,
) -> None:
    """The timed call's result is right: a time is only worth something for a right answer
    (a fast ``np.zeros_like(x)`` for large inputs is no vectorized version)."""
    if (want is None) == (verify is None):
        raise TypeError("a timing check needs the timed result's reference: want= or verify=")
    if verify is not None:
        verify(got)
        return
    hints = (*_hints(hint), _TIMED_HINT)
    close(got, want, like=want if like is None else like, what=what, hint=hints, rtol=rtol,
          atol=atol, kind=kind)  # fmt: skip


def vectorized(
    student_s: float,
    ref_s: float,
    what: L,
    ratio: float = 25,
    floor: float = 0.02,
    hint: Hint = None,
    *,
    got: Any,
    want: Any = None,
    verify: Callable[[Any], None] | None = None,
    like: Any = None,
    kind: str = "elementwise",
    rtol: float | None = None,
    atol: float | None = None,
    overhead_s: float = 0.0,
    confirmed: bool = False,
) -> None:
    """The student's CPU time is at most ``ratio * ref_s + floor + overhead_s`` seconds: a Python
    loop over a large array costs tens to hundreds of times NumPy's, a vectorized variant a few
    times at most. ``overhead_s``: the jail's cost of moving the data (``transfer_seconds``).

    ``got`` is the result of the call that took ``student_s``; it must be right first: equal to
    ``want`` (``close`` with ``kind`` for the dtype of ``like``), or, for a random output,
    accepted by ``verify(got)`` (which raises ``Failure``). ``confirmed``: the time comes from
    ``timing.fastest_within``, whose rounds already confirmed a slow call (no second run)."""
    _check_what(what)
    _timed_result(got, want, verify, what, hint, like, kind, rtol, atol)
    budget = vectorized_budget(ref_s, ratio, floor, overhead_s)
    if student_s > budget:
        times = student_s / ref_s if ref_s > 0 else math.inf
        _too_slow(
            what,
            L(
                f"too slow for a vectorized version: {student_s:.3g} s of CPU, {times:.0f} times "
                f"the reference's {ref_s:.2g} s "
                f"(allowed: {ratio:g} times + {floor + overhead_s:.2g} s)",
                f"слишком медленно для векторизованной версии: {student_s:.3g} с процессорного "
                f"времени, в {times:.0f} раз больше эталонных {ref_s:.2g} с "
                f"(допустимо: в {ratio:g} раз + {floor + overhead_s:.2g} с)",
            ),
            _LOOP_HINT if hint is None else hint,
            student_s,
            budget,
            confirmed,
        )


def faster_than_loop(
    student_s: float,
    loop_s: float,
    what: L,
    *,
    got: Any,
    want: Any = None,
    verify: Callable[[Any], None] | None = None,
    like: Any = None,
    kind: str = "elementwise",
    rtol: float | None = None,
    atol: float | None = None,
    fraction: float = 0.5,
    overhead_s: float = 0.0,
    ref_s: float | None = None,
    hint: Hint = None,
    confirmed: bool = False,
) -> None:
    """The student's CPU time is at most ``fraction * loop_s + overhead_s``, where ``loop_s`` is
    the fastest plain Python loop for the same work (a comprehension over ``x.tolist()`` with
    ``math``), timed on the trusted side. Measured on activations (5e5 float32 values, sorted so
    that masks are branch-predictable): the slowest vectorized variants (np.piecewise, boolean
    masks) take at most about 0.2 of that loop, loops over NumPy elements and np.vectorize 1 to
    4 times it. ``ref_s`` only adds the reference's time to the message. ``got``, ``want``,
    ``verify``: the timed call's result and how it is checked, and ``confirmed``, as for
    ``vectorized``."""
    _check_what(what)
    _timed_result(got, want, verify, what, hint, like, kind, rtol, atol)
    budget = loop_budget(loop_s, fraction, overhead_s)
    if student_s > budget:
        ref_en = f", NumPy's vectorized version {ref_s:.2g} s" if ref_s is not None else ""
        ref_ru = f", векторизованная версия на NumPy — {ref_s:.2g} с" if ref_s is not None else ""
        _too_slow(
            what,
            L(
                f"as slow as a Python loop: {student_s:.3g} s of CPU, where a plain Python loop "
                f"over the values takes about {loop_s:.2g} s{ref_en}",
                f"медленно, как цикл Python: {student_s:.3g} с процессорного времени, тогда как "
                f"простой цикл Python по значениям занимает около {loop_s:.2g} с{ref_ru}",
            ),
            _LOOP_HINT if hint is None else hint,
            student_s,
            budget,
            confirmed,
        )


# how many times a loop doing one multiplication per item the student's time may be (loop_hint)
LOOP_HINT_TIMES = 3


def loop_hint(
    student: Any,
    fn: str,
    args: tuple[Any, ...],
    *,
    what: L,
    per: np.ndarray,
    verify: Callable[[Any], None],
    kwargs: dict[str, Any] | None = None,
) -> None:
    """The public suites' vectorization check, cheap and needing no reference (the student
    bundle has none): the best of two calls of ``fn(*args)`` takes at most ``LOOP_HINT_TIMES``
    the CPU time of a Python loop doing one multiplication per item of ``per`` (the values of
    an array, ``x.ravel()``, or its rows, ``x``), timed here, plus the jail's cost of moving the
    arguments. Measured on the activations corpus (1e5 sorted float32 values): vectorized code
    takes 0.3 to 2.1 times that loop (np.piecewise the slowest), loops and np.vectorize 6 to 20
    times. ``verify(got)`` checks the timed call's result (its shape, say). The message says it
    is a hint: the hidden suites time every function against the reference."""
    _check_what(what)
    got, student_s = timing.best_cpu_time(student, fn, *args, **(kwargs or {}))
    verify(got)
    arrays = [a for a in args if isinstance(a, np.ndarray)]
    loop_s, overhead = timing.loop_hint_budget(per, arrays)
    budget = LOOP_HINT_TIMES * loop_s + overhead
    if student_s > budget:
        unit = L("value", "значение") if per.ndim == 1 else L("row", "строку")
        _too_slow(
            what,
            L(
                f"a hint, not the grade: {student_s:.2g} s of CPU, more than {LOOP_HINT_TIMES} times as long "
                f"as a Python loop doing one multiplication per {unit.en} ({loop_s:.2g} s for {len(per)}): "
                "is there a loop, a comprehension or np.vectorize? The hidden tests time every function",
                f"подсказка, не оценка: {student_s:.2g} с процессорного времени, более чем в {LOOP_HINT_TIMES} "
                f"раза дольше цикла Python с одним умножением на {unit.ru} ({loop_s:.2g} с на {len(per)}): нет ли "
                "здесь цикла, спискового включения или np.vectorize? Скрытые тесты измеряют время "
                "каждой функции",
            ),
            _LOOP_HINT,
            student_s,
            budget,
            False,
        )


_TIMED_HINT = L(
    "this was the timed call: its result must be right too (a fast wrong answer is not a vectorized version)",
    "это вызов, время которого измерялось: его результат тоже должен быть верным (быстрый "
    "неверный ответ — не векторизованная версия)",
)
_LOOP_HINT = L(
    "use NumPy operations on whole arrays (np.where, np.exp, comparisons, masks) "
    "instead of a Python loop, np.vectorize or a list comprehension",
    "используйте операции NumPy над целыми массивами (np.where, np.exp, сравнения, "
    "маски) вместо цикла Python, np.vectorize или списковых включений",
)


# ---------------------------------------------------------------- private helpers


def _check_what(what: Any) -> None:
    if not isinstance(what, L):
        raise TypeError(f"a check's `what` must be grader.suite.L(en, ru), not {type(what).__name__}")


def _hints(hint: Hint) -> tuple[L, ...]:
    if hint is None:
        return ()
    if isinstance(hint, L):
        return (hint,)
    return tuple(hint)


def _fail(what: L, problem: L, hint: Hint, error: type[Failure] = Failure) -> NoReturn:
    raise error(L(f"{what.en}: {problem.en}", f"{what.ru}: {problem.ru}"), _hints(hint))


def _too_slow(what: L, problem: L, hint: Hint, seconds: float, budget: float, confirmed: bool) -> NoReturn:
    """TooSlow, to be timed again by the runner, but not when ``timing.fastest_within``'s rounds
    already did (``confirmed``, and within ``timing.NOT_NOISE`` times the budget: the rounds
    ran), nor for a loop: more than ``NOT_NOISE`` times the budget and ``NOT_NOISE_SECONDS``
    over it."""
    rounds_ran = confirmed and seconds <= timing.NOT_NOISE * budget
    retry = timing.may_be_noise(seconds, budget) and not rounds_ran
    raise TooSlow(L(f"{what.en}: {problem.en}", f"{what.ru}: {problem.ru}"), _hints(hint), retry=retry)


def _is_single(like: Any) -> bool:
    """Whether ``like`` (an array, a scalar, a dtype) is of less than double precision."""
    if like is None:
        return False
    if isinstance(like, (np.ndarray, np.generic)):
        dtype = like.dtype
    else:
        try:
            dtype = np.dtype(like)  # a dtype or a scalar type: np.float32, "float32"
        except TypeError:
            dtype = np.asarray(like).dtype  # a Python number or a list
    return bool(dtype.kind == "f" and dtype.itemsize < 8)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating, np.bool_)) and not isinstance(value, bool)


def received(got: Any) -> L:
    """What a result is, for a message ("a list of 2 items", "an array of shape (3,)"), never
    its values: e.g. ``L(f"expected a tuple (out, cache), got {r.en}", ...)`` with
    ``r = checks.received(got)``."""
    if got is None:
        return L("None", "None")
    if isinstance(got, Handle):
        return L("an object that is not plain data (it stayed in the jail)",
                 "объект, не являющийся простыми данными (он остался в песочнице)")  # fmt: skip
    if isinstance(got, list):
        return L(f"a list of {_items(len(got))}", f"список (list) из {len(got)} элементов")
    if isinstance(got, tuple):
        return L(f"a tuple of {_items(len(got))}", f"кортеж (tuple) из {len(got)} элементов")
    if isinstance(got, dict):
        return L(f"a dict of {len(got)} entries", f"словарь (dict) из {len(got)} записей")
    if isinstance(got, (bool, np.bool_)):
        return L("a bool", "логическое значение (bool)")
    if _is_number(got):
        return L("a single number", "одно число")
    if isinstance(got, np.ndarray):
        shape = _shape_text(got.shape)
        return L(f"an array of shape {shape}", f"массив формы {shape}")
    return L(type(got).__name__, f"объект типа {type(got).__name__}")


def _items(n: int) -> str:
    return "1 item" if n == 1 else f"{n} items"


def _describe_type(got: Any, expected: L) -> L:
    """ "returned <what got is>, <expected>"; ``expected`` is a whole phrase in each language
    ("expected a NumPy array" / "ожидался массив NumPy")."""
    if got is None:
        return L(
            f"returned None, {expected.en} (is a `return` missing?)",
            f"возвращено None, {expected.ru} (не забыт ли `return`?)",
        )
    what = received(got)
    return L(f"returned {what.en}, {expected.en}", f"возвращено: {what.ru}; {expected.ru}")


def _check_numeric(got: np.ndarray, *, zero_one: bool, what: L, hint: Hint) -> None:
    kind = got.dtype.kind
    if kind == "f" or (zero_one and kind in "biu"):
        return
    _fail(what, _dtype_text(got.dtype), hint)


def _dtype_text(dtype: np.dtype) -> L:
    return L(
        f"returned values of dtype {dtype}, expected floating-point numbers",
        f"возвращены значения типа {dtype}, ожидались числа с плавающей точкой",
    )


def _nonfinite_text(bad: int, total: int) -> L:
    if total == 1:
        return L("returned NaN or infinity", "возвращено NaN или бесконечность")
    return L(
        f"{bad} of {total} values are NaN or infinite",
        f"значений NaN или бесконечность: {bad} из {total}",
    )


def _error_text(diff: np.ndarray, scale: np.ndarray, off: int, total: int) -> L:
    abs_err = float(diff.max())
    nonzero = scale > 0
    with np.errstate(over="ignore"):  # a tiny nonzero want gives an infinite relative error
        rel = float((diff[nonzero] / scale[nonzero]).max()) if nonzero.any() else None
    if total == 1:
        en, ru = f"off by {abs_err:.2g}", f"ошибка {abs_err:.2g}"
        if rel is not None:
            en += f" (relative {rel:.2g})"
            ru += f" (относительная {rel:.2g})"
        return L(en, ru)
    en, ru = f"max abs error {abs_err:.2g}", f"макс. абсолютная ошибка {abs_err:.2g}"
    if rel is not None:
        en += f", max rel error {rel:.2g}"
        ru += f", макс. относительная ошибка {rel:.2g}"
    if off == total:
        en += f", all {total} values off"
        ru += f", неверны все значения ({total})"
    else:
        en += f", {off} of {total} values off"
        ru += f", неверных значений: {off} из {total}"
    return L(en, ru)


def _shape_text(shape: tuple[int, ...]) -> str:
    return str(tuple(shape))


def _elementwise_equal(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    same = a == b
    if a.dtype.kind in "fc" and b.dtype.kind in "fc":
        same |= np.isnan(a) & np.isnan(b)
    return np.asarray(same)


def _equal(a: Any, b: Any) -> bool:
    """Exact equality of plain data: arrays by shape, dtype and values (NaN == NaN)."""
    if isinstance(a, Handle) or isinstance(b, Handle):
        raise TypeError("cannot compare Handles by value; compare what the student returns for them")
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        if not (isinstance(a, np.ndarray) and isinstance(b, np.ndarray)):
            return False
        return a.shape == b.shape and a.dtype == b.dtype and bool(np.all(_elementwise_equal(a, b)))
    if isinstance(a, (list, tuple)) or isinstance(b, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(_equal(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) or isinstance(b, dict):
        return isinstance(a, dict) and isinstance(b, dict) and a.keys() == b.keys() and all(_equal(a[k], b[k]) for k in a)
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return bool(a == b)


# ---------------------------------------------------------------- global random state


def leaves_global_random(student: Any, call: Callable[[], T], what: L, hint: Hint = None) -> T:
    """Runs ``call()`` (a call of the student's code) and fails if it changed the jail's global
    random states, np.random's or Python's ``random`` (``student.global_rng_digest()`` before
    and after): the contract's ``rng`` is the only source of randomness, and a function that
    seeds or draws from the global generator changes the caller's. Returns ``call()``'s result.
    The digest is computed in the jail, so this check may only take points away."""
    _check_what(what)
    before = student.global_rng_digest()
    result = call()
    if student.global_rng_digest() != before:
        _fail(
            what,
            L(
                "the call changed the global random state (np.random or Python's random)",
                "вызов изменил глобальное состояние генератора (np.random или random из Python)",
            ),
            _GLOBAL_RANDOM_HINT if hint is None else hint,
        )
    return result


_GLOBAL_RANDOM_HINT = L(
    "draw only from the rng argument (rng.random, rng.permutation, rng.normal...): never call "
    "np.random.seed, np.random.* or random.*, not even to seed them from rng",
    "берите случайность только из аргумента rng (rng.random, rng.permutation, rng.normal...): "
    "не вызывайте np.random.seed, np.random.* и random.*, даже чтобы засеять их из rng",
)
