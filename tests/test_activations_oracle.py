"""The activations reference against PyTorch (CPU): values, autograd derivatives (exactly at
x = 0 too), non-default alpha/slope, extremes, float32 and float64; plus the reference's own
promises (no warnings at the extremes, inputs not modified, any shape)."""

import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from solutions import activations as ref

# name -> (reference forward, reference derivative, torch forward, parameter name or None)
PAIRS = {
    "sigmoid": (ref.sigmoid, ref.sigmoid_grad, torch.sigmoid, None),
    "tanh": (ref.tanh, ref.tanh_grad, torch.tanh, None),
    "relu": (ref.relu, ref.relu_grad, F.relu, None),
    "leaky_relu": (ref.leaky_relu, ref.leaky_relu_grad, F.leaky_relu, "negative_slope"),
    "elu": (ref.elu, ref.elu_grad, F.elu, "alpha"),
}
# parameter values: the default (None), and the ones the hidden suite uses
PARAMS = {None: [None], "negative_slope": [None, 0.2, 2.0], "alpha": [None, 0.7, 2.0]}
CASES = [(name, value) for name, (_, _, _, param) in PAIRS.items() for value in PARAMS[param]]
# testing-numerics.md §6.1; torch computes float32 in float32, the reference may too
TOL = {np.float64: dict(rtol=1e-12, atol=1e-15), np.float32: dict(rtol=1e-5, atol=1e-6)}


def _kw(name, value):
    param = PAIRS[name][3]
    return {} if value is None else {param: value}


def _torch(name, x, value):
    """Torch's forward value and autograd derivative at x (summing makes dout = 1)."""
    t = torch.tensor(x, requires_grad=True)
    y = PAIRS[name][2](t, **_kw(name, value))
    y.sum().backward()
    return y.detach().numpy(), t.grad.numpy()


def _inputs(dtype):
    rng = np.random.default_rng(1234)
    x = rng.uniform(-6, 6, size=(37, 11))
    x[0, :4] = [0.0, -0.0, 1e-12, -1e-12]  # the kink itself and its neighbourhood
    big = 1e3 if dtype == np.float64 else 1e2  # the suite's extremes
    x[1, :6] = [big, -big, 30.0, -30.0, 40.0, -40.0]  # saturation (sigmoid_grad cancels at 30)
    return x.astype(dtype)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name,value", CASES)
def test_forward_matches_torch(name, value, dtype):
    x = _inputs(dtype)
    want, _ = _torch(name, x, value)
    got = PAIRS[name][0](x, **_kw(name, value))
    assert got.shape == x.shape
    assert got.dtype in (np.float32, np.float64)
    np.testing.assert_allclose(got, want, **TOL[dtype])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name,value", CASES)
def test_derivative_matches_torch_autograd(name, value, dtype):
    x = _inputs(dtype)
    _, want = _torch(name, x, value)
    got = PAIRS[name][1](x, **_kw(name, value))
    assert got.shape == x.shape
    # torch's sigmoid/tanh backward is s(1-s) / 1-y², whose cancellation the reference avoids:
    # 9.348e-14 vs the exact 9.358e-14 at x = 30 (testing-numerics.md §2.1)
    np.testing.assert_allclose(got, want, rtol=TOL[dtype]["rtol"], atol=max(TOL[dtype]["atol"], 1e-15))


@pytest.mark.parametrize("name,value", CASES)
def test_derivative_at_exactly_zero_is_autograds(name, value):
    """relu 0, leaky_relu the slope, elu alpha, sigmoid 0.25, tanh 1: bit for bit."""
    for zero in (0.0, -0.0):
        x = np.full((3,), zero)
        _, want = _torch(name, x, value)
        got = PAIRS[name][1](x, **_kw(name, value))
        assert np.array_equal(got, want), (name, value, zero, got, want)
    expected = {"sigmoid": 0.25, "tanh": 1.0, "relu": 0.0, "leaky_relu": value or 0.01, "elu": value or 1.0}[name]
    assert PAIRS[name][1](np.zeros(1), **_kw(name, value))[0] == expected


@pytest.mark.parametrize("name,value", CASES)
def test_derivative_matches_central_differences(name, value):
    """A second opinion independent of torch, away from the kink (|x| > 1e-3)."""
    rng = np.random.default_rng(7)
    x = rng.uniform(-5, 5, size=200)
    x = x[np.abs(x) > 1e-3]
    h = 1e-6
    f = PAIRS[name][0]
    numeric = (f(x + h, **_kw(name, value)) - f(x - h, **_kw(name, value))) / (2 * h)
    np.testing.assert_allclose(PAIRS[name][1](x, **_kw(name, value)), numeric, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("fn", ref.__all__)
def test_finite_and_silent_at_extremes(fn, dtype):
    """The contract: sigmoid finite at -1000, ELU finite for large positive x; the reference
    also never warns (no exp of a large positive number anywhere)."""
    big = np.finfo(dtype).max / 4
    x = np.array([-big, -1e3, -100.0, -88.8, 88.8, 100.0, 1e3, big], dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = getattr(ref, fn)(x)
    assert np.all(np.isfinite(out))


def test_extreme_values_are_right():
    x = np.array([-1e3, 1e3])
    assert ref.sigmoid(x).tolist() == [0.0, 1.0]
    assert ref.tanh(x).tolist() == [-1.0, 1.0]
    assert ref.elu(x).tolist() == [-1.0, 1e3]
    assert ref.elu(x, alpha=2.0).tolist() == [-2.0, 1e3]
    assert ref.elu_grad(x).tolist() == [0.0, 1.0]
    assert ref.sigmoid_grad(x).tolist() == [0.0, 0.0]


@pytest.mark.parametrize("shape", [(), (5,), (2, 3, 4), (0, 3)])
@pytest.mark.parametrize("fn", ref.__all__)
def test_any_shape_and_inputs_not_modified(fn, shape):
    x = np.random.default_rng(3).standard_normal(shape)
    before = x.copy()
    out = np.asarray(getattr(ref, fn)(x))
    assert out.shape == shape
    assert np.array_equal(x, before)


@pytest.mark.parametrize("fn", ref.__all__)
def test_non_contiguous_input(fn):
    x = np.random.default_rng(4).standard_normal((6, 8))
    view = x.T[:, ::2]
    np.testing.assert_array_equal(getattr(ref, fn)(view), getattr(ref, fn)(view.copy()))
