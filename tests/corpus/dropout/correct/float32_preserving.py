# expect: full
"""The output keeps x's dtype (float32 in, float32 out), as PyTorch does; the mask is drawn in
float32 with rng.random(dtype=np.float32)."""
import numpy as np


def dropout_forward(x, p, rng, train=True):
    if not 0 <= p <= 1:
        raise ValueError("p must lie in [0, 1]")
    if not train:
        return x.copy(), None
    if p == 1:
        mask = np.zeros(x.shape, dtype=x.dtype)
    else:
        keep = rng.random(x.shape, dtype=np.float32) >= p
        mask = (keep / (1 - p)).astype(x.dtype)
    return (x * mask).astype(x.dtype), mask


def dropout_backward(dout, cache):
    if cache is None:
        return dout.copy()
    return (dout * cache).astype(dout.dtype)
