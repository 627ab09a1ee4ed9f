"""Derivatives of the elementwise helpers (srcad/runtime/elementwise.py).

``when_none`` (for ``clip_bound``), the higher derivatives of ``x1 ** x2`` in its base
and exponent (``power_d2base``, ``power_dkbase`` …) and the second derivative of
``np.sinc``.  Conventions are those of srcad/runtime/higher.py.
"""

import numpy as np

from .core import zeros_like
from .elementwise import sinc_derivative

__all__ = [
    "when_none", "power_d2base", "power_dbase_dexponent", "power_dkbase",
    "power_dkbase_dexponent", "sinc_second_derivative",
]


def when_none(value, test, like):
    """``value`` if ``test`` is None, else zeros like ``like``.

    The adjoint of ``alias`` in ``clip_bound(bound, alias)``, which picks ``alias`` when
    ``bound`` is None.

    >>> when_none(2.0, None, 1.0), when_none(2.0, 3.0, 1.0)
    (2.0, 0.0)
    """
    return value if test is None else zeros_like(like)


# --------------------------------------------------------------------------- elementwise

def power_d2base(x1, x2):
    """``d power_dbase(x1, x2) / dx1 = x2 (x2 - 1) x1 ** (x2 - 2)``: 0 where ``x2`` is 0
    or 1, where ``power_dbase`` is constant.

    >>> float(power_d2base(3.0, 2)), float(power_d2base(0.0, 1.0)), float(power_d2base(2.0, 3))
    (2.0, 0.0, 12.0)
    """
    return power_dkbase(x1, x2, 2)


def _falling(x2, k):
    """``x2 (x2 - 1) ... (x2 - k + 1)`` and its derivative in ``x2``."""
    c, dc = 1.0, 0.0
    for j in range(k):
        c, dc = c * (x2 - j), dc * (x2 - j) + c
    return c, dc


def power_dkbase(x1, x2, k):
    """The ``k``-th derivative of ``x1 ** x2`` in ``x1``: ``x2 (x2 - 1) ... (x2 - k + 1)
    x1 ** (x2 - k)``, exactly 0 where that coefficient is 0 (where the ``k - 1``-th
    derivative is constant), so never ``0 * inf``.

    >>> float(power_dkbase(2.0, 3, 2)), float(power_dkbase(0.0, 2, 3)), float(power_dkbase(2.0, 3, 3))
    (12.0, 0.0, 6.0)
    """
    if not np.issubdtype(np.result_type(x1), np.inexact):
        x1 = np.asarray(x1, dtype=np.float64)
    c, _ = _falling(x2, int(k))
    with np.errstate(divide="ignore", invalid="ignore"):
        d = c * np.power(x1, x2 - k)
    if np.ndim(c) == 0 and not isinstance(c, np.ndarray):
        if c == 0:
            return np.zeros_like(d) if isinstance(d, np.ndarray) else 0.0
        return d
    return np.where(np.asarray(c) == 0, np.zeros((), np.result_type(d)), d)


def power_dkbase_dexponent(x1, x2, k):
    """The derivative of ``power_dkbase(x1, x2, k)`` in ``x2``:
    ``x1 ** (x2 - k) (c'(x2) + c(x2) log(x1))`` with ``c`` the falling factorial; 0 where
    ``x1 == 0`` (as ``power_dexponent``); nan for a negative base.

    >>> round(float(power_dkbase_dexponent(2.0, 3.0, 1)), 6)
    12.317766
    """
    x1 = np.asarray(x1)
    if not np.issubdtype(x1.dtype, np.inexact):
        x1 = x1.astype(np.float64)
    zero = x1 == 0
    safe = np.where(zero, 1.0, x1) if np.any(zero) else x1
    c, dc = _falling(x2, int(k))
    with np.errstate(divide="ignore", invalid="ignore"):
        d = np.power(safe, x2 - k) * (dc + c * np.log(safe))
    if not np.any(zero):
        return d
    return np.where(zero, 0.0, d)


def power_dbase_dexponent(x1, x2):
    """``d power_dbase(x1, x2) / dx2 = x1 ** (x2 - 1) (1 + x2 log(x1))``; 0 where
    ``x1 == 0`` (as ``power_dexponent``).  A negative base gives nan.

    >>> round(float(power_dbase_dexponent(2.0, 3.0)), 6)
    12.317766
    """
    return power_dkbase_dexponent(x1, x2, 1)


def sinc_second_derivative(x):
    """``d^2 sinc(x)/dx^2 = -pi^2 sinc(x) - 2 sinc'(x) / x``; a Taylor series near 0.

    >>> round(float(sinc_second_derivative(0.0)), 6), round(float(sinc_second_derivative(0.5)), 6)
    (-3.289868, -1.190227)
    """
    x = np.asarray(x, dtype=np.result_type(x, 1.0))
    small = np.abs(x) < 1e-2
    safe = np.where(small, 1.0, x)
    far = -np.pi ** 2 * np.sinc(safe) - 2.0 * sinc_derivative(safe) / safe
    p2 = np.pi ** 2 * x * x
    near = np.pi ** 2 * (-1.0 / 3.0 + p2 * (1.0 / 10.0 + p2 * (-1.0 / 168.0 + p2 / 6480.0)))
    return np.where(small, near, far)
