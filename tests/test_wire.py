"""The wire format of the trust boundary (grader/jail/wire.py): what round-trips exactly, and
what is refused. Everything here is pure: no jail, no subprocess."""

from __future__ import annotations

import collections
import json
import socket
import struct
import subprocess
import sys
import threading
from pathlib import Path

import msgpack
import numpy as np
import pytest

from grader.jail import wire
from grader.jail.wire import MAX_MESSAGE, Handle, PublicFn, WireError, decode, encode

ROOT = Path(__file__).resolve().parent.parent
DTYPE_CODES = ("b1", "i1", "i2", "i4", "i8", "u1", "u2", "u4", "u8",
               "f2", "f4", "f8", "c8", "c16")  # fmt: skip


def roundtrip(value):
    return decode(encode(value))


def same_array(got, want) -> None:
    assert type(got) is np.ndarray
    assert got.dtype.str == np.asarray(want).dtype.str
    assert got.shape == want.shape
    assert np.array_equal(got, want, equal_nan=got.dtype.kind in "fc")
    assert got.flags.writeable


def sample(code: str, shape=(3, 4)) -> np.ndarray:
    dtype = np.dtype(code)
    values = np.arange(int(np.prod(shape))).reshape(shape)
    if dtype.kind == "b":
        return (values % 3 == 0).astype(dtype)
    if dtype.kind == "c":
        return (values - 2.5 + 1j * values).astype(dtype)
    if dtype.kind == "f":
        return (values - 2.5).astype(dtype)
    return (values % 100).astype(dtype)


def ext(code: int, payload: bytes) -> bytes:
    return msgpack.packb(msgpack.ExtType(code, payload))


def array_ext(dtype_str, shape, raw, code: int = 2) -> bytes:
    return ext(code, msgpack.packb([dtype_str, shape, raw], use_bin_type=True))


# ----------------------------------------------------------------------------- plain data
@pytest.mark.parametrize(
    "value",
    [None, True, False, 0, -1, 2**63 - 1, -(2**63), 2**64 - 1, 1.5, float("inf"), -0.0, "",
     "text ünïcode кириллица", b"", b"\x00\xff", [], {}, [1, "a", None], {"k": [1, 2.5]}],
    ids=repr,
)  # fmt: skip
def test_plain_values_roundtrip(value):
    got = roundtrip(value)
    assert got == value and type(got) is type(value)


def test_nan_roundtrips():
    assert np.isnan(roundtrip(float("nan")))


def test_tuples_and_lists_keep_their_kind():
    value = (1, [2, (3, [4])], (), [()], {"t": (5,), "l": [5]})
    got = roundtrip(value)
    assert got == value
    assert type(got) is tuple
    assert type(got[1]) is list and type(got[1][1]) is tuple and type(got[1][1][1]) is list
    assert type(got[2]) is tuple and type(got[3]) is list and type(got[3][0]) is tuple
    assert type(got[4]["t"]) is tuple and type(got[4]["l"]) is list


def test_nested_dicts_with_int_keys():
    value = {0: {1: "a", -2: {3: (4, 5)}}, "s": {7: [np.arange(3)]}, 10**12: None}
    got = roundtrip(value)
    assert set(got) == {0, "s", 10**12}
    assert got[0] == {1: "a", -2: {3: (4, 5)}}
    assert all(type(k) is int for k in got[0])
    same_array(got["s"][7][0], np.arange(3))


# ----------------------------------------------------------------------------- arrays
@pytest.mark.parametrize("code", DTYPE_CODES)
def test_array_of_every_dtype_roundtrips(code):
    array = sample(code)
    same_array(roundtrip(array), array)


@pytest.mark.parametrize("code", DTYPE_CODES)
def test_zero_dim_array_stays_an_array(code):
    array = np.array(sample(code, (1,))[0])
    assert array.ndim == 0
    got = roundtrip(array)
    same_array(got, array)


@pytest.mark.parametrize("shape", [(0,), (0, 3), (4, 0, 2)])
def test_empty_arrays(shape):
    array = np.zeros(shape, dtype=np.float32)
    same_array(roundtrip(array), array)


def test_non_contiguous_array():
    base = np.arange(60.0).reshape(6, 10)
    for array in (base[::2, 1::3], base.T, base[::-1, ::-2], base[:, 3], base[1:4, 2:9]):
        same_array(roundtrip(array), array)


def test_fortran_ordered_array():
    array = np.asfortranarray(np.arange(12, dtype=np.int32).reshape(3, 4))
    assert array.flags.f_contiguous and not array.flags.c_contiguous
    same_array(roundtrip(array), array)


def test_strided_views_keep_their_layout():
    # wire.py sends a strided view as (strides, offset) into its root's bytes, so a suite can
    # hand the student A.T or A[:, ::2] as such
    base = np.arange(24.0).reshape(4, 6)
    for array in (base.T, base[:, ::2], base[::-1], np.asfortranarray(base)):
        got = roundtrip(array)
        same_array(got, array)
        assert got.strides == array.strides


def test_writing_a_decoded_view_changes_only_its_elements():
    base = np.arange(24.0).reshape(4, 6)
    got = roundtrip(base[:, ::2])
    got[...] = -1.0
    assert np.array_equal(got, np.full((4, 3), -1.0))
    assert np.array_equal(base[:, ::2], np.arange(24.0).reshape(4, 6)[:, ::2])  # the sender's


def test_broadcast_view_roundtrips_by_value():
    array = np.broadcast_to(np.arange(3.0), (4, 3))
    got = roundtrip(array)
    same_array(got, array)
    got[0, 0] = 99.0  # one element: a decoded array is never a view onto itself
    assert np.count_nonzero(got == 99.0) == 1


@pytest.mark.parametrize("code", ["i2", "i4", "i8", "u4", "f4", "f8", "c16"])
def test_big_endian_arrays_keep_order_and_values(code):
    array = sample(code).astype(f">{code}")
    got = roundtrip(array)
    same_array(got, array)
    assert got.dtype.byteorder == ">"


def test_decoded_array_is_independent_of_the_message():
    message = encode(np.arange(4.0))
    got = decode(message)
    got[0] = 99.0  # writable, owns its data
    assert decode(message)[0] == 0.0


@pytest.mark.parametrize(
    "scalar",
    [np.float64(1.25), np.float32(-2.5), np.float16(0.5), np.int8(-3), np.int64(2**40),
     np.uint16(65535), np.uint64(2**64 - 1), np.bool_(True), np.complex64(1 - 2j),
     np.complex128(3 + 4j)],
    ids=lambda s: type(s).__name__,
)  # fmt: skip
def test_numpy_scalars_keep_their_type(scalar):
    got = roundtrip(scalar)
    assert type(got) is type(scalar)
    assert got == scalar


def test_arrays_inside_containers():
    value = {"out": (np.ones((2, 3), np.float32), [np.int64(3), np.arange(2)])}
    got = roundtrip(value)
    same_array(got["out"][0], value["out"][0])
    assert type(got["out"][1][0]) is np.int64
    same_array(got["out"][1][1], np.arange(2))


# ----------------------------------------------------------------------------- generators
@pytest.mark.parametrize("name", ["PCG64", "MT19937", "PCG64DXSM", "Philox", "SFC64"])
def test_generator_continues_the_same_stream(name):
    rng = np.random.Generator(getattr(np.random, name)(20261127))
    rng.random(7)  # not at the start of its stream
    rng.standard_normal(3)  # a cached normal or a partly used buffer must cross too
    got = roundtrip(rng)
    assert type(got) is np.random.Generator
    assert type(got.bit_generator).__name__ == name
    assert np.array_equal(got.random(50), rng.random(50))
    assert np.array_equal(got.integers(0, 1000, 20), rng.integers(0, 1000, 20))
    assert np.array_equal(got.standard_normal(11), rng.standard_normal(11))


def test_default_rng_roundtrips_inside_a_call():
    rng = np.random.default_rng(5)
    got = roundtrip({"args": [3, rng], "kwargs": {"rng": rng}})
    assert np.array_equal(got["args"][1].random(4), np.random.default_rng(5).random(4))


def test_bit_generator_outside_the_allow_list_is_refused():
    state = np.random.default_rng(1).bit_generator.state
    for name in ("os.system", "RandomState", "BitGenerator", "SeedSequence", "__class__"):
        payload = json.dumps({**state, "bit_generator": name}, default=str).encode()
        with pytest.raises(WireError, match="refused bit generator"):
            decode(ext(6, payload))


@pytest.mark.parametrize(
    "payload",
    [b"not json", b"[]", b"{}", json.dumps({"bit_generator": "PCG64"}).encode(),
     json.dumps({"bit_generator": "PCG64", "state": {"state": "x", "inc": 1}}).encode(),
     json.dumps({"bit_generator": "MT19937", "state": {"key": [1, 2], "pos": 0}}).encode()],
)  # fmt: skip
def test_malformed_generator_state_is_refused(payload):
    with pytest.raises(WireError):
        decode(ext(6, payload))


# ----------------------------------------------------------------------------- handles, functions
def test_handles_and_public_functions_roundtrip():
    value = [Handle(3, 17), PublicFn("weighted_sum", (np.arange(3.0), 2)), PublicFn("square")]
    got = roundtrip(value)
    assert got[0] == Handle(3, 17)
    assert got[1].name == "weighted_sum" and type(got[1].args) is tuple
    same_array(got[1].args[0], np.arange(3.0))
    assert got[1].args[1] == 2
    assert got[2] == PublicFn("square", ())


def test_malformed_handle_and_function_refused():
    with pytest.raises(WireError):
        decode(ext(4, msgpack.packb(["1", 2])))
    with pytest.raises(WireError):
        decode(ext(4, msgpack.packb([1, 2, 3])))
    with pytest.raises(WireError):
        decode(ext(5, encode([17, []])))


# ----------------------------------------------------------------------------- refusals (encode)
@pytest.mark.parametrize(
    "array",
    [np.array([1, "a"], dtype=object), np.array(["ab", "c"]), np.array([b"ab"]),
     np.zeros(2, dtype=[("a", "f8"), ("b", "i4")]), np.zeros(2, dtype="V8"),
     np.array(["2024-01-01"], dtype="datetime64[D]"), np.array([1], dtype="timedelta64[s]")],
    ids=["object", "str", "bytes", "record", "void", "datetime", "timedelta"],
)  # fmt: skip
def test_non_numeric_dtypes_are_not_plain(array):
    with pytest.raises(TypeError):
        encode(array)
    with pytest.raises(TypeError):
        encode({"nested": [array]})


@pytest.mark.parametrize(
    "scalar",
    [np.datetime64("2024-01-01"), np.timedelta64(3, "s"), np.void(b"abc")],
    ids=["datetime64", "timedelta64", "void"],
)  # fmt: skip
def test_non_numeric_scalars_are_not_plain(scalar):
    with pytest.raises(TypeError):
        encode(scalar)


class Sneaky(np.ndarray):
    """A subclass whose every override lies about the data."""

    def tobytes(self, *args, **kwargs):
        return b"\x00" * self.nbytes

    def __array__(self, *args, **kwargs):
        return np.full(self.shape, -7.0)

    def copy(self, *args, **kwargs):
        return np.full(self.shape, -7.0)

    def astype(self, *args, **kwargs):
        return np.full(self.shape, -7.0)

    def tolist(self):
        return [-7.0]

    def __getitem__(self, key):
        return -7.0

    def __iter__(self):
        return iter([-7.0])

    def __len__(self):
        return 1

    def __reduce__(self):
        raise AssertionError("pickled: the wire must never pickle")


def test_ndarray_subclass_becomes_plain_with_its_real_values():
    data = np.arange(12.0).reshape(3, 4)
    sneaky = data.copy().view(Sneaky)
    got = roundtrip(sneaky)
    assert type(got) is np.ndarray
    same_array(got, data)
    got = roundtrip((sneaky, {"x": sneaky}))
    assert type(got[1]["x"]) is np.ndarray
    same_array(got[1]["x"], data)


def test_non_contiguous_subclass_view():
    data = np.arange(24.0).reshape(4, 6)
    # Sneaky overrides __getitem__, so slice through the base class
    sneaky = np.ndarray.__getitem__(data.view(Sneaky), (slice(None, None, 2), slice(None, None, 3)))
    assert type(sneaky) is Sneaky and not sneaky.flags.c_contiguous
    got = roundtrip(sneaky)
    same_array(got, data[::2, ::3])


def test_masked_array_crosses_as_its_data():
    masked = np.ma.masked_array(np.arange(4.0), mask=[0, 1, 0, 1])
    got = roundtrip(masked)
    assert type(got) is np.ndarray
    same_array(got, np.arange(4.0))


def test_subclasses_of_plain_types_are_not_plain():
    Point = collections.namedtuple("Point", "x y")

    class MyInt(int):
        pass

    class MyDict(dict):
        pass

    class MyList(list):
        pass

    for value in (Point(1, 2), MyInt(3), MyDict(a=1), MyList([1]), {1, 2}, object(), len,
                  lambda: 0, np.random.RandomState(0)):  # fmt: skip
        with pytest.raises(TypeError):
            encode(value)
        with pytest.raises(TypeError):
            encode([1, {"k": value}])


def test_keep_turns_non_plain_objects_into_handles():
    kept: list = []

    def keep(obj):
        kept.append(obj)
        return Handle(9, len(kept))

    Point = collections.namedtuple("Point", "x y")
    odd = [object(), Point(1, 2), {1, 2}, np.array([1, "a"], dtype=object), lambda: 0]
    got = decode(encode({"result": (np.arange(2), odd), "n": 1}, keep=keep))
    assert got["n"] == 1
    same_array(got["result"][0], np.arange(2))
    handles = got["result"][1]
    assert handles == [Handle(9, i) for i in range(1, len(odd) + 1)]
    assert [id(obj) for obj in kept] == [id(obj) for obj in odd]  # the objects stay on this side


def test_keep_is_not_used_for_plain_data():
    def keep(obj):
        raise AssertionError(f"plain data sent to keep: {obj!r}")

    value = {"a": (1, [2.0, np.arange(3)], np.float32(1)), 3: np.random.default_rng(0)}
    got = decode(encode(value, keep=keep))
    assert got["a"][0] == 1


# ----------------------------------------------------------------------------- refusals (decode)
@pytest.mark.parametrize("code", [0, 7, 8, 42, 127])
def test_unknown_extension_types_are_refused(code):
    with pytest.raises(WireError):
        decode(ext(code, b"\x90"))
    with pytest.raises(WireError):
        decode(msgpack.packb({"result": [1, msgpack.ExtType(code, b"")]}))


@pytest.mark.parametrize(
    "raw",
    [b"\xd6\xff\x00\x00\x00\x05", b"\xd7\xff" + b"\x00" * 8, b"\xd4\x80\x00", b"\xd4\xfe\x00"],
    ids=["timestamp32", "timestamp64", "ext-128", "ext-2"],
)  # fmt: skip
def test_reserved_negative_extension_types_are_refused(raw):
    # msgpack reserves negative codes; -1 is its timestamp, which msgpack decodes by itself
    # (not through ext_hook) into a msgpack.Timestamp: an object that is not plain data
    with pytest.raises(WireError):
        got = decode(raw)
        pytest.fail(f"decoded to {type(got).__module__}.{type(got).__name__}: {got!r}")
    with pytest.raises(WireError):
        decode(b"\x81\xa6result" + raw)  # {"result": <ext>}


@pytest.mark.parametrize(
    "dtype_str", ["|O", "<U3", "|S4", "|V8", "<M8[D]", "<m8[s]", "O", "object", "float64",
                  "<f16", "|b1,|b1", "builtins.object"],
)  # fmt: skip
def test_refused_dtypes_on_decode(dtype_str):
    with pytest.raises(WireError):
        decode(array_ext(dtype_str, [1], b"\x00" * 8))
    with pytest.raises(WireError):
        decode(array_ext(dtype_str, [], b"\x00" * 8, code=3))


@pytest.mark.parametrize(
    "shape,raw",
    [([2, 3], b"\x00" * 8), ([2, 3], b"\x00" * 47), ([2, 3], b"\x00" * 49), ([], b""),
     ([0], b"\x00" * 8), ([4], b"")],
)  # fmt: skip
def test_shape_and_bytes_must_agree(shape, raw):
    with pytest.raises(WireError):
        decode(array_ext("<f8", shape, raw))


@pytest.mark.parametrize(
    "shape",
    [[-1], [2, -3], [1.0], ["2"], [True], [None], [[2]], 3, "3", None, {"0": 1}],
    ids=repr,
)  # fmt: skip
def test_negative_or_non_int_shapes_are_refused(shape):
    with pytest.raises(WireError):
        decode(array_ext("<f8", shape, b"\x00" * 8))


@pytest.mark.parametrize("shape", [[2**40, 2**40], [2**62, 4], [2**64 - 1], [2**32, 2**32, 1]])
def test_huge_shapes_are_refused_without_allocating(shape):
    # the product overflows 64 bits; it must not pass for a small or empty payload
    with pytest.raises(WireError):
        decode(array_ext("|u1", shape, b""))
    with pytest.raises(WireError):
        decode(array_ext("|u1", shape, b"\x00" * 16))


@pytest.mark.parametrize(
    "payload",
    [msgpack.packb("not a list"), msgpack.packb(["<f8", [1]]),
     msgpack.packb(["<f8", [1], b"\x00" * 8, "extra"]), msgpack.packb(["<f8", [1], "8 chars!"]),
     msgpack.packb([8, [1], b"\x00" * 8]), b"\xc1"],
)  # fmt: skip
def test_malformed_array_payloads_are_refused(payload):
    with pytest.raises(WireError):
        decode(ext(2, payload))


def strided_ext(shape, strides, offset, raw, dtype_str="<f8") -> bytes:
    return ext(2, msgpack.packb([dtype_str, shape, raw, strides, offset], use_bin_type=True))


@pytest.mark.parametrize(
    "shape,strides,offset,nbytes",
    [([3], [8], 8, 24), ([3], [16], 0, 32), ([3], [-8], 0, 24), ([2, 2], [16, 8], -8, 32),
     ([4], [8], 0, 31), ([2, 3], [24, 8], 1, 48)],
    ids=["past-end", "stride-past-end", "negative-before-start", "negative-offset",
         "one-byte-short", "offset-past-end"],
)  # fmt: skip
def test_strided_views_reaching_outside_their_bytes_are_refused(shape, strides, offset, nbytes):
    with pytest.raises(WireError):
        decode(strided_ext(shape, strides, offset, b"\x00" * nbytes))


@pytest.mark.parametrize(
    "strides,offset",
    [([8], 0), ([8, 8.0], 0), ([8, "8"], 0), ([8, True], 0), (8, 0), ([8, 8], 0.0),
     ([8, 8], None), ([8, 8, 8], 0)],
    ids=repr,
)  # fmt: skip
def test_malformed_strides_are_refused(strides, offset):
    with pytest.raises(WireError):
        decode(strided_ext([2, 2], strides, offset, b"\x00" * 64))


def test_strided_view_inside_its_bytes_decodes():
    raw = np.arange(12.0).tobytes()
    got = decode(strided_ext([3, 2], [32, 16], 8, raw))  # rows of 4, every other from column 1
    assert np.array_equal(got, np.arange(12.0).reshape(3, 4)[:, 1::2])
    got = decode(strided_ext([4], [-8], 88, raw))  # the last four, reversed
    assert np.array_equal(got, np.arange(12.0)[:-5:-1])


@pytest.mark.parametrize("shape,strides", [([10**5, 10**5], [0, 0]), ([10**9], [0]), ([3, 10**8], [8, 0])])
def test_a_few_bytes_never_decode_to_a_huge_array(shape, strides):
    """Zero (or overlapping) strides would let a 40-byte reply from the jail become an array of
    80 GB that the suite then copies or compares (np.isfinite, got - want): the trusted side
    runs out of memory. An array may hold at most as many elements as its bytes carry."""
    with pytest.raises(WireError):
        got = decode(strided_ext(shape, strides, 0, b"\x00" * 24))
        pytest.fail(f"decoded to shape {got.shape} ({got.size * got.itemsize} bytes) from 24 bytes")


# ----------------------------------------------------------------------------- arrays in the tail
def tailed(value, tail: bytes) -> bytes:
    """A message as the encoder frames one with arrays: 0xC1, the msgpack part's length, the
    msgpack part, then the tail of array bytes."""
    head = msgpack.packb(value, use_bin_type=True)
    return b"\xc1" + struct.pack("!I", len(head)) + head + tail


def tail_array(dtype_str, shape, offset, size, *extra):
    return msgpack.ExtType(7, msgpack.packb([dtype_str, shape, offset, size, *extra]))


def test_arrays_cross_once_in_the_tail():
    x = np.arange(100_000, dtype=np.float64)
    message = encode({"args": [x, (x[::2], 1)]})
    assert message[:1] == b"\xc1"
    assert len(message) < x.nbytes * 2 + 200  # x, then the root of the view: no copy in msgpack
    got = decode(message)
    same_array(got["args"][0], x)
    same_array(got["args"][1][0], x[::2])


def test_decoded_tail_arrays_do_not_share_memory():
    x = np.arange(6.0)
    got = decode(encode([x, x]))
    got[0][0] = 99.0
    assert got[1][0] == 0.0 and not np.shares_memory(got[0], got[1])


@pytest.mark.parametrize(
    "value,tail",
    [
        ([tail_array("<f8", [2], 0, 16)], b""),  # bytes the message does not have
        ([tail_array("<f8", [2], 0, 16)], b"\x00" * 15),  # one byte short
        ([tail_array("<f8", [2], 0, 16)], b"\x00" * 17),  # a byte left over
        ([tail_array("<f8", [2], 8, 16)], b"\x00" * 24),  # a gap before it
        ([tail_array("<f8", [2], 0, 16), tail_array("<f8", [2], 0, 16)], b"\x00" * 16),  # shared bytes
        ([tail_array("<f8", [2], 0, 16), tail_array("<f8", [2], 8, 16)], b"\x00" * 24),  # overlapping
        ([tail_array("<f8", [3], 0, 16)], b"\x00" * 16),  # shape and bytes disagree
        ([tail_array("<f8", [2**40, 2**40], 0, 16)], b"\x00" * 16),  # huge shape, a few bytes
        ([tail_array("<f8", [2], -16, 16)], b"\x00" * 16),
        ([tail_array("<f8", [2], 0.0, 16)], b"\x00" * 16),
        ([tail_array("<f8", [2], 0, "16")], b"\x00" * 16),
        ([tail_array("|O", [2], 0, 16)], b"\x00" * 16),
        ([msgpack.ExtType(7, msgpack.packb(["<f8", [2], 0]))], b"\x00" * 16),
        ([tail_array("<f8", [4], 0, 32, [16], 0)], b"\x00" * 32),  # a view reaching past its bytes
    ],
    ids=["no-tail", "short", "left-over", "gap", "shared", "overlap", "shape", "huge", "negative",
         "float-offset", "str-size", "object-dtype", "no-size", "strided-outside"],
)  # fmt: skip
def test_forged_tail_arrays_are_refused(value, tail):
    with pytest.raises(WireError):
        decode(tailed(value, tail))


def test_a_tail_array_in_a_plain_message_is_refused():
    with pytest.raises(WireError):
        decode(msgpack.packb([tail_array("<f8", [0], 0, 0)]))


@pytest.mark.parametrize("header", [b"\xc1", b"\xc1\x00\x00", b"\xc1\xff\xff\xff\xff\x90"])
def test_truncated_tailed_headers_are_refused(header):
    with pytest.raises(WireError):
        decode(header)


# ----------------------------------------------------------------------------- the arena
def arena_array(dtype_str, shape, offset, size, *extra):
    return msgpack.ExtType(8, msgpack.packb([dtype_str, shape, offset, size, *extra]))


def test_arrays_cross_in_the_arena_and_are_copied_out_of_it():
    arena = memoryview(bytearray(1 << 20))
    x, y = np.arange(1000.0), np.arange(12, dtype=np.int32).reshape(3, 4)
    message = encode({"args": [x, (y.T, 1)]}, arena=arena)
    assert len(message) < 200  # the values are in the arena, not in the message
    got = decode(message, arena=arena)
    same_array(got["args"][0], x)
    same_array(got["args"][1][0], y.T)
    arena[:] = b"\xff" * arena.nbytes  # the other side writes into it afterwards
    same_array(got["args"][0], x)
    same_array(got["args"][1][0], y.T)
    assert not np.shares_memory(got["args"][0], np.frombuffer(arena, np.uint8))


def test_arrays_larger_than_what_is_left_of_the_arena_cross_in_the_message():
    arena = memoryview(bytearray(8000))
    small, large, after = np.arange(500.0), np.arange(2000.0), np.arange(400.0)
    message = encode([small, large, after], arena=arena)
    assert message[:1] == b"\xc1" and large.nbytes < len(message) < large.nbytes + 200
    got = decode(message, arena=arena)
    for got_array, want in zip(got, (small, large, after)):
        same_array(got_array, want)


def test_arena_arrays_are_listed_as_sent_with_their_own_bytes():
    arena = memoryview(bytearray(1 << 16))
    x = np.arange(10.0)
    sent: list = []
    got = decode(encode([x], arena=arena), wire.REQUEST, sent, arena)
    arena[:80] = b"\x00" * 80
    assert len(sent) == 1 and sent[0].array is got[0] and sent[0].raw == x.tobytes()


@pytest.mark.parametrize(
    "value,size",
    [
        ([arena_array("<f8", [2], 0, 16)], None),  # no arena on this channel
        ([arena_array("<f8", [2], 0, 16)], 15),  # beyond its end
        ([arena_array("<f8", [2], 8, 16)], 64),  # a gap before it
        ([arena_array("<f8", [2], 0, 16), arena_array("<f8", [2], 0, 16)], 64),  # shared bytes
        ([arena_array("<f8", [2], 0, 16), arena_array("<f8", [2], 8, 16)], 64),  # overlapping
        ([arena_array("<f8", [3], 0, 16)], 64),  # shape and bytes disagree
        ([arena_array("<f8", [2**40, 2**40], 0, 16)], 64),
        ([arena_array("<f8", [2], -16, 16)], 64),
        ([arena_array("<f8", [2], 0, 2**62)], 64),
        ([arena_array("|O", [2], 0, 16)], 64),
        ([arena_array("<f8", [4], 0, 32, [16], 0)], 64),  # a view reaching past its bytes
    ],
    ids=["no-arena", "past-the-end", "gap", "shared", "overlap", "shape", "huge", "negative", "huge-size",
         "object-dtype", "strided-outside"],
)  # fmt: skip
def test_forged_arena_arrays_are_refused(value, size):
    arena = None if size is None else memoryview(bytearray(size))
    with pytest.raises(WireError):
        decode(msgpack.packb(value), arena=arena)


def test_arena_arrays_are_bounded_by_the_reply_bound_on_elements():
    arena = memoryview(bytearray(64))
    with pytest.raises(WireError):
        decode(msgpack.packb([arena_array("<f8", [5], 0, 40)]), wire.Bounds(1 << 20, 100, 8, 100, 100, 1 << 20, 4), arena=arena)


def test_tail_array_inside_a_view_of_its_bytes_decodes():
    raw = np.arange(8.0).tobytes()
    got = decode(tailed([tail_array("<f8", [2, 2], 0, 64, [32, 8], 8)], raw))[0]
    assert got.tolist() == [[1.0, 2.0], [5.0, 6.0]]


def _nested_tuples(depth):
    value = ()
    for _ in range(depth):
        value = (value,)
    return value


SMALL_HOSTILE = {
    "tuples-33-deep": lambda: encode([_nested_tuples(33)]),
    "lists-40-deep": lambda: b"\x91" * 40 + b"\xc0",
    "lists-2000-deep": lambda: b"\x91" * 2000 + b"\xc0",
    "float-map-key": lambda: msgpack.packb({1.5: 1}),
    "nil-map-key": lambda: msgpack.packb({None: 1}),
    "timestamp": lambda: msgpack.packb(msgpack.Timestamp(1)),
    "trailing-byte": lambda: encode({"op": "bye"}) + b"\x00",
    "huge-list-header": lambda: b"\xdd\xff\xff\xff\xff",
    "huge-string-header": lambda: b"\xdb\xff\xff\xff\xff",
    "unknown-ext": lambda: ext(99, b"\x00"),
}


@pytest.mark.parametrize("scanned_from", [0, wire._SCANNED_FROM], ids=["scanned", "unscanned"])
@pytest.mark.parametrize("name", SMALL_HOSTILE)
def test_small_messages_are_held_to_the_bounds_without_the_byte_walk(monkeypatch, name, scanned_from):
    """A msgpack part under _SCANNED_FROM bytes is not walked before it is unpacked: it must be
    refused all the same (and with the walk, as before)."""
    monkeypatch.setattr(wire, "_SCANNED_FROM", scanned_from)
    with pytest.raises(WireError):
        decode(SMALL_HOSTILE[name]())


def test_small_messages_are_held_to_the_object_count():
    few = wire.Bounds(1 << 20, 10, 32, 100, 100, 1 << 22, 1 << 20)
    assert decode(msgpack.packb(list(range(8))), few) == list(range(8))
    with pytest.raises(WireError, match="objects"):
        decode(msgpack.packb(list(range(10))), few)
    with pytest.raises(WireError, match="objects"):
        decode(msgpack.packb({str(k): k for k in range(5)}), few)


def test_truncated_messages_are_refused():
    message = encode({"op": "call", "fn": "elu", "args": [np.arange(12.0).reshape(3, 4), (1, "x")],
                      "kwargs": {"alpha": 0.7, "rng": np.random.default_rng(0)}})  # fmt: skip
    for cut in range(len(message)):
        with pytest.raises(WireError):
            decode(message[:cut])


def test_trailing_garbage_is_refused():
    with pytest.raises(WireError):
        decode(encode({"op": "bye"}) + b"\x00")


_DEEP_DECODE = """
import sys
import msgpack
from grader.jail import wire
depth, kind = int(sys.argv[1]), sys.argv[2]
if kind == "tuple-ext":
    payload = msgpack.packb([])
    for _ in range(depth):
        payload = msgpack.packb(msgpack.ExtType(1, payload))
elif kind == "fn-ext":
    payload = msgpack.packb([])
    for _ in range(depth):
        payload = msgpack.packb(msgpack.ExtType(5, msgpack.packb(["f", [msgpack.ExtType(1, payload)]])))
elif kind == "encoded-tuple":  # what a student gets by returning [((((),),),)] from a function
    value = ()
    for _ in range(depth):
        value = (value,)
    payload = wire.encode({"result": [value]})
else:
    payload = b"\\x91" * depth + b"\\xc0"  # a list of a list of ... of nil
try:
    wire.decode(payload)
    print("decoded")
except wire.WireError as error:
    print("refused:", error)
"""


@pytest.mark.parametrize(
    "depth,kind",
    [(250, "tuple-ext"), (2000, "tuple-ext"), (20000, "tuple-ext"), (150, "fn-ext"),
     (250, "encoded-tuple"), (100000, "list")],
)  # fmt: skip
def test_deep_nesting_is_refused_not_a_crash(depth, kind):
    """A reply nested deep (the jail controls every byte of it) must come back as WireError or
    data, never take the grader down. Run in a subprocess: the failure mode is a segfault."""
    done = subprocess.run(
        [sys.executable, "-c", _DEEP_DECODE, str(depth), kind],
        capture_output=True, text=True, timeout=60, cwd=ROOT,
    )  # fmt: skip
    assert done.returncode == 0, (
        f"decoding {depth} nested levels ({kind}) killed the process "
        f"(exit {done.returncode}): {done.stderr.strip().splitlines()[:1]}"
    )
    assert done.stdout.startswith(("refused:", "decoded")), done.stdout + done.stderr[-500:]


@pytest.mark.parametrize("junk", [b"\xc1", b"\xff\xff\xff", b"\xdd\xff\xff\xff\xff", b"\xc7"])
def test_garbage_is_refused(junk):
    with pytest.raises(WireError):
        decode(junk)


# ----------------------------------------------------------------------------- framing
def test_send_recv_roundtrip_over_a_socketpair():
    left, right = socket.socketpair()
    with left, right:
        left.settimeout(10)
        right.settimeout(10)
        for value in ({"op": "call", "args": [np.ones((50, 50))]}, [], {"big": np.zeros(300_000)}):
            payload = encode(value)
            # a message larger than the socket buffer: send from a thread while we read
            sender = threading.Thread(target=wire.send, args=(left, payload))
            sender.start()
            assert wire.recv(right) == payload
            sender.join(10)


def test_message_over_the_limit_is_refused_before_reading_it():
    left, right = socket.socketpair()
    with left, right:
        right.settimeout(5)  # recv must not wait for the claimed bytes
        left.sendall(struct.pack("!I", MAX_MESSAGE + 1))
        with pytest.raises(WireError, match="over the limit"):
            wire.recv(right)
        left.sendall(struct.pack("!I", 0xFFFFFFFF))
        with pytest.raises(WireError):
            wire.recv(right)


def test_message_at_the_limit_header_is_accepted():
    left, right = socket.socketpair()
    with left, right:
        right.settimeout(5)
        left.sendall(struct.pack("!I", 5) + b"hello")
        assert wire.recv(right) == b"hello"


def test_truncated_frame_is_an_eof():
    left, right = socket.socketpair()
    with right:
        right.settimeout(5)
        left.sendall(struct.pack("!I", 100) + b"\x00" * 10)
        left.close()
        with pytest.raises(EOFError):
            wire.recv(right)


def test_truncated_header_is_an_eof():
    left, right = socket.socketpair()
    with right:
        right.settimeout(5)
        left.sendall(b"\x00\x00")
        left.close()
        with pytest.raises(EOFError):
            wire.recv(right)


# ----------------------------------------------------------------------------- bounds (replies)
_BOUNDED_DECODE = """
import sys, time
import msgpack
from grader.jail import wire
kind = sys.argv[1]

def status(field):  # KiB
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith(field + ":"))

n = 31 << 20  # under the reply frame's 32 MB: only the other bounds can refuse it
if kind == "empty-maps":  # a list of 31 million empty maps: ~2 GB of dicts if built
    data = b"\\xdd" + (n - 5).to_bytes(4, "big") + b"\\x80" * (n - 5)
elif kind == "nested-maps":  # maps of maps of maps..., each of 15 small maps
    unit = b"\\x8f" + b"\\xa1k\\x80" * 15
    data = b"\\xdc\\xff\\xff" + unit * (n // len(unit))
elif kind == "short-strings":  # a list of 2-character strings: ~60 bytes of Python each
    data = b"\\xdd" + (n // 3).to_bytes(4, "big") + b"\\xa2ab" * (n // 3)
elif kind == "floats":
    data = b"\\xdd" + (n // 9).to_bytes(4, "big") + b"\\xcb" + b"\\x00" * 8 * (n // 9)
elif kind == "tuple-copies":  # one 30 MB array wrapped in 30 tuples: msgpack copies each level
    payload = msgpack.packb(msgpack.ExtType(2, msgpack.packb(["|u1", [30 << 20], b"\\x00" * (30 << 20)])))
    for _ in range(30):
        payload = msgpack.packb(msgpack.ExtType(1, msgpack.packb([msgpack.ExtType(1, payload)])[1:]))
    data = payload
elif kind == "many-arrays":  # 400,000 arrays of 40 bytes each
    one = msgpack.packb(msgpack.ExtType(2, msgpack.packb(["<f8", [5], b"\\x00" * 40])))
    data = b"\\xdd" + (400_000).to_bytes(4, "big") + one * 400_000
with open("/proc/self/clear_refs", "w") as f:
    f.write("5")  # resets the peak (VmHWM) to what is resident now: the message is built
base = status("VmRSS")
started = time.process_time()
try:
    wire.decode(data)
    print("decoded")
except wire.WireError as error:
    print("refused:", error)
grew = status("VmHWM") - base
print("grew", grew, "seconds", round(time.process_time() - started, 3))
"""


@pytest.mark.parametrize("kind", ["empty-maps", "nested-maps", "short-strings", "floats", "tuple-copies", "many-arrays"])
def test_a_reply_under_the_frame_limit_cannot_blow_up_in_memory(kind):
    """A 31 MB reply (under the frame limit) built to unpack into gigabytes of Python objects
    is refused from its bytes, before msgpack builds anything: the decoder's peak memory grows
    by less than the message's own size, and it takes well under a second."""
    done = subprocess.run([sys.executable, "-c", _BOUNDED_DECODE, kind], capture_output=True,
                          text=True, timeout=120, cwd=ROOT)  # fmt: skip
    assert done.returncode == 0, done.stderr[-1000:]
    verdict, grew = done.stdout.splitlines()
    assert verdict.startswith("refused:"), verdict
    grew_kib, seconds = int(grew.split()[1]), float(grew.split()[3])
    assert grew_kib < 64 * 1024, f"decoding grew the process by {grew_kib // 1024} MB"
    assert seconds < 5, seconds


def test_a_frame_over_the_reply_limit_is_refused_from_its_header():
    left, right = socket.socketpair()
    with left, right:
        right.settimeout(5)
        left.sendall(struct.pack("!I", 250 << 20))  # 250 MB of nested maps would follow
        with pytest.raises(WireError, match="over the limit"):
            wire.recv(right)


def test_requests_may_be_larger_than_replies():
    big = encode({"args": [np.zeros(5_000_000)]})  # 40 MB: a request the trusted side sends
    with pytest.raises(WireError, match="over the limit"):
        decode(big)  # the default bounds are a reply's
    assert decode(big, wire.REQUEST)["args"][0].shape == (5_000_000,)


@pytest.mark.parametrize(
    "value,match",
    [(list(range(200_000)), "container"), ([[0] * 60_000, [0] * 60_000], "objects"),
     ("x" * (2 << 20), "string"), ({i: i for i in range(150_000)}, "container")],
    ids=["long-list", "many-objects", "long-string", "big-map"],
)  # fmt: skip
def test_reply_bounds_name_what_was_over(value, match):
    with pytest.raises(WireError, match=match):
        decode(encode(value))


def test_map_keys_are_strings_or_integers():
    assert decode(encode({"a": 1, 2: 3})) == {"a": 1, 2: 3}
    for key in (b"raw", 1.5, None, True):
        with pytest.raises(WireError, match="map key"):
            decode(msgpack.packb({key: 1}, use_bin_type=True))
    with pytest.raises(WireError, match="map key"):
        decode(b"\x81" + encode((1, 2)) + b"\x01")  # a tuple as a key


@pytest.mark.parametrize(
    "shape",
    [[2**40, 2**40, 0], [0, 2**62], [2**33, 2**33, 2**33, 0], [1] * 40, [2**31, 2**31]],
    ids=repr,
)  # fmt: skip
def test_shapes_beyond_the_element_cap_are_refused_even_when_empty(shape):
    # a zero among the dimensions makes the product 0, but NumPy still multiplies the others
    with pytest.raises(WireError):
        decode(array_ext("<f8", shape, b""))


def test_a_shape_whose_int64_product_wraps_to_the_byte_count_is_refused():
    # 2**61 * 2**3 * 8 bytes wraps to 0 in int64 arithmetic; Python integers do not wrap
    with pytest.raises(WireError):
        decode(array_ext("<f8", [2**61, 2**3], b""))
    with pytest.raises(WireError):
        decode(array_ext("|u1", [2**32 + 1, 2**32 - 1], b"\x00"))  # 2**64 - 1 ≡ -1


def test_scan_walks_every_form_of_msgpack():
    value = {"a": [None, True, False, -1, -33, 127, 128, 2**16, 2**33, -(2**40), 1.5,
                   np.float32(2.5), "s" * 40, "t" * 300, "u" * 70_000, b"b" * 300,
                   b"c" * 70_000, list(range(20)), {str(i): i for i in range(20)}],
             "ext": [(1,) * 20, np.arange(3), Handle(1, 2), PublicFn("f", (1,)),
                     np.random.default_rng(0)]}  # fmt: skip
    data = encode(value)
    wire.scan(data)
    got = decode(data)
    assert got["a"][:11] == value["a"][:11] and got["a"][14] == value["a"][14]


def test_data_arriving_while_a_request_goes_out_is_refused_not_a_deadlock():
    """A reply written twice fills the channel while the next request is being sent: both
    sides would block on a full socket. The sender refuses instead."""
    left, right = socket.socketpair()
    with left, right:
        right.settimeout(5)
        right.sendall(b"\x00" * 1000)  # unrequested bytes: the start of a second reply
        left.settimeout(5)
        with pytest.raises(WireError, match="wrote while"):
            wire.send(left, b"\x00" * 5_000_000)


def test_a_full_channel_times_out_when_sending():
    left, right = socket.socketpair()
    with left, right:
        left.settimeout(0.5)
        with pytest.raises(TimeoutError):
            wire.send(left, b"\x00" * 50_000_000)  # nobody reads


def test_decode_lists_the_c_ordered_tail_arrays_as_they_arrived():
    x = np.arange(12.0).reshape(3, 4)
    sent: list[wire.Sent] = []
    got = decode(encode({"args": [x, x.T, np.float32(1.0), (x[0],)]}), wire.REQUEST, sent)
    assert len(sent) == 2  # the view and the scalar are not listed
    assert sent[0].array is got["args"][0] and sent[1].array is got["args"][3][0]
    first = sent[0]
    assert first.raw == x.tobytes() and type(first.raw) is bytes  # a copy nothing can write into
    assert (first.dtype, first.shape) == (x.dtype, x.shape)
    got["args"][0][...] = 0
    assert first.raw == x.tobytes()
