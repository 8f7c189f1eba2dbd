# expect-only: lose dropout_eval_backward_p_one
"""The backward pass special-cases p = 1 ("nothing was kept") before it looks at the mode: in
evaluation mode with p = 1 the gradient comes back as zeros instead of dout."""

import numpy as np


def dropout_forward(x, p, rng, train=True):
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"p must be in [0, 1], got {p}")
    if not train:
        return x.copy(), (None, p)
    keep = rng.random(x.shape) >= p
    mask = keep * (1.0 / (1.0 - p) if p < 1.0 else 0.0)
    return x * mask, (mask, p)


def dropout_backward(dout, cache):
    mask, p = cache
    if p == 1.0:
        return np.zeros_like(dout)
    if mask is None:
        return dout.copy()
    return dout * mask
