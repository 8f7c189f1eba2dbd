"""The trusted side of the jail's channel, driven through the real jail: what a submission can
write to the worker's socket (fd 3) or patch in the agent, and what the grader does with it."""

from __future__ import annotations

import time
from collections.abc import Iterator

import numpy as np
import pytest

from grader.proxy import StudentModule, TopicJail
from grader.sandbox import Limits, Sandbox

LIMITS = Limits(call_seconds=5.0, load_seconds=5.0)


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(LIMITS) as box:
        yield box


def student_of(sandbox: Sandbox, source: str, topic: str = "mod") -> tuple[StudentModule, TopicJail]:
    jail = TopicJail(topic, {f"{topic}.py": source}, sandbox, time.monotonic() + 120)
    return StudentModule(jail), jail


# ----------------------------------------------------------------------------- the rng probe
RNG_USER = """
import random
import numpy as np

def pure(x, rng):
    return x + rng.standard_normal(x.shape)

def draws_global(x):
    return x + np.random.rand(*x.shape)

def seeds_global(x):
    np.random.seed(0)
    return x

def uses_random(x):
    random.random()
    return x
"""


def test_global_rng_digest_sees_global_draws_and_seeds(sandbox: Sandbox) -> None:
    student, jail = student_of(sandbox, RNG_USER)
    try:
        x = np.zeros(3)
        start = student.global_rng_digest()
        assert len(start) == 64 and start == student.global_rng_digest()
        student.pure(x, np.random.default_rng(1))
        assert student.global_rng_digest() == start  # an rng argument leaves the global alone
        for fn in ("draws_global", "seeds_global", "uses_random"):
            before = student.global_rng_digest()
            getattr(student, fn)(x)
            assert student.global_rng_digest() != before, fn
    finally:
        jail.close()
