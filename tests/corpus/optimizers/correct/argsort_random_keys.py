# expect: full
# Shuffles by sorting random keys (draws from rng differently from rng.permutation).
import numpy as np


def least_squares_loss_grad(w, X, y):
    r = X @ w - y
    return np.mean(r * r) / 2, X.T @ r / len(r)


def gd_step(w, grad, lr):
    return w - lr * grad


def momentum_step(w, grad, velocity, lr, momentum=0.9, nesterov=False):
    v = momentum * velocity + grad
    return (w - lr * (grad + momentum * v) if nesterov else w - lr * v), v


def minibatch_indices(n_samples, batch_size, rng, shuffle=True):
    order = np.argsort(rng.random(n_samples)) if shuffle else np.arange(n_samples)
    return [order[i:i + batch_size] for i in range(0, n_samples, batch_size)]


def fit_gd(X, y, lr, n_steps, w0=None):
    w = np.zeros(X.shape[1]) if w0 is None else w0.astype(float)
    losses = []
    for _ in range(n_steps):
        loss, g = least_squares_loss_grad(w, X, y)
        losses.append(loss)
        w = gd_step(w, g, lr)
    return w, losses


def fit_sgd(X, y, lr, epochs, batch_size, rng, momentum=0.0, w0=None):
    w = np.zeros(X.shape[1]) if w0 is None else w0.astype(float)
    v = np.zeros_like(w)
    losses = []
    for _ in range(epochs):
        for b in minibatch_indices(X.shape[0], batch_size, rng):
            w, v = momentum_step(w, least_squares_loss_grad(w, X[b], y[b])[1], v, lr, momentum)
        losses.append(least_squares_loss_grad(w, X, y)[0])
    return w, losses
