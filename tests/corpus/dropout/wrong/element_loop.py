# expect-only: lose dropout_vectorized dropout_any_shape
"""The mask drawn element by element in a double Python loop."""
import numpy as np


def dropout_forward(x, p, rng, train=True):
    if not 0 <= p <= 1:
        raise ValueError("p must be in [0, 1]")
    if not train:
        return x.copy(), None
    scale = 1 / (1 - p) if p < 1 else 0.0
    mask = np.zeros(x.shape)
    for i in range(x.shape[0]):
        for j in range(x.shape[1]):
            if rng.random() >= p:
                mask[i, j] = scale
    return x * mask, mask


def dropout_backward(dout, cache):
    mask = cache
    if mask is None:
        return dout.copy()
    return dout * mask
