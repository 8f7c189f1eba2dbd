# expect: full
# fit_sgd shuffles inline with rng.permutation (same draws as its minibatch_indices) on copies of X, y.
import numpy as np


def least_squares_loss_grad(w, X, y):
    r = X @ w - y
    return np.mean(r ** 2) / 2, X.T @ r / X.shape[0]


def gd_step(w, grad, lr):
    return w - lr * grad


def momentum_step(w, grad, velocity, lr, momentum=0.9, nesterov=False):
    v = momentum * velocity + grad
    if nesterov:
        return w - lr * grad - lr * momentum * v, v
    return w - lr * v, v


def minibatch_indices(n_samples, batch_size, rng, shuffle=True):
    idx = rng.permutation(n_samples) if shuffle else np.arange(n_samples)
    return [idx[i:i + batch_size] for i in range(0, n_samples, batch_size)]


def fit_gd(X, y, lr, n_steps, w0=None):
    w = np.zeros(X.shape[1]) if w0 is None else w0.copy()
    losses = []
    for _ in range(n_steps):
        loss, grad = least_squares_loss_grad(w, X, y)
        losses.append(loss)
        w = w - lr * grad
    return w, losses


def fit_sgd(X, y, lr, epochs, batch_size, rng, momentum=0.0, w0=None):
    n = X.shape[0]
    w = np.zeros(X.shape[1]) if w0 is None else w0.copy()
    v = np.zeros_like(w)
    losses = []
    for _ in range(epochs):
        perm = rng.permutation(n)
        Xs, ys = X[perm], y[perm]
        for start in range(0, n, batch_size):
            _, grad = least_squares_loss_grad(w, Xs[start:start + batch_size], ys[start:start + batch_size])
            v = momentum * v + grad
            w = w - lr * v
        losses.append(least_squares_loss_grad(w, X, y)[0])
    return w, losses
