"""grader/stats.py: the Kolmogorov–Smirnov distance read on bin edges against the exact one."""

from __future__ import annotations

import math

import numpy as np
import pytest

from grader import stats


def exact_ks(values, cdf) -> float:
    x = np.sort(np.ravel(values))
    n = x.size
    f = cdf(x)
    i = np.arange(1, n + 1)
    return max(float(np.max(i / n - f)), float(np.max(f - (i - 1) / n)))


def exact_normal_cdf(z):
    """Φ from math.erfc, value by value: the reference the tabulated CDF is held to."""
    return np.array([0.5 * math.erfc(-value / math.sqrt(2.0)) for value in z])


def uniform_cdf(z):
    return np.clip((z + math.sqrt(3.0)) / (2.0 * math.sqrt(3.0)), 0.0, 1.0)


SAMPLES = {
    "normal": lambda rng, n: rng.standard_normal(n),
    "uniform-as-normal": lambda rng, n: rng.uniform(-math.sqrt(3), math.sqrt(3), n),
    "student-t": lambda rng, n: rng.standard_t(5, n) / math.sqrt(5 / 3),
    "shifted": lambda rng, n: rng.standard_normal(n) + 0.01,
    "ties": lambda rng, n: np.round(rng.standard_normal(n), 1),
    "one-value": lambda rng, n: np.zeros(n),
}


@pytest.mark.parametrize("n", [1, 7, 1000, 200_000])
@pytest.mark.parametrize("bins", [16, 1024, stats.KS_BINS])
@pytest.mark.parametrize("kind", SAMPLES)
def test_binned_distance_is_within_one_bin_below_the_exact_one(kind, bins, n):
    """Never above the exact distance (a correct sampler is rejected no more often), and at
    most 1/bins below it (the power lost)."""
    values = SAMPLES[kind](np.random.default_rng([n, bins]), n)
    exact = exact_ks(values, stats.normal_cdf)
    binned = stats.ks_statistic(values, stats.normal_cdf, bins)
    assert binned <= exact + 1e-12
    assert binned >= exact - 1.0 / bins - 1e-12


def test_correct_samplers_pass_and_the_wrong_family_fails():
    rng = np.random.default_rng(3)
    normal = rng.standard_normal(210_000)
    uniform = rng.uniform(-math.sqrt(3), math.sqrt(3), 210_000)
    assert stats.ks_pvalue(normal, stats.normal_cdf) > 1e-9
    assert stats.ks_pvalue(uniform, uniform_cdf) > 1e-9
    assert stats.ks_pvalue(uniform, stats.normal_cdf) < 1e-20
    assert stats.ks_pvalue(normal, uniform_cdf) < 1e-20


@pytest.mark.parametrize("values", [[], [0.0, np.nan]], ids=["empty", "nan"])
def test_an_empty_or_non_finite_sample_is_an_error(values):
    with pytest.raises(ValueError):
        stats.ks_statistic(np.array(values), stats.normal_cdf)


def test_the_tabulated_normal_cdf_is_within_its_bound_of_the_exact_one():
    """normal_cdf_tabulated against Φ from math.erfc on a grid far finer than its table (and
    beyond its ends): within 2.5e-7, and never decreasing."""
    z = np.concatenate([np.linspace(-9.0, 9.0, 400_001), [-40.0, -8.5, 0.0, 8.5, 40.0]])
    assert np.max(np.abs(stats.normal_cdf_tabulated(z) - exact_normal_cdf(z))) <= 2.5e-7
    ordered = np.sort(z)
    assert np.all(np.diff(stats.normal_cdf_tabulated(ordered)) >= 0.0)
    assert stats.normal_cdf_tabulated(np.float64(0.0)).shape == () and abs(stats.normal_cdf_tabulated(0.0) - 0.5) <= 2.5e-7


@pytest.mark.parametrize("kind", SAMPLES)
def test_a_distance_from_the_tabulated_cdf_is_within_its_bound_of_the_exact_one(kind):
    values = SAMPLES[kind](np.random.default_rng(11), 50_000)
    exact = exact_ks(values, exact_normal_cdf)
    assert abs(exact_ks(values, stats.normal_cdf_tabulated) - exact) <= 2.5e-7
    assert stats.ks_statistic(values, stats.normal_cdf_tabulated) <= exact + 2.5e-7
