"""Matrix operations of a small network: a dense layer, softmax, cross-entropy, and a numerical
gradient to check analytic ones.

RU: Матричные операции небольшой сети: полносвязный слой, softmax, кросс-энтропия и численный
градиент для проверки аналитических.
"""

import numpy as np

__all__ = [
    "linear_forward",
    "linear_backward",
    "softmax",
    "cross_entropy",
    "numerical_gradient",
]


def linear_forward(x, W, b):
    """
    Dense (fully connected) layer, forward pass:
        out = x @ W + b
    W has the (fan_in, fan_out) layout, as in CS231n; PyTorch's nn.Linear stores W.T instead
    and computes x @ weight.T + bias, the same numbers.

    Inputs:
    - x: batch of shape (N, D)
    - W: weights, shape (D, M)
    - b: biases, shape (M,)

    Returns a tuple of:
    - out: shape (N, M)
    - cache: whatever linear_backward needs (any object; pass it back unchanged)

    Graded beyond the values (the hidden tests check it):
    - vectorized: no Python loop, comprehension or np.vectorize over the samples; the tests time
      it on a large input
    - x, W and b are not modified: after the call they hold the values they had
    - float32 input: a float32 or float64 result, right to float32 precision
    - float64 input: a result as accurate as float64 allows (computing in float32 along the way
      costs points)
    - transposed and strided arrays give what their C-ordered copies give
    - one sample, one feature, one output

    RU:
    Полносвязный слой, прямой проход:
        out = x @ W + b
    W хранится в раскладке (fan_in, fan_out), как в CS231n; nn.Linear в PyTorch хранит W.T и
    вычисляет x @ weight.T + bias — те же числа.

    Вход:
    - x: батч формы (N, D)
    - W: веса, форма (D, M)
    - b: смещения, форма (M,)

    Возвращает кортеж:
    - out: форма (N, M)
    - cache: всё, что нужно linear_backward (любой объект; передайте его обратно как есть)

    Что оценивается, кроме значений (это проверяют скрытые тесты):
    - векторизация: без цикла Python, спискового включения и np.vectorize по объектам; тесты
      замеряют время на большом входе
    - x, W и b не изменяются: после вызова в них те же значения
    - вход float32: результат float32 или float64, верный с точностью float32
    - вход float64: результат с точностью float64 (вычисления во float32 по дороге стоят баллов)
    - транспонированные массивы и срезы с шагом дают то же, что их копии в порядке C
    - один объект, один признак, один выход
    """
    ### BEGIN SOLUTION
    return x @ W + b, (x, W)
    ### END SOLUTION


def linear_backward(dout, cache):
    """
    Dense layer, backward pass. Given dout = dL/dout of shape (N, M):
        dx = dout @ W.T        (N, D)
        dW = x.T @ dout        (D, M)
        db = sum of dout over the batch (axis 0)    (M,)

    Inputs:
    - dout: upstream gradient, shape (N, M)
    - cache: what linear_forward returned, unchanged

    Returns a tuple of:
    - dx: shape (N, D)
    - dW: shape (D, M)
    - db: shape (M,)

    Graded beyond the values (the hidden tests check it):
    - vectorized: no Python loop, comprehension or np.vectorize over the samples, the rule for
      every function
    - dout and the cache are not modified: after the call they hold the values they had
    - the same cache may come more than once, and every call must give the same gradients
    - float32 input: a float32 or float64 result, right to float32 precision
    - float64 input: a result as accurate as float64 allows (computing in float32 along the way
      costs points)
    - two layers used in turn: each call works from its own cache only

    RU:
    Полносвязный слой, обратный проход. Для dout = dL/dout формы (N, M):
        dx = dout @ W.T        (N, D)
        dW = x.T @ dout        (D, M)
        db = сумма dout по батчу (ось 0)    (M,)

    Вход:
    - dout: градиент сверху, форма (N, M)
    - cache: то, что вернул linear_forward, без изменений

    Возвращает кортеж:
    - dx: форма (N, D)
    - dW: форма (D, M)
    - db: форма (M,)

    Что оценивается, кроме значений (это проверяют скрытые тесты):
    - векторизация: без цикла Python, спискового включения и np.vectorize по объектам, как во
      всех функциях
    - dout и cache не изменяются: после вызова в них те же значения
    - один и тот же cache могут передать несколько раз, и каждый вызов должен дать те же
      градиенты
    - вход float32: результат float32 или float64, верный с точностью float32
    - вход float64: результат с точностью float64 (вычисления во float32 по дороге стоят баллов)
    - два слоя вызываются поочерёдно: каждый вызов работает только со своим cache
    """
    ### BEGIN SOLUTION
    x, W = cache
    return dout @ W.T, x.T @ dout, dout.sum(axis=0)
    ### END SOLUTION


def softmax(z):
    """
    Row-wise softmax of logits:
        softmax(z)[i, j] = exp(z[i, j]) / sum_k exp(z[i, k])
    Finite for logits as large as +-1e4: subtracting the row's maximum first does not change
    the result and keeps exp() from overflowing. Same as torch.softmax(z, dim=1).

    Inputs:
    - z: logits, shape (N, C)

    Returns:
    - p: probabilities, shape (N, C); every row sums to 1

    Graded beyond the values (the hidden tests check it):
    - vectorized: no Python loop, comprehension or np.vectorize over the rows; the tests time it
      on a large input
    - z is not modified: after the call it holds the values it had
    - float32 logits, large ones included: finite, right to float32 precision
    - float64 input: a result as accurate as float64 allows (computing in float32 along the way
      costs points)
    - transposed and strided arrays give what their C-ordered copies give
    - one row, one class

    RU:
    Softmax по строкам:
        softmax(z)[i, j] = exp(z[i, j]) / sum_k exp(z[i, k])
    Конечен для логитов до +-1e4: если сначала вычесть максимум строки, результат не меняется, а
    exp() не переполняется. То же, что torch.softmax(z, dim=1).

    Вход:
    - z: логиты, форма (N, C)

    Возвращает:
    - p: вероятности, форма (N, C); сумма каждой строки равна 1

    Что оценивается, кроме значений (это проверяют скрытые тесты):
    - векторизация: без цикла Python, спискового включения и np.vectorize по строкам; тесты
      замеряют время на большом входе
    - z не изменяется: после вызова в нём те же значения
    - логиты float32, и большие: конечный результат с точностью float32
    - вход float64: результат с точностью float64 (вычисления во float32 по дороге стоят баллов)
    - транспонированные массивы и срезы с шагом дают то же, что их копии в порядке C
    - одна строка, один класс
    """
    ### BEGIN SOLUTION
    e = np.exp(z - z.max(axis=1, keepdims=True))  # the row max becomes exp(0) = 1: no overflow
    return e / e.sum(axis=1, keepdims=True)
    ### END SOLUTION


def cross_entropy(logits, y):
    """
    Softmax cross-entropy, averaged over the batch, and its gradient:
        loss    = mean over i of -log softmax(logits)[i, y[i]]
                = mean over i of (logsumexp(logits[i]) - logits[i, y[i]])
        dlogits = (softmax(logits) - onehot(y)) / N
    Same as torch.nn.functional.cross_entropy(logits, y) (reduction='mean') and its autograd
    gradient. Use the logsumexp form: log(softmax) underflows to log(0) = -inf when one logit
    is 1000 above the others.

    Inputs:
    - logits: shape (N, C)
    - y: integer labels, shape (N,), each in 0 .. C-1

    Returns a tuple of:
    - loss: a float
    - dlogits: gradient of the loss with respect to logits, shape (N, C)

    Graded beyond the values (the hidden tests check it):
    - vectorized: no Python loop, comprehension or np.vectorize over the samples; the tests time
      it on a large input
    - logits and y are not modified: after the call they hold the values they had
    - float32 input: a float32 or float64 result, right to float32 precision
    - float64 input: a result as accurate as float64 allows (computing in float32 along the way
      costs points)
    - transposed and strided arrays give what their C-ordered copies give
    - one sample, two classes

    RU:
    Кросс-энтропия с softmax, усреднённая по батчу, и её градиент:
        loss    = среднее по i от -log softmax(logits)[i, y[i]]
                = среднее по i от (logsumexp(logits[i]) - logits[i, y[i]])
        dlogits = (softmax(logits) - onehot(y)) / N
    То же, что torch.nn.functional.cross_entropy(logits, y) (reduction='mean') и его градиент
    из autograd. Используйте форму с logsumexp: log(softmax) обращается в log(0) = -inf, когда
    один логит на 1000 больше остальных.

    Вход:
    - logits: форма (N, C)
    - y: целые метки, форма (N,), каждая из 0 .. C-1

    Возвращает кортеж:
    - loss: число (float)
    - dlogits: градиент потерь по logits, форма (N, C)

    Что оценивается, кроме значений (это проверяют скрытые тесты):
    - векторизация: без цикла Python, спискового включения и np.vectorize по объектам; тесты
      замеряют время на большом входе
    - logits и y не изменяются: после вызова в них те же значения
    - вход float32: результат float32 или float64, верный с точностью float32
    - вход float64: результат с точностью float64 (вычисления во float32 по дороге стоят баллов)
    - транспонированные массивы и срезы с шагом дают то же, что их копии в порядке C
    - один объект, два класса
    """
    ### BEGIN SOLUTION
    n = logits.shape[0]
    rows = np.arange(n)
    shifted = logits - logits.max(axis=1, keepdims=True)  # stable: the largest logit becomes 0
    log_sum = np.log(np.exp(shifted).sum(axis=1))  # logsumexp of the shifted row, >= 0
    loss = np.mean(log_sum - shifted[rows, y])
    dlogits = np.exp(shifted - log_sum[:, None])  # softmax, from the same stable pieces
    dlogits[rows, y] -= 1
    return float(loss), dlogits / n
    ### END SOLUTION


def numerical_gradient(f, x, h=1e-5):
    """
    Numerical gradient of a scalar function by central differences:
        grad[i] = (f(x + h*e_i) - f(x - h*e_i)) / (2*h)
    for every element i of x (e_i is 1 at i and 0 elsewhere); the error is O(h**2), against
    O(h) for the one-sided (f(x + h*e_i) - f(x)) / h. Works for x of any number of dimensions
    and any memory layout (a transposed or sliced array too). torch.autograd.gradcheck checks
    autograd with the same central differences.

    Inputs:
    - f: a function taking an array shaped like x and returning a float
    - x: the point, an array of any shape
    - h: the step, a float

    Returns:
    - grad: shape of x, floating point (float64 is best: float32 steps of 1e-5 are mostly
      rounding error)

    Graded beyond the values (the hidden tests check it):
    - loops: the one over the coordinates of x is the algorithm (two calls of f per coordinate)
    - x holds its original values when the call returns (perturb a copy, or perturb and restore)
    - central differences, error O(h**2), with the h given
    - an integer x gives the float differences (do not perturb an integer array in place)
    - any number of dimensions, transposed and strided x
    - float64 x: differences as accurate as float64 allows (no float32 copy of x)

    RU:
    Численный градиент скалярной функции центральными разностями:
        grad[i] = (f(x + h*e_i) - f(x - h*e_i)) / (2*h)
    для каждого элемента i массива x (e_i равен 1 в позиции i и 0 в остальных); погрешность
    O(h**2), против O(h) у односторонней (f(x + h*e_i) - f(x)) / h. Работает для x любой
    размерности и любой раскладки в памяти (в том числе транспонированного массива или среза).
    torch.autograd.gradcheck проверяет autograd теми же центральными разностями.

    Вход:
    - f: функция, принимающая массив формы x и возвращающая число
    - x: точка, массив любой формы
    - h: шаг, число

    Возвращает:
    - grad: форма x, числа с плавающей точкой (лучше float64: при шаге 1e-5 в float32
      остаётся в основном ошибка округления)

    Что оценивается, кроме значений (это проверяют скрытые тесты):
    - циклы: цикл по координатам x — это сам алгоритм (два вызова f на координату)
    - после вызова x содержит исходные значения (возмущайте копию или возмущайте и
      восстанавливайте)
    - центральные разности, ошибка O(h**2), с переданным h
    - целочисленный x даёт разности в числах с плавающей точкой (не возмущайте целочисленный
      массив на месте)
    - любое число измерений, транспонированный x и срезы с шагом
    - x типа float64: разности с точностью float64 (без копии x во float32)
    """
    ### BEGIN SOLUTION
    # a private copy, so x itself is never touched; order="C" because the default keeps x's
    # layout, and reshape(-1) of a transposed array would be a copy instead of a view
    point = np.array(x, dtype=np.float64, order="C")
    flat = point.reshape(-1)  # a view: writing flat[i] moves point
    grad = np.zeros(flat.size)
    for i in range(flat.size):  # one element at a time: f is a black box
        old = flat[i]
        flat[i] = old + h
        f_plus = f(point)
        flat[i] = old - h
        f_minus = f(point)
        flat[i] = old  # restore before the next element, or the next partial is taken elsewhere
        grad[i] = (f_plus - f_minus) / (2 * h)
    return grad.reshape(point.shape)
    ### END SOLUTION
