# expect-only: lose numgrad_non_contiguous numgrad_integer_x
"""Perturbs x through x.reshape(-1), which is a copy for a transposed x: the gradient is 0."""
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
    flat = x.reshape(-1)  # a view only when x is C-contiguous: for x.T it is a copy
    grad = np.zeros(flat.size)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + h
        f_plus = f(x)
        flat[i] = old - h
        f_minus = f(x)
        flat[i] = old
        grad[i] = (f_plus - f_minus) / (2 * h)
    return grad.reshape(x.shape)
