"""Rules of scipy.special (logsumexp, softmax, expit, erf, gammaln, xlogy …); scipy is optional.

Each rule is registered only when its function exists in the installed scipy: without
scipy (or with a version that lacks a function) ``defrule`` finds nothing and skips it, so
srcad never requires scipy.  Helpers that need scipy's own functions (digamma, polygamma,
Bessel functions) import it when they run; see srcad/runtime/special.py.

Derivatives reuse the output where that is stable and cheap: ``expit' = y (1 - y)``,
``log_expit' = -expm1(y)``, ``erfinv' = sqrt(pi)/2 exp(y^2)``, ``log_ndtr' = exp(-x^2/2 - y) /
sqrt(2 pi)``; ``logsumexp``'s weights are ``b exp(a - y)``, never ``exp(a)``.  Only real
inputs are covered.  Conventions at special points:

* ``xlogy(x, y) = x log(y)`` is 0 where ``x == 0``: its derivative in ``x`` is ``log(y)``
  everywhere (x = 0 included; JAX's convention), in ``y`` it is ``x / y`` and exactly 0
  where ``x == 0`` (the function is constant along ``x = 0``; JAX gives NaN at ``y = 0``).
  ``xlog1py`` likewise with ``log1p(y)`` and ``x / (1 + y)``; ``rel_entr``/``kl_div`` with
  ``-x / y`` and ``1 - x / y``.
* ``i0e`` has a kink at 0: its derivative there is 0, the mean of the one-sided slopes.
* ``logsumexp``: elements at ``-inf`` get a zero derivative (also when a whole group is
  ``-inf``).  ``return_sign=`` is not a parameter of the rule, so a call that passes it is
  refused when the call is compiled (the rule has one output).
* ``polygamma(n, x)`` and ``softmax``'s ``axis`` are not differentiated (integers).
"""

import numpy as np

from . import Arr, Case, binary_cases, defrule, unary_cases

_LSE_CASES = (
    Case(Arr()), Case(Arr(3)), Case(Arr(2, 3)), Case(Arr(2, 3), axis=0),
    Case(Arr(2, 3), axis=1, keepdims=True), Case(Arr(2, 3), axis=-1),
    Case(Arr(2, 3), keepdims=True), Case(Arr(2, 3, 4), axis=(0, 2)),
    Case(Arr(2, 3, 4), axis=(-1, 0), keepdims=True), Case(Arr(), keepdims=True),
    Case(Arr(3), 0, Arr(3, domain="positive")),
    Case(Arr(2, 3), None, Arr(2, 3, domain="positive")),
    Case(Arr(2, 3), 1, Arr(3, domain="positive"), True),
    Case(Arr(2, 3), 0, Arr(2, 1, domain="positive")),
    Case(Arr(3), -1, Arr(2, 3, domain="positive")),  # b broadcasts a
    Case(Arr(2, 3), (0, 1), Arr(domain="positive"), keepdims=True),
    Case(Arr(), None, Arr(domain="positive")),
    Case(Arr(2, 3), 1, 2.0),
)

# --- log-sum-exp and softmax ---------------------------------------------------------------

# return_sign= is left out of the parameters: passing it is refused at compile time.
defrule("scipy.special.logsumexp", "a, axis=None, b=None, keepdims=False",
        vjp="""
            ba += logsumexp_adjoint(by, a, y, axis, b, "a")
            bb += logsumexp_adjoint(by, a, y, axis, b, "b")
        """,
        jvp="""
            dy += logsumexp_tangent(da, a, y, axis, b, "a")
            dy += logsumexp_tangent(db, a, y, axis, b, "b")
        """,
        cases=_LSE_CASES)

_SOFTMAX_CASES = (
    Case(Arr()), Case(Arr(3)), Case(Arr(2, 3)), Case(Arr(2, 3), axis=0), Case(Arr(2, 3), 1),
    Case(Arr(2, 3), axis=-1), Case(Arr(2, 3, 4), axis=(0, 2)), Case(Arr(2, 3, 4), axis=-2))
defrule("scipy.special.softmax", "x, axis=None",
        vjp="bx += y * (by - np.sum(by * y, axis=axis, keepdims=True))",
        jvp="dy += y * (dx - np.sum(dx * y, axis=axis, keepdims=True))",
        cases=_SOFTMAX_CASES)
defrule("scipy.special.log_softmax", "x, axis=None",
        vjp="bx += by - np.exp(y) * np.sum(by, axis=axis, keepdims=True)",
        jvp="dy += dx - np.sum(np.exp(y) * dx, axis=axis, keepdims=True)",
        cases=_SOFTMAX_CASES)

# --- logistic ------------------------------------------------------------------------------

defrule("scipy.special.expit", "x", vjp="bx += by * y * (1.0 - y)",
        jvp="dy += dx * y * (1.0 - y)", cases=unary_cases())
defrule("scipy.special.log_expit", "x", vjp="bx += -by * np.expm1(y)",
        jvp="dy += -dx * np.expm1(y)", cases=unary_cases())
# The harness has no domain inside (0, 1): "distinct" draws values in (0, 0.1) for one
# element and in (0, 0.1) and (0.7, 0.8) for two, which is what logit and ndtri need.
# tests/rules/test_special_extra.py checks them on a grid of (0, 1) as well.
_PROBABILITY_CASES = (Case(Arr(domain="distinct")), Case(Arr(2, domain="distinct")),
                      Case(Arr(2, 1, domain="distinct")))
defrule("scipy.special.logit", "x", vjp="bx += by / (x * (1.0 - x))",
        jvp="dy += dx / (x * (1.0 - x))", cases=_PROBABILITY_CASES)
# softplus(x) = log(1 + exp(x)) (scipy >= 1.15): its derivative is expit(x) = exp(x - y).
defrule("scipy.special.softplus", "x", vjp="bx += by * np.exp(x - y)",
        jvp="dy += dx * np.exp(x - y)", cases=unary_cases())

# --- error function and normal distribution ------------------------------------------------

defrule("scipy.special.erf", "x", vjp="bx += by * (2.0 / np.sqrt(np.pi)) * np.exp(-x * x)",
        jvp="dy += dx * (2.0 / np.sqrt(np.pi)) * np.exp(-x * x)", cases=unary_cases())
defrule("scipy.special.erfc", "x", vjp="bx += -by * (2.0 / np.sqrt(np.pi)) * np.exp(-x * x)",
        jvp="dy += -dx * (2.0 / np.sqrt(np.pi)) * np.exp(-x * x)", cases=unary_cases())
# erfcx(x) = exp(x^2) erfc(x)
defrule("scipy.special.erfcx", "x", vjp="bx += by * (2.0 * x * y - 2.0 / np.sqrt(np.pi))",
        jvp="dy += dx * (2.0 * x * y - 2.0 / np.sqrt(np.pi))", cases=unary_cases())
defrule("scipy.special.erfinv", "x", vjp="bx += by * (0.5 * np.sqrt(np.pi)) * np.exp(y * y)",
        jvp="dy += dx * (0.5 * np.sqrt(np.pi)) * np.exp(y * y)", cases=unary_cases("unit"))
defrule("scipy.special.erfcinv", "x", vjp="bx += -by * (0.5 * np.sqrt(np.pi)) * np.exp(y * y)",
        jvp="dy += -dx * (0.5 * np.sqrt(np.pi)) * np.exp(y * y)",
        cases=unary_cases("positive"))  # (0.5, 2): inside erfcinv's domain (0, 2)
defrule("scipy.special.ndtr", "x",
        vjp="bx += by * np.exp(-0.5 * x * x) / np.sqrt(2.0 * np.pi)",
        jvp="dy += dx * np.exp(-0.5 * x * x) / np.sqrt(2.0 * np.pi)", cases=unary_cases())
defrule("scipy.special.ndtri", "x",
        vjp="bx += by * np.sqrt(2.0 * np.pi) * np.exp(0.5 * y * y)",
        jvp="dy += dx * np.sqrt(2.0 * np.pi) * np.exp(0.5 * y * y)", cases=_PROBABILITY_CASES)
defrule("scipy.special.log_ndtr", "x", vjp="bx += by * log_ndtr_derivative(x, y)",
        jvp="dy += dx * log_ndtr_derivative(x, y)", cases=unary_cases())

# --- gamma family --------------------------------------------------------------------------

defrule("scipy.special.gamma", "x", vjp="bx += by * y * digamma_of(x)",
        jvp="dy += dx * y * digamma_of(x)", cases=unary_cases("positive"))
defrule("scipy.special.gammaln", "x", vjp="bx += by * digamma_of(x)",
        jvp="dy += dx * digamma_of(x)",
        cases=unary_cases("positive") + (Case(Arr(3, domain="above1")),))
defrule("scipy.special.loggamma", "x", vjp="bx += by * digamma_of(x)",
        jvp="dy += dx * digamma_of(x)", cases=unary_cases("positive"))
defrule("scipy.special.digamma scipy.special.psi", "x",
        vjp="bx += by * polygamma_derivative(0, x)",
        jvp="dy += dx * polygamma_derivative(0, x)", cases=unary_cases("positive"))
defrule("scipy.special.polygamma", "n, x",
        vjp="bx += unbroadcast(by * polygamma_derivative(n, x), x)",
        jvp="dy += dx * polygamma_derivative(n, x)",
        cases=(Case(0, Arr(domain="positive")), Case(1, Arr(3, domain="positive")),
               Case(2, Arr(2, 3, domain="positive")), Case(3, Arr(3, domain="above1")),
               Case(np.array([0, 1, 2]), Arr(3, domain="positive")),
               Case(np.array([[0], [1]]), Arr(3, domain="positive"))))
defrule("scipy.special.betaln", "a, b",
        vjp="""
            ba += unbroadcast(by * beta_derivatives(a, b, "a"), a)
            bb += unbroadcast(by * beta_derivatives(a, b, "b"), b)
        """,
        jvp="""
            dy += da * beta_derivatives(a, b, "a")
            dy += db * beta_derivatives(a, b, "b")
        """,
        cases=binary_cases("positive", "positive"))
defrule("scipy.special.beta", "a, b",
        vjp="""
            ba += unbroadcast(by * y * beta_derivatives(a, b, "a"), a)
            bb += unbroadcast(by * y * beta_derivatives(a, b, "b"), b)
        """,
        jvp="""
            dy += da * y * beta_derivatives(a, b, "a")
            dy += db * y * beta_derivatives(a, b, "b")
        """,
        cases=binary_cases("positive", "positive"))

# --- x log y and entropies -----------------------------------------------------------------
# Their second parameter is called y, as in scipy: the result is `out` in the templates.

defrule("scipy.special.xlogy", "x, y", outputs="out",
        vjp="""
            bx += unbroadcast(bout * np.log(y), x)
            by += unbroadcast(bout * zero_safe_ratio(x, y), y)
        """,
        jvp="""
            dout += dx * np.log(y)
            dout += dy * zero_safe_ratio(x, y)
        """,
        cases=binary_cases("real", "positive") + (Case(0.0, Arr(3, domain="positive")),))
defrule("scipy.special.xlog1py", "x, y", outputs="out",
        vjp="""
            bx += unbroadcast(bout * np.log1p(y), x)
            by += unbroadcast(bout * zero_safe_ratio(x, 1.0 + y), y)
        """,
        jvp="""
            dout += dx * np.log1p(y)
            dout += dy * zero_safe_ratio(x, 1.0 + y)
        """,
        cases=binary_cases("real", "unit") + (Case(0.0, Arr(3, domain="unit")),))
# entr(x) = -x log(x): the slope at x = 0 is +inf (the one-sided derivative).
defrule("scipy.special.entr", "x", vjp="bx += -by * (1.0 + np.log(x))",
        jvp="dy += -dx * (1.0 + np.log(x))", cases=unary_cases("positive"))
# rel_entr(x, y) = x log(x / y), kl_div(x, y) = x log(x / y) - x + y; 0 at x = 0.
defrule("scipy.special.rel_entr", "x, y", outputs="out",
        vjp="""
            bx += unbroadcast(bout * (1.0 + np.log(x / y)), x)
            by += unbroadcast(-bout * zero_safe_ratio(x, y), y)
        """,
        jvp="""
            dout += dx * (1.0 + np.log(x / y))
            dout += -dy * zero_safe_ratio(x, y)
        """,
        cases=binary_cases("positive", "positive") + (Case(0.0, Arr(3, domain="positive")),))
defrule("scipy.special.kl_div", "x, y", outputs="out",
        vjp="""
            bx += unbroadcast(bout * np.log(x / y), x)
            by += unbroadcast(bout * (1.0 - zero_safe_ratio(x, y)), y)
        """,
        jvp="""
            dout += dx * np.log(x / y)
            dout += dy * (1.0 - zero_safe_ratio(x, y))
        """,
        cases=binary_cases("positive", "positive") + (Case(0.0, Arr(3, domain="positive")),))

# --- modified Bessel functions of orders 0 and 1 -------------------------------------------

defrule("scipy.special.i0", "x", vjp="bx += by * i0_derivative(x)",
        jvp="dy += dx * i0_derivative(x)", cases=unary_cases())
defrule("scipy.special.i0e", "x", vjp="bx += by * i0e_derivative(x, y)",
        jvp="dy += dx * i0e_derivative(x, y)", cases=unary_cases("nonzero"))
defrule("scipy.special.i1", "x", vjp="bx += by * i1_derivative(x)",
        jvp="dy += dx * i1_derivative(x)", cases=unary_cases())
defrule("scipy.special.i1e", "x", vjp="bx += by * i1e_derivative(x, y)",
        jvp="dy += dx * i1e_derivative(x, y)", cases=unary_cases())
