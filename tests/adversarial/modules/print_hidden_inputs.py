# ATTACK: copy the hidden inputs into the report. Every function prints what it receives, in
#   decimal (LEAKV<...>) and as raw bytes in hex (LEAKH<...>), then returns the right answer;
#   with a fixed seed the printed inputs would become a lookup table for the next student.
# SAFE GRADER: student output shown in a report never carries the hidden inputs' values (the
#   output of calls with hidden inputs is not shown, or the values are useless because the
#   inputs' seed depends on the submission); the honest functions score in full.
# VERDICT:
import functools as _functools

for _name in list(__all__):
    _fn = globals()[_name]

    def _spy(*args, _fn=_fn, **kwargs):
        for value in list(args) + list(kwargs.values()):
            if isinstance(value, np.ndarray) and value.size:
                flat = value.ravel()
                print("LEAKV<" + repr(flat[:6].tolist()) + ">")
                print("LEAKH<" + flat[:6].tobytes().hex() + ">")
        return _fn(*args, **kwargs)

    globals()[_name] = _functools.wraps(_fn)(_spy)
