"""The jail side of the trust boundary: a zygote that forks one worker per job.

Started by ``grader.sandbox`` (the trusted launcher) as ``python -I -S agent.py ...`` inside bubblewrap (or, where
that is missing, as a plain child process). The zygote imports NumPy once, then forks a worker
for every job (one topic of one submission), so a job starts in milliseconds. A worker drops to
an unprivileged uid, sets its rlimits, gets a private empty directory, writes the submission's
files there and imports the student's module; then it answers calls until told to stop or
killed, over its socket (fd 3) and the job's arena (fd 4: the shared memory where the arrays of
requests and replies cross, ``wire``). When a worker ends, the zygote (a child subreaper) kills and reaps every process the job
left behind, daemons that called setsid included, and removes the job's files.

Nothing here is trusted by the grader: the worker runs student code, and everything it says is
data to be checked. This file, ``wire.py`` and ``callables.py`` are all the jail can import
besides the standard library and NumPy.
"""

from __future__ import annotations

import argparse
import ctypes
import fcntl
import hashlib
import importlib
import inspect
import io
import mmap
import os
import random
import resource
import signal
import socket
import sys
import tempfile
import traceback
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.linalg  # noqa: F401  preloaded once here, shared by every forked worker
import numpy.random  # noqa: F401

import callables
import wire

PR_SET_NO_NEW_PRIVS = 38
PR_SET_CHILD_SUBREAPER = 36
PR_SET_PDEATHSIG = 1
PR_SET_DUMPABLE = 4
PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 22, 2
PR_CAPBSET_DROP = 24
PR_SET_SECUREBITS = 28
PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL = 47, 4
# SECBIT_NOROOT (+ locked): uid 0 gains no capability by exec; KEEP_CAPS locked off; no ambient
_SECUREBITS = 0x01 | 0x02 | 0x20 | 0x40 | 0x80
KEYCTL_JOIN_SESSION_KEYRING = 1
_SYSCALLS = {"x86_64": {"keyctl": 250, "capset": 126}, "aarch64": {"keyctl": 219, "capset": 91}}
_LINUX_CAPABILITY_VERSION_3 = 0x20080522
CLONE_NEWNS, CLONE_NEWIPC, CLONE_NEWNET, CLONE_NEWUTS = 0x00020000, 0x08000000, 0x40000000, 0x04000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = (
    1, 2, 4, 32, 4096, 16384, 1 << 18)  # fmt: skip
MNT_DETACH = 2
MS_MOVE = 8192
_libc = ctypes.CDLL(None, use_errno=True)
_libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
_libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong, ctypes.c_char_p]
_libc.umount2.argtypes = [ctypes.c_char_p, ctypes.c_int]


def _prctl(option: int, value: int, arg3: int = 0) -> None:
    if _libc.prctl(option, value, arg3, 0, 0) != 0:
        error = ctypes.get_errno()
        raise OSError(error, f"prctl({option}): {os.strerror(error)}")


def _syscall(name: str, *args: Any) -> int:
    number = _SYSCALLS.get(os.uname().machine, {}).get(name)
    if number is None:
        raise OSError(f"{name}: unknown system call number on {os.uname().machine}")
    result = _libc.syscall(ctypes.c_long(number), *args)
    if result == -1:
        error = ctypes.get_errno()
        raise OSError(error, f"{name}: {os.strerror(error)}")
    return int(result)


def _mount(source: str, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    if _libc.mount(source.encode(), target.encode(), fstype.encode() if fstype else None, flags,
                   data.encode() if data else None) != 0:  # fmt: skip
        error = ctypes.get_errno()
        raise OSError(error, f"mount {target}: {os.strerror(error)}")


def _umount(target: str) -> None:
    _libc.umount2(target.encode(), MNT_DETACH)  # lazily: a file a job left open does not block it


# ----------------------------------------------------------------------------- job folders
class JobFiles:
    """Where a job may write, made fresh for every job and gone after it.

    Where the zygote may mount (root, or uid 0 of bubblewrap's user namespace): a new tmpfs per
    job, with ``size=`` and ``nr_inodes=`` (the job's bytes and files, bounded by the kernel),
    holding the job's folder (a ``mkdtemp`` name) and a scratch folder mounted over ``/tmp``,
    ``/dev/shm`` and the like; lazily unmounted after the job, so a million files or a folder
    5,000 deep cost nothing to remove, and nothing a job wrote is there for the next. Elsewhere
    (plain mode, not root): a ``mkdtemp`` folder, removed iteratively after the job."""

    def __init__(self, root: str, scratch: list[str], uid: int | None, size: int, inodes: int):
        self.root = root
        self.scratch = [
            path for path in scratch if os.path.isdir(path) and os.path.commonpath([path, root]) != path
        ]  # never over our own root
        self.uid = uid
        self.options = f"size={size},nr_inodes={inodes},mode=0755"
        self.mounted: list[str] = []
        self.folder = ""
        self.tmpfs = self._can_mount()

    def _can_mount(self) -> bool:
        try:
            _mount("dlgrade-job", self.root, "tmpfs", MS_NOSUID | MS_NODEV, self.options)
        except OSError:
            return False
        _umount(self.root)
        return True

    def create(self) -> str:
        if self.tmpfs:
            _mount("dlgrade-job", self.root, "tmpfs", MS_NOSUID | MS_NODEV, self.options)
            self.mounted.append(self.root)
        self.folder = tempfile.mkdtemp(prefix="job-", dir=self.root)  # a name no one could guess
        folders = [self.folder]
        if self.tmpfs and self.scratch:
            shared = tempfile.mkdtemp(prefix="scratch-", dir=self.root)
            folders.append(shared)
            for path in self.scratch:
                _mount(shared, path, None, MS_BIND)
                self.mounted.append(path)
        if self.uid is not None:
            for folder in folders:
                os.chown(folder, self.uid, self.uid)
        return self.folder

    def remove(self) -> None:
        for path in reversed(self.mounted):
            _umount(path)
        self.mounted.clear()
        if not self.tmpfs:  # everything a job could write to, not only its folder
            for folder in [self.root, *self.scratch]:
                _empty(folder)
        self.folder = ""


def _remove_tree(root: str) -> None:
    """``rm -rf`` without recursion or long paths: a chain 5,000 folders deep is walked with
    one open folder at a time, never by a path (it would pass PATH_MAX) nor by recursion."""
    flags = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW
    try:
        fd = os.open(root, flags)
    except OSError:
        return
    names: list[str] = []
    try:
        while True:
            child = None
            with os.scandir(fd) as entries:
                for entry in entries:
                    if entry.is_dir(follow_symlinks=False):
                        child = entry.name
                        break
                    _unlink(entry.name, fd)
            if child is not None:
                try:
                    inner = os.open(child, flags, dir_fd=fd)
                except PermissionError:  # a folder the job made unreadable to us
                    os.chmod(child, 0o700, dir_fd=fd, follow_symlinks=False)
                    inner = os.open(child, flags, dir_fd=fd)
                os.close(fd)
                fd, names = inner, names + [child]
                continue
            if not names:
                break
            parent = os.open("..", flags, dir_fd=fd)
            os.close(fd)
            fd = parent
            os.rmdir(names.pop(), dir_fd=fd)
    except OSError:
        pass
    finally:
        os.close(fd)
    try:
        os.rmdir(root)
    except OSError:
        pass


def _empty(folder: str) -> None:
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        if entry.is_dir(follow_symlinks=False):
            _remove_tree(entry.path)
        else:
            try:
                os.unlink(entry.path)
            except OSError:
                pass


def _unlink(name: str, fd: int) -> None:
    try:
        os.unlink(name, dir_fd=fd)
    except PermissionError:  # the job took the write bit off its folder
        os.chmod(fd, 0o700)
        os.unlink(name, dir_fd=fd)
    except FileNotFoundError:
        pass


# ----------------------------------------------------------------------------- the zygote
def zygote(control: socket.socket, uid: int | None, files: JobFiles) -> None:
    _prctl(PR_SET_CHILD_SUBREAPER, 1)  # orphans of a job (double forks, setsid) come to us
    # out of its workers' reach: no ptrace, no /proc/<pid>/mem, fd or environ of ours (in
    # bubblewrap's user namespace the worker has our uid; this holds it off all the same)
    _prctl(PR_SET_DUMPABLE, 0)
    for signum in (signal.SIGIO, signal.SIGURG, signal.SIGHUP, signal.SIGTTOU, signal.SIGTTIN):
        signal.signal(signum, signal.SIG_IGN)
    hello = {"op": "ready", "pid": os.getpid(), "job_tmpfs": files.tmpfs,
             "private_view": bool(os.environ.get("DLGRADE_PRIVATE_VIEW"))}  # fmt: skip
    wire.send(control, wire.encode(hello))
    try:
        setup = wire.decode(wire.recv(control))
    except (OSError, EOFError, wire.WireError):
        return
    program = setup.get("seccomp") if isinstance(setup, dict) else None
    if not isinstance(program, bytes) or not program or len(program) % 8:
        return  # no filter, no jobs: the grader sees us gone
    while True:
        try:
            message, fds, _flags, _addr = socket.recv_fds(control, 1 << 16, 3)
        except OSError:
            return
        if not message:
            return  # the grader closed the channel: the sandbox ends with us
        request = wire.decode(message[4:])
        if request.get("op") != "spawn" or len(fds) not in (2, 3):
            for fd in fds:
                os.close(fd)
            wire.send(control, wire.encode({"op": "refused"}))
            continue
        job_fd, out_fd, arena_fd = (*fds, -1)[:3]  # the arena: the job's shared memory, if any
        workdir = files.create()
        pid = os.fork()
        if pid == 0:
            control.close()
            _worker(job_fd, out_fd, workdir, uid, request["limits"], program, arena_fd)  # never returns
        for fd in fds:
            os.close(fd)
        wire.send(control, wire.encode({"op": "spawned", "pid": pid}))
        status = _wait_for(pid)
        _kill_descendants()
        files.remove()
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
def _drop_privileges(uid: int | None) -> None:
    """No capability survives into student code, and none can come back: the bounding set
    emptied, root made powerless by exec (securebits, locked), the uid switched, the capability
    sets zeroed (uid 0 of bubblewrap's user namespace keeps its uid), no_new_privs later."""
    capable = _capabilities("CapEff") != 0
    if capable:
        # System V shared memory, semaphores and queues outlive the process that made them:
        # each job gets IPC objects of its own, gone with its last process
        if _libc.unshare(CLONE_NEWIPC) != 0:
            raise OSError(ctypes.get_errno(), "unshare(CLONE_NEWIPC)")
        _prctl(PR_SET_SECUREBITS, _SECUREBITS)
        with open("/proc/sys/kernel/cap_last_cap") as handle:
            last = int(handle.read())
        for cap in range(last + 1):
            _prctl(PR_CAPBSET_DROP, cap)
    _prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL)
    if uid is not None:
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)
    if capable:
        header = (ctypes.c_uint32 * 2)(_LINUX_CAPABILITY_VERSION_3, 0)
        data = (ctypes.c_uint32 * 6)()
        _syscall("capset", header, data)
    if _capabilities("CapEff") or _capabilities("CapPrm"):
        raise OSError("the worker still holds capabilities")


def _capabilities(field: str) -> int:
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith(field + ":"):
                return int(line.split()[1], 16)
    raise OSError(f"/proc/self/status has no {field}")


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def _load_seccomp(program: bytes) -> None:
    """The filter the grader compiled (``grader/jailfilter.py``): from here on, this process
    and all it starts run under it. Needs no_new_privs."""
    buffer = ctypes.create_string_buffer(program, len(program))
    fprog = _SockFprog(len(program) // 8, ctypes.addressof(buffer))
    _prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.addressof(fprog))


def _worker(job_fd: int, out_fd: int, workdir: str, uid: int | None, limits: dict[str, Any],
            program: bytes, arena_fd: int = -1) -> None:  # fmt: skip
    step = "redirecting its input and output"
    try:
        os.setsid()
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.dup2(out_fd, 1)
        os.dup2(out_fd, 2)
        if arena_fd >= 0:  # out of the way of fd 3 first, whatever numbers the fds came with
            arena_fd = fcntl.fcntl(arena_fd, fcntl.F_DUPFD, 64)
        job = os.dup2(job_fd, 3)
        arena_fd = os.dup2(arena_fd, 4) if arena_fd >= 0 else -1
        os.closerange(5, 1 << 16)  # nothing of the zygote's survives: no control channel
        step = "mapping its arena"
        # the grader's shared memory for the arrays of requests and replies (grader.sandbox's
        # Arena: sealed, so nothing done here can fault the grader's mapping of it)
        arena = memoryview(mmap.mmap(arena_fd, 0)) if arena_fd >= 0 else None
        _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        step = "dropping its privileges"
        _drop_privileges(uid)
        step = "joining a session keyring of its own"
        # a keyring of its own: the grader's session keyring (a CI secret) is not inherited
        _syscall("keyctl", ctypes.c_long(KEYCTL_JOIN_SESSION_KEYRING), ctypes.c_void_p(None))
        for name, value in limits.get("rlimits", {}).items():
            soft, hard = value if isinstance(value, list) else (value, value)
            step = f"setting {name} to {soft}"
            resource.setrlimit(getattr(resource, name), (soft, hard))
        step = "loading its seccomp filter"
        _prctl(PR_SET_NO_NEW_PRIVS, 1)
        _load_seccomp(program)
        # the grader's sign that every protection is in place: no student code has run, and
        # none runs before it. A worker that ends without it failed here (the machine's
        # fault, whatever its exit code); after it, an exit is the submission's
        step = "saying it is ready"
        sock = socket.socket(fileno=job)
        wire.send(sock, wire.encode({"op": "ready"}))
    except BaseException as error:  # no student code runs without every protection in place
        text = f"the jail could not be set up ({step}): {type(error).__name__}: {error}\n"
        os.write(2, text.encode(errors="replace"))
        os._exit(125)
    try:
        os.chdir(workdir)
        os.environ.clear()
        os.environ.update({"HOME": workdir, "TMPDIR": workdir, "PATH": "/usr/bin:/bin"})
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGPIPE, signal.SIGCHLD, signal.SIGIO,
                       signal.SIGURG, signal.SIGHUP, signal.SIGTTOU, signal.SIGTTIN):  # fmt: skip
            signal.signal(signum, signal.SIG_DFL)
        sys.stdin = io.TextIOWrapper(io.FileIO(0, "r", closefd=False))
        sys.stdout = io.TextIOWrapper(io.FileIO(1, "w", closefd=False), line_buffering=True)
        sys.stderr = io.TextIOWrapper(io.FileIO(2, "w", closefd=False), line_buffering=True)
        Worker(sock, workdir, arena).serve()
    except BaseException:  # anything, even SystemExit from student code at import
        try:
            traceback.print_exc()  # into the job's output: the grader keeps its head
            sys.stderr.flush()
        except BaseException:
            pass
    os._exit(0)


def _type_names(error: BaseException) -> list[str]:
    return [str(cls.__name__)[:200] for cls in type(error).__mro__[:64]]


def _safe_text(error: BaseException, limit: int = 300) -> str:
    try:
        text = str(error)
    except BaseException:
        text = "<the exception's message could not be shown>"
    return text if len(text) <= limit else text[:limit] + "…"


class Worker:
    def __init__(self, sock: socket.socket, workdir: str, arena: memoryview | None = None):
        self.sock = sock
        self.workdir = workdir
        self.arena = arena
        self.module: Any = None
        self.objects: dict[int, object] = {}
        self.generation = 0
        self.sent: dict[int, wire.Sent] = {}  # id(array): the current request's arrays as they arrived
        self.holds: Callable[[wire.Sent, Any], bool] = arrival_probe()

    def serve(self) -> None:
        # the handlers and the random-state probe, bound here, before the student's module is
        # imported (op load): what it later patches (the class, this module's names, NumPy's or
        # random's functions) is not what this loop calls; a frame's locals cannot be rebound
        ops = tuple((name[3:], getattr(self, name)) for name in dir(type(self)) if name.startswith("op_"))
        probe = rng_probe()
        ops += (("rng_digest", lambda request: {"result": probe()}),)
        holds = arrival_probe()
        while True:
            sent: list[wire.Sent] = []
            try:
                request = wire.decode(wire.recv(self.sock, wire.REQUEST), wire.REQUEST, sent, self.arena)
            except (EOFError, OSError):
                return
            self.sent, self.holds = {id(arrived.array): arrived for arrived in sent}, holds
            op = request.get("op")
            if op == "bye":
                return
            self.generation = request.get("generation", self.generation)
            handler = None
            for name, bound in ops:  # the last binding of a name wins: the probe's own
                if name == op:
                    handler = bound
            try:
                reply = handler(request) if handler else {"refused": op}
            except BaseException as error:  # the agent's own work failed (out of memory, say)
                reply = {"invalid": f"{type(error).__name__}: {_safe_text(error)}"}
            _flush()  # what the module printed reaches the output pipe before the reply
            ident = request.get("id")  # the grader's fresh id: a reply without it is refused
            try:
                payload = wire.encode({**reply, "id": ident}, keep=self._keep, arena=self.arena)
                wire.scan(payload, wire.REPLY)  # what the grader would refuse, said plainly
            except BaseException as error:  # a result that cannot be packed at all
                invalid = f"{type(error).__name__}: {_safe_text(error)}"
                payload = wire.encode({"invalid": invalid, "id": ident})
            self.sent = {}  # the request's bytes are let go
            wire.send(self.sock, payload, strict=False)

    def _keep(self, obj: object) -> wire.Handle:
        ident = len(self.objects) + 1
        self.objects[ident] = obj
        return wire.Handle(self.generation, ident)

    def _resolve(self, value: Any) -> Any:
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

    def op_load(self, request: dict[str, Any]) -> dict[str, Any]:
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
        names = request.get("describe")
        return {"functions": self._signatures(names if isinstance(names, list) else None),
                "warnings": _warning_texts(caught)}  # fmt: skip

    def _signatures(self, names: list[Any] | None = None) -> dict[str, Any]:
        """The public functions' signatures; only those of ``names`` where the grader names
        them (the contract's): a module of 300,000 helpers costs no more to describe."""
        found: dict[str, Any] = {}
        members = vars(self.module)
        if names is not None:
            members = {name: members[name] for name in names if isinstance(name, str) and name in members}
        for name, value in members.items():
            if name.startswith("_") or not callable(value) or isinstance(value, type):
                continue
            try:
                params = []
                for param in inspect.signature(value).parameters.values():
                    has_default = param.default is not inspect.Parameter.empty
                    default = param.default if has_default else None
                    if not _plain_default(default):  # e.g. w0=np.zeros(2): named, not sent
                        try:
                            default = repr(default)[:80]
                        except BaseException:
                            default = type(default).__name__
                    params.append([param.name, param.kind.name, has_default, default])
                found[name] = params
            except (TypeError, ValueError):
                found[name] = None
        return found

    def _describe(self, error: BaseException, folder: str | None = None) -> dict[str, Any]:
        folder = folder or os.path.join(self.workdir, "submission")
        where = ""
        for frame in reversed(traceback.extract_tb(error.__traceback__)):
            if frame.filename.startswith(folder):
                where = f"{os.path.basename(frame.filename)}:{frame.lineno}"
                break
        if isinstance(error, SyntaxError) and error.filename and not where:
            where = f"{os.path.basename(error.filename)}:{error.lineno}"
        return {"types": _type_names(error), "message": _safe_text(error), "where": where}

    def op_call(self, request: dict[str, Any]) -> dict[str, Any]:
        fn = getattr(self.module, request["fn"], None)
        if not callable(fn):
            return {"missing": request["fn"]}
        try:
            args = self._resolve(request.get("args", []))
            kwargs = self._resolve(request.get("kwargs", {}))
        except (KeyError, AttributeError):
            return {"lost_handle": True}
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                result = fn(*args, **kwargs)
            except BaseException as error:
                return {"raised": self._describe(error), "warnings": _warning_texts(caught)}
        # The post-call state of every array argument, as it is now: the grader compares it
        # with what it sent and decides itself whether the function wrote into its input. An
        # argument that still holds the very bytes it arrived with (most do) comes back as None,
        # a mark, instead of a copy of them.
        inputs: dict[Any, Any] = {}
        for key, value in list(enumerate(args)) + list(kwargs.items()):
            if isinstance(value, np.ndarray):
                arrived = self.sent.get(id(value))
                held = arrived is not None and arrived.array is value and self.holds(arrived, value)
                inputs[key] = None if held else np.array(value, copy=True)
        rngs = {  # their new state, so the caller's generator advances too
            key: value for key, value in list(enumerate(args)) + list(kwargs.items()) if isinstance(value, np.random.Generator)
        }
        if isinstance(result, tuple):
            # a namedtuple is a tuple: it crosses as its items; a cache nested in (out, cache)
            # stays here, as design.md says; arrays cross
            result = tuple(self._keep(item) if isinstance(item, (tuple, dict)) else item for item in result)
        return {"result": result, "inputs": inputs, "rngs": rngs, "warnings": _warning_texts(caught)}

    def op_put(self, request: dict[str, Any]) -> dict[str, Any]:
        return {"result": self._keep(request["value"])}

    def op_fetch(self, request: dict[str, Any]) -> dict[str, Any]:
        try:
            value = self._resolve(request["handle"])
        except KeyError:
            return {"lost_handle": True}
        return {"result": tuple(value) if isinstance(value, tuple) else value}


def arrival_probe() -> Callable[[wire.Sent, Any], bool]:
    """A function telling whether an array argument still holds the values it arrived with: the
    same dtype, the same shape, and the same bytes in C order as the request's.

    What it uses is taken now, before any student code runs: C methods of NumPy's array type
    (which no module can replace) and the comparisons of tuples, dtypes and bytes. The answer is
    the jail's word, as the post-call copy it replaces was (``np.array`` could be patched to
    forge that one): a submission that reaches into this worker's objects could forge either.
    The bound it keeps is the old one: a patched function of NumPy, of this module or of the
    wire changes nothing it sees."""
    tobytes, dtype_of, shape_of = np.ndarray.tobytes, np.ndarray.dtype.__get__, np.ndarray.shape.__get__

    def holds(arrived: wire.Sent, value: Any) -> bool:
        if dtype_of(value) != arrived.dtype or shape_of(value) != arrived.shape:
            return False
        return bool(tobytes(value) == arrived.raw)

    return holds


def rng_probe() -> Callable[[], str]:
    """A function giving a digest (hex) of the worker's global random states: NumPy's legacy
    ``np.random`` (what ``np.random.seed``/``np.random.rand`` use) and Python's ``random``.

    Everything it uses is taken now, before any student code runs: the state getters are methods
    of C types (``RandomState.get_state``, ``_random.Random.getstate``), which no module can
    replace, called on the objects that ``np.random.seed`` and ``random.seed`` change; the hash,
    the tests of type and the walk are local. A student who patches ``np.random.get_state`` or
    this module's names changes nothing it sees. It still runs in the jail, so a suite uses it
    only to take points away."""
    import _random

    legacy, legacy_state = np.random.mtrand._rand, type(np.random.mtrand._rand).get_state
    python, python_state = random._inst, _random.Random.getstate
    sha256, ndarray, tobytes, contiguous = hashlib.sha256, np.ndarray, np.ndarray.tobytes, np.ascontiguousarray
    is_a, by_name, seqs, mapping, size, text = isinstance, sorted, (list, tuple), dict, len, str

    def digest() -> str:
        h = sha256()

        def feed(value: Any) -> None:
            if is_a(value, ndarray):  # repr would elide a long array with "..."
                h.update(f"array{value.dtype.str}{value.shape}:".encode())
                h.update(tobytes(contiguous(value)))
            elif is_a(value, mapping):
                for key in by_name(value, key=text):
                    h.update(f"{key!r}=".encode())
                    feed(value[key])
            elif is_a(value, seqs):
                h.update(f"seq{size(value)}:".encode())
                for item in value:
                    feed(item)
            else:
                h.update(f"{value!r};".encode())

        feed(legacy_state(legacy, legacy=False))  # a dict whatever the global bit generator is
        feed(python_state(python))
        return h.hexdigest()

    return digest


def _plain_default(value: object) -> bool:
    """What the grader accepts as a parameter's default: None, a bool, a number, a short str."""
    if value is None or type(value) in (bool, float):
        return True
    if type(value) is int:
        return -(2**63) <= value < 2**64
    return type(value) is str and len(value) <= 80


def _flush() -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:
            pass


def _warning_texts(caught: list[Any]) -> list[str]:
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
    parser.add_argument("--workroot", required=True, help="the job folders' parent (a mount point)")
    parser.add_argument("--scratch", action="append", default=[], help="covered by each job's tmpfs")
    parser.add_argument("--job-bytes", type=int, default=64 << 20)
    parser.add_argument("--job-inodes", type=int, default=10000)
    # plain mode as root: a private mount namespace, set up here, then this program again in it
    parser.add_argument("--private-root", help="a folder to build the jail's view of files in")
    parser.add_argument("--expose", action="append", default=[], help="DEST=SOURCE, DEST in the root")
    parser.add_argument("--hide", action="append", default=[], help="a folder covered by an empty tmpfs")
    parser.add_argument("--path", action="append", default=[], help="the import path, in the root")
    parser.add_argument("--open", help="the interpreter's prefix, to make reachable")
    options = parser.parse_args()
    if options.private_root and not os.environ.get("DLGRADE_PRIVATE_VIEW"):
        _enter_private_view(options)  # never returns
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the grader decides when we stop
    files = JobFiles(options.workroot, options.scratch, options.uid, options.job_bytes, options.job_inodes)
    zygote(socket.socket(fileno=options.control_fd), options.uid, files)


def _open_the_way(prefix: str, root: str) -> None:
    """Make the interpreter's own folder reachable by the jail's uid where a folder above it
    is closed (pyenv under /root, 0700): an empty tmpfs over the closed folder, with only the
    way down to the interpreter bound back into it. Its paths stay what they are, so modules
    imported before the jail's uid took over (``encodings``) still find their submodules."""
    here = "/"
    for part in os.path.relpath(prefix, "/").split(os.sep)[:-1]:
        folder = os.path.join(here, part)
        below = os.path.join(folder, os.path.relpath(prefix, folder).split(os.sep)[0])
        if not os.stat(folder).st_mode & 0o001:
            hold = tempfile.mkdtemp(dir=root)
            _mount(below, hold, None, MS_BIND | MS_REC)
            _mount("dlgrade-open", folder, "tmpfs", MS_NOSUID | MS_NODEV, "size=64k,mode=0755")
            os.mkdir(below, 0o755)
            _mount(hold, below, None, MS_MOVE)
        here = folder


def _enter_private_view(options: argparse.Namespace) -> None:
    """Plain mode as root: a mount namespace of our own, in which the course, the project and
    every site-packages folder are covered by empty tmpfs, and the jail's import path is a
    folder holding only NumPy, msgpack and our three modules (bind mounts made before the
    covering), besides the standard library. Then this program starts again there."""
    # and, while we are at it, no network (a new network namespace has a loopback, down)
    if _libc.unshare(CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWUTS) != 0:
        raise OSError(ctypes.get_errno(), "unshare(CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWUTS)")
    _mount("none", "/", None, MS_REC | MS_PRIVATE)  # nothing we mount leaks to the machine
    root = options.private_root
    python = os.path.realpath(sys.executable)  # before the covering: a venv's is a symlink
    _mount("dlgrade-jail", root, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=0755")
    for item in options.expose:
        dest, source = item.split("=", 1)
        target = os.path.join(root, dest)
        os.makedirs(os.path.dirname(target), mode=0o755, exist_ok=True)
        if os.path.isdir(source):
            os.mkdir(target, 0o755)
        else:
            open(target, "w").close()
        _mount(source, target, None, MS_BIND | MS_REC)
        _mount("none", target, None, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)
    os.makedirs(options.workroot, mode=0o755, exist_ok=True)
    if options.open:
        _open_the_way(options.open, root)
    for folder in options.hide:
        if os.path.isdir(folder):
            _mount("dlgrade-hidden", folder, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV,
                   "size=4k,nr_inodes=2,mode=0")  # fmt: skip
    paths = [os.path.join(root, path) for path in options.path]
    boot = f"import sys; sys.path[:0] = {paths!r}; import agent; agent.main()"
    os.environ["DLGRADE_PRIVATE_VIEW"] = "1"
    os.execv(python, [python, "-I", "-S", "-B", "-c", boot, *sys.argv[1:]])


if __name__ == "__main__":
    main()
