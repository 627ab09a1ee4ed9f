"""Rules of linear algebra: dot, matmul, outer, inner, tensordot, einsum, trace, numpy.linalg.

The adjoints are runtime helpers (srcad/runtime/linalg.py, einsum.py) because they depend on the ranks
of the operands.  Helpers raise ``NotImplementedError`` naming any configuration they do
not handle (the sublist form of einsum, 2-vector cross products, unknown norm orders …).

Symmetric-input functions (``cholesky``, ``eigh``, ``eigvalsh``) read one triangle of
their argument, as LAPACK does: their adjoint is non-zero on that triangle only, which is
what finite differences measure, and agrees with the symmetric gradient on symmetric
perturbations.

Multi-output rules (``slogdet``: ``sign, logabsdet``; ``eigh``: ``w, v``) cannot be run
by the generic test harness, which returns the call's result directly: they have no
``cases`` and are tested in tests/rules/test_linalg_extra.py.
"""

from . import Arr, Case, defrule

SQ = "square"

# --------------------------------------------------------------------------- products

defrule("numpy.matmul numpy.linalg.matmul", "x1, x2",
        vjp="""
            bx1 += matmul_adjoint_a(by, x1, x2)
            bx2 += matmul_adjoint_b(by, x1, x2)
        """,
        jvp="""
            dy += np.matmul(dx1, x2)
            dy += np.matmul(x1, dx2)
        """,
        cases=(Case(Arr(2, 3), Arr(3, 4)), Case(Arr(3), Arr(3, 2)), Case(Arr(2, 3), Arr(3)),
               Case(Arr(3), Arr(3)), Case(Arr(2, 2, 3), Arr(3, 2)), Case(Arr(3), Arr(2, 3, 2)),
               Case(Arr(2, 2, 3), Arr(3)), Case(Arr(2, 1, 2, 3), Arr(3, 3, 2))))

_DOT_CASES = (Case(Arr(3), Arr(3)), Case(Arr(2, 3), Arr(3)), Case(Arr(3), Arr(3, 2)),
              Case(Arr(2, 3), Arr(3, 4)), Case(Arr(2, 2, 3), Arr(4, 3, 2)),
              Case(Arr(2, 3), Arr(2, 3, 4)), Case(Arr(3), Arr(2, 3, 4)),
              Case(Arr(2, 2, 3), Arr(3)))

defrule("numpy.dot", "a, b, out=None",
        vjp="""
            ba += dot_adjoint_a(by, a, b)
            bb += dot_adjoint_b(by, a, b)
        """,
        jvp="""
            dy += np.dot(da, b)
            dy += np.dot(a, db)
        """,
        cases=_DOT_CASES + (Case(Arr(), Arr(3)), Case(Arr(2, 3), Arr()), Case(Arr(), Arr())))

defrule(("method", "dot"), "a, b, out=None",
        vjp="""
            ba += dot_adjoint_a(by, a, b)
            bb += dot_adjoint_b(by, a, b)
        """,
        jvp="""
            dy += np.dot(da, b)
            dy += np.dot(a, db)
        """,
        cases=_DOT_CASES)

defrule("numpy.vdot", "a, b",
        vjp="""
            ba += vdot_adjoint_a(by, a, b)
            bb += vdot_adjoint_b(by, a, b)
        """,
        jvp="""
            dy += np.vdot(da, b)
            dy += np.vdot(a, db)
        """,
        cases=(Case(Arr(3), Arr(3)), Case(Arr(2, 3), Arr(3, 2))))

defrule("numpy.vecdot numpy.linalg.vecdot", "x1, x2, *, axis=-1",
        vjp="""
            bx1 += vecdot_adjoint_a(by, x1, x2, axis)
            bx2 += vecdot_adjoint_b(by, x1, x2, axis)
        """,
        jvp="""
            dy += np.sum(dx1 * x2, axis=axis)
            dy += np.sum(x1 * dx2, axis=axis)
        """,
        cases=(Case(Arr(3), Arr(3)), Case(Arr(2, 3), Arr(3)), Case(Arr(3, 2), Arr(3, 2), axis=0),
               Case(Arr(2, 1, 3), Arr(4, 3)), Case(Arr(2, 3, 4), Arr(3, 4), axis=-2)))

defrule("numpy.outer", "a, b, out=None",
        vjp="""
            ba += outer_adjoint_a(by, a, b)
            bb += outer_adjoint_b(by, a, b)
        """,
        jvp="""
            dy += np.outer(da, b)
            dy += np.outer(a, db)
        """,
        cases=(Case(Arr(3), Arr(2)), Case(Arr(2, 2), Arr(3)), Case(Arr(), Arr(2))))

defrule("numpy.linalg.outer", "x1, x2",
        vjp="""
            bx1 += outer_adjoint_a(by, x1, x2)
            bx2 += outer_adjoint_b(by, x1, x2)
        """,
        jvp="""
            dy += np.outer(dx1, x2)
            dy += np.outer(x1, dx2)
        """,
        cases=(Case(Arr(3), Arr(2)),))

defrule("numpy.inner", "a, b",
        vjp="""
            ba += inner_adjoint_a(by, a, b)
            bb += inner_adjoint_b(by, a, b)
        """,
        jvp="""
            dy += np.inner(da, b)
            dy += np.inner(a, db)
        """,
        cases=(Case(Arr(3), Arr(3)), Case(Arr(2, 3), Arr(3)), Case(Arr(2, 3), Arr(4, 3)),
               Case(Arr(2, 2, 3), Arr(4, 3)), Case(Arr(), Arr(3))))

_TENSORDOT_CASES = (Case(Arr(2, 3, 4), Arr(3, 4, 2)), Case(Arr(2, 3), Arr(3, 4), 1),
                    Case(Arr(2, 3), Arr(2, 2), 0), Case(Arr(2, 3), Arr(3, 4), axes=1),
                    Case(Arr(3, 2, 4), Arr(4, 3, 2), ([0, 2], [1, 0])),
                    Case(Arr(2, 3), Arr(4, 2), (0, 1)),
                    Case(Arr(2, 3), Arr(2, 3), axes=((0, 1), (0, 1))),
                    Case(Arr(2, 3), Arr(3, 2), ((1, 0), (0, 1))))

defrule("numpy.tensordot", "a, b, axes=2",
        vjp="""
            ba += tensordot_adjoint_a(by, a, b, axes)
            bb += tensordot_adjoint_b(by, a, b, axes)
        """,
        jvp="""
            dy += np.tensordot(da, b, axes)
            dy += np.tensordot(a, db, axes)
        """,
        cases=_TENSORDOT_CASES)

defrule("numpy.linalg.tensordot", "x1, x2, *, axes=2",
        vjp="""
            bx1 += tensordot_adjoint_a(by, x1, x2, axes)
            bx2 += tensordot_adjoint_b(by, x1, x2, axes)
        """,
        jvp="""
            dy += np.tensordot(dx1, x2, axes)
            dy += np.tensordot(x1, dx2, axes)
        """,
        cases=(Case(Arr(2, 3, 4), Arr(3, 4, 2)), Case(Arr(2, 3), Arr(3, 4), axes=1)))

defrule("numpy.linalg.multi_dot", "arrays, *, out=None",
        vjp="barrays += multi_dot_adjoints(by, arrays)",
        jvp="dy += multi_dot_tangent(arrays, darrays)",
        cases=(Case([Arr(2, 3), Arr(3, 4), Arr(4, 2)]), Case([Arr(3), Arr(3, 4), Arr(4)]),
               Case([Arr(3), Arr(3, 2), Arr(2, 2)]), Case([Arr(2, 3), Arr(3, 2), Arr(2)])))

defrule("numpy.kron", "a, b",
        vjp="""
            ba += kron_adjoint_a(by, a, b)
            bb += kron_adjoint_b(by, a, b)
        """,
        jvp="""
            dy += np.kron(da, b)
            dy += np.kron(a, db)
        """,
        cases=(Case(Arr(2, 2), Arr(3, 2)), Case(Arr(3), Arr(2)), Case(Arr(2, 3), Arr(2)),
               Case(Arr(2), Arr(2, 2)), Case(Arr(2, 1, 2), Arr(2, 2))))

defrule("numpy.cross", "a, b, axisa=-1, axisb=-1, axisc=-1, axis=None",
        vjp="""
            ba += cross_adjoint_a(by, a, b, axisa, axisb, axisc, axis)
            bb += cross_adjoint_b(by, a, b, axisa, axisb, axisc, axis)
        """,
        jvp="""
            dy += np.cross(da, b, axisa, axisb, axisc, axis)
            dy += np.cross(a, db, axisa, axisb, axisc, axis)
        """,
        cases=(Case(Arr(3), Arr(3)), Case(Arr(2, 3), Arr(3)), Case(Arr(3, 2), Arr(2, 3), 0, 1, 0),
               Case(Arr(3, 2), Arr(3, 2), axis=0)))

defrule("numpy.linalg.cross", "x1, x2, *, axis=-1",
        vjp="""
            bx1 += cross_adjoint_a(by, x1, x2, axis, axis, axis)
            bx2 += cross_adjoint_b(by, x1, x2, axis, axis, axis)
        """,
        jvp="""
            dy += np.cross(dx1, x2, axis=axis)
            dy += np.cross(x1, dx2, axis=axis)
        """,
        cases=(Case(Arr(3), Arr(3)), Case(Arr(3, 2), Arr(3, 2), axis=0)))

# --------------------------------------------------------------------------- einsum

defrule("numpy.einsum",
        "subscripts, *operands, out=None, dtype=None, order='K', casting='safe', optimize=False",
        vjp="""
            bsubscripts += einsum_sublist_first_adjoint(by, subscripts, operands)
            boperands += einsum_adjoints(by, subscripts, operands)
        """,
        jvp="""
            dy += np.einsum(dsubscripts, *operands)
            dy += einsum_tangent(subscripts, operands, doperands)
        """,
        cases=(Case("ij,jk->ik", Arr(2, 3), Arr(3, 4)), Case("ij->", Arr(2, 3)),
               Case("i,i->", Arr(3), Arr(3)), Case("bij,bjk->bik", Arr(2, 2, 3), Arr(2, 3, 2)),
               Case("ii->i", Arr(3, 3)), Case("ii", Arr(3, 3)), Case("ij->ji", Arr(2, 3)),
               Case("ij,jk", Arr(2, 3), Arr(3, 4)), Case("ij->i", Arr(2, 3)),
               Case("i,j->ij", Arr(2), Arr(3)), Case("...ij,...jk->...ik", Arr(2, 2, 3), Arr(3, 2)),
               Case("ij,jk,kl->il", Arr(2, 3), Arr(3, 4), Arr(4, 2)),
               Case("i,i->i", Arr(1), Arr(3)), Case("iij->j", Arr(2, 2, 3)),
               Case("ij,ij->", Arr(2, 3), Arr(2, 3)), Case("ii,i->i", Arr(3, 3), Arr(3)),
               Case(",i->i", Arr(), Arr(3)), Case("i...->...", Arr(3, 2, 2)),
               Case("Ab,bC", Arr(2, 3), Arr(3, 2)), Case("...i,...i", Arr(2, 1, 3), Arr(4, 3)),
               Case("ij,kj->ikj", Arr(2, 3), Arr(4, 3), optimize=True),
               Case(Arr(2, 3), [0, 1], Arr(3, 4), [1, 2], [0, 2]),
               Case(Arr(2, 3), [1, 0]), Case(Arr(2, 3), [0, Ellipsis], Arr(3), [Ellipsis])))

# --------------------------------------------------------------------------- trace

_TRACE_CASES = (Case(Arr(3, 3)), Case(Arr(2, 3), 1), Case(Arr(2, 3, 3), 0, 1, 2),
                Case(Arr(3, 4), -1), Case(Arr(3, 2, 3), 0, 2, 0))

defrule("numpy.trace", "a, offset=0, axis1=0, axis2=1, dtype=None, out=None",
        vjp="ba += trace_adjoint(by, a, offset, axis1, axis2)",
        jvp="dy += np.trace(da, offset, axis1, axis2)",
        cases=_TRACE_CASES)

defrule(("method", "trace"), "a, offset=0, axis1=0, axis2=1, dtype=None, out=None",
        vjp="ba += trace_adjoint(by, a, offset, axis1, axis2)",
        jvp="dy += np.trace(da, offset, axis1, axis2)",
        cases=_TRACE_CASES[:3])

defrule("numpy.linalg.trace", "x, *, offset=0, dtype=None",
        vjp="bx += trace_adjoint(by, x, offset, -2, -1)",
        jvp="dy += np.trace(dx, offset, -2, -1)",
        cases=(Case(Arr(3, 3)), Case(Arr(2, 3, 4), offset=1)))

# --------------------------------------------------------------------------- norms
# ord=inf/-inf cases are in tests/rules/test_linalg_extra.py: the harness cannot spell inf.

defrule("numpy.linalg.norm", "x, ord=None, axis=None, keepdims=False",
        vjp="bx += norm_adjoint(by, x, y, ord, axis, keepdims)",
        jvp="dy += norm_tangent(dx, x, y, ord, axis, keepdims)",
        cases=(Case(Arr()), Case(Arr(3)), Case(Arr(2, 3)), Case(Arr(2, 3, 2)),
               Case(Arr(3), 2), Case(Arr(3), 1), Case(Arr(3), 3), Case(Arr(3), 0.5),
               Case(Arr(3), 0), Case(Arr(3), -1), Case(Arr(2, 3), keepdims=True),
               Case(Arr(2, 3), "fro"), Case(Arr(2, 3), "nuc"), Case(Arr(2, 3), 2),
               Case(Arr(3, 2), -2), Case(Arr(2, 3), 1), Case(Arr(2, 3), -1),
               Case(Arr(2, 3), axis=1), Case(Arr(2, 3), axis=0, keepdims=True),
               Case(Arr(2, 3), 1, 1), Case(Arr(2, 3, 4), None, (2, 0)),
               Case(Arr(2, 3, 4), "nuc", (2, 0), True), Case(Arr(2, 3, 4), -1, (0, 1))))

defrule("numpy.linalg.vector_norm", "x, *, axis=None, keepdims=False, ord=2",
        vjp="bx += norm_adjoint(by, x, y, ord, axis, keepdims, 'vector')",
        jvp="dy += norm_tangent(dx, x, y, ord, axis, keepdims, 'vector')",
        cases=(Case(Arr(3)), Case(Arr(2, 3)), Case(Arr(2, 3), axis=(0, 1), ord=1),
               Case(Arr(2, 3), axis=0, ord=3), Case(Arr(2, 3, 2), axis=(0, 2), keepdims=True)))

defrule("numpy.linalg.matrix_norm", "x, *, keepdims=False, ord='fro'",
        vjp="bx += norm_adjoint(by, x, y, ord, None, keepdims, 'matrix')",
        jvp="dy += norm_tangent(dx, x, y, ord, None, keepdims, 'matrix')",
        cases=(Case(Arr(2, 3)), Case(Arr(2, 2, 3), ord="nuc"), Case(Arr(2, 3), ord=1, keepdims=True),
               Case(Arr(3, 3), ord=2)))

# --------------------------------------------------------------------------- numpy.linalg

defrule("numpy.linalg.inv", "a",
        vjp="ba += -(mT(y) @ (by @ mT(y)))",
        jvp="dy += -(y @ (da @ y))",
        cases=(Case(Arr(3, 3, domain=SQ)), Case(Arr(2, 3, 3, domain=SQ))))

defrule("numpy.linalg.det", "a",
        vjp="ba += det_adjoint(by, a, y)",
        jvp="dy += y * logdet_tangent(da, a)",
        cases=(Case(Arr(3, 3, domain=SQ)), Case(Arr(2, 2, 2, domain=SQ)), Case(Arr(1, 1, domain=SQ))))

defrule("numpy.linalg.slogdet", "a", outputs="sign logabsdet",
        vjp="ba += slogdet_adjoint(blogabsdet, a)",
        jvp="dlogabsdet += logdet_tangent(da, a)",
        cases=())

defrule("numpy.linalg.solve", "a, b",
        vjp="""
            gb = solve_adjoint_rhs(by, a, b)
            ba += solve_adjoint_a(gb, a, b, y)
            bb += unbroadcast(gb, b)
        """,
        jvp="""
            dy += solve_tangent_a(da, a, b, y)
            dy += np.linalg.solve(a, db)
        """,
        cases=(Case(Arr(3, 3, domain=SQ), Arr(3)), Case(Arr(3, 3, domain=SQ), Arr(3, 2)),
               Case(Arr(2, 3, 3, domain=SQ), Arr(3)), Case(Arr(2, 3, 3, domain=SQ), Arr(3, 2)),
               Case(Arr(3, 3, domain=SQ), Arr(2, 3, 2))))

defrule("numpy.linalg.matrix_power", "a, n",
        vjp="ba += matrix_power_adjoint(by, a, n)",
        jvp="dy += matrix_power_tangent(da, a, n)",
        cases=(Case(Arr(3, 3), 3), Case(Arr(3, 3, domain=SQ), -2), Case(Arr(3, 3), 1),
               Case(Arr(2, 3, 3), 2), Case(Arr(3, 3), 0)))

defrule("numpy.linalg.cholesky", "a, *, upper=False",
        vjp="ba += cholesky_adjoint(by, y, upper)",
        jvp="dy += cholesky_tangent(da, y, upper)",
        cases=(Case(Arr(3, 3, domain="spd")), Case(Arr(2, 3, 3, domain="spd")),
               Case(Arr(3, 3, domain="spd"), upper=True)))

defrule("numpy.linalg.eigh", "a, UPLO='L'", outputs="w v",
        vjp="ba += eigh_adjoint(bw, bv, w, v, UPLO)",
        jvp="""
            dw += eigh_tangent_w(da, v, UPLO)
            dv += eigh_tangent_v(da, w, v, UPLO)
        """,
        cases=())

defrule("numpy.linalg.eigvalsh", "a, UPLO='L'",
        vjp="ba += eigvalsh_adjoint(by, a, UPLO)",
        jvp="dy += eigvalsh_tangent(da, a, UPLO)",
        cases=(Case(Arr(3, 3, domain="spd")), Case(Arr(3, 3, domain="spd"), "U"),
               Case(Arr(2, 3, 3, domain="spd"))))

defrule("numpy.linalg.svdvals", "x",
        vjp="bx += svdvals_adjoint(by, x)",
        jvp="dy += svdvals_tangent(dx, x)",
        cases=(Case(Arr(3, 3)), Case(Arr(2, 3)), Case(Arr(2, 3, 2))))
