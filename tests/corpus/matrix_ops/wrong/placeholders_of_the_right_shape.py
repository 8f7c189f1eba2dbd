# expect: lose linear_backward_dx linear_inputs_unchanged softmax_values softmax_inputs_unchanged ce_loss_value ce_inputs_unchanged numgrad_matrix numgrad_restores_x
"""The dense layer's forward pass is done; the rest are placeholders of the right shape:
linear_backward returns zeros, softmax the uniform distribution (rows sum to 1), cross_entropy
a zero loss and gradient, numerical_gradient zeros. None modifies its inputs, and x is left
as it was: none of it may earn a point."""
import numpy as np


def linear_forward(x, W, b):
    return x @ W + b, (x, W)


def linear_backward(dout, cache):
    x, W = cache
    return np.zeros(x.shape), np.zeros(W.shape), np.zeros(W.shape[1])  # TODO


def softmax(z):
    return np.full(np.shape(z), 1.0 / np.shape(z)[1])  # TODO


def cross_entropy(logits, y):
    return 0.0, np.zeros(np.shape(logits))  # TODO


def numerical_gradient(f, x, h=1e-5):
    return np.zeros(np.shape(x))  # TODO
