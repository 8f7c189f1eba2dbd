# expect: lose relu_values elu_default_alpha tanh_values
"""Casts every input to float32 (to save memory): a float64 input loses half its digits."""

import numpy as np


def sigmoid(x):
    x = np.asarray(x, dtype=np.float32)
    out = np.empty_like(x, dtype=float)
    pos = x >= 0
    out[pos] = 1 / (1 + np.exp(-x[pos]))
    ex = np.exp(x[~pos])
    out[~pos] = ex / (1 + ex)
    return out


def sigmoid_grad(x):
    x = np.asarray(x, dtype=np.float32)
    s = sigmoid(x)
    return s * (1 - s)


def tanh(x):
    x = np.asarray(x, dtype=np.float32)
    return np.tanh(x)


def tanh_grad(x):
    x = np.asarray(x, dtype=np.float32)
    return 1 - np.tanh(x) ** 2


def relu(x):
    x = np.asarray(x, dtype=np.float32)
    return np.maximum(0, x)


def relu_grad(x):
    x = np.asarray(x, dtype=np.float32)
    return (x > 0).astype(float)


def leaky_relu(x, negative_slope=0.01):
    x = np.asarray(x, dtype=np.float32)
    return np.where(x > 0, x, negative_slope * x)


def leaky_relu_grad(x, negative_slope=0.01):
    x = np.asarray(x, dtype=np.float32)
    return np.where(x > 0, 1.0, negative_slope)


def elu(x, alpha=1.0):
    x = np.asarray(x, dtype=np.float32)
    return np.where(x > 0, x, alpha * (np.exp(np.minimum(x, 0)) - 1))


def elu_grad(x, alpha=1.0):
    x = np.asarray(x, dtype=np.float32)
    return np.where(x > 0, 1.0, alpha * np.exp(np.minimum(x, 0)))
