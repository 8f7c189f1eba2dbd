"""Public checks: optimizers. Small, obvious inputs; the hidden suite tests much more
(non-default parameters, several epochs, shuffling quality, purity, speed).
ru: Открытые проверки: optimizers. Маленькие очевидные входы; скрытые тесты проверяют гораздо
больше (параметры не по умолчанию, несколько эпох, качество перемешивания, чистоту, скорость).

The expected values are the reference's, frozen in ``expected.npz`` by ``../fixtures/public.py``:
this suite never imports ``solutions/``, so it runs the same in the student bundle."""

from pathlib import Path

import numpy as np
import pytest

from grader import checks
from grader.suite import Failure, Handle, L

EXPECTED = Path(__file__).resolve().parent / "expected.npz"


def expected():
    with np.load(EXPECTED) as data:
        return {key: data[key] for key in data.files}


# Every test loads its own copy: a student's function that writes into its inputs writes into
# the arrays it was given (the proxy mirrors it, so that the mutation shows), never into another
# test's or another submission's.


def two(got, what):
    if not (isinstance(got, (tuple, list)) and len(got) == 2):
        got_ = checks.received(got)
        raise Failure(
            what
            + L(f": expected a tuple of two values, got {got_.en}", f": ожидался кортеж из двух значений, получено: {got_.ru}")
        )
    return got


def as_list(student, got):
    if isinstance(got, Handle):
        got = student.fetch(got)
    if isinstance(got, (list, tuple)):
        return np.array(got, dtype=np.float64)
    return got


@pytest.mark.points(1)
def test_loss_and_grad_small(student):
    """least_squares_loss_grad on a 4 x 2 problem
    ru: least_squares_loss_grad на задаче 4 x 2"""
    case = expected()
    X, y = case["X"], case["y"]  # a tiny problem: 4 samples, 2 features
    what = L("least_squares_loss_grad", "least_squares_loss_grad")
    loss, grad = two(student.least_squares_loss_grad(case["w"], X, y), what)
    want_loss, want_grad = case["loss"], case["grad"]
    checks.close(
        loss,
        want_loss,
        like=X,
        kind="loss",
        what=what + L(" (loss)", " (потери)"),
        hint=L("loss = mean((X @ w - y)**2) / 2", "loss = mean((X @ w - y)**2) / 2"),
    )
    checks.close(
        grad,
        want_grad,
        like=X,
        kind="linear",
        what=what + L(" (gradient)", " (градиент)"),
        hint=L("grad = X.T @ (X @ w - y) / N", "grad = X.T @ (X @ w - y) / N"),
    )


@pytest.mark.points(1)
def test_gd_step_small(student):
    """gd_step returns w - lr * grad
    ru: gd_step возвращает w - lr * grad"""
    case = expected()
    w, grad = case["step_w"], case["step_grad"]
    checks.close(student.gd_step(w, grad, 0.1), case["step_out"], like=w, kind="trajectory", what=L("gd_step", "gd_step"))


@pytest.mark.points(1)
def test_momentum_two_steps(student):
    """momentum_step: two steps from zero velocity, as torch.optim.SGD(momentum=0.9)
    ru: momentum_step: два шага из нулевой скорости, как torch.optim.SGD(momentum=0.9)"""
    case = expected()
    w, v = case["momentum_w0"], np.zeros(2)
    for step in (1, 2):
        grad = case[f"momentum_grad{step}"]
        what = L(f"momentum_step, step {step}", f"momentum_step, шаг {step}")
        got_w, got_v = two(student.momentum_step(w.copy(), grad.copy(), v.copy(), 0.1), what)
        want_w, want_v = case[f"momentum_w{step}"], case[f"momentum_v{step}"]
        checks.close(
            got_v,
            want_v,
            like=grad,
            kind="trajectory",
            what=what + L(" (velocity)", " (скорость)"),
            hint=L("v = momentum * v + grad (PyTorch's convention)", "v = momentum * v + grad (соглашение PyTorch)"),
        )
        checks.close(
            got_w,
            want_w,
            like=grad,
            kind="trajectory",
            what=what + L(" (weights)", " (веса)"),
            hint=L("w - lr * v", "w - lr * v"),
        )
        w, v = want_w, want_v  # the next step starts from the right state, whatever this one gave


@pytest.mark.points(1)
def test_minibatch_in_order(student, rng):
    """minibatch_indices(10, 4, rng, shuffle=False) gives [0..3], [4..7], [8, 9]
    ru: minibatch_indices(10, 4, rng, shuffle=False) даёт [0..3], [4..7], [8, 9]"""
    got = student.minibatch_indices(10, 4, rng, shuffle=False)
    want = [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    try:
        same = [list(map(int, b)) for b in got] == want
    except (TypeError, ValueError):
        same = False
    except OverflowError:  # int() of an infinity
        same = False
    if not same:
        raise Failure(
            L(
                "minibatch_indices: with shuffle=False expected [0, 1, 2, 3], [4, 5, 6, 7], [8, 9]",
                "minibatch_indices: при shuffle=False ожидалось [0, 1, 2, 3], [4, 5, 6, 7], [8, 9]",
            )
        )


@pytest.mark.points(1)
def test_minibatch_shuffled_cover(student, rng):
    """minibatch_indices with shuffle: sizes 4, 4, 2 and every index once
    ru: minibatch_indices с перемешиванием: размеры 4, 4, 2 и каждый индекс по разу"""
    got = student.minibatch_indices(10, 4, rng)
    try:  # whatever came back (None, a number, ragged nesting) is the student's to fix, never an error here
        batches = [[int(i) for i in np.asarray(b).ravel()] for b in got]
        right = [len(b) for b in batches] == [4, 4, 2] and sorted(sum(batches, [])) == list(range(10))
    except (TypeError, ValueError, OverflowError):
        right = False
    if not right:
        raise Failure(
            L(
                "minibatch_indices: expected batches of sizes 4, 4, 2 holding 0..9 once each",
                "minibatch_indices: ожидались батчи размеров 4, 4, 2, содержащие 0..9 по одному разу",
            )
        )


@pytest.mark.points(1)
def test_fit_gd_small(student):
    """fit_gd: 5 steps from zeros, losses before each step
    ru: fit_gd: 5 шагов из нулей, потери перед каждым шагом"""
    case = expected()
    X, y = case["X"], case["y"]  # a tiny problem: 4 samples, 2 features
    what = L("fit_gd", "fit_gd")
    w, losses = two(student.fit_gd(X, y, 0.05, 5), what)
    want_w, want_losses = case["fit_w"], case["fit_losses"]
    checks.close(
        as_list(student, losses),
        want_losses,
        like=X,
        kind="trajectory",
        rtol=5e-9,
        what=what + L(" (losses)", " (потери)"),
        hint=L("losses[0] is the loss at the start, before any step", "losses[0] — потери в начальной точке, до первого шага"),
    )
    checks.close(w, want_w, like=X, kind="trajectory", rtol=5e-9, what=what + L(" (w)", " (w)"))


@pytest.mark.points(1)
def test_fit_sgd_full_batch(student, rng):
    """fit_sgd with batch_size = N and momentum = 0 is gradient descent, loss after each epoch
    ru: fit_sgd при batch_size = N и momentum = 0 — градиентный спуск, потери после каждой эпохи"""
    case = expected()
    X, y = case["X"], case["y"]  # a tiny problem: 4 samples, 2 features
    what = L("fit_sgd (batch_size = N)", "fit_sgd (batch_size = N)")
    w, losses = two(student.fit_sgd(X, y, 0.05, 5, 4, rng), what)
    want_w, want_losses = case["fit_w"], case["sgd_losses"]  # gradient descent's
    checks.close(
        as_list(student, losses),
        want_losses,
        like=X,
        kind="trajectory",
        rtol=5e-9,
        what=what + L(" (losses)", " (потери)"),
        hint=L("losses[e] is the loss on all the data AFTER epoch e", "losses[e] — потери на всех данных ПОСЛЕ эпохи e"),
    )
    checks.close(w, want_w, like=X, kind="trajectory", rtol=5e-9, what=what + L(" (w)", " (w)"))


@pytest.mark.points(1)
def test_loss_grad_is_vectorized(student, rng):
    """least_squares_loss_grad works on all samples at once, without a Python loop (a hint: the hidden tests time it)
    ru: least_squares_loss_grad работает со всеми примерами сразу, без цикла Python (подсказка: скрытые тесты измеряют время)"""
    big_X, big_y = rng.standard_normal((20_000, 4)), rng.standard_normal(20_000)
    what = L("least_squares_loss_grad on 20000 samples", "least_squares_loss_grad на 20000 примеров")
    checks.loop_hint(
        student, "least_squares_loss_grad", (np.zeros(4), big_X, big_y), what=what, per=big_X,
        verify=lambda got: checks.shape(two(got, what)[1], (4,), what),
    )  # fmt: skip
