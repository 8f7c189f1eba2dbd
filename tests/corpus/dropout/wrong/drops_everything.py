# expect: lose dropout_drop_fraction dropout_kept_values_scaled dropout_p_one_zeros
"""Training mode drops every unit, whatever p (a mask of zeros): every kept value is scaled
right, since none is kept, and p = 1 gives zeros. Both must be worth nothing when the drop
fraction is wrong."""
import numpy as np


def dropout_forward(x, p, rng, train=True):
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"p must be in [0, 1], got {p}")
    if not train:
        return x, None
    mask = np.zeros(np.shape(x))  # TODO: rng.random(x.shape) >= p, scaled
    return x * mask, mask


def dropout_backward(dout, cache):
    return dout if cache is None else dout * cache
