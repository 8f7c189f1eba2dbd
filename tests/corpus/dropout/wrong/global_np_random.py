# expect-only: lose dropout_uses_rng dropout_leaves_global_random_state dropout_two_layers_alternate dropout_noncontiguous_inputs
"""The mask drawn from the global np.random instead of the rng argument."""
import numpy as np


def dropout_forward(x, p, rng, train=True):
    if not 0 <= p <= 1:
        raise ValueError("p must be in [0, 1]")
    if not train:
        return x.copy(), None
    keep = np.random.rand(*x.shape) >= p
    mask = keep / (1 - p) if p < 1 else np.zeros(x.shape)
    return x * mask, mask


def dropout_backward(dout, cache):
    mask = cache
    if mask is None:
        return dout.copy()
    return dout * mask
