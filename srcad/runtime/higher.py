"""Helpers for derivatives of generated code: the derivatives of srcad's own helpers.

Differentiating a derivative again (grad of grad) transforms generated code, which calls
the helpers of this package; their rules are in srcad/rules/runtime_rules.py.  Most
helpers are linear in their first argument, an adjoint or a tangent.  A ``*_transpose``
helper here is the adjoint of such a linear map: for ``y = unbroadcast(g, x)``,
``unbroadcast_transpose(by, g, x)`` is the adjoint of ``g``.  The other helpers are the
derivatives of the nonlinear helpers (``power_d2base``, ``cumprod_hvp`` …).

Conventions are those of the first derivatives (see each helper), and a configuration
that is not handled raises ``NotImplementedError`` naming it: never a wrong value.
"""

import numpy as np

from .containers import container_zeros
from .core import normalize_axes, unbroadcast, zeros_like
from .elementwise import broadcast_like, sinc_derivative
from .linalg import mT, multi_dot_adjoints
from .reductions import cumprod_adjoint, cumprod_tangent

__all__ = [
    "derivative_not_implemented", "real_zero_derivative", "when_none",
    "unbroadcast_transpose", "unreduce_transpose", "unindex_transpose", "add_transpose",
    "add_tangent", "unsum_transpose", "extremum_args_transpose",
    "power_d2base", "power_dbase_dexponent", "power_dkbase", "power_dkbase_dexponent",
    "sinc_second_derivative",
    "mean_adjoint_transpose", "nanmean_adjoint_transpose", "average_zero_partial",
    "prod_others_hvp", "cumprod_hvp", "cumprod_second_tangent", "cumprod_tangent_transpose",
    "cumulative_adjoint_transpose", "cumulative_hvp", "cumulative_second_tangent",
    "unarray_transpose", "unconcatenate_transpose", "unatleast_transpose",
    "unappend_transpose", "vecdot_real", "solve_rhs", "solve_adjoint_a_transpose",
    "solve_tangent_a_dy", "det_adjoint_transpose", "det_adjoint_da", "det_adjoint_dy",
    "einsum_sum_replaced", "einsum_sum_replaced2", "einsum_cross",
    "multi_dot_cross", "multi_dot_second", "matrix_power_hess", "matrix_power_second",
    "norm_second",
]


def _like(value, ref):
    """``value`` as a numpy scalar when ``ref`` is a number and ``value`` is 0-d."""
    if not isinstance(ref, np.ndarray) and np.ndim(value) == 0 and isinstance(value, np.ndarray):
        return value[()]
    return value


def _sum_to(c, shape):
    """``c`` summed down to ``shape`` (``c`` broadcasts against ``shape``)."""
    shape = tuple(shape)
    full = np.broadcast_shapes(np.shape(c), shape)
    if np.shape(c) != full:
        c = np.broadcast_to(c, full)
    extra = len(full) - len(shape)
    if extra > 0:
        c = np.sum(c, axis=tuple(range(extra)))
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and np.shape(c)[i] != 1)
    if axes:
        c = np.sum(c, axis=axes, keepdims=True)
    return c


# --------------------------------------------------------------------------- general

def derivative_not_implemented(what, *values):
    """Raise ``NotImplementedError``: the derivative ``what`` is not implemented.

    The rules of srcad's helpers call it for the dependences they do not differentiate
    yet (the second derivative of ``np.average`` in its weights …), so that such a
    derivative fails clearly when it is needed and only then.

    >>> derivative_not_implemented("the second derivative of f")
    Traceback (most recent call last):
    ...
    NotImplementedError: srcad: the second derivative of f is not implemented
    """
    raise NotImplementedError(f"srcad: {what} is not implemented")


def real_zero_derivative(like, what, *values):
    """Zeros shaped like ``like`` (0.0 for a number) when no ``values`` are complex.

    For a helper whose derivative is zero for real inputs (``abs_derivative``, the sign
    of a real number) and not implemented for complex ones, which raise.

    >>> real_zero_derivative(np.ones(2), "d f", np.ones(2)).tolist()
    [0.0, 0.0]
    """
    if any(np.iscomplexobj(v) for v in values):
        raise NotImplementedError(f"srcad: {what} for complex input is not implemented")
    if isinstance(like, np.ndarray):
        return np.zeros(like.shape, dtype=np.result_type(like, 1.0))
    return 0.0


def when_none(value, test, like):
    """``value`` if ``test`` is None, else zeros like ``like``.

    The adjoint of ``alias`` in ``clip_bound(bound, alias)``, which picks ``alias`` when
    ``bound`` is None.

    >>> when_none(2.0, None, 1.0), when_none(2.0, 3.0, 1.0)
    (2.0, 0.0)
    """
    return value if test is None else zeros_like(like)


# --------------------------------------------------------------------------- core

def unbroadcast_transpose(b, g, x):
    """The adjoint of ``g`` in ``y = unbroadcast(g, x)`` (``b`` shaped like ``x``).

    ``unbroadcast`` sums ``g`` over its leading axes and over the axes where ``x`` has
    length 1 (and broadcasts a smaller ``g`` up); this is the transpose: ``b`` broadcast
    back to the shape of ``g``, step by step in reverse.

    >>> unbroadcast_transpose(np.array([1.0, 2.0]), np.zeros((3, 2)), np.zeros(2)).tolist()
    [[1.0, 2.0], [1.0, 2.0], [1.0, 2.0]]
    """
    gshape = np.shape(g)
    if isinstance(x, float):
        return b if isinstance(g, float) else np.broadcast_to(b, gshape)
    if isinstance(g, (list, tuple, dict)) or isinstance(x, (list, tuple, dict)):
        raise TypeError("srcad: arithmetic on lists, tuples or dicts is not differentiable; "
                        "use np.array(...) or append to a list")
    shape = np.shape(x)
    if gshape == shape:
        return b
    extra = len(gshape) - len(shape)
    s1 = gshape[extra:] if extra > 0 else gshape   # after summing the leading axes
    s2 = s1
    if shape:
        axes = tuple(i for i, n in enumerate(shape) if n == 1 and s1[i] != 1)
        if axes:
            s2 = tuple(1 if i in axes else n for i, n in enumerate(s1))
    c = b
    if s2 != shape:                 # unbroadcast ended with broadcast_to(shape)
        c = _sum_to(c, s2)
    if s2 != s1:                    # summed over `axes` with keepdims
        c = np.broadcast_to(c, s1)
    if s1 != gshape:                # summed over the leading axes
        c = np.broadcast_to(c, gshape)
    elif np.shape(c) != gshape:
        c = np.reshape(c, gshape)
    return _like(c, g)


def unreduce_transpose(b, g, x, axis=None, keepdims=False):
    """The adjoint of ``g`` in ``y = unreduce(g, x, axis, keepdims)``: ``b`` summed over
    the reduced axes, shaped like ``g``.

    >>> unreduce_transpose(np.ones((2, 3)), np.zeros(2), np.zeros((2, 3)), axis=1).tolist()
    [3.0, 3.0]
    """
    shape = np.shape(x)
    gshape = np.shape(g)
    expanded = gshape
    if axis is not None and not keepdims:
        expanded = np.expand_dims(np.zeros(gshape), normalize_axes(axis, len(shape))).shape
    c = _sum_to(np.broadcast_to(b, shape) if np.shape(b) != shape else b, expanded)
    return _like(np.reshape(c, gshape), g)


def unindex_transpose(b, g, idx):
    """The adjoint of ``g`` in ``y = unindex(g, x, idx)``: ``b[idx]``, summed to the shape
    of ``g`` where ``g`` was broadcast into the indexed region.

    >>> float(unindex_transpose(np.array([1.0, 2.0, 3.0]), 0.0, [0, 0, 2]))
    5.0
    """
    if isinstance(b, (list, tuple, dict)):
        return b[idx]
    return unbroadcast(np.asarray(b)[idx], g)


# --------------------------------------------------------------------------- containers

def add_transpose(b, a):
    """The adjoint of ``a`` in ``y = add(a, other)``: ``b`` with the structure of ``a``
    (leaves summed down to ``a``'s shape where they broadcast).

    >>> add_transpose({"u": 1.0, "v": 2.0}, {"u": 0.0})
    {'u': 1.0}
    """
    if isinstance(a, list):
        return [add_transpose(u, v) for u, v in zip(b, a, strict=True)]
    if isinstance(a, tuple):
        return tuple(add_transpose(u, v) for u, v in zip(b, a, strict=True))
    if isinstance(a, dict):
        return {k: add_transpose(b[k], a[k]) for k in a}
    return unbroadcast(b, a)


def add_tangent(d, y):
    """The tangent of ``y = add(a, other)`` from the tangent ``d`` of one operand: ``d``
    broadcast to the structure and shapes of ``y``, zeros for dict keys ``d`` lacks.

    >>> add_tangent({"u": 1.0}, {"u": 0.0, "v": 0.0})
    {'u': 1.0, 'v': 0.0}
    """
    if isinstance(y, list):
        return [add_tangent(u, v) for u, v in zip(d, y, strict=True)]
    if isinstance(y, tuple):
        return tuple(add_tangent(u, v) for u, v in zip(d, y, strict=True))
    if isinstance(y, dict):
        return {k: add_tangent(d[k], v) if k in d else container_zeros(v) for k, v in y.items()}
    return broadcast_like(d, y)


def unsum_transpose(b, g, iterable):
    """The adjoint of ``g`` in ``y = unsum(g, iterable)``: the sum of the items of ``b``,
    each summed down to the shape of ``g``.

    >>> unsum_transpose([1.0, 2.0, 3.0], 0.0, [0.0, 0.0, 0.0])
    6.0
    """
    if isinstance(iterable, (list, tuple)):
        total = 0.0
        for item in b:
            total = total + unbroadcast(item, g)
        if isinstance(total, float) and isinstance(g, np.ndarray):
            total = np.full(g.shape, total)
        return total
    return unbroadcast(b, g)


def extremum_args_transpose(b, values, largest):
    """The adjoint of ``g`` in ``y = extremum_args(g, values, largest)``: the item of
    ``b`` at the position that received ``g``.

    >>> extremum_args_transpose((5.0, 7.0), (1.0, 2.0), True)
    7.0
    """
    items = values[0] if len(values) == 1 else values
    pick = max if largest else min
    best = pick(range(len(items)), key=lambda i: items[i])
    if len(values) == 1:
        return b[0][best]
    return b[best]


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
    x1 = np.asarray(x1)
    if not np.issubdtype(x1.dtype, np.inexact):
        x1 = x1.astype(np.float64)
    zero = x1 == 0
    safe = np.where(zero, 1.0, x1) if np.any(zero) else x1
    with np.errstate(divide="ignore", invalid="ignore"):
        d = np.power(safe, x2 - 1) * (1.0 + x2 * np.log(safe))
    if not np.any(zero):
        return d
    return np.where(zero, 0.0, d)


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


# --------------------------------------------------------------------------- shapes

def unarray_transpose(b, g):
    """The adjoint of ``g`` in ``y = unarray(g, obj)``: the (nested) adjoint ``b`` as one
    array shaped like ``g``.

    >>> unarray_transpose([[2.0, 3.0]], np.zeros((1, 2))).tolist()
    [[2.0, 3.0]]
    """
    if isinstance(b, (list, tuple)):
        b = np.array(b, dtype=np.result_type(*_leaves(b), 1.0))
    return _like(np.reshape(b, np.shape(g)), g)


def _leaves(x):
    if isinstance(x, (list, tuple)):
        return [leaf for item in x for leaf in _leaves(item)] or [0.0]
    return [x]


def unconcatenate_transpose(b, axis=0):
    """The adjoint of ``g`` in ``y = unconcatenate(g, arrays, axis)``: the adjoints of the
    arrays concatenated again (flattened first when ``axis`` is None).

    >>> unconcatenate_transpose([np.ones(2), np.zeros(1)]).tolist()
    [1.0, 1.0, 0.0]
    """
    items = list(b)
    if axis is None:
        return np.concatenate([np.ravel(item) for item in items])
    return np.concatenate(items, axis=axis)


def unatleast_transpose(b, g):
    """The adjoint of ``g`` in ``y = unatleast(g, arys)`` (a one-item list).

    >>> float(unatleast_transpose([np.ones(1)], 0.0))
    1.0
    """
    return _like(np.reshape(b[0], np.shape(g)), g)


def unappend_transpose(b, arr, values, axis, which):
    """The adjoint of ``g`` in ``y = unappend(g, arr, values, axis, which)``: ``b`` where
    the appended argument ``which`` was, zeros for the other one.

    >>> unappend_transpose(np.ones(2), np.zeros(2), np.zeros(1), None, 0).tolist()
    [1.0, 1.0, 0.0]
    """
    dtype = np.result_type(b, 1.0)
    if which == 0:
        return np.append(b, np.zeros(np.shape(values), dtype), axis=axis)
    return np.append(np.zeros(np.shape(arr), dtype), b, axis=axis)


# --------------------------------------------------------------------------- linalg

def vecdot_real(x1, x2, axis=-1):
    """``np.vecdot(x1, x2, axis=axis)`` for real inputs, with any numpy.

    >>> float(vecdot_real(np.array([1.0, 2.0]), np.array([3.0, 4.0])))
    11.0
    """
    return np.sum(np.moveaxis(np.asarray(x1), axis, -1) * np.moveaxis(np.asarray(x2), axis, -1),
                  axis=-1)


def solve_rhs(a, r, b):
    """``np.linalg.solve(a, r)`` where ``r`` is a (stack of) vector(s) when ``b`` is 1-D,
    as the right-hand side ``b`` of the solve being differentiated.

    >>> solve_rhs(2.0 * np.eye(2), np.array([2.0, 4.0]), np.zeros(2)).tolist()
    [1.0, 2.0]
    """
    if np.ndim(b) == 1:
        return np.linalg.solve(a, np.asarray(r)[..., None])[..., 0]
    return np.linalg.solve(a, r)


def solve_adjoint_a_transpose(c, gb, a, b, y, wrt):
    """The adjoint of ``gb`` (``wrt="gb"``) or of ``y`` (``wrt="y"``) in
    ``F = solve_adjoint_a(gb, a, b, y) = -gb y^T`` (summed to ``a``'s shape), given the
    adjoint ``c`` of ``F``.

    >>> solve_adjoint_a_transpose(np.eye(2), np.ones(2), np.eye(2), np.ones(2), np.ones(2), "gb").tolist()
    [-1.0, -1.0]
    """
    vector = np.ndim(b) == 1
    c = np.asarray(c)
    if wrt == "gb":
        other, target, cm = y, gb, c
    else:
        other, target, cm = gb, y, mT(c)
    other = np.asarray(other)
    if vector:
        out = -np.matmul(cm, other[..., None])[..., 0]
    else:
        out = -np.matmul(cm, other)
    return unbroadcast(out, target)


def solve_tangent_a_dy(bf, t, a, b, y):
    """The adjoint of ``y`` in ``F = solve_tangent_a(t, a, b, y) = -solve(a, t @ y)``
    given the adjoint ``bf`` of ``F``.

    >>> solve_tangent_a_dy(np.ones(2), np.eye(2), np.eye(2), np.zeros(2), np.zeros(2)).tolist()
    [-1.0, -1.0]
    """
    vector = np.ndim(b) == 1
    q = -np.linalg.solve(mT(a), np.asarray(bf)[..., None] if vector else bf)
    ym = np.asarray(y)[..., None] if vector else np.asarray(y)
    grad = unbroadcast(np.matmul(mT(t), q), ym)
    return grad[..., 0] if vector else grad


def _inv_or_raise(a, what):
    try:
        return np.linalg.inv(a)
    except np.linalg.LinAlgError:
        raise NotImplementedError(f"srcad: {what} at a singular matrix is not "
                                  "implemented") from None


def _tiled(g):
    return np.asarray(g)[..., None, None]


def det_adjoint_transpose(b, a, y):
    """The adjoint of ``g`` in ``F = det_adjoint(g, a, y)``: ``sum(b * det_adjoint(1, a, y))``
    over the matrix axes (also at a singular ``a``).

    >>> float(det_adjoint_transpose(np.eye(2), 2.0 * np.eye(2), 4.0))
    4.0
    """
    return np.sum(np.asarray(b) * _det_adjoint_unit(a, y), axis=(-2, -1))


def _det_adjoint_unit(a, y):
    from .linalg import det_adjoint
    return det_adjoint(np.ones(np.shape(a)[:-2]), a, y)


def det_adjoint_da(u, g, a, y):
    """``-g y inv(a)^T u^T inv(a)^T``: the derivative of ``det_adjoint(g, a, y) =
    g y inv(a)^T`` with respect to ``a`` along ``u``, which is also the adjoint of ``a``
    for the adjoint ``u`` of the result (batched).

    >>> det_adjoint_da(np.eye(2), 1.0, np.eye(2), 1.0).tolist()
    [[-1.0, -0.0], [-0.0, -1.0]]
    """
    inv = _inv_or_raise(a, "the second derivative of det")
    it = mT(inv)
    return -_tiled(np.asarray(g) * y) * (it @ mT(u) @ it)


def det_adjoint_dy(u, g, a, transpose):
    """The derivative of ``det_adjoint(g, a, y) = g y inv(a)^T`` with respect to ``y``: its
    adjoint ``g sum(u * inv(a)^T)`` (``transpose``) or its tangent ``g u inv(a)^T``.

    >>> float(det_adjoint_dy(np.eye(2), 1.0, np.eye(2), True))
    2.0
    """
    inv = _inv_or_raise(a, "the second derivative of det")
    if transpose:
        return np.asarray(g) * np.sum(np.asarray(u) * mT(inv), axis=(-2, -1))
    return _tiled(np.asarray(g) * u) * mT(inv)


def _einsum_check(subscripts):
    if not isinstance(subscripts, str):
        raise NotImplementedError("srcad: the second derivative of np.einsum in its sublist "
                                  "form einsum(op0, sub0, ...) is not implemented; pass a "
                                  "subscripts string")


def _replaced(operands, k, value):
    ops = list(operands)
    ops[k] = np.broadcast_to(value, np.shape(ops[k]))
    return ops


def einsum_sum_replaced(subscripts, operands, c):
    """``sum_k einsum(subscripts, *operands with operand k replaced by c[k])`` (entries of
    ``c`` that are None are skipped): the tangent of an einsum along ``c``.

    >>> float(einsum_sum_replaced("i,i->", (np.ones(2), np.ones(2)), (np.ones(2), None)))
    2.0
    """
    _einsum_check(subscripts)
    total = 0.0
    for k, ck in enumerate(c):
        if ck is not None:
            total = total + np.einsum(subscripts, *_replaced(operands, k, ck))
    return total


def einsum_sum_replaced2(subscripts, operands, c, v):
    """``sum_{k != m} einsum(subscripts, *operands with k := c[k], m := v[m])``: the second
    derivative of an einsum along ``c`` and ``v`` (None entries are skipped).

    >>> float(einsum_sum_replaced2("i,i->", (np.ones(2), np.ones(2)), (np.ones(2), None), (None, np.ones(2))))
    2.0
    """
    _einsum_check(subscripts)
    total = 0.0
    for k, ck in enumerate(c):
        for m, vm in enumerate(v):
            if k != m and ck is not None and vm is not None:
                ops = _replaced(_replaced(operands, k, ck), m, vm)
                total = total + np.einsum(subscripts, *ops)
    return total


def einsum_cross(g, subscripts, operands, c):
    """``[sum_{k != m} einsum_adjoints(g, subscripts, operands with k := c[k])[m]]_m``: the
    derivative of ``einsum_adjoints(g, subscripts, operands)`` along ``c`` (the operands'
    tangents), which is also the operands' adjoint for the adjoint ``c`` of its result.

    >>> [a.tolist() for a in einsum_cross(1.0, "i,i->", (np.ones(2), np.ones(2)), (np.ones(2), np.zeros(2)))]
    [[0.0, 0.0], [1.0, 1.0]]
    """
    from .linalg import einsum_adjoints
    _einsum_check(subscripts)
    out = [np.zeros(np.shape(op), dtype=np.result_type(op, 1.0)) for op in operands]
    for k, ck in enumerate(c):
        if ck is None:
            continue
        adjoints = einsum_adjoints(g, subscripts, _replaced(operands, k, ck))
        for m in range(len(operands)):
            if m != k:
                out[m] = out[m] + adjoints[m]
    return tuple(_like(o, op) for o, op in zip(out, operands))


def _mats_replaced(arrays, k, value):
    mats = list(arrays)
    mats[k] = np.broadcast_to(value, np.shape(mats[k]))
    return mats


def multi_dot_cross(g, arrays, c):
    """The derivative of ``multi_dot_adjoints(g, arrays)`` along ``c`` (the arrays'
    tangents, None for none), also the arrays' adjoint for the adjoint ``c`` of its result.

    >>> [a.tolist() for a in multi_dot_cross(np.ones((1, 1)), [np.ones((1, 1))] * 2, [np.ones((1, 1)), None])]
    [[[0.0]], [[1.0]]]
    """
    out = [np.zeros(np.shape(m), dtype=np.result_type(m, 1.0)) for m in arrays]
    for k, ck in enumerate(c):
        if ck is None:
            continue
        adjoints = multi_dot_adjoints(g, _mats_replaced(arrays, k, ck))
        for m in range(len(arrays)):
            if m != k:
                out[m] = out[m] + adjoints[m]
    return tuple(out)


def multi_dot_second(arrays, t, v):
    """``sum_{k != m} multi_dot(arrays with k := t[k], m := v[m])``: the second derivative
    of ``np.linalg.multi_dot`` along ``t`` and ``v`` (None entries are skipped).

    >>> multi_dot_second([np.ones((1, 1))] * 2, [np.ones((1, 1)), None], [None, np.ones((1, 1))]).tolist()
    [[1.0]]
    """
    total = 0.0
    for k, tk in enumerate(t):
        for m, vm in enumerate(v):
            if k != m and tk is not None and vm is not None:
                total = total + np.linalg.multi_dot(_mats_replaced(_mats_replaced(arrays, k, tk),
                                                                   m, vm))
    return total


def _powers(a, m):
    eye = np.broadcast_to(np.eye(np.shape(a)[-1]), np.shape(a))
    out = [eye]
    for _ in range(m):
        out.append(out[-1] @ a)
    return out


def _matrix_power_order(n):
    n = int(n)
    if n < 0:
        raise NotImplementedError("srcad: the second derivative of np.linalg.matrix_power "
                                  "with a negative power is not implemented")
    return n


def matrix_power_hess(g, a, n, c):
    """The gradient in ``a`` of ``<g, D(a^n)[c]>``: the derivative of
    ``matrix_power_adjoint(g, a, n)`` along ``c``, and the adjoint of ``a`` in it for the
    adjoint ``c`` of its result (``n >= 0``).

    >>> matrix_power_hess(np.ones((1, 1)), np.full((1, 1), 3.0), 3, np.ones((1, 1))).tolist()
    [[18.0]]
    """
    m = _matrix_power_order(n)
    dtype = np.result_type(a, g, c, 1.0)
    out = np.zeros(np.broadcast_shapes(np.shape(a), np.shape(g), np.shape(c)), dtype)
    if m < 2:
        return unbroadcast(out, a)
    pw = _powers(a, m)
    g = np.asarray(g)
    for k in range(m):  # the term a^k c a^(m-1-k)
        right_rest = c @ pw[m - 1 - k]
        for j in range(k):  # from the factor a^k: a^j E a^(k-1-j) c a^(m-1-k)
            out = out + mT(pw[j]) @ g @ mT(pw[k - 1 - j] @ right_rest)
        left_rest = pw[k] @ c
        for j in range(m - 1 - k):  # from a^(m-1-k): a^k c a^j E a^(m-2-k-j)
            out = out + mT(left_rest @ pw[j]) @ g @ mT(pw[m - 2 - k - j])
    return unbroadcast(out, a)


def matrix_power_second(t, v, a, n):
    """The second derivative of ``a^n`` along ``t`` and ``v`` (``n >= 0``).

    >>> matrix_power_second(np.ones((1, 1)), np.ones((1, 1)), np.full((1, 1), 3.0), 3).tolist()
    [[18.0]]
    """
    m = _matrix_power_order(n)
    shape = np.broadcast_shapes(np.shape(a), np.shape(t), np.shape(v))
    total = np.zeros(shape, dtype=np.result_type(a, t, v, 1.0))
    pw = _powers(a, m)
    for k in range(m):
        for j in range(k):  # v inside a^k, t at position k
            total = total + pw[j] @ v @ pw[k - 1 - j] @ t @ pw[m - 1 - k]
        for j in range(m - 1 - k):  # t at position k, v after it
            total = total + pw[k] @ t @ pw[j] @ v @ pw[m - 2 - k - j]
    return total


# --------------------------------------------------------------------------- norms

def _norm_partials(x, y, ord, axis, kind):
    """(dw/dx, dw/dy, axes, kshape) for the weights ``w`` with ``norm_adjoint = g * w``:
    ``w`` is elementwise in ``x`` for the norms handled here, given the norm ``y``."""
    x = np.asarray(x, dtype=np.result_type(x, 1.0))
    nd = x.ndim
    what = f"the second derivative of a norm with ord={ord!r}"
    if kind == "matrix":
        axes, matrix = (nd - 2, nd - 1), True
    elif axis is None:
        axes = tuple(range(nd))
        matrix = kind == "norm" and ord is not None and nd == 2
        if kind == "norm" and ord is not None and nd > 2:
            raise NotImplementedError(f"srcad: {what} on a {nd}-D array without axis")
    else:
        axes = tuple(axis) if isinstance(axis, (tuple, list)) else (axis,)
        axes = tuple(int(a) % nd for a in axes)
        matrix = kind == "norm" and len(axes) == 2
    kshape = tuple(1 if i in axes else n for i, n in enumerate(x.shape))
    yk = np.reshape(y, kshape)
    zero = yk == 0
    safe_y = np.where(zero, 1.0, yk)
    if matrix:
        if ord is None or ord == "fro":
            p = 2.0
        elif ord in (1, -1, np.inf, -np.inf):  # sign times a mask: piecewise constant
            return np.zeros(x.shape), np.zeros(x.shape), axes, kshape
        else:
            raise NotImplementedError(f"srcad: {what} (a matrix norm) is not implemented")
    else:
        if isinstance(ord, str):
            raise NotImplementedError(f"srcad: {what} is not implemented")
        if ord is None:
            p = 2.0
        elif ord in (0, 1, np.inf, -np.inf):  # piecewise constant weights
            return np.zeros(x.shape), np.zeros(x.shape), axes, kshape
        else:
            p = float(ord)
    # w = sign(x) |x|^(p-1) / y^(p-1); 0 where y == 0 (the zero subgradient)
    with np.errstate(divide="ignore", invalid="ignore"):
        ax = np.abs(x)
        dw_dx = (p - 1.0) * ax ** (p - 2.0) / safe_y ** (p - 1.0)
        w = np.sign(x) * ax ** (p - 1.0) / safe_y ** (p - 1.0)
        dw_dy = -(p - 1.0) * w / safe_y
    return np.where(zero, 0.0, dw_dx), np.where(zero, 0.0, dw_dy), axes, kshape


def norm_second(u, v, x, y, ord=None, axis=None, keepdims=False, kind="norm", form="X"):
    """Second-derivative terms of a norm, from the weights ``w`` with
    ``norm_adjoint(g, x, y, ...) = g * w(x, y)``, for ``u`` shaped like the norm ``y``
    and ``v`` like ``x`` (forms ``X``, ``Y``), both like ``y`` (``Z``) or like ``x``
    (``W``)::

        X: u * v * dw/dx            (shaped like x)
        Y: sum(u * v * dw/dy)       (shaped like y)
        Z: u * v * dw/dy            (shaped like x)
        W: sum(u * v * dw/dx)       (shaped like y)

    Handled: vector 2-norms and p-norms, Frobenius norms, and the norms whose weights are
    piecewise constant (1, inf, 0 …); the nuclear and spectral norms raise.

    >>> norm_second(1.0, np.array([1.0, 0.0]), np.array([3.0, 4.0]), 5.0).tolist()
    [0.2, 0.0]
    """
    dw_dx, dw_dy, axes, kshape = _norm_partials(x, y, ord, axis, kind)
    if form in ("X", "Y"):
        term = np.reshape(u, kshape) * v
    elif form == "Z":
        term = np.reshape(u, kshape) * np.reshape(v, kshape)
    else:
        term = np.asarray(u) * v
    if form == "X":
        return _like(term * dw_dx, x)
    if form == "Z":
        return _like(np.broadcast_to(term * dw_dy, np.shape(x)), x)
    partial = dw_dy if form == "Y" else dw_dx
    return _like(np.reshape(np.sum(term * partial, axis=axes, keepdims=True), np.shape(y)), y)
