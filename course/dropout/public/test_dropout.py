"""Public suite: dropout. Obvious inputs (x of ones, p = 0.5 or 0), so `dlgrade check` says
early which part is off. The hidden suite checks much more: other p (where "p = keep
probability" shows), the drop fraction and independence on large batches, p = 1, float32,
mutation, invalid p in both modes, the backward pass on several masks, and speed."""

import numpy as np
import pytest

from grader import checks
from grader.suite import Failure, L


def pair(got, what):
    """``(out, cache)``, or a failure saying what came back instead (never an unpacking error)."""
    if not (isinstance(got, (tuple, list)) and len(got) == 2):
        got_ = checks.received(got)
        raise Failure(
            what + L(f": expected a pair (out, cache), got {got_.en}", f": ожидалась пара (out, cache), получено: {got_.ru}")
        )
    return got


@pytest.mark.points(1)
def test_values_are_zero_or_doubled(student, rng):
    """with p = 0.5, every output of dropout on ones is 0 or 2
    ru: при p = 0.5 каждый выход dropout на единицах равен 0 или 2"""
    x = np.ones((40, 50))
    what = L("dropout_forward(ones, p=0.5)", "dropout_forward(ones, p=0.5)")
    out, _ = pair(student.dropout_forward(x.copy(), 0.5, rng), what)
    out = checks.shape(out, x.shape, what)
    if not np.all((out == 0) | np.isclose(out, 2.0)):
        raise Failure(
            what + L(": some values are neither 0 nor 1/(1 − p) = 2", ": есть значения, равные не 0 и не 1/(1 − p) = 2"),
            (L("kept units are divided by 1 − p", "сохранённые нейроны делятся на 1 − p"),),
        )
    checks.between(
        float(np.mean(out == 0)), 0.35, 0.65, what=what, name=L("the fraction of dropped units", "доля выключенных нейронов")
    )


@pytest.mark.points(1)
def test_p_zero_keeps_everything(student, rng):
    """dropout with p = 0 returns x
    ru: dropout с p = 0 возвращает x"""
    x = np.arange(1.0, 13.0).reshape(3, 4)
    what = L("dropout_forward(x, p=0)", "dropout_forward(x, p=0)")
    out, _ = pair(student.dropout_forward(x.copy(), 0.0, rng), what)
    checks.close(out, x, like=x, what=what)


@pytest.mark.points(1)
def test_eval_mode_is_identity(student, rng):
    """dropout with train=False returns x
    ru: dropout с train=False возвращает x"""
    x = np.arange(1.0, 13.0).reshape(3, 4)
    what = L("dropout_forward(x, p=0.5, train=False)", "dropout_forward(x, p=0.5, train=False)")
    out, _ = pair(student.dropout_forward(x.copy(), 0.5, rng, train=False), what)
    checks.close(
        out,
        x,
        like=x,
        what=what,
        hint=L("inverted dropout does nothing at evaluation time", "инвертированный dropout ничего не делает в режиме оценки"),
    )


@pytest.mark.points(1)
def test_backward_uses_the_mask(student, rng):
    """dropout's backward pass gives 2·dout where a unit was kept (p = 0.5) and 0 elsewhere
    ru: обратный проход dropout даёт 2·dout, где нейрон сохранён (p = 0.5), и 0 в других местах"""
    x = np.ones((6, 8))
    dout = np.arange(48.0).reshape(6, 8) + 1
    what = L("dropout_forward(ones, p=0.5)", "dropout_forward(ones, p=0.5)")
    out, cache = pair(student.dropout_forward(x.copy(), 0.5, rng), what)
    out = checks.shape(out, x.shape, what)
    dx = student.dropout_backward(dout.copy(), cache)
    checks.close(
        dx,
        np.where(out != 0, 2.0 * dout, 0.0),
        like=dout,
        what=L("dropout_backward after p = 0.5", "dropout_backward после p = 0.5"),
        hint=L("use the forward pass's mask, scale included", "используйте маску прямого прохода вместе с множителем"),
    )


@pytest.mark.points(1)
def test_invalid_p_raises(student, rng):
    """dropout with p = 1.5 raises ValueError
    ru: dropout с p = 1.5 выбрасывает ValueError"""
    what = L("dropout_forward(x, p=1.5)", "dropout_forward(x, p=1.5)")
    # a callable, not pytest.raises: a function that returns is the student's mistake (a p read
    # as the keep probability, say), a failure to explain, never an error of the grader
    checks.raises(
        lambda: student.dropout_forward(np.ones((2, 3)), 1.5, rng),
        "ValueError",
        what,
        L(
            "p is the probability of dropping a unit: check 0 <= p <= 1 and raise ValueError otherwise",
            "p — вероятность выключить нейрон: проверьте 0 <= p <= 1 и иначе выбросьте ValueError",
        ),
    )


@pytest.mark.points(1)
def test_forward_is_vectorized(student, rng):
    """dropout_forward draws the whole mask at once, without a Python loop (a hint: the hidden tests time it)
    ru: dropout_forward берёт всю маску сразу, без цикла Python (подсказка: скрытые тесты измеряют время)"""
    x = np.ones((100, 1000))
    what = L("dropout_forward(x, p=0.5) on 100000 values", "dropout_forward(x, p=0.5) на 100000 значений")
    checks.loop_hint(student, "dropout_forward", (x, 0.5, rng), what=what, per=x.ravel(),
                     verify=lambda got: checks.shape(pair(got, what)[0], x.shape, what))  # fmt: skip
