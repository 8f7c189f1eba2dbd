"""Public suite: matrix_ops. The checks students run themselves (``dlgrade check``): small,
friendly inputs, and worked examples whose expected values were computed by PyTorch
(``F.linear``, ``torch.softmax``, ``F.cross_entropy`` and autograd) and frozen in
``expected.npz`` by ``../fixtures/public.py``. Passing these does not mean passing the hidden
suite, which also tries harder inputs. This suite never imports ``solutions/``, so it runs the
same in the student bundle."""

from pathlib import Path

import numpy as np
import pytest

from grader import checks
from grader.suite import Failure, L, PublicFn

EXPECTED = Path(__file__).resolve().parent / "expected.npz"


def torch_case():
    with np.load(EXPECTED) as data:
        return {k: data[k] for k in data.files}


def parts(got, n, fn, names):
    if not (isinstance(got, (tuple, list)) and len(got) == n):
        got_ = checks.received(got)
        raise Failure(L(f"{fn}: expected a tuple {names}, got {got_.en}", f"{fn}: ожидался кортеж {names}, получено: {got_.ru}"))
    return got


@pytest.mark.points(1)
def test_linear_forward_matches_pytorch(student):
    """linear_forward agrees with PyTorch on a worked example (x (5, 3), W (3, 4))
    ru: linear_forward совпадает с PyTorch на примере (x (5, 3), W (3, 4))"""
    case = torch_case()
    out, _ = parts(student.linear_forward(case["x"], case["W"], case["b"]), 2, "linear_forward", "(out, cache)")
    checks.close(
        out,
        case["linear_out"],
        like=case["x"],
        kind="linear",
        what=L("linear_forward differs from PyTorch", "linear_forward отличается от PyTorch"),
        hint=L("out = x @ W + b", "out = x @ W + b"),
    )


@pytest.mark.points(1)
def test_linear_backward_matches_pytorch(student):
    """linear_backward agrees with PyTorch's autograd on a worked example
    ru: linear_backward совпадает с autograd PyTorch на примере"""
    case = torch_case()
    _, cache = parts(student.linear_forward(case["x"], case["W"], case["b"]), 2, "linear_forward", "(out, cache)")
    got = parts(student.linear_backward(case["dout"], cache), 3, "linear_backward", "(dx, dW, db)")
    for name, value in zip(("dx", "dW", "db"), got):
        checks.close(
            value,
            case[name],
            like=case["x"],
            kind="linear",
            what=L(
                f"linear_backward: {name} differs from PyTorch's autograd",
                f"linear_backward: {name} отличается от autograd PyTorch",
            ),
        )


@pytest.mark.points(1)
def test_softmax_rows_sum_to_one(student, rng):
    """softmax gives positive rows that sum to 1
    ru: softmax даёт положительные строки с суммой 1"""
    z = rng.normal(size=(4, 3))
    p = checks.shape(student.softmax(z), (4, 3), what=L("softmax", "softmax"))
    checks.close(
        np.asarray(p, dtype=np.float64).sum(axis=1),
        np.ones(4),
        like=z,
        kind="linear",
        what=L("softmax: the rows do not sum to 1", "softmax: суммы строк не равны 1"),
        hint=L("divide by the sum over axis=1 with keepdims=True", "делите на сумму по axis=1 с keepdims=True"),
    )


@pytest.mark.points(1)
def test_softmax_matches_pytorch(student):
    """softmax agrees with torch.softmax, logits of +-1e4 included
    ru: softmax совпадает с torch.softmax, в том числе для логитов +-1e4"""
    case = torch_case()
    extreme = L(" for logits of +-1e4", " для логитов +-1e4")
    for key, want, where in (("logits", "softmax", L("", "")), ("big_logits", "big_softmax", extreme)):
        checks.close(
            student.softmax(case[key]),
            case[want],
            like=case[key],
            kind="linear",
            what=L("softmax differs from torch.softmax", "softmax отличается от torch.softmax") + where,
            hint=L("subtract each row's maximum before np.exp", "вычтите максимум каждой строки перед np.exp"),
        )


@pytest.mark.points(1)
def test_cross_entropy_matches_pytorch(student):
    """cross_entropy agrees with F.cross_entropy and its gradient, a gap of 1000 included
    ru: cross_entropy совпадает с F.cross_entropy и его градиентом, в том числе при разрыве 1000"""
    case = torch_case()
    for prefix, labels in (("", case["y"]), ("gap_", case["gap_y"])):
        loss, dlogits = parts(student.cross_entropy(case[prefix + "logits"], labels), 2, "cross_entropy", "(loss, dlogits)")
        where = L(" with a logit gap of 1000", " при разрыве логитов 1000") if prefix else L("", "")
        loss = checks.scalar(loss, what=L("cross_entropy: the loss", "cross_entropy: потери") + where)
        checks.close(
            loss,
            case[prefix + "loss"],
            like=case["logits"],
            kind="loss",
            what=L("cross_entropy: the loss differs from PyTorch's", "cross_entropy: потери отличаются от PyTorch") + where,
            hint=L(
                "mean over the batch of logsumexp(row) - logit of the true class",
                "среднее по батчу от logsumexp(строки) - логит верного класса",
            ),
        )
        checks.close(
            dlogits,
            case[prefix + "dlogits"],
            like=case["logits"],
            kind="linear",
            what=L(
                "cross_entropy: dlogits differs from PyTorch's autograd", "cross_entropy: dlogits отличается от autograd PyTorch"
            )
            + where,
            hint=L("dlogits = (softmax(logits) - onehot(y)) / N", "dlogits = (softmax(logits) - onehot(y)) / N"),
        )


@pytest.mark.points(1)
def test_numerical_gradient_of_sum_of_squares(student, rng):
    """numerical_gradient of sum(x**2) is 2x
    ru: numerical_gradient от sum(x**2) равен 2x"""
    x = rng.normal(size=(3, 4))
    got = student.numerical_gradient(PublicFn("sum_of_squares"), x)
    checks.close(
        got,
        2 * x,
        like=x,
        kind="gradcheck",
        what=L("numerical_gradient of sum(x**2)", "numerical_gradient от sum(x**2)"),
        hint=L(
            "(f(x + h e_i) - f(x - h e_i)) / (2 h) for every element i",
            "(f(x + h e_i) - f(x - h e_i)) / (2 h) для каждого элемента i",
        ),
    )


@pytest.mark.points(1)
def test_numerical_gradient_restores_x(student, rng):
    """numerical_gradient leaves x as it was
    ru: numerical_gradient оставляет x как был"""
    x = rng.normal(size=5)
    before = x.copy()
    student.numerical_gradient(PublicFn("sum_of_sines"), x)
    checks.unchanged(
        before,
        x,
        what=L("numerical_gradient changed x", "numerical_gradient изменила x"),
        hint=L(
            "put every perturbed element back, or work on a copy",
            "возвращайте каждый возмущённый элемент на место или работайте с копией",
        ),
    )


@pytest.mark.points(1)
def test_softmax_is_vectorized(student, rng):
    """softmax works on all rows at once, without a Python loop over the samples (a hint: the hidden tests time it)
    ru: softmax работает со всеми строками сразу, без цикла Python по примерам (подсказка: скрытые тесты измеряют время)"""
    z = rng.standard_normal((20_000, 10))
    what = L("softmax of 20000 rows", "softmax от 20000 строк")
    checks.loop_hint(student, "softmax", (z,), what=what, per=z, verify=lambda got: checks.shape(got, z.shape, what))
