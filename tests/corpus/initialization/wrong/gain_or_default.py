# expect-only: lose xavier_gain_zero
"""Xavier fills in `gain or 1.0`: gain = 0 (an all-zero start, e.g. for a layer switched off)
silently becomes 1."""
import numpy as np


def xavier_uniform(fan_in, fan_out, rng, gain=1.0):
    gain = gain or 1.0
    a = gain * np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-a, a, size=(fan_in, fan_out))


def xavier_normal(fan_in, fan_out, rng, gain=1.0):
    gain = gain or 1.0
    return rng.normal(0.0, gain * np.sqrt(2.0 / (fan_in + fan_out)), size=(fan_in, fan_out))


def he_uniform(fan_in, fan_out, rng):
    a = np.sqrt(6.0 / fan_in)
    return rng.uniform(-a, a, size=(fan_in, fan_out))


def he_normal(fan_in, fan_out, rng):
    return rng.normal(0.0, np.sqrt(2.0 / fan_in), size=(fan_in, fan_out))
