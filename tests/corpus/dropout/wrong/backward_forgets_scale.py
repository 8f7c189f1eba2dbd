# expect-only: lose dropout_backward_uses_forward_mask dropout_leaves_global_random_state dropout_backward_p_one dropout_backward_inputs_unchanged dropout_backward_repeatable dropout_two_layers_alternate dropout_noncontiguous_inputs dropout_any_shape
"""A boolean mask in the cache, and the 1 / (1 - p) forgotten in the backward pass."""
import numpy as np


def dropout_forward(x, p, rng, train=True):
    if not 0 <= p <= 1:
        raise ValueError("p must be in [0, 1]")
    if not train:
        return x.copy(), None
    keep = rng.random(x.shape) >= p
    scale = 1 / (1 - p) if p < 1 else 0.0
    return x * keep * scale, keep


def dropout_backward(dout, cache):
    mask = cache
    if mask is None:
        return dout.copy()
    return dout * mask
