"""Hidden suite: inverted dropout, forward and backward (p is the DROP probability, as in PyTorch).

The contract leaves free how a student draws the mask from ``rng`` (rng.random() >= p,
rng.random() > p, rng.binomial, rng.choice...), so masks are never compared with the
reference's. The forward pass is judged by what its output must satisfy for ANY mask (every
value is 0 or x/(1 − p)) and by the distribution of the mask, on fixed generators built from
``seed``; the backward pass by the mask the student's own forward pass drew, read off its output
(x has no zeros, so a unit was kept exactly where out != 0).

How the bands are set (testing-numerics.md §6.3): each statistic is tested on 3 generators, all
of which must pass; each band is set so that a correct implementation falls outside it with
probability at most 1e-9 per check (stated at each band), while every realistic bug moves the
statistic by tens of standard errors or more. The drop probabilities avoid p = 0.5, where
"p is the keep probability" would go unnoticed.
"""

import copy

import numpy as np
import pytest

from grader import checks, stats, timing
from grader.suite import Failure, L, StudentRaised
from solutions import dropout as ref

SHAPE = (200, 500)  # 1e5 units: a drop fraction is pinned to about ±0.01
PS = [0.3, 0.75, 0.1]  # one drop probability per generator, none of them 0.5

# A normal variable is beyond ±6.5 standard deviations with probability 8.0e-11: every
# normal-approximation band below uses Z and so has a tail probability under 1e-9 (checked
# against the exact binomial and chi-square distributions in tests/test_dropout_oracle.py).
Z = stats.Z  # the two-sided normal quantile of every band (grader/stats.py)

DROP_HINT = L(
    "p is the probability to DROP a unit (PyTorch's meaning): keep each unit with "
    "probability 1 − p, e.g. keep = rng.random(x.shape) >= p",
    "p — вероятность ВЫКЛЮЧИТЬ нейрон (как в PyTorch): сохраняйте каждый нейрон с "
    "вероятностью 1 − p, например keep = rng.random(x.shape) >= p",
)
SCALE_HINT = L(
    "inverted dropout divides the kept units by 1 − p (the keep probability), so that the expected output equals x",
    "инвертированный dropout делит сохранённые нейроны на 1 − p (вероятность "
    "сохранить), чтобы математическое ожидание выхода было равно x",
)


def _nonzero_x(rng, shape=SHAPE, dtype=np.float64):
    """Inputs with 0.5 <= |x| <= 2 and both signs: never 0, so out != 0 exactly where a unit was
    kept."""
    x = rng.uniform(0.5, 2.0, size=shape) * rng.choice([-1.0, 1.0], size=shape)
    return x.astype(dtype)


def _out(got, x, what, hint=None):
    """The forward pass's output as float64: an (out, cache) pair whose out is a finite float
    array of x's shape."""
    if not (isinstance(got, tuple) and len(got) == 2):
        raise Failure(
            what + L(": dropout_forward must return a pair (out, cache)", ": dropout_forward должна возвращать пару (out, cache)")
        )
    out = checks.shape(got[0], x.shape, what, hint)
    if out.dtype.kind != "f":
        raise Failure(
            what
            + L(
                f": returned values of dtype {out.dtype}, expected floats",
                f": возвращены значения типа {out.dtype}, ожидались float",
            )
        )
    checks.finite(out, what, hint)
    return out.astype(np.float64)


def _check_values(out, x, p, what, rtol=1e-12):
    """Every value is exactly 0 (dropped) or x/(1 − p) (kept and scaled)."""
    want = x.astype(np.float64) / (1.0 - p)
    kept = out != 0
    wrong = kept & ~np.isclose(out, want, rtol=rtol, atol=0.0)
    if wrong.any():
        ratio = out[kept] / x[kept]
        typical = float(np.median(ratio))
        raise Failure(
            what
            + L(
                f": {int(wrong.sum())} of {out.size} values are neither 0 nor x/(1 − p) "
                f"= {1 / (1 - p):.4g}·x (typical kept value: {typical:.4g}·x)",
                f": значений, равных не 0 и не x/(1 − p) = {1 / (1 - p):.4g}·x: "
                f"{int(wrong.sum())} из {out.size} (типичное сохранённое значение: "
                f"{typical:.4g}·x)",
            ),
            (SCALE_HINT, DROP_HINT),
        )


# ----------------------------------------------------------------------------- forward, train
@pytest.mark.points(1)
@pytest.mark.requires("dropout_drop_fraction", "dropout_kept_values_scaled", "dropout_backward_uses_forward_mask")
def test_dropout_leaves_global_random_state(student, rng):
    """dropout draws only from rng: NumPy's and Python's global random states stay as they were
    ru: dropout берёт случайность только из rng: глобальные генераторы NumPy и Python не меняются"""
    # the first test to call the student's functions in the job: np.random.seed(0) inside
    # dropout_forward changes the global state only where it was not seed(0)'s already, and a
    # worker starts from the zygote's entropy-seeded state, which no constant seed gives back
    x = _nonzero_x(rng, (30, 40))
    for train in (True, False):
        what = L(f"dropout_forward (p = 0.3, train={train})", f"dropout_forward (p = 0.3, train={train})")
        _, cache = checks.leaves_global_random(
            student, lambda train=train: student.dropout_forward(x.copy(), 0.3, rng, train=train), what
        )
        checks.leaves_global_random(
            student,
            lambda cache=cache: student.dropout_backward(np.ones(x.shape), cache),
            L(f"dropout_backward (train={train})", f"dropout_backward (train={train})"),
        )


@pytest.mark.points(3)
@pytest.mark.requires("dropout_drop_fraction")
def test_dropout_kept_values_scaled(student, seed):
    """every output of dropout is 0 or x/(1 − p)
    ru: каждый выход dropout равен 0 или x/(1 − p)"""
    for x, p, got in _training_calls(student, seed):
        what = L(f"dropout_forward in training mode, p = {p}", f"dropout_forward в режиме обучения, p = {p}")
        out = _out(got, x, what)
        _check_values(out, x, p, what)


def _training_calls(student, seed):
    """(x, p, the reply) of dropout_forward in training mode on each generator's x, with PS.
    The kept-values and the drop-fraction tests judge the same three calls (student.memo):
    made once a submission, with the seed of the first of them to ask, not once a test."""
    for k, (rng, p) in enumerate(zip(stats.generators(seed), PS)):

        def call(rng=rng, p=p):
            x = _nonzero_x(rng)
            return x, student.dropout_forward(x.copy(), p, rng)

        x, got = student.memo(("dropout training call", k), call)
        yield x, p, got


@pytest.mark.points(3)
def test_dropout_drop_fraction(student, seed):
    """dropout drops a fraction p of the units
    ru: dropout выключает долю p нейронов"""
    for x, p, got in _training_calls(student, seed):
        what = L(f"dropout_forward in training mode, p = {p}", f"dropout_forward в режиме обучения, p = {p}")
        out = _out(got, x, what)
        lo, hi = stats.binomial_band(out.size, p)  # tail ≤ 1e-9 for a correct sampler
        checks.between(
            float(np.count_nonzero(out == 0)) / out.size,
            lo / out.size,
            hi / out.size,
            what=what,
            hint=DROP_HINT,
            name=L("the fraction of dropped units", "доля выключенных нейронов"),
        )


def _distinct(mask, axis):
    """How many distinct rows (axis 0) or columns (axis 1) a boolean mask has: np.unique's
    count, each line packed into bytes and put in a set (np.unique sorts them: 12 ms of a
    submission, this 1)."""
    lines = mask if axis == 0 else mask.T
    return len({line.tobytes() for line in np.packbits(lines, axis=1)})


@pytest.mark.points(3)
def test_dropout_mask_independent(student, seed):
    """dropout drops every unit independently of the others
    ru: dropout выключает каждый нейрон независимо от остальных"""
    hint = L(
        "draw one random number per element: rng.random(x.shape), not one per row, per "
        "column or per batch, and not a fixed number of units per row",
        "выбирайте по одному случайному числу на элемент: rng.random(x.shape), а не по одному "
        "на строку, столбец или батч, и не фиксированное число нейронов в строке",
    )
    for rng, p in zip(stats.generators(seed), [0.3, 0.2, 0.6]):
        x = _nonzero_x(rng)
        what = L(
            f"dropout_forward on a {SHAPE[0]}×{SHAPE[1]} batch, p = {p}",
            f"dropout_forward на батче {SHAPE[0]}×{SHAPE[1]}, p = {p}",
        )
        dropped = _out(student.dropout_forward(x.copy(), p, rng), x, what) == 0
        # Two equal rows (500 units) or columns (200 units) of a correct mask have probability
        # below 1e-12 for these p, even over all pairs.
        for axis, name in ((0, L("rows", "строк")), (1, L("columns", "столбцов"))):
            distinct = _distinct(dropped, axis)
            if distinct < dropped.shape[axis]:
                raise Failure(
                    what
                    + L(
                        f": the masks of {dropped.shape[axis] - distinct + 1} {name.en} are identical",
                        f": маски {dropped.shape[axis] - distinct + 1} {name.ru} совпадают",
                    ),
                    (hint,),
                )
        # The number dropped per row (column) is Binomial(m, p): its index of dispersion is
        # about χ²(k − 1)/(k − 1) with p estimated from the whole batch, which catches masks more
        # regular (exactly p·m per row) or more clumped than independent draws.
        p_hat = dropped.mean()
        if 0 < p_hat < 1:
            for axis, name in ((1, L("row", "строку")), (0, L("column", "столбец"))):
                counts = dropped.sum(axis=axis)
                m, k = dropped.shape[axis], counts.size
                dispersion = np.sum((counts - m * p_hat) ** 2) / (m * p_hat * (1 - p_hat)) / (k - 1)
                lo, hi = stats.chi2_ratio_band(k - 1)
                checks.between(
                    float(dispersion),
                    lo,
                    hi,
                    what=what,
                    hint=hint,
                    name=L(
                        f"the index of dispersion of the dropped count per {name.en}",
                        f"индекс дисперсии числа выключенных нейронов на {name.ru}",
                    ),
                )


@pytest.mark.points(1)
def test_dropout_p_zero_identity(student, rng):
    """dropout with p = 0 returns x
    ru: dropout с p = 0 возвращает x"""
    x = _nonzero_x(rng, (13, 21))
    what = L("dropout_forward with p = 0", "dropout_forward с p = 0")
    out = _out(student.dropout_forward(x.copy(), 0.0, rng), x, what)
    checks.close(
        out,
        x,
        like=x,
        what=what,
        rtol=1e-15,
        atol=0.0,
        hint=L("with p = 0 every unit is kept and 1/(1 − p) = 1", "при p = 0 сохраняются все нейроны и 1/(1 − p) = 1"),
    )


@pytest.mark.points(2)
@pytest.mark.requires("dropout_drop_fraction", "dropout_kept_values_scaled")
def test_dropout_p_one_zeros(student, rng):
    """dropout with p = 1 returns zeros, without NaN
    ru: dropout с p = 1 возвращает нули, без NaN"""
    x = _nonzero_x(rng, (13, 21))
    what = L("dropout_forward with p = 1", "dropout_forward с p = 1")
    hint = L(
        "with p = 1 nothing is kept: 1/(1 − p) is infinite and 0·inf is NaN, so treat "
        "p = 1 separately (or scale only the kept units)",
        "при p = 1 ничего не сохраняется: 1/(1 − p) бесконечно, а 0·inf = NaN, поэтому "
        "обработайте p = 1 отдельно (или масштабируйте только сохранённые нейроны)",
    )
    got = student.dropout_forward(x.copy(), 1.0, rng)
    if not (isinstance(got, tuple) and len(got) == 2):
        raise Failure(
            what + L(": dropout_forward must return a pair (out, cache)", ": dropout_forward должна возвращать пару (out, cache)")
        )
    checks.close(got[0], np.zeros_like(x), like=x, what=what, hint=hint)


@pytest.mark.points(1)
def test_dropout_float32(student, seed):
    """dropout works on float32 input
    ru: dropout работает со входом float32"""
    rng = np.random.default_rng([seed, 0])
    x = _nonzero_x(rng, (40, 60), np.float32)
    what = L("dropout_forward on float32 input, p = 0.3", "dropout_forward на входе float32, p = 0.3")
    out = _out(student.dropout_forward(x.copy(), 0.3, rng), x, what)
    _check_values(out, x, 0.3, what, rtol=1e-6)
    if np.all(out != 0) or np.all(out == 0):
        raise Failure(
            what + L(": no unit or every unit was dropped", ": не выключен ни один нейрон или выключены все"), (DROP_HINT,)
        )


@pytest.mark.points(2)
def test_dropout_uses_rng(student, seed):
    """dropout takes its randomness from rng only
    ru: dropout берёт случайность только из rng"""
    what = L("dropout_forward: the mask is not determined by rng", "dropout_forward: маска не определяется rng")
    hint = L(
        "draw the mask from the rng argument (rng.random, rng.binomial...), never from np.random.* or a generator you create",
        "выбирайте маску из аргумента rng (rng.random, rng.binomial...), а не из np.random.* или собственного генератора",
    )
    x = _nonzero_x(np.random.default_rng([seed, 99]), (20, 30))

    def draw(state):
        got = student.dropout_forward(x.copy(), 0.4, np.random.default_rng([seed, state]))
        return _out(got, x, what, hint)

    first, again, other = draw(7), draw(7), draw(8)
    checks.same_output(first, again, what + L(" (the same rng state twice)", " (дважды одно и то же состояние rng)"), hint)
    checks.different_output(first, other, what + L(" (two different rng states)", " (два разных состояния rng)"), hint)


@pytest.mark.points(1)
@pytest.mark.requires("dropout_drop_fraction", "dropout_kept_values_scaled")
def test_dropout_forward_inputs_unchanged(student, rng):
    """dropout_forward does not modify x
    ru: dropout_forward не изменяет x"""
    x = _nonzero_x(rng, (17, 23))
    before = x.copy()
    student.dropout_forward(x, 0.3, rng)
    checks.unchanged(before, x, L("dropout_forward in training mode, p = 0.3", "dropout_forward в режиме обучения, p = 0.3"))


def _loop_seconds(x, p, fresh=False):
    """The CPU time of the fastest plain Python loop for dropout: the random numbers drawn at
    once, then one comprehension over lists (a loop that calls rng.random() per element, or
    indexes NumPy arrays, is 3 to 6 times slower). The same for every submission's x of this
    shape: shared by submissions (timing.once), unless fresh (timing.fastest_within)."""
    rng = np.random.default_rng(0)

    def loop():
        scale = 1.0 / (1.0 - p)
        u = rng.random(x.size).tolist()
        return [v * scale if w >= p else 0.0 for v, w in zip(x.ravel().tolist(), u)]

    return timing.seconds_of(("dropout loop", x.shape, x.dtype.str, p), loop, fresh=fresh)


@pytest.mark.points(2)
def test_dropout_vectorized(student, seed):
    """dropout on a large batch is vectorized
    ru: dropout на большом батче векторизован"""

    # Measured in the jail on a loaded 2-core machine, in units of the loop below after the
    # cost of moving the data: the corpus's vectorized variants (rng.choice masks the slowest,
    # a loop over the 60 rows included) take at most 0.35, loops over the elements 2.7 to 6.
    # two timed calls (more to confirm a slow one) on other values each: the output of the one
    # that counts must be a dropout of its own x (every value 0 or x/(1 − p), a fraction p
    # dropped), so neither zeros nor an answer stored by the first call pass
    tries = 2

    def draw(k):  # a confirmation call (after the first tries) gets CONFIRM_SCALE times the rows
        rows = 60 if k < tries else 60 * timing.CONFIRM_SCALE
        return _nonzero_x(np.random.default_rng([seed, 0, k]), (rows, 5000), np.float32)

    xs = [draw(0)]  # the later inputs are drawn only if a call is over the budget
    x = xs[0]

    def calls():
        for k in range(tries + len(timing.CONFIRM_PAUSES)):
            if k == len(xs):
                xs.append(draw(k))
            yield xs[k].copy(), 0.3, np.random.default_rng([seed, 1, k])

    what = L("dropout_forward on a 60×5000 batch", "dropout_forward на батче 60×5000")
    ref_s = timing.reference_seconds(ref.dropout_forward, x, 0.3, np.random.default_rng(1))

    def yardstick(fresh=False):  # the loop's seconds, the jail's cost of moving x + of a call
        return _loop_seconds(x, 0.3, fresh=fresh), timing.call_overhead(x, fresh=fresh)

    timed = timing.fastest_within(
        student,
        "dropout_forward",
        calls(),
        tries=tries,
        yardstick=yardstick(),
        budget=lambda y: checks.loop_budget(y[0], 1.0, y[1]),  # the check's below
        remeasure=lambda: yardstick(fresh=True),
        scale=timing.CONFIRM_SCALE,
    )
    i = timed.which
    loop_s, overhead = timed.yardstick

    def verify(got):
        out = _out(got, xs[i], what)
        _check_values(out, xs[i], 0.3, what, rtol=1e-6)  # float32: x/(1 − p) rounded
        lo, hi = stats.binomial_band(out.size, 0.3)
        checks.between(
            float(np.count_nonzero(out == 0)) / out.size,
            lo / out.size,
            hi / out.size,
            what=what,
            hint=DROP_HINT,
            name=L("the fraction of dropped units", "доля выключенных нейронов"),
        )

    checks.faster_than_loop(timed.seconds, loop_s, what, fraction=1.0, overhead_s=overhead, ref_s=ref_s,
                            got=timed.result, verify=verify, confirmed=True)  # fmt: skip


# ----------------------------------------------------------------------------- evaluation mode
@pytest.mark.points(2)
def test_dropout_eval_identity(student, rng):
    """dropout in evaluation mode returns x unchanged
    ru: dropout в режиме оценки возвращает x без изменений"""
    x = _nonzero_x(rng, (13, 21))
    hint = L(
        "inverted dropout already scaled during training: at evaluation time (train=False) return x as it is, whatever p",
        "инвертированный dropout уже масштабировал при обучении: в режиме оценки (train=False) верните x как есть, при любом p",
    )
    for p in (0.4, 0.9, 1.0):
        what = L(f"dropout_forward with train=False, p = {p}", f"dropout_forward с train=False, p = {p}")
        out = _out(student.dropout_forward(x.copy(), p, rng, train=False), x, what, hint)
        checks.close(out, x, like=x, what=what, hint=hint, rtol=1e-15, atol=0.0)


@pytest.mark.points(1)
def test_dropout_eval_backward_identity(student, rng):
    """dropout's backward pass in evaluation mode returns dout
    ru: обратный проход dropout в режиме оценки возвращает dout"""
    x = _nonzero_x(rng, (13, 21))
    dout = rng.standard_normal(x.shape)
    what = L("dropout_backward after train=False, p = 0.4", "dropout_backward после train=False, p = 0.4")
    _, cache = student.dropout_forward(x.copy(), 0.4, rng, train=False)
    dx = student.dropout_backward(dout.copy(), cache)
    checks.close(
        dx,
        dout,
        like=dout,
        what=what,
        rtol=1e-15,
        atol=0.0,
        hint=L(
            "in evaluation mode dropout is the identity, so its gradient is dout",
            "в режиме оценки dropout — тождественное отображение, его градиент — dout",
        ),
    )


# ----------------------------------------------------------------------------- invalid p
def _check_invalid_p(student, rng, train):
    x = _nonzero_x(rng, (4, 5))
    mode = L("training mode", "режим обучения") if train else L("train=False", "train=False")
    hint = L(
        "check the argument first: if not 0 <= p <= 1: raise ValueError(...), in both modes",
        "сначала проверьте аргумент: if not 0 <= p <= 1: raise ValueError(...), в обоих режимах",
    )
    for p in (-0.1, 1.5):
        what = L(f"dropout_forward with p = {p} ({mode.en})", f"dropout_forward с p = {p} ({mode.ru})")
        try:
            student.dropout_forward(x.copy(), p, rng, train=train)
        except StudentRaised as error:
            checks.raises(error, "ValueError", what, hint)
        else:
            raise Failure(what + L(": no ValueError was raised", ": ValueError не выброшено"), (hint,))


@pytest.mark.points(2)
def test_dropout_invalid_p_raises(student, rng):
    """dropout rejects p outside [0, 1] with ValueError
    ru: dropout отвергает p вне [0, 1] с ValueError"""
    _check_invalid_p(student, rng, train=True)


@pytest.mark.points(1)
def test_dropout_invalid_p_raises_in_eval(student, rng):
    """dropout rejects p outside [0, 1] in evaluation mode too
    ru: dropout отвергает p вне [0, 1] и в режиме оценки"""
    _check_invalid_p(student, rng, train=False)


# ----------------------------------------------------------------------------- backward
@pytest.mark.points(3)
def test_dropout_backward_uses_forward_mask(student, seed):
    """dropout's backward pass passes dout/(1 − p) through the kept units and 0 elsewhere
    ru: обратный проход dropout пропускает dout/(1 − p) через сохранённые нейроны, 0 — через другие"""
    hint = L(
        "keep the forward pass's mask (with its 1/(1 − p) scale) in the cache and return "
        "dout * mask; do not draw a new mask in the backward pass",
        "сохраните маску прямого прохода (вместе с множителем 1/(1 − p)) в cache и верните "
        "dout * mask; не выбирайте новую маску в обратном проходе",
    )
    for rng, p in zip(stats.generators(seed), PS):
        x = _nonzero_x(rng, (60, 70))
        dout = rng.standard_normal(x.shape)
        what = L(f"dropout_backward in training mode, p = {p}", f"dropout_backward в режиме обучения, p = {p}")
        out, cache = student.dropout_forward(x.copy(), p, rng)
        out = _out((out, cache), x, what)
        kept = out != 0  # x has no zeros, so this is the mask the forward pass drew
        dx = student.dropout_backward(dout.copy(), cache)
        checks.close(dx, np.where(kept, dout / (1.0 - p), 0.0), like=dout, what=what, hint=hint)


@pytest.mark.points(1)
@pytest.mark.requires("dropout_backward_uses_forward_mask")
def test_dropout_backward_p_one(student, rng):
    """dropout's backward pass with p = 1 returns zeros, without NaN
    ru: обратный проход dropout с p = 1 возвращает нули, без NaN"""
    x = _nonzero_x(rng, (13, 21))
    dout = rng.standard_normal(x.shape)
    what = L("dropout_backward with p = 1", "dropout_backward с p = 1")
    _, cache = student.dropout_forward(x.copy(), 1.0, rng)
    dx = student.dropout_backward(dout.copy(), cache)
    checks.close(
        dx,
        np.zeros_like(dout),
        like=dout,
        what=what,
        hint=L(
            "with p = 1 no unit was kept, so every gradient is 0; dividing a boolean mask by 1 − p = 0 gives NaN",
            "при p = 1 не сохранён ни один нейрон, и все градиенты равны 0; деление булевой маски на 1 − p = 0 даёт NaN",
        ),
    )


@pytest.mark.points(1)
@pytest.mark.requires("dropout_backward_uses_forward_mask")
def test_dropout_backward_inputs_unchanged(student, rng):
    """dropout_backward does not modify dout
    ru: dropout_backward не изменяет dout"""
    x = _nonzero_x(rng, (17, 23))
    dout = rng.standard_normal(x.shape)
    before = dout.copy()
    _, cache = student.dropout_forward(x.copy(), 0.3, rng)
    student.dropout_backward(dout, cache)
    checks.unchanged(before, dout, L("dropout_backward in training mode, p = 0.3", "dropout_backward в режиме обучения, p = 0.3"))


@pytest.mark.points(1)
@pytest.mark.requires("dropout_backward_uses_forward_mask")
def test_dropout_backward_repeatable(student, rng):
    """dropout's backward pass gives the same result twice from one cache
    ru: обратный проход dropout дважды даёт одно и то же по одному cache"""
    x = _nonzero_x(rng, (17, 23))
    dout = rng.standard_normal(x.shape)
    what = L("dropout_backward called twice with the same cache", "dropout_backward, вызванная дважды с одним cache")
    _, cache = student.dropout_forward(x.copy(), 0.3, rng)
    first = student.dropout_backward(dout.copy(), cache)
    second = student.dropout_backward(dout.copy(), cache)
    checks.same_output(
        first,
        second,
        what,
        L(
            "do not modify the cache in the backward pass, and do not draw new random numbers there",
            "не изменяйте cache в обратном проходе и не выбирайте там новые случайные числа",
        ),
    )


# ----------------------------------------------------------------------------- state, layouts, shapes
MASK_HINT = L(
    "keep the forward pass's mask (with its 1/(1 − p) scale) in the cache and return "
    "dout * mask; do not draw a new mask in the backward pass",
    "сохраните маску прямого прохода (вместе с множителем 1/(1 − p)) в cache и верните "
    "dout * mask; не выбирайте новую маску в обратном проходе",
)


@pytest.mark.points(2)
@pytest.mark.requires("dropout_drop_fraction", "dropout_kept_values_scaled", "dropout_backward_uses_forward_mask")
def test_dropout_two_layers_alternate(student, seed):
    """Two dropout layers used alternately keep their own masks
    ru: два слоя dropout, вызываемые поочерёдно, хранят каждый свою маску"""
    # compared with the student's own single-layer run from the same rng state (the same
    # state gives the same mask), so only state shared between layers costs this test
    states = stats.generators(seed, 2)
    first = (_nonzero_x(states[0], (30, 40)), 0.3, states[0])
    second = (_nonzero_x(states[1], (20, 25)), 0.6, states[1])
    douts = [np.random.default_rng([seed, 70 + k]).standard_normal(x.shape) for k, (x, _, _) in enumerate((first, second))]

    def forward(layer):
        x, p, state = layer
        what = L(f"dropout_forward, p = {p}", f"dropout_forward, p = {p}")
        return _pair(student.dropout_forward(x.copy(), p, copy.deepcopy(state)), what)[1]

    alone = [student.dropout_backward(dout.copy(), forward(layer)) for layer, dout in zip((first, second), douts)]
    caches = [forward(first), forward(second)]  # both forward passes, then both backward
    for (en, ru), cache, dout, want in zip((("the first", "первого"), ("the second", "второго")), caches, douts, alone):
        checks.same_output(
            student.dropout_backward(dout.copy(), cache),
            want,
            what=L(
                f"dropout_backward for {en} of two layers whose forward passes ran one after "
                "the other, against the same layer used alone",
                f"dropout_backward для {ru} из двух слоёв, прямые проходы которых шли друг "
                "за другом, в сравнении с тем же слоем без второго",
            ),
            hint=[
                MASK_HINT,
                L(
                    "never keep the mask in a module-level variable: the next layer's forward pass overwrites it",
                    "не храните маску в переменной модуля: прямой проход следующего слоя её перезапишет",
                ),
            ],
        )


@pytest.mark.points(1)
@pytest.mark.requires("dropout_drop_fraction", "dropout_kept_values_scaled", "dropout_backward_uses_forward_mask")
def test_dropout_noncontiguous_inputs(student, seed):
    """dropout gives on transposed and strided arrays what it gives on C-ordered copies
    ru: dropout даёт на транспонированных массивах и срезах с шагом то же, что на их копиях в порядке C"""
    # compared with the student's own results on contiguous copies from the same rng state,
    # so a bug of the mask or the scale costs its own tests, and this one a layout dependence
    rng = np.random.default_rng([seed, 50])
    # (kind, base, view of a base): each call gets its view of a fresh copy of the base, so a
    # submission that writes into x (its own test catches that) changes nothing here
    views = [
        ("transposed (Fortran-ordered)", _nonzero_x(rng, (60, 40)), lambda a: a.T),
        ("every other column", _nonzero_x(rng, (40, 120)), lambda a: a[:, ::2]),
    ]
    hint = L(
        "compute with whole-array operations (x * mask) and return a new array: "
        "x.reshape(-1), x.ravel() and np.copy(x) of such an array are copies or keep its "
        "memory order",
        "вычисляйте операциями над целыми массивами (x * mask) и возвращайте новый массив: "
        "x.reshape(-1), x.ravel() и np.copy(x) для такого массива — копии либо сохраняют "
        "его порядок в памяти",
    )
    for k, (kind, base, view) in enumerate(views):
        x = view(base)
        dout = np.random.default_rng([seed, 51 + k]).standard_normal(x.shape[::-1]).T
        results = []
        for x_, dout_ in ((np.ascontiguousarray(x), np.ascontiguousarray(dout)), (view(base.copy()), dout.copy("K"))):
            what = L(f"dropout_forward on a {kind} view, p = 0.3", f"dropout_forward на представлении ({kind}), p = 0.3")
            out, cache = _pair(student.dropout_forward(x_, 0.3, np.random.default_rng([seed, 52])), what)
            results.append((out, student.dropout_backward(dout_, cache)))
        (want_out, want_dx), (out, dx) = results
        checks.close(out, checks.array(want_out, what), like=x, what=what, hint=hint)
        checks.close(
            dx,
            checks.array(want_dx, what),
            like=x,
            hint=hint,
            what=L(f"dropout_backward on a {kind} view, p = 0.3", f"dropout_backward на представлении ({kind}), p = 0.3"),
        )


@pytest.mark.points(1)
@pytest.mark.requires("dropout_drop_fraction", "dropout_kept_values_scaled", "dropout_backward_uses_forward_mask")
def test_dropout_any_shape(student, seed):
    """dropout works on 1-D and 3-D arrays
    ru: dropout работает с одномерными и трёхмерными массивами"""
    rng = np.random.default_rng([seed, 60])
    for shape in ((1000,), (4, 25, 10)):
        x = _nonzero_x(rng, shape)
        what = L(f"dropout_forward on an input of shape {shape}, p = 0.3", f"dropout_forward на входе формы {shape}, p = 0.3")
        hint = L(
            "draw the mask with x's own shape, rng.random(x.shape): every element of x is dropped independently, whatever x.ndim",
            "выбирайте маску формы самого x, rng.random(x.shape): каждый элемент x выключается независимо, при любом x.ndim",
        )
        out, cache = _pair(student.dropout_forward(x.copy(), 0.3, rng), what)
        out = _out((out, cache), x, what, hint)
        _some_dropped_some_kept(out, what)
        dx = student.dropout_backward(np.ones(shape), cache)
        checks.shape(
            dx, shape, L(f"dropout_backward for an input of shape {shape}", f"dropout_backward для входа формы {shape}"), hint
        )


@pytest.mark.points(1)
def test_dropout_eval_backward_p_one(student, rng):
    """dropout's backward pass in evaluation mode returns dout even for p = 1
    ru: обратный проход dropout в режиме оценки возвращает dout даже при p = 1"""
    x = _nonzero_x(rng, (13, 21))
    dout = rng.standard_normal(x.shape)
    what = L("dropout_backward after train=False, p = 1", "dropout_backward после train=False, p = 1")
    _, cache = _pair(student.dropout_forward(x.copy(), 1.0, rng, train=False), what)
    dx = student.dropout_backward(dout.copy(), cache)
    checks.close(
        dx,
        dout,
        like=dout,
        what=what,
        rtol=1e-15,
        atol=0.0,
        hint=L(
            "in evaluation mode dropout is the identity whatever p: look at the mode before special-casing p = 1",
            "в режиме оценки dropout — тождественное отображение при любом p: проверяйте режим раньше, чем особый случай p = 1",
        ),
    )


def _pair(got, what):
    if not (isinstance(got, tuple) and len(got) == 2):
        raise Failure(
            what + L(": dropout_forward must return a pair (out, cache)", ": dropout_forward должна возвращать пару (out, cache)")
        )
    return got


def _some_dropped_some_kept(out, what):
    """With p = 0.3 and 1000+ units, a correct mask keeps and drops some (all kept: 0.7**1000)."""
    if np.all(out != 0) or np.all(out == 0):
        raise Failure(
            what + L(": no unit or every unit was dropped", ": не выключен ни один нейрон или выключены все"), (DROP_HINT,)
        )
