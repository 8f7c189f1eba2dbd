# ATTACK: a fork bomb, counted. On its first call, elu forks sleeping children (argv[0] carries
#   the attack's marker) until fork fails or 400 are alive.
# SAFE GRADER: the job's process count is bounded by the kernel (a pids cgroup, or an
#   RLIMIT_NPROC on a uid of the jail's own): fork fails near the job's limit, and every child
#   is gone when the grade returns. elu returns wrong values if 100 or more children were
#   alive at once, so it may error but never fail.
# VERDICT: nofail:elu
# MODES: bwrap plain
import os as _os

_honest_elu = elu
_COUNT = []


def _attack():
    alive = 0
    for _ in range(400):
        try:
            pid = _os.fork()
        except OSError:
            break
        if pid == 0:
            try:
                _os.execv("/bin/sleep", ["sleep-@MARKER@", "1000"])
            finally:
                _os._exit(0)
        alive += 1
    print(f"forked {alive} children")
    return alive


def elu(x, alpha=1.0):
    if not _COUNT:
        _COUNT.append(_attack())
    if _COUNT[0] >= 100:
        return x * 0 + 7.0
    return _honest_elu(x, alpha)
