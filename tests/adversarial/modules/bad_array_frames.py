# ATTACK: array frames that lie about themselves. Each elu call replaces the jail's encoder for
#   its own reply with a hand-made one whose result is an array extension whose dtype, shape,
#   strides, offset and bytes disagree (too few bytes, a shape whose product overflows int64 to
#   zero, 70 dimensions, strides that reach outside the bytes, a negative offset, refused
#   dtypes, a scalar of shape (3,), an unknown extension, nesting 100 deep, a malformed handle).
# SAFE GRADER: the decoder checks every frame (bytes = itemsize x product of the shape, checked
#   with overflow in mind, before allocating) and refuses it: each lie costs its call, never
#   a crash; the honest functions score in full.
# VERDICT: may:elu
import sys as _sys

import msgpack as _msgpack

_honest_elu = elu
_CALLS = [0]


def _array(dtype, shape, raw, *rest):
    return _msgpack.ExtType(2, _msgpack.packb([dtype, shape, raw, *rest], use_bin_type=True))


def _nested(depth):
    value = 1
    for _ in range(depth):
        value = _msgpack.ExtType(1, _msgpack.packb([value], default=lambda o: o, use_bin_type=True))
    return value


_LIES = [
    lambda: _array("<f8", [7, 13], b"\x00" * 8),
    lambda: _array("<f8", [1 << 32, 1 << 32], b""),
    lambda: _array("<f8", [1 << 62, 4], b"\x00" * 8),
    lambda: _array("<f8", [1] * 70, b"\x00" * 8),
    lambda: _array("<f8", [2, 2], b"\x00" * 32, [8, 1 << 40], 0),
    lambda: _array("<f8", [2, 2], b"\x00" * 32, [16, 8], -64),
    lambda: _array("<f8", [2, 2], b"\x00" * 32, [-8, -16], 0),
    lambda: _array("|O", [1], b"\x00" * 8),
    lambda: _array("<V8", [1], b"\x00" * 8),
    lambda: _array("<f8", "shape", b"\x00" * 8),
    lambda: _array("<f8", [1], "not bytes"),
    lambda: _msgpack.ExtType(3, _msgpack.packb(["<f8", [3], b"\x00" * 24])),
    lambda: _msgpack.ExtType(99, b"\x00"),
    lambda: _msgpack.ExtType(4, _msgpack.packb(["gen", None])),
    lambda: _nested(100),
]


def _forged(value):
    def encode(reply, keep=None, **_ignored):  # the arena too: these lies cross in msgpack
        return _msgpack.packb({"result": value, "mutated": {}, "warnings": []}, use_bin_type=True)

    return encode


def elu(x, alpha=1.0):
    wire = _sys.modules.get("wire")
    agent = _sys.modules.get("agent") or _sys.modules.get("__main__")
    lie = _LIES[_CALLS[0] % len(_LIES)]
    _CALLS[0] += 1
    if wire is not None:
        original = wire.encode

        def encode_once(reply, keep=None, **more):
            wire.encode = original
            return _forged(lie())(reply, keep, **more)

        wire.encode = encode_once
        if agent is not None and getattr(agent, "wire", None) is not wire and hasattr(agent, "wire"):
            agent.wire.encode = encode_once
    return _honest_elu(x, alpha)
