# expect-only: lose linear_backward_repeatable
"""The cache is an object; linear_backward stores W transposed back into it (for dx), so a
second backward with the same cache uses W.T.T = W and fails."""

import numpy as np


class Cache:
    def __init__(self, x, W):
        self.x, self.W = x, W


def linear_forward(x, W, b):
    return x @ W + b, Cache(x, W)


def linear_backward(dout, cache):
    cache.W = cache.W.T  # keep W.T for dx
    return dout @ cache.W, cache.x.T @ dout, dout.sum(axis=0)


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
