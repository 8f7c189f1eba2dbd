"""The ``student`` fixture: a topic's module in the jail, called like a local module.

``student.elu(x, alpha=0.7)`` sends the call over the jail's channel and returns the decoded
plain data. The proxy keeps in-process semantics where a suite relies on them: an argument the
student modified in place is modified the same way here (so ``x0 = x.copy(); student.f(x);
checks.unchanged(x0, x, ...)`` catches mutation), and containers nested in a returned tuple (the
``cache`` of ``(out, cache)``) stay in the jail as handles, like objects that are not plain data.

A worker that dies (timeout, crash, limit, ``os._exit``) costs the call that killed it: the next
call starts a fresh worker and loads the module again; handles of the dead worker are gone, so
a test that uses them fails too, and nothing else does.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from grader import cgroups
from grader.jail.wire import Handle, PublicFn
from grader.sandbox import Job, JobDied, Sandbox
from grader.suite import (
    InvalidResult,
    JailFailure,
    L,
    MissingFunction,
    NotAttempted,
    StudentRaised,
)


@dataclass
class LoadProblem:
    """Why the module could not be imported, for the topic's message."""

    message: L
    kind: str  # syntax | import | timeout | crash


@dataclass
class TopicJail:
    """Everything about one topic of one submission that lives across its tests."""

    topic: str
    files: dict[str, str]
    sandbox: Sandbox
    deadline: float  # time.monotonic() when the submission's wall-clock budget ends
    generation: int = 0
    job: Job | None = None
    functions: dict[str, Any] = field(default_factory=dict)
    load_problem: LoadProblem | None = None
    warnings: set[str] = field(default_factory=set)
    output: bytearray = field(default_factory=bytearray)
    output_total: int = 0
    crashes: list[str] = field(default_factory=list)
    # functions that ran out of time: not called again, so one hanging function cannot eat the
    # submission's time budget and with it the tests of the functions after it
    timed_out: dict[str, L] = field(default_factory=dict)
    jobs: list[Job] = field(default_factory=list)  # every worker of the topic, for its figures

    # -- the worker
    def _remaining(self, limit: float) -> float:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise JailFailure(
                L(
                    "the time budget for the whole submission was used up before this test",
                    "время на проверку всей работы закончилось до этого теста",
                )
            )
        return min(limit, left)

    def ensure_job(self) -> Job:
        if self.load_problem is not None:
            raise JailFailure(self.load_problem.message)
        if self.job is not None and self.job.alive:
            return self.job
        self._collect_output()
        self.generation += 1
        try:
            self.job = self.sandbox.spawn()
            self.jobs.append(self.job)
            reply = self.job.request(
                {"op": "load", "files": self.files, "module": self.topic, "generation": self.generation},
                self._remaining(self.sandbox.limits.load_seconds),
            )
        except JobDied as death:
            self.load_problem = LoadProblem(_load_death_message(self.topic, death), death.kind)
            raise JailFailure(self.load_problem.message) from None
        if "import_error" in reply:
            self.load_problem = _import_problem(self.topic, reply["import_error"])
            self.close()
            raise JailFailure(self.load_problem.message)
        self.functions = reply.get("functions") or {}
        self.warnings.update(reply.get("warnings") or ())
        return self.job

    def close(self) -> None:
        if self.job is not None:
            self.job.close()
            self._collect_output()
            self.job = None

    def resources(self) -> dict[str, object]:
        """What the topic's jobs used, from their cgroups (once they have ended)."""
        return cgroups.combine([job.usage for job in self.jobs if job.usage is not None])

    def _collect_output(self) -> None:
        if self.job is not None:
            room = self.sandbox.limits.output_bytes - len(self.output)
            self.output += bytes(self.job.output[: max(room, 0)])
            self.output_total += self.job.output_total
            self.job.output.clear()
            self.job.output_total = 0

    # -- calls
    def request(self, message: dict, limit: float | None = None) -> dict:
        job = self.ensure_job()
        try:
            return job.request(message, self._remaining(limit or self.sandbox.limits.call_seconds))
        except JobDied as death:
            self.crashes.append(death.reason)
            what = message.get("fn", "the jail")
            failure = L(f"{what}: {death.reason}", f"{what}: {death.reason_ru}")
            if death.kind in ("timeout", "cpu") and "fn" in message:
                self.timed_out[what] = failure + L(
                    " (in an earlier test; not run again)", " (в одном из предыдущих тестов; повторно не запускалась)"
                )
            raise JailFailure(failure) from None

    def check_handles(self, value: Any) -> None:
        if isinstance(value, Handle) and value.jail_generation != self.generation:
            raise JailFailure(
                L(
                    "an object from an earlier call was lost when the jail restarted after a crash",
                    "объект из предыдущего вызова потерян: после сбоя песочница перезапущена",
                )
            )
        if isinstance(value, (list, tuple)):
            for item in value:
                self.check_handles(item)
        elif isinstance(value, dict):
            for item in value.values():
                self.check_handles(item)
        elif isinstance(value, PublicFn):
            self.check_handles(value.args)


class StudentModule:
    """What the ``student`` fixture is: attribute access gives the student's functions."""

    def __init__(self, jail: TopicJail):
        self._jail = jail

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)

        def call(*args: Any, **kwargs: Any) -> Any:
            return self._call(name, args, kwargs)[0]

        call.__name__ = name
        return call

    def cpu_time(self, fn: str, *args: Any, **kwargs: Any) -> tuple[Any, float]:
        """The result and the CPU seconds the kernel charged the worker for this call."""
        return self._call(fn, args, kwargs)

    def put(self, value: Any) -> Handle:
        """Keep ``value`` in the jail; the handle can be passed to later calls."""
        reply = self._jail.request({"op": "put", "value": value})
        return reply["result"]

    def fetch(self, handle: Handle) -> Any:
        """The current value of an object kept in the jail."""
        self._jail.check_handles(handle)
        reply = self._jail.request({"op": "fetch", "handle": handle})
        if reply.get("lost_handle"):
            raise JailFailure(L("an object kept in the jail was lost", "объект в песочнице потерян"))
        return reply.get("result")

    def global_rng_digest(self) -> str:
        """A digest (hex) of the worker's global random states: NumPy's ``np.random`` (legacy
        ``seed``/``rand``) and Python's ``random``. Take it before and after a call to see
        whether the function seeded or drew from the global state instead of its ``rng``.

        The digest is computed inside the jail, by code the submission can patch: a suite may
        use it only to take points away (a changed digest), never to grant them; a patched
        probe hides nothing a behavioural test (same rng, same output) would not catch."""
        reply = self._jail.request({"op": "rng_digest"})
        digest = reply.get("result")
        if not (isinstance(digest, str) and len(digest) == 64
                and all(c in "0123456789abcdef" for c in digest)):  # fmt: skip
            raise JailFailure(L("the jail sent a malformed reply", "песочница прислала искажённый ответ"))
        return digest

    def _call(self, fn: str, args: tuple, kwargs: dict) -> tuple[Any, float]:
        jail = self._jail
        if fn in jail.timed_out:
            raise JailFailure(jail.timed_out[fn])
        jail.check_handles(args)
        jail.check_handles(kwargs)
        job = jail.ensure_job()
        before = job.cpu_seconds()
        reply = jail.request({"op": "call", "fn": fn, "args": list(args), "kwargs": kwargs})
        seconds = max(0.0, job.cpu_seconds() - before)
        jail.warnings.update(reply.get("warnings") or ())
        if "result" in reply:
            _mirror_mutation(args, kwargs, reply.get("mutated") or {})
            return reply["result"], seconds
        if "missing" in reply:
            raise MissingFunction(
                L(f"the module has no function {fn}()", f"в модуле нет функции {fn}()")
            )
        if "raised" in reply:
            raise _raised(fn, reply["raised"])
        if reply.get("lost_handle"):
            raise JailFailure(L("an object kept in the jail was lost", "объект в песочнице потерян"))
        if "invalid" in reply:
            raise InvalidResult(
                L(
                    f"{fn} returned something that is not an array, a number or a tuple of them",
                    f"{fn} вернула не массив, не число и не кортеж из них",
                )
            )
        raise InvalidResult(L(f"{fn}: malformed reply from the jail", f"{fn}: ответ песочницы искажён"))


def _mirror_mutation(args: tuple, kwargs: dict, mutated: Any) -> None:
    """Apply the jail's in-place changes to the caller's arrays (see the module docstring)."""
    if not isinstance(mutated, dict):
        return
    for key, value in mutated.items():
        target = args[key] if isinstance(key, int) and key < len(args) else kwargs.get(key)
        if isinstance(target, np.random.Generator) and isinstance(value, np.random.Generator):
            if type(target.bit_generator) is type(value.bit_generator):
                target.bit_generator.state = value.bit_generator.state
            continue
        if isinstance(target, np.ndarray) and isinstance(value, np.ndarray):
            if value.shape == target.shape and target.flags.writeable:
                np.copyto(target, value, casting="unsafe")
            else:  # the shape changed in place (resize): make the difference visible anyway
                target[...] = np.nan if target.dtype.kind == "f" else 0


def _raised(fn: str, info: dict) -> Exception:
    types = tuple(str(name) for name in info.get("types") or ())
    text = str(info.get("message") or "")
    where = f" ({info['where']})" if info.get("where") else ""
    if "NotImplementedError" in types:
        return NotAttempted(L(f"{fn} is not implemented yet", f"{fn} ещё не реализована"))
    name = types[0] if types else "Exception"
    detail = f"{name}: {text}" if text else name
    return StudentRaised(
        L(f"{fn} raised {detail}{where}", f"{fn} выбросила исключение {detail}{where}"),
        types,
        text,
    )


def _import_problem(topic: str, info: dict) -> LoadProblem:
    types = tuple(info.get("types") or ())
    name = types[0] if types else "Exception"
    where = f" ({info['where']})" if info.get("where") else ""
    text = f"{name}: {info.get('message', '')}{where}"
    if "SyntaxError" in types:
        return LoadProblem(
            L(
                f"{topic}.py has a syntax error: {text}; fix it so the module can be imported",
                f"в {topic}.py синтаксическая ошибка: {text}; исправьте её, чтобы модуль импортировался",
            ),
            "syntax",
        )
    return LoadProblem(
        L(
            f"importing {topic}.py failed with {text}; the module must import with only NumPy "
            "and the standard library",
            f"импорт {topic}.py завершился ошибкой {text}; модуль должен импортироваться, "
            "используя только NumPy и стандартную библиотеку",
        ),
        "import",
    )


def _load_death_message(topic: str, death: JobDied) -> L:
    return L(
        f"importing {topic}.py: {death.reason}; code at the top level of the module runs at "
        "import: move it into a function or under `if __name__ == '__main__':`",
        f"импорт {topic}.py: {death.reason_ru}; код на верхнем уровне модуля выполняется при "
        "импорте: перенесите его в функцию или под `if __name__ == '__main__':`",
    )
