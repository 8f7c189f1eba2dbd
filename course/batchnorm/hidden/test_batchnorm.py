"""Hidden suite: batchnorm (training forward and backward, inference, running statistics).

Tolerances: testing-numerics.md §6.1, kind "batchnorm" (float64 rtol 1e-6, atol 1e-9 scaled;
float32 rtol 1e-3, atol 1e-4 scaled). Those tolerances only reject the subtle bugs on the inputs
of §6.2, so the tests use them on purpose: small batches (N <= 16, where biased and unbiased
variances differ by >= 6%), a column of std 0.01 (where eps inside or outside the sqrt differs by
5%), eps = 0.1, gamma with a negative entry, momentum 0.1 and 0.7, dout = ones (dx = 0).
The reference is always computed first, in float64, from copies: a student who writes into an
input loses only the test of that property. Caches are opaque: whatever forward returned goes
back to backward unchanged (the proxy keeps it in the jail as a handle).
"""

import numpy as np
import pytest

from grader import checks, timing
from grader.suite import Failure, L
from solutions import batchnorm as ref

# ---------------------------------------------------------------- inputs (trusted side)


def batch(rng, n, d, mean=12.0, std=5.0):
    """CS231n's batch, x = 5 randn + 12, per feature."""
    return std * rng.standard_normal((n, d)) + mean


def low_variance_batch(rng, n, d, column=2):
    """A batch whose column ``column`` has std 0.01: var ~ 1e-4, so eps = 1e-5 is 10% of it."""
    x = batch(rng, n, d)
    x[:, column] = 3.0 + 0.01 * rng.standard_normal(n)
    return x


def params(rng, d):
    """gamma of mixed signs (one entry negative for sure) and magnitudes far from 1; beta."""
    gamma = rng.uniform(0.5, 2.5, d) * rng.choice([-1.0, 1.0], d)
    gamma[0] = -abs(gamma[0])
    gamma[-1] = abs(gamma[-1])
    return gamma, rng.normal(size=d)


def running(rng, d):
    """Running statistics unlike the batch's own (so using the batch's shows)."""
    return rng.normal(size=d), rng.uniform(0.3, 3.0, d)


def f64(*arrays):
    return tuple(np.array(a, dtype=np.float64) for a in arrays)


def parts(got, n, what, names):
    """A result that must be a tuple of ``n`` (``(out, cache)``, ``(dx, dgamma, dbeta)``)."""
    if not (isinstance(got, (tuple, list)) and len(got) == n):
        got_ = checks.received(got)
        raise Failure(
            what + L(f": expected a tuple {names}, got {got_.en}", f": ожидался кортеж {names}, получено: {got_.ru}"),
            [L(f"return {names[1:-1]} as a tuple", f"верните {names[1:-1]} кортежем")],
        )
    return got


def forward(student, x, gamma, beta, **kw):
    what = L("batchnorm_forward", "batchnorm_forward")
    return parts(student.batchnorm_forward(x, gamma, beta, **kw), 2, what, "(out, cache)")


def backward(student, dout, cache):
    what = L("batchnorm_backward", "batchnorm_backward")
    return parts(student.batchnorm_backward(dout, cache), 3, what, "(dx, dgamma, dbeta)")


def ref_backward(x, gamma, beta, dout, **kw):
    x, gamma, beta, dout = f64(x, gamma, beta, dout)
    _, cache = ref.batchnorm_forward(x, gamma, beta, **kw)
    return ref.batchnorm_backward(dout, cache)


def student_backward(student, x, gamma, beta, dout, **kw):
    _, cache = forward(student, x, gamma, beta, **kw)
    return backward(student, dout, cache)


HINT_BIASED = L(
    "training mode normalizes with the biased variance: mean((x - mu)**2), i.e. np.var(x, axis=0) with ddof=0",
    "в режиме обучения нормализуют смещённой дисперсией: mean((x - mu)**2), то есть np.var(x, axis=0) с ddof=0",
)
HINT_EPS = L(
    "eps goes inside the square root: (x - mu) / np.sqrt(var + eps)", "eps стоит под корнем: (x - mu) / np.sqrt(var + eps)"
)
HINT_FORWARD = L(
    "out = gamma * (x - mu) / sqrt(var + eps) + beta, statistics over axis 0",
    "out = gamma * (x - mu) / sqrt(var + eps) + beta, статистики по оси 0",
)
HINT_DX = L(
    "dx has three paths: directly through x_hat, through the batch mean and through the "
    "batch variance; compact form dx = inv_std / N * (N*g - sum(g) - x_hat * sum(g * x_hat)) "
    "with g = dout * gamma",
    "у dx три пути: напрямую через x_hat, через среднее батча и через дисперсию батча; "
    "компактно dx = inv_std / N * (N*g - sum(g) - x_hat * sum(g * x_hat)), где g = dout * gamma",
)
HINT_DGAMMA = L(
    "out = gamma * x_hat + beta, so dgamma = sum over the batch of dout * x_hat",
    "out = gamma * x_hat + beta, поэтому dgamma = сумма по батчу от dout * x_hat",
)
HINT_DBETA = L("dbeta = dout.sum(axis=0): one number per feature", "dbeta = dout.sum(axis=0): по одному числу на признак")
HINT_TORCH_MOMENTUM = L(
    "PyTorch's rule: new = (1 - momentum) * old + momentum * batch (momentum weighs the NEW batch)",
    "правило PyTorch: new = (1 - momentum) * old + momentum * batch (momentum — вес НОВОГО батча)",
)
HINT_UNBIASED = L(
    "the running variance uses the unbiased batch variance: np.var(x, axis=0, ddof=1)",
    "скользящая дисперсия использует несмещённую дисперсию батча: np.var(x, axis=0, ddof=1)",
)
HINT_VECTORIZED = L(
    "compute the statistics with x.mean(axis=0), x.var(axis=0) and broadcast: no Python loop over the samples",
    "считайте статистики через x.mean(axis=0), x.var(axis=0) и broadcasting: без цикла Python по объектам",
)


# ---------------------------------------------------------------- batchnorm_forward


@pytest.mark.points(2)
def test_bn_forward_small_batch(student, rng):
    """BN forward (training) is right on a small batch
    ru: прямой проход BN (обучение) верен на маленьком батче"""
    x = batch(rng, 4, 5)
    gamma, beta = params(rng, 5)
    want, _ = ref.batchnorm_forward(*f64(x, gamma, beta))
    out, _ = forward(student, x, gamma, beta)
    checks.close(
        out,
        want,
        like=x,
        kind="batchnorm",
        what=L(
            "batchnorm_forward: wrong output for a batch of 4 samples, 5 features",
            "batchnorm_forward: неверный выход для батча из 4 объектов и 5 признаков",
        ),
        hint=HINT_FORWARD,
    )


@pytest.mark.points(3)
def test_bn_forward_biased_variance(student, rng):
    """BN forward normalizes with the biased batch variance (divide by N)
    ru: прямой проход BN нормализует смещённой дисперсией батча (деление на N)"""
    # std 100 and beta = 0: eps = 1e-5 moves every output by ~1e-7 relative, ten times less
    # than the tolerance, so only the variance's divisor can make this test fail
    x = batch(rng, 3, 6, mean=50.0, std=100.0)
    gamma, _ = params(rng, 6)
    beta = np.zeros(6)
    want, _ = ref.batchnorm_forward(*f64(x, gamma, beta))
    out, _ = forward(student, x, gamma, beta)
    checks.close(
        out,
        want,
        like=x,
        kind="batchnorm",
        what=L(
            "batchnorm_forward: wrong scale for a batch of 3 samples",
            "batchnorm_forward: неверный масштаб для батча из 3 объектов",
        ),
        hint=HINT_BIASED,
    )


@pytest.mark.points(1)
def test_bn_forward_two_samples(student, rng):
    """BN forward works on the smallest batch, N = 2
    ru: прямой проход BN работает на самом маленьком батче, N = 2"""
    # the two samples of a feature lie 200 to 600 apart and beta = 0, so eps = 1e-5 moves the
    # output (+-gamma, almost exactly) by < 1e-7 relative: only the divisor of the variance shows
    first = rng.normal(size=7) * 5.0
    x = np.stack([first, first + rng.uniform(200.0, 600.0, 7) * rng.choice([-1.0, 1.0], 7)])
    gamma, _ = params(rng, 7)
    beta = np.zeros(7)
    want, _ = ref.batchnorm_forward(*f64(x, gamma, beta))
    out, _ = forward(student, x, gamma, beta)
    checks.close(
        out,
        want,
        like=x,
        kind="batchnorm",
        what=L(
            "batchnorm_forward: wrong output for a batch of 2 samples",
            "batchnorm_forward: неверный выход для батча из 2 объектов",
        ),
        hint=HINT_BIASED,
    )


@pytest.mark.points(3)
def test_bn_forward_low_variance_column(student, rng):
    """BN forward is right for a feature of tiny variance (where eps matters)
    ru: прямой проход BN верен для признака с очень малой дисперсией (где важен eps)"""
    x = low_variance_batch(rng, 16, 6)
    gamma, beta = params(rng, 6)
    want, _ = ref.batchnorm_forward(*f64(x, gamma, beta))
    out, _ = forward(student, x, gamma, beta)
    checks.close(
        out,
        want,
        like=x,
        kind="batchnorm",
        what=L(
            "batchnorm_forward: wrong output for a feature of std 0.01",
            "batchnorm_forward: неверный выход для признака со стандартным отклонением 0.01",
        ),
        hint=HINT_EPS,
    )


@pytest.mark.points(2)
def test_bn_forward_custom_eps(student, rng):
    """BN forward uses the eps it is given (eps = 0.1)
    ru: прямой проход BN использует переданный eps (eps = 0.1)"""
    x = batch(rng, 8, 5, mean=-1.0, std=0.5)
    gamma, beta = params(rng, 5)
    want, _ = ref.batchnorm_forward(*f64(x, gamma, beta), eps=0.1)
    out, _ = forward(student, x, gamma, beta, eps=0.1)
    checks.close(
        out,
        want,
        like=x,
        kind="batchnorm",
        what=L("batchnorm_forward: wrong output with eps = 0.1", "batchnorm_forward: неверный выход при eps = 0.1"),
        hint=HINT_EPS,
    )


@pytest.mark.points(2)
def test_bn_forward_float32(student, rng):
    """BN forward works on float32 input
    ru: прямой проход BN работает на входе float32"""
    x = batch(rng, 12, 9).astype(np.float32)
    gamma, beta = (a.astype(np.float32) for a in params(rng, 9))
    want, _ = ref.batchnorm_forward(*f64(x, gamma, beta))
    out, _ = forward(student, x, gamma, beta)
    checks.close(
        out,
        want,
        like=x,
        kind="batchnorm",
        what=L("batchnorm_forward: wrong output for float32 input", "batchnorm_forward: неверный выход для входа float32"),
    )


@pytest.mark.points(1)
@pytest.mark.requires("bn_forward_small_batch")
def test_bn_forward_inputs_unchanged(student, rng):
    """BN forward does not modify x, gamma or beta
    ru: прямой проход BN не изменяет x, gamma и beta"""
    x = batch(rng, 6, 4)
    gamma, beta = params(rng, 4)
    before = (x.copy(), gamma.copy(), beta.copy())
    forward(student, x, gamma, beta)  # the proxy mirrors in-place changes back here
    for name, b, a in zip(("x", "gamma", "beta"), before, (x, gamma, beta)):
        checks.unchanged(b, a, what=L(f"batchnorm_forward changed {name}", f"batchnorm_forward изменила {name}"))


@pytest.mark.points(1)
def test_bn_forward_large_offset(student, rng):
    """BN forward is right for features with a large mean (1e4) and a small spread
    ru: прямой проход BN верен для признаков с большим средним (1e4) и малым разбросом"""
    # var ~ 1e-4 under a mean of 1e4: E[x**2] - E[x]**2 cancels 12 digits (measured: 100 to
    # 300 times the tolerance off), the two-pass mean((x - mu)**2) loses nothing
    x = 1e4 + rng.uniform(-5.0, 5.0, 4) + 0.01 * rng.standard_normal((8, 4))
    gamma, beta = params(rng, 4)
    want, _ = ref.batchnorm_forward(*f64(x, gamma, beta))
    out, _ = forward(student, x, gamma, beta)
    checks.close(
        out,
        want,
        like=x,
        kind="batchnorm",
        what=L(
            "batchnorm_forward: wrong for features of mean 1e4 and std 0.01",
            "batchnorm_forward: неверен для признаков со средним 1e4 и std 0.01",
        ),
        hint=L(
            "compute the variance from the centred values, mean((x - mu)**2) or "
            "np.var: E[x**2] - E[x]**2 loses all precision when the mean is large",
            "считайте дисперсию по центрированным значениям, mean((x - mu)**2) или "
            "np.var: E[x**2] - E[x]**2 теряет всю точность при большом среднем",
        ),
    )


@pytest.mark.points(1)
def test_bn_forward_vectorized(student, rng):
    """BN forward is vectorized over the samples (no Python loop over N)
    ru: прямой проход BN векторизован по объектам (без цикла Python по N)"""
    # one feature: a vectorized pass takes well under a millisecond, a loop over the 1e5 rows
    # about 0.2 s (measured), far above 25 times the reference plus 20 ms
    x = batch(rng, 100_000, 1)
    gamma, beta = params(rng, 1)
    want, _ = ref.batchnorm_forward(x, gamma, beta)
    ref_s = timing.reference_seconds(ref.batchnorm_forward, x, gamma, beta)
    got, student_s = student.cpu_time("batchnorm_forward", x, gamma, beta)
    what = L("batchnorm_forward", "batchnorm_forward")
    out, _ = parts(got, 2, what, "(out, cache)")
    checks.vectorized(
        student_s,
        ref_s,
        got=out,
        want=want,
        like=x,
        kind="batchnorm",
        what=L("batchnorm_forward on 100000 samples", "batchnorm_forward на 100000 объектах"),
        hint=HINT_VECTORIZED,
    )


# ---------------------------------------------------------------- batchnorm_backward


@pytest.mark.points(3)
def test_bn_backward_dx(student, rng):
    """BN backward gives the right dx
    ru: обратный проход BN даёт верный dx"""
    x = batch(rng, 4, 5)
    gamma, beta = params(rng, 5)
    dout = rng.normal(size=(4, 5))
    want, _, _ = ref_backward(x, gamma, beta, dout)
    dx, _, _ = student_backward(student, x, gamma, beta, dout)
    checks.close(
        dx,
        want,
        like=x,
        kind="batchnorm",
        what=L(
            "batchnorm_backward: wrong dx for a batch of 4 samples, 5 features",
            "batchnorm_backward: неверный dx для батча из 4 объектов и 5 признаков",
        ),
        hint=HINT_DX,
    )


@pytest.mark.points(2)
def test_bn_backward_dgamma(student, rng):
    """BN backward gives the right dgamma
    ru: обратный проход BN даёт верный dgamma"""
    x = batch(rng, 6, 4)
    gamma, beta = params(rng, 4)
    dout = rng.normal(size=(6, 4))
    _, want, _ = ref_backward(x, gamma, beta, dout)
    _, dgamma, _ = student_backward(student, x, gamma, beta, dout)
    checks.close(
        dgamma,
        want,
        like=x,
        kind="batchnorm",
        what=L("batchnorm_backward: wrong dgamma", "batchnorm_backward: неверный dgamma"),
        hint=HINT_DGAMMA,
    )


@pytest.mark.points(1)
def test_bn_backward_dbeta(student, rng):
    """BN backward gives the right dbeta
    ru: обратный проход BN даёт верный dbeta"""
    x = batch(rng, 5, 3)
    gamma, beta = params(rng, 3)
    dout = rng.normal(size=(5, 3))
    _, _, want = ref_backward(x, gamma, beta, dout)
    _, _, dbeta = student_backward(student, x, gamma, beta, dout)
    checks.close(
        dbeta,
        want,
        like=x,
        kind="batchnorm",
        what=L("batchnorm_backward: wrong dbeta", "batchnorm_backward: неверный dbeta"),
        hint=HINT_DBETA,
    )


@pytest.mark.points(2)
@pytest.mark.requires("bn_backward_dx")
def test_bn_backward_ones_give_zero_dx(student, rng):
    """BN backward gives dx = 0 when dout is all ones
    ru: обратный проход BN даёт dx = 0, когда dout состоит из единиц"""
    # adding the same number to a whole column of out cannot change a normalized output's
    # loss through x: the mean absorbs it, so dx must vanish
    x = batch(rng, 7, 5)
    gamma, beta = params(rng, 5)
    dout = np.ones((7, 5))
    want, _, _ = ref_backward(x, gamma, beta, dout)
    dx, _, _ = student_backward(student, x, gamma, beta, dout)
    checks.close(
        dx,
        want,
        like=x,
        kind="batchnorm",
        what=L(
            "batchnorm_backward: dx should be 0 when dout is all ones",
            "batchnorm_backward: dx должен быть 0, когда dout из одних единиц",
        ),
        hint=L(
            "the path through the batch mean subtracts the column mean of dout * gamma from every sample",
            "путь через среднее батча вычитает из каждого объекта среднее по столбцу от dout * gamma",
        ),
    )


@pytest.mark.points(2)
def test_bn_backward_custom_eps(student, rng):
    """BN backward uses the eps of the forward pass (eps = 0.1)
    ru: обратный проход BN использует eps прямого прохода (eps = 0.1)"""
    x = batch(rng, 8, 4, mean=2.0, std=0.4)
    gamma, beta = params(rng, 4)
    dout = rng.normal(size=(8, 4))
    want_dx, want_dgamma, _ = ref_backward(x, gamma, beta, dout, eps=0.1)
    dx, dgamma, _ = student_backward(student, x, gamma, beta, dout, eps=0.1)
    what = L("batchnorm_backward after a forward pass with eps = 0.1", "batchnorm_backward после прямого прохода с eps = 0.1")
    hint = L(
        "keep eps (or 1/sqrt(var + eps) itself) in the cache: backward must use the eps forward was given",
        "сохраните eps (или само 1/sqrt(var + eps)) в cache: обратный проход должен использовать eps прямого",
    )
    checks.close(dx, want_dx, like=x, kind="batchnorm", what=what + L(" (dx)", " (dx)"), hint=hint)
    checks.close(dgamma, want_dgamma, like=x, kind="batchnorm", what=what + L(" (dgamma)", " (dgamma)"), hint=hint)


@pytest.mark.points(2)
def test_bn_backward_float32(student, rng):
    """BN backward works on float32 input
    ru: обратный проход BN работает на входе float32"""
    x = batch(rng, 10, 6).astype(np.float32)
    gamma, beta = (a.astype(np.float32) for a in params(rng, 6))
    dout = rng.normal(size=(10, 6)).astype(np.float32)
    want = ref_backward(x, gamma, beta, dout)
    got = student_backward(student, x, gamma, beta, dout)
    for name, g, w in zip(("dx", "dgamma", "dbeta"), got, want):
        checks.close(
            g,
            w,
            like=x,
            kind="batchnorm",
            what=L(
                f"batchnorm_backward: wrong {name} for float32 input", f"batchnorm_backward: неверный {name} для входа float32"
            ),
        )


@pytest.mark.points(1)
@pytest.mark.requires("bn_backward_dx", "bn_backward_dgamma", "bn_backward_dbeta")
def test_bn_backward_repeatable(student, rng):
    """BN backward gives the same result when called twice on the same cache
    ru: обратный проход BN даёт тот же результат при двух вызовах с одним cache"""
    x = batch(rng, 6, 5)
    gamma, beta = params(rng, 5)
    dout = rng.normal(size=(6, 5))
    _, cache = forward(student, x, gamma, beta)
    first = backward(student, dout.copy(), cache)
    second = backward(student, dout.copy(), cache)
    checks.same_output(
        tuple(first),
        tuple(second),
        what=L("batchnorm_backward called twice on the same cache", "batchnorm_backward, вызванная дважды с одним cache"),
        hint=L(
            "do not write into the arrays of the cache (x_hat *= ..., +=): make new arrays",
            "не изменяйте массивы из cache (x_hat *= ..., +=): создавайте новые",
        ),
    )


@pytest.mark.points(2)
def test_bn_two_layers_alternate(student, rng):
    """Two BN layers used alternately keep their own caches
    ru: два слоя BN, вызываемые поочерёдно, хранят каждый свой кэш"""
    layers = []
    for n, d in ((6, 5), (4, 3)):
        x = batch(rng, n, d)
        gamma, beta = params(rng, d)
        layers.append((x, gamma, beta, rng.normal(size=(n, d))))
    # the references first: the student's calls may write into what they receive
    wants = [ref_backward(x, gamma, beta, dout) for x, gamma, beta, dout in layers]
    caches = [forward(student, x, gamma, beta)[1] for x, gamma, beta, _ in layers]
    order = (("the first", "первого"), ("the second", "второго"))
    for (en, ru), (x, _, _, dout), cache, want in zip(order, layers, caches, wants):
        got = backward(student, dout, cache)
        for part, g, w in zip(("dx", "dgamma", "dbeta"), got, want):
            checks.close(
                g,
                w,
                like=x,
                kind="batchnorm",
                what=L(
                    f"batchnorm_backward: wrong {part} for {en} of two layers whose forward passes ran one after the other",
                    f"batchnorm_backward: неверный {part} для {ru} из двух слоёв, прямые проходы которых шли друг за другом",
                ),
                hint=L(
                    "take everything the backward pass needs from its cache, never from a "
                    "module-level variable: another layer's forward pass overwrites it",
                    "берите всё нужное обратному проходу из его cache, а не из переменной "
                    "модуля: прямой проход другого слоя её перезапишет",
                ),
            )


@pytest.mark.points(1)
def test_bn_edge_shapes(student, rng):
    """BN forward and backward work for one feature, and for N = 2 with one feature
    ru: прямой и обратный проходы BN работают для одного признака и для N = 2 с одним признаком"""
    for n, d in ((5, 1), (2, 1), (3, 4)):
        x = batch(rng, n, d)
        gamma, beta = params(rng, d)
        dout = rng.normal(size=(n, d))
        want_out, _ = ref.batchnorm_forward(*f64(x, gamma, beta))
        want = ref_backward(x, gamma, beta, dout)
        out, cache = forward(student, x, gamma, beta)
        got = backward(student, dout, cache)
        what = L(f"batchnorm for x of shape ({n}, {d})", f"batchnorm для x формы ({n}, {d})")
        hint = L(
            "keep every axis: out and dx are (N, D), dgamma and dbeta (D,), even for D = 1 "
            "(no np.squeeze, no sum without axis=0)",
            "сохраняйте все оси: out и dx формы (N, D), dgamma и dbeta — (D,), даже при D = 1 (без np.squeeze и сумм без axis=0)",
        )
        checks.close(out, want_out, like=x, kind="batchnorm", what=what + L(" (out)", " (out)"), hint=hint)
        for part, g, w in zip(("dx", "dgamma", "dbeta"), got, want):
            checks.close(g, w, like=x, kind="batchnorm", what=what + L(f" ({part})", f" ({part})"), hint=hint)


@pytest.mark.points(1)
@pytest.mark.requires(
    "bn_forward_small_batch",
    "bn_backward_dx",
    "bn_backward_dgamma",
    "bn_backward_dbeta",
    "bn_inference_running_stats",
    "running_stats_default_momentum",
)
def test_bn_noncontiguous_inputs(student, rng):
    """Every BN function gives on transposed and strided arrays what it gives on C-ordered copies
    ru: все функции BN дают на транспонированных массивах и срезах с шагом то же, что на их копиях в порядке C"""
    # compared with the student's own results on contiguous copies (called first), so a bug
    # in a formula costs the tests of that formula, and this one only a layout dependence
    x = batch(rng, 5, 7).T  # (7, 5), Fortran-ordered
    gamma, beta = (p[::-1] for p in params(rng, 5))
    dout = rng.normal(size=(7, 10))[:, ::2]
    rm, rv = (r[::-1] for r in running(rng, 5))
    strided = (x, gamma, beta, dout, rm, rv)
    results = []
    for arrays in ([np.ascontiguousarray(a) for a in strided], strided):
        x_, gamma_, beta_, dout_, rm_, rv_ = arrays
        out, cache = forward(student, x_, gamma_, beta_)
        results.append(
            [("batchnorm_forward (out)", out)]
            + list(
                zip(
                    ("batchnorm_backward (dx)", "batchnorm_backward (dgamma)", "batchnorm_backward (dbeta)"),
                    backward(student, dout_, cache),
                )
            )
            + [("batchnorm_inference", student.batchnorm_inference(x_, gamma_, beta_, rm_, rv_))]
            + list(
                zip(
                    ("update_running_stats (mean)", "update_running_stats (variance)"), stats(student, rm_, rv_, x_, momentum=0.3)
                )
            )
        )
    for (name, want), (_, got) in zip(*results):
        want = checks.array(want, L(name, name), scalar_ok=True)
        checks.close(
            got,
            want,
            like=x,
            kind="batchnorm",
            what=L(
                f"{name}: a different result on transposed / strided arrays than on C-ordered copies of them",
                f"{name}: на транспонированных массивах / срезах с шагом результат не тот, что на их копиях в порядке C",
            ),
            hint=L(
                "compute with whole-array NumPy operations (x.mean(axis=0), "
                "broadcasting); x.reshape(-1), x.ravel() and np.copy(x) of such an "
                "array are copies or keep its memory order",
                "вычисляйте операциями NumPy над целыми массивами (x.mean(axis=0), "
                "broadcasting); x.reshape(-1), x.ravel() и np.copy(x) для такого "
                "массива — копии либо сохраняют его порядок в памяти",
            ),
        )


@pytest.mark.points(1)
@pytest.mark.requires("bn_backward_dx", "bn_backward_dgamma", "bn_backward_dbeta")
def test_bn_backward_inputs_unchanged(student, rng):
    """BN backward does not modify dout
    ru: обратный проход BN не изменяет dout"""
    x = batch(rng, 5, 4)
    gamma, beta = params(rng, 4)
    dout = rng.normal(size=(5, 4))
    _, cache = forward(student, x, gamma, beta)
    before = dout.copy()
    backward(student, dout, cache)
    checks.unchanged(before, dout, what=L("batchnorm_backward changed dout", "batchnorm_backward изменила dout"))


@pytest.mark.points(1)
def test_bn_backward_vectorized(student, rng):
    """BN backward is vectorized over the samples (no Python loop over N)
    ru: обратный проход BN векторизован по объектам (без цикла Python по N)"""
    x = batch(rng, 100_000, 1)
    gamma, beta = params(rng, 1)
    dout = rng.normal(size=x.shape)
    _, ref_cache = ref.batchnorm_forward(x, gamma, beta)
    wants = ref.batchnorm_backward(dout, ref_cache)
    ref_s = timing.reference_seconds(ref.batchnorm_backward, dout, ref_cache)
    _, cache = forward(student, x, gamma, beta)
    got, student_s = student.cpu_time("batchnorm_backward", dout, cache)

    def verify(got):  # the timed call's three gradients
        what = L("batchnorm_backward on 100000 samples", "batchnorm_backward на 100000 объектах")
        grads = parts(got, 3, what, "(dx, dgamma, dbeta)")
        for name, g, want in zip(("dx", "dgamma", "dbeta"), grads, wants):
            checks.close(g, want, like=x, kind="batchnorm", what=what + L(f" ({name})", f" ({name})"))

    checks.vectorized(
        student_s,
        ref_s,
        got=got,
        verify=verify,
        what=L("batchnorm_backward on 100000 samples", "batchnorm_backward на 100000 объектах"),
        hint=L(
            "sum over the batch with .sum(axis=0) and broadcast: no Python loop over the samples",
            "суммируйте по батчу через .sum(axis=0) и broadcasting: без цикла Python по объектам",
        ),
    )


# ---------------------------------------------------------------- batchnorm_inference


@pytest.mark.points(2)
def test_bn_inference_running_stats(student, rng):
    """BN inference normalizes with the running statistics, not the batch's
    ru: BN в режиме инференса нормализует скользящими статистиками, а не статистиками батча"""
    x = batch(rng, 6, 5, mean=1.0, std=2.0)
    gamma, beta = params(rng, 5)
    rm, rv = running(rng, 5)
    want = ref.batchnorm_inference(*f64(x, gamma, beta, rm, rv))
    got = student.batchnorm_inference(x, gamma, beta, rm, rv)
    checks.close(
        got,
        want,
        like=x,
        kind="batchnorm",
        what=L("batchnorm_inference: wrong output", "batchnorm_inference: неверный выход"),
        hint=L(
            "out = gamma * (x - running_mean) / sqrt(running_var + eps) + beta: the batch's own mean and variance play no part",
            "out = gamma * (x - running_mean) / sqrt(running_var + eps) + beta: "
            "собственные среднее и дисперсия батча не участвуют",
        ),
    )


@pytest.mark.points(1)
def test_bn_inference_custom_eps(student, rng):
    """BN inference uses the eps it is given (eps = 0.1)
    ru: BN в режиме инференса использует переданный eps (eps = 0.1)"""
    x = batch(rng, 5, 4, mean=0.0, std=1.0)
    gamma, beta = params(rng, 4)
    rm, _ = running(rng, 4)
    rv = rng.uniform(0.05, 0.5, 4)
    want = ref.batchnorm_inference(*f64(x, gamma, beta, rm, rv), eps=0.1)
    got = student.batchnorm_inference(x, gamma, beta, rm, rv, eps=0.1)
    checks.close(
        got,
        want,
        like=x,
        kind="batchnorm",
        what=L("batchnorm_inference: wrong output with eps = 0.1", "batchnorm_inference: неверный выход при eps = 0.1"),
        hint=HINT_EPS,
    )


@pytest.mark.points(1)
def test_bn_inference_float32(student, rng):
    """BN inference works on float32 input
    ru: BN в режиме инференса работает на входе float32"""
    x = batch(rng, 9, 6).astype(np.float32)
    gamma, beta = (a.astype(np.float32) for a in params(rng, 6))
    rm, rv = running(rng, 6)
    rm, rv = rm.astype(np.float32) + 12, rv.astype(np.float32) * 10
    want = ref.batchnorm_inference(*f64(x, gamma, beta, rm, rv))
    got = student.batchnorm_inference(x, gamma, beta, rm, rv)
    checks.close(
        got,
        want,
        like=x,
        kind="batchnorm",
        what=L("batchnorm_inference: wrong output for float32 input", "batchnorm_inference: неверный выход для входа float32"),
    )


@pytest.mark.points(1)
@pytest.mark.requires("bn_inference_running_stats")
def test_bn_inference_inputs_unchanged(student, rng):
    """BN inference does not modify its inputs
    ru: BN в режиме инференса не изменяет входы"""
    x = batch(rng, 4, 3)
    gamma, beta = params(rng, 3)
    rm, rv = running(rng, 3)
    args = (x, gamma, beta, rm, rv)
    before = tuple(a.copy() for a in args)
    student.batchnorm_inference(*args)
    for name, b, a in zip(("x", "gamma", "beta", "running_mean", "running_var"), before, args):
        checks.unchanged(b, a, what=L(f"batchnorm_inference changed {name}", f"batchnorm_inference изменила {name}"))


# ---------------------------------------------------------------- update_running_stats


def stats(student, *args, **kw):
    what = L("update_running_stats", "update_running_stats")
    return parts(student.update_running_stats(*args, **kw), 2, what, "(new_mean, new_var)")


@pytest.mark.points(2)
def test_running_stats_default_momentum(student, rng):
    """The running statistics follow PyTorch's rule with the default momentum (0.1)
    ru: скользящие статистики следуют правилу PyTorch с momentum по умолчанию (0.1)"""
    x = batch(rng, 6, 5)
    rm, rv = running(rng, 5)
    want_mean, want_var = ref.update_running_stats(*f64(rm, rv, x))
    new_mean, new_var = stats(student, rm, rv, x)
    what = L("update_running_stats with the default momentum", "update_running_stats с momentum по умолчанию")
    checks.close(new_mean, want_mean, like=x, kind="batchnorm", what=what + L(" (mean)", " (среднее)"), hint=HINT_TORCH_MOMENTUM)
    checks.close(
        new_var,
        want_var,
        like=x,
        kind="batchnorm",
        what=what + L(" (variance)", " (дисперсия)"),
        hint=[HINT_TORCH_MOMENTUM, HINT_UNBIASED],
    )


@pytest.mark.points(2)
def test_running_mean_momentum_07(student, rng):
    """The running mean follows PyTorch's rule with momentum = 0.7
    ru: скользящее среднее следует правилу PyTorch при momentum = 0.7"""
    x = batch(rng, 8, 4)
    rm, rv = running(rng, 4)
    want, _ = ref.update_running_stats(*f64(rm, rv, x), momentum=0.7)
    new_mean, _ = stats(student, rm, rv, x, momentum=0.7)
    checks.close(
        new_mean,
        want,
        like=x,
        kind="batchnorm",
        what=L(
            "update_running_stats: wrong mean with momentum = 0.7", "update_running_stats: неверное среднее при momentum = 0.7"
        ),
        hint=HINT_TORCH_MOMENTUM,
    )


@pytest.mark.points(2)
def test_running_var_momentum_07(student, rng):
    """The running variance follows PyTorch's rule with momentum = 0.7
    ru: скользящая дисперсия следует правилу PyTorch при momentum = 0.7"""
    x = batch(rng, 10, 4)
    rm, rv = running(rng, 4)
    _, want = ref.update_running_stats(*f64(rm, rv, x), momentum=0.7)
    _, new_var = stats(student, rm, rv, x, momentum=0.7)
    checks.close(
        new_var,
        want,
        like=x,
        kind="batchnorm",
        what=L(
            "update_running_stats: wrong variance with momentum = 0.7",
            "update_running_stats: неверная дисперсия при momentum = 0.7",
        ),
        hint=[HINT_UNBIASED, HINT_TORCH_MOMENTUM],
    )


@pytest.mark.points(1)
def test_running_var_two_samples(student, rng):
    """The running variance uses the unbiased variance of a batch of 2
    ru: скользящая дисперсия использует несмещённую дисперсию батча из 2 объектов"""
    # momentum 0.5 weighs old and new alike, so only the ddof can make this test fail
    x = batch(rng, 2, 6)
    rm, rv = running(rng, 6)
    _, want = ref.update_running_stats(*f64(rm, rv, x), momentum=0.5)
    _, new_var = stats(student, rm, rv, x, momentum=0.5)
    checks.close(
        new_var,
        want,
        like=x,
        kind="batchnorm",
        what=L(
            "update_running_stats: wrong variance for a batch of 2 samples",
            "update_running_stats: неверная дисперсия для батча из 2 объектов",
        ),
        hint=HINT_UNBIASED,
    )


@pytest.mark.points(1)
def test_running_stats_float32(student, rng):
    """The running statistics work on float32 input
    ru: скользящие статистики работают на входе float32"""
    x = batch(rng, 7, 5).astype(np.float32)
    rm, rv = (a.astype(np.float32) for a in running(rng, 5))
    want_mean, want_var = ref.update_running_stats(*f64(rm, rv, x), momentum=0.3)
    new_mean, new_var = stats(student, rm, rv, x, momentum=0.3)
    what = L("update_running_stats for float32 input", "update_running_stats для входа float32")
    checks.close(new_mean, want_mean, like=x, kind="batchnorm", what=what + L(" (mean)", " (среднее)"))
    checks.close(new_var, want_var, like=x, kind="batchnorm", what=what + L(" (variance)", " (дисперсия)"))


@pytest.mark.points(2)
@pytest.mark.requires("running_stats_default_momentum")
def test_running_stats_inputs_unchanged(student, rng):
    """update_running_stats returns new arrays and leaves its inputs alone
    ru: update_running_stats возвращает новые массивы и не изменяет входы"""
    x = batch(rng, 5, 4)
    rm, rv = running(rng, 4)
    before = (rm.copy(), rv.copy(), x.copy())
    stats(student, rm, rv, x, momentum=0.7)
    hint = L(
        "return (1 - momentum) * running_mean + momentum * mean: a new array, not "
        "running_mean *= ... (CS231n updates bn_param in place; this contract does not)",
        "верните (1 - momentum) * running_mean + momentum * mean — новый массив, а не "
        "running_mean *= ... (CS231n обновляет bn_param на месте, этот контракт — нет)",
    )
    for name, b, a in zip(("running_mean", "running_var", "x"), before, (rm, rv, x)):
        checks.unchanged(b, a, what=L(f"update_running_stats changed {name}", f"update_running_stats изменила {name}"), hint=hint)


@pytest.mark.points(1)
def test_running_stats_momentum_edges(student, rng):
    """update_running_stats with momentum 0 keeps the old statistics, with momentum 1 takes the batch's
    ru: update_running_stats с momentum 0 сохраняет старые статистики, с momentum 1 берёт статистики батча"""
    for momentum in (0.0, 1.0):
        x = batch(rng, 6, 4)
        rm, rv = running(rng, 4)
        want_mean, want_var = ref.update_running_stats(*f64(rm, rv, x), momentum=momentum)
        new_mean, new_var = stats(student, rm, rv, x, momentum=momentum)
        what = L(f"update_running_stats with momentum = {momentum:g}", f"update_running_stats при momentum = {momentum:g}")
        hint = L(
            "use momentum as given (`momentum or 0.1` turns 0 into 0.1): new = (1 - momentum) * old + momentum * batch",
            "используйте momentum как есть (`momentum or 0.1` превращает 0 в 0.1): new = (1 - momentum) * old + momentum * batch",
        )
        checks.close(new_mean, want_mean, like=x, kind="batchnorm", what=what + L(" (mean)", " (среднее)"), hint=hint)
        checks.close(
            new_var, want_var, like=x, kind="batchnorm", what=what + L(" (variance)", " (дисперсия)"), hint=[hint, HINT_UNBIASED]
        )
