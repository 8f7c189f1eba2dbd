"""Functions a suite may hand to student code (``PublicFn("name", args)``), e.g. the ``f`` of
``numerical_gradient``. This module is public: the jail imports it, and the trusted side uses
the same functions for the reference. Pure NumPy, no state; extra ``args`` are bound first:
``PublicFn("weighted_sum", (w,))`` is ``lambda x: weighted_sum(w, x)``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # not imported in the jail: annotations only
    from numpy.typing import ArrayLike


def sum_of_squares(x: ArrayLike) -> float:
    """f(x) = sum(x**2); gradient 2x."""
    return float(np.sum(np.asarray(x, dtype=np.float64) ** 2))


def weighted_sum(w: ArrayLike, x: ArrayLike) -> float:
    """f(x) = sum(w * x); gradient w."""
    return float(np.sum(np.asarray(w) * np.asarray(x)))


def sum_of_sines(x: ArrayLike) -> float:
    """f(x) = sum(sin(x)); gradient cos(x)."""
    return float(np.sum(np.sin(x)))


def sum_of_cubes(x: ArrayLike) -> float:
    """f(x) = sum(x**3); gradient 3x**2. Central differences are off by exactly h**2 per
    element, one-sided ones by about 3xh: a test can tell which step and formula were used."""
    return float(np.sum(np.asarray(x, dtype=np.float64) ** 3))


def quadratic_form(a: ArrayLike, x: ArrayLike) -> float:
    """f(x) = v @ a @ v / 2 with v = x flattened in C order; gradient ((a + a.T) @ v / 2) shaped
    like x. Every partial depends on every element, so a perturbation left in place shows."""
    v = np.asarray(x, dtype=np.float64).reshape(-1)
    return float(v @ np.asarray(a, dtype=np.float64) @ v / 2.0)


def linear_cross_entropy(x: ArrayLike, b: ArrayLike, y: ArrayLike, w: ArrayLike) -> float:
    """f(w) = mean softmax cross-entropy of the logits x @ w + b for integer labels y: the loss
    of a dense layer as a function of its weights, for a gradient check."""
    z = np.asarray(x, dtype=np.float64) @ np.asarray(w, dtype=np.float64) + np.asarray(b, dtype=np.float64)
    z = z - z.max(axis=1, keepdims=True)
    log_sum = np.log(np.exp(z).sum(axis=1))
    return float(np.mean(log_sum - z[np.arange(z.shape[0]), np.asarray(y)]))
