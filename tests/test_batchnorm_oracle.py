"""The batchnorm reference against PyTorch (CPU, float64), and the frozen PyTorch fixtures the
suites use at grading time against a fresh run of PyTorch."""

import importlib.util
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from solutions import batchnorm as ref

ROOT = Path(__file__).resolve().parent.parent


def _generator():
    path = ROOT / "course" / "batchnorm" / "fixtures" / "generate.py"
    spec = importlib.util.spec_from_file_location("batchnorm_fixtures", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _t(a):
    return torch.tensor(a, dtype=torch.float64)


def _batch(rng, n, d, low_var_column=True):
    """CS231n's x = 5 randn + 12, with a column of std 0.01 (eps and the ddof show there)."""
    x = 5.0 * rng.standard_normal((n, d)) + 12.0
    if low_var_column:
        x[:, 1] = -2.0 + 0.01 * rng.standard_normal(n)
    return x


def _params(rng, d):
    gamma = rng.uniform(0.5, 2.0, d)
    gamma[0] = -gamma[0]  # a negative scale is legal
    return gamma, rng.standard_normal(d)


CASES = [(4, 5, 1e-5), (2, 3, 1e-5), (16, 7, 1e-5), (9, 6, 0.1), (64, 33, 1e-3)]


@pytest.mark.parametrize("n,d,eps", CASES)
def test_forward_matches_torch_training(n, d, eps):
    rng = np.random.default_rng(n * 100 + d)
    x = _batch(rng, n, d)
    gamma, beta = _params(rng, d)
    out, _ = ref.batchnorm_forward(x, gamma, beta, eps=eps)
    want = F.batch_norm(_t(x), None, None, _t(gamma), _t(beta), training=True, eps=eps)
    np.testing.assert_allclose(out, want.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("n,d,eps", CASES)
def test_backward_matches_torch_autograd(n, d, eps):
    rng = np.random.default_rng(n * 100 + d + 1)
    x = _batch(rng, n, d)
    gamma, beta = _params(rng, d)
    dout = rng.standard_normal((n, d))
    _, cache = ref.batchnorm_forward(x, gamma, beta, eps=eps)
    dx, dgamma, dbeta = ref.batchnorm_backward(dout, cache)

    tx, tg, tb = (_t(a).requires_grad_(True) for a in (x, gamma, beta))
    F.batch_norm(tx, None, None, tg, tb, training=True, eps=eps).backward(_t(dout))
    scale = max(1.0, np.abs(tx.grad.numpy()).max())
    np.testing.assert_allclose(dx, tx.grad.numpy(), rtol=1e-9, atol=1e-11 * scale)
    np.testing.assert_allclose(dgamma, tg.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(dbeta, tb.grad.numpy(), rtol=1e-12, atol=1e-12)


def test_backward_of_ones_gives_zero_dx():
    """Shifting every output of a column by the same amount cannot change the loss."""
    rng = np.random.default_rng(3)
    x = _batch(rng, 8, 5)
    gamma, beta = _params(rng, 5)
    _, cache = ref.batchnorm_forward(x, gamma, beta)
    dx, dgamma, dbeta = ref.batchnorm_backward(np.ones((8, 5)), cache)
    tx, tg, tb = (_t(a).requires_grad_(True) for a in (x, gamma, beta))
    F.batch_norm(tx, None, None, tg, tb, training=True).backward(torch.ones(8, 5, dtype=torch.float64))
    assert np.abs(dx).max() < 1e-10 and np.abs(tx.grad.numpy()).max() < 1e-10
    np.testing.assert_allclose(dbeta, np.full(5, 8.0))
    np.testing.assert_allclose(dgamma, tg.grad.numpy(), atol=1e-12)


@pytest.mark.parametrize("eps", [1e-5, 0.1])
def test_inference_matches_torch_eval(eps):
    rng = np.random.default_rng(11)
    x = _batch(rng, 7, 4)
    gamma, beta = _params(rng, 4)
    running_mean, running_var = rng.standard_normal(4), rng.uniform(1e-4, 3.0, 4)
    out = ref.batchnorm_inference(x, gamma, beta, running_mean, running_var, eps=eps)
    want = F.batch_norm(_t(x), _t(running_mean), _t(running_var), _t(gamma), _t(beta), training=False, eps=eps)
    np.testing.assert_allclose(out, want.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("momentum", [0.1, 0.7, 0.5, 1.0, 0.0])
@pytest.mark.parametrize("n", [2, 5, 16])
def test_running_stats_match_torch(momentum, n):
    rng = np.random.default_rng(int(momentum * 10) + n)
    x = _batch(rng, n, 6)
    running_mean, running_var = rng.standard_normal(6), rng.uniform(0.5, 2.0, 6)
    before = (running_mean.copy(), running_var.copy(), x.copy())
    new_mean, new_var = ref.update_running_stats(running_mean, running_var, x, momentum=momentum)
    rm, rv = _t(running_mean), _t(running_var)
    F.batch_norm(_t(x), rm, rv, None, None, training=True, momentum=momentum)  # updates rm, rv
    np.testing.assert_allclose(new_mean, rm.numpy(), rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(new_var, rv.numpy(), rtol=1e-13, atol=1e-13)
    for kept, now in zip(before, (running_mean, running_var, x)):
        assert np.array_equal(kept, now)


def test_running_stats_default_momentum_is_torchs():
    rng = np.random.default_rng(5)
    x = _batch(rng, 4, 3)
    mean, var = ref.update_running_stats(np.zeros(3), np.ones(3), x)
    bn = torch.nn.BatchNorm1d(3, affine=False, dtype=torch.float64)
    bn.train()(_t(x))
    np.testing.assert_allclose(mean, bn.running_mean.numpy(), rtol=1e-13)
    np.testing.assert_allclose(var, bn.running_var.numpy(), rtol=1e-13)


def test_float32_stays_close_to_torch_float64():
    rng = np.random.default_rng(8)
    x = _batch(rng, 12, 9, low_var_column=False).astype(np.float32)
    gamma, beta = (a.astype(np.float32) for a in _params(rng, 9))
    dout = rng.standard_normal((12, 9)).astype(np.float32)
    out, cache = ref.batchnorm_forward(x, gamma, beta)
    dx, dgamma, dbeta = ref.batchnorm_backward(dout, cache)
    tx, tg, tb = (_t(a).requires_grad_(True) for a in (x, gamma, beta))
    want = F.batch_norm(tx, None, None, tg, tb, training=True)
    want.backward(_t(dout))
    np.testing.assert_allclose(out, want.detach().numpy(), rtol=1e-3, atol=1e-4)
    np.testing.assert_allclose(dx, tx.grad.numpy(), rtol=1e-3, atol=1e-4 * np.abs(tx.grad.numpy()).max())
    np.testing.assert_allclose(dgamma, tg.grad.numpy(), rtol=1e-3, atol=1e-4)
    np.testing.assert_allclose(dbeta, tb.grad.numpy(), rtol=1e-3, atol=1e-4)


def test_reference_is_pure_and_repeatable():
    rng = np.random.default_rng(9)
    x = _batch(rng, 6, 4)
    gamma, beta = _params(rng, 4)
    dout = rng.standard_normal((6, 4))
    kept = [a.copy() for a in (x, gamma, beta, dout)]
    _, cache = ref.batchnorm_forward(x, gamma, beta)
    first = ref.batchnorm_backward(dout, cache)
    second = ref.batchnorm_backward(dout, cache)
    for a, b in zip(first, second):
        assert np.array_equal(a, b)
    for a, b in zip(kept, (x, gamma, beta, dout)):
        assert np.array_equal(a, b)


def test_frozen_fixtures_match_a_fresh_torch_run():
    generator = _generator()
    stored, fresh = generator.load(), generator.build()
    assert sorted(stored) == sorted(fresh)
    for key in fresh:
        np.testing.assert_allclose(stored[key], fresh[key], rtol=1e-12, atol=1e-12, err_msg=key)


def test_reference_matches_frozen_fixtures():
    case = _generator().load()
    out, cache = ref.batchnorm_forward(case["x"], case["gamma"], case["beta"])
    np.testing.assert_allclose(out, case["out"], rtol=1e-10, atol=1e-12)
    for got, key in zip(ref.batchnorm_backward(case["dout"], cache), ("dx", "dgamma", "dbeta")):
        np.testing.assert_allclose(got, case[key], rtol=1e-9, atol=1e-10, err_msg=key)
    out01, _ = ref.batchnorm_forward(case["x"], case["gamma"], case["beta"], eps=0.1)
    np.testing.assert_allclose(out01, case["out_eps01"], rtol=1e-10, atol=1e-12)
    stats = (case["running_mean"], case["running_var"])
    for eps, key in ((1e-5, "out_eval"), (0.1, "out_eval_eps01")):
        got = ref.batchnorm_inference(case["x"], case["gamma"], case["beta"], *stats, eps=eps)
        np.testing.assert_allclose(got, case[key], rtol=1e-12, atol=1e-12)
    for momentum, tag in ((0.1, "m01"), (0.7, "m07")):
        mean, var = ref.update_running_stats(*stats, case["x"], momentum=momentum)
        np.testing.assert_allclose(mean, case[f"mean_{tag}"], rtol=1e-13)
        np.testing.assert_allclose(var, case[f"var_{tag}"], rtol=1e-13)
