"""Rules of the elementwise helpers of ``srcad.runtime``.

``broadcast_like``, the derivatives of ``np.power`` (``power_dbase``, ``power_dkbase`` …),
``safe_divide``, ``sinc_derivative``, the complex-number helpers (``abs_derivative``,
``angle_adjoint`` …) and ``clip_bound``; the second derivatives they call are in
srcad/runtime/higher_elementwise.py.  Part of the rules of srcad's runtime helpers: see
srcad/rules/runtime_rules.py for how they are derived.
"""

from . import Arr, Case, binary_cases, unary_cases
from .runtime_rules import _I, _rule

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
