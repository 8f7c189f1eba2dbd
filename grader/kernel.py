"""The course's checks inside a Jupyter kernel: what nbgrader's test cells call.

nbgrader runs a notebook's cells in one kernel, the student's code included: there is no jail,
so a grade made this way is only as strong as the kernel (see docs/notebooks.md). What this
module keeps is the *meaning* of every check. A suite (public or hidden) is the same pytest file
``dlgrade grade`` runs; its ``student`` fixture is a ``KernelStudent`` over the notebook's
namespace, which behaves as the jail's proxy (``grader.proxy.StudentModule``) does:

- NotImplementedError is ``NotAttempted``, any other exception ``StudentRaised``, a name that is
  not a function of the notebook ``MissingFunction``, a result that is not plain data
  ``InvalidResult`` (the translation is ``grader.calls``, shared with the proxy);
- arguments reach the function as the jail receives them (decoded from the wire format: fresh
  arrays, ``PublicFn`` as the function of ``grader/jail/callables.py`` it names, handles as the
  objects they stand for), and what it wrote into an input array is mirrored into the suite's;
- results come back as the wire gives them: plain data, copied; a tuple or dict nested in a
  returned tuple (a ``cache``) stays behind as a ``Handle``;
- ``cpu_time``, ``put``, ``fetch`` and ``global_rng_digest`` as on the proxy.

``Checks`` collects the suite once (one pytest session, kept open) and ``check(name)`` runs one
test: nothing when it passes, an ``AssertionError`` with the test's message and hints (in the
notebook's language) otherwise, which is what nbgrader counts as a failed test cell. Warnings
and whatever the code writes to stderr during a check are kept from the cell's output: nbgrader
gives no point to a test cell that wrote to stderr, where dlgrade charges nothing for a warning.

Imports only the suites' own engine modules (``grader.suite``, ``grader.calls``, ``grader.checks``, ``grader.timing``,
the wire format): no part of the jail's launcher.
"""

from __future__ import annotations

import atexit
import base64
import contextlib
import hashlib
import io
import os
import random
import shutil
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, MutableMapping
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from grader import timing
from grader.calls import StudentCalls, advance, describe, invalid_result, mirror_mutation, missing_function, raised, seed_for
from grader.jail import callables, wire
from grader.suite import MARKS, Failure, Handle, L, PublicFn, StudentError


class KernelStudent(StudentCalls):
    """The ``student`` fixture over a notebook's namespace (its ``globals()``)."""

    def __init__(self, namespace: MutableMapping[str, Any]):
        self._namespace = namespace
        self._objects: dict[int, object] = {}

    def put(self, value: Any) -> Handle:
        return self._keep(self._as_received(value))

    def fetch(self, handle: Handle) -> Any:
        value = self._resolve(handle)
        return self._as_returned(tuple(value) if isinstance(value, tuple) else value, "fetch")

    def global_rng_digest(self) -> str:
        """A digest of NumPy's legacy global random state and Python's ``random`` (as the
        jail's agent computes it): a suite uses it only to take points away."""
        digest = hashlib.sha256()

        def feed(value: Any) -> None:
            if isinstance(value, np.ndarray):
                digest.update(f"array{value.dtype.str}{value.shape}:".encode())
                digest.update(np.ascontiguousarray(value).tobytes())
            elif isinstance(value, dict):
                for key in sorted(value, key=str):
                    digest.update(f"{key!r}=".encode())
                    feed(value[key])
            elif isinstance(value, (list, tuple)):
                digest.update(f"seq{len(value)}:".encode())
                for item in value:
                    feed(item)
            else:
                digest.update(f"{value!r};".encode())

        feed(np.random.get_state(legacy=False))
        feed(random.getstate())
        return digest.hexdigest()

    # -- the call, as the proxy and the jail's agent make it
    def _call(self, fn: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, float]:
        target = self._namespace.get(fn)
        if not callable(target):  # as the jail's agent decides it
            raise missing_function(fn)
        received = self._as_received({"args": list(args), "kwargs": kwargs})
        call_args = [self._resolve(arg) for arg in received["args"]]
        call_kwargs = {key: self._resolve(value) for key, value in received["kwargs"].items()}
        before = time.process_time()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a warning costs nothing (docs/exercise-api.md)
            try:
                result = target(*call_args, **call_kwargs)
            except (Exception, SystemExit) as error:  # KeyboardInterrupt: nbgrader's timeout
                raise raised(fn, describe(error)) from None
        seconds = max(0.0, time.process_time() - before)
        places = list(enumerate(args)) + list(kwargs.items())
        got = list(enumerate(call_args)) + list(call_kwargs.items())
        sent_arrays = {key: value for key, value in places if isinstance(value, np.ndarray)}
        mirror_mutation(sent_arrays, {key: value for key, value in got if key in sent_arrays})
        sent_rngs = {key: value for key, value in places if isinstance(value, np.random.Generator)}
        advance(sent_rngs, {key: value for key, value in got if key in sent_rngs})
        if isinstance(result, tuple):  # the agent's rule: a cache nested in (out, cache) stays
            result = tuple(self._keep(item) if isinstance(item, (tuple, dict)) else item for item in result)
        return self._as_returned(result, fn), seconds

    def _as_received(self, value: Any) -> Any:
        """``value`` as the jail would receive it: through the wire format (copies)."""
        return wire.decode(wire.encode(value), wire.REQUEST)

    def _as_returned(self, value: Any, fn: str) -> Any:
        """``value`` as the proxy would return it, or ``InvalidResult`` where the jail's reply
        could not carry it."""
        try:
            payload = wire.encode({"result": value}, keep=self._keep)
            wire.scan(payload, wire.REPLY)
            return wire.decode(payload, wire.REPLY)["result"]
        except (TypeError, ValueError, OverflowError, RecursionError):
            raise invalid_result(fn) from None

    def _keep(self, obj: object) -> Handle:
        ident = len(self._objects) + 1
        self._objects[ident] = obj
        return Handle(0, ident)

    def _resolve(self, value: Any) -> Any:
        if isinstance(value, Handle):
            return self._objects[value.ident]
        if isinstance(value, PublicFn):
            fn: Callable[..., Any] = getattr(callables, value.name)
            bound = [self._resolve(arg) for arg in value.args]
            return lambda *args, **kwargs: fn(*bound, *args, **kwargs)
        if isinstance(value, list):
            return [self._resolve(item) for item in value]
        if isinstance(value, tuple):
            return tuple(self._resolve(item) for item in value)
        if isinstance(value, dict):
            return {key: self._resolve(item) for key, item in value.items()}
        return value


class CheckFailed(AssertionError):
    """A check that did not pass, as the notebook shows it: the message the report would give."""


_INTERNAL = L(
    "the grader could not run this check (an internal error, not your fault); tell your instructor",
    "проверяющая система не смогла выполнить эту проверку (внутренняя ошибка, не ваша); сообщите преподавателю",
)
_NOT_ATTEMPTED = L("not attempted: ", "не выполнено: ")


class _Plugin:
    """The fixtures of ``grader.runner.GradingPlugin``, over the kernel's student."""

    def __init__(self, student: KernelStudent, run_seed: int):
        self.student = student
        self.run_seed = run_seed

    @pytest.fixture(name="student")
    def _student(self) -> KernelStudent:
        return self.student

    @pytest.fixture(name="seed")
    def _seed(self, request: pytest.FixtureRequest) -> int:
        return seed_for(self.run_seed, request.node.name)

    @pytest.fixture(name="rng")
    def _rng(self, seed: int) -> np.random.Generator:
        return np.random.default_rng(seed)

    def pytest_configure(self, config: pytest.Config) -> None:
        for mark in MARKS:
            config.addinivalue_line("markers", mark)

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
        outcome = yield
        if call.excinfo is not None:
            outcome.get_result().dlgrade_exception = call.excinfo.value


class Checks:
    """One suite of a topic, collected once in the kernel; ``check(name)`` runs one of its tests.

    ``suite`` is the suite's source, ``files`` the files beside it (name -> base64, e.g. the
    public suites' ``expected.npz``), ``modules`` importable modules it needs (dotted name ->
    source, e.g. ``solutions.dropout``: the reference, only ever in a hidden-tests region)."""

    def __init__(
        self,
        topic: str,
        kind: str,
        suite: str,
        *,
        namespace: MutableMapping[str, Any],
        seed: int,
        files: dict[str, str] | None = None,
        modules: dict[str, str] | None = None,
        lang: str = "en",
    ):
        from _pytest.config import _prepareconfig
        from _pytest.main import Session

        self.topic = topic
        self.lang = lang
        self._root = Path(tempfile.mkdtemp(prefix=f"dlgrade-{topic}-{kind}-"))
        atexit.register(shutil.rmtree, self._root, True)
        folder = self._root / "course" / topic / kind
        folder.mkdir(parents=True)
        # a name of its own: pytest keeps modules by name, and another suite of the topic may be loaded
        path = folder / f"test_{topic}_{self._root.name.rsplit('-', 1)[-1]}.py"
        path.write_text(suite, encoding="utf-8")
        for name, data in (files or {}).items():
            (folder / Path(name).name).write_bytes(base64.b64decode(data))
        packages = set()
        for dotted, source in (modules or {}).items():
            parts = dotted.split(".")
            target = self._root.joinpath(*parts[:-1], parts[-1] + ".py")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(source, encoding="utf-8")
            for depth in range(1, len(parts)):
                packages.add(".".join(parts[:depth]))
                (self._root.joinpath(*parts[:depth]) / "__init__.py").touch()
        for name in list(sys.modules):  # a `solutions` of the kernel's folder is not the course's
            if name.split(".")[0] in {p.split(".")[0] for p in packages}:
                del sys.modules[name]
        sys.path.insert(0, str(self._root))
        timing.new_session()
        self._plugin = _Plugin(KernelStudent(namespace), seed)
        args = ["-c", os.devnull, "--rootdir", str(self._root), "--import-mode=importlib", "-p", "no:cacheprovider",
                "-p", "no:randomly", "-p", "no:warnings", "-p", "no:faulthandler", "-qq", "--no-header", "-s",
                str(path)]  # fmt: skip
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()) as err:
            config = _prepareconfig(args, plugins=[self._plugin])
            config._do_configure()
            session = Session.from_config(config)
            config.hook.pytest_sessionstart(session=session)
            session.perform_collect()
        if session.testsfailed:
            raise RuntimeError(f"the {kind} checks of {topic} do not load:\n{err.getvalue()[-2000:]}")
        self._config = config
        self.items: dict[str, pytest.Item] = {item.name: item for item in session.items}
        self._outcomes: dict[str, tuple[str, str]] = {}  # of the tests run, for the requires gate

    def names(self) -> list[str]:
        return list(self.items)

    def outcome(self, name: str) -> tuple[str, str]:
        """(outcome, message) of one test, as the report's ``outcome`` and ``message``."""
        from _pytest.runner import runtestprotocol

        item = self.items[name]
        with warnings.catch_warnings(), contextlib.redirect_stderr(io.StringIO()):
            warnings.simplefilter("ignore")
            reports = runtestprotocol(item, log=False, nextitem=None)
        failed = next((r for r in reports if (r.failed and r.when != "teardown") or r.skipped), None)
        if failed is None:
            return "pass", ""
        error = getattr(failed, "dlgrade_exception", None)
        lang = self.lang
        if isinstance(error, Failure):
            hints = "".join(f"\n  - {hint(lang)}" for hint in error.hints)
            return "fail", error.message(lang) + hints
        if isinstance(error, StudentError):
            kind = "not_attempted" if type(error).__name__ == "NotAttempted" else "error"
            return kind, error.message(lang)
        if isinstance(error, AssertionError):  # a bare assert: only the property is named, as the runner does
            doc = (getattr(item, "function", None).__doc__ or name).strip().splitlines()
            english = doc[0].strip() if doc else name
            russian = next((line.strip()[3:].strip() for line in doc if line.strip().lower().startswith("ru:")), english)
            return "fail", L(f"does not hold: {english}", f"не выполняется: {russian}")(lang)
        return "error", _INTERNAL(lang)

    def gated_outcome(self, name: str, within: frozenset[str] = frozenset()) -> tuple[str, str]:
        """``outcome``, with the runner's gate: a test that passed counts only when the tests its
        ``requires`` mark names pass too (each run once per kernel, then remembered)."""
        from grader.runner import _GATED, _QUOTED, test_info

        if name not in self._outcomes:
            self._outcomes[name] = self.outcome(name)
        outcome = self._outcomes[name]
        item = self.items[name]
        required = [str(arg) for mark in item.iter_markers("requires") for arg in mark.args]
        if outcome[0] != "pass" or not required or name in within:
            return outcome
        missing = [self.items[f"test_{r}"] for r in required
                   if self.gated_outcome(f"test_{r}", within | {name})[0] != "pass"]  # fmt: skip
        if not missing:
            return outcome
        named = ", ".join(_QUOTED(self.lang).format(test_info(i).title(self.lang)) for i in missing)
        return "fail", _GATED(self.lang).format(tests=named)

    def check(self, name: str) -> None:
        """Run the test ``name``; raise ``CheckFailed`` (nbgrader: no points) unless it passes."""
        __tracebackhide__ = True  # IPython and pytest: the cell shows the message, not this frame
        outcome, message = self.gated_outcome(name)
        if outcome == "pass":
            return
        if outcome == "not_attempted":
            message = _NOT_ATTEMPTED(self.lang) + message
        raise CheckFailed(message) from None
