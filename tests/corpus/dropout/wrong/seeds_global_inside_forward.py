# expect-only: lose dropout_leaves_global_random_state
"""dropout_forward calls np.random.seed(0) "for reproducibility" (as CS231n's dropout_param
seed does) and then draws the mask from rng: the mask is right, but every call resets the
caller's global np.random state."""

import numpy as np


def dropout_forward(x, p, rng, train=True):
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"p must be in [0, 1], got {p}")
    np.random.seed(0)
    if not train:
        return x.copy(), None
    keep = rng.random(x.shape) >= p
    mask = keep * (1.0 / (1.0 - p) if p < 1.0 else 0.0)
    return x * mask, mask


def dropout_backward(dout, cache):
    if cache is None:
        return dout.copy()
    return dout * cache
