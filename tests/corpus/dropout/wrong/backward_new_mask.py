# expect: lose dropout_backward_uses_forward_mask
"""The backward pass draws a fresh mask from the rng kept in the cache instead of reusing the forward one."""
import numpy as np


def dropout_forward(x, p, rng, train=True):
    if not 0 <= p <= 1:
        raise ValueError("p must be in [0, 1]")
    if not train:
        return x.copy(), None
    keep = rng.random(x.shape) >= p
    mask = keep / (1 - p) if p < 1 else np.zeros(x.shape)
    return x * mask, (rng, p)


def dropout_backward(dout, cache):
    if cache is None:
        return dout.copy()
    rng, p = cache
    if p == 1:
        return np.zeros_like(dout)
    keep = rng.random(dout.shape) >= p
    return dout * keep / (1 - p)
