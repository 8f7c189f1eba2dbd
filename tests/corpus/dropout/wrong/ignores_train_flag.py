# expect: lose dropout_eval_identity dropout_eval_backward_identity
"""train is accepted but ignored: dropout is applied in evaluation mode too."""
import numpy as np


def dropout_forward(x, p, rng, train=True):
    if not 0 <= p <= 1:
        raise ValueError("p must be in [0, 1]")
    keep = rng.random(x.shape) >= p
    mask = keep / (1 - p) if p < 1 else np.zeros(x.shape)
    return x * mask, mask


def dropout_backward(dout, cache):
    mask = cache
    if mask is None:
        return dout.copy()
    return dout * mask
