"""Hand-written tests of each pass: the text it emits, the values that text computes, and
the pass's invariant.  Plus the naming scheme (``srcad.naming.Namer``)."""

import textwrap

import gast
import numpy as np
import pytest

import srcad
from srcad import emit, grammar, pipeline
from srcad.naming import Namer, describe
from srcad.source import get_source

from ..properties.strategies import make_function

STEP_NAMES = [step.name for step in pipeline.REVERSE]


def run_until(source, last, wrt=None, single=None):
    """(function, job, user function) after the steps of reverse mode up to ``last``."""
    f = make_function(textwrap.dedent(source))
    src = get_source(f)
    wrt = list(wrt) if wrt is not None else grammar.params(src.tree)
    job = pipeline.make_job(src, wrt, single_wrt=len(wrt) == 1 if single is None else single)
    steps = pipeline.REVERSE[:STEP_NAMES.index(last) + 1]
    return pipeline.run_steps(job.tree, job, steps), job, f


def text_after(source, last, **kwargs):
    fn, _, _ = run_until(source, last, **kwargs)
    return emit.to_source(fn)


def body(text):
    """The indented body of the single ``def`` in ``text``, dedented."""
    return textwrap.dedent(text.split("\n", 1)[1]).strip()


def same_values(source, last, *args):
    """The code after ``last`` computes what the user's function computes."""
    fn, _, f = run_until(source, last)
    g = make_function(emit.to_source(fn), name=fn.name)
    copies = lambda: [np.array(a) if isinstance(a, np.ndarray) else a for a in args]  # noqa: E731
    np.testing.assert_allclose(g(*copies()), f(*copies()), rtol=1e-14)


# ----------------------------------------------------------------------------- desugar

DESUGAR = [
    ("""
     def f(x, y):
         x += 2 * y
         return x
     """, "x = x + 2 * y\nreturn x", (1.5, 2.0)),
    ("""
     def f(x):
         a = b = np.sin(x)
         return a * b
     """, "a = np.sin(x)\nb = a\nreturn a * b", (0.7,)),
    ("""
     def f(p):
         u, v = p
         return u - v
     """, "u = p[0]\nv = p[1]\nreturn u - v", (np.array([3.0, 0.5]),)),
    ("""
     def f(u, v):
         u, v = v, u
         return u - 2.0 * v
     """, "_t1 = v\n_t2 = u\nu = _t1\nv = _t2\nreturn u - 2.0 * v", (1.0, 5.0)),
    ('''
     def f(x):
         """doc"""
         pass
         z: float = x * 2
         return z
     ''', "z = x * 2\nreturn z", (0.25,)),
]


@pytest.mark.parametrize("source,expected,args", DESUGAR,
                         ids=["augassign", "multi-target", "unpack", "swap", "docstring-annassign"])
def test_desugar_text_and_values(source, expected, args):
    assert body(text_after(source, "desugar")) == expected
    same_values(source, "desugar", *args)


def test_desugar_postcondition():
    fn, _, _ = run_until("""
        def f(x, y):
            '''doc'''
            a = b = c = x * y
            a, b = b, a
            c *= a
            d, e = np.sin(x), c
            return a + b + c + d + e
        """, "desugar")
    for stmt in fn.body:
        assert isinstance(stmt, (gast.Assign, gast.Return))
        if isinstance(stmt, gast.Assign):
            assert len(stmt.targets) == 1 and isinstance(stmt.targets[0], gast.Name)


# --------------------------------------------------------------------------------- anf

ANF = [
    ("""
     def f(x1, x2):
         y = np.log(x1) + x1 * x2
         return y * 2
     """, "log_x1 = np.log(x1)\nx1_times_x2 = x1 * x2\ny = log_x1 + x1_times_x2\n"
          "y_times_2 = y * 2\nreturn y_times_2", (2.0, 5.0)),
    ("""
     def f(x):
         return np.sum(np.sin(x) * x)
     """, "sin_x = np.sin(x)\nsin_x_times_x = sin_x * x\nsum_sin_x_times_x = np.sum(sin_x_times_x)"
          "\nreturn sum_sin_x_times_x", (np.array([0.1, 0.2, 0.3]),)),
    ("""
     def f(x, y):
         return (x * y).sum() + (x - y)[0]
     """, "x_times_y = x * y\nx_times_y_sum = x_times_y.sum()\nx_minus_y = x - y\n"
          "x_minus_y_0 = x_minus_y[0]\n_t1 = x_times_y_sum + x_minus_y_0\nreturn _t1",
     (np.array([1.0, 2.0]), np.array([0.5, -1.0]))),
    ("""
     def f(x):
         return x
     """, "return x", (3.0,)),
    ("""
     def f(x):
         return -x ** 2 + 1.0
     """, "x_squared = x ** 2\nneg_x_squared = -x_squared\n"
          "neg_x_squared_plus_1 = neg_x_squared + 1.0\nreturn neg_x_squared_plus_1",
     (3.0,)),
]


@pytest.mark.parametrize("source,expected,args", ANF,
                         ids=["docstring-example", "nested-calls", "method-subscript", "return-name",
                              "unary-pow"])
def test_anf_text_and_values(source, expected, args):
    assert body(text_after(source, "anf")) == expected
    same_values(source, "anf", *args)


def test_anf_postcondition_and_locations():
    source = """
        def f(x, w):
            y = np.sum(np.exp(np.sin(x * w) / (1.0 + w * w)) ** 2) - x[0] * w.T[1]
            return y
        """
    fn, _, _ = run_until(source, "anf")
    grammar.assert_anf(fn)
    # every new statement keeps the location of the user statement it came from
    assert {stmt.lineno for stmt in fn.body[:-1]} == {3}
    assert fn.body[-1].lineno == 4
    same_values(source, "anf", np.array([0.1, 0.2]), np.array([1.0, -0.5]))


def test_assert_anf_rejects_nested_expressions():
    fn = gast.parse("def f(x):\n    y = np.sin(x) * 2\n    return y\n").body[0]
    with pytest.raises(AssertionError, match="three-address"):
        grammar.assert_anf(fn)


# --------------------------------------------------------------------------------- ssa

SSA = [
    ("""
     def f(x):
         x = x * x
         return x
     """, "x_2 = x * x\nreturn x_2", (3.0,)),
    ("""
     def f(x, y):
         a = x + y
         a = a * a
         x = a - x
         return x + a
     """, "a = x + y\na_2 = a * a\nx_2 = a_2 - x\nx_plus_a = x_2 + a_2\nreturn x_plus_a", (1.0, 2.0)),
    ("""
     def f(x):
         a = x
         x = 2.0
         return a * x
     """, "a = x\nx_2 = 2.0\na_times_x = a * x_2\nreturn a_times_x", (5.0,)),
    ("""
     def f(x, x_2):
         x = x + x_2
         x = x * x
         return x
     """, "x_3 = x + x_2\nx_4 = x_3 * x_3\nreturn x_4", (1.0, 2.0)),
]


@pytest.mark.parametrize("source,expected,args", SSA,
                         ids=["param", "chain", "copy-then-reassign", "taken-suffix"])
def test_ssa_text_and_values(source, expected, args):
    assert body(text_after(source, "ssa")) == expected
    same_values(source, "ssa", *args)


def test_ssa_assigns_each_name_once():
    fn, _, _ = run_until("""
        def f(x, y):
            x, y = y, x
            x += y
            y = x = x * y
            x -= 1.0
            return x + y
        """, "ssa")
    grammar.assert_anf(fn)
    params = set(grammar.params(fn))
    stored = [n.id for stmt in fn.body for n in gast.walk(stmt)
              if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store)]
    assert len(stored) == len(set(stored))
    assert not params & set(stored)


# ---------------------------------------------------------------------------- activity

ACTIVITY = [
    # .shape is not differentiable: n is not varied
    ("""
     def f(x, w):
         n = x.shape[0]
         y = x * n
         return np.sum(y * w)
     """, ["x"], {"x", "y", "y_times_w", "sum_y_times_w"}),
    # c depends on w only
    ("""
     def f(x, w):
         c = np.sin(w)
         y = x * c
         return y
     """, ["x"], {"x", "y"}),
    # u is varied but not useful, k neither
    ("""
     def f(x, w):
         u = x * 2.0
         k = w * 3.0
         return x * w
     """, ["x"], {"x", "x_times_w"}),
    # the result does not depend on x at all
    ("""
     def f(x, w):
         y = x * 2.0
         return w
     """, ["x"], set()),
]


ACTIVITY_IDS = ["shape", "other-param", "not-useful", "constant-result"]


@pytest.mark.parametrize("source,wrt,active", ACTIVITY, ids=ACTIVITY_IDS)
def test_activity(source, wrt, active):
    _, job, _ = run_until(source, "activity", wrt=wrt)
    assert job.active == active


def _adjoint_targets(fn, job):
    """Primal names whose adjoint the reverse sweep assigns."""
    primal_of = {adj: primal for primal, adj in job.namer._adjoints.items()}
    out = set()
    for stmt in fn.body:
        if isinstance(stmt, gast.Assign):
            for n in gast.walk(stmt.targets[0]):
                if isinstance(n, gast.Name) and n.id in primal_of:
                    out.add(primal_of[n.id])
    return out


@pytest.mark.parametrize("source,wrt,active", ACTIVITY, ids=ACTIVITY_IDS)
def test_no_adjoint_for_an_inactive_name(source, wrt, active):
    fn, job, _ = run_until(source, "reverse", wrt=wrt)
    assert _adjoint_targets(fn, job) <= job.active | set(wrt)
    text = emit.to_source(fn)
    for inactive in ("n", "c", "u", "k", "w"):
        assert f"b{inactive} =" not in text


# ----------------------------------------------------------------------------- reverse

REVERSE = [
    ("""
     def f(x, w):
         y = x * w
         return y
     """, ["x"], """
     # line 3: y = x * w
     y = x * w

     # adjoint of line 3: y = x * w
     bx = unbroadcast(by * w, x)
     return (y, bx)""", (2.0, 3.0), 3.0),
    ("""
     def f(x, w):
         y = x * w
         return y
     """, ["x", "w"], """
     # line 3: y = x * w
     y = x * w

     # adjoint of line 3: y = x * w
     bx = unbroadcast(by * w, x)
     bw = unbroadcast(by * x, w)
     return (y, (bx, bw))""", (2.0, 3.0), (3.0, 2.0)),
    ("""
     def f(x):
         y = np.sin(x) * x
         return y
     """, ["x"], """
     # line 3: y = np.sin(x) * x
     sin_x = np.sin(x)
     y = sin_x * x

     # adjoint of line 3: y = np.sin(x) * x
     bsin_x = unbroadcast(by * x, sin_x)
     bx = unbroadcast(by * sin_x, x)
     bx = bx + bsin_x * np.cos(x)
     return (y, bx)""", (0.5,), np.sin(0.5) + 0.5 * np.cos(0.5)),
    ("""
     def f(x):
         a = x
         b = a + a
         return b
     """, ["x"], """
     # line 3: a = x
     a = x
     # line 4: b = a + a
     b = a + a

     # adjoint of line 4: b = a + a
     ba = unbroadcast(bb, a)
     ba = ba + unbroadcast(bb, a)
     # adjoint of line 3: a = x
     bx = ba
     return (b, bx)""", (1.25,), 2.0),
    ("""
     def f(x, w):
         return w
     """, ["x"], """
     bx = zeros_like(x)
     return (w, bx)""", (1.0, 2.0), 0.0),
]


@pytest.mark.parametrize("source,wrt,expected,args,grad", REVERSE,
                         ids=["docstring-example", "two-wrt", "fan-out", "copy", "independent"])
def test_reverse_text_and_values(source, wrt, expected, args, grad):
    f = make_function(textwrap.dedent(source))
    wrt_arg = wrt[0] if len(wrt) == 1 else tuple(wrt)
    text = srcad.show(f, wrt=wrt_arg, file=False)
    assert body(text) == textwrap.dedent(expected).strip()
    value, got = srcad.value_and_grad(f, wrt=wrt_arg)(*args)
    assert value == pytest.approx(f(*args))
    assert got == pytest.approx(grad)


def test_reverse_signature_and_seed():
    fn, job, _ = run_until("""
        def f(x, w, *, k=2.0):
            return x * w * k
        """, "reverse", wrt=["x"])
    assert fn.name == "vjp_f"
    assert job.seed_name in [a.id for a in fn.args.kwonlyargs]  # after the keyword-only ones
    assert isinstance(fn.body[-1], gast.Return)


def test_reverse_accumulates_by_rebinding_not_in_place():
    """An adjoint reached twice is summed with ``b = b + ...``, never ``b += ...``."""
    text = text_after("""
        def f(x):
            y = x * x + np.sin(x)
            return y
        """, "reverse")
    assert "+=" not in text
    assert "bx = bx + " in text


# ---------------------------------------------------------------------------- optimize

OPTIMIZE = [
    # dead primal code disappears
    ("""
     def f(x, w):
         unused = x + 1.0
         y = x * w
         return y
     """, ["x"], "unused"),
    # the adjoint of a value that only feeds an inactive name is never needed
    ("""
     def f(x):
         a = np.exp(x)
         b = a * 2.0
         return x * 3.0
     """, ["x"], "np.exp"),
    # the primal of an unused temporary inside a line
    ("""
     def f(x, w):
         k = np.cos(w) * 2.0
         return x * 4.0
     """, ["x"], "np.cos"),
]


@pytest.mark.parametrize("source,wrt,gone", OPTIMIZE,
                         ids=["dead-primal", "dead-chain", "inactive-param"])
def test_optimize_removes_dead_code(source, wrt, gone):
    unoptimized = text_after(source, "reverse", wrt=wrt)
    optimized = text_after(source, "optimize", wrt=wrt)
    assert gone in unoptimized and gone not in optimized
    # no comment is left without the statement it describes
    lines = [line.strip() for line in optimized.splitlines()]
    for line, nxt in zip(lines, lines[1:] + [""]):
        if line.startswith("#"):
            assert nxt and not nxt.startswith("#"), optimized
    f = make_function(textwrap.dedent(source))
    fast = srcad.grad(f, wrt=wrt[0])
    slow = srcad.grad(f, wrt=wrt[0], optimize=False)
    args = (0.3, 0.7)[:f.__code__.co_argcount]
    assert fast(*args) == slow(*args)


def test_optimize_keeps_everything_the_result_needs():
    source = """
        def f(x):
            a = np.sin(x)
            b = np.cos(a)
            c = b * a
            return c
        """
    text = text_after(source, "optimize")
    for name in ("a =", "b =", "c =", "ba", "bb", "bc", "bx"):
        assert name in text
    g = srcad.grad(make_function(textwrap.dedent(source)))
    x = 0.4
    expected = (-np.sin(np.sin(x)) * np.sin(x) + np.cos(np.sin(x))) * np.cos(x)
    assert g(x) == pytest.approx(expected)


def test_optimize_dce_keeps_impure_statements():
    from srcad.passes.optimize import dce
    stmts = gast.parse("def f(x):\n    a = x + 1\n    b = print(x)\n    c = 2\n    return x\n"
                       ).body[0].body
    kept = dce(stmts, impure={stmts[1]})
    assert [type(s).__name__ for s in kept] == ["Assign", "Return"]
    assert kept[0] is stmts[1]


# ------------------------------------------------------------------------------ naming

def test_namer_fresh_is_unique_and_deterministic():
    def names():
        namer = Namer(taken={"x", "x_2"})
        return [namer.fresh("x"), namer.fresh("x"), namer.fresh("y"), namer.fresh("y"),
                namer.fresh("x_3"), namer.fresh("lambda"), namer.fresh("1st"), namer.fresh("")]
    first = names()
    assert first == names()
    assert first == ["x_3", "x_4", "y", "y_2", "x_5", "lambda_2", "_1st", "t"]
    assert len(set(first)) == len(first)
    assert not {"x", "x_2"} & set(first)


def test_namer_temp_names_after_the_expression():
    namer = Namer(taken={"x", "w"})
    expr = gast.parse("x * w", mode="eval").body
    long = gast.parse("some_long_name * other_long_name", mode="eval").body
    assert namer.temp(expr) == "x_times_w"
    assert namer.temp(expr) == "x_times_w_2"
    assert namer.temp(long) == "_t1"
    assert namer.temp() == "_t2"
    namer.reserve("_t3")
    assert namer.temp() == "_t4"
    assert describe(gast.parse("x ** 2", mode="eval").body) == "x_squared"
    assert describe(gast.parse("np.sin(x)", mode="eval").body) == "sin_x"
    assert describe(gast.parse("-x", mode="eval").body) == "neg_x"
    assert describe(gast.parse("x.sum()", mode="eval").body) == "x_sum"


def test_namer_adjoint_is_stable_and_avoids_taken_names():
    namer = Namer(taken={"x", "bx", "y"})
    bx = namer.adjoint("x")
    assert bx == "bx_2"
    assert namer.adjoint("x") == bx  # stable per name
    assert namer.adjoint("y") == "by"
    assert namer.fresh("by") == "by_2"  # the adjoint's name is taken
    assert namer.tangent("x") == "dx"
    assert namer.adjoint("bx") == "bbx"
    names = [namer.adjoint(n) for n in ("a", "b", "ba", "a_2")] + [bx, "by", "dx", "bbx"]
    assert len(set(names)) == len(names)


def test_negative_literal_indexes_stay_in_place():
    """``x[:-1]`` and ``x[-1]`` are written as they are, not through a temporary ``neg_1``;
    ``x[-1]`` of a 1-D array is a number."""
    def f(x):
        return x[-1] * x[0] + np.sum(x[:-1] ** 2)
    grad = srcad.grad(f)
    x = np.array([1.0, 2.0, 3.0])
    np.testing.assert_allclose(grad(x), [3.0 + 2 * 1.0, 2 * 2.0, 1.0])  # closed form
    text = srcad.show(grad, file=False)
    assert "x[:-1]" in text and "x[-1]" in text and "neg_1" not in text
