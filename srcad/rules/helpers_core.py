"""Rules of the core, container and indexing helpers of ``srcad.runtime``.

``unbroadcast``, ``unreduce``, ``add``, ``unsum``, ``unindex`` … and the linear
``*_transpose``/``*_tangent`` helpers of srcad/runtime/higher_core.py that their rules
call, plus the helpers of these families that are not differentiable (zeros, weights,
shape queries, checks).  Part of the rules of srcad's runtime helpers: see
srcad/rules/runtime_rules.py for how they are derived.
"""

from ..runtime import HELPERS
from . import Arr, Case, binary_cases
from .runtime_rules import _I, _nondiff, _rule

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
_nondiff("ensure_element", why="a check: returns None or raises")
_nondiff("ensure_own_item", why="a check: returns None or raises")
_nondiff("shape_of", why="a stand-in that only carries a shape")
_nondiff("derivative_not_implemented", why="raises: a derivative srcad does not compute")
_nondiff("real_zero_derivative", why="zeros (or raises)")
# The transposes of unbroadcast and unreduce (srcad/runtime/higher_core.py).
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
_rule("restored_item", "old",
      vjp="bold += by", jvp="dy += dold",
      cases=(Case(Arr(3)), Case(Arr()), Case(Arr(2, 3))))
_rule("copy_value", "x",
      vjp="bx += by", jvp="dy += dx",
      cases=(Case(Arr(3)), Case(Arr()), Case([Arr(), Arr()]), Case(Arr(2, 3))))
# zero_at copies its argument (it never mutates it): a mask, its own transpose.
_rule("zero_at", "b, idx, x=None",
      vjp="bb += zero_at(by, idx, x)",
      jvp="dy += zero_at(db, idx, x)",
      cases=(Case(Arr(4), 1), Case(Arr(2, 3), 0), Case(Arr(2, 3), (1, -1)),
             Case(Arr(5), _I([0, 3])), Case(Arr(2, 3), _I([[True, False, True], [False] * 3])),
             Case([Arr(), Arr(), Arr()], 1), Case([Arr(2), Arr(2)], 0)))
_nondiff("loop_length", why="a loop's trip count")
# The linear helpers of srcad/runtime/higher_core.py for containers.
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
# The transpose of unindex (srcad/runtime/higher_core.py).
_rule("unindex_transpose", "b, g, idx",
      vjp="bb += unindex(by, b, idx)",
      jvp="dy += unindex_transpose(db, g, idx)",
      cases=(Case(Arr(4), Arr(), 1), Case(Arr(2, 3), Arr(3), 0), Case(Arr(5), Arr(3), _I([0, 0, 3])),
             Case(Arr(5), Arr(), _I([4, 4, 1])), Case([Arr(), Arr()], Arr(), 1)))
