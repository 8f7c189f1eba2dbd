# expect: lose xavier_uniform_bound_with_gain xavier_normal_variance_with_gain
"""gain put under the square root, so only sqrt(gain) scales the weights."""
import numpy as np


def xavier_uniform(fan_in, fan_out, rng, gain=1.0):
    a = np.sqrt(6.0 * gain / (fan_in + fan_out))
    return rng.uniform(-a, a, size=(fan_in, fan_out))


def xavier_normal(fan_in, fan_out, rng, gain=1.0):
    std = np.sqrt(2.0 * gain / (fan_in + fan_out))
    return rng.normal(0.0, std, size=(fan_in, fan_out))


def he_uniform(fan_in, fan_out, rng):
    a = np.sqrt(6.0 / fan_in)
    return rng.uniform(-a, a, size=(fan_in, fan_out))


def he_normal(fan_in, fan_out, rng):
    std = np.sqrt(2.0 / fan_in)
    return rng.normal(0.0, std, size=(fan_in, fan_out))
