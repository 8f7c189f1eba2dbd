"""Hidden suite: weight initialization (Xavier and He, uniform and normal).

The contract leaves free how a student draws from ``rng`` (rng.uniform, a·(2·rng.random() − 1),
rng.standard_normal()·σ, Box–Muller...), so values are never compared with the reference's:
every test checks a property of the distribution on fixed generators built from ``seed``.

How the bands are set (testing-numerics.md §6.3): each statistic is tested on 3 generators, all
of which must pass; each band is set so that a correct implementation falls outside it with
probability at most 1e-9 per check (stated at each band), while every realistic bug moves the
statistic by tens of standard errors or more. The verdict is therefore fixed for a given seed
and, in practice, the same for every seed. Matrices are non-square (fan_in != fan_out) so that a
swapped or missing fan shows, and large (about 2e5 weights) so that the bands are sharp.
"""

import math

import numpy as np
import pytest

from grader import checks, stats, timing
from grader.suite import Failure, L
from solutions import initialization as ref

# (fan_in, fan_out) for the 3 generators of a test: never square, both orders of magnitude
FANS = [(300, 700), (640, 256), (500, 420)]
GAINS = [5.0 / 3.0, math.sqrt(2.0), 0.75]  # tanh's gain, relu's gain, and one below 1

# A normal variable is beyond ±6.5 standard deviations with probability 8.0e-11: every
# normal-approximation band below uses Z and so has a tail probability under 1e-10 (checked
# against the exact distributions in tests/test_initialization_oracle.py).
Z = stats.Z  # the two-sided normal quantile of every band (grader/stats.py)
KS_MIN_PVALUE = 1e-9  # Kolmogorov–Smirnov: a correct sampler is rejected with probability ≤ 1e-9


# statistics: grader/stats.py
# ----------------------------------------------------------------------------- helpers
# the bound a (uniform) or the standard deviation σ (normal) of each initializer
SCALE = {
    "xavier_uniform": lambda fan_in, fan_out, gain: gain * math.sqrt(6.0 / (fan_in + fan_out)),
    "xavier_normal": lambda fan_in, fan_out, gain: gain * math.sqrt(2.0 / (fan_in + fan_out)),
    "he_uniform": lambda fan_in, fan_out, gain: math.sqrt(6.0 / fan_in),
    "he_normal": lambda fan_in, fan_out, gain: math.sqrt(2.0 / fan_in),
}


def _weights(got, fan_in, fan_out, what, hint=None):
    """The student's matrix as float64 values: a finite float array with fan_in·fan_out values.
    Its shape is the shape tests' business, so a transposed matrix is still judged here."""
    got = checks.array(got, what, hint)
    if got.size != fan_in * fan_out:
        raise Failure(
            what
            + L(
                f": returned {got.size} values, expected fan_in·fan_out",
                f": возвращено значений: {got.size}, ожидалось fan_in·fan_out",
            ),
            (L("return a matrix of shape (fan_in, fan_out)", "верните матрицу формы (fan_in, fan_out)"),),
        )
    if got.dtype.kind != "f":
        raise Failure(
            what
            + L(
                f": returned values of dtype {got.dtype}, expected floats",
                f": возвращены значения типа {got.dtype}, ожидались float",
            )
        )
    checks.finite(got, what, hint)
    return got.astype(np.float64).ravel()


def _matrices(student, seed, fn, what, hint, with_gain=False):
    """The student's matrix on each of the 3 generators, with the a or σ it should have. The
    bound, variance, mean and family tests of one initializer judge the same three matrices
    (student.memo): drawn once a submission, with the seed of the first test that asks, not
    once a test (they were two thirds of the topic's time). Determinism has its own test."""
    for k, (fan_in, fan_out) in enumerate(FANS):
        gain = GAINS[k] if with_gain else 1.0
        kwargs = {"gain": gain} if with_gain else {}

        def draw(k=k, fan_in=fan_in, fan_out=fan_out, kwargs=kwargs):
            return getattr(student, fn)(fan_in, fan_out, stats.generators(seed)[k], **kwargs)

        got = student.memo(("initialization matrix", fn, with_gain, k), draw)
        yield _weights(got, fan_in, fan_out, what, hint), SCALE[fn](fan_in, fan_out, gain)


def _check_shape(student, fn):
    what = L(f"{fn} returns a (fan_in, fan_out) matrix", f"{fn} возвращает матрицу формы (fan_in, fan_out)")
    hint = L(
        "the weight matrix is (fan_in, fan_out) because the layer computes x @ W; "
        "PyTorch's nn.Linear.weight is (fan_out, fan_in), the transpose",
        "матрица весов имеет форму (fan_in, fan_out), потому что слой вычисляет x @ W; "
        "nn.Linear.weight в PyTorch имеет форму (fan_out, fan_in), транспонированную",
    )
    rng = np.random.default_rng(0)
    for fan_in, fan_out in [(3, 5), (7, 2), (1, 4), (16, 9)]:
        got = getattr(student, fn)(fan_in, fan_out, rng)
        checks.shape(got, (fan_in, fan_out), what, hint)


def _check_bound(student, seed, fn, what, hint, with_gain=False):
    """U(−a, a): no value beyond a, and both ends reached, on every generator.

    The upper side allows 1e-6 relative (float32 rounding of values near a). For the lower side:
    P(max W < a(1 − t)) = (1 − t/2)^n ≤ exp(−n t/2); t = 2·ln(1e10)/n makes it 1e-10 per end,
    so both ends on 3 generators fail a correct sampler with probability ≤ 6e-10. That pins a
    to about 2e-4 relative: far sharper than a variance test."""
    for w, a in _matrices(student, seed, fn, what, hint, with_gain):
        t = 2.0 * math.log(1e10) / w.size
        checks.between(float(np.max(np.abs(w))) / a, 0.0, 1.0 + 1e-6, what=what, hint=hint, name=L("max |W| / a", "max |W| / a"))
        checks.between(float(w.max()) / a, 1.0 - t, 1.0 + 1e-6, what=what, hint=hint, name=L("max W / a", "max W / a"))
        checks.between(float(-w.min()) / a, 1.0 - t, 1.0 + 1e-6, what=what, hint=hint, name=L("−min W / a", "−min W / a"))


def _check_variance(student, seed, fn, what, hint, with_gain=False):
    """N(0, σ²): n·mean(W²)/σ² ~ χ²(n); the band holds it with probability 1 − 1.6e-10."""
    for w, sigma in _matrices(student, seed, fn, what, hint, with_gain):
        lo, hi = stats.chi2_ratio_band(w.size)
        checks.between(float(np.mean(w * w)) / sigma**2, lo, hi, what=what, hint=hint, name=L("mean(W²) / σ²", "mean(W²) / σ²"))


def _check_mean(student, seed, fn, what):
    """N(0, σ²): sqrt(n)·mean(W)/σ is standard normal; |·| > 6.5 has probability 8e-11."""
    hint = L(
        "rng.normal(loc, scale): the first argument is the mean, here 0",
        "rng.normal(loc, scale): первый аргумент — среднее, здесь 0",
    )
    for w, sigma in _matrices(student, seed, fn, what, hint):
        checks.between(
            float(np.mean(w)) / sigma * math.sqrt(w.size),
            -Z,
            Z,
            what=what,
            hint=hint,
            name=L("sqrt(n)·mean(W)/σ", "sqrt(n)·mean(W)/σ"),
        )


def _uniform_cdf(z):
    """The CDF of U(−√3, √3), the uniform distribution of variance 1."""
    return np.clip((z + math.sqrt(3.0)) / (2.0 * math.sqrt(3.0)), 0.0, 1.0)


def _check_family(student, seed, fn, what):
    """The standardized weights follow the family (Kolmogorov–Smirnov, p ≥ 1e-9 on each
    generator). Location and scale come from the sample, so only the shape is judged here:
    a wrong σ or a wrong bound loses the variance/bound tests, not this one."""
    normal = fn.endswith("normal")
    hint = NORMAL if normal else UNIFORM
    name = L(
        "the Kolmogorov–Smirnov p-value against a " + ("normal" if normal else "uniform") + " distribution",
        "p-значение критерия Колмогорова–Смирнова для " + ("нормального" if normal else "равномерного") + " распределения",
    )
    for w, _ in _matrices(student, seed, fn, what, hint):
        spread = float(np.std(w))
        if spread == 0.0:
            raise Failure(what + L(": all weights are equal", ": все веса одинаковы"), (hint,))
        z = (w - np.mean(w)) / spread
        pvalue = stats.ks_pvalue(z, stats.normal_cdf_tabulated if normal else _uniform_cdf)
        checks.between(pvalue, KS_MIN_PVALUE, 1.0, what=what, hint=hint, name=name)


def _check_uses_rng(student, seed, fn):
    """The same rng state gives the same matrix, a different state a different one: a function
    that draws from np.random (or from a generator of its own) fails one of the two."""
    what = L(f"{fn}: the output is not determined by rng", f"{fn}: результат не определяется rng")
    hint = L(
        "draw every random number from the rng argument (rng.uniform, rng.normal, "
        "rng.random...), never from np.random.* or a generator you create",
        "берите все случайные числа из аргумента rng (rng.uniform, rng.normal, "
        "rng.random...), а не из np.random.* или собственного генератора",
    )
    call = getattr(student, fn)
    first = call(40, 30, np.random.default_rng([seed, 7]))
    again = call(40, 30, np.random.default_rng([seed, 7]))
    other = call(40, 30, np.random.default_rng([seed, 8]))
    checks.array(first, what, hint)
    checks.same_output(first, again, what + L(" (the same rng state twice)", " (дважды одно и то же состояние rng)"), hint)
    checks.different_output(first, other, what + L(" (two different rng states)", " (два разных состояния rng)"), hint)


# ----------------------------------------------------------------------------- hints
XAVIER_U = L(
    "a = gain·sqrt(6 / (fan_in + fan_out)): both fans, the square root, gain outside it, and the interval (−a, a) centred on 0",
    "a = gain·sqrt(6 / (fan_in + fan_out)): оба fan, квадратный корень, gain вне корня и интервал (−a, a) с центром в 0",
)
XAVIER_N = L(
    "σ = gain·sqrt(2 / (fan_in + fan_out)) is the standard deviation: rng.normal(0, σ) "
    "takes σ, not σ²; gain multiplies σ, it is not under the square root",
    "σ = gain·sqrt(2 / (fan_in + fan_out)) — это стандартное отклонение: "
    "rng.normal(0, σ) принимает σ, а не σ²; gain умножает σ и не стоит под корнем",
)
HE_U = L(
    "He initialization uses fan_in only: a = sqrt(6 / fan_in) (fan_in is the number of "
    "rows of W); the interval (−a, a) is centred on 0",
    "инициализация He использует только fan_in: a = sqrt(6 / fan_in) (fan_in — число строк W); интервал (−a, a) с центром в 0",
)
HE_N = L(
    "He initialization uses fan_in only: σ = sqrt(2 / fan_in) is the standard deviation "
    "(rng.normal takes σ, not σ²), and the mean is 0",
    "инициализация He использует только fan_in: σ = sqrt(2 / fan_in) — стандартное "
    "отклонение (rng.normal принимает σ, а не σ²), а среднее равно 0",
)
UNIFORM = L(
    "draw from a uniform distribution on (−a, a) (rng.uniform), not a normal one",
    "выбирайте из равномерного распределения на (−a, a) (rng.uniform), а не из нормального",
)
NORMAL = L(
    "draw from the normal distribution (rng.normal or rng.standard_normal), not a uniform or a truncated normal one",
    "выбирайте из нормального распределения (rng.normal или rng.standard_normal), а не из "
    "равномерного или усечённого нормального",
)
DEFAULT_GAIN = L(" for fan_in ≠ fan_out with the default gain", " при fan_in ≠ fan_out и gain по умолчанию")
WITH_GAIN = L(" when gain ≠ 1 (5/3, √2, 0.75)", " при gain ≠ 1 (5/3, √2, 0.75)")
RANGE = L(": wrong range of values", ": неверный диапазон значений")
VARIANCE = L(": wrong variance", ": неверная дисперсия")


# ----------------------------------------------------------------------------- every initializer
INITIALIZERS = ("xavier_uniform", "xavier_normal", "he_uniform", "he_normal")
# each initializer's distribution test: zeros of the right shape leave every random state
# alone and are float64, so those properties count only for the right distribution
DISTRIBUTION = {"xavier_uniform": "xavier_uniform_bound", "xavier_normal": "xavier_normal_variance",
                "he_uniform": "he_uniform_bound", "he_normal": "he_normal_variance"}  # fmt: skip
GATED_INITIALIZERS = [pytest.param(fn, marks=pytest.mark.requires(DISTRIBUTION[fn])) for fn in INITIALIZERS]


@pytest.mark.points(0.5)
@pytest.mark.parametrize("fn", GATED_INITIALIZERS)
def test_leaves_global_random_state(student, seed, fn):
    """{fn} draws only from rng: NumPy's and Python's global random states stay as they were
    ru: {fn} берёт случайность только из rng: глобальные генераторы NumPy и Python не меняются"""
    # the first tests of the suite, so each makes the job's first call of its function:
    # np.random.seed(0) inside it changes the global state only where it was not seed(0)'s
    # already (a worker starts from the zygote's entropy-seeded state, which no constant seed
    # gives back)
    call = getattr(student, fn)
    checks.leaves_global_random(student, lambda: call(30, 20, np.random.default_rng([seed, 1])), L(fn, fn))


@pytest.mark.points(0.5)
@pytest.mark.parametrize("fn", GATED_INITIALIZERS)
def test_float64_outputs(student, seed, fn):
    """{fn} returns a float64 array
    ru: {fn} возвращает массив float64"""
    what = L(f"{fn}: the dtype of the weights", f"{fn}: тип весов")
    got = checks.array(getattr(student, fn)(30, 20, np.random.default_rng([seed, 3])), what)
    if got.dtype != np.float64:
        raise Failure(
            what
            + L(
                f": returned {got.dtype}, expected float64 (the contract's dtype of the weights)",
                f": возвращён {got.dtype}, ожидался float64 (тип весов по контракту)",
            ),
            (
                L(
                    "draw in float64 (rng.uniform, rng.normal and rng.random give float64 "
                    "unless told otherwise) and do not cast the result",
                    "выбирайте во float64 (rng.uniform, rng.normal и rng.random дают "
                    "float64, если не указать иное) и не приводите тип результата",
                ),
            ),
        )


@pytest.mark.points(1)
@pytest.mark.requires("xavier_uniform_bound", "xavier_normal_variance")
def test_xavier_gain_zero(student, seed):
    """xavier_uniform and xavier_normal with gain = 0 give all zeros
    ru: xavier_uniform и xavier_normal при gain = 0 дают одни нули"""
    for k, fn in enumerate(("xavier_uniform", "xavier_normal")):
        what = L(f"{fn} with gain = 0", f"{fn} при gain = 0")
        got = getattr(student, fn)(30, 20, np.random.default_rng([seed, 2 + k]), gain=0.0)
        w = _weights(got, 30, 20, what)  # its shape is the shape tests' business
        checks.close(
            w,
            np.zeros(w.shape),
            like=np.float64,
            what=what,
            hint=L(
                "use gain as given (`gain or 1.0` turns 0 into 1): a = 0 or σ = 0 makes every weight 0",
                "используйте gain как есть (`gain or 1.0` превращает 0 в 1): при a = 0 или σ = 0 все веса равны 0",
            ),
        )


# ----------------------------------------------------------------------------- xavier_uniform
@pytest.mark.points(1)
@pytest.mark.requires("xavier_uniform_bound")
def test_xavier_uniform_shape(student):
    """xavier_uniform returns a (fan_in, fan_out) matrix
    ru: xavier_uniform возвращает матрицу формы (fan_in, fan_out)"""
    _check_shape(student, "xavier_uniform")


@pytest.mark.points(3)
def test_xavier_uniform_bound(student, seed):
    """xavier_uniform draws from U(−a, a) with a = sqrt(6 / (fan_in + fan_out))
    ru: xavier_uniform выбирает из U(−a, a), где a = sqrt(6 / (fan_in + fan_out))"""
    _check_bound(student, seed, "xavier_uniform", L("xavier_uniform", "xavier_uniform") + RANGE + DEFAULT_GAIN, XAVIER_U)


@pytest.mark.points(2)
def test_xavier_uniform_bound_with_gain(student, seed):
    """xavier_uniform scales the bound by gain
    ru: xavier_uniform умножает границу на gain"""
    _check_bound(
        student, seed, "xavier_uniform", L("xavier_uniform", "xavier_uniform") + RANGE + WITH_GAIN, XAVIER_U, with_gain=True
    )


@pytest.mark.points(2)
def test_xavier_uniform_is_uniform(student, seed):
    """xavier_uniform draws from a uniform distribution
    ru: xavier_uniform выбирает из равномерного распределения"""
    _check_family(
        student,
        seed,
        "xavier_uniform",
        L("xavier_uniform: the weights are not uniformly distributed", "xavier_uniform: веса распределены не равномерно"),
    )


@pytest.mark.points(1)
def test_xavier_uniform_uses_rng(student, seed):
    """xavier_uniform takes its randomness from rng only
    ru: xavier_uniform берёт случайность только из rng"""
    _check_uses_rng(student, seed, "xavier_uniform")


# ----------------------------------------------------------------------------- xavier_normal
@pytest.mark.points(1)
@pytest.mark.requires("xavier_normal_variance")
def test_xavier_normal_shape(student):
    """xavier_normal returns a (fan_in, fan_out) matrix
    ru: xavier_normal возвращает матрицу формы (fan_in, fan_out)"""
    _check_shape(student, "xavier_normal")


@pytest.mark.points(3)
def test_xavier_normal_variance(student, seed):
    """xavier_normal has variance 2 / (fan_in + fan_out)
    ru: у xavier_normal дисперсия 2 / (fan_in + fan_out)"""
    _check_variance(student, seed, "xavier_normal", L("xavier_normal", "xavier_normal") + VARIANCE + DEFAULT_GAIN, XAVIER_N)


@pytest.mark.points(2)
def test_xavier_normal_variance_with_gain(student, seed):
    """xavier_normal scales the standard deviation by gain
    ru: xavier_normal умножает стандартное отклонение на gain"""
    _check_variance(
        student, seed, "xavier_normal", L("xavier_normal", "xavier_normal") + VARIANCE + WITH_GAIN, XAVIER_N, with_gain=True
    )


@pytest.mark.points(1)
@pytest.mark.requires("xavier_normal_variance")
def test_xavier_normal_mean_zero(student, seed):
    """xavier_normal has mean 0
    ru: у xavier_normal среднее 0"""
    _check_mean(
        student,
        seed,
        "xavier_normal",
        L("xavier_normal: the mean of the weights is not 0", "xavier_normal: среднее весов не равно 0"),
    )


@pytest.mark.points(2)
def test_xavier_normal_is_normal(student, seed):
    """xavier_normal draws from a normal distribution
    ru: xavier_normal выбирает из нормального распределения"""
    _check_family(
        student,
        seed,
        "xavier_normal",
        L("xavier_normal: the weights are not normally distributed", "xavier_normal: веса распределены не нормально"),
    )


@pytest.mark.points(1)
def test_xavier_normal_uses_rng(student, seed):
    """xavier_normal takes its randomness from rng only
    ru: xavier_normal берёт случайность только из rng"""
    _check_uses_rng(student, seed, "xavier_normal")


# ----------------------------------------------------------------------------- he_uniform
@pytest.mark.points(1)
@pytest.mark.requires("he_uniform_bound")
def test_he_uniform_shape(student):
    """he_uniform returns a (fan_in, fan_out) matrix
    ru: he_uniform возвращает матрицу формы (fan_in, fan_out)"""
    _check_shape(student, "he_uniform")


@pytest.mark.points(3)
def test_he_uniform_bound(student, seed):
    """he_uniform draws from U(−a, a) with a = sqrt(6 / fan_in)
    ru: he_uniform выбирает из U(−a, a), где a = sqrt(6 / fan_in)"""
    _check_bound(
        student,
        seed,
        "he_uniform",
        L(
            "he_uniform: wrong range of values for fan_in ≠ fan_out",
            "he_uniform: неверный диапазон значений при fan_in ≠ fan_out",
        ),
        HE_U,
    )


@pytest.mark.points(2)
def test_he_uniform_is_uniform(student, seed):
    """he_uniform draws from a uniform distribution
    ru: he_uniform выбирает из равномерного распределения"""
    _check_family(
        student,
        seed,
        "he_uniform",
        L("he_uniform: the weights are not uniformly distributed", "he_uniform: веса распределены не равномерно"),
    )


@pytest.mark.points(1)
def test_he_uniform_uses_rng(student, seed):
    """he_uniform takes its randomness from rng only
    ru: he_uniform берёт случайность только из rng"""
    _check_uses_rng(student, seed, "he_uniform")


# ----------------------------------------------------------------------------- he_normal
@pytest.mark.points(1)
@pytest.mark.requires("he_normal_variance")
def test_he_normal_shape(student):
    """he_normal returns a (fan_in, fan_out) matrix
    ru: he_normal возвращает матрицу формы (fan_in, fan_out)"""
    _check_shape(student, "he_normal")


@pytest.mark.points(3)
def test_he_normal_variance(student, seed):
    """he_normal has variance 2 / fan_in
    ru: у he_normal дисперсия 2 / fan_in"""
    _check_variance(
        student,
        seed,
        "he_normal",
        L("he_normal: wrong variance for fan_in ≠ fan_out", "he_normal: неверная дисперсия при fan_in ≠ fan_out"),
        HE_N,
    )


@pytest.mark.points(1)
@pytest.mark.requires("he_normal_variance")
def test_he_normal_mean_zero(student, seed):
    """he_normal has mean 0
    ru: у he_normal среднее 0"""
    _check_mean(
        student, seed, "he_normal", L("he_normal: the mean of the weights is not 0", "he_normal: среднее весов не равно 0")
    )


@pytest.mark.points(2)
def test_he_normal_is_normal(student, seed):
    """he_normal draws from a normal (not truncated) distribution
    ru: he_normal выбирает из нормального (не усечённого) распределения"""
    _check_family(
        student,
        seed,
        "he_normal",
        L("he_normal: the weights are not normally distributed", "he_normal: веса распределены не нормально"),
    )


@pytest.mark.points(1)
def test_he_normal_uses_rng(student, seed):
    """he_normal takes its randomness from rng only
    ru: he_normal берёт случайность только из rng"""
    _check_uses_rng(student, seed, "he_normal")


# ----------------------------------------------------------------------------- all four
@pytest.mark.points(2)
def test_init_vectorized(student, seed):
    """every initializer fills the matrix without a Python loop over its elements
    ru: каждая инициализация заполняет матрицу без цикла Python по элементам"""
    # Measured in the jail on a loaded 2-core machine (500×600), after the cost of moving the
    # matrix: the corpus's correct variants (Box–Muller, a loop over rows, transposes) take at
    # most about 8 times the reference's CPU time, a loop calling rng.normal() or rng.uniform()
    # once per weight 50 to 150 times. Hence a ratio of 20.
    RATIO = 20
    GROW = 2  # timing.CONFIRM_SCALE's 4 times the weights
    fan_in, fan_out = 500, 600
    zeros = np.zeros((fan_in, fan_out))
    for fn in SCALE:
        what = L(f"{fn} on a {fan_in}×{fan_out} matrix", f"{fn} на матрице {fan_in}×{fan_out}")

        # the yardstick (the reference's seconds, the jail's cost of moving the matrix + of a
        # call) and the check's budget from it; timed again beside a call over it
        def yardstick(fresh=False, fn=fn):
            ref_s = timing.reference_seconds(getattr(ref, fn), fan_in, fan_out, np.random.default_rng(seed), fresh=fresh)
            return ref_s, timing.call_overhead(zeros, fresh=fresh)

        # two timed calls (more to confirm a slow one), each with a generator of its own: the
        # matrix of the one that counts must have the right variance and come from its
        # generator (a stored matrix leaves it as it was), so neither zeros nor the first
        # call's answer pass; a confirmation (after the first two) gets a matrix GROW times as
        # wide and as tall (timing.fastest_within's scale: GROW² times the weights)
        rngs = [np.random.default_rng([seed, k]) for k in range(2 + len(timing.CONFIRM_PAUSES))]
        sides = [(fan_in, fan_out)] * 2 + [(fan_in * GROW, fan_out * GROW)] * len(timing.CONFIRM_PAUSES)
        timed = timing.fastest_within(
            student,
            fn,
            [(*side, r) for side, r in zip(sides, rngs)],
            tries=2,
            yardstick=yardstick(),
            budget=lambda y: checks.vectorized_budget(y[0], RATIO, overhead_s=y[1]),  # the check's below
            remeasure=lambda yardstick=yardstick: yardstick(fresh=True),
            scale=GROW * GROW,
        )
        i, (ref_s, overhead) = timed.which, timed.yardstick

        def verify(got, fn=fn, i=i, what=what, rngs=rngs, sides=sides):
            rows, cols = sides[i]
            w = _weights(got, rows, cols, what)
            scale = SCALE[fn](rows, cols, 1.0)
            variance = scale**2 / 3.0 if fn.endswith("uniform") else scale**2
            lo, hi = stats.chi2_ratio_band(w.size)  # wider than needed for a uniform: no false alarm
            checks.between(
                float(np.mean(w * w)) / variance, lo, hi, what=what, name=L("mean(W²) / variance", "mean(W²) / дисперсия")
            )
            if rngs[i].bit_generator.state == np.random.default_rng([seed, i]).bit_generator.state:
                raise Failure(
                    what
                    + L(
                        ": the matrix did not come from rng (rng was not used)",
                        ": матрица получена не из rng (rng не использован)",
                    )
                )

        checks.vectorized(timed.seconds, ref_s, what, ratio=RATIO, overhead_s=overhead, got=timed.result, verify=verify,
                          confirmed=True)  # fmt: skip
