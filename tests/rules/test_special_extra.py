"""scipy.special rules beyond the table's random cases: large and infinite inputs of
logsumexp/softmax, xlogy and friends at x = 0, closed forms, inputs on (0, 1), refused
arguments, srcad without scipy, and the forward (jvp) templates evaluated directly.

Every derivative is compared with central finite differences computed here or with a
closed form, never with srcad itself."""

import ast
import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest

pytest.importorskip("scipy")
import scipy.special  # noqa: E402

import srcad  # noqa: E402
from srcad import rules  # noqa: E402
from srcad.errors import SrcadError  # noqa: E402
from srcad.rules import TEMPLATE_GLOBALS, Arr  # noqa: E402

from .harness import make_input, unique_rules  # noqa: E402

H = 1e-6


def fd_grad(f, x, h=H):
    """Central finite differences of the scalar ``f`` at ``x`` (a float or a float array)."""
    if np.ndim(x) == 0:
        x = float(x)
        step = h * max(1.0, abs(x))
        return (f(x + step) - f(x - step)) / (2 * step)
    x = np.asarray(x, dtype=float)
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[i] = h * max(1.0, abs(x[i]))
        g[i] = (f(x + e) - f(x - e)) / (2 * e[i])
    return g


def assert_grad(f, x, expected=None, rtol=1e-6, atol=1e-7, wrt=0):
    """srcad's gradient of ``f`` at ``x`` equals central differences (or ``expected``)."""
    got = srcad.grad(f, wrt=wrt)(*x) if isinstance(x, tuple) else srcad.grad(f)(x)
    if expected is None:
        assert not isinstance(x, tuple)
        expected = fd_grad(f, x)
    assert np.all(np.isfinite(got)), got
    np.testing.assert_allclose(got, expected, rtol=rtol, atol=atol)
    return got


def softmax_closed_form(a, axis=None):
    z = np.exp(a - np.max(a, axis=axis, keepdims=True))
    return z / np.sum(z, axis=axis, keepdims=True)


# --- logsumexp ---------------------------------------------------------------------------------

@pytest.mark.parametrize("shift", [0.0, 1000.0, -1000.0])
def test_logsumexp_gradient_is_softmax_even_for_large_inputs(shift):
    a = np.array([0.3, -1.2, 2.0, 0.5]) + shift

    def f(a):
        return scipy.special.logsumexp(a)

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow on the way
        got = srcad.grad(f)(a)
    assert np.all(np.isfinite(got))
    np.testing.assert_allclose(got, softmax_closed_form(a), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(np.sum(got), 1.0, rtol=1e-12)


def test_logsumexp_axis_keepdims_large_inputs():
    a = np.array([[1000.0, 1001.0, 999.5], [-3.0, 0.0, 2.0]])
    weights = np.array([[1.0, -2.0, 0.5], [0.25, 3.0, -1.0]])

    def f(a):
        y = scipy.special.logsumexp(a, axis=1, keepdims=True)
        return np.sum(y * np.array([[2.0], [-1.0]]))

    expected = softmax_closed_form(a, axis=1) * np.array([[2.0], [-1.0]])
    assert_grad(f, a, expected, rtol=1e-12, atol=1e-15)

    def g(a):
        return np.sum(scipy.special.logsumexp(a * weights, axis=0))

    assert_grad(g, a / 1000.0)


def test_logsumexp_minus_inf_entries_get_zero_gradient():
    a = np.array([0.5, -np.inf, 1.5, -np.inf])

    def f(a):
        return scipy.special.logsumexp(a)

    finite = np.isfinite(a)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = srcad.grad(f)(a)
    np.testing.assert_array_equal(got[~finite], 0.0)
    np.testing.assert_allclose(got[finite], softmax_closed_form(a[finite]), rtol=1e-12)
    # A whole group at -inf: no NaN, zero derivative.
    b = np.array([[-np.inf, -np.inf], [0.0, 1.0]])

    def g(b):
        return np.sum(np.exp(scipy.special.logsumexp(b, axis=1)))

    got = srcad.grad(g)(b)
    np.testing.assert_array_equal(got[0], 0.0)
    np.testing.assert_allclose(got[1], np.exp(b[1]), rtol=1e-12)


def test_logsumexp_with_weights_against_finite_differences():
    a = np.array([[0.3, -0.7, 1.1], [2.0, 0.1, -0.4]])
    b = np.array([[1.5, 0.0, 0.7], [0.2, 2.5, 1.0]])  # a zero weight: its element drops out

    def f(a, b):
        return np.sum(scipy.special.logsumexp(a, axis=1, b=b) * np.array([1.0, -2.0]))

    ga, gb = srcad.grad(f, wrt=(0, 1))(a, b)
    np.testing.assert_allclose(ga, fd_grad(lambda v: f(v, b), a), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(gb, fd_grad(lambda v: f(a, v), b), rtol=1e-6, atol=1e-8)
    assert ga[0, 1] == 0.0
    # Closed form: d/db_ij = exp(a_ij - y_i) * (cotangent weight of row i).
    y = np.log(np.sum(b * np.exp(a), axis=1, keepdims=True))
    np.testing.assert_allclose(gb, np.exp(a - y) * np.array([[1.0], [-2.0]]), rtol=1e-12)


@pytest.mark.parametrize("body", [
    "scipy.special.logsumexp(a, return_sign=True)[0]",
    "scipy.special.logsumexp(a, 0, None, False, True)[0]",
    "np.sum(scipy.special.expit(a, out=np.empty(2)))",
])
def test_unsupported_arguments_are_refused(body, tmp_path):
    path = tmp_path / "refused_mod.py"
    path.write_text(f"import numpy as np\nimport scipy.special\n\n\ndef f(a):\n    return {body}\n")
    ns = {}
    exec(compile(path.read_text(), str(path), "exec"), ns)
    with pytest.raises(SrcadError, match="cannot match the arguments"):
        srcad.grad(ns["f"])(np.array([1.0, 2.0]))


def test_logsumexp_return_sign_unpacked_is_refused_at_compile_time():
    def f(a):
        y, sign = scipy.special.logsumexp(a, b=np.array([1.0, -1.0]), return_sign=True)
        return y

    with pytest.raises(SrcadError, match="return_sign"):
        srcad.grad(f)(np.array([1.0, 2.0]))


# --- softmax and log_softmax -------------------------------------------------------------------

def test_softmax_large_inputs_and_invariance():
    a = np.array([[1000.0, 1000.5, 999.0], [-1000.0, -1001.0, -999.0]])

    def total(a):  # sum of a softmax along its axis is 1: zero gradient
        return np.sum(scipy.special.softmax(a, axis=1))

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = srcad.grad(total)(a)
    np.testing.assert_allclose(got, 0.0, atol=1e-15)

    c = np.array([[0.5, -1.0, 2.0], [1.0, 0.0, -0.5]])

    def f(a):
        return np.sum(scipy.special.softmax(a, axis=1) * c)

    # Closed form: s * (c - sum(c * s)).
    s = softmax_closed_form(a, axis=1)
    assert_grad(f, a, s * (c - np.sum(c * s, axis=1, keepdims=True)), rtol=1e-10, atol=1e-15)

    def g(a):
        return np.sum(scipy.special.log_softmax(a, axis=0) * c)

    # Closed form: c - s * sum(c) along the axis.
    s0 = softmax_closed_form(a, axis=0)
    assert_grad(g, a, c - s0 * np.sum(c, axis=0, keepdims=True), rtol=1e-10, atol=1e-12)


# --- xlogy, xlog1py, rel_entr, kl_div at x = 0 -------------------------------------------------

def test_xlogy_at_x_zero():
    def f(x, y):
        return np.sum(scipy.special.xlogy(x, y))

    x = np.array([0.0, 0.0, 1.5, 0.0])
    y = np.array([2.0, 0.5, 3.0, 0.0])
    with np.errstate(divide="ignore"):  # log(0) at the last point
        gx, gy = srcad.grad(f, wrt=(0, 1))(x, y)
    # d/dx = log(y), at x = 0 too (xlogy(h, y) = h log y exactly).
    np.testing.assert_allclose(gx[:3], np.log(y[:3]), rtol=1e-14)
    np.testing.assert_allclose(gx[:3], fd_grad(lambda v: f(v, y[:3]), x[:3]), rtol=1e-6)
    assert gx[3] == -np.inf  # log(0): x log(0) = -inf for every x > 0
    # d/dy = x / y, and exactly 0 where x == 0, even at y == 0 (the function is 0 there).
    np.testing.assert_array_equal(gy, [0.0, 0.0, 0.5, 0.0])
    np.testing.assert_allclose(gy[:3], fd_grad(lambda v: f(x[:3], v), y[:3]), atol=1e-9)


def test_xlog1py_rel_entr_kl_div_at_x_zero():
    y = np.array([0.5, 1.5, 0.0])

    def f(y):
        return np.sum(scipy.special.xlog1py(0.0, y) + 2.0 * scipy.special.rel_entr(0.0, y)
                      + scipy.special.kl_div(0.0, y))

    # xlog1py(0, y) = rel_entr(0, y) = 0 and kl_div(0, y) = y: the gradient is 1 (FD agrees).
    got = srcad.grad(f)(y)
    np.testing.assert_array_equal(got, [1.0, 1.0, 1.0])
    np.testing.assert_allclose(got[:2], fd_grad(f, y[:2] + 0.0), rtol=1e-8)

    def g(x):
        return np.sum(scipy.special.xlog1py(x, np.array([0.5, -0.5, 2.0])))

    assert_grad(g, np.array([0.0, 0.0, 1.0]), np.log1p(np.array([0.5, -0.5, 2.0])), rtol=1e-14)


# --- closed forms ------------------------------------------------------------------------------

def test_expit_closed_form_and_tails():
    x = np.array([-40.0, -5.0, -0.3, 0.0, 0.7, 5.0, 30.0])

    def f(x):
        return np.sum(scipy.special.expit(x))

    s = 1.0 / (1.0 + np.exp(-x))
    assert_grad(f, x, s * (1.0 - s), rtol=1e-10, atol=1e-16)

    def g(x):
        return np.sum(scipy.special.log_expit(x))

    # d log_expit / dx = 1 - expit(x) = expit(-x): accurate in the right tail too.
    assert_grad(g, x, 1.0 / (1.0 + np.exp(x)), rtol=1e-10, atol=1e-300)


@pytest.mark.parametrize("name,derivative", [
    ("logit", lambda p: 1.0 / (p * (1.0 - p))),
    ("ndtri", lambda p: np.sqrt(2.0 * np.pi) * np.exp(0.5 * scipy.special.ndtri(p) ** 2)),
])
def test_probability_inputs_on_a_grid(name, derivative):
    p = np.linspace(0.02, 0.98, 9)
    fn = getattr(scipy.special, name)

    def f(p):
        return np.sum(fn(p))

    got = assert_grad(f, p, rtol=1e-6)  # against finite differences
    np.testing.assert_allclose(got, derivative(p), rtol=1e-10)


def test_erfinv_erfcinv_inverse_of_erf():
    x = np.array([-0.95, -0.3, 0.0, 0.6, 0.99])

    def f(x):
        return np.sum(scipy.special.erfinv(x))

    # Inverse function: 1 / erf'(erfinv(x)).
    z = scipy.special.erfinv(x)
    assert_grad(f, x, 1.0 / (2.0 / np.sqrt(np.pi) * np.exp(-z * z)), rtol=1e-10)
    assert_grad(f, x[1:-1])

    def g(x):
        return np.sum(scipy.special.erfcinv(x))

    assert_grad(g, 1.0 - x[1:-1])


def test_log_ndtr_deep_left_tail():
    x = np.array([-100.0, -38.0, -30.0, -5.0, 0.0, 8.0])

    def f(x):
        return np.sum(scipy.special.log_ndtr(x))

    got = assert_grad(f, x, rtol=1e-6)  # against finite differences of log_ndtr itself
    # Closed form pdf / cdf where neither underflows.
    ok = x >= -30.0
    pdf = np.exp(-0.5 * x[ok] ** 2) / np.sqrt(2.0 * np.pi)
    np.testing.assert_allclose(got[ok], pdf / scipy.special.ndtr(x[ok]), rtol=1e-10)
    # Mills ratio: about -x - 1/x deep in the left tail.
    np.testing.assert_allclose(got[0], 100.0 + 1.0 / 100.0, rtol=1e-6)


def test_gamma_family_closed_forms():
    x = np.array([0.3, 1.0, 2.5, 7.0])

    def f(x):
        return np.sum(scipy.special.gammaln(x) + scipy.special.loggamma(x))

    # d log Gamma / dx = digamma; digamma(1) = -euler_gamma, digamma(2.5) = 1/1.5 + 1/0.5 - ...
    assert_grad(f, x)
    got = srcad.grad(lambda x: scipy.special.gammaln(x))(1.0)
    np.testing.assert_allclose(got, -np.euler_gamma, rtol=1e-14)
    got = srcad.grad(lambda x: scipy.special.digamma(x))(1.0)
    np.testing.assert_allclose(got, np.pi ** 2 / 6.0, rtol=1e-14)  # trigamma(1) = zeta(2)
    got = srcad.grad(lambda x: scipy.special.gamma(x))(2.0)
    np.testing.assert_allclose(got, 1.0 - np.euler_gamma, rtol=1e-14)  # Gamma'(2)

    def negative(x):  # gammaln = log|Gamma| is smooth between the poles
        return np.sum(scipy.special.gammaln(x))

    assert_grad(negative, np.array([-0.5, -1.7, -2.3]))

    def poly(x):
        return np.sum(scipy.special.polygamma(2, x) * np.array([1.0, -1.0, 0.5, 2.0]))

    assert_grad(poly, x, rtol=1e-6, atol=1e-6)


def test_bessel_functions_at_and_near_zero():
    x = np.array([-2.0, -0.4, 0.0, 0.3, 1.5, 30.0])

    def f(x):
        return scipy.special.i1(x) + 2.0 * scipy.special.i1e(x) - scipy.special.i0(x)

    def total(x):
        return np.sum(f(x))

    h = 1e-6 * np.maximum(1.0, np.abs(x))  # elementwise: one difference per element
    assert_grad(total, x, (f(x + h) - f(x - h)) / (2 * h), rtol=1e-6, atol=1e-6)
    # At 0: i1' = 1/2, i1e' = 1/2, i0' = 0.
    np.testing.assert_allclose(srcad.grad(lambda x: f(x))(0.0), 1.5, rtol=1e-14)

    def e0(x):
        return scipy.special.i0e(x)

    # i0e has a kink at 0 (slopes -1 and +1 on each side): the convention is 0.
    assert srcad.grad(e0)(0.0) == 0.0
    for x0 in (-1.3, 0.2, 40.0):
        np.testing.assert_allclose(srcad.grad(e0)(x0), fd_grad(e0, x0), rtol=1e-6)


# --- scipy is optional -------------------------------------------------------------------------

def test_srcad_works_without_scipy(tmp_path):
    script = tmp_path / "without_scipy.py"
    script.write_text(textwrap.dedent("""
        import sys
        sys.modules["scipy"] = None  # `import scipy` raises ImportError from here on
        import numpy as np
        import srcad
        import srcad.runtime

        names = srcad.supported_functions()
        assert not any(n.startswith("scipy.") for n in names), names
        assert "logsumexp_adjoint" in srcad.runtime.HELPERS


        def f(x):
            return np.sum(np.sin(x) * np.log1p(x))


        srcad.check_grads(f, (np.array([0.1, 0.2]),))
        print("ok")
    """))
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


def test_runtime_helpers_import_scipy_lazily():
    import srcad.runtime.special as helpers

    tree = ast.parse(open(helpers.__file__).read())
    top_level = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
    assert not any("scipy" in ast.unparse(n) for n in top_level)


# --- the templates themselves, forward and reverse ---------------------------------------------

def _special_rules():
    return [r for r in unique_rules() if r.name.startswith("scipy.special.")]


TEMPLATE_CASES = [pytest.param(rule, i, case, id=f"{rule.name}-{i}")
                  for rule in _special_rules() for i, case in enumerate(rule.cases)]


def test_every_special_rule_has_both_templates():
    assert len(_special_rules()) >= 20
    missing = [r.name for r in _special_rules() if not (r.vjp and r.jvp)]
    assert not missing


def _run_template(text, env, param):
    """Execute a template in ``env``: temporaries are assigned; returns the values of the
    ``t += term`` statements for ``param`` (target ``b<param>``, or a term using ``d<param>``)."""
    out = []
    for stmt in ast.parse(textwrap.dedent(text).strip()).body:
        if isinstance(stmt, ast.Assign):
            exec(compile(ast.Module(body=[stmt], type_ignores=[]), "<template>", "exec"), env)
            continue
        used = {n.id for n in ast.walk(stmt.value) if isinstance(n, ast.Name)}
        if stmt.target.id == "b" + param or "d" + param in used:
            out.append(eval(compile(ast.Expression(stmt.value), "<template>", "eval"), env))
    return out


@pytest.mark.parametrize("rule,index,case", TEMPLATE_CASES)
def test_jvp_and_vjp_templates(rule, index, case):
    """jvp against directional finite differences, shaped like the output, and the
    transpose identity <b_out, jvp(v)> == <vjp(b_out), v>, for every differentiated input."""
    rng = np.random.default_rng(200 + index)
    fn = rules.resolve_name(rule.name)
    args = [make_input(a, rng) if isinstance(a, Arr) else a for a in case.args]
    kwargs = dict(case.kwargs)
    active = [i for i, a in enumerate(case.args) if isinstance(a, Arr)]
    bound = rule.signature.bind(*args, **kwargs)
    bound.apply_defaults()
    names = list(bound.arguments)
    (out_name,) = rule.outputs
    y = fn(*args, **kwargs)
    bout = rng.standard_normal(np.shape(y))
    for pos in active:
        param = names[pos]
        env = dict(TEMPLATE_GLOBALS, **bound.arguments)
        env[out_name], env["b" + out_name] = y, bout
        for p in names:
            env["d" + p] = None
        v = rng.standard_normal(np.shape(args[pos]))
        v = float(v) if np.ndim(args[pos]) == 0 else v
        env["d" + param] = v
        h = H * max(1.0, float(np.max(np.abs(args[pos]))))
        plus, minus = list(args), list(args)
        plus[pos] = args[pos] + h * v
        minus[pos] = args[pos] - h * v
        fd = (np.asarray(fn(*plus, **kwargs)) - np.asarray(fn(*minus, **kwargs))) / (2 * h)

        jvp_terms = _run_template(rule.jvp_text, env, param)
        assert len(jvp_terms) == 1, f"{rule.name}: one jvp term per parameter"
        dy = jvp_terms[0]
        assert np.shape(dy) == np.shape(y), f"{rule.name}: tangent shape {np.shape(dy)}"
        np.testing.assert_allclose(dy, fd, rtol=1e-5, atol=1e-6, err_msg=f"jvp of {rule.name}")

        vjp_terms = _run_template(rule.vjp_text, env, param)
        assert len(vjp_terms) == 1
        bx = vjp_terms[0]
        assert np.shape(bx) == np.shape(args[pos]), f"{rule.name}: adjoint shape {np.shape(bx)}"
        np.testing.assert_allclose(np.sum(bout * dy), np.sum(bx * v), rtol=1e-9, atol=1e-9,
                                   err_msg=f"vjp/jvp of {rule.name} are not transposes")


@pytest.mark.parametrize("name,x", [
    ("logsumexp", np.array([[1000.0, 999.0, 1001.0], [0.5, -0.5, 0.0]])),
    ("softmax", np.array([[0.3, -1.0, 2.0], [1.0, 0.0, -0.5]])),
    ("expit", np.array([-3.0, 0.0, 2.5])),
    ("gammaln", np.array([0.5, 2.0, 4.5])),
])
def test_forward_mode_against_finite_differences(name, x):
    ns = {"np": np, "scipy": scipy}
    source = (f"def f(x):\n    return scipy.special.{name}(x, axis=1)\n" if name in
              ("logsumexp", "softmax") else f"def f(x):\n    return scipy.special.{name}(x)\n")
    import linecache
    filename = f"<special-forward-{name}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    exec(compile(source, filename, "exec"), ns)
    f = ns["f"]
    v = np.linspace(-1.0, 1.0, x.size).reshape(x.shape)
    value, tangent = srcad.jvp(f)(x, v)
    h = 1e-6 * max(1.0, float(np.max(np.abs(x))))
    fd = (f(x + h * v) - f(x - h * v)) / (2 * h)
    np.testing.assert_allclose(value, f(x))
    np.testing.assert_allclose(tangent, fd, rtol=1e-5, atol=1e-6)
