# expect-only: lose float64_outputs.*
"""float32 weights, as a framework would store them: right distributions, but the contract
asks for float64 arrays (float32 out is allowed only for a float32 input, and these
functions take none)."""
import numpy as np


def xavier_uniform(fan_in, fan_out, rng, gain=1.0):
    a = np.float32(gain * np.sqrt(6.0 / (fan_in + fan_out)))
    return (a * (2 * rng.random((fan_in, fan_out), dtype=np.float32) - 1)).astype(np.float32)


def xavier_normal(fan_in, fan_out, rng, gain=1.0):
    std = np.float32(gain * np.sqrt(2.0 / (fan_in + fan_out)))
    return std * rng.standard_normal((fan_in, fan_out), dtype=np.float32)


def he_uniform(fan_in, fan_out, rng):
    a = np.sqrt(6.0 / fan_in)
    return rng.uniform(-a, a, size=(fan_in, fan_out)).astype(np.float32)


def he_normal(fan_in, fan_out, rng):
    return rng.normal(0.0, np.sqrt(2.0 / fan_in), size=(fan_in, fan_out)).astype(np.float32)
