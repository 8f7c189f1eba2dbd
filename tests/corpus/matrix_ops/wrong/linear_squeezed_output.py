# expect-only: lose linear_edge_shapes
"""linear_forward squeezes its output and linear_backward its db ("drop the extra axes"): a
batch of one sample, or a layer with one output, comes back with an axis missing."""

import numpy as np


def linear_forward(x, W, b):
    return np.squeeze(x @ W + b), (x, W, b)


def linear_backward(dout, cache):
    x, W, b = cache
    dout = dout.reshape(x.shape[0], W.shape[1])
    return dout @ W.T, x.T @ dout, np.squeeze(dout.sum(axis=0, keepdims=True))


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
