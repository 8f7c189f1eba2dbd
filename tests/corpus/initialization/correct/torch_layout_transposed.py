# expect: full
"""Drawn in PyTorch's (fan_out, fan_in) layout with PyTorch's own formulas (std first, bound =
sqrt(3) * std, gain from calculate_gain('relu') = sqrt(2)), then transposed: a non-contiguous
(fan_in, fan_out) view."""
import math

import numpy as np


def _torch_uniform(fan_in, fan_out, std, rng):
    bound = math.sqrt(3.0) * std
    return rng.uniform(-bound, bound, size=(fan_out, fan_in)).T


def _torch_normal(fan_in, fan_out, std, rng):
    return rng.normal(0.0, std, size=(fan_out, fan_in)).T


def xavier_uniform(fan_in, fan_out, rng, gain=1.0):
    return _torch_uniform(fan_in, fan_out, gain * math.sqrt(2.0 / float(fan_in + fan_out)), rng)


def xavier_normal(fan_in, fan_out, rng, gain=1.0):
    return _torch_normal(fan_in, fan_out, gain * math.sqrt(2.0 / float(fan_in + fan_out)), rng)


def he_uniform(fan_in, fan_out, rng):
    return _torch_uniform(fan_in, fan_out, math.sqrt(2.0) / math.sqrt(fan_in), rng)


def he_normal(fan_in, fan_out, rng):
    return _torch_normal(fan_in, fan_out, math.sqrt(2.0) / math.sqrt(fan_in), rng)
