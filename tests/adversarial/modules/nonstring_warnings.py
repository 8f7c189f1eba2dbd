# ATTACK: warnings that are not strings. Every elu call patches the agent (the jail's own code,
#   importable from the student's module) so that the reply to that call carries, as its
#   warnings, an int, None, a dict, a nested list, bytes and a float: a trusted side that puts
#   warnings in a set or joins them as text crashes (exit 3) and loses the whole run.
# SAFE GRADER: every reply is validated against a schema: the malformed one costs that call at
#   most; the honest functions score in full and the grade ends normally.
# VERDICT: may:elu
import sys as _sys

_honest_elu = elu


def _once(module, name, replacement):
    original = getattr(module, name)

    def patched(*args, **kwargs):
        setattr(module, name, original)
        return replacement(*args, **kwargs)

    setattr(module, name, patched)


def elu(x, alpha=1.0):
    agent = _sys.modules.get("agent") or _sys.modules.get("__main__")
    if agent is not None and hasattr(agent, "_warning_texts"):
        _once(agent, "_warning_texts", lambda caught: [1, None, {"k": [1]}, [["x"]], b"\xff", 2.5])
    return _honest_elu(x, alpha)
