# expect-only: lose bn_backward_repeatable
"""The backward pass scales an array of its cache in place (an alias, not a copy), so a second
backward on the same cache starts from different numbers. The cache is an object of the
student's class, so it stays in the jail between the two calls."""
import numpy as np


class Cache:
    pass


def batchnorm_forward(x, gamma, beta, eps=1e-5):
    mu = x.mean(axis=0)
    var = x.var(axis=0)
    cache = Cache()
    cache.xmu = x - mu
    cache.inv_std = 1.0 / np.sqrt(var + eps)
    cache.gamma = gamma
    return gamma * cache.xmu * cache.inv_std + beta, cache


def batchnorm_backward(dout, cache):
    x_hat = cache.xmu
    x_hat *= cache.inv_std  # meant a new array: this rewrites cache.xmu
    inv_std, gamma = cache.inv_std, cache.gamma
    n = dout.shape[0]
    dbeta = dout.sum(axis=0)
    dgamma = (dout * x_hat).sum(axis=0)
    g = dout * gamma
    dx = inv_std / n * (n * g - g.sum(axis=0) - x_hat * (g * x_hat).sum(axis=0))
    return dx, dgamma, dbeta


def batchnorm_inference(x, gamma, beta, running_mean, running_var, eps=1e-5):
    return gamma * (x - running_mean) / np.sqrt(running_var + eps) + beta


def update_running_stats(running_mean, running_var, x, momentum=0.1):
    new_mean = (1 - momentum) * running_mean + momentum * x.mean(axis=0)
    new_var = (1 - momentum) * running_var + momentum * x.var(axis=0, ddof=1)
    return new_mean, new_var
