# expect: full
"""np.piecewise for every function: each branch is evaluated only on its own elements, so
nothing overflows; among the slowest vectorized styles (each branch pays for boolean indexing)."""

import numpy as np


def sigmoid(x):
    x = np.asarray(x, dtype=float)
    return np.piecewise(
        x,
        [x >= 0, x < 0],
        [lambda v: 1 / (1 + np.exp(-v)), lambda v: np.exp(v) / (1 + np.exp(v))],
    )


def sigmoid_grad(x):
    s = sigmoid(x)
    return s * (1 - s)


def tanh(x):
    x = np.asarray(x, dtype=float)
    return np.piecewise(
        x,
        [x >= 0, x < 0],
        [lambda v: (1 - np.exp(-2 * v)) / (1 + np.exp(-2 * v)),
         lambda v: (np.exp(2 * v) - 1) / (np.exp(2 * v) + 1)],
    )


def tanh_grad(x):
    return 1 - tanh(x) ** 2


def relu(x):
    x = np.asarray(x, dtype=float)
    return np.piecewise(x, [x > 0], [lambda v: v, 0.0])


def relu_grad(x):
    x = np.asarray(x, dtype=float)
    return np.piecewise(x, [x > 0], [1.0, 0.0])


def leaky_relu(x, negative_slope=0.01):
    x = np.asarray(x, dtype=float)
    return np.piecewise(x, [x > 0, x <= 0], [lambda v: v, lambda v: negative_slope * v])


def leaky_relu_grad(x, negative_slope=0.01):
    x = np.asarray(x, dtype=float)
    return np.piecewise(x, [x > 0, x <= 0], [1.0, negative_slope])


def elu(x, alpha=1.0):
    x = np.asarray(x, dtype=float)
    return np.piecewise(x, [x > 0, x <= 0], [lambda v: v, lambda v: alpha * np.expm1(v)])


def elu_grad(x, alpha=1.0):
    x = np.asarray(x, dtype=float)
    return np.piecewise(x, [x > 0, x <= 0], [1.0, lambda v: alpha * np.exp(v)])
