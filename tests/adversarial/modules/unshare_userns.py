# ATTACK: become root in a new user namespace. On its first call, elu calls
#   unshare(CLONE_NEWUSER) (then CLONE_NEWNS and a mount), and runs the machine's own bwrap
#   with --unshare-user --uid 0 from inside the jail.
# SAFE GRADER: a seccomp filter denies new user namespaces (and mount): every attempt fails.
#   elu returns wrong values if any attempt succeeded, so it may error but never fail.
# VERDICT: nofail:elu
# MODES: bwrap plain
_honest_elu = elu  # the reference's elu, defined above this file in the submission
import ctypes as _ctypes
import os as _os
import subprocess as _subprocess

_libc = _ctypes.CDLL(None, use_errno=True)
_WINS = []


def _attack():
    wins = []
    pid = _os.fork()
    if pid == 0:  # try it in a child: the worker itself stays as it is
        code = 1
        if _libc.unshare(0x10000000) == 0:  # CLONE_NEWUSER
            code = 0
        _os._exit(code)
    _, status = _os.waitpid(pid, 0)
    if _os.WIFEXITED(status) and _os.WEXITSTATUS(status) == 0:
        wins.append("unshare(CLONE_NEWUSER)")
    try:
        done = _subprocess.run(["bwrap", "--unshare-user", "--uid", "0", "--ro-bind", "/", "/", "id", "-u"],
                               capture_output=True, text=True, timeout=2)
        if done.returncode == 0 and done.stdout.strip() == "0":
            wins.append("nested bwrap as uid 0")
    except Exception:
        pass
    return wins


def elu(x, alpha=1.0):
    if not _WINS:
        _WINS.append(_attack())
        if _WINS[0]:
            print("ESCAPED:", _WINS[0])
    if _WINS[0]:
        return x * 0 + 7.0
    return _honest_elu(x, alpha)
