"""The trusted side of the jail: starts the zygote, hands it jobs, enforces wall-clock limits,
kills, and reads what only the kernel can say (CPU time). No student code runs in this process.
Each job gets a socket, an output pipe and an arena (``Arena``: a sealed memfd where the arrays
of its requests and replies cross, each copied out once by the side that reads it).

Two ways to confine, the strongest the machine offers (``dlgrade doctor`` says which):
- ``bwrap``: bubblewrap with new PID, network, IPC and UTS namespaces; a file system of
  read-only binds (the interpreter, NumPy, msgpack, the jail's own three modules) and empty
  tmpfs for /tmp and /work, so ``course/`` and ``solutions/`` do not exist there; workers run as
  uid 65534 when the grader is root (the zygote keeps only the capabilities to switch to it, to
  kill, and to clean up). Not root: an unprivileged user namespace, same uid for zygote and
  worker.
- ``plain``: a child process with rlimits only. It still grades; the report says which
  guarantees are missing (no hidden file system, no network isolation).
"""

from __future__ import annotations

import ctypes
import fcntl
import mmap
import os
import select
import shutil
import signal
import site
import socket
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import msgpack
import numpy as np

from grader import cgroups, jailfilter
from grader.errors import JailSetupFailed, JailUnavailable
from grader.jail import wire

JAIL_UID = 65534  # nobody
_AGENT_DIR = Path(__file__).resolve().parent / "jail"  # all the jail may import of ours
_AGENT_FILES = ("agent.py", "wire.py", "callables.py")
_THREAD_VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
# glibc's malloc gives a freed buffer of a few MB back to the kernel at once (its own mmap, or a
# trim of the heap), and the next call's arrays of the same size fault their pages in again:
# about 1,700 page faults and 3 ms for a call that moves 1.2 MB. Kept in the heap (arrays up to
# 32 MB, up to 256 MB free) they are reused. Read by glibc at the interpreter's start.
MALLOC_VARS = {"MALLOC_MMAP_THRESHOLD_": str(32 << 20), "MALLOC_TRIM_THRESHOLD_": str(256 << 20)}


@dataclass(frozen=True)
class Limits:
    """What one job may use. Generous: a correct vectorized solution never comes near them on
    a loaded 2-core machine; a loop over 1e5 elements, a hang or a bomb does.

    The job-wide bounds are the real ones: the job's cgroup (``grader.cgroups``) bounds the
    memory (page cache, memfd, tmpfs and kernel objects included) and the process count of all
    the job's processes together, and counts their CPU time, dead threads and children included.
    The rlimits stay as a per-process backstop, and are all there is without cgroups."""

    call_seconds: float = 10.0  # wall clock for one call into the student's code
    load_seconds: float = 10.0  # wall clock for importing the student's module
    submission_seconds: float = 300.0  # wall clock for a whole submission, all topics
    cpu_seconds: int = 60  # CPU time of one job, all its processes (cgroup); RLIMIT_CPU per process
    memory_bytes: int = 2 << 30  # memory of one job, all its processes (cgroup); RLIMIT_AS per process
    processes: int = 32  # tasks of one job (cgroup pids.max); RLIMIT_NPROC for the jail's uid
    file_bytes: int = 16 << 20  # largest file a worker may write (RLIMIT_FSIZE)
    open_files: int = 256  # RLIMIT_NOFILE
    output_bytes: int = 64 << 10  # what is kept of the student's printing; the rest is counted
    tmpfs_bytes: int = 64 << 20  # bytes a job may write: its own tmpfs holds /work and /tmp
    job_files: int = 10000  # files and folders a job may create (the tmpfs's nr_inodes)

    def rlimits(self, uid_is_private: bool) -> dict[str, list[int]]:
        limits = {
            "RLIMIT_CPU": [self.cpu_seconds, self.cpu_seconds + 2],
            "RLIMIT_AS": [self.memory_bytes, self.memory_bytes],
            "RLIMIT_FSIZE": [self.file_bytes, self.file_bytes],
            "RLIMIT_NOFILE": [self.open_files, self.open_files],
            "RLIMIT_CORE": [0, 0],
        }
        if uid_is_private:  # NPROC counts per uid: only meaningful for a uid of the jail's own
            limits["RLIMIT_NPROC"] = [self.processes, self.processes]
        return limits


class JobDied(Exception):
    """The worker is gone (or was killed); ``reason`` says why, in words for the student."""

    def __init__(self, reason: str, kind: str, reason_ru: str = ""):
        super().__init__(reason)
        self.reason = reason
        self.reason_ru = reason_ru or reason
        self.kind = kind  # timeout | crash | exit | cpu | memory | protocol


def _jail_site_dirs() -> dict[str, Path]:
    """The packages the jail may import besides the standard library, by import name."""
    found = {}
    for module in (np, msgpack):
        package = Path(str(module.__file__)).resolve().parent
        found[package.name] = package
        libs = package.parent / f"{package.name}.libs"  # wheels keep bundled .so files here
        if libs.is_dir():
            found[libs.name] = libs
    return found


def _base_python() -> str:
    candidate = Path(sys.base_prefix) / "bin" / f"python{sys.version_info[0]}.{sys.version_info[1]}"
    return str(candidate if candidate.exists() else Path(sys.executable).resolve())


def detect_mode() -> str:
    forced = os.environ.get("DLGRADE_JAIL")
    if forced in ("bwrap", "plain"):
        return forced
    if shutil.which("bwrap") and _bwrap_works():
        return "bwrap"
    return "plain"


_BWRAP_PROBE: bool | None = None


def _bwrap_works() -> bool:
    global _BWRAP_PROBE
    if _BWRAP_PROBE is None:
        try:
            probe = subprocess.run(
                ["bwrap", *_namespace_args(), "--ro-bind", "/", "/", "true"],
                capture_output=True,
                timeout=10,
            )
            _BWRAP_PROBE = probe.returncode == 0
        except (OSError, subprocess.TimeoutExpired):
            _BWRAP_PROBE = False
    return _BWRAP_PROBE


def _namespace_args() -> list[str]:
    args = ["--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts"]
    args += ["--unshare-cgroup-try", "--die-with-parent", "--new-session"]
    if os.geteuid() == 0:
        args += ["--cap-drop", "ALL"]
        caps: tuple[str, ...] = ("SETUID", "SETGID", "KILL", "CHOWN", "DAC_OVERRIDE", "FOWNER",
                                 "SYS_ADMIN", "SETPCAP")  # fmt: skip
    else:
        # uid 0 of a user namespace of our own: there, and only there, the zygote may mount
        # each job's tmpfs (bubblewrap maps any other uid through a second, nested user
        # namespace, where mounting is refused; --disable-userns nests one too). New user
        # namespaces are denied to the workers by the seccomp filter instead.
        args += ["--unshare-user", "--uid", "0", "--gid", "0"]
        caps = ("SYS_ADMIN", "SETPCAP")
    for cap in caps:  # the zygote's; every worker drops them all before student code
        args += ["--cap-add", f"CAP_{cap}"]
    return args


class Sandbox:
    """One zygote; jobs run one at a time. Restart it with ``restart()`` if it dies."""

    def __init__(self, limits: Limits | None = None, mode: str | None = None,
                 cgroups_required: bool | None = None, hide: Iterable[Path] = ()):  # fmt: skip
        """``cgroups_required``: refuse to start the strong jail without job-wide bounds; by
        default from ``DLGRADE_CGROUPS`` (``dlgrade doctor`` passes False: it reports, it does
        not grade). ``hide``: folders plain mode covers besides ours (the course)."""
        self.limits = limits or Limits()
        self.mode = mode or detect_mode()
        self._cgroups_required = cgroups_required
        self.uid = JAIL_UID if os.geteuid() == 0 else None  # plain mode too: never root
        self.hide = [Path(folder) for folder in hide]
        self._facts: dict[str, bool] = {}
        self._process: subprocess.Popen[bytes] | None = None
        self._control: socket.socket | None = None
        self._workroot: str | None = None
        self._jobs = 0
        self._cgroups: cgroups.Layer | None = None
        self._cgroup_problem = ""  # why there are no job-wide bounds, when there are none
        self._unbounded_jobs = 0  # jobs that ran without their cgroup (DLGRADE_CGROUPS=optional)

    # -- life cycle
    def start(self) -> None:
        _keep_freed_memory()
        self._open_cgroups()
        parent, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"} | {var: "1" for var in _THREAD_VARS} | MALLOC_VARS
        if self.mode == "bwrap":
            command = self._bwrap_command(child.fileno())
        else:
            command = self._plain_command(child.fileno())
        self._process = subprocess.Popen(
            command,
            pass_fds=(child.fileno(),),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,  # never the grader's own output channel
            stderr=subprocess.DEVNULL if not os.environ.get("DLGRADE_DEBUG_JAIL") else None,
            env=env,
            start_new_session=True,
        )
        child.close()
        self._control = parent
        self._handshake()

    def _handshake(self) -> None:
        """The zygote says its pid and whether each job gets a tmpfs of its own; it gets the
        seccomp filter its workers will load, which names that pid (they may not signal it).
        A zygote that does not answer is not used: the jail fails closed."""
        assert self._control is not None and self._process is not None
        try:
            self._control.settimeout(30)
            hello = wire.decode(wire.recv(self._control))
            if not isinstance(hello, dict) or hello.get("op") != "ready":
                raise wire.WireError(f"unexpected greeting {hello!r:.80}")
            zygote = int(hello["pid"])
            protected = [zygote, 1] if self.mode == "bwrap" else [zygote, os.getpid(), os.getpgrp()]
            program = jailfilter.compile_filter(protected)
            wire.send(self._control, wire.encode({"op": "setup", "seccomp": program}))
        except (OSError, EOFError, KeyError, ValueError, TypeError) as error:
            self.close()  # nothing of a submission has run in this zygote: the machine's fault
            raise JailSetupFailed(f"the jail could not start ({type(error).__name__}: {error}){_NOT_THEIRS}") from None
        self._facts = {"seccomp": True, "job_tmpfs": bool(hello.get("job_tmpfs")),
                       "private_view": bool(hello.get("private_view"))}  # fmt: skip

    def _open_cgroups(self) -> None:
        """The job-wide bounds, or fail closed: the strong jail without a bound on the memory of
        a job's processes together is not the strong jail (five forked children, each under its
        RLIMIT_AS, add up to any amount)."""
        required = self._required()
        try:
            self._cgroups = cgroups.open_layer(self.limits.memory_bytes, self.limits.processes)
            self._cgroup_problem = ""
        except cgroups.Unavailable as why:
            self._cgroup_problem = str(why)
            if self.mode == "bwrap" and required:
                raise JailUnavailable(_NO_BOUND.format(why=why)) from None

    def _required(self) -> bool:
        if self._cgroups_required is not None:
            return self._cgroups_required
        return cgroups.policy() == "required"

    def _job_group(self, n: int) -> cgroups.JobGroup | None:
        if self._cgroups is None:
            self._unbounded_jobs += 1
            return None
        try:
            return self._cgroups.job(n)
        except OSError as error:
            return self._unbounded(f"cannot create the job's cgroup: {error}")

    def _unbounded(self, why: str) -> cgroups.JobGroup | None:
        """A job without its cgroup: refused in the strong jail unless cgroups are optional."""
        self._cgroup_problem = why
        if self.mode == "bwrap" and self._required():
            self.close()
            raise JailUnavailable(_NO_BOUND.format(why=why))
        self._unbounded_jobs += 1
        return None

    def _bwrap_command(self, control_fd: int) -> list[str]:
        args = ["bwrap", *_namespace_args()]
        for path in ("/usr", "/lib", "/lib64", "/bin", "/lib32", "/etc/ld.so.cache"):
            args += ["--ro-bind-try", path, path]
        prefix = str(Path(sys.base_prefix).resolve())
        binds = [(prefix, prefix)]
        binds += [(str(path), f"/opt/jail-site/{name}") for name, path in _jail_site_dirs().items()]
        binds += [(str(_AGENT_DIR / name), f"/opt/dlgrade/{name}") for name in _AGENT_FILES]
        # bwrap makes missing parents 0700: the jail's uid could not walk into them
        parents = sorted({str(p) for _, dest in binds for p in Path(dest).parents if str(p) != "/"})
        for parent in parents:
            args += ["--perms", "0755", "--dir", parent]
        for source, dest in binds:
            args += ["--ro-bind", source, dest]
        size = str(self.limits.tmpfs_bytes)
        args += ["--proc", "/proc", "--dev", "/dev"]
        # the keys a worker of the same uid could list (names only, but names of the grader's)
        for listing in ("/proc/keys", "/proc/key-users"):
            args += ["--ro-bind-try", "/dev/null", listing]
        args += ["--size", size, "--tmpfs", "/tmp", "--size", size, "--tmpfs", "/work"]
        # the root and /dev read-only: with bubblewrap's user namespace the worker has the uid
        # that owns them, and a file left there would reach the next job
        args += ["--remount-ro", "/dev", "--remount-ro", "/"]
        args += ["--chdir", "/work", "--clearenv"]
        for var in _THREAD_VARS:
            args += ["--setenv", var, "1"]
        for var, value in MALLOC_VARS.items():
            args += ["--setenv", var, value]
        boot = _BOOT.format(paths=["/opt/dlgrade", "/opt/jail-site"])
        args += [_base_python(), "-I", "-S", "-B", "-c", boot, "--control-fd", str(control_fd)]
        args += ["--workroot", "/work", "--scratch", "/tmp", "--scratch", "/dev/shm"]
        args += ["--job-bytes", str(self.limits.tmpfs_bytes), "--job-inodes", str(self.limits.job_files)]
        if self.uid is not None:
            args += ["--uid", str(self.uid)]
        return args

    def _plain_command(self, control_fd: int) -> list[str]:
        """Plain mode: the zygote is a child process. Its import path is a folder of its own
        holding NumPy, msgpack and the jail's modules (never site-packages: ``solutions`` and
        ``grader`` are not importable). As root it drops its workers to uid 65534 and, in a
        mount namespace of its own, covers the course, the project and site-packages with
        empty tmpfs (``agent._enter_private_view``); not root, the course stays readable."""
        base = "/run" if os.geteuid() == 0 and os.access("/run", os.W_OK) else None
        self._workroot = tempfile.mkdtemp(prefix="dlgrade-jail-", dir=base)
        os.chmod(self._workroot, 0o755)
        python = _base_python() if _same_site() else sys.executable
        exposed = {f"site/{name}": path for name, path in _jail_site_dirs().items()}
        exposed |= {f"site/{name}": _AGENT_DIR / name for name in _AGENT_FILES}
        args = ["--control-fd", str(control_fd), "--job-bytes", str(self.limits.tmpfs_bytes),
                "--job-inodes", str(self.limits.job_files)]  # fmt: skip
        if self.uid is None:
            # the workers have our uid and see our pid: without this, /proc/<grader>/mem
            # would be theirs to write (no pid namespace here; no seccomp rule sees a write)
            _set_not_dumpable()
            site = Path(self._workroot) / "site"
            site.mkdir()
            for dest, source in exposed.items():
                (Path(self._workroot) / dest).symlink_to(source)
            (Path(self._workroot) / "work").mkdir()  # emptied after every job, site/ is not
            boot = _BOOT.format(paths=[str(site)])
            return [python, "-I", "-S", "-B", "-c", boot, *args, "--workroot", f"{self._workroot}/work"]
        stdlib = Path(sysconfig.get_paths()["stdlib"]).resolve()
        prefix = Path(sys.base_prefix).resolve()
        args += ["--uid", str(self.uid), "--private-root", self._workroot, "--open", str(prefix)]
        args += ["--workroot", f"{self._workroot}/work", "--path", "site"]
        for scratch in ("/tmp", "/var/tmp", "/dev/shm"):
            if not Path(self._workroot).is_relative_to(scratch):  # would hide the jail's own files
                args += ["--scratch", scratch]
        for dest, source in exposed.items():
            args += ["--expose", f"{dest}={source}"]
        keep = [stdlib, prefix, Path(python).resolve(), Path(self._workroot)]
        for folder in _plain_hidden(self.hide, keep):
            args += ["--hide", str(folder)]
        boot = _BOOT.format(paths=[str(_AGENT_DIR), *map(str, _site_paths())])
        return [python, "-I", "-S", "-B", "-c", boot, *args]

    def close(self) -> None:
        if self._control is not None:
            self._control.close()
            self._control = None
        if self._process is not None:
            try:
                os.killpg(self._process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            self._process.wait()
            self._process = None
        if self._workroot:
            # rm, not shutil.rmtree: a job's folder may be 5,000 deep (rmtree recurses, and
            # its paths outgrow PATH_MAX); as root the jobs were in the zygote's own mounts
            subprocess.run(["rm", "-rf", "--one-file-system", "--", self._workroot],
                           stdin=subprocess.DEVNULL, capture_output=True, timeout=120)  # fmt: skip
            self._workroot = None
        if self._cgroups is not None:
            self._cgroups.close()
            self._cgroups = None

    def restart(self) -> None:
        self.close()
        self.start()

    def __enter__(self) -> Sandbox:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- jobs
    def spawn(self) -> Job:
        """A worker for the next job, set up and ready: nothing of the submission has run in it
        yet (that starts with the first request, "load"), so any failure here is the machine's
        or the grader's. Tried once more with a fresh zygote, then JailSetupFailed."""
        try:
            return self._spawn()
        except _NotSetUp as first:
            try:
                self.restart()
                return self._spawn()
            except _NotSetUp as again:
                before = "twice" if str(again) == str(first) else f"and before that: {first}"
                raise JailSetupFailed(f"the jail could not set up a worker, {before} ({again}){_NOT_THEIRS}") from None

    def _spawn(self) -> Job:
        if self._process is None or self._process.poll() is not None:
            self.restart()
        assert self._control is not None and self._process is not None
        self._jobs += 1
        group = self._job_group(self._jobs)
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        out_read, out_write = os.pipe()
        arena = Arena.create()
        request = wire.encode({"op": "spawn", "job": self._jobs, "limits": {
            "rlimits": self.limits.rlimits(self._nproc_counts_the_job())}})  # fmt: skip
        try:
            self._control.settimeout(30)
            socket.send_fds(self._control, [len(request).to_bytes(4, "big") + request],
                            [theirs.fileno(), out_write, *([arena.fd] if arena else [])])  # fmt: skip
            reply = wire.decode(wire.recv(self._control))
        except (OSError, EOFError, wire.WireError) as error:
            self.close()
            if group is not None:
                group.finish()
            ours.close()
            os.close(out_read)
            raise _NotSetUp(f"the zygote did not start it: {type(error).__name__}: {error}") from None
        finally:
            theirs.close()
            os.close(out_write)
            if arena is not None:
                arena.hand_over()
        try:
            if not isinstance(reply, dict) or reply.get("op") != "spawned":
                raise _NotSetUp("the zygote refused the job")
            jail_pid = int(reply["pid"])
            self._await_ready(ours, out_read)
            host_pid = self._host_pid(jail_pid)
        except BaseException:
            if group is not None:
                group.finish()
            ours.close()
            os.close(out_read)
            raise
        if group is not None:
            # before the first request ("load"): no student code has run yet, and whatever it
            # forks later is born in the group
            try:
                group.add(host_pid)
            except OSError as error:
                group.finish()  # kills the worker if it got in anywhere
                _kill(host_pid)
                group = self._unbounded(f"cannot move the job's worker into its cgroup: {error}")
        return Job(self, ours, out_read, host_pid, group, arena)

    def _await_ready(self, sock: socket.socket, out_read: int) -> None:
        """The worker's word that every protection is in place (the agent sends it before it
        reads a request, so before any student code). Without it the worker failed its own
        setup: its status from the zygote, and the agent's line on what failed, say why."""
        status: int | None = None
        try:
            sock.settimeout(30)
            hello = wire.decode(wire.recv(sock))
            if hello == {"op": "ready"}:
                return
            problem = "the worker sent something else than that it was ready"
        except EOFError:
            problem = "the worker ended before it was ready"
            status = self.wait_exited()  # the zygote reaped it: how it ended
        except (OSError, wire.WireError) as error:
            problem = f"the worker did not say it was ready ({type(error).__name__}: {error})"
        what = _setup_output(out_read)
        self.close()  # a zygote whose worker failed its setup is not used again
        if status is not None and os.WIFEXITED(status):
            problem += f" (exit code {os.WEXITSTATUS(status)})"
        elif status is not None and os.WIFSIGNALED(status):
            problem += f" (signal {signal.Signals(os.WTERMSIG(status)).name})"
        raise _NotSetUp(problem + (f": {what}" if what else ""))

    def _nproc_counts_the_job(self) -> bool:
        """RLIMIT_NPROC counts the processes of a uid in one user namespace: the job's own uid
        (65534), or bubblewrap's user namespace, which holds nothing but the jail; not root
        and in plain mode, it would count every process of the grader's user."""
        return self.uid is not None or (self.mode == "bwrap" and os.geteuid() != 0)

    def _host_pid(self, jail_pid: int) -> int:
        """The worker's pid as this process sees it: the jail reports its own PID namespace's
        number; find the descendant of bwrap whose NSpid ends with it."""
        assert self._process is not None
        if self.mode != "bwrap":
            return jail_pid
        pending = [self._process.pid]
        while pending:
            pid = pending.pop()
            try:
                nspids = _status_field(pid, "NSpid").split()
            except OSError:
                continue
            if pid != self._process.pid and nspids and int(nspids[-1]) == jail_pid:
                return pid
            pending.extend(_child_pids(pid))
        raise _NotSetUp("the worker could not be found")

    def wait_exited(self, timeout: float = 10.0) -> int | None:
        """The zygote's word that the job's worker and all it started are gone."""
        if self._control is None:
            return None
        self._control.settimeout(timeout)
        try:
            reply = wire.decode(wire.recv(self._control))
        except (OSError, EOFError, wire.WireError):
            self.close()  # a zygote that cannot say it cleaned up is not trusted to
            return None
        return int(reply.get("status", -1))

    def protections(self) -> dict[str, Any]:
        """What was set up, as it was: the zygote's answers, not what was asked for."""
        strong = self.mode == "bwrap"
        layer = self._cgroups
        bound = layer is not None and not self._unbounded_jobs
        job_tmpfs = self._facts.get("job_tmpfs", False)
        private_view = self._facts.get("private_view", False)  # plain mode as root
        return {
            "jail": self.mode,
            "separate_process": True,
            "pid_namespace": strong,
            "network": strong or private_view,  # True: the jail has no network
            "private_filesystem": strong,
            # plain mode: hidden only as root (a mount namespace with the course covered)
            "course_hidden": strong or private_view,
            "unprivileged_uid": self.uid is not None,
            "scrubbed_environment": True,
            "orphans_killed": True,
            "seccomp": self._facts.get("seccomp", False),
            "fresh_keyring": self._facts.get("seccomp", False),  # joined just before the filter
            # no ptrace, no /proc/<pid>/mem (not dumpable), no signal (the filter names its pid)
            "zygote_unreachable": self._facts.get("seccomp", False),
            "private_job_folder": True,  # a mkdtemp name, made by the zygote for each job
            "job_file_bounds": job_tmpfs,  # a tmpfs per job: bytes and files bounded, then gone
            "limits": asdict(self.limits),
            "memory_limit_bytes": self.limits.memory_bytes,
            # from the job cgroups actually made, not assumed (grader.cgroups)
            "job_memory_bound": bound,
            "job_process_bound": bound,
            "job_cpu_accounting": bound and layer is not None and layer.counts_cpu,
            "cgroup": layer.version if bound and layer is not None else None,
            "cgroup_problem": self._cgroup_problem or None,
        }


class _NotSetUp(Exception):
    """A worker that could not be started or set up; ``spawn`` tries a fresh zygote once."""


_NOT_THEIRS = "; no code of the submission had run: a problem of this machine or of dlgrade, not of the submission"


def _setup_output(fd: int, limit: int = 600) -> str:
    """What the agent wrote before it was ready (its line on which step failed): no student
    code had run, yet it is shown as data, printable characters only and capped."""
    chunks = b""
    try:
        os.set_blocking(fd, False)
        while len(chunks) < limit and select.select([fd], [], [], 0.5)[0]:
            chunk = os.read(fd, limit)
            if not chunk:
                break
            chunks += chunk
    except OSError:
        pass
    text = chunks[:limit].decode("utf-8", "replace")
    return " ".join("".join(c if c.isprintable() else " " for c in text).split())[:300]


_NO_BOUND = (
    "the strong jail needs a job-wide memory bound and there is none here ({why}); run as root "
    "(cgroup v1), or delegate a cgroup v2 subtree and set DLGRADE_CGROUP_ROOT to it, or set "
    "DLGRADE_CGROUPS=optional to grade with per-process limits only"
)


# What a job's arena holds (grader.jail.wire: a message's arrays cross in it while they fit;
# larger ones go through the socket): the largest reply the grader accepts. The file costs
# nothing until written, page by page, each charged to the cgroup of the side that first
# touches it, and it is gone with the job.
ARENA_BYTES = wire.REPLY.message_bytes


class Arena:
    """A job's shared memory for arrays (``wire.encode(arena=)``): a memfd sealed against
    shrinking, growing and further seals, so that the worker, which gets ``fd``, can write
    into it but never make an access of ours fault (a truncated file would raise SIGBUS
    here); mapped here once. ``create`` gives None where the kernel has no memfd or seals:
    arrays then cross through the socket, as they did before."""

    def __init__(self, fd: int, mapping: mmap.mmap):
        self.fd = fd
        self._mapping = mapping
        self.view: memoryview | None = memoryview(mapping)

    @classmethod
    def create(cls) -> Arena | None:
        try:
            fd = os.memfd_create("dlgrade-arena", os.MFD_CLOEXEC | os.MFD_ALLOW_SEALING)
        except (AttributeError, OSError):
            return None
        try:
            os.ftruncate(fd, ARENA_BYTES)
            fcntl.fcntl(fd, fcntl.F_ADD_SEALS, fcntl.F_SEAL_SHRINK | fcntl.F_SEAL_GROW | fcntl.F_SEAL_SEAL)
            mapping = mmap.mmap(fd, ARENA_BYTES)
        except (AttributeError, OSError, ValueError):
            os.close(fd)
            return None
        return cls(fd, mapping)

    def hand_over(self) -> None:
        """The worker has its copy of the fd (or never will): ours is no longer needed."""
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1

    def close(self) -> None:
        self.hand_over()
        if self.view is not None:
            self.view.release()
            self.view = None
        try:
            self._mapping.close()
        except BufferError:  # a slice still in use (another thread's decode): unmapped when freed
            pass


def _keep_freed_memory() -> None:
    """MALLOC_VARS for this process (the one that grades), which glibc started without them."""
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # not glibc: nothing to tune
        return
    mallopt(_M_MMAP_THRESHOLD, int(MALLOC_VARS["MALLOC_MMAP_THRESHOLD_"]))
    mallopt(_M_TRIM_THRESHOLD, int(MALLOC_VARS["MALLOC_TRIM_THRESHOLD_"]))


_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # glibc's malloc.h


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _set_not_dumpable() -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(4, 0, 0, 0, 0) != 0:  # PR_SET_DUMPABLE
        raise JailUnavailable(f"plain mode: cannot protect the grader's memory: {os.strerror(ctypes.get_errno())}")


def _plain_hidden(extra: list[Path], keep: list[Path]) -> list[Path]:
    """What plain mode covers as root: the course, this project, every folder of the grader's
    import path that is not the standard library (site-packages, a venv, a checkout), but
    never a folder holding what the jail needs (``keep``)."""
    stdlib = Path(sysconfig.get_paths()["stdlib"]).resolve()
    candidates = [*extra, Path(__file__).resolve().parent.parent, Path(sys.prefix)]
    candidates += [Path(entry) for entry in sys.path if entry]
    candidates += [Path(entry) for entry in site.getsitepackages() + [site.getusersitepackages()]]
    candidates += [stdlib / "site-packages", stdlib / "dist-packages"]  # the base's, under a venv
    found: list[Path] = []
    for folder in candidates:
        try:
            folder = folder.resolve()
        except OSError:
            continue
        inside_stdlib = folder == stdlib or stdlib in folder.parents
        if not folder.is_dir() or folder == Path("/") or inside_stdlib and folder.name not in (
                "site-packages", "dist-packages"):  # fmt: skip
            continue
        if any(folder == needed or folder in needed.parents for needed in keep):
            continue
        if folder not in found:
            found.append(folder)
    return found


_BOOT = "import sys; sys.path[:0] = {paths!r}; import agent; agent.main()"


def _same_site() -> bool:
    return sys.prefix == sys.base_prefix


def _site_paths() -> list[Path]:
    # plain mode: the jail imports NumPy from where this process does
    return sorted({path.parent for path in _jail_site_dirs().values()})


def _status_field(pid: int, name: str) -> str:
    with open(f"/proc/{pid}/status") as handle:
        for line in handle:
            if line.startswith(name + ":"):
                return line.split(":", 1)[1]
    return ""


def _child_pids(pid: int) -> list[int]:
    found: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return found
    for task in tasks:
        try:
            with open(f"/proc/{pid}/task/{task}/children") as handle:
                found.extend(int(child) for child in handle.read().split())
        except OSError:
            pass
    return found


class Job:
    """One worker: a topic of one submission. Calls are request/reply, each with a deadline."""

    def __init__(self, sandbox: Sandbox, sock: socket.socket, out_read: int, host_pid: int,
                 group: cgroups.JobGroup | None = None, arena: Arena | None = None):  # fmt: skip
        self.sandbox = sandbox
        self.sock = sock
        self.arena = arena  # where the arrays of requests and replies cross (None: the socket)
        self.host_pid = host_pid
        self.group = group
        self.usage: cgroups.Usage | None = None  # what the job used, once it has ended
        self.alive = True
        self.output = bytearray()
        self.output_total = 0
        self._drain = threading.Thread(target=self._read_output, args=(out_read,), daemon=True)
        self._drain.start()

    def _read_output(self, fd: int) -> None:
        keep = self.sandbox.limits.output_bytes
        with os.fdopen(fd, "rb", buffering=0) as pipe:
            while chunk := pipe.read(1 << 16):
                self.output_total += len(chunk)
                if len(self.output) < keep:
                    self.output += chunk[: keep - len(self.output)]

    def request(self, message: dict[str, Any], timeout: float) -> dict[str, Any]:
        """Send one request; the reply decoded, or JobDied (the worker is then gone)."""
        if not self.alive:
            raise JobDied("the jail is no longer running", "crash", "песочница уже не работает")
        deadline = time.monotonic() + timeout
        try:
            arena = self.arena.view if self.arena is not None else None
            self.sock.settimeout(timeout)
            wire.send(self.sock, wire.encode(message, arena=arena))
            self.sock.settimeout(max(0.001, deadline - time.monotonic()))
            reply = wire.decode(wire.recv(self.sock), arena=arena)
        except TimeoutError:
            self._end()
            raise JobDied(f"did not finish within {timeout:g} s", "timeout",
                          f"не завершился за {timeout:g} с") from None  # fmt: skip
        except (EOFError, ConnectionError, OSError):
            status = self._end(kill=False)
            raise self._death(status) from None
        except wire.WireError as error:
            self._end()
            raise JobDied(f"sent a reply that is not plain data ({error})", "protocol",
                          f"прислал ответ, который не является простыми данными ({error})") from None  # fmt: skip
        if not isinstance(reply, dict):
            self._end()
            raise JobDied("sent a malformed reply", "protocol", "прислал искажённый ответ")
        limit = self.sandbox.limits.cpu_seconds
        if self.group is not None and (self.group.cpu_seconds() or 0.0) > limit:
            # RLIMIT_CPU is per process: the job's budget holds for all its processes together
            self._end()
            raise JobDied(f"ran out of CPU time (the job's limit is {limit} s, all its processes together)",
                          "cpu", f"исчерпал процессорное время (лимит задания — {limit} с на все его "
                          "процессы вместе)")  # fmt: skip
        return reply

    def cpu_seconds(self) -> float:
        """CPU time the kernel charged the job, in seconds: from its cgroup (every thread and
        child, dead ones included), else the worker's own and its reaped children's."""
        if self.usage is not None:
            return self.usage.cpu_seconds
        if self.group is not None:
            seconds = self.group.cpu_seconds()
            if seconds is not None:
                return seconds
        return _proc_cpu_seconds(self.host_pid)

    def _end(self, kill: bool = True) -> int | None:
        if not self.alive:
            return None
        self.alive = False
        if kill:
            _kill(self.host_pid)
        self.sock.close()
        if self.group is not None:
            self.group.kill()  # everything of the job, from the trusted side, daemons included
        status = self.sandbox.wait_exited()
        if self.group is not None:
            self.usage = self.group.finish()
        if self.arena is not None:
            self.arena.close()
        self._drain.join(timeout=5)
        return status

    def _death(self, status: int | None) -> JobDied:
        killed = status is None or (os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL)
        if self.usage is not None and self.usage.oom_killed and killed:
            mib = self.sandbox.limits.memory_bytes >> 20
            return JobDied(f"ran out of memory (the job's limit is {mib} MiB, all its processes together)",
                           "memory", f"исчерпал память (лимит задания — {mib} МиБ на все его процессы "
                           "вместе)")  # fmt: skip
        return _death(status)

    def close(self) -> None:
        if self.alive:
            try:
                self.sock.settimeout(2)
                wire.send(self.sock, wire.encode({"op": "bye"}))
            except OSError:
                pass
            self._end(kill=False) if self._exits_soon() else self._end()

    def _exits_soon(self) -> bool:
        try:
            self.sock.settimeout(2)
            return self.sock.recv(1) == b""
        except OSError:
            return False


def _proc_cpu_seconds(pid: int) -> float:
    """The process's CPU time, its threads' (dead ones included) from the kernel's clock of the
    process in nanoseconds, plus its reaped children's (cutime + cstime of /proc/<pid>/stat):
    not a number the jail reports. /proc's own utime and stime count 10 ms ticks, too coarse
    for a vectorized call of a millisecond (read as 20 ms, it failed an honest function)."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
        ticks = os.sysconf("SC_CLK_TCK")
        children = (int(fields[13]) + int(fields[14])) / ticks
        own = (int(fields[11]) + int(fields[12])) / ticks
    except (OSError, ValueError, IndexError):
        return 0.0
    try:
        own = time.clock_gettime_ns(_process_cpu_clock(pid)) / 1e9
    except OSError:  # no such clock here: the ticks
        pass
    return own + children


def _process_cpu_clock(pid: int) -> int:
    """clock_getcpuclockid(pid), which Python does not offer: the kernel's encoding of the
    clock of a process's CPU time (MAKE_PROCESS_CPUCLOCK(pid, CPUCLOCK_SCHED))."""
    return ((~pid) << 3) | 2


def _death(status: int | None) -> JobDied:
    if status is None:
        return JobDied("the jail stopped answering", "crash", "песочница перестала отвечать")
    if os.WIFSIGNALED(status):
        signum = os.WTERMSIG(status)
        if signum == signal.SIGXCPU:
            return JobDied("ran out of CPU time", "cpu", "исчерпал процессорное время")
        if signum == signal.SIGXFSZ:
            return JobDied("wrote a file over the size limit", "crash",
                           "записал файл больше допустимого размера")  # fmt: skip
        name = signal.Signals(signum).name
        return JobDied(f"crashed (signal {name})", "crash", f"аварийно завершился (сигнал {name})")
    code = os.WEXITSTATUS(status)
    return JobDied(f"ended its own process (exit code {code})", "exit",
                   f"завершил собственный процесс (код выхода {code})")  # fmt: skip
