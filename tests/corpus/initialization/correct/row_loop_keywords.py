# expect: full
"""Rows filled one at a time in a loop (vectorized within a row), keyword arguments, the
variance computed first and its root taken afterwards."""
import numpy as np


def _fill(fan_in, fan_out, draw_row):
    W = np.empty((fan_in, fan_out))
    for i in range(fan_in):
        W[i, :] = draw_row(fan_out)
    return W


def xavier_uniform(fan_in, fan_out, rng, gain=1.0):
    variance = gain**2 * 2.0 / (fan_in + fan_out)
    limit = np.sqrt(3.0 * variance)
    return _fill(fan_in, fan_out, lambda n: rng.uniform(low=-limit, high=limit, size=n))


def xavier_normal(fan_in, fan_out, rng, gain=1.0):
    variance = gain**2 * 2.0 / (fan_in + fan_out)
    return _fill(fan_in, fan_out, lambda n: rng.normal(loc=0.0, scale=np.sqrt(variance), size=n))


def he_uniform(fan_in, fan_out, rng):
    limit = np.sqrt(3.0 * 2.0 / fan_in)
    return _fill(fan_in, fan_out, lambda n: rng.uniform(low=-limit, high=limit, size=n))


def he_normal(fan_in, fan_out, rng):
    return _fill(fan_in, fan_out, lambda n: rng.normal(scale=np.sqrt(2.0 / fan_in), size=n))
