# expect: full
"""Each function works on the values in order, np.ravel(x) (a copy where x is transposed or
strided), writes the result into a new flat buffer and gives it x's shape back: any shape,
any memory layout, 0-d included."""

import numpy as np


def _flat(x):
    flat = np.ravel(x)  # C order of the values, whatever x's layout
    return flat, np.empty(flat.shape, dtype=np.result_type(flat.dtype, np.float64))


def _back(out, x):
    return out.reshape(np.shape(x))


def sigmoid(x):
    v, out = _flat(x)
    pos = v >= 0
    out[pos] = 1 / (1 + np.exp(-v[pos]))
    e = np.exp(v[~pos])
    out[~pos] = e / (1 + e)
    return _back(out, x)


def sigmoid_grad(x):
    v, out = _flat(x)
    z = np.exp(-np.abs(v))
    out[:] = z / (1 + z) ** 2
    return _back(out, x)


def tanh(x):
    v, out = _flat(x)
    np.tanh(v, out=out)
    return _back(out, x)


def tanh_grad(x):
    v, out = _flat(x)
    out[:] = 1 - np.tanh(v) ** 2
    return _back(out, x)


def relu(x):
    v, out = _flat(x)
    out[:] = v
    out[v < 0] = 0
    return _back(out, x)


def relu_grad(x):
    v, out = _flat(x)
    out[:] = v > 0
    return _back(out, x)


def leaky_relu(x, negative_slope=0.01):
    v, out = _flat(x)
    out[:] = v
    out[v <= 0] *= negative_slope
    return _back(out, x)


def leaky_relu_grad(x, negative_slope=0.01):
    v, out = _flat(x)
    out.fill(negative_slope)
    out[v > 0] = 1
    return _back(out, x)


def elu(x, alpha=1.0):
    v, out = _flat(x)
    out[:] = v
    neg = v <= 0
    out[neg] = alpha * np.expm1(v[neg])
    return _back(out, x)


def elu_grad(x, alpha=1.0):
    v, out = _flat(x)
    out.fill(1)
    neg = v <= 0
    out[neg] = alpha * np.exp(v[neg])
    return _back(out, x)
