"""Explicit Euler integration of a damped oscillator, x'' = -k x - c x', for 1000 steps;
the loss is the energy-like x^2 + v^2 at the end, differentiated with respect to the
parameters k, c and the initial state x0, v0.

Small: one oscillator, all scalars (Python floats): pure per-operation overhead.
Large: the same code on arrays of independent oscillators (one k, c, x0, v0 each), where
the array arithmetic dominates."""

import numpy as np

NAME = "euler"
WRT = (0, 1, 2, 3)
SIZES = {"small": {"oscillators": None}, "large": {"oscillators": 10**4}}
QUICK_SIZES = {"large": {"oscillators": 10**3}}
STEPS = 1000


def euler(k, c, x0, v0, steps=STEPS):
    dt = 0.01
    x = x0
    v = v0
    for i in range(steps):
        a = -k * x - c * v
        x = x + dt * v
        v = v + dt * a
    return np.sum(x * x + v * v)


function = euler


def make_inputs(rng, oscillators):
    if oscillators is None:
        return (2.0, 0.3, 1.0, 0.0)
    return (rng.uniform(1.0, 3.0, oscillators), rng.uniform(0.1, 0.5, oscillators),
            rng.uniform(-1.0, 1.0, oscillators), rng.uniform(-1.0, 1.0, oscillators))


def grad_hand(k, c, x0, v0, steps=STEPS):
    """The adjoint of the integrator: keep the trajectory, run the steps backwards.

    (Stacking the trajectory to form the gradients of k and c with one product at the end
    is slower for the large size: 1000 x 10^4 values do not stay in cache.)"""
    dt = 0.01
    xs = [x0]
    vs = [v0]
    x, v = x0, v0
    for i in range(steps):
        x, v = x + dt * v, v + dt * (-k * x - c * v)
        xs.append(x)
        vs.append(v)
    bx, bv = 2.0 * x, 2.0 * v
    bk = bc = 0.0
    minus_dt_k = -dt * k
    one_minus_dt_c = 1.0 - dt * c
    for i in range(steps - 1, -1, -1):
        dt_bv = dt * bv
        bk = bk - dt_bv * xs[i]
        bc = bc - dt_bv * vs[i]
        bx, bv = bx + minus_dt_k * bv, dt * bx + one_minus_dt_c * bv
    return (bk, bc, bx, bv)


def torch_function(k, c, x0, v0, steps=STEPS):
    dt = 0.01
    x = x0
    v = v0
    for i in range(steps):
        a = -k * x - c * v
        x = x + dt * v
        v = v + dt * a
    return (x * x + v * v).sum()
