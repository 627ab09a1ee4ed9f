"""User functions imported by the error and source tests (a module other than the test's)."""

import numpy as np


def helper(x):
    return x * 2.0


def count(n):
    return n + 1


class Scale:
    """A callable object: srcad has no derivative rule for it and cannot read its source."""

    def __init__(self, factor):
        self.factor = factor

    def __call__(self, x):
        return self.factor * x


scale = Scale(3.0)
opaque = np.frompyfunc(lambda v: v, 1, 1)  # a ufunc made at run time, no rule


def square(x):
    return x * x
