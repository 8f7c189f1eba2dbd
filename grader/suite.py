"""What a hidden or public suite imports: bilingual text, failures, and the student's errors.

A suite is ordinary pytest. It gets three fixtures from the grader's plugin:

- ``student``: a proxy for the student's module of the suite's topic. ``student.elu(x, alpha=0.7)``
  sends the call to the jail and returns plain data (ndarrays, numbers, strings, tuples, lists,
  dicts); anything else the student returned stays in the jail and comes back as a ``Handle``
  that can be passed back in (``student.batchnorm_backward(dout, cache)``). Callables cross as
  ``PublicFn("name")``: a function of ``grader/jail/callables.py``, the one module the jail may
  import for the suites. ``student.cpu_time("relu", x)`` returns ``(result, seconds)``, the CPU
  time the kernel charged the jail for that call.
- ``rng``: a ``numpy.random.Generator`` seeded from the run's seed and the test's id.
- ``seed``: that per-test seed as an int, for tests that build several generators.

A test's points come from ``@pytest.mark.points(n)``; ``@pytest.mark.requires("name", ...)``
gives them only when those tests of the topic (names without ``test_``) pass too: a property
such as "does not modify its input" or "returns float64" is worth nothing on wrong values
(zeros of the right shape pass it). Its docstring's first line is the English
title and a line starting with ``ru:`` is the Russian one. A test fails with ``Failure`` (the
message the student reads, in both languages: an ``L(en, ru)``, the grader's one form of
bilingual text, see grader/text.py); a plain ``assert`` also fails the test but shows
only the title, because pytest's assertion text would show hidden data.

Errors raised by a ``student`` call (the plugin turns uncaught ones into outcomes)::

    StudentError                 something went wrong on the student's side of the boundary
    ├── NotAttempted             the stub's NotImplementedError        -> not_attempted
    ├── StudentRaised            the student's code raised              -> error (or expected,
    │                            with pytest.raises, e.g. ValueError for a bad p)
    ├── MissingFunction          the module has no such function        -> error
    ├── InvalidResult            a return value that is not plain data  -> error
    └── JailFailure              timeout, crash, limit hit, lost handle -> error
"""

from __future__ import annotations

from grader.jail.wire import Handle, PublicFn
from grader.text import L

# the marks a suite's tests carry, as every runner of suites registers them (the jail's, the
# notebook kernel's, nbgrader's collection)
MARKS = (
    "points(n): the points a graded test is worth",
    "requires(*names): tests that must pass for this one to give points",
)

__all__ = [
    "L",
    "Failure",
    "StudentError",
    "NotAttempted",
    "StudentRaised",
    "MissingFunction",
    "InvalidResult",
    "JailFailure",
    "Handle",
    "PublicFn",
]


class Failure(AssertionError):
    """A property of the student's function does not hold. The message names the property and
    the kind of input that broke it (never the input itself); hints say what to look at."""

    def __init__(self, message: L, hints: list[L] | tuple[L, ...] = ()):
        super().__init__(message.en)
        self.message = message
        self.hints = tuple(hints)


class TooSlow(Failure):
    """A timing check's budget was exceeded by a call whose result was right. The runner times
    such a test once more, on other inputs, before it counts, if ``retry``: on a shared machine
    a burst of another job's load can slow one moment of a correct solution, never a loop twice.
    Not when ``timing.fastest_within``'s rounds confirmed it already, nor when the call took
    more than ``timing.NOT_NOISE`` times its budget and ``timing.NOT_NOISE_SECONDS`` more (no
    load does that to an honest call: a loop of a second would just be paid for again)."""

    def __init__(self, message: L, hints: list[L] | tuple[L, ...] = (), retry: bool = True):
        super().__init__(message, hints)
        self.retry = retry


class StudentError(Exception):
    """Base of what a call into the jail can raise on the trusted side."""

    def __init__(self, message: L):
        super().__init__(message.en)
        self.message = message


class NotAttempted(StudentError):
    """The function still raises the stub's NotImplementedError."""


class StudentRaised(StudentError):
    """The student's code raised; ``type_names`` is the exception class's MRO, by name."""

    def __init__(self, message: L, type_names: tuple[str, ...], text: str):
        super().__init__(message)
        self.type_names = type_names
        self.text = text

    def is_a(self, name: str) -> bool:
        return name in self.type_names


class MissingFunction(StudentError):
    """The module does not define the function the contract names."""


class InvalidResult(StudentError):
    """The student returned something that cannot cross the boundary as plain data."""


class JailFailure(StudentError):
    """The jail timed out, crashed, hit a limit, or lost a handle in an earlier crash."""
