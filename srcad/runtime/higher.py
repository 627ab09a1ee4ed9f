"""Helpers for derivatives of generated code: the derivatives of srcad's own helpers.

Differentiating a derivative again (grad of grad) transforms generated code, which calls
the helpers of this package; their rules are in srcad/rules/runtime_rules.py and the
srcad/rules/helpers_*.py modules it imports.  Most helpers are linear in their first
argument, an adjoint or a tangent.  A ``*_transpose`` helper is the adjoint of such a
linear map: for ``y = unbroadcast(g, x)``, ``unbroadcast_transpose(by, g, x)`` is the
adjoint of ``g``.  The other helpers are the derivatives of the nonlinear helpers
(``power_d2base``, ``cumprod_hvp`` …).

Conventions are those of the first derivatives (see each helper), and a configuration
that is not handled raises ``NotImplementedError`` naming it: never a wrong value.

This module holds what the families share: ``derivative_not_implemented``,
``real_zero_derivative`` and the private ``_like`` and ``_sum_to``.  The helpers
themselves are in higher_core.py (core, containers, indexing), higher_elementwise.py,
higher_reductions.py, higher_shapes.py and higher_linalg.py, named by the module of
first derivatives whose helpers they differentiate.
"""

import numpy as np

__all__ = [
    "derivative_not_implemented", "real_zero_derivative",
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
