# expect-only: lose momentum_nesterov_velocity momentum_keyword_edges
# With nesterov the returned velocity is the look-ahead step instead of the velocity.
import numpy as np


def least_squares_loss_grad(w, X, y):
    r = X @ w - y
    loss = np.mean(r ** 2) / 2
    grad = X.T @ r / X.shape[0]
    return loss, grad


def gd_step(w, grad, lr):
    return w - lr * grad


def momentum_step(w, grad, velocity, lr, momentum=0.9, nesterov=False):
    v = momentum * velocity + grad
    if nesterov:
        v = grad + momentum * v
        new_w = w - lr * v
    else:
        new_w = w - lr * v
    return new_w, v


def minibatch_indices(n_samples, batch_size, rng, shuffle=True):
    if shuffle:
        idx = rng.permutation(n_samples)
    else:
        idx = np.arange(n_samples)
    batches = []
    for start in range(0, n_samples, batch_size):
        batches.append(idx[start:start + batch_size])
    return batches


def fit_gd(X, y, lr, n_steps, w0=None):
    if w0 is None:
        w = np.zeros(X.shape[1])
    else:
        w = w0.copy()
    losses = []
    for step in range(n_steps):
        loss, grad = least_squares_loss_grad(w, X, y)
        losses.append(loss)
        w = gd_step(w, grad, lr)
    return w, losses


def fit_sgd(X, y, lr, epochs, batch_size, rng, momentum=0.0, w0=None):
    if w0 is None:
        w = np.zeros(X.shape[1])
    else:
        w = w0.copy()
    velocity = np.zeros_like(w)
    losses = []
    for epoch in range(epochs):
        for batch in minibatch_indices(X.shape[0], batch_size, rng):
            _, grad = least_squares_loss_grad(w, X[batch], y[batch])
            w, velocity = momentum_step(w, grad, velocity, lr, momentum)
        loss, _ = least_squares_loss_grad(w, X, y)
        losses.append(loss)
    return w, losses
