"""Rules of the linear-algebra helpers of ``srcad.runtime``.

The adjoints of the bilinear products (matmul, dot, tensordot, kron, cross …), einsum,
trace, norms, det/slogdet, solve, cholesky, eigh/eigvalsh, svdvals, multi_dot and
matrix_power, and their tangents; the second derivatives they call are in
srcad/runtime/higher_linalg.py.  Part of the rules of srcad's runtime helpers: see
srcad/rules/runtime_rules.py for how they are derived.
"""

import numpy as np

from ..runtime import HELPERS
from . import Arr, Case
from .runtime_rules import _rule


def _np_rng():
    return np.random.default_rng(1234)


# ---------------------------------------------------------------------------------------
# linalg
# ---------------------------------------------------------------------------------------

_rule("mT", "a", vjp="ba += mT(by)", jvp="dy += mT(da)",
      cases=(Case(Arr(2, 3)), Case(Arr(2, 3, 4))))

# Bilinear products P(a, b): F_a(g, a, b) = grad_a <g, P(a, b)> is linear in g and b and
# uses a for its shape only; <c, F_a(g, a, b)> = <g, P(c, b)>.
_BILINEAR = {
    # name: (P(a, b) as a template, extra parameters, cases as (g, a, b, *extra))
    "matmul": ("np.matmul({a}, {b})", "", (
        (Arr(2, 4), Arr(2, 3), Arr(3, 4)), (Arr(2), Arr(3), Arr(3, 2)), (Arr(2), Arr(2, 3), Arr(3)),
        (Arr(), Arr(3), Arr(3)), (Arr(2, 2, 2), Arr(2, 2, 3), Arr(3, 2)),
        (Arr(2, 2), Arr(3), Arr(2, 3, 2)), (Arr(2, 2), Arr(2, 2, 3), Arr(3)),
        (Arr(2, 3, 2, 2), Arr(2, 1, 2, 3), Arr(3, 3, 2)))),
    "dot": ("np.dot({a}, {b})", "", (
        (Arr(), Arr(3), Arr(3)), (Arr(2), Arr(2, 3), Arr(3)), (Arr(2), Arr(3), Arr(3, 2)),
        (Arr(2, 4), Arr(2, 3), Arr(3, 4)), (Arr(2, 2, 4, 2), Arr(2, 2, 3), Arr(4, 3, 2)),
        (Arr(3), Arr(), Arr(3)), (Arr(2, 3), Arr(2, 3), Arr()))),
    "inner": ("np.inner({a}, {b})", "", (
        (Arr(), Arr(3), Arr(3)), (Arr(2), Arr(2, 3), Arr(3)), (Arr(2, 4), Arr(2, 3), Arr(4, 3)),
        (Arr(3), Arr(), Arr(3)))),
    "outer": ("np.outer({a}, {b})", "", (
        (Arr(3, 2), Arr(3), Arr(2)), (Arr(4, 3), Arr(2, 2), Arr(3)), (Arr(1, 2), Arr(), Arr(2)))),
    "vdot": ("np.vdot({a}, {b})", "", ((Arr(), Arr(3), Arr(3)), (Arr(), Arr(2, 3), Arr(3, 2)))),
    "vecdot": ("vecdot_real({a}, {b}, axis)", ", axis=-1", (
        (Arr(), Arr(3), Arr(3)), (Arr(2), Arr(2, 3), Arr(3)), (Arr(2), Arr(3, 2), Arr(3, 2), 0),
        (Arr(2, 4), Arr(2, 1, 3), Arr(4, 3)), (Arr(2, 4), Arr(2, 3, 4), Arr(3, 4), -2))),
    "tensordot": ("np.tensordot({a}, {b}, axes)", ", axes=2", (
        (Arr(2, 2), Arr(2, 3, 4), Arr(3, 4, 2)), (Arr(2, 4), Arr(2, 3), Arr(3, 4), 1),
        (Arr(2, 3, 2, 2), Arr(2, 3), Arr(2, 2), 0), (Arr(2, 2), Arr(3, 2, 4), Arr(4, 3, 2), ([0, 2], [1, 0])),
        (Arr(), Arr(2, 3), Arr(3, 2), ((1, 0), (0, 1))))),
    "kron": ("np.kron({a}, {b})", "", (
        (Arr(6, 4), Arr(2, 2), Arr(3, 2)), (Arr(6), Arr(3), Arr(2)), (Arr(2, 6), Arr(2, 3), Arr(2)),
        (Arr(2, 4), Arr(2), Arr(2, 2)))),
    "cross": ("np.cross({a}, {b}, axisa, axisb, axisc, axis)",
              ", axisa=-1, axisb=-1, axisc=-1, axis=None", (
                  (Arr(3), Arr(3), Arr(3)), (Arr(2, 3), Arr(2, 3), Arr(3)),
                  (Arr(3, 2), Arr(3, 2), Arr(2, 3), 0, 1, 0),
                  (Arr(3, 2), Arr(3, 2), Arr(3, 2), -1, -1, -1, 0))),
}
for _p, (_prod, _extra, _cases) in _BILINEAR.items():
    _names = [n for n in (f"{_p}_adjoint_a", f"{_p}_adjoint_b") if n in HELPERS]
    if len(_names) != 2:
        continue
    _more = "".join(", " + e.split("=")[0].strip() for e in _extra.split(",") if e.strip())
    _a, _b = _names
    _renamed = ("x1", "x2") if _p == "vecdot" else ()
    _rule(_a, f"g, a, b{_extra}",
          vjp=f"""
              bg += unbroadcast({_prod.format(a="by", b="b")}, g)
              bb += {_b}(g, by, b{_more})
          """,
          jvp=f"""
              dy += {_a}(dg, a, b{_more})
              dy += {_a}(g, a, db{_more})
          """,
          cases=tuple(Case(*c) for c in _cases), renamed=_renamed)
    _rule(_b, f"g, a, b{_extra}",
          vjp=f"""
              bg += unbroadcast({_prod.format(a="a", b="by")}, g)
              ba += {_a}(g, a, by{_more})
          """,
          jvp=f"""
              dy += {_b}(dg, a, b{_more})
              dy += {_b}(g, da, b{_more})
          """,
          cases=tuple(Case(*c) for c in _cases), renamed=_renamed)
_rule("vecdot_real", "x1, x2, axis=-1",
      vjp="""
          bx1 += vecdot_adjoint_a(by, x1, x2, axis)
          bx2 += vecdot_adjoint_b(by, x1, x2, axis)
      """,
      jvp="""
          dy += vecdot_real(dx1, x2, axis)
          dy += vecdot_real(x1, dx2, axis)
      """,
      cases=(Case(Arr(3), Arr(3)), Case(Arr(2, 3), Arr(3)), Case(Arr(3, 2), Arr(3, 2), 0),
             Case(Arr(2, 3, 4), Arr(3, 4), -2)))

# einsum: multilinear in the operands (string subscripts only; the sublist form raises).
_rule("einsum_adjoints", "g, subscripts, operands",
      vjp="""
          bg += einsum_sum_replaced(subscripts, operands, by)
          boperands += einsum_cross(g, subscripts, operands, by)
      """,
      jvp="""
          dy += einsum_adjoints(dg, subscripts, operands)
          dy += einsum_cross(g, subscripts, operands, doperands)
      """,
      cases=(Case(Arr(2, 2), "ij,jk->ik", (Arr(2, 2), Arr(2, 2))), Case(Arr(), "i,i->", (Arr(3), Arr(3))),
             Case(Arr(3), "ii->i", (Arr(3, 3),)), Case(Arr(2, 2), "ij,jk,kl->il", (Arr(2, 2),) * 3),
             Case(Arr(3, 3), "i,j->ij", (Arr(3), Arr(3))), Case(Arr(), "ij,ij", (Arr(2, 3), Arr(2, 3)))))
_rule("einsum_tangent", "subscripts, operands, t",
      vjp="""
          bt += einsum_adjoints(by, subscripts, operands)
          boperands += einsum_cross(by, subscripts, operands, t)
      """,
      jvp="""
          dy += einsum_sum_replaced(subscripts, operands, dt)
          dy += einsum_sum_replaced2(subscripts, operands, t, doperands)
      """,
      cases=(Case("ij,jk->ik", (Arr(2, 2), Arr(2, 2)), (Arr(2, 2), Arr(2, 2))),
             Case("i,i->", (Arr(3), Arr(3)), (Arr(3), Arr(3))),
             Case("ij,jk,kl->il", (Arr(2, 2),) * 3, (Arr(2, 2),) * 3)),
      renamed=("doperands",))
_rule("einsum_sum_replaced", "subscripts, operands, c",
      vjp="""
          bc += einsum_adjoints(by, subscripts, operands)
          boperands += einsum_cross(by, subscripts, operands, c)
      """,
      jvp="""
          dy += einsum_sum_replaced(subscripts, operands, dc)
          dy += einsum_sum_replaced2(subscripts, operands, c, doperands)
      """,
      cases=(Case("ij,jk->ik", (Arr(2, 2), Arr(2, 2)), (Arr(2, 2), Arr(2, 2))),
             Case("i,i->", (Arr(3), Arr(3)), (Arr(3), Arr(3)))))

_rule("trace_adjoint", "g, a, offset=0, axis1=0, axis2=1",
      vjp="bg += np.trace(by, offset, axis1, axis2)",
      jvp="dy += trace_adjoint(dg, a, offset, axis1, axis2)",
      cases=(Case(Arr(), Arr(3, 3)), Case(Arr(), Arr(2, 3), 1), Case(Arr(2), Arr(2, 3, 3), 0, 1, 2),
             Case(Arr(), Arr(3, 4), -1), Case(Arr(2), Arr(3, 2, 3), 0, 2, 0)))

# Norms: norm_adjoint = g * w(x, y) with weights w elementwise in x (given the norm y).
_NORM = "ord, axis, keepdims, kind"
_NORM_CASES = ((Arr(), Arr(3)), (Arr(), Arr(2, 3)), (Arr(), Arr(3), 3), (Arr(), Arr(3), 1),
               (Arr(), Arr(3), 1.5), (Arr(), Arr(2, 3), "fro"), (Arr(2), Arr(2, 3), None, 1),
               (Arr(1, 3), Arr(2, 3), None, 0, True), (Arr(), Arr(2, 3), 1),
               (Arr(3), Arr(2, 3, 4), None, (2, 0)), (Arr(), Arr(2, 3), None, None, False, "matrix"),
               (Arr(2), Arr(2, 3), 2, 1, False, "vector"))
_rule("norm_adjoint", "g, x, y, ord=None, axis=None, keepdims=False, kind='norm'", outputs="out",
      vjp=f"""
          bg += norm_tangent(bout, x, y, {_NORM})
          bx += norm_second(g, bout, x, y, {_NORM}, 'X')
          by += norm_second(g, bout, x, y, {_NORM}, 'Y')
      """,
      jvp=f"""
          dout += norm_adjoint(dg, x, y, {_NORM})
          dout += norm_second(g, dx, x, y, {_NORM}, 'X')
          dout += norm_second(g, dy, x, y, {_NORM}, 'Z')
      """,
      cases=tuple(Case(c[0], c[1], Arr(*c[0].shape, domain="positive"), *c[2:])
                  for c in _NORM_CASES))
_rule("norm_tangent", "t, x, y, ord=None, axis=None, keepdims=False, kind='norm'", outputs="out",
      vjp=f"""
          bt += norm_adjoint(bout, x, y, {_NORM})
          bx += norm_second(bout, t, x, y, {_NORM}, 'X')
          by += norm_second(bout, t, x, y, {_NORM}, 'Y')
      """,
      jvp=f"""
          dout += norm_tangent(dt, x, y, {_NORM})
          dout += norm_second(dx, t, x, y, {_NORM}, 'W')
          dout += norm_second(dy, t, x, y, {_NORM}, 'Y')
      """,
      cases=tuple(Case(c[1], c[1], Arr(*c[0].shape, domain="positive"), *c[2:])
                  for c in _NORM_CASES),
      renamed=("dx",))

_SQ = "square"
_rule("det_adjoint", "g, a, y", outputs="out",
      vjp="""
          bg += det_adjoint_transpose(bout, a, y)
          ba += det_adjoint_da(bout, g, a, y)
          by += det_adjoint_dy(bout, g, a, True)
      """,
      jvp="""
          dout += det_adjoint(dg, a, y)
          dout += det_adjoint_da(da, g, a, y)
          dout += det_adjoint_dy(dy, g, a, False)
      """,
      cases=(Case(Arr(), Arr(3, 3, domain=_SQ), Arr()), Case(Arr(2), Arr(2, 3, 3, domain=_SQ), Arr(2)),
             Case(Arr(), Arr(1, 1, domain=_SQ), Arr())))
_rule("slogdet_adjoint", "g, a",
      vjp="""
          bg += logdet_tangent(by, a)
          ba += det_adjoint_da(by, g, a, 1.0)
      """,
      jvp="""
          dy += slogdet_adjoint(dg, a)
          dy += det_adjoint_da(da, g, a, 1.0)
      """,
      cases=(Case(Arr(), Arr(3, 3, domain=_SQ)), Case(Arr(2), Arr(2, 3, 3, domain=_SQ))))
_rule("logdet_tangent", "t, a",
      vjp="""
          bt += unbroadcast(slogdet_adjoint(by, a), t)
          ba += det_adjoint_da(t, by, a, 1.0)
      """,
      jvp="""
          dy += logdet_tangent(dt, a)
          dy += np.sum(da * det_adjoint_da(t, 1.0, a, 1.0), axis=(-2, -1))
      """,
      cases=(Case(Arr(3, 3), Arr(3, 3, domain=_SQ)), Case(Arr(2, 3, 3), Arr(2, 3, 3, domain=_SQ)),
             Case(Arr(3, 3), Arr(2, 3, 3, domain=_SQ))),
      renamed=("da",))
_rule("solve_rhs", "a, r, b",
      vjp="""
          br += unbroadcast(solve_adjoint_rhs(by, a, b), r)
          ba += solve_adjoint_a(solve_adjoint_rhs(by, a, b), a, b, y)
      """,
      jvp="""
          dy += solve_rhs(a, dr, b)
          dy += solve_tangent_a(da, a, b, y)
      """,
      cases=(Case(Arr(3, 3, domain=_SQ), Arr(3), Arr(3)), Case(Arr(3, 3, domain=_SQ), Arr(3, 2), Arr(3, 2)),
             Case(Arr(2, 3, 3, domain=_SQ), Arr(2, 3), Arr(3)),
             Case(Arr(3, 3, domain=_SQ), Arr(2, 3, 2), Arr(2, 3, 2))))
# solve_adjoint_rhs(g, a, b) = solve(a^T, g): b gives the vector/matrix convention only.
_rule("solve_adjoint_rhs", "g, a, b",
      vjp="""
          bg += unbroadcast(solve_rhs(a, by, b), g)
          ba += solve_adjoint_a(y, a, b, solve_rhs(a, by, b))
      """,
      jvp="""
          dy += solve_adjoint_rhs(dg, a, b)
          dy += solve_tangent_a(mT(da), mT(a), b, y)
      """,
      cases=(Case(Arr(3), Arr(3, 3, domain=_SQ), Arr(3)), Case(Arr(3, 2), Arr(3, 3, domain=_SQ), Arr(3, 2)),
             Case(Arr(2, 3), Arr(2, 3, 3, domain=_SQ), Arr(3)),
             Case(Arr(2, 3, 2), Arr(3, 3, domain=_SQ), Arr(2, 3, 2))))
# solve_adjoint_a(gb, a, b, y) = -gb y^T summed to a's shape: bilinear in gb and y.
_rule("solve_adjoint_a", "gb, a, b, y", outputs="out",
      vjp="""
          bgb += solve_adjoint_a_transpose(bout, gb, a, b, y, 'gb')
          by += solve_adjoint_a_transpose(bout, gb, a, b, y, 'y')
      """,
      jvp="""
          dout += solve_adjoint_a(dgb, a, b, y)
          dout += solve_adjoint_a(gb, a, b, dy)
      """,
      cases=(Case(Arr(3), Arr(3, 3), Arr(3), Arr(3)), Case(Arr(3, 2), Arr(3, 3), Arr(3, 2), Arr(3, 2)),
             Case(Arr(2, 3), Arr(3, 3), Arr(3), Arr(2, 3)),
             Case(Arr(2, 3, 2), Arr(3, 3), Arr(2, 3, 2), Arr(2, 3, 2))))
# solve_tangent_a(t, a, b, y) = -solve(a, t @ y).
_rule("solve_tangent_a", "t, a, b, y", outputs="out",
      vjp="""
          bt += unbroadcast(solve_adjoint_a(solve_adjoint_rhs(bout, a, b), a, b, y), t)
          ba += solve_adjoint_a(solve_adjoint_rhs(bout, a, b), a, b, out)
          by += solve_tangent_a_dy(bout, t, a, b, y)
      """,
      jvp="""
          dout += solve_tangent_a(dt, a, b, y)
          dout += solve_tangent_a(t, a, b, dy)
          dout += solve_tangent_a(da, a, b, out)
      """,
      cases=(Case(Arr(3, 3), Arr(3, 3, domain=_SQ), Arr(3), Arr(3)),
             Case(Arr(3, 3), Arr(3, 3, domain=_SQ), Arr(3, 2), Arr(3, 2)),
             Case(Arr(2, 3, 3), Arr(2, 3, 3, domain=_SQ), Arr(3), Arr(2, 3)),
             Case(Arr(3, 3), Arr(3, 3, domain=_SQ), Arr(3), Arr(2, 3))),
      renamed=("da",))


def _spd(n, batch=()):
    rng = _np_rng()
    a = rng.standard_normal(batch + (n, n))
    return a @ np.swapaxes(a, -1, -2) + n * np.eye(n)


_SPD = _spd(3)
_L = np.linalg.cholesky(_SPD)
_W, _V = np.linalg.eigh(_SPD)
_X23 = _np_rng().standard_normal((2, 3))
_NOT = "derivative_not_implemented('the second derivative of {}', {})"
_rule("cholesky_adjoint", "g, y, upper=False", outputs="out",
      vjp=f"""
          bg += cholesky_tangent(bout, y, upper)
          by += {_NOT.format("np.linalg.cholesky", "bout")}
      """,
      jvp=f"""
          dout += cholesky_adjoint(dg, y, upper)
          dout += {_NOT.format("np.linalg.cholesky", "dy")}
      """,
      cases=(Case(Arr(3, 3), _L), Case(Arr(3, 3), _L.T, True)))
_rule("cholesky_tangent", "t, y, upper=False", outputs="out",
      vjp=f"""
          bt += cholesky_adjoint(bout, y, upper)
          by += {_NOT.format("np.linalg.cholesky", "bout")}
      """,
      jvp=f"""
          dout += cholesky_tangent(dt, y, upper)
          dout += {_NOT.format("np.linalg.cholesky", "dy")}
      """,
      cases=(Case(Arr(3, 3), _L), Case(Arr(3, 3), _L.T, True)),
      renamed=("da",))
_rule("eigh_adjoint", "gw, gv, w, v, UPLO='L'",
      vjp=f"""
          bgw += unbroadcast(eigh_tangent_w(by, v, UPLO), gw)
          bgv += unbroadcast(eigh_tangent_v(by, w, v, UPLO), gv)
          bw += {_NOT.format("np.linalg.eigh", "by")}
          bv += {_NOT.format("np.linalg.eigh", "by")}
      """,
      jvp=f"""
          dy += eigh_adjoint(dgw, np.zeros(np.shape(v)), w, v, UPLO)
          dy += eigh_adjoint(np.zeros(np.shape(w)), dgv, w, v, UPLO)
          dy += {_NOT.format("np.linalg.eigh", "dw")}
          dy += {_NOT.format("np.linalg.eigh", "dv")}
      """,
      cases=(Case(Arr(3), Arr(3, 3), _W, _V), Case(Arr(3), Arr(3, 3), _W, _V, "U")))
_rule("eigh_tangent_w", "t, v, UPLO='L'",
      vjp=f"""
          bt += eigh_adjoint(by, np.zeros(np.shape(v)), by, v, UPLO)
          bv += {_NOT.format("np.linalg.eigh", "by")}
      """,
      jvp=f"""
          dy += eigh_tangent_w(dt, v, UPLO)
          dy += {_NOT.format("np.linalg.eigh", "dv")}
      """,
      cases=(Case(Arr(3, 3), _V), Case(Arr(3, 3), _V, "U")),
      renamed=("da",))
_rule("eigh_tangent_v", "t, w, v, UPLO='L'",
      vjp=f"""
          bt += eigh_adjoint(np.zeros(np.shape(w)), by, w, v, UPLO)
          bw += {_NOT.format("np.linalg.eigh", "by")}
          bv += {_NOT.format("np.linalg.eigh", "by")}
      """,
      jvp=f"""
          dy += eigh_tangent_v(dt, w, v, UPLO)
          dy += {_NOT.format("np.linalg.eigh", "dw")}
          dy += {_NOT.format("np.linalg.eigh", "dv")}
      """,
      cases=(Case(Arr(3, 3), _W, _V), Case(Arr(3, 3), _W, _V, "U")),
      renamed=("da",))
_rule("eigvalsh_adjoint", "g, a, UPLO='L'",
      vjp=f"""
          bg += eigvalsh_tangent(by, a, UPLO)
          ba += {_NOT.format("np.linalg.eigvalsh", "by")}
      """,
      jvp=f"""
          dy += eigvalsh_adjoint(dg, a, UPLO)
          dy += {_NOT.format("np.linalg.eigvalsh", "da")}
      """,
      cases=(Case(Arr(3), _SPD), Case(Arr(3), _SPD, "U")))
_rule("eigvalsh_tangent", "t, a, UPLO='L'",
      vjp=f"""
          bt += eigvalsh_adjoint(by, a, UPLO)
          ba += {_NOT.format("np.linalg.eigvalsh", "by")}
      """,
      jvp=f"""
          dy += eigvalsh_tangent(dt, a, UPLO)
          dy += {_NOT.format("np.linalg.eigvalsh", "da")}
      """,
      cases=(Case(Arr(3, 3), _SPD), Case(Arr(3, 3), _SPD, "U")),
      renamed=("da",))
_rule("svdvals_adjoint", "g, x",
      vjp=f"""
          bg += svdvals_tangent(by, x)
          bx += {_NOT.format("np.linalg.svdvals", "by")}
      """,
      jvp=f"""
          dy += svdvals_adjoint(dg, x)
          dy += {_NOT.format("np.linalg.svdvals", "dx")}
      """,
      cases=(Case(Arr(2), _X23), Case(Arr(2), _X23.T)))
_rule("svdvals_tangent", "t, x",
      vjp=f"""
          bt += svdvals_adjoint(by, x)
          bx += {_NOT.format("np.linalg.svdvals", "by")}
      """,
      jvp=f"""
          dy += svdvals_tangent(dt, x)
          dy += {_NOT.format("np.linalg.svdvals", "dx")}
      """,
      cases=(Case(Arr(2, 3), _X23), Case(Arr(3, 2), _X23.T)),
      renamed=("dx",))
_rule("multi_dot_adjoints", "g, arrays",
      vjp="""
          bg += multi_dot_tangent(arrays, by)
          barrays += multi_dot_cross(g, arrays, by)
      """,
      jvp="""
          dy += multi_dot_adjoints(dg, arrays)
          dy += multi_dot_cross(g, arrays, darrays)
      """,
      cases=(Case(Arr(2, 2), [Arr(2, 2), Arr(2, 2), Arr(2, 2)]), Case(Arr(2, 2), [Arr(2, 2), Arr(2, 2)])))
_rule("multi_dot_tangent", "arrays, t",
      vjp="""
          bt += multi_dot_adjoints(by, arrays)
          barrays += multi_dot_cross(by, arrays, t)
      """,
      jvp="""
          dy += multi_dot_tangent(arrays, dt)
          dy += multi_dot_second(arrays, t, darrays)
      """,
      cases=(Case([Arr(2, 3), Arr(3, 4), Arr(4, 2)], [Arr(2, 3), Arr(3, 4), Arr(4, 2)]),
             Case([Arr(3), Arr(3, 2), Arr(2)], [Arr(3), Arr(3, 2), Arr(2)])),
      renamed=("darrays",))
_MATRIX_POWER_CASES = (Case(Arr(3, 3), Arr(3, 3), 3), Case(Arr(3, 3), Arr(3, 3), 1),
                       Case(Arr(2, 3, 3), Arr(2, 3, 3), 2), Case(Arr(3, 3), Arr(3, 3), 0),
                       Case(Arr(3, 3), _SPD / 3.0, -2))
_rule("matrix_power_adjoint", "g, a, n",
      vjp="""
          bg += matrix_power_tangent(by, a, n)
          ba += matrix_power_hess(g, a, n, by)
      """,
      jvp="""
          dy += matrix_power_adjoint(dg, a, n)
          dy += matrix_power_hess(g, a, n, da)
      """,
      cases=_MATRIX_POWER_CASES)
_rule("matrix_power_tangent", "t, a, n",
      vjp="""
          bt += matrix_power_adjoint(by, a, n)
          ba += matrix_power_hess(by, a, n, t)
      """,
      jvp="""
          dy += matrix_power_tangent(dt, a, n)
          dy += matrix_power_second(t, da, a, n)
      """,
      cases=_MATRIX_POWER_CASES,
      renamed=("da",))
