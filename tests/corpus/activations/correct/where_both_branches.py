# expect: full
"""np.where over two fully computed branches, overflow warnings silenced: exp overflows to inf
(and inf / inf to NaN) only in the branch np.where does not select, so the result is right.
The 0/1 derivative comes back as bool, which the contract allows."""

import numpy as np


def sigmoid(x):
    with np.errstate(over="ignore", invalid="ignore"):
        return np.where(x >= 0, 1 / (1 + np.exp(-x)), np.exp(x) / (1 + np.exp(x)))


def sigmoid_grad(x):
    s = sigmoid(x)
    return s * (1 - s)


def tanh(x):
    return np.tanh(x)


def tanh_grad(x):
    t = np.tanh(x)
    return 1 - t * t


def relu(x):
    return np.where(x > 0, x, 0.0)


def relu_grad(x):
    return x > 0


def leaky_relu(x, negative_slope=0.01):
    return np.where(x > 0, x, x * negative_slope)


def leaky_relu_grad(x, negative_slope=0.01):
    return np.where(x > 0, 1.0, negative_slope)


def elu(x, alpha=1.0):
    with np.errstate(over="ignore"):
        return np.where(x > 0, x, alpha * (np.exp(x) - 1))


def elu_grad(x, alpha=1.0):
    with np.errstate(over="ignore"):
        return np.where(x > 0, 1.0, alpha * np.exp(x))
