# ATTACK: outlive the job. On its first call, elu double-forks: a daemon (setsid, SIGTERM and
#   SIGHUP ignored) that execs a sleep carrying the attack's marker, and a Python daemon that
#   keeps trying to plant folders and write files for 30 seconds, long after the job ends.
# SAFE GRADER: every process the job started is killed when it ends (the zygote as subreaper,
#   or the job's cgroup): nothing carrying the marker is alive a second after the grade
#   returns, and the honest functions score in full.
# VERDICT:
# MODES: bwrap plain
import os as _os
import signal as _signal
import time as _time

_honest_elu = elu
_DONE = []


def _daemon(exec_sleep):
    if _os.fork() != 0:
        return
    _os.setsid()
    if _os.fork() != 0:
        _os._exit(0)
    for signum in (_signal.SIGTERM, _signal.SIGHUP, _signal.SIGINT):
        _signal.signal(signum, _signal.SIG_IGN)
    if exec_sleep:
        _os.execv("/bin/sleep", ["sleep-@MARKER@", "1000"])
    end = _time.monotonic() + 30
    while _time.monotonic() < end:
        for where in ("/tmp", "/work", _os.path.dirname(_os.getcwd())):
            try:
                _os.mkdir(_os.path.join(where, "redteam-outlived-@MARKER@"))
            except OSError:
                pass
        _time.sleep(0.1)
    _os._exit(0)


def elu(x, alpha=1.0):
    if not _DONE:
        _DONE.append(1)
        _daemon(True)
        _daemon(False)
    return _honest_elu(x, alpha)
