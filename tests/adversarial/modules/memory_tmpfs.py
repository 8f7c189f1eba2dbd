# ATTACK: memory held as files. On its first call, elu writes 15 MiB files into every RAM file
#   system it can reach (/dev/shm, /tmp, its own folder, /run, /var/tmp) until it holds 640 MiB,
#   two and a half times the job's limit; files outlive the process that wrote them.
# SAFE GRADER: tmpfs pages are charged to the job (a cgroup) and every tmpfs is small: the writes
#   fail or the job is OOM-killed before it holds more than the limit. elu returns wrong values
#   if it held more than the limit plus a margin, so it may error but never fail.
# VERDICT: nofail:elu
import os as _os

_honest_elu = elu
_LIMIT = @MEMORY_LIMIT@
_HELD = []


def _attack():
    block, held, n = b"\x03" * (15 << 20), 0, 0
    for folder in ("/dev/shm", "/tmp", _os.getcwd(), "/run", "/var/tmp", "/work"):
        while held < 640 << 20:
            n += 1
            try:
                with open(_os.path.join(folder, f"redteam-hold-{_os.getpid()}-{n}"), "wb") as handle:
                    written = handle.write(block)
                    handle.flush()
                    _os.fsync(handle.fileno())
            except OSError:
                break
            held += written
            print(f"HELD files {held}")
    return held


def elu(x, alpha=1.0):
    if not _HELD:
        _HELD.append(_attack())
    if _HELD[0] > _LIMIT + (16 << 20):
        return x * 0 + 7.0
    return _honest_elu(x, alpha)
