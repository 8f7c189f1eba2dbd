# expect-only: lose dropout_invalid_p_raises dropout_invalid_p_raises_in_eval
"""An assert for the range of p: AssertionError, not the ValueError the contract asks for."""
import numpy as np


def dropout_forward(x, p, rng, train=True):
    assert 0 <= p <= 1, "p must be in [0, 1]"
    if not train:
        return x.copy(), None
    keep = rng.random(x.shape) >= p
    mask = keep / (1 - p) if p < 1 else np.zeros(x.shape)
    return x * mask, mask


def dropout_backward(dout, cache):
    mask = cache
    if mask is None:
        return dout.copy()
    return dout * mask
