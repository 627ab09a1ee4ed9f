"""The adjoint of indexing: scatter an adjoint back into zeros of the indexed shape."""

import numpy as np

__all__ = ["unindex", "add_at"]


def _is_basic(idx):
    """True for indexes that select each element at most once and that plain assignment
    scatters correctly: ints, slices, None, Ellipsis, and a single boolean mask among them."""
    parts = idx if isinstance(idx, tuple) else (idx,)
    masks = 0
    for part in parts:
        if part is None or part is Ellipsis or isinstance(part, (int, np.integer, slice)):
            continue
        if isinstance(part, np.ndarray) and part.dtype == bool:
            masks += 1
            continue
        return False
    return masks <= 1


_FLOAT64 = np.dtype(np.float64)
_PLAIN_INDEXES = (int, slice)


def _is_float64(g) -> bool:
    """``g`` is a Python float, a numpy float64 or a float64 array (numpy's own float64
    dtype: ``is`` costs less than ``==``, and a false negative only takes the general path)."""
    return type(g) is float or type(g) is np.float64 \
        or (type(g) is np.ndarray and g.dtype is _FLOAT64)


def unindex(g, x, idx):
    """Zeros shaped like ``x`` with ``g`` added at ``idx``: the adjoint of ``x[idx]``.

    Basic indexes (ints, slices with any step, None, Ellipsis, one boolean mask) scatter by
    assignment; advanced ones (integer arrays or lists, possibly repeated, mixed with basic
    parts or boolean masks) accumulate with ``np.add.at``, which follows numpy's indexing
    rules, including where the advanced axes go in the result.

    >>> unindex(np.ones(2), np.zeros(3), np.array([0, 0])).tolist()
    [2.0, 0.0, 0.0]
    """
    if type(x) is np.ndarray and x.dtype is _FLOAT64 and type(idx) in _PLAIN_INDEXES \
            and _is_float64(g):
        out = np.zeros(x.shape)  # the common case, kept fast
        out[idx] = g
        return out
    if isinstance(x, (list, tuple, dict)):
        from .containers import unindex_container
        return unindex_container(g, x, idx)
    out = np.zeros(np.shape(x), dtype=np.result_type(x, g, 1.0))
    if _is_basic(idx):
        out[idx] = g
    else:
        np.add.at(out, idx, g)
    return out


_REAL_NUMBERS = (float, int, np.float64)


def add_at(b, g, x, idx):
    """``b + unindex(g, x, idx)``, computed by adding ``g`` to ``b[idx]`` in place.

    Generated code calls it only where ``b`` is an array nothing else refers to (see
    srcad/passes/inplace.py); anything else (a number, a read-only or differently shaped
    array, a dtype the sum would change) gets the plain sum.

    >>> b = np.zeros(3)
    >>> add_at(b, 2.0, b, 1).tolist()
    [0.0, 2.0, 0.0]
    """
    # the common cases, kept fast: a number into a vector, an array into a slice
    if type(b) is np.ndarray and b.dtype is _FLOAT64 and type(x) is np.ndarray \
            and x.shape == b.shape and b.flags.writeable:
        kind = type(idx)
        if kind is int and b.ndim == 1 and type(g) in _REAL_NUMBERS:
            b[idx] += g
            return b
        if kind is slice and _is_float64(g) and (type(g) is not np.ndarray or g.ndim <= b.ndim):
            b[idx] += g  # (more axes than b: assigned below, numpy drops leading 1s)
            return b
    if not (isinstance(b, np.ndarray) and b.flags.writeable and b.shape == np.shape(x)
            and np.result_type(b, g) == b.dtype) or isinstance(x, (list, tuple, dict)):
        return b + unindex(g, x, idx)
    if _is_basic(idx):
        b[idx] = b[idx] + g  # assignment, not +=: g may carry leading axes of length 1
    else:
        np.add.at(b, idx, g)
    return b
