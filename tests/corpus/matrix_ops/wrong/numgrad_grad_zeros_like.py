# expect-only: lose numgrad_integer_x
"""Perturbs a float copy of x, but collects the partials in np.zeros_like(x): for an integer x
the gradient array is an integer one and every partial is truncated."""

import numpy as np


def linear_forward(x, W, b):
    return x @ W + b, (x, W, b)


def linear_backward(dout, cache):
    x, W, b = cache
    return dout @ W.T, x.T @ dout, dout.sum(axis=0)


def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def cross_entropy(logits, y):
    n = logits.shape[0]
    z = logits - logits.max(axis=1, keepdims=True)
    log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    loss = -log_p[np.arange(n), y].mean()
    dlogits = np.exp(log_p)
    dlogits[np.arange(n), y] -= 1
    return float(loss), dlogits / n


def numerical_gradient(f, x, h=1e-5):
    point = np.array(x, dtype=float)
    grad = np.zeros_like(x)
    for ix in np.ndindex(point.shape):
        old = point[ix]
        point[ix] = old + h
        plus = f(point)
        point[ix] = old - h
        minus = f(point)
        point[ix] = old
        grad[ix] = (plus - minus) / (2 * h)
    return grad
