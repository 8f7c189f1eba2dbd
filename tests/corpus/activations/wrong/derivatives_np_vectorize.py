# expect-only: lose vectorized.*_grad
"""The derivatives wrap scalar Python functions in np.vectorize, which the NumPy docs say is
"essentially a for loop": right values, loop speed."""

import math

import numpy as np


def sigmoid(x):
    z = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + z), z / (1 + z))


def _sigmoid_grad(v):
    z = math.exp(-abs(v))
    return z / (1 + z) ** 2


def sigmoid_grad(x):
    return np.vectorize(_sigmoid_grad, otypes=[float])(x)


def tanh(x):
    return np.tanh(x)


def tanh_grad(x):
    return np.vectorize(lambda v: 1 - math.tanh(v) ** 2, otypes=[float])(x)


def relu(x):
    return np.maximum(0, x)


def relu_grad(x):
    return np.vectorize(lambda v: 1.0 if v > 0 else 0.0, otypes=[float])(x)


def leaky_relu(x, negative_slope=0.01):
    return np.where(x > 0, x, negative_slope * x)


def leaky_relu_grad(x, negative_slope=0.01):
    return np.vectorize(lambda v: 1.0 if v > 0 else negative_slope, otypes=[float])(x)


def elu(x, alpha=1.0):
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0)))


def elu_grad(x, alpha=1.0):
    return np.vectorize(lambda v: 1.0 if v > 0 else alpha * math.exp(v), otypes=[float])(x)
