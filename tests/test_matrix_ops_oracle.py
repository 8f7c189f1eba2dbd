"""The matrix_ops reference against PyTorch (CPU, float64): the dense layer and its autograd,
softmax, cross-entropy and its gradient, numerical_gradient against autograd; and the frozen
PyTorch fixtures the suites use at grading time against a fresh run of PyTorch."""

import importlib.util
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from grader.jail import callables
from solutions import matrix_ops as ref

ROOT = Path(__file__).resolve().parent.parent


def _generator():
    path = ROOT / "course" / "matrix_ops" / "fixtures" / "generate.py"
    spec = importlib.util.spec_from_file_location("matrix_ops_fixtures", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _t(a):
    return torch.tensor(a, dtype=torch.float64)


@pytest.mark.parametrize("n,d,m", [(4, 3, 5), (1, 7, 2), (10, 6, 6), (3, 1, 1)])
def test_linear_matches_torch_and_autograd(n, d, m):
    rng = np.random.default_rng(n + 10 * d + 100 * m)
    x, W, b = rng.standard_normal((n, d)), rng.standard_normal((d, m)), rng.standard_normal(m)
    dout = rng.standard_normal((n, m))
    out, cache = ref.linear_forward(x, W, b)
    dx, dW, db = ref.linear_backward(dout, cache)
    tx, tW, tb = (_t(a).requires_grad_(True) for a in (x, W, b))
    want = F.linear(tx, tW.T, tb)
    want.backward(_t(dout))
    np.testing.assert_allclose(out, want.detach().numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(dx, tx.grad.numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(dW, tW.grad.numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(db, tb.grad.numpy(), rtol=1e-12, atol=1e-12)
    assert (dx.shape, dW.shape, db.shape) == (x.shape, W.shape, b.shape)


def test_linear_accepts_non_contiguous_inputs():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((6, 8))[:, ::2]  # (6, 4), strided
    W = rng.standard_normal((3, 4)).T  # (4, 3), Fortran-ordered
    b = rng.standard_normal(6)[::2]
    dout = rng.standard_normal((3, 6)).T
    out, cache = ref.linear_forward(x, W, b)
    dx, dW, db = ref.linear_backward(dout, cache)
    tx, tW, tb = (_t(np.ascontiguousarray(a)).requires_grad_(True) for a in (x, W, b))
    F.linear(tx, tW.T, tb).backward(_t(np.ascontiguousarray(dout)))
    np.testing.assert_allclose(dx, tx.grad.numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(dW, tW.grad.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("scale", [1.0, 30.0, 1e4])
def test_softmax_matches_torch(scale):
    rng = np.random.default_rng(int(scale))
    z = rng.standard_normal((7, 5)) * scale
    z[0] = [1e4, -1e4, 1e4, 0.0, -3.0][: z.shape[1]] if scale == 1e4 else z[0]
    got = ref.softmax(z)
    want = torch.softmax(_t(z), dim=1).numpy()
    assert np.all(np.isfinite(got))
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(got.sum(axis=1), 1.0, rtol=1e-14)


def test_softmax_float32_extremes_stay_finite():
    z = np.array([[1e4, -1e4, 0.0], [-1e4, -1e4, -1e4 + 1.0]], dtype=np.float32)
    got = ref.softmax(z)
    want = torch.softmax(_t(z), dim=1).numpy()
    assert np.all(np.isfinite(got))
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("n,c,scale,gap", [(5, 4, 1.0, 0.0), (1, 3, 2.0, 0.0), (8, 10, 3.0, 1000.0), (6, 2, 1e4, 0.0)])
def test_cross_entropy_matches_torch_and_autograd(n, c, scale, gap):
    rng = np.random.default_rng(n * c)
    logits = rng.standard_normal((n, c)) * scale
    y = rng.integers(0, c, n)
    logits[np.arange(n), (y + 1) % c] += gap  # a WRONG class far ahead: loss about gap
    loss, dlogits = ref.cross_entropy(logits, y)
    tz = _t(logits).requires_grad_(True)
    tloss = F.cross_entropy(tz, torch.tensor(y))
    tloss.backward()
    assert isinstance(loss, float) and np.isfinite(loss)
    np.testing.assert_allclose(loss, tloss.item(), rtol=1e-12)
    np.testing.assert_allclose(dlogits, tz.grad.numpy(), rtol=1e-10, atol=1e-15)


def test_cross_entropy_does_not_touch_inputs():
    rng = np.random.default_rng(2)
    logits, y = rng.standard_normal((4, 3)), np.array([0, 2, 1, 2])
    kept = logits.copy(), y.copy()
    ref.cross_entropy(logits, y)
    assert np.array_equal(kept[0], logits) and np.array_equal(kept[1], y)


def _autograd(fn, x):
    t = _t(np.ascontiguousarray(x)).requires_grad_(True)
    fn(t).backward()
    return t.grad.numpy()


TORCH_TWINS = {
    "sum_of_squares": lambda t: (t**2).sum(),
    "sum_of_sines": lambda t: torch.sin(t).sum(),
    "sum_of_cubes": lambda t: (t**3).sum(),
}


@pytest.mark.parametrize("name", sorted(TORCH_TWINS))
@pytest.mark.parametrize("shape", [(5,), (3, 4), (2, 3, 2), ()])
def test_numerical_gradient_matches_autograd(name, shape):
    rng = np.random.default_rng(len(shape))
    x = rng.uniform(-2.0, 2.0, size=shape)
    kept = x.copy()
    got = ref.numerical_gradient(getattr(callables, name), x)
    np.testing.assert_allclose(got, _autograd(TORCH_TWINS[name], x), rtol=1e-6, atol=1e-8)
    assert got.shape == x.shape and np.array_equal(x, kept)


def test_numerical_gradient_of_a_network_loss_matches_autograd():
    """f(W) = cross_entropy(x @ W + b, y): a real gradient check, on a transposed W."""
    rng = np.random.default_rng(4)
    x, b, y = rng.standard_normal((5, 3)), rng.standard_normal(4), np.array([0, 3, 1, 1, 2])
    W = rng.standard_normal((4, 3)).T  # (3, 4), not C-contiguous
    kept = W.copy()

    def f(w):
        return ref.cross_entropy(ref.linear_forward(x, w, b)[0], y)[0]

    got = ref.numerical_gradient(f, W)
    want = _autograd(lambda t: F.cross_entropy(_t(x) @ t + _t(b), torch.tensor(y)), W)
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-9)
    assert np.array_equal(W, kept)
    # and the analytic gradient of the reference agrees with both
    _, dlogits = ref.cross_entropy(ref.linear_forward(x, W, b)[0], y)
    _, dW, _ = ref.linear_backward(dlogits, ref.linear_forward(x, W, b)[1])
    np.testing.assert_allclose(dW, want, rtol=1e-12, atol=1e-14)


def test_numerical_gradient_uses_h():
    """Central differences of sum(x**3) are off by exactly h**2 per element."""
    x = np.array([[0.5, -1.0], [2.0, 0.0]])
    got = ref.numerical_gradient(lambda v: float(np.sum(v**3)), x, h=1e-3)
    np.testing.assert_allclose(got, 3 * x**2 + 1e-6, rtol=1e-9, atol=1e-12)


def test_frozen_fixtures_match_a_fresh_torch_run():
    generator = _generator()
    stored, fresh = generator.load(), generator.build()
    assert sorted(stored) == sorted(fresh)
    for key in fresh:
        assert stored[key].dtype == fresh[key].dtype, key
        np.testing.assert_allclose(stored[key], fresh[key], rtol=1e-12, atol=1e-15, err_msg=key)


def test_reference_matches_frozen_fixtures():
    case = _generator().load()
    out, cache = ref.linear_forward(case["x"], case["W"], case["b"])
    np.testing.assert_allclose(out, case["linear_out"], rtol=1e-12, atol=1e-12)
    for got, key in zip(ref.linear_backward(case["dout"], cache), ("dx", "dW", "db")):
        np.testing.assert_allclose(got, case[key], rtol=1e-12, atol=1e-12, err_msg=key)
    np.testing.assert_allclose(ref.softmax(case["logits"]), case["softmax"], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(ref.softmax(case["big_logits"]), case["big_softmax"], rtol=1e-12, atol=1e-15)
    for prefix, labels in (("", case["y"]), ("gap_", case["gap_y"])):
        loss, dlogits = ref.cross_entropy(case[prefix + "logits"], labels)
        np.testing.assert_allclose(loss, case[prefix + "loss"], rtol=1e-12)
        np.testing.assert_allclose(dlogits, case[prefix + "dlogits"], rtol=1e-10, atol=1e-15)


def test_suite_callables_match_their_torch_twins():
    """The f's the hidden suite hands to numerical_gradient: values and autograd gradients."""
    rng = np.random.default_rng(6)
    x = rng.normal(size=(2, 3, 4))
    a = rng.normal(size=(24, 24))
    want = _autograd(lambda t: t.reshape(-1) @ _t(a) @ t.reshape(-1) / 2, x)
    np.testing.assert_allclose(callables.quadratic_form(a, x), float(x.reshape(-1) @ a @ x.reshape(-1) / 2))
    np.testing.assert_allclose(ref.numerical_gradient(lambda v: callables.quadratic_form(a, v), x), want, rtol=1e-6, atol=1e-8)

    data, b, y = rng.normal(size=(5, 4)), rng.normal(size=3), np.array([0, 2, 1, 1, 2])
    W = rng.normal(size=(4, 3))
    tW = _t(W).requires_grad_(True)
    loss = F.cross_entropy(_t(data) @ tW + _t(b), torch.tensor(y))
    loss.backward()
    assert abs(callables.linear_cross_entropy(data, b, y, W) - loss.item()) < 1e-12
    got = ref.numerical_gradient(lambda w: callables.linear_cross_entropy(data, b, y, w), W)
    np.testing.assert_allclose(got, tW.grad.numpy(), rtol=1e-6, atol=1e-9)
