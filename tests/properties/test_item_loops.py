"""Random loops that read items of their arguments by counter (``x[i]``, ``x[i + 1]``,
``a[i, j]``), the programs the item-recompute optimization (srcad/passes/recompute.py)
changes: gradients against central differences, and the optimization seen at work."""

import textwrap

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import srcad

from .strategies import make_function

N = 5  # length of the vectors; the matrix is N x N

_UNARY = ["np.sin({})", "np.tanh({})", "({}) * ({})", "np.exp(0.3 * {})", "0.5 * {}"]


@st.composite
def item_loops(draw):
    """The source of a function of ``x`` (a vector) and ``a`` (a matrix)."""
    lines = ["def f(x, a):", "    s = 0.1", "    t = 1.0"]
    for _ in range(draw(st.integers(1, 3))):
        nested = draw(st.booleans())
        lo = draw(st.integers(0, 1))
        hi = draw(st.integers(N - 2, N - 1))
        lines.append(f"    for i in range({lo}, {hi}):")
        indent = "        "
        if nested:
            lines.append(f"        for j in range({draw(st.integers(1, N - 1))}):")
            indent = "            "
        counters = ["i", "j"] if nested else ["i"]
        for _ in range(draw(st.integers(1, 4))):
            c = draw(st.sampled_from(counters))
            shift = draw(st.sampled_from(["", " + 1", " - 1"]))
            item = draw(st.sampled_from([f"x[{c}{shift}]", f"a[i, {c}{shift}]",
                                         f"a[{c}{shift}, 0]"]))
            form = draw(st.sampled_from(_UNARY))
            term = form.format(item, item) if form.count("{}") == 2 else form.format(item)
            target = draw(st.sampled_from(["s", "t"]))
            op = draw(st.sampled_from(["+", "*"]))
            if draw(st.integers(0, 5)) == 0:  # sometimes under a branch
                lines.append(f"{indent}if {item} > 0.0:")
                lines.append(f"{indent}    {target} = {target} {op} {term}")
            elif op == "*":
                lines.append(f"{indent}{target} = {target} * (1.0 + 0.2 * {term})")
            else:
                lines.append(f"{indent}{target} = {target} + {term}")
    lines.append("    return s * t + s")
    return "\n".join(lines) + "\n"


def _central(f, x, a, which, h=1e-6):
    base = x if which == 0 else a
    out = np.zeros_like(base)
    for k in np.ndindex(*base.shape):
        up, down = base.copy(), base.copy()
        up[k] += h
        down[k] -= h
        args_up = (up, a) if which == 0 else (x, up)
        args_down = (down, a) if which == 0 else (x, down)
        out[k] = (f(*args_up) - f(*args_down)) / (2 * h)
    return out


@settings(max_examples=40, deadline=None)
@given(item_loops(), st.integers(0, 2**16))
def test_item_loops_match_central_differences(source, seed):
    f = make_function(source)
    rng = np.random.default_rng(seed)
    x, a = rng.uniform(-1.0, 1.0, N), rng.uniform(-1.0, 1.0, (N, N))
    gx, ga = srcad.grad(f, wrt=(0, 1))(x, a)
    np.testing.assert_allclose(gx, _central(f, x, a, 0), rtol=1e-5, atol=1e-7,
                               err_msg=textwrap.indent(source, "    "))
    np.testing.assert_allclose(ga, _central(f, x, a, 1), rtol=1e-5, atol=1e-7,
                               err_msg=textwrap.indent(source, "    "))


def test_the_programs_exercise_the_optimization():
    f = make_function(textwrap.dedent("""
        def f(x, a):
            s = 0.1
            for i in range(1, 4):
                for j in range(3):
                    s = s + np.sin(a[i, j + 1]) * x[i - 1]
            return s
        """))
    text = srcad.show(f, wrt=(0, 1), file=False)
    adjoint = text.split("reversed(", 1)[1]
    assert "a_item = a[i, j_plus_1]" in adjoint and "x_i_minus_1 = x[i_minus_1]" in adjoint, text
