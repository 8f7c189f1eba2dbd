# ATTACK: inodes. On its first call, elu creates empty files in its folder and in /tmp, up to
#   20,001 (the "a million empty files", scaled down: no exercise needs more than a few).
# SAFE GRADER: the job's inodes are bounded (a small tmpfs with nr_inodes, a quota): creation
#   fails well before 20,000 files, the cleanup stays fast and the honest topic after this one
#   scores in full. elu returns wrong values if all 20,001 were made, so it may error but
#   never fail.
# VERDICT: nofail:elu
import os as _os

_honest_elu = elu
_MADE = []


def _attack():
    made = 0
    for folder in (_os.getcwd(), "/tmp"):
        try:
            _os.mkdir(_os.path.join(folder, f"inodes-{_os.getpid()}"))
        except OSError:
            continue
        for i in range(20_001 - made):
            try:
                _os.close(_os.open(_os.path.join(folder, f"inodes-{_os.getpid()}", str(i)), _os.O_CREAT | _os.O_WRONLY))
            except OSError:
                break
            made += 1
        if made > 20_000:
            break
    print(f"made {made} files")
    return made


def elu(x, alpha=1.0):
    if not _MADE:
        _MADE.append(_attack())
    if _MADE[0] > 20_000:
        return x * 0 + 7.0
    return _honest_elu(x, alpha)
