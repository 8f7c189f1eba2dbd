"""The work of a batch, as tasks any ``concurrent.futures.Executor`` can run: grader.engine's
local process pool, or a Dask distributed cluster (``dask_executor("tcp://HOST:PORT")``).

A task grades a chunk of submissions and returns one JSON record per path (``grade_chunk``).
Each process that runs tasks keeps one grading session open between them (a ``Station``): the
suites collected once, one zygote, and what ``timing.once`` measured (the reference's and the
plain loop's CPU times), so that a batch pays those once per process, not once per chunk. The
session runs in a thread of its own and is fed submission after submission; everything it
decides is decided here, on the trusted side, exactly as ``dlgrade grade`` decides it for one
submission alone (``tests/test_speed.py`` compares the two).
"""

from __future__ import annotations

import atexit
import logging
import multiprocessing.util
import queue
import socket
import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from grader.course import Course
from grader.errors import DlgradeError, UsageError
from grader.results import Report
from grader.submission import Submission, load_submission
from grader.suite import L


@dataclass(frozen=True)
class Settings:
    """What a grading session is fixed to; a task with other settings gets a session of its own."""

    course: Course
    topic: str | None
    seed: int | None  # --seed for every submission; None: each submission's own
    lang: str
    jail_mode: str
    cgroups_required: bool | None
    accept_partial: bool = False  # --accept-partial: grade what is intact of a `dlgrade submit` archive


@dataclass(frozen=True)
class Task:
    """One chunk of a batch: picklable and small (paths, not contents; on a cluster the paths
    must be readable on the workers, see docs/cluster.md)."""

    settings: Settings
    paths: tuple[str, ...]
    dead: dict[str, str] = field(default_factory=dict)  # paths that killed a worker: never run again
    unreadable: dict[str, str] = field(default_factory=dict)  # paths found unreadable (empty) before: why


_STOP = object()
_ENDED = object()


class Station:
    """One grading session that stays open in a thread, fed chunk after chunk."""

    def __init__(self, settings: Settings):
        from grader.runner import run_session

        self.settings = settings
        self._inbox: queue.Queue[object] = queue.Queue()
        self._outbox: queue.Queue[object] = queue.Queue()
        self.error: BaseException | None = None
        self.ended = False

        def serve() -> None:
            try:
                run_session(
                    settings.course, self._feed(), topics=(settings.topic,) if settings.topic else None,
                    seed=settings.seed, lang=settings.lang, jail_mode=settings.jail_mode,
                    cgroups_required=settings.cgroups_required, on_report=self._outbox.put, keep_reports=False,
                )  # fmt: skip
            except BaseException as error:  # handed to the task that waits for its reports
                self.error = error
            finally:
                self.ended = True
                self._outbox.put(_ENDED)

        self._thread = threading.Thread(target=serve, name="dlgrade-station", daemon=True)
        self._thread.start()

    def _feed(self) -> Iterator[Submission]:
        while (item := self._inbox.get()) is not _STOP:
            assert isinstance(item, Submission)
            yield item

    def grade(self, submissions: list[Submission]) -> list[Report]:
        """The reports of ``submissions``, in order; the session's own error if it ended."""
        if self.ended:
            raise self.error or DlgradeError("the grading session has ended")
        for submission in submissions:
            self._inbox.put(submission)
        reports: list[Report] = []
        while len(reports) < len(submissions):
            report = self._outbox.get()
            if report is _ENDED:
                raise self.error or DlgradeError("the grading session ended before its reports came back")
            assert isinstance(report, Report)
            reports.append(report)
        return reports

    def close(self) -> None:
        """End the session: its zygote and every job with it."""
        if not self.ended:
            self._inbox.put(_STOP)
        self._thread.join(timeout=10)  # idle, it ends at once; mid-submission, bwrap dies with us


_station: Station | None = None
_lock = threading.Lock()  # a Dask worker may run several tasks at once: one session at a time


def _close_station() -> None:
    global _station
    if _station is not None:
        _station.close()
        _station = None


# a pool worker ends through multiprocessing (its finalizers, not atexit); any other process
# (a Dask worker without a nanny, the caller itself) through atexit
multiprocessing.util.Finalize(None, _close_station, exitpriority=10)
atexit.register(_close_station)


def _station_for(settings: Settings) -> Station:
    global _station
    if _station is not None and (_station.ended or _station.settings != settings):
        _close_station()
    if _station is None:
        _station = Station(settings)
    return _station


_UNREADABLE = L("the submission could not be read: {why}", "работу не удалось прочитать: {why}")


def unreadable(course: Course, path: Path, why: str, kind: str, lang: str) -> Submission:
    """A submission that cannot be read, as one whose every topic says why: the session still
    gives it its record (the topics' maxima, the jail, the seed) under its own path."""
    from grader.runner import _INTERNAL

    message = _INTERNAL(lang) if kind == "internal" else _UNREADABLE(lang).format(why=why)
    return Submission(path.name if path.is_dir() else path.stem, {}, problems={t: message for t in course.topics},
                      source=str(path), error=why, error_kind=kind)  # fmt: skip


def grade_chunk(task: Task) -> list[dict[str, Any]]:
    """Grade one chunk in this process's session; one record per path, each carrying its path:
    whatever one submission does, it gets its own record."""
    settings = task.settings
    submissions = []
    for path in task.paths:
        if path in task.dead:  # it killed the grader's worker process: never run again
            submissions.append(unreadable(settings.course, Path(path), task.dead[path], "internal", settings.lang))
            continue
        if path in task.unreadable:
            submissions.append(unreadable(settings.course, Path(path), task.unreadable[path], "submission", settings.lang))
            continue
        try:
            submissions.append(load_submission(Path(path), settings.topic, settings.accept_partial))
        except DlgradeError as error:  # unreadable: its own fault, said in its record
            record = unreadable(settings.course, Path(path), str(error), "submission", settings.lang)
            checked = getattr(error, "checked", None)  # a `dlgrade submit` archive that fails its manifest
            submissions.append(replace(record, manifest=checked.report()) if checked else record)
        except Exception as error:  # a reader's bug on this file: recorded, the batch goes on
            why = f"{type(error).__name__}: {error}"
            submissions.append(unreadable(settings.course, Path(path), why, "internal", settings.lang))
    with _lock:
        reports = _station_for(settings).grade(submissions)
    records = {report.path: report.to_json() for report in reports}
    missing = [path for path in task.paths if path not in records]
    if missing:  # never guess which report is whose
        raise DlgradeError(f"no report came back for {', '.join(missing)}")
    return [records[path] for path in task.paths]


def worker_died(error: BaseException) -> bool:
    """Whether a task failed because the process running it died (killed, out of memory): its
    chunk is then graded again, submission by submission, to find which one (if any) did it.
    Dask reruns a lost worker's tasks by itself; ``KilledWorker`` means it gave up on one."""
    if isinstance(error, BrokenProcessPool):
        return True
    distributed = sys.modules.get("distributed")
    return distributed is not None and isinstance(error, distributed.KilledWorker)


# ----------------------------------------------------------------------------- executors
def dask_executor(address: str, timeout: float = 10.0) -> Executor:
    """A ``concurrent.futures.Executor`` over a Dask distributed cluster. A worker that dies
    mid-task (killed, lost) costs nothing: the scheduler runs its tasks again elsewhere."""
    scheme, _, rest = address.partition("://")
    host, _, port = rest.rpartition(":")
    if scheme not in ("tcp", "tls") or not host or not port.isdigit():
        raise UsageError(f"--scheduler {address}: expected the scheduler's address as tcp://HOST:PORT")
    try:
        from distributed import Client
    except ImportError:
        raise UsageError("--scheduler needs Dask distributed: pip install -e '.[dask]'") from None
    unreachable = f"--scheduler {address}: no Dask scheduler answers there"
    try:  # a refused or unroutable port says so at once, not after the client's retries
        socket.create_connection((host.strip("[]"), int(port)), timeout=timeout).close()
    except OSError as error:
        raise UsageError(f"{unreachable} ({error.strerror or error})") from None
    quiet = logging.getLogger("distributed")
    level = quiet.level
    quiet.setLevel(logging.CRITICAL)  # its tracebacks of a failed handshake: the one error line says it
    try:
        client = Client(address, timeout=timeout, set_as_default=False)  # type: ignore[no-untyped-call]
    except (OSError, TimeoutError, ValueError) as error:
        raise UsageError(f"{unreachable} ({type(error).__name__}: {error})") from None
    finally:
        quiet.setLevel(level)
    return DaskExecutor(client)


class DaskExecutor(Executor):
    """Dask's own executor (``Client.get_executor``), closing its client when it shuts down."""

    def __init__(self, client: Any):
        self.client = client
        self._executor: Executor = client.get_executor(pure=False)

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        return self._executor.submit(fn, *args, **kwargs)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self._executor.shutdown(wait=wait and not cancel_futures)
        self.client.close()
