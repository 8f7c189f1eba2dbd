"""The one grading engine of ``dlgrade autograde`` and ``dlgrade batch``: submissions graded as
tasks of ``grader.farm`` (``grade_chunk``) on a local pool or a Dask cluster, each record handed
back to the caller (which writes it: the gradebook, the JSON lines) the moment its task returns.

The local pool is of spawned processes, each of which dies with this process (PR_SET_PDEATHSIG),
however it ends, and takes its jails with it (bubblewrap's --die-with-parent); a pool is killed,
never waited for, when the run stops early. A task whose process died (killed, out of memory)
says nothing of which submission did it: its submissions are graded again one by one, then
each alone; one that kills its process even alone gets a record saying so, and the run goes on.
"""

from __future__ import annotations

import atexit
import ctypes
import multiprocessing
import os
import signal
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Any

from grader import farm
from grader.errors import DlgradeError, JailUnavailable

PR_SET_PDEATHSIG = 1
DIED = "the grader's worker process died grading this submission (killed or out of memory)"


def _worker_start(parent: int) -> None:
    """A pool worker: killed (SIGKILL) the moment its parent ends, however it ends; Ctrl-C is
    the parent's to handle."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    # the parent died before the prctl (a spawned worker takes seconds to get here): its orphan
    # belongs to init or to a subreaper (a container's init, systemd), so any other parent says so
    if os.getppid() != parent:
        os._exit(1)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


# the processors this process may run on (a CPU set or affinity mask may give fewer than the machine has)
CORES = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
# a grading worker and its jail take turns on about one core, and each pair waits at times (the
# cgroup v1 moves, about 12 ms a job; the timing checks' pauses): one worker more than the cores
# keeps them busy. A class of 100 on 2 cores: 3 workers took 0.87 times the wall clock of 2, and
# 4 took 1.10 times that of 3 (more CPU spent on switching than gained)
DEFAULT_WORKERS = CORES + 1


def local_pool(workers: int, start: str = "spawn") -> ProcessPoolExecutor:
    """A pool whose workers die with this process. Spawned, not forked, by default: the parent
    has threads (the progress bar), and a forkserver's children would die with the fork server,
    not with us. ``start="fork"`` is for tests that patch the engine in this process."""
    if start == "spawn":  # one exit handler however many pools (unregister drops an earlier one)
        atexit.unregister(_stop_resource_tracker)
        atexit.register(_stop_resource_tracker)
    return ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context(start), initializer=_worker_start,
                               initargs=(os.getpid(),))  # fmt: skip


def _stop_resource_tracker() -> None:
    """Stop and reap multiprocessing's resource tracker, which a spawned pool starts as our child
    and nobody waits for: at our exit it would end on its own, an orphan left for the machine's
    init to reap (a container's init may take seconds, and meanwhile the run's process group
    still holds it). A private function of multiprocessing (3.8 to 3.13): if it is not there,
    the tracker ends as before."""
    from multiprocessing import resource_tracker

    try:
        resource_tracker._resource_tracker._stop()  # type: ignore[attr-defined]
    except (AttributeError, OSError, ChildProcessError):
        pass


def kill_pool(pool: Executor) -> None:
    """Stop a local pool now: its queued tasks cancelled, its workers (and their jails) killed."""
    pool.shutdown(wait=False, cancel_futures=True)
    processes = getattr(pool, "_processes", None) or {}
    for process in list(processes.values()):
        try:
            process.kill()
        except (OSError, AttributeError):
            pass
    for process in list(processes.values()):
        process.join(5)


@dataclass(frozen=True)
class Item:
    """One submission to grade: its path (as the worker reads it), and why it cannot be graded
    though it reads (it holds no code: empty), or ""."""

    path: str
    empty: str = ""


OnRecord = Callable[[int, dict[str, Any]], None]


def grade_all(items: Sequence[Item], settings: farm.Settings, on_record: OnRecord, *, workers: int,
              executor: Executor | None = None, chunk: int = 1,
              pools: Callable[[int], Executor] = local_pool) -> list[tuple[int, BaseException]]:  # fmt: skip
    """Grade ``items`` in tasks of ``chunk`` submissions; ``on_record(index, record)`` for each
    one, in this process, as its task returns. ``executor``: a Dask cluster's (it reruns a lost
    worker's tasks by itself); otherwise local pools of ``workers`` from ``pools``. Returns the
    tasks that failed for another reason than a dead process (the grader's bug), each with the
    index of its first submission, after every other grade is made; JailUnavailable (the
    machine, not a submission) and anything that stops the run end it at once."""
    failures: list[tuple[int, BaseException]] = []
    pool: Executor | None = None

    def fresh(n: int) -> Executor:
        nonlocal pool
        if executor is not None:
            return executor
        if pool is not None:
            kill_pool(pool)  # broken: a dead worker fails every task it still held
        pool = pools(max(1, n))
        return pool

    def run(on: Executor, groups: list[list[int]], dead: bool = False) -> list[int]:
        """The groups' tasks on ``on``; the indices whose task's process died."""
        futures: dict[Future[list[dict[str, Any]]], list[int]] = {}
        for group in groups:
            paths = tuple(items[i].path for i in group)
            empty = {items[i].path: items[i].empty for i in group if items[i].empty}
            task = farm.Task(settings, paths, {p: DIED for p in paths} if dead else {}, empty)
            futures[on.submit(farm.grade_chunk, task)] = group
        died: list[int] = []
        for future in as_completed(futures):
            group = futures[future]
            try:
                records = future.result()
            except JailUnavailable:
                raise
            except Exception as error:
                if farm.worker_died(error):
                    died.extend(group)
                else:
                    failures.append((group[0], error))
                continue
            for index, record in zip(group, records):
                on_record(index, record)
        return sorted(died)

    try:
        groups = [list(range(i, min(i + chunk, len(items)))) for i in range(0, len(items), chunk)]
        died = run(fresh(min(workers, len(groups))), groups) if groups else []
        if died:  # which one did it is not known: each again, one by one
            died = run(fresh(min(workers, len(died))), [[i] for i in died])
        solo = fresh(1) if died else None
        for index in died:  # each alone, in one pool made again only when it breaks
            assert solo is not None
            if run(solo, [[index]]):  # it killed its process even alone
                solo = fresh(1)
                if run(solo, [[index]], dead=True):  # its record says so; nothing of it runs
                    failures.append((index, DlgradeError(f"the record of {items[index].path} could not be made")))
                    solo = fresh(1)
    except BaseException:
        if pool is not None:
            kill_pool(pool)
        raise
    if pool is not None:
        pool.shutdown(wait=True)
    return failures


def check_bounds(settings: farm.Settings) -> None:
    """Before any work, on the machine that grades (not the client of a Dask cluster): the strong
    jail's job-wide bounds can be had here, or the one error line that every grade would end
    with, said once (JailUnavailable, exit 2) instead of after a progress bar."""
    from grader import cgroups
    from grader.sandbox import _NO_BOUND  # the message the jail itself would give

    required = settings.cgroups_required if settings.cgroups_required is not None else cgroups.policy() == "required"
    if settings.jail_mode != "bwrap" or not required:
        return
    limits = settings.course.limits
    try:
        layer = cgroups.open_layer(limits.memory_bytes, limits.processes)
    except cgroups.Unavailable as why:
        raise JailUnavailable(_NO_BOUND.format(why=why)) from None
    layer.close()
