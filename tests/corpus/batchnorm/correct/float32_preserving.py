# expect: full
"""Keeps the input's dtype all the way through: a float32 batch gives float32 results (the
contract allows it), a float64 batch float64 ones."""
import numpy as np


def batchnorm_forward(x, gamma, beta, eps=1e-5):
    dt = x.dtype
    mu = x.mean(axis=0, dtype=dt)
    xc = x - mu
    var = (xc * xc).mean(axis=0, dtype=dt)
    inv = (1 / np.sqrt(var + dt.type(eps))).astype(dt)
    xhat = xc * inv
    out = (gamma.astype(dt) * xhat + beta.astype(dt)).astype(dt, copy=False)
    return out, (xhat, gamma.astype(dt), inv)


def batchnorm_backward(dout, cache):
    xhat, gamma, inv = cache
    dt = xhat.dtype
    dout = dout.astype(dt, copy=False)
    n = dt.type(dout.shape[0])
    dbeta = dout.sum(axis=0, dtype=dt)
    dgamma = (dout * xhat).sum(axis=0, dtype=dt)
    g = dout * gamma
    dx = (inv / n) * (n * g - g.sum(axis=0, dtype=dt) - xhat * (g * xhat).sum(axis=0, dtype=dt))
    return dx.astype(dt, copy=False), dgamma, dbeta


def batchnorm_inference(x, gamma, beta, running_mean, running_var, eps=1e-5):
    dt = x.dtype
    scale = (gamma / np.sqrt(running_var + eps)).astype(dt)
    return ((x - running_mean.astype(dt)) * scale + beta.astype(dt)).astype(dt, copy=False)


def update_running_stats(running_mean, running_var, x, momentum=0.1):
    dt = np.result_type(running_mean, running_var, x)
    m = dt.type(momentum)
    new_mean = (1 - m) * running_mean + m * x.mean(axis=0, dtype=dt)
    new_var = (1 - m) * running_var + m * x.var(axis=0, ddof=1, dtype=dt)
    return new_mean.astype(dt, copy=False), new_var.astype(dt, copy=False)
