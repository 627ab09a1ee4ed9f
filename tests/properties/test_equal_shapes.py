"""Random elementwise programs over arguments of one shape, sometimes with an argument that
broadcasts and with names rebound to other shapes, and random layer programs: the programs
symbolic shapes (srcad/passes/shapes.py) specialize. Gradients against central
differences."""

import textwrap

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import srcad

from .strategies import make_function

_FORMS = ["{a} * {b}", "{a} + {b}", "{a} - 0.5 * {b}", "np.sin({a}) * {b}", "np.tanh({a} + {b})",
          "{a} / (1.5 + np.cos({b}))", "np.maximum({a}, {b})", "np.where({a} > {b}, {a}, 2.0 * {b})"]


@st.composite
def programs(draw):
    names = ["p", "q", "r", "s"]
    lines = ["def f(p, q, r, s):"]
    for _ in range(draw(st.integers(2, 7))):
        target = draw(st.sampled_from(["u", "v", "w", "p", "q"]))
        a, b = draw(st.sampled_from(names)), draw(st.sampled_from(names))
        expr = draw(st.sampled_from(_FORMS)).format(a=a, b=b)
        if draw(st.integers(0, 6)) == 0:
            expr = f"np.sum({expr}, axis=0, keepdims=True)"  # another shape
        if draw(st.integers(0, 4)) == 0:
            lines.append("    for i in range(2):")
            lines.append(f"        {target} = {expr}")
        else:
            lines.append(f"    {target} = {expr}")
        if target not in names:
            names.append(target)
    lines.append(f"    return np.sum({' * '.join(names[-2:])}) + np.sum(p * q)")
    return "\n".join(lines) + "\n"


def _central(f, args, position, h=1e-6):
    base = args[position]
    out = np.zeros_like(base)
    for k in np.ndindex(*base.shape):
        up, down = list(args), list(args)
        up[position], down[position] = base.copy(), base.copy()
        up[position][k] += h
        down[position][k] -= h
        out[k] = (f(*up) - f(*down)) / (2 * h)
    return out


@settings(max_examples=40, deadline=None)
@given(programs(), st.sampled_from([(4,), (3, 4), (1, 4), (3, 1)]), st.integers(0, 2**16))
def test_equal_shape_programs_match_central_differences(source, s_shape, seed):
    f = make_function(source)
    rng = np.random.default_rng(seed)
    args = [rng.uniform(-1.0, 1.0, (3, 4)) for _ in range(3)] + [rng.uniform(-1.0, 1.0, s_shape)]
    try:
        expected = [_central(f, args, k) for k in range(4)]
    except ValueError:
        return  # the program does not run on these shapes
    got = srcad.grad(f, wrt=(0, 1, 2, 3))(*args)
    for k in range(4):
        np.testing.assert_allclose(got[k], expected[k], rtol=1e-5, atol=1e-7,
                                   err_msg=textwrap.indent(source, "    "))


# Layers over W (a, b), V (b, b), c (b,), X (n, a) and xs (t, n, a), the state h of shape
# (n, b): matrix products, bias rows, reductions over axes, items of xs and transposes,
# the shapes symbolic shapes follow (a size of 1 among them sometimes).
_LAYERS = [
    "h = np.tanh(X @ W + c)",
    "h = h @ V",
    "h = h * c",
    "h = h - np.mean(h, axis=1, keepdims=True)",
    "h = h + np.sum(h, axis=0)",
    "h = h / (1.0 + np.max(h * h, axis=0, keepdims=True))",
    "h = (V @ h.T).T",
    "h = h + np.transpose(X @ W)",
    "h = np.sin(h) + X[:, None, 0] * c",
]
_LOOPS = [
    "    for t in range(xs.shape[0]):\n        h = np.tanh(xs[t] @ W + h @ V + c)",
    "    for t in range(2):\n        h = h + np.tanh(h @ V)[t]",
    "    z = np.zeros((X.shape[0], V.shape[1]))\n    for t in range(2):\n        z = z + h * c\n    h = z",
]


@st.composite
def layer_programs(draw):
    lines = ["def f(W, V, c, X, xs):", "    h = np.tanh(X @ W)"]
    for _ in range(draw(st.integers(1, 5))):
        if draw(st.integers(0, 3)) == 0:
            lines.append(draw(st.sampled_from(_LOOPS)))
        else:
            lines.append("    " + draw(st.sampled_from(_LAYERS)))
    lines.append(draw(st.sampled_from(["    return np.sum(h * h)", "    return np.sum(np.tanh(h) @ c)",
                                       "    return np.sum(h.T @ X)"])))
    return "\n".join(lines) + "\n"


@settings(max_examples=40, deadline=None)
@given(layer_programs(), st.sampled_from([(3, 4, 5, 2), (3, 3, 5, 2), (1, 4, 5, 2), (3, 4, 1, 2),
                                          (3, 1, 5, 1)]), st.integers(0, 2**16))
def test_layer_programs_match_central_differences(source, sizes, seed):
    a, b, n, t = sizes
    f = make_function(source)
    rng = np.random.default_rng(seed)
    args = [rng.normal(0, 0.5, (a, b)), rng.normal(0, 0.5, (b, b)), rng.normal(0, 0.5, b),
            rng.normal(0, 0.5, (n, a)), rng.normal(0, 0.5, (t, n, a))]
    try:
        expected = [_central(f, args, k) for k in range(4)]
    except (ValueError, IndexError):
        return  # the program does not run on these shapes
    got = srcad.grad(f, wrt=(0, 1, 2, 3))(*args)
    for k in range(4):
        np.testing.assert_allclose(got[k], expected[k], rtol=1e-5, atol=1e-7,
                                   err_msg=textwrap.indent(source, "    "))
