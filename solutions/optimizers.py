"""Gradient descent and stochastic gradient descent on least squares.

The running example is linear least squares: for data X of shape (N, D), targets y of shape (N,)
and weights w of shape (D,), the loss is mean((X w - y)^2) / 2. The optimizers follow PyTorch's
``torch.optim.SGD`` (momentum without dampening; the nesterov variant), so a trajectory can be
checked step by step against ``torch``.

RU: Градиентный и стохастический градиентный спуск на задаче наименьших квадратов.

Сквозной пример: для данных X формы (N, D), целей y формы (N,) и весов w формы (D,) функция
потерь равна mean((X w - y)^2) / 2. Оптимизаторы повторяют ``torch.optim.SGD`` из PyTorch
(момент без затухания; вариант Нестерова), так что траекторию можно сверить с ``torch`` шаг за
шагом.
"""

import numpy as np

__all__ = [
    "least_squares_loss_grad",
    "gd_step",
    "momentum_step",
    "minibatch_indices",
    "fit_gd",
    "fit_sgd",
]


def least_squares_loss_grad(w, X, y):
    """
    The least-squares loss and its gradient with respect to the weights.

        loss = mean((X @ w - y)**2) / 2
        grad = X.T @ (X @ w - y) / N

    The 1/2 makes the gradient free of a factor 2; this is PyTorch's
    ``F.mse_loss(X @ w, y) / 2`` and its autograd gradient. Compute it for all N samples at
    once (no Python loop over samples).

    Inputs:
    - w: weights, shape (D,)
    - X: data, shape (N, D)
    - y: targets, shape (N,)

    Returns a tuple of:
    - loss: a float
    - grad: the gradient d loss / d w, shape (D,)

    Graded beyond the values (the hidden tests check it):
    - vectorized: no Python loop, comprehension or np.vectorize over the samples; the tests time
      it on a large input
    - w, X and y are not modified: after the call they hold the values they had
    - float32 input: a float32 or float64 result, right to float32 precision
    - float64 input: a result as accurate as float64 allows (computing in float32 along the way
      costs points)
    - transposed and strided arrays give what their C-ordered copies give

    RU:
    Функция потерь наименьших квадратов и её градиент по весам.

        loss = mean((X @ w - y)**2) / 2
        grad = X.T @ (X @ w - y) / N

    Множитель 1/2 убирает двойку из градиента; это ``F.mse_loss(X @ w, y) / 2`` из PyTorch и
    его градиент, посчитанный autograd. Считайте сразу для всех N объектов (без цикла Python
    по объектам).

    Вход:
    - w: веса, форма (D,)
    - X: данные, форма (N, D)
    - y: целевые значения, форма (N,)

    Возвращает кортеж:
    - loss: число (float)
    - grad: градиент d loss / d w, форма (D,)

    Что оценивается, кроме значений (это проверяют скрытые тесты):
    - векторизация: без цикла Python, спискового включения и np.vectorize по объектам; тесты
      замеряют время на большом входе
    - w, X и y не изменяются: после вызова в них те же значения
    - вход float32: результат float32 или float64, верный с точностью float32
    - вход float64: результат с точностью float64 (вычисления во float32 по дороге стоят баллов)
    - транспонированные массивы и срезы с шагом дают то же, что их копии в порядке C
    """
    ### BEGIN SOLUTION
    residual = X @ w - y
    n = X.shape[0]
    loss = float(residual @ residual) / (2 * n)
    grad = X.T @ residual / n
    return loss, grad
    ### END SOLUTION


def gd_step(w, grad, lr):
    """
    One step of gradient descent.

        new_w = w - lr * grad

    Inputs:
    - w: weights, any shape
    - grad: the gradient of the loss at w, the same shape as w
    - lr: the learning rate, a float > 0

    Returns:
    - new_w: the updated weights, the same shape as w (a new array)

    Graded beyond the values (the hidden tests check it):
    - vectorized: no Python loop, comprehension or np.vectorize over the weights, the rule for
      every function
    - w and grad (`w -= ...` would change the caller's array) are not modified: after the call
      they hold the values they had
    - float64 input: a result as accurate as float64 allows (computing in float32 along the way
      costs points)
    - transposed and strided arrays give what their C-ordered copies give

    RU:
    Один шаг градиентного спуска.

        new_w = w - lr * grad

    Вход:
    - w: веса, любая форма
    - grad: градиент функции потерь в точке w, той же формы, что w
    - lr: скорость обучения (learning rate), число > 0

    Возвращает:
    - new_w: обновлённые веса той же формы, что w (новый массив)

    Что оценивается, кроме значений (это проверяют скрытые тесты):
    - векторизация: без цикла Python, спискового включения и np.vectorize по весам, как во всех
      функциях
    - w и grad (`w -= ...` изменил бы массив вызывающего кода) не изменяются: после вызова в них
      те же значения
    - вход float64: результат с точностью float64 (вычисления во float32 по дороге стоят баллов)
    - транспонированные массивы и срезы с шагом дают то же, что их копии в порядке C
    """
    ### BEGIN SOLUTION
    return w - lr * grad
    ### END SOLUTION


def momentum_step(w, grad, velocity, lr, momentum=0.9, nesterov=False):
    """
    One step of SGD with momentum, as ``torch.optim.SGD(momentum=momentum, nesterov=nesterov)``
    (dampening 0).

        new_velocity = momentum * velocity + grad
        new_w = w - lr * new_velocity                          (nesterov=False)
        new_w = w - lr * (grad + momentum * new_velocity)      (nesterov=True)

    The velocity starts at zeros, so the first step gives new_velocity = grad, as PyTorch's
    first step does. Note the convention: PyTorch accumulates gradients and multiplies by lr
    when it updates w; CS231n's ``v = momentum * v - lr * grad; w + v`` stores a velocity
    -lr times ours. With momentum = 0 this is plain gradient descent and new_velocity = grad.

    Inputs:
    - w: weights, any shape
    - grad: the gradient of the loss at w, the same shape as w
    - velocity: the velocity from the previous step (zeros at the first step), the same shape
    - lr: the learning rate, a float > 0
    - momentum: the momentum factor, a float in [0, 1)
    - nesterov: whether to use Nesterov momentum

    Returns a tuple of:
    - new_w: the updated weights, the same shape as w
    - new_velocity: the updated velocity, the same shape as w

    Graded beyond the values (the hidden tests check it):
    - vectorized: no Python loop, comprehension or np.vectorize over the weights, the rule for
      every function
    - w, grad and velocity are not modified: after the call they hold the values they had
    - float64 input: a result as accurate as float64 allows (computing in float32 along the way
      costs points)
    - transposed and strided arrays give what their C-ordered copies give
    - lr = 0, momentum = 0 (with nesterov too) and momentum = 1 are used as given

    RU:
    Один шаг SGD с моментом, как ``torch.optim.SGD(momentum=momentum, nesterov=nesterov)``
    (dampening 0).

        new_velocity = momentum * velocity + grad
        new_w = w - lr * new_velocity                          (nesterov=False)
        new_w = w - lr * (grad + momentum * new_velocity)      (nesterov=True)

    Скорость (velocity) вначале нулевая, поэтому первый шаг даёт new_velocity = grad, как и
    первый шаг PyTorch. Обратите внимание на соглашение: PyTorch накапливает градиенты и
    умножает на lr при обновлении w; в CS231n ``v = momentum * v - lr * grad; w + v`` хранится
    скорость, равная нашей, умноженной на -lr. При momentum = 0 это обычный градиентный спуск
    и new_velocity = grad.

    Вход:
    - w: веса, любая форма
    - grad: градиент функции потерь в точке w, той же формы, что w
    - velocity: скорость с предыдущего шага (нули на первом шаге), той же формы
    - lr: скорость обучения, число > 0
    - momentum: коэффициент момента, число из [0, 1)
    - nesterov: использовать ли момент Нестерова

    Возвращает кортеж:
    - new_w: обновлённые веса той же формы, что w
    - new_velocity: обновлённая скорость той же формы, что w

    Что оценивается, кроме значений (это проверяют скрытые тесты):
    - векторизация: без цикла Python, спискового включения и np.vectorize по весам, как во всех
      функциях
    - w, grad и velocity не изменяются: после вызова в них те же значения
    - вход float64: результат с точностью float64 (вычисления во float32 по дороге стоят баллов)
    - транспонированные массивы и срезы с шагом дают то же, что их копии в порядке C
    - lr = 0, momentum = 0 (и с nesterov) и momentum = 1 используются как есть
    """
    ### BEGIN SOLUTION
    new_velocity = momentum * velocity + grad
    # Nesterov steps along the gradient plus the look-ahead of the NEW velocity (PyTorch's form)
    step = grad + momentum * new_velocity if nesterov else new_velocity
    return w - lr * step, new_velocity
    ### END SOLUTION


def minibatch_indices(n_samples, batch_size, rng, shuffle=True):
    """
    Split the sample indices 0 .. n_samples - 1 into minibatches for one epoch.

    With shuffle=True the order is a random permutation drawn from rng, as
    ``rng.permutation(n_samples)`` gives: every sample's position is random (shuffling the
    order of contiguous blocks is not enough). With shuffle=False the order is
    0, 1, ..., n_samples - 1. The order is then cut into consecutive batches of batch_size;
    the last batch holds what is left (it is smaller when batch_size does not divide
    n_samples, and never empty). Use only rng for randomness, never the global np.random:
    the same rng state must give the same batches.

    Inputs:
    - n_samples: the number of samples N, an int >= 1
    - batch_size: the batch size, an int >= 1 (larger than N gives one batch)
    - rng: a numpy.random.Generator
    - shuffle: whether to shuffle the order

    Returns:
    - batches: a list of 1-D integer arrays, all of length batch_size but the last, that
      together hold every index in range(n_samples) exactly once

    Graded beyond the values (the hidden tests check it):
    - vectorized: no Python loop over the samples (one over the batches, to cut them, is fine)
    - randomness only from rng: NumPy's and Python's global random states stay as they were, and
      the same rng state gives the same batches; every sample's position is random

    RU:
    Разбить индексы объектов 0 .. n_samples - 1 на мини-батчи для одной эпохи.

    При shuffle=True порядок — случайная перестановка, полученная из rng, как её даёт
    ``rng.permutation(n_samples)``: случайна позиция каждого объекта (перемешать порядок
    непрерывных блоков недостаточно). При shuffle=False порядок 0, 1, ..., n_samples - 1.
    Затем порядок режется на подряд идущие батчи размера batch_size; последний батч содержит
    остаток (он меньше, когда batch_size не делит n_samples, и никогда не пуст). Берите
    случайность только из rng, не из глобального np.random: одинаковое состояние rng должно
    давать одинаковые батчи.

    Вход:
    - n_samples: число объектов N, целое >= 1
    - batch_size: размер батча, целое >= 1 (больше N — один батч)
    - rng: numpy.random.Generator
    - shuffle: перемешивать ли порядок

    Возвращает:
    - batches: список одномерных целочисленных массивов длины batch_size (кроме последнего),
      которые вместе содержат каждый индекс из range(n_samples) ровно один раз

    Что оценивается, кроме значений (это проверяют скрытые тесты):
    - векторизация: без цикла Python по объектам (цикл по батчам, чтобы их нарезать, допустим)
    - случайность только из rng: глобальные генераторы NumPy и Python не меняются, а одно и то
      же состояние rng даёт те же батчи; позиция каждого объекта случайна
    """
    ### BEGIN SOLUTION
    order = rng.permutation(n_samples) if shuffle else np.arange(n_samples)
    return [order[start : start + batch_size] for start in range(0, n_samples, batch_size)]
    ### END SOLUTION


def fit_gd(X, y, lr, n_steps, w0=None):
    """
    Fit least squares by full-batch gradient descent.

    Starting from w0 (zeros of shape (D,) when None), take n_steps steps of ``gd_step`` with
    the gradient of ``least_squares_loss_grad`` on all of X and y. losses[k] is the loss
    BEFORE step k, so losses[0] is the loss at w0 and the loss after the last step is not
    recorded.

    Inputs:
    - X: data, shape (N, D)
    - y: targets, shape (N,)
    - lr: the learning rate, a float > 0
    - n_steps: the number of steps, an int >= 0
    - w0: the initial weights, shape (D,), or None for zeros

    Returns a tuple of:
    - w: the weights after n_steps steps, shape (D,)
    - losses: the loss before each step, length n_steps (a list or a 1-D array)

    Graded beyond the values (the hidden tests check it):
    - loops: the one over the n_steps steps is the algorithm; none over the samples inside a
      step
    - X, y and w0 are not modified: after the call they hold the values they had
    - the same call twice gives the same result
    - float64 input: the path of the weights as accurate as float64 allows

    RU:
    Обучить наименьшие квадраты полным (full-batch) градиентным спуском.

    Начиная с w0 (нули формы (D,), если None), сделать n_steps шагов ``gd_step`` с градиентом
    ``least_squares_loss_grad`` по всем X и y. losses[k] — значение функции потерь ДО шага k,
    так что losses[0] — потери в точке w0, а потери после последнего шага не записываются.

    Вход:
    - X: данные, форма (N, D)
    - y: целевые значения, форма (N,)
    - lr: скорость обучения, число > 0
    - n_steps: число шагов, целое >= 0
    - w0: начальные веса формы (D,) или None (нули)

    Возвращает кортеж:
    - w: веса после n_steps шагов, форма (D,)
    - losses: потери перед каждым шагом, длина n_steps (список или одномерный массив)

    Что оценивается, кроме значений (это проверяют скрытые тесты):
    - циклы: цикл по n_steps шагам — это сам алгоритм; внутри шага цикла по объектам нет
    - X, y и w0 не изменяются: после вызова в них те же значения
    - один и тот же вызов дважды даёт тот же результат
    - вход float64: траектория весов с точностью float64
    """
    ### BEGIN SOLUTION
    # a fresh float array: the caller's w0 must not change, and int zeros could not descend
    w = np.zeros(X.shape[1]) if w0 is None else np.array(w0, dtype=float)
    losses = []
    for _ in range(n_steps):
        loss, grad = least_squares_loss_grad(w, X, y)
        losses.append(loss)  # recorded before the step, as the contract says
        w = gd_step(w, grad, lr)
    return w, np.array(losses)
    ### END SOLUTION


def fit_sgd(X, y, lr, epochs, batch_size, rng, momentum=0.0, w0=None):
    """
    Fit least squares by minibatch SGD with momentum.

    Starting from w0 (zeros of shape (D,) when None) and a zero velocity, each epoch makes
    one pass over ``minibatch_indices(N, batch_size, rng)`` (a fresh shuffle every epoch);
    for each batch it computes ``least_squares_loss_grad`` on X[batch], y[batch] and takes
    one ``momentum_step`` (nesterov=False). The velocity carries over from epoch to epoch
    (as in ``torch.optim.SGD``, whose buffer lives as long as the optimizer). After each
    epoch, losses[e] is the loss on ALL the data at the current w.

    Inputs:
    - X: data, shape (N, D)
    - y: targets, shape (N,)
    - lr: the learning rate, a float > 0
    - epochs: the number of epochs, an int >= 0
    - batch_size: the batch size, an int >= 1
    - rng: a numpy.random.Generator, the only source of randomness
    - momentum: the momentum factor, a float in [0, 1); 0 is plain SGD
    - w0: the initial weights, shape (D,), or None for zeros

    Returns a tuple of:
    - w: the weights after the last epoch, shape (D,)
    - losses: the full-data loss after each epoch, length epochs (a list or a 1-D array)

    Graded beyond the values (the hidden tests check it):
    - loops: those over the epochs and the minibatches are the algorithm; none over the samples
      inside a batch
    - randomness only from rng: NumPy's and Python's global random states stay as they were, and
      the same rng state gives the same result; each epoch draws a new shuffle
    - X, y and w0 are not modified: after the call they hold the values they had
    - float64 input: the path of the weights as accurate as float64 allows

    RU:
    Обучить наименьшие квадраты мини-батчевым SGD с моментом.

    Начиная с w0 (нули формы (D,), если None) и нулевой скорости, каждая эпоха делает один
    проход по ``minibatch_indices(N, batch_size, rng)`` (новое перемешивание в каждой эпохе);
    для каждого батча считается ``least_squares_loss_grad`` на X[batch], y[batch] и делается
    один ``momentum_step`` (nesterov=False). Скорость переходит из эпохи в эпоху (как в
    ``torch.optim.SGD``, где буфер живёт, пока жив оптимизатор). После каждой эпохи
    losses[e] — потери на ВСЕХ данных при текущих w.

    Вход:
    - X: данные, форма (N, D)
    - y: целевые значения, форма (N,)
    - lr: скорость обучения, число > 0
    - epochs: число эпох, целое >= 0
    - batch_size: размер батча, целое >= 1
    - rng: numpy.random.Generator, единственный источник случайности
    - momentum: коэффициент момента, число из [0, 1); 0 — обычный SGD
    - w0: начальные веса формы (D,) или None (нули)

    Возвращает кортеж:
    - w: веса после последней эпохи, форма (D,)
    - losses: потери на всех данных после каждой эпохи, длина epochs (список или
      одномерный массив)

    Что оценивается, кроме значений (это проверяют скрытые тесты):
    - циклы: по эпохам и мини-батчам — это сам алгоритм; внутри батча цикла по объектам нет
    - случайность только из rng: глобальные генераторы NumPy и Python не меняются, а одно и то
      же состояние rng даёт тот же результат; каждая эпоха заново перемешивает объекты
    - X, y и w0 не изменяются: после вызова в них те же значения
    - вход float64: траектория весов с точностью float64
    """
    ### BEGIN SOLUTION
    w = np.zeros(X.shape[1]) if w0 is None else np.array(w0, dtype=float)
    velocity = np.zeros_like(w)  # once, before the epochs: momentum carries over
    losses = []
    for _ in range(epochs):
        for batch in minibatch_indices(X.shape[0], batch_size, rng):
            _, grad = least_squares_loss_grad(w, X[batch], y[batch])
            w, velocity = momentum_step(w, grad, velocity, lr, momentum)
        losses.append(least_squares_loss_grad(w, X, y)[0])
    return w, np.array(losses)
    ### END SOLUTION
