# expect: full
"""Layers with np.einsum and a dict cache; cross-entropy with an np.eye one-hot matrix."""
import numpy as np


def linear_forward(x, W, b):
    out = np.einsum("nd,dm->nm", x, W) + b[None, :]
    return out, {"x": x, "W": W, "b": b}


def linear_backward(dout, cache):
    dx = np.einsum("nm,dm->nd", dout, cache["W"])
    dW = np.einsum("nd,nm->dm", cache["x"], dout)
    db = np.einsum("nm->m", dout)
    return dx, dW, db


def softmax(z):
    shifted = z - np.amax(z, axis=-1)[:, None]
    e = np.exp(shifted)
    return e / np.einsum("nc->n", e)[:, None]


def cross_entropy(logits, y):
    n, c = logits.shape
    p = softmax(logits)
    onehot = np.eye(c)[y]
    shifted = logits - logits.max(axis=1, keepdims=True)
    lse = np.log(np.exp(shifted).sum(axis=1))
    loss = np.einsum("nc,nc->", onehot, lse[:, None] - shifted) / n
    return float(loss), (p - onehot) / n


def numerical_gradient(f, x, h=1e-5):
    base = np.array(x, dtype=float, copy=True)
    grad = np.empty(base.shape)
    for index in np.ndindex(*base.shape):
        saved = base[index]
        base[index] = saved + h
        up = f(base)
        base[index] = saved - h
        down = f(base)
        base[index] = saved
        grad[index] = (up - down) / (2.0 * h)
    return grad
