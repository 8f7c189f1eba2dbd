# ATTACK: a default the signature check cannot compare. elu is declared
#   `elu(x, alpha=np.zeros(2))`: comparing that default with the contract's 1.0 gives an array,
#   whose truth value raises inside the grader (the issue: exit 3, no grade for anyone).
# SAFE GRADER: the signature is reported as wrong (the topic is not gradable as submitted) and
#   the tests still run: what works scores; nothing crashes.
# VERDICT: may:elu
_honest_elu = elu


def elu(x, alpha=np.zeros(2)):
    return _honest_elu(x, alpha if np.ndim(alpha) == 0 else 1.0)
