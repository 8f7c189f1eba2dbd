# expect: lose loss_value grad_value loss_grad_inputs_unchanged fit_gd_final_weights fit_gd_inputs_unchanged fit_gd_repeatable fit_gd_losses_length
"""Everything is written except the loss and its gradient, which are zeros of the right
types: the fits then never move, yet return the right number of losses, leave their inputs
alone and repeat. Without a gradient none of that may earn a point."""
import numpy as np


def least_squares_loss_grad(w, X, y):
    return 0.0, np.zeros(X.shape[1])  # TODO


def gd_step(w, grad, lr):
    return w - lr * grad


def momentum_step(w, grad, velocity, lr, momentum=0.9, nesterov=False):
    new_velocity = momentum * velocity + grad
    step = grad + momentum * new_velocity if nesterov else new_velocity
    return w - lr * step, new_velocity


def minibatch_indices(n_samples, batch_size, rng, shuffle=True):
    order = rng.permutation(n_samples) if shuffle else np.arange(n_samples)
    return [order[start : start + batch_size] for start in range(0, n_samples, batch_size)]


def fit_gd(X, y, lr, n_steps, w0=None):
    w = np.zeros(X.shape[1]) if w0 is None else np.array(w0, dtype=float)
    losses = []
    for _ in range(n_steps):
        loss, grad = least_squares_loss_grad(w, X, y)
        losses.append(loss)
        w = gd_step(w, grad, lr)
    return w, np.array(losses)


def fit_sgd(X, y, lr, epochs, batch_size, rng, momentum=0.0, w0=None):
    w = np.zeros(X.shape[1]) if w0 is None else np.array(w0, dtype=float)
    velocity = np.zeros_like(w)
    losses = []
    for _ in range(epochs):
        for batch in minibatch_indices(X.shape[0], batch_size, rng):
            _, grad = least_squares_loss_grad(w, X[batch], y[batch])
            w, velocity = momentum_step(w, grad, velocity, lr, momentum)
        losses.append(least_squares_loss_grad(w, X, y)[0])
    return w, np.array(losses)
