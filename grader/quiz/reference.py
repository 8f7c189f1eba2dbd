"""Answer computation from solutions: a bank's expressions call the functions of the course's
``solutions/`` modules (so a quiz and an exercise can never disagree), with numbers in and
plain numbers out."""

from __future__ import annotations

import importlib
import math
from collections.abc import Callable
from typing import Any

import numpy as np

from grader.errors import ConfigError


def to_np(value: Any) -> Any:
    """A bank's value as the reference expects it: floats and lists become float64 arrays."""
    if isinstance(value, bool) or isinstance(value, int) or isinstance(value, str):
        return value
    if isinstance(value, float):
        return np.asarray(value, dtype=np.float64)
    if isinstance(value, (list, tuple)):
        return np.asarray(value, dtype=np.float64)
    return value


def from_np(value: Any) -> Any:
    """A reference's result as plain Python: a size-1 array is its number, others are lists."""
    if isinstance(value, np.ndarray):
        if value.size == 1:
            return value.reshape(()).item()
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, tuple):
        return tuple(from_np(v) for v in value)
    if isinstance(value, list):
        return [from_np(v) for v in value]
    return value


def _wrap(fn: Callable[..., Any]) -> Callable[..., Any]:
    def call(*args: Any, **kwargs: Any) -> Any:
        return from_np(fn(*(to_np(a) for a in args), **{k: to_np(v) for k, v in kwargs.items()}))

    call.__name__ = getattr(fn, "__name__", "fn")
    return call


MATH: dict[str, Any] = {
    "exp": math.exp, "log": math.log, "sqrt": math.sqrt, "tanh": math.tanh, "abs": abs,
    "min": min, "max": max, "round": round, "float": float, "int": int, "pi": math.pi,
    "e": math.e, "sum": sum, "len": len, "range": range,
    "rng": lambda seed=0: np.random.default_rng(seed),
}  # fmt: skip


def namespace(modules: list[str], where: str) -> dict[str, Any]:
    """What a bank's expressions see: the math helpers and every ``__all__`` function of the
    named ``solutions.<module>``s."""
    ns: dict[str, Any] = dict(MATH)
    for name in modules:
        try:
            mod = importlib.import_module(f"solutions.{name}")
        except Exception as e:  # the bank names a module that does not import
            raise ConfigError(f"{where}: solutions module 'solutions.{name}' does not import: {type(e).__name__}: {e}") from None
        names = getattr(mod, "__all__", None)
        if names is None:
            raise ConfigError(f"{where}: solutions.{name} has no __all__")
        for fn_name in names:
            if fn_name in ns and fn_name not in MATH:  # a solution may replace a math helper
                raise ConfigError(
                    f"{where}: function {fn_name!r} of solutions.{name} is also defined by another module or helper"
                )
            ns[fn_name] = _wrap(getattr(mod, fn_name))
    return ns
