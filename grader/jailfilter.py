"""The seccomp filter every worker of the jail runs under, compiled here, on the trusted side.

Built with libseccomp (through ``pyseccomp``, a ctypes binding of Debian's ``libseccomp2``)
and exported as classic BPF: the jail cannot import the library, so the worker loads the bytes
itself with ``prctl(PR_SET_SECCOMP)`` after ``no_new_privs`` (``grader/jail/agent.py``). The
filter is loaded by the worker, not by bubblewrap's ``--seccomp``, because the zygote must keep
what the worker loses (mounting each job's tmpfs, signalling its workers), and because the
signals it forbids name the zygote's pid, known only once the zygote runs.

Everything not named is allowed (NumPy, threads, fork, exec and subprocess keep working);
what is named fails with EPERM, an error student code can catch and survive, never a kill.
"""

from __future__ import annotations

import errno
import tempfile
from collections.abc import Iterable

import pyseccomp as seccomp

# CLONE_NEW* flags: a new user namespace above all (uid 0 with every capability inside it)
_NAMESPACE_FLAGS = {
    "CLONE_NEWTIME": 0x00000080,
    "CLONE_NEWNS": 0x00020000,
    "CLONE_NEWCGROUP": 0x02000000,
    "CLONE_NEWUTS": 0x04000000,
    "CLONE_NEWIPC": 0x08000000,
    "CLONE_NEWUSER": 0x10000000,
    "CLONE_NEWPID": 0x20000000,
    "CLONE_NEWNET": 0x40000000,
}

# denied whatever their arguments: namespaces, tracing, keyrings, kernel state, mounts, modules
DENIED = (
    "setns", "ptrace", "process_vm_readv", "process_vm_writev", "pidfd_getfd", "kcmp",
    "keyctl", "add_key", "request_key", "bpf", "perf_event_open", "userfaultfd",
    "mount", "umount2", "pivot_root", "chroot", "open_by_handle_at", "name_to_handle_at",
    "fsopen", "fsconfig", "fsmount", "fspick", "move_mount", "open_tree", "mount_setattr",
    "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module",
    "iopl", "ioperm", "reboot", "swapon", "swapoff", "acct", "quotactl", "syslog",
    "lookup_dcookie", "vhangup", "uselib", "settimeofday", "clock_settime", "clock_adjtime",
    "adjtimex", "sethostname", "setdomainname", "io_uring_setup", "io_uring_enter",
    "io_uring_register", "migrate_pages", "move_pages", "pidfd_send_signal",
)  # fmt: skip
# io_uring runs its operations outside seccomp's view; pidfd_send_signal's target is a file
# descriptor (of a pid or of a /proc/<pid> folder), which a filter cannot look through

# personality flags that weaken the process (no ASLR, executable data, a page at address 0)
_PERSONALITY_FLAGS = (0x0040000, 0x0100000, 0x0200000, 0x0400000, 0x0800000, 0x8000000)

# syscalls whose first argument is a pid: the protected ones may not be their target
_PID_FIRST = ("kill", "tkill", "tgkill", "rt_sigqueueinfo", "rt_tgsigqueueinfo", "pidfd_open",
              "prlimit64", "sched_setaffinity", "sched_setscheduler", "sched_setparam",
              "sched_setattr")  # fmt: skip
_F_SETOWN, _F_SETSIG, _F_SETOWN_EX = 8, 10, 15  # fcntl: deliver SIGIO (or any signal) to a pid
_FIOSETOWN, _SIOCSPGRP = 0x8901, 0x8902

_LOW32 = 0xFFFFFFFF
_PID_MAX = 1 << 22  # PID_MAX_LIMIT on 64-bit Linux


def _int_is(arg: int, value: int) -> seccomp.Arg:
    """Argument ``arg``, a C int, equals ``value``: compare the low 32 bits only, so a negative
    pid matches whether or not the caller sign-extended it."""
    return seccomp.Arg(arg, seccomp.MASKED_EQ, _LOW32, value & _LOW32)


def compile_filter(protected_pids: Iterable[int]) -> bytes:
    """The BPF program, as the bytes of its ``struct sock_filter`` array. ``protected_pids``
    (the zygote, its parents) may not be signalled, re-limited or re-scheduled, nor may their
    process groups or every process at once (pid -1)."""
    deny = seccomp.ERRNO(errno.EPERM)
    rules = seccomp.SyscallFilter(seccomp.ALLOW)
    # a 32-bit (int 0x80) or x32 system call would bypass the rules below: refuse them all
    rules.set_attr(seccomp.Attr.ACT_BADARCH, deny)
    for name in DENIED:
        rules.add_rule(deny, name)
    for flag in _NAMESPACE_FLAGS.values():
        rules.add_rule(deny, "unshare", seccomp.Arg(0, seccomp.MASKED_EQ, flag, flag))
        rules.add_rule(deny, "clone", seccomp.Arg(0, seccomp.MASKED_EQ, flag, flag))
    # clone3 passes its flags in memory, out of a filter's reach: ENOSYS makes glibc use clone
    rules.add_rule(seccomp.ERRNO(errno.ENOSYS), "clone3")
    for flag in _PERSONALITY_FLAGS:
        rules.add_rule(deny, "personality", seccomp.Arg(0, seccomp.MASKED_EQ, flag, flag))
    targets = {-1}
    for pid in protected_pids:
        if not 0 < pid <= _PID_MAX:  # a pid the filter cannot name would protect nothing
            raise ValueError(f"not a process id: {pid!r}")
        targets |= {pid, -pid}
    for target in sorted(targets):
        for name in _PID_FIRST:
            rules.add_rule(deny, name, _int_is(0, target))
        rules.add_rule(deny, "tgkill", _int_is(1, target))
        for which in (0, 1):  # PRIO_PROCESS, PRIO_PGRP
            rules.add_rule(deny, "setpriority", _int_is(0, which), _int_is(1, target))
        for which in (1, 2):  # IOPRIO_WHO_PROCESS, IOPRIO_WHO_PGRP
            rules.add_rule(deny, "ioprio_set", _int_is(0, which), _int_is(1, target))
    rules.add_rule(deny, "setpriority", _int_is(0, 2))  # PRIO_USER: every process of the uid
    rules.add_rule(deny, "ioprio_set", _int_is(0, 3))  # IOPRIO_WHO_USER
    for command in (_F_SETOWN, _F_SETSIG, _F_SETOWN_EX):
        rules.add_rule(deny, "fcntl", _int_is(1, command))
    for request in (_FIOSETOWN, _SIOCSPGRP):
        rules.add_rule(deny, "ioctl", _int_is(1, request))
    with tempfile.TemporaryFile() as handle:
        rules.export_bpf(handle)
        handle.seek(0)
        program = handle.read()
    if not program or len(program) % 8:
        raise RuntimeError("libseccomp exported no filter")
    return program
