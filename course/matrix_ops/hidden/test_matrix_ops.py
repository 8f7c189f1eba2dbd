"""Hidden suite: matrix_ops (dense layer, softmax, cross-entropy, numerical gradient).

Tolerances: testing-numerics.md §6.1: kind "linear" for the layer, softmax and dlogits
(float64 rtol 1e-7, atol 1e-10 scaled), "loss" for the scalar loss, "gradcheck" for a
numerical gradient against the analytic one (atol 1e-7, rtol 1e-6: central differences are
~1e-10 off, one-sided ones ~1e-5). Inputs (§6.2): N != D != M != C everywhere (a transposed W
or dW cannot pass), logits of +-1e4, a logit gap of 1000, float32, strided and transposed
arrays. The reference is computed first, in float64, from copies, so a student who writes
into an input loses only the test of that property. numerical_gradient gets its f as a
``PublicFn`` of ``grader/jail/callables.py`` (the same function on both sides); its loop over
the elements is the method itself, so it has no vectorization test.
"""

import numpy as np
import pytest

from grader import checks, timing
from grader.jail import callables
from grader.suite import Failure, L, PublicFn
from solutions import matrix_ops as ref

# ---------------------------------------------------------------- inputs (trusted side)


def layer(rng, n, d, m, dtype=np.float64):
    x = rng.normal(size=(n, d))
    W = rng.normal(size=(d, m)) / np.sqrt(d)
    b = rng.normal(size=m)
    return tuple(a.astype(dtype) for a in (x, W, b))


def labels(rng, n, c):
    """Integer labels that use several classes (int64, as np.array of ints gives)."""
    return rng.integers(0, c, size=n).astype(np.int64)


def f64(*arrays):
    return tuple(np.array(a, dtype=np.float64) for a in arrays)


def parts(got, n, fn, names):
    """A result that must be a tuple of ``n`` (``(out, cache)``, ``(dx, dW, db)``...)."""
    if not (isinstance(got, (tuple, list)) and len(got) == n):
        got_ = checks.received(got)
        raise Failure(
            L(f"{fn}: expected a tuple {names}, got {got_.en}", f"{fn}: ожидался кортеж {names}, получено: {got_.ru}"),
            [L(f"return {names[1:-1]} as a tuple", f"верните {names[1:-1]} кортежем")],
        )
    return got


def forward(student, x, W, b):
    return parts(student.linear_forward(x, W, b), 2, "linear_forward", "(out, cache)")


def student_backward(student, x, W, b, dout):
    _, cache = forward(student, x, W, b)
    return parts(student.linear_backward(dout, cache), 3, "linear_backward", "(dx, dW, db)")


def ref_backward(x, W, b, dout):
    x, W, b, dout = f64(x, W, b, dout)
    _, cache = ref.linear_forward(x, W, b)
    return ref.linear_backward(dout, cache)


def ce(student, logits, y):
    return parts(student.cross_entropy(logits, y), 2, "cross_entropy", "(loss, dlogits)")


def bind(name, *args):
    """The same f on the trusted side (for the reference) and, as a PublicFn, in the jail."""
    fn = getattr(callables, name)
    return (lambda x: fn(*args, x)), PublicFn(name, tuple(args))


HINT_LINEAR = L(
    "out = x @ W + b with W of shape (D, M): no transpose in this layout",
    "out = x @ W + b, где W формы (D, M): в этой раскладке транспонировать не нужно",
)
HINT_STABLE = L(
    "subtract each row's maximum before np.exp: softmax does not change, and exp cannot overflow",
    "вычтите максимум каждой строки перед np.exp: softmax не изменится, а exp не переполнится",
)
HINT_LOGSUMEXP = L(
    "compute the loss as logsumexp(row) - logit of the true class, with the row "
    "maximum subtracted first; log(softmax) gives log(0) = -inf",
    "считайте потери как logsumexp(строки) - логит верного класса, сначала вычтя "
    "максимум строки; log(softmax) даёт log(0) = -inf",
)
HINT_MEAN = L(
    "the loss is the MEAN over the batch, and so its gradient is (softmax - onehot) / N",
    "потери — СРЕДНЕЕ по батчу, поэтому и градиент равен (softmax - onehot) / N",
)
HINT_CENTRAL = L(
    "use central differences: (f(x + h e_i) - f(x - h e_i)) / (2 h)",
    "используйте центральные разности: (f(x + h e_i) - f(x - h e_i)) / (2 h)",
)
HINT_EVERY_ELEMENT = L(
    "visit every element whatever x.ndim is: np.ndindex(x.shape), np.nditer "
    "with multi_index, or a C-ordered copy's reshape(-1) view",
    "обойдите все элементы при любом x.ndim: np.ndindex(x.shape), np.nditer с "
    "multi_index или view reshape(-1) от копии в порядке C",
)


def timing_hint(what_en, what_ru):
    return L(
        f"{what_en} for the whole batch at once: no Python loop over the samples",
        f"{what_ru} сразу для всего батча: без цикла Python по объектам",
    )


# ---------------------------------------------------------------- linear_forward / backward


@pytest.mark.points(2)
def test_linear_forward_nonsquare(student, rng):
    """linear_forward is right for a non-square W
    ru: linear_forward верна для неквадратной W"""
    x, W, b = layer(rng, 7, 5, 3)
    want, _ = ref.linear_forward(*f64(x, W, b))
    out, _ = forward(student, x, W, b)
    checks.close(
        out,
        want,
        like=x,
        kind="linear",
        what=L("linear_forward: wrong output for x (7, 5), W (5, 3)", "linear_forward: неверный выход для x (7, 5), W (5, 3)"),
        hint=HINT_LINEAR,
    )


@pytest.mark.points(1)
def test_linear_forward_float32(student, rng):
    """linear_forward works on float32 input
    ru: linear_forward работает на входе float32"""
    x, W, b = layer(rng, 9, 6, 4, dtype=np.float32)
    want, _ = ref.linear_forward(*f64(x, W, b))
    out, _ = forward(student, x, W, b)
    checks.close(
        out,
        want,
        like=x,
        kind="linear",
        what=L("linear_forward: wrong output for float32 input", "linear_forward: неверный выход для входа float32"),
    )


@pytest.mark.points(2)
def test_linear_backward_dx(student, rng):
    """linear_backward gives the right dx
    ru: linear_backward даёт верный dx"""
    x, W, b = layer(rng, 6, 4, 3)
    dout = rng.normal(size=(6, 3))
    want, _, _ = ref_backward(x, W, b, dout)
    dx, _, _ = student_backward(student, x, W, b, dout)
    checks.close(
        dx,
        want,
        like=x,
        kind="linear",
        what=L("linear_backward: wrong dx", "linear_backward: неверный dx"),
        hint=L("dx = dout @ W.T, shape (N, D)", "dx = dout @ W.T, форма (N, D)"),
    )


@pytest.mark.points(2)
def test_linear_backward_dW(student, rng):
    """linear_backward gives the right dW
    ru: linear_backward даёт верный dW"""
    x, W, b = layer(rng, 8, 3, 5)
    dout = rng.normal(size=(8, 5))
    _, want, _ = ref_backward(x, W, b, dout)
    _, dW, _ = student_backward(student, x, W, b, dout)
    checks.close(
        dW,
        want,
        like=x,
        kind="linear",
        what=L("linear_backward: wrong dW", "linear_backward: неверный dW"),
        hint=L("dW = x.T @ dout, shape (D, M) like W", "dW = x.T @ dout, форма (D, M), как у W"),
    )


@pytest.mark.points(2)
def test_linear_backward_db(student, rng):
    """linear_backward gives the right db
    ru: linear_backward даёт верный db"""
    x, W, b = layer(rng, 5, 4, 6)
    dout = rng.normal(size=(5, 6))
    _, _, want = ref_backward(x, W, b, dout)
    _, _, db = student_backward(student, x, W, b, dout)
    checks.close(
        db,
        want,
        like=x,
        kind="linear",
        what=L("linear_backward: wrong db", "linear_backward: неверный db"),
        hint=L(
            "b is added to every sample, so db = dout.sum(axis=0), shape (M,)",
            "b прибавляется к каждому объекту, поэтому db = dout.sum(axis=0), форма (M,)",
        ),
    )


@pytest.mark.points(1)
def test_linear_backward_float32(student, rng):
    """linear_backward works on float32 input
    ru: linear_backward работает на входе float32"""
    x, W, b = layer(rng, 10, 7, 3, dtype=np.float32)
    dout = rng.normal(size=(10, 3)).astype(np.float32)
    want = ref_backward(x, W, b, dout)
    got = student_backward(student, x, W, b, dout)
    for name, g, w in zip(("dx", "dW", "db"), got, want):
        checks.close(
            g,
            w,
            like=x,
            kind="linear",
            what=L(f"linear_backward: wrong {name} for float32 input", f"linear_backward: неверный {name} для входа float32"),
        )


@pytest.mark.points(1)
def test_linear_non_contiguous(student, rng):
    """The dense layer works on strided and transposed arrays
    ru: полносвязный слой работает со срезами с шагом и транспонированными массивами"""
    x = rng.normal(size=(6, 10))[:, ::2]  # (6, 5), every other column
    W = rng.normal(size=(3, 5)).T  # (5, 3), Fortran-ordered
    b = rng.normal(size=6)[1::2]
    dout = rng.normal(size=(3, 6)).T
    want_out, _ = ref.linear_forward(*f64(x, W, b))
    want = ref_backward(x, W, b, dout)
    out, cache = forward(student, x, W, b)
    got = parts(student.linear_backward(dout, cache), 3, "linear_backward", "(dx, dW, db)")
    what = L("the dense layer on strided / transposed arrays", "полносвязный слой на срезах с шагом / транспонированных массивах")
    checks.close(out, want_out, like=x, kind="linear", what=what + L(" (out)", " (out)"))
    for name, g, w in zip(("dx", "dW", "db"), got, want):
        checks.close(g, w, like=x, kind="linear", what=what + L(f" ({name})", f" ({name})"))


@pytest.mark.points(1)
@pytest.mark.requires("linear_forward_nonsquare", "linear_backward_dx", "linear_backward_dW", "linear_backward_db")
def test_linear_inputs_unchanged(student, rng):
    """The dense layer does not modify x, W, b or dout
    ru: полносвязный слой не изменяет x, W, b и dout"""
    x, W, b = layer(rng, 5, 4, 3)
    dout = rng.normal(size=(5, 3))
    before = tuple(a.copy() for a in (x, W, b, dout))
    student_backward(student, x, W, b, dout)
    for name, bef, now in zip(("x", "W", "b", "dout"), before, (x, W, b, dout)):
        checks.unchanged(
            bef,
            now,
            what=L(f"linear_forward / linear_backward changed {name}", f"linear_forward / linear_backward изменили {name}"),
        )


@pytest.mark.points(2)
def test_linear_two_layers_alternate(student, rng):
    """Two dense layers used alternately keep their own caches
    ru: два полносвязных слоя, вызываемые поочерёдно, хранят каждый свой кэш"""
    first, second = layer(rng, 6, 4, 3), layer(rng, 5, 3, 7)
    douts = rng.normal(size=(6, 3)), rng.normal(size=(5, 7))
    # the references first: the student's calls may write into what they receive
    wants = ref_backward(*first, douts[0]), ref_backward(*second, douts[1])
    _, cache_a = forward(student, *first)
    _, cache_b = forward(student, *second)  # a second layer's forward between A's two passes
    for (en, ru), cache, params, dout, want in (
        (("the first", "первого"), cache_a, first, douts[0], wants[0]),
        (("the second", "второго"), cache_b, second, douts[1], wants[1]),
    ):
        got = parts(student.linear_backward(dout, cache), 3, "linear_backward", "(dx, dW, db)")
        for part, g, w in zip(("dx", "dW", "db"), got, want):
            checks.close(
                g,
                w,
                like=params[0],
                kind="linear",
                what=L(
                    f"linear_backward: wrong {part} for {en} of two layers whose forward passes ran one after the other",
                    f"linear_backward: неверный {part} для {ru} из двух слоёв, прямые проходы которых шли друг за другом",
                ),
                hint=L(
                    "take everything the backward pass needs from its cache, never from a "
                    "module-level variable: another layer's forward pass overwrites it",
                    "берите всё нужное обратному проходу из его cache, а не из переменной "
                    "модуля: прямой проход другого слоя её перезапишет",
                ),
            )


@pytest.mark.points(1)
def test_linear_backward_repeatable(student, rng):
    """linear_backward gives the same gradients when called twice with one cache
    ru: linear_backward даёт те же градиенты при двух вызовах с одним cache"""
    x, W, b = layer(rng, 7, 4, 2)
    dout = rng.normal(size=(7, 2))
    want = ref_backward(x, W, b, dout)
    _, cache = forward(student, x, W, b)
    what = L("linear_backward called a second time with the same cache", "linear_backward, вызванная второй раз с тем же cache")
    hint = L(
        "the backward pass must not change its cache (no cache.W = cache.W.T, no in-place ops on the cached arrays)",
        "обратный проход не должен менять cache (никаких cache.W = cache.W.T и операций на месте над сохранёнными массивами)",
    )
    for _ in range(2):
        got = parts(student.linear_backward(dout, cache), 3, "linear_backward", "(dx, dW, db)")
        for part, g, w in zip(("dx", "dW", "db"), got, want):
            checks.close(g, w, like=x, kind="linear", what=what + L(f" ({part})", f" ({part})"), hint=hint)


@pytest.mark.points(1)
def test_linear_edge_shapes(student, rng):
    """The dense layer works for one sample, one feature and one output
    ru: полносвязный слой работает для одного объекта, одного признака и одного выхода"""
    for n, d, m in ((1, 4, 3), (5, 1, 3), (5, 4, 1), (1, 1, 1)):
        x, W, b = layer(rng, n, d, m)
        dout = rng.normal(size=(n, m))
        want_out, _ = ref.linear_forward(*f64(x, W, b))
        want = ref_backward(x, W, b, dout)
        out, cache = forward(student, x, W, b)
        got = parts(student.linear_backward(dout, cache), 3, "linear_backward", "(dx, dW, db)")
        what = L(f"the dense layer for x ({n}, {d}), W ({d}, {m})", f"полносвязный слой для x ({n}, {d}), W ({d}, {m})")
        hint = L(
            "keep every axis: out is (N, M), dx (N, D), dW (D, M), db (M,) even when one of them is 1 (no np.squeeze)",
            "сохраняйте все оси: out формы (N, M), dx (N, D), dW (D, M), db (M,), даже "
            "когда одна из них равна 1 (без np.squeeze)",
        )
        checks.close(out, want_out, like=x, kind="linear", what=what + L(" (out)", " (out)"), hint=hint)
        for part, g, w in zip(("dx", "dW", "db"), got, want):
            checks.close(g, w, like=x, kind="linear", what=what + L(f" ({part})", f" ({part})"), hint=hint)


@pytest.mark.points(1)
def test_linear_vectorized(student, rng):
    """linear_forward is vectorized over the samples (no Python loop over N)
    ru: linear_forward векторизована по объектам (без цикла Python по N)"""
    # a loop over 1e5 rows costs ~0.2 s (measured); x @ W + b about a millisecond
    x, W, b = layer(rng, 100_000, 3, 2)
    want, _ = ref.linear_forward(x, W, b)
    ref_s = timing.reference_seconds(ref.linear_forward, x, W, b)
    got, student_s = student.cpu_time("linear_forward", x, W, b)
    out, _ = parts(got, 2, "linear_forward", "(out, cache)")
    checks.vectorized(
        student_s,
        ref_s,
        got=out,
        want=want,
        like=x,
        kind="linear",
        what=L("linear_forward on 100000 samples", "linear_forward на 100000 объектах"),
        hint=timing_hint("x @ W + b", "x @ W + b"),
    )


# ---------------------------------------------------------------- softmax


@pytest.mark.points(2)
def test_softmax_values(student, rng):
    """softmax is right, row by row
    ru: softmax верен по строкам"""
    z = rng.normal(size=(6, 4)) * 3.0
    want = ref.softmax(z.copy())
    got = student.softmax(z)
    checks.close(
        got,
        want,
        like=z,
        kind="linear",
        what=L("softmax: wrong values for (6, 4) logits", "softmax: неверные значения для логитов (6, 4)"),
        hint=L(
            "normalize each ROW: divide by the sum over axis 1 (keepdims=True)",
            "нормируйте каждую СТРОКУ: делите на сумму по оси 1 (keepdims=True)",
        ),
    )


@pytest.mark.points(3)
def test_softmax_large_logits(student, rng):
    """softmax is finite and right for logits of +-1e4
    ru: softmax конечен и верен для логитов порядка +-1e4"""
    z = rng.normal(size=(5, 6)) * 3.0
    z[0, :3] = [1e4, -1e4, 1e4 - 2.0]
    z[1] = -1e4 + rng.normal(size=6)
    z[2] = 1e4 + rng.normal(size=6)
    z[3, 4] = 1e4
    want = ref.softmax(z.copy())
    got = student.softmax(z)
    checks.close(
        got,
        want,
        like=z,
        kind="linear",
        what=L(
            "softmax: wrong or non-finite values for logits of +-1e4",
            "softmax: неверные или бесконечные значения для логитов порядка +-1e4",
        ),
        hint=HINT_STABLE,
    )


@pytest.mark.points(1)
def test_softmax_float32(student, rng):
    """softmax works on float32 logits, large ones included
    ru: softmax работает на логитах float32, в том числе больших"""
    z = (rng.normal(size=(7, 5)) * 3.0).astype(np.float32)
    z[0, 0], z[1, 2] = 500.0, -500.0  # exp overflows float32 beyond 88
    want = ref.softmax(z.astype(np.float64))
    got = student.softmax(z)
    checks.close(
        got,
        want,
        like=z,
        kind="linear",
        what=L("softmax: wrong values for float32 logits", "softmax: неверные значения для логитов float32"),
        hint=HINT_STABLE,
    )


@pytest.mark.points(1)
@pytest.mark.requires("softmax_values")
def test_softmax_inputs_unchanged(student, rng):
    """softmax does not modify the logits
    ru: softmax не изменяет логиты"""
    z = rng.normal(size=(4, 5))
    before = z.copy()
    student.softmax(z)
    checks.unchanged(
        before,
        z,
        what=L("softmax changed z", "softmax изменила z"),
        hint=L(
            "z - z.max(axis=1, keepdims=True) makes a new array; z -= ... does not",
            "z - z.max(axis=1, keepdims=True) создаёт новый массив, а z -= ... — нет",
        ),
    )


@pytest.mark.points(1)
def test_softmax_edge_shapes(student, rng):
    """softmax works for one row and for one class
    ru: softmax работает для одной строки и для одного класса"""
    for shape in ((1, 5), (4, 1)):
        z = rng.normal(size=shape) * 3.0
        want = ref.softmax(z.copy())
        got = student.softmax(z)
        checks.close(
            got,
            want,
            like=z,
            kind="linear",
            what=L(f"softmax: wrong for logits of shape {shape}", f"softmax: неверен для логитов формы {shape}"),
            hint=L(
                "keep the (N, C) shape (keepdims=True, no np.squeeze); with one class every probability is 1",
                "сохраняйте форму (N, C) (keepdims=True, без np.squeeze); при одном классе все вероятности равны 1",
            ),
        )


@pytest.mark.points(1)
def test_softmax_vectorized(student, rng):
    """softmax is vectorized over the rows (no Python loop over N)
    ru: softmax векторизован по строкам (без цикла Python по N)"""
    z = rng.normal(size=(100_000, 3))
    want = ref.softmax(z)
    ref_s = timing.reference_seconds(ref.softmax, z)
    got, student_s = student.cpu_time("softmax", z)
    checks.vectorized(
        student_s,
        ref_s,
        got=got,
        want=want,
        like=z,
        kind="linear",
        what=L("softmax on 100000 rows", "softmax на 100000 строках"),
        hint=timing_hint("np.exp and the row sums (axis=1, keepdims=True)", "np.exp и суммы по строкам (axis=1, keepdims=True)"),
    )


# ---------------------------------------------------------------- cross_entropy


@pytest.mark.points(2)
def test_ce_loss_value(student, rng):
    """cross_entropy's loss is the mean negative log-likelihood
    ru: потери cross_entropy — среднее отрицательное логарифмическое правдоподобие"""
    logits, y = rng.normal(size=(8, 5)) * 2.0, labels(rng, 8, 5)
    want, _ = ref.cross_entropy(logits.copy(), y.copy())
    loss, _ = ce(student, logits, y)
    loss = checks.scalar(loss, what=L("cross_entropy: the loss", "cross_entropy: потери"))
    checks.close(
        loss,
        want,
        like=logits,
        kind="loss",
        what=L("cross_entropy: wrong loss for 8 samples, 5 classes", "cross_entropy: неверные потери для 8 объектов и 5 классов"),
        hint=[
            HINT_MEAN,
            L("pick each sample's own class: logits[np.arange(N), y]", "берите класс каждого объекта: logits[np.arange(N), y]"),
        ],
    )


@pytest.mark.points(2)
def test_ce_dlogits(student, rng):
    """cross_entropy's dlogits is (softmax - onehot) / N
    ru: dlogits из cross_entropy равен (softmax - onehot) / N"""
    logits, y = rng.normal(size=(6, 7)) * 2.0, labels(rng, 6, 7)
    _, want = ref.cross_entropy(logits.copy(), y.copy())
    _, dlogits = ce(student, logits, y)
    checks.close(
        dlogits,
        want,
        like=logits,
        kind="linear",
        what=L(
            "cross_entropy: wrong dlogits for 6 samples, 7 classes", "cross_entropy: неверный dlogits для 6 объектов и 7 классов"
        ),
        hint=HINT_MEAN,
    )


@pytest.mark.points(2)
def test_ce_large_gap_loss(student, rng):
    """cross_entropy's loss is right when one logit leads by 1000
    ru: потери cross_entropy верны, когда один логит больше остальных на 1000"""
    n, c = 6, 4
    logits = rng.normal(size=(n, c))
    winners = labels(rng, n, c)
    logits[np.arange(n), winners] += 1000.0
    y = winners.copy()
    y[: n // 2] = (winners[: n // 2] + 1) % c  # half the samples bet 1000 on the wrong class
    want, _ = ref.cross_entropy(logits.copy(), y.copy())
    loss, _ = ce(student, logits, y)
    loss = checks.scalar(
        loss,
        what=L("cross_entropy: the loss with a logit gap of 1000", "cross_entropy: потери при разрыве логитов 1000"),
        hint=HINT_LOGSUMEXP,
    )
    checks.close(
        loss,
        want,
        like=logits,
        kind="loss",
        what=L("cross_entropy: wrong loss with a logit gap of 1000", "cross_entropy: неверные потери при разрыве логитов 1000"),
        hint=HINT_LOGSUMEXP,
    )


@pytest.mark.points(1)
def test_ce_extreme_logits_grad(student, rng):
    """cross_entropy's dlogits is finite and right for logits of +-1e4
    ru: dlogits из cross_entropy конечен и верен для логитов порядка +-1e4"""
    logits = rng.normal(size=(4, 5))
    logits[0, 1], logits[1] = 1e4, -1e4 + rng.normal(size=5)
    logits[2, 3], logits[3, 0] = -1e4, 1e4
    y = np.array([0, 2, 3, 0])
    _, want = ref.cross_entropy(logits.copy(), y.copy())
    _, dlogits = ce(student, logits, y)
    checks.close(
        dlogits,
        want,
        like=logits,
        kind="linear",
        what=L("cross_entropy: wrong dlogits for logits of +-1e4", "cross_entropy: неверный dlogits для логитов порядка +-1e4"),
        hint=HINT_STABLE,
    )


@pytest.mark.points(1)
def test_ce_float32(student, rng):
    """cross_entropy works on float32 logits
    ru: cross_entropy работает на логитах float32"""
    logits = (rng.normal(size=(9, 4)) * 2.0).astype(np.float32)
    y = labels(rng, 9, 4)
    want_loss, want_grad = ref.cross_entropy(logits.astype(np.float64), y.copy())
    loss, dlogits = ce(student, logits, y)
    loss = checks.scalar(loss, what=L("cross_entropy: the loss for float32 logits", "cross_entropy: потери для логитов float32"))
    checks.close(
        loss,
        want_loss,
        like=logits,
        kind="loss",
        what=L("cross_entropy: wrong loss for float32 logits", "cross_entropy: неверные потери для логитов float32"),
    )
    checks.close(
        dlogits,
        want_grad,
        like=logits,
        kind="linear",
        what=L("cross_entropy: wrong dlogits for float32 logits", "cross_entropy: неверный dlogits для логитов float32"),
    )


@pytest.mark.points(1)
@pytest.mark.requires("ce_loss_value", "ce_dlogits")
def test_ce_inputs_unchanged(student, rng):
    """cross_entropy does not modify logits or y
    ru: cross_entropy не изменяет logits и y"""
    logits, y = rng.normal(size=(5, 3)), labels(rng, 5, 3)
    before = (logits.copy(), y.copy())
    student.cross_entropy(logits, y)
    for name, bef, now in zip(("logits", "y"), before, (logits, y)):
        checks.unchanged(bef, now, what=L(f"cross_entropy changed {name}", f"cross_entropy изменила {name}"))


@pytest.mark.points(1)
def test_ce_edge_shapes(student, rng):
    """cross_entropy works for one sample and for two classes
    ru: cross_entropy работает для одного объекта и для двух классов"""
    for n, c in ((1, 4), (7, 2)):
        logits, y = rng.normal(size=(n, c)) * 2.0, labels(rng, n, c)
        want_loss, want_grad = ref.cross_entropy(logits.copy(), y.copy())
        loss, dlogits = ce(student, logits, y)
        what = L(f"cross_entropy for {n} sample(s), {c} classes", f"cross_entropy для {n} объект(ов) и {c} классов")
        loss = checks.scalar(loss, what=what + L(" (loss)", " (потери)"))
        checks.close(loss, want_loss, like=logits, kind="loss", what=what + L(" (loss)", " (потери)"))
        checks.close(
            dlogits,
            want_grad,
            like=logits,
            kind="linear",
            what=what + L(" (dlogits)", " (dlogits)"),
            hint=L(
                "dlogits has the shape of logits, (N, C), even for N = 1", "dlogits имеет форму logits, (N, C), даже при N = 1"
            ),
        )


@pytest.mark.points(1)
def test_softmax_ce_noncontiguous(student, rng):
    """softmax and cross_entropy work on transposed and strided arrays
    ru: softmax и cross_entropy работают с транспонированными массивами и срезами с шагом"""
    z = (rng.normal(size=(5, 7)) * 3.0).T  # (7, 5), Fortran-ordered
    logits = (rng.normal(size=(6, 10)) * 2.0)[:, ::2]  # (6, 5), every other column
    y = labels(rng, 12, 5)[::2].astype(np.int32)  # every other label, int32
    what = L(" on transposed / strided arrays", " на транспонированных массивах / срезах с шагом")
    want_softmax = ref.softmax(z.copy())
    want_loss, want_grad = ref.cross_entropy(logits.copy(), y.astype(np.int64))
    checks.close(student.softmax(z), want_softmax, like=z, kind="linear", what=L("softmax", "softmax") + what, hint=HINT_STABLE)
    loss, dlogits = ce(student, logits, y)
    loss = checks.scalar(loss, what=L("cross_entropy (loss)", "cross_entropy (потери)") + what)
    checks.close(loss, want_loss, like=logits, kind="loss", what=L("cross_entropy (loss)", "cross_entropy (потери)") + what)
    checks.close(
        dlogits, want_grad, like=logits, kind="linear", what=L("cross_entropy (dlogits)", "cross_entropy (dlogits)") + what
    )


@pytest.mark.points(1)
def test_ce_vectorized(student, rng):
    """cross_entropy is vectorized over the samples (no Python loop over N)
    ru: cross_entropy векторизована по объектам (без цикла Python по N)"""
    # CS231n's softmax_loss_naive (a loop over the samples doing array work) costs ~7 us a
    # sample, 0.7 s here, ~80 times the reference (measured). A loop that only picks
    # logits[i, y[i]] after a vectorized softmax costs ~0.5 us a sample, no more than some
    # correct variants (logits[range(N), y] converts the range element by element): CPU time
    # cannot tell those apart, and this test does not try
    logits, y = rng.normal(size=(100_000, 3)), labels(rng, 100_000, 3)
    want_loss, want = ref.cross_entropy(logits, y)
    ref_s = timing.reference_seconds(ref.cross_entropy, logits, y)
    got, student_s = student.cpu_time("cross_entropy", logits, y)
    what = L("cross_entropy on 100000 samples", "cross_entropy на 100000 объектах")

    def verify(got):  # the timed call's loss and dlogits
        loss, dlogits = parts(got, 2, "cross_entropy", "(loss, dlogits)")
        checks.close(loss, want_loss, like=logits, kind="loss", what=what + L(" (loss)", " (loss)"))
        checks.close(dlogits, want, like=logits, kind="linear", what=what + L(" (dlogits)", " (dlogits)"))

    checks.vectorized(
        student_s,
        ref_s,
        got=got,
        verify=verify,
        what=what,
        hint=timing_hint(
            "pick the true-class logits with logits[np.arange(N), y]",
            "выбирайте логиты верных классов через logits[np.arange(N), y]",
        ),
    )


# ---------------------------------------------------------------- numerical_gradient


def numgrad(student, f, x, **kw):
    return student.numerical_gradient(f, x, **kw)


@pytest.mark.points(2)
def test_numgrad_matrix(student, rng):
    """numerical_gradient of a layer's loss matches the analytic gradient (a 2-D x)
    ru: numerical_gradient потерь слоя совпадает с аналитическим градиентом (двумерный x)"""
    n, d, c = 5, 4, 3
    data, b, y = rng.normal(size=(n, d)), rng.normal(size=c), labels(rng, n, c)
    W = rng.normal(size=(d, c))
    out, cache = ref.linear_forward(data, W, b)
    _, dW, _ = ref.linear_backward(ref.cross_entropy(out, y)[1], cache)
    _, f = bind("linear_cross_entropy", data, b, y)
    got = numgrad(student, f, W)
    checks.close(
        got,
        dW,
        like=W,
        kind="gradcheck",
        what=L(
            "numerical_gradient of a cross-entropy loss with respect to W (4, 3)",
            "numerical_gradient потерь кросс-энтропии по W (4, 3)",
        ),
        hint=HINT_CENTRAL,
    )


@pytest.mark.points(1)
def test_numgrad_vector(student, rng):
    """numerical_gradient works for a 1-D x
    ru: numerical_gradient работает для одномерного x"""
    x = rng.uniform(-2.0, 2.0, size=7)
    got = numgrad(student, PublicFn("sum_of_sines"), x)
    checks.close(
        got,
        np.cos(x),
        like=x,
        kind="gradcheck",
        what=L("numerical_gradient of sum(sin(x)) for x of shape (7,)", "numerical_gradient от sum(sin(x)) для x формы (7,)"),
        hint=HINT_EVERY_ELEMENT,
    )


@pytest.mark.points(2)
def test_numgrad_3d(student, rng):
    """numerical_gradient works for a 3-D x and a function coupling all elements
    ru: numerical_gradient работает для трёхмерного x и функции, связывающей все элементы"""
    x = rng.normal(size=(2, 3, 4))
    a = rng.normal(size=(24, 24))
    want = ((a + a.T) @ x.reshape(-1) / 2.0).reshape(x.shape)
    got = numgrad(student, PublicFn("quadratic_form", (a,)), x)
    checks.close(
        got,
        want,
        like=x,
        kind="gradcheck",
        what=L(
            "numerical_gradient of a quadratic form for x of shape (2, 3, 4)",
            "numerical_gradient квадратичной формы для x формы (2, 3, 4)",
        ),
        hint=[
            HINT_EVERY_ELEMENT,
            L(
                "put each element back before moving on to the next one",
                "возвращайте каждый элемент на место, прежде чем переходить к следующему",
            ),
        ],
    )


@pytest.mark.points(2)
def test_numgrad_non_contiguous(student, rng):
    """numerical_gradient works for a transposed x
    ru: numerical_gradient работает для транспонированного x"""
    base = rng.normal(size=(4, 3))
    x = base.T  # (3, 4), Fortran-ordered: x.reshape(-1) is a copy, not a view
    a = rng.normal(size=(12, 12))
    want = ((a + a.T) @ x.reshape(-1) / 2.0).reshape(x.shape)
    got = numgrad(student, PublicFn("quadratic_form", (a,)), x)
    checks.close(
        got,
        want,
        like=x,
        kind="gradcheck",
        what=L(
            "numerical_gradient for a transposed x of shape (3, 4)", "numerical_gradient для транспонированного x формы (3, 4)"
        ),
        hint=L(
            "x.reshape(-1) of a transposed array is a copy: writing into it does not "
            "move x; index x itself (np.ndindex) or work on np.array(x, order='C')",
            "x.reshape(-1) от транспонированного массива — копия: запись в неё не "
            "меняет x; индексируйте сам x (np.ndindex) или работайте с "
            "np.array(x, order='C')",
        ),
    )


@pytest.mark.points(2)
@pytest.mark.requires("numgrad_matrix")
def test_numgrad_restores_x(student, rng):
    """numerical_gradient leaves x with its original values
    ru: numerical_gradient оставляет x с исходными значениями"""
    x = rng.normal(size=(3, 5))
    before = x.copy()
    numgrad(student, PublicFn("sum_of_squares"), x)
    checks.unchanged(
        before,
        x,
        what=L("numerical_gradient changed x", "numerical_gradient изменила x"),
        hint=L(
            "after evaluating f at x + h and x - h, put the old value back (or perturb a copy of x)",
            "после вычисления f в x + h и x - h верните старое значение (или возмущайте копию x)",
        ),
    )


@pytest.mark.points(2)
def test_numgrad_central_difference(student, rng):
    """numerical_gradient uses central differences (error O(h**2))
    ru: numerical_gradient использует центральные разности (ошибка O(h**2))"""
    # d/dx sum(x**3) = 3 x**2: central differences are off by h**2 = 1e-10, one-sided ones by
    # about 3 |x| h = 3e-5, far beyond the tolerance of 1e-7
    x = rng.uniform(1.0, 2.0, size=(4, 3)) * rng.choice([-1.0, 1.0], size=(4, 3))
    got = numgrad(student, PublicFn("sum_of_cubes"), x)
    checks.close(
        got,
        3 * x**2,
        like=x,
        kind="gradcheck",
        what=L("numerical_gradient of sum(x**3)", "numerical_gradient от sum(x**3)"),
        hint=HINT_CENTRAL,
    )


@pytest.mark.points(2)
def test_numgrad_custom_h(student, rng):
    """numerical_gradient uses the step h it is given
    ru: numerical_gradient использует переданный шаг h"""
    # with h = 1e-3 the central difference of sum(x**3) is exactly 3 x**2 + h**2 = 3 x**2 + 1e-6;
    # a step of 1e-5 gives 3 x**2 + 1e-10: 1e-6 apart, against a tolerance of 1e-9
    x = rng.uniform(-2.0, 2.0, size=(3, 2))
    f_ref, f = bind("sum_of_cubes")
    want = ref.numerical_gradient(f_ref, x.copy(), h=1e-3)
    got = numgrad(student, f, x, h=1e-3)
    checks.close(
        got,
        want,
        like=x,
        kind="gradcheck",
        rtol=1e-9,
        atol=1e-9,
        what=L("numerical_gradient with h = 1e-3", "numerical_gradient при h = 1e-3"),
        hint=L("use the h argument, not a fixed step", "используйте аргумент h, а не фиксированный шаг"),
    )


@pytest.mark.points(2)
def test_numgrad_integer_x(student, rng):
    """numerical_gradient at an integer x gives the float central differences
    ru: numerical_gradient в целочисленной точке x даёт центральные разности в числах с плавающей точкой"""
    for x in (np.arange(-3, 4), rng.integers(-4, 5, size=(3, 2)).astype(np.int32)):
        before = x.copy()
        f_ref, f = bind("sum_of_cubes")
        want = ref.numerical_gradient(f_ref, x.copy())
        got = numgrad(student, f, x)
        checks.close(
            got,
            want,
            like=np.float64,
            kind="gradcheck",
            what=L(
                f"numerical_gradient of sum(x**3) at an integer x ({x.dtype})",
                f"numerical_gradient от sum(x**3) в целочисленной точке x ({x.dtype})",
            ),
            hint=L(
                "an integer array cannot hold x + h (it is truncated back to x), and "
                "np.zeros_like(x) is an integer array too: perturb "
                "np.array(x, dtype=float) and collect the gradient in np.zeros(x.shape)",
                "целочисленный массив не может хранить x + h (значение усекается "
                "обратно до x), и np.zeros_like(x) тоже целочисленный: возмущайте "
                "np.array(x, dtype=float) и собирайте градиент в np.zeros(x.shape)",
            ),
        )
        checks.unchanged(
            before, x, what=L("numerical_gradient changed an integer x", "numerical_gradient изменила целочисленный x")
        )


@pytest.mark.points(1)
def test_numgrad_any_shape_and_layout(student, rng):
    """numerical_gradient works for a 0-d x and for strided views
    ru: numerical_gradient работает для x размерности 0 и для срезов с шагом"""
    cases = [
        ("a 0-d x", "x размерности 0", np.array(rng.uniform(1.0, 2.0))),
        (
            "every other column of a (3, 8) array",
            "каждый второй столбец массива (3, 8)",
            rng.uniform(-2.0, 2.0, size=(3, 8))[:, ::2],
        ),
        ("a reversed 1-d x", "развёрнутый одномерный x", rng.uniform(-2.0, 2.0, size=9)[::-1]),
    ]
    for en, ru, x in cases:
        before = x.copy()
        f_ref, f = bind("sum_of_cubes")
        want = ref.numerical_gradient(f_ref, x.copy())
        got = numgrad(student, f, x)
        checks.close(
            got,
            want,
            like=x,
            kind="gradcheck",
            what=L(f"numerical_gradient of sum(x**3) for {en}", f"numerical_gradient от sum(x**3) для: {ru}"),
            hint=HINT_EVERY_ELEMENT,
        )
        checks.unchanged(before, x, what=L(f"numerical_gradient changed {en}", f"numerical_gradient изменила {ru}"))
