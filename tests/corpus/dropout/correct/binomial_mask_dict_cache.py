# expect: full
"""The keep mask drawn with rng.binomial(1, 1 - p), a dict as the cache."""
import numpy as np


def dropout_forward(x, p, rng, train=True):
    if not (0.0 <= p <= 1.0):
        raise ValueError("dropout probability has to be between 0 and 1")
    cache = {"train": train, "p": p}
    if not train:
        return x.copy(), cache
    keep = rng.binomial(1, 1.0 - p, size=x.shape)
    scale = 0.0 if p == 1.0 else 1.0 / (1.0 - p)
    cache["mask"] = keep * scale
    return x * cache["mask"], cache


def dropout_backward(dout, cache):
    if not cache["train"]:
        return dout.copy()
    return dout * cache["mask"]
