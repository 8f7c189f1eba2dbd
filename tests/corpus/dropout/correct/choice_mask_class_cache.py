# expect: full
"""The mask drawn with rng.choice([0, 1], p=[p, 1 - p]); the cache is an object of the
student's own class (it stays in the jail)."""
import numpy as np


class _DropoutCache:
    def __init__(self, mask):
        self.mask = mask


def dropout_forward(x, p, rng, train=True):
    if p < 0.0 or p > 1.0:
        raise ValueError("invalid dropout probability")
    if not train:
        return np.array(x, copy=True), _DropoutCache(None)
    keep = rng.choice([0.0, 1.0], size=x.shape, p=[p, 1.0 - p])
    mask = keep / (1.0 - p) if p != 1.0 else keep
    return x * mask, _DropoutCache(mask)


def dropout_backward(dout, cache):
    if cache.mask is None:
        return np.array(dout, copy=True)
    return dout * cache.mask
