# expect: lose dropout_p_one_zeros dropout_backward_p_one
"""No special case for p = 1: the mask is divided by 1 - p = 0, and 0 / 0 is NaN."""
import numpy as np


def dropout_forward(x, p, rng, train=True):
    if not 0 <= p <= 1:
        raise ValueError("p must be in [0, 1]")
    if not train:
        return x.copy(), None
    keep = rng.random(x.shape) >= p
    mask = keep / (1 - p)
    return x * mask, mask


def dropout_backward(dout, cache):
    mask = cache
    if mask is None:
        return dout.copy()
    return dout * mask
