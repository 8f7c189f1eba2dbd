# expect: full
"""The layer's cache is an object of the student's class (it stays in the jail as a handle);
cross-entropy with np.take_along_axis; the numerical gradient perturbs x in place through
x.flat (which writes into x whatever its memory layout) and restores it (an integer x is
first copied to float)."""
import numpy as np


class LinearCache:
    def __init__(self, x, W):
        self.x = x
        self.W = W

    def __repr__(self):
        return f"LinearCache(x{self.x.shape}, W{self.W.shape})"


def linear_forward(x, W, b):
    return np.matmul(x, W) + b, LinearCache(x, W)


def linear_backward(dout, cache):
    return np.matmul(dout, cache.W.T), np.matmul(cache.x.T, dout), dout.sum(axis=0)


def softmax(z):
    exps = np.exp(z - np.max(z, axis=1, keepdims=True))
    return exps / np.sum(exps, axis=1, keepdims=True)


def cross_entropy(logits, y):
    n = logits.shape[0]
    z = logits - np.max(logits, axis=1, keepdims=True)
    lse = np.log(np.sum(np.exp(z), axis=1, keepdims=True))
    log_p = z - lse
    loss = -np.mean(np.take_along_axis(log_p, y.reshape(-1, 1), axis=1))
    grad = np.exp(log_p)
    np.put_along_axis(grad, y.reshape(-1, 1), np.take_along_axis(grad, y.reshape(-1, 1), axis=1) - 1, axis=1)
    return float(loss), grad / n


def numerical_gradient(f, x, h=1e-5):
    if not np.issubdtype(x.dtype, np.floating):
        x = x.astype(np.float64)  # x.flat[i] = old + h would truncate in an integer x
    grad = np.zeros(x.shape)
    for i in range(x.size):
        old = x.flat[i]
        x.flat[i] = old + h
        plus = f(x)
        x.flat[i] = old - h
        minus = f(x)
        x.flat[i] = old
        grad.flat[i] = (plus - minus) / (2 * h)
    return grad
