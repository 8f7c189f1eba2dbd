# expect-only: lose vectorized.*
"""Every function is a Python loop over the elements (np.ndindex, so any shape works): right
values everywhere, but hundreds of times slower than NumPy on a large array."""

import math

import numpy as np


def _map(fn, x):
    out = np.empty(np.shape(x))
    for idx in np.ndindex(out.shape):
        out[idx] = fn(float(x[idx]))
    return out


def _sigmoid(v):
    if v >= 0:
        return 1 / (1 + math.exp(-v))
    e = math.exp(v)
    return e / (1 + e)


def sigmoid(x):
    return _map(_sigmoid, x)


def sigmoid_grad(x):
    return _map(lambda v: _sigmoid(v) * (1 - _sigmoid(v)), x)


def tanh(x):
    return _map(math.tanh, x)


def tanh_grad(x):
    return _map(lambda v: 1 - math.tanh(v) ** 2, x)


def relu(x):
    return _map(lambda v: v if v > 0 else 0.0, x)


def relu_grad(x):
    return _map(lambda v: 1.0 if v > 0 else 0.0, x)


def leaky_relu(x, negative_slope=0.01):
    return _map(lambda v: v if v > 0 else negative_slope * v, x)


def leaky_relu_grad(x, negative_slope=0.01):
    return _map(lambda v: 1.0 if v > 0 else negative_slope, x)


def elu(x, alpha=1.0):
    return _map(lambda v: v if v > 0 else alpha * math.expm1(v), x)


def elu_grad(x, alpha=1.0):
    return _map(lambda v: 1.0 if v > 0 else alpha * math.exp(v), x)
