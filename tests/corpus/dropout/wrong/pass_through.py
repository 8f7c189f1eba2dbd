# expect: lose dropout_kept_values_scaled dropout_backward_uses_forward_mask dropout_forward_inputs_unchanged dropout_backward_inputs_unchanged dropout_backward_repeatable dropout_leaves_global_random_state dropout_noncontiguous_inputs dropout_two_layers_alternate dropout_any_shape
"""Evaluation mode and the check of p are done; training mode drops nothing (x comes back as
a copy) and backward hands dout back. Copies modify nothing, draw nothing and repeat: none of
that may earn a point while nothing is dropped."""
import numpy as np


def dropout_forward(x, p, rng, train=True):
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"p must be in [0, 1], got {p}")
    return np.array(x, copy=True), None  # TODO: the mask


def dropout_backward(dout, cache):
    return np.array(dout, copy=True)  # TODO
