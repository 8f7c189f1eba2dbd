# expect-only: lose bn_backward_vectorized
"""Accumulates the sums of the backward pass sample by sample in a Python loop."""
import numpy as np


def batchnorm_forward(x, gamma, beta, eps=1e-5):
    mu = x.mean(axis=0)
    var = x.var(axis=0)
    inv_std = 1.0 / np.sqrt(var + eps)
    x_hat = (x - mu) * inv_std
    out = gamma * x_hat + beta
    return out, (x_hat, gamma, inv_std)


def batchnorm_backward(dout, cache):
    x_hat, gamma, inv_std = cache
    n = dout.shape[0]
    dbeta = np.zeros(dout.shape[1])
    dgamma = np.zeros(dout.shape[1])
    for i in range(n):
        dbeta += dout[i]
        dgamma += dout[i] * x_hat[i]
    g = dout * gamma
    sum_g = np.zeros(dout.shape[1])
    sum_gx = np.zeros(dout.shape[1])
    for i in range(n):
        sum_g += g[i]
        sum_gx += g[i] * x_hat[i]
    dx = inv_std / n * (n * g - sum_g - x_hat * sum_gx)
    return dx, dgamma, dbeta


def batchnorm_inference(x, gamma, beta, running_mean, running_var, eps=1e-5):
    return gamma * (x - running_mean) / np.sqrt(running_var + eps) + beta


def update_running_stats(running_mean, running_var, x, momentum=0.1):
    new_mean = (1 - momentum) * running_mean + momentum * x.mean(axis=0)
    new_var = (1 - momentum) * running_var + momentum * x.var(axis=0, ddof=1)
    return new_mean, new_var
