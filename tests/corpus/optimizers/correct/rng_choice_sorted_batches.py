# expect: full
# rng.choice without replacement, and each batch sorted (the batch's samples, not their order, matter).
import numpy as np


def least_squares_loss_grad(w, X, y):
    r = X @ w - y
    return float(np.dot(r, r)) / (2 * X.shape[0]), X.T @ r / X.shape[0]


def gd_step(w, grad, lr):
    return w - lr * grad


def momentum_step(w, grad, velocity, lr, momentum=0.9, nesterov=False):
    v = momentum * velocity + grad
    return w - lr * (grad + momentum * v if nesterov else v), v


def minibatch_indices(n_samples, batch_size, rng, shuffle=True):
    order = rng.choice(n_samples, size=n_samples, replace=False) if shuffle else np.arange(n_samples)
    return [np.sort(order[i:i + batch_size]) for i in range(0, n_samples, batch_size)]


def fit_gd(X, y, lr, n_steps, w0=None):
    w = np.zeros(X.shape[1]) if w0 is None else np.array(w0, dtype=float)
    losses = []
    for _ in range(n_steps):
        loss, grad = least_squares_loss_grad(w, X, y)
        losses.append(loss)
        w = gd_step(w, grad, lr)
    return w, losses


def fit_sgd(X, y, lr, epochs, batch_size, rng, momentum=0.0, w0=None):
    w = np.zeros(X.shape[1]) if w0 is None else np.array(w0, dtype=float)
    v = np.zeros(X.shape[1])
    losses = []
    for _ in range(epochs):
        for b in minibatch_indices(X.shape[0], batch_size, rng):
            w, v = momentum_step(w, least_squares_loss_grad(w, X[b], y[b])[1], v, lr, momentum)
        losses.append(least_squares_loss_grad(w, X, y)[0])
    return w, losses
