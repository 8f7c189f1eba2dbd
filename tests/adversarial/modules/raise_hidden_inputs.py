# ATTACK: copy the hidden inputs into the failure messages. elu raises an exception whose text is
#   the values it received, in decimal (LEAKV<...>) and in hex (LEAKH<...>): the report shows
#   the message of every failing test.
# SAFE GRADER: the student's exception text in a report never carries the hidden inputs' values;
#   elu loses its tests, the honest functions score in full.
# VERDICT: must:elu_default_alpha may:elu
def elu(x, alpha=1.0):
    flat = np.asarray(x).ravel()
    raise ValueError("LEAKV<" + repr(flat[:6].tolist()) + "> LEAKH<" + flat[:6].tobytes().hex() + ">")
