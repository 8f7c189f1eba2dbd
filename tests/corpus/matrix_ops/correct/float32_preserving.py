# expect: full
"""Keeps the input's dtype (float32 in, float32 out) in the layers, softmax and cross-entropy;
the numerical gradient runs in float64 whatever x is (float32 steps of 1e-5 would be noise)."""
import numpy as np


def linear_forward(x, W, b):
    dt = np.result_type(x, W, b)
    return (x @ W + b).astype(dt, copy=False), (x, W)


def linear_backward(dout, cache):
    x, W = cache
    dt = np.result_type(dout, x, W)
    dx = (dout @ W.T).astype(dt, copy=False)
    dW = (x.T @ dout).astype(dt, copy=False)
    db = dout.sum(axis=0, dtype=dt)
    return dx, dW, db


def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return (e / e.sum(axis=1, keepdims=True)).astype(z.dtype, copy=False)


def cross_entropy(logits, y):
    dt = logits.dtype
    n = logits.shape[0]
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_sum = np.log(np.exp(shifted).sum(axis=1, dtype=dt))
    loss = (log_sum - np.take_along_axis(shifted, y[:, None], axis=1)[:, 0]).mean(dtype=dt)
    dlogits = np.exp(shifted - log_sum[:, None])
    dlogits[np.arange(n), y] -= dt.type(1)
    return float(loss), (dlogits / dt.type(n)).astype(dt, copy=False)


def numerical_gradient(f, x, h=1e-5):
    point = np.array(x, dtype=np.float64, order="C")
    grad = np.zeros_like(point)
    flat_p, flat_g = point.ravel(), grad.ravel()  # views: both are C-ordered copies
    for i in range(flat_p.size):
        old = flat_p[i]
        flat_p[i] = old + h
        fp = f(point)
        flat_p[i] = old - h
        fm = f(point)
        flat_p[i] = old
        flat_g[i] = (fp - fm) / (2 * h)
    return grad
