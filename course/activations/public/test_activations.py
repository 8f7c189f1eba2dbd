"""Public suite: activations. A few obvious inputs per function (x in {-2, -0.5, 0.5, 2}, the
default parameters), so `dlgrade check` says early which function is off. The hidden suite
checks much more: other parameters, x = 0 exactly, extremes, float32, shapes, mutation, speed.

The expected values are the reference's, frozen in ``expected.npz`` by ``../fixtures/public.py``:
this suite never imports ``solutions/``, so it runs the same in the student bundle."""

from pathlib import Path

import numpy as np
import pytest

from grader import checks
from grader.suite import L

EXPECTED = Path(__file__).resolve().parent / "expected.npz"
NAMES = ["sigmoid", "sigmoid_grad", "tanh", "tanh_grad", "relu", "relu_grad", "leaky_relu", "leaky_relu_grad",
         "elu", "elu_grad"]  # fmt: skip


def expected():
    with np.load(EXPECTED) as data:
        return {key: data[key] for key in data.files}


def compare(student, name):
    case = expected()
    x = case["x"]  # [[-2, -0.5], [0.5, 2]]: both signs, away from the kink at 0
    got = getattr(student, name)(x.copy())
    checks.close(
        got,
        case[name],
        like=x,
        what=L(f"{name}: wrong for x = [[-2, -0.5], [0.5, 2]]", f"{name}: неверно для x = [[-2, -0.5], [0.5, 2]]"),
        hint=L(f"compare with the formula in the docstring of {name}", f"сверьтесь с формулой в docstring функции {name}"),
    )


@pytest.mark.points(1)
def test_sigmoid(student):
    """sigmoid on a few values
    ru: sigmoid на нескольких значениях"""
    compare(student, "sigmoid")


@pytest.mark.points(1)
def test_sigmoid_finite_at_minus_1000(student):
    """sigmoid(-1000) and sigmoid(1000) are 0 and 1, not NaN
    ru: sigmoid(-1000) и sigmoid(1000) равны 0 и 1, а не NaN"""
    case = expected()
    x = case["extremes"]
    checks.close(
        student.sigmoid(x.copy()),
        case["sigmoid_extremes"],
        like=x,
        what=L("sigmoid: wrong or not finite at x = -1000 and 1000", "sigmoid: неверна или не конечна при x = -1000 и 1000"),
        hint=L(
            "exp(1000) overflows to inf: use exp(-|x|), which never does",
            "exp(1000) переполняется до inf: используйте exp(-|x|), которая не переполняется",
        ),
    )


@pytest.mark.points(1)
def test_sigmoid_grad(student):
    """sigmoid_grad on a few values
    ru: sigmoid_grad на нескольких значениях"""
    compare(student, "sigmoid_grad")


@pytest.mark.points(1)
def test_tanh(student):
    """tanh on a few values
    ru: tanh на нескольких значениях"""
    compare(student, "tanh")


@pytest.mark.points(1)
def test_tanh_grad(student):
    """tanh_grad on a few values
    ru: tanh_grad на нескольких значениях"""
    compare(student, "tanh_grad")


@pytest.mark.points(1)
def test_relu(student):
    """relu on a few values
    ru: relu на нескольких значениях"""
    compare(student, "relu")


@pytest.mark.points(1)
def test_relu_grad(student):
    """relu_grad on a few values
    ru: relu_grad на нескольких значениях"""
    compare(student, "relu_grad")


@pytest.mark.points(1)
def test_leaky_relu(student):
    """leaky_relu with the default slope on a few values
    ru: leaky_relu с наклоном по умолчанию на нескольких значениях"""
    compare(student, "leaky_relu")


@pytest.mark.points(1)
def test_leaky_relu_grad(student):
    """leaky_relu_grad with the default slope on a few values
    ru: leaky_relu_grad с наклоном по умолчанию на нескольких значениях"""
    compare(student, "leaky_relu_grad")


@pytest.mark.points(1)
def test_elu(student):
    """elu with the default alpha on a few values
    ru: elu с alpha по умолчанию на нескольких значениях"""
    compare(student, "elu")


@pytest.mark.points(1)
def test_elu_grad(student):
    """elu_grad with the default alpha on a few values
    ru: elu_grad с alpha по умолчанию на нескольких значениях"""
    compare(student, "elu_grad")


@pytest.mark.points(1)
def test_every_function_is_vectorized(student, rng):
    """every function works on whole arrays, without a Python loop (a hint: the hidden tests time each one)
    ru: каждая функция работает с целыми массивами, без цикла Python (подсказка: скрытые тесты измеряют время каждой)"""
    # float32 halves the bytes the jail moves; sorted values make the masks of vectorized code
    # branch-predictable (np.where, boolean indexing), while a loop costs the same per value
    x = np.sort(rng.uniform(-5.0, 5.0, size=100_000)).astype(np.float32).reshape(100, 1000)
    for name in NAMES:
        what = L(f"{name} on 100000 values", f"{name} на 100000 значений")
        checks.loop_hint(
            student, name, (x,), what=what, per=x.ravel(), verify=lambda got, what=what: checks.shape(got, x.shape, what)
        )
