"""Linear-algebra rules the generic harness cannot run, kinks, refusals, and tangents.

* multi-output rules (``slogdet``, ``eigh``), which the user unpacks;
* norms of order ``inf``, which the harness cannot spell;
* documented behaviour at non-differentiable points, and clear refusals;
* the forward (jvp) templates of every linear-algebra rule, evaluated directly and compared
  with central finite differences along a random direction (forward mode is not wired
  into the compiler yet).
"""

import ast
import textwrap

import numpy as np
import pytest

import srcad
from srcad import rules
from srcad.errors import SrcadError
from srcad.rules import Arr, Case
from srcad.runtime import einsum as rt_einsum
from srcad.runtime import linalg as rt

from .harness import make_input, unique_rules

# ----------------------------------------------------------------------------- inputs


def square(rng, *shape):
    return rng.standard_normal(shape) + 3.0 * np.eye(shape[-1])


def spd(rng, *shape):
    a = rng.standard_normal(shape)
    return a @ np.swapaxes(a, -1, -2) + shape[-1] * np.eye(shape[-1])


def distinct_spd(rng, n):
    """Symmetric positive definite with well-separated eigenvalues."""
    q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    return (q * np.arange(1.0, n + 1.0)) @ q.T


# ----------------------------------------------------------------------------- slogdet


def logdet_only(a):
    sign, logdet = np.linalg.slogdet(a)
    return logdet


def logdet_times_sign(a):
    sign, logdet = np.linalg.slogdet(a)
    return sign * logdet * 3.0


def logdet_batched(a):
    sign, logdet = np.linalg.slogdet(a)
    return np.sum(logdet * np.arange(1.0, 3.0))


def logdet_and_det(a):
    sign, logdet = np.linalg.slogdet(a)
    return logdet + np.linalg.det(a)


def test_slogdet_logdet(rng):
    srcad.check_grads(logdet_only, (square(rng, 3, 3),))


def test_slogdet_negative_determinant(rng):
    a = square(rng, 3, 3)
    a[[0, 1]] = a[[1, 0]]
    assert np.linalg.det(a) < 0
    srcad.check_grads(logdet_only, (a,))
    srcad.check_grads(logdet_times_sign, (a,))


def test_slogdet_batched(rng):
    srcad.check_grads(logdet_batched, (square(rng, 2, 3, 3),))


def test_slogdet_with_det(rng):
    srcad.check_grads(logdet_and_det, (square(rng, 3, 3),))


def test_slogdet_gradient_is_inverse_transpose(rng):
    a = square(rng, 4, 4)
    np.testing.assert_allclose(srcad.grad(logdet_only)(a), np.linalg.inv(a).T, rtol=1e-10)


def slogdet_into_one_name(a):
    return np.linalg.slogdet(a)[1]


def test_slogdet_not_unpacked_is_refused(rng):
    with pytest.raises(SrcadError, match="unpack"):
        srcad.grad(slogdet_into_one_name)(square(rng, 2, 2))


# ----------------------------------------------------------------------------- eigh


def eigenvalues_weighted(a):
    w, v = np.linalg.eigh(a)
    return np.sum(w * np.arange(1.0, 4.0))


def eigenvector_squares(a):  # invariant under the sign of each eigenvector
    w, v = np.linalg.eigh(a)
    return np.sum(v ** 2 * np.arange(9.0).reshape(3, 3))


def eigen_both(a):
    w, v = np.linalg.eigh(a)
    return np.sum(w * w) + np.sum(v[:, 0] ** 2 * np.arange(3.0)) + np.sum(v[1, :] ** 2 * w)


def eigen_upper(a):
    w, v = np.linalg.eigh(a, UPLO="U")
    return np.sum(w ** 3) + np.sum(v[:, 2] ** 2 * np.arange(3.0))


def eigen_reconstruct(a):  # v diag(w) v^T reconstructs the symmetrised lower triangle
    w, v = np.linalg.eigh(a)
    return np.sum(np.sin((v * w) @ v.T))


def eigen_batched(a):
    w, v = np.linalg.eigh(a)
    return np.sum(w[0] * w[1]) + np.sum(v[:, :, 0] ** 2 * np.arange(3.0))


@pytest.mark.parametrize("f", [eigenvalues_weighted, eigenvector_squares, eigen_both, eigen_upper,
                               eigen_reconstruct])
def test_eigh(f, rng):
    srcad.check_grads(f, (distinct_spd(rng, 3),))


def test_eigh_on_a_non_symmetric_input_reads_one_triangle(rng):
    a = distinct_spd(rng, 3) + np.triu(rng.standard_normal((3, 3)), 1)  # upper part is junk
    srcad.check_grads(eigen_both, (a,))
    assert np.all(np.triu(srcad.grad(eigen_both)(a), 1) == 0)


def test_eigh_batched(rng):
    a = np.stack([distinct_spd(rng, 3), distinct_spd(rng, 3) + np.eye(3)])
    srcad.check_grads(eigen_batched, (a,))


def test_eigh_symmetric_perturbation_matches_symmetric_gradient(rng):
    a = distinct_spd(rng, 3)
    g = srcad.grad(eigen_both)(a)
    e = rng.standard_normal((3, 3))
    e = e + e.T
    h = 1e-6
    fd = (eigen_both(a + h * e) - eigen_both(a - h * e)) / (2 * h)
    np.testing.assert_allclose(np.sum(g * e), fd, rtol=1e-6)


# ----------------------------------------------------------------------------- norms: inf


def norm_inf(x):
    return np.linalg.norm(x, np.inf)


def norm_minus_inf(x):
    return np.linalg.norm(x, -np.inf)


def norm_inf_axis(x):
    return np.sum(np.linalg.norm(x, np.inf, axis=1) * np.arange(1.0, 3.0))


def norm_inf_keepdims(x):
    return np.sum(np.linalg.norm(x, -np.inf, axis=0, keepdims=True) * np.arange(1.0, 4.0))


def vector_norm_inf(x):
    return np.linalg.vector_norm(x, ord=np.inf)


def matrix_norm_inf(x):
    return np.sum(np.linalg.matrix_norm(x, ord=-np.inf) * np.arange(1.0, 3.0))


@pytest.mark.parametrize("f,shape", [(norm_inf, (4,)), (norm_minus_inf, (4,)),
                                     (norm_inf, (3, 4)), (norm_minus_inf, (3, 4)),
                                     (norm_inf_axis, (2, 3)), (norm_inf_keepdims, (2, 3)),
                                     (vector_norm_inf, (2, 3)), (matrix_norm_inf, (2, 3, 4))])
def test_norm_inf(f, shape, rng):
    srcad.check_grads(f, (rng.standard_normal(shape),))


def test_norm_inf_ties_share_the_adjoint():
    x = np.array([3.0, -3.0, 1.0])
    np.testing.assert_allclose(srcad.grad(norm_inf)(x), [0.5, -0.5, 0.0])


# ----------------------------------------------------------------------------- kinks


def norm2(x):
    return np.linalg.norm(x)


def norm1(x):
    return np.linalg.norm(x, 1)


def norm_rows(x):
    return np.sum(np.linalg.norm(x, axis=1))


def test_norm_at_zero_is_the_zero_subgradient():
    assert np.array_equal(srcad.grad(norm2)(np.zeros(3)), np.zeros(3))
    assert np.array_equal(srcad.grad(norm2)(np.zeros((2, 3))), np.zeros((2, 3)))
    assert np.array_equal(srcad.grad(norm1)(np.array([0.0, 2.0, -1.0])), [0.0, 1.0, -1.0])
    g = srcad.grad(norm_rows)(np.array([[0.0, 0.0], [3.0, 4.0]]))
    np.testing.assert_allclose(g, [[0.0, 0.0], [0.6, 0.8]])


def det_of(a):
    return np.linalg.det(a)


def test_det_at_a_singular_matrix_is_the_cofactor_matrix(rng):
    u = rng.standard_normal((3, 2))
    a = u @ rng.standard_normal((2, 3))  # rank 2: det = 0, gradient = cofactors != 0
    g = srcad.grad(det_of)(a)
    cof = np.array([[np.linalg.det(np.delete(np.delete(a, i, 0), j, 1)) * (-1) ** (i + j)
                     for j in range(3)] for i in range(3)])
    np.testing.assert_allclose(g, cof, atol=1e-10)
    assert np.abs(cof).max() > 1e-3
    a1 = np.outer(u[:, 0], u[:, 1])  # rank 1: every cofactor vanishes
    np.testing.assert_allclose(srcad.grad(det_of)(a1), np.zeros((3, 3)), atol=1e-12)


# ----------------------------------------------------------------------------- scalars


def dot_scalar(s, x):
    return np.sum(np.dot(s, x))


def test_dot_with_a_python_scalar(rng):
    x = rng.standard_normal(3)
    gs, gx = srcad.grad(dot_scalar, wrt=(0, 1))(2.0, x)
    assert np.shape(gs) == () and isinstance(gs, float)
    np.testing.assert_allclose(gs, np.sum(x))
    np.testing.assert_allclose(gx, [2.0, 2.0, 2.0])


# ----------------------------------------------------------------------------- einsum extra

EINSUM_EXTRA = [
    ("ijk,jl->ikl", [(2, 3, 4), (3, 2)]),
    ("i,i,i->", [(3,), (3,), (3,)]),
    ("ij,ij->ij", [(1, 3), (2, 3)]),
    ("ij,ij->ij", [(2, 1), (1, 3)]),
    ("iji->j", [(2, 3, 2)]),
    ("ii->", [(1, 1)]),
    ("...ii->...i", [(2, 3, 3)]),
    ("ab,cd->abcd", [(2, 1), (1, 2)]),
    ("a...,...->a...", [(2, 3), (1,)]),
    (" ij , jk -> ki ", [(2, 3), (3, 2)]),
]


@pytest.mark.parametrize("spec,shapes", EINSUM_EXTRA, ids=[s for s, _ in EINSUM_EXTRA])
def test_einsum_more_patterns(spec, shapes, rng):
    ops = [rng.standard_normal(s) for s in shapes]
    y = np.einsum(spec, *ops)
    g = rng.standard_normal(np.shape(y))
    adj = rt_einsum.einsum_adjoints(g, spec, ops)
    h = 1e-6
    for k, op in enumerate(ops):
        assert np.shape(adj[k]) == op.shape
        for idx in np.ndindex(op.shape):
            plus = [o.copy() for o in ops]
            minus = [o.copy() for o in ops]
            plus[k][idx] += h
            minus[k][idx] -= h
            fd = np.sum(g * (np.einsum(spec, *plus) - np.einsum(spec, *minus))) / (2 * h)
            np.testing.assert_allclose(adj[k][idx], fd, rtol=1e-6, atol=1e-8)


# ----------------------------------------------------------------------------- refusals


def cross2(a, b):
    return np.sum(np.cross(a, b))


def test_refusals(rng):
    with pytest.raises(NotImplementedError, match="3-vectors"):
        rt.cross_adjoint_a(np.ones(2), np.ones((2, 2)), np.ones((2, 2)))
    with pytest.raises(NotImplementedError, match="ord=3"):
        rt.norm_adjoint(1.0, np.ones((2, 2)), 1.0, 3, (0, 1))
    with pytest.raises(NotImplementedError, match="ord='fro'"):
        rt.norm_adjoint(1.0, np.ones(2), 1.0, "fro", 0)
    with pytest.raises(NotImplementedError, match="sublist entry"):
        rt_einsum.einsum_adjoints(np.ones(2), np.ones(2), ([0.5],))
    with pytest.raises(NotImplementedError, match="UPLO"):
        rt.eigvalsh_adjoint(np.ones(2), np.eye(2), "X")
    with pytest.raises(NotImplementedError, match="multi_dot"):
        rt_einsum.multi_dot_adjoints(np.ones((2, 2)), [np.ones((2, 2, 2)), np.ones((2, 2))])


# ----------------------------------------------------------------------------- tangents

LINALG_RULES = {
    "numpy.matmul", "numpy.dot", "numpy.ndarray.dot", "numpy.vdot", "numpy.vecdot",
    "numpy.outer", "numpy.linalg.outer", "numpy.inner", "numpy.tensordot",
    "numpy.linalg.tensordot", "numpy.linalg.multi_dot", "numpy.kron", "numpy.cross",
    "numpy.linalg.cross", "numpy.einsum", "numpy.trace", "numpy.ndarray.trace",
    "numpy.linalg.trace", "numpy.linalg.norm", "numpy.linalg.vector_norm",
    "numpy.linalg.matrix_norm", "numpy.linalg.inv", "numpy.linalg.det", "numpy.linalg.slogdet",
    "numpy.linalg.solve", "numpy.linalg.matrix_power", "numpy.linalg.cholesky",
    "numpy.linalg.eigh", "numpy.linalg.eigvalsh", "numpy.linalg.svdvals",
}

MULTI_OUTPUT_CASES = {
    "numpy.linalg.slogdet": (Case(Arr(3, 3, domain="square")), Case(Arr(2, 3, 3, domain="square"))),
    "numpy.linalg.eigh": (Case(Arr(3, 3, domain="spd")), Case(Arr(3, 3, domain="spd"), "U")),
}


def _jvp_cases():
    out = []
    for rule in unique_rules():
        if rule.name not in LINALG_RULES:
            continue
        for i, case in enumerate(rule.cases or MULTI_OUTPUT_CASES.get(rule.name, ())):
            out.append(pytest.param(rule, case, id=f"{rule.name}-{i}"))
    return out


def _inputs(value, rng):
    if isinstance(value, Arr):
        return make_input(value, rng), rng.standard_normal(value.shape)
    if isinstance(value, list) and value and all(isinstance(v, Arr) for v in value):
        pairs = [_inputs(v, rng) for v in value]
        return [p for p, _ in pairs], [t for _, t in pairs]
    return value, None


def _moved(value, tangent, h):
    if tangent is None:
        return value
    if isinstance(value, list):
        return [v + h * t for v, t in zip(value, tangent)]
    return value + h * tangent


def _outputs(rule, result):
    if len(rule.outputs) == 1:
        return {rule.outputs[0]: np.asarray(result)}
    return {name: np.asarray(v) for name, v in zip(rule.outputs, result)}


def test_every_linalg_rule_has_a_jvp():
    missing = [r.name for r in unique_rules() if r.name in LINALG_RULES and not r.jvp]
    assert not missing


@pytest.mark.parametrize("rule,case", _jvp_cases())
def test_jvp_template_matches_finite_differences(rule, case):
    rng = np.random.default_rng(5)
    f = rules.resolve_name(rule.name)
    pairs = [_inputs(v, rng) for v in case.args]
    kwargs = dict(case.kwargs)
    args = [p for p, _ in pairs]
    tangents = [t for _, t in pairs]
    bound = rule.signature.bind(*args, **kwargs)
    bound.apply_defaults()
    namespace = dict(rules.TEMPLATE_GLOBALS, **bound.arguments)
    tbound = rule.signature.bind(*tangents, **{k: None for k in kwargs})
    tbound.apply_defaults()
    for p in rule.params:
        value = tbound.arguments.get(p)
        if isinstance(value, tuple) and all(v is None for v in value):
            value = None
        namespace["d" + p] = value
    outputs = _outputs(rule, f(*args, **kwargs))
    namespace.update(outputs)

    jvp = {name: 0.0 for name in outputs}
    for stmt in ast.parse(textwrap.dedent(rule.jvp_text).strip()).body:
        used = {n.id for n in ast.walk(stmt.value) if isinstance(n, ast.Name)}
        (param,) = [p for p in rule.params if "d" + p in used]
        if namespace["d" + param] is None:
            continue
        term = eval(compile(ast.Expression(stmt.value), "<jvp>", "eval"), namespace)
        jvp[stmt.target.id[1:]] = jvp[stmt.target.id[1:]] + term

    h = 1e-6
    plus = _outputs(rule, f(*[_moved(a, t, h) for a, t in pairs], **kwargs))
    minus = _outputs(rule, f(*[_moved(a, t, -h) for a, t in pairs], **kwargs))
    for name in outputs:
        fd = (plus[name] - minus[name]) / (2 * h)
        if rule.name == "numpy.linalg.slogdet" and name == "sign":
            continue
        np.testing.assert_allclose(np.broadcast_to(jvp[name], fd.shape), fd, rtol=1e-5,
                                   atol=1e-6, err_msg=f"{rule.name} {name}")
