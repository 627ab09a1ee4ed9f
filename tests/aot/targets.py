"""Functions for the ahead-of-time tests (imported as tests.aot.targets).

They use what a generated module has to carry along: loops and branches (stacks), calls to
helpers (their derivatives and their plain source), module constants (numbers, tuples and a
small array), a closure made by a factory, keyword-only parameters, lists.
"""

import math

import numpy as np

SCALE = 2.0
SHIFTS = (0.5, -0.25)
WEIGHTS = np.array([1.0, 2.0, 3.0])


def helper(x, k=3):
    return np.sum(np.tanh(x) ** 2) * k


def count(x):
    return len(x)


def looped(x, y=1.5):
    s = 0.0
    for i in range(3):
        s = s + helper(x * WEIGHTS) * y
        if s > 1.0:
            s = s * SCALE - SHIFTS[i % 2]
    return s / count(x)


def make_scaled(factor):
    def scaled(x):
        return np.sum(np.exp(x * factor)) + math.pi
    return scaled


scaled = make_scaled(0.5)


def uses_closure(x, *, power=2):
    return scaled(x) ** power + np.sum(x ** 3)


def two_args(w, b, data):
    z = data @ w + b
    return np.sum(np.log1p(np.exp(-z)))


def from_list(xs):
    total = 0.0
    for v in xs:
        total = total + v * v * SCALE
    return total


def newton_sqrt(a):
    x = a
    while abs(x * x - a) > 1e-12:
        x = 0.5 * (x + a / x)
    return x * math.sin(a)


def unsupported(x):
    try:
        return x * 2.0
    except ValueError:
        return x
