# expect: lose numgrad_restores_x numgrad_3d
"""Perturbs x itself, element by element, and never puts the old value back."""
import numpy as np


def linear_forward(x, W, b):
    out = x @ W + b
    return out, (x, W)


def linear_backward(dout, cache):
    x, W = cache
    dx = dout @ W.T
    dW = x.T @ dout
    db = dout.sum(axis=0)
    return dx, dW, db


def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def cross_entropy(logits, y):
    n = logits.shape[0]
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_sum = np.log(np.exp(shifted).sum(axis=1))
    loss = np.mean(log_sum - shifted[np.arange(n), y])
    dlogits = np.exp(shifted - log_sum[:, None])
    dlogits[np.arange(n), y] -= 1
    dlogits = dlogits / n
    return float(loss), dlogits


def numerical_gradient(f, x, h=1e-5):
    grad = np.zeros(x.shape)
    for ix in np.ndindex(*x.shape):
        x[ix] += h
        f_plus = f(x)
        x[ix] -= 2 * h
        f_minus = f(x)
        grad[ix] = (f_plus - f_minus) / (2 * h)
    return grad
