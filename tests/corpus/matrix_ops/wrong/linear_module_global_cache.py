# expect-only: lose linear_two_layers_alternate
"""linear_forward keeps x and W in a module global "to save memory" and linear_backward reads
them from there, not from its cache: two layers used alternately get each other's gradients."""

import numpy as np


_LAST = {}


def linear_forward(x, W, b):
    _LAST["x"], _LAST["W"] = x, W
    return x @ W + b, None


def linear_backward(dout, cache):
    x, W = _LAST["x"], _LAST["W"]
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
    grad = np.zeros(point.shape)
    for ix in np.ndindex(point.shape):
        old = point[ix]
        point[ix] = old + h
        plus = f(point)
        point[ix] = old - h
        minus = f(point)
        point[ix] = old
        grad[ix] = (plus - minus) / (2 * h)
    return grad
