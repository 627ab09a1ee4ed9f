"""Helpers for the adjoints of shapes rules (see srcad/rules/shapes.py).

Each ``un<name>(g, ...)`` takes the adjoint ``g`` of the result of ``np.<name>(...)`` and
returns the adjoint of its differentiable argument, with exactly that argument's shape.
Functions taking a sequence of arrays (``concatenate``, ``stack`` …) return a list whose
i-th item is the adjoint of the i-th array.  Configurations whose adjoint is not
implemented raise NotImplementedError rather than return something wrong.
"""

import numpy as np

__all__ = ["unarray",
    "reshape_order", "transpose_axes", "untranspose", "unconcatenate", "unstack", "unhstack",
    "unvstack", "uncolumn_stack", "undstack", "untile", "unrepeat", "unroll", "unatleast",
    "undiag", "undiagonal", "unpad", "pad_tangent", "pad_constant_adjoint",
    "pad_constant_tangent", "unappend",
    "astype_adjoint", "astype_tangent", "untake", "unitem", "item_tangent",
    "fill_adjoint", "linspace_adjoint", "linspace_tangent", "logspace_adjoint",
    "logspace_tangent", "arange_adjoint", "arange_tangent",
]


def _shape(x):
    return np.shape(x)


def _is_float_dtype(dtype) -> bool:
    return np.dtype(dtype).kind == "f"


def reshape_order(order, a):
    """The concrete index order ('C' or 'F') that ``np.reshape``/``ravel`` uses for ``a``.

    'A' and 'K' depend on ``a``'s memory layout; 'K' is supported for contiguous arrays.
    """
    if order is None or order == "C":
        return "C"
    if order == "F":
        return "F"
    arr = np.asarray(a)
    if arr.ndim <= 1:
        return "C"
    if order == "A":
        return "F" if arr.flags.f_contiguous and not arr.flags.c_contiguous else "C"
    if order == "K":
        if arr.flags.c_contiguous:
            return "C"
        if arr.flags.f_contiguous:
            return "F"
        raise NotImplementedError(
            "the derivative of ravel(order='K') of a non-contiguous array is not implemented; "
            "use order='C' or order='F'")
    raise NotImplementedError(f"the derivative of reshape with order={order!r} is not "
                              "implemented")


def transpose_axes(axes):
    """``axes`` of ``np.transpose`` or of the method ``a.transpose(*axes)``: None or a tuple."""
    if axes is None:
        return None
    axes = tuple(axes) if isinstance(axes, (tuple, list, np.ndarray)) else (axes,)
    if len(axes) == 1 and (axes[0] is None or isinstance(axes[0], (tuple, list, np.ndarray))):
        return transpose_axes(axes[0])
    if not axes:
        return None
    return tuple(int(a) for a in axes)


def untranspose(g, axes):
    """Adjoint of ``np.transpose(a, axes)`` (``axes`` as for :func:`transpose_axes`)."""
    axes = transpose_axes(axes)
    if axes is None:
        return np.transpose(g)
    ndim = len(axes)
    inverse = np.argsort([a % ndim for a in axes])
    return np.transpose(g, tuple(int(i) for i in inverse))


def _like_sequence(adjoints, arrays):
    """The adjoints of the items of ``arrays`` as a list, or as one array when ``arrays``
    is itself an array (whose items are its rows)."""
    if isinstance(arrays, np.ndarray):
        return np.reshape(np.asarray(adjoints), arrays.shape)
    return adjoints


def _check_sequence(arrays, what):
    if not isinstance(arrays, (list, tuple)):
        if isinstance(arrays, np.ndarray) and arrays.ndim >= 1:
            return list(arrays)  # iterating an array gives its rows
        raise NotImplementedError(f"the derivative of {what} needs a list or tuple of arrays")
    for item in arrays:
        if isinstance(item, (list, tuple)):
            raise NotImplementedError(
                f"the derivative of {what} of nested lists is not implemented; convert the "
                "inner lists with np.array(...) first")
    return list(arrays)


def _split(g, shapes, axis, what):
    """Split ``g`` along ``axis`` into pieces of the given (promoted) shapes' extents."""
    g = np.asarray(g)
    sizes = [s[axis] for s in shapes]
    if sum(sizes) != g.shape[axis]:
        raise NotImplementedError(f"the derivative of {what}: the adjoint of the result has "
                                  "an unexpected shape")
    bounds = np.cumsum(sizes)[:-1]
    return np.split(g, bounds, axis=axis)


def unconcatenate(g, arrays, axis=0):
    """Adjoints of the arrays of ``np.concatenate(arrays, axis)``, as a list."""
    items = _check_sequence(arrays, "np.concatenate")
    shapes = [_shape(x) for x in items]
    if axis is None:
        flat = [(int(np.prod(s)),) for s in shapes]
        pieces = _split(np.ravel(g), flat, 0, "np.concatenate")
    else:
        ndim = np.ndim(g)
        pieces = _split(g, shapes, axis % ndim, "np.concatenate")
    return _like_sequence([np.reshape(p, s) for p, s in zip(pieces, shapes)], arrays)


def unstack(g, arrays, axis=0):
    """Adjoints of the arrays of ``np.stack(arrays, axis)``, as a list."""
    items = _check_sequence(arrays, "np.stack")
    g = np.asarray(g)
    moved = np.moveaxis(g, axis % g.ndim, 0)
    if moved.shape[0] != len(items):
        raise NotImplementedError("the derivative of np.stack: the adjoint of the result has "
                                  "an unexpected shape")
    return _like_sequence([np.reshape(moved[i], _shape(x)) for i, x in enumerate(items)],
                          arrays)


def _atleast_shape(shape, ndim):
    if len(shape) >= ndim:
        return shape
    if ndim == 1:
        return (1,)
    if ndim == 2:
        return (1,) * (2 - len(shape)) + shape
    # atleast_3d: () -> (1, 1, 1), (n,) -> (1, n, 1), (m, n) -> (m, n, 1)
    if len(shape) == 0:
        return (1, 1, 1)
    if len(shape) == 1:
        return (1, shape[0], 1)
    return shape + (1,)


def _unstack_promoted(g, tup, promote, axis_of, what):
    items = _check_sequence(tup, what)
    shapes = [_shape(x) for x in items]
    promoted = [promote(s) for s in shapes]
    axis = axis_of(promoted)
    pieces = _split(g, promoted, axis, what)
    return _like_sequence([np.reshape(p, s) for p, s in zip(pieces, shapes)], tup)


def unhstack(g, tup):
    """Adjoints of the arrays of ``np.hstack(tup)``, as a list."""
    return _unstack_promoted(g, tup, lambda s: _atleast_shape(s, 1),
                             lambda ps: 0 if len(ps[0]) == 1 else 1, "np.hstack")


def unvstack(g, tup):
    """Adjoints of the arrays of ``np.vstack(tup)``, as a list."""
    return _unstack_promoted(g, tup, lambda s: _atleast_shape(s, 2), lambda ps: 0,
                             "np.vstack")


def uncolumn_stack(g, tup):
    """Adjoints of the arrays of ``np.column_stack(tup)``, as a list."""
    def promote(s):
        if len(s) == 0:
            return (1, 1)
        if len(s) == 1:
            return (s[0], 1)
        return s
    return _unstack_promoted(g, tup, promote, lambda ps: 1, "np.column_stack")


def undstack(g, tup):
    """Adjoints of the arrays of ``np.dstack(tup)``, as a list."""
    return _unstack_promoted(g, tup, lambda s: _atleast_shape(s, 3), lambda ps: 2,
                             "np.dstack")


def untile(g, A, reps):
    """Adjoint of ``np.tile(A, reps)``: the sum of the tiles."""
    shape = _shape(A)
    reps = tuple(int(r) for r in np.atleast_1d(reps))
    d = max(len(reps), len(shape))
    full_shape = (1,) * (d - len(shape)) + tuple(shape)
    full_reps = (1,) * (d - len(reps)) + reps
    interleaved = [n for pair in zip(full_reps, full_shape) for n in pair]
    g = np.reshape(g, interleaved)
    g = np.sum(g, axis=tuple(range(0, 2 * d, 2)))
    return np.reshape(g, shape)


def unrepeat(g, a, repeats, axis=None):
    """Adjoint of ``np.repeat(a, repeats, axis)``: each element gets the sum of its copies."""
    shape = _shape(a)
    g = np.asarray(g)
    if axis is None:
        n = int(np.prod(shape))
        owner = np.repeat(np.arange(n), repeats)
        return np.reshape(_bincount(owner, np.ravel(g), n), shape)
    ndim = len(shape)
    axis = axis % max(ndim, 1)
    n = shape[axis] if ndim else 1
    owner = np.repeat(np.arange(n), repeats)
    moved = np.moveaxis(np.reshape(g, g.shape if ndim else (g.size,)), axis, 0)
    out = np.zeros((n,) + moved.shape[1:], dtype=np.result_type(g, 1.0))
    np.add.at(out, owner, moved)
    out = np.moveaxis(out, 0, axis)
    return np.reshape(out, shape)


def _bincount(owner, weights, n):
    weights = np.asarray(weights)
    if np.iscomplexobj(weights):
        return (np.bincount(owner, weights.real, minlength=n)
                + 1j * np.bincount(owner, weights.imag, minlength=n))
    return np.bincount(owner, weights.astype(np.float64, copy=False), minlength=n).astype(
        np.result_type(weights, 1.0), copy=False)


def unroll(g, shift, axis=None):
    """Adjoint of ``np.roll(a, shift, axis)``: roll back."""
    return np.roll(g, np.negative(shift), axis)


def unatleast(g, arys):
    """Adjoint of ``np.atleast_1d/2d/3d`` of one array, as a one-item list."""
    if len(arys) != 1:
        raise NotImplementedError("the derivative of np.atleast_*d of several arrays (a list "
                                  "result) is not implemented; call it once per array")
    return [np.reshape(g, _shape(arys[0]))]


def undiag(g, v, k=0):
    """Adjoint of ``np.diag(v, k)``: the k-th diagonal of ``g`` (1-D ``v``), or ``g`` placed
    on the k-th diagonal of zeros shaped like ``v`` (2-D ``v``)."""
    shape = _shape(v)
    g = np.asarray(g)
    if len(shape) == 1:
        return np.array(np.diagonal(g, k))
    if len(shape) != 2:
        raise NotImplementedError("np.diag takes a 1-D or 2-D array")
    out = np.zeros(shape, dtype=np.result_type(g, 1.0))
    n = g.shape[0]
    i = np.arange(n)
    if k >= 0:
        out[i, i + k] = g
    else:
        out[i - k, i] = g
    return out


def undiagonal(g, a, offset=0, axis1=0, axis2=1):
    """Adjoint of ``np.diagonal(a, offset, axis1, axis2)``: ``g`` on that diagonal of zeros."""
    shape = _shape(a)
    g = np.asarray(g)
    out = np.zeros(shape, dtype=np.result_type(g, 1.0))
    moved = np.moveaxis(out, (axis1, axis2), (-2, -1))  # a view: writes land in ``out``
    n = g.shape[-1]
    i = np.arange(n)
    if offset >= 0:
        moved[..., i, i + offset] = g
    else:
        moved[..., i - offset, i] = g
    return out


_INDEX_PAD_MODES = ("constant", "edge", "reflect", "symmetric", "wrap")


def _pad_owner(shape, pad_width, mode, reflect_type):
    """For each element of the padded array, the flat index of the element of the input it
    copies (``size`` for a constant)."""
    if mode not in _INDEX_PAD_MODES:
        raise NotImplementedError(f"the derivative of np.pad with mode={mode!r} is not "
                                  f"implemented; supported modes: {', '.join(_INDEX_PAD_MODES)}")
    if mode in ("reflect", "symmetric") and reflect_type != "even":
        raise NotImplementedError("the derivative of np.pad with reflect_type='odd' is not "
                                  "implemented")
    n = int(np.prod(shape))
    index = np.arange(n).reshape(shape)
    if mode == "constant":
        return np.pad(index, pad_width, mode="constant", constant_values=n), n
    return np.pad(index, pad_width, mode=mode), n


def unpad(g, array, pad_width, mode="constant", reflect_type="even"):
    """Adjoint of ``np.pad(array, pad_width, mode)`` for the modes that copy elements."""
    shape = _shape(array)
    owner, n = _pad_owner(shape, pad_width, mode, reflect_type)
    out = _bincount(np.ravel(owner), np.ravel(g), n + 1)[:n]
    return np.reshape(out, shape)


def pad_tangent(d, pad_width, mode="constant", reflect_type="even"):
    """Tangent of ``np.pad`` with respect to the padded array (zeros in constant padding)."""
    d = np.asarray(d)
    owner, n = _pad_owner(d.shape, pad_width, mode, reflect_type)
    flat = np.concatenate([np.ravel(d), np.zeros(1, dtype=np.result_type(d, 1.0))])
    return flat[owner]


def pad_constant_adjoint(g, array, pad_width, mode="constant", constant_values=0):
    """Adjoint of ``np.pad(..., constant_values=c)`` with respect to a scalar ``c``."""
    if np.ndim(constant_values) != 0:
        raise NotImplementedError("the derivative of np.pad with respect to per-axis "
                                  "constant_values is not implemented; pass one number")
    if mode != "constant":
        return 0.0
    owner, n = _pad_owner(_shape(array), pad_width, mode, "even")
    return np.sum(np.where(owner == n, g, 0.0))


def _check_float_dtype(dtype, what):
    if dtype is not None and not _is_float_dtype(dtype):
        raise NotImplementedError(
            f"the derivative of {what} to dtype {np.dtype(dtype)} is not implemented (only "
            "float dtypes)")


def astype_adjoint(g, a, dtype):
    """Adjoint of ``a.astype(dtype)``: ``g`` cast back to ``a``'s dtype (float dtypes only)."""
    _check_float_dtype(dtype, "astype")
    if not _is_float_dtype(np.result_type(a)):
        raise NotImplementedError("the derivative of astype of a non-float array is not "
                                  "implemented")
    return np.asarray(g).astype(np.result_type(a))


def astype_tangent(d, dtype):
    """Tangent of ``a.astype(dtype)`` (float dtypes only)."""
    _check_float_dtype(dtype, "astype")
    return np.asarray(d).astype(dtype)


def untake(g, a, indices, axis=None, mode="raise"):
    """Adjoint of ``np.take(a, indices, axis)``: scatter-add ``g`` at ``indices``."""
    shape = _shape(a)
    indices = np.asarray(indices)
    if axis is None:
        n = int(np.prod(shape))
        flat_index = _take_index(indices, n, mode)
        return np.reshape(_bincount(np.ravel(flat_index), np.ravel(g), n), shape)
    ndim = len(shape)
    axis = axis % ndim
    n = shape[axis]
    index = _take_index(indices, n, mode)
    g = np.asarray(g)
    # result shape: shape[:axis] + indices.shape + shape[axis + 1:]
    k = index.ndim
    moved = np.moveaxis(g, tuple(range(axis, axis + k)), tuple(range(k)))
    out = np.zeros((n,) + tuple(shape[:axis]) + tuple(shape[axis + 1:]),
                   dtype=np.result_type(g, 1.0))
    rest = moved.reshape((index.size,) + moved.shape[k:])
    np.add.at(out, np.ravel(index), rest)
    return np.moveaxis(out, 0, axis)


def _take_index(indices, n, mode):
    if mode == "raise":
        return np.where(indices < 0, indices + n, indices)
    if mode == "wrap":
        return np.mod(indices, n)
    if mode == "clip":
        return np.clip(indices, 0, n - 1)
    raise NotImplementedError(f"np.take with mode={mode!r}")


def unitem(g, a, args):
    """Adjoint of ``a.item(*args)``: ``g`` at the element taken, zeros elsewhere."""
    shape = _shape(a)
    out = np.zeros(shape, dtype=np.result_type(a, g, 1.0))
    if not args:
        if out.size != 1:
            raise ValueError("can only convert an array of size 1 to a Python scalar")
        out = out + g
    elif len(args) == 1 and isinstance(args[0], tuple):
        out[args[0]] = g
    elif len(args) == 1:
        out.reshape(-1)[args[0]] = g  # out is contiguous: reshape is a view
    else:
        out[tuple(args)] = g
    return out


def item_tangent(d, args):
    """Tangent of ``a.item(*args)``."""
    return np.asarray(d).item(*args)


def fill_adjoint(g, fill_value, y):
    """Adjoint of ``np.full(shape, fill_value)``/``np.full_like`` w.r.t. ``fill_value``."""
    if not np.issubdtype(np.result_type(y), np.inexact):
        raise NotImplementedError("the derivative of np.full with a non-float dtype is not "
                                  "implemented")
    from .core import unbroadcast
    return unbroadcast(g, fill_value)


def _linspace_weights(start, stop, num, endpoint, axis, y):
    """Weights ``t`` (broadcastable against ``y``) with ``y = start + t * (stop - start)``."""
    t = np.linspace(0.0, 1.0, int(num), endpoint=endpoint)
    ndim = np.ndim(y)
    axis = axis % ndim
    return np.reshape(t, (t.size,) + (1,) * (ndim - axis - 1)), axis


def _lin_expand(x, axis, ndim):
    """``start``/``stop`` broadcast against the result of linspace (the sample axis
    inserted at ``axis``)."""
    x = np.asarray(x)
    x = np.reshape(x, (1,) * (ndim - 1 - x.ndim) + x.shape)
    return np.expand_dims(x, axis)


def linspace_adjoint(g, start, stop, num, endpoint, axis, y, which):
    """Adjoint of ``np.linspace`` with respect to ``start`` (``which=0``) or ``stop`` (1)."""
    if isinstance(y, tuple):
        raise NotImplementedError("the derivative of np.linspace(retstep=True) is not "
                                  "implemented")
    if not np.issubdtype(np.result_type(y), np.inexact):
        raise NotImplementedError("the derivative of np.linspace with an integer dtype is "
                                  "not implemented")
    t, axis = _linspace_weights(start, stop, num, endpoint, axis, y)
    w = 1.0 - t if which == 0 else t
    summed = np.sum(np.asarray(g) * w, axis=axis)
    from .core import unbroadcast
    return unbroadcast(summed, start if which == 0 else stop)


def linspace_tangent(d, start, stop, num, endpoint, axis, y, which):
    """Tangent of ``np.linspace`` from ``start`` (``which=0``) or ``stop`` (1)."""
    t, axis = _linspace_weights(start, stop, num, endpoint, axis, y)
    w = 1.0 - t if which == 0 else t
    return np.broadcast_to(_lin_expand(d, axis, np.ndim(y)) * w, np.shape(y)).copy()


def logspace_adjoint(g, start, stop, num, endpoint, base, axis, y, which):
    """Adjoint of ``np.logspace`` w.r.t. ``start`` (0), ``stop`` (1) or a scalar ``base`` (2)."""
    if not np.issubdtype(np.result_type(y), np.inexact):
        raise NotImplementedError("the derivative of np.logspace with an integer dtype is "
                                  "not implemented")
    if np.ndim(base) != 0:
        raise NotImplementedError("the derivative of np.logspace with an array base is not "
                                  "implemented")
    g = np.asarray(g) * y
    if which == 2:
        exponent = np.linspace(start, stop, num, endpoint=endpoint, axis=axis)
        return np.sum(g * exponent) / base
    return linspace_adjoint(g * np.log(base), start, stop, num, endpoint, axis, y, which)


def logspace_tangent(d, start, stop, num, endpoint, base, axis, y, which):
    """Tangent of ``np.logspace`` from ``start`` (0), ``stop`` (1) or a scalar ``base`` (2)."""
    if which == 2:
        exponent = np.linspace(start, stop, num, endpoint=endpoint, axis=axis)
        return y * exponent * d / base
    return linspace_tangent(d, start, stop, num, endpoint, axis, y, which) * y * np.log(base)


def _arange_checked(y, stop):
    if not np.issubdtype(np.result_type(y), np.inexact):
        return False
    return stop is not None


def arange_adjoint(g, start_or_stop, stop, step, y, which):
    """Adjoint of ``np.arange(start, stop, step)`` w.r.t. ``start`` (0) or ``step`` (2).

    ``y[i] = start + i * step``; the length of ``y`` is piecewise constant.  With one
    argument (``np.arange(stop)``) or an integer result the derivative is zero.
    """
    if not _arange_checked(y, stop):
        return 0.0
    if which == 0:
        return np.sum(g)
    i = np.arange(np.size(y), dtype=np.result_type(y))
    return np.sum(np.asarray(g) * i)


def arange_tangent(d, start_or_stop, stop, step, y, which):
    """Tangent of ``np.arange`` from ``start`` (0) or ``step`` (2)."""
    if not _arange_checked(y, stop):
        return np.zeros(np.shape(y))
    if which == 0:
        return np.full(np.shape(y), d, dtype=np.result_type(y))
    return np.arange(np.size(y), dtype=np.result_type(y)) * d


def pad_constant_tangent(d, array, pad_width, mode="constant"):
    """Tangent of ``np.pad(..., constant_values=c)`` from a scalar ``c``."""
    if np.ndim(d) != 0:
        raise NotImplementedError("the derivative of np.pad with respect to per-axis "
                                  "constant_values is not implemented; pass one number")
    owner, n = _pad_owner(_shape(array), pad_width, "constant", "even")
    if mode != "constant":
        return np.zeros(owner.shape)
    return np.where(owner == n, d, 0.0)


def unappend(g, arr, values, axis, which):
    """Adjoint of ``np.append(arr, values, axis)`` w.r.t. ``arr`` (``which=0``) or
    ``values`` (1)."""
    shapes = [_shape(arr), _shape(values)]
    g = np.asarray(g)
    if axis is None:
        first = int(np.prod(shapes[0]))
        pieces = [np.ravel(g)[:first], np.ravel(g)[first:]]
    else:
        axis = axis % g.ndim
        first = shapes[0][axis]
        pieces = np.split(g, [first], axis=axis)
    return np.reshape(pieces[which], shapes[which])


def unarray(g, obj):
    """The adjoint of ``np.array(obj)``: ``g`` split back into the nesting of ``obj``.

    >>> unarray(np.array([[1.0, 2.0], [3.0, 4.0]]), [[0.0, 0.0], 0.0 * np.ones(2)])
    [[1.0, 2.0], array([3., 4.])]
    """
    if isinstance(obj, (list, tuple)):
        return type(obj)(unarray(g[i], item) for i, item in enumerate(obj))
    if isinstance(obj, np.ndarray):
        return g
    return g.item() if isinstance(obj, float) and np.ndim(g) == 0 else g
