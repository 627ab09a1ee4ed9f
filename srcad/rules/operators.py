"""Rules of Python's arithmetic operators (``+ - * / ** // % @``, unary ``-`` and ``+``).

Comparisons, ``//`` and the bitwise operators are not differentiable: their results are
inactive.  The numpy functions that do the same job (``np.add`` …) are in elementwise.py.
"""

import operator

from . import Arr, Case, binary_cases, defnondiff, defrule, unary_cases

defrule(operator.add, "x1, x2",
        vjp="""
            bx1 += unbroadcast(by, x1)
            bx2 += unbroadcast(by, x2)
        """,
        jvp="""
            dy += dx1
            dy += dx2
        """,
        cases=binary_cases())

defrule(operator.sub, "x1, x2",
        vjp="""
            bx1 += unbroadcast(by, x1)
            bx2 += unbroadcast(-by, x2)
        """,
        jvp="""
            dy += dx1
            dy += -dx2
        """,
        cases=binary_cases())

defrule(operator.mul, "x1, x2",
        vjp="""
            bx1 += unbroadcast(by * x2, x1)
            bx2 += unbroadcast(by * x1, x2)
        """,
        jvp="""
            dy += dx1 * x2
            dy += x1 * dx2
        """,
        cases=binary_cases())

defrule(operator.truediv, "x1, x2",
        vjp="""
            bx1 += unbroadcast(by / x2, x1)
            bx2 += unbroadcast(-by * y / x2, x2)
        """,
        jvp="""
            dy += dx1 / x2
            dy += -dx2 * y / x2
        """,
        cases=binary_cases("real", "nonzero"))

# The plain formulas give nan for d(x ** 0)/dx and d(0 ** p)/dp at x == 0, where both
# derivatives are 0 (JAX's convention); power_dbase/power_dexponent handle those points.
defrule(operator.pow, "x1, x2",
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
            Case(Arr(2, 3), 0), Case(2.0, Arr(3))))

defrule(operator.mod, "x1, x2",
        vjp="""
            bx1 += unbroadcast(by, x1)
            bx2 += unbroadcast(-by * np.floor_divide(x1, x2), x2)
        """,
        jvp="""
            dy += dx1
            dy += -dx2 * np.floor_divide(x1, x2)
        """,
        cases=binary_cases("real", "nonzero"))

defrule(operator.matmul, "x1, x2",
        vjp="""
            bx1 += matmul_adjoint_a(by, x1, x2)
            bx2 += matmul_adjoint_b(by, x1, x2)
        """,
        jvp="""
            dy += dx1 @ x2
            dy += x1 @ dx2
        """,
        cases=(Case(Arr(2, 3), Arr(3, 4)), Case(Arr(3), Arr(3, 2)), Case(Arr(2, 3), Arr(3)),
               Case(Arr(3), Arr(3)), Case(Arr(2, 2, 3), Arr(3, 2)), Case(Arr(3), Arr(2, 3, 2))))

defrule(operator.neg, "x", vjp="bx += -by", jvp="dy += -dx", cases=unary_cases())
defrule(operator.pos, "x", vjp="bx += by", jvp="dy += dx", cases=unary_cases())

defnondiff(operator.floordiv, operator.not_, operator.invert, operator.and_, operator.or_,
           operator.xor, operator.lshift, operator.rshift, operator.lt, operator.le, operator.gt,
           operator.ge, operator.eq, operator.ne, operator.is_, operator.is_not,
           operator.contains, why="integer-valued or boolean result")
