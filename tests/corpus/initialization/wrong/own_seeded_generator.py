# expect-only: lose *_uses_rng init_vectorized
"""A generator of its own with a fixed seed: reproducible, but blind to the rng it is given."""
import numpy as np


def xavier_uniform(fan_in, fan_out, rng, gain=1.0):
    a = gain * np.sqrt(6.0 / (fan_in + fan_out))
    rng = np.random.default_rng(42)
    return rng.uniform(-a, a, size=(fan_in, fan_out))


def xavier_normal(fan_in, fan_out, rng, gain=1.0):
    std = gain * np.sqrt(2.0 / (fan_in + fan_out))
    rng = np.random.default_rng(42)
    return rng.normal(0.0, std, size=(fan_in, fan_out))


def he_uniform(fan_in, fan_out, rng):
    a = np.sqrt(6.0 / fan_in)
    rng = np.random.default_rng(42)
    return rng.uniform(-a, a, size=(fan_in, fan_out))


def he_normal(fan_in, fan_out, rng):
    std = np.sqrt(2.0 / fan_in)
    rng = np.random.default_rng(42)
    return rng.normal(0.0, std, size=(fan_in, fan_out))
