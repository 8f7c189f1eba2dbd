# expect: full
"""Every function first converts with np.asarray(x, dtype=float); the forward pass returns as
its cache a closure that computes the gradients (it stays in the jail as a handle), so each
layer's cache carries its own statistics and can be called any number of times."""

import numpy as np


def batchnorm_forward(x, gamma, beta, eps=1e-5):
    x = np.asarray(x, dtype=float)
    gamma = np.asarray(gamma, dtype=float)
    centred = x - x.mean(axis=0)
    std = np.sqrt(np.mean(centred * centred, axis=0) + eps)
    x_hat = centred / std

    def grads(dout):
        dout = np.asarray(dout, dtype=float)
        dx_hat = dout * gamma
        dx = (dx_hat - dx_hat.mean(axis=0) - x_hat * (dx_hat * x_hat).mean(axis=0)) / std
        return dx, np.einsum("nd,nd->d", dout, x_hat), dout.sum(axis=0)

    return gamma * x_hat + np.asarray(beta, dtype=float), grads


def batchnorm_backward(dout, cache):
    return cache(dout)


def batchnorm_inference(x, gamma, beta, running_mean, running_var, eps=1e-5):
    x = np.asarray(x, dtype=float)
    scale = np.asarray(gamma, dtype=float) / np.sqrt(np.asarray(running_var, dtype=float) + eps)
    return (x - running_mean) * scale + beta


def update_running_stats(running_mean, running_var, x, momentum=0.1):
    x = np.asarray(x, dtype=float)
    n = x.shape[0]
    mean = x.mean(axis=0)
    unbiased = ((x - mean) ** 2).sum(axis=0) / (n - 1)
    return (running_mean + momentum * (mean - running_mean),
            running_var + momentum * (unbiased - running_var))
