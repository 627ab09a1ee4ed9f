"""User-style programs grouped by feature, each with the arguments to check it at.

Every function here is differentiated by srcad and compared with central finite
differences in test_programs.py.  ``CASES`` lists (function, args, wrt).
"""

import math

import numpy as np

# -- branches -----------------------------------------------------------------------------


def branch_if_else(x, y):
    if x > y:
        z = x * y
    else:
        z = x + y * y
    return z * 2.0


def branch_elif(x):
    if x < -1.0:
        y = -x
    elif x < 1.0:
        y = x * x
    else:
        y = np.sqrt(x)
    return y


def branch_one_sided(x):
    y = x * 3.0
    if x > 0.5:
        y = y * x
    return y


def branch_conditional_expression(x, y):
    z = x * y if x > 0.0 else x - y
    return z + (x if y > 1.0 else y)


def branch_and_or(x, y):
    if x > 0.0 and y > 0.0:
        r = x * y
    elif x > 0.0 or y > 2.0:
        r = x + y
    else:
        r = x - y
    return r


def branch_on_array_reduction(w):
    s = np.sum(w)
    if s > 0.0:
        out = np.sum(np.sin(w) * w)
    else:
        out = np.sum(w * w)
    return out


# -- loops --------------------------------------------------------------------------------


def loop_range(x, n):
    for i in range(n):
        x = np.sin(x) * 2.0
    return x


def loop_range_start_stop_step(x):
    acc = 0.0
    for i in range(1, 10, 3):
        acc = acc + x ** i
    return acc


def loop_over_array(x):
    s = 0.0
    for v in x:
        s = s + v * v
    return s


def loop_over_list_of_floats(a, b):
    total = 0.0
    for c in [a, b, a * b]:
        total = total + c * c
    return total


def loop_zip(x, y):
    s = 0.0
    for a, b in zip(x, y):
        s = s + a * b
    return s


def loop_enumerate(x):
    s = 0.0
    for i, v in enumerate(x):
        s = s + i * v * v
    return s


def loop_reversed(x):
    s = 0.0
    k = 1.0
    for v in reversed(x):
        s = s + k * v
        k = k * 2.0
    return s


def loop_reversed_range(x):
    acc = x
    for i in reversed(range(4)):
        acc = acc * x + i
    return acc


def loop_nested(x):
    s = 0.0
    for i in range(3):
        for j in range(i + 1):
            s = s + x[i] * x[j]
    return s


def loop_array_carried(w, x):
    h = x
    for i in range(4):
        h = np.tanh(w * h + 0.1)
    return np.sum(h * h)


def loop_while(x):
    while x < 10.0:
        x = x * 1.5 + 0.1
    return x


def loop_while_counter(x):
    i = 0
    y = 1.0
    while i < 5:
        y = y * x + 1.0
        i = i + 1
    return y


def loop_break(x):
    s = 0.0
    for v in x:
        if v > 0.5:
            break
        s = s + v * v
    return s


def loop_continue(x):
    s = 0.0
    for v in x:
        if v < 0.0:
            continue
        s = s + np.exp(v)
    return s


def loop_while_break(x):
    y = x
    while True:
        y = y * y + 0.1
        if y > 3.0:
            break
    return y


def loop_break_nested(x):
    s = 0.0
    for i in range(4):
        for j in range(4):
            if j > i:
                break
            s = s + x[i] * x[j]
    return s


# -- early returns ---------------------------------------------------------------------------


def return_early(x, y):
    if x > y:
        return x * y
    z = x + y
    return z * z


def return_in_loop(x):
    z = x
    for i in range(5):
        if z > 5.0:
            return z * 2.0
        z = z * z + 0.5
    return z


def return_in_nested_loop(x):
    acc = x
    for i in range(3):
        for j in range(3):
            acc = acc * 1.1 + x
            if acc > 4.0:
                return acc - x
    return acc


def return_in_while(x):
    while True:
        x = x * 2.0
        if x > 5.0:
            return x * x


# -- numerical programs -------------------------------------------------------------------------


def newton_sqrt(a):
    """sqrt(a) by Newton iterations in a while loop."""
    x = a
    while abs(x * x - a) > 1e-12 * a:
        x = 0.5 * (x + a / x)
    return x


def euler_oscillator(k, c, steps=1000):
    """A damped oscillator integrated with explicit Euler steps."""
    x, v = 1.0, 0.0
    dt = 0.01
    for i in range(steps):
        a = -k * x - c * v
        x = x + dt * v
        v = v + dt * a
    return x * x + v * v


def rnn(W, U, xs):
    """A vanilla tanh RNN unrolled over the rows of xs."""
    h = np.zeros(W.shape[0])
    for x in xs:
        h = np.tanh(W @ h + U @ x)
    return np.sum(h * h)


def math_scalars(x):
    y = 0.0
    for i in range(3):
        y = y + math.sin(x * i) + math.exp(-x * i)
    return y


RNG = np.random.default_rng(7)
W0 = RNG.standard_normal((3, 3)) * 0.5
U0 = RNG.standard_normal((3, 2)) * 0.5
XS0 = RNG.standard_normal((5, 2))

CASES = [
    (branch_if_else, (1.5, 0.5), (0, 1)),
    (branch_if_else, (0.5, 1.5), (0, 1)),
    (branch_elif, (-2.0,), 0),
    (branch_elif, (0.5,), 0),
    (branch_elif, (2.0,), 0),
    (branch_one_sided, (0.7,), 0),
    (branch_one_sided, (0.2,), 0),
    (branch_conditional_expression, (0.5, 2.0), (0, 1)),
    (branch_conditional_expression, (-0.5, 0.5), (0, 1)),
    (branch_and_or, (1.0, 2.0), (0, 1)),
    (branch_and_or, (1.0, -2.0), (0, 1)),
    (branch_and_or, (-1.0, 3.0), (0, 1)),
    (branch_and_or, (-1.0, -3.0), (0, 1)),
    (branch_on_array_reduction, (np.array([0.3, -0.1, 0.5]),), 0),
    (branch_on_array_reduction, (np.array([-0.3, -0.1, 0.2]),), 0),
    (loop_range, (0.3, 4), 0),
    (loop_range, (0.3, 0), 0),
    (loop_range_start_stop_step, (0.9,), 0),
    (loop_over_array, (np.array([0.1, -0.4, 0.3]),), 0),
    (loop_over_list_of_floats, (0.5, -1.5), (0, 1)),
    (loop_zip, (np.array([1.0, 2.0, 3.0]), np.array([0.5, -0.5, 0.25])), (0, 1)),
    (loop_enumerate, (np.array([1.0, -2.0, 3.0]),), 0),
    (loop_reversed, (np.array([1.0, -2.0, 3.0]),), 0),
    (loop_reversed_range, (0.7,), 0),
    (loop_nested, (np.array([0.5, -1.0, 2.0]),), 0),
    (loop_array_carried, (np.array([0.5, -0.3]), np.array([1.0, 2.0])), (0, 1)),
    (loop_while, (1.3,), 0),
    (loop_while_counter, (0.8,), 0),
    (loop_break, (np.array([0.1, 0.2, 0.7, 0.3]),), 0),
    (loop_continue, (np.array([0.1, -0.2, 0.7, -0.3]),), 0),
    (loop_while_break, (0.9,), 0),
    (loop_break_nested, (np.array([0.3, -0.2, 0.5, 0.8]),), 0),
    (return_early, (2.0, 1.0), (0, 1)),
    (return_early, (1.0, 2.0), (0, 1)),
    (return_in_loop, (1.2,), 0),
    (return_in_loop, (0.3,), 0),
    (return_in_nested_loop, (0.5,), 0),
    (return_in_while, (0.7,), 0),
    (newton_sqrt, (2.0,), 0),
    (euler_oscillator, (2.0, 0.3), (0, 1)),
    (rnn, (W0, U0, XS0), (0, 1, 2)),
    (math_scalars, (0.4,), 0),
]


# -- calls to user functions ------------------------------------------------------------------

from . import helpers_module  # noqa: E402
from .helpers_module import scaled_square  # noqa: E402


def _cube(x):
    return x * x * x


def _poly(x, a=2.0, b=1.0):
    return a * x * x + b * x


def call_same_module(x):
    return _cube(x) + _cube(x * 2.0)


def call_other_module(x, w):
    return helpers_module.weighted(x, w) + np.sum(scaled_square(x))


def call_keywords_and_defaults(x):
    return _poly(x) + _poly(x, b=3.0) + _poly(a=0.5, x=x)


def call_in_loop(x):
    s = 0.0
    for i in range(4):
        s = s + _poly(x * i, a=x)
    return s


def call_closure(x):
    return _make_closure(2.5)(x)


def _make_closure(c):
    def inner(t):
        return c * np.sin(t)
    return inner


CLOSED = _make_closure(0.5)


def call_global_closure(x):
    return CLOSED(x) * x


def recursive_power(x, n):
    if n == 0:
        return 1.0
    return x * recursive_power(x, n - 1)


def call_helper_with_loop(x):
    return loop_while(x) + loop_break(np.array([x, 2.0 * x]))


CASES += [
    (call_same_module, (0.7,), 0),
    (call_other_module, (np.array([0.5, -1.0]), np.array([2.0, 3.0])), (0, 1)),
    (call_keywords_and_defaults, (0.9,), 0),
    (call_in_loop, (0.4,), 0),
    (call_global_closure, (0.8,), 0),
    (recursive_power, (1.1, 6), 0),
    (call_helper_with_loop, (0.2,), 0),
]


# -- containers, comprehensions, builtins ------------------------------------------------------


def list_append(x):
    ys = []
    for v in x:
        ys.append(v * v)
    return ys[0] + ys[2] * 2.0


def list_stack(x):
    rows = []
    for i in range(3):
        rows.append(x * (i + 1.0))
    return np.sum(np.stack(rows) ** 2)


def dict_params(p, x):
    return np.sum(p["w"] * x) + p["b"] * 2.0


def list_param(xs):
    s = 0.0
    for i in range(len(xs)):
        s = s + xs[i] * xs[i]
    return s


def tuple_param(t):
    a, b = t
    return a * b + np.sin(a)


def _pair(x):
    return x * 2.0, x * x


def tuple_result(x):
    a, b = _pair(x)
    return a * b


def generator_sum(x, y):
    return sum(a * b for a, b in zip(x, y))


def comprehension_with_filter(x):
    sq = [v * v for v in x if v > 0.0]
    return sum(sq) + max(sq)


def nested_comprehension(xs):
    return sum([a * b for a in xs for b in xs])


def builtins_min_max(a, b):
    return max(a, b) * min(a * 2.0, b) + float(a)


def softmax_lists(w, xs, labels):
    """Softmax regression written with nested lists only."""
    loss = 0.0
    for x, label in zip(xs, labels):
        scores = [sum(wk[j] * x[j] for j in range(len(x))) for wk in w]
        top = max(scores)
        exps = [math.exp(s - top) for s in scores]
        total = sum(exps)
        loss = loss - math.log(exps[label] / total)
    return loss / len(xs)


# -- in-place updates ------------------------------------------------------------------------


def setitem_loop(x):
    y = np.zeros(3)
    for i in range(3):
        y[i] = x[i] * x[i]
    return np.sum(y * y)


def setitem_augmented_slices(x):
    z = x * 1.0
    z[1:] += z[:-1] * 2.0
    return np.sum(z ** 2)


def setitem_list(x):
    out = [0.0, 0.0, 0.0]
    for i in range(3):
        out[i] = x[i] * (i + 1.0)
    return out[0] + out[1] * out[2]


def setitem_2d(a):
    m = np.ones((2, 2))
    m[0, 1] = a * a
    m[1, :] = m[1, :] * a
    return np.sum(m)


def setitem_euler(k):
    x = np.zeros(50)
    x[0] = 1.0
    for i in range(49):
        x[i + 1] = x[i] - 0.1 * k * x[i]
    return x[49]


def setitem_copy(x):
    y = x.copy()
    y[0] = y[1] * y[2]
    return np.sum(y * x)


CASES += [
    (list_append, (np.array([1.0, 2.0, 3.0]),), 0),
    (list_stack, (np.array([0.5, -1.0]),), 0),
    (dict_params, ({"w": np.array([1.0, 2.0]), "b": 0.5}, np.array([3.0, 4.0])), (0, 1)),
    (list_param, ([1.0, 2.0, 3.0],), 0),
    (tuple_param, ((0.5, 2.0),), 0),
    (tuple_result, (1.5,), 0),
    (generator_sum, (np.array([1.0, 2.0]), np.array([3.0, 5.0])), (0, 1)),
    (comprehension_with_filter, (np.array([1.0, -2.0, 3.0]),), 0),
    (nested_comprehension, ([1.0, 2.0],), 0),
    (builtins_min_max, (0.3, 0.8), (0, 1)),
    (builtins_min_max, (0.9, 0.2), (0, 1)),
    (softmax_lists, ([[0.1, -0.2], [0.3, 0.4], [-0.5, 0.2]],
                     [[1.0, 2.0], [0.5, -1.0], [-1.5, 0.3]], [0, 2, 1]), 0),
    (setitem_loop, (np.array([1.0, 2.0, 3.0]),), 0),
    (setitem_augmented_slices, (np.array([1.0, 2.0, 3.0]),), 0),
    (setitem_list, (np.array([1.0, 2.0, 3.0]),), 0),
    (setitem_2d, (0.7,), 0),
    (setitem_euler, (0.5,), 0),
    (setitem_copy, (np.array([1.0, 2.0, 3.0]),), 0),
]


def lambdas_inside(x, w):
    act = lambda t: np.sin(t) * w
    mix = lambda a, b: a * b + a
    return np.sum(act(x * 2.0) + mix(x, b=w))


CASES += [(lambdas_inside, (np.array([0.1, 0.2]), 0.5), (0, 1))]


def _make_scaled(k):
    def scaled(x, scale=k):
        return np.sum(x) * scale
    return scaled


