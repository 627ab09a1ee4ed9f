"""The in-place accumulation pass (srcad/passes/inplace.py): text and values.

The property test runs random programs over a few arrays, with and without the pass, and
requires every final value to be the same: an update in place of an array that another
name (or a list) still refers to would show as a difference.
"""

import textwrap
import types

import gast
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from srcad import emit, runtime
from srcad.passes import inplace

GLOBALS = {"zeros_like": runtime.zeros_like, "unindex": runtime.unindex,
           "add_at": runtime.add_at, "unbroadcast": runtime.unbroadcast, "np": np}


def rewrite(source: str) -> str:
    tree = gast.parse(textwrap.dedent(source))
    fn = tree.body[0]
    job = types.SimpleNamespace(template_globals={k: k for k in GLOBALS}, inplace=True)
    return emit.to_source(inplace.run(fn, job))


def test_owned_adjoint_in_a_loop_is_updated_in_place():
    text = rewrite("""
        def f(x, bs, n):
            bx = zeros_like(x)
            for i in range(n):
                bx = bx + unindex(bs, x, i)
            return bx
    """)
    assert "bx = add_at(bx, bs, x, i)" in text


def test_parameters_are_never_updated_in_place():
    text = rewrite("""
        def f(x, bs, bx):
            bx = bx + unindex(bs, x, 0)
            bx = bx + unindex(bs, x, 1)
            return bx
    """)
    # the first sum is fresh: the second may update it in place
    assert "bx = bx + unindex(bs, x, 0)" in text
    assert "bx = add_at(bx, bs, x, 1)" in text


def test_a_copy_ends_ownership():
    text = rewrite("""
        def f(x, bs):
            bx = zeros_like(x)
            kept = bx
            bx = bx + unindex(bs, x, 0)
            return bx, kept
    """)
    assert "add_at" not in text


def test_a_call_or_an_append_ends_ownership():
    for escape in ("other = unbroadcast(bx, x)", "saved.append(bx)", "view = bx[0]"):
        text = rewrite(f"""
            def f(x, bs, saved):
                bx = zeros_like(x)
                {escape}
                bx = bx + unindex(bs, x, 0)
                return bx
        """)
        assert "add_at" not in text, escape


def test_arithmetic_reads_keep_ownership():
    text = rewrite("""
        def f(x, bs):
            bx = zeros_like(x)
            scaled = bx * 2.0 + -bx
            bx = bx + unindex(bs, x, 0)
            return bx, scaled
    """)
    assert "bx = add_at(bx, bs, x, 0)" in text


def test_owned_on_one_branch_only_is_not_owned_after_it():
    text = rewrite("""
        def f(x, bs, flag, given):
            bx = zeros_like(x)
            if flag:
                bx = given
            bx = bx + unindex(bs, x, 0)
            return bx
    """)
    assert "add_at" not in text


def test_escape_later_in_the_loop_body_blocks_every_iteration():
    text = rewrite("""
        def f(x, bs, n, saved):
            bx = zeros_like(x)
            for i in range(n):
                bx = bx + unindex(bs, x, i)
                saved.append(bx)
            return bx
    """)
    assert "add_at" not in text


def test_inactive_when_the_job_says_so():
    tree = gast.parse("def f(x, bs):\n    bx = zeros_like(x)\n    bx = bx + unindex(bs, x, 0)\n"
                      "    return bx\n")
    job = types.SimpleNamespace(template_globals={k: k for k in GLOBALS}, inplace=False)
    assert "add_at" not in emit.to_source(inplace.run(tree.body[0], job))


def test_add_at_falls_back_when_it_cannot_update():
    g = np.ones(2)
    readonly = np.broadcast_to(np.zeros(3), (3,))
    out = runtime.add_at(readonly, 1.0, np.zeros(3), 0)
    assert out.tolist() == [1.0, 0.0, 0.0] and readonly.tolist() == [0.0, 0.0, 0.0]
    ints = np.zeros(3, dtype=int)
    assert runtime.add_at(ints, 0.5, ints, 2).tolist() == [0.0, 0.0, 0.5]
    b = np.zeros(3)
    assert runtime.add_at(b, g, b, np.array([0, 0])) is b and b.tolist() == [2.0, 0.0, 0.0]
    assert runtime.add_at(0.0, 2.0, 0.0, ()) == 2.0
    vector = np.zeros(3)  # the fast path: a number into a vector, in place
    assert runtime.add_at(vector, np.float64(1.5), vector, -1) is vector
    assert vector.tolist() == [0.0, 0.0, 1.5]
    other = np.zeros(4)  # not the shape of x: the sum, as unindex would broadcast it
    with pytest.raises(ValueError):
        runtime.add_at(other, 1.0, np.zeros(3), 0)


# -- property: the pass never changes a value ------------------------------------------------

NAMES = ("bx", "by", "c")
STATEMENTS = [
    "{a} = zeros_like(x)",
    "{a} = {a} + unindex(g, x, {i})",
    "{a} = {b}",
    "{a} = {b} * 2.0",
    "{a} = -{b}",
    "{a} = unbroadcast({b}, x)",
    "saved.append({a})",
    "{a}[{i}] = 7.0",
    "{a} = {b}[{i}:{i} + 2] * 1.0",
    "{a} = {a} + unindex(g, x, slice({i}, None))",
]


@st.composite
def programs(draw, depth=0):
    lines = []
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.integers(0, 9 if depth < 2 else 7))
        if kind >= 8:
            header = ("for i in range(3):" if kind == 8 else "if np.sum(bx) > 0.5:")
            body = draw(programs(depth + 1))
            lines.append(header)
            lines.extend("    " + line for line in body)
            continue
        template = draw(st.sampled_from(STATEMENTS))
        a, b = draw(st.sampled_from(NAMES)), draw(st.sampled_from(NAMES))
        index = draw(st.sampled_from(["0", "1", "i" if depth else "2"]))
        lines.append(template.format(a=a, b=b, i=index))
    return lines


@settings(max_examples=150, deadline=None, derandomize=True)
@given(programs())
def test_rewriting_preserves_every_value(body):
    source = "def f(x, g, saved):\n    i = 1\n    bx = zeros_like(x)\n    by = zeros_like(x)\n" \
             "    c = zeros_like(x)\n" + "".join(f"    {line}\n" for line in body) + \
             "    return bx, by, c\n"
    results = []
    for text in (source, rewrite(source)):
        namespace = dict(GLOBALS)
        exec(compile(text, "<program>", "exec"), namespace)
        saved = []
        try:
            out = namespace["f"](np.arange(4.0), 0.5, saved)
        except (ValueError, IndexError, TypeError) as exc:
            out, saved = type(exc).__name__, []
        results.append((out, saved))
    (out0, saved0), (out1, saved1) = results
    assert _same(out0, out1) and _same(saved0, saved1), rewrite(source)


def _same(a, b) -> bool:
    if isinstance(a, (tuple, list)):
        return isinstance(b, (tuple, list)) and len(a) == len(b) and all(
            _same(x, y) for x, y in zip(a, b))
    if isinstance(a, str) or isinstance(b, str):
        return a == b
    return np.array_equal(np.asarray(a), np.asarray(b))


# -- in the pipeline ------------------------------------------------------------------------


def rosenbrock_loop(x):
    s = 0.0
    for i in range(x.shape[0] - 1):
        s = s + 100.0 * (x[i + 1] - x[i] ** 2) ** 2 + (1.0 - x[i]) ** 2
    return s


def test_item_adjoints_in_a_loop_are_added_in_place():
    import srcad
    text = srcad.show(rosenbrock_loop, file=False)
    assert "add_at(bx, " in text and "unindex(" not in text
    x = np.array([-0.5, 0.3, 1.2, 0.8])
    expected = np.zeros(4)  # the closed form
    expected[:-1] += -400.0 * x[:-1] * (x[1:] - x[:-1] ** 2) - 2.0 * (1.0 - x[:-1])
    expected[1:] += 200.0 * (x[1:] - x[:-1] ** 2)
    np.testing.assert_allclose(srcad.grad(rosenbrock_loop)(x), expected, rtol=1e-12)


def test_derivatives_of_in_place_code_differentiate_the_sum():
    """hvp differentiates the generated gradient again: add_at is read as the sum."""
    import srcad
    x = np.array([-0.5, 0.3, 1.2, 0.8])
    v = np.array([1.0, -2.0, 0.5, 3.0])
    hessian = np.zeros((4, 4))  # the closed form
    for i in range(3):
        hessian[i, i] += 1200.0 * x[i] ** 2 - 400.0 * x[i + 1] + 2.0
        hessian[i, i + 1] += -400.0 * x[i]
        hessian[i + 1, i] += -400.0 * x[i]
        hessian[i + 1, i + 1] += 200.0
    np.testing.assert_allclose(srcad.hvp(rosenbrock_loop)(x, v), hessian @ v, rtol=1e-12)
    np.testing.assert_allclose(srcad.hessian(rosenbrock_loop)(x), hessian, rtol=1e-12)
    np.testing.assert_allclose(srcad.grad(gradient_along)(x, v), hessian @ v, rtol=1e-10)


def gradient_along(x, v):
    """<grad f(x), v>, whose gradient (reverse over reverse) is H v."""
    return np.sum(GRADIENT(x) * v)


def _gradient():
    import srcad
    return srcad.grad(rosenbrock_loop)


GRADIENT = _gradient()
