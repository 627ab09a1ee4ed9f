"""Derivatives of the core, container and indexing helpers (core.py, containers.py, indexing.py).

The ``*_transpose`` helpers are the adjoints of the linear maps ``unbroadcast``,
``unreduce``, ``unindex``, ``add``, ``unsum`` and ``extremum_args`` in their first
argument; ``add_tangent`` is the tangent of ``add``.  Conventions and shared private
helpers are those of srcad/runtime/higher.py.
"""

import numpy as np

from .containers import container_zeros
from .core import normalize_axes, unbroadcast
from .elementwise import broadcast_like
from .higher import _like, _sum_to

__all__ = [
    "unbroadcast_transpose", "unreduce_transpose", "unindex_transpose", "add_transpose",
    "add_tangent", "unsum_transpose", "extremum_args_transpose",
]


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
