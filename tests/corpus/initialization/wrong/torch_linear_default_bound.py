# expect: lose he_uniform_bound
"""nn.Linear's default kaiming_uniform_(a=sqrt(5)), bound 1/sqrt(fan_in), taken for He."""
import numpy as np


def xavier_uniform(fan_in, fan_out, rng, gain=1.0):
    a = gain * np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-a, a, size=(fan_in, fan_out))


def xavier_normal(fan_in, fan_out, rng, gain=1.0):
    std = gain * np.sqrt(2.0 / (fan_in + fan_out))
    return rng.normal(0.0, std, size=(fan_in, fan_out))


def he_uniform(fan_in, fan_out, rng):
    a = 1.0 / np.sqrt(fan_in)
    return rng.uniform(-a, a, size=(fan_in, fan_out))


def he_normal(fan_in, fan_out, rng):
    std = np.sqrt(2.0 / fan_in)
    return rng.normal(0.0, std, size=(fan_in, fan_out))
