# expect: full
"""rng.uniform(size=...) against the keep probability, rows masked one at a time in a loop over
the batch (vectorized within a row), the scale applied with np.divide's where=."""
import numpy as np


def dropout_forward(x, p, rng, train=True):
    if not 0.0 <= p <= 1.0:
        raise ValueError("p must be in [0, 1]")
    if not train:
        return x, None
    flat = x.reshape(x.shape[0], -1) if x.ndim > 1 else x.reshape(1, -1)
    mask = np.zeros(flat.shape)
    for i in range(flat.shape[0]):
        keep = rng.uniform(size=flat.shape[1]) < 1.0 - p
        np.divide(1.0, 1.0 - p, out=mask[i], where=keep)
    mask = mask.reshape(x.shape)
    return x * mask, mask


def dropout_backward(dout, cache):
    return dout if cache is None else dout * cache
