# expect: lose relu_grad_values relu_grad_at_zero input_not_modified.relu_grad input_not_modified.tanh input_not_modified.sigmoid_grad
"""Most functions are done; three are placeholders of the right shape: relu_grad returns
zeros (right at x = 0, wrong elsewhere), tanh returns its input, sigmoid_grad the constant
0.25 (its value at 0). None of them modifies its input, and none may earn a point for it."""
import numpy as np


def sigmoid(x):
    x = np.asarray(x, dtype=np.result_type(x, np.float32))
    return np.exp(-np.logaddexp(0, -x))


def sigmoid_grad(x):
    return np.full(np.shape(x), 0.25)  # TODO


def tanh(x):
    return x  # TODO


def tanh_grad(x):
    return 1.0 - np.tanh(x) ** 2


def relu(x):
    return np.maximum(x, 0)


def relu_grad(x):
    return np.zeros_like(x, dtype=float)  # TODO


def leaky_relu(x, negative_slope=0.01):
    return np.where(x > 0, x, negative_slope * x)


def leaky_relu_grad(x, negative_slope=0.01):
    return np.where(x > 0, 1.0, negative_slope)


def elu(x, alpha=1.0):
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0)))


def elu_grad(x, alpha=1.0):
    return np.where(x > 0, 1.0, alpha * np.exp(np.minimum(x, 0)))
