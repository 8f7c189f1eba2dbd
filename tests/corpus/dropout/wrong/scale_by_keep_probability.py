# expect-only: lose dropout_kept_values_scaled dropout_float32 dropout_backward_uses_forward_mask dropout_vectorized dropout_leaves_global_random_state dropout_p_one_zeros dropout_forward_inputs_unchanged dropout_backward_p_one dropout_backward_inputs_unchanged dropout_backward_repeatable dropout_two_layers_alternate dropout_noncontiguous_inputs dropout_any_shape
"""The kept units multiplied by 1 - p instead of divided by it."""
import numpy as np


def dropout_forward(x, p, rng, train=True):
    if not 0 <= p <= 1:
        raise ValueError("p must be in [0, 1]")
    if not train:
        return x.copy(), None
    keep = rng.random(x.shape) >= p
    mask = keep * (1 - p)
    return x * mask, mask


def dropout_backward(dout, cache):
    mask = cache
    if mask is None:
        return dout.copy()
    return dout * mask
