"""Derivatives of the shape helpers (srcad/runtime/shapes.py).

The transposes of ``unarray``, ``unconcatenate``, ``unatleast`` and ``unappend`` in
their first argument.  Conventions and shared private helpers are those of
srcad/runtime/higher.py.
"""

import numpy as np

from .higher import _like

__all__ = [
    "unarray_transpose", "unconcatenate_transpose", "unatleast_transpose",
    "unappend_transpose",
]


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
