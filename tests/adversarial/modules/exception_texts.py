# ATTACK: exceptions that fight back. Each elu call raises another: a 20 MB message, a __str__
#   that raises, a __str__ that returns a non-string, a class whose name is 2 MB long, a
#   KeyboardInterrupt, a SystemExit, a GeneratorExit, and last a __str__ that never returns.
# SAFE GRADER: the student's text is bounded and only ever read inside the jail (or with a
#   timeout): each costs its call, the report stays small, nothing crashes; the honest
#   functions score in full.
# VERDICT: must:elu_default_alpha may:elu


class _Raises(Exception):
    def __str__(self):
        raise RuntimeError("no text for you")


class _NotText(Exception):
    def __str__(self):
        return 42


class _Loops(Exception):
    def __str__(self):
        while True:
            pass


_Long = type("L" * (2 << 20), (Exception,), {})
_KINDS = [
    lambda: ValueError("x" * 20_000_000),
    lambda: _Raises(),
    lambda: _NotText(),
    lambda: _Long("long name"),
    lambda: KeyboardInterrupt(),
    lambda: SystemExit(0),
    lambda: GeneratorExit(),
    lambda: _Loops(),
]
_CALLS = [0]


def elu(x, alpha=1.0):
    kind = _KINDS[min(_CALLS[0], len(_KINDS) - 1)]
    _CALLS[0] += 1
    raise kind()
