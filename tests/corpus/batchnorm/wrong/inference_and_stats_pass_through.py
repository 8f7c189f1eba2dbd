# expect: lose bn_inference_running_stats bn_inference_inputs_unchanged running_stats_inputs_unchanged bn_noncontiguous_inputs
"""Training mode is done; inference hands x back unchanged and the running statistics come
back as they were given (copies, so nothing is modified). Leaving the inputs alone is worth
nothing when nothing is computed."""
import numpy as np


def batchnorm_forward(x, gamma, beta, eps=1e-5):
    mu = x.mean(axis=0)
    var = x.var(axis=0)
    inv_std = 1.0 / np.sqrt(var + eps)
    x_hat = (x - mu) * inv_std
    return gamma * x_hat + beta, (x_hat, gamma, inv_std)


def batchnorm_backward(dout, cache):
    x_hat, gamma, inv_std = cache
    n = dout.shape[0]
    dbeta = dout.sum(axis=0)
    dgamma = (dout * x_hat).sum(axis=0)
    g = dout * gamma
    dx = inv_std / n * (n * g - g.sum(axis=0) - x_hat * (g * x_hat).sum(axis=0))
    return dx, dgamma, dbeta


def batchnorm_inference(x, gamma, beta, running_mean, running_var, eps=1e-5):
    return x.copy()  # TODO: normalize


def update_running_stats(running_mean, running_var, x, momentum=0.1):
    return running_mean.copy(), running_var.copy()  # TODO: update
