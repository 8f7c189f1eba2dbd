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

import re
import secrets
import select
import socket
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np

from grader import cgroups
from grader.calls import StudentCalls, invalid_result, missing_function
from grader.calls import advance as _advance
from grader.calls import mirror_mutation as _mirror_mutation
from grader.calls import raised as _raised
from grader.jail.wire import Handle, PublicFn, WireError
from grader.sandbox import Job, JobDied, Sandbox
from grader.schema import ProtocolError, check_reply
from grader.suite import (
    JailFailure,
    L,
)

T = TypeVar("T")


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
    job_output_shown: int = 0  # of the current worker's output, the bytes already in `output`
    crashes: list[str] = field(default_factory=list)
    # functions that ran out of time: not called again, so one hanging function cannot eat the
    # submission's time budget and with it the tests of the functions after it
    timed_out: dict[str, L] = field(default_factory=dict)
    jobs: list[Job] = field(default_factory=list)  # every worker of the topic, for its figures
    # the functions whose signatures the load asks for (the contract's); None: every public one
    describe: tuple[str, ...] | None = None
    memo: dict[Hashable, Any] = field(default_factory=dict)  # StudentModule.memo's results

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
            if not _pending(self.job):
                return self.job
            # bytes nobody asked for (a thread of an earlier call writing to the channel):
            # that worker is done; this test gets a fresh one and loses nothing
            self.crashes.append("wrote to the jail's channel between calls")
            self.job._end()
        self._collect_output()
        self.generation += 1
        try:
            self.job = self.sandbox.spawn()
            self.jobs.append(self.job)
            load: dict[str, Any] = {"op": "load", "files": self.files, "module": self.topic,
                                    "generation": self.generation}  # fmt: skip
            if self.describe is not None:
                load["describe"] = list(self.describe)
            reply = self._exchange(self.job, load, self._remaining(self.sandbox.limits.load_seconds))
        except JobDied as death:
            self.load_problem = LoadProblem(_load_death_message(self.topic, death), death.kind)
            raise JailFailure(self.load_problem.message) from None
        if self.generation == 1:
            self._keep_import_output(self.job)
        if "import_error" in reply:
            self.load_problem = _import_problem(self.topic, reply["import_error"])
            self.close()
            raise JailFailure(self.load_problem.message)
        if "invalid" in reply:  # imported, but the jail could not describe it to the grader
            self.load_problem = LoadProblem(_undescribed(self.topic, reply["invalid"], self.sandbox), "crash")
            self.close()
            raise JailFailure(self.load_problem.message)
        self.functions = reply["functions"]
        self.warnings.update(_capped(reply["warnings"]))  # printed at import: no test data yet
        return self.job

    def _exchange(self, job: Job, message: dict[str, Any], timeout: float) -> dict[str, Any]:
        """One request with a fresh random id, and its reply checked against the op's schema.
        A reply to another request, a second reply, or one that does not fit the schema is the
        submission breaking the protocol: the worker is killed (JobDied, kind "protocol")."""
        ident = secrets.token_hex(16)
        try:
            reply = job.request({**message, "id": ident}, timeout)
        except JobDied as death:
            if death.kind != "protocol":
                raise
            raise JobDied(f"the submission broke the jail's protocol: it {death.reason}", "protocol",
                          f"работа нарушила протокол песочницы: {death.reason_ru}") from None  # fmt: skip
        problem: L | None = None
        if reply.pop("id", None) != ident:
            problem = L("a reply to another request", "ответ на другой запрос")
        elif _pending(job):
            problem = L("more than one reply to a request", "несколько ответов на один запрос")
        else:
            try:
                check_reply(message["op"], reply)
            except ProtocolError as error:
                problem = error.message
        if problem is not None:
            job._end()
            raise JobDied(
                f"the submission broke the jail's protocol ({problem.en})", "protocol",
                f"работа нарушила протокол песочницы ({problem.ru})",
            )  # fmt: skip
        return reply

    def close(self) -> None:
        if self.job is not None:
            try:
                self.job.close()
            except WireError:  # unrequested bytes in the channel as "bye" went out
                self.job._end()
            self._collect_output()
            self.job = None

    def resources(self) -> dict[str, object]:
        """What the topic's jobs used, from their cgroups (once they have ended)."""
        return cgroups.combine([job.usage for job in self.jobs if job.usage is not None])

    def _keep_import_output(self, job: Job) -> None:
        """What the module printed while it was imported, before any test input existed in
        the worker: the only student output a report shows. The agent flushed it into the pipe
        before its reply; give the reader thread a moment to take it in."""
        seen, stable = -1, 0
        for _ in range(50):
            if job.output_total == seen:
                stable += 1
                if stable == 2:
                    break
            else:
                seen, stable = job.output_total, 0
            time.sleep(0.002)
        shown = bytes(job.output[: self.sandbox.limits.output_bytes])
        self.output += shown
        self.output_total += len(shown)
        self.job_output_shown = len(shown)

    def _collect_output(self) -> None:
        """Count what the finished worker printed; beyond its import output none is kept."""
        if self.job is not None:
            self.output_total += self.job.output_total - self.job_output_shown
            self.job_output_shown = 0
            self.job.output.clear()
            self.job.output_total = 0

    def output_text(self, lang: str) -> str:
        """The student's output for the report: what the module printed at import (capped),
        and how much more was printed during the tests, which is never shown."""
        text = bytes(self.output).decode("utf-8", "replace")
        hidden = self.output_total - len(self.output)
        if hidden > 0:
            note = L(
                f"[{hidden} bytes printed during the tests are not shown: they could contain the test inputs]",
                f"[{hidden} байт, напечатанных во время тестов, не показаны: в них могут быть входные данные тестов]",
            )
            text = f"{text}\n{note(lang)}" if text else note(lang)
        return text

    # -- calls
    def request(self, message: dict[str, Any], limit: float | None = None) -> dict[str, Any]:
        job = self.ensure_job()
        try:
            return self._exchange(job, message, self._remaining(limit or self.sandbox.limits.call_seconds))
        except JobDied as death:
            self.crashes.append(death.reason)
            what = message.get("fn", "the jail")
            failure = L(f"{what}: {death.reason}", f"{what}: {death.reason_ru}")
            if death.kind in ("timeout", "cpu") and "fn" in message:
                self.timed_out[what] = failure + L(
                    " (in an earlier test; not run again)", " (в одном из предыдущих тестов; повторно не запускалась)"
                )
            raise JailFailure(failure) from None

    def broke_protocol(self, job: Job, what: str, problem: L) -> JailFailure:
        """End the worker for a reply that is well-formed but wrong for its request."""
        job._end()
        self.crashes.append(f"broke the protocol: {problem.en}")
        return JailFailure(L(f"{what}: the submission broke the jail's protocol ({problem.en})",
                             f"{what}: работа нарушила протокол песочницы ({problem.ru})"))  # fmt: skip

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


class StudentModule(StudentCalls):
    """What the ``student`` fixture is: attribute access gives the student's functions."""

    def __init__(self, jail: TopicJail):
        self._jail = jail

    def put(self, value: Any) -> Handle:
        """Keep ``value`` in the jail; the handle can be passed to later calls."""
        reply = self._jail.request({"op": "put", "value": value})
        handle: Handle = reply["result"]
        return handle

    def fetch(self, handle: Handle) -> Any:
        """The current value of an object kept in the jail."""
        self._jail.check_handles(handle)
        reply = self._jail.request({"op": "fetch", "handle": handle})
        if "lost_handle" in reply:
            raise JailFailure(L("an object kept in the jail was lost", "объект в песочнице потерян"))
        return reply["result"]

    def memo(self, key: Hashable, compute: Callable[[], T]) -> T:
        """``StudentCalls.memo``, kept for the tests after this one of the same topic of the
        same submission."""
        if key not in self._jail.memo:
            self._jail.memo[key] = compute()
        value: T = self._jail.memo[key]
        return value

    def between_calls(self, compute: Callable[[], T]) -> tuple[T, float]:
        """``StudentCalls.between_calls``: the job's CPU time (its cgroup's, every thread and
        child) around ``compute()``."""
        job = self._jail.ensure_job()
        before = job.cpu_seconds()
        value = compute()
        return value, max(0.0, job.cpu_seconds() - before)

    def global_rng_digest(self) -> str:
        """A digest (hex) of the worker's global random states: NumPy's ``np.random`` (legacy
        ``seed``/``rand``) and Python's ``random``. Take it before and after a call to see
        whether the function seeded or drew from the global state instead of its ``rng``.

        The digest is computed inside the jail, by code the submission can patch: a suite may
        use it only to take points away (a changed digest), never to grant them; a patched
        probe hides nothing a behavioural test (same rng, same output) would not catch."""
        digest: str = self._jail.request({"op": "rng_digest"})["result"]
        return digest

    def _call(self, fn: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, float]:
        jail = self._jail
        if fn in jail.timed_out:
            raise JailFailure(jail.timed_out[fn])
        jail.check_handles(args)
        jail.check_handles(kwargs)
        job = jail.ensure_job()
        before = job.cpu_seconds()
        reply = jail.request({"op": "call", "fn": fn, "args": list(args), "kwargs": kwargs})
        seconds = max(0.0, job.cpu_seconds() - before)
        jail.warnings.update(_call_warnings(reply.get("warnings", [])))
        if "result" in reply:
            places = list(enumerate(args)) + list(kwargs.items())
            arrays = {key: value for key, value in places if isinstance(value, np.ndarray)}
            rngs = {key: value for key, value in places if isinstance(value, np.random.Generator)}
            if set(reply["inputs"]) != set(arrays) or set(reply["rngs"]) != set(rngs):
                raise jail.broke_protocol(job, fn, L(
                    "the reply does not give back the arguments the function received",
                    "в ответе нет аргументов, которые получила функция"))  # fmt: skip
            _mirror_mutation(arrays, reply["inputs"])
            _advance(rngs, reply["rngs"])
            return reply["result"], seconds
        if "missing" in reply:
            raise missing_function(fn)
        if "raised" in reply:
            raise _raised(fn, reply["raised"])
        if "lost_handle" in reply:
            raise JailFailure(L("an object kept in the jail was lost", "объект в песочнице потерян"))
        raise invalid_result(fn)


def _pending(job: Job) -> bool:
    """Whether the worker's channel holds bytes that no request asked for."""
    try:
        ready, _, _ = select.select([job.sock], [], [], 0)
        return bool(ready) and bool(job.sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT))
    except (OSError, ValueError):
        return False  # closed: the next request finds out why


# NumPy's floating-point warnings say which operation, never a value: those are shown as they
# are; any other text raised during a call could carry the test's input and is not shown
_NUMPY_WARNING = re.compile(
    r"RuntimeWarning: (overflow|underflow|invalid value|divide by zero) encountered in "
    r"(scalar )?(exp|expm1|log|log1p|divide|true_divide|multiply|power|add|subtract|square|"
    r"sqrt|tanh|sinh|cosh|reciprocal|matmul|dot|reduce|cast|negative|absolute|maximum|"
    r"minimum|where|sum|mean|var|std)"
)


def _call_warnings(texts: list[str]) -> list[str]:
    shown = []
    for text in texts[:20]:
        if _NUMPY_WARNING.fullmatch(text):
            shown.append(text)
        else:
            category = text.split(":", 1)[0][:60]
            shown.append(
                f"{category} (message not shown: it could contain the test inputs / "
                "текст не показан: в нём могут быть входные данные тестов)"
            )
    return shown


def _capped(texts: list[str]) -> list[str]:
    return [text[:300] for text in texts[:20]]


def _import_problem(topic: str, info: dict[str, Any]) -> LoadProblem:
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
            f"importing {topic}.py failed with {text}; the module must import with only NumPy and the standard library",
            f"импорт {topic}.py завершился ошибкой {text}; модуль должен импортироваться, "
            "используя только NumPy и стандартную библиотеку",
        ),
        "import",
    )


def _undescribed(topic: str, invalid: str, sandbox: Sandbox) -> L:
    """The module imported, but the list of its functions could not be made or sent: say
    which limit (the reply's size, or the memory of a process) stopped it."""
    if invalid.startswith("MemoryError"):
        mib = sandbox.limits.memory_bytes >> 20
        return L(
            f"{topic}.py was imported, then the jail ran out of memory listing its functions (the limit "
            f"is {mib} MiB a process): the module holds too much; keep large data out of its top level",
            f"{topic}.py импортирован, но песочнице не хватило памяти, чтобы перечислить его функции (лимит — "
            f"{mib} МиБ на процесс): модуль слишком велик; не держите большие данные на верхнем уровне",
        )
    return L(
        f"{topic}.py was imported, but the list of its functions is larger than the grader accepts "
        f"({invalid[:200]}): define the task's functions at the top level of the module, with plain defaults",
        f"{topic}.py импортирован, но список его функций больше, чем принимает проверяющая система "
        f"({invalid[:200]}): определите функции задания на верхнем уровне модуля, с простыми значениями по умолчанию",
    )


def _load_death_message(topic: str, death: JobDied) -> L:
    return L(
        f"importing {topic}.py: {death.reason}; code at the top level of the module runs at "
        "import: move it into a function or under `if __name__ == '__main__':`",
        f"импорт {topic}.py: {death.reason_ru}; код на верхнем уровне модуля выполняется при "
        "импорте: перенесите его в функцию или под `if __name__ == '__main__':`",
    )
