# expect: lose xavier_uniform_bound xavier_uniform_shape float64_outputs.xavier_uniform leaves_global_random_state.xavier_uniform xavier_gain_zero he_normal_variance he_normal_shape he_normal_mean_zero float64_outputs.he_normal leaves_global_random_state.he_normal
"""xavier_normal and he_uniform are done; xavier_uniform and he_normal return zeros of the
right shape and dtype. Zeros have the shape, the dtype, a mean of 0, the gain-0 answer, and
leave every random state alone: none of it may earn a point without the distribution."""
import numpy as np


def xavier_uniform(fan_in, fan_out, rng, gain=1.0):
    return np.zeros((fan_in, fan_out))  # TODO


def xavier_normal(fan_in, fan_out, rng, gain=1.0):
    return rng.normal(0.0, gain * np.sqrt(2.0 / (fan_in + fan_out)), size=(fan_in, fan_out))


def he_uniform(fan_in, fan_out, rng):
    a = np.sqrt(6.0 / fan_in)
    return rng.uniform(-a, a, size=(fan_in, fan_out))


def he_normal(fan_in, fan_out, rng):
    return np.zeros((fan_in, fan_out))  # TODO
