# expect-only: lose noncontiguous_inputs.elu
"""elu writes its result through out.ravel() of np.zeros_like(x), which keeps x's memory
layout: for a transposed x, ravel() is a copy, and the result stays all zeros."""

import numpy as np


def sigmoid(x):
    z = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + z), z / (1 + z))


def sigmoid_grad(x):
    s = sigmoid(x)
    return s * (1 - s)


def tanh(x):
    return np.tanh(x)


def tanh_grad(x):
    return 1 - np.tanh(x) ** 2


def relu(x):
    return np.maximum(x, 0)


def relu_grad(x):
    return (x > 0).astype(float)


def leaky_relu(x, negative_slope=0.01):
    return np.where(x > 0, x, negative_slope * x)


def leaky_relu_grad(x, negative_slope=0.01):
    return np.where(x > 0, 1.0, negative_slope)


def elu(x, alpha=1.0):
    out = np.zeros_like(x, dtype=float)
    flat, xs = out.ravel(), np.ravel(x)
    flat[:] = np.where(xs > 0, xs, alpha * np.expm1(np.minimum(xs, 0)))
    return out


def elu_grad(x, alpha=1.0):
    return np.where(x > 0, 1.0, alpha * np.exp(np.minimum(x, 0)))
