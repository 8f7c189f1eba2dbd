"""Quiz keys that cannot call solutions/ directly agree with what solutions/ computes.

solutions/initialization.py draws random matrices and returns no bound or sigma, so the
initialization bank states its keys as the closed forms of the docstrings. Here every such key is
checked against the reference itself, on many variants: the reference's samples never leave
[-a, a] and come close to a (the uniform bound), and their spread matches the stated sigma or
variance (tolerances set at >= 5 standard errors: a correct pairing never fails).
"""

from __future__ import annotations

import numpy as np
import pytest

from grader.quiz import seeds
from grader.quiz.loader import instantiate
from solutions import initialization as init

SAMPLES = 60_000  # weights drawn per variant (several calls of the reference when fans are small)
VARIANTS = 40  # variants per question (pool seeds)


def _draw(fn, fan_in: int, fan_out: int, n: int = SAMPLES, **kw) -> np.ndarray:
    rng = np.random.default_rng([fan_in, fan_out])
    out = []
    while sum(a.size for a in out) < n:
        out.append(fn(fan_in, fan_out, rng, **kw).ravel())
    return np.concatenate(out)


def _variants(bank, qid: str):
    q = bank.question(qid)
    for k in range(VARIANTS):
        item = instantiate(bank, q, seeds.pool_seed("agree", bank.topic, qid, q.version, k), "en")
        params = dict(item.params)
        ctx = {**bank.namespace, **params}
        yield item, params, q, ctx


def _right_value(q, ctx) -> float:
    return next(c.value(ctx) for c in q.choices if c.id == "right")


def _bound_ok(w: np.ndarray, a: float) -> None:
    # 60,000 uniform draws all below 0.998·a: probability 0.999^60000 < 1e-26
    assert np.abs(w).max() <= a * (1 + 1e-12)
    assert np.abs(w).max() >= 0.998 * a


def test_xavier_uniform_bound(banks):
    bank = banks["initialization"]
    for item, p, _, _ in _variants(bank, "xavier_uniform_bound"):
        _bound_ok(_draw(init.xavier_uniform, p["fan_in"], p["fan_out"]), item.numeric.value)


def test_xavier_gain_bound(banks):
    bank = banks["initialization"]
    for _, p, q, ctx in _variants(bank, "xavier_gain_bound"):
        w = _draw(init.xavier_uniform, p["fan_in"], p["fan_out"], gain=p["gain"])
        _bound_ok(w, _right_value(q, ctx))


def test_he_uniform_bound(banks):
    bank = banks["initialization"]
    for _, p, q, ctx in _variants(bank, "he_uniform_bound"):
        _bound_ok(_draw(init.he_uniform, p["fan_in"], p["fan_out"]), _right_value(q, ctx))


def test_he_normal_std(banks):
    bank = banks["initialization"]
    for item, p, _, _ in _variants(bank, "he_normal_std"):
        w = _draw(init.he_normal, p["fan_in"], p["fan_out"])
        # the sample std of 60,000 normals has a relative standard error of 0.29 %
        assert w.std() == pytest.approx(item.numeric.value, rel=0.015)


def test_xavier_variance(banks):
    bank = banks["initialization"]
    for item, p, _, _ in _variants(bank, "xavier_variance"):
        fn = init.xavier_uniform if p["kind"] == "uniform" else init.xavier_normal
        w = _draw(fn, p["fan_in"], p["fan_out"])
        # sample variance: relative standard error <= 0.58 % (normal), 0.37 % (uniform)
        assert w.var() == pytest.approx(item.numeric.value, rel=0.03)


def test_scale_ignores_fan_out(banks):
    """The true/false key says whether the reference's scale depends on fan_out: the max of
    uniform draws (within 0.2 % of the bound) or the std of 200,000 normal draws (relative
    standard error 0.16 %) moves by more than 1.5 % iff the key says it does (the bank keeps
    the two fan_out values 4x apart, so Xavier's scale moves by 3.7 % at least)."""
    bank = banks["initialization"]
    fns = {
        ("he", "uniform"): init.he_uniform,
        ("he", "normal"): init.he_normal,
        ("xavier", "uniform"): init.xavier_uniform,
        ("xavier", "normal"): init.xavier_normal,
    }
    for item, p, _, _ in _variants(bank, "scale_ignores_fan_out"):
        fn = fns[p["scheme"], p["kind"]]
        if p["kind"] == "uniform":
            a, b = (np.abs(_draw(fn, p["fan_in"], fo)).max() for fo in (p["fan_out"], p["other"]))
        else:
            a, b = (_draw(fn, p["fan_in"], fo, n=200_000).std() for fo in (p["fan_out"], p["other"]))
        same = abs(a - b) < 0.015 * max(a, b)
        assert same == next(c.correct for c in item.choices if c.id == "true"), item.variant_id
