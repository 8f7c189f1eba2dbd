# expect: full
"""Boolean masks written into a copy of x (never into x itself), expm1 for ELU, and the
sigmoid's two stable forms on the two halves of the input."""

import numpy as np


def sigmoid(x):
    x = np.array(x, dtype=float)  # a copy: the masks below write into it
    pos = x >= 0
    neg = ~pos
    x[pos] = 1.0 / (1.0 + np.exp(-x[pos]))
    e = np.exp(x[neg])
    x[neg] = e / (1.0 + e)
    return x


def sigmoid_grad(x):
    s = sigmoid(x)
    return s - s ** 2


def tanh(x):
    return np.tanh(x)


def tanh_grad(x):
    return 1.0 - np.tanh(x) ** 2


def relu(x):
    out = x.copy()
    out[out < 0] = 0
    return out


def relu_grad(x):
    out = np.zeros_like(x, dtype=float)
    out[x > 0] = 1.0
    return out


def leaky_relu(x, negative_slope=0.01):
    out = np.array(x, dtype=float)  # a float copy: an integer one could not take the slope
    out[x <= 0] *= negative_slope
    return out


def leaky_relu_grad(x, negative_slope=0.01):
    out = np.full(np.shape(x), float(negative_slope))
    out[x > 0] = 1.0
    return out


def elu(x, alpha=1.0):
    out = np.array(x, dtype=float)
    neg = out <= 0
    out[neg] = alpha * np.expm1(out[neg])
    return out


def elu_grad(x, alpha=1.0):
    out = np.ones(np.shape(x))
    neg = x <= 0
    out[neg] = alpha * np.exp(np.asarray(x)[neg])
    return out
