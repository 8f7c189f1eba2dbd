# expect: full
"""A private generator seeded from the given rng: every number still comes from rng's state,
so the same state gives the same matrix and different states different ones."""
import numpy as np


def _child(rng):
    return np.random.default_rng(rng.integers(2**63))


def xavier_uniform(fan_in, fan_out, rng, gain=1.0):
    a = gain * np.sqrt(6.0 / (fan_in + fan_out))
    return _child(rng).uniform(-a, a, (fan_in, fan_out))


def xavier_normal(fan_in, fan_out, rng, gain=1.0):
    return _child(rng).normal(0, gain * np.sqrt(2.0 / (fan_in + fan_out)), (fan_in, fan_out))


def he_uniform(fan_in, fan_out, rng):
    a = np.sqrt(6.0 / fan_in)
    return _child(rng).uniform(-a, a, (fan_in, fan_out))


def he_normal(fan_in, fan_out, rng):
    return _child(rng).normal(0, np.sqrt(2.0 / fan_in), (fan_in, fan_out))
