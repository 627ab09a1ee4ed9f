"""Rules of the reduction helpers of ``srcad.runtime``.

``unreduce_where``, ``mean_adjoint``, ``prod_others``, ``var_direction``/``std_direction``,
the cumulative sums and products, ``np.diff`` and ``np.average``, and the linear
``*_transpose`` helpers of srcad/runtime/higher_reductions.py that their rules call.  Part
of the rules of srcad's runtime helpers: see srcad/rules/runtime_rules.py for how they
are derived.
"""

from . import Arr, Case
from .runtime_rules import _I, _nondiff, _rule

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
# The linear helpers of srcad/runtime/higher_reductions.py (the nonlinear ones have no
# rule yet: see LEFT_OUT).
_rule("mean_adjoint_transpose", "b, g, a, axis=None, keepdims=False, where=True",
      vjp="bb += mean_adjoint(by, a, axis, keepdims, where)",
      jvp="dy += mean_adjoint_transpose(db, g, a, axis, keepdims, where)",
      cases=(Case(Arr(2, 3), Arr(), Arr(2, 3)), Case(Arr(2, 3), Arr(2), Arr(2, 3), 1, False, _WHERE)))
_rule("nanmean_adjoint_transpose", "b, g, a, axis=None, keepdims=False",
      vjp="bb += nanmean_adjoint(by, a, axis, keepdims)",
      jvp="dy += nanmean_adjoint_transpose(db, g, a, axis, keepdims)",
      cases=(Case(Arr(2, 3), Arr(), Arr(2, 3)), Case(Arr(2, 3), Arr(3), Arr(2, 3), 0)))
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
_nondiff("average_zero_partial", why="zeros (or raises)")
