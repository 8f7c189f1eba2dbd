# expect: full
"""Keeps the input's precision: every constant is made in x's floating dtype (float32 for a
float32 x, float64 for float64 and integer ones), so float32 in gives float32 out (the contract
allows either); relu_grad returns int8 0/1 values."""

import numpy as np


def _c(value, x):
    # np.result_type: an integer x must not make the constants integers (0.01 would become 0)
    return np.asarray(value, dtype=np.result_type(x.dtype, np.float32))


def sigmoid(x):
    one = _c(1, x)
    z = np.exp(-np.abs(x))
    return np.where(x >= 0, one / (one + z), z / (one + z))


def sigmoid_grad(x):
    one = _c(1, x)
    z = np.exp(-np.abs(x))
    return z / (one + z) ** 2


def tanh(x):
    return np.tanh(x)


def tanh_grad(x):
    return _c(1, x) - np.square(np.tanh(x))


def relu(x):
    return np.maximum(x, _c(0, x))


def relu_grad(x):
    return (x > 0).astype(np.int8)


def leaky_relu(x, negative_slope=0.01):
    return np.where(x > 0, x, _c(negative_slope, x) * x)


def leaky_relu_grad(x, negative_slope=0.01):
    return np.where(x > 0, _c(1, x), _c(negative_slope, x))


def elu(x, alpha=1.0):
    return np.where(x > 0, x, _c(alpha, x) * np.expm1(np.minimum(x, _c(0, x))))


def elu_grad(x, alpha=1.0):
    return np.where(x > 0, _c(1, x), _c(alpha, x) * np.exp(np.minimum(x, _c(0, x))))
