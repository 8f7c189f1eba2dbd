# expect: full
# Explicit while loops over steps, epochs and batches; losses returned as a tuple.
import numpy as np


def least_squares_loss_grad(w, X, y):
    n_samples = X.shape[0]
    errors = X @ w - y
    loss = np.sum(errors ** 2) / n_samples / 2
    grad = X.T.dot(errors) / n_samples
    return loss, grad


def gd_step(w, grad, lr):
    return w - grad * lr


def momentum_step(w, grad, velocity, lr, momentum=0.9, nesterov=False):
    new_velocity = velocity * momentum + grad
    if not nesterov:
        return w - new_velocity * lr, new_velocity
    return w - (grad + new_velocity * momentum) * lr, new_velocity


def minibatch_indices(n_samples, batch_size, rng, shuffle=True):
    order = np.arange(n_samples)
    if shuffle:
        order = rng.permutation(order)
    batches = []
    start = 0
    while start < n_samples:
        stop = min(start + batch_size, n_samples)
        batches.append(order[start:stop])
        start = stop
    return batches


def fit_gd(X, y, lr, n_steps, w0=None):
    w = np.zeros(X.shape[1]) if w0 is None else np.copy(w0)
    losses = []
    step = 0
    while step < n_steps:
        loss, grad = least_squares_loss_grad(w, X, y)
        losses.append(loss)
        w = gd_step(w, grad, lr)
        step += 1
    return w, tuple(losses)


def fit_sgd(X, y, lr, epochs, batch_size, rng, momentum=0.0, w0=None):
    w = np.zeros(X.shape[1]) if w0 is None else np.copy(w0)
    velocity = np.zeros_like(w)
    losses = []
    epoch = 0
    while epoch < epochs:
        batches = minibatch_indices(X.shape[0], batch_size, rng)
        i = 0
        while i < len(batches):
            b = batches[i]
            _, grad = least_squares_loss_grad(w, X[b], y[b])
            w, velocity = momentum_step(w, grad, velocity, lr, momentum)
            i += 1
        losses.append(least_squares_loss_grad(w, X, y)[0])
        epoch += 1
    return w, tuple(losses)
