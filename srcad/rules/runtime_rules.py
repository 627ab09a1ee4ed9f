"""Rules of srcad's runtime helpers, so that generated code can be differentiated again.

Grad of grad transforms generated code, which calls the helpers of ``srcad.runtime``
(``unbroadcast``, ``unreduce``, ``matmul_adjoint_a`` …); each has a rule here, keyed by
the function object and named ``srcad.runtime.<name>``.  These rules are internal: they
are left out of ``srcad.supported_functions()`` and of docs/rules.md.

How the rules are derived:

* Most helpers are linear in their first argument (an adjoint or a tangent) and use the
  others for shapes only: the vjp is the transpose of the linear map (often the tangent
  helper of the same primitive: ``mean_adjoint`` is transposed by the mean itself), the jvp
  the helper applied to the tangent.  Shape-only arguments get no statement: their
  derivative is zero.
* An adjoint helper ``F(g, a, b) = grad_a <g, P(a, b)>`` of a bilinear primitive ``P``
  (matmul, dot, tensordot, kron, cross …) satisfies ``<c, F(g, a, b)> = <g, P(c, b)>``, so
  ``bg += P(by, b)`` and ``bb += F_b(g, by, b)``; multilinear ones (einsum, multi_dot)
  likewise.
* A dependence a rule does not differentiate yet calls ``derivative_not_implemented``,
  which raises ``NotImplementedError`` when (and only when) that derivative is needed.

Helpers whose value is piecewise constant (masks, weights of ties) or not a number
(shapes, axes) are declared not differentiable.  ``CONTAINER_RESULTS`` lists the helpers
that return lists or tuples.  The helpers without a rule (the tape's ``save_item`` and
``restore_item``, the sublist form of einsum, the scipy.special helpers, the nonlinear
helpers of second derivatives) are listed in ``LEFT_OUT`` with the reason.  The new
helpers these rules need are in srcad/runtime/higher.py.
"""

import numpy as np

from ..runtime import HELPERS
from . import Arr, Case, binary_cases, defnondiff, defrule, unary_cases

DEFINED = []  # the rules of this module, for tests/rules/test_runtime_rules_extra.py

# Parameters renamed from the helper's own names: a name such as ``da`` next to a
# parameter ``a`` would be both a parameter and the tangent of ``a`` in a template.
# Generated code passes helper arguments by position, so only the order matters.
RENAMED = {}

# Helpers without a rule, and why (a call on a differentiated value is then refused with
# "no derivative rule", or, for the mutators, handled by the passes).
LEFT_OUT = {
    "save_item": "pushes a copy of x[idx] on the tape; differentiating it needs the matching "
                 "restore_item, which mutates its argument: for the passes to handle",
    "restore_item": "mutates its argument (x[idx] = old): a rule cannot express it",
    "einsum_sublist_first_adjoint": "only in the sublist form of np.einsum, whose second "
                                    "derivative is not implemented",
    "beta_derivatives": "scipy.special helpers (srcad/runtime/special.py) are not covered yet",
    "digamma_of": "scipy.special helpers (srcad/runtime/special.py) are not covered yet",
    "i0_derivative": "scipy.special helpers (srcad/runtime/special.py) are not covered yet",
    "i0e_derivative": "scipy.special helpers (srcad/runtime/special.py) are not covered yet",
    "i1_derivative": "scipy.special helpers (srcad/runtime/special.py) are not covered yet",
    "i1e_derivative": "scipy.special helpers (srcad/runtime/special.py) are not covered yet",
    "log_ndtr_derivative": "scipy.special helpers (srcad/runtime/special.py) are not covered "
                           "yet",
    "logsumexp_adjoint": "scipy.special helpers (srcad/runtime/special.py) are not covered yet",
    "logsumexp_tangent": "scipy.special helpers (srcad/runtime/special.py) are not covered yet",
    "polygamma_derivative": "scipy.special helpers (srcad/runtime/special.py) are not covered "
                            "yet",
    "zero_safe_ratio": "scipy.special helpers (srcad/runtime/special.py) are not covered yet",
}
LEFT_OUT.update(dict.fromkeys((
    "power_dbase_dexponent", "power_dkbase_dexponent", "sinc_second_derivative",
    "prod_others_hvp",
    "cumprod_hvp", "cumprod_second_tangent", "cumulative_adjoint_transpose", "cumulative_hvp",
    "cumulative_second_tangent", "solve_adjoint_a_transpose", "solve_tangent_a_dy",
    "det_adjoint_transpose", "det_adjoint_da", "det_adjoint_dy", "einsum_cross",
    "einsum_sum_replaced2", "multi_dot_cross", "multi_dot_second", "matrix_power_hess",
    "matrix_power_second", "norm_second"),
    "a helper of second derivatives (srcad/runtime/higher.py): third derivatives are not "
    "implemented"))

# Helpers whose result is a list, tuple or dict: always (None), or when the named argument
# is one.  The passes must add their adjoints and tangents with the ``add`` helper, not
# with ``+`` (which concatenates); srcad/passes/kinds.py does not know this yet.
CONTAINER_RESULTS = {
    "einsum_adjoints": None, "multi_dot_adjoints": None, "extremum_args": None,
    "unatleast": None, "unindex_container": None, "einsum_cross": None,
    "multi_dot_cross": None,
    "unconcatenate": "arrays", "unstack": "arrays", "unhstack": "tup", "unvstack": "tup",
    "uncolumn_stack": "tup", "undstack": "tup", "unindex": "x", "unarray": "obj",
    "unsum": "iterable", "add": "a", "zero_at": "b", "copy_value": "x",
    "copy_container": "x", "zeros_like": "x", "container_zeros": "x", "add_transpose": "a",
    "add_tangent": "y", "unindex_transpose": "b",
}


def _rule(name, params, *, vjp, jvp, cases, outputs="y", tol=1e-6, renamed=()):
    """``defrule`` for the runtime helper ``name``."""
    rule = defrule(HELPERS[name], params, vjp=vjp, jvp=jvp, cases=cases, outputs=outputs,
                   tol=tol, names=[f"srcad.runtime.{name}"])
    if renamed:
        RENAMED[name] = tuple(renamed)
    DEFINED.append(rule)
    return rule


def _nondiff(names, why):
    defnondiff(*[HELPERS[n] for n in names.split() if n in HELPERS], why=why)


_I = np.array


def _np_rng():
    return np.random.default_rng(1234)


# ---------------------------------------------------------------------------------------
# core: broadcasting and reductions
# ---------------------------------------------------------------------------------------

_rule("unbroadcast", "g, x",
      vjp="bg += unbroadcast_transpose(by, g, x)",
      jvp="dy += unbroadcast(dg, x)",
      cases=(Case(Arr(2, 3), Arr(3)), Case(Arr(2, 3), Arr(1, 3)), Case(Arr(2, 3), Arr()),
             Case(Arr(2, 3), Arr(2, 3)), Case(Arr(), Arr()), Case(Arr(3), Arr()),
             Case(Arr(2, 3), Arr(2, 1)), Case(Arr(2, 3, 4), Arr(3, 1)), Case(Arr(), Arr(3)),
             Case(Arr(3), Arr(2, 3)), Case(Arr(2, 1), Arr(2, 3))))
_rule("unreduce", "g, x, axis=None, keepdims=False",
      vjp="bg += unreduce_transpose(by, g, x, axis, keepdims)",
      jvp="dy += unreduce(dg, x, axis, keepdims)",
      cases=(Case(Arr(), Arr(2, 3)), Case(Arr(3), Arr(2, 3), 0), Case(Arr(2), Arr(2, 3), axis=1),
             Case(Arr(2, 1), Arr(2, 3), 1, True), Case(Arr(3), Arr(2, 3, 4), (0, 2)),
             Case(Arr(2), Arr(2, 3, 4), (-1, 1)), Case(Arr(1, 1), Arr(2, 3), None, True),
             Case(Arr(), Arr(3), 0), Case(Arr(2, 1, 4), Arr(2, 3, 4), -2, True)))
_nondiff("zeros_like container_zeros", why="zeros: constant")
_nondiff("extremum_weights nanextremum_weights ptp_direction maximum_weight minimum_weight "
         "fmax_weight fmin_weight",
         why="weights of the extremum and of ties: piecewise constant")
_nondiff("clip_inside clip_below clip_above", why="boolean-valued")
_nondiff("division_quotient", why="piecewise constant: zero derivative almost everywhere")
_nondiff("normalize_axes reshape_order transpose_axes",
         why="shape, size or type query")
_nondiff("ensure_rebindable", why="a check: returns None or raises")
_nondiff("derivative_not_implemented", why="raises: a derivative srcad does not compute")

# ---------------------------------------------------------------------------------------
# containers
# ---------------------------------------------------------------------------------------

_rule("add", "a, b",
      vjp="""
          ba += add_transpose(by, a)
          bb += add_transpose(by, b)
      """,
      jvp="""
          dy += add_tangent(da, y)
          dy += add_tangent(db, y)
      """,
      cases=binary_cases() + (Case([Arr(3), Arr(3)], [Arr(3), Arr(3)]),
                              Case((Arr(), Arr()), (Arr(), Arr())),
                              Case([Arr(2, 3), Arr(3)], [Arr(3), Arr(2, 3)])))
_rule("unindex_container", "g, x, idx",
      vjp="bg += unindex_transpose(by, g, idx)",
      jvp="dy += unindex_container(dg, x, idx)",
      cases=(Case(Arr(), [0.0, 0.0, 0.0], 1), Case(Arr(), (0.0, 0.0), -1),
             Case(Arr(), [Arr(), Arr()], 0)))
_rule("unsum", "g, iterable",
      vjp="bg += unsum_transpose(by, g, iterable)",
      jvp="dy += unsum(dg, iterable)",
      cases=(Case(Arr(), [Arr(), Arr(), Arr()]), Case(Arr(3), [Arr(3), Arr(3)]),
             Case(Arr(3), Arr(4, 3)), Case(Arr(), Arr(4)), Case(Arr(), (Arr(), Arr()))))
_rule("extremum_args", "g, values, largest",
      vjp="bg += extremum_args_transpose(by, values, largest)",
      jvp="dy += extremum_args(dg, values, largest)",
      cases=(Case(Arr(), (Arr(domain="distinct"), Arr(domain="distinct")), True),
             Case(Arr(), (Arr(domain="distinct"), Arr(domain="distinct")), False),
             Case(Arr(), (Arr(4, domain="distinct"),), True),
             Case(Arr(), ([Arr(domain="distinct"), Arr(domain="distinct"),
                           Arr(domain="distinct")],), False)))
if "extremum_tangent" in HELPERS:
    _rule("extremum_tangent", "t, values, largest",
          vjp="bt += extremum_args(by, values, largest)",
          jvp="dy += extremum_args_transpose(dt, values, largest)",
          cases=(Case((Arr(), Arr()), (Arr(domain="distinct"), Arr(domain="distinct")), True),
                 Case((Arr(4),), (Arr(4, domain="distinct"),), False),
                 Case(([Arr(), Arr(), Arr()],),
                      ([Arr(domain="distinct"), Arr(domain="distinct"),
                        Arr(domain="distinct")],), True)),
          renamed=("dvalues",))
_rule("copy_container", "x",
      vjp="bx += by", jvp="dy += dx",
      cases=(Case([Arr(), Arr()]), Case(Arr(3)), Case([Arr(2), Arr(2)])))
_rule("copy_value", "x",
      vjp="bx += by", jvp="dy += dx",
      cases=(Case(Arr(3)), Case(Arr()), Case([Arr(), Arr()]), Case(Arr(2, 3))))
# zero_at copies its argument (it never mutates it): a mask, its own transpose.
_rule("zero_at", "b, idx",
      vjp="bb += zero_at(by, idx)",
      jvp="dy += zero_at(db, idx)",
      cases=(Case(Arr(4), 1), Case(Arr(2, 3), 0), Case(Arr(2, 3), (1, -1)),
             Case(Arr(5), _I([0, 3])), Case(Arr(2, 3), _I([[True, False, True], [False] * 3])),
             Case([Arr(), Arr(), Arr()], 1), Case([Arr(2), Arr(2)], 0)))
_nondiff("loop_length", why="a loop's trip count")

# ---------------------------------------------------------------------------------------
# indexing
# ---------------------------------------------------------------------------------------

_rule("unindex", "g, x, idx",
      vjp="bg += unindex_transpose(by, g, idx)",
      jvp="dy += unindex(dg, x, idx)",
      cases=(Case(Arr(), Arr(4), 1), Case(Arr(3), Arr(2, 3), 0), Case(Arr(), Arr(2, 3), (1, -1)),
             Case(Arr(3), Arr(5), _I([0, 0, 3])), Case(Arr(), Arr(5), _I([4, 4, 1])),
             Case(Arr(2), Arr(3, 4), (_I([0, 2]), _I([1, 1]))),
             Case(Arr(2), Arr(4), _I([True, False, True, False])),
             Case(Arr(), Arr(2, 3), 0), Case(Arr(1, 3), Arr(2, 3), (None, 0)),
             Case(Arr(2, 3), Arr(2, 3), Ellipsis), Case(Arr(2, 1), Arr(3, 4), (_I([[0], [2]]), 1)),
             Case(Arr(), [0.0, 0.0, 0.0], 2), Case(Arr(3), Arr(3), [2, 0, 0])))

# ---------------------------------------------------------------------------------------
# elementwise
# ---------------------------------------------------------------------------------------

_rule("broadcast_like", "d, y", outputs="out",
      vjp="bd += unbroadcast(bout, d)",
      jvp="dout += broadcast_like(dd, y)",
      cases=(Case(Arr(3), Arr(2, 3)), Case(Arr(), Arr(3)), Case(Arr(2, 3), Arr(2, 3)),
             Case(Arr(2, 1), Arr(2, 3)), Case(Arr(), Arr())))
# power_dbase(x1, x2) = x2 * x1 ** (x2 - 1), 0 where x2 == 0.
_rule("power_dbase", "x1, x2",
      vjp="""
          bx1 += unbroadcast(by * power_d2base(x1, x2), x1)
          bx2 += unbroadcast(by * power_dbase_dexponent(x1, x2), x2)
      """,
      jvp="""
          dy += dx1 * power_d2base(x1, x2)
          dy += dx2 * power_dbase_dexponent(x1, x2)
      """,
      cases=binary_cases("positive", "real") + (
          Case(Arr(3), 2), Case(Arr(2, 3), 3.0), Case(Arr(3, domain="nonzero"), 3), Case(Arr(3), 0),
          Case(Arr(3), 1), Case(Arr(domain="nonzero"), -2.0), Case(Arr(3, domain="positive"), 0.5),
          Case(Arr(3), _I([0.0, 1.0, 2.0])), Case(2.0, Arr(3))))
# The k-th derivative of x1 ** x2 in x1 (k = 2 for power_d2base): its derivative in x1 is
# the (k + 1)-th, so derivatives of any order in the base have rules.
_rule("power_d2base", "x1, x2",
      vjp="""
          bx1 += unbroadcast(by * power_dkbase(x1, x2, 3), x1)
          bx2 += unbroadcast(by * power_dkbase_dexponent(x1, x2, 2), x2)
      """,
      jvp="""
          dy += dx1 * power_dkbase(x1, x2, 3)
          dy += dx2 * power_dkbase_dexponent(x1, x2, 2)
      """,
      cases=binary_cases("positive", "real") + (
          Case(Arr(3), 2), Case(Arr(2, 3), 3.0), Case(Arr(3, domain="nonzero"), 4), Case(Arr(3), 0),
          Case(Arr(3), 1), Case(Arr(3, domain="positive"), 0.5), Case(Arr(3), _I([0.0, 1.0, 2.0]))))
_rule("power_dkbase", "x1, x2, k",
      vjp="""
          bx1 += unbroadcast(by * power_dkbase(x1, x2, k + 1), x1)
          bx2 += unbroadcast(by * power_dkbase_dexponent(x1, x2, k), x2)
      """,
      jvp="""
          dy += dx1 * power_dkbase(x1, x2, k + 1)
          dy += dx2 * power_dkbase_dexponent(x1, x2, k)
      """,
      cases=(Case(Arr(3, domain="positive"), Arr(3), 3), Case(Arr(2, 3), 5, 3), Case(Arr(3), 3, 3),
             Case(Arr(3), 2, 3), Case(Arr(domain="positive"), Arr(), 1), Case(Arr(3), 4.0, 4),
             Case(Arr(2, 3, domain="positive"), Arr(3), 2)))
# power_dexponent(x1, y) = y * log(x1), 0 where x1 == 0 (y = x1 ** x2, a separate input).
_rule("power_dexponent", "x1, y", outputs="out",
      vjp="""
          bx1 += unbroadcast(bout * safe_divide(y, x1), x1)
          by += unbroadcast(bout * power_dexponent(x1, 1.0), y)
      """,
      jvp="""
          dout += dx1 * safe_divide(y, x1)
          dout += dy * power_dexponent(x1, 1.0)
      """,
      cases=binary_cases("positive", "real"))
_rule("log_of_base", "base",
      vjp="bbase += by / base",
      jvp="dy += dbase / base",
      cases=(Case(Arr(domain="positive")), Case(Arr(3, domain="positive"))))
_rule("sinc_derivative", "x",
      vjp="bx += by * sinc_second_derivative(x)",
      jvp="dy += dx * sinc_second_derivative(x)",
      cases=unary_cases() + (Case(Arr(3, domain="unit")), Case(Arr(2, 3, domain="nonzero"))))
_rule("safe_divide", "a, b",
      vjp="""
          ba += unbroadcast(by * safe_divide(1.0, b), a)
          bb += unbroadcast(-by * safe_divide(y, b), b)
      """,
      jvp="""
          dy += da * safe_divide(1.0, b)
          dy += -db * safe_divide(y, b)
      """,
      cases=binary_cases("real", "nonzero"))
# abs_derivative(x) = sign(x) for real x: piecewise constant; complex x is refused.
_rule("abs_derivative", "x",
      vjp="bx += real_zero_derivative(x, 'the derivative of abs_derivative', x)",
      jvp="dy += real_zero_derivative(y, 'the derivative of abs_derivative', dx, x)",
      cases=unary_cases("nonzero"))
# imag_adjoint(g, x) is zero for real x (and does not depend on the values of x).
_rule("imag_adjoint", "g, x",
      vjp="bg += real_zero_derivative(g, 'the derivative of imag_adjoint', x)",
      jvp="dy += real_zero_derivative(y, 'the derivative of imag_adjoint', dg, x)",
      cases=(Case(Arr(3), Arr(3)), Case(Arr(), Arr())))
_rule("angle_adjoint", "g, z, deg=False",
      vjp="""
          bg += real_zero_derivative(g, 'the derivative of angle_adjoint', z)
          bz += real_zero_derivative(z, 'the derivative of angle_adjoint', z)
      """,
      jvp="""
          dy += real_zero_derivative(y, 'the derivative of angle_adjoint', dg, z)
          dy += real_zero_derivative(y, 'the derivative of angle_adjoint', dz, z)
      """,
      cases=(Case(Arr(3), Arr(3, domain="nonzero")), Case(Arr(), Arr(domain="nonzero"), True)))
_rule("angle_tangent", "t, z, deg=False",
      vjp="""
          bt += real_zero_derivative(t, 'the derivative of angle_tangent', t, z)
          bz += real_zero_derivative(z, 'the derivative of angle_tangent', t, z)
      """,
      jvp="""
          dy += real_zero_derivative(y, 'the derivative of angle_tangent', dt, t, z)
          dy += real_zero_derivative(y, 'the derivative of angle_tangent', dz, t, z)
      """,
      cases=(Case(Arr(3), Arr(3, domain="nonzero")), Case(Arr(), Arr(domain="nonzero"), True)),
      renamed=("dz",))
# clip_bound(bound, alias) is `alias if bound is None else bound`.
_rule("clip_bound", "bound, alias",
      vjp="""
          bbound += by
          balias += when_none(by, bound, alias)
      """,
      jvp="""
          dy += dbound
          dy += when_none(dalias, bound, y)
      """,
      cases=(Case(Arr(3), None), Case(None, Arr(3)), Case(Arr(3), Arr(3)), Case(Arr(), Arr(2)),
             Case(0.5, Arr())))
_rule("when_none", "value, test, like",
      vjp="bvalue += when_none(by, test, value)",
      jvp="dy += when_none(dvalue, test, like)",
      cases=(Case(Arr(3), None, Arr(3)), Case(Arr(3), Arr(), Arr(3)), Case(Arr(), 1.0, Arr())))

# ---------------------------------------------------------------------------------------
# reductions
# ---------------------------------------------------------------------------------------

_WHERE = _I([[True, False, True], [False, True, True]])
_rule("unreduce_where", "g, a, axis=None, keepdims=False, where=True",
      vjp="bg += unreduce_transpose(np.where(where, by, 0.0), g, a, axis, keepdims)",
      jvp="dy += unreduce_where(dg, a, axis, keepdims, where)",
      cases=(Case(Arr(), Arr(2, 3)), Case(Arr(3), Arr(2, 3), 0), Case(Arr(2, 1), Arr(2, 3), 1, True),
             Case(Arr(2), Arr(2, 3), 1, False, _I([True, False, True])),
             Case(Arr(1, 3), Arr(2, 3), 0, True, _WHERE), Case(Arr(), Arr(2, 3), None, False, _WHERE)))
_rule("mean_adjoint", "g, a, axis=None, keepdims=False, where=True",
      vjp="bg += mean_adjoint_transpose(by, g, a, axis, keepdims, where)",
      jvp="dy += mean_adjoint(dg, a, axis, keepdims, where)",
      cases=(Case(Arr(), Arr(2, 3)), Case(Arr(3), Arr(2, 3), 0), Case(Arr(2, 1), Arr(2, 3), 1, True),
             Case(Arr(2), Arr(2, 3, 4), (1, -1)), Case(Arr(2), Arr(2, 3), 1, False, _WHERE),
             Case(Arr(1, 1), Arr(2, 3), (0, 1), True, _WHERE),
             Case(Arr(), Arr(2, 3), None, False, _I([True, False, True]))))
_rule("nanmean_adjoint", "g, a, axis=None, keepdims=False",
      vjp="bg += nanmean_adjoint_transpose(by, g, a, axis, keepdims)",
      jvp="dy += nanmean_adjoint(dg, a, axis, keepdims)",
      cases=(Case(Arr(), Arr(2, 3)), Case(Arr(3), Arr(2, 3), 0), Case(Arr(2, 1), Arr(2, 3), 1, True)))
_rule("prod_others", "a, axis=None",
      vjp="ba += prod_others_hvp(by, a, axis)",
      jvp="dy += prod_others_hvp(da, a, axis)",
      cases=(Case(Arr()), Case(Arr(3)), Case(Arr(2, 3)), Case(Arr(2, 3), 0), Case(Arr(2, 3), 1),
             Case(Arr(2, 3, 4), (0, 2)), Case(Arr(2, 3), -1), Case(Arr(1, 3), 0)))
_rule("var_direction", "a, axis=None, ddof=0, where=True, correction=None",
      vjp="ba += var_direction(broadcast_like(by, a), axis, ddof, where, correction)",
      jvp="dy += var_direction(da, axis, ddof, where, correction)",
      cases=(Case(Arr(4)), Case(Arr(2, 3), 0), Case(Arr(2, 3), 1, 1), Case(Arr(2, 3, 4), (0, -1), 2),
             Case(Arr(2, 4), 1, 0, _I([True, False, True, True])), Case(Arr(2, 3), 1, 0, True, 1)))
# std_direction(a, y, ...) = (a - mean) / ((n - ddof) y), 0 where y == 0; y is the std.
_STD = "axis, ddof, keepdims, where, correction"
_rule("std_direction", "a, y, axis=None, ddof=0, keepdims=False, where=True, correction=None",
      outputs="out",
      vjp=f"""
          ba += std_direction(broadcast_like(bout, a), y, {_STD})
          by += safe_divide(-np.sum(bout * out, axis=axis, keepdims=keepdims), y)
      """,
      jvp=f"""
          dout += std_direction(da, y, {_STD})
          dout += -out * unreduce(safe_divide(dy, y), a, axis, keepdims)
      """,
      cases=(Case(Arr(4), Arr(domain="positive")), Case(Arr(2, 3), Arr(3, domain="positive"), 0),
             Case(Arr(2, 3), Arr(2, 1, domain="positive"), 1, 0, True),
             Case(Arr(2, 3, 4), Arr(3, domain="positive"), (0, -1), 1),
             Case(Arr(2, 4), Arr(2, domain="positive"), 1, 0, False, _I([True, False, True, True])),
             Case(Arr(2, 3), Arr(2, domain="positive"), 1, 0, False, True, 1)))
_rule("cumsum_adjoint", "g, a, axis=None",
      vjp="bg += np.cumsum(by, axis=axis)",
      jvp="dy += cumsum_adjoint(dg, a, axis)",
      cases=(Case(Arr(4), Arr(4)), Case(Arr(6), Arr(2, 3)), Case(Arr(2, 3), Arr(2, 3), 0),
             Case(Arr(2, 3), Arr(2, 3), -1), Case(Arr(1), Arr())))
_CUMPROD_CASES = (Case(Arr(4), Arr(4)), Case(Arr(6), Arr(2, 3)), Case(Arr(2, 3), Arr(2, 3), 0),
                  Case(Arr(2, 3), Arr(2, 3), -1), Case(Arr(2, 3, 4), Arr(2, 3, 4), 1),
                  Case(Arr(1), Arr()))
_rule("cumprod_adjoint", "g, a, axis=None",
      vjp="""
          bg += cumprod_tangent(by, a, axis)
          ba += cumprod_hvp(g, a, axis, by)
      """,
      jvp="""
          dy += cumprod_adjoint(dg, a, axis)
          dy += cumprod_hvp(g, a, axis, da)
      """,
      cases=_CUMPROD_CASES)
_rule("cumprod_tangent", "d, a, axis=None, include_initial=False",
      vjp="""
          bd += unbroadcast(cumprod_tangent_transpose(by, a, axis, include_initial), d)
          ba += cumprod_hvp(by, a, axis, d, include_initial)
      """,
      jvp="""
          dy += cumprod_tangent(dd, a, axis, include_initial)
          dy += cumprod_second_tangent(d, da, a, axis, include_initial)
      """,
      cases=tuple(Case(c.args[1], *c.args[1:]) for c in _CUMPROD_CASES) + (
          Case(Arr(4), Arr(4), 0, True), Case(Arr(2, 3), Arr(2, 3), 1, True),
          Case(Arr(3), Arr(2, 3), 0), Case(Arr(), Arr(3))))
_rule("cumulative_adjoint", "g, x, axis=None, include_initial=False, product=False",
      vjp="""
          bg += cumulative_adjoint_transpose(by, g, x, axis, include_initial, product)
          bx += cumulative_hvp(g, x, axis, by, include_initial, product)
      """,
      jvp="""
          dy += cumulative_adjoint(dg, x, axis, include_initial, product)
          dy += cumulative_hvp(g, x, axis, dx, include_initial, product)
      """,
      cases=(Case(Arr(4), Arr(4)), Case(Arr(5), Arr(4), None, True), Case(Arr(2, 3), Arr(2, 3), 1),
             Case(Arr(3, 3), Arr(2, 3), 0, True), Case(Arr(4), Arr(4), None, False, True),
             Case(Arr(5), Arr(4), 0, True, True), Case(Arr(2, 4), Arr(2, 3), -1, True, True)))
_rule("cumulative_prod_tangent", "d, x, axis=None, include_initial=False",
      vjp="""
          bd += unbroadcast(cumulative_adjoint(by, x, axis, include_initial, True), d)
          bx += cumulative_hvp(by, x, axis, d, include_initial, True)
      """,
      jvp="""
          dy += cumulative_prod_tangent(dd, x, axis, include_initial)
          dy += cumulative_second_tangent(d, dx, x, axis, include_initial)
      """,
      cases=(Case(Arr(4), Arr(4)), Case(Arr(4), Arr(4), None, True), Case(Arr(2, 3), Arr(2, 3), 1),
             Case(Arr(2, 3), Arr(2, 3), 0, True), Case(Arr(3), Arr(2, 3), -1)))
_DIFF = "n, axis, prepend, append"
_rule("diff_adjoint", "g, which, a, n=1, axis=-1, prepend=None, append=None",
      vjp=f"bg += diff_tangent(by, which, a, {_DIFF})",
      jvp=f"dy += diff_adjoint(dg, which, a, {_DIFF})",
      cases=(Case(Arr(3), "a", Arr(4)), Case(Arr(3), "a", Arr(5), 2), Case(Arr(3, 3), "a", Arr(3, 4)),
             Case(Arr(2, 4), "a", Arr(3, 4), 1, 0), Case(Arr(4), "prepend", Arr(3), 1, -1, Arr(2)),
             Case(Arr(4), "a", Arr(3), 1, -1, Arr(2)),
             Case(Arr(5), "append", Arr(4), 1, -1, None, Arr(2)), Case(Arr(3), "a", Arr(3), 0),
             Case(Arr(3), "prepend", Arr(3), 0, -1, Arr(2)),
             Case(Arr(3, 4), "append", Arr(3, 4), 1, 0, None, Arr())))
_rule("diff_tangent", "d, which, a, n=1, axis=-1, prepend=None, append=None",
      vjp=f"bd += diff_adjoint(by, which, a, {_DIFF})",
      jvp=f"dy += diff_tangent(dd, which, a, {_DIFF})",
      cases=(Case(Arr(4), "a", Arr(4)), Case(Arr(2), "prepend", Arr(3), 1, -1, Arr(2)),
             Case(Arr(), "append", Arr(3, 4), 1, 0, None, Arr()), Case(Arr(3, 4), "a", Arr(3, 4), 2, 1),
             Case(Arr(3), "a", Arr(3), 0), Case(Arr(2), "prepend", Arr(3), 0, -1, Arr(2))))
_AVG = "which, a, axis, weights, returned, keepdims"
_AVG_NO = "'the second derivative of np.average with respect to its weights'"
_W3 = _I([1.0, 2.0, 0.5])
_A23 = _I([[0.3, -1.2, 0.5], [2.0, 0.1, -0.7]])
_rule("average_adjoint", "g, which, a, axis=None, weights=None, returned=False, keepdims=False",
      vjp=f"""
          bg += average_tangent(by, {_AVG})
          ba += average_zero_partial(a, which, weights, by)
          bweights += derivative_not_implemented({_AVG_NO}, by)
      """,
      jvp=f"""
          dy += average_adjoint(dg, {_AVG})
          dy += average_zero_partial(y, which, weights, da)
          dy += derivative_not_implemented({_AVG_NO}, dweights)
      """,
      cases=(Case(Arr(), "a", Arr(3)), Case(Arr(3), "a", Arr(2, 3), 0),
             Case(Arr(2, 1), "a", Arr(2, 3), 1, None, False, True),
             Case(Arr(2), "a", Arr(2, 3), 1, _W3), Case(Arr(2), "weights", _A23, 1, _W3),
             Case(Arr(), "weights", _A23, None, _A23 + 3.0)))
_rule("average_tangent", "d, which, a, axis=None, weights=None, returned=False, keepdims=False",
      vjp=f"""
          bd += average_adjoint(by, {_AVG})
          ba += average_zero_partial(a, which, weights, by)
          bweights += derivative_not_implemented({_AVG_NO}, by)
      """,
      jvp=f"""
          dy += average_tangent(dd, {_AVG})
          dy += average_zero_partial(y, which, weights, da)
          dy += derivative_not_implemented({_AVG_NO}, dweights)
      """,
      cases=(Case(Arr(3), "a", Arr(3)), Case(Arr(2, 3), "a", Arr(2, 3), 0),
             Case(Arr(2, 3), "a", Arr(2, 3), 1, None, False, True),
             Case(Arr(2, 3), "a", Arr(2, 3), 1, _W3), Case(Arr(3), "weights", _A23, 1, _W3),
             Case(Arr(2, 3), "weights", _A23, None, _A23 + 3.0)))

# ---------------------------------------------------------------------------------------
# shapes
# ---------------------------------------------------------------------------------------

_rule("unarray", "g, obj",
      vjp="bg += unarray_transpose(by, g)",
      jvp="dy += unarray(dg, obj)",
      cases=(Case(Arr(3), [Arr(), Arr(), Arr()]), Case(Arr(2, 2), [[0.0, 0.0], [0.0, 0.0]]),
             Case(Arr(2, 3), Arr(2, 3)), Case(Arr(2, 3), [Arr(3), Arr(3)])))
_rule("untranspose", "g, axes",
      vjp="bg += np.transpose(by, transpose_axes(axes))",
      jvp="dy += untranspose(dg, axes)",
      cases=(Case(Arr(2, 3), None), Case(Arr(2, 3, 4), (2, 0, 1)), Case(Arr(3), None),
             Case(Arr(2, 3, 4), [1, -1, 0]), Case(Arr(2, 3, 4), ((1, 2, 0),))))
_rule("unconcatenate", "g, arrays, axis=0",
      vjp="bg += unconcatenate_transpose(by, axis)",
      jvp="dy += unconcatenate(dg, arrays, axis)",
      cases=(Case(Arr(6), [Arr(3), Arr(3)]), Case(Arr(2, 4), [Arr(2, 2), Arr(2, 2)], 1),
             Case(Arr(8), [Arr(2, 2), Arr(2, 2)], None), Case(Arr(4, 3), Arr(2, 2, 3)),
             Case(Arr(4, 2), (Arr(2, 2), Arr(2, 2)), -2)))
_rule("unstack", "g, arrays, axis=0",
      vjp="bg += np.stack(by, axis=axis)",
      jvp="dy += unstack(dg, arrays, axis)",
      cases=(Case(Arr(2, 3), [Arr(3), Arr(3)]), Case(Arr(2, 3), [Arr(2), Arr(2), Arr(2)], 1),
             Case(Arr(2), [Arr(), Arr()]), Case(Arr(2, 3, 2), Arr(2, 3, 2)),
             Case(Arr(3, 2), (Arr(3), Arr(3)), -1)))
for _name, _cases in (
        ("unhstack", (Case(Arr(6), [Arr(3), Arr(3)]), Case(Arr(2, 4), [Arr(2, 2), Arr(2, 2)]),
                      Case(Arr(2), [Arr(), Arr()]))),
        ("unvstack", (Case(Arr(2, 3), [Arr(3), Arr(3)]), Case(Arr(4, 3), [Arr(2, 3), Arr(2, 3)]),
                      Case(Arr(2, 1), [Arr(), Arr()]))),
        ("uncolumn_stack", (Case(Arr(3, 2), [Arr(3), Arr(3)]),
                            Case(Arr(3, 4), [Arr(3, 2), Arr(3, 2)]))),
        ("undstack", (Case(Arr(1, 3, 2), [Arr(3), Arr(3)]),
                      Case(Arr(2, 3, 2), [Arr(2, 3), Arr(2, 3)]))),
):
    _rule(_name, "g, tup",
          vjp=f"bg += np.{_name[2:]}(by)",
          jvp=f"dy += {_name}(dg, tup)",
          cases=_cases)
_rule("untile", "g, A, reps",
      vjp="bg += np.tile(by, reps)",
      jvp="dy += untile(dg, A, reps)",
      cases=(Case(Arr(6), Arr(3), 2), Case(Arr(4, 3), Arr(2, 3), (2, 1)), Case(Arr(2, 6), Arr(3), (2, 2)),
             Case(Arr(3), Arr(), 3), Case(Arr(2, 2, 9), Arr(2, 3), (2, 1, 3))))
_rule("unrepeat", "g, a, repeats, axis=None",
      vjp="bg += np.repeat(by, repeats, axis)",
      jvp="dy += unrepeat(dg, a, repeats, axis)",
      cases=(Case(Arr(6), Arr(3), 2), Case(Arr(2, 6), Arr(2, 3), 2, 1),
             Case(Arr(2, 3), Arr(2, 3), _I([1, 0, 2]), 1), Case(Arr(3, 3), Arr(2, 3), [2, 1], 0),
             Case(Arr(3), Arr(), 3), Case(Arr(5), Arr(2, 2), _I([0, 1, 3, 1]))))
_rule("unroll", "g, shift, axis=None",
      vjp="bg += np.roll(by, shift, axis)",
      jvp="dy += unroll(dg, shift, axis)",
      cases=(Case(Arr(5), 2), Case(Arr(2, 3), 1), Case(Arr(2, 3), -1, 1),
             Case(Arr(2, 3), (1, 2), (0, 1))))
_rule("unatleast", "g, arys",
      vjp="bg += unatleast_transpose(by, g)",
      jvp="dy += unatleast(dg, arys)",
      cases=(Case(Arr(1), (Arr(),)), Case(Arr(1, 3), (Arr(3),)), Case(Arr(2, 3), (Arr(2, 3),)),
             Case(Arr(1, 3, 1), (Arr(3),))))
_rule("undiag", "g, v, k=0",
      vjp="bg += np.diag(by, k)",
      jvp="dy += undiag(dg, v, k)",
      cases=(Case(Arr(3, 3), Arr(3)), Case(Arr(4, 4), Arr(3), 1), Case(Arr(5, 5), Arr(3), -2),
             Case(Arr(3), Arr(3, 3)), Case(Arr(3), Arr(3, 4), 1), Case(Arr(3), Arr(4, 3), -1)))
_rule("undiagonal", "g, a, offset=0, axis1=0, axis2=1",
      vjp="bg += np.diagonal(by, offset, axis1, axis2)",
      jvp="dy += undiagonal(dg, a, offset, axis1, axis2)",
      cases=(Case(Arr(3), Arr(3, 3)), Case(Arr(3), Arr(3, 4), 1), Case(Arr(2, 2), Arr(2, 3, 4), -1, 1, 2),
             Case(Arr(3, 2), Arr(2, 3, 4), 0, 2, 0)))
_rule("unpad", "g, array, pad_width, mode='constant', reflect_type='even'",
      vjp="bg += pad_tangent(by, pad_width, mode, reflect_type)",
      jvp="dy += unpad(dg, array, pad_width, mode, reflect_type)",
      cases=(Case(Arr(5), Arr(3), 1), Case(Arr(4, 6), Arr(2, 3), ((1, 1), (2, 1))),
             Case(Arr(4, 5), Arr(2, 3), 1, "edge"), Case(Arr(10), Arr(4), 3, "reflect"),
             Case(Arr(11), Arr(4), (2, 5), "symmetric"),
             Case(Arr(5, 7), Arr(2, 3), ((1, 2), (4, 0)), "wrap")))
_rule("pad_tangent", "d, pad_width, mode='constant', reflect_type='even'",
      vjp="bd += unpad(by, d, pad_width, mode, reflect_type)",
      jvp="dy += pad_tangent(dd, pad_width, mode, reflect_type)",
      cases=(Case(Arr(3), 1), Case(Arr(2, 3), ((1, 0), (2, 1))), Case(Arr(4), 3, "reflect"),
             Case(Arr(2, 3), 1, "edge"), Case(Arr(2, 3), ((1, 2), (4, 0)), "wrap"),
             Case(Arr(4), (2, 5), "symmetric")))
_rule("pad_constant_adjoint", "g, array, pad_width, mode='constant', constant_values=0",
      vjp="bg += pad_constant_tangent(by, array, pad_width, mode)",
      jvp="dy += pad_constant_adjoint(dg, array, pad_width, mode, constant_values)",
      cases=(Case(Arr(5), Arr(3), 1), Case(Arr(4, 5), Arr(2, 3), 1, "constant", Arr()),
             Case(Arr(4, 5), Arr(2, 3), 1, "edge"), Case(Arr(3, 6), Arr(2, 3), ((1, 0), (0, 3)))))
_rule("pad_constant_tangent", "d, array, pad_width, mode='constant'",
      vjp="bd += pad_constant_adjoint(by, array, pad_width, mode)",
      jvp="dy += pad_constant_tangent(dd, array, pad_width, mode)",
      cases=(Case(Arr(), Arr(3), 1), Case(Arr(), Arr(2, 3), ((1, 0), (0, 2))),
             Case(Arr(), Arr(2, 3), 1, "edge")))
_rule("unappend", "g, arr, values, axis, which",
      vjp="bg += unappend_transpose(by, arr, values, axis, which)",
      jvp="dy += unappend(dg, arr, values, axis, which)",
      cases=(Case(Arr(5), Arr(3), Arr(2), None, 0), Case(Arr(5), Arr(3), Arr(2), None, 1),
             Case(Arr(3, 3), Arr(2, 3), Arr(1, 3), 0, 0), Case(Arr(2, 5), Arr(2, 3), Arr(2, 2), -1, 1),
             Case(Arr(5), Arr(2, 2), Arr(), None, 1)))
_rule("astype_adjoint", "g, a, dtype",
      vjp="bg += astype_tangent(by, np.result_type(g))",
      jvp="dy += astype_adjoint(dg, a, dtype)",
      cases=(Case(Arr(3), Arr(3), "float64"), Case(Arr(2, 3), Arr(2, 3), "f8")))
_rule("astype_tangent", "d, dtype",
      vjp="bd += astype_tangent(by, np.result_type(d))",
      jvp="dy += astype_tangent(dd, dtype)",
      cases=(Case(Arr(3), "float64"), Case(Arr(2, 3), "f8")))
_rule("untake", "g, a, indices, axis=None, mode='raise'",
      vjp="bg += np.take(by, indices, axis=axis, mode=mode)",
      jvp="dy += untake(dg, a, indices, axis, mode)",
      cases=(Case(Arr(3), Arr(5), _I([0, 0, 3])), Case(Arr(3, 2, 2), Arr(3, 4), _I([[0, 1], [1, 1]]), 1),
             Case(Arr(4), Arr(3, 4), 2, 0), Case(Arr(3), Arr(4), _I([5, -6, 1]), None, "wrap"),
             Case(Arr(2), Arr(4), _I([9, -2]), None, "clip"), Case(Arr(3, 4), Arr(3, 4), _I([-1, 0, -1]), 0)))
_rule("unitem", "g, a, args",
      vjp="bg += item_tangent(by, args)",
      jvp="dy += unitem(dg, a, args)",
      cases=(Case(Arr(), Arr(1, 1), ()), Case(Arr(), Arr(2, 3), (4,)), Case(Arr(), Arr(2, 3), ((1, 2),)),
             Case(Arr(), Arr(2, 3), (1, -1)), Case(Arr(), Arr(3), (-1,))))
_rule("item_tangent", "d, args",
      vjp="bd += unitem(by, d, args)",
      jvp="dy += item_tangent(dd, args)",
      cases=(Case(Arr(1, 1), ()), Case(Arr(2, 3), (4,)), Case(Arr(2, 3), ((1, 2),)),
             Case(Arr(2, 3), (1, -1))))
_rule("fill_adjoint", "g, fill_value, y", outputs="out",
      vjp="bg += unbroadcast_transpose(bout, g, fill_value)",
      jvp="dout += fill_adjoint(dg, fill_value, y)",
      cases=(Case(Arr(2, 3), Arr(), Arr(2, 3)), Case(Arr(2, 3), Arr(3), Arr(2, 3)),
             Case(Arr(2, 2), Arr(2, 1), Arr(2, 2))))
_LIN = "start, stop, num, endpoint, axis, y, which"
_rule("linspace_adjoint", "g, start, stop, num, endpoint, axis, y, which", outputs="out",
      vjp=f"bg += linspace_tangent(bout, {_LIN})",
      jvp=f"dout += linspace_adjoint(dg, {_LIN})",
      cases=(Case(Arr(5), Arr(), Arr(), 5, True, 0, Arr(5), 0),
             Case(Arr(4), Arr(), Arr(), 4, False, 0, Arr(4), 1),
             Case(Arr(3, 2), Arr(2), Arr(2), 3, True, 0, Arr(3, 2), 0),
             Case(Arr(2, 3), Arr(2), Arr(2), 3, True, 1, Arr(2, 3), 1),
             Case(Arr(3, 4), Arr(3), Arr(), 4, True, -1, Arr(3, 4), 0)))
_rule("linspace_tangent", "d, start, stop, num, endpoint, axis, y, which", outputs="out",
      vjp=f"bd += linspace_adjoint(bout, {_LIN})",
      jvp=f"dout += linspace_tangent(dd, {_LIN})",
      cases=(Case(Arr(), Arr(), Arr(), 5, True, 0, Arr(5), 0),
             Case(Arr(), Arr(), Arr(), 4, False, 0, Arr(4), 1),
             Case(Arr(2), Arr(2), Arr(2), 3, True, 1, Arr(2, 3), 1),
             Case(Arr(3), Arr(3), Arr(), 4, True, -1, Arr(3, 4), 0)))
_LOG = "start, stop, num, endpoint, base, axis, y, which"
_LOG_NO = "'the second derivative of np.logspace'"
_LOGY = np.logspace(0.1, 0.5, 4)
_LOGY2 = np.logspace(0.2, -0.3, 3, base=3.0)
_rule("logspace_adjoint", "g, start, stop, num, endpoint, base, axis, y, which", outputs="out",
      vjp=f"""
          bg += logspace_tangent(bout, {_LOG})
          bstart += derivative_not_implemented({_LOG_NO}, bout)
          bstop += derivative_not_implemented({_LOG_NO}, bout)
          bbase += derivative_not_implemented({_LOG_NO}, bout)
          by += derivative_not_implemented({_LOG_NO}, bout)
      """,
      jvp=f"""
          dout += logspace_adjoint(dg, {_LOG})
          dout += derivative_not_implemented({_LOG_NO}, dstart)
          dout += derivative_not_implemented({_LOG_NO}, dstop)
          dout += derivative_not_implemented({_LOG_NO}, dbase)
          dout += derivative_not_implemented({_LOG_NO}, dy)
      """,
      cases=(Case(Arr(4), 0.1, 0.5, 4, True, 10.0, 0, _LOGY, 0),
             Case(Arr(4), 0.1, 0.5, 4, True, 10.0, 0, _LOGY, 1),
             Case(Arr(3), 0.2, -0.3, 3, True, 3.0, 0, _LOGY2, 2)))
_rule("logspace_tangent", "d, start, stop, num, endpoint, base, axis, y, which", outputs="out",
      vjp=f"""
          bd += logspace_adjoint(bout, {_LOG})
          bstart += derivative_not_implemented({_LOG_NO}, bout)
          bstop += derivative_not_implemented({_LOG_NO}, bout)
          bbase += derivative_not_implemented({_LOG_NO}, bout)
          by += derivative_not_implemented({_LOG_NO}, bout)
      """,
      jvp=f"""
          dout += logspace_tangent(dd, {_LOG})
          dout += derivative_not_implemented({_LOG_NO}, dstart)
          dout += derivative_not_implemented({_LOG_NO}, dstop)
          dout += derivative_not_implemented({_LOG_NO}, dbase)
          dout += derivative_not_implemented({_LOG_NO}, dy)
      """,
      cases=(Case(Arr(), 0.1, 0.5, 4, True, 10.0, 0, _LOGY, 0),
             Case(Arr(), 0.1, 0.5, 4, True, 10.0, 0, _LOGY, 1),
             Case(Arr(), 0.2, -0.3, 3, True, 3.0, 0, _LOGY2, 2)))
_ARA = "start_or_stop, stop, step, y, which"
_rule("arange_adjoint", "g, start_or_stop, stop, step, y, which", outputs="out",
      vjp=f"bg += arange_tangent(bout, {_ARA})",
      jvp=f"dout += arange_adjoint(dg, {_ARA})",
      cases=(Case(Arr(4), Arr(), 4.25, 1.0, np.arange(0.5, 4.25, 1.0), 0),
             Case(Arr(7), 0.0, 3.1, Arr(), np.arange(0.0, 3.1, 0.5), 2),
             Case(Arr(3), 3.0, None, 1, np.arange(3.0), 0)))
_rule("arange_tangent", "d, start_or_stop, stop, step, y, which", outputs="out",
      vjp=f"bd += arange_adjoint(bout, {_ARA})",
      jvp=f"dout += arange_tangent(dd, {_ARA})",
      cases=(Case(Arr(), 0.5, 4.25, 1.0, np.arange(0.5, 4.25, 1.0), 0),
             Case(Arr(), 0.0, 3.1, 0.5, np.arange(0.0, 3.1, 0.5), 2)))

# ---------------------------------------------------------------------------------------
# linalg
# ---------------------------------------------------------------------------------------

_rule("mT", "a", vjp="ba += mT(by)", jvp="dy += mT(da)",
      cases=(Case(Arr(2, 3)), Case(Arr(2, 3, 4))))

# Bilinear products P(a, b): F_a(g, a, b) = grad_a <g, P(a, b)> is linear in g and b and
# uses a for its shape only; <c, F_a(g, a, b)> = <g, P(c, b)>.
_BILINEAR = {
    # name: (P(a, b) as a template, extra parameters, cases as (g, a, b, *extra))
    "matmul": ("np.matmul({a}, {b})", "", (
        (Arr(2, 4), Arr(2, 3), Arr(3, 4)), (Arr(2), Arr(3), Arr(3, 2)), (Arr(2), Arr(2, 3), Arr(3)),
        (Arr(), Arr(3), Arr(3)), (Arr(2, 2, 2), Arr(2, 2, 3), Arr(3, 2)),
        (Arr(2, 2), Arr(3), Arr(2, 3, 2)), (Arr(2, 2), Arr(2, 2, 3), Arr(3)),
        (Arr(2, 3, 2, 2), Arr(2, 1, 2, 3), Arr(3, 3, 2)))),
    "dot": ("np.dot({a}, {b})", "", (
        (Arr(), Arr(3), Arr(3)), (Arr(2), Arr(2, 3), Arr(3)), (Arr(2), Arr(3), Arr(3, 2)),
        (Arr(2, 4), Arr(2, 3), Arr(3, 4)), (Arr(2, 2, 4, 2), Arr(2, 2, 3), Arr(4, 3, 2)),
        (Arr(3), Arr(), Arr(3)), (Arr(2, 3), Arr(2, 3), Arr()))),
    "inner": ("np.inner({a}, {b})", "", (
        (Arr(), Arr(3), Arr(3)), (Arr(2), Arr(2, 3), Arr(3)), (Arr(2, 4), Arr(2, 3), Arr(4, 3)),
        (Arr(3), Arr(), Arr(3)))),
    "outer": ("np.outer({a}, {b})", "", (
        (Arr(3, 2), Arr(3), Arr(2)), (Arr(4, 3), Arr(2, 2), Arr(3)), (Arr(1, 2), Arr(), Arr(2)))),
    "vdot": ("np.vdot({a}, {b})", "", ((Arr(), Arr(3), Arr(3)), (Arr(), Arr(2, 3), Arr(3, 2)))),
    "vecdot": ("vecdot_real({a}, {b}, axis)", ", axis=-1", (
        (Arr(), Arr(3), Arr(3)), (Arr(2), Arr(2, 3), Arr(3)), (Arr(2), Arr(3, 2), Arr(3, 2), 0),
        (Arr(2, 4), Arr(2, 1, 3), Arr(4, 3)), (Arr(2, 4), Arr(2, 3, 4), Arr(3, 4), -2))),
    "tensordot": ("np.tensordot({a}, {b}, axes)", ", axes=2", (
        (Arr(2, 2), Arr(2, 3, 4), Arr(3, 4, 2)), (Arr(2, 4), Arr(2, 3), Arr(3, 4), 1),
        (Arr(2, 3, 2, 2), Arr(2, 3), Arr(2, 2), 0), (Arr(2, 2), Arr(3, 2, 4), Arr(4, 3, 2), ([0, 2], [1, 0])),
        (Arr(), Arr(2, 3), Arr(3, 2), ((1, 0), (0, 1))))),
    "kron": ("np.kron({a}, {b})", "", (
        (Arr(6, 4), Arr(2, 2), Arr(3, 2)), (Arr(6), Arr(3), Arr(2)), (Arr(2, 6), Arr(2, 3), Arr(2)),
        (Arr(2, 4), Arr(2), Arr(2, 2)))),
    "cross": ("np.cross({a}, {b}, axisa, axisb, axisc, axis)",
              ", axisa=-1, axisb=-1, axisc=-1, axis=None", (
                  (Arr(3), Arr(3), Arr(3)), (Arr(2, 3), Arr(2, 3), Arr(3)),
                  (Arr(3, 2), Arr(3, 2), Arr(2, 3), 0, 1, 0),
                  (Arr(3, 2), Arr(3, 2), Arr(3, 2), -1, -1, -1, 0))),
}
for _p, (_prod, _extra, _cases) in _BILINEAR.items():
    _names = [n for n in (f"{_p}_adjoint_a", f"{_p}_adjoint_b") if n in HELPERS]
    if len(_names) != 2:
        continue
    _more = "".join(", " + e.split("=")[0].strip() for e in _extra.split(",") if e.strip())
    _a, _b = _names
    _renamed = ("x1", "x2") if _p == "vecdot" else ()
    _rule(_a, f"g, a, b{_extra}",
          vjp=f"""
              bg += unbroadcast({_prod.format(a="by", b="b")}, g)
              bb += {_b}(g, by, b{_more})
          """,
          jvp=f"""
              dy += {_a}(dg, a, b{_more})
              dy += {_a}(g, a, db{_more})
          """,
          cases=tuple(Case(*c) for c in _cases), renamed=_renamed)
    _rule(_b, f"g, a, b{_extra}",
          vjp=f"""
              bg += unbroadcast({_prod.format(a="a", b="by")}, g)
              ba += {_a}(g, a, by{_more})
          """,
          jvp=f"""
              dy += {_b}(dg, a, b{_more})
              dy += {_b}(g, da, b{_more})
          """,
          cases=tuple(Case(*c) for c in _cases), renamed=_renamed)
_rule("vecdot_real", "x1, x2, axis=-1",
      vjp="""
          bx1 += vecdot_adjoint_a(by, x1, x2, axis)
          bx2 += vecdot_adjoint_b(by, x1, x2, axis)
      """,
      jvp="""
          dy += vecdot_real(dx1, x2, axis)
          dy += vecdot_real(x1, dx2, axis)
      """,
      cases=(Case(Arr(3), Arr(3)), Case(Arr(2, 3), Arr(3)), Case(Arr(3, 2), Arr(3, 2), 0),
             Case(Arr(2, 3, 4), Arr(3, 4), -2)))

# einsum: multilinear in the operands (string subscripts only; the sublist form raises).
_rule("einsum_adjoints", "g, subscripts, operands",
      vjp="""
          bg += einsum_sum_replaced(subscripts, operands, by)
          boperands += einsum_cross(g, subscripts, operands, by)
      """,
      jvp="""
          dy += einsum_adjoints(dg, subscripts, operands)
          dy += einsum_cross(g, subscripts, operands, doperands)
      """,
      cases=(Case(Arr(2, 2), "ij,jk->ik", (Arr(2, 2), Arr(2, 2))), Case(Arr(), "i,i->", (Arr(3), Arr(3))),
             Case(Arr(3), "ii->i", (Arr(3, 3),)), Case(Arr(2, 2), "ij,jk,kl->il", (Arr(2, 2),) * 3),
             Case(Arr(3, 3), "i,j->ij", (Arr(3), Arr(3))), Case(Arr(), "ij,ij", (Arr(2, 3), Arr(2, 3)))))
_rule("einsum_tangent", "subscripts, operands, t",
      vjp="""
          bt += einsum_adjoints(by, subscripts, operands)
          boperands += einsum_cross(by, subscripts, operands, t)
      """,
      jvp="""
          dy += einsum_sum_replaced(subscripts, operands, dt)
          dy += einsum_sum_replaced2(subscripts, operands, t, doperands)
      """,
      cases=(Case("ij,jk->ik", (Arr(2, 2), Arr(2, 2)), (Arr(2, 2), Arr(2, 2))),
             Case("i,i->", (Arr(3), Arr(3)), (Arr(3), Arr(3))),
             Case("ij,jk,kl->il", (Arr(2, 2),) * 3, (Arr(2, 2),) * 3)),
      renamed=("doperands",))
_rule("einsum_sum_replaced", "subscripts, operands, c",
      vjp="""
          bc += einsum_adjoints(by, subscripts, operands)
          boperands += einsum_cross(by, subscripts, operands, c)
      """,
      jvp="""
          dy += einsum_sum_replaced(subscripts, operands, dc)
          dy += einsum_sum_replaced2(subscripts, operands, c, doperands)
      """,
      cases=(Case("ij,jk->ik", (Arr(2, 2), Arr(2, 2)), (Arr(2, 2), Arr(2, 2))),
             Case("i,i->", (Arr(3), Arr(3)), (Arr(3), Arr(3)))))

_rule("trace_adjoint", "g, a, offset=0, axis1=0, axis2=1",
      vjp="bg += np.trace(by, offset, axis1, axis2)",
      jvp="dy += trace_adjoint(dg, a, offset, axis1, axis2)",
      cases=(Case(Arr(), Arr(3, 3)), Case(Arr(), Arr(2, 3), 1), Case(Arr(2), Arr(2, 3, 3), 0, 1, 2),
             Case(Arr(), Arr(3, 4), -1), Case(Arr(2), Arr(3, 2, 3), 0, 2, 0)))

# Norms: norm_adjoint = g * w(x, y) with weights w elementwise in x (given the norm y).
_NORM = "ord, axis, keepdims, kind"
_NORM_CASES = ((Arr(), Arr(3)), (Arr(), Arr(2, 3)), (Arr(), Arr(3), 3), (Arr(), Arr(3), 1),
               (Arr(), Arr(3), 1.5), (Arr(), Arr(2, 3), "fro"), (Arr(2), Arr(2, 3), None, 1),
               (Arr(1, 3), Arr(2, 3), None, 0, True), (Arr(), Arr(2, 3), 1),
               (Arr(3), Arr(2, 3, 4), None, (2, 0)), (Arr(), Arr(2, 3), None, None, False, "matrix"),
               (Arr(2), Arr(2, 3), 2, 1, False, "vector"))
_rule("norm_adjoint", "g, x, y, ord=None, axis=None, keepdims=False, kind='norm'", outputs="out",
      vjp=f"""
          bg += norm_tangent(bout, x, y, {_NORM})
          bx += norm_second(g, bout, x, y, {_NORM}, 'X')
          by += norm_second(g, bout, x, y, {_NORM}, 'Y')
      """,
      jvp=f"""
          dout += norm_adjoint(dg, x, y, {_NORM})
          dout += norm_second(g, dx, x, y, {_NORM}, 'X')
          dout += norm_second(g, dy, x, y, {_NORM}, 'Z')
      """,
      cases=tuple(Case(c[0], c[1], Arr(*c[0].shape, domain="positive"), *c[2:])
                  for c in _NORM_CASES))
_rule("norm_tangent", "t, x, y, ord=None, axis=None, keepdims=False, kind='norm'", outputs="out",
      vjp=f"""
          bt += norm_adjoint(bout, x, y, {_NORM})
          bx += norm_second(bout, t, x, y, {_NORM}, 'X')
          by += norm_second(bout, t, x, y, {_NORM}, 'Y')
      """,
      jvp=f"""
          dout += norm_tangent(dt, x, y, {_NORM})
          dout += norm_second(dx, t, x, y, {_NORM}, 'W')
          dout += norm_second(dy, t, x, y, {_NORM}, 'Y')
      """,
      cases=tuple(Case(c[1], c[1], Arr(*c[0].shape, domain="positive"), *c[2:])
                  for c in _NORM_CASES),
      renamed=("dx",))

_SQ = "square"
_rule("det_adjoint", "g, a, y", outputs="out",
      vjp="""
          bg += det_adjoint_transpose(bout, a, y)
          ba += det_adjoint_da(bout, g, a, y)
          by += det_adjoint_dy(bout, g, a, True)
      """,
      jvp="""
          dout += det_adjoint(dg, a, y)
          dout += det_adjoint_da(da, g, a, y)
          dout += det_adjoint_dy(dy, g, a, False)
      """,
      cases=(Case(Arr(), Arr(3, 3, domain=_SQ), Arr()), Case(Arr(2), Arr(2, 3, 3, domain=_SQ), Arr(2)),
             Case(Arr(), Arr(1, 1, domain=_SQ), Arr())))
_rule("slogdet_adjoint", "g, a",
      vjp="""
          bg += logdet_tangent(by, a)
          ba += det_adjoint_da(by, g, a, 1.0)
      """,
      jvp="""
          dy += slogdet_adjoint(dg, a)
          dy += det_adjoint_da(da, g, a, 1.0)
      """,
      cases=(Case(Arr(), Arr(3, 3, domain=_SQ)), Case(Arr(2), Arr(2, 3, 3, domain=_SQ))))
_rule("logdet_tangent", "t, a",
      vjp="""
          bt += unbroadcast(slogdet_adjoint(by, a), t)
          ba += det_adjoint_da(t, by, a, 1.0)
      """,
      jvp="""
          dy += logdet_tangent(dt, a)
          dy += np.sum(da * det_adjoint_da(t, 1.0, a, 1.0), axis=(-2, -1))
      """,
      cases=(Case(Arr(3, 3), Arr(3, 3, domain=_SQ)), Case(Arr(2, 3, 3), Arr(2, 3, 3, domain=_SQ)),
             Case(Arr(3, 3), Arr(2, 3, 3, domain=_SQ))),
      renamed=("da",))
_rule("solve_rhs", "a, r, b",
      vjp="""
          br += unbroadcast(solve_adjoint_rhs(by, a, b), r)
          ba += solve_adjoint_a(solve_adjoint_rhs(by, a, b), a, b, y)
      """,
      jvp="""
          dy += solve_rhs(a, dr, b)
          dy += solve_tangent_a(da, a, b, y)
      """,
      cases=(Case(Arr(3, 3, domain=_SQ), Arr(3), Arr(3)), Case(Arr(3, 3, domain=_SQ), Arr(3, 2), Arr(3, 2)),
             Case(Arr(2, 3, 3, domain=_SQ), Arr(2, 3), Arr(3)),
             Case(Arr(3, 3, domain=_SQ), Arr(2, 3, 2), Arr(2, 3, 2))))
# solve_adjoint_rhs(g, a, b) = solve(a^T, g): b gives the vector/matrix convention only.
_rule("solve_adjoint_rhs", "g, a, b",
      vjp="""
          bg += unbroadcast(solve_rhs(a, by, b), g)
          ba += solve_adjoint_a(y, a, b, solve_rhs(a, by, b))
      """,
      jvp="""
          dy += solve_adjoint_rhs(dg, a, b)
          dy += solve_tangent_a(mT(da), mT(a), b, y)
      """,
      cases=(Case(Arr(3), Arr(3, 3, domain=_SQ), Arr(3)), Case(Arr(3, 2), Arr(3, 3, domain=_SQ), Arr(3, 2)),
             Case(Arr(2, 3), Arr(2, 3, 3, domain=_SQ), Arr(3)),
             Case(Arr(2, 3, 2), Arr(3, 3, domain=_SQ), Arr(2, 3, 2))))
# solve_adjoint_a(gb, a, b, y) = -gb y^T summed to a's shape: bilinear in gb and y.
_rule("solve_adjoint_a", "gb, a, b, y", outputs="out",
      vjp="""
          bgb += solve_adjoint_a_transpose(bout, gb, a, b, y, 'gb')
          by += solve_adjoint_a_transpose(bout, gb, a, b, y, 'y')
      """,
      jvp="""
          dout += solve_adjoint_a(dgb, a, b, y)
          dout += solve_adjoint_a(gb, a, b, dy)
      """,
      cases=(Case(Arr(3), Arr(3, 3), Arr(3), Arr(3)), Case(Arr(3, 2), Arr(3, 3), Arr(3, 2), Arr(3, 2)),
             Case(Arr(2, 3), Arr(3, 3), Arr(3), Arr(2, 3)),
             Case(Arr(2, 3, 2), Arr(3, 3), Arr(2, 3, 2), Arr(2, 3, 2))))
# solve_tangent_a(t, a, b, y) = -solve(a, t @ y).
_rule("solve_tangent_a", "t, a, b, y", outputs="out",
      vjp="""
          bt += unbroadcast(solve_adjoint_a(solve_adjoint_rhs(bout, a, b), a, b, y), t)
          ba += solve_adjoint_a(solve_adjoint_rhs(bout, a, b), a, b, out)
          by += solve_tangent_a_dy(bout, t, a, b, y)
      """,
      jvp="""
          dout += solve_tangent_a(dt, a, b, y)
          dout += solve_tangent_a(t, a, b, dy)
          dout += solve_tangent_a(da, a, b, out)
      """,
      cases=(Case(Arr(3, 3), Arr(3, 3, domain=_SQ), Arr(3), Arr(3)),
             Case(Arr(3, 3), Arr(3, 3, domain=_SQ), Arr(3, 2), Arr(3, 2)),
             Case(Arr(2, 3, 3), Arr(2, 3, 3, domain=_SQ), Arr(3), Arr(2, 3)),
             Case(Arr(3, 3), Arr(3, 3, domain=_SQ), Arr(3), Arr(2, 3))),
      renamed=("da",))


def _spd(n, batch=()):
    rng = _np_rng()
    a = rng.standard_normal(batch + (n, n))
    return a @ np.swapaxes(a, -1, -2) + n * np.eye(n)


_SPD = _spd(3)
_L = np.linalg.cholesky(_SPD)
_W, _V = np.linalg.eigh(_SPD)
_X23 = _np_rng().standard_normal((2, 3))
_NOT = "derivative_not_implemented('the second derivative of {}', {})"
_rule("cholesky_adjoint", "g, y, upper=False", outputs="out",
      vjp=f"""
          bg += cholesky_tangent(bout, y, upper)
          by += {_NOT.format("np.linalg.cholesky", "bout")}
      """,
      jvp=f"""
          dout += cholesky_adjoint(dg, y, upper)
          dout += {_NOT.format("np.linalg.cholesky", "dy")}
      """,
      cases=(Case(Arr(3, 3), _L), Case(Arr(3, 3), _L.T, True)))
_rule("cholesky_tangent", "t, y, upper=False", outputs="out",
      vjp=f"""
          bt += cholesky_adjoint(bout, y, upper)
          by += {_NOT.format("np.linalg.cholesky", "bout")}
      """,
      jvp=f"""
          dout += cholesky_tangent(dt, y, upper)
          dout += {_NOT.format("np.linalg.cholesky", "dy")}
      """,
      cases=(Case(Arr(3, 3), _L), Case(Arr(3, 3), _L.T, True)),
      renamed=("da",))
_rule("eigh_adjoint", "gw, gv, w, v, UPLO='L'",
      vjp=f"""
          bgw += unbroadcast(eigh_tangent_w(by, v, UPLO), gw)
          bgv += unbroadcast(eigh_tangent_v(by, w, v, UPLO), gv)
          bw += {_NOT.format("np.linalg.eigh", "by")}
          bv += {_NOT.format("np.linalg.eigh", "by")}
      """,
      jvp=f"""
          dy += eigh_adjoint(dgw, np.zeros(np.shape(v)), w, v, UPLO)
          dy += eigh_adjoint(np.zeros(np.shape(w)), dgv, w, v, UPLO)
          dy += {_NOT.format("np.linalg.eigh", "dw")}
          dy += {_NOT.format("np.linalg.eigh", "dv")}
      """,
      cases=(Case(Arr(3), Arr(3, 3), _W, _V), Case(Arr(3), Arr(3, 3), _W, _V, "U")))
_rule("eigh_tangent_w", "t, v, UPLO='L'",
      vjp=f"""
          bt += eigh_adjoint(by, np.zeros(np.shape(v)), by, v, UPLO)
          bv += {_NOT.format("np.linalg.eigh", "by")}
      """,
      jvp=f"""
          dy += eigh_tangent_w(dt, v, UPLO)
          dy += {_NOT.format("np.linalg.eigh", "dv")}
      """,
      cases=(Case(Arr(3, 3), _V), Case(Arr(3, 3), _V, "U")),
      renamed=("da",))
_rule("eigh_tangent_v", "t, w, v, UPLO='L'",
      vjp=f"""
          bt += eigh_adjoint(np.zeros(np.shape(w)), by, w, v, UPLO)
          bw += {_NOT.format("np.linalg.eigh", "by")}
          bv += {_NOT.format("np.linalg.eigh", "by")}
      """,
      jvp=f"""
          dy += eigh_tangent_v(dt, w, v, UPLO)
          dy += {_NOT.format("np.linalg.eigh", "dw")}
          dy += {_NOT.format("np.linalg.eigh", "dv")}
      """,
      cases=(Case(Arr(3, 3), _W, _V), Case(Arr(3, 3), _W, _V, "U")),
      renamed=("da",))
_rule("eigvalsh_adjoint", "g, a, UPLO='L'",
      vjp=f"""
          bg += eigvalsh_tangent(by, a, UPLO)
          ba += {_NOT.format("np.linalg.eigvalsh", "by")}
      """,
      jvp=f"""
          dy += eigvalsh_adjoint(dg, a, UPLO)
          dy += {_NOT.format("np.linalg.eigvalsh", "da")}
      """,
      cases=(Case(Arr(3), _SPD), Case(Arr(3), _SPD, "U")))
_rule("eigvalsh_tangent", "t, a, UPLO='L'",
      vjp=f"""
          bt += eigvalsh_adjoint(by, a, UPLO)
          ba += {_NOT.format("np.linalg.eigvalsh", "by")}
      """,
      jvp=f"""
          dy += eigvalsh_tangent(dt, a, UPLO)
          dy += {_NOT.format("np.linalg.eigvalsh", "da")}
      """,
      cases=(Case(Arr(3, 3), _SPD), Case(Arr(3, 3), _SPD, "U")),
      renamed=("da",))
_rule("svdvals_adjoint", "g, x",
      vjp=f"""
          bg += svdvals_tangent(by, x)
          bx += {_NOT.format("np.linalg.svdvals", "by")}
      """,
      jvp=f"""
          dy += svdvals_adjoint(dg, x)
          dy += {_NOT.format("np.linalg.svdvals", "dx")}
      """,
      cases=(Case(Arr(2), _X23), Case(Arr(2), _X23.T)))
_rule("svdvals_tangent", "t, x",
      vjp=f"""
          bt += svdvals_adjoint(by, x)
          bx += {_NOT.format("np.linalg.svdvals", "by")}
      """,
      jvp=f"""
          dy += svdvals_tangent(dt, x)
          dy += {_NOT.format("np.linalg.svdvals", "dx")}
      """,
      cases=(Case(Arr(2, 3), _X23), Case(Arr(3, 2), _X23.T)),
      renamed=("dx",))
_rule("multi_dot_adjoints", "g, arrays",
      vjp="""
          bg += multi_dot_tangent(arrays, by)
          barrays += multi_dot_cross(g, arrays, by)
      """,
      jvp="""
          dy += multi_dot_adjoints(dg, arrays)
          dy += multi_dot_cross(g, arrays, darrays)
      """,
      cases=(Case(Arr(2, 2), [Arr(2, 2), Arr(2, 2), Arr(2, 2)]), Case(Arr(2, 2), [Arr(2, 2), Arr(2, 2)])))
_rule("multi_dot_tangent", "arrays, t",
      vjp="""
          bt += multi_dot_adjoints(by, arrays)
          barrays += multi_dot_cross(by, arrays, t)
      """,
      jvp="""
          dy += multi_dot_tangent(arrays, dt)
          dy += multi_dot_second(arrays, t, darrays)
      """,
      cases=(Case([Arr(2, 3), Arr(3, 4), Arr(4, 2)], [Arr(2, 3), Arr(3, 4), Arr(4, 2)]),
             Case([Arr(3), Arr(3, 2), Arr(2)], [Arr(3), Arr(3, 2), Arr(2)])),
      renamed=("darrays",))
_MATRIX_POWER_CASES = (Case(Arr(3, 3), Arr(3, 3), 3), Case(Arr(3, 3), Arr(3, 3), 1),
                       Case(Arr(2, 3, 3), Arr(2, 3, 3), 2), Case(Arr(3, 3), Arr(3, 3), 0),
                       Case(Arr(3, 3), _SPD / 3.0, -2))
_rule("matrix_power_adjoint", "g, a, n",
      vjp="""
          bg += matrix_power_tangent(by, a, n)
          ba += matrix_power_hess(g, a, n, by)
      """,
      jvp="""
          dy += matrix_power_adjoint(dg, a, n)
          dy += matrix_power_hess(g, a, n, da)
      """,
      cases=_MATRIX_POWER_CASES)
_rule("matrix_power_tangent", "t, a, n",
      vjp="""
          bt += matrix_power_adjoint(by, a, n)
          ba += matrix_power_hess(by, a, n, t)
      """,
      jvp="""
          dy += matrix_power_tangent(dt, a, n)
          dy += matrix_power_second(t, da, a, n)
      """,
      cases=_MATRIX_POWER_CASES,
      renamed=("da",))

# ---------------------------------------------------------------------------------------
# the linear helpers of srcad/runtime/higher.py (the nonlinear ones have no rule yet)
# ---------------------------------------------------------------------------------------

_rule("unbroadcast_transpose", "b, g, x",
      vjp="bb += unbroadcast(by, x)",
      jvp="dy += unbroadcast_transpose(db, g, x)",
      cases=(Case(Arr(3), Arr(2, 3), Arr(3)), Case(Arr(1, 3), Arr(2, 3), Arr(1, 3)),
             Case(Arr(), Arr(2, 3), Arr()), Case(Arr(3), Arr(), Arr(3)), Case(Arr(2, 3), Arr(3), Arr(2, 3))))
_rule("unreduce_transpose", "b, g, x, axis=None, keepdims=False",
      vjp="bb += unreduce(by, x, axis, keepdims)",
      jvp="dy += unreduce_transpose(db, g, x, axis, keepdims)",
      cases=(Case(Arr(2, 3), Arr(), Arr(2, 3)), Case(Arr(2, 3), Arr(3), Arr(2, 3), 0),
             Case(Arr(2, 3), Arr(2, 1), Arr(2, 3), 1, True),
             Case(Arr(2, 3, 4), Arr(3), Arr(2, 3, 4), (0, 2))))
_rule("unindex_transpose", "b, g, idx",
      vjp="bb += unindex(by, b, idx)",
      jvp="dy += unindex_transpose(db, g, idx)",
      cases=(Case(Arr(4), Arr(), 1), Case(Arr(2, 3), Arr(3), 0), Case(Arr(5), Arr(3), _I([0, 0, 3])),
             Case(Arr(5), Arr(), _I([4, 4, 1])), Case([Arr(), Arr()], Arr(), 1)))
_rule("add_transpose", "b, a",
      vjp="bb += add_tangent(by, b)",
      jvp="dy += add_transpose(db, a)",
      cases=(Case(Arr(2, 3), Arr(3)), Case(Arr(3), Arr(3)), Case([Arr(2, 3), Arr(3)], [Arr(3), Arr(3)])))
_rule("add_tangent", "d, y", outputs="out",
      vjp="bd += add_transpose(bout, d)",
      jvp="dout += add_tangent(dd, y)",
      cases=(Case(Arr(3), Arr(2, 3)), Case([Arr(3), Arr()], [Arr(2, 3), Arr(2, 3)])))
_rule("unsum_transpose", "b, g, iterable",
      vjp="bb += unsum(by, iterable)",
      jvp="dy += unsum_transpose(db, g, iterable)",
      cases=(Case([Arr(), Arr(), Arr()], Arr(), [0.0, 0.0, 0.0]), Case(Arr(4, 3), Arr(3), Arr(4, 3))))
_rule("extremum_args_transpose", "b, values, largest",
      vjp="bb += extremum_args(by, values, largest)",
      jvp="dy += extremum_args_transpose(db, values, largest)",
      cases=(Case((Arr(), Arr()), (Arr(domain="distinct"), Arr(domain="distinct")), True),
             Case((Arr(4),), (Arr(4, domain="distinct"),), False)))
_rule("mean_adjoint_transpose", "b, g, a, axis=None, keepdims=False, where=True",
      vjp="bb += mean_adjoint(by, a, axis, keepdims, where)",
      jvp="dy += mean_adjoint_transpose(db, g, a, axis, keepdims, where)",
      cases=(Case(Arr(2, 3), Arr(), Arr(2, 3)), Case(Arr(2, 3), Arr(2), Arr(2, 3), 1, False, _WHERE)))
_rule("nanmean_adjoint_transpose", "b, g, a, axis=None, keepdims=False",
      vjp="bb += nanmean_adjoint(by, a, axis, keepdims)",
      jvp="dy += nanmean_adjoint_transpose(db, g, a, axis, keepdims)",
      cases=(Case(Arr(2, 3), Arr(), Arr(2, 3)), Case(Arr(2, 3), Arr(3), Arr(2, 3), 0)))
_rule("unarray_transpose", "b, g",
      vjp="bb += unarray(by, b)",
      jvp="dy += unarray_transpose(db, g)",
      cases=(Case([Arr(), Arr(), Arr()], Arr(3)), Case([Arr(3), Arr(3)], Arr(2, 3))))
_rule("unconcatenate_transpose", "b, axis=0",
      vjp="bb += unconcatenate(by, b, axis)",
      jvp="dy += unconcatenate_transpose(db, axis)",
      cases=(Case([Arr(2), Arr(3)]), Case([Arr(2, 2), Arr(2, 1)], 1), Case([Arr(2, 2), Arr(3)], None)))
_rule("unatleast_transpose", "b, g",
      vjp="bb += unatleast(by, b)",
      jvp="dy += unatleast_transpose(db, g)",
      cases=(Case([Arr(1, 3)], Arr(3)), Case([Arr(1)], Arr())))
_rule("unappend_transpose", "b, arr, values, axis, which",
      vjp="bb += unappend(by, arr, values, axis, which)",
      jvp="dy += unappend_transpose(db, arr, values, axis, which)",
      cases=(Case(Arr(3), Arr(3), Arr(2), None, 0), Case(Arr(2, 2), Arr(2, 3), Arr(2, 2), -1, 1)))
_rule("cumprod_tangent_transpose", "b, a, axis, include_initial=False",
      vjp="""
          bb += cumprod_tangent(by, a, axis, include_initial)
          ba += cumprod_hvp(b, a, axis, by, include_initial)
      """,
      jvp="""
          dy += cumprod_tangent_transpose(db, a, axis, include_initial)
          dy += cumprod_hvp(b, a, axis, da, include_initial)
      """,
      cases=(Case(Arr(4), Arr(4), None), Case(Arr(2, 3), Arr(2, 3), 1), Case(Arr(5), Arr(4), 0, True),
             Case(Arr(7), Arr(2, 3), None, True)))
_nondiff("real_zero_derivative average_zero_partial", why="zeros (or raises)")
