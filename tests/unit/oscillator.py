"""A damped oscillator integrated with explicit Euler steps in a scalar loop, and its
gradient against central differences: the loop the optimizer tests look at."""

import pytest


def euler(k, c, x, v):
    for i in range(50):
        a = -k * x - c * v
        x = x + 0.01 * v
        v = v + 0.01 * a
    return x * x + v * v


def assert_matches_central_differences(grads, f, args, h=1e-6):
    for position in range(len(args)):
        up, down = list(args), list(args)
        up[position] += h
        down[position] -= h
        assert grads[position] == pytest.approx((f(*up) - f(*down)) / (2 * h), rel=1e-6)
