# expect: lose bn_backward_dx bn_backward_ones_give_zero_dx bn_backward_inputs_unchanged bn_backward_repeatable bn_noncontiguous_inputs
"""The forward pass, inference and running statistics are done; the backward pass is left for
later and returns zeros of the right shapes. Zeros are what dout = ones gives as dx, they never
modify dout and they repeat: a backward that does nothing must earn nothing."""
import numpy as np


def batchnorm_forward(x, gamma, beta, eps=1e-5):
    mu = x.mean(axis=0)
    var = x.var(axis=0)
    x_hat = (x - mu) / np.sqrt(var + eps)
    return gamma * x_hat + beta, (x_hat, gamma, var, eps)


def batchnorm_backward(dout, cache):
    x_hat, gamma, _, _ = cache
    return np.zeros_like(dout), np.zeros_like(gamma), np.zeros_like(gamma)  # TODO


def batchnorm_inference(x, gamma, beta, running_mean, running_var, eps=1e-5):
    return gamma * (x - running_mean) / np.sqrt(running_var + eps) + beta


def update_running_stats(running_mean, running_var, x, momentum=0.1):
    new_mean = (1 - momentum) * running_mean + momentum * x.mean(axis=0)
    new_var = (1 - momentum) * running_var + momentum * x.var(axis=0, ddof=1)
    return new_mean, new_var
