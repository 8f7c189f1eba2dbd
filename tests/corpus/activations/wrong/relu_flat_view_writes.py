# expect-only: lose noncontiguous_inputs.relu
"""relu zeroes the negatives of np.copy(x) through out.reshape(-1), assuming a view: np.copy
keeps a transposed x's Fortran order, reshape(-1) then returns a copy and the writes are lost."""

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
    out = np.copy(x)
    flat = out.reshape(-1)
    flat[flat < 0] = 0
    return out


def relu_grad(x):
    return (x > 0).astype(float)


def leaky_relu(x, negative_slope=0.01):
    return np.where(x > 0, x, negative_slope * x)


def leaky_relu_grad(x, negative_slope=0.01):
    return np.where(x > 0, 1.0, negative_slope)


def elu(x, alpha=1.0):
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0)))


def elu_grad(x, alpha=1.0):
    return np.where(x > 0, 1.0, alpha * np.exp(np.minimum(x, 0)))
