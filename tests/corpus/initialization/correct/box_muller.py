# expect: full
"""Normals by the Box-Muller transform of rng.random() pairs; uniforms by rng.random() shifted
and scaled."""
import numpy as np


def _normal(shape, rng):
    n = shape[0] * shape[1]
    half = (n + 1) // 2
    u1 = rng.random(half)
    u2 = rng.random(half)
    r = np.sqrt(-2.0 * np.log1p(-u1))  # 1 - u1 lies in (0, 1], so the log is finite
    z = np.concatenate([r * np.cos(2 * np.pi * u2), r * np.sin(2 * np.pi * u2)])
    return z[:n].reshape(shape)


def _uniform(a, shape, rng):
    return (rng.random(shape) - 0.5) * 2.0 * a


def xavier_uniform(fan_in, fan_out, rng, gain=1.0):
    return _uniform(gain * np.sqrt(6 / (fan_in + fan_out)), (fan_in, fan_out), rng)


def xavier_normal(fan_in, fan_out, rng, gain=1.0):
    return gain * np.sqrt(2 / (fan_in + fan_out)) * _normal((fan_in, fan_out), rng)


def he_uniform(fan_in, fan_out, rng):
    return _uniform(np.sqrt(6 / fan_in), (fan_in, fan_out), rng)


def he_normal(fan_in, fan_out, rng):
    return np.sqrt(2 / fan_in) * _normal((fan_in, fan_out), rng)
