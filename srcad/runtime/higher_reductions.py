"""Derivatives of the reduction helpers (srcad/runtime/reductions.py).

The transposes of ``mean_adjoint``, ``nanmean_adjoint`` and ``cumprod_tangent``, and the
second derivatives of ``np.prod``, ``np.cumprod``, ``np.cumulative_sum``/``prod`` and
``np.average``.  Conventions are those of srcad/runtime/higher.py.
"""

import numpy as np

from .core import normalize_axes
from .higher import derivative_not_implemented, real_zero_derivative
from .higher_core import unreduce_transpose
from .reductions import cumprod_adjoint, cumprod_tangent

__all__ = [
    "mean_adjoint_transpose", "nanmean_adjoint_transpose", "average_zero_partial",
    "prod_others_hvp", "cumprod_hvp", "cumprod_second_tangent",
    "cumprod_tangent_transpose", "cumulative_adjoint_transpose", "cumulative_hvp",
    "cumulative_second_tangent",
]


# --------------------------------------------------------------------------- reductions

def _is_true(where):
    return where is True or (np.ndim(where) == 0 and bool(where))


def mean_adjoint_transpose(b, g, a, axis=None, keepdims=False, where=True):
    """The adjoint of ``g`` in ``y = mean_adjoint(g, a, axis, keepdims, where)``: the mean
    of ``b`` over the reduced axes (over the selected elements), shaped like ``g``.

    >>> mean_adjoint_transpose(np.array([[1.0, 3.0]]), np.zeros(1), np.zeros((1, 2)), 1).tolist()
    [2.0]
    """
    shape = np.shape(a)
    b = np.broadcast_to(b, shape)
    if _is_true(where):
        count = 1
        for ax in normalize_axes(axis, len(shape)):
            count *= shape[ax]
        return unreduce_transpose(b / count, g, a, axis, keepdims)
    mask = np.broadcast_to(where, shape)
    count = np.sum(mask, axis=axis, keepdims=True)
    t = np.where(mask, b / np.where(count == 0, 1, count), 0.0)
    return unreduce_transpose(t, g, a, axis, keepdims)


def nanmean_adjoint_transpose(b, g, a, axis=None, keepdims=False):
    """The adjoint of ``g`` in ``y = nanmean_adjoint(g, a, axis, keepdims)``: the mean of
    ``b`` over the non-NaN elements of ``a``, shaped like ``g``.

    >>> float(nanmean_adjoint_transpose(np.array([1.0, 5.0, 3.0]), 0.0, np.array([0.0, np.nan, 0.0])))
    2.0
    """
    b = np.broadcast_to(b, np.shape(a))
    mask = ~np.isnan(a)
    count = np.sum(mask, axis=axis, keepdims=True)
    t = np.where(mask, b / np.where(count == 0, 1, count), 0.0)
    return unreduce_transpose(t, g, a, axis, keepdims)


def average_zero_partial(like, which, weights, *values):
    """Zeros like ``like``: the derivative of ``average_adjoint``/``average_tangent``
    with respect to ``a``, which is zero (``a`` only gives shapes) unless the weights are
    given and ``which`` is ``"weights"``; that case raises ``NotImplementedError``.

    >>> average_zero_partial(np.ones(2), "a", None).tolist()
    [0.0, 0.0]
    """
    if weights is not None and which != "a":
        derivative_not_implemented("the second derivative of np.average with respect to `a` "
                                   "and its weights")
    return real_zero_derivative(like, "the second derivative of np.average")


def _groups_last(a, axis):
    """``a`` with the reduced axes flattened into one last axis, and the inverse map."""
    x = np.asarray(a)
    axes = normalize_axes(axis, x.ndim)
    keep = [i for i in range(x.ndim) if i not in axes]
    order = keep + list(axes)
    xt = np.transpose(x, order)
    flat = xt.reshape(xt.shape[:len(keep)] + (-1,))

    def back(r):
        return np.transpose(r.reshape(xt.shape), np.argsort(order))
    return flat, back


def prod_others_hvp(v, a, axis=None):
    """The derivative of ``prod_others(a, axis)`` along ``v`` (also its adjoint, the
    Hessian of ``prod`` being symmetric): for each element ``i``,
    ``sum_{j != i} v_j prod_{k != i, j} a_k`` over its group.

    Computed with prefix and suffix products of ``a + eps v`` (dual numbers), never
    dividing, so it is exact when ``a`` holds zeros.

    >>> prod_others_hvp(np.ones(3), np.array([2.0, 0.0, 5.0])).tolist()
    [5.0, 7.0, 2.0]
    """
    x = np.asarray(a)
    dtype = np.result_type(x, v, 1.0)
    if x.ndim == 0:
        return np.zeros((), dtype=dtype)
    v = np.broadcast_to(v, x.shape)
    xf, back = _groups_last(x.astype(dtype, copy=False), axis)
    vf, _ = _groups_last(v.astype(dtype, copy=False), axis)
    n = xf.shape[-1]
    pv = np.ones(xf.shape, dtype)   # prod_{k < i} a_k
    pd = np.zeros(xf.shape, dtype)  # its derivative along v
    for i in range(1, n):
        pv[..., i] = pv[..., i - 1] * xf[..., i - 1]
        pd[..., i] = pd[..., i - 1] * xf[..., i - 1] + pv[..., i - 1] * vf[..., i - 1]
    sv = np.ones(xf.shape, dtype)   # prod_{k > i} a_k
    sd = np.zeros(xf.shape, dtype)
    for i in range(n - 2, -1, -1):
        sv[..., i] = sv[..., i + 1] * xf[..., i + 1]
        sd[..., i] = sd[..., i + 1] * xf[..., i + 1] + sv[..., i + 1] * vf[..., i + 1]
    return back(pv * sd + pd * sv)


def _along(x, axis, shape):
    """``x`` with ``axis`` last (flattened when None), and the map back to ``shape``."""
    x = np.asarray(x)
    if axis is None:
        return x.reshape(-1), lambda r: r.reshape(shape)
    ax = axis % len(shape)
    return np.moveaxis(x, ax, -1), lambda r: np.moveaxis(r, -1, ax).reshape(shape)


def _drop_initial(g, axis, include_initial):
    if not include_initial:
        return g
    g = np.asarray(g)
    if axis is None:
        return g.reshape(-1)[1:]
    ax = axis % g.ndim
    return np.take(g, np.arange(1, g.shape[ax]), axis=ax)


def _prepend_zero(y, axis, include_initial):
    if not include_initial:
        return y
    if axis is None:
        return np.concatenate([np.zeros(1, y.dtype), y.reshape(-1)])
    ax = axis % y.ndim
    shape = list(y.shape)
    shape[ax] = 1
    return np.concatenate([np.zeros(shape, y.dtype), y], axis=ax)


def cumprod_hvp(g, a, axis, v, include_initial=False):
    """``sum_k g_k H(y_k) v`` for ``y = np.cumprod(a, axis)`` (flattened if ``axis`` is
    None; with ``include_initial`` the first entry of ``g`` belongs to the constant 1 of
    ``np.cumulative_prod``): the derivative of ``cumprod_adjoint(g, a, axis)`` along ``v``,
    and the adjoint of ``a`` in it (the Hessians are symmetric).

    ``cumprod_adjoint(g, a)_i = P_i W_i`` with ``P_i = prod_{k < i} a_k`` and
    ``W_i = g_i + a_{i+1} W_{i+1}``; both recurrences are carried with dual numbers
    ``a + eps v``, never dividing, so this is exact when ``a`` holds zeros.

    >>> cumprod_hvp(np.array([0.0, 1.0]), np.array([3.0, 4.0]), None, np.array([1.0, 0.0])).tolist()
    [0.0, 1.0]
    """
    x = np.asarray(a)
    shape = x.shape
    dtype = np.result_type(x, g, v, 1.0)
    g = _drop_initial(g, axis, include_initial)
    if x.ndim == 0:
        return np.zeros((), dtype=dtype)
    xl, back = _along(x.astype(dtype, copy=False), axis, shape)
    vl, _ = _along(np.broadcast_to(v, shape).astype(dtype, copy=False), axis, shape)
    yshape = (x.size,) if axis is None else shape
    gl, _ = _along(np.broadcast_to(g, yshape), axis, yshape)
    n = xl.shape[-1]
    if n == 0:
        return np.zeros(shape, dtype=dtype)
    pv = np.ones(xl.shape, dtype)
    pd = np.zeros(xl.shape, dtype)
    for i in range(1, n):
        pv[..., i] = pv[..., i - 1] * xl[..., i - 1]
        pd[..., i] = pd[..., i - 1] * xl[..., i - 1] + pv[..., i - 1] * vl[..., i - 1]
    wv = np.zeros(xl.shape, dtype)
    wd = np.zeros(xl.shape, dtype)
    wv[..., n - 1] = gl[..., n - 1]
    for i in range(n - 2, -1, -1):
        wv[..., i] = gl[..., i] + xl[..., i + 1] * wv[..., i + 1]
        wd[..., i] = xl[..., i + 1] * wd[..., i + 1] + vl[..., i + 1] * wv[..., i + 1]
    return back(pv * wd + pd * wv)


def cumprod_second_tangent(d, v, a, axis, include_initial=False):
    """The second derivative of ``y = np.cumprod(a, axis)`` along ``d`` and ``v``: the
    derivative of ``cumprod_tangent(d, a, axis)`` along ``v`` (a hyper-dual cumulative
    product, exact when ``a`` holds zeros).

    >>> cumprod_second_tangent(np.array([1.0, 0.0]), np.array([0.0, 1.0]), np.array([3.0, 4.0]), 0).tolist()
    [0.0, 1.0]
    """
    x = np.asarray(a)
    shape = x.shape
    dtype = np.result_type(x, d, v, 1.0)
    if x.ndim == 0:  # np.cumprod of a number: one product of one factor
        return _prepend_zero(np.zeros(1, dtype), axis, include_initial)
    xl, _ = _along(x.astype(dtype, copy=False), axis, shape)
    dl, _ = _along(np.broadcast_to(d, shape).astype(dtype, copy=False), axis, shape)
    vl, _ = _along(np.broadcast_to(v, shape).astype(dtype, copy=False), axis, shape)
    n = xl.shape[-1]
    val = np.ones(xl.shape[:-1], dtype)
    yd = np.zeros(xl.shape[:-1], dtype)
    yv = np.zeros(xl.shape[:-1], dtype)
    ydv = np.zeros(xl.shape[:-1], dtype)
    out = np.zeros(xl.shape, dtype)
    for i in range(n):
        xi, di, vi = xl[..., i], dl[..., i], vl[..., i]
        ydv = ydv * xi + yd * vi + yv * di
        yd, yv = yd * xi + val * di, yv * xi + val * vi
        val = val * xi
        out[..., i] = ydv
    if axis is None:
        return _prepend_zero(out, None, include_initial)
    return _prepend_zero(np.moveaxis(out, -1, axis % len(shape)), axis, include_initial)


def cumprod_tangent_transpose(b, a, axis, include_initial=False):
    """The adjoint of ``d`` in ``y = cumprod_tangent(d, a, axis, include_initial)``.

    >>> cumprod_tangent_transpose(np.ones(2), np.array([3.0, 4.0]), None).tolist()
    [5.0, 3.0]
    """
    return cumprod_adjoint(_drop_initial(b, axis, include_initial), a, axis)


def _cumulative_axis(axis):
    return 0 if axis is None else axis


def cumulative_adjoint_transpose(b, g, x, axis=None, include_initial=False, product=False):
    """The adjoint of ``g`` in ``y = cumulative_adjoint(g, x, axis, include_initial,
    product)``: the tangent of ``np.cumulative_sum``/``np.cumulative_prod`` along ``b``.

    >>> cumulative_adjoint_transpose(np.ones(3), np.zeros(4), np.zeros(3), None, True).tolist()
    [0.0, 1.0, 2.0, 3.0]
    """
    ax = _cumulative_axis(axis)
    if product:
        out = cumprod_tangent(b, x, ax, include_initial)
    else:
        out = _prepend_zero(np.cumsum(np.broadcast_to(b, np.shape(x)), axis=ax),
                            ax, include_initial)
    return np.reshape(out, np.shape(g))


def cumulative_hvp(g, x, axis, v, include_initial=False, product=False):
    """:func:`cumprod_hvp` for ``np.cumulative_prod`` (``axis`` None means 0), zeros for
    ``np.cumulative_sum`` (linear).

    >>> cumulative_hvp(np.ones(2), np.ones(2), None, np.ones(2)).tolist()
    [0.0, 0.0]
    """
    if not product:
        return np.zeros(np.shape(x), dtype=np.result_type(x, 1.0))
    return cumprod_hvp(g, x, _cumulative_axis(axis), v, include_initial)


def cumulative_second_tangent(d, v, x, axis, include_initial=False):
    """:func:`cumprod_second_tangent` for ``np.cumulative_prod`` (``axis`` None means 0).

    >>> cumulative_second_tangent(np.ones(2), np.ones(2), np.ones(2), None).tolist()
    [0.0, 2.0]
    """
    return cumprod_second_tangent(d, v, x, _cumulative_axis(axis), include_initial)
