# expect: lose dropout_mask_independent
"""One mask row drawn and broadcast over the batch: every sample loses the same units."""
import numpy as np


def dropout_forward(x, p, rng, train=True):
    if not 0 <= p <= 1:
        raise ValueError("p must be in [0, 1]")
    if not train:
        return x.copy(), None
    keep = rng.random(x.shape[-1]) >= p
    keep = np.broadcast_to(keep, x.shape)
    mask = keep / (1 - p) if p < 1 else np.zeros(x.shape)
    return x * mask, mask


def dropout_backward(dout, cache):
    mask = cache
    if mask is None:
        return dout.copy()
    return dout * mask
