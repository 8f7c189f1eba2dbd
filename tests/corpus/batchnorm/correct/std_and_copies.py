# expect: full
"""np.std for the spread, defensive copies of everything, the statistics updated on copies
in place (the caller's arrays are not touched), and a tuple cache that includes eps."""
import numpy as np


def batchnorm_forward(x, gamma, beta, eps=1e-5):
    x = np.array(x, dtype=float)
    mu = x.mean(0)
    std = np.sqrt(np.std(x, axis=0) ** 2 + eps)
    x_hat = (x - mu) / std
    return x_hat * gamma + beta, (x_hat, std, np.array(gamma, dtype=float))


def batchnorm_backward(dout, cache):
    x_hat, std, gamma = cache
    n = dout.shape[0]
    dx_hat = dout * gamma
    dx = (dx_hat - dx_hat.mean(0) - x_hat * (dx_hat * x_hat).mean(0)) / std
    return dx, (dout * x_hat).sum(0), dout.sum(0)


def batchnorm_inference(x, gamma, beta, running_mean, running_var, eps=1e-5):
    return (x - running_mean) / np.sqrt(running_var + eps) * gamma + beta


def update_running_stats(running_mean, running_var, x, momentum=0.1):
    new_mean = running_mean.copy()
    new_var = running_var.copy()
    new_mean *= 1 - momentum
    new_mean += momentum * x.mean(0)
    new_var *= 1 - momentum
    new_var += momentum * np.var(x, axis=0, ddof=1)
    return new_mean, new_var
