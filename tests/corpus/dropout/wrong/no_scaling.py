# expect: lose dropout_kept_values_scaled dropout_backward_uses_forward_mask
"""Plain (not inverted) dropout: the kept units are not divided by 1 - p."""
import numpy as np


def dropout_forward(x, p, rng, train=True):
    if not 0 <= p <= 1:
        raise ValueError("p must be in [0, 1]")
    if not train:
        return x.copy(), None
    keep = rng.random(x.shape) >= p
    mask = keep.astype(float)
    return x * mask, mask


def dropout_backward(dout, cache):
    mask = cache
    if mask is None:
        return dout.copy()
    return dout * mask
