# expect-only: lose dropout_mask_independent dropout_any_shape
"""Exactly round(p * D) units dropped in every row (a permutation per row): not independent draws."""
import numpy as np


def dropout_forward(x, p, rng, train=True):
    if not 0 <= p <= 1:
        raise ValueError("p must be in [0, 1]")
    if not train:
        return x.copy(), None
    n_drop = int(round(p * x.shape[1]))
    keep = np.ones(x.shape, dtype=bool)
    for row in keep:
        row[rng.permutation(x.shape[1])[:n_drop]] = False
    mask = keep / (1 - p) if p < 1 else np.zeros(x.shape)
    return x * mask, mask


def dropout_backward(dout, cache):
    mask = cache
    if mask is None:
        return dout.copy()
    return dout * mask
