# expect-only: lose init_vectorized
"""Every weight drawn in a double Python loop, one rng call per weight."""
import numpy as np


def xavier_uniform(fan_in, fan_out, rng, gain=1.0):
    a = gain * np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-a, a, size=(fan_in, fan_out))


def xavier_normal(fan_in, fan_out, rng, gain=1.0):
    std = gain * np.sqrt(2.0 / (fan_in + fan_out))
    W = np.zeros((fan_in, fan_out))
    for i in range(fan_in):
        for j in range(fan_out):
            W[i, j] = rng.normal(0.0, std)
    return W


def he_uniform(fan_in, fan_out, rng):
    a = np.sqrt(6.0 / fan_in)
    return rng.uniform(-a, a, size=(fan_in, fan_out))


def he_normal(fan_in, fan_out, rng):
    std = np.sqrt(2.0 / fan_in)
    W = np.zeros((fan_in, fan_out))
    for i in range(fan_in):
        for j in range(fan_out):
            W[i, j] = rng.normal(0.0, std)
    return W
