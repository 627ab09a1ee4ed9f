"""Helpers for the adjoints of elementwise rules (see srcad/rules/elementwise.py).

Conventions at points where a function is not differentiable follow JAX and are stated in
each helper: ties of ``maximum``/``minimum`` share the adjoint equally, ``abs'(0) = 0``,
``d(x ** 0)/dx = 0`` and ``d(0 ** p)/dp = 0``.  Complex inputs follow JAX's (and
autograd's) convention: the adjoint of a real function ``f(x + iy)`` is
``df/dx - i df/dy``.
"""

import numpy as np

__all__ = [
    "power_dbase", "power_dexponent", "log_of_base", "sinc_derivative",
    "maximum_weight", "minimum_weight", "fmax_weight", "fmin_weight",
    "clip_bound", "clip_inside", "clip_below", "clip_above",
    "division_quotient", "safe_divide", "abs_derivative", "imag_adjoint",
    "angle_adjoint", "angle_tangent", "broadcast_like",
]


def broadcast_like(d, y):
    """The tangent ``d`` broadcast to the shape of the result ``y`` (a view, no copy).

    A jvp term must have the result's shape: in ``y = x1 + x2`` the term of ``x1`` alone
    is ``dx1``, which is smaller than ``y`` when ``x2`` broadcasts it.

    >>> broadcast_like(np.ones(3), np.zeros((2, 3))).shape
    (2, 3)
    """
    if np.shape(d) == np.shape(y):
        return d
    return np.broadcast_to(d, np.shape(y))


def power_dbase(x1, x2):
    """``d(x1 ** x2)/dx1 = x2 * x1 ** (x2 - 1)``, and exactly 0 where ``x2 == 0``.

    ``x ** 0 == 1`` for every ``x``, 0 included, so its derivative is 0 there too (the
    plain formula gives ``0 * 0 ** -1 = nan``).

    >>> float(power_dbase(0.0, 0.0)), float(power_dbase(3.0, 2))
    (0.0, 6.0)
    """
    if not np.issubdtype(np.result_type(x1), np.inexact):  # integers: 2 ** -1 fails
        x1 = np.asarray(x1, dtype=np.float64)
    if np.ndim(x2) == 0 and not isinstance(x2, np.ndarray):  # a number: x ** 2 ...
        if x2 == 0:
            return np.zeros_like(x1) if isinstance(x1, np.ndarray) else 0.0
        if x2 == 1:
            return np.ones_like(x1) if isinstance(x1, np.ndarray) else 1.0
        if x2 == 2:
            return 2 * x1
        with np.errstate(divide="ignore", invalid="ignore"):
            return x2 * np.power(x1, x2 - 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        d = x2 * np.power(x1, x2 - 1)
    return np.where(np.asarray(x2) == 0, np.zeros((), np.result_type(d)), d)


def power_dexponent(x1, y):
    """``d(x1 ** x2)/dx2 = x1 ** x2 * log(x1)`` given ``y = x1 ** x2``; 0 where ``x1 == 0``.

    At ``x1 == 0`` the power is 0 for every positive exponent, so its derivative is 0 (as
    in JAX).  A negative base has no real derivative in the exponent: nan.

    >>> float(power_dexponent(0.0, 0.0)), round(float(power_dexponent(2.0, 8.0)), 4)
    (0.0, 5.5452)
    """
    x1 = np.asarray(x1)
    if not np.issubdtype(x1.dtype, np.inexact):
        x1 = x1.astype(np.float64)
    zero = x1 == 0
    if not np.any(zero):
        return y * np.log(x1)
    return np.where(zero, 0.0, y * np.log(np.where(zero, 1.0, x1)))


def log_of_base(base):
    """``log(base)``, and 1.0 when ``base`` is None (``math.log(x)`` is the natural log).

    >>> log_of_base(None), round(float(log_of_base(10.0)), 4)
    (1.0, 2.3026)
    """
    return 1.0 if base is None else np.log(base)


def sinc_derivative(x):
    """``d sinc(x)/dx = (cos(pi x) - sinc(x)) / x``, 0 at 0; a Taylor series near 0.

    >>> float(abs(sinc_derivative(0.0))), round(float(sinc_derivative(0.5)), 6)
    (0.0, -1.27324)
    """
    x = np.asarray(x, dtype=np.result_type(x, 1.0))
    small = np.abs(x) < 1e-3
    safe = np.where(small, 1.0, x)
    far = (np.cos(np.pi * safe) - np.sinc(safe)) / safe
    p2 = np.pi ** 2 * x * x
    near = np.pi ** 2 * x * (-1.0 / 3.0 + p2 / 30.0 - p2 * p2 / 840.0)
    return np.where(small, near, far)


def maximum_weight(x1, x2):
    """Share of the adjoint of ``maximum(x1, x2)`` going to ``x1``: 1, 0.5 on ties, or 0.

    The share of ``x2`` is ``maximum_weight(x2, x1)``; a NaN operand gets 0 (as in JAX).

    >>> maximum_weight(np.array([2.0, 1.0, 0.0]), np.array([1.0, 1.0, 1.0])).tolist()
    [1.0, 0.5, 0.0]
    """
    return np.where(x1 > x2, 1.0, np.where(x1 == x2, 0.5, 0.0))


def minimum_weight(x1, x2):
    """Share of the adjoint of ``minimum(x1, x2)`` going to ``x1``: 1, 0.5 on ties, or 0.

    >>> minimum_weight(np.array([2.0, 1.0, 0.0]), np.array([1.0, 1.0, 1.0])).tolist()
    [0.0, 0.5, 1.0]
    """
    return np.where(x1 < x2, 1.0, np.where(x1 == x2, 0.5, 0.0))


def fmax_weight(x1, x2):
    """Share of the adjoint of ``fmax(x1, x2)`` going to ``x1``: as ``maximum_weight``,
    but a NaN ``x2`` is ignored, so ``x1`` gets everything.

    >>> fmax_weight(np.array([1.0, 1.0, np.nan]), np.array([2.0, np.nan, 2.0])).tolist()
    [0.0, 1.0, 0.0]
    """
    return np.where(np.isnan(x2) & ~np.isnan(x1), 1.0, maximum_weight(x1, x2))


def fmin_weight(x1, x2):
    """Share of the adjoint of ``fmin(x1, x2)`` going to ``x1`` (NaN ``x2`` ignored).

    >>> fmin_weight(np.array([3.0, 3.0, np.nan]), np.array([2.0, np.nan, 2.0])).tolist()
    [0.0, 1.0, 0.0]
    """
    return np.where(np.isnan(x2) & ~np.isnan(x1), 1.0, minimum_weight(x1, x2))


def clip_bound(bound, alias):
    """The bound a clip uses: ``a_min`` or its numpy >= 2.1 keyword spelling ``min``.

    >>> clip_bound(None, 0.5), clip_bound(0.25, None)
    (0.5, 0.25)
    """
    return alias if bound is None else bound


def clip_inside(a, lo, hi):
    """1 where ``clip(a, lo, hi)`` returns ``a``: ``lo <= a <= hi``, bounds included.

    A value equal to a bound is treated as inside, so its adjoint goes to ``a`` (JAX's
    convention for ``jnp.clip``); ``None`` is a missing bound.

    >>> clip_inside(np.array([-2.0, -1.0, 0.0, 1.0, 2.0]), -1.0, 1.0).tolist()
    [False, True, True, True, False]
    """
    inside = np.ones(np.shape(a), dtype=bool)
    if lo is not None:
        inside = inside & (a >= lo)
    if hi is not None:
        inside = inside & (a <= hi)
    return inside


def clip_below(a, lo, hi):
    """1 where ``clip(a, lo, hi)`` returns ``lo``: ``a < lo`` and ``lo <= hi``.

    numpy computes ``minimum(maximum(a, lo), hi)``, so where ``lo > hi`` the result is
    ``hi``.

    >>> clip_below(np.array([-2.0, -1.0, 0.0, 2.0]), -1.0, 1.0).tolist()
    [True, False, False, False]
    """
    if lo is None:
        return np.zeros(np.shape(a), dtype=bool)
    below = a < lo
    if hi is not None:
        below = below & (lo <= hi)
    return below


def clip_above(a, lo, hi):
    """1 where ``clip(a, lo, hi)`` returns ``hi``: neither inside nor below (nor NaN).

    >>> clip_above(np.array([-2.0, 1.0, 2.0]), -1.0, 1.0).tolist()
    [False, False, True]
    >>> clip_above(np.array([-2.0, 1.0, 2.0]), 3.0, 1.0).tolist()  # lo > hi: always hi
    [True, True, True]
    """
    if hi is None:
        return np.zeros(np.shape(a), dtype=bool)
    return ~(clip_inside(a, lo, hi) | clip_below(a, lo, hi) | np.isnan(a))


def division_quotient(x1, x2, y):
    """The integer ``q`` with ``y == x1 - q * x2`` for ``y`` the remainder of ``x1 / x2``.

    Computed from ``y`` itself, so it matches how ``mod``, ``fmod`` or
    ``math.remainder`` rounded: ``d y / d x2 = -q``.

    >>> float(division_quotient(-7.5, 2.0, np.mod(-7.5, 2.0)))
    -4.0
    >>> float(division_quotient(-7.5, 2.0, np.fmod(-7.5, 2.0)))
    -3.0
    """
    return np.round((x1 - y) / x2)


def safe_divide(a, b):
    """``a / b``, and 0 where ``b == 0`` (the 0/0 of hypot's derivative at the origin).

    >>> safe_divide(np.array([1.0, 0.0]), np.array([2.0, 0.0])).tolist()
    [0.5, 0.0]
    """
    b = np.asarray(b)
    zero = b == 0
    if not np.any(zero):
        return a / b
    return np.where(zero, 0.0, a / np.where(zero, 1.0, b))


def abs_derivative(x):
    """``d|x|/dx``: ``sign(x)`` with ``abs'(0) = 0``; ``conj(x) / |x|`` for complex ``x``.

    >>> abs_derivative(np.array([-2.0, 0.0, 3.0])).tolist()
    [-1.0, 0.0, 1.0]
    >>> np.round(abs_derivative(np.array([3.0 + 4.0j])), 6).tolist()
    [(0.6-0.8j)]
    """
    if np.iscomplexobj(x):
        return safe_divide(np.conj(x), np.abs(x))
    return np.sign(x)


def imag_adjoint(g, x):
    """The adjoint of ``x`` for ``y = imag(x)``: ``-1j * g``, or zeros for a real ``x``.

    >>> imag_adjoint(np.array([2.0]), np.array([1.0 + 1.0j])).tolist(), imag_adjoint(2.0, 1.0)
    ([-2j], 0.0)
    """
    if np.iscomplexobj(x):
        return -1j * g
    return np.zeros_like(g) if isinstance(g, np.ndarray) else 0.0


def angle_adjoint(g, z, deg=False):
    """The adjoint of ``z`` for ``y = angle(z)``: ``g * -1j / z``; zeros for real ``z``.

    The angle of a real number is piecewise constant (0 or pi); at ``z == 0`` the
    adjoint is 0.

    >>> complex(angle_adjoint(1.0, 1.0j)).real, angle_adjoint(1.0, -2.0)
    (-1.0, 0.0)
    """
    if not np.iscomplexobj(z):
        return np.zeros_like(g) if isinstance(g, np.ndarray) else 0.0
    scale = 180.0 / np.pi if deg else 1.0
    return g * scale * -1j * safe_divide(1.0, z)


def angle_tangent(dz, z, deg=False):
    """The tangent of ``y = angle(z)``: ``imag(dz / z)``, 0 at ``z == 0``.

    >>> float(angle_tangent(1.0, 1.0j))  # moving 1.0j to the right turns it clockwise
    -1.0
    """
    scale = 180.0 / np.pi if deg else 1.0
    return scale * np.imag(dz * safe_divide(1.0, z))
