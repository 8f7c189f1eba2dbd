# ATTACK: memory that no rlimit counts. On its first call, elu writes 15 MiB blocks into memfds
#   (RAM files, outside RLIMIT_AS, each under RLIMIT_FSIZE) until it holds 640 MiB, two and a
#   half times the job's limit, and keeps them open until the job ends.
# SAFE GRADER: the job's memory bound counts memfd and page cache (a cgroup): the writes fail or
#   the job is OOM-killed before it holds more than the limit. elu returns wrong values if it
#   held more than the limit plus a margin, so it may error but never fail.
# VERDICT: nofail:elu
# MODES: bwrap plain
import os as _os

_honest_elu = elu
_LIMIT = @MEMORY_LIMIT@
_HELD = []
_FDS = []


def _attack():
    block, held = b"\x02" * (15 << 20), 0
    while held < 640 << 20:
        try:
            fd = _os.memfd_create("redteam-hold")
            _FDS.append(fd)
            written = _os.write(fd, block)
        except OSError:
            break
        held += written
        print(f"HELD memfd {held}")
        if written < len(block):
            break
    return held


def elu(x, alpha=1.0):
    if not _HELD:
        _HELD.append(_attack())
    if _HELD[0] > _LIMIT + (16 << 20):
        return x * 0 + 7.0
    return _honest_elu(x, alpha)
