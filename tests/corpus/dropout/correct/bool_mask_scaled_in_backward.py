# expect: full
"""A boolean mask and p in the cache; the 1 / (1 - p) applied in both passes (with p = 1 kept
apart, since nothing is kept and 1 / 0 is undefined)."""
import numpy as np


def dropout_forward(x, p, rng, train=True):
    if p < 0 or p > 1:
        raise ValueError(f"p = {p} is not a probability")
    if not train:
        return x, ("eval",)
    keep = rng.random(x.shape) > p  # P(u > p) = 1 - p as well
    if p == 1:
        return np.zeros_like(x), ("train", keep, p)
    return np.where(keep, x / (1 - p), 0.0), ("train", keep, p)


def dropout_backward(dout, cache):
    if cache[0] == "eval":
        return dout
    _, keep, p = cache
    if p == 1:
        return np.zeros_like(dout)
    return np.where(keep, dout / (1 - p), 0.0)
