# expect: full
"""CS231n's eval_numerical_gradient: perturb x itself with np.nditer and restore every
element exactly (an integer x, which cannot hold x + h, is first copied to float); the layer
caches everything, b included."""
import numpy as np


def linear_forward(x, W, b):
    return x.dot(W) + b, (x, W, b)


def linear_backward(dout, cache):
    x, W, b = cache
    return dout.dot(W.T), x.T.dot(dout), dout.sum(0)


def softmax(z):
    z = z - z.max(1)[:, np.newaxis]
    p = np.exp(z)
    p /= p.sum(1)[:, np.newaxis]
    return p


def cross_entropy(logits, y):
    n = len(y)
    p = softmax(logits)
    z = logits - logits.max(1)[:, np.newaxis]
    loss = np.mean(np.log(np.exp(z).sum(1)) - z[range(n), y])
    dlogits = p.copy()
    dlogits[range(n), y] -= 1
    dlogits /= n
    return float(loss), dlogits


def numerical_gradient(f, x, h=1e-5):
    if x.dtype.kind != "f":
        x = x.astype(float)  # an integer x would truncate x + h
    grad = np.zeros(x.shape)
    it = np.nditer(x, flags=["multi_index"], op_flags=["readwrite"])
    while not it.finished:
        ix = it.multi_index
        oldval = x[ix]
        x[ix] = oldval + h
        fxph = f(x)
        x[ix] = oldval - h
        fxmh = f(x)
        x[ix] = oldval
        grad[ix] = (fxph - fxmh) / (2 * h)
        it.iternext()
    return grad
