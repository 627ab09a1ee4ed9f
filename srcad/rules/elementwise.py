"""Rules of numpy and math elementwise functions.

Unary rules reuse the output ``y`` where it is cheaper than recomputing (exp, tan, tanh,
sqrt, cbrt, reciprocal).  Binary rules sum their contributions down to each operand's
shape with ``unbroadcast``, and every jvp term has the shape of the result
(``broadcast_like`` where a tangent alone could be smaller).  math.* functions share the
numpy rule of the same function; their templates use ``np.*`` so they work on Python
floats too.

Conventions at non-differentiable points (JAX's, see srcad/runtime/elementwise.py):
``abs'(0) = 0``; ties of maximum/minimum/fmax/fmin split the adjoint 0.5/0.5; ``where``
sends the adjoint to the selected branch only; ``clip`` sends it to ``a`` when
``a_min <= a <= a_max`` (bounds included), to a bound only strictly outside;
``d(x ** 0)/dx = 0`` and ``d(0 ** p)/dp = 0``; remainders (mod, fmod) have derivative 1 in
``x1`` and ``-quotient`` in ``x2`` away from their jumps.  Functions with a zero
derivative (sign, floor, isnan …) are declared not differentiable at the end.
"""

import numpy as np

from . import Arr, Case, binary_cases, defnondiff, defrule, unary_cases

# --- trigonometric --------------------------------------------------------------------

defrule("numpy.sin math.sin", "x", vjp="bx += by * np.cos(x)", jvp="dy += dx * np.cos(x)",
        cases=unary_cases())
defrule("numpy.cos math.cos", "x", vjp="bx += -by * np.sin(x)", jvp="dy += -dx * np.sin(x)",
        cases=unary_cases())
defrule("numpy.tan math.tan", "x", vjp="bx += by * (1.0 + y * y)",
        jvp="dy += dx * (1.0 + y * y)", cases=unary_cases("unit"))
defrule("numpy.arcsin numpy.asin math.asin", "x",
        vjp="bx += by / np.sqrt((1.0 - x) * (1.0 + x))",
        jvp="dy += dx / np.sqrt((1.0 - x) * (1.0 + x))", cases=unary_cases("unit"))
defrule("numpy.arccos numpy.acos math.acos", "x",
        vjp="bx += -by / np.sqrt((1.0 - x) * (1.0 + x))",
        jvp="dy += -dx / np.sqrt((1.0 - x) * (1.0 + x))", cases=unary_cases("unit"))
defrule("numpy.arctan numpy.atan math.atan", "x", vjp="bx += by / (1.0 + x * x)",
        jvp="dy += dx / (1.0 + x * x)", cases=unary_cases())
defrule("numpy.arctan2 numpy.atan2 math.atan2", "x1, x2",
        vjp="""
            r2 = x1 * x1 + x2 * x2
            bx1 += unbroadcast(by * x2 / r2, x1)
            bx2 += unbroadcast(-by * x1 / r2, x2)
        """,
        jvp="""
            r2 = x1 * x1 + x2 * x2
            dy += dx1 * x2 / r2
            dy += -dx2 * x1 / r2
        """,
        cases=binary_cases("nonzero", "nonzero") + (Case(Arr(3), 1.5), Case(-0.5, Arr(3))))
defrule("numpy.hypot math.hypot", "x1, x2",
        vjp="""
            bx1 += unbroadcast(by * safe_divide(x1, y), x1)
            bx2 += unbroadcast(by * safe_divide(x2, y), x2)
        """,
        jvp="""
            dy += dx1 * safe_divide(x1, y)
            dy += dx2 * safe_divide(x2, y)
        """,
        cases=binary_cases())
defrule("numpy.deg2rad numpy.radians math.radians", "x", vjp="bx += by * (np.pi / 180.0)",
        jvp="dy += dx * (np.pi / 180.0)", cases=unary_cases())
defrule("numpy.rad2deg numpy.degrees math.degrees", "x", vjp="bx += by * (180.0 / np.pi)",
        jvp="dy += dx * (180.0 / np.pi)", cases=unary_cases())
defrule("numpy.sinc", "x", vjp="bx += by * sinc_derivative(x)",
        jvp="dy += dx * sinc_derivative(x)",
        cases=unary_cases() + (Case(Arr(3, domain="nonzero")), Case(Arr(2, domain="unit"))))

# --- hyperbolic -----------------------------------------------------------------------

defrule("numpy.sinh math.sinh", "x", vjp="bx += by * np.cosh(x)", jvp="dy += dx * np.cosh(x)",
        cases=unary_cases())
defrule("numpy.cosh math.cosh", "x", vjp="bx += by * np.sinh(x)", jvp="dy += dx * np.sinh(x)",
        cases=unary_cases())
defrule("numpy.tanh math.tanh", "x", vjp="bx += by * (1.0 - y * y)",
        jvp="dy += dx * (1.0 - y * y)", cases=unary_cases())
defrule("numpy.arcsinh numpy.asinh math.asinh", "x", vjp="bx += by / np.sqrt(x * x + 1.0)",
        jvp="dy += dx / np.sqrt(x * x + 1.0)", cases=unary_cases())
defrule("numpy.arccosh numpy.acosh math.acosh", "x",
        vjp="bx += by / np.sqrt((x - 1.0) * (x + 1.0))",
        jvp="dy += dx / np.sqrt((x - 1.0) * (x + 1.0))", cases=unary_cases("above1"))
defrule("numpy.arctanh numpy.atanh math.atanh", "x",
        vjp="bx += by / ((1.0 - x) * (1.0 + x))",
        jvp="dy += dx / ((1.0 - x) * (1.0 + x))", cases=unary_cases("unit"))

# --- exponentials and logarithms ------------------------------------------------------

defrule("numpy.exp math.exp", "x", vjp="bx += by * y", jvp="dy += dx * y", cases=unary_cases())
defrule("numpy.exp2 math.exp2", "x", vjp="bx += by * y * np.log(2.0)",
        jvp="dy += dx * y * np.log(2.0)", cases=unary_cases())
defrule("numpy.expm1 math.expm1", "x", vjp="bx += by * (y + 1.0)", jvp="dy += dx * (y + 1.0)",
        cases=unary_cases())
defrule("numpy.log", "x", vjp="bx += by / x", jvp="dy += dx / x",
        cases=unary_cases("positive"))
# math.log(x) is the natural log, math.log(x, base) the log in that base: log(x) / log(base).
defrule("math.log", "x, base=None",
        vjp="""
            bx += by / (x * log_of_base(base))
            bbase += -by * y / (base * np.log(base))
        """,
        jvp="""
            dy += dx / (x * log_of_base(base))
            dy += -dbase * y / (base * np.log(base))
        """,
        cases=(Case(Arr(domain="positive")), Case(Arr(domain="positive"), 10.0),
               Case(Arr(domain="positive"), Arr(domain="above1")),
               Case(Arr(domain="above1"), Arr(domain="positive"))))
defrule("numpy.log2 math.log2", "x", vjp="bx += by / (x * np.log(2.0))",
        jvp="dy += dx / (x * np.log(2.0))", cases=unary_cases("positive"))
defrule("numpy.log10 math.log10", "x", vjp="bx += by / (x * np.log(10.0))",
        jvp="dy += dx / (x * np.log(10.0))", cases=unary_cases("positive"))
defrule("numpy.log1p math.log1p", "x", vjp="bx += by / (1.0 + x)", jvp="dy += dx / (1.0 + x)",
        cases=unary_cases("unit"))
defrule("numpy.logaddexp", "x1, x2",
        vjp="""
            bx1 += unbroadcast(by * np.exp(x1 - y), x1)
            bx2 += unbroadcast(by * np.exp(x2 - y), x2)
        """,
        jvp="""
            dy += dx1 * np.exp(x1 - y)
            dy += dx2 * np.exp(x2 - y)
        """,
        cases=binary_cases())
defrule("numpy.logaddexp2", "x1, x2",
        vjp="""
            bx1 += unbroadcast(by * np.exp2(x1 - y), x1)
            bx2 += unbroadcast(by * np.exp2(x2 - y), x2)
        """,
        jvp="""
            dy += dx1 * np.exp2(x1 - y)
            dy += dx2 * np.exp2(x2 - y)
        """,
        cases=binary_cases())

# --- powers and roots -----------------------------------------------------------------

# sqrt'(0) and cbrt'(0) are infinite, as in JAX.
defrule("numpy.sqrt math.sqrt", "x", vjp="bx += by * 0.5 / y", jvp="dy += dx * 0.5 / y",
        cases=unary_cases("positive"))
defrule("numpy.cbrt math.cbrt", "x", vjp="bx += by / (3.0 * y * y)",
        jvp="dy += dx / (3.0 * y * y)", cases=unary_cases("nonzero"))
defrule("numpy.square", "x", vjp="bx += by * 2.0 * x", jvp="dy += dx * 2.0 * x",
        cases=unary_cases())
defrule("numpy.reciprocal", "x", vjp="bx += -by * y * y", jvp="dy += -dx * y * y",
        cases=unary_cases("nonzero"))
# x1 ** x2; see power_dbase / power_dexponent for x2 == 0 and x1 == 0.  A negative base
# has no real derivative in the exponent (nan), only in the base.
defrule("numpy.power numpy.pow numpy.float_power math.pow", "x1, x2",
        vjp="""
            bx1 += unbroadcast(by * power_dbase(x1, x2), x1)
            bx2 += unbroadcast(by * power_dexponent(x1, y), x2)
        """,
        jvp="""
            dy += dx1 * power_dbase(x1, x2)
            dy += dx2 * power_dexponent(x1, y)
        """,
        cases=binary_cases("positive", "real") + (
            Case(Arr(3), 2), Case(Arr(2, 3), 3.0), Case(Arr(3, domain="nonzero"), 3),
            Case(Arr(domain="nonzero"), 3.0), Case(Arr(domain="nonzero"), -2.0),
            Case(Arr(2, 3), 0), Case(Arr(3), 1), Case(2.0, Arr(3)), Case(Arr(domain="positive"), 0.5)))

# ldexp(x1, x2) = x1 * 2 ** x2 with x2 an integer: linear in x1.
defrule("numpy.ldexp math.ldexp", "x1, x2",
        vjp="bx1 += unbroadcast(by * np.ldexp(1.0, x2), x1)",
        jvp="dy += dx1 * np.ldexp(1.0, x2)",
        cases=(Case(Arr(3), 2), Case(Arr(2, 3), np.array([1, -1, 3])), Case(Arr(), -3)))

# --- arithmetic -----------------------------------------------------------------------

defrule("numpy.add", "x1, x2",
        vjp="""
            bx1 += unbroadcast(by, x1)
            bx2 += unbroadcast(by, x2)
        """,
        jvp="""
            dy += broadcast_like(dx1, y)
            dy += broadcast_like(dx2, y)
        """,
        cases=binary_cases())
defrule("numpy.subtract", "x1, x2",
        vjp="""
            bx1 += unbroadcast(by, x1)
            bx2 += unbroadcast(-by, x2)
        """,
        jvp="""
            dy += broadcast_like(dx1, y)
            dy += broadcast_like(-dx2, y)
        """,
        cases=binary_cases())
defrule("numpy.multiply", "x1, x2",
        vjp="""
            bx1 += unbroadcast(by * x2, x1)
            bx2 += unbroadcast(by * x1, x2)
        """,
        jvp="""
            dy += dx1 * x2
            dy += x1 * dx2
        """,
        cases=binary_cases())
defrule("numpy.divide numpy.true_divide", "x1, x2",
        vjp="""
            bx1 += unbroadcast(by / x2, x1)
            bx2 += unbroadcast(-by * y / x2, x2)
        """,
        jvp="""
            dy += dx1 / x2
            dy += -dx2 * y / x2
        """,
        cases=binary_cases("real", "nonzero"))
defrule("numpy.negative", "x", vjp="bx += -by", jvp="dy += -dx", cases=unary_cases())
defrule("numpy.positive", "x", vjp="bx += by", jvp="dy += dx", cases=unary_cases())
# abs'(0) = 0 (np.sign); complex x: conj(x) / |x|.  Python's builtin abs shares the rule.
defrule("numpy.abs numpy.absolute numpy.fabs math.fabs abs", "x",
        vjp="bx += by * abs_derivative(x)",
        jvp="dy += np.real(dx * abs_derivative(x))",
        cases=unary_cases("nonzero"))
# Remainders: y = x1 - q * x2 with q an integer, constant between the jumps.
defrule("numpy.remainder numpy.mod numpy.fmod math.fmod math.remainder", "x1, x2",
        vjp="""
            bx1 += unbroadcast(by, x1)
            bx2 += unbroadcast(-by * division_quotient(x1, x2, y), x2)
        """,
        jvp="""
            dy += broadcast_like(dx1, y)
            dy += -dx2 * division_quotient(x1, x2, y)
        """,
        cases=binary_cases("real", "nonzero") + (Case(Arr(2, 3, domain="distinct"), 0.45),
                                                 Case(Arr(domain="distinct"), 0.3)))
# copysign(x1, x2) = |x1| with the sign of x2: piecewise linear in x1, constant in x2.
defrule("numpy.copysign math.copysign", "x1, x2",
        vjp="bx1 += unbroadcast(by * np.sign(x1) * np.sign(y), x1)",
        jvp="dy += dx1 * np.sign(x1) * np.sign(y)",
        cases=binary_cases("nonzero", "nonzero"))

# --- selection ------------------------------------------------------------------------

defrule("numpy.maximum", "x1, x2",
        vjp="""
            bx1 += unbroadcast(by * maximum_weight(x1, x2), x1)
            bx2 += unbroadcast(by * maximum_weight(x2, x1), x2)
        """,
        jvp="""
            dy += dx1 * maximum_weight(x1, x2)
            dy += dx2 * maximum_weight(x2, x1)
        """,
        cases=binary_cases() + (Case(Arr(2, 3), 0.0),))
defrule("numpy.minimum", "x1, x2",
        vjp="""
            bx1 += unbroadcast(by * minimum_weight(x1, x2), x1)
            bx2 += unbroadcast(by * minimum_weight(x2, x1), x2)
        """,
        jvp="""
            dy += dx1 * minimum_weight(x1, x2)
            dy += dx2 * minimum_weight(x2, x1)
        """,
        cases=binary_cases() + (Case(Arr(2, 3), 0.0),))
defrule("numpy.fmax", "x1, x2",
        vjp="""
            bx1 += unbroadcast(by * fmax_weight(x1, x2), x1)
            bx2 += unbroadcast(by * fmax_weight(x2, x1), x2)
        """,
        jvp="""
            dy += dx1 * fmax_weight(x1, x2)
            dy += dx2 * fmax_weight(x2, x1)
        """,
        cases=binary_cases())
defrule("numpy.fmin", "x1, x2",
        vjp="""
            bx1 += unbroadcast(by * fmin_weight(x1, x2), x1)
            bx2 += unbroadcast(by * fmin_weight(x2, x1), x2)
        """,
        jvp="""
            dy += dx1 * fmin_weight(x1, x2)
            dy += dx2 * fmin_weight(x2, x1)
        """,
        cases=binary_cases())
# where(condition, x, y): the adjoint goes to the selected branch only.  numpy names the
# branches x and y, so the result is called `out` here.  where(condition) alone is
# nonzero(condition): not differentiable (x and y are None constants).
defrule("numpy.where", "condition, x=None, y=None", outputs="out",
        vjp="""
            bx += unbroadcast(np.where(condition, bout, 0.0), x)
            by += unbroadcast(np.where(condition, 0.0, bout), y)
        """,
        jvp="""
            dout += np.where(condition, dx, np.zeros_like(out))
            dout += np.where(condition, np.zeros_like(out), dy)
        """,
        cases=(Case(np.array([True, False, True]), Arr(3), Arr(3)),
               Case(np.array([[True], [False]]), Arr(3), Arr(2, 1)),
               Case(np.array([True, False, False]), Arr(2, 3), 0.0),
               Case(np.array([False, True]), 1.0, Arr()),
               Case(True, Arr(), Arr())))
# clip: the adjoint goes to `a` where a_min <= a <= a_max (bounds included, as jnp.clip),
# to a bound where `a` is strictly beyond it.  numpy >= 2.1 also spells the bounds min/max.
defrule("numpy.clip", "a, a_min=None, a_max=None, out=None, *, min=None, max=None",
        vjp="""
            lo = clip_bound(a_min, min)
            hi = clip_bound(a_max, max)
            ba += unbroadcast(by * clip_inside(a, lo, hi), a)
            ba_min += unbroadcast(by * clip_below(a, lo, hi), a_min)
            bmin += unbroadcast(by * clip_below(a, lo, hi), min)
            ba_max += unbroadcast(by * clip_above(a, lo, hi), a_max)
            bmax += unbroadcast(by * clip_above(a, lo, hi), max)
        """,
        jvp="""
            lo = clip_bound(a_min, min)
            hi = clip_bound(a_max, max)
            dy += da * clip_inside(a, lo, hi)
            dy += da_min * clip_below(a, lo, hi)
            dy += dmin * clip_below(a, lo, hi)
            dy += da_max * clip_above(a, lo, hi)
            dy += dmax * clip_above(a, lo, hi)
        """,
        cases=(Case(Arr(2, 3), -0.5, 0.5), Case(Arr(3), None, 0.2), Case(Arr(3), -0.2, None),
               Case(Arr(), -0.1, 0.1), Case(Arr(2, 3), Arr(3), Arr(2, 3)),
               Case(Arr(2, 3), Arr(2, 1), None), Case(Arr(4), 0.3, Arr()),
               Case(Arr(), Arr(3), 1.5), Case(Arr(2, 3), a_min=-0.4, a_max=0.4),
               Case(Arr(2, 3), min=-0.3, max=0.6)))
defrule(("method", "clip"), "a, min=None, max=None, out=None",
        vjp="""
            ba += unbroadcast(by * clip_inside(a, min, max), a)
            bmin += unbroadcast(by * clip_below(a, min, max), min)
            bmax += unbroadcast(by * clip_above(a, min, max), max)
        """,
        jvp="""
            dy += da * clip_inside(a, min, max)
            dy += dmin * clip_below(a, min, max)
            dy += dmax * clip_above(a, min, max)
        """,
        cases=(Case(Arr(2, 3), -0.5, 0.5), Case(Arr(3), None, 0.2), Case(Arr(3), Arr(3), None),
               Case(Arr(2, 3), Arr(3), Arr(2, 1)), Case(Arr(2, 3), min=-0.3, max=0.6)))
# nan_to_num: derivative 1 where x is finite; replaced entries take the replacement value.
defrule("numpy.nan_to_num", "x, copy=True, nan=0.0, posinf=None, neginf=None",
        vjp="""
            bx += by * np.isfinite(x)
            bnan += unbroadcast(by * np.isnan(x), nan)
            bposinf += unbroadcast(by * np.isposinf(x), posinf)
            bneginf += unbroadcast(by * np.isneginf(x), neginf)
        """,
        jvp="""
            dy += dx * np.isfinite(x)
            dy += dnan * np.isnan(x)
            dy += dposinf * np.isposinf(x)
            dy += dneginf * np.isneginf(x)
        """,
        cases=unary_cases() + (Case(Arr(3), nan=1.0, posinf=2.0),))

# --- complex parts (real inputs are the tested case; complex follow JAX's convention) -

defrule("numpy.real", "val", vjp="bval += by", jvp="dy += np.real(dval)", cases=unary_cases())
defrule("numpy.imag", "val", vjp="bval += imag_adjoint(by, val)", jvp="dy += np.imag(dval)",
        cases=unary_cases())
defrule("numpy.conj numpy.conjugate", "x", vjp="bx += np.conj(by)", jvp="dy += np.conj(dx)",
        cases=unary_cases())
defrule("numpy.angle", "z, deg=False", vjp="bz += angle_adjoint(by, z, deg)",
        jvp="dy += angle_tangent(dz, z, deg)",
        cases=(Case(Arr(3, domain="nonzero")), Case(Arr(2, 3, domain="nonzero"), deg=True)))
defrule(("attr", "real"), "a", vjp="ba += by", jvp="dy += np.real(da)",
        cases=(Case(Arr(3)), Case(Arr(2, 3))))
defrule(("attr", "imag"), "a", vjp="ba += imag_adjoint(by, a)", jvp="dy += np.imag(da)",
        cases=(Case(Arr(3)),))
defrule(("method", "conj"), "a", vjp="ba += np.conj(by)", jvp="dy += np.conj(da)",
        cases=(Case(Arr(3)), Case(Arr(2, 3))))
defrule(("method", "conjugate"), "a", vjp="ba += np.conj(by)", jvp="dy += np.conj(da)",
        cases=(Case(Arr(3)),))

# --- special functions (math module) --------------------------------------------------

defrule("math.erf", "x", vjp="bx += by * (2.0 / np.sqrt(np.pi)) * np.exp(-x * x)",
        jvp="dy += dx * (2.0 / np.sqrt(np.pi)) * np.exp(-x * x)", cases=unary_cases())
defrule("math.erfc", "x", vjp="bx += -by * (2.0 / np.sqrt(np.pi)) * np.exp(-x * x)",
        jvp="dy += -dx * (2.0 / np.sqrt(np.pi)) * np.exp(-x * x)", cases=unary_cases())

# --- zero derivative almost everywhere --------------------------------------------------

defnondiff("numpy.sign numpy.floor numpy.ceil numpy.round numpy.around numpy.rint "
           "numpy.trunc numpy.fix numpy.heaviside numpy.floor_divide numpy.signbit "
           "numpy.spacing math.floor math.ceil math.trunc round",
           why="piecewise constant: zero derivative almost everywhere")
defnondiff("numpy.isnan numpy.isfinite numpy.isinf numpy.isposinf numpy.isneginf "
           "numpy.iscomplex numpy.isreal numpy.isclose numpy.greater numpy.greater_equal "
           "numpy.less numpy.less_equal numpy.equal numpy.not_equal numpy.logical_and "
           "numpy.logical_or numpy.logical_xor numpy.logical_not math.isnan math.isinf "
           "math.isfinite math.isclose", why="integer-valued or boolean result")
