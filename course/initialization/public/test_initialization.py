"""Public suite: weight initialization. Obvious checks on one matrix each (the shape, the range
of a uniform, the spread of a normal, the same rng state giving the same matrix), so
`dlgrade check` says early which function is off. The hidden suite checks the distributions
much more sharply, on several generators, with gains, both fan orders and a speed test."""

import math

import numpy as np
import pytest

from grader import checks
from grader.suite import L

FUNCTIONS = ["xavier_uniform", "xavier_normal", "he_uniform", "he_normal"]


@pytest.mark.points(1)
@pytest.mark.parametrize("fn", FUNCTIONS)
def test_shape(student, rng, fn):
    """{fn} returns a (fan_in, fan_out) matrix
    ru: {fn} возвращает матрицу формы (fan_in, fan_out)"""
    checks.shape(
        getattr(student, fn)(3, 5, rng),
        (3, 5),
        L(f"{fn}(3, 5, rng)", f"{fn}(3, 5, rng)"),
        L(
            "the weight matrix is (fan_in, fan_out): the layer computes x @ W",
            "матрица весов имеет форму (fan_in, fan_out): слой вычисляет x @ W",
        ),
    )


@pytest.mark.points(1)
@pytest.mark.parametrize("fn,a", [("xavier_uniform", math.sqrt(6 / 300)), ("he_uniform", math.sqrt(6 / 100))])
def test_uniform_range(student, rng, fn, a):
    """{fn} stays within (−a, a) and nearly reaches both ends
    ru: {fn} не выходит за (−a, a) и почти достигает обоих концов"""
    what = L(f"{fn}(100, 200, rng)", f"{fn}(100, 200, rng)")
    w = checks.finite(getattr(student, fn)(100, 200, rng), what)
    # with 20000 uniform values, missing an end by 0.1% has probability e^-10 ≈ 5e-5
    checks.between(
        float(np.max(np.abs(w))) / a,
        0.999,
        1.0 + 1e-6,
        what=what,
        name=L("max |W| / a", "max |W| / a"),
        hint=L("check the bound a in the docstring", "проверьте границу a из docstring"),
    )
    checks.between(
        float(np.mean(w)) / a,
        -0.05,
        0.05,
        what=what,
        name=L("mean(W) / a", "mean(W) / a"),
        hint=L("the interval (−a, a) is centred on 0", "интервал (−a, a) с центром в 0"),
    )


@pytest.mark.points(1)
@pytest.mark.parametrize("fn,sigma", [("xavier_normal", math.sqrt(2 / 700)), ("he_normal", math.sqrt(2 / 400))])
def test_normal_spread(student, rng, fn, sigma):
    """{fn} has the standard deviation of its formula
    ru: у {fn} стандартное отклонение из формулы"""
    what = L(f"{fn}(400, 300, rng)", f"{fn}(400, 300, rng)")
    w = checks.finite(getattr(student, fn)(400, 300, rng), what)
    checks.between(
        float(np.std(w)) / sigma,
        0.97,
        1.03,
        what=what,
        name=L("std(W) / σ", "std(W) / σ"),
        hint=L(
            "σ is the standard deviation: rng.normal(0, σ, size) takes σ, not σ²",
            "σ — стандартное отклонение: rng.normal(0, σ, size) принимает σ, а не σ²",
        ),
    )


@pytest.mark.points(1)
@pytest.mark.parametrize("fn", FUNCTIONS)
def test_same_rng_state_same_matrix(student, fn):
    """{fn}: the same rng state gives the same matrix
    ru: {fn}: одно и то же состояние rng даёт одну и ту же матрицу"""
    what = L(f"{fn} called twice with np.random.default_rng(0)", f"{fn}, вызванная дважды с np.random.default_rng(0)")
    first = getattr(student, fn)(4, 6, np.random.default_rng(0))
    again = getattr(student, fn)(4, 6, np.random.default_rng(0))
    checks.array(first, what)
    checks.same_output(
        first,
        again,
        what,
        L(
            "draw the random numbers from the rng argument, not from np.random",
            "берите случайные числа из аргумента rng, а не из np.random",
        ),
    )


@pytest.mark.points(1)
def test_every_function_is_vectorized(student, rng):
    """every initializer draws the whole matrix at once, without a Python loop (a hint: the hidden tests time each one)
    ru: каждая инициализация берёт всю матрицу сразу, без цикла Python (подсказка: скрытые тесты измеряют время каждой)"""
    size = np.empty((100, 1000))
    for fn in FUNCTIONS:
        what = L(f"{fn}(100, 1000, rng)", f"{fn}(100, 1000, rng)")
        checks.loop_hint(
            student, fn, (100, 1000, rng), what=what, per=size.ravel(),
            verify=lambda got, what=what: checks.shape(got, size.shape, what),
        )  # fmt: skip
