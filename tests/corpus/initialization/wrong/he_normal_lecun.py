# expect: lose he_normal_variance
"""LeCun normal, std = sqrt(1 / fan_in): the ReLU factor 2 forgotten."""
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
    std = np.sqrt(1.0 / fan_in)
    return rng.normal(0.0, std, size=(fan_in, fan_out))
