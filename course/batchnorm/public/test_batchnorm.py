"""Public suite: batchnorm. The checks students run themselves (``dlgrade check``): small,
friendly inputs, and one worked example whose expected values were computed by PyTorch
(``torch.nn.functional.batch_norm`` and its autograd). Passing these does not mean passing the
hidden suite, which also tries harder inputs.

Every expected value is frozen in ``expected.npz`` by ``../fixtures/public.py``: this suite
never imports ``solutions/``, so it runs the same in the student bundle."""

from pathlib import Path

import numpy as np
import pytest

from grader import checks
from grader.suite import Failure, L

EXPECTED = Path(__file__).resolve().parent / "expected.npz"


def expected():
    with np.load(EXPECTED) as data:
        return {key: data[key] for key in data.files}


def torch_case():
    """The worked example PyTorch computed, under its own names (x, out, dx, ...)."""
    return {key.removeprefix("torch_"): value for key, value in expected().items() if key.startswith("torch_")}


def parts(got, n, fn, names):
    if not (isinstance(got, (tuple, list)) and len(got) == n):
        got_ = checks.received(got)
        raise Failure(L(f"{fn}: expected a tuple {names}, got {got_.en}", f"{fn}: ожидался кортеж {names}, получено: {got_.ru}"))
    return got


@pytest.mark.points(1)
def test_forward_normalizes_each_feature(student):
    """With gamma = 1 and beta = 0, every output column has mean 0 and variance 1
    ru: при gamma = 1 и beta = 0 у каждого столбца выхода среднее 0 и дисперсия 1"""
    case = expected()
    x = case["plain_x"]
    out, _ = parts(student.batchnorm_forward(x.copy(), np.ones(3), np.zeros(3)), 2, "batchnorm_forward", "(out, cache)")
    checks.close(
        out,
        case["plain_out"],
        like=x,
        kind="batchnorm",
        what=L("batchnorm_forward with gamma = 1, beta = 0", "batchnorm_forward при gamma = 1, beta = 0"),
        hint=L(
            "normalize each column: (x - x.mean(axis=0)) / np.sqrt(x.var(axis=0) + eps)",
            "нормализуйте каждый столбец: (x - x.mean(axis=0)) / np.sqrt(x.var(axis=0) + eps)",
        ),
    )


@pytest.mark.points(1)
def test_forward_matches_pytorch(student):
    """batchnorm_forward agrees with PyTorch's F.batch_norm(training=True) on a worked example
    ru: batchnorm_forward совпадает с F.batch_norm(training=True) из PyTorch на примере"""
    case = torch_case()
    out, _ = parts(student.batchnorm_forward(case["x"], case["gamma"], case["beta"]), 2, "batchnorm_forward", "(out, cache)")
    checks.close(
        out,
        case["out"],
        like=case["x"],
        kind="batchnorm",
        what=L(
            "batchnorm_forward differs from PyTorch (N = 6, a negative gamma, a feature of std 0.01)",
            "batchnorm_forward отличается от PyTorch (N = 6, отрицательная gamma, признак со стандартным отклонением 0.01)",
        ),
        hint=L(
            "biased variance (divide by N) and eps inside the square root", "смещённая дисперсия (деление на N) и eps под корнем"
        ),
    )


@pytest.mark.points(1)
def test_backward_matches_pytorch(student):
    """batchnorm_backward agrees with PyTorch's autograd on a worked example
    ru: batchnorm_backward совпадает с autograd PyTorch на примере"""
    case = torch_case()
    _, cache = parts(student.batchnorm_forward(case["x"], case["gamma"], case["beta"]), 2, "batchnorm_forward", "(out, cache)")
    got = parts(student.batchnorm_backward(case["dout"], cache), 3, "batchnorm_backward", "(dx, dgamma, dbeta)")
    for name, value in zip(("dx", "dgamma", "dbeta"), got):
        checks.close(
            value,
            case[name],
            like=case["x"],
            kind="batchnorm",
            what=L(
                f"batchnorm_backward: {name} differs from PyTorch's autograd",
                f"batchnorm_backward: {name} отличается от autograd PyTorch",
            ),
        )


@pytest.mark.points(1)
def test_backward_dbeta_is_column_sum(student):
    """dbeta is the column sum of dout
    ru: dbeta — сумма dout по столбцам"""
    case = expected()
    x, dout = case["plain_x"], case["plain_dout"]
    _, cache = parts(student.batchnorm_forward(x.copy(), np.ones(3), np.zeros(3)), 2, "batchnorm_forward", "(out, cache)")
    _, _, dbeta = parts(student.batchnorm_backward(dout, cache), 3, "batchnorm_backward", "(dx, dgamma, dbeta)")
    checks.close(
        dbeta,
        dout.sum(axis=0),
        like=x,
        kind="batchnorm",
        what=L("batchnorm_backward: dbeta", "batchnorm_backward: dbeta"),
        hint=L("dbeta = dout.sum(axis=0)", "dbeta = dout.sum(axis=0)"),
    )


@pytest.mark.points(1)
def test_inference_matches_pytorch(student):
    """batchnorm_inference agrees with PyTorch's F.batch_norm(training=False)
    ru: batchnorm_inference совпадает с F.batch_norm(training=False) из PyTorch"""
    case = torch_case()
    got = student.batchnorm_inference(case["x"], case["gamma"], case["beta"], case["running_mean"], case["running_var"])
    checks.close(
        got,
        case["out_eval"],
        like=case["x"],
        kind="batchnorm",
        what=L("batchnorm_inference differs from PyTorch", "batchnorm_inference отличается от PyTorch"),
        hint=L(
            "use running_mean and running_var, not the batch's statistics",
            "используйте running_mean и running_var, а не статистики батча",
        ),
    )


@pytest.mark.points(1)
def test_running_stats_match_pytorch(student):
    """update_running_stats agrees with PyTorch for momentum 0.1 and 0.7
    ru: update_running_stats совпадает с PyTorch при momentum 0.1 и 0.7"""
    case = torch_case()
    for momentum, tag in ((0.1, "m01"), (0.7, "m07")):
        got = parts(
            student.update_running_stats(case["running_mean"], case["running_var"], case["x"], momentum=momentum),
            2,
            "update_running_stats",
            "(new_mean, new_var)",
        )
        for name, value, key in (("mean", got[0], "mean_"), ("variance", got[1], "var_")):
            checks.close(
                value,
                case[key + tag],
                like=case["x"],
                kind="batchnorm",
                what=L(
                    f"update_running_stats: the {name} differs from PyTorch's with momentum = {momentum}",
                    f"update_running_stats: {'среднее' if name == 'mean' else 'дисперсия'} "
                    f"отличается от PyTorch при momentum = {momentum}",
                ),
                hint=L(
                    "new = (1 - momentum) * old + momentum * batch, with the unbiased batch variance (ddof=1)",
                    "new = (1 - momentum) * old + momentum * batch, с несмещённой дисперсией батча (ddof=1)",
                ),
            )


@pytest.mark.points(1)
def test_forward_is_vectorized(student, rng):
    """batchnorm_forward works on the whole batch, without a Python loop over the samples (a hint: the hidden tests time it)
    ru: batchnorm_forward работает со всем батчем, без цикла Python по примерам (подсказка: скрытые тесты измеряют время)"""
    x = rng.standard_normal((20_000, 4))
    what = L("batchnorm_forward on a batch of 20000 samples", "batchnorm_forward на батче из 20000 примеров")
    checks.loop_hint(
        student, "batchnorm_forward", (x, np.ones(4), np.zeros(4)), what=what, per=x,
        verify=lambda got: checks.shape(parts(got, 2, "batchnorm_forward", "(out, cache)")[0], x.shape, what),
    )  # fmt: skip
