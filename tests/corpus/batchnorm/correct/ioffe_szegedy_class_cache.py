# expect: full
"""The paper's backward pass term by term (Ioffe & Szegedy 2015, section 3), the zero term of
dL/dmu included, with the cache as an object of the student's own class (it stays in the jail
and comes back as a handle)."""
import numpy as np


class BNCache:
    def __init__(self, x, mu, var, gamma, eps):
        self.x, self.mu, self.var, self.gamma, self.eps = x, mu, var, gamma, eps

    def __repr__(self):
        return f"BNCache(N={self.x.shape[0]}, D={self.x.shape[1]}, eps={self.eps})"


def batchnorm_forward(x, gamma, beta, eps=1e-5):
    mu = np.mean(x, axis=0)
    var = np.mean((x - mu) ** 2, axis=0)
    x_hat = (x - mu) / np.sqrt(var + eps)
    return gamma * x_hat + beta, BNCache(x.copy(), mu, var, gamma.copy(), eps)


def batchnorm_backward(dout, cache):
    x, mu, var, gamma, eps = cache.x, cache.mu, cache.var, cache.gamma, cache.eps
    m = x.shape[0]
    x_hat = (x - mu) / np.sqrt(var + eps)
    dx_hat = dout * gamma
    dvar = np.sum(dx_hat * (x - mu), axis=0) * -0.5 * (var + eps) ** -1.5
    dmu = np.sum(dx_hat * -1 / np.sqrt(var + eps), axis=0) + dvar * np.sum(-2 * (x - mu), axis=0) / m
    dx = dx_hat / np.sqrt(var + eps) + dvar * 2 * (x - mu) / m + dmu / m
    dgamma = np.sum(dout * x_hat, axis=0)
    dbeta = np.sum(dout, axis=0)
    return dx, dgamma, dbeta


def batchnorm_inference(x, gamma, beta, running_mean, running_var, eps=1e-5):
    return gamma * (x - running_mean) / np.sqrt(running_var + eps) + beta


def update_running_stats(running_mean, running_var, x, momentum=0.1):
    m = x.shape[0]
    batch_var = np.var(x, axis=0) * m / (m - 1)  # Algorithm 2's m/(m-1) correction
    new_mean = running_mean + momentum * (np.mean(x, axis=0) - running_mean)
    new_var = running_var + momentum * (batch_var - running_var)
    return new_mean, new_var
