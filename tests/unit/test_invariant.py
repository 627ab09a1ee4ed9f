"""Saves of values a loop computes the same in every iteration are dropped
(srcad/passes/invariant.py): the text, the values, and the cases that must keep them."""

import math
import textwrap

import gast
import numpy as np
import pytest

import srcad

from .oscillator import assert_matches_central_differences, euler
from srcad import emit
from srcad.passes import invariant


def cleaned(source: str) -> str:
    fn = gast.parse(textwrap.dedent(source)).body[0]
    invariant.run(fn, "stack")
    return emit.to_source(fn)


LOOP = """
    def f(k, w, n):
        stack = []
        neg_k = None
        t = None
        x = 1.0
        scale = np.sqrt(w)
        for i in range(n):
            stack.append(neg_k)
            neg_k = -k * scale
            stack.append(t)
            t = neg_k * x
            x = x + t
        bx = 1.0
        bk = 0.0
        for i in reversed(range(n)):
            bk = bk - bx * x * scale
            bx = bx * (1.0 + neg_k)
            t = stack.pop()
            neg_k = stack.pop()
        return x, bk, bx
"""


def test_the_save_of_an_invariant_value_goes():
    text = cleaned(LOOP)
    assert "stack.append(neg_k)" not in text and "neg_k = stack.pop()" not in text
    assert "stack.append(t)" in text and "t = stack.pop()" in text  # t changes: kept


def test_dropping_the_save_keeps_the_values():
    namespace = {"np": np}
    exec(textwrap.dedent(LOOP), namespace)
    before = namespace["f"](0.3, 4.0, 5)
    exec(cleaned(LOOP), namespace)
    assert namespace["f"](0.3, 4.0, 5) == before


@pytest.mark.parametrize("change", [
    "k = k * 2.0",  # an input reassigned in the loop
    "scale[0] = 2.0",  # an input changed in place
    "restore_item(scale, 0, 2.0)",  # ... by one of srcad's helpers
    "scale.sort()",  # ... by a method
])
def test_a_value_whose_inputs_change_keeps_its_save(change):
    source = LOOP.replace("            stack.append(t)\n",
                          f"            {change}\n            stack.append(t)\n")
    assert "stack.append(neg_k)" in cleaned(source)


def test_an_impure_value_keeps_its_save():
    source = LOOP.replace("neg_k = -k * scale", "neg_k = -k * np.random.rand()")
    assert "stack.append(neg_k)" in cleaned(source)
    source = LOOP.replace("neg_k = -k * scale", "neg_k = -k * helper(scale)")
    assert "stack.append(neg_k)" in cleaned(source)


def test_a_value_assigned_twice_keeps_its_save():
    source = LOOP.replace("            x = x + t\n", "            x = x + t\n            neg_k = x\n")
    assert "stack.append(neg_k)" in cleaned(source)


def nested(x, w):
    s = 0.0
    for i in range(3):
        scale = w * (i + 1.0)
        for j in range(2):
            damp = math.exp(-w)  # invariant in both loops
            s = s + math.sin(x * scale) * damp
    return s


def test_generated_code_drops_the_save_and_the_gradient_is_right():
    grad = srcad.grad(euler, wrt=(0, 1, 2, 3))
    args = (2.0, 0.3, 1.0, 0.5)
    got = grad(*args)
    text = srcad.show(grad, file=False)
    assert "stack.append(neg_k)" not in text and "neg_k = -k" in text
    assert_matches_central_differences(got, euler, args)


def test_nested_loops_keep_what_changes_in_the_outer_loop():
    grad = srcad.grad(nested, wrt=(0, 1))
    text = srcad.show(grad, file=False)
    assert "stack.append(damp)" not in text and "stack.append(scale)" in text
    got = grad(0.4, 0.7)
    h = 1e-6
    assert got[0] == pytest.approx((nested(0.4 + h, 0.7) - nested(0.4 - h, 0.7)) / (2 * h),
                                   rel=1e-6)
    assert got[1] == pytest.approx((nested(0.4, 0.7 + h) - nested(0.4, 0.7 - h)) / (2 * h),
                                   rel=1e-6)


def rebound_parameter(p, q):
    for i in range(2):
        q = np.sum(p * p, axis=0, keepdims=True)  # the same in every trip, not before it
    return np.sum(p * q)


def test_a_parameter_rebound_in_a_loop_keeps_its_saves():
    """The loop computes ``q`` the same in every trip, but ``q`` held the argument before
    the first: its gradient is zeros of the argument's shape (found by random programs:
    the save was dropped and the gradient had the shape of the loop's value)."""
    rng = np.random.default_rng(4)
    p, q = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    gp, gq = srcad.grad(rebound_parameter, wrt=(0, 1))(p, q)
    s = np.sum(p * p, axis=0)  # f = sum_ij p_ij s_j
    np.testing.assert_allclose(gp, s + 2.0 * p * np.sum(p, axis=0), rtol=1e-12)
    assert gq.shape == (3, 4) and not gq.any()
