"""Derivatives of the linear-algebra helpers (srcad/runtime/linalg.py).

``vecdot_real`` and ``solve_rhs`` (forms of first derivatives that the rules need), and
the second derivatives of solve, det, einsum, multi_dot, matrix_power and the norms.
Conventions and shared private helpers are those of srcad/runtime/higher.py.
"""

import numpy as np

from .core import unbroadcast
from .higher import _like
from .einsum import multi_dot_adjoints
from .linalg import mT, norm_axes

__all__ = [
    "vecdot_real", "solve_rhs", "solve_adjoint_a_transpose", "solve_tangent_a_dy",
    "det_adjoint_transpose", "det_adjoint_da", "det_adjoint_dy", "einsum_sum_replaced",
    "einsum_sum_replaced2", "einsum_cross", "multi_dot_cross", "multi_dot_second",
    "matrix_power_hess", "matrix_power_second", "norm_second",
]


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
    from .einsum import einsum_adjoints
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
    what = f"the second derivative of a norm with ord={ord!r}"
    x, axes, matrix, kshape = norm_axes(x, ord, axis, kind)
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
