# expect: full
"""Reductions with np.einsum and (1, D) keepdims statistics; inference folded into one scale
and one shift per feature; dx by CS231n's one-line formula on recomputed statistics."""
import numpy as np


def batchnorm_forward(x, gamma, beta, eps=1e-5):
    n = x.shape[0]
    mu = np.einsum("nd->d", x)[None, :] / n
    xc = x - mu
    var = np.einsum("nd,nd->d", xc, xc)[None, :] / n
    out = gamma[None, :] * xc / np.sqrt(var + eps) + beta[None, :]
    return out, (x, gamma, eps)


def batchnorm_backward(dout, cache):
    x, gamma, eps = cache
    n = x.shape[0]
    mu = x.mean(axis=0, keepdims=True)
    var = x.var(axis=0, keepdims=True)
    istd = 1.0 / np.sqrt(var + eps)
    xhat = (x - mu) * istd
    dbeta = np.einsum("nd->d", dout)
    dgamma = np.einsum("nd,nd->d", dout, xhat)
    dx = (gamma * istd / n) * (n * dout - dbeta - xhat * dgamma)
    return dx, dgamma, dbeta


def batchnorm_inference(x, gamma, beta, running_mean, running_var, eps=1e-5):
    scale = gamma / np.sqrt(running_var + eps)
    shift = beta - running_mean * scale
    return x * scale + shift


def update_running_stats(running_mean, running_var, x, momentum=0.1):
    n = x.shape[0]
    mean = np.einsum("nd->d", x) / n
    xc = x - mean
    var = np.einsum("nd,nd->d", xc, xc) / (n - 1)
    return np.add((1 - momentum) * running_mean, momentum * mean), np.add(
        (1 - momentum) * running_var, momentum * var)
