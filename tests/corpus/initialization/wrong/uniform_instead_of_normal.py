# expect-only: lose he_normal_is_normal xavier_normal_is_normal
"""A uniform with the right variance where a normal is asked for: U(-sqrt(3) std, sqrt(3) std)."""
import numpy as np


def xavier_uniform(fan_in, fan_out, rng, gain=1.0):
    a = gain * np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-a, a, size=(fan_in, fan_out))


def xavier_normal(fan_in, fan_out, rng, gain=1.0):
    std = gain * np.sqrt(2.0 / (fan_in + fan_out))
    return rng.uniform(-np.sqrt(3.0) * std, np.sqrt(3.0) * std, size=(fan_in, fan_out))


def he_uniform(fan_in, fan_out, rng):
    a = np.sqrt(6.0 / fan_in)
    return rng.uniform(-a, a, size=(fan_in, fan_out))


def he_normal(fan_in, fan_out, rng):
    std = np.sqrt(2.0 / fan_in)
    return rng.uniform(-np.sqrt(3.0) * std, np.sqrt(3.0) * std, size=(fan_in, fan_out))
