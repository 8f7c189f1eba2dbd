# expect: lose dropout_kept_values_scaled dropout_drop_fraction
"""CS231n's convention: p taken as the probability to KEEP a unit."""
import numpy as np


def dropout_forward(x, p, rng, train=True):
    if not 0 <= p <= 1:
        raise ValueError("p must be in [0, 1]")
    if not train:
        return x.copy(), None
    keep = rng.random(x.shape) < p
    mask = keep / p if p > 0 else np.zeros(x.shape)
    return x * mask, mask


def dropout_backward(dout, cache):
    mask = cache
    if mask is None:
        return dout.copy()
    return dout * mask
