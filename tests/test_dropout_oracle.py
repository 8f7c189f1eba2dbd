"""The dropout reference against torch.nn.functional.dropout (CPU), and the statistics the hidden
suite grades with, against exact distributions.

torch's generator is not NumPy's, so masks cannot be compared directly. The tests compare the
statistics (torch's masks and ours both fit the suite's bands), and then the arithmetic on ONE
mask: torch's mask is read off its output on ones, handed to the reference through a stand-in
rng, and the reference's output and backward pass must equal torch's forward and autograd."""

import importlib.util
import math
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from grader import stats
from solutions import dropout as ref

ROOT = Path(__file__).resolve().parent.parent


def _suite():
    """The hidden suite as a module, for its statistical helpers."""
    path = ROOT / "course" / "dropout" / "hidden" / "test_dropout.py"
    spec = importlib.util.spec_from_file_location("dropout_hidden_suite", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


SUITE = _suite()
PS = [0.0, 0.1, 0.3, 0.5, 0.75, 0.95, 1.0]


class MaskRng:
    """Stands in for a Generator whose random() reproduces a given keep mask: u < p where the
    unit is dropped, u >= p where it is kept (the reference keeps u >= p)."""

    def __init__(self, keep, p):
        self.keep, self.p = keep, p

    def random(self, shape):
        assert tuple(shape) == self.keep.shape
        return np.where(self.keep, (1.0 + self.p) / 2.0, self.p / 2.0)


def _torch_dropout(x, p, seed, dout=None):
    """torch's output, autograd dx (for dout) and keep mask (from the same seed on ones)."""
    torch.manual_seed(seed)
    ones = F.dropout(torch.ones(x.shape, dtype=torch.float64), p, training=True)
    keep = ones.numpy() != 0
    torch.manual_seed(seed)
    tx = torch.tensor(x, requires_grad=True)
    out = F.dropout(tx, p, training=True)
    if dout is not None:
        out.backward(torch.tensor(dout))
    grad = None if tx.grad is None else tx.grad.numpy()
    return out.detach().numpy(), grad, keep


@pytest.mark.parametrize("p", PS)
def test_forward_and_backward_match_torch_on_the_same_mask(p):
    rng = np.random.default_rng(int(p * 100))
    x = rng.standard_normal((37, 53))
    dout = rng.standard_normal(x.shape)
    want_out, want_dx, keep = _torch_dropout(x, p, seed=int(p * 100), dout=dout)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # p = 1 must not divide by zero
        out, cache = ref.dropout_forward(x, p, MaskRng(keep, p))
        dx = ref.dropout_backward(dout, cache)
    np.testing.assert_allclose(out, want_out, rtol=1e-15, atol=0)
    np.testing.assert_allclose(dx, want_dx, rtol=1e-15, atol=0)
    assert np.all(np.isfinite(out)) and np.all(np.isfinite(dx))


@pytest.mark.parametrize("p", [0.1, 0.3, 0.75])
def test_drop_statistics_match_torch(p):
    """On 1e5 ones, torch's and our outputs are 0 or 1/(1 − p), with a drop fraction inside the
    suite's binomial band; and the two fractions agree with each other."""
    shape = SUITE.SHAPE
    torch.manual_seed(3)
    theirs = F.dropout(torch.ones(shape, dtype=torch.float64), p, training=True).numpy()
    ours, _ = ref.dropout_forward(np.ones(shape), p, np.random.default_rng(3))
    n = ours.size
    lo, hi = stats.binomial_band(n, p)
    fractions = []
    for out in (theirs, ours):
        kept = out != 0
        np.testing.assert_allclose(out[kept], 1.0 / (1.0 - p), rtol=1e-15, atol=0)
        dropped = np.count_nonzero(out == 0)
        assert lo <= dropped <= hi
        fractions.append(dropped / n)
    # two proportions of n each: their difference has standard deviation sqrt(2p(1 − p)/n)
    assert abs(fractions[0] - fractions[1]) <= SUITE.Z * math.sqrt(2 * p * (1 - p) / n)
    # mean preservation, torch's whole point of scaling by 1/(1 − p)
    for out in (theirs, ours):
        assert abs(out.mean() - 1.0) <= SUITE.Z * math.sqrt(p / ((1 - p) * n))


@pytest.mark.parametrize("p", [0.0, 0.4, 1.0])
def test_eval_mode_is_the_identity_like_torch(p):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((6, 7))
    dout = rng.standard_normal(x.shape)
    tx = torch.tensor(x, requires_grad=True)
    tout = F.dropout(tx, p, training=False)
    tout.backward(torch.tensor(dout))
    out, cache = ref.dropout_forward(x, p, rng, train=False)
    np.testing.assert_array_equal(out, tout.detach().numpy())
    np.testing.assert_array_equal(ref.dropout_backward(dout, cache), tx.grad.numpy())


@pytest.mark.parametrize("train", [True, False])
@pytest.mark.parametrize("p", [-0.1, 1.1, -1e-12, 1 + 1e-12])
def test_invalid_p_raises_value_error_like_torch(p, train):
    x = np.ones((2, 3))
    with pytest.raises(ValueError):
        F.dropout(torch.tensor(x), p, training=train)
    with pytest.raises(ValueError):
        ref.dropout_forward(x, p, np.random.default_rng(0), train=train)


def test_nan_p_is_rejected():
    """torch rejects NaN too (with RuntimeError); the reference's check is written so that NaN
    fails it."""
    with pytest.raises(RuntimeError):
        F.dropout(torch.ones(3), float("nan"))
    with pytest.raises(ValueError):
        ref.dropout_forward(np.ones(3), float("nan"), np.random.default_rng(0))


def test_float32_matches_torch_on_the_same_mask():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((20, 30)).astype(np.float32)
    torch.manual_seed(4)
    keep = F.dropout(torch.ones(x.shape), 0.3, training=True).numpy() != 0
    torch.manual_seed(4)
    want = F.dropout(torch.tensor(x), 0.3, training=True).numpy()
    assert want.dtype == np.float32
    out, _ = ref.dropout_forward(x, 0.3, MaskRng(keep, 0.3))
    np.testing.assert_allclose(out, want, rtol=1e-6, atol=0)


def test_reference_keeps_inputs_and_draws_only_from_rng():
    rng = np.random.default_rng(5)
    x = rng.standard_normal((30, 40))
    dout = rng.standard_normal(x.shape)
    x0, dout0 = x.copy(), dout.copy()
    state = np.random.get_state()
    first, cache = ref.dropout_forward(x, 0.3, np.random.default_rng(9))
    dx = ref.dropout_backward(dout, cache)
    assert np.array_equal(ref.dropout_backward(dout, cache), dx)
    again, _ = ref.dropout_forward(x, 0.3, np.random.default_rng(9))
    other, _ = ref.dropout_forward(x, 0.3, np.random.default_rng(10))
    assert np.array_equal(first, again) and not np.array_equal(first, other)
    assert np.array_equal(x, x0) and np.array_equal(dout, dout0)
    after = np.random.get_state()
    assert after[0] == state[0] and np.array_equal(after[1], state[1]) and after[2:] == state[2:]


# ----------------------------------------------------------------------------- suite statistics
def _binomial_logpmf(n, p):
    k = torch.arange(n + 1, dtype=torch.float64)
    n_t = torch.tensor(float(n), dtype=torch.float64)
    return (
        torch.lgamma(n_t + 1) - torch.lgamma(k + 1) - torch.lgamma(n_t - k + 1) + k * math.log(p) + (n_t - k) * math.log1p(-p)
    ).numpy()


@pytest.mark.parametrize("p", SUITE.PS)
def test_suite_binomial_band_tails_are_below_1e9(p):
    n = SUITE.SHAPE[0] * SUITE.SHAPE[1]
    lo, hi = stats.binomial_band(n, p)
    pmf = np.exp(_binomial_logpmf(n, p))
    k = np.arange(n + 1)
    below, above = pmf[k < lo].sum(), pmf[k > hi].sum()
    assert below < 1e-9 and above < 1e-9
    assert (hi - lo) / n < 0.02  # and sharp: the keep/drop confusion moves it by 0.4 or more


@pytest.mark.parametrize("df", [SUITE.SHAPE[0] - 1, SUITE.SHAPE[1] - 1])
def test_suite_chi2_band_tails_are_below_1e9(df):
    lo, hi = stats.chi2_ratio_band(df)
    half = torch.tensor(df / 2.0, dtype=torch.float64)
    below = torch.special.gammainc(half, torch.tensor(lo * df / 2.0, dtype=torch.float64)).item()
    above = torch.special.gammaincc(half, torch.tensor(hi * df / 2.0, dtype=torch.float64)).item()
    assert below < 1e-9 and above < 1e-9


def test_suite_dispersion_statistic_is_chi2_like_for_correct_masks():
    """The per-row dispersion of an independent mask (p estimated) has mean about 1 and
    standard deviation about sqrt(2/(k − 1)), as χ²(k − 1)/(k − 1): far inside the band."""
    rng = np.random.default_rng(8)
    values = []
    for _ in range(200):
        dropped = rng.random(SUITE.SHAPE) < 0.3
        p_hat = dropped.mean()
        counts = dropped.sum(axis=1)
        m, k = dropped.shape[1], counts.size
        values.append(np.sum((counts - m * p_hat) ** 2) / (m * p_hat * (1 - p_hat)) / (k - 1))
    values = np.array(values)
    assert abs(values.mean() - 1.0) < 0.03
    assert abs(values.std() - math.sqrt(2 / (SUITE.SHAPE[0] - 1))) < 0.02
    lo, hi = stats.chi2_ratio_band(SUITE.SHAPE[0] - 1)
    assert lo + 0.2 < values.min() and values.max() < hi - 0.2
