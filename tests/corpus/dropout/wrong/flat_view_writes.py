# expect-only: lose dropout_noncontiguous_inputs
"""Drops and scales units through out.reshape(-1) of np.copy(x), assuming a view: np.copy keeps
a transposed x's Fortran order, reshape(-1) is then a copy, and the output comes back as x."""

import numpy as np


def dropout_forward(x, p, rng, train=True):
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"p must be in [0, 1], got {p}")
    if not train:
        return x.copy(), None
    out = np.copy(x)
    flat = out.reshape(-1)
    drop = rng.random(flat.size) < p
    flat[drop] = 0.0
    if p == 1.0:
        return out, np.zeros(x.shape)
    flat /= 1.0 - p
    return out, (out != 0) / (1.0 - p)


def dropout_backward(dout, cache):
    if cache is None:
        return dout.copy()
    return dout * cache
