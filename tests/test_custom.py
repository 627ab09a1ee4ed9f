"""User rules: srcad.defvjp / defjvp / custom_vjp / custom_jvp / stop_gradient (srcad/custom.py).

Every derivative is checked against central finite differences (``srcad.check_grads`` for
reverse mode, :func:`fd_jvp` for forward mode) or a closed form, never against srcad.
Each test leaves the rules table as it found it (fixture ``clean_table``).
"""

import doctest
import math

import numpy as np
import pytest

import srcad
import srcad.custom
import srcad.runtime
from srcad import cache, rules
from srcad.checking import GradCheckError
from srcad.errors import RuleError, SrcadError

special = pytest.importorskip("scipy.special")


@pytest.fixture(autouse=True)
def clean_table():
    saved = (dict(rules.RULES), dict(rules.NONDIFF), dict(rules.TEMPLATE_GLOBALS),
             dict(srcad.custom._REGISTRY))
    yield
    for table, old in zip((rules.RULES, rules.NONDIFF, rules.TEMPLATE_GLOBALS,
                           srcad.custom._REGISTRY), saved):
        table.clear()
        table.update(old)
    cache.invalidate()


CUSTOM_VJP = ("log1pexp", "clip_gradient", "scaled_sum", "bad_bwd")
CUSTOM_JVP = ("smooth_abs",)


@pytest.fixture(autouse=True, scope="module")
def module_custom_functions():
    """Decorate this module's custom_vjp/custom_jvp functions (defined plain below) for its
    tests only: decorating at import would register their rules while every test module is
    collected, and other tests list the whole table."""
    module = globals()
    plain = {name: module[name] for name in CUSTOM_VJP + CUSTOM_JVP}
    for name in CUSTOM_VJP:
        module[name] = srcad.custom_vjp(plain[name])
    for name in CUSTOM_JVP:
        module[name] = srcad.custom_jvp(plain[name])
    yield
    for name in plain:
        srcad.custom.unregister(module[name])
    module.update(plain)
    assert not [n for n in srcad.supported_functions() if n.startswith(__name__)]


def fd_jvp(f, args, position, tangent, h=1e-6):
    """Central finite difference of ``f`` at ``args`` along ``tangent`` in one argument."""
    def at(step):
        moved = list(args)
        moved[position] = args[position] + step * tangent
        return np.asarray(f(*moved), dtype=float)
    return (at(h) - at(-h)) / (2 * h)


def i1(x):
    """The derivative of np.i0 (scipy's modified Bessel function of order 1)."""
    return special.i1(x)


# ---------------------------------------------------------------------------------------
# defvjp on functions srcad has no rule for


def series(x, n):
    total = 0.0
    for k in range(n):
        total = total + np.i0(x * (k + 1.0)) / (k + 1.0)
    return np.sum(total)


def test_defvjp_numpy_function_without_rule_in_a_loop():
    assert rules.lookup(np.i0) is None, "np.i0 got a built-in rule: pick another function"
    x = np.array([0.3, -0.7, 1.1])
    with pytest.raises(srcad.NoRuleError):
        srcad.grad(series)(x, 3)
    srcad.defvjp(np.i0, lambda g, ans, x: g * i1(x))
    srcad.check_grads(series, (x, 3))
    closed = sum(i1(x * (k + 1.0)) for k in range(3))
    np.testing.assert_allclose(srcad.grad(series)(x, 3), closed, rtol=1e-12)
    assert "numpy.i0" in srcad.supported_functions()
    text = srcad.show(series, file=False)
    assert "i0_vjp_x(" in text


def uses_dawsn(x, w):
    return np.sum(w * special.dawsn(x) ** 2)


@pytest.mark.parametrize("params", [None, "x"])
def test_defvjp_scipy_ufunc(params):
    assert rules.lookup(special.dawsn) is None
    srcad.defvjp(special.dawsn, lambda g, ans, x: g * (1.0 - 2.0 * x * ans), params=params)
    x, w = np.array([0.2, 1.5, -0.4]), np.array([1.0, 2.0, 3.0])
    srcad.check_grads(uses_dawsn, (x, w), wrt=(0, 1))
    assert "scipy.special.dawsn" in srcad.supported_functions()
    assert "dawsn_vjp_x(" in srcad.show(uses_dawsn, file=False)


def black_box(a, b):
    """Pretend this is a C extension: srcad may not read it."""
    return a * np.sin(b)


def uses_black_box(a, b):
    return np.sum(black_box(a, b) ** 2)


def test_defvjp_python_function_as_primitive_two_arguments():
    srcad.defvjp(black_box, lambda g, ans, a, b: g * np.sin(b),
                 lambda g, ans, a, b: g * a * np.cos(b))
    a, b = np.array([0.5, -1.0]), np.array([0.3, 2.0])
    srcad.check_grads(uses_black_box, (a, b), wrt=(0, 1))
    text = srcad.show(uses_black_box, wrt=(0, 1), file=False)
    assert "black_box_vjp_a(" in text and "black_box_vjp_b(" in text


def test_defvjp_argnums_and_none():
    srcad.defvjp(black_box, lambda g, ans, a, b: g * a * np.cos(b), argnums=(1,))
    a, b = np.array([0.5, -1.0]), np.array([0.3, 2.0])
    srcad.check_grads(uses_black_box, (a, b), wrt=1)
    with pytest.raises(RuleError, match="no vjp for argument `a`"):
        srcad.grad(uses_black_box)(a, b)
    # None: declared not differentiable, no contribution (and no error)
    srcad.defvjp(black_box, None, lambda g, ans, a, b: g * a * np.cos(b))
    g = srcad.grad(uses_black_box, wrt=(0, 1))(a, b)
    np.testing.assert_array_equal(g[0], 0.0)


def test_defvjp_overrides_a_builtin_rule_and_unregister_restores_it():
    builtin = rules.lookup(np.hypot)
    assert builtin is not None
    srcad.defvjp(np.hypot, lambda g, ans, x1, x2: g * x1 / ans,
                 lambda g, ans, x1, x2: g * x2 / ans, params="x1, x2")
    f = lambda a, b: np.sum(np.hypot(a, b))  # noqa: E731
    a, b = np.array([3.0, 1.0]), np.array([4.0, 2.0])
    srcad.check_grads(f, (a, b), wrt=(0, 1))
    assert "hypot_vjp_x1(" in srcad.show(f, file=False)
    srcad.custom.unregister(np.hypot)
    assert rules.lookup(np.hypot) is builtin
    assert "hypot_vjp" not in srcad.show(f, file=False)
    with pytest.raises(RuleError, match="no rule was registered"):
        srcad.custom.unregister(np.hypot)


def test_wrong_defvjp_rule_is_caught_by_check_grads():
    srcad.defvjp(np.i0, lambda g, ans, x: g * i1(x) * 1.01)  # 1 % off
    with pytest.raises(GradCheckError):
        srcad.check_grads(series, (np.array([0.3, -0.7]), 2))
    srcad.defvjp(np.i0, lambda g, ans, x: g * i1(x))  # fixed: picked up at once
    srcad.check_grads(series, (np.array([0.3, -0.7]), 2))


def test_defvjp_and_defjvp_merge_into_one_rule():
    srcad.defvjp(np.i0, lambda g, ans, x: g * i1(x))
    srcad.defjvp(np.i0, lambda dx, ans, x: dx * i1(x))
    rule = rules.lookup(np.i0)
    assert rule.vjp_text == "bx += i0_vjp_x(by, y, x)"
    assert rule.jvp_text == "dy += i0_jvp_x(dx, y, x)"
    assert srcad.supported_functions().count("numpy.i0") == 1
    srcad.defvjp(np.i0, lambda g, ans, x: 2.0 * g * i1(x) / 2.0)  # replaces the vjp only
    assert rules.lookup(np.i0).jvp_text == "dy += i0_jvp_x(dx, y, x)"
    assert srcad.custom._REGISTRY[np.i0].jvps["x"] is not None


def test_rule_templates_are_well_formed():
    """make_rule validated them; each statement differentiates one argument."""
    srcad.defvjp(black_box, lambda g, ans, a, b: g, lambda g, ans, a, b: g)
    rule = rules.lookup(black_box)
    assert rule.diff_params() == ["a", "b"]
    assert rule.jvp_text.splitlines() == ["dy += black_box_jvp_a(da, y, a, b)",
                                          "dy += black_box_jvp_b(db, y, a, b)"]
    assert rule.module == "srcad.custom" and rule.name == f"{__name__}.black_box"
    for name in ("black_box_vjp_a", "black_box_vjp_b", "black_box_jvp_a", "black_box_jvp_b"):
        assert name in rules.TEMPLATE_GLOBALS


def keyword_rule(x, *, scale=2.0):
    return scale * x


def test_defvjp_passes_keyword_only_parameters_as_keywords():
    seen = []

    def vjp(g, ans, x, scale):
        seen.append(scale)
        return g * scale
    srcad.defvjp(keyword_rule, vjp)
    assert rules.lookup(keyword_rule).vjp_text.startswith(
        "bx += keyword_rule_vjp_x(by, y, x, scale=scale)")
    f = lambda x: keyword_rule(x, scale=3.0) + keyword_rule(x)  # noqa: E731
    assert srcad.grad(f)(1.0) == pytest.approx(5.0)
    assert sorted(seen) == [2.0, 3.0]  # the default, passed by keyword


# ---------------------------------------------------------------------------------------
# registering after differentiating


def helper_square(x):
    return x * x


def calls_helper(x):
    return np.sum(helper_square(x) * 3.0)


def test_registering_a_rule_after_differentiating():
    x = np.array([1.0, 2.0])
    df = srcad.grad(calls_helper)
    np.testing.assert_allclose(df(x), 6.0 * x)  # differentiated from the helper's source
    srcad.defvjp(helper_square, lambda g, ans, x: g * 10.0)  # a different (wrong) rule
    np.testing.assert_allclose(df(x), [30.0, 30.0])  # the same derivative object sees it
    np.testing.assert_allclose(srcad.grad(calls_helper)(x), [30.0, 30.0])  # a new one too
    srcad.custom.unregister(helper_square)
    np.testing.assert_allclose(df(x), 6.0 * x)


def test_registering_after_a_no_rule_error():
    df = srcad.grad(series)
    with pytest.raises(srcad.NoRuleError):
        df(np.array([0.5]), 2)
    srcad.defvjp(np.i0, lambda g, ans, x: g * i1(x))
    np.testing.assert_allclose(df(np.array([0.5]), 2), i1(0.5) + i1(1.0), rtol=1e-12)


# ---------------------------------------------------------------------------------------
# custom_vjp


def log1pexp(x):
    return np.log1p(np.exp(x))


def _log1pexp_fwd(x):
    s = 1.0 / (1.0 + np.exp(-x))  # the residual: the derivative, computed stably
    return log1pexp(x), s


def _log1pexp_bwd(s, g):
    return (g * s,)


def softplus_loop(x, n):
    total = np.zeros_like(x)
    for k in range(n):
        total = total + log1pexp(x * (k + 1.0))
    return np.sum(total)


def softplus_via_helper(x):
    return np.sum(helper_of_log1pexp(x, 2.0))


def helper_of_log1pexp(x, c):
    return c * log1pexp(x) + x


@pytest.fixture
def with_log1pexp_rule():
    log1pexp.defvjp(_log1pexp_fwd, _log1pexp_bwd)


def test_custom_vjp_with_residuals_in_a_loop(with_log1pexp_rule):
    x = np.array([0.5, -1.0, 2.0])
    srcad.check_grads(softplus_loop, (x, 3))
    closed = sum((k + 1.0) / (1.0 + np.exp(-x * (k + 1.0))) for k in range(3))
    np.testing.assert_allclose(srcad.grad(softplus_loop)(x, 3), closed, rtol=1e-12)
    text = srcad.show(softplus_loop, file=False)
    assert "log1pexp_vjp(" in text


def test_custom_vjp_in_a_helper_function(with_log1pexp_rule):
    srcad.check_grads(softplus_via_helper, (np.array([0.1, -2.0]),))


def test_custom_vjp_rule_is_used_not_the_source(with_log1pexp_rule):
    # The source overflows at x = 1000 (exp(1000) = inf): the rule does not.
    with np.errstate(over="ignore"):
        g = srcad.grad(softplus_via_helper)(np.array([1000.0, -1000.0]))
    np.testing.assert_allclose(g, [3.0, 1.0])


def test_custom_vjp_under_grad_directly(with_log1pexp_rule):
    assert srcad.grad(log1pexp)(0.0) == pytest.approx(0.5)
    srcad.check_grads(log1pexp, (np.array([0.3, -0.2]),))
    assert "log1pexp_vjp(" in srcad.show(log1pexp, file=False)
    assert f"{__name__}.log1pexp" in srcad.supported_functions()


def test_custom_vjp_called_outside_differentiation():
    assert log1pexp(0.0) == pytest.approx(math.log(2.0))  # with or without a rule
    np.testing.assert_allclose(log1pexp(np.array([0.0, 1.0])), np.log1p(np.exp([0.0, 1.0])))
    assert log1pexp.__name__ == "log1pexp" and log1pexp.__wrapped__(0.0) == log1pexp(0.0)


def clip_gradient(x, lo, hi):
    return x


def _clip_fwd(x, lo, hi):
    return x, (lo, hi)


def _clip_bwd(res, g):
    lo, hi = res
    return (np.clip(g, lo, hi), None, None)


def test_custom_vjp_clip_gradient_closed_form():
    clip_gradient.defvjp(_clip_fwd, _clip_bwd)

    def f(x):
        return np.sum(clip_gradient(x * x, -1.0, 1.0))
    x = np.array([0.1, 0.4, 3.0])
    # d/dx of x*x, with the adjoint of x*x (1) clipped to [-1, 1]: unchanged, 2x
    np.testing.assert_allclose(srcad.grad(f)(x), 2.0 * x)

    def g(x):
        return np.sum(5.0 * clip_gradient(x, -1.0, 1.0))
    np.testing.assert_allclose(srcad.grad(g)(x), [1.0, 1.0, 1.0])  # 5 clipped to 1
    # None for an argument that is differentiated: no contribution
    lo_grad = srcad.grad(lambda lo: np.sum(clip_gradient(x, lo, 1.0)))(-1.0)
    assert lo_grad == 0.0


def scaled_sum(x, w, power=2.0):
    return np.sum(w * x ** power)


def test_custom_vjp_two_arguments_and_a_default():
    def fwd(x, w, power):
        return scaled_sum(x, w, power), (x, w, power)

    def bwd(res, g):
        x, w, power = res
        return g * w * power * x ** (power - 1.0), g * x ** power, None
    scaled_sum.defvjp(fwd, bwd)
    x, w = np.array([0.5, 1.5]), np.array([2.0, -1.0])
    srcad.check_grads(lambda x, w: scaled_sum(x, w) * 2.0, (x, w), wrt=(0, 1))
    srcad.check_grads(lambda x, w: scaled_sum(x, w, 3.0), (x, w), wrt=(0, 1))
    assert scaled_sum(x, w) == pytest.approx(np.sum(w * x ** 2))


# ---------------------------------------------------------------------------------------
# custom_jvp


def smooth_abs(x, eps):
    return np.sqrt(x * x + eps)


def _smooth_abs_jvp(primals, tangents):
    x, eps = primals
    dx, deps = tangents
    y = smooth_abs(x, eps)
    return y, (x * dx + 0.5 * deps) / y


def test_custom_jvp_in_reverse_mode_by_unit_vectors():
    smooth_abs.defjvp(_smooth_abs_jvp)

    def f(x, eps):
        total = 0.0
        for k in range(2):
            total = total + np.sum(smooth_abs(x + k, eps))
        return total
    x = np.array([0.3, -1.2, 2.0])
    srcad.check_grads(f, (x, 0.5), wrt=(0, 1))
    assert "smooth_abs_vjp_x(" in srcad.show(f, file=False)


def test_custom_jvp_defjvp_as_a_decorator():
    @srcad.custom_jvp
    def cube_root(x):
        return np.cbrt(x)

    @cube_root.defjvp
    def cube_root_jvp(primals, tangents):
        (x,), (dx,) = primals, tangents
        y = cube_root(x)
        return y, dx / (3.0 * y * y)
    assert callable(cube_root_jvp)
    x = np.array([1.0, 8.0, -27.0])
    np.testing.assert_allclose(srcad.grad(lambda x: np.sum(cube_root(x)))(x),
                               1.0 / (3.0 * np.cbrt(x) ** 2))
    srcad.check_grads(lambda x: np.sum(cube_root(x) ** 2), (x,))


def test_custom_jvp_without_defjvp():
    @srcad.custom_jvp
    def nothing_yet(x):
        return x * 2.0
    assert nothing_yet(2.0) == 4.0
    with pytest.raises(RuleError, match=r"custom_jvp function `nothing_yet`.*no rule") as info:
        srcad.grad(lambda x: nothing_yet(x))(1.0)
    assert "nothing_yet.defjvp(jvp)" in str(info.value)


# ---------------------------------------------------------------------------------------
# forward mode


def needs_forward():
    if not callable(getattr(srcad, "jvp", None)):
        pytest.skip("forward mode (srcad.jvp) is not available")


def test_defjvp_in_forward_mode():
    needs_forward()
    srcad.defjvp(np.i0, lambda dx, ans, x: dx * i1(x))
    x, t = np.array([0.3, -0.7, 1.1]), np.array([1.0, 0.5, -2.0])
    value, tangent = srcad.jvp(series)(x, 3, t)
    np.testing.assert_allclose(tangent, fd_jvp(lambda x: series(x, 3), (x,), 0, t), rtol=1e-6)
    assert "i0_jvp_x(" in srcad.show(series, mode="fwd", file=False)
    # and reverse mode from the jvp alone, by unit vectors
    srcad.check_grads(series, (x, 3))


def test_defvjp_only_rule_in_forward_mode_by_unit_vectors():
    needs_forward()
    srcad.defvjp(black_box, lambda g, ans, a, b: g * np.sin(b),
                 lambda g, ans, a, b: g * a * np.cos(b))
    f = lambda a, b: black_box(a, b) ** 2  # noqa: E731  (an array result)
    a, b = np.array([0.5, -1.0]), np.array([0.3, 2.0])
    for position, t in ((0, np.array([1.0, -0.5])), (1, np.array([0.2, 0.7]))):
        _, tangent = srcad.jvp(f, wrt=position)(a, b, t)
        np.testing.assert_allclose(tangent, fd_jvp(f, (a, b), position, t), rtol=1e-6)


def test_custom_jvp_in_forward_mode():
    needs_forward()
    smooth_abs.defjvp(_smooth_abs_jvp)
    f = lambda x, eps: smooth_abs(x, eps) * x  # noqa: E731
    x = np.array([0.3, -1.2])
    for position, args_t in ((0, np.array([1.0, 2.0])), (1, 0.7)):
        _, tangent = srcad.jvp(f, wrt=position)(x, 0.5, args_t)
        np.testing.assert_allclose(tangent, fd_jvp(f, (x, 0.5), position, args_t), rtol=1e-6)


def test_custom_vjp_in_forward_mode(with_log1pexp_rule):
    needs_forward()
    x, t = np.array([0.5, -1.0]), np.array([1.0, 3.0])
    _, tangent = srcad.jvp(softplus_via_helper)(x, t)
    np.testing.assert_allclose(tangent, fd_jvp(softplus_via_helper, (x,), 0, t), rtol=1e-6)


# ---------------------------------------------------------------------------------------
# stop_gradient


def test_stop_gradient():
    assert srcad.grad(lambda x: x * srcad.stop_gradient(x))(3.0) == 3.0
    x = np.array([1.0, 2.0])
    assert srcad.stop_gradient(x) is x
    g = srcad.grad(lambda x: np.sum(x * x - srcad.stop_gradient(x * x)))(x)
    np.testing.assert_allclose(g, 2.0 * x)
    g = srcad.grad(lambda x: np.sum(srcad.stop_gradient(np.sin(x))))(x)
    np.testing.assert_array_equal(g, 0.0)


def test_stop_gradient_in_forward_mode():
    needs_forward()
    _, tangent = srcad.jvp(lambda x: x * srcad.stop_gradient(x))(3.0, 1.0)
    assert tangent == 3.0


# ---------------------------------------------------------------------------------------
# bad input: registration


def test_more_vjps_than_positional_parameters():
    with pytest.raises(RuleError, match=r"got 2 vjp functions for `i0`, which has 1 "
                                        r"positional parameter \(x\)"):
        srcad.defvjp(np.i0, lambda g, ans, x: g, lambda g, ans, x: g)
    assert rules.lookup(np.i0) is None


def test_vjp_that_is_not_callable():
    with pytest.raises(RuleError, match=r"the vjp for argument `x` of `i0` is a float"):
        srcad.defvjp(np.i0, 1.0)
    with pytest.raises(RuleError, match=r"the jvp for argument `b` of `black_box` is a str"):
        srcad.defjvp(black_box, None, "db")


def test_bad_argnums_and_params():
    with pytest.raises(RuleError, match="argnums"):
        srcad.defvjp(black_box, lambda g, ans, a, b: g, argnums=(2,))
    with pytest.raises(RuleError, match="argnums"):
        srcad.defvjp(black_box, lambda g, ans, a, b: g, lambda g, ans, a, b: g, argnums=(1, 1))
    with pytest.raises(RuleError, match="not a parameter list"):
        srcad.defvjp(np.i0, lambda g, ans, x: g, params="x,,")
    with pytest.raises(RuleError, match="needs a function"):
        srcad.defvjp(3.0, lambda g, ans, x: g)
    with pytest.raises(RuleError, match="got no vjp"):
        srcad.defvjp(np.i0)


ONES = np.ones(2)


def test_signature_that_cannot_be_used():
    def varargs(*xs):
        return sum(xs)
    with pytest.raises(RuleError, match=r"takes \*xs; a rule needs named parameters") as info:
        srcad.defvjp(varargs, lambda g, ans, x: g)
    assert "params=" in str(info.value)
    srcad.defvjp(varargs, lambda g, ans, x1, x2: g, lambda g, ans, x1, x2: g,
                 params="x1, x2")
    assert srcad.grad(lambda a: varargs(a, 2.0 * a))(1.0) == pytest.approx(3.0)

    def array_default(x, w=ONES):
        return x * w
    with pytest.raises(RuleError, match="default value of parameter `w`"):
        srcad.defvjp(array_default, lambda g, ans, x, w: g * w)


def test_custom_functions_refuse_keyword_only_parameters_and_bad_rules():
    def kw(x, *, scale):
        return x * scale
    with pytest.raises(RuleError, match="keyword-only parameter `scale`"):
        srcad.custom_vjp(kw)
    with pytest.raises(RuleError, match="decorates a function"):
        srcad.custom_vjp(42)

    @srcad.custom_vjp
    def f(x):
        return x
    with pytest.raises(RuleError, match="bwd is an int"):
        f.defvjp(lambda x: (x, None), 3)
    with pytest.raises(RuleError, match="is a custom_vjp function"):
        srcad.defvjp(f, lambda g, ans, x: g)


# ---------------------------------------------------------------------------------------
# bad input: at first use


def test_custom_vjp_without_defvjp():
    @srcad.custom_vjp
    def no_rule_yet(x):
        return x * 2.0
    assert no_rule_yet(2.0) == 4.0  # calling it is fine
    with pytest.raises(RuleError, match=r"custom_vjp function `no_rule_yet` is differentiated, "
                                        r"but it has no rule yet") as info:
        srcad.grad(lambda x: no_rule_yet(x) * 3.0)(1.0)
    assert "no_rule_yet.defvjp(fwd, bwd)" in str(info.value)
    no_rule_yet.defvjp(lambda x: (no_rule_yet(x), None), lambda res, g: (2.0 * g,))
    assert srcad.grad(lambda x: no_rule_yet(x) * 3.0)(1.0) == 6.0


def bad_bwd(x, w):
    return x * w


def test_bwd_returning_a_non_tuple():
    bad_bwd.defvjp(lambda x, w: (x * w, (x, w)), lambda res, g: g * res[1])
    with pytest.raises(RuleError, match=r"bwd function you registered for custom_vjp `bad_bwd` "
                                        r"returned an ndarray .*tuple of 2 cotangents") as info:
        srcad.grad(lambda x: np.sum(bad_bwd(x, 2.0)))(np.ones(2))
    assert "return (g_x, g_w)" in str(info.value)
    log1pexp.defvjp(_log1pexp_fwd, lambda s, g: g * s)
    with pytest.raises(RuleError, match="tuple of 1 cotangent,") as info:
        srcad.grad(log1pexp)(1.0)
    assert "a tuple even for one parameter, e.g. `return (g * s,)`" in str(info.value)


def test_bwd_returning_a_tuple_of_the_wrong_length():
    bad_bwd.defvjp(lambda x, w: (x * w, (x, w)), lambda res, g: (g * res[1],))
    with pytest.raises(RuleError, match=r"returned a tuple of 1; it must return a tuple of 2 "
                                        r"cotangents, one per positional parameter of "
                                        r"`bad_bwd` \(x, w\)"):
        srcad.grad(lambda x: np.sum(bad_bwd(x, 2.0)))(np.ones(2))


def test_bwd_cotangent_with_the_wrong_shape_is_not_broadcast():
    # the cotangent of w (a number) is returned unsummed: shape (2,)
    bad_bwd.defvjp(lambda x, w: (x * w, (x, w)), lambda res, g: (g * res[1], g * res[0]))
    f = lambda w: np.sum(bad_bwd(np.ones(2), w))  # noqa: E731
    with pytest.raises(RuleError, match=r"returned shape \(2,\) for argument `w`, but argument "
                                        r"`w` has shape \(\); srcad does not broadcast it"):
        srcad.grad(f)(2.0)
    bad_bwd.defvjp(lambda x, w: (x * w, (x, w)),
                   lambda res, g: (g * res[1], np.sum(g * res[0])))
    assert srcad.grad(f)(2.0) == pytest.approx(2.0)


def test_fwd_not_returning_a_pair():
    bad_bwd.defvjp(lambda x, w: x * w, lambda res, g: (g, g))
    with pytest.raises(RuleError, match=r"fwd function .* must return a pair \(value, "
                                        r"residuals\)"):
        srcad.grad(lambda x: np.sum(bad_bwd(x, 2.0)))(np.ones(2))


def test_user_rule_that_raises_is_wrapped():
    def vjp(g, ans, x):
        raise ValueError("boom")
    srcad.defvjp(np.i0, vjp)
    with pytest.raises(RuleError, match=r"the vjp rule you registered for `i0` raised "
                                        r"ValueError: boom") as info:
        srcad.grad(series)(np.array([0.5]), 1)
    assert isinstance(info.value.__cause__, ValueError)

    bad_bwd.defvjp(lambda x, w: (x * w, None), lambda res, g: (g * res[1], None))
    with pytest.raises(RuleError, match=r"the bwd function you registered for custom_vjp "
                                        r"`bad_bwd` raised TypeError"):
        srcad.grad(lambda x: np.sum(bad_bwd(x, 2.0)))(np.ones(2))


def test_vjp_returning_none_or_the_wrong_shape():
    srcad.defvjp(np.i0, lambda g, ans, x: None)
    with pytest.raises(RuleError, match=r"vjp rule you registered for `i0` returned None for "
                                        r"argument `x`"):
        srcad.grad(series)(np.array([0.5]), 1)
    srcad.defvjp(np.i0, lambda g, ans, x: np.sum(g * i1(x)))
    with pytest.raises(RuleError, match=r"returned shape \(\) for argument `x`, but argument "
                                        r"`x` has shape \(2,\)") as info:
        srcad.grad(series)(np.array([0.5, 0.7]), 1)
    assert "unbroadcast" in str(info.value)


def test_jvp_with_the_wrong_shape():
    srcad.defjvp(np.i0, lambda dx, ans, x: np.sum(dx * i1(x)))
    with pytest.raises(RuleError, match=r"jvp rule you registered for `i0` returned shape \(\) "
                                        r"for argument `x`, but the result has shape \(2,\)"):
        srcad.grad(series)(np.array([0.5, 0.7]), 1)  # reverse from the jvp uses it too


def test_errors_are_srcad_errors():
    assert issubclass(RuleError, SrcadError)


# ---------------------------------------------------------------------------------------
# the examples in srcad/custom.py


def test_docstring_examples():
    finder = doctest.DocTestFinder()
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    tests = finder.find(srcad.custom, "srcad.custom")
    assert sum(len(t.examples) for t in tests) >= 10
    for test in tests:
        runner.run(test)
    assert runner.failures == 0


def awkward_names(y, by, dy):
    return y * by * dy


def test_parameters_named_like_template_names():
    vjps = (lambda g, ans, y, by, dy: g * by * dy, lambda g, ans, y, by, dy: g * y * dy,
            lambda g, ans, y, by, dy: g * y * by)
    # `by` would be both a parameter and the adjoint of `y`: refused, params= renames
    with pytest.raises(RuleError, match="cannot make a rule for `awkward_names`") as info:
        srcad.defvjp(awkward_names, *vjps)
    assert "params=" in str(info.value)
    assert rules.lookup(awkward_names) is None
    assert not [n for n in rules.TEMPLATE_GLOBALS if n.startswith("awkward_names")]
    srcad.defvjp(awkward_names, *vjps, params="a, b, c")
    srcad.check_grads(lambda a, b: awkward_names(a, b, 3.0) ** 2, (1.5, -0.5), wrt=(0, 1))


def result_named_y(x, y):
    return x * y


def test_a_parameter_named_y():
    srcad.defvjp(result_named_y, lambda g, ans, x, y: g * y,
                 lambda g, ans, x, y: srcad.runtime.unbroadcast(g * x, y))  # as the hint says
    assert rules.lookup(result_named_y).outputs == ("out",)
    assert rules.lookup(result_named_y).vjp_text.startswith("bx += result_named_y_vjp_x(bout,")
    srcad.check_grads(lambda a, b: np.sum(result_named_y(a, b) ** 2),
                      (np.array([1.5, 2.0]), -0.5), wrt=(0, 1))


# ---------------------------------------------------------------------------------------
# higher order: the derivative of a helper is the derivative of the user's functions
# (srcad/custom_higher.py); closed forms and finite differences, never srcad itself


def test_higher_order_through_a_user_rule_names_the_helper():
    """grad(grad(f)) differentiates the user's vjp; one srcad cannot read is an error that
    names the rule and the helper."""
    srcad.defvjp(black_box, lambda g, ans, a, b: g * np.sin(b), None)

    def f(a):
        return black_box(a, 0.5) * a  # a**2 sin(0.5)
    assert srcad.grad(f)(2.0) == pytest.approx(2.0 * 2.0 * np.sin(0.5))
    assert srcad.grad(srcad.grad(f))(2.0) == pytest.approx(2.0 * np.sin(0.5), rel=1e-12)

    class CompiledVjp:  # a C extension, say: no source
        def __call__(self, g, ans, a, b):
            return g * np.sin(b)
    srcad.defvjp(black_box, CompiledVjp(), None)
    assert srcad.grad(f)(2.0) == pytest.approx(2.0 * 2.0 * np.sin(0.5))  # first order: fine
    with pytest.raises(srcad.NoRuleError, match=r"rule you registered for `black_box` "
                                                r"differentiate its vjp for argument `a` "
                                                r"\(which the helper black_box_vjp_a calls\), "
                                                r"so it must be a Python function srcad can "
                                                r"read: it is a CompiledVjp object") as info:
        srcad.grad(srcad.grad(f))(2.0)
    assert "black_box_vjp_a(" in str(info.value)  # the call in the first derivative
    assert "`def` or `lambda`" in str(info.value)


def test_defvjp_rule_whose_vjp_is_a_ufunc_at_second_order():
    def expo(x):
        return np.exp(x)
    vjp = np.frompyfunc(lambda g, ans, x: g * ans, 3, 1)  # a numpy ufunc: no source
    srcad.defvjp(expo, vjp)
    f = lambda x: expo(x) * x  # noqa: E731
    assert srcad.grad(f)(1.0) == pytest.approx(2.0 * math.e)
    with pytest.raises(srcad.NoRuleError, match=r"`expo`.*vjp for argument `x`.*\(ufunc\), "
                                                r"which has no Python source"):
        srcad.hvp(f)(1.0, 1.0)


def test_defvjp_second_and_third_order():
    srcad.defvjp(black_box, lambda g, ans, a, b: g * np.sin(b),
                 lambda g, ans, a, b: g * a * np.cos(b))
    a, b = np.array([0.5, -1.0]), np.array([0.3, 2.0])
    srcad.check_grads(uses_black_box, (a, b), wrt=(0, 1), order=2)
    # uses_black_box = sum(a**2 sin(b)**2): its Hessian in a is diag(2 sin(b)**2)
    v = np.array([1.0, -3.0])
    np.testing.assert_allclose(srcad.hvp(uses_black_box)(a, b, v), 2.0 * np.sin(b) ** 2 * v,
                               rtol=1e-12)
    np.testing.assert_allclose(srcad.hessian(uses_black_box)(a, b),
                               np.diag(2.0 * np.sin(b) ** 2), rtol=1e-12)
    cubic = lambda a: black_box(a, 0.5) * a ** 2  # noqa: E731  (a**3 sin(0.5))
    third = srcad.grad(srcad.grad(srcad.grad(cubic)))(2.0)
    assert third == pytest.approx(6.0 * np.sin(0.5), rel=1e-12)
    # a new rule is picked up by derivatives of derivatives too
    d2 = srcad.grad(srcad.grad(cubic))
    assert d2(2.0) == pytest.approx(12.0 * np.sin(0.5), rel=1e-12)
    srcad.defvjp(black_box, lambda g, ans, a, b: 2.0 * g * np.sin(b), None)  # wrong: 2 s
    # with black_box' = 2 s (s = sin(0.5)): f' = 2 s a**2 + 2 a (a s), f'' = 4 s a + 2 s a + 4 s a
    assert d2(2.0) == pytest.approx(20.0 * np.sin(0.5), rel=1e-12)


def test_defvjp_on_a_numpy_function_hessian():
    srcad.defvjp(np.i0, lambda g, ans, x: g * i1(x))  # i1 is differentiable by srcad
    x = np.array([0.3, -0.7, 1.1])
    srcad.check_grads(series, (x, 3), order=2)
    # d/dx i1(z) = i0(z) - i1(z) / z; series'' = sum_k (k + 1) i1'((k + 1) x)
    z = np.outer(np.arange(1.0, 4.0), x)
    closed = np.sum(np.arange(1.0, 4.0)[:, None] * (special.i0(z) - special.i1(z) / z), axis=0)
    np.testing.assert_allclose(srcad.hessian(series)(x, 3), np.diag(closed), rtol=1e-10,
                               atol=1e-14)


def test_defjvp_only_rule_at_second_order_by_unit_vectors():
    """Reverse mode transposes the jvp (a loop over unit vectors): differentiable too."""
    srcad.defjvp(helper_square, lambda dx, ans, x: 2.0 * x * dx)
    f = lambda x: np.sum(helper_square(x) * x)  # noqa: E731  (sum x**3)
    x = np.array([0.5, -1.5, 2.0])
    srcad.check_grads(f, (x,), order=2)
    np.testing.assert_allclose(srcad.hessian(f)(x), np.diag(6.0 * x), rtol=1e-12)
    assert srcad.grad(srcad.grad(lambda x: helper_square(x) * x))(2.0) == pytest.approx(12.0)
    text = srcad.show(srcad.grad(srcad.grad(lambda x: helper_square(x) * x)), file=False)
    assert "def vjp_helper_square_vjp_x(" in text  # the transposition, differentiated


def test_defvjp_only_rule_forward_over_forward_and_reverse_over_forward():
    needs_forward()
    srcad.defvjp(helper_square, lambda g, ans, x: 2.0 * g * x)
    x, t = np.array([0.5, -1.5, 2.0]), np.array([1.0, 0.5, -2.0])
    forward = srcad.jvp(lambda x: np.sum(helper_square(x) * x))

    def directional(x):  # sum(3 x**2 t)
        return forward(x, t)[1]
    np.testing.assert_allclose(srcad.grad(directional)(x), 6.0 * x * t, rtol=1e-12)
    _, second = srcad.jvp(directional)(x, t)
    assert second == pytest.approx(np.sum(6.0 * x * t * t), rel=1e-12)
    srcad.check_grads(directional, (x,))


def test_custom_vjp_hessian_with_residuals(with_log1pexp_rule):
    x = np.array([0.5, -1.0, 2.0])
    s = 1.0 / (1.0 + np.exp(-x))
    loss = lambda x: np.sum(log1pexp(x) * x)  # noqa: E731
    # (log1pexp(x) x)'' = s(1 - s) x + 2 s
    np.testing.assert_allclose(srcad.hessian(loss)(x), np.diag(s * (1.0 - s) * x + 2.0 * s),
                               rtol=1e-12)
    srcad.check_grads(loss, (x,), order=2)
    srcad.check_grads(softplus_loop, (x, 3), order=2)
    assert srcad.grad(srcad.grad(log1pexp))(0.0) == pytest.approx(0.25, rel=1e-12)
    s = 1.0 / (1.0 + np.exp(-0.7))  # the third derivative: s(1 - s)(1 - 2s)
    third = srcad.grad(srcad.grad(srcad.grad(log1pexp)))(0.7)
    assert third == pytest.approx(s * (1.0 - s) * (1.0 - 2.0 * s), rel=1e-10)
    assert "def jvp_log1pexp_vjp(" in srcad.show(srcad.hessian(loss), file=False)


def test_custom_vjp_second_order_with_none_cotangents():
    clip_gradient.defvjp(_clip_fwd, _clip_bwd)
    f = lambda x: np.sum(clip_gradient(x * x, -1.0, 1.0) * x)  # noqa: E731
    x = np.array([0.1, 0.4, 3.0])
    # the adjoint of x * x is x, clipped: f' = x**2 + 2 x clip(x), f'' = 2x + 2 clip(x) + 2x [|x| < 1]
    np.testing.assert_allclose(srcad.grad(f)(x), x ** 2 + 2.0 * x * np.clip(x, -1.0, 1.0))
    np.testing.assert_allclose(srcad.hessian(f)(x), np.diag(
        2.0 * x + 2.0 * np.clip(x, -1.0, 1.0) + 2.0 * x * (np.abs(x) < 1.0)), rtol=1e-12)
    assert srcad.grad(srcad.grad(lambda x: clip_gradient(x * x, -1.0, 1.0)))(0.5) == 2.0


def test_custom_vjp_three_arguments_at_second_order():
    def fwd(x, w, power):
        return scaled_sum(x, w, power), (x, w, power)

    def bwd(res, g):
        x, w, power = res
        return g * w * power * x ** (power - 1.0), g * x ** power, None
    scaled_sum.defvjp(fwd, bwd)
    x, w = np.array([0.5, 1.5]), np.array([2.0, -1.0])
    f = lambda x, w: scaled_sum(x, w) * scaled_sum(x, w, 3.0)  # noqa: E731
    srcad.check_grads(f, (x, w), wrt=(0, 1), order=2)


def test_custom_vjp_in_forward_mode_differentiated_again(with_log1pexp_rule):
    needs_forward()
    x, t = np.array([0.5, -1.0]), np.array([1.0, 3.0])
    forward = srcad.jvp(softplus_via_helper)

    def directional(x):  # sum((2 s + 1) t)
        return forward(x, t)[1]
    s = 1.0 / (1.0 + np.exp(-x))
    assert directional(x) == pytest.approx(np.sum((2.0 * s + 1.0) * t))
    np.testing.assert_allclose(srcad.grad(directional)(x), 2.0 * s * (1.0 - s) * t, rtol=1e-12)
    srcad.check_grads(directional, (x,))


def test_custom_jvp_hessian_forward_over_reverse():
    smooth_abs.defjvp(_smooth_abs_jvp)
    f = lambda x, eps: np.sum(smooth_abs(x, eps) * x)  # noqa: E731
    x, eps = np.array([0.3, -1.2, 2.0]), 0.5
    r = np.sqrt(x * x + eps)
    # (x r)'' = 3x / r - x**3 / r**3
    np.testing.assert_allclose(srcad.hessian(f)(x, eps), np.diag(3.0 * x / r - x ** 3 / r ** 3),
                               rtol=1e-12)
    srcad.check_grads(f, (x, eps), wrt=(0, 1), order=2)
    # d2/deps2 sqrt(4 + eps) = -(4 + eps)**-1.5 / 4
    d2 = srcad.grad(srcad.grad(lambda e: smooth_abs(2.0, e)))(0.5)
    assert d2 == pytest.approx(-0.25 * 4.5 ** -1.5, rel=1e-12)


def test_custom_jvp_in_forward_mode_differentiated_again():
    needs_forward()
    smooth_abs.defjvp(_smooth_abs_jvp)
    x, t = np.array([0.3, -1.2]), np.array([1.0, 2.0])
    forward = srcad.jvp(lambda x: np.sum(smooth_abs(x, 0.5) ** 2))  # sum(x**2 + 0.5)

    def directional(x):
        return forward(x, t)[1]
    np.testing.assert_allclose(srcad.grad(directional)(x), 2.0 * t, rtol=1e-12)
    assert srcad.jvp(directional)(x, t)[1] == pytest.approx(np.sum(2.0 * t * t), rel=1e-12)


def test_custom_vjp_without_defvjp_at_second_order():
    @srcad.custom_vjp
    def no_rule_yet(x):
        return x * 2.0
    with pytest.raises(RuleError, match=r"custom_vjp function `no_rule_yet` is differentiated, "
                                        r"but it has no rule yet"):
        srcad.grad(srcad.grad(lambda x: no_rule_yet(x) * x))(1.0)
