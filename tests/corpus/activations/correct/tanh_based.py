# expect: full
"""Everything from np.tanh: sigmoid(x) = (1 + tanh(x/2)) / 2, which never overflows, and
sigmoid'(x) = (1 - tanh(x/2)**2) / 4; tanh' as sech^2 = 1 / cosh^2. Loses relative precision
for very negative x (1 + tanh(-20) rounds to 0), which the atol allows."""

import numpy as np


def sigmoid(x):
    return 0.5 * (1 + np.tanh(0.5 * x))


def sigmoid_grad(x):
    return 0.25 * (1 - np.tanh(0.5 * x) ** 2)


def tanh(x):
    return np.tanh(x)


def tanh_grad(x):
    with np.errstate(over="ignore"):
        return 1 / np.cosh(x) ** 2  # sech^2; cosh overflows to inf for |x| > 710, and 1/inf = 0


def relu(x):
    return x * (x > 0)


def relu_grad(x):
    return np.heaviside(x, 0.0)


def leaky_relu(x, negative_slope=0.01):
    return x * np.where(x > 0, 1.0, negative_slope)


def leaky_relu_grad(x, negative_slope=0.01):
    return negative_slope + (1 - negative_slope) * (x > 0)


def elu(x, alpha=1.0):
    neg = np.minimum(x, 0)
    return np.maximum(x, 0) + alpha * (np.exp(neg) - 1)


def elu_grad(x, alpha=1.0):
    return np.where(x > 0, 1, alpha * np.exp(np.minimum(x, 0)))
