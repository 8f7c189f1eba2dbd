# ATTACK: a module whose description costs the grader. At import, the module defines 300,000
#   extra public functions with 60-character names and one with 5,000 parameters whose defaults
#   are long strings, so the jail's list of the module's functions and signatures (sent to the
#   trusted side at load) runs to tens of megabytes.
# SAFE GRADER: the load reply is bounded (functions not in the contract are not described, or
#   the reply is refused as too large): the grader's own memory stays small and nothing
#   crashes; the contract's functions score in full, or the topic is refused as a whole (on
#   main it is: "not gradable"), and the honest topic after it scores in full.
# VERDICT: may:*
_made = {}
for _i in range(300_000):
    _made[f"extra_function_number_{_i:07d}_with_a_rather_long_name_xxxxx"] = lambda x: x
globals().update(_made)
exec("def wide(" + ", ".join(f"p{i}='{'d' * 200}'" for i in range(5_000)) + "):\n    return 0\n")
