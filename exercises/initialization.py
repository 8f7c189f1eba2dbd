# Generated from solutions/initialization.py by `dlgrade stubs`; edit the solution, not this file.
"""Weight initialization: Xavier (Glorot) and He (Kaiming), uniform and normal.

A weight matrix has shape ``(fan_in, fan_out)`` and a layer computes ``x @ W + b``; PyTorch
stores ``nn.Linear.weight`` the other way round, ``(fan_out, fan_in)``. Every weight is drawn
independently, and ``rng`` (a ``numpy.random.Generator``) is the only source of randomness:
the same rng state gives the same array.

RU: Инициализация весов: Xavier (Glorot) и He (Kaiming), равномерная и нормальная.
Матрица весов имеет форму ``(fan_in, fan_out)``, слой вычисляет ``x @ W + b``; в PyTorch
``nn.Linear.weight`` хранится наоборот, ``(fan_out, fan_in)``. Каждый вес выбирается независимо,
и единственный источник случайности — ``rng`` (``numpy.random.Generator``): одно и то же
состояние rng даёт один и тот же массив.
"""

import numpy as np

__all__ = ["xavier_uniform", "xavier_normal", "he_uniform", "he_normal"]


def xavier_uniform(fan_in, fan_out, rng, gain=1.0):
    """
    Xavier (Glorot) uniform initialization, as torch.nn.init.xavier_uniform_.

    Every weight is drawn independently from U(-a, a) with
        a = gain * sqrt(6 / (fan_in + fan_out)),
    so that Var(W) = a^2 / 3 = gain^2 * 2 / (fan_in + fan_out): the compromise between keeping
    the variance of the activations (fan_in) and of the gradients (fan_out). The gain
    multiplies a; it is not inside the square root (tanh: gain = 5/3, relu: sqrt(2)).

    Inputs:
    - fan_in: int, number of inputs of the layer (rows of W)
    - fan_out: int, number of outputs of the layer (columns of W)
    - rng: numpy.random.Generator, the only source of randomness
    - gain: float, scale factor (torch.nn.init.calculate_gain)

    Returns:
    - W: float array of shape (fan_in, fan_out); PyTorch's weight of the same layer is W.T

    Graded beyond the values (the hidden tests check it):
    - vectorized: no Python loop, comprehension or np.vectorize over the entries of the matrix;
      the tests time it on a large input
    - randomness only from rng: NumPy's and Python's global random states stay as they were, and
      the same rng state gives the same matrix; the matrix must come from rng
    - a new float64 array of shape (fan_in, fan_out)

    RU:
    Равномерная инициализация Xavier (Glorot), как torch.nn.init.xavier_uniform_.

    Каждый вес независимо выбирается из U(-a, a), где
        a = gain * sqrt(6 / (fan_in + fan_out)),
    так что Var(W) = a^2 / 3 = gain^2 * 2 / (fan_in + fan_out): компромисс между сохранением
    дисперсии активаций (fan_in) и градиентов (fan_out). gain умножает a и не стоит под
    корнем (tanh: gain = 5/3, relu: sqrt(2)).

    Вход:
    - fan_in: int, число входов слоя (строки W)
    - fan_out: int, число выходов слоя (столбцы W)
    - rng: numpy.random.Generator, единственный источник случайности
    - gain: float, множитель (torch.nn.init.calculate_gain)

    Возвращает:
    - W: массив float формы (fan_in, fan_out); вес того же слоя в PyTorch — это W.T

    Что оценивается, кроме значений (это проверяют скрытые тесты):
    - векторизация: без цикла Python, спискового включения и np.vectorize по элементам матрицы;
      тесты замеряют время на большом входе
    - случайность только из rng: глобальные генераторы NumPy и Python не меняются, а одно и то
      же состояние rng даёт ту же матрицу; матрица должна быть получена из rng
    - новый массив float64 формы (fan_in, fan_out)
    """
    # YOUR CODE HERE / ВАШ КОД ЗДЕСЬ
    raise NotImplementedError


def xavier_normal(fan_in, fan_out, rng, gain=1.0):
    """
    Xavier (Glorot) normal initialization, as torch.nn.init.xavier_normal_.

    Every weight is drawn independently from N(0, sigma^2) with
        sigma = gain * sqrt(2 / (fan_in + fan_out)),
    the same variance as xavier_uniform. sigma is the standard deviation (the scale of
    rng.normal), not the variance.

    Inputs:
    - fan_in: int, number of inputs of the layer (rows of W)
    - fan_out: int, number of outputs of the layer (columns of W)
    - rng: numpy.random.Generator, the only source of randomness
    - gain: float, scale factor (torch.nn.init.calculate_gain)

    Returns:
    - W: float array of shape (fan_in, fan_out)

    Graded beyond the values (the hidden tests check it):
    - vectorized: no Python loop, comprehension or np.vectorize over the entries of the matrix;
      the tests time it on a large input
    - randomness only from rng: NumPy's and Python's global random states stay as they were, and
      the same rng state gives the same matrix; the matrix must come from rng
    - a new float64 array of shape (fan_in, fan_out)

    RU:
    Нормальная инициализация Xavier (Glorot), как torch.nn.init.xavier_normal_.

    Каждый вес независимо выбирается из N(0, sigma^2), где
        sigma = gain * sqrt(2 / (fan_in + fan_out)),
    та же дисперсия, что у xavier_uniform. sigma — стандартное отклонение (параметр scale
    у rng.normal), а не дисперсия.

    Вход:
    - fan_in: int, число входов слоя (строки W)
    - fan_out: int, число выходов слоя (столбцы W)
    - rng: numpy.random.Generator, единственный источник случайности
    - gain: float, множитель (torch.nn.init.calculate_gain)

    Возвращает:
    - W: массив float формы (fan_in, fan_out)

    Что оценивается, кроме значений (это проверяют скрытые тесты):
    - векторизация: без цикла Python, спискового включения и np.vectorize по элементам матрицы;
      тесты замеряют время на большом входе
    - случайность только из rng: глобальные генераторы NumPy и Python не меняются, а одно и то
      же состояние rng даёт ту же матрицу; матрица должна быть получена из rng
    - новый массив float64 формы (fan_in, fan_out)
    """
    # YOUR CODE HERE / ВАШ КОД ЗДЕСЬ
    raise NotImplementedError


def he_uniform(fan_in, fan_out, rng):
    """
    He (Kaiming) uniform initialization for ReLU layers, as
    torch.nn.init.kaiming_uniform_(w, mode='fan_in', nonlinearity='relu').

    Every weight is drawn independently from U(-a, a) with
        a = sqrt(6 / fan_in),
    so that Var(W) = 2 / fan_in: ReLU zeroes half of its inputs, and the factor 2 keeps the
    variance of the activations from layer to layer. Only fan_in enters the formula.

    Inputs:
    - fan_in: int, number of inputs of the layer (rows of W)
    - fan_out: int, number of outputs of the layer (columns of W)
    - rng: numpy.random.Generator, the only source of randomness

    Returns:
    - W: float array of shape (fan_in, fan_out); PyTorch's weight of the same layer is W.T,
      and its fan_in is weight.shape[1]

    Graded beyond the values (the hidden tests check it):
    - vectorized: no Python loop, comprehension or np.vectorize over the entries of the matrix;
      the tests time it on a large input
    - randomness only from rng: NumPy's and Python's global random states stay as they were, and
      the same rng state gives the same matrix; the matrix must come from rng
    - a new float64 array of shape (fan_in, fan_out)

    RU:
    Равномерная инициализация He (Kaiming) для слоёв с ReLU, как
    torch.nn.init.kaiming_uniform_(w, mode='fan_in', nonlinearity='relu').

    Каждый вес независимо выбирается из U(-a, a), где
        a = sqrt(6 / fan_in),
    так что Var(W) = 2 / fan_in: ReLU обнуляет половину входов, и множитель 2 сохраняет
    дисперсию активаций от слоя к слою. В формулу входит только fan_in.

    Вход:
    - fan_in: int, число входов слоя (строки W)
    - fan_out: int, число выходов слоя (столбцы W)
    - rng: numpy.random.Generator, единственный источник случайности

    Возвращает:
    - W: массив float формы (fan_in, fan_out); вес того же слоя в PyTorch — это W.T,
      и его fan_in равен weight.shape[1]

    Что оценивается, кроме значений (это проверяют скрытые тесты):
    - векторизация: без цикла Python, спискового включения и np.vectorize по элементам матрицы;
      тесты замеряют время на большом входе
    - случайность только из rng: глобальные генераторы NumPy и Python не меняются, а одно и то
      же состояние rng даёт ту же матрицу; матрица должна быть получена из rng
    - новый массив float64 формы (fan_in, fan_out)
    """
    # YOUR CODE HERE / ВАШ КОД ЗДЕСЬ
    raise NotImplementedError


def he_normal(fan_in, fan_out, rng):
    """
    He (Kaiming) normal initialization for ReLU layers, as
    torch.nn.init.kaiming_normal_(w, mode='fan_in', nonlinearity='relu').

    Every weight is drawn independently from N(0, sigma^2) with
        sigma = sqrt(2 / fan_in)
    (a plain normal, not a truncated one). sigma is the standard deviation, not the variance.

    Inputs:
    - fan_in: int, number of inputs of the layer (rows of W)
    - fan_out: int, number of outputs of the layer (columns of W)
    - rng: numpy.random.Generator, the only source of randomness

    Returns:
    - W: float array of shape (fan_in, fan_out)

    Graded beyond the values (the hidden tests check it):
    - vectorized: no Python loop, comprehension or np.vectorize over the entries of the matrix;
      the tests time it on a large input
    - randomness only from rng: NumPy's and Python's global random states stay as they were, and
      the same rng state gives the same matrix; the matrix must come from rng
    - a new float64 array of shape (fan_in, fan_out)

    RU:
    Нормальная инициализация He (Kaiming) для слоёв с ReLU, как
    torch.nn.init.kaiming_normal_(w, mode='fan_in', nonlinearity='relu').

    Каждый вес независимо выбирается из N(0, sigma^2), где
        sigma = sqrt(2 / fan_in)
    (обычное нормальное распределение, не усечённое). sigma — стандартное отклонение,
    а не дисперсия.

    Вход:
    - fan_in: int, число входов слоя (строки W)
    - fan_out: int, число выходов слоя (столбцы W)
    - rng: numpy.random.Generator, единственный источник случайности

    Возвращает:
    - W: массив float формы (fan_in, fan_out)

    Что оценивается, кроме значений (это проверяют скрытые тесты):
    - векторизация: без цикла Python, спискового включения и np.vectorize по элементам матрицы;
      тесты замеряют время на большом входе
    - случайность только из rng: глобальные генераторы NumPy и Python не меняются, а одно и то
      же состояние rng даёт ту же матрицу; матрица должна быть получена из rng
    - новый массив float64 формы (fan_in, fan_out)
    """
    # YOUR CODE HERE / ВАШ КОД ЗДЕСЬ
    raise NotImplementedError
