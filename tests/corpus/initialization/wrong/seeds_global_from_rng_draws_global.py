# expect-only: lose leaves_global_random_state.*
"""Seeds NumPy's global generator from rng and then draws with np.random.uniform/normal: the
matrix is a function of the rng state (so it passes every determinism test), but every call
replaces the caller's global np.random state."""
import numpy as np


def _seed_global(rng):
    np.random.seed(int(rng.integers(2**31)))


def xavier_uniform(fan_in, fan_out, rng, gain=1.0):
    a = gain * np.sqrt(6.0 / (fan_in + fan_out))
    _seed_global(rng)
    return np.random.uniform(-a, a, size=(fan_in, fan_out))


def xavier_normal(fan_in, fan_out, rng, gain=1.0):
    _seed_global(rng)
    return np.random.normal(0.0, gain * np.sqrt(2.0 / (fan_in + fan_out)), size=(fan_in, fan_out))


def he_uniform(fan_in, fan_out, rng):
    a = np.sqrt(6.0 / fan_in)
    _seed_global(rng)
    return np.random.uniform(-a, a, size=(fan_in, fan_out))


def he_normal(fan_in, fan_out, rng):
    _seed_global(rng)
    return np.random.normal(0.0, np.sqrt(2.0 / fan_in), size=(fan_in, fan_out))
