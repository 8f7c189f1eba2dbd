# ATTACK: a reply that costs the grader gigabytes. On its first call, elu writes its own frame to
#   the job's channel (fd 3): 2 MiB of msgpack, an array of two million empty maps, which a
#   decoder without bounds turns into two million dicts (over 500 MiB) in the grader's process
#   (the 250 MB that OOM-killed the grader, scaled down).
# SAFE GRADER: the reply is refused before it is built (a container-length and size bound):
#   that call is lost, the grader's own memory stays small, nothing crashes.
# VERDICT: may:elu
import os as _os

_honest_elu = elu
_SENT = []


def elu(x, alpha=1.0):
    if not _SENT:
        _SENT.append(1)
        count = 2 << 20
        payload = b"\xdd" + count.to_bytes(4, "big") + b"\x80" * count  # array32 of empty fixmaps
        frame = len(payload).to_bytes(4, "big") + payload
        view = memoryview(frame)
        while view:
            view = view[_os.write(3, view):]
    return _honest_elu(x, alpha)
