"""Broadcasting and reduction adjoints, zeros: the helpers most derivatives use."""

import math

import numpy as np

__all__ = ["unbroadcast", "unreduce", "zeros_like", "extremum_weights", "normalize_axes",
           "shape_of"]

_FLOAT64 = np.dtype(np.float64)
_FLOATS = (float, np.float64)
_SMALL = 4096  # elements: arrays up to 32 kB are saved as they are (shape_of)


def unbroadcast(g, x):
    """Sum the adjoint ``g`` down to the shape of ``x``: the adjoint of broadcasting.

    >>> unbroadcast(np.ones((2, 3)), np.zeros(3)).tolist()
    [2.0, 2.0, 2.0]
    """
    if type(x) is np.ndarray and type(g) is np.ndarray:
        # the common cases in array code: equal shapes, a bias row, a keepdims column
        xs, gs = x.shape, g.shape
        if gs == xs:
            return g
        if len(gs) == len(xs) + 1 and gs[1:] == xs:
            return g.sum(axis=0)
        if len(gs) == len(xs) == 2 and xs[0] == gs[0] and xs[1] == 1:
            return g.sum(axis=1, keepdims=True)
        lead = len(gs) - len(xs)
        if lead >= 0 and all(n == m or n == 1 for n, m in zip(xs, gs[lead:])):
            # any other broadcast: sum the leading axes and those where x has length 1
            axes = tuple(range(lead)) + tuple(lead + i for i, (n, m) in enumerate(
                zip(xs, gs[lead:])) if n == 1 and m != 1)
            out = g.sum(axis=axes, keepdims=True)
            return out.reshape(xs) if lead else out
    if isinstance(x, float):  # a Python or numpy scalar: the common case in scalar code
        return g if isinstance(g, float) else np.sum(g)
    if isinstance(g, (list, tuple, dict)) or isinstance(x, (list, tuple, dict)):
        raise TypeError("srcad: arithmetic on lists, tuples or dicts is not differentiable; "
                        "use np.array(...) or append to a list")
    shape = np.shape(x)
    gshape = np.shape(g)
    if gshape == shape:
        return g
    extra = len(gshape) - len(shape)
    if extra > 0:
        g = np.sum(g, axis=tuple(range(extra)))
    elif extra < 0:  # a smaller g (in higher-order code): align it on the right
        g = np.reshape(g, (1,) * -extra + gshape)
    if shape:
        axes = tuple(i for i, n in enumerate(shape) if n == 1 and np.shape(g)[i] != 1)
        if axes:
            g = np.sum(g, axis=axes, keepdims=True)
    if np.shape(g) != shape:
        g = np.broadcast_to(g, shape)
    return g


def shape_of(x):
    """A stand-in for ``x`` where only its shape matters (``unbroadcast(g, x)``): ``x`` itself
    if it is not an array or a small one (keeping it costs less than making a stand-in),
    else a read-only array of that shape that takes no memory.

    >>> shape_of(np.ones((200, 300))).strides, shape_of(2.0)
    ((0, 0), 2.0)
    """
    if type(x) is not np.ndarray or x.size <= _SMALL:
        return x
    out = np.ndarray(x.shape, x.dtype, np.zeros((), x.dtype), 0, (0,) * x.ndim)
    out.flags.writeable = False
    return out


def normalize_axes(axis, ndim):
    """``axis`` (None, an int or a tuple) as a sorted tuple of non-negative axes."""
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, (tuple, list)):
        return tuple(sorted(a % ndim for a in axis))
    return (axis % ndim,)


def unreduce(g, x, axis=None, keepdims=False):
    """Broadcast the adjoint ``g`` of a reduction of ``x`` back to ``x``'s shape.

    >>> unreduce(np.array([1.0, 2.0]), np.zeros((2, 3)), axis=1).tolist()
    [[1.0, 1.0, 1.0], [2.0, 2.0, 2.0]]
    """
    if axis is None and type(x) is np.ndarray and x.size <= _SMALL and type(g) in _FLOATS:
        return np.full(x.shape, g)  # a small array: cheaper to fill than to make a view
    shape = x.shape if type(x) is np.ndarray else np.shape(x)
    if axis is not None and not keepdims:
        if type(axis) is int and type(g) is np.ndarray and shape:  # np.expand_dims, faster
            at = axis % len(shape)
            g = g.reshape(g.shape[:at] + (1,) + g.shape[at:])
        else:
            g = np.expand_dims(g, normalize_axes(axis, len(shape)))
    elif axis is None and shape and type(g) in _FLOATS:
        g = np.array(g, _FLOAT64)
    return _broadcast_view(g, shape)


def _broadcast_view(g, shape):
    """``np.broadcast_to(g, shape)``; for a small float64 result, a filled array (cheaper
    than any view); else built directly (four times faster) when ``g`` is a contiguous
    array whose axes are those of ``shape`` or 1, or a 0-d array."""
    if type(g) is np.ndarray and g.dtype is _FLOAT64 and math.prod(shape) <= _SMALL \
            and g.ndim <= len(shape):
        out = np.empty(shape)
        out[...] = g  # raises as broadcast_to does if g does not broadcast to shape
        return out
    if type(g) is np.ndarray and g.flags.c_contiguous and (g.ndim == len(shape) or not g.ndim):
        sizes = g.shape if g.ndim else (1,) * len(shape)
        strides = g.strides if g.ndim else (0,) * len(shape)
        if all(n == m or n == 1 for n, m in zip(sizes, shape)):
            out = np.ndarray(shape, g.dtype, g, 0, tuple(
                0 if n != m else st for n, m, st in zip(sizes, shape, strides)))
            out.flags.writeable = False
            return out
    return np.broadcast_to(g, shape)


def zeros_like(x):
    """A zero adjoint for ``x``: ``0.0`` for a number (or a value not yet assigned, or one
    that is not a number at all, like a dict key), an array of zeros for an array, the
    same structure of zeros for a list/tuple/dict."""
    if type(x) is np.ndarray and x.dtype is _FLOAT64:
        return np.zeros(x.shape)  # the common case, kept fast
    if isinstance(x, (float, int, str, bytes)) or x is None:
        return 0.0
    if isinstance(x, (list, tuple, dict)):
        from .containers import container_zeros
        return container_zeros(x)
    return np.zeros(np.shape(x), dtype=np.result_type(x, 1.0))


def extremum_weights(x, y, axis=None, keepdims=False):
    """Where ``x`` attains its max/min ``y`` along ``axis``, 1/count; 0 elsewhere.

    Ties share the adjoint equally, as in autograd and JAX.
    """
    x = np.asarray(x)
    if axis is not None and not keepdims:
        y = np.expand_dims(y, normalize_axes(axis, x.ndim))
    mask = x == y  # y broadcasts along the reduced axes
    count = mask.sum(axis=axis, keepdims=True) if axis is not None else mask.sum()
    return mask / count
