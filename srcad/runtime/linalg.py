"""Helpers for linear-algebra adjoints and tangents (see srcad/rules/linalg.py).

Conventions: ``g`` is the adjoint of the primal result, ``y`` the primal result.  Adjoint
helpers return an array of the shape of the argument they differentiate (summing over
broadcast dimensions); tangent helpers return a value of the shape of ``y``.

Whenever a configuration is not handled (an ``ord`` of a norm, an einsum form, 2-vectors in
``cross`` …) the helper raises ``NotImplementedError`` naming it: a derivative is never
silently wrong.

Non-differentiable points, documented per helper: norms at 0 (the zero subgradient is
returned), ties of max/min based norms (the adjoint is shared equally), repeated
eigenvalues/singular values (infinite/NaN adjoints of eigenvectors), singular matrices
(``inv``, ``solve``, ``slogdet`` raise ``LinAlgError``; ``det`` falls back to the
adjugate computed from an SVD).
"""


import numpy as np

from .core import unbroadcast

__all__ = [
    "mT", "matmul_adjoint_a", "matmul_adjoint_b",
    "tensordot_adjoint_a", "tensordot_adjoint_b",
    "dot_adjoint_a", "dot_adjoint_b", "inner_adjoint_a", "inner_adjoint_b",
    "outer_adjoint_a", "outer_adjoint_b", "vdot_adjoint_a", "vdot_adjoint_b",
    "vecdot_adjoint_a", "vecdot_adjoint_b",
    "trace_adjoint",
    "norm_adjoint", "norm_tangent",
    "det_adjoint", "slogdet_adjoint", "logdet_tangent",
    "solve_adjoint_rhs", "solve_adjoint_a", "solve_tangent_a",
    "kron_adjoint_a", "kron_adjoint_b",
    "cross_adjoint_a", "cross_adjoint_b",
    "cholesky_adjoint", "eigh_adjoint", "eigvalsh_adjoint", "svdvals_adjoint",
    "cholesky_tangent", "eigh_tangent_w", "eigh_tangent_v", "eigvalsh_tangent",
    "svdvals_tangent",
    "matrix_power_adjoint", "matrix_power_tangent",
]


def mT(a):
    """Swap the last two axes (the matrix transpose of a stack of matrices)."""
    return np.swapaxes(a, -1, -2)


def _shaped(g, x):
    """``g`` reshaped to the shape of ``x`` (a numpy scalar when ``x`` is a Python number)."""
    g = np.reshape(g, np.shape(x))
    if g.ndim == 0 and not isinstance(x, np.ndarray):
        return g[()]
    return g


# --------------------------------------------------------------------------- products

def matmul_adjoint_a(g, a, b):
    """The adjoint of ``a`` in ``y = a @ b`` given the adjoint ``g`` of ``y`` (any ranks)."""
    if type(a) is np.ndarray and type(b) is np.ndarray and type(g) is np.ndarray \
            and a.ndim == b.ndim == g.ndim == 2:
        return g @ b.T  # matrices: the common case
    if np.ndim(b) == 1:
        if np.ndim(a) == 1:
            return g * b
        return unbroadcast(np.expand_dims(g, -1) * b, a)
    if np.ndim(a) == 1:
        return unbroadcast(np.matmul(b, np.expand_dims(g, -1))[..., 0], a)
    return unbroadcast(np.matmul(g, mT(b)), a)


def matmul_adjoint_b(g, a, b):
    """The adjoint of ``b`` in ``y = a @ b`` given the adjoint ``g`` of ``y`` (any ranks)."""
    if type(a) is np.ndarray and type(b) is np.ndarray and type(g) is np.ndarray \
            and a.ndim == b.ndim == g.ndim == 2:
        return a.T @ g  # matrices: the common case
    if np.ndim(a) == 1:
        if np.ndim(b) == 1:
            return g * a
        return unbroadcast(np.expand_dims(a, -1) * np.expand_dims(g, -2), b)
    if np.ndim(b) == 1:
        return unbroadcast(np.matmul(mT(a), np.expand_dims(g, -1))[..., 0], b)
    return unbroadcast(np.matmul(mT(a), g), b)


def _tensordot_axes(axes, nda, ndb):
    """numpy.tensordot's ``axes`` as two lists of non-negative axes of ``a`` and ``b``."""
    if isinstance(axes, (int, np.integer)):
        n = int(axes)
        return list(range(nda - n, nda)), list(range(n))
    axes_a, axes_b = axes
    if isinstance(axes_a, (int, np.integer)):
        axes_a = [axes_a]
    if isinstance(axes_b, (int, np.integer)):
        axes_b = [axes_b]
    axes_a = [int(i) % nda for i in axes_a] if nda else list(axes_a)
    axes_b = [int(i) % ndb for i in axes_b] if ndb else list(axes_b)
    if len(axes_a) != len(axes_b) or len(set(axes_a)) != len(axes_a) \
            or len(set(axes_b)) != len(axes_b):
        raise NotImplementedError(f"tensordot adjoint: unsupported axes {axes!r}")
    return axes_a, axes_b


def tensordot_adjoint_a(g, a, b, axes=2):
    """The adjoint of ``a`` in ``y = np.tensordot(a, b, axes)``."""
    ia, ib = _tensordot_axes(axes, np.ndim(a), np.ndim(b))
    a_free = [i for i in range(np.ndim(a)) if i not in ia]
    b_free = [j for j in range(np.ndim(b)) if j not in ib]
    nfa = len(a_free)
    t = np.tensordot(np.asarray(g), b, axes=(list(range(nfa, nfa + len(b_free))), b_free))
    labels = a_free + [ia[ib.index(j)] for j in sorted(ib)]
    return _shaped(np.transpose(t, np.argsort(labels)), a)


def tensordot_adjoint_b(g, a, b, axes=2):
    """The adjoint of ``b`` in ``y = np.tensordot(a, b, axes)``."""
    ia, ib = _tensordot_axes(axes, np.ndim(a), np.ndim(b))
    a_free = [i for i in range(np.ndim(a)) if i not in ia]
    b_free = [j for j in range(np.ndim(b)) if j not in ib]
    t = np.tensordot(a, np.asarray(g), axes=(a_free, list(range(len(a_free)))))
    labels = [ib[ia.index(i)] for i in sorted(ia)] + b_free
    return _shaped(np.transpose(t, np.argsort(labels)), b)


def _dot_axes(a, b):
    return [np.ndim(a) - 1], [max(np.ndim(b) - 2, 0)]


def dot_adjoint_a(g, a, b):
    """The adjoint of ``a`` in ``y = np.dot(a, b)``: scalars, vectors, matrices, N-D."""
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        return unbroadcast(g * np.asarray(b), a)
    return tensordot_adjoint_a(g, a, b, _dot_axes(a, b))


def dot_adjoint_b(g, a, b):
    """The adjoint of ``b`` in ``y = np.dot(a, b)``: scalars, vectors, matrices, N-D."""
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        return unbroadcast(g * np.asarray(a), b)
    return tensordot_adjoint_b(g, a, b, _dot_axes(a, b))


def _inner_axes(a, b):
    return [np.ndim(a) - 1], [np.ndim(b) - 1]


def inner_adjoint_a(g, a, b):
    """The adjoint of ``a`` in ``y = np.inner(a, b)`` (sum over the last axes)."""
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        return unbroadcast(g * np.asarray(b), a)
    return tensordot_adjoint_a(g, a, b, _inner_axes(a, b))


def inner_adjoint_b(g, a, b):
    """The adjoint of ``b`` in ``y = np.inner(a, b)`` (sum over the last axes)."""
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        return unbroadcast(g * np.asarray(a), b)
    return tensordot_adjoint_b(g, a, b, _inner_axes(a, b))


def outer_adjoint_a(g, a, b):
    """The adjoint of ``a`` in ``y = np.outer(a, b)`` (inputs are flattened)."""
    return _shaped(np.dot(np.reshape(g, (np.size(a), np.size(b))), np.ravel(b)), a)


def outer_adjoint_b(g, a, b):
    """The adjoint of ``b`` in ``y = np.outer(a, b)`` (inputs are flattened)."""
    return _shaped(np.dot(np.ravel(a), np.reshape(g, (np.size(a), np.size(b)))), b)


def vdot_adjoint_a(g, a, b):
    """The adjoint of ``a`` in ``y = np.vdot(a, b)`` for real inputs (flattened)."""
    return _shaped(g * np.ravel(b), a)


def vdot_adjoint_b(g, a, b):
    """The adjoint of ``b`` in ``y = np.vdot(a, b)`` for real inputs (flattened)."""
    return _shaped(g * np.ravel(a), b)


def _vecdot_adjoint(g, x, other, axis):
    xm = np.moveaxis(np.asarray(x), axis, -1)
    om = np.moveaxis(np.asarray(other), axis, -1)
    gx = unbroadcast(np.expand_dims(g, -1) * om, xm)
    return _shaped(np.moveaxis(gx, -1, axis), x)


def vecdot_adjoint_a(g, x1, x2, axis=-1):
    """The adjoint of ``x1`` in ``y = np.vecdot(x1, x2, axis=axis)`` for real inputs."""
    return _vecdot_adjoint(g, x1, x2, axis)


def vecdot_adjoint_b(g, x1, x2, axis=-1):
    """The adjoint of ``x2`` in ``y = np.vecdot(x1, x2, axis=axis)`` for real inputs."""
    return _vecdot_adjoint(g, x2, x1, axis)


# --------------------------------------------------------------------------- trace

def trace_adjoint(g, a, offset=0, axis1=0, axis2=1):
    """The adjoint of ``a`` in ``y = np.trace(a, offset, axis1, axis2)``."""
    shape = np.shape(a)
    nd = len(shape)
    axis1, axis2 = axis1 % nd, axis2 % nd
    n, m = shape[axis1], shape[axis2]
    eye = np.eye(n, m, k=offset)
    full = np.asarray(g)[..., None, None] * eye
    return _shaped(np.moveaxis(full, (-2, -1), (axis1, axis2)), a)


# --------------------------------------------------------------------------- norms

def _safe_div(num, den):
    zero = den == 0
    return np.where(zero, 0.0, num / np.where(zero, 1.0, den))


def _extremum_mask(values, axes, largest):
    ext = (np.max if largest else np.min)(values, axis=axes, keepdims=True)
    mask = values == ext
    return mask / np.sum(mask, axis=axes, keepdims=True)


def _vector_weights(x, yk, ord, axes):
    if ord is None or ord == 2:
        return _safe_div(x, yk)
    if isinstance(ord, str):
        raise NotImplementedError(f"norm adjoint: ord={ord!r} is not a vector norm")
    if ord == np.inf or ord == -np.inf:
        return np.sign(x) * _extremum_mask(np.abs(x), axes, ord > 0)
    if ord == 0:  # the number of non-zero entries: piecewise constant
        return np.zeros(np.shape(x))
    if ord == 1:
        return np.sign(x)
    p = float(ord)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.sign(x) * _safe_div(np.abs(x) ** (p - 1), yk ** (p - 1))


def _matrix_weights(x, yk, ord, axes):
    row, col = axes
    if ord is None or ord == "fro":
        return _safe_div(x, yk)
    if ord in ("nuc", 2, -2):
        xm = np.moveaxis(x, (row, col), (-2, -1))
        u, _, vh = np.linalg.svd(xm, full_matrices=False)
        if ord == "nuc":
            w = u @ vh
        else:
            i = 0 if ord == 2 else -1
            w = u[..., :, i, None] * vh[..., i, None, :]
        return np.moveaxis(w, (-2, -1), (row, col))
    if ord in (1, -1, np.inf, -np.inf):
        summed, over = (row, col) if ord in (1, -1) else (col, row)
        sums = np.sum(np.abs(x), axis=summed, keepdims=True)
        return np.sign(x) * _extremum_mask(sums, over, ord > 0)
    raise NotImplementedError(f"norm adjoint: matrix norm ord={ord!r} is not supported")


def norm_axes(x, ord, axis, kind):
    """(x as floats, the reduced axes, whether it is a matrix norm, the shape of ``y`` with
    those axes kept) for ``np.linalg.norm``-like reductions; see :func:`norm_adjoint`."""
    x = np.asarray(x, dtype=np.result_type(x, 1.0))
    nd = x.ndim
    if kind == "matrix":
        axes, matrix = (nd - 2, nd - 1), True
    elif axis is None:
        axes = tuple(range(nd))
        matrix = kind == "norm" and ord is not None and nd == 2
        if kind == "norm" and ord is not None and nd > 2:
            raise NotImplementedError(f"srcad: norm with ord={ord!r} on a {nd}-D array needs "
                                      "axis")
    else:
        axes = tuple(axis) if isinstance(axis, (tuple, list)) else (axis,)
        axes = tuple(int(a) % nd for a in axes)
        matrix = kind == "norm" and len(axes) == 2
        if kind == "norm" and len(axes) > 2:
            raise NotImplementedError(f"srcad: norm with axis={axis!r}: more than two axes")
    kshape = tuple(1 if i in axes else n for i, n in enumerate(x.shape))
    return x, axes, matrix, kshape


def _norm_weights(x, y, ord, axis, kind):
    """(the derivative of the norm with respect to x, broadcastable against x; the axes)."""
    x, axes, matrix, kshape = norm_axes(x, ord, axis, kind)
    yk = np.reshape(y, kshape)
    w = _matrix_weights(x, yk, ord, axes) if matrix else _vector_weights(x, yk, ord, axes)
    return w, axes, kshape


def norm_adjoint(g, x, y, ord=None, axis=None, keepdims=False, kind="norm"):
    """The adjoint of ``x`` in ``y = np.linalg.norm(x, ord, axis, keepdims)``.

    ``kind`` is ``"norm"`` (numpy.linalg.norm), ``"vector"`` (numpy.linalg.vector_norm) or
    ``"matrix"`` (numpy.linalg.matrix_norm, last two axes).  Vector ords: None/2, 1, inf,
    -inf, 0 (zero derivative) and any other number p (``|x|**(p-1)`` weights).  Matrix
    ords: None/'fro', 'nuc', 2, -2, 1, -1, inf, -inf.

    Kinks: at ``x = 0`` the 2-norm, Frobenius norm and p-norms get the zero subgradient;
    ``sign(0) = 0`` for the 1-norm; ties in max/min norms share the adjoint equally; the
    spectral and nuclear norms assume distinct, non-zero singular values.
    """
    w, _, kshape = _norm_weights(x, y, ord, axis, kind)
    return _shaped(np.reshape(g, kshape) * w, x)


def norm_tangent(dx, x, y, ord=None, axis=None, keepdims=False, kind="norm"):
    """The tangent of ``y = np.linalg.norm(x, ord, axis, keepdims)`` along ``dx``."""
    w, axes, _ = _norm_weights(x, y, ord, axis, kind)
    return np.reshape(np.sum(w * dx, axis=axes, keepdims=True), np.shape(y))


# --------------------------------------------------------------------------- determinants

def _tiled(g):
    return np.asarray(g)[..., None, None]


def _adjugate_transpose(a):
    """The cofactor matrix (the gradient of det), from an SVD: valid for singular ``a``."""
    u, s, vh = np.linalg.svd(a)
    n = s.shape[-1]
    eye = np.eye(n, dtype=bool)
    others = np.prod(np.where(eye, 1.0, s[..., None, :]), axis=-1)
    sign = np.linalg.det(u) * np.linalg.det(vh)
    return _tiled(sign) * ((u * others[..., None, :]) @ vh)


def det_adjoint(g, a, y):
    """The adjoint of ``a`` in ``y = np.linalg.det(a)``: ``g * y * inv(a).T`` (batched);
    the cofactor matrix from an SVD when ``a`` is singular."""
    try:
        inv = np.linalg.inv(a)
    except np.linalg.LinAlgError:
        return _tiled(g) * _adjugate_transpose(a)
    return _tiled(g * y) * mT(inv)


def slogdet_adjoint(g, a):
    """The adjoint of ``a`` in ``sign, logabsdet = np.linalg.slogdet(a)`` given the adjoint
    ``g`` of ``logabsdet`` (the sign is piecewise constant): ``g * inv(a).T``."""
    return _tiled(g) * mT(np.linalg.inv(a))


def logdet_tangent(da, a):
    """``trace(inv(a) @ da)``, the tangent of ``log|det(a)|`` (batched)."""
    return np.trace(np.linalg.solve(a, da), axis1=-2, axis2=-1)


# --------------------------------------------------------------------------- solve

def solve_adjoint_rhs(g, a, b):
    """``solve(a.T, g)``: the adjoint of ``b`` in ``y = np.linalg.solve(a, b)`` before
    summing broadcast dimensions (``b`` is a vector when 1-D, as in numpy 2)."""
    if np.ndim(b) == 1:
        return np.linalg.solve(mT(a), np.asarray(g)[..., None])[..., 0]
    return np.linalg.solve(mT(a), g)


def solve_adjoint_a(gb, a, b, y):
    """The adjoint of ``a`` in ``y = np.linalg.solve(a, b)`` from ``gb = solve_adjoint_rhs``."""
    if np.ndim(b) == 1:
        return unbroadcast(-gb[..., :, None] * y[..., None, :], a)
    return unbroadcast(-np.matmul(gb, mT(y)), a)


def solve_tangent_a(da, a, b, y):
    """``-solve(a, da @ y)``: the tangent of ``y = np.linalg.solve(a, b)`` along ``da``."""
    if np.ndim(b) == 1:
        return -np.linalg.solve(a, np.matmul(da, np.asarray(y)[..., None]))[..., 0]
    return -np.linalg.solve(a, np.matmul(da, y))


# --------------------------------------------------------------------------- kron, cross

def _kron_parts(g, a, b):
    nd = max(np.ndim(a), np.ndim(b))
    ash = (1,) * (nd - np.ndim(a)) + np.shape(a)
    bsh = (1,) * (nd - np.ndim(b)) + np.shape(b)
    gi = np.reshape(g, [n for pair in zip(ash, bsh) for n in pair])
    a_i = np.reshape(a, [n for s in ash for n in (s, 1)])
    b_i = np.reshape(b, [n for s in bsh for n in (1, s)])
    return gi, a_i, b_i, nd


def kron_adjoint_a(g, a, b):
    """The adjoint of ``a`` in ``y = np.kron(a, b)``."""
    gi, _, b_i, nd = _kron_parts(g, a, b)
    return _shaped(np.sum(gi * b_i, axis=tuple(range(1, 2 * nd, 2))), a)


def kron_adjoint_b(g, a, b):
    """The adjoint of ``b`` in ``y = np.kron(a, b)``."""
    gi, a_i, _, nd = _kron_parts(g, a, b)
    return _shaped(np.sum(gi * a_i, axis=tuple(range(0, 2 * nd, 2))), b)


def _cross_setup(g, a, b, axisa, axisb, axisc, axis):
    if axis is not None:
        axisa = axisb = axisc = axis
    am = np.moveaxis(np.asarray(a), axisa, -1)
    bm = np.moveaxis(np.asarray(b), axisb, -1)
    if am.shape[-1] != 3 or bm.shape[-1] != 3:
        raise NotImplementedError("cross adjoint: only 3-vectors are supported (numpy "
                                  "deprecates the cross product of 2-vectors)")
    gm = np.moveaxis(np.asarray(g), axisc, -1)
    return am, bm, gm, axisa, axisb


def cross_adjoint_a(g, a, b, axisa=-1, axisb=-1, axisc=-1, axis=None):
    """The adjoint of ``a`` in ``y = np.cross(a, b, ...)``: ``b x g``."""
    am, bm, gm, axisa, _ = _cross_setup(g, a, b, axisa, axisb, axisc, axis)
    return _shaped(np.moveaxis(unbroadcast(np.cross(bm, gm), am), -1, axisa), a)


def cross_adjoint_b(g, a, b, axisa=-1, axisb=-1, axisc=-1, axis=None):
    """The adjoint of ``b`` in ``y = np.cross(a, b, ...)``: ``g x a``."""
    am, bm, gm, _, axisb = _cross_setup(g, a, b, axisa, axisb, axisc, axis)
    return _shaped(np.moveaxis(unbroadcast(np.cross(gm, am), bm), -1, axisb), b)


# --------------------------------------------------------------------------- symmetric

def _from_symmetric(sym, lower):
    """The gradient with respect to the entries a function actually reads, from the
    symmetric gradient ``sym``: LAPACK routines read one triangle of a symmetric input, so
    an off-diagonal entry of that triangle stands for two entries of the matrix."""
    diag = np.eye(sym.shape[-1]) * sym
    return (np.tril(2.0 * sym, -1) if lower else np.triu(2.0 * sym, 1)) + diag


def _sym(m):
    return 0.5 * (m + mT(m))


def cholesky_adjoint(g, y, upper=False):
    """The adjoint of ``a`` in ``y = np.linalg.cholesky(a, upper=upper)``.

    numpy reads only the lower (upper when ``upper=True``) triangle of ``a``; the adjoint
    is non-zero on that triangle only, and agrees with the symmetric gradient on symmetric
    perturbations.
    """
    lo = mT(y) if upper else y
    glo = mT(g) if upper else np.asarray(g)
    p = np.tril(mT(lo) @ glo)
    p = p - 0.5 * np.eye(p.shape[-1]) * p
    x = np.linalg.solve(mT(lo), p)              # L^-T P
    s = mT(np.linalg.solve(mT(lo), mT(x)))      # L^-T P L^-1
    return _from_symmetric(_sym(s), lower=not upper)


def _uplo_lower(uplo):
    if uplo not in ("L", "U", "l", "u"):
        raise NotImplementedError(f"eigh adjoint: UPLO={uplo!r}")
    return uplo in ("L", "l")


def eigh_adjoint(gw, gv, w, v, UPLO="L"):
    """The adjoint of ``a`` in ``w, v = np.linalg.eigh(a, UPLO)`` (symmetric ``a``).

    ``V (diag(gw) + F * (V^T gv)) V^T`` with ``F[i, j] = 1 / (w[j] - w[i])``: eigenvector
    adjoints are infinite/NaN for repeated eigenvalues, where the eigenvectors are not
    differentiable.  Only the triangle numpy reads (UPLO) gets a non-zero adjoint.
    """
    lower = _uplo_lower(UPLO)
    gw = np.broadcast_to(gw, np.shape(w))
    inner = np.asarray(gw)[..., None, :] * np.eye(np.shape(w)[-1])
    gv = np.broadcast_to(gv, np.shape(v))
    if np.any(gv):
        diff = np.asarray(w)[..., None, :] - np.asarray(w)[..., :, None]
        off = ~np.eye(diff.shape[-1], dtype=bool)
        with np.errstate(divide="ignore", invalid="ignore"):
            f = np.where(off, 1.0 / np.where(off, diff, 1.0), 0.0)
            inner = inner + f * (mT(v) @ gv)
    with np.errstate(invalid="ignore"):
        full = v @ inner @ mT(v)
    return _from_symmetric(_sym(full), lower)


def eigvalsh_adjoint(g, a, UPLO="L"):
    """The adjoint of ``a`` in ``y = np.linalg.eigvalsh(a, UPLO)``: ``V diag(g) V^T``."""
    lower = _uplo_lower(UPLO)
    _, v = np.linalg.eigh(a, UPLO=UPLO)
    full = (v * np.asarray(g)[..., None, :]) @ mT(v)
    return _from_symmetric(_sym(full), lower)


def svdvals_adjoint(g, x):
    """The adjoint of ``x`` in ``y = np.linalg.svdvals(x)``: ``U diag(g) V^T`` (distinct
    singular values assumed; a zero singular value of a non-square matrix is a kink)."""
    u, _, vh = np.linalg.svd(x, full_matrices=False)
    return (u * np.asarray(g)[..., None, :]) @ vh


def _read_symmetric(da, lower):
    """The symmetric perturbation a LAPACK routine sees when it reads one triangle."""
    t = np.tril(da) if lower else np.triu(da)
    return t + mT(t) - np.eye(np.shape(da)[-1]) * t


def cholesky_tangent(da, y, upper=False):
    """The tangent of ``y = np.linalg.cholesky(a, upper=upper)`` along ``da``."""
    lo = mT(y) if upper else y
    s = _read_symmetric(da, lower=not upper)
    m = mT(np.linalg.solve(lo, mT(np.linalg.solve(lo, s))))  # L^-1 S L^-T
    phi = np.tril(m) - 0.5 * np.eye(m.shape[-1]) * m
    dlo = lo @ phi
    return mT(dlo) if upper else dlo


def _projected(da, v, UPLO):
    s = _read_symmetric(da, _uplo_lower(UPLO))
    return mT(v) @ s @ v


def eigh_tangent_w(da, v, UPLO="L"):
    """The tangent of the eigenvalues ``w`` of ``np.linalg.eigh(a, UPLO)``."""
    return np.diagonal(_projected(da, v, UPLO), axis1=-2, axis2=-1)


def eigh_tangent_v(da, w, v, UPLO="L"):
    """The tangent of the eigenvectors ``v`` of ``np.linalg.eigh(a, UPLO)`` (infinite for
    repeated eigenvalues)."""
    diff = np.asarray(w)[..., None, :] - np.asarray(w)[..., :, None]
    off = ~np.eye(diff.shape[-1], dtype=bool)
    with np.errstate(divide="ignore", invalid="ignore"):
        f = np.where(off, 1.0 / np.where(off, diff, 1.0), 0.0)
        return v @ (f * _projected(da, v, UPLO))


def eigvalsh_tangent(da, a, UPLO="L"):
    """The tangent of ``y = np.linalg.eigvalsh(a, UPLO)`` along ``da``."""
    _, v = np.linalg.eigh(a, UPLO=UPLO)
    return eigh_tangent_w(da, v, UPLO)


def svdvals_tangent(dx, x):
    """The tangent of ``y = np.linalg.svdvals(x)``: ``diag(U^T dx V)``."""
    u, _, vh = np.linalg.svd(x, full_matrices=False)
    return np.diagonal(mT(u) @ dx @ mT(vh), axis1=-2, axis2=-1)


# --------------------------------------------------------------------------- matrix_power

def _powers(a, n):
    out = [np.broadcast_to(np.eye(np.shape(a)[-1]), np.shape(a))]
    for _ in range(n - 1):
        out.append(out[-1] @ a)
    return out


def matrix_power_adjoint(g, a, n):
    """The adjoint of ``a`` in ``y = np.linalg.matrix_power(a, n)`` (integer ``n``)."""
    n = int(n)
    if n == 0:
        return np.zeros(np.shape(a))
    base = a if n > 0 else np.linalg.inv(a)
    m = abs(n)
    pw = _powers(mT(base), m)
    gbase = sum(pw[k] @ g @ pw[m - 1 - k] for k in range(m))
    if n > 0:
        return gbase
    bt = mT(base)
    return -(bt @ gbase @ bt)


def matrix_power_tangent(da, a, n):
    """The tangent of ``y = np.linalg.matrix_power(a, n)`` along ``da``."""
    n = int(n)
    if n == 0:
        return np.zeros(np.shape(a))
    base = a if n > 0 else np.linalg.inv(a)
    dbase = da if n > 0 else -(base @ da @ base)
    m = abs(n)
    pw = _powers(base, m)
    return sum(pw[k] @ dbase @ pw[m - 1 - k] for k in range(m))
