"""What a call of the student's function means on the trusted side, wherever the function ran:
in the jail (``grader.proxy``, from the reply's plain data) or in a notebook's kernel
(``grader.kernel``, nbgrader's way: from the exception itself). One translation, so a check
means the same thing in both: NotImplementedError is ``NotAttempted``, any other exception
``StudentRaised``; an input the function wrote into is changed the same way for the suite; a
generator continues where the function's copy stopped; a test's seed is the same.

This module imports no part of the jail's launcher (``grader.sandbox``, cgroups): a kernel
that runs nbgrader's checks imports it without them."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

import numpy as np

from grader import redact
from grader.suite import InvalidResult, L, MissingFunction, NotAttempted, StudentRaised

T = TypeVar("T")


class StudentCalls:
    """The ``student`` fixture's face, wherever the function runs: ``student.elu(x)`` calls the
    student's ``elu``; ``student.cpu_time("elu", x)`` gives the result and the CPU seconds the
    call cost. Subclasses say how a call is made (``_call``)."""

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)

        def call(*args: Any, **kwargs: Any) -> Any:
            return self._call(name, args, kwargs)[0]

        call.__name__ = name
        return call

    def memo(self, key: Hashable, compute: Callable[[], T]) -> T:
        """``compute()``, or the value it gave when an earlier test of the same submission asked
        for ``key``: for suites whose tests make the very same calls (one function, the same
        arguments, generators in the same state), so that the jail computes a 210,000-value
        matrix once rather than once a test. Only a returned value is kept (an exception is
        raised again by the next call). The value is shared: a test must not write into it, and
        a test of determinism (the same call twice) must not use it. Here nothing is kept (a
        notebook's functions change between cells); the jail's proxy keeps it."""
        return compute()

    def cpu_time(self, fn: str, *args: Any, **kwargs: Any) -> tuple[Any, float]:
        """The result and the CPU seconds charged for this call alone."""
        return self._call(fn, args, kwargs)

    def between_calls(self, compute: Callable[[], T]) -> tuple[T, float]:
        """``compute()`` here, and the CPU seconds the student's code was charged meanwhile (a
        thread left running between calls): a timing check does not trust a yardstick it times
        while the student's code is busy. Here the code runs only when called: nothing."""
        return compute(), 0.0

    def _call(self, fn: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, float]:
        raise NotImplementedError


def seed_for(run_seed: int, test_name: str) -> int:
    """A test's seed: stable across runs, machines and Python versions (not hash())."""
    digest = hashlib.sha256(f"{run_seed}:{test_name}".encode()).digest()
    return int.from_bytes(digest[:8], "little") & (2**63 - 1)


def describe(error: BaseException, where: str = "") -> dict[str, Any]:
    """An exception as the jail's agent reports it (``raised``'s ``info``): the names of its
    classes, its text (capped), where in the student's code."""
    try:
        text = str(error)
    except BaseException:
        text = "<the exception's message could not be shown>"
    text = text if len(text) <= 300 else text[:300] + "…"
    return {"types": [str(cls.__name__)[:200] for cls in type(error).__mro__[:64]], "message": text, "where": where}


def mirror_mutation(sent: dict[Any, np.ndarray], came_back: dict[Any, np.ndarray | None]) -> None:
    """Decide here, on the trusted side, whether the function wrote into its input: compare
    each array the suite passed (untouched here since it was sent) with the post-call state of
    the array the function received, and apply any difference to the suite's array, so that
    ``x0 = x.copy(); student.f(x); checks.unchanged(x0, x, ...)`` sees it (see the module
    docstring). The jail reports what the arrays hold, or None for an array that still holds
    the very bytes it was sent (``grader.jail.agent.arrival_probe``): nothing to apply."""
    for key, target in sent.items():
        value = came_back[key]
        if value is None:
            continue
        if value.shape == target.shape and value.dtype == target.dtype:
            # the same bytes are the same values, and comparing bytes is several times cheaper
            # than comparing values with NaN (the common case: nothing was written)
            if value.tobytes() == target.tobytes() or np.array_equal(value, target, equal_nan=target.dtype.kind in "fc"):
                continue
            if target.flags.writeable:
                np.copyto(target, value)
        elif target.flags.writeable:  # its shape or dtype changed in place (resize, .dtype =):
            _spoil(target)  # no values to copy, but the suite must see that it changed


def _spoil(array: np.ndarray) -> None:
    """Change every value of ``array``, whatever they were."""
    if array.dtype.kind in "fc":
        array[...] = np.nan
    elif array.dtype.kind == "b":
        np.logical_not(array, out=array)
    else:
        array += 1  # integers wrap around: still a different value


def advance(sent: dict[Any, np.random.Generator], came_back: dict[Any, np.random.Generator]) -> None:
    """The suite's generators continue where the function's copies stopped."""
    for key, target in sent.items():
        value = came_back[key]
        if type(target.bit_generator) is type(value.bit_generator):
            target.bit_generator.state = value.bit_generator.state


def raised(fn: str, info: dict[str, Any]) -> Exception:
    """The exception a call raised, as the suite sees it. Its text was raised while the
    function held the test's inputs, so what could be their values is left out of it (and of
    the place it names) before anything shows it (``grader.redact``)."""
    types = tuple(str(name) for name in info.get("types") or ())
    text = redact.exception_text(str(info.get("message") or ""))
    place = redact.where(str(info.get("where") or ""))
    where = f" ({place})" if place else ""
    if "NotImplementedError" in types:
        return NotAttempted(L(f"{fn} is not implemented yet", f"{fn} ещё не реализована"))
    name = redact.type_name(types)
    detail = f"{name}: {text}" if text else name
    return StudentRaised(
        L(f"{fn} raised {detail}{where}", f"{fn} выбросила исключение {detail}{where}"),
        types,
        text,
    )


def missing_function(fn: str) -> MissingFunction:
    return MissingFunction(L(f"the module has no function {fn}()", f"в модуле нет функции {fn}()"))


def invalid_result(fn: str) -> InvalidResult:
    return InvalidResult(
        L(
            f"{fn} returned something that is not an array, a number or a tuple of them",
            f"{fn} вернула не массив, не число и не кортеж из них",
        )
    )
