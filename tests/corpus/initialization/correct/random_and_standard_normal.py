# expect: full
"""Uniforms built from rng.random() and normals as sigma * rng.standard_normal(): other calls,
other numbers, the same distributions."""
import math

import numpy as np


def _symmetric_uniform(a, shape, rng):
    return a * (2.0 * rng.random(shape) - 1.0)


def xavier_uniform(fan_in, fan_out, rng, gain=1.0):
    return _symmetric_uniform(gain * math.sqrt(6.0 / (fan_in + fan_out)), (fan_in, fan_out), rng)


def xavier_normal(fan_in, fan_out, rng, gain=1.0):
    return gain * math.sqrt(2.0 / (fan_in + fan_out)) * rng.standard_normal((fan_in, fan_out))


def he_uniform(fan_in, fan_out, rng):
    return _symmetric_uniform(math.sqrt(6.0 / fan_in), (fan_in, fan_out), rng)


def he_normal(fan_in, fan_out, rng):
    return math.sqrt(2.0 / fan_in) * rng.standard_normal((fan_in, fan_out))
