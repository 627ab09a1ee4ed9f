"""Speelpenning's product: the product of n numbers, one multiplication per trip of a
Python loop.  Every operation is a scalar one, so the cost of a gradient is the cost of
its per-operation overhead, at both sizes."""

import numpy as np

NAME = "speelpenning"
WRT = (0,)
SIZES = {"small": {"n": 10}, "large": {"n": 1000}}
QUICK_SIZES = {}


def speelpenning(x):
    y = 1.0
    for i in range(len(x)):
        y = y * x[i]
    return y


function = speelpenning


def make_inputs(rng, n):
    # Factors close to 1 keep the product (and every partial product) of order 1.
    return (rng.uniform(0.9, 1.1, n),)


def grad_hand(x):
    """d/dx_i = (x_0 ... x_{i-1}) (x_{i+1} ... x_{n-1}): prefix times suffix products
    (no division, so a zero factor is fine)."""
    prefix = np.ones_like(x)
    np.cumprod(x[:-1], out=prefix[1:])
    suffix = np.ones_like(x)
    np.cumprod(x[:0:-1], out=suffix[-2::-1])
    return (prefix * suffix,)


def torch_function(x):
    y = 1.0
    for i in range(len(x)):
        y = y * x[i]
    return y
