# expect-only: lose dropout_any_shape
"""The mask is drawn as rng.random((N, D)) from x.shape[0] and x.shape[1]: right for a batch
(N, D), an error for a 1-D or a 3-D x."""

import numpy as np


def dropout_forward(x, p, rng, train=True):
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"p must be in [0, 1], got {p}")
    if not train:
        return x.copy(), None
    n, d = x.shape[0], x.shape[1]
    keep = rng.random((n, d)) >= p
    mask = keep * (1.0 / (1.0 - p) if p < 1.0 else 0.0)
    return x * mask, mask


def dropout_backward(dout, cache):
    if cache is None:
        return dout.copy()
    return dout * cache
