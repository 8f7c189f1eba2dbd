# expect-only: lose dropout_forward_inputs_unchanged
"""The mask applied to x in place."""
import numpy as np


def dropout_forward(x, p, rng, train=True):
    if not 0 <= p <= 1:
        raise ValueError("p must be in [0, 1]")
    if not train:
        return x.copy(), None
    keep = rng.random(x.shape) >= p
    mask = keep / (1 - p) if p < 1 else np.zeros(x.shape)
    x *= mask
    return x, mask


def dropout_backward(dout, cache):
    mask = cache
    if mask is None:
        return dout.copy()
    return dout * mask
