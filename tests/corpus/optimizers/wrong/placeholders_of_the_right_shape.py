# expect: lose gd_step_value gd_step_inputs_unchanged momentum_weights_update momentum_inputs_unchanged minibatch_exact_cover minibatch_sizes_with_remainder minibatch_sizes_divisible minibatch_batch_larger_than_n minibatch_same_rng_state_same_batches minibatch_leaves_global_random_state fit_gd_final_weights fit_gd_losses_length fit_gd_inputs_unchanged fit_gd_repeatable fit_sgd_losses_after_each_epoch fit_sgd_inputs_unchanged fit_sgd_leaves_global_random_state fit_sgd_repeatable fit_sgd_reshuffles_every_epoch
"""Only the loss and its gradient are done. The steps hand the weights back unchanged
(copies), minibatch_indices returns batches of the right sizes filled with index 0, and the
two fits return zeros and a list of zero losses of the right length. Copies leave the inputs
alone, constants repeat and draw nothing: none of it may earn a point."""
import numpy as np


def least_squares_loss_grad(w, X, y):
    r = X @ w - y
    return float(r @ r) / (2 * len(y)), X.T @ r / len(y)


def gd_step(w, grad, lr):
    return np.array(w, dtype=float)  # TODO


def momentum_step(w, grad, velocity, lr, momentum=0.9, nesterov=False):
    return np.array(w, dtype=float), np.array(velocity, dtype=float)  # TODO


def minibatch_indices(n_samples, batch_size, rng, shuffle=True):
    sizes = [min(batch_size, n_samples - start) for start in range(0, n_samples, batch_size)]
    return [np.zeros(size, dtype=int) for size in sizes]  # TODO: which samples


def fit_gd(X, y, lr, n_steps, w0=None):
    return np.zeros(X.shape[1]), np.zeros(n_steps)  # TODO


def fit_sgd(X, y, lr, epochs, batch_size, rng, momentum=0.0, w0=None):
    return np.zeros(X.shape[1]), np.zeros(epochs)  # TODO
