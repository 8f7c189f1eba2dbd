"""Job-wide bounds from the kernel: one cgroup per job (a topic of one submission: the forked
worker and everything it starts), so memory (page cache, memfd, tmpfs and kernel objects
included), the process count and CPU time are bounded and counted for all of the job's
processes together, not per process as rlimits are.

Two backends, whichever the machine has (detected, never assumed):
- ``v1``: the ``memory`` and ``pids`` controllers (``cpuacct`` for CPU time where mounted), each
  its own hierarchy; a job's groups are ``<own group>/dlgrade/<sandbox>/job-<n>`` in each, where
  ``<own group>`` is the grader's own group of that controller, so whatever bounds an
  administrator set on the grader still hold for its jobs.
- ``v2``: a delegated subtree, a writable cgroup2 folder with ``memory`` and ``pids`` in its
  ``cgroup.controllers``: ``DLGRADE_CGROUP_ROOT`` names it, else the grader's own cgroup2 group
  is tried. The jobs are ``<root>/dlgrade-<sandbox>/job-<n>``.

Only the trusted side (``grader.sandbox``) uses this; nothing here is bound into the jail.
"""

from __future__ import annotations

import errno
import os
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path

from grader.errors import ConfigError

POLICIES = ("required", "optional")
_STALE_PREFIX = "sb-"


def policy() -> str:
    """``DLGRADE_CGROUPS``: ``required`` (the default: the strong jail refuses to start without a
    job-wide memory bound) or ``optional`` (grade without it; the report says so)."""
    value = os.environ.get("DLGRADE_CGROUPS", "").strip() or "required"
    if value not in POLICIES:
        raise ConfigError(
            f"DLGRADE_CGROUPS={value!r} is not one of {', '.join(POLICIES)} "
            "(required: refuse to grade without a job-wide memory bound; optional: grade anyway)"
        )
    return value


@dataclass
class Usage:
    """What a job used, read from its cgroup when it ended."""

    peak_memory_bytes: int = 0
    peak_processes: int = 0
    cpu_seconds: float = 0.0
    oom_killed: bool = False

    def to_json(self) -> dict[str, object]:
        return {
            "peak_memory_bytes": self.peak_memory_bytes,
            "peak_processes": self.peak_processes,
            "cpu_seconds": round(self.cpu_seconds, 4),
            "oom_killed": self.oom_killed,
        }


def combine(usages: list[Usage]) -> dict[str, object]:
    """The figures of a topic from those of its jobs (a crash restarts the worker: several):
    peaks are the largest, CPU seconds the sum, oom_killed whether any job was OOM-killed."""
    if not usages:
        return {}
    return {
        "jobs": len(usages),
        "peak_memory_bytes": max(u.peak_memory_bytes for u in usages),
        "peak_processes": max(u.peak_processes for u in usages),
        "cpu_seconds": round(sum(u.cpu_seconds for u in usages), 4),
        "oom_killed": any(u.oom_killed for u in usages),
    }


def _write(path: Path, value: str) -> None:
    with open(path, "w") as handle:
        handle.write(value)


def _read(path: Path) -> str:
    with open(path) as handle:
        return handle.read()


def _read_int(path: Path, default: int = 0) -> int:
    try:
        text = _read(path).strip()
    except OSError:
        return default
    if text == "max":
        return default
    try:
        return int(text)
    except ValueError:
        return default


def _keyed(path: Path) -> dict[str, int]:
    """A flat-keyed file (``memory.events``, ``memory.oom_control``, ``cpu.stat``)."""
    found: dict[str, int] = {}
    try:
        for line in _read(path).splitlines():
            key, _, value = line.partition(" ")
            try:
                found[key] = int(value)
            except ValueError:
                pass
    except OSError:
        pass
    return found


def _pids(path: Path) -> list[int]:
    try:
        return [int(pid) for pid in _read(path).split()]
    except (OSError, ValueError):
        return []


def _rmdir(path: Path, tries: int = 50) -> bool:
    """rmdir a cgroup; EBUSY while the kernel finishes the exit of its last tasks."""
    for _ in range(tries):
        try:
            os.rmdir(path)
            return True
        except FileNotFoundError:
            return True
        except OSError as error:
            if error.errno != errno.EBUSY:
                return False
            time.sleep(0.002)
    return False


def _kill_all(procs_files: list[Path], deadline_s: float = 10.0) -> bool:
    """SIGKILL every process listed until none is left: a process that forks while it is being
    killed leaves a child in the group, so read again (pids.max bounds how many rounds)."""
    stop = time.monotonic() + deadline_s
    while time.monotonic() < stop:
        pids = sorted({pid for path in procs_files for pid in _pids(path)})
        if not pids:
            return True
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        time.sleep(0.001)
    return False


def _proc_start(pid: int) -> str | None:
    """A process's start time (field 22 of /proc/<pid>/stat): with the pid, it names one
    process even after the pid is reused."""
    try:
        stat = _read(Path(f"/proc/{pid}/stat"))
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()[19]


def _pid_namespace() -> str:
    try:
        return str(os.stat("/proc/self/ns/pid").st_ino)
    except OSError:
        return "0"


_COUNTER = [0]


def sandbox_name() -> str:
    """``sb-<pid namespace>-<pid>-<start time>-<n>``: enough for a later grader to tell whether
    the sandbox's owner is still alive (see ``clean_stale``)."""
    _COUNTER[0] += 1
    pid = os.getpid()
    return f"{_STALE_PREFIX}{_pid_namespace()}-{pid}-{_proc_start(pid) or 0}-{_COUNTER[0]}"


def _owner_gone(name: str) -> bool:
    parts = name.removeprefix(_STALE_PREFIX).split("-")
    if not name.startswith(_STALE_PREFIX) or len(parts) != 4:
        return False
    namespace, pid, start, _n = parts
    if namespace != _pid_namespace() or not pid.isdigit():
        return False  # another PID namespace's grader: we cannot tell, leave it
    return _proc_start(int(pid)) != start


# ----------------------------------------------------------------------------- a job
class JobGroup:
    """The cgroup(s) of one job. ``add`` the worker before it runs student code; at the end,
    ``finish`` kills what is left, reads the figures and removes the group(s)."""

    version = ""

    def add(self, pid: int) -> None:
        raise NotImplementedError

    def cpu_seconds(self) -> float | None:
        raise NotImplementedError

    def oom_kills(self) -> int:
        raise NotImplementedError

    def kill(self) -> bool:
        raise NotImplementedError

    def usage(self) -> Usage:
        raise NotImplementedError

    def remove(self) -> None:
        raise NotImplementedError

    def finish(self) -> Usage:
        self.kill()
        usage = self.usage()
        self.remove()
        return usage


@dataclass
class V1Job(JobGroup):
    memory: Path
    pids: Path
    cpuacct: Path | None
    version = "v1"
    # read before and after every call of a job: kept open and read with pread (a fresh value
    # each time), about 40 times cheaper than opening the file again
    _usage_fd: int | None = field(default=None, init=False, repr=False, compare=False)

    def _dirs(self) -> list[Path]:
        return [d for d in (self.memory, self.pids, self.cpuacct) if d is not None]

    def add(self, pid: int) -> None:
        for folder in self._dirs():
            _write(folder / "cgroup.procs", str(pid))

    def cpu_seconds(self) -> float | None:
        if self.cpuacct is None:
            return None
        try:
            if self._usage_fd is None:
                self._usage_fd = os.open(self.cpuacct / "cpuacct.usage", os.O_RDONLY | os.O_CLOEXEC)
            return int(os.pread(self._usage_fd, 64, 0)) / 1e9
        except (OSError, ValueError):
            return None

    def oom_kills(self) -> int:
        return _keyed(self.memory / "memory.oom_control").get("oom_kill", 0)

    def kill(self) -> bool:
        return _kill_all([folder / "cgroup.procs" for folder in self._dirs()])

    def usage(self) -> Usage:
        return Usage(
            peak_memory_bytes=_read_int(self.memory / "memory.max_usage_in_bytes"),
            peak_processes=_read_int(self.pids / "pids.peak"),
            cpu_seconds=self.cpu_seconds() or 0.0,
            oom_killed=self.oom_kills() > 0,
        )

    def remove(self) -> None:
        if self._usage_fd is not None:
            os.close(self._usage_fd)
            self._usage_fd = None
        for folder in self._dirs():
            _rmdir(folder)


@dataclass
class V2Job(JobGroup):
    folder: Path
    version = "v2"

    def add(self, pid: int) -> None:
        _write(self.folder / "cgroup.procs", str(pid))

    def cpu_seconds(self) -> float | None:
        usec = _keyed(self.folder / "cpu.stat").get("usage_usec")
        return None if usec is None else usec / 1e6

    def oom_kills(self) -> int:
        return _keyed(self.folder / "memory.events").get("oom_kill", 0)

    def kill(self) -> bool:
        try:
            _write(self.folder / "cgroup.kill", "1")  # atomic: a fork bomb cannot outrun it
        except OSError:
            pass
        return _kill_all([self.folder / "cgroup.procs"])

    def usage(self) -> Usage:
        return Usage(
            peak_memory_bytes=_read_int(self.folder / "memory.peak"),
            peak_processes=_read_int(self.folder / "pids.peak"),
            cpu_seconds=self.cpu_seconds() or 0.0,
            oom_killed=self.oom_kills() > 0,
        )

    def remove(self) -> None:
        _rmdir(self.folder)


# ----------------------------------------------------------------------------- a sandbox's groups
class Unavailable(Exception):
    """No job-wide bound can be had here; the message says what is missing."""


@dataclass
class Layer:
    """The per-sandbox parent group(s); ``job(n)`` makes the group of one job."""

    version: str
    parents: dict[str, Path]  # controller (or "v2") -> this sandbox's parent folder
    memory_bytes: int
    processes: int
    swap_bound: bool = False  # v1: memory.memsw.limit_in_bytes was set too

    @property
    def counts_cpu(self) -> bool:
        return self.version == "v2" or "cpuacct" in self.parents

    def job(self, n: int) -> JobGroup:
        name = f"job-{n}"
        group: JobGroup
        if self.version == "v1":
            for folder in self.parents.values():
                (folder / name).mkdir()
            cpu = self.parents.get("cpuacct")
            group = V1Job(self.parents["memory"] / name, self.parents["pids"] / name,
                          cpu / name if cpu else None)  # fmt: skip
            try:
                _v1_bounds(group.memory, group.pids, self.memory_bytes, self.processes)
            except OSError:
                group.remove()
                raise
        else:
            folder = self.parents["v2"] / name
            folder.mkdir()
            group = V2Job(folder)
            try:
                _write(folder / "memory.max", str(self.memory_bytes))
                if (folder / "memory.swap.max").exists():
                    _write(folder / "memory.swap.max", "0")
                _write(folder / "pids.max", str(self.processes))
            except OSError:
                group.remove()
                raise
        return group

    def close(self) -> None:
        """Remove this sandbox's groups (their jobs were finished; kill anything left anyway)."""
        for folder in self.parents.values():
            _remove_tree(folder)
        if self.version == "v1":
            for folder in self.parents.values():
                _rmdir(folder.parent, tries=1)  # the shared dlgrade/ folder, when it is empty
        self.parents = {}


def _v1_bounds(memory: Path, pids: Path, memory_bytes: int, processes: int) -> bool:
    """Set and verify the job's bounds; True when swap is bounded too (memsw)."""
    _write(memory / "memory.limit_in_bytes", str(memory_bytes))
    swap = (memory / "memory.memsw.limit_in_bytes").exists()
    if swap:  # memory + swap: without it a job could page out past the limit
        _write(memory / "memory.memsw.limit_in_bytes", str(memory_bytes))
    _write(pids / "pids.max", str(processes))
    got = _read_int(memory / "memory.limit_in_bytes")
    if got <= 0 or got > memory_bytes:
        raise OSError(f"{memory}: memory.limit_in_bytes reads {got}, not {memory_bytes}")
    return swap


def _remove_tree(folder: Path) -> None:
    """Kill every process under ``folder`` and remove its groups, deepest first."""
    if not folder.is_dir():
        return
    for sub in sorted((p for p in folder.rglob("*") if p.is_dir()), key=lambda p: -len(p.parts)):
        _kill_all([sub / "cgroup.procs"], deadline_s=5)
        _rmdir(sub)
    _kill_all([folder / "cgroup.procs"], deadline_s=5)
    _rmdir(folder)


# ----------------------------------------------------------------------------- detection
def _mounts() -> list[tuple[str, str, str, set[str]]]:
    """(mount point, mount root, fs type, super options) of every cgroup mount."""
    found: list[tuple[str, str, str, set[str]]] = []
    try:
        lines = _read(Path("/proc/self/mountinfo")).splitlines()
    except OSError:
        return found
    for line in lines:
        left, _, right = line.partition(" - ")
        fields, tail = left.split(), right.split()
        if len(fields) < 5 or len(tail) < 3 or tail[0] not in ("cgroup", "cgroup2"):
            continue
        point = fields[4].replace("\\040", " ")
        found.append((point, fields[3], tail[0], set(tail[2].split(","))))
    return found


def _own_groups() -> dict[str, str]:
    """Controller (or "" for cgroup2) -> the grader's own group path, from /proc/self/cgroup."""
    found: dict[str, str] = {}
    try:
        lines = _read(Path("/proc/self/cgroup")).splitlines()
    except OSError:
        return found
    for line in lines:
        parts = line.split(":", 2)
        if len(parts) == 3:
            for controller in parts[1].split(",") if parts[1] else [""]:
                found[controller] = parts[2]
    return found


def _own_dir(point: str, root: str, path: str) -> Path:
    """The grader's own group inside a mount, or the mount itself when that is not visible."""
    relative = path if root == "/" else (path[len(root) :] if path.startswith(root) else "")
    candidate = Path(point) / relative.lstrip("/")
    return candidate if candidate.is_dir() else Path(point)


def _v1_bases() -> dict[str, Path]:
    own = _own_groups()
    bases: dict[str, Path] = {}
    for point, root, kind, options in _mounts():
        if kind != "cgroup":
            continue
        for controller in ("memory", "pids", "cpuacct"):
            if controller in options and controller not in bases:
                bases[controller] = _own_dir(point, root, own.get(controller, "/"))
    return bases


def _v2_root() -> tuple[Path | None, str]:
    configured = os.environ.get("DLGRADE_CGROUP_ROOT", "").strip()
    if configured:
        return Path(configured), f"DLGRADE_CGROUP_ROOT={configured}"
    own = _own_groups().get("")
    for point, root, kind, _options in _mounts():
        if kind == "cgroup2" and own is not None:
            return _own_dir(point, root, own), "the grader's own cgroup2 group"
    return None, ""


def _v2_usable(root: Path) -> str:
    """Why ``root`` is not a delegated cgroup2 subtree we can use ("" when it is)."""
    controllers = root / "cgroup.controllers"
    if not controllers.is_file():
        return f"{root} is not a cgroup v2 folder (no cgroup.controllers)"
    available = set(_read(controllers).split())
    missing = [c for c in ("memory", "pids") if c not in available]
    if missing:
        return f"{root} has no {' and '.join(missing)} controller in cgroup.controllers"
    if not os.access(root, os.W_OK) or not os.access(root / "cgroup.subtree_control", os.W_OK):
        return f"{root} is not writable by this user (delegate it to the grader's user)"
    return ""


def open_layer(memory_bytes: int, processes: int) -> Layer:
    """This sandbox's parent groups, made and checked (a probe job gets its bounds set and read
    back), or ``Unavailable`` saying what is missing."""
    root, where = _v2_root()
    configured = bool(os.environ.get("DLGRADE_CGROUP_ROOT", "").strip())
    reasons = []
    if root is not None:
        why = _v2_usable(root)
        if not why:
            return _open_v2(root, memory_bytes, processes)
        reasons.append(why)
        if configured:  # the administrator named the subtree: nothing else is a substitute
            raise Unavailable(f"{where}: {why}")
    bases = _v1_bases()
    missing = [c for c in ("memory", "pids") if c not in bases]
    if missing:
        reasons.append(f"no cgroup v1 {' or '.join(missing)} controller mounted")
        raise Unavailable("; ".join(reasons))
    return _open_v1(bases, memory_bytes, processes)


def _open_v1(bases: dict[str, Path], memory_bytes: int, processes: int) -> Layer:
    name = sandbox_name()
    parents: dict[str, Path] = {}
    try:
        for controller, base in bases.items():
            shared = base / "dlgrade"
            for attempt in range(3):  # another sandbox may remove the shared folder meanwhile
                try:
                    shared.mkdir(exist_ok=True)
                    clean_stale(shared)
                    (shared / name).mkdir()
                    break
                except FileNotFoundError:
                    if attempt == 2:
                        raise
            parents[controller] = shared / name
        layer = Layer("v1", parents, memory_bytes, processes)
        probe = layer.job(0)  # the bounds must take, or there is no bound
        assert isinstance(probe, V1Job)
        layer.swap_bound = (probe.memory / "memory.memsw.limit_in_bytes").exists()
        probe.remove()
        return layer
    except OSError as error:
        Layer("v1", parents, memory_bytes, processes).close()
        raise Unavailable(f"cannot create cgroups under {bases['memory']}: {error.strerror or error}") from None


def _open_v2(root: Path, memory_bytes: int, processes: int) -> Layer:
    clean_stale(root, prefix=f"dlgrade-{_STALE_PREFIX}")
    folder = root / f"dlgrade-{sandbox_name()}"
    try:
        enabled = set(_read(root / "cgroup.subtree_control").split())
        if not {"memory", "pids"} <= enabled:
            _write(root / "cgroup.subtree_control", "+memory +pids")
        folder.mkdir()
        wanted = ["memory", "pids"] + (["cpu"] if "cpu" in _read(folder / "cgroup.controllers").split() else [])
        _write(folder / "cgroup.subtree_control", " ".join(f"+{c}" for c in wanted))
        layer = Layer("v2", {"v2": folder}, memory_bytes, processes, swap_bound=True)
        layer.job(0).remove()
        return layer
    except OSError as error:
        _remove_tree(folder)
        hint = ""
        if error.errno == errno.EBUSY:
            hint = " (a process of the grader is in it: give the grader its own leaf group)"
        raise Unavailable(f"cannot create cgroups under {root}: {error.strerror or error}{hint}") from None


def clean_stale(shared: Path, prefix: str = _STALE_PREFIX) -> None:
    """Remove the groups of sandboxes whose grader is gone (it crashed, or was killed), killing
    anything still in them: they must not pile up."""
    try:
        entries = list(shared.iterdir())
    except OSError:
        return
    for entry in entries:
        if entry.is_dir() and entry.name.startswith(prefix):
            if _owner_gone(entry.name.removeprefix(prefix.removesuffix(_STALE_PREFIX))):
                _remove_tree(entry)
