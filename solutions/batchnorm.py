"""Batch normalization of a batch ``(N, D)``: training forward and backward, inference, and the
running statistics, with PyTorch's conventions (``torch.nn.functional.batch_norm``).

RU: Batch-нормализация батча ``(N, D)``: прямой и обратный проход в режиме обучения, режим
инференса и скользящие статистики, в соглашениях PyTorch (``torch.nn.functional.batch_norm``).
"""

import numpy as np

__all__ = [
    "batchnorm_forward",
    "batchnorm_backward",
    "batchnorm_inference",
    "update_running_stats",
]


def batchnorm_forward(x, gamma, beta, eps=1e-5):
    """
    Batch normalization, forward pass in training mode.

    Each feature (column) is normalized with the statistics of the batch:
        mu    = mean over the batch of x                    (D,)
        var   = mean over the batch of (x - mu)**2          (D,)  BIASED: divide by N
        x_hat = (x - mu) / sqrt(var + eps)                  eps inside the square root
        out   = gamma * x_hat + beta
    This is torch.nn.functional.batch_norm(x, ..., training=True) (Ioffe & Szegedy 2015, Alg. 1).

    Inputs:
    - x: batch of shape (N, D), N >= 2
    - gamma: scale, shape (D,)
    - beta: shift, shape (D,)
    - eps: small constant added to the variance, a float

    Returns a tuple of:
    - out: normalized batch, shape (N, D)
    - cache: whatever batchnorm_backward needs (any object; pass it back unchanged)

    Graded beyond the values (the hidden tests check it):
    - vectorized: no Python loop, comprehension or np.vectorize over the samples; the tests time
      it on a large input
    - x, gamma and beta are not modified: after the call they hold the values they had
    - float32 input: a float32 or float64 result, right to float32 precision
    - float64 input: a result as accurate as float64 allows (computing in float32 along the way
      costs points)
    - transposed and strided arrays give what their C-ordered copies give
    - the smallest batches: N = 2, one feature

    RU:
    Batch-нормализация, прямой проход в режиме обучения.

    Каждый признак (столбец) нормализуется статистиками батча:
        mu    = среднее по батчу от x                       (D,)
        var   = среднее по батчу от (x - mu)**2             (D,)  СМЕЩЁННАЯ: делим на N
        x_hat = (x - mu) / sqrt(var + eps)                  eps под корнем
        out   = gamma * x_hat + beta
    Это torch.nn.functional.batch_norm(x, ..., training=True) (Ioffe & Szegedy 2015, алг. 1).

    Вход:
    - x: батч формы (N, D), N >= 2
    - gamma: масштаб, форма (D,)
    - beta: сдвиг, форма (D,)
    - eps: малая константа, прибавляемая к дисперсии, число

    Возвращает кортеж:
    - out: нормализованный батч, форма (N, D)
    - cache: всё, что нужно batchnorm_backward (любой объект; передайте его обратно как есть)

    Что оценивается, кроме значений (это проверяют скрытые тесты):
    - векторизация: без цикла Python, спискового включения и np.vectorize по объектам; тесты
      замеряют время на большом входе
    - x, gamma и beta не изменяются: после вызова в них те же значения
    - вход float32: результат float32 или float64, верный с точностью float32
    - вход float64: результат с точностью float64 (вычисления во float32 по дороге стоят баллов)
    - транспонированные массивы и срезы с шагом дают то же, что их копии в порядке C
    - самые маленькие батчи: N = 2, один признак
    """
    ### BEGIN SOLUTION
    mu = x.mean(axis=0)
    var = x.var(axis=0)  # biased (ddof=0): training normalizes with the batch's own spread
    inv_std = 1.0 / np.sqrt(var + eps)  # eps inside the sqrt keeps a constant column finite
    x_hat = (x - mu) * inv_std
    out = gamma * x_hat + beta
    return out, (x_hat, gamma, inv_std)
    ### END SOLUTION


def batchnorm_backward(dout, cache):
    """
    Batch normalization, backward pass (training mode).

    With g = dout * gamma = dL/dx_hat and inv_std = 1 / sqrt(var + eps), per feature:
        dbeta  = sum over the batch of dout
        dgamma = sum over the batch of dout * x_hat
        dx     = inv_std / N * (N * g - sum(g) - x_hat * sum(g * x_hat))
    The two sums in dx are the paths through the batch mean and the batch variance: every
    sample's output depends on every sample of its column.

    Inputs:
    - dout: upstream gradient dL/dout, shape (N, D)
    - cache: what batchnorm_forward returned, unchanged

    Returns a tuple of:
    - dx: gradient with respect to x, shape (N, D)
    - dgamma: gradient with respect to gamma, shape (D,)
    - dbeta: gradient with respect to beta, shape (D,)

    Graded beyond the values (the hidden tests check it):
    - vectorized: no Python loop, comprehension or np.vectorize over the samples; the tests time
      it on a large input
    - dout and the cache are not modified: after the call they hold the values they had
    - the same cache may come more than once, and every call must give the same gradients
    - float32 input: a float32 or float64 result, right to float32 precision
    - float64 input: a result as accurate as float64 allows (computing in float32 along the way
      costs points)
    - transposed and strided arrays give what their C-ordered copies give
    - two layers used in turn: each call works from its own cache only

    RU:
    Batch-нормализация, обратный проход (режим обучения).

    Пусть g = dout * gamma = dL/dx_hat и inv_std = 1 / sqrt(var + eps); по каждому признаку:
        dbeta  = сумма по батчу от dout
        dgamma = сумма по батчу от dout * x_hat
        dx     = inv_std / N * (N * g - sum(g) - x_hat * sum(g * x_hat))
    Две суммы в dx — это пути через среднее и дисперсию батча: каждый выход зависит от всех
    объектов своего столбца.

    Вход:
    - dout: градиент сверху dL/dout, форма (N, D)
    - cache: то, что вернул batchnorm_forward, без изменений

    Возвращает кортеж:
    - dx: градиент по x, форма (N, D)
    - dgamma: градиент по gamma, форма (D,)
    - dbeta: градиент по beta, форма (D,)

    Что оценивается, кроме значений (это проверяют скрытые тесты):
    - векторизация: без цикла Python, спискового включения и np.vectorize по объектам; тесты
      замеряют время на большом входе
    - dout и cache не изменяются: после вызова в них те же значения
    - один и тот же cache могут передать несколько раз, и каждый вызов должен дать те же
      градиенты
    - вход float32: результат float32 или float64, верный с точностью float32
    - вход float64: результат с точностью float64 (вычисления во float32 по дороге стоят баллов)
    - транспонированные массивы и срезы с шагом дают то же, что их копии в порядке C
    - два слоя вызываются поочерёдно: каждый вызов работает только со своим cache
    """
    ### BEGIN SOLUTION
    x_hat, gamma, inv_std = cache
    n = dout.shape[0]
    dbeta = dout.sum(axis=0)
    dgamma = (dout * x_hat).sum(axis=0)
    g = dout * gamma  # dL/dx_hat
    # Ioffe & Szegedy's three terms, simplified: the direct path minus the mean and variance paths
    dx = inv_std / n * (n * g - g.sum(axis=0) - x_hat * (g * x_hat).sum(axis=0))
    return dx, dgamma, dbeta
    ### END SOLUTION


def batchnorm_inference(x, gamma, beta, running_mean, running_var, eps=1e-5):
    """
    Batch normalization in inference (eval) mode: normalize with the running statistics.

        out = gamma * (x - running_mean) / sqrt(running_var + eps) + beta
    This is torch.nn.functional.batch_norm(x, running_mean, running_var, gamma, beta,
    training=False, eps=eps); the batch's own statistics are not used.

    Inputs:
    - x: batch of shape (N, D)
    - gamma, beta: scale and shift, shape (D,)
    - running_mean, running_var: running statistics, shape (D,)
    - eps: small constant added to the variance, a float

    Returns:
    - out: shape (N, D)

    Graded beyond the values (the hidden tests check it):
    - vectorized: no Python loop, comprehension or np.vectorize over the samples, the rule for
      every function
    - x, gamma, beta and the running statistics are not modified: after the call they hold the
      values they had
    - float32 input: a float32 or float64 result, right to float32 precision
    - float64 input: a result as accurate as float64 allows (computing in float32 along the way
      costs points)
    - transposed and strided arrays give what their C-ordered copies give

    RU:
    Batch-нормализация в режиме инференса (eval): нормализуем скользящими статистиками.

        out = gamma * (x - running_mean) / sqrt(running_var + eps) + beta
    Это torch.nn.functional.batch_norm(x, running_mean, running_var, gamma, beta,
    training=False, eps=eps); статистики самого батча не используются.

    Вход:
    - x: батч формы (N, D)
    - gamma, beta: масштаб и сдвиг, форма (D,)
    - running_mean, running_var: скользящие статистики, форма (D,)
    - eps: малая константа, прибавляемая к дисперсии, число

    Возвращает:
    - out: форма (N, D)

    Что оценивается, кроме значений (это проверяют скрытые тесты):
    - векторизация: без цикла Python, спискового включения и np.vectorize по объектам, как во
      всех функциях
    - x, gamma, beta и скользящие статистики не изменяются: после вызова в них те же значения
    - вход float32: результат float32 или float64, верный с точностью float32
    - вход float64: результат с точностью float64 (вычисления во float32 по дороге стоят баллов)
    - транспонированные массивы и срезы с шагом дают то же, что их копии в порядке C
    """
    ### BEGIN SOLUTION
    return gamma * (x - running_mean) / np.sqrt(running_var + eps) + beta
    ### END SOLUTION


def update_running_stats(running_mean, running_var, x, momentum=0.1):
    """
    One update of the running statistics, PyTorch's rule (BatchNorm1d, momentum=0.1):
        new_mean = (1 - momentum) * running_mean + momentum * mean(x)
        new_var  = (1 - momentum) * running_var  + momentum * var_unbiased(x)
    var_unbiased divides by N - 1 (Bessel's correction), unlike the forward pass. Note the
    convention: momentum is the weight of the NEW batch (CS231n and Keras use the opposite).

    Inputs:
    - running_mean, running_var: current running statistics, shape (D,)
    - x: batch of shape (N, D), N >= 2
    - momentum: weight of the batch statistics, a float in [0, 1]

    Returns a tuple of:
    - new_mean: shape (D,)
    - new_var: shape (D,)

    Graded beyond the values (the hidden tests check it):
    - vectorized: no Python loop, comprehension or np.vectorize over the samples, the rule for
      every function
    - running_mean, running_var and x (return new arrays) are not modified: after the call they
      hold the values they had
    - float32 input: a float32 or float64 result, right to float32 precision
    - float64 input: a result as accurate as float64 allows (computing in float32 along the way
      costs points)
    - transposed and strided arrays give what their C-ordered copies give
    - momentum = 0 and momentum = 1 are used as given

    RU:
    Одно обновление скользящих статистик по правилу PyTorch (BatchNorm1d, momentum=0.1):
        new_mean = (1 - momentum) * running_mean + momentum * mean(x)
        new_var  = (1 - momentum) * running_var  + momentum * var_unbiased(x)
    var_unbiased делит на N - 1 (поправка Бесселя), в отличие от прямого прохода. Обратите
    внимание: momentum — вес НОВОГО батча (в CS231n и Keras наоборот).

    Вход:
    - running_mean, running_var: текущие скользящие статистики, форма (D,)
    - x: батч формы (N, D), N >= 2
    - momentum: вес статистик батча, число из [0, 1]

    Возвращает кортеж:
    - new_mean: форма (D,)
    - new_var: форма (D,)

    Что оценивается, кроме значений (это проверяют скрытые тесты):
    - векторизация: без цикла Python, спискового включения и np.vectorize по объектам, как во
      всех функциях
    - running_mean, running_var и x (верните новые массивы) не изменяются: после вызова в них те
      же значения
    - вход float32: результат float32 или float64, верный с точностью float32
    - вход float64: результат с точностью float64 (вычисления во float32 по дороге стоят баллов)
    - транспонированные массивы и срезы с шагом дают то же, что их копии в порядке C
    - momentum = 0 и momentum = 1 используются как есть
    """
    ### BEGIN SOLUTION
    batch_var = x.var(axis=0, ddof=1)  # unbiased: PyTorch stores an estimate of the population's var
    new_mean = (1 - momentum) * running_mean + momentum * x.mean(axis=0)
    new_var = (1 - momentum) * running_var + momentum * batch_var
    return new_mean, new_var
    ### END SOLUTION
