"""The initialization reference against torch.nn.init (CPU, float64), and the statistics the
hidden suite grades with, against exact distributions.

torch's generator is not NumPy's, so values cannot be compared: the tests compare what both
must share, the layout (torch's weight is (fan_out, fan_in), ours its transpose), the bounds and
variances of the formulas (torch's own samples must fit the bands that ours are graded by), and
the whole distribution (a two-sample Kolmogorov–Smirnov test between our matrix and torch's)."""

import importlib.util
import math
from pathlib import Path

import numpy as np
import pytest
import torch

from grader import stats
from solutions import initialization as ref

ROOT = Path(__file__).resolve().parent.parent


def _suite():
    """The hidden suite as a module, for its statistical helpers."""
    path = ROOT / "course" / "initialization" / "hidden" / "test_initialization.py"
    spec = importlib.util.spec_from_file_location("initialization_hidden_suite", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


SUITE = _suite()
FANS = [(300, 700), (640, 256), (500, 420), (3, 1000)]
GAINS = [1.0, 5.0 / 3.0, math.sqrt(2.0), 0.75]


def _torch_weight(init, fan_in, fan_out, seed, **kw):
    """torch's initializer on nn.Linear's (fan_out, fan_in) weight, returned in our layout."""
    weight = torch.empty(fan_out, fan_in, dtype=torch.float64)
    init(weight, generator=torch.Generator().manual_seed(seed), **kw)
    return weight.numpy().T


TORCH = {
    "xavier_uniform": lambda fi, fo, seed, gain: _torch_weight(torch.nn.init.xavier_uniform_, fi, fo, seed, gain=gain),
    "xavier_normal": lambda fi, fo, seed, gain: _torch_weight(torch.nn.init.xavier_normal_, fi, fo, seed, gain=gain),
    "he_uniform": lambda fi, fo, seed, gain: _torch_weight(
        torch.nn.init.kaiming_uniform_, fi, fo, seed, mode="fan_in", nonlinearity="relu"
    ),
    "he_normal": lambda fi, fo, seed, gain: _torch_weight(
        torch.nn.init.kaiming_normal_, fi, fo, seed, mode="fan_in", nonlinearity="relu"
    ),
}


def _ours(name, fan_in, fan_out, seed, gain):
    rng = np.random.default_rng(seed)
    fn = getattr(ref, name)
    if name.startswith("xavier"):
        return fn(fan_in, fan_out, rng, gain=gain)
    return fn(fan_in, fan_out, rng)


def _bound(name, fan_in, fan_out, gain):
    """The bound a (uniform) or the standard deviation σ (normal) the docstrings state."""
    if name == "xavier_uniform":
        return gain * math.sqrt(6.0 / (fan_in + fan_out))
    if name == "xavier_normal":
        return gain * math.sqrt(2.0 / (fan_in + fan_out))
    if name == "he_uniform":
        return math.sqrt(6.0 / fan_in)
    return math.sqrt(2.0 / fan_in)


def _two_sample_ks_pvalue(a, b):
    a, b = np.sort(np.ravel(a)), np.sort(np.ravel(b))
    grid = np.concatenate([a, b])
    d = np.max(np.abs(np.searchsorted(a, grid, side="right") / a.size - np.searchsorted(b, grid, side="right") / b.size))
    n = a.size * b.size / (a.size + b.size)
    return stats.kolmogorov_sf((math.sqrt(n) + 0.12 + 0.11 / math.sqrt(n)) * d)


CASES = [(name, fans, gain) for name in TORCH for fans in FANS for gain in (GAINS if name.startswith("xavier") else [1.0])]


def test_torch_weight_layout_is_the_transpose():
    """torch reads fan_in from weight.shape[1]: nn.Linear's weight is (fan_out, fan_in)."""
    fan_in, fan_out = 300, 700
    assert torch.nn.Linear(fan_in, fan_out).weight.shape == (fan_out, fan_in)
    fans = torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(fan_out, fan_in))
    assert fans == (fan_in, fan_out)


def test_gains_are_torch_gains():
    assert torch.nn.init.calculate_gain("tanh") == pytest.approx(5.0 / 3.0, rel=1e-15)
    assert torch.nn.init.calculate_gain("relu") == pytest.approx(math.sqrt(2.0), rel=1e-15)
    # kaiming_*_ with its default nonlinearity (leaky_relu, a = 0) is the same as relu
    assert torch.nn.init.calculate_gain("leaky_relu", 0) == pytest.approx(math.sqrt(2.0))


@pytest.mark.parametrize("name,fans,gain", CASES)
def test_bound_or_std_matches_torch(name, fans, gain):
    """torch's samples and ours both fit the bands around the docstring's a or σ."""
    fan_in, fan_out = fans
    ours = _ours(name, fan_in, fan_out, 11, gain)
    theirs = TORCH[name](fan_in, fan_out, 11, gain)
    assert ours.shape == theirs.shape == (fan_in, fan_out)
    assert ours.dtype == np.float64
    scale = _bound(name, fan_in, fan_out, gain)
    n = fan_in * fan_out
    for w in (ours, theirs):
        if name.endswith("uniform"):
            t = 2.0 * math.log(1e10) / n
            assert np.abs(w).max() <= scale * (1 + 1e-12)
            assert w.max() >= scale * (1 - t) and -w.min() >= scale * (1 - t)
        else:
            lo, hi = stats.chi2_ratio_band(n)
            assert lo <= np.mean(w * w) / scale**2 <= hi
            assert abs(np.mean(w)) / scale * math.sqrt(n) <= SUITE.Z


@pytest.mark.parametrize("name,fans,gain", CASES)
def test_distribution_matches_torch(name, fans, gain):
    """Two-sample Kolmogorov–Smirnov: our matrix and torch's come from one distribution."""
    fan_in, fan_out = fans
    ours = _ours(name, fan_in, fan_out, 5, gain)
    theirs = TORCH[name](fan_in, fan_out, 5, gain)
    assert _two_sample_ks_pvalue(ours, theirs) > 1e-6


@pytest.mark.parametrize("name", list(TORCH))
def test_a_wrong_fan_does_not_match_torch(name):
    """The comparison has power: the fans swapped (fan_out for He, fan_in alone for Xavier)
    is far from torch's distribution."""
    fan_in, fan_out = 300, 700
    theirs = TORCH[name](fan_in, fan_out, 5, 1.0)
    rng = np.random.default_rng(5)
    scale = _bound(name, fan_out, fan_in, 1.0) if name.startswith("he") else math.sqrt(3.0 / fan_in)
    if name.endswith("uniform"):
        wrong = rng.uniform(-scale, scale, (fan_in, fan_out))
    else:
        wrong = rng.normal(0.0, scale / math.sqrt(3.0) if name.startswith("xavier") else scale, (fan_in, fan_out))
    assert _two_sample_ks_pvalue(wrong, theirs) < 1e-20


@pytest.mark.parametrize("name", list(TORCH))
def test_reference_is_determined_by_rng(name):
    first = _ours(name, 40, 30, 7, 1.0)
    assert np.array_equal(first, _ours(name, 40, 30, 7, 1.0))
    assert not np.array_equal(first, _ours(name, 40, 30, 8, 1.0))


# ----------------------------------------------------------------------------- suite statistics
def test_suite_normal_cdf_is_accurate():
    z = np.linspace(-9.0, 9.0, 200001)
    want = torch.special.ndtr(torch.tensor(z)).numpy()
    assert np.max(np.abs(stats.normal_cdf(z) - want)) < 1e-7


@pytest.mark.parametrize("fans", SUITE.FANS)
def test_suite_chi2_band_tails_are_below_1e9(fans):
    """The exact χ² tails outside the Wilson–Hilferty band are below 1e-9 each."""
    df = fans[0] * fans[1]
    lo, hi = stats.chi2_ratio_band(df)
    half = torch.tensor(df / 2.0, dtype=torch.float64)
    below = torch.special.gammainc(half, torch.tensor(lo * df / 2.0, dtype=torch.float64)).item()
    above = torch.special.gammaincc(half, torch.tensor(hi * df / 2.0, dtype=torch.float64)).item()
    assert 0 < below < 1e-9 and 0 < above < 1e-9
    assert hi - lo < 0.05  # and sharp: a factor 2 in the variance is far outside


def test_suite_kolmogorov_tail():
    assert stats.kolmogorov_sf(0.0) == 1.0
    assert stats.kolmogorov_sf(1.36) == pytest.approx(0.05, abs=2e-3)  # the textbook 5% point
    # p = 1e-9 sits at about 3.27: a correct sample (typically 0.4 to 1.2) is never near it
    assert 5e-10 < stats.kolmogorov_sf(3.3) < 1e-9 < stats.kolmogorov_sf(3.25)


def test_suite_uniform_bound_tail():
    """P(max of n uniforms on (−a, a) < a(1 − t)) = (1 − t/2)^n, the suite's t makes it ≤ 1e-10."""
    for fan_in, fan_out in SUITE.FANS:
        n = fan_in * fan_out
        t = 2.0 * math.log(1e10) / n
        assert n * math.log1p(-t / 2) <= math.log(1e-10)
