# expect-only: lose he_normal_is_normal
"""Keras' HeNormal: a normal truncated at two standard deviations, rescaled so the variance is right."""
import numpy as np


def xavier_uniform(fan_in, fan_out, rng, gain=1.0):
    a = gain * np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-a, a, size=(fan_in, fan_out))


def xavier_normal(fan_in, fan_out, rng, gain=1.0):
    std = gain * np.sqrt(2.0 / (fan_in + fan_out))
    return rng.normal(0.0, std, size=(fan_in, fan_out))


def he_uniform(fan_in, fan_out, rng):
    a = np.sqrt(6.0 / fan_in)
    return rng.uniform(-a, a, size=(fan_in, fan_out))


def he_normal(fan_in, fan_out, rng):
    std = np.sqrt(2.0 / fan_in) / 0.87962566103423978
    z = rng.standard_normal((fan_in, fan_out))
    bad = np.abs(z) > 2.0
    while bad.any():  # redraw until every value is within two standard deviations
        z[bad] = rng.standard_normal(int(bad.sum()))
        bad = np.abs(z) > 2.0
    return std * z
