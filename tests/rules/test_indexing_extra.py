"""Indexing, shape and non-differentiable functions beyond what the generic rule harness
expresses.  Derivatives are compared with finite differences only, never with srcad.

* The adjoint helpers of linear shape functions are checked with the dot-product test
  ``<g, f(v)> == <f*(g), v>``: ``f`` is linear, so ``f(v)`` is exactly its directional
  derivative (a finite difference with any step).  The shape of ``f*(g)`` must be exactly
  the input's: the API broadcasts gradients, which would hide a wrong shape.
* Whole programs go through ``srcad.check_grads``.
* The forward (jvp) templates of the shape rules, not yet used by the compiler, are
  evaluated directly and compared with finite differences.
"""

import linecache
import math

import gast
import numpy as np
import pytest

import srcad
from srcad import rules
from srcad.rules import shapes as shape_rules
from srcad.runtime import indexing as rt_indexing
from srcad.runtime import shapes as rt

from .harness import make_input, rule_name_cases

I = np.array  # noqa: E741


def _dot_product_test(primal, adjoint, shape, seed=0):
    """``adjoint`` is the transpose of the linear map ``primal`` at inputs of ``shape``."""
    rng = np.random.default_rng(seed)
    v = rng.standard_normal(shape)
    y = np.asarray(primal(v))
    g = rng.standard_normal(y.shape)
    gx = adjoint(g, v)
    assert np.shape(gx) == tuple(shape), (np.shape(gx), shape)
    lhs = float(np.sum(g * y))
    rhs = float(np.sum(np.asarray(gx) * v))
    assert math.isclose(lhs, rhs, rel_tol=1e-10, abs_tol=1e-10), (lhs, rhs)


def _jacobian_adjoint(primal, g, shape):
    """``g @ J`` for the linear ``primal``: finite differences along each coordinate."""
    n = int(np.prod(shape))
    out = np.zeros(n)
    for i in range(n):
        e = np.zeros(n)
        e[i] = 1.0
        out[i] = np.sum(g * np.asarray(primal(e.reshape(shape))))
    return out.reshape(shape)


# ---------------------------------------------------------------------------------------
# unindex: every kind of index numpy accepts, on 0-d to 3-d inputs
# ---------------------------------------------------------------------------------------

INDEXES = [
    ((), ()), ((), Ellipsis), ((), None), ((), (None, Ellipsis)), ((), I(True)),
    ((), I(False)), ((4,), 2), ((4,), -4), ((4,), np.int64(-1)), ((4,), True),
    ((4,), slice(None, None, -1)), ((5,), slice(4, 0, -3)), ((5,), slice(-1, -6, -2)),
    ((5,), slice(10, None)), ((5,), I([4, 4, 4, -1])), ((5,), I([], dtype=int)),
    ((5,), [0, 1, 1]), ((5,), I([[0, 0], [1, 4]])), ((5,), I(3)),
    ((5,), I([True, False, True, False, True])), ((3, 4), (I([0, 0]), I([1, 1]))),
    ((3, 4), [I([0, 1]), I([1, 1])]), ((3, 4), (I([[0], [2]]), I([0, 0, 3]))),
    ((3, 4), (slice(None, None, -1), I([3, 3]))), ((3, 4), (I([2, 2]), slice(1, None))),
    ((3, 4), (I([True, False, True]), I([0, 0]))), ((3, 4), I([[True] * 4, [False] * 4,
                                                               [True, False] * 2])),
    ((3, 4), (I([True, False, True]), slice(None, None, 2))), ((3, 4), (Ellipsis, None)),
    ((2, 3, 4), (I([1, 1]), slice(None), I([0, 0]))), ((2, 3, 4), (0, Ellipsis, I([2, 2]))),
    ((2, 3, 4), (slice(None), None, I([1, 1]), I([[3], [3]]))),
    ((2, 3, 4), (I([[True, False, True], [False, False, True]]), I([1, 1, 1]))),
    ((2, 3, 4), (Ellipsis, I([True, False, False, True]))), ((2, 3, 4), (1, -1, 1)),
    ((2, 3, 4), (None, 1, None, slice(None, None, -2), None)),
    ((2, 3, 4), (I([0, 1, 0]), Ellipsis, None, I([3, 2, 3]))),
]


@pytest.mark.parametrize("shape,idx", INDEXES, ids=[repr(i) for _, i in INDEXES])
def test_unindex_is_the_adjoint_of_indexing(shape, idx):
    primal = lambda v: v[idx]  # noqa: E731
    _dot_product_test(primal, lambda g, v: rt_indexing.unindex(g, v, idx), shape)
    rng = np.random.default_rng(1)
    g = rng.standard_normal(np.shape(np.zeros(shape)[idx]))
    np.testing.assert_allclose(rt_indexing.unindex(g, np.zeros(shape), idx),
                               _jacobian_adjoint(primal, g, shape), atol=1e-12)


# ---------------------------------------------------------------------------------------
# Shape helpers: the dot-product test against numpy's own function
# ---------------------------------------------------------------------------------------

def _seq(shapes):
    """A primal on a flat vector split into arrays of ``shapes``, for list-taking functions."""
    sizes = [int(np.prod(s)) for s in shapes]
    bounds = np.cumsum(sizes)[:-1]

    def split(v):
        return [p.reshape(s) for p, s in zip(np.split(np.ravel(v), bounds), shapes)]
    return split, (sum(sizes),)


def _seq_case(fn, adj, shapes, **kw):
    split, flat = _seq(shapes)
    return (lambda v: fn(split(v), **kw),
            lambda g, v: np.concatenate([np.ravel(p) for p in adj(g, split(v))]), flat)


HELPER_CASES = {
    "reshape C": (lambda v: np.reshape(v, (4, 6)),
                  lambda g, v: np.reshape(g, v.shape, order=rt.reshape_order("C", v)), (2, 3, 4)),
    "reshape F": (lambda v: np.reshape(v, (4, 6), order="F"),
                  lambda g, v: np.reshape(g, v.shape, order=rt.reshape_order("F", v)), (2, 3, 4)),
    "reshape A of F-contiguous": (
        lambda v: np.reshape(np.asfortranarray(v), (4, 6), order="A"),
        lambda g, v: np.reshape(g, v.shape, order=rt.reshape_order("A", np.asfortranarray(v))),
        (2, 3, 4)),
    "ravel K of F-contiguous": (
        lambda v: np.ravel(np.asfortranarray(v), order="K"),
        lambda g, v: np.reshape(g, v.shape, order=rt.reshape_order("K", np.asfortranarray(v))),
        (2, 3, 4)),
    "ravel K of a C-contiguous view": (
        lambda v: np.ravel(v[:, ::1], order="K"),
        lambda g, v: np.reshape(g, v.shape, order=rt.reshape_order("K", v[:, ::1])), (3, 4)),
    "transpose": (lambda v: np.transpose(v, (2, 0, 1)),
                  lambda g, v: rt.untranspose(g, (2, 0, 1)), (2, 3, 4)),
    "transpose negative axes": (lambda v: np.transpose(v, (-1, 0, -2)),
                                lambda g, v: rt.untranspose(g, (-1, 0, -2)), (2, 3, 4)),
    "method transpose varargs": (lambda v: v.transpose(1, 2, 0),
                                 lambda g, v: rt.untranspose(g, (1, 2, 0)), (2, 3, 4)),
    "method transpose tuple": (lambda v: v.transpose((1, 2, 0)),
                               lambda g, v: rt.untranspose(g, ((1, 2, 0),)), (2, 3, 4)),
    "method transpose none": (lambda v: v.transpose(),
                              lambda g, v: rt.untranspose(g, ()), (2, 3, 4)),
    "concatenate": _seq_case(np.concatenate, lambda g, a: rt.unconcatenate(g, a, 1),
                             [(2, 1, 3), (2, 4, 3)], axis=1),
    "concatenate None": _seq_case(np.concatenate, lambda g, a: rt.unconcatenate(g, a, None),
                                  [(2, 2), (3,), ()], axis=None),
    "stack": _seq_case(np.stack, lambda g, a: rt.unstack(g, a, -1), [(2, 3)] * 3, axis=-1),
    "hstack 1d": _seq_case(np.hstack, rt.unhstack, [(2,), (), (3,)]),
    "hstack 3d": _seq_case(np.hstack, rt.unhstack, [(2, 1, 2), (2, 3, 2)]),
    "vstack": _seq_case(np.vstack, rt.unvstack, [(3,), (2, 3), (3,)]),
    "column_stack": _seq_case(np.column_stack, rt.uncolumn_stack, [(3,), (3, 2), (3,)]),
    "dstack": _seq_case(np.dstack, rt.undstack, [(3,), (1, 3), (1, 3, 2)]),
    "tile": (lambda v: np.tile(v, (2, 1, 3)), lambda g, v: rt.untile(g, v, (2, 1, 3)), (2, 3)),
    "tile short reps": (lambda v: np.tile(v, 2), lambda g, v: rt.untile(g, v, 2), (2, 3)),
    "tile 0-d": (lambda v: np.tile(v, (2, 2)), lambda g, v: rt.untile(g, v, (2, 2)), ()),
    "repeat flat": (lambda v: np.repeat(v, 3), lambda g, v: rt.unrepeat(g, v, 3), (2, 3)),
    "repeat array": (lambda v: np.repeat(v, [0, 2, 1], axis=1),
                     lambda g, v: rt.unrepeat(g, v, [0, 2, 1], 1), (2, 3)),
    "repeat negative axis": (lambda v: np.repeat(v, 2, axis=-2),
                             lambda g, v: rt.unrepeat(g, v, 2, -2), (2, 3, 2)),
    "repeat 0-d": (lambda v: np.repeat(v, 4), lambda g, v: rt.unrepeat(g, v, 4), ()),
    "roll": (lambda v: np.roll(v, (1, -5), axis=(0, 2)),
             lambda g, v: rt.unroll(g, (1, -5), (0, 2)), (2, 3, 4)),
    "roll flat": (lambda v: np.roll(v, 4), lambda g, v: rt.unroll(g, 4), (2, 3)),
    "roll same axis twice": (lambda v: np.roll(v, (1, 2), axis=(1, 1)),
                             lambda g, v: rt.unroll(g, (1, 2), (1, 1)), (2, 3)),
    "diag 1d": (lambda v: np.diag(v, -2), lambda g, v: rt.undiag(g, v, -2), (3,)),
    "diag 2d": (lambda v: np.diag(v, 2), lambda g, v: rt.undiag(g, v, 2), (3, 5)),
    "diag 2d empty": (lambda v: np.diag(v, 4), lambda g, v: rt.undiag(g, v, 4), (3, 3)),
    "diagonal": (lambda v: np.diagonal(v, -1, 2, 0),
                 lambda g, v: rt.undiagonal(g, v, -1, 2, 0), (4, 2, 3)),
    "diagonal negative axes": (lambda v: np.diagonal(v, 1, -1, -3),
                               lambda g, v: rt.undiagonal(g, v, 1, -1, -3), (4, 2, 3)),
    "pad constant": (lambda v: np.pad(v, ((1, 2), (0, 3))),
                     lambda g, v: rt.unpad(g, v, ((1, 2), (0, 3))), (2, 3)),
    "pad edge": (lambda v: np.pad(v, 2, mode="edge"),
                 lambda g, v: rt.unpad(g, v, 2, "edge"), (2, 3)),
    "pad reflect": (lambda v: np.pad(v, (3, 4), mode="reflect"),
                    lambda g, v: rt.unpad(g, v, (3, 4), "reflect"), (3, 2)),
    "pad symmetric": (lambda v: np.pad(v, 5, mode="symmetric"),
                      lambda g, v: rt.unpad(g, v, 5, "symmetric"), (3,)),
    "pad wrap": (lambda v: np.pad(v, ((4, 1), (2, 2)), mode="wrap"),
                 lambda g, v: rt.unpad(g, v, ((4, 1), (2, 2)), "wrap"), (2, 3)),
    "take flat": (lambda v: np.take(v, [[5, 5], [0, -1]]),
                  lambda g, v: rt.untake(g, v, [[5, 5], [0, -1]]), (2, 3)),
    "take axis": (lambda v: np.take(v, [[2, 2], [0, -1]], axis=1),
                  lambda g, v: rt.untake(g, v, [[2, 2], [0, -1]], 1), (2, 3, 2)),
    "take scalar index": (lambda v: np.take(v, -1, axis=-1),
                          lambda g, v: rt.untake(g, v, -1, -1), (2, 3, 2)),
    "take wrap": (lambda v: np.take(v, [7, -8], axis=0, mode="wrap"),
                  lambda g, v: rt.untake(g, v, [7, -8], 0, "wrap"), (3, 2)),
    "take clip": (lambda v: np.take(v, [7, -8, 1], mode="clip"),
                  lambda g, v: rt.untake(g, v, [7, -8, 1], None, "clip"), (3, 2)),
    "append flat": (lambda v: np.append(v, [0.0, 0.0]),
                    lambda g, v: rt.unappend(g, v, [0.0, 0.0], None, 0), (2, 2)),
    "append axis": (lambda v: np.append(np.zeros((2, 1)), v, axis=1),
                    lambda g, v: rt.unappend(g, np.zeros((2, 1)), v, 1, 1), (2, 3)),
    "append scalar": (lambda v: np.append(np.zeros((2, 2)), v),
                      lambda g, v: rt.unappend(g, np.zeros((2, 2)), v, None, 1), ()),
    "atleast_3d": (lambda v: np.atleast_3d(v), lambda g, v: rt.unatleast(g, (v,))[0], (2, 3)),
    "linspace start": (lambda v: np.linspace(v, 0.0, 5, axis=1),
                       lambda g, v: rt.linspace_adjoint(g, v, 0.0, 5, True, 1,
                                                        np.linspace(v, 0.0, 5, axis=1), 0),
                       (2, 3)),
    "linspace stop": (lambda v: np.linspace(0.0, v, 4, False, axis=-1),
                      lambda g, v: rt.linspace_adjoint(g, 0.0, v, 4, False, -1,
                                                       np.linspace(0.0, v, 4, False), 1),
                      (3,)),
}


@pytest.mark.parametrize("name", list(HELPER_CASES))
def test_shape_helper_is_the_adjoint_of_numpy(name):
    primal, adjoint, shape = HELPER_CASES[name]
    _dot_product_test(primal, adjoint, shape)


def test_atleast_of_several_arrays_raises():
    with pytest.raises(NotImplementedError, match="several arrays"):
        rt.unatleast(np.ones(2), (np.ones(2), np.ones(2)))


def test_unitem_matches_finite_differences():
    for args in [(), (3,), ((1, 0),), (1, -1), (-2,)]:
        shape = (1,) if not args else (2, 3)
        primal = lambda v, args=args: v.item(*args)  # noqa: E731
        np.testing.assert_allclose(rt.unitem(1.5, np.zeros(shape), args),
                                   _jacobian_adjoint(primal, 1.5, shape))


# ---------------------------------------------------------------------------------------
# Whole programs, against finite differences
# ---------------------------------------------------------------------------------------

_COUNTER = [0]


def _function(source, name="f", **namespace):
    """A function defined by ``source`` with a registered text, so srcad can read it."""
    _COUNTER[0] += 1
    filename = f"<srcad-indexing-extra-{_COUNTER[0]}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    ns = {"np": np, "numpy": np, **namespace}
    exec(compile(source, filename, "exec"), ns)
    return ns[name]


PROGRAMS = [
    # indexing a 0-d array
    ("def f(x):\n    return x[()] * 2.0 + x[...] + x[None][0] + x[np.newaxis, ..., None][0, 0]\n",
     (np.array(0.7),)),
    # chained subscripts and repeated reads accumulate
    ("def f(x):\n    y = x[1:][::-1]\n    return np.sum(y * x[:-1]) + x[0] * x[0] + x[-1]\n",
     (np.linspace(0.3, 1.4, 5),)),
    ("def f(x):\n    i = np.array([0, 2, 2, 2])\n    return np.sum(x[i] ** 2) + np.sum(x[i, None] * x)\n",
     (np.array([0.5, -1.2, 0.8]),)),
    # an index computed at run time by non-differentiable functions
    ("def f(x):\n    i = np.argmax(x)\n    j = x.argmin()\n    k = np.argsort(x)\n"
     "    return x[i] * x[j] + np.sum(x[k] * np.arange(x.shape[0]))\n",
     (np.array([0.5, -1.2, 0.8, 2.0]),)),
    ("def f(x):\n    m = x > 0\n    return np.sum(x[m] ** 3) + np.sum(x[np.nonzero(x < 0)])\n",
     (np.array([0.5, -1.2, 0.8, -2.0]),)),
    ("def f(x):\n    return np.sum(x[np.flatnonzero(x)] * np.floor(x)) + np.sum(np.sign(x) * x)\n",
     (np.array([0.5, -1.2, 2.3]),)),
    # boolean masks and index arrays mixed with slices on 3-d data
    ("def f(x):\n    m = np.array([True, False, True])\n"
     "    return np.sum(np.sin(x[1:, m, ::-2])) + np.sum(x[..., np.array([3, 3, 0])] ** 2)\n",
     (np.random.default_rng(3).standard_normal((2, 3, 4)),)),
    # shapes of shapes
    ("def f(x, w):\n    y = np.concatenate([x.T, w[::-1, :]], axis=0)\n"
     "    z = np.pad(np.stack([y, y[::-1]], axis=-1), ((1, 0), (0, 0), (2, 1)), mode='edge')\n"
     "    return np.sum(np.tile(z, (1, 2, 1)) * np.arange(z.size * 2).reshape(z.shape[0], -1, z.shape[2]))\n",
     (np.random.default_rng(4).standard_normal((3, 2)),
      np.random.default_rng(5).standard_normal((2, 3)))),
    # an array where a sequence of arrays is expected: its rows are the items
    ("def f(x):\n    a = np.concatenate(x) * np.arange(8.0)\n    b = np.stack(x, axis=1)\n"
     "    c = np.hstack(x)\n    d = np.vstack(x)\n    e = np.column_stack(x)\n"
     "    return np.sum(a ** 2) + np.sum(b[0] * b[1]) + np.sum(c * a) + np.sum(d ** 3) + np.sum(e)\n",
     (np.random.default_rng(7).standard_normal((2, 4)),)),
    ("def f(x):\n    return np.sum(np.concatenate(x, axis=1) ** 2) + np.sum(np.dstack(x) ** 3)\n",
     (np.random.default_rng(8).standard_normal((2, 3, 2)),)),
    # flat list literals of scalars where an array is expected
    ("def f(a, b):\n    m = np.diag([a, b])\n    t = np.tile([a, 2.0], 2)\n"
     "    return np.sum(m @ m) + np.sum(t * np.arange(4.0)) + np.sum(np.stack([a, b, a]) ** 2)\n",
     (0.3, -1.1)),
    # a float parameter of a constructor
    ("def f(c, x):\n    return np.sum(np.full((2, 3), c) * x) + np.sum(np.linspace(c, 2.0 * c, 3) ** 2)\n",
     (0.6, np.random.default_rng(6).standard_normal((2, 3)))),
    # constant padding with a differentiated constant
    ("def f(x, c):\n    return np.sum(np.pad(x, (1, 2), constant_values=c) ** 2)\n",
     (np.array([0.5, -1.2]), 0.3)),
    # constructors, queries, random numbers and logic in a differentiated program
    ("def f(x):\n    n = len(x)\n    z = np.zeros_like(x) + np.ones(n) + np.eye(n)[0]\n"
     "    r = np.random.default_rng(0).normal(size=n)\n"
     "    ok = np.logical_and(np.all(np.isfinite(x)), np.any(x > -10))\n"
     "    return np.sum(x * z * r) * float(ok) + np.sum(np.round(x, 1) * x)\n",
     (np.array([0.51, -1.23, 0.84]),)),
]


@pytest.mark.parametrize("source,args", PROGRAMS, ids=[f"program-{i}" for i in range(len(PROGRAMS))])
def test_program_matches_finite_differences(source, args):
    f = _function(source)
    srcad.check_grads(f, args, wrt=tuple(range(len(args))))


def test_astype_float32_is_differentiated_by_casting_back():
    f = _function("def f(x):\n    return np.sum(x.astype(np.float32) * np.array([1.0, -2.0, 3.0]))\n")
    x = np.array([0.25, 0.5, -1.0])
    grad = srcad.grad(f)(x)
    assert grad.dtype == np.float64
    # f is linear in x: finite differences with a unit step are exact in float32 arithmetic.
    fd = [(f(x + e) - f(x - e)) / 2.0 for e in np.eye(3)]
    np.testing.assert_allclose(grad, fd)


# ---------------------------------------------------------------------------------------
# Unsupported configurations raise instead of returning a wrong derivative
# ---------------------------------------------------------------------------------------

UNSUPPORTED = [
    ("def f(x):\n    return np.sum(x.astype(int) * x)\n", np.array([1.5, 2.5]),
     "dtype int64"),
    ("def f(x):\n    return np.sum(np.ravel(x[:, ::-1], order='K') * np.arange(6.0))\n",
     np.ones((2, 3)), "order='K'"),
    ("def f(x):\n    return np.sum(np.pad(x, 2, mode='mean') ** 2)\n", np.ones(3),
     "mode='mean'"),
    ("def f(x):\n    return np.sum(np.pad(x, 2, mode='reflect', reflect_type='odd') ** 2)\n",
     np.ones(3), "reflect_type='odd'"),
    ("def f(x):\n    return np.sum(np.concatenate([x, [1.0, 2.0]]) ** 2)\n", np.ones(3),
     "nested lists"),
    ("def f(x):\n    r = np.atleast_1d(x, x)\n    return np.sum(r[0])\n", np.ones(3),
     "several arrays"),
    ("def f(x):\n    return np.sum(np.full(3, x, dtype=int) * 1.0)\n", 1.5, "non-float dtype"),
]


@pytest.mark.parametrize("source,x,message", UNSUPPORTED, ids=[m for _, _, m in UNSUPPORTED])
def test_unsupported_configurations_raise(source, x, message):
    f = _function(source)
    f(x)  # the primal itself runs
    with pytest.raises(NotImplementedError, match=message.replace("(", r"\(")):
        srcad.grad(f)(x)


# ---------------------------------------------------------------------------------------
# The non-differentiable table
# ---------------------------------------------------------------------------------------

def test_nondiff_functions_are_registered_and_have_no_rule():
    import numpy  # noqa: F401
    for name in ["numpy.zeros", "numpy.arange", "numpy.argmax", "numpy.floor", "numpy.isnan",
                 "numpy.logical_xor", "numpy.allclose", "numpy.count_nonzero",
                 "numpy.searchsorted", "numpy.random.default_rng", "len",
                 "round", "numpy.floor_divide"]:
        obj = rules.resolve_name(name)
        assert rules.is_nondiff(obj) or rules.lookup(obj) is not None, name
    for key in [("method", "argmax"), ("method", "any"), ("method", "round"),
                ("method", "nonzero"), ("attr", "shape")]:
        assert rules.is_nondiff(key), key
    for name in ["numpy.full", "numpy.linspace", "numpy.full_like", "numpy.sort", "float",
                 "numpy.random.permutation"]:
        assert not rules.is_nondiff(rules.resolve_name(name)), name


def test_builtin_round_and_int_results_are_constants():
    f = _function("def f(x):\n    k = int(round(x * 3.0))\n    return x * k + round(x, 1)\n")
    srcad.check_grads(f, (0.77,))


# ---------------------------------------------------------------------------------------
# jvp templates of the shape rules, evaluated directly, against finite differences
# ---------------------------------------------------------------------------------------

_MINE = {id(r) for r in shape_rules.DEFINED}
JVP_CASES = [c for c in rule_name_cases() if id(c[0]) in _MINE and c[0].jvp]


def _is_arrays(value):
    return isinstance(value, (list, tuple)) and value and all(isinstance(v, rules.Arr)
                                                             for v in value)


def _caller(rule, name, kwargs):
    if rule.kind == "function":
        fn = rules.resolve_name(name)
        return lambda vs: fn(*vs, **kwargs)
    if rule.kind == "method":
        return lambda vs: getattr(np.asarray(vs[0]), rule.key[1])(*vs[1:], **kwargs)
    if rule.kind == "attr":
        return lambda vs: getattr(np.asarray(vs[0]), rule.key[1])
    return lambda vs: np.asarray(vs[0])[vs[1]]


def _eval(expr, namespace):
    import ast
    node = ast.Expression(gast.gast_to_ast(gast.fix_missing_locations(expr)))
    return eval(compile(node, "<jvp>", "eval"), namespace)


@pytest.mark.parametrize("rule,name,index,case", JVP_CASES,
                         ids=[f"{name}-{i}" for _, name, i, _ in JVP_CASES])
def test_jvp_template_matches_finite_differences(rule, name, index, case):
    rng = np.random.default_rng(index + 29)
    values = []
    for arg in case.args:
        if isinstance(arg, rules.Arr):
            values.append(make_input(arg, rng))
        elif _is_arrays(arg):
            values.append(type(arg)(make_input(v, rng) for v in arg))
        else:
            values.append(arg)
    kwargs = dict(case.kwargs)
    call = _caller(rule, name, kwargs)
    bound = rule.signature.bind(*values, **kwargs)
    bound.apply_defaults()
    y = call(values)
    for k, arg in enumerate(case.args):
        if not (isinstance(arg, rules.Arr) or _is_arrays(arg)):
            continue
        param = next(p for p, v in bound.arguments.items()
                     if v is values[k] or (isinstance(v, tuple) and any(e is values[k] for e in v)))
        if isinstance(values[k], (list, tuple)):
            tangent = type(values[k])(rng.standard_normal(np.shape(e)) for e in values[k])
        else:
            tangent = rng.standard_normal(np.shape(values[k]))
            tangent = float(tangent) if np.ndim(tangent) == 0 else tangent
        kind = rule.signature.parameters[param].kind
        namespace = {**rules.TEMPLATE_GLOBALS, **bound.arguments, "y": y}
        namespace.update({"d" + p: 0.0 for p in rule.params})
        namespace["d" + param] = (tangent,) if kind is kind.VAR_POSITIONAL else tangent
        dy = 0.0
        for stmt in rule.jvp:
            if isinstance(stmt, gast.AugAssign):
                names = {n.id for n in gast.walk(stmt.value) if isinstance(n, gast.Name)}
                if "d" + param in names:
                    dy = dy + _eval(stmt.value, namespace)
            else:
                namespace[stmt.targets[0].id] = _eval(stmt.value, namespace)

        def shifted(sign, k=k, tangent=tangent):
            vs = list(values)
            h = 1e-6
            if isinstance(values[k], (list, tuple)):
                vs[k] = type(values[k])(np.asarray(e) + sign * h * np.asarray(t)
                                        for e, t in zip(values[k], tangent))
            else:
                vs[k] = values[k] + sign * h * tangent
            return np.asarray(call(vs), dtype=np.float64)
        fd = (shifted(1.0) - shifted(-1.0)) / 2e-6
        if np.any(dy) or np.any(fd):
            assert np.shape(dy) == np.shape(fd), (param, np.shape(dy), np.shape(fd))
        np.testing.assert_allclose(dy, fd, rtol=1e-5, atol=1e-6, err_msg=param)
