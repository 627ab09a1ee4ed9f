"""Helpers for the adjoints of reductions rules (see srcad/rules/reductions.py).

Conventions: ``a`` is the primal input, ``g`` an adjoint shaped like the primal output,
``axis`` is numpy's (None, an int, a negative int or a tuple).  A ``*_direction`` helper
returns the derivative of a reduction with respect to each element of ``a`` (shaped like
``a``, so the vjp is ``unreduce(by, ...) * direction`` and the jvp ``np.sum(da * direction,
axis)``); a ``*_adjoint`` helper returns the whole vjp contribution and a ``*_tangent``
helper the whole jvp term.  Helpers depend on numpy alone.
"""

import numpy as np

from .core import extremum_weights, normalize_axes, unbroadcast, unreduce

__all__ = [
    "average_adjoint", "average_tangent", "cumprod_adjoint", "cumprod_tangent",
    "cumsum_adjoint", "cumulative_adjoint", "cumulative_prod_tangent", "diff_adjoint",
    "diff_tangent", "mean_adjoint", "nanextremum_weights", "nanmean_adjoint", "prod_others",
    "ptp_direction", "std_direction", "unreduce_where", "var_direction",
]


def _float_dtype(*arrays):
    return np.result_type(*arrays, 1.0)


def _is_true(where):
    """``where`` is the default ``True`` (nothing masked)."""
    return where is True or (np.ndim(where) == 0 and bool(where))


def _ordered_axes(axis, ndim):
    """``axis`` as a tuple of non-negative axes in the caller's order, checked like numpy."""
    axes = tuple(axis) if isinstance(axis, (tuple, list)) else (axis,)
    out = []
    for ax in axes:
        ax = int(ax)
        if not -ndim <= ax < ndim:
            raise ValueError(f"axis {ax} is out of bounds for array of dimension {ndim}")
        out.append(ax % ndim)
    return tuple(out)


def _axis_index(axis, ndim):
    return _ordered_axes(axis, ndim)[0]


# --- sum and mean --------------------------------------------------------------------------

def unreduce_where(g, a, axis=None, keepdims=False, where=True):
    """:func:`unreduce`, zero where ``where`` is False: the adjoint of ``np.sum(..., where=)``."""
    ge = unreduce(g, a, axis, keepdims)
    if _is_true(where):
        return ge
    return np.where(np.broadcast_to(where, np.shape(a)), ge, 0.0)


def mean_adjoint(g, a, axis=None, keepdims=False, where=True):
    """Adjoint of ``np.mean(a, axis, keepdims=keepdims, where=where)`` with respect to ``a``."""
    shape = np.shape(a)
    ge = unreduce(g, a, axis, keepdims)
    if _is_true(where):
        count = 1
        for ax in normalize_axes(axis, len(shape)):
            count *= shape[ax]
        return ge / count
    mask = np.broadcast_to(where, shape)
    count = np.sum(mask, axis=axis, keepdims=True)
    return np.where(mask, ge / np.where(count == 0, 1, count), 0.0)


def nanextremum_weights(a, y, axis=None, keepdims=False):
    """:func:`extremum_weights` for ``np.nanmax``/``np.nanmin``: NaNs get 0, ties share.

    An all-NaN slice (whose result is NaN) gives its elements 0 rather than 0/0.
    """
    mask = np.asarray(a) == unreduce(y, a, axis, keepdims)
    count = np.sum(mask, axis=axis, keepdims=True) if axis is not None else np.sum(mask)
    return mask / np.maximum(count, 1)


def nanmean_adjoint(g, a, axis=None, keepdims=False):
    """Adjoint of ``np.nanmean``: the mean's adjoint over the non-NaN elements only."""
    ge = unreduce(g, a, axis, keepdims)
    mask = ~np.isnan(a)
    count = np.sum(mask, axis=axis, keepdims=True)
    # NaN elements get 0, as in np.nansum (also in an all-NaN slice, whose mean is NaN).
    return np.where(mask, ge / np.where(count == 0, 1, count), 0.0)


# --- prod ----------------------------------------------------------------------------------

def prod_others(a, axis=None):
    """For every element of ``a``, the product of the *other* elements of its reduced group.

    This is the derivative of ``np.prod(a, axis)``.  It multiplies exclusive cumulative
    products from both sides, never divides, so it is exact when ``a`` holds zeros.

    >>> prod_others(np.array([2.0, 0.0, 5.0])).tolist()
    [0.0, 10.0, 0.0]
    """
    x = np.asarray(a)
    dtype = _float_dtype(x)
    if x.ndim == 0:
        return np.ones((), dtype=dtype)
    axes = normalize_axes(axis, x.ndim)
    keep = [i for i in range(x.ndim) if i not in axes]
    order = keep + list(axes)
    xt = np.transpose(x, order).astype(dtype, copy=False)
    flat = xt.reshape(xt.shape[:len(keep)] + (-1,))
    if flat.shape[-1] == 0:
        return np.zeros(x.shape, dtype=dtype)
    ones = np.ones(flat.shape[:-1] + (1,), dtype=dtype)
    left = np.cumprod(np.concatenate([ones, flat[..., :-1]], axis=-1), axis=-1)
    right = np.cumprod(np.concatenate([ones, flat[..., :0:-1]], axis=-1), axis=-1)[..., ::-1]
    others = (left * right).reshape(xt.shape)
    return np.transpose(others, np.argsort(order))


# --- max, min, ptp -------------------------------------------------------------------------

def ptp_direction(a, axis=None):
    """Derivative of ``np.ptp(a, axis)``: max weights minus min weights (ties share)."""
    x = np.asarray(a)
    hi = np.max(x, axis=axis, keepdims=True)
    lo = np.min(x, axis=axis, keepdims=True)
    return extremum_weights(x, hi, axis, True) - extremum_weights(x, lo, axis, True)


# --- var and std ---------------------------------------------------------------------------

def _ddof(ddof, correction):
    return ddof if correction is None else correction


def _centered(x, axis, where):
    """(``x`` minus its mean, the count of the mean), both broadcastable against ``x``."""
    if _is_true(where):
        count = 1
        for ax in normalize_axes(axis, x.ndim):
            count *= x.shape[ax]
        return x - np.mean(x, axis=axis, keepdims=True), count, None
    mask = np.broadcast_to(where, x.shape)
    count = np.sum(mask, axis=axis, keepdims=True)
    mean = np.sum(np.where(mask, x, 0.0), axis=axis, keepdims=True) / np.where(count == 0, 1, count)
    return np.where(mask, x - mean, 0.0), count, mask


def var_direction(a, axis=None, ddof=0, where=True, correction=None):
    """Derivative of ``np.var(a, axis, ddof=ddof, where=where)``: ``2 (a - mean) / (n - ddof)``."""
    x = np.asarray(a)
    dev, count, mask = _centered(x, axis, where)
    den = count - _ddof(ddof, correction)
    if mask is not None:  # masked-out elements (dev = 0 there) get 0, even in an empty group
        den = np.where(mask, den, 1.0)
    return 2.0 * dev / den


def std_direction(a, y, axis=None, ddof=0, keepdims=False, where=True, correction=None):
    """Derivative of ``y = np.std(a, axis, ...)``: ``(a - mean) / ((n - ddof) y)``.

    Where the standard deviation is zero (all elements of a group equal) it is not
    differentiable unless the group has one element; the result there is 0, the
    subgradient of least norm, and the exact derivative for one-element groups.
    """
    x = np.asarray(a)
    dev, count, mask = _centered(x, axis, where)
    s = unreduce(y, x, axis, keepdims)
    zero = s == 0
    den = count - _ddof(ddof, correction)
    if mask is not None:  # masked-out elements (dev = 0 there) get 0, even in an empty group
        zero = zero | ~mask
        den = np.where(mask, den, 1.0)
    return np.where(zero, 0.0, dev / (den * np.where(zero, 1.0, s)))


# --- cumulative sums and products ----------------------------------------------------------

def _along_last(g, axis, shape):
    """``g`` with ``axis`` moved last (flattened when ``axis`` is None), and how to undo it."""
    g = np.asarray(g)
    if axis is None:
        return g.reshape(-1), lambda r: r.reshape(shape)
    ax = _axis_index(axis, g.ndim)
    return np.moveaxis(g, ax, -1), lambda r: np.moveaxis(r, -1, ax).reshape(shape)


def _reverse_cumsum(g):
    return np.cumsum(g[..., ::-1], axis=-1)[..., ::-1]


def cumsum_adjoint(g, a, axis=None):
    """Adjoint of ``np.cumsum(a, axis)``: a cumulative sum from the end (flattened if None).

    >>> cumsum_adjoint(np.array([1.0, 2.0, 3.0]), np.zeros(3)).tolist()
    [6.0, 5.0, 3.0]
    """
    gl, back = _along_last(g, axis, np.shape(a))
    return back(_reverse_cumsum(gl))


def _first_zero(x):
    """Index of the first zero along the last axis (its length when none), keepdims."""
    zero = x == 0
    n = x.shape[-1]
    return np.where(np.any(zero, axis=-1), np.argmax(zero, axis=-1), n)[..., None]


def _cumprod_adjoint_last(g, x):
    n = x.shape[-1]
    dtype = _float_dtype(g, x)
    if n == 0:
        return np.zeros(x.shape, dtype=dtype)
    y = np.cumprod(x, axis=-1)
    idx = np.arange(n)
    z = _first_zero(x)
    # Before the first zero z: sum_{k>=i} g_k y_k / x_i (x_i != 0 there; y_k = 0 for k >= z).
    before = _reverse_cumsum(g * y) / np.where(idx < z, x, 1.0)
    # At z: sum_{k>=z} g_k prod_{j<=k, j!=z} x_j, a cumulative product with x_z replaced by 1.
    c = np.cumprod(np.where(idx == z, 1.0, x), axis=-1)
    at = np.sum(np.where(idx >= z, g * c, 0.0), axis=-1, keepdims=True)
    # After z every product y_k (k >= i) still holds the factor x_z = 0.
    return np.where(idx < z, before, np.where(idx == z, at, 0.0)).astype(dtype, copy=False)


def _cumprod_tangent_last(d, x):
    n = x.shape[-1]
    d = np.broadcast_to(d, x.shape)
    if n == 0:
        return np.zeros(x.shape, dtype=_float_dtype(d, x))
    y = np.cumprod(x, axis=-1)
    idx = np.arange(n)
    z = _first_zero(x)
    before = y * np.cumsum(np.where(idx < z, d / np.where(idx < z, x, 1.0), 0.0), axis=-1)
    dz = np.sum(np.where(idx == z, d, 0.0), axis=-1, keepdims=True)
    after = dz * np.cumprod(np.where(idx == z, 1.0, x), axis=-1)
    return np.where(idx < z, before, after)


def cumprod_adjoint(g, a, axis=None):
    """Adjoint of ``np.cumprod(a, axis)``; exact when ``a`` holds zeros (no division by them).

    >>> cumprod_adjoint(np.ones(3), np.array([2.0, 0.0, 5.0])).tolist()
    [1.0, 12.0, 0.0]
    """
    x = np.asarray(a)
    gl, back = _along_last(g, axis, x.shape)
    xl, _ = _along_last(x, axis, x.shape)
    return back(_cumprod_adjoint_last(gl, xl))


def cumprod_tangent(d, a, axis=None, include_initial=False):
    """Tangent of ``np.cumprod(a, axis)`` (``np.cumulative_prod`` with ``include_initial``)."""
    x = np.asarray(a)
    if axis is None:
        xl, dl = x.reshape(-1), np.broadcast_to(d, x.shape).reshape(-1)
        out = _cumprod_tangent_last(dl, xl)
        return np.concatenate([np.zeros(1, out.dtype), out]) if include_initial else out
    ax = _axis_index(axis, x.ndim)
    xl = np.moveaxis(x, ax, -1)
    dl = np.moveaxis(np.broadcast_to(d, x.shape), ax, -1)
    out = _cumprod_tangent_last(dl, xl)
    if include_initial:
        out = np.concatenate([np.zeros(out.shape[:-1] + (1,), out.dtype), out], axis=-1)
    return np.moveaxis(out, -1, ax)


def cumulative_prod_tangent(d, x, axis=None, include_initial=False):
    """Tangent of ``np.cumulative_prod(x, axis=axis, include_initial=...)``."""
    if axis is None:
        axis = 0  # numpy accepts axis=None for 1-D input only
    return cumprod_tangent(d, x, axis, include_initial)


def cumulative_adjoint(g, x, axis=None, include_initial=False, product=False):
    """Adjoint of ``np.cumulative_sum`` (or, with ``product``, ``np.cumulative_prod``)."""
    g = np.asarray(g)
    if axis is None:
        axis = 0  # numpy accepts axis=None for 1-D input only
    if include_initial:  # the first entry is the constant 0 (or 1): it has no input
        ax = _axis_index(axis, g.ndim)
        g = np.take(g, np.arange(1, g.shape[ax]), axis=ax)
    if product:
        return cumprod_adjoint(g, x, axis)
    return cumsum_adjoint(g, x, axis)


# --- diff ----------------------------------------------------------------------------------

def _diff_pieces(a, axis, prepend, append):
    """The arrays ``np.diff`` concatenates, as (name, original, expanded) triples."""
    x = np.asarray(a)
    if x.ndim == 0:
        raise ValueError("diff requires input that is at least one dimensional")
    ax = _axis_index(axis, x.ndim)

    def expand(v):
        v = np.asarray(v)
        if v.ndim == 0:
            shape = list(x.shape)
            shape[ax] = 1
            v = np.broadcast_to(v, tuple(shape))
        return v

    pieces = []
    if prepend is not None:
        pieces.append(("prepend", prepend, expand(prepend)))
    pieces.append(("a", a, x))
    if append is not None:
        pieces.append(("append", append, expand(append)))
    return pieces, ax


def diff_adjoint(g, which, a, n=1, axis=-1, prepend=None, append=None):
    """Adjoint of ``np.diff(a, n, axis, prepend, append)`` for the argument named ``which``.

    ``prepend``/``append`` of None mean "not given" (numpy has no use for None there).
    """
    if n == 0:  # numpy returns `a` itself and ignores prepend/append
        if which == "a":
            return g
        return np.zeros(np.shape(prepend if which == "prepend" else append))
    pieces, ax = _diff_pieces(a, axis, prepend, append)
    sizes = [p[2].shape[ax] for p in pieces]
    total = sum(sizes)
    full_shape = list(pieces[0][2].shape)
    full_shape[ax] = total
    if n >= total:  # the result is empty
        full = np.zeros(tuple(full_shape), dtype=_float_dtype(g))
    else:
        full = np.asarray(g)
        for _ in range(n):  # the transpose of x -> x[1:] - x[:-1] along ax
            full = -np.diff(full, axis=ax, prepend=0.0, append=0.0)
    start = 0
    for (name, original, _), size in zip(pieces, sizes):
        if name == which:
            part = np.take(full, np.arange(start, start + size), axis=ax)
            return unbroadcast(part, original)
        start += size
    raise ValueError(f"diff_adjoint: no argument {which!r}")


def diff_tangent(d, which, a, n=1, axis=-1, prepend=None, append=None):
    """Tangent of ``np.diff(a, n, axis, prepend, append)`` from the argument named ``which``."""
    if n == 0:
        return d if which == "a" else np.zeros(np.shape(a))
    pieces, ax = _diff_pieces(a, axis, prepend, append)
    parts = []
    for name, _, expanded in pieces:
        if name == which:
            parts.append(np.broadcast_to(d, expanded.shape))
        else:
            parts.append(np.zeros(expanded.shape))
    return np.diff(np.concatenate(parts, axis=ax), n=n, axis=ax)


# --- average -------------------------------------------------------------------------------

def _average_setup(a, axis, weights, returned):
    if returned:
        raise NotImplementedError(
            "srcad: no derivative for np.average(..., returned=True); compute the sum of "
            "weights separately and call np.average without `returned`")
    x = np.asarray(a)
    axes = None if axis is None else _ordered_axes(axis, x.ndim)
    if weights is None:
        count = x.size if axes is None else int(np.prod([x.shape[i] for i in axes]))
        return x, axes, None, count
    w = np.asarray(weights)
    if w.shape != x.shape:  # numpy's rule: w matches a along `axis`; broadcast it there
        if axes is None:
            raise TypeError("Axis must be specified when shapes of a and weights differ.")
        w = w.transpose(np.argsort(axes))
        w = w.reshape(tuple(s if i in axes else 1 for i, s in enumerate(x.shape)))
    scale = np.sum(np.broadcast_to(w, x.shape), axis=axes, keepdims=True)
    return x, axes, w, scale


def _unbroadcast_weights(gw, weights, axes):
    """Bring an adjoint of the broadcast weights back to the shape of ``weights``."""
    w = np.asarray(weights)
    if np.shape(gw) == w.shape:
        return gw
    sorted_axes = tuple(sorted(axes))
    gw = np.sum(gw, axis=tuple(i for i in range(np.ndim(gw)) if i not in sorted_axes))
    # gw is now in sorted-axes order; undo numpy's transpose(argsort(axes)).
    return np.transpose(gw, np.argsort(np.argsort(axes)))


def average_adjoint(g, which, a, axis=None, weights=None, returned=False, keepdims=False):
    """Adjoint of ``np.average(a, axis, weights, keepdims=...)`` for ``which`` ("a"/"weights")."""
    x, axes, w, scale = _average_setup(a, axis, weights, returned)
    ge = unreduce(g, x, axes, keepdims)
    if w is None:
        return ge / scale
    if which == "a":
        return ge * w / scale
    mean = np.sum(x * w, axis=axes, keepdims=True) / scale
    gw = unbroadcast(ge * (x - mean) / scale, w)
    return _unbroadcast_weights(gw, weights, axes)


def average_tangent(d, which, a, axis=None, weights=None, returned=False, keepdims=False):
    """Tangent of ``np.average(a, axis, weights, keepdims=...)`` from ``which``."""
    x, axes, w, scale = _average_setup(a, axis, weights, returned)
    if w is None:
        return np.sum(d, axis=axes, keepdims=keepdims) / scale
    if not keepdims:
        scale = np.squeeze(scale, axis=axes)
    if which == "a":
        return np.sum(d * np.broadcast_to(w, x.shape), axis=axes, keepdims=keepdims) / scale
    mean = np.sum(x * w, axis=axes, keepdims=True) / np.sum(np.broadcast_to(w, x.shape), axis=axes,
                                                            keepdims=True)
    dw = np.asarray(d)
    if dw.shape != x.shape:
        dw = dw.transpose(np.argsort(axes))
        dw = dw.reshape(tuple(s if i in axes else 1 for i, s in enumerate(x.shape)))
    return np.sum(dw * (x - mean), axis=axes, keepdims=keepdims) / scale
