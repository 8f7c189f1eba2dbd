"""Hidden suite: activations (sigmoid, tanh, relu, leaky_relu, elu and their derivatives).

Tolerances: testing-numerics.md §6.1, kind "elementwise" (float64 rtol 1e-7, atol 1e-12;
float32 rtol 1e-5, atol 1e-6), the reference always in float64 from the same values. The atol
absorbs the textbook forms' relative errors near 0 and in saturation (s(1 - s) at x = 30,
exp(x) - 1 for expm1, 2 sigmoid(2x) - 1 for tanh), which are all correct.
Inputs (§6.2): non-square shapes; values on both sides of 0 but never within 1e-3 of it, except
in the dedicated x = 0 tests, so a convention at 0 costs exactly one test per derivative;
non-default alpha (0.7, 2.0) and negative_slope (0.2, 2.0: a slope > 1 breaks max(x, slope*x));
extremes +-1e3 in float64 (where exp overflows past 709.8) and +-1e2 in float32 (past 88.7).
The reference is computed before the student is called: a student who writes into an input
loses only the test of that property.
Vectorization: the student's CPU time (the kernel's count for the jail) against the fastest
plain Python loop for the same function timed here, not against the reference: np.tanh is so
fast and the stable sigmoid so slow that no ratio to the reference tells np.piecewise from a
comprehension over x.tolist() (measured: 20x vs 15x the reference).
"""

import math

import numpy as np
import pytest

from grader import checks, timing
from grader.suite import L
from solutions import activations as ref

FORWARD = ("sigmoid", "tanh", "relu", "leaky_relu", "elu")
DERIVATIVES = ("sigmoid_grad", "tanh_grad", "relu_grad", "leaky_relu_grad", "elu_grad")

# ---------------------------------------------------------------- inputs (trusted side)


def values(rng, shape=(7, 13), scale=6.0):
    """Uniform on [-scale, scale], both signs, none within 1e-3 of the kink at 0."""
    x = rng.uniform(-scale, scale, size=shape)
    near = np.abs(x) < 1e-3
    x[near] = np.where(rng.random(near.sum()) < 0.5, -0.5, 0.5)
    return x


def negatives(rng, shape=(9, 5)):
    return -rng.uniform(1e-3, 6.0, size=shape)


def extremes(rng, big, shape=(6, 8)):
    """Saturated values up to +-big (exp overflows past 709.8 in float64, 88.7 in float32),
    mixed with ordinary ones, in shuffled positions."""
    fixed = np.array([1.0, 0.8, 0.745, 0.71, 0.3, 0.1]) * big
    fixed = np.concatenate([fixed, -fixed, [30.0, -30.0, 40.0, -40.0]])
    x = values(rng, shape).ravel()
    x[: fixed.size] = fixed
    return rng.permutation(x).reshape(shape)


def zeros(shape=(3, 4)):
    """Exact zeros, half of them -0.0 (which compares equal to 0.0)."""
    x = np.zeros(shape)
    x.ravel()[::2] = -0.0
    return x


def f64(x):
    return np.asarray(x, dtype=np.float64)


def call_and_compare(student, name, x, what, hint=None, **kw):
    """The student's ``name(x, **kw)`` against the reference on the same values."""
    want = getattr(ref, name)(f64(x), **kw)
    got = getattr(student, name)(x, **kw)
    checks.close(got, want, like=x, what=what, hint=hint)


# ---------------------------------------------------------------- sigmoid


@pytest.mark.points(2)
def test_sigmoid_values(student, rng):
    """sigmoid is right on both sides of 0
    ru: sigmoid верна по обе стороны от 0"""
    call_and_compare(
        student,
        "sigmoid",
        values(rng),
        L(
            "sigmoid: wrong for ordinary inputs (|x| <= 6, both signs)",
            "sigmoid: неверна для обычных входов (|x| <= 6, оба знака)",
        ),
        L("sigmoid(x) = 1 / (1 + exp(-x))", "sigmoid(x) = 1 / (1 + exp(-x))"),
    )


@pytest.mark.points(2)
def test_sigmoid_extreme_inputs(student, rng):
    """sigmoid is finite and right for |x| up to 1000
    ru: sigmoid конечна и верна при |x| до 1000"""
    call_and_compare(
        student,
        "sigmoid",
        extremes(rng, 1e3),
        L(
            "sigmoid: wrong or not finite for large |x| (up to 1000, float64)",
            "sigmoid: неверна или не конечна при больших |x| (до 1000, float64)",
        ),
        L(
            "exp overflows to inf past x = 709; inf / inf is NaN: compute with exp(-|x|), which never overflows",
            "exp переполняется до inf при x > 709; inf / inf даёт NaN: вычисляйте через exp(-|x|), которая не переполняется",
        ),
    )


@pytest.mark.points(2)
def test_sigmoid_grad_values(student, rng):
    """sigmoid_grad is right on both sides of 0
    ru: sigmoid_grad верна по обе стороны от 0"""
    call_and_compare(
        student,
        "sigmoid_grad",
        values(rng, (11, 6)),
        L(
            "sigmoid_grad: wrong for ordinary inputs (|x| <= 6, both signs)",
            "sigmoid_grad: неверна для обычных входов (|x| <= 6, оба знака)",
        ),
        L(
            "sigmoid_grad takes x, the input of the sigmoid: the derivative is sigmoid(x) * (1 - sigmoid(x))",
            "sigmoid_grad получает x — вход сигмоиды: производная равна sigmoid(x) * (1 - sigmoid(x))",
        ),
    )


@pytest.mark.points(1)
def test_sigmoid_grad_extreme_inputs(student, rng):
    """sigmoid_grad is finite and right for |x| up to 1000
    ru: sigmoid_grad конечна и верна при |x| до 1000"""
    call_and_compare(
        student,
        "sigmoid_grad",
        extremes(rng, 1e3),
        L(
            "sigmoid_grad: wrong or not finite for large |x| (up to 1000, float64)",
            "sigmoid_grad: неверна или не конечна при больших |x| (до 1000, float64)",
        ),
        L(
            "write it with a sigmoid that never overflows, e.g. s = sigmoid(x); s * (1 - s)",
            "выразите её через устойчивую сигмоиду: s = sigmoid(x); s * (1 - s)",
        ),
    )


# ---------------------------------------------------------------- tanh


@pytest.mark.points(1)
def test_tanh_values(student, rng):
    """tanh is right on both sides of 0
    ru: tanh верен по обе стороны от 0"""
    call_and_compare(
        student,
        "tanh",
        values(rng, (5, 17), scale=4.0),
        L("tanh: wrong for ordinary inputs (|x| <= 4, both signs)", "tanh: неверен для обычных входов (|x| <= 4, оба знака)"),
        L("tanh(x) = (e^x - e^-x) / (e^x + e^-x), or np.tanh", "tanh(x) = (e^x - e^-x) / (e^x + e^-x), или np.tanh"),
    )


@pytest.mark.points(1)
def test_tanh_extreme_inputs(student, rng):
    """tanh is finite and right for |x| up to 1000
    ru: tanh конечен и верен при |x| до 1000"""
    call_and_compare(
        student,
        "tanh",
        extremes(rng, 1e3),
        L(
            "tanh: wrong or not finite for large |x| (up to 1000, float64)",
            "tanh: неверен или не конечен при больших |x| (до 1000, float64)",
        ),
        L(
            "e^x overflows to inf past x = 709, and inf / inf is NaN: use np.tanh",
            "e^x переполняется до inf при x > 709, а inf / inf даёт NaN: используйте np.tanh",
        ),
    )


@pytest.mark.points(2)
def test_tanh_grad_values(student, rng):
    """tanh_grad is right on both sides of 0
    ru: tanh_grad верна по обе стороны от 0"""
    call_and_compare(
        student,
        "tanh_grad",
        values(rng, (13, 4), scale=4.0),
        L(
            "tanh_grad: wrong for ordinary inputs (|x| <= 4, both signs)",
            "tanh_grad: неверна для обычных входов (|x| <= 4, оба знака)",
        ),
        L(
            "tanh_grad takes x, the input of tanh: the derivative is 1 - tanh(x)**2",
            "tanh_grad получает x — вход tanh: производная равна 1 - tanh(x)**2",
        ),
    )


# ---------------------------------------------------------------- relu


@pytest.mark.points(1)
def test_relu_values(student, rng):
    """relu is right on both sides of 0
    ru: relu верна по обе стороны от 0"""
    call_and_compare(
        student,
        "relu",
        values(rng, (8, 3, 5)),
        L("relu: wrong for inputs of both signs", "relu: неверна для входов обоих знаков"),
        L("relu(x) = max(0, x) elementwise: np.maximum, not np.max", "relu(x) = max(0, x) поэлементно: np.maximum, а не np.max"),
    )


@pytest.mark.points(1)
def test_relu_grad_values(student, rng):
    """relu_grad is right on both sides of 0
    ru: relu_grad верна по обе стороны от 0"""
    call_and_compare(
        student,
        "relu_grad",
        values(rng, (6, 14)),
        L("relu_grad: wrong for inputs of both signs (away from 0)", "relu_grad: неверна для входов обоих знаков (вдали от 0)"),
        L("the derivative is 1 where x > 0 and 0 elsewhere", "производная равна 1 при x > 0 и 0 иначе"),
    )


@pytest.mark.points(1)
@pytest.mark.requires("relu_grad_values")
def test_relu_grad_at_zero(student):
    """relu_grad at exactly x = 0 is 0, as in PyTorch
    ru: relu_grad ровно в x = 0 равна 0, как в PyTorch"""
    call_and_compare(
        student,
        "relu_grad",
        zeros(),
        L(
            "relu_grad: wrong at exactly x = 0 (PyTorch's autograd gives 0 there)",
            "relu_grad: неверна ровно в x = 0 (autograd PyTorch даёт там 0)",
        ),
        L("compare with x > 0, not x >= 0", "сравнивайте x > 0, а не x >= 0"),
    )


# ---------------------------------------------------------------- leaky_relu


@pytest.mark.points(1)
def test_leaky_relu_default_slope(student, rng):
    """leaky_relu is right with the default negative_slope = 0.01
    ru: leaky_relu верна при negative_slope по умолчанию (0.01)"""
    x = values(rng, (10, 7))
    want = ref.leaky_relu(x)
    got = student.leaky_relu(x)
    checks.close(
        got,
        want,
        like=x,
        what=L(
            "leaky_relu: wrong when called without negative_slope (the default is 0.01)",
            "leaky_relu: неверна при вызове без negative_slope (по умолчанию 0.01)",
        ),
        hint=L("the default, as in PyTorch, is negative_slope=0.01", "значение по умолчанию, как в PyTorch: negative_slope=0.01"),
    )


@pytest.mark.points(2)
def test_leaky_relu_custom_slope(student, rng):
    """leaky_relu is right for negative_slope = 0.2 and 2.0
    ru: leaky_relu верна при negative_slope = 0.2 и 2.0"""
    for slope in (0.2, 2.0):
        x = values(rng, (7, 10))
        want = ref.leaky_relu(x, negative_slope=slope)
        got = student.leaky_relu(x, negative_slope=slope)
        checks.close(
            got,
            want,
            like=x,
            what=L(f"leaky_relu: wrong for negative_slope = {slope}", f"leaky_relu: неверна при negative_slope = {slope}"),
            hint=L(
                "x where x > 0, negative_slope * x elsewhere; np.maximum(x, slope * x) is wrong once slope > 1",
                "x при x > 0, иначе negative_slope * x; np.maximum(x, slope * x) неверно при slope > 1",
            ),
        )


@pytest.mark.points(2)
def test_leaky_relu_grad_values(student, rng):
    """leaky_relu_grad is right for the default and custom slopes, away from 0
    ru: leaky_relu_grad верна при наклоне по умолчанию и других наклонах, вдали от 0"""
    for slope in (None, 0.2, 2.0):
        x = values(rng, (4, 9))
        kw = {} if slope is None else {"negative_slope": slope}
        want = ref.leaky_relu_grad(x, **kw)
        got = student.leaky_relu_grad(x, **kw)
        where = where_ru = f"negative_slope = {slope}"
        if slope is None:
            where, where_ru = "the default negative_slope (0.01)", "negative_slope по умолчанию (0.01)"
        checks.close(
            got,
            want,
            like=x,
            what=L(f"leaky_relu_grad: wrong for {where}", f"leaky_relu_grad: неверна при {where_ru}"),
            hint=L(
                "the derivative is 1 where x > 0 and negative_slope elsewhere",
                "производная равна 1 при x > 0 и negative_slope иначе",
            ),
        )


@pytest.mark.points(1)
def test_leaky_relu_grad_at_zero(student):
    """leaky_relu_grad at exactly x = 0 is negative_slope, as in PyTorch
    ru: leaky_relu_grad ровно в x = 0 равна negative_slope, как в PyTorch"""
    for slope in (None, 0.2):
        x = zeros()
        kw = {} if slope is None else {"negative_slope": slope}
        call_and_compare(
            student,
            "leaky_relu_grad",
            x,
            L(
                "leaky_relu_grad: wrong at exactly x = 0 (PyTorch's autograd gives negative_slope there)",
                "leaky_relu_grad: неверна ровно в x = 0 (autograd PyTorch даёт там negative_slope)",
            ),
            L("compare with x > 0, not x >= 0", "сравнивайте x > 0, а не x >= 0"),
            **kw,
        )


# ---------------------------------------------------------------- elu


@pytest.mark.points(2)
def test_elu_default_alpha(student, rng):
    """elu is right on both sides of 0 with the default alpha = 1
    ru: elu верна по обе стороны от 0 при alpha по умолчанию (1)"""
    call_and_compare(
        student,
        "elu",
        values(rng, (12, 5)),
        L(
            "elu: wrong for inputs of both signs with the default alpha (1.0)",
            "elu: неверна для входов обоих знаков при alpha по умолчанию (1.0)",
        ),
        L("x where x > 0, alpha * (exp(x) - 1) elsewhere", "x при x > 0, иначе alpha * (exp(x) - 1)"),
    )


@pytest.mark.points(2)
def test_elu_negative_custom_alpha(student, rng):
    """elu is right for x < 0 when alpha is 0.7 or 2.0
    ru: elu верна при x < 0, когда alpha равно 0.7 или 2.0"""
    for alpha in (0.7, 2.0):
        call_and_compare(
            student,
            "elu",
            negatives(rng),
            L(
                f"elu: wrong for negative inputs when alpha = {alpha}",
                f"elu: неверна для отрицательных входов при alpha = {alpha}",
            ),
            L("did you multiply the negative branch by alpha?", "умножили ли вы отрицательную ветвь на alpha?"),
            alpha=alpha,
        )


@pytest.mark.points(2)
def test_elu_large_positive_inputs(student, rng):
    """elu is finite and right for x up to 1000
    ru: elu конечна и верна при x до 1000"""
    call_and_compare(
        student,
        "elu",
        extremes(rng, 1e3),
        L(
            "elu: wrong or not finite for large |x| (up to 1000, float64)",
            "elu: неверна или не конечна при больших |x| (до 1000, float64)",
        ),
        L(
            "exp(x) is inf past x = 709, and 0 * inf is NaN even in the branch you do not select: "
            "choose with np.where, or take exp only of np.minimum(x, 0)",
            "exp(x) равна inf при x > 709, а 0 * inf даёт NaN даже в невыбранной ветви: выбирайте "
            "через np.where или берите exp только от np.minimum(x, 0)",
        ),
    )


@pytest.mark.points(2)
def test_elu_grad_values(student, rng):
    """elu_grad is right for alpha 1, 0.7 and 2.0, away from 0
    ru: elu_grad верна при alpha 1, 0.7 и 2.0, вдали от 0"""
    for alpha in (None, 0.7, 2.0):
        kw = {} if alpha is None else {"alpha": alpha}
        shown = "the default alpha (1.0)" if alpha is None else f"alpha = {alpha}"
        shown_ru = "alpha по умолчанию (1.0)" if alpha is None else f"alpha = {alpha}"
        call_and_compare(
            student,
            "elu_grad",
            values(rng, (5, 11)),
            L(
                f"elu_grad: wrong for inputs of both signs with {shown}",
                f"elu_grad: неверна для входов обоих знаков при {shown_ru}",
            ),
            L(
                "the derivative is 1 where x > 0 and alpha * exp(x) elsewhere",
                "производная равна 1 при x > 0 и alpha * exp(x) иначе",
            ),
            **kw,
        )


@pytest.mark.points(1)
def test_elu_grad_at_zero(student):
    """elu_grad at exactly x = 0 is alpha, as in PyTorch
    ru: elu_grad ровно в x = 0 равна alpha, как в PyTorch"""
    for alpha in (2.0, 0.7):  # alpha = 1 would hide it: both conventions give 1 there
        call_and_compare(
            student,
            "elu_grad",
            zeros(),
            L(
                f"elu_grad: wrong at exactly x = 0 with alpha = {alpha} (PyTorch's autograd gives alpha there)",
                f"elu_grad: неверна ровно в x = 0 при alpha = {alpha} (autograd PyTorch даёт там alpha)",
            ),
            L("compare with x > 0, not x >= 0", "сравнивайте x > 0, а не x >= 0"),
            alpha=alpha,
        )


@pytest.mark.points(1)
def test_elu_grad_large_positive_inputs(student, rng):
    """elu_grad is finite and right for x up to 1000
    ru: elu_grad конечна и верна при x до 1000"""
    call_and_compare(
        student,
        "elu_grad",
        extremes(rng, 1e3),
        L(
            "elu_grad: wrong or not finite for large |x| (up to 1000, float64)",
            "elu_grad: неверна или не конечна при больших |x| (до 1000, float64)",
        ),
        L(
            "exp(x) is inf past x = 709, and 0 * inf is NaN even in the branch you do not select",
            "exp(x) равна inf при x > 709, а 0 * inf даёт NaN даже в невыбранной ветви",
        ),
    )


# ---------------------------------------------------------------- every function


# One test per function for each property below, so a function that hangs, crashes or is
# still a stub costs its own tests only.
EVERY = FORWARD + DERIVATIVES
# each function's value test: a property of a function (its input left alone) counts only
# when its values are right, or zeros of the right shape would earn it
VALUES = {
    "sigmoid": "sigmoid_values", "tanh": "tanh_values", "relu": "relu_values",
    "leaky_relu": "leaky_relu_default_slope", "elu": "elu_default_alpha",
    "sigmoid_grad": "sigmoid_grad_values", "tanh_grad": "tanh_grad_values",
    "relu_grad": "relu_grad_values", "leaky_relu_grad": "leaky_relu_grad_values",
    "elu_grad": "elu_grad_values",
}  # fmt: skip


@pytest.mark.points(0.5)
@pytest.mark.parametrize("name", EVERY)
def test_float32_inputs(student, rng, name):
    """{name} is right for float32 inputs, |x| up to 100
    ru: {name} верна для входов float32, |x| до 100"""
    x = extremes(rng, 1e2, (5, 12)).astype(np.float32)
    call_and_compare(
        student,
        name,
        x,
        L(
            f"{name}: wrong or not finite for float32 inputs (|x| up to 100)",
            f"{name}: неверна или не конечна для входов float32 (|x| до 100)",
        ),
        L("in float32, exp overflows to inf already past x = 88.7", "во float32 exp переполняется до inf уже при x > 88.7"),
    )


@pytest.mark.points(1)
@pytest.mark.parametrize("name", [pytest.param(name, marks=pytest.mark.requires(VALUES[name])) for name in EVERY])
def test_input_not_modified(student, rng, name):
    """{name} does not modify its input array
    ru: {name} не изменяет входной массив"""
    x = values(rng, (6, 7))
    before = x.copy()
    getattr(student, name)(x)
    checks.unchanged(
        before,
        x,
        L(f"{name} modified its input x", f"{name} изменила входной массив x"),
    )


@pytest.mark.points(0.5)
@pytest.mark.parametrize("name", EVERY)
def test_any_input_shape(student, rng, name):
    """{name} works on 0-d, 1-d and 3-d arrays
    ru: {name} работает с массивами размерности 0, 1 и 3"""
    for shape in [(17,), (2, 3, 4), ()]:
        call_and_compare(
            student,
            name,
            values(rng, shape),
            L(f"{name}: wrong for an input of shape {shape}", f"{name}: неверна для входа формы {shape}"),
            L(
                "use elementwise NumPy operations, which work for any shape; avoid len(x), x.shape[1] and loops over rows",
                "используйте поэлементные операции NumPy — они работают с любой формой; "
                "не опирайтесь на len(x), x.shape[1] и циклы по строкам",
            ),
        )


def integers(rng, shape):
    """Nonzero integers in [-8, 8] (0 would bring in the conventions of the x = 0 tests)."""
    return rng.integers(1, 9, size=shape) * rng.choice([-1, 1], size=shape)


def compare_int_ok(got, want, like, what, hint=None):
    """checks.close, where an integer result is also right when the exact values are integers
    (relu of an integer array may stay an integer array, as np.maximum(x, 0) gives)."""
    if isinstance(got, np.ndarray) and got.dtype.kind in "iu" and np.array_equal(want, np.round(want)):
        got = got.astype(np.float64)
    checks.close(got, want, like=like, what=what, hint=hint)


@pytest.mark.points(0.5)
@pytest.mark.parametrize("name", EVERY)
def test_integer_inputs(student, rng, name):
    """{name} is right for integer arrays
    ru: {name} верна для целочисленных массивов"""
    for x in (integers(rng, (4, 7)), integers(rng, (9,)).astype(np.int32)):
        want = getattr(ref, name)(f64(x))
        got = getattr(student, name)(x)
        compare_int_ok(
            got,
            want,
            x,
            L(
                f"{name}: wrong for an integer input ({x.dtype} array)",
                f"{name}: неверна для целочисленного входа (массив {x.dtype})",
            ),
            L(
                "an integer x gives integer buffers: np.zeros_like(x), np.empty_like(x) and "
                "x.copy() truncate the floats written into them, and out[mask] *= 0.5 raises; "
                "start from np.zeros(x.shape) or np.asarray(x, dtype=float), or use np.where",
                "для целочисленного x буферы тоже целочисленные: np.zeros_like(x), "
                "np.empty_like(x) и x.copy() отбрасывают дробную часть записанных значений, а "
                "out[mask] *= 0.5 выбрасывает исключение; начинайте с np.zeros(x.shape) или "
                "np.asarray(x, dtype=float) либо используйте np.where",
            ),
        )


def strided_views(rng):
    """Arrays that are views with a memory layout other than C order, as slicing and
    transposing give: (kind of view, array)."""
    return [
        ("transposed (Fortran-ordered) 2-d", values(rng, (9, 6)).T),
        ("every other column", values(rng, (5, 14))[:, ::2]),
        ("reversed 1-d", values(rng, (23,))[::-1]),
        ("axes permuted 3-d", np.transpose(values(rng, (2, 3, 4)), (2, 0, 1))),
    ]


@pytest.mark.points(0.5)
@pytest.mark.parametrize("name", EVERY)
def test_noncontiguous_inputs(student, rng, name):
    """{name} is right for transposed and strided arrays
    ru: {name} верна для транспонированных массивов и срезов с шагом"""
    for kind, x in strided_views(rng):
        call_and_compare(
            student,
            name,
            x,
            L(
                f"{name}: wrong for a non-contiguous input ({kind} view)",
                f"{name}: неверна для несмежного в памяти входа (представление: {kind})",
            ),
            L(
                "x.reshape(-1), x.ravel() and np.copy(x) of a transposed or strided array are "
                "copies, or keep its memory order: writes into them are lost; compute with "
                "whole-array operations (np.where) and return a new array",
                "x.reshape(-1), x.ravel() и np.copy(x) для транспонированного массива или среза "
                "с шагом — копии либо сохраняют его порядок в памяти: запись в них теряется; "
                "вычисляйте операциями над целыми массивами (np.where) и возвращайте новый массив",
            ),
        )


KEYWORD_EDGES = {
    "leaky_relu": ("negative_slope", (0.0, 1.0)),
    "leaky_relu_grad": ("negative_slope", (0.0, 1.0)),
    "elu": ("alpha", (0.0, 100.0)),
    "elu_grad": ("alpha", (0.0, 100.0)),
}


@pytest.mark.points(0.5)
@pytest.mark.parametrize("name", sorted(KEYWORD_EDGES))
def test_keyword_edge_values(student, rng, name):
    """{name} is right at the edge values of its keyword (0, and 1 or 100)
    ru: {name} верна при крайних значениях параметра (0, а также 1 или 100)"""
    keyword, edges = KEYWORD_EDGES[name]
    for value in edges:
        call_and_compare(
            student,
            name,
            values(rng, (6, 9)),
            L(f"{name}: wrong for {keyword} = {value:g}", f"{name}: неверна при {keyword} = {value:g}"),
            L(
                f"use {keyword} as given: `{keyword} or default` turns 0 into the default",
                f"используйте {keyword} как есть: `{keyword} or значение_по_умолчанию` превращает 0 в значение по умолчанию",
            ),
            **{keyword: value},
        )


# ---------------------------------------------------------------- vectorization

# The fastest plain Python loops a student could write (comprehensions over Python floats with
# `math`, no function call per element); the suite times them here, on a tenth of the values.
_exp, _expm1, _tanh = math.exp, math.expm1, math.tanh
LOOPS = {
    "sigmoid": lambda v: [1 / (1 + _exp(-t)) if t >= 0 else _exp(t) / (1 + _exp(t)) for t in v],
    "tanh": lambda v: list(map(_tanh, v)),
    "relu": lambda v: [t if t > 0 else 0.0 for t in v],
    "leaky_relu": lambda v: [t if t > 0 else 0.01 * t for t in v],
    "elu": lambda v: [t if t > 0 else _expm1(t) for t in v],
    # the loop a sigmoid_grad can hide is sigmoid's alone, s·(1 − s) vectorized after it: a
    # loop of its own (two exps a value) would be 1.7 times as slow and blur loops with noise
    "sigmoid_grad": lambda v: [1 / (1 + _exp(-t)) if t >= 0 else _exp(t) / (1 + _exp(t)) for t in v],
    "tanh_grad": lambda v: [1 - _tanh(t) ** 2 for t in v],
    "relu_grad": lambda v: [1.0 if t > 0 else 0.0 for t in v],
    "leaky_relu_grad": lambda v: [1.0 if t > 0 else 0.01 for t in v],
    "elu_grad": lambda v: [1.0 if t > 0 else _exp(t) for t in v],
}


def loop_seconds(name, x, share=10, fresh=False):
    """CPU seconds of LOOPS[name] over all of x, timed on every share-th value (a loop is
    linear in the number of values). Its inputs are drawn alike for every submission: measured
    once for a shape and shared by the submissions after (timing.once), unless fresh (a timing
    confirmed beside a slow call, timing.fastest_within)."""
    part = x.ravel()[::share]
    loop = LOOPS[name]

    key = ("activations loop", name, x.shape, x.dtype.str, share)
    return timing.seconds_of(key, lambda: np.array(loop(part.tolist()), dtype=part.dtype), fresh=fresh) * share


def sorted_uniform(rng, n, lo=-5.0, hi=5.0):
    """n values of U(lo, hi) in increasing order, one drawn in each of n equal cells: as
    branch-predictable as sorted uniform draws, without a sort (one was a third of the suite's
    own time per submission)."""
    return lo + (np.arange(n) + rng.random(n)) * ((hi - lo) / n)


def check_vectorized(student, rng, names):
    # float32 halves the bytes the jail moves, and sorted values make the masks of vectorized
    # code (np.where, boolean indexing, np.piecewise) branch-predictable, up to 4 times cheaper,
    # while a Python loop costs the same per value either way. Measured in the jail on a loaded
    # 2-core machine: the corpus's vectorized variants (np.piecewise the slowest) use at most
    # 0.4 of the budget below, np.vectorize and loops 1.7 to 5 times it (on shuffled values the
    # slowest vectorized code took 0.41 of the loop's time, the fastest loop 15x np.tanh's).
    # Each timed call gets other values, and the result of the one that counts must be right:
    # an answer stored by a first (slow) call cannot be the one timed.
    n = 300_000
    FRACTION = 0.5  # of the loop's time: the budget below

    def draw(scale=1):  # a confirmation call gets timing.CONFIRM_SCALE times the values
        return sorted_uniform(rng, n * scale).astype(np.float32).reshape(300 * scale, 1000)

    x = draw()
    for name in names:
        ref_s = timing.reference_seconds(getattr(ref, name), x)

        # the yardstick (the loop's seconds, the jail's cost of moving x + the fixed cost of a
        # call) and the check's budget from it; timed again beside a call over it
        def yardstick(fresh=False, name=name):
            return loop_seconds(name, x, fresh=fresh), timing.call_overhead(x, fresh=fresh)

        # copies: a function that writes into its input (its own test catches that) must not
        # change the values the reference then computes from; the later inputs are drawn only
        # if a call is over the budget (lazily, the same values); the confirmations' are larger
        xs = [x]

        def calls(xs=xs):
            for k in range(3 + len(timing.CONFIRM_PAUSES)):
                if k == len(xs):
                    xs.append(draw(1 if k < 3 else timing.CONFIRM_SCALE))
                yield (xs[k].copy(),)

        timed = timing.fastest_within(
            student,
            name,
            calls(),
            tries=3,
            yardstick=yardstick(),
            budget=lambda y: checks.loop_budget(y[0], FRACTION, y[1]),
            remeasure=lambda yardstick=yardstick: yardstick(fresh=True),
            scale=timing.CONFIRM_SCALE,
        )
        loop_s, overhead = timed.yardstick
        checks.faster_than_loop(
            timed.seconds,
            loop_s,
            L(f"{name} on {n} values", f"{name} на {n} значений"),
            fraction=FRACTION,
            overhead_s=overhead,
            ref_s=ref_s,
            got=timed.result,
            want=getattr(ref, name)(f64(xs[timed.which])),
            like=xs[timed.which],
            confirmed=True,  # fastest_within's rounds
        )


@pytest.mark.points(1)
@pytest.mark.parametrize("name", EVERY)
def test_vectorized(student, rng, name):
    """{name} is vectorized (no Python loop over the values)
    ru: {name} векторизована (без цикла Python по значениям)"""
    check_vectorized(student, rng, [name])
