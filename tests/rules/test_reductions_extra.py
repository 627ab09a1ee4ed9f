"""Reductions beyond the table's random cases: zeros in products, ties, NaNs, constant
groups, refused arguments, and the forward (jvp) templates, which the rule harness does not
run yet.  Every derivative is compared with central finite differences computed here."""

import ast
import textwrap
import warnings

import numpy as np
import pytest

import srcad
from srcad import rules
from srcad.errors import SrcadError
from srcad.rules import Arr, TEMPLATE_GLOBALS

from .harness import make_input

H = 1e-6


def fd_grad(f, x, h=H):
    """Central finite differences of the scalar ``f`` at the float array ``x``."""
    x = np.asarray(x, dtype=float)
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[i] = h
        g[i] = (f(x + e) - f(x - e)) / (2 * h)
    return g


def assert_grad(f, x, expected=None, rtol=1e-6, atol=1e-7):
    """srcad's gradient of ``f`` at ``x`` equals central differences (or ``expected``)."""
    got = srcad.grad(f)(x)
    want = fd_grad(f, x) if expected is None else expected
    assert np.all(np.isfinite(got)), got
    np.testing.assert_allclose(got, want, rtol=rtol, atol=atol)
    return got


# --- prod and cumprod with zeros ------------------------------------------------------------

W3 = np.array([[0.3, -1.1, 0.7], [1.9, 0.4, -0.6]])


@pytest.mark.parametrize("x", [
    np.array([2.0, 0.0, 5.0, -1.5]),
    np.array([0.0, 0.0, 3.0]),  # two zeros: every derivative is zero
    np.array([0.0]),
    np.array([[1.5, 0.0, 2.0], [0.0, -3.0, 0.5]]),
])
def test_prod_with_zeros(x):
    def f(x):
        return np.prod(x)

    assert_grad(f, x)

    def g(x):
        p = np.prod(x, axis=-1, keepdims=True)
        return np.sum(p * np.linspace(1.0, 2.0, p.size).reshape(p.shape))

    assert_grad(g, x)


def test_prod_with_zeros_axes_and_method():
    x = np.array([[[1.5, 0.0], [2.0, -0.5], [0.7, 1.1]],
                  [[0.0, 0.0], [3.0, 1.0], [-2.0, 0.25]]])

    def f(x):
        return np.sum(np.prod(x, axis=(0, 2)) * np.array([1.0, -2.0, 0.5]))

    def m(x):
        return np.sum(x.prod(axis=1, keepdims=True) ** 2)

    assert_grad(f, x)
    assert_grad(m, x)


def test_prod_gradient_with_one_zero_is_product_of_the_others():
    got = srcad.grad(lambda x: np.prod(x))(np.array([2.0, 0.0, 5.0]))
    np.testing.assert_array_equal(got, [0.0, 10.0, 0.0])


@pytest.mark.parametrize("x", [
    np.array([2.0, 0.0, 5.0, -1.5]),
    np.array([0.0, 1.5, 0.0, 3.0]),
    np.array([1.5, -2.0, 0.5, 0.0]),
    np.array([[1.5, 0.0, 2.0], [0.0, -3.0, 0.5], [0.7, 1.2, -0.4]]),
])
def test_cumprod_with_zeros(x):
    c = np.linspace(-1.0, 2.0, x.size).reshape(x.shape)

    def f(x):
        return np.sum(np.cumprod(x) * c.ravel())

    assert_grad(f, x)
    for axis in range(x.ndim):
        def along(axis):
            return (lambda x: np.sum(np.cumprod(x, axis=axis) * c),
                    lambda x: np.sum(x.cumprod(axis) * c))

        for g in along(axis):
            assert_grad(g, x)


@pytest.mark.skipif(not hasattr(np, "cumulative_prod"), reason="numpy < 2.1")
def test_cumulative_prod_with_zeros_and_initial():
    x = np.array([[1.5, 0.0, 2.0], [0.0, -3.0, 0.5]])
    c = np.arange(8.0).reshape(2, 4) - 3.0

    def f(x):
        return np.sum(np.cumulative_prod(x, axis=1, include_initial=True) * c)

    assert_grad(f, x)


# --- ties, NaNs, constant groups -----------------------------------------------------------

def test_two_way_ties_share_the_adjoint():
    # central differences at a two-way tie give each element 1/2: equal sharing agrees
    x = np.array([[1.0, 3.0, 3.0], [2.0, -1.0, 2.0]])
    c = np.array([1.5, -0.5])
    fs = [lambda x: np.sum(np.max(x, axis=1) * c), lambda x: np.sum(np.amin(x, axis=1) * c),
          lambda x: np.sum(x.max(axis=1) * c), lambda x: np.sum(x.min(1) * c),
          lambda x: np.sum(np.nanmax(x, axis=1) * c)]
    for f in fs:
        assert_grad(f, x)
    got = srcad.grad(lambda x: np.max(x))(x)
    np.testing.assert_array_equal(got, [[0.0, 0.5, 0.5], [0.0, 0.0, 0.0]])


def test_three_way_tie_shares_equally():
    got = srcad.grad(lambda x: np.max(x))(np.array([2.0, 2.0, 1.0, 2.0]))
    np.testing.assert_allclose(got, [1 / 3, 1 / 3, 0.0, 1 / 3])


def test_ptp_constant_group_is_zero():
    got = srcad.grad(lambda x: np.sum(np.ptp(x, axis=1)))(np.array([[1.0, 1.0], [0.0, 2.0]]))
    np.testing.assert_array_equal(got, [[0.0, 0.0], [-1.0, 1.0]])


def test_nan_reductions_ignore_nans():
    x = np.array([[1.0, np.nan, 3.0, -2.0], [np.nan, 0.5, 0.25, 4.0]])
    c = np.array([0.7, -1.3])
    cases = [
        (lambda x: np.sum(np.nansum(x, axis=1) * c), lambda x: np.nansum(x) * 2.0),
        (lambda x: np.sum(np.nanmean(x, axis=1) * c), lambda x: np.nanmean(x) * 2.0),
        (lambda x: np.sum(np.nanmax(x, axis=1) * c), lambda x: np.nanmax(x) * 2.0),
        (lambda x: np.sum(np.nanmin(x, axis=1, keepdims=True)), lambda x: np.nanmin(x) * 2.0),
    ]
    for f, g in cases:
        got = srcad.grad(f)(x)
        np.testing.assert_allclose(got, fd_grad(f, x), rtol=1e-6, atol=1e-7)
        assert np.all(got[np.isnan(x)] == 0.0)
        np.testing.assert_allclose(srcad.grad(g)(x), fd_grad(g, x), rtol=1e-6, atol=1e-7)


def test_std_of_one_element_groups_is_zero_not_nan():
    x = np.array([[1.0, 2.0, -0.5]])
    got = srcad.grad(lambda x: np.sum(np.std(x, axis=0)))(x)
    np.testing.assert_array_equal(got, np.zeros_like(x))


def test_fully_masked_group_gets_zero_not_nan():
    x = np.array([[0.5, -1.0, 2.0, 0.3], [1.5, 0.25, -0.75, 1.0]])
    w = np.array([[True, False, True, True], [False, False, False, False]])
    fs = [lambda x: np.std(x, axis=1, where=w)[0], lambda x: np.var(x, axis=1, where=w)[0],
          lambda x: np.mean(x, axis=1, where=w)[0], lambda x: x.std(1, ddof=1, where=w)[0]]
    with warnings.catch_warnings():  # numpy warns about the empty group's NaN result
        warnings.simplefilter("ignore", RuntimeWarning)
        for f in fs:
            got = srcad.grad(f)(x)
            np.testing.assert_allclose(got, fd_grad(f, x), rtol=1e-6, atol=1e-7)
            assert np.all(got[1] == 0.0)


# --- arguments ------------------------------------------------------------------------------

def test_diff_append_only_and_scalar_prepend():
    x = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]])
    tail = np.array([[3.0], [-2.0]])
    c = np.arange(6.0).reshape(2, 3) - 2.0

    def f(x, tail):
        return np.sum(np.diff(x, append=tail) * c)

    def g(p, x):
        return np.sum(np.diff(x, n=2, axis=0, prepend=p) ** 2)

    gx, gt = srcad.grad(f, wrt=(0, 1))(x, tail)
    np.testing.assert_allclose(gx, fd_grad(lambda v: f(v, tail), x), atol=1e-7)
    np.testing.assert_allclose(gt, fd_grad(lambda v: f(x, v), tail), atol=1e-7)
    gp, gx = srcad.grad(g, wrt=(0, 1))(0.7, x)
    assert isinstance(gp, float)
    np.testing.assert_allclose(gp, fd_grad(lambda v: g(float(v), x), np.array(0.7)), atol=1e-6)
    np.testing.assert_allclose(gx, fd_grad(lambda v: g(0.7, v), x), atol=1e-6)


def test_positional_arguments_of_methods():
    x = np.array([[0.5, -1.0, 2.0, 0.3], [1.5, 0.25, -0.75, 1.0], [0.2, 0.1, -2.0, 3.0]])
    fs = [lambda x: np.sum(x.var(1, None, None, 1, True) * x),
          lambda x: np.sum(x.std(0, None, None, 2)),
          lambda x: np.sum(x.mean(-1, None, None, True) * x),
          lambda x: np.sum(x.sum(0, None, None, False, 2.0) ** 2),
          lambda x: np.sum(np.var(x, correction=1, axis=(0, 1))),
          lambda x: np.sum(x.cumsum(1) ** 2)]
    for f in fs:
        assert_grad(f, x, rtol=1e-5, atol=1e-6)


def test_average_weights_derivative():
    x = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]])
    w = np.array([0.3, 1.2])

    def f(x, w):
        return np.sum(np.average(x, axis=0, weights=w) ** 2)

    gx, gw = srcad.grad(f, wrt=(0, 1))(x, w)
    np.testing.assert_allclose(gx, fd_grad(lambda v: f(v, w), x), atol=1e-7)
    np.testing.assert_allclose(gw, fd_grad(lambda v: f(x, v), w), atol=1e-7)


@pytest.mark.parametrize("body", [
    "np.max(x, initial=0.0)",
    "np.prod(x, where=x > 0)",
    "x.min(axis=0, initial=10.0)",
    "np.var(x, mean=np.mean(x, keepdims=True))",
])
def test_unsupported_arguments_are_refused(body):
    ns = {"np": np}
    exec(f"def f(x):\n    return np.sum({body})\n", ns)
    with pytest.raises(SrcadError):
        srcad.grad(ns["f"])(np.array([1.0, 2.0]))


def test_average_returned_is_refused():
    def f(x):
        avg, total = np.average(x, returned=True)
        return avg

    with pytest.raises((SrcadError, NotImplementedError)):
        srcad.grad(f)(np.array([1.0, 2.0]))


# --- the templates themselves, forward and reverse ------------------------------------------

MODULE_NAMES = ("sum", "nansum", "mean", "nanmean", "average", "prod", "max", "amax", "min",
                "amin", "nanmax", "nanmin", "ptp", "var", "std", "cumsum", "cumprod",
                "cumulative_sum", "cumulative_prod", "diff")


def _my_rules():
    seen = []
    for rule in rules.RULES.values():
        if any(rule is r for r in seen):
            continue
        short = rule.name.rsplit(".", 1)[-1]
        if short in MODULE_NAMES and rule.name in (f"numpy.{short}", f"numpy.ndarray.{short}"):
            seen.append(rule)
    return seen


TEMPLATE_CASES = [(rule, i, case) for rule in _my_rules() for i, case in enumerate(rule.cases)]


def _call(rule, args, kwargs):
    if rule.kind == "method":
        return getattr(args[0], rule.key[1])(*args[1:], **kwargs)
    return rules.resolve_name(rule.name)(*args, **kwargs)


def _terms(text, params):
    """(differentiated parameter, source of the added expression) of each template line."""
    out = []
    for stmt in ast.parse(textwrap.dedent(text).strip()).body:
        assert isinstance(stmt, ast.AugAssign)
        if stmt.target.id == "dy":  # jvp: the term is linear in one d<param>
            used = {n.id for n in ast.walk(stmt.value) if isinstance(n, ast.Name)}
            (param,) = [p for p in params if "d" + p in used]
        else:
            param = stmt.target.id[1:]
        out.append((param, ast.unparse(stmt.value)))
    return out


def check_templates(rule, args, kwargs, active, rng):
    """jvp against directional finite differences, and <by, jvp(v)> == <vjp(by), v>."""
    bound = rule.signature.bind(*args, **kwargs)
    bound.apply_defaults()
    names = list(bound.arguments)
    y = _call(rule, args, kwargs)
    by = rng.standard_normal(np.shape(y))
    env = dict(TEMPLATE_GLOBALS, **bound.arguments, y=y, by=by)
    for pos in active:
        param = names[pos]
        v = rng.standard_normal(np.shape(args[pos]))
        h = H * max(1.0, float(np.max(np.abs(args[pos]))))
        plus, minus = list(args), list(args)
        plus[pos] = args[pos] + h * v
        minus[pos] = args[pos] - h * v
        fd = (np.asarray(_call(rule, plus, kwargs)) - np.asarray(_call(rule, minus, kwargs))) / (2 * h)
        env["d" + param] = v if np.ndim(args[pos]) else float(v)
        jvp = [eval(expr, env) for p, expr in _terms(rule.jvp_text, names) if p == param]
        assert len(jvp) == 1, f"{rule.name}: one jvp term per parameter"
        dy = np.asarray(jvp[0])
        assert dy.shape == np.shape(y), f"{rule.name}: tangent shape {dy.shape} != {np.shape(y)}"
        np.testing.assert_allclose(dy, fd, rtol=1e-5, atol=1e-6, err_msg=f"jvp of {rule.name}")
        vjp = [eval(expr, env) for p, expr in _terms(rule.vjp_text, names) if p == param]
        assert len(vjp) == 1
        bx = np.asarray(vjp[0])
        assert bx.shape == np.shape(args[pos]), f"{rule.name}: adjoint shape {bx.shape}"
        np.testing.assert_allclose(np.sum(by * dy), np.sum(bx * v), rtol=1e-9, atol=1e-9,
                                   err_msg=f"vjp/jvp of {rule.name} are not transposes")


@pytest.mark.parametrize("rule,index,case", TEMPLATE_CASES,
                         ids=[f"{r.name}-{i}" for r, i, _ in TEMPLATE_CASES])
def test_jvp_and_vjp_templates(rule, index, case):
    rng = np.random.default_rng(100 + index)
    args = [make_input(a, rng) if isinstance(a, Arr) else a for a in case.args]
    active = [i for i, a in enumerate(case.args) if isinstance(a, Arr)]
    check_templates(rule, args, dict(case.kwargs), active, rng)


ZEROS = [np.array([2.0, 0.0, 5.0, -1.5]), np.array([0.0, 1.5, 0.0, 3.0]),
         np.array([1.5, -2.0, 0.5, 0.0]), np.array([[1.5, 0.0, 2.0], [0.0, -3.0, 0.5]])]


@pytest.mark.parametrize("x", ZEROS)
@pytest.mark.parametrize("name", ["numpy.prod", "numpy.cumprod", "numpy.ndarray.cumprod",
                                  "numpy.cumulative_prod"])
def test_templates_with_zeros(name, x):
    rule = next((r for r in _my_rules() if r.name == name), None)
    if rule is None:
        pytest.skip(f"{name} is not in this numpy")
    rng = np.random.default_rng(7)
    axes = [None, *range(x.ndim)] if name != "numpy.cumulative_prod" or x.ndim == 1 else [0, 1]
    for axis in axes:
        kwargs_list = [{"axis": axis}]
        if name == "numpy.cumulative_prod":
            kwargs_list.append({"axis": axis, "include_initial": True})
        for kwargs in kwargs_list:
            check_templates(rule, [x], kwargs, [0], rng)
