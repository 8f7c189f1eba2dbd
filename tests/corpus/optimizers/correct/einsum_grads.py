# expect: full
# Loss and gradient with np.einsum; fit_sgd indexes with boolean-free fancy indexing via np.take.
import numpy as np


def least_squares_loss_grad(w, X, y):
    n = X.shape[0]
    r = np.einsum("nd,d->n", X, w) - y
    loss = np.einsum("n,n->", r, r) / (2.0 * n)
    grad = np.einsum("nd,n->d", X, r) / n
    return loss, grad


def gd_step(w, grad, lr):
    return w + (-lr) * grad


def momentum_step(w, grad, velocity, lr, momentum=0.9, nesterov=False):
    v = np.add(np.multiply(momentum, velocity), grad)
    look = np.add(grad, np.multiply(momentum, v)) if nesterov else v
    return np.subtract(w, np.multiply(lr, look)), v


def minibatch_indices(n_samples, batch_size, rng, shuffle=True):
    perm = rng.permutation(n_samples) if shuffle else np.arange(n_samples)
    n_batches = -(-n_samples // batch_size)
    return [perm[b * batch_size:(b + 1) * batch_size] for b in range(n_batches)]


def fit_gd(X, y, lr, n_steps, w0=None):
    w = np.zeros(X.shape[1]) if w0 is None else w0 + 0.0
    losses = []
    for _ in range(n_steps):
        loss, grad = least_squares_loss_grad(w, X, y)
        losses.append(loss)
        w = gd_step(w, grad, lr)
    return w, losses


def fit_sgd(X, y, lr, epochs, batch_size, rng, momentum=0.0, w0=None):
    w = np.zeros(X.shape[1]) if w0 is None else w0 + 0.0
    v = np.zeros(X.shape[1])
    losses = []
    for _ in range(epochs):
        for idx in minibatch_indices(X.shape[0], batch_size, rng):
            Xb, yb = np.take(X, idx, axis=0), np.take(y, idx)
            w, v = momentum_step(w, least_squares_loss_grad(w, Xb, yb)[1], v, lr, momentum)
        losses.append(least_squares_loss_grad(w, X, y)[0])
    return w, losses
