"""Functions a suite may hand to student code (``PublicFn("name", args)``), e.g. the ``f`` of
``numerical_gradient``. This module is public: the jail imports it, and the trusted side uses
the same functions for the reference. Pure NumPy, no state; extra ``args`` are bound first:
``PublicFn("weighted_sum", (w,))`` is ``lambda x: weighted_sum(w, x)``."""

import numpy as np


def sum_of_squares(x):
    """f(x) = sum(x**2); gradient 2x."""
    return float(np.sum(np.asarray(x, dtype=np.float64) ** 2))


def weighted_sum(w, x):
    """f(x) = sum(w * x); gradient w."""
    return float(np.sum(np.asarray(w) * np.asarray(x)))


def sum_of_sines(x):
    """f(x) = sum(sin(x)); gradient cos(x)."""
    return float(np.sum(np.sin(x)))
