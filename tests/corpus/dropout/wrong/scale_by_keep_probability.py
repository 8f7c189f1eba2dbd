# expect-only: lose dropout_kept_values_scaled dropout_float32 dropout_backward_uses_forward_mask dropout_vectorized
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
