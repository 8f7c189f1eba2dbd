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
import struct
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import msgpack
import numpy as np

MAX_MESSAGE = 256 * 1024 * 1024  # one call's arguments or result; far above any exercise
MAX_DEPTH = 32  # nested tuples, handles, functions: msgpack's C unpacker recurses on the C stack
_HEADER = struct.Struct("!I")

_EXT_TUPLE, _EXT_ARRAY, _EXT_SCALAR, _EXT_HANDLE, _EXT_FN, _EXT_RNG = 1, 2, 3, 4, 5, 6
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
class Handle:
    """An object that stays in the jail (a cache); only the jail that made it can use it."""

    jail_generation: int
    ident: int


@dataclass(frozen=True)
class PublicFn:
    """A callable passed by name: a function of the public module ``callables``, with leading
    arguments bound (``PublicFn("weighted_sum", (w,))`` is ``lambda x: weighted_sum(w, x)``)."""

    name: str
    args: tuple = field(default=())


def _array_payload(array: np.ndarray) -> bytes:
    """dtype, shape, bytes; for a strided view also (strides, offset) into the bytes of the
    array it views, so a suite can hand the student ``A.T`` or ``A[:, ::2]`` as such (code that
    writes through ``x.reshape(-1)`` must meet a real non-contiguous array)."""
    array = np.asarray(array)  # a subclass becomes a plain view: its methods play no part
    if array.dtype.str not in _DTYPES:
        raise TypeError(f"arrays of dtype {array.dtype} are not plain data")
    if array.flags.c_contiguous or array.size == 0 or _overlaps(array.shape, array.strides, array.itemsize):
        if not array.flags.c_contiguous:  # (ascontiguousarray would make a 0-d array 1-d)
            array = array.copy(order="C")  # a broadcast view crosses as the values it shows
        return msgpack.packb([array.dtype.str, list(array.shape), array.tobytes()])
    root = array
    while isinstance(root.base, np.ndarray):
        root = root.base
    if not (root.flags.c_contiguous and np.shares_memory(root, array)):
        root = np.asfortranarray(array) if array.flags.f_contiguous else np.ascontiguousarray(array)
        if root.flags.c_contiguous:
            return msgpack.packb([array.dtype.str, list(array.shape), root.tobytes()])
        root = root.T  # F-ordered: its memory is the C order of the transpose
        array = root.T
    offset = array.__array_interface__["data"][0] - root.__array_interface__["data"][0]
    raw = root.tobytes() if root.dtype == array.dtype else root.view(np.uint8).tobytes()
    return msgpack.packb([array.dtype.str, list(array.shape), raw, list(array.strides), offset])


def _overlaps(shape: Any, strides: Any, itemsize: int) -> bool:
    """Whether two elements share memory: sorted by stride, each axis must step over all the
    elements of the axes below it."""
    span = itemsize
    for n, stride in sorted(((n, abs(st)) for n, st in zip(shape, strides) if n > 1), key=lambda a: a[1]):
        if stride < span:
            return True
        span = stride * n
    return False


def _array_from(parts: object) -> np.ndarray:
    if not (isinstance(parts, list) and len(parts) in (3, 5)):
        raise WireError("malformed array")
    dtype_str, shape, raw = parts[:3]
    if dtype_str not in _DTYPES or not isinstance(raw, bytes):
        raise WireError(f"refused dtype {dtype_str!r}")
    if not (isinstance(shape, list) and all(type(n) is int and n >= 0 for n in shape)):
        raise WireError("malformed shape")
    dtype = np.dtype(dtype_str)
    count = int(np.prod(shape, dtype=np.int64))
    if len(parts) == 3:
        if count * dtype.itemsize != len(raw):
            raise WireError("array bytes do not match its shape")
        return np.frombuffer(raw, dtype=dtype).reshape(shape).copy()
    strides, offset = parts[3], parts[4]
    if not (isinstance(strides, list) and len(strides) == len(shape)
            and all(type(n) is int for n in strides) and type(offset) is int):  # fmt: skip
        raise WireError("malformed strides")
    if count * dtype.itemsize > len(raw) or _overlaps(shape, strides, dtype.itemsize):
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


def encode(value: Any, keep: Callable[[Any], Handle] | None = None) -> bytes:
    """Pack ``value``; objects that are not plain data go to ``keep`` (the jail's handle table)
    and cross as handles. Without ``keep`` such an object is a TypeError."""

    def default(obj: Any) -> msgpack.ExtType:
        if isinstance(obj, tuple) and type(obj) is tuple:
            return msgpack.ExtType(_EXT_TUPLE, _pack(list(obj)))
        if isinstance(obj, np.ndarray) and obj.dtype.str in _DTYPES:
            return msgpack.ExtType(_EXT_ARRAY, _array_payload(obj))
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
        return msgpack.packb(obj, default=default, strict_types=True, use_bin_type=True)

    return _pack(value)


def decode(data: bytes) -> Any:
    """Unpack a message; raises WireError for anything that is not plain data."""

    depth = 0

    def ext_hook(code: int, payload: bytes) -> Any:
        nonlocal depth
        depth += 1
        try:
            if depth > MAX_DEPTH:
                raise WireError(f"nested deeper than {MAX_DEPTH} levels")
            return _ext(code, payload)
        finally:
            depth -= 1

    def _ext(code: int, payload: bytes) -> Any:
        if code == _EXT_TUPLE:
            return tuple(_unpack(payload))
        if code in (_EXT_ARRAY, _EXT_SCALAR):
            array = _array_from(msgpack.unpackb(payload, raw=False))
            return array[()] if code == _EXT_SCALAR else array
        if code == _EXT_RNG:
            return _generator_from(payload)
        if code == _EXT_HANDLE:
            generation, ident = msgpack.unpackb(payload)
            if type(generation) is not int or type(ident) is not int:
                raise WireError("malformed handle")
            return Handle(generation, ident)
        if code == _EXT_FN:
            name, args = _unpack(payload)
            if not isinstance(name, str):
                raise WireError("malformed function reference")
            return PublicFn(name, tuple(args))
        raise WireError(f"unknown extension type {code}")

    def _unpack(payload: bytes) -> Any:
        return msgpack.unpackb(
            payload, ext_hook=ext_hook, raw=False, strict_map_key=False, use_list=True
        )

    try:
        value = _unpack(data)
        _refuse_foreign(value)
        return value
    except WireError:
        raise
    except Exception as error:  # msgpack's own errors, recursion, bad sizes
        raise WireError(f"undecodable message: {type(error).__name__}") from None


def _refuse_foreign(value: Any) -> None:
    """msgpack decodes its own timestamp extension without asking ext_hook: refuse it."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, msgpack.Timestamp):
            raise WireError("msgpack timestamps are not plain data")
        if isinstance(item, (list, tuple)):
            stack.extend(item)
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, PublicFn):
            stack.extend(item.args)


def send(sock: Any, payload: bytes) -> None:
    sock.sendall(_HEADER.pack(len(payload)) + payload)


def _recv_exact(sock: Any, size: int) -> bytes:
    chunks = []
    while size:
        chunk = sock.recv(min(size, 1 << 20))
        if not chunk:
            raise EOFError("the other side closed the channel")
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def recv(sock: Any) -> bytes:
    (size,) = _HEADER.unpack(_recv_exact(sock, _HEADER.size))
    if size > MAX_MESSAGE:
        raise WireError(f"message of {size} bytes is over the limit")
    return _recv_exact(sock, size)
