"""The Rosenbrock function, vectorized: a handful of whole-array operations."""

import numpy as np

NAME = "rosenbrock"
WRT = (0,)
SIZES = {"small": {"n": 10}, "large": {"n": 10**6}}
QUICK_SIZES = {"large": {"n": 10**5}}


def rosenbrock(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


function = rosenbrock


def make_inputs(rng, n):
    return (rng.uniform(-2.0, 2.0, n),)


def grad_hand(x):
    head = x[:-1]
    t = x[1:] - head * head
    g = np.zeros_like(x)
    g[:-1] = -400.0 * t * head - 2.0 * (1.0 - head)
    g[1:] += 200.0 * t
    return (g,)


def torch_function(x):
    return (100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2).sum()
