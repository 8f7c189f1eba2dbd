# expect-only: lose ce_vectorized
"""CS231n's softmax_loss_naive: the loss and the gradient one sample at a time, in a Python loop."""
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
    loss = 0.0
    dlogits = np.zeros(logits.shape)
    for i in range(n):
        row = logits[i] - np.max(logits[i])
        log_sum = np.log(np.sum(np.exp(row)))
        p = np.exp(row - log_sum)
        loss += log_sum - row[y[i]]
        dlogits[i] = p
        dlogits[i, y[i]] -= 1
    return float(loss / n), dlogits / n


def numerical_gradient(f, x, h=1e-5):
    point = np.array(x, dtype=float, order="C")
    flat = point.reshape(-1)
    grad = np.zeros(flat.size)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + h
        f_plus = f(point)
        flat[i] = old - h
        f_minus = f(point)
        flat[i] = old
        grad[i] = (f_plus - f_minus) / (2 * h)
    return grad.reshape(point.shape)
