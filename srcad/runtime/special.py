"""Helpers for the derivatives of ``scipy.special`` (see srcad/rules/special.py).

scipy is optional: it is imported inside the helpers that need its functions (digamma,
polygamma, Bessel functions), never when this module is imported, so importing
``srcad.runtime`` does not import scipy.  Such a helper only runs in the derivative of a
scipy function, which the differentiated code has already imported.  The other helpers
depend on numpy alone.

Conventions: ``x`` is the primal input, ``y`` the primal output, ``g`` an adjoint shaped
like ``y``.  A ``*_derivative`` helper returns the elementwise derivative (the vjp is
``by * derivative``, the jvp ``dx * derivative``); a ``*_adjoint`` helper returns the whole
vjp contribution and a ``*_tangent`` helper the whole jvp term.
"""

import numpy as np

from .core import normalize_axes, unbroadcast

__all__ = [
    "logsumexp_adjoint", "logsumexp_tangent", "zero_safe_ratio", "log_ndtr_derivative",
    "digamma_of", "polygamma_derivative", "beta_derivatives", "i0_derivative",
    "i0e_derivative", "i1_derivative", "i1e_derivative",
]


def _special():
    import scipy.special  # optional dependency: imported only when a derivative needs it
    return scipy.special


def _like(y, t):
    """``t`` with the shape of ``y``; a numpy scalar when that shape is ``()``."""
    t = np.reshape(t, np.shape(y))
    return t[()] if t.ndim == 0 else t


# --- logsumexp -----------------------------------------------------------------------------

def _logsumexp_parts(a, y, axis, b):
    """``exp(a - y)``, ``b`` and the reduced axes, on the common (at least 1-d) shape of ``a``
    and ``b`` that scipy reduces, with ``y`` broadcast back over the reduced axes."""
    a = np.asarray(a)
    if b is not None:
        a, b = np.broadcast_arrays(a, np.asarray(b))
        b = np.atleast_1d(b)
    a = np.atleast_1d(a)
    axes = normalize_axes(axis, a.ndim)
    kept = tuple(1 if i in axes else n for i, n in enumerate(a.shape))
    yk = np.reshape(np.asarray(y), kept)  # y with its reduced axes kept, whatever keepdims was
    with np.errstate(invalid="ignore", over="ignore"):
        e = np.exp(a - yk)
    # An element at -inf weighs nothing, even when the whole group is -inf (y = -inf too).
    e = np.where(np.isneginf(a), 0.0, e)
    return e, b, axes


def logsumexp_adjoint(g, a, y, axis=None, b=None, wrt="a"):
    """Adjoint of ``y = scipy.special.logsumexp(a, axis, b, keepdims)`` for ``a`` or ``b``.

    ``dy/da = b * exp(a - y)`` and ``dy/db = exp(a - y)``: the weights of the softmax, computed
    from ``y`` so that large inputs do not overflow.  ``g`` has the shape of ``y`` (with or
    without the reduced axes kept); the result has the shape of ``a`` (or ``b``).

    >>> a = np.array([[0.0, np.log(3.0)], [1000.0, 1000.0]])
    >>> y = np.array([np.log(4.0), 1000.0 + np.log(2.0)])
    >>> np.round(logsumexp_adjoint(np.ones(2), a, y, axis=1), 6).tolist()
    [[0.25, 0.75], [0.5, 0.5]]
    """
    e, b_, axes = _logsumexp_parts(a, y, axis, b)
    kept = tuple(1 if i in axes else n for i, n in enumerate(np.shape(e)))
    gk = np.reshape(np.asarray(g), kept)  # g with the reduced axes kept, ready to broadcast
    if wrt == "b":
        return unbroadcast(gk * e, b)
    weights = e if b_ is None else e * b_
    return unbroadcast(gk * weights, a)


def logsumexp_tangent(d, a, y, axis=None, b=None, wrt="a"):
    """Tangent of ``y = scipy.special.logsumexp(a, axis, b, keepdims)`` along ``d`` (the
    tangent of ``a``, or of ``b``): ``sum(d * b * exp(a - y))`` over ``axis``, shaped like ``y``.

    >>> a = np.array([0.0, np.log(3.0)])
    >>> round(float(logsumexp_tangent(np.array([1.0, 2.0]), a, np.log(4.0))), 6)
    1.75
    """
    e, b_, axes = _logsumexp_parts(a, y, axis, b)
    weights = e if (wrt == "b" or b_ is None) else e * b_
    return _like(y, np.sum(d * weights, axis=axes, keepdims=True))


# --- elementwise ---------------------------------------------------------------------------

def zero_safe_ratio(x, y):
    """``x / y``, and exactly 0 where ``x == 0`` (even where ``y == 0``).

    The derivative of ``xlogy(x, y)`` with respect to ``y``: ``xlogy(0, y) = 0`` for every
    ``y``, so its derivative in ``y`` is 0 there, not ``0 / 0``.

    >>> zero_safe_ratio(np.array([1.0, 0.0, 0.0]), np.array([2.0, 3.0, 0.0])).tolist()
    [0.5, 0.0, 0.0]
    """
    x = np.asarray(x)
    zero = x == 0
    if not np.any(zero):
        return x / y
    return np.where(zero, 0.0, x / np.where(zero, 1.0, y))


def log_ndtr_derivative(x, y):
    """``d log_ndtr(x)/dx = pdf(x) / ndtr(x)`` from ``y = log_ndtr(x)``: stable in both tails
    (about ``-x`` for very negative ``x``, where ``ndtr(x)`` underflows).

    >>> round(float(log_ndtr_derivative(0.0, np.log(0.5))), 6)  # 2 / sqrt(2 pi)
    0.797885
    """
    return np.exp(-0.5 * np.square(x) - y - 0.5 * np.log(2.0 * np.pi))


def digamma_of(x):
    """``digamma(x)``: the derivative of ``gammaln``/``loggamma`` (scipy imported here)."""
    return _special().digamma(x)


def polygamma_derivative(n, x):
    """``d polygamma(n, x)/dx = polygamma(n + 1, x)`` (``digamma`` is ``polygamma(0, .)``)."""
    return _special().polygamma(np.add(n, 1), x)


def beta_derivatives(a, b, wrt="a"):
    """``d betaln(a, b)/da = digamma(a) - digamma(a + b)`` (or ``/db``, symmetric)."""
    sp = _special()
    first = a if wrt == "a" else b
    return sp.digamma(first) - sp.digamma(np.add(a, b))


def i0_derivative(x):
    """``d i0(x)/dx = i1(x)``."""
    return _special().i1(x)


def i0e_derivative(x, y):
    """``d i0e(x)/dx = i1e(x) - sign(x) i0e(x)`` (``i0e(x) = exp(-|x|) i0(x)``).

    ``i0e`` has a kink at 0 (one-sided slopes -1 and +1): its derivative there is taken as 0,
    the mean of the two, as ``abs'(0) = 0``.
    """
    return _special().i1e(x) - np.sign(x) * y


def i1_derivative(x):
    """``d i1(x)/dx = (i0(x) + iv(2, x)) / 2``: no division by ``x``, exact at 0 (= 1/2)."""
    sp = _special()
    return 0.5 * (sp.i0(x) + sp.iv(2, x))


def i1e_derivative(x, y):
    """``d i1e(x)/dx = (i0e(x) + ive(2, x)) / 2 - sign(x) i1e(x)``; 1/2 at 0 (smooth there)."""
    sp = _special()
    return 0.5 * (sp.i0e(x) + sp.ive(2, x)) - np.sign(x) * y
