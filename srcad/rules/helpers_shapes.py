"""Rules of the shape helpers of ``srcad.runtime``.

The adjoints of joining, splitting, tiling, padding and constructing arrays (``unarray``,
``unconcatenate``, ``unstack``, ``untile``, ``unpad``, ``untake``, ``linspace_adjoint`` …),
their tangents, and the linear ``*_transpose`` helpers of srcad/runtime/higher_shapes.py
that their rules call.  Part of the rules of srcad's runtime helpers: see
srcad/rules/runtime_rules.py for how they are derived.
"""

import numpy as np

from . import Arr, Case
from .runtime_rules import _I, _rule

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
# The linear helpers of srcad/runtime/higher_shapes.py.
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
