"""Stable randomness for quizzes: every draw is a SHA-256 of named parts.

Python's ``hash()`` is salted per process and NumPy does not promise the same stream across
versions, so neither may decide a student's variant: a re-export next year must give the same
variants. Here a draw depends only on the strings that name it, so adding a parameter, a
question or a student never changes the draws of the others.
"""

from __future__ import annotations

import hashlib

SEED_BITS = 40  # a variant seed fits 10 hex digits, the tail of a variant id
SEED_HEX = SEED_BITS // 4


def digest(*parts: object) -> bytes:
    text = "\x1f".join(str(p) for p in parts)
    return hashlib.sha256(text.encode("utf-8")).digest()


def hash_int(*parts: object, bits: int = 64) -> int:
    return int.from_bytes(digest(*parts)[:8], "big") >> (64 - bits)


def hash_hex(*parts: object, length: int = 8) -> str:
    return digest(*parts).hex()[:length]


def student_seed(salt: str, topic: str, qid: str, version: int, student: str) -> int:
    """The seed of a student's own variant of one question."""
    return hash_int("student", salt, topic, qid, version, student, bits=SEED_BITS)


def pool_seed(salt: str, topic: str, qid: str, version: int, k: int) -> int:
    """The seed of variant k of a question's pre-generated pool (LMS exports)."""
    return hash_int("pool", salt, topic, qid, version, k, bits=SEED_BITS)


def pick_rank(salt: str, topic: str, qid: str, student: str) -> int:
    """A student's rank of a question; the lowest ranks are the questions they get."""
    return hash_int("pick", salt, topic, qid, student)


def index(n: int, *parts: object) -> int:
    """A uniform index in range(n) (n < 2**32: the modulo bias is below 1e-9)."""
    return hash_int(*parts) % n


def variant_id(topic: str, qid: str, seed: int) -> str:
    return f"{topic}.{qid}.{seed:0{SEED_HEX}x}"


def parse_variant_id(text: str) -> tuple[str, str, int]:
    """``(topic, question id, seed)`` of a variant id; ValueError if it is not one."""
    topic, qid, tail = text.strip().split(".")
    if len(tail) != SEED_HEX:
        raise ValueError(text)
    return topic, qid, int(tail, 16)


def public_id(topic: str, qid: str, kind: str, local_id: str) -> str:
    """The opaque id students see for a choice, a premise or an option."""
    return "c" + hash_hex("public", topic, qid, kind, local_id, length=5)
