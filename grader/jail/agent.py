"""The jail side of the trust boundary: a zygote that forks one worker per job.

Started by ``grader.sandbox`` (the trusted launcher) as ``python -I -S agent.py ...`` inside bubblewrap (or, where
that is missing, as a plain child process). The zygote imports NumPy once, then forks a worker
for every job (one topic of one submission), so a job starts in milliseconds. A worker drops to
an unprivileged uid, sets its rlimits, gets a private empty directory, writes the submission's
files there and imports the student's module; then it answers calls until told to stop or
killed. When a worker ends, the zygote (a child subreaper) kills and reaps every process the job
left behind, daemons that called setsid included, and removes the job's files.

Nothing here is trusted by the grader: the worker runs student code, and everything it says is
data to be checked. This file, ``wire.py`` and ``callables.py`` are all the jail can import
besides the standard library and NumPy.
"""

from __future__ import annotations

import argparse
import ctypes
import hashlib
import importlib
import inspect
import io
import os
import random
import resource
import shutil
import signal
import socket
import sys
import traceback
import warnings
from typing import Any

import numpy as np
import numpy.linalg  # noqa: F401  preloaded once here, shared by every forked worker
import numpy.random  # noqa: F401

import callables
import wire

PR_SET_NO_NEW_PRIVS = 38
PR_SET_CHILD_SUBREAPER = 36
PR_SET_PDEATHSIG = 1
_libc = ctypes.CDLL(None, use_errno=True)


def _prctl(option: int, value: int) -> None:
    _libc.prctl(option, value, 0, 0, 0)


# ----------------------------------------------------------------------------- the zygote
def zygote(control: socket.socket, uid: int | None, workroot: str) -> None:
    _prctl(PR_SET_CHILD_SUBREAPER, 1)  # orphans of a job (double forks, setsid) come to us
    while True:
        try:
            message, fds, _flags, _addr = socket.recv_fds(control, 1 << 16, 2)
        except OSError:
            return
        if not message:
            return  # the grader closed the channel: the sandbox ends with us
        request = wire.decode(message[4:])
        if request.get("op") != "spawn" or len(fds) != 2:
            for fd in fds:
                os.close(fd)
            wire.send(control, wire.encode({"op": "refused"}))
            continue
        job_fd, out_fd = fds
        workdir = os.path.join(workroot, f"job-{int(request['job'])}")
        os.mkdir(workdir, 0o700)
        if uid is not None:
            os.chown(workdir, uid, uid)
        pid = os.fork()
        if pid == 0:
            control.close()
            _worker(job_fd, out_fd, workdir, uid, request["limits"])  # never returns
        os.close(job_fd)
        os.close(out_fd)
        wire.send(control, wire.encode({"op": "spawned", "pid": pid}))
        status = _wait_for(pid)
        _kill_descendants()
        shutil.rmtree(workdir, ignore_errors=True)
        wire.send(control, wire.encode({"op": "exited", "pid": pid, "status": status}))


def _wait_for(pid: int) -> int:
    while True:
        try:
            reaped, status = os.waitpid(-1, 0)
        except ChildProcessError:
            return -1
        if reaped == pid:
            return status


def _children() -> list[int]:
    found: list[int] = []
    for task in os.listdir("/proc/self/task"):
        try:
            with open(f"/proc/self/task/{task}/children") as handle:
                found.extend(int(pid) for pid in handle.read().split())
        except OSError:
            pass
    return found


def _kill_descendants() -> None:
    # every leftover is our child (we are the subreaper); a child that forks while we kill
    # it leaves an orphan that comes back to us, so repeat until nothing is left
    for _ in range(1000):
        children = _children()
        if not children:
            return
        for pid in children:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        for _pid in children:
            try:
                os.waitpid(-1, 0)
            except ChildProcessError:
                break


# ----------------------------------------------------------------------------- the worker
def _worker(job_fd: int, out_fd: int, workdir: str, uid: int | None, limits: dict) -> None:
    try:
        os.setsid()
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.dup2(out_fd, 1)
        os.dup2(out_fd, 2)
        job = os.dup2(job_fd, 3)
        os.closerange(4, 1 << 16)  # nothing of the zygote's survives: no control channel
        _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        if uid is not None:
            os.setgroups([])
            os.setgid(uid)
            os.setuid(uid)
        for name, value in limits.get("rlimits", {}).items():
            soft, hard = value if isinstance(value, list) else (value, value)
            resource.setrlimit(getattr(resource, name), (soft, hard))
        _prctl(PR_SET_NO_NEW_PRIVS, 1)
        os.chdir(workdir)
        os.environ.clear()
        os.environ.update({"HOME": workdir, "TMPDIR": workdir, "PATH": "/usr/bin:/bin"})
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGPIPE, signal.SIGCHLD):
            signal.signal(signum, signal.SIG_DFL)
        sys.stdin = io.TextIOWrapper(io.FileIO(0, "r", closefd=False))
        sys.stdout = io.TextIOWrapper(io.FileIO(1, "w", closefd=False), line_buffering=True)
        sys.stderr = io.TextIOWrapper(io.FileIO(2, "w", closefd=False), line_buffering=True)
        Worker(socket.socket(fileno=job), workdir).serve()
    except BaseException:  # anything, even SystemExit from student code at import
        try:
            traceback.print_exc()  # into the job's output: the grader keeps its head
            sys.stderr.flush()
        except BaseException:
            pass
    os._exit(0)


def _type_names(error: BaseException) -> list[str]:
    return [cls.__name__ for cls in type(error).__mro__]


def _safe_text(error: BaseException, limit: int = 300) -> str:
    try:
        text = str(error)
    except BaseException:
        text = "<the exception's message could not be shown>"
    return text if len(text) <= limit else text[:limit] + "…"


class Worker:
    def __init__(self, sock: socket.socket, workdir: str):
        self.sock = sock
        self.workdir = workdir
        self.module: Any = None
        self.objects: dict[int, object] = {}
        self.generation = 0

    def serve(self) -> None:
        while True:
            try:
                request = wire.decode(wire.recv(self.sock))
            except (EOFError, OSError):
                return
            op = request.get("op")
            if op == "bye":
                return
            self.generation = request.get("generation", self.generation)
            handler = getattr(self, f"op_{op}", None)
            reply = handler(request) if handler else {"refused": op}
            try:
                payload = wire.encode(reply, keep=self._keep)
            except BaseException as error:  # a result that cannot be packed at all
                payload = wire.encode({"invalid": f"{type(error).__name__}: {_safe_text(error)}"})
            wire.send(self.sock, payload)

    def _keep(self, obj: object) -> wire.Handle:
        ident = len(self.objects) + 1
        self.objects[ident] = obj
        return wire.Handle(self.generation, ident)

    def _resolve(self, value):
        if isinstance(value, wire.Handle):
            return self.objects[value.ident]
        if isinstance(value, wire.PublicFn):
            fn = getattr(callables, value.name)
            bound = [self._resolve(arg) for arg in value.args]
            return lambda *args, **kwargs: fn(*bound, *args, **kwargs)
        if isinstance(value, list):
            return [self._resolve(item) for item in value]
        if isinstance(value, tuple):
            return tuple(self._resolve(item) for item in value)
        if isinstance(value, dict):
            return {key: self._resolve(item) for key, item in value.items()}
        return value

    def op_load(self, request: dict) -> dict:
        folder = os.path.join(self.workdir, "submission")
        os.mkdir(folder)
        for name, source in request["files"].items():
            with open(os.path.join(folder, os.path.basename(name)), "w", encoding="utf-8") as f:
                f.write(source)
        sys.path.insert(0, folder)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                self.module = importlib.import_module(request["module"])
            except BaseException as error:
                return {"import_error": self._describe(error, folder)}
        return {"functions": self._signatures(), "warnings": _warning_texts(caught)}

    def _signatures(self) -> dict:
        found: dict[str, Any] = {}
        for name, value in vars(self.module).items():
            if name.startswith("_") or not callable(value) or isinstance(value, type):
                continue
            try:
                params = []
                for param in inspect.signature(value).parameters.values():
                    has_default = param.default is not inspect.Parameter.empty
                    default = param.default if has_default else None
                    try:
                        wire.encode(default)
                    except BaseException:
                        default = repr(default)[:80]
                    params.append([param.name, param.kind.name, has_default, default])
                found[name] = params
            except (TypeError, ValueError):
                found[name] = None
        return found

    def _describe(self, error: BaseException, folder: str | None = None) -> dict:
        folder = folder or os.path.join(self.workdir, "submission")
        where = ""
        for frame in reversed(traceback.extract_tb(error.__traceback__)):
            if frame.filename.startswith(folder):
                where = f"{os.path.basename(frame.filename)}:{frame.lineno}"
                break
        if isinstance(error, SyntaxError) and error.filename and not where:
            where = f"{os.path.basename(error.filename)}:{error.lineno}"
        return {"types": _type_names(error), "message": _safe_text(error), "where": where}

    def op_call(self, request: dict) -> dict:
        fn = getattr(self.module, request["fn"], None)
        if not callable(fn):
            return {"missing": request["fn"]}
        try:
            args = self._resolve(request.get("args", []))
            kwargs = self._resolve(request.get("kwargs", {}))
        except (KeyError, AttributeError):
            return {"lost_handle": True}
        pristine = {
            key: value.copy()
            for key, value in list(enumerate(args)) + list(kwargs.items())
            if isinstance(value, np.ndarray)
        }
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                result = fn(*args, **kwargs)
            except BaseException as error:
                return {"raised": self._describe(error), "warnings": _warning_texts(caught)}
        mutated: dict[Any, Any] = {}
        for key, before in pristine.items():
            after = args[key] if isinstance(key, int) else kwargs[key]
            if not _same(before, after):
                mutated[key] = np.asarray(after)
        for key, value in list(enumerate(args)) + list(kwargs.items()):
            if isinstance(value, np.random.Generator):
                mutated[key] = value  # its new state, so the caller's generator advances too
        if type(result) is tuple:
            # a cache nested in (out, cache) stays here, as design.md says; arrays cross
            result = tuple(
                self._keep(item) if isinstance(item, (tuple, dict)) else item for item in result
            )
        return {"result": result, "mutated": mutated, "warnings": _warning_texts(caught)}

    def op_put(self, request: dict) -> dict:
        return {"result": self._keep(request["value"])}

    def op_fetch(self, request: dict) -> dict:
        try:
            return {"result": self._resolve(request["handle"])}
        except KeyError:
            return {"lost_handle": True}

    def op_rng_digest(self, request: dict) -> dict:
        return {"result": global_rng_digest()}


def global_rng_digest() -> str:
    """A digest of the worker's global random states: NumPy's legacy ``np.random`` (what
    ``np.random.seed``/``np.random.rand`` use) and Python's ``random``. Computed by code the
    student can patch, so a suite may use it only to take points away."""
    digest = hashlib.sha256()

    def feed(value: Any) -> None:
        if isinstance(value, np.ndarray):  # repr would elide a long array with "..."
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

    feed(np.random.get_state(legacy=False))  # a dict whatever the global bit generator is
    feed(random.getstate())
    return digest.hexdigest()


def _same(before: np.ndarray, after: object) -> bool:
    try:
        return (
            isinstance(after, np.ndarray)
            and before.shape == after.shape
            and bool(np.array_equal(before, np.asarray(after), equal_nan=True))
        )
    except BaseException:
        return False


def _warning_texts(caught: list) -> list[str]:
    texts = []
    for item in caught[:20]:
        try:
            texts.append(f"{item.category.__name__}: {_safe_text(item.message, 200)}")
        except BaseException:
            pass
    return sorted(set(texts))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--control-fd", type=int, required=True)
    parser.add_argument("--uid", type=int)
    parser.add_argument("--workroot", required=True)
    options = parser.parse_args()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the grader decides when we stop
    zygote(socket.socket(fileno=options.control_fd), options.uid, options.workroot)


if __name__ == "__main__":
    main()
