"""Rules of linear algebra: dot, matmul, outer, inner, tensordot, einsum, trace, numpy.linalg."""

from . import Arr, Case, defrule

defrule("numpy.matmul", "x1, x2",
        vjp="""
            bx1 += matmul_adjoint_a(by, x1, x2)
            bx2 += matmul_adjoint_b(by, x1, x2)
        """,
        jvp="""
            dy += np.matmul(dx1, x2)
            dy += np.matmul(x1, dx2)
        """,
        cases=(Case(Arr(2, 3), Arr(3, 4)), Case(Arr(3), Arr(3, 2)), Case(Arr(2, 3), Arr(3))))
