# expect: full
"""log-sum-exp and clipping tricks: sigmoid(x) = exp(-log(1 + e^-x)) with np.logaddexp (no
overflow), tanh as 2 sigmoid(2x) - 1, ELU as PyTorch's documented max(0, x) + min(0, alpha (e^x
- 1)) with the exponent clipped, leaky ReLU from two clips, relu_grad from the sign."""

import numpy as np


def sigmoid(x):
    return np.exp(-np.logaddexp(0.0, -x))


def sigmoid_grad(x):
    # log s + log(1 - s) = -log(1 + e^-x) - log(1 + e^x)
    return np.exp(-np.logaddexp(0.0, -x) - np.logaddexp(0.0, x))


def tanh(x):
    return 2 * sigmoid(2 * x) - 1


def tanh_grad(x):
    s = sigmoid(2 * x)
    return 4 * s * (1 - s)


def relu(x):
    return np.clip(x, 0, None)


def relu_grad(x):
    return np.clip(np.sign(x), 0, 1)


def leaky_relu(x, negative_slope=0.01):
    return np.clip(x, 0, None) + negative_slope * np.clip(x, None, 0)


def leaky_relu_grad(x, negative_slope=0.01):
    return np.where(np.sign(x) > 0, 1.0, negative_slope)


def elu(x, alpha=1.0):
    return np.maximum(0, x) + np.minimum(0, alpha * (np.exp(np.clip(x, None, 50)) - 1))


def elu_grad(x, alpha=1.0):
    return np.where(x > 0, 1.0, alpha * np.exp(np.clip(x, None, 0)))
