# ATTACK: five forked children against the job's memory bound. On its first call, elu forks five
#   children; each fills memory in 8 MiB blocks up to 120 MiB (under its own per-process
#   RLIMIT_AS) and keeps it until the job ends, so together they hold over twice the job's
#   limit (the "five children wrote 8.6 GiB under a 2 GiB job", scaled down).
# SAFE GRADER: the bound is per job, not per process (a cgroup): the children are stopped
#   (OOM-killed or refused) before they hold more than the limit together. elu returns wrong
#   values if the children still alive held more than the limit plus a margin (a child the
#   kernel killed gave its memory back: only the living hold theirs at once), so it may
#   error but never fail.
# VERDICT: nofail:elu
# MODES: bwrap plain
import os as _os
import select as _select
import time as _time

_honest_elu = elu
_LIMIT = @MEMORY_LIMIT@
_HELD = []


def _hold(pipe):
    blocks, held = [], 0
    while held < 120 << 20:
        try:
            blocks.append(b"\x01" * (8 << 20))  # written, so resident: not a lazy mapping
        except MemoryError:
            break
        held += 8 << 20
        _os.write(pipe, f"{_os.getpid()} {held}\n".encode())
    _os.write(pipe, b"done\n")
    while True:
        _time.sleep(60)


def _attack():
    read, write = _os.pipe()
    kids = []
    for _ in range(5):
        pid = _os.fork()
        if pid == 0:
            _os.close(read)
            try:
                _hold(write)
            finally:
                _os._exit(0)
        kids.append(pid)
    _os.close(write)
    most, done, buffer = {}, 0, b""
    deadline = _time.monotonic() + 2.0
    while done < 5 and _time.monotonic() < deadline:
        ready, _, _ = _select.select([read], [], [], 0.1)
        if not ready:
            continue
        chunk = _os.read(read, 4096)
        if not chunk:
            break
        buffer += chunk
        *lines, buffer = buffer.split(b"\n")
        for line in lines:
            if line == b"done":
                done += 1
            elif line:
                who, amount = line.split()
                most[who] = max(most.get(who, 0), int(amount))
    _time.sleep(0.2)  # an OOM kill under way has landed
    for pid in kids:
        if _os.waitpid(pid, _os.WNOHANG) != (0, 0):  # killed: what it held is free again
            most.pop(str(pid).encode(), None)
    for who, amount in most.items():
        print(f"HELD child{who.decode()} {amount}")
    return sum(most.values())


def elu(x, alpha=1.0):
    if not _HELD:
        _HELD.append(_attack())
    if _HELD[0] > _LIMIT + (16 << 20):
        return x * 0 + 7.0
    return _honest_elu(x, alpha)
