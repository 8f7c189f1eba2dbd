# expect-only: lose vectorized.sigmoid vectorized.sigmoid_grad
"""sigmoid alone (which sigmoid_grad calls) is a list comprehension over x.tolist() with
math.exp, branching on the sign for stability: the fastest kind of Python loop, still several
times slower than NumPy."""

import math

import numpy as np


def sigmoid(x):
    x = np.asarray(x)
    flat = [1 / (1 + math.exp(-v)) if v >= 0 else math.exp(v) / (1 + math.exp(v))
            for v in x.ravel().tolist()]
    return np.array(flat).reshape(x.shape)


def sigmoid_grad(x):
    s = sigmoid(x)
    return s * (1 - s)


def tanh(x):
    return np.tanh(x)


def tanh_grad(x):
    return 1 - np.tanh(x) ** 2


def relu(x):
    return np.maximum(0, x)


def relu_grad(x):
    return (x > 0).astype(float)


def leaky_relu(x, negative_slope=0.01):
    return np.where(x > 0, x, negative_slope * x)


def leaky_relu_grad(x, negative_slope=0.01):
    return np.where(x > 0, 1.0, negative_slope)


def elu(x, alpha=1.0):
    return np.where(x > 0, x, alpha * (np.exp(np.minimum(x, 0)) - 1))


def elu_grad(x, alpha=1.0):
    return np.where(x > 0, 1.0, alpha * np.exp(np.minimum(x, 0)))
