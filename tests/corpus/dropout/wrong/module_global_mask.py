# expect-only: lose dropout_two_layers_alternate
"""The mask is kept in a module global (as a layer object would keep it in self) and the
backward pass reads it from there: with two dropout layers, the second forward pass overwrites
the first layer's mask."""

import numpy as np


_STATE = {"mask": None}


def dropout_forward(x, p, rng, train=True):
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"p must be in [0, 1], got {p}")
    if not train:
        _STATE["mask"] = None
        return x.copy(), None
    keep = rng.random(x.shape) >= p
    _STATE["mask"] = keep * (1.0 / (1.0 - p) if p < 1.0 else 0.0)
    return x * _STATE["mask"], p


def dropout_backward(dout, cache):
    if _STATE["mask"] is None:
        return dout.copy()
    return dout * _STATE["mask"]
