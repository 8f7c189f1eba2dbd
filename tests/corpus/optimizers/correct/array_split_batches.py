# expect: full
# Batches from np.array_split at the multiples of batch_size; gradient as r @ X; losses as an array.
import numpy as np


def least_squares_loss_grad(w, X, y):
    n = len(y)
    r = X.dot(w) - y
    return float(r.dot(r) / (2 * n)), r @ X / n


def gd_step(w, grad, lr):
    return np.subtract(w, lr * grad)


def momentum_step(w, grad, velocity, lr, momentum=0.9, nesterov=False):
    velocity = momentum * velocity + grad
    step = grad + momentum * velocity if nesterov else velocity
    return w - lr * step, velocity


def minibatch_indices(n_samples, batch_size, rng, shuffle=True):
    order = rng.permutation(n_samples) if shuffle else np.arange(n_samples)
    return np.array_split(order, np.arange(batch_size, n_samples, batch_size))


def fit_gd(X, y, lr, n_steps, w0=None):
    w = np.zeros(X.shape[1]) if w0 is None else np.asarray(w0, dtype=float).copy()
    losses = np.empty(n_steps)
    for k in range(n_steps):
        losses[k], grad = least_squares_loss_grad(w, X, y)
        w = gd_step(w, grad, lr)
    return w, losses


def fit_sgd(X, y, lr, epochs, batch_size, rng, momentum=0.0, w0=None):
    w = np.zeros(X.shape[1]) if w0 is None else np.asarray(w0, dtype=float).copy()
    v = np.zeros_like(w)
    losses = np.empty(epochs)
    for e in range(epochs):
        for idx in minibatch_indices(len(X), batch_size, rng):
            w, v = momentum_step(w, least_squares_loss_grad(w, X[idx], y[idx])[1], v, lr, momentum)
        losses[e] = least_squares_loss_grad(w, X, y)[0]
    return w, losses
