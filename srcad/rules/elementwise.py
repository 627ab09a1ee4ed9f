"""Rules of numpy and math elementwise functions."""

from . import Case, Arr, binary_cases, defrule, unary_cases  # noqa: F401

defrule("numpy.sin math.sin", "x", vjp="bx += by * np.cos(x)", jvp="dy += dx * np.cos(x)",
        cases=unary_cases())
defrule("numpy.cos math.cos", "x", vjp="bx += -by * np.sin(x)", jvp="dy += -dx * np.sin(x)",
        cases=unary_cases())
defrule("numpy.exp math.exp", "x", vjp="bx += by * y", jvp="dy += dx * y", cases=unary_cases())
defrule("numpy.log math.log", "x", vjp="bx += by / x", jvp="dy += dx / x",
        cases=unary_cases("positive"))
