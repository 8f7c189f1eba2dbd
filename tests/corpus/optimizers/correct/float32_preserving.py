# expect: full
# Keeps the inputs' dtype: float32 data gives float32 weights, gradients and losses.
import numpy as np


def least_squares_loss_grad(w, X, y):
    r = X @ w - y
    n = X.shape[0]
    loss = (r @ r) / X.dtype.type(2 * n)
    grad = (X.T @ r) / X.dtype.type(n)
    return loss, grad


def gd_step(w, grad, lr):
    return (w - lr * grad).astype(w.dtype, copy=False)


def momentum_step(w, grad, velocity, lr, momentum=0.9, nesterov=False):
    dtype = np.result_type(w, grad, velocity)
    v = (momentum * velocity + grad).astype(dtype, copy=False)
    step = grad + momentum * v if nesterov else v
    return (w - lr * step).astype(dtype, copy=False), v


def minibatch_indices(n_samples, batch_size, rng, shuffle=True):
    idx = rng.permutation(n_samples) if shuffle else np.arange(n_samples)
    return [idx[s:s + batch_size] for s in range(0, n_samples, batch_size)]


def _start(X, y, w0):
    dtype = np.result_type(X.dtype, y.dtype, np.float32)
    if w0 is None:
        return np.zeros(X.shape[1], dtype=dtype)
    return np.array(w0, dtype=np.result_type(dtype, np.asarray(w0).dtype))


def fit_gd(X, y, lr, n_steps, w0=None):
    w = _start(X, y, w0)
    losses = []
    for _ in range(n_steps):
        loss, grad = least_squares_loss_grad(w, X, y)
        losses.append(loss)
        w = gd_step(w, grad, lr)
    return w, np.array(losses, dtype=w.dtype)


def fit_sgd(X, y, lr, epochs, batch_size, rng, momentum=0.0, w0=None):
    w = _start(X, y, w0)
    v = np.zeros_like(w)
    losses = []
    for _ in range(epochs):
        for b in minibatch_indices(len(y), batch_size, rng):
            w, v = momentum_step(w, least_squares_loss_grad(w, X[b], y[b])[1], v, lr, momentum)
        losses.append(least_squares_loss_grad(w, X, y)[0])
    return w, np.array(losses, dtype=w.dtype)
