# expect-only: lose dropout_invalid_p_raises dropout_invalid_p_raises_in_eval
"""p is never checked, so p = 1.5 gives a negative scale and p = -0.1 silently keeps everything."""
import numpy as np


def dropout_forward(x, p, rng, train=True):
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
