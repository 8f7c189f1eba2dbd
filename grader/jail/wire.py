"""The only encoding that crosses the trust boundary: msgpack with a few extension types.

Plain data only: None, bool, int, float, str, bytes, lists, dicts, and as extensions tuples,
NumPy arrays and scalars of numeric dtypes (as dtype + shape + raw bytes), handles to objects
that stay in the jail, and public functions by name. Decoding never runs code and never builds
a type named by the sender: dtypes come from a fixed allow-list, and every array is a fresh
base-class ``ndarray``. Never pickle.

This file is imported on both sides (the jail sees it as the top-level module ``wire``), so it
depends on nothing but the standard library, NumPy and msgpack.
"""

from __future__ import annotations

import json
import math
import select
import socket
import struct
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import msgpack
import numpy as np

MAX_MESSAGE = 256 * 1024 * 1024  # one request (a call's arguments); replies: REPLY below
MAX_DEPTH = 32  # nested tuples, handles, functions: msgpack's C unpacker recurses on the C stack
_HEADER = struct.Struct("!I")

_EXT_TUPLE, _EXT_ARRAY, _EXT_SCALAR, _EXT_HANDLE, _EXT_FN, _EXT_RNG, _EXT_TAIL_ARRAY = 1, 2, 3, 4, 5, 6, 7
# An array whose bytes are in the channel's arena: a shared memory file of a job's, mapped on
# both sides (grader.sandbox makes it, sealed against shrinking and growing, so that no access
# to it can fault). Each side writes a message's arrays there, from offset 0, one after
# another, and the other copies each out once as it decodes: a socket moved every byte through
# the kernel, about 4 ms of CPU for 4.7 MB on the two sides, where the arena costs two copies.
# The other side may write into the arena at any time: bytes in it are read once, into an
# array of the reader's own, and nothing of it is trusted beyond what decoding checks.
_EXT_ARENA_ARRAY = 8
# A message whose arrays travel after it: 0xC1 (a byte msgpack never uses), the length of the
# msgpack part, the msgpack part, then the arrays' bytes one after another (the tail). An
# array's extension in the msgpack part says where in the tail its bytes are. The bytes are
# copied once on each side instead of five times through nested msgpack payloads.
_TAILED = b"\xc1"
_BIT_GENERATORS = ("PCG64", "PCG64DXSM", "MT19937", "Philox", "SFC64")

# numeric dtypes in either byte order; anything else (object, void, datetime, str) is refused
_DTYPES = {
    f"{order}{code}"
    for order in "<>|="
    for code in ("b1", "i1", "i2", "i4", "i8", "u1", "u2", "u4", "u8", "f2", "f4", "f8", "c8", "c16")
}


class WireError(ValueError):
    """A message that is not well-formed plain data."""


@dataclass(frozen=True)
class Bounds:
    """What one message may cost the side that decodes it. Every bound is checked on the bytes
    before msgpack builds a single object, so a hostile message is refused at the price of
    reading it, never of what it would unpack to."""

    message_bytes: int  # the frame (checked from its header, before it is read)
    items: int  # every msgpack object, scalars included, in the message and its extensions
    depth: int  # containers and extensions nested in one another
    container: int  # elements of one list, pairs of one map
    text: int  # bytes of one string (UTF-8)
    copied_bytes: int  # strings, bytes and extension payloads, each level counted: the copies
    array_elements: int  # of one array (also bounds each dimension)


# A request comes from the trusted side (the largest a suite sends is a few MB); a reply comes
# from student code. The largest honest reply is about 7 MB (the optimizers' 300000×2 float64
# vectorization input coming back as its post-call state, plus the result): 32 MB is four times
# that. Decoding one reply then holds at most the frame, 4 × 32 MB of copies (an array nested in
# a tuple is copied once per level by msgpack) and 32 MB of arrays; 100,000 objects are at most
# a few MB of Python objects, far above an honest reply (a few hundred: a dict of signatures).
REQUEST = Bounds(MAX_MESSAGE, 2_000_000, MAX_DEPTH, 1_000_000, 1 << 24, 4 * MAX_MESSAGE, MAX_MESSAGE)
REPLY = Bounds(32 << 20, 100_000, MAX_DEPTH, 100_000, 1 << 20, 4 * (32 << 20), 32 << 20)
_BITS = {0xCC: 1, 0xCD: 2, 0xCE: 4, 0xCF: 8, 0xD0: 1, 0xD1: 2, 0xD2: 4, 0xD3: 8, 0xCA: 4, 0xCB: 8}
_FIXEXT = {0xD4: 1, 0xD5: 2, 0xD6: 4, 0xD7: 8, 0xD8: 16}
_SIZED = {0xC4: 1, 0xC5: 2, 0xC6: 4, 0xD9: 1, 0xDA: 2, 0xDB: 4, 0xC7: 1, 0xC8: 2, 0xC9: 4}
_LONG = {0xDC: 2, 0xDD: 4, 0xDE: 2, 0xDF: 4}
_MSGPACK_EXTS = (_EXT_TUPLE, _EXT_ARRAY, _EXT_SCALAR, _EXT_HANDLE, _EXT_FN, _EXT_TAIL_ARRAY, _EXT_ARENA_ARRAY)  # msgpack
_SCANNED_FROM = 1 << 16  # a msgpack part of more bytes is walked (scan) before it is unpacked
_ONE_SEND = 1 << 16  # a frame's payload of at most this many bytes is sent with its header
_MAX_RNG_STATE = 1 << 14  # JSON of a bit generator's state (MT19937's, the largest: ~7 KB)


@dataclass(frozen=True)
class Handle:
    """An object that stays in the jail (a cache); only the jail that made it can use it."""

    jail_generation: int
    ident: int


@dataclass(frozen=True)
class PublicFn:
    """A callable passed by name: a function of the public module ``callables``, with leading
    arguments bound (``PublicFn("weighted_sum", (w,))`` is ``lambda x: weighted_sum(w, x)``)."""

    name: str
    args: tuple[Any, ...] = field(default=())


def _array_parts(array: np.ndarray) -> tuple[list[Any], memoryview, list[Any]]:
    """``([dtype, shape], raw, extra)`` of an array: its bytes (a view of its memory, copied
    only by whoever packs them) and, for a strided view, ``extra = [strides, offset]`` into the
    bytes of the array it views, so a suite can hand the student ``A.T`` or ``A[:, ::2]`` as
    such (code that writes through ``x.reshape(-1)`` must meet a real non-contiguous array)."""
    array = np.asarray(array)  # a subclass becomes a plain view: its methods play no part
    if array.dtype.str not in _DTYPES:
        raise TypeError(f"arrays of dtype {array.dtype} are not plain data")
    head = [array.dtype.str, list(array.shape)]
    if array.flags.c_contiguous or array.size == 0 or _overlaps(array.shape, array.strides, array.itemsize):
        if not array.flags.c_contiguous:  # (ascontiguousarray would make a 0-d array 1-d)
            array = array.copy(order="C")  # a broadcast view crosses as the values it shows
        return head, _raw(array), []
    root = array
    while isinstance(root.base, np.ndarray):
        root = root.base
    if not (root.flags.c_contiguous and np.shares_memory(root, array)):
        root = np.asfortranarray(array) if array.flags.f_contiguous else np.ascontiguousarray(array)
        if root.flags.c_contiguous:
            return head, _raw(root), []
        root = root.T  # F-ordered: its memory is the C order of the transpose
        array = root.T
    offset = array.__array_interface__["data"][0] - root.__array_interface__["data"][0]
    return head, _raw(root), [list(array.strides), offset]


def _raw(array: np.ndarray) -> memoryview:
    """The bytes of a C-contiguous array, without a copy."""
    return array.reshape(-1).view(np.uint8).data


def _array_payload(array: np.ndarray) -> bytes:
    """An array inside the message: [dtype, shape, bytes(, strides, offset)] (scalars)."""
    head, raw, extra = _array_parts(array)
    return bytes(msgpack.packb([*head, bytes(raw), *extra]))


def _overlaps(shape: Any, strides: Any, itemsize: int) -> bool:
    """Whether two elements share memory: sorted by stride, each axis must step over all the
    elements of the axes below it."""
    span = itemsize
    for n, stride in sorted(((n, abs(st)) for n, st in zip(shape, strides) if n > 1), key=lambda a: a[1]):
        if stride < span:
            return True
        span = stride * n
    return False


def _array_from(parts: object, bounds: Bounds = REPLY, room: list[int] | None = None) -> np.ndarray:
    """An array from [dtype, shape, bytes(, strides, offset)]: every size is checked in Python
    integers (no overflow) before anything is allocated; ``room`` is what all the arrays of
    the message may still hold, in bytes."""
    if not (isinstance(parts, list) and len(parts) in (3, 5)):
        raise WireError("malformed array")
    dtype_str, shape, raw = parts[:3]
    if not (isinstance(dtype_str, str) and dtype_str in _DTYPES) or not isinstance(raw, (bytes, memoryview)):
        raise WireError(f"refused dtype {str(dtype_str)[:20]!r}")
    if not (isinstance(shape, list) and len(shape) <= 32
            and all(type(n) is int and 0 <= n <= bounds.array_elements for n in shape)):  # fmt: skip
        raise WireError("malformed shape")
    dtype = np.dtype(dtype_str)
    count = math.prod(shape)
    if math.prod(n for n in shape if n) > bounds.array_elements:  # numpy's own size limit too
        raise WireError(f"an array of more than {bounds.array_elements} elements")
    nbytes = count * dtype.itemsize
    if room is not None:
        room[0] -= len(raw)
        if room[0] < 0:
            raise WireError("the arrays of the message hold more bytes than the message")
    if len(parts) == 3:
        if nbytes != len(raw):
            raise WireError("array bytes do not match its shape")
        return np.frombuffer(raw, dtype=dtype).reshape(shape).copy()
    strides, offset = parts[3], parts[4]
    if not (isinstance(strides, list) and len(strides) == len(shape)
            and all(type(n) is int and abs(n) <= 1 << 62 for n in strides)
            and type(offset) is int):  # fmt: skip
        raise WireError("malformed strides")
    if nbytes > len(raw) or _overlaps(shape, strides, dtype.itemsize):
        raise WireError("a view whose elements overlap (a broadcast) is not plain data")
    if count:  # every element the view can reach lies inside the bytes sent
        low = offset + sum(min(0, (n - 1) * st) for n, st in zip(shape, strides))
        high = offset + sum(max(0, (n - 1) * st) for n, st in zip(shape, strides)) + dtype.itemsize
        if low < 0 or high > len(raw):
            raise WireError("strided array reaches outside its bytes")
    buffer = bytearray(raw)  # writable, and owned by the view's base
    return np.ndarray(tuple(shape), dtype=dtype, buffer=buffer, offset=offset if count else 0,
                      strides=tuple(strides))  # fmt: skip


def _generator_payload(rng: np.random.Generator) -> bytes:
    """A Generator crosses as its bit generator's name and state (JSON: PCG64's state is a
    128-bit integer, beyond msgpack's integers)."""
    state = dict(rng.bit_generator.state)
    if state.get("bit_generator") not in _BIT_GENERATORS:
        raise TypeError(f"{state.get('bit_generator')} generators are not supported")
    return json.dumps(state, default=lambda a: a.tolist()).encode()


def _generator_from(payload: bytes) -> np.random.Generator:
    try:
        state = json.loads(payload)
        name = state["bit_generator"]
        if name not in _BIT_GENERATORS:
            raise WireError(f"refused bit generator {name!r}")
        if name == "MT19937":
            state["state"]["key"] = np.asarray(state["state"]["key"], dtype=np.uint32)
        rng = np.random.Generator(getattr(np.random, name)())
        rng.bit_generator.state = state
        return rng
    except WireError:
        raise
    except Exception as error:
        raise WireError(f"malformed generator state ({type(error).__name__}: {error})") from None


def encode(value: Any, keep: Callable[[Any], Handle] | None = None, arena: memoryview | None = None) -> bytes:
    """Pack ``value``; objects that are not plain data go to ``keep`` (the jail's handle table)
    and cross as handles. Without ``keep`` such an object is a TypeError. Arrays travel in the
    ``arena`` (a writable byte view of the channel's shared memory, ``_EXT_ARENA_ARRAY``) while
    they fit in it, else in the message's tail (``_TAILED``); a message without arrays in its
    tail is plain msgpack."""
    tail: list[memoryview] = []
    tail_size = 0
    arena_used = 0

    def default(obj: Any) -> msgpack.ExtType:
        nonlocal tail_size, arena_used
        if isinstance(obj, tuple) and type(obj) is tuple:
            return msgpack.ExtType(_EXT_TUPLE, _pack(list(obj)))
        if isinstance(obj, np.ndarray) and obj.dtype.str in _DTYPES:
            head, raw, extra = _array_parts(obj)
            if arena is not None and raw.nbytes <= arena.nbytes - arena_used:
                start, arena_used = arena_used, arena_used + raw.nbytes
                arena[start:arena_used] = raw
                return msgpack.ExtType(_EXT_ARENA_ARRAY, msgpack.packb([*head, start, raw.nbytes, *extra]))
            tail.append(raw)
            tail_size += raw.nbytes
            return msgpack.ExtType(_EXT_TAIL_ARRAY, msgpack.packb([*head, tail_size - raw.nbytes, raw.nbytes, *extra]))
        if isinstance(obj, np.generic) and np.dtype(type(obj)).str in _DTYPES:
            return msgpack.ExtType(_EXT_SCALAR, _array_payload(np.asarray(obj)))
        if type(obj) is np.random.Generator:
            return msgpack.ExtType(_EXT_RNG, _generator_payload(obj))
        if isinstance(obj, Handle):
            return msgpack.ExtType(_EXT_HANDLE, msgpack.packb([obj.jail_generation, obj.ident]))
        if isinstance(obj, PublicFn):
            return msgpack.ExtType(_EXT_FN, _pack([obj.name, list(obj.args)]))
        if keep is not None:
            return default(keep(obj))
        raise TypeError(f"{type(obj).__name__} is not plain data")

    def _pack(obj: Any) -> bytes:
        # strict types: a subclass of int/float/str/list/dict goes through `default` above
        return bytes(msgpack.packb(obj, default=default, strict_types=True, use_bin_type=True))

    head = _pack(value)
    if not tail:
        return head
    return b"".join([_TAILED, _HEADER.pack(len(head)), head, *tail])


def _split(data: bytes | bytearray | memoryview) -> tuple[memoryview, memoryview | None]:
    """The msgpack part of a message and its tail of array bytes (None: a plain message)."""
    view = memoryview(data)
    if not view.nbytes or view[0] != _TAILED[0]:
        return view, None
    if view.nbytes < 1 + _HEADER.size:
        raise WireError("truncated message")
    (size,) = _HEADER.unpack_from(view, 1)
    start = 1 + _HEADER.size
    if start + size > view.nbytes:
        raise WireError("truncated message")
    return view[start : start + size], view[start + size :]


class _Budget:
    def __init__(self, bounds: Bounds):
        self.bounds = bounds
        self.items = bounds.items
        self.copied = bounds.copied_bytes
        self.tail = False  # whether the message has a tail that arrays may refer to

    def copy(self, size: int) -> None:
        self.copied -= size
        if self.copied < 0:
            raise WireError(f"the message unpacks to more than {self.bounds.copied_bytes} bytes")


def scan(data: bytes | bytearray | memoryview, bounds: Bounds = REPLY) -> None:
    """Walk one msgpack message without building anything: every bound of ``bounds`` is checked,
    extension payloads are walked too, and exactly one object must fill ``data``. Raises
    WireError."""
    if len(data) > bounds.message_bytes:
        raise WireError(f"message of {len(data)} bytes is over the limit")
    head, tail = _split(data)
    budget = _Budget(bounds)
    budget.tail = tail is not None
    if tail is not None:
        budget.copy(tail.nbytes)  # copied once, into the arrays
    _scan(head, budget, 0)


def _scan(data: memoryview, budget: _Budget, outer_depth: int) -> None:
    bounds, size, pos = budget.bounds, len(data), 0
    remaining = [1]  # objects still to read at each open level; the bottom one is the message

    def take(count: int) -> int:
        nonlocal pos
        if pos + count > size:
            raise WireError("truncated message")
        start = pos
        pos += count
        return start

    def length(width: int) -> int:
        start = take(width)
        return int.from_bytes(data[start : start + width], "big")

    while remaining:
        if remaining[-1] == 0:
            remaining.pop()
            continue
        remaining[-1] -= 1
        budget.items -= 1
        if budget.items < 0:
            raise WireError(f"more than {bounds.items} objects in one message")
        code = data[take(1)]
        count = -1  # the elements of a container opened here
        if code <= 0x7F or code >= 0xE0 or code in (0xC0, 0xC2, 0xC3):
            continue
        if 0x80 <= code <= 0x8F:
            count = 2 * (code & 0x0F)
        elif 0x90 <= code <= 0x9F:
            count = code & 0x0F
        elif code in _LONG:
            count = length(_LONG[code]) * (2 if code >= 0xDE else 1)
        elif code in _BITS:
            take(_BITS[code])
        elif 0xA0 <= code <= 0xBF or code in (0xD9, 0xDA, 0xDB):  # str
            n = code & 0x1F if code <= 0xBF else length(_SIZED[code])
            if n > bounds.text:
                raise WireError(f"a string of more than {bounds.text} bytes")
            budget.copy(n)
            take(n)
        elif code in (0xC4, 0xC5, 0xC6):  # bin
            n = length(_SIZED[code])
            budget.copy(n)
            take(n)
        elif code in (0xC7, 0xC8, 0xC9):  # ext 8/16/32
            n = length(_SIZED[code])
            kind = data[take(1)]
            _scan_ext(kind, data, take(n), n, budget, outer_depth + len(remaining))
        elif code in _FIXEXT:
            n = _FIXEXT[code]
            kind = data[take(1)]
            _scan_ext(kind, data, take(n), n, budget, outer_depth + len(remaining))
        else:
            raise WireError(f"byte 0x{code:02x} is not msgpack")
        if count >= 0:
            if count > bounds.container * (2 if code in (0xDE, 0xDF) or 0x80 <= code <= 0x8F else 1):
                raise WireError(f"a container of more than {bounds.container} elements")
            if outer_depth + len(remaining) > bounds.depth:
                raise WireError(f"nested deeper than {bounds.depth} levels")
            remaining.append(count)
    if pos != size:
        raise WireError("bytes after the end of the message")


def _scan_ext(kind: int, data: memoryview, start: int, n: int, budget: _Budget, depth: int) -> None:
    if depth + 1 > budget.bounds.depth:
        raise WireError(f"nested deeper than {budget.bounds.depth} levels")
    budget.copy(n)  # msgpack hands ext_hook a copy of the payload
    if kind == _EXT_TAIL_ARRAY and not budget.tail:  # (an arena array: decode checks its place)
        raise WireError("an array whose bytes the message does not carry")
    if kind in _MSGPACK_EXTS:
        _scan(data[start : start + n], budget, depth + 1)
    elif kind == _EXT_RNG:
        if n > _MAX_RNG_STATE:
            raise WireError("a generator state that is too long")
    else:  # 0-127 unknown to us; 128-255 are msgpack's reserved negative codes (-1: timestamp)
        raise WireError(f"unknown extension type {kind if kind < 128 else kind - 256}")


@dataclass(frozen=True, eq=False)
class Sent:
    """An array as it arrived: the array decoded, and a copy of the bytes it was made from
    (``decode(..., sent=[])`` lists one for every C-ordered array of a message's tail or
    arena). The copy is ``bytes``: nothing can write into it, where the message's buffer (or
    the arena) could be written into through a reference to it."""

    array: np.ndarray
    dtype: np.dtype[Any]
    shape: tuple[int, ...]
    raw: bytes


def decode(
    data: bytes | bytearray | memoryview, bounds: Bounds = REPLY, sent: list[Sent] | None = None, arena: memoryview | None = None
) -> Any:
    """Unpack a message within ``bounds`` (the default: what the trusted side accepts from the
    jail); raises WireError for anything that is not plain data or is over a bound. ``sent``, a
    list: every C-ordered array of the tail or the arena is added to it as it arrived
    (``Sent``), so the jail can tell after a call whether an argument still holds the very bytes
    it was sent. ``arena``: the channel's shared memory (``encode``), where the arrays of
    ``_EXT_ARENA_ARRAY`` lie one after another from offset 0; each is copied out of it once.

    A msgpack part of at most ``_SCANNED_FROM`` bytes is not walked byte by byte first (most
    messages: their arrays are in the arena or the tail; the walk was a tenth of a call's cost): so few
    bytes unpack to at most that many objects, within msgpack's own limits (container and
    string lengths, 1,024 levels) and the extension depth counted below, and the value built is
    then held to ``bounds.items`` and ``bounds.depth`` (``_refuse_foreign``)."""
    if len(data) > bounds.message_bytes:
        raise WireError(f"message of {len(data)} bytes is over the limit")
    head, tail = _split(data)
    if head.nbytes > _SCANNED_FROM:
        scan(data, bounds)
    depth = 0
    # (the frame's own size is bounded by recv and scan; unpackb takes no max_buffer_size)
    limits = dict(
        max_str_len=bounds.text,
        max_bin_len=bounds.message_bytes, max_array_len=bounds.container,
        max_map_len=bounds.container, max_ext_len=bounds.message_bytes,
    )  # fmt: skip
    # the bytes all decoded arrays may hold together: no more than sent, in the message or the arena
    arrays = [len(data) + (arena.nbytes if arena is not None else 0)]
    cursor = [0]  # where the next array's bytes start in the tail: each array in turn, none shared
    arena_cursor = [0]  # the same in the arena

    def ext_hook(code: int, payload: bytes) -> Any:
        nonlocal depth
        depth += 1
        try:
            if depth > bounds.depth:
                raise WireError(f"nested deeper than {bounds.depth} levels")
            return _ext(code, payload)
        finally:
            depth -= 1

    def _ext(code: int, payload: bytes) -> Any:
        if code == _EXT_TUPLE:
            return tuple(_unpack(payload))
        if code in (_EXT_ARRAY, _EXT_SCALAR):
            array = _array_from(msgpack.unpackb(payload, raw=False, **limits), bounds, arrays)
            return array[()] if code == _EXT_SCALAR else array
        if code in (_EXT_TAIL_ARRAY, _EXT_ARENA_ARRAY):
            where, at = (tail, cursor) if code == _EXT_TAIL_ARRAY else (arena, arena_cursor)
            parts = _in_tail(msgpack.unpackb(payload, raw=False, **limits), where, at)
            array = _array_from(parts, bounds, arrays)  # its bytes read once, into its own memory
            if sent is not None and len(parts) == 3:
                # the array's own bytes, not the arena's again: those may have changed since
                sent.append(Sent(array, array.dtype, array.shape, array.tobytes()))
            return array
        if code == _EXT_RNG:
            return _generator_from(payload)
        if code == _EXT_HANDLE:
            parts = msgpack.unpackb(payload, **limits)
            if not (isinstance(parts, list) and len(parts) == 2):
                raise WireError("malformed handle")
            generation, ident = parts
            if type(generation) is not int or type(ident) is not int:
                raise WireError("malformed handle")
            return Handle(generation, ident)
        if code == _EXT_FN:
            parts = _unpack(payload)
            if not (isinstance(parts, list) and len(parts) == 2 and isinstance(parts[1], list)):
                raise WireError("malformed function reference")
            name, args = parts
            if not isinstance(name, str):
                raise WireError("malformed function reference")
            return PublicFn(name, tuple(args))
        raise WireError(f"unknown extension type {code}")

    def _unpack(payload: bytes | memoryview) -> Any:
        return msgpack.unpackb(payload, ext_hook=ext_hook, raw=False, strict_map_key=False, use_list=True, **limits)

    try:
        value = _unpack(head)
        if tail is not None and cursor[0] != tail.nbytes:
            raise WireError("bytes after the end of the message")
        _refuse_foreign(value, bounds)
        return value
    except WireError:
        raise
    except Exception as error:  # msgpack's own errors, recursion, bad sizes
        raise WireError(f"undecodable message: {type(error).__name__}") from None


def _in_tail(parts: object, tail: memoryview | None, cursor: list[int]) -> list[Any]:
    """[dtype, shape, offset, size(, strides, view offset)] of an array in the tail, as the
    parts ``_array_from`` checks: [dtype, shape, its bytes(, strides, view offset)]. The arrays'
    bytes follow one another in the order of the message (``cursor``: where the next starts),
    so no two arrays share bytes and no byte of the tail is left over."""
    if not (isinstance(parts, list) and len(parts) in (4, 6)):
        raise WireError("malformed array")
    offset, size = parts[2], parts[3]
    if tail is None or type(offset) is not int or type(size) is not int:
        raise WireError("malformed array")
    if offset != cursor[0] or not 0 <= size <= tail.nbytes - offset:
        raise WireError("an array whose bytes are not the next ones of the message")
    cursor[0] += size
    return [parts[0], parts[1], tail[offset : offset + size], *parts[4:]]


def _refuse_foreign(value: Any, bounds: Bounds) -> None:
    """msgpack decodes its own timestamp extension without asking ext_hook: refuse it; a map's
    keys are strings or integers, never anything else a message could build; and the value
    holds at most ``bounds.items`` objects, nested at most ``bounds.depth`` levels."""
    stack = [(value, 0)]
    items = 0
    while stack:
        item, level = stack.pop()
        items += 1
        if items > bounds.items:
            raise WireError(f"more than {bounds.items} objects in one message")
        if level > bounds.depth:
            raise WireError(f"nested deeper than {bounds.depth} levels")
        if isinstance(item, msgpack.Timestamp):
            raise WireError("msgpack timestamps are not plain data")
        if isinstance(item, (list, tuple)):
            stack.extend((inner, level + 1) for inner in item)
        elif isinstance(item, dict):
            if not all(type(key) in (str, int) for key in item):
                raise WireError("a map key that is not a string or an integer")
            items += len(item)  # the keys
            stack.extend((inner, level + 1) for inner in item.values())
        elif isinstance(item, PublicFn):
            stack.extend((inner, level + 1) for inner in item.args)


def send(sock: Any, payload: bytes, *, strict: bool = True) -> None:
    """Send one frame. Each side sends only when the other waits for it (a request, then its
    reply), so anything arriving while a request goes out was never asked for: WireError,
    rather than both sides blocked on a full socket (a reply written twice deadlocks the next
    request). A socket with a timeout raises TimeoutError when it stays full that long. The
    jail sends with ``strict=False``: what it does about a broken channel is the grader's call."""
    header = _HEADER.pack(len(payload))
    # a small payload goes out with its header in one send (the reader wakes once, not twice);
    # one of megabytes in a second send rather than copied behind the header
    parts = (header + payload,) if len(payload) <= _ONE_SEND else (header, payload)
    if not strict:
        for part in parts:
            sock.sendall(part)
        return
    timeout = sock.gettimeout()
    deadline = None if timeout is None else time.monotonic() + timeout
    for part in parts:
        data = memoryview(part)
        while data:
            wait = None if deadline is None else max(0.0, deadline - time.monotonic())
            readable, writable, _ = select.select([sock], [sock], [], wait)
            if readable and sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT):
                raise WireError("the other side wrote while it was being sent a message")
            if not writable:
                if readable:  # closed by the other side: sending finds out how
                    sock.sendall(data)
                    break
                raise TimeoutError("timed out")
            sent = sock.send(data[: 1 << 20])
            data = data[sent:]


def _recv_exact(sock: Any, size: int) -> bytearray:
    """``size`` bytes, read straight into one buffer (no chunks joined afterwards)."""
    buffer = bytearray(size)
    view = memoryview(buffer)
    got = 0
    while got < size:
        n = sock.recv_into(view[got:], min(size - got, 1 << 20))
        if not n:
            raise EOFError("the other side closed the channel")
        got += n
    return buffer


def recv(sock: Any, bounds: Bounds = REPLY) -> bytearray:
    """One frame; its size is checked from the header, before a byte of it is read."""
    (size,) = _HEADER.unpack(_recv_exact(sock, _HEADER.size))
    if size > bounds.message_bytes:
        raise WireError(f"message of {size} bytes is over the limit")
    return _recv_exact(sock, size)
