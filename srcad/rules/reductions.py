"""Rules of reductions (sum, mean, prod, max, min, var, std, cumsum …), functions and methods.

Every reduction accepts numpy's ``axis`` (None, an int, a negative int or a tuple) and
``keepdims``; cumulative sums/products and ``diff`` take one axis (None flattens for
``cumsum``/``cumprod``).  Arguments a rule does not list (``initial=``/``where=`` of max, min and prod,
``mean=`` of var and std) are refused when the call is compiled rather than differentiated
wrongly.  Notes on the derivatives:

* ``prod``/``cumprod`` never divide by the input: they are exact when it holds zeros.
* ``max``/``min``/``ptp``: tied extrema share the adjoint equally (as autograd and JAX).
* ``std`` where the standard deviation is 0 (a constant group): the derivative is taken as
  0, the subgradient of least norm (exact for one-element groups).
* The ``nan*`` reductions give NaN elements a zero adjoint.
"""

import numpy as np

from . import Arr, Case, defrule


def _cases(domain="real", scalar=True, **extra):
    """Scalar, vector, matrix and 3-D inputs over the usual axis/keepdims combinations."""
    cases = [
        Case(Arr(3, domain=domain), **extra),
        Case(Arr(2, 3, domain=domain), **extra),
        Case(Arr(2, 3, domain=domain), axis=0, **extra),
        Case(Arr(2, 3, domain=domain), axis=1, keepdims=True, **extra),
        Case(Arr(2, 3, domain=domain), axis=-1, **extra),
        Case(Arr(2, 3, domain=domain), keepdims=True, **extra),
        Case(Arr(2, 3, 4, domain=domain), axis=(0, 2), **extra),
        Case(Arr(2, 3, 4, domain=domain), axis=(-1, 0), keepdims=True, **extra),
        Case(Arr(2, 3, 4, domain=domain), axis=-2, **extra),
        Case(Arr(1, 3, domain=domain), axis=0, **extra),
    ]
    if scalar:
        cases.insert(0, Case(Arr(domain=domain), **extra))
    return tuple(cases)


_WHERE = np.array([[True, False, True], [False, True, True]])

# --- sum -----------------------------------------------------------------------------------

_SUM = dict(
    vjp="""
        ba += unreduce_where(by, a, axis, keepdims, where)
        binitial += np.sum(by)
    """,
    jvp="""
        dy += np.sum(da, axis=axis, keepdims=keepdims, where=where)
        dy += np.broadcast_to(dinitial, np.shape(y))
    """)
_SUM_WHERE_CASES = (Case(Arr(2, 3), axis=1, where=_WHERE),
                    Case(Arr(2, 3), axis=0, keepdims=True, where=np.array([True, False, True])),
                    Case(Arr(2, 3), 0, None, None, False, Arr()))  # initial=<differentiated>
defrule("numpy.sum", "a, axis=None, dtype=None, out=None, keepdims=False, initial=0.0, where=True",
        cases=_cases() + _SUM_WHERE_CASES + (Case(Arr(3), (0,)),), **_SUM)
defrule(("method", "sum"),
        "a, axis=None, dtype=None, out=None, keepdims=False, initial=0.0, where=True",
        cases=_cases(scalar=False) + _SUM_WHERE_CASES + (Case(Arr(2, 3), 1),), **_SUM)

defrule("numpy.nansum", "a, axis=None, dtype=None, out=None, keepdims=False",
        vjp="ba += np.where(np.isnan(a), 0.0, unreduce(by, a, axis, keepdims))",
        jvp="dy += np.sum(np.where(np.isnan(a), 0.0, da), axis=axis, keepdims=keepdims)",
        cases=_cases())

# --- mean and average ----------------------------------------------------------------------

_MEAN = dict(vjp="ba += mean_adjoint(by, a, axis, keepdims, where)",
             jvp="dy += np.mean(da, axis=axis, keepdims=keepdims, where=where)")
_MEAN_WHERE_CASES = (Case(Arr(2, 3), axis=1, where=_WHERE),
                     Case(Arr(2, 3), axis=(0, 1), keepdims=True, where=_WHERE),
                     Case(Arr(2, 3), where=np.array([True, False, True])))
defrule("numpy.mean", "a, axis=None, dtype=None, out=None, keepdims=False, *, where=True",
        cases=_cases() + _MEAN_WHERE_CASES, **_MEAN)
defrule(("method", "mean"), "a, axis=None, dtype=None, out=None, keepdims=False, *, where=True",
        cases=_cases(scalar=False) + _MEAN_WHERE_CASES + (Case(Arr(2, 3), -1),), **_MEAN)

defrule("numpy.nanmean", "a, axis=None, dtype=None, out=None, keepdims=False",
        vjp="ba += nanmean_adjoint(by, a, axis, keepdims)",
        jvp="""
            dy += np.sum(np.where(np.isnan(a), 0.0, da), axis=axis, keepdims=keepdims) / np.maximum(
                np.sum(~np.isnan(a), axis=axis, keepdims=keepdims), 1)
        """,
        cases=_cases())

defrule("numpy.average", "a, axis=None, weights=None, returned=False, *, keepdims=False",
        vjp="""
            ba += average_adjoint(by, "a", a, axis, weights, returned, keepdims)
            bweights += average_adjoint(by, "weights", a, axis, weights, returned, keepdims)
        """,
        jvp="""
            dy += average_tangent(da, "a", a, axis, weights, returned, keepdims)
            dy += average_tangent(dweights, "weights", a, axis, weights, returned, keepdims)
        """,
        cases=_cases() + (
            Case(Arr(3), 0, Arr(3, domain="positive")),
            Case(Arr(2, 3), None, Arr(2, 3, domain="positive")),
            Case(Arr(2, 3), 1, Arr(2, 3, domain="positive"), keepdims=True),
            Case(Arr(2, 3), 0, Arr(2, domain="positive")),
            Case(Arr(2, 3), -1, Arr(3, domain="positive"), keepdims=True),
            Case(Arr(2, 3, 4), (2, 0), Arr(4, 2, domain="positive")),
            Case(Arr(2, 3, 4), (0, -1), Arr(2, 4, domain="positive"), keepdims=True),
            Case(Arr(2, 3, 4), (2, 0, 1), Arr(4, 2, 3, domain="positive")),
            Case(Arr(2, 3, 4, 1), (2, 0), Arr(4, 2, domain="positive"))))

# --- prod ----------------------------------------------------------------------------------

_PROD = dict(vjp="ba += unreduce(by, a, axis, keepdims) * prod_others(a, axis)",
             jvp="dy += np.sum(da * prod_others(a, axis), axis=axis, keepdims=keepdims)")
defrule("numpy.prod", "a, axis=None, dtype=None, out=None, keepdims=False",
        cases=_cases(), **_PROD)
defrule(("method", "prod"), "a, axis=None, dtype=None, out=None, keepdims=False",
        cases=_cases(scalar=False) + (Case(Arr(2, 3), 1),), **_PROD)

# --- max, min, ptp -------------------------------------------------------------------------

_EXTREMUM = dict(
    vjp="ba += unreduce(by, a, axis, keepdims) * extremum_weights(a, y, axis, keepdims)",
    jvp="dy += np.sum(da * extremum_weights(a, y, axis, keepdims), axis=axis, keepdims=keepdims)")
_EXTREMUM_CASES = _cases("distinct")
defrule("numpy.max numpy.amax", "a, axis=None, out=None, keepdims=False",
        cases=_EXTREMUM_CASES, **_EXTREMUM)
defrule("numpy.min numpy.amin", "a, axis=None, out=None, keepdims=False",
        cases=_EXTREMUM_CASES, **_EXTREMUM)
defrule(("method", "max"), "a, axis=None, out=None, keepdims=False",
        cases=_cases("distinct", scalar=False) + (Case(Arr(2, 3, domain="distinct"), 0),),
        **_EXTREMUM)
defrule(("method", "min"), "a, axis=None, out=None, keepdims=False",
        cases=_cases("distinct", scalar=False) + (Case(Arr(2, 3, domain="distinct"), 1),),
        **_EXTREMUM)

_NANEXTREMUM = dict(
    vjp="ba += unreduce(by, a, axis, keepdims) * nanextremum_weights(a, y, axis, keepdims)",
    jvp="dy += np.sum(np.where(np.isnan(a), 0.0, da) * nanextremum_weights(a, y, axis, keepdims), "
        "axis=axis, keepdims=keepdims)")
defrule("numpy.nanmax", "a, axis=None, out=None, keepdims=False",
        cases=_cases("distinct"), **_NANEXTREMUM)
defrule("numpy.nanmin", "a, axis=None, out=None, keepdims=False",
        cases=_cases("distinct"), **_NANEXTREMUM)

_PTP = dict(vjp="ba += unreduce(by, a, axis, keepdims) * ptp_direction(a, axis)",
            jvp="dy += np.sum(da * ptp_direction(a, axis), axis=axis, keepdims=keepdims)")
defrule("numpy.ptp", "a, axis=None, out=None, keepdims=False",
        cases=_cases("distinct", scalar=False), **_PTP)
if hasattr(np.ndarray, "ptp"):  # removed in numpy 2
    defrule(("method", "ptp"), "a, axis=None, out=None, keepdims=False",
            cases=_cases("distinct", scalar=False), **_PTP)

# --- var and std ---------------------------------------------------------------------------

_VAR_PARAMS = ("a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=True, "
               "correction=None")
_VAR = dict(
    vjp="ba += unreduce(by, a, axis, keepdims) * var_direction(a, axis, ddof, where, correction)",
    jvp="dy += np.sum(da * var_direction(a, axis, ddof, where, correction), axis=axis, "
        "keepdims=keepdims)")
_STD = dict(
    vjp="ba += unreduce(by, a, axis, keepdims) * std_direction(a, y, axis, ddof, keepdims, where, "
        "correction)",
    jvp="dy += np.sum(da * std_direction(a, y, axis, ddof, keepdims, where, correction), "
        "axis=axis, keepdims=keepdims)")
_VAR_EXTRA = (Case(Arr(4), ddof=1), Case(Arr(2, 3), axis=0, ddof=1),
              Case(Arr(2, 3, 4), axis=(0, -1), ddof=2, keepdims=True),
              Case(Arr(2, 4), axis=1, where=np.array([True, False, True, True])),
              Case(Arr(2, 4), axis=1, ddof=1, where=np.array([True, False, True, True])),
              Case(Arr(2, 3), 1, None, None, 1))
_VAR_FUNCTION_EXTRA = (Case(Arr(2, 3), axis=1, correction=1),)
defrule("numpy.var", _VAR_PARAMS, cases=_cases(scalar=False) + _VAR_EXTRA + _VAR_FUNCTION_EXTRA,
        **_VAR)
defrule(("method", "var"), _VAR_PARAMS, cases=_cases(scalar=False) + _VAR_EXTRA, **_VAR)
defrule("numpy.std", _VAR_PARAMS, cases=_cases(scalar=False) + _VAR_EXTRA + _VAR_FUNCTION_EXTRA,
        **_STD)
defrule(("method", "std"), _VAR_PARAMS, cases=_cases(scalar=False) + _VAR_EXTRA, **_STD)

# --- cumulative sums and products, diff ----------------------------------------------------

_CUMULATIVE_CASES = (
    Case(Arr(4)), Case(Arr(2, 3)), Case(Arr(2, 3), axis=0), Case(Arr(2, 3), axis=1),
    Case(Arr(2, 3, 4), axis=-1), Case(Arr(2, 3, 4), axis=-2), Case(Arr(2, 3), 1))
_CUMSUM = dict(vjp="ba += cumsum_adjoint(by, a, axis)", jvp="dy += np.cumsum(da, axis=axis)")
defrule("numpy.cumsum", "a, axis=None, dtype=None, out=None",
        cases=(Case(Arr()),) + _CUMULATIVE_CASES, **_CUMSUM)
defrule(("method", "cumsum"), "a, axis=None, dtype=None, out=None",
        cases=_CUMULATIVE_CASES, **_CUMSUM)
_CUMPROD = dict(vjp="ba += cumprod_adjoint(by, a, axis)", jvp="dy += cumprod_tangent(da, a, axis)")
defrule("numpy.cumprod", "a, axis=None, dtype=None, out=None",
        cases=(Case(Arr()),) + _CUMULATIVE_CASES, **_CUMPROD)
defrule(("method", "cumprod"), "a, axis=None, dtype=None, out=None",
        cases=_CUMULATIVE_CASES, **_CUMPROD)

_CUMULATIVE_NEW_CASES = (
    Case(Arr(4)), Case(Arr(4), include_initial=True), Case(Arr(2, 3), axis=0),
    Case(Arr(2, 3), axis=-1, include_initial=True), Case(Arr(2, 3, 4), axis=1),
    Case(Arr(2, 3, 4), axis=0, include_initial=True))
defrule("numpy.cumulative_sum",
        "x, /, *, axis=None, dtype=None, out=None, include_initial=False",
        vjp="bx += cumulative_adjoint(by, x, axis, include_initial)",
        jvp="dy += np.cumulative_sum(dx, axis=axis, include_initial=include_initial)",
        cases=_CUMULATIVE_NEW_CASES)
defrule("numpy.cumulative_prod",
        "x, /, *, axis=None, dtype=None, out=None, include_initial=False",
        vjp="bx += cumulative_adjoint(by, x, axis, include_initial, True)",
        jvp="dy += cumulative_prod_tangent(dx, x, axis, include_initial)",
        cases=_CUMULATIVE_NEW_CASES)

# prepend/append of None mean "not given": numpy cannot use None there.
defrule("numpy.diff", "a, n=1, axis=-1, prepend=None, append=None",
        vjp="""
            ba += diff_adjoint(by, "a", a, n, axis, prepend, append)
            bprepend += diff_adjoint(by, "prepend", a, n, axis, prepend, append)
            bappend += diff_adjoint(by, "append", a, n, axis, prepend, append)
        """,
        jvp="""
            dy += diff_tangent(da, "a", a, n, axis, prepend, append)
            dy += diff_tangent(dprepend, "prepend", a, n, axis, prepend, append)
            dy += diff_tangent(dappend, "append", a, n, axis, prepend, append)
        """,
        cases=(Case(Arr(4)), Case(Arr(5), 2), Case(Arr(5), n=3), Case(Arr(3), n=0),
               Case(Arr(3), 0, -1, Arr(2)),
               Case(Arr(3, 4), axis=0), Case(Arr(3, 4), 1, -1), Case(Arr(2, 3, 4), n=2, axis=1),
               Case(Arr(2, 3, 4), axis=-3),
               Case(Arr(4), 1, -1, Arr(1), Arr(2)), Case(Arr(4), 2, 0, Arr(2)),
               Case(Arr(3, 4), 1, 0, Arr()), Case(Arr(3, 4), 2, 1, Arr(3, 2), Arr()),
               Case(Arr(3, 4), 1, 0, Arr(1, 4), Arr(2, 4))))
