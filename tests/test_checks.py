"""grader.checks: every check passes what it should, and fails with a Failure whose message
names the problem and its size in both languages, never the values compared."""

import time

import numpy as np
import pytest

from grader import checks, timing
from grader.suite import Failure, Handle, L, NotAttempted, StudentRaised

WHAT = L("wrong for negative inputs", "неверно для отрицательных входов")
HINT = L("look at the sign", "посмотрите на знак")


def failure(fn, *args, **kw) -> Failure:
    with pytest.raises(Failure) as info:
        fn(*args, **kw)
    message = info.value.message
    assert message.en.startswith(WHAT.en + ": ")
    assert message.ru.startswith(WHAT.ru + ": ")
    return info.value


@pytest.fixture
def x():
    return -np.random.default_rng(0).uniform(0.5, 5.0, size=(8, 8))


# ---------------------------------------------------------------- close: passes


def test_close_passes_equal_and_within_tolerance(x):
    assert checks.close(x.copy(), x, like=x, what=WHAT).dtype == np.float64
    checks.close(x * (1 + 5e-8), x, like=x, what=WHAT)


def test_close_float32_input_gets_float32_tolerance(x):
    x32 = x.astype(np.float32)
    got = (x32 * np.float32(1 + 3e-6)).astype(np.float32)
    checks.close(got, x32.astype(np.float64), like=x32, what=WHAT)  # float32 out is allowed
    with pytest.raises(Failure):
        checks.close(got, x32.astype(np.float64), like=x, what=WHAT)  # too far for float64


def test_close_atol_absorbs_relative_error_near_zero():
    want = np.array([9.358e-14, 0.0, 1e-300])
    checks.close(np.array([9.348e-14, 1e-13, 0.0]), want, like=want, what=WHAT)


@pytest.mark.parametrize("dtype", [bool, np.int64, np.int8, np.uint8, np.float32])
def test_close_accepts_any_dtype_for_zero_one_derivatives(x, dtype):
    want = (x > -2).astype(np.float64)
    checks.close((x > -2).astype(dtype), want, like=x, what=WHAT)


def test_close_scalar_and_zero_d():
    want = np.float64(0.25)
    for got in (0.25, np.float64(0.25), np.array(0.25), np.float32(0.25)):
        checks.close(got, want, like=np.float32(0), what=WHAT)
    checks.close(np.float64(0.25), 0.25, like=np.array(0.0), what=WHAT)
    checks.close(1, 1.0, like=np.array(0.0), what=WHAT)  # a 0/1 derivative as an int


def test_close_matching_special_values():
    want = np.array([np.inf, -np.inf, np.nan, 1.0])
    checks.close(want.copy(), want, like=want, what=WHAT)


def test_close_explicit_tolerances_and_kinds(x):
    checks.close(x + 0.5, x, like=x, what=WHAT, atol=0.6)
    checks.close(x * 1.01, x, like=x, what=WHAT, rtol=0.02)
    big = x * 1e4
    checks.close(big + 5e-7, big, like=x, what=WHAT, kind="linear")  # atol scaled by max|want|
    with pytest.raises(Failure):
        checks.close(x + 5e-7, x, like=x, what=WHAT)  # elementwise: atol is not scaled
    with pytest.raises(Failure):
        checks.close(np.nextafter(x, 0), x, like=x, what=WHAT, kind="exact")


def test_tolerance_table():
    assert checks.tolerance("elementwise", np.float64) == (1e-7, 1e-12)
    assert checks.tolerance("elementwise", np.zeros(2, np.float32)) == (1e-5, 1e-6)
    assert checks.tolerance("linear", 1.0, want=[-50.0, 3.0]) == (1e-7, 50 * 1e-10)
    with pytest.raises(ValueError):
        checks.tolerance("fuzzy", np.float64)


# ---------------------------------------------------------------- close: fails, and how


def test_close_message_gives_error_size_not_values(x):
    got = x.copy()
    got[:2] *= 1.1  # 16 of 64 values off
    f = failure(checks.close, got, x, like=x, what=WHAT, hint=HINT)
    assert "max abs error" in f.message.en and "max rel error 0.1" in f.message.en
    assert "16 of 64 values off" in f.message.en
    assert "неверных значений: 16 из 64" in f.message.ru
    assert f.hints == (HINT,)
    for value in np.concatenate([x[:2].ravel(), got[:2].ravel()]):
        assert f"{value:.3g}" not in f.message.en  # the hidden data stays hidden


def test_close_message_when_all_off_and_when_single(x):
    assert "all 64 values off" in failure(checks.close, x + 1, x, like=x, what=WHAT).message.en
    single = failure(checks.close, 0.5, 0.25, like=x, what=WHAT).message
    assert "off by 0.25 (relative 1)" in single.en
    zeros = failure(checks.close, np.ones(3), np.zeros(3), like=x, what=WHAT).message.en
    assert "rel" not in zeros and "all 3 values off" in zeros


@pytest.mark.parametrize(
    "got,fragment",
    [
        (None, "returned None"),
        ([1.0, 2.0], "returned a list"),
        ((np.zeros(2), 1), "returned a tuple of 2"),
        (Handle(1, 2), "not plain data"),
        (1.5, "returned a single number"),
        ("nope", "returned str"),
        (True, "returned a bool"),
    ],
)
def test_close_wrong_type(x, got, fragment):
    f = failure(checks.close, got, x, like=x, what=WHAT)
    assert fragment in f.message.en and "expected a NumPy array" in f.message.en
    assert "массив NumPy" in f.message.ru


@pytest.mark.parametrize("bad_shape", [(8, 8, 1), (64,), (1, 8), (8, 7)])
def test_close_wrong_shape_no_broadcasting(bad_shape):
    want = np.zeros((8, 8))
    f = failure(checks.close, np.zeros(bad_shape), want, like=want, what=WHAT)
    assert f"returned shape {bad_shape}, expected (8, 8)" in f.message.en


def test_close_array_for_scalar():
    f = failure(checks.close, np.array([0.25]), 0.25, like=np.float64(0), what=WHAT)
    assert "returned shape (1,), expected ()" in f.message.en


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_close_non_finite(x, bad):
    got = x.copy()
    got[0, :3] = bad
    f = failure(checks.close, got, x, like=x, what=WHAT)
    assert "3 of 64 values are NaN or infinite" in f.message.en
    assert "NaN или бесконечность: 3 из 64" in f.message.ru


def test_close_wrong_special_value():
    want = np.array([np.inf, 1.0])
    f = failure(checks.close, np.array([np.nan, 1.0]), want, like=want, what=WHAT)
    assert "NaN or infinite" in f.message.en


def test_close_beside_special_values_still_compares_the_finite_ones():
    want = np.array([np.inf, np.nan, 1.0, 2.0])
    f = failure(checks.close, np.array([np.inf, np.nan, 1.0, 2.5]), want, like=want, what=WHAT)
    assert "NaN" not in f.message.en and "1 of 4" in f.message.en
    f = failure(checks.close, np.array([np.inf, np.nan, np.nan, 2.0]), want, like=want, what=WHAT)
    assert "1 of 4 values are NaN or infinite" in f.message.en


@pytest.mark.parametrize(
    "got",
    [np.ones((8, 8), dtype=np.int64), np.ones((8, 8), dtype=complex), np.ones((8, 8), dtype=object), np.ones((8, 8), dtype=bool)],
)
def test_close_wrong_dtype(got):
    want = np.full((8, 8), 0.5)
    f = failure(checks.close, got, want, like=want, what=WHAT)
    assert "expected floating-point numbers" in f.message.en


def test_close_float32_output_for_float64_input_loses_precision(x):
    f = failure(checks.close, x.astype(np.float32), x, like=x, what=WHAT)
    assert "float32 for a float64 input" in f.message.en


def test_what_must_be_bilingual(x):
    with pytest.raises(TypeError):
        checks.close(x, x, like=x, what="wrong")  # type: ignore[arg-type]


# ---------------------------------------------------------------- the other checks


def test_array_shape_finite_scalar():
    assert checks.shape(np.zeros((2, 3)), (2, 3), WHAT).shape == (2, 3)
    assert checks.shape(1.0, (), WHAT).shape == ()
    failure(checks.shape, [[0.0] * 3] * 2, (2, 3), WHAT)
    failure(checks.array, 1.0, WHAT)
    checks.finite(np.ones(3), WHAT)
    checks.finite(np.ones(3, dtype=bool), WHAT)
    assert "1 of 3" in failure(checks.finite, np.array([1, np.nan, 2]), WHAT).message.en
    assert checks.scalar(np.float32(2.5), WHAT) == 2.5
    assert checks.scalar(np.array(3), WHAT) == 3.0
    assert "single number" in failure(checks.scalar, np.ones(1), WHAT).message.en
    failure(checks.scalar, None, WHAT)
    failure(checks.scalar, True, WHAT)
    failure(checks.scalar, float("nan"), WHAT)
    failure(checks.scalar, "1.0", WHAT)


def test_unchanged():
    a = np.arange(6.0).reshape(2, 3)
    checks.unchanged(a, a.copy(), WHAT)
    nan = np.array([np.nan, 1.0])
    checks.unchanged(nan, nan.copy(), WHAT)
    b = a.copy()
    b[0, 0] = -1
    f = failure(checks.unchanged, a, b, WHAT)
    assert "modified its input array (1 of 6 values)" in f.message.en and f.hints
    failure(checks.unchanged, a, a.astype(np.float32), WHAT)
    failure(checks.unchanged, a, a.reshape(3, 2), WHAT)
    failure(checks.unchanged, a, None, WHAT)


def _raised(*names):
    return StudentRaised(L("raised", "выброшено"), names, "text")


def test_raises():
    def bad():
        raise _raised("ValueError", "Exception", "BaseException")

    assert checks.raises(bad, "ValueError", WHAT).is_a("ValueError")
    checks.raises(bad, "Exception", WHAT)
    f = failure(checks.raises, bad, "TypeError", WHAT)
    assert "raised ValueError instead of TypeError" in f.message.en
    assert "did not raise ValueError" in failure(checks.raises, lambda: 1, "ValueError", WHAT).message.en
    checks.raises(_raised("ValueError"), "ValueError", WHAT)
    with pytest.raises(StudentRaised) as info:
        bad()
    checks.raises(info, "ValueError", WHAT)

    def stub():
        raise NotAttempted(L("stub", "заглушка"))

    with pytest.raises(NotAttempted):  # the test's outcome stays not_attempted
        checks.raises(stub, "ValueError", WHAT)
    with pytest.raises(TypeError):
        checks.raises(ValueError("not a student error"), "ValueError", WHAT)


def test_same_and_different_output():
    a = [np.arange(3), np.array([np.nan, 1.0])]
    checks.same_output(a, [np.arange(3), np.array([np.nan, 1.0])], WHAT)
    checks.same_output((1.0, {"k": np.ones(2)}), (1.0, {"k": np.ones(2)}), WHAT)
    failure(checks.same_output, np.arange(3), np.arange(3.0), WHAT)  # dtype differs
    failure(checks.same_output, np.arange(3), [0, 1, 2], WHAT)
    failure(checks.same_output, [np.arange(3)], [np.arange(3), np.arange(1)], WHAT)
    checks.different_output(np.arange(3), np.arange(1, 4), WHAT)
    f = failure(checks.different_output, np.ones(3), np.ones(3), WHAT)
    assert "gave the same result" in f.message.en
    with pytest.raises(TypeError):
        checks.same_output(Handle(1, 1), Handle(1, 1), WHAT)


def test_between():
    checks.between(0.3, 0.2913, 0.3087, what=WHAT)
    f = failure(checks.between, 0.7, 0.2913, 0.3087, what=WHAT, name=L("the fraction of zeros", "доля нулей"))
    assert "the fraction of zeros is 0.7, expected between 0.2913 and 0.3087" in f.message.en
    failure(checks.between, float("nan"), 0, 1, what=WHAT)


def test_cpu_time_of_measures_this_threads_cpu_not_sleep():
    result, seconds = timing.cpu_time_of(time.sleep, 0.05)
    assert result is None and seconds < 0.02
    result, seconds = timing.cpu_time_of(np.sort, np.random.default_rng(0).random(300_000))
    assert result.shape == (300_000,) and 0 < seconds < 1


RIGHT = {"got": np.ones(3), "want": np.ones(3)}


def test_vectorized():
    checks.vectorized(0.05, 0.002, WHAT, **RIGHT)  # 25 * 0.002 + 0.02 = 0.07
    checks.vectorized(0.015, 0.0, WHAT, **RIGHT)  # the floor absorbs a reference too fast to time
    f = failure(checks.vectorized, 0.9, 0.002, WHAT, **RIGHT)
    assert "450 times" in f.message.en and f.hints
    failure(checks.vectorized, 0.5, 0.01, WHAT, ratio=10, floor=0.0, **RIGHT)


def test_vectorized_overhead_extends_the_budget():
    failure(checks.vectorized, 0.09, 0.002, WHAT, **RIGHT)
    checks.vectorized(0.09, 0.002, WHAT, overhead_s=0.03, **RIGHT)


def test_faster_than_loop():
    checks.faster_than_loop(0.03, 0.1, WHAT, **RIGHT)
    checks.faster_than_loop(0.05, 0.1, WHAT, overhead_s=0.02, **RIGHT)
    f = failure(checks.faster_than_loop, 0.12, 0.1, WHAT, ref_s=0.004, **RIGHT)
    assert "as slow as a Python loop" in f.message.en and "0.004" in f.message.en and f.hints
    assert "цикл Python" in f.message.ru


@pytest.mark.parametrize("check", [checks.vectorized, checks.faster_than_loop])
def test_a_fast_wrong_answer_fails_the_timing_checks(check):
    x = np.linspace(-1, 1, 50)
    f = failure(check, 0.0001, 0.1, WHAT, got=np.zeros_like(x), want=np.maximum(x, 0), like=x)
    assert "values off" in f.message.en
    assert any("timed call" in h.en and "время которого измерялось" in h.ru for h in f.hints)

    def verify(got):
        checks.shape(got, (3, 3), WHAT)

    failure(check, 0.0001, 0.1, WHAT, got=np.zeros(4), verify=verify)
    check(0.0001, 0.1, WHAT, got=np.zeros((3, 3)), verify=verify)


@pytest.mark.parametrize("check", [checks.vectorized, checks.faster_than_loop])
def test_a_timing_check_without_a_reference_is_a_suite_bug(check):
    with pytest.raises(TypeError):
        check(0.0001, 0.1, WHAT)  # got= is required
    with pytest.raises(TypeError):
        check(0.0001, 0.1, WHAT, got=np.zeros(2))  # and want= or verify=
    with pytest.raises(TypeError):
        check(0.0001, 0.1, WHAT, got=np.zeros(2), want=np.zeros(2), verify=lambda got: None)


def test_fastest_within_gives_the_fastest_calls_result_and_index():
    class FakeStudent:
        times = iter([0.5, 0.1, 0.3])

        def cpu_time(self, fn, *args, **kw):
            return (fn, args), next(self.times)

    timed = timing.fastest_within(FakeStudent(), "relu", [(1,), (2,), (3,)], tries=3, yardstick=0.05, budget=lambda y: y)
    assert timed == (("relu", (2,)), 0.1, 1, 0.05)  # all over the budget: the least over counts


def test_transfer_seconds_grows_with_the_data():
    small = timing.transfer_seconds(np.zeros(10))
    big = timing.transfer_seconds(np.zeros(1_000_000), np.zeros(10))
    assert 0 <= small < big < 1


def test_best_cpu_time_takes_the_minimum():
    class FakeStudent:
        times = iter([0.5, 0.1, 0.3])

        def cpu_time(self, fn, *args, **kw):
            return (fn, args, kw), next(self.times)

    result, seconds = timing.best_cpu_time(FakeStudent(), "relu", 1, alpha=2)
    assert result == ("relu", (1,), {"alpha": 2}) and seconds == 0.1


def test_the_timing_checks_pass_exactly_within_the_budgets_they_publish():
    # timing.fastest_within ends the timing at these budgets: a call within one must pass
    budget = checks.vectorized_budget(0.002, 20, overhead_s=0.01)
    checks.vectorized(budget, 0.002, WHAT, ratio=20, overhead_s=0.01, **RIGHT)
    failure(checks.vectorized, budget * 1.01, 0.002, WHAT, ratio=20, overhead_s=0.01, **RIGHT)
    budget = checks.loop_budget(0.1, 0.5, 0.01)
    checks.faster_than_loop(budget, 0.1, WHAT, fraction=0.5, overhead_s=0.01, **RIGHT)
    failure(checks.faster_than_loop, budget * 1.01, 0.1, WHAT, fraction=0.5, overhead_s=0.01, **RIGHT)
