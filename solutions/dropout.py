"""Inverted dropout, forward and backward, with PyTorch's meaning of p (the DROP probability).

RU: Инвертированный dropout, прямой и обратный проход; p, как в PyTorch, — вероятность
ВЫКЛЮЧИТЬ нейрон.
"""

import numpy as np

__all__ = ["dropout_forward", "dropout_backward"]


def dropout_forward(x, p, rng, train=True):
    """
    Forward pass of inverted dropout, as torch.nn.functional.dropout(x, p, training=train).

    In training mode every element of x is dropped (set to 0) independently of the others
    with probability p, and the kept ones are scaled by 1 / (1 - p):
        out = x * mask,  mask = keep / (1 - p),  keep ~ Bernoulli(1 - p) elementwise,
    so that E[out] = x and nothing needs rescaling at test time. p = 0 gives x; p = 1 gives
    zeros (no NaN: nothing is kept, so nothing is divided by 0). In evaluation mode
    (train=False) out is x unchanged. p outside [0, 1] raises ValueError in either mode.
    Note that p is the probability to DROP (PyTorch); the dropout paper and CS231n use the
    probability to keep.

    Inputs:
    - x: float array of any shape, typically a batch (N, D)
    - p: float in [0, 1], the probability to drop a unit
    - rng: numpy.random.Generator, the only source of randomness
    - train: bool, training mode (True) or evaluation mode (False)

    Returns a tuple of:
    - out: array of the same shape as x; float32 x may give float32 or float64
    - cache: whatever dropout_backward needs (the mask; nothing in evaluation mode)

    Graded beyond the values (the hidden tests check it):
    - vectorized: no Python loop, comprehension or np.vectorize over the elements of x; the
      tests time it on a large input
    - randomness only from rng: NumPy's and Python's global random states stay as they were, and
      the same rng state gives the same output; the mask is drawn from rng
    - x is not modified: after the call it holds the values it had
    - float32 x: every output is 0 or x / (1 − p) to float32 precision
    - float64 x: kept values are x / (1 − p) to float64 precision
    - any shape (1-D and 3-D too), transposed and strided arrays

    RU:
    Прямой проход инвертированного dropout, как torch.nn.functional.dropout(x, p, training=train).

    В режиме обучения каждый элемент x независимо от остальных выключается (становится 0)
    с вероятностью p, а оставшиеся умножаются на 1 / (1 - p):
        out = x * mask,  mask = keep / (1 - p),  keep ~ Bernoulli(1 - p) поэлементно,
    так что E[out] = x и на инференсе ничего масштабировать не нужно. p = 0 даёт x; p = 1 даёт
    нули (без NaN: ничего не сохранено, и делить на 0 нечего). В режиме оценки (train=False)
    out — это x без изменений. p вне [0, 1] вызывает ValueError в любом режиме.
    Обратите внимание: p — вероятность ВЫКЛЮЧИТЬ (как в PyTorch); в статье о dropout и в
    CS231n p — вероятность сохранить.

    Вход:
    - x: массив float любой формы, обычно батч (N, D)
    - p: float из [0, 1], вероятность выключить нейрон
    - rng: numpy.random.Generator, единственный источник случайности
    - train: bool, режим обучения (True) или оценки (False)

    Возвращает кортеж:
    - out: массив той же формы, что x; для float32 x допустим float32 или float64
    - cache: всё, что нужно dropout_backward (маска; в режиме оценки ничего)

    Что оценивается, кроме значений (это проверяют скрытые тесты):
    - векторизация: без цикла Python, спискового включения и np.vectorize по элементам x; тесты
      замеряют время на большом входе
    - случайность только из rng: глобальные генераторы NumPy и Python не меняются, а одно и то
      же состояние rng даёт тот же выход; маска выбирается из rng
    - x не изменяется: после вызова в нём те же значения
    - x типа float32: каждый выход равен 0 или x / (1 − p) с точностью float32
    - x типа float64: сохранённые значения равны x / (1 − p) с точностью float64
    - любая форма (и одномерная, и трёхмерная), транспонированные массивы и срезы с шагом
    """
    ### BEGIN SOLUTION
    if not 0.0 <= p <= 1.0:  # written this way so that p = NaN is rejected too
        raise ValueError(f"dropout probability must be in [0, 1], got {p}")
    if not train:
        return x.copy(), None  # a copy, so that changing out cannot change x
    # rng.random() lies in [0, 1): P(u >= p) = 1 - p, and p = 1 keeps nothing
    keep = rng.random(x.shape) >= p
    # with p = 1 no unit is kept; 1 / (1 - p) would be inf and 0 * inf = NaN
    scale = 1.0 / (1.0 - p) if p < 1.0 else 0.0
    mask = keep * scale  # the scale is folded into the mask, so backward is one product
    return x * mask, mask
    ### END SOLUTION


def dropout_backward(dout, cache):
    """
    Backward pass of inverted dropout.

    out = x * mask, so dx = dout * mask with the mask of the forward pass (not a new one):
    dout where the unit was kept, scaled by the same 1 / (1 - p), and 0 where it was dropped.
    In evaluation mode dx is dout.

    Inputs:
    - dout: upstream gradient dL/dout, same shape as x
    - cache: the cache returned by dropout_forward

    Returns:
    - dx: gradient dL/dx, same shape as dout

    Graded beyond the values (the hidden tests check it):
    - vectorized: no Python loop, comprehension or np.vectorize over the elements of dout, the
      rule for every function
    - dout and the cache are not modified: after the call they hold the values they had
    - the same cache may come more than once, and every call must give the same gradients
    - two layers used in turn: each call uses the mask of its own cache
    - float64 dout: kept values are dout / (1 − p) to float64 precision

    RU:
    Обратный проход инвертированного dropout.

    out = x * mask, поэтому dx = dout * mask с маской прямого прохода (а не новой): dout там,
    где нейрон сохранён, умноженный на тот же 1 / (1 - p), и 0 там, где он выключен.
    В режиме оценки dx равен dout.

    Вход:
    - dout: градиент dL/dout, той же формы, что x
    - cache: cache, который вернул dropout_forward

    Возвращает:
    - dx: градиент dL/dx той же формы, что dout

    Что оценивается, кроме значений (это проверяют скрытые тесты):
    - векторизация: без цикла Python, спискового включения и np.vectorize по элементам dout, как
      во всех функциях
    - dout и cache не изменяются: после вызова в них те же значения
    - один и тот же cache могут передать несколько раз, и каждый вызов должен дать те же
      градиенты
    - два слоя вызываются поочерёдно: каждый вызов берёт маску своего cache
    - dout типа float64: сохранённые значения равны dout / (1 − p) с точностью float64
    """
    ### BEGIN SOLUTION
    mask = cache
    if mask is None:  # evaluation mode: the identity
        return dout.copy()
    return dout * mask
    ### END SOLUTION
