# expect: full
"""Every function first makes a float64 copy with np.array(x, dtype=float) and then writes
into it through boolean masks: integer, float32 and strided inputs all become one kind."""

import numpy as np


def _f(x):
    return np.array(x, dtype=float)  # a new C-ordered float64 array, never x itself


def sigmoid(x):
    out = _f(x)
    pos = out >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-out[pos]))
    e = np.exp(out[~pos])
    out[~pos] = e / (1.0 + e)
    return out


def sigmoid_grad(x):
    s = sigmoid(x)
    s *= 1.0 - s
    return s


def tanh(x):
    out = _f(x)
    np.tanh(out, out=out)
    return out


def tanh_grad(x):
    out = tanh(x)
    out **= 2
    np.subtract(1.0, out, out=out)
    return out


def relu(x):
    out = _f(x)
    out[out < 0] = 0.0
    return out


def relu_grad(x):
    out = _f(x)
    pos = out > 0
    out.fill(0.0)
    out[pos] = 1.0
    return out


def leaky_relu(x, negative_slope=0.01):
    out = _f(x)
    out[out <= 0] *= negative_slope
    return out


def leaky_relu_grad(x, negative_slope=0.01):
    out = _f(x)
    pos = out > 0
    out.fill(negative_slope)
    out[pos] = 1.0
    return out


def elu(x, alpha=1.0):
    out = _f(x)
    neg = out <= 0
    out[neg] = alpha * np.expm1(out[neg])
    return out


def elu_grad(x, alpha=1.0):
    out = _f(x)
    neg = out <= 0
    out[neg] = alpha * np.exp(out[neg])
    out[~neg] = 1.0
    return out
