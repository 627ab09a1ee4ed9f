"""The rules of srcad's runtime helpers (srcad/rules/runtime_rules.py), beyond the generic
harness: coverage of ``srcad.runtime.HELPERS``, signatures, and cases the harness cannot
spell (ragged lists, dicts, slices, NaN, zeros), checked by evaluating the vjp and jvp
templates directly against central finite differences.  Then second derivatives of user
functions end to end, and the known failures of the passes on generated code.
"""

import ast
import inspect
import linecache
import itertools
import pathlib

import gast
import numpy as np
import pytest

import srcad
import srcad.runtime
from srcad import rules
from srcad.checking import _as_float_array, _restore
from srcad.rules import TEMPLATE_GLOBALS, runtime_rules
from srcad.runtime import HELPERS

ROOT = pathlib.Path(__file__).resolve().parents[2]


# --------------------------------------------------------------------------- the table

def test_every_runtime_helper_has_a_rule_or_is_accounted_for():
    missing = sorted(name for name, fn in HELPERS.items()
                     if rules.lookup(fn) is None and not rules.is_nondiff(fn)
                     and name not in runtime_rules.LEFT_OUT)
    assert not missing, (
        f"runtime helpers without a derivative rule: {missing}; generated code that calls "
        "them cannot be differentiated again.  Add a rule in a srcad/rules/helpers_*.py module, "
        "declare them not differentiable there, or list them in LEFT_OUT with the reason")


def test_left_out_helpers_have_no_rule():
    for name in runtime_rules.LEFT_OUT:
        if name in HELPERS:
            assert rules.lookup(HELPERS[name]) is None, name


def test_rules_take_the_helpers_parameters():
    """Same parameters, in the same order, with the same defaults (names may differ only
    where RENAMED says so: generated code passes helper arguments by position)."""
    for rule in runtime_rules.DEFINED:
        helper = inspect.signature(rule.key).parameters
        mine = rule.signature.parameters
        name = rule.name.rsplit(".", 1)[-1]
        assert len(helper) == len(mine), rule.name
        renamed = set(runtime_rules.RENAMED.get(name, ()))
        for (hname, hp), (mname, mp) in zip(helper.items(), mine.items()):
            assert hname == mname or hname in renamed, (rule.name, hname, mname)
            assert hp.kind == mp.kind, (rule.name, hname)
            assert hp.default == mp.default or (hp.default is hp.empty and mp.default is mp.empty), \
                (rule.name, hname)


def test_runtime_rules_are_internal():
    assert not [n for n in srcad.supported_functions() if n.startswith("srcad.runtime.")]
    text = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    assert "`srcad.runtime.unbroadcast`" not in text
    assert "runtime_rules" not in text


def test_container_results_are_containers():
    assert isinstance(HELPERS["einsum_adjoints"](np.ones((2, 2)), "ij,jk->ik",
                                                 (np.ones((2, 3)), np.ones((3, 2)))), tuple)
    for name, param in runtime_rules.CONTAINER_RESULTS.items():
        assert name in HELPERS, name
        if param is not None:
            assert param in inspect.signature(HELPERS[name]).parameters, (name, param)


# --------------------------------------------------------------------------- templates

def _bind(rule, args, kwargs):
    bound = rule.signature.bind(*args, **kwargs)
    bound.apply_defaults()
    return dict(bound.arguments)


def _eval_template(stmts, env):
    """Run a template in ``env`` (which receives its temporaries); each ``t += e`` yields
    ``(t, value)``."""
    out = []
    for stmt in stmts:
        node = gast.gast_to_ast(gast.Module(body=[stmt], type_ignores=[]))
        node = ast.fix_missing_locations(node)
        inner = node.body[0]
        if isinstance(inner, ast.AugAssign):
            expr = ast.fix_missing_locations(ast.Expression(inner.value))
            out.append((inner.target.id, eval(compile(expr, "<template>", "eval"), env)))
        else:
            exec(compile(node, "<template>", "exec"), env)
    return out


def _env(rule, values, y):
    env = {**TEMPLATE_GLOBALS, **values}
    if len(rule.outputs) == 1:
        env[rule.outputs[0]] = y
    return env


def _fd(f, values, param, direction, h=1e-6):
    x = values[param]
    flat = _as_float_array(x)
    scale = h * max(1.0, float(np.max(np.abs(flat))) if flat.size else 1.0)
    plus = dict(values, **{param: _restore(flat + scale * direction, x)})
    minus = dict(values, **{param: _restore(flat - scale * direction, x)})
    return (_as_float_array(f(plus)) - _as_float_array(f(minus))) / (2 * scale)


def check_templates(name, args, wrt, kwargs=None, seed=0, rtol=1e-5, atol=1e-6):
    """The rule of helper ``name`` at ``args``: for each parameter in ``wrt``, its jvp
    term against finite differences in random directions, and its vjp by the dot-product
    test ``<by, J t> == <vjp(by), t>``."""
    kwargs = kwargs or {}
    helper = HELPERS[name]
    rule = rules.lookup(helper)
    assert rule is not None, name
    values = _bind(rule, args, kwargs)
    order = list(values)

    def call(vals):
        return helper(*[vals[p] for p in order])

    y = call(values)
    rng = np.random.default_rng(seed)
    yflat = _as_float_array(y)
    for param in wrt:
        xflat = _as_float_array(values[param])
        for _ in range(2):
            t = rng.standard_normal(xflat.shape)
            fd = _fd(call, values, param, t)
            env = _env(rule, values, y)
            env["d" + param] = _restore(t, values[param])
            jv = _jvp_term(rule, param, env)
            assert np.shape(_as_float_array(jv)) == yflat.shape, (name, param)
            np.testing.assert_allclose(_as_float_array(jv), fd, rtol=rtol, atol=atol,
                                       err_msg=f"jvp of {name} in {param}")
            c = rng.standard_normal(yflat.shape)
            env = _env(rule, values, y)
            env["b" + rule.outputs[0]] = _restore(c, y)
            contributions = [v for target, v in _eval_template(rule.vjp, env)
                             if target == "b" + param]
            assert contributions, f"no vjp statement for {param} of {name}"
            g = sum(_as_float_array(v) for v in contributions)
            np.testing.assert_allclose(float(np.dot(g, t)), float(np.dot(c, fd)),
                                       rtol=rtol, atol=atol, err_msg=f"vjp of {name} in {param}")


def _jvp_term(rule, param, env):
    """The jvp term of ``param``: the statement whose expression reads ``d<param>``."""
    total = None
    for stmt in rule.jvp:
        if isinstance(stmt, gast.AugAssign):
            read = {n.id for n in gast.walk(stmt.value) if isinstance(n, gast.Name)}
            if "d" + param in read:
                ((_, value),) = _eval_template([stmt], env)
                total = value if total is None else total + value
        else:
            _eval_template([stmt], env)
    assert total is not None, f"no jvp term for {param}"
    return total


R = np.random.default_rng(7)


def _r(*shape):
    return R.standard_normal(shape)


TEMPLATE_CASES = [
    # ragged lists and tuples, which the generic harness cannot return
    ("unconcatenate", (_r(5), [_r(2), _r(3)]), ("g",)),
    ("unconcatenate", (_r(2, 5), (_r(2, 2), _r(2, 3)), 1), ("g",)),
    ("unconcatenate", (_r(7), [_r(2, 2), _r(3)], None), ("g",)),
    ("unstack", (_r(2, 3), [_r(3), _r(3)], 0), ("g",)),
    ("unhstack", (_r(5), [_r(2), _r(3)]), ("g",)),
    ("unvstack", (_r(3, 2), [_r(2), _r(2, 2)]), ("g",)),
    ("uncolumn_stack", (_r(3, 3), [_r(3), _r(3, 2)]), ("g",)),
    ("undstack", (_r(2, 3, 3), [_r(2, 3), _r(2, 3, 2)]), ("g",)),
    ("einsum_adjoints", (_r(2, 4), "ij,jk->ik", (_r(2, 3), _r(3, 4))), ("g", "operands")),
    ("einsum_adjoints", (_r(2, 3), "i,j->ij", (_r(2), _r(3))), ("g", "operands")),
    ("einsum_adjoints", (_r(2), "ijk,k->i", (_r(2, 3, 4), _r(4))), ("g", "operands")),
    ("einsum_tangent", ("ij,jk->ik", (_r(2, 3), _r(3, 4)), (_r(2, 3), _r(3, 4))),
     ("t", "operands")),
    ("multi_dot_adjoints", (_r(2, 2), [_r(2, 3), _r(3, 4), _r(4, 2)]), ("g", "arrays")),
    ("multi_dot_adjoints", (_r(), [_r(3), _r(3, 2), _r(2)]), ("g", "arrays")),
    ("multi_dot_tangent", ([_r(2, 3), _r(3, 4), _r(4, 2)], [_r(2, 3), _r(3, 4), _r(4, 2)]),
     ("arrays", "t")),
    ("unappend", (_r(5), _r(3), _r(2), None, 0), ("g",)),
    ("extremum_args", (_r(), ([3.0, 1.0, 2.0],), True), ("g",)),
    # dicts and slices
    ("add", ({"u": _r(3), "v": 1.5}, {"u": _r(2, 3)}), ("a", "b")),
    ("add", ([_r(2), (_r(), _r(3))], [_r(2), (_r(), _r(3))]), ("a", "b")),
    ("zero_at", ({"u": _r(3), "v": 2.0}, "u"), ("b",)),
    ("zero_at", ([_r(), _r(), _r()], slice(0, 2)), ("b",)),
    ("zero_at", (_r(4, 3), (slice(1, None), 0)), ("b",)),
    ("unindex", (_r(2, 2), _r(3, 4), (slice(None, None, 2), slice(1, 3))), ("g",)),
    ("unindex", (_r(2), [0.0, 0.0, 0.0, 0.0], slice(1, 3)), ("g",)),
    ("unindex", (_r(), {"a": 0.0, "b": 1.0}, "b"), ("g",)),
    ("unindex_container", (_r(2), (0.0, 0.0, 0.0), slice(None, 2)), ("g",)),
    ("unsum", (_r(3), (_r(3), _r(3), _r(3))), ("g",)),
    ("unarray", (_r(2, 2), [[1.0, 2.0], np.zeros(2)]), ("g",)),
    # NaN and zeros
    ("nanmean_adjoint", (_r(2), np.array([[1.0, np.nan, 2.0], [np.nan, np.nan, np.nan]]), 1),
     ("g",)),
    ("nanmean_adjoint", (_r(), np.array([1.0, np.nan, 2.0])), ("g",)),
    ("prod_others", (np.array([2.0, 0.0, 5.0, 0.0]),), ("a",)),
    ("prod_others", (np.array([[2.0, 0.0, 5.0], [1.5, -1.0, 0.0]]), 1), ("a",)),
    ("cumprod_adjoint", (_r(4), np.array([2.0, 0.0, 5.0, 0.0])), ("g", "a")),
    ("cumprod_adjoint", (_r(2, 3), np.array([[2.0, 0.0, 5.0], [0.0, 1.0, 3.0]]), 1), ("g", "a")),
    ("cumprod_tangent", (_r(4), np.array([2.0, 0.0, 5.0, 0.0]), 0, True), ("d", "a")),
    ("cumulative_prod_tangent", (_r(3), np.array([0.0, 2.0, -1.5])), ("d", "x")),
    ("power_dbase", (np.array([0.0, 1.5, 2.0]), 3), ("x1",)),
    ("power_dbase", (np.array([0.5, 1.5, 2.0]), np.array([0.0, 1.0, 2.5])), ("x1", "x2")),
    ("sinc_derivative", (np.array([0.0, 1e-4, -3e-3, 0.0099, 0.0101, 0.3, -2.5]),), ("x",)),
    ("safe_divide", (_r(3), np.array([1.0, 0.0, -2.0])), ("a",)),
    # shapes the harness spells badly
    ("norm_adjoint", (_r(2), _r(2, 3), np.array([1.3, 0.7]), None, 1), ("g", "x", "y")),
    ("norm_tangent", (_r(3), _r(3), 1.7, 4), ("t", "x", "y")),
    ("norm_tangent", (_r(2, 3), _r(2, 3), np.array([[0.9], [1.4]]), 1.5, 1, True), ("t", "x", "y")),
    ("matrix_power_adjoint", (_r(3, 3), _r(3, 3), 4), ("g", "a")),
    ("det_adjoint", (_r(), _r(3, 3) + 3.0 * np.eye(3), 1.7), ("g", "a", "y")),
    ("unbroadcast", (_r(2, 3), 0.5), ("g",)),
    ("unbroadcast", (_r(4, 2, 3), np.zeros((1, 3))), ("g",)),
]


@pytest.mark.parametrize("name,args,wrt", TEMPLATE_CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(TEMPLATE_CASES)])
def test_templates_against_finite_differences(name, args, wrt):
    check_templates(name, args, wrt)


def test_dict_keys_added_by_add_get_no_adjoint_in_the_other_operand():
    a, b = {"u": np.ones(2)}, {"u": np.ones(2), "w": 3.0}
    by = HELPERS["add"](a, b)
    assert set(HELPERS["add_transpose"](by, a)) == {"u"}
    assert set(HELPERS["add_tangent"]({"u": np.ones(2)}, by)) == {"u", "w"}


# --------------------------------------------------------------------------- refusals

_COUNTER = itertools.count()


def _compile(text, **extra):
    filename = f"<runtime-rules-extra-{next(_COUNTER)}>"
    linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)
    namespace = {"np": np, "srcad": srcad, **extra}
    exec(compile(text, filename, "exec"), namespace)
    return namespace


def test_unimplemented_second_derivatives_raise_when_needed_only():
    a = np.array([[0.3, -1.2, 0.5], [2.0, 0.1, -0.7]])
    ns = _compile(
        "def f(g, w):\n"
        "    return np.sum(srcad.runtime.average_adjoint(g, 'a', A, 1, w) ** 2)\n", A=a)
    g, w = np.array([0.4, -0.6]), np.array([1.0, 2.0, 0.5])
    srcad.check_grads(ns["f"], (g, w), wrt=0)          # the adjoint: linear, implemented
    with pytest.raises(NotImplementedError, match="np.average with respect to its weights"):
        srcad.grad(ns["f"], wrt=1)(g, w)
    ns = _compile("def f(a):\n    return np.sum(np.linalg.cholesky(a @ a.T + np.eye(2)))\n")
    with pytest.raises(NotImplementedError, match="second derivative of np.linalg.cholesky"):
        srcad.check_grads(ns["f"], (np.eye(2) + 0.1,), order=2)


def test_save_item_is_differentiated_as_the_item_it_copies():
    ns = _compile("def f(x):\n    return np.sum(srcad.runtime.save_item(x, 0) ** 2)\n")
    srcad.check_grads(ns["f"], (np.array([0.5, 2.0, 3.0]),))


# --------------------------------------------------------------------------- end to end

SECOND_ORDER = {
    "power": ("np.sum(x ** 3 + np.abs(x) ** 2.5 + x ** 2)", (3,)),
    "power_exponent": ("np.sum(x[0] ** x[1])", (2, 3)),
    "sinc_hypot": ("np.sum(np.sinc(x[0])) + np.sum(np.hypot(x[0], x[1]))", (2, 3)),
    "maximum_where": ("np.sum(np.maximum(x[0], x[1]) * x[0]) + np.sum(np.where(x > 0.7, x ** 2, x))",
                      (2, 3)),
    "mean_var_std": ("np.mean(x ** 2) + np.sum(np.var(x, axis=0)) + np.std(x)", (2, 3)),
    "prod_cumprod": ("np.prod(x) + np.sum(np.prod(x, axis=1)) + np.sum(np.cumprod(x, axis=1))",
                     (2, 3)),
    "max_diff": ("np.sum(np.max(x, axis=0) ** 2) + np.sum(np.diff(x ** 2, axis=1) ** 2)", (2, 3)),
    "indexing": ("x[0, 1] * x[1, 2] ** 2 + np.sum(x[:, ::2] ** 3)", (2, 3)),
    "shapes": ("np.sum(np.reshape(x, (3, 2)).T @ np.reshape(x, (3, 2))) + np.sum(np.tile(x, 2) ** 2)",
               (2, 3)),
    "products": ("np.sum((x @ x.T) ** 2) + np.dot(x[0], x[1]) ** 2 + np.sum(np.cross(x[0], x[1]) ** 2)",
                 (2, 3)),
    "norms": ("np.linalg.norm(x) + np.sum(np.linalg.norm(x, axis=1) ** 3) + np.linalg.norm(x[0], 3)",
              (2, 3)),
    "det_solve_inv": ("np.linalg.det(x @ x.T + np.eye(2)) + np.sum(np.linalg.inv(x @ x.T + np.eye(2)))"
                      " + np.sum(np.linalg.solve(x[:, :2] + 3.0 * np.eye(2), x[:, 2]) ** 2)", (2, 3)),
    "matrix_power": ("np.sum(np.linalg.matrix_power(x[:, :2], 3))", (2, 3)),
    "builtins": ("sum([x[0, 0] ** 2, x[1, 1] * x[0, 0]]) + max(x[0, 1] ** 2, x[1, 0])", (2, 3)),
    "loop": ("f_loop(x)", (2, 3)),
}

LOOP = """
def f_loop(x):
    s = 0.0
    for i in range(3):
        s = s + np.sum(x[:, i] ** 2) * x[0, i]
    if s > 1.0:
        s = s * np.sum(x)
    return s
"""


@pytest.mark.parametrize("name", list(SECOND_ORDER))
def test_second_derivatives_of_user_functions(name):
    expr, shape = SECOND_ORDER[name]
    ns = _compile(LOOP + f"def f(x):\n    return {expr}\n")
    x = np.random.default_rng(3).uniform(0.3, 1.2, shape)
    srcad.check_grads(ns["f"], (x,), order=2)


def test_user_function_calling_helpers():
    from srcad.runtime import unbroadcast

    ns = _compile("def f(x, g):\n    return np.sum(unbroadcast(g * x, np.zeros(3)) ** 2)\n",
                  unbroadcast=unbroadcast)
    rng = np.random.default_rng(0)
    srcad.check_grads(ns["f"], (rng.random((2, 3)), rng.random((2, 3))), wrt=(0, 1))


# --------------------------------------------------------------------------- regressions
# Second derivatives that once went wrong in the passes (not in the rules: each rule
# involved passes its own finite-difference checks above and in test_rules.py).

def test_second_derivative_of_einsum():
    ns = _compile('def f(x):\n    return np.sum(np.einsum("ij,kj->ik", x, x) ** 2)\n')
    srcad.check_grads(ns["f"], (np.random.default_rng(3).uniform(0.3, 1.2, (2, 3)),), order=2)


def test_second_derivative_of_a_while_loop():
    ns = _compile("def f(x):\n    s = np.sum(x)\n    k = 0\n    while k < 3:\n"
                  "        s = s * 0.5 + np.sum(np.sin(x)) * s\n        k = k + 1\n    return s\n")
    srcad.check_grads(ns["f"], (np.random.default_rng(0).uniform(0.3, 1.2, (2, 3)),), order=2,
                      modes=("rev",))


def test_forward_over_reverse_with_a_list():
    ns = _compile("def f(x):\n    xs = []\n    for i in range(2):\n        xs.append(x[i] * x[i])\n"
                  "    return np.sum(xs[0] * xs[1])\n")
    srcad.check_grads(ns["f"], (np.random.default_rng(0).uniform(0.3, 1.2, (2, 3)),), order=2,
                      modes=("fwd",))


def test_forward_mode_names_do_not_shadow_helpers():
    ns = _compile("def f(a, b):\n    return srcad.runtime.add_transpose([a, b], [a, b])\n")
    srcad.check_grads(ns["f"], (np.ones(3), np.ones(3)), modes=("fwd",))


def test_second_derivative_with_an_item_restored():
    """Generated code puts y[0] back with a bare ``restore_item(...)`` call; transformed
    again, it is an item assignment (it once was ignored: a silently wrong result)."""
    ns = _compile("def f(x):\n    y = np.zeros(3)\n    y[0] = x[0] ** 2\n    z = np.sum(y * x)\n"
                  "    y[0] = x[1] * z\n    return np.sum(y * y) + z\n")
    srcad.check_grads(ns["f"], (np.array([0.7, 1.3, 0.4]),), order=2)


def test_second_derivative_with_item_assignment_in_a_loop():
    ns = _compile("def f(x):\n    y = np.zeros(3)\n    for i in range(3):\n"
                  "        y[i] = np.sin(x[i]) * x[(i + 1) % 3]\n        y[0] = y[0] + y[i]\n"
                  "    return np.sum(y * y)\n")
    srcad.check_grads(ns["f"], (np.array([0.7, 1.3, 0.4]),), order=2)
