# expect: full
# Shuffles with rng.permuted (same stream as rng.permutation); CS231n-flavoured Nesterov rearranged.
import numpy as np


def least_squares_loss_grad(w, X, y):
    residual = np.matmul(X, w) - y
    loss = 0.5 * np.mean(np.square(residual))
    grad = np.mean(X * residual[:, None], axis=0)
    return loss, grad


def gd_step(w, grad, lr):
    new_w = w.copy()
    new_w -= lr * grad
    return new_w


def momentum_step(w, grad, velocity, lr, momentum=0.9, nesterov=False):
    new_v = momentum * velocity + grad
    if nesterov:
        # grad + momentum * new_v, expanded
        return w - lr * ((1 + momentum) * grad + momentum * momentum * velocity), new_v
    return w - lr * new_v, new_v


def minibatch_indices(n_samples, batch_size, rng, shuffle=True):
    order = np.arange(n_samples)
    if shuffle:
        order = rng.permuted(order)
    return [order[i:i + batch_size] for i in range(0, n_samples, batch_size)]


def fit_gd(X, y, lr, n_steps, w0=None):
    w = np.zeros(X.shape[1]) if w0 is None else np.array(w0, dtype=np.float64)
    history = []
    for _ in range(n_steps):
        loss, grad = least_squares_loss_grad(w, X, y)
        history.append(float(loss))
        w = gd_step(w, grad, lr)
    return w, np.array(history)


def fit_sgd(X, y, lr, epochs, batch_size, rng, momentum=0.0, w0=None):
    w = np.zeros(X.shape[1]) if w0 is None else np.array(w0, dtype=np.float64)
    velocity = np.zeros(X.shape[1])
    history = []
    for _ in range(epochs):
        for batch in minibatch_indices(X.shape[0], batch_size, rng):
            _, g = least_squares_loss_grad(w, X[batch], y[batch])
            w, velocity = momentum_step(w, g, velocity, lr, momentum=momentum, nesterov=False)
        history.append(least_squares_loss_grad(w, X, y)[0])
    return w, history
