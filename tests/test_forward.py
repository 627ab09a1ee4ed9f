"""Forward mode (srcad.jvp) against closed forms and central finite differences."""

import numpy as np
import pytest

import srcad
from srcad import InputError, NoRuleError


def fd_jvp(f, args, position, tangent, h=1e-6):
    """Central differences of ``f`` along ``tangent`` in argument ``position``."""
    plus, minus = list(args), list(args)
    plus[position] = args[position] + h * tangent
    minus[position] = args[position] - h * tangent
    return (np.asarray(f(*plus)) - np.asarray(f(*minus))) / (2 * h)


def elementwise(x, w):
    return np.sin(x) * w + np.exp(-x * x)


def test_jvp_closed_form():
    x, w = np.array([0.1, 0.5, -0.3]), np.array([2.0, -1.0, 0.5])
    t = np.array([1.0, 0.5, -2.0])
    value, tangent = srcad.jvp(elementwise)(x, w, t)
    assert np.allclose(value, elementwise(x, w))
    expected = (np.cos(x) * w - 2 * x * np.exp(-x * x)) * t
    assert np.allclose(tangent, expected, rtol=1e-12)


def test_jvp_several_wrt_takes_a_tuple_of_tangents():
    x, w = np.array([0.1, 0.5]), np.array([2.0, -1.0])
    tx, tw = np.array([1.0, -1.0]), np.array([0.5, 0.25])
    _, tangent = srcad.jvp(elementwise, wrt=(0, 1))(x, w, (tx, tw))
    expected = fd_jvp(elementwise, (x, w), 0, tx) + fd_jvp(elementwise, (x, w), 1, tw)
    assert np.allclose(tangent, expected, rtol=1e-7, atol=1e-9)
    _, by_name = srcad.jvp(elementwise, wrt=("w", "x"))(x, w, (tw, tx))
    assert np.allclose(by_name, expected, rtol=1e-7, atol=1e-9)


def scalar_plus_array(x):
    return x + np.array([1.0, 2.0, 3.0])


def test_tangent_has_the_shape_of_the_result_when_an_operand_broadcasts():
    value, tangent = srcad.jvp(scalar_plus_array)(0.5, 2.0)
    assert np.shape(tangent) == value.shape == (3,)
    assert np.allclose(tangent, 2.0)


def loop_and_branch(x, n):
    s = 0.0
    for i in range(n):
        if s > 1.0:
            s = s * 0.5 + np.sin(x[i])
        else:
            s = s + x[i] * x[i]
    k = 0
    while k < 3:
        s = s * 1.1
        k += 1
    return s


def test_jvp_through_loops_and_branches_matches_finite_differences():
    x = np.array([0.9, 0.8, 0.7, 0.1])
    t = np.array([0.3, -1.0, 0.5, 2.0])
    _, tangent = srcad.jvp(loop_and_branch)(x, 4, t)
    assert np.isclose(tangent, fd_jvp(loop_and_branch, (x, 4), 0, t), rtol=1e-7)


def helper(a, b=2.0):
    return a * b + np.tanh(a)


def fact(x, n):
    if n <= 0:
        return 1.0
    return x * fact(x, n - 1)


def calls(x):
    return helper(x) + helper(x * 3.0, b=x) + fact(x, 4)


def test_jvp_through_helpers_and_recursion():
    x = 0.7
    _, tangent = srcad.jvp(calls)(x, 1.0)
    assert np.isclose(tangent, fd_jvp(calls, (x,), 0, 1.0), rtol=1e-7)


def containers(x, pair):
    parts = [x * 2.0]
    parts.append(np.sin(pair[0]) * pair[1])
    d = {"a": parts[0], "b": parts[1]}
    return d["a"] + d["b"] * x


def test_jvp_with_list_tuple_and_dict():
    x, pair = 0.3, (0.5, 1.5)
    _, tangent = srcad.jvp(containers, wrt=(0, 1))(x, pair, (1.0, (0.5, -1.0)))
    expected = (fd_jvp(containers, (x, pair), 0, 1.0)
                + (containers(x, (0.5 + 0.5e-6, 1.5 - 1e-6)) - containers(x, (0.5 - 0.5e-6,
                                                                                  1.5 + 1e-6)))
                / 2e-6)
    assert np.isclose(tangent, expected, rtol=1e-6)


def tuple_result(x):
    return x * 2.0, np.sum(x ** 2)


def test_jvp_of_a_tuple_result_is_a_tuple():
    x = np.array([1.0, 2.0])
    value, tangent = srcad.jvp(tuple_result)(x, np.array([1.0, 0.0]))
    assert isinstance(tangent, tuple)
    assert np.allclose(tangent[0], [2.0, 0.0]) and np.isclose(tangent[1], 2.0)


def set_items(x):
    y = x + 0.0
    y[0] = x[1] * x[2]
    return np.sum(y * y)


def test_item_assignment_does_not_touch_the_callers_tangent():
    x = np.array([1.0, 2.0, 3.0])
    t = np.array([1.0, 1.0, 1.0])
    _, tangent = srcad.jvp(set_items)(x, t)
    assert np.allclose(t, 1.0), "the tangent passed in was changed"
    assert np.isclose(tangent, fd_jvp(set_items, (x,), 0, t), rtol=1e-7)


# -- the classic slips -----------------------------------------------------------------

def power_exponent(p):
    return 2.0 ** p + 0.0 ** (p * p + 1.0)


def test_power_with_respect_to_the_exponent():
    _, tangent = srcad.jvp(power_exponent)(0.7, 1.0)
    assert np.isclose(tangent, np.log(2.0) * 2.0 ** 0.7)


def integer_power(x):
    return x ** 3 + x ** 0


def test_integer_power_at_zero():
    _, tangent = srcad.jvp(integer_power)(0.0, 1.0)
    assert tangent == 0.0
    _, tangent = srcad.jvp(integer_power)(2.0, 1.0)
    assert np.isclose(tangent, 12.0)


def ties(x, y):
    return np.maximum(x, y) + np.where(x > 0.0, x * 3.0, y)


def test_maximum_tie_and_where_follow_the_reverse_mode_convention():
    # At a tie maximum splits 0.5/0.5, as its adjoint does; where picks the taken branch.
    _, tx = srcad.jvp(ties)(1.0, 1.0, 1.0)
    _, ty = srcad.jvp(ties, wrt=1)(1.0, 1.0, 1.0)
    gx, gy = srcad.grad(ties, wrt=(0, 1))(1.0, 1.0)
    assert (tx, ty) == (gx, gy) == (3.5, 0.5)


# -- what forward mode refuses, and bad input ------------------------------------------

def uses_builtin_max(x, y):
    return max(x, y) * 2.0


def test_builtin_max_has_a_forward_rule():
    _, tangent = srcad.jvp(uses_builtin_max)(1.0, 0.5, 1.0)
    assert tangent == 2.0


def test_rule_without_forward_template_is_refused_not_zero():
    from srcad import rules

    def only_reverse(x):
        return x * 3.0

    rules.defrule(only_reverse, "x", vjp="bx += by * 3.0", names=["tests.only_reverse"])
    try:
        def f(x):
            return only_reverse(x)
        with pytest.raises(NoRuleError, match="forward-mode rule"):
            srcad.jvp(f)(1.0, 1.0)
    finally:
        del rules.RULES[only_reverse]


def test_tangent_of_the_wrong_shape():
    with pytest.raises(InputError, match="shape"):
        srcad.jvp(elementwise)(np.zeros(3), np.ones(3), np.ones(2))


def test_missing_tangent():
    with pytest.raises(InputError):
        srcad.jvp(elementwise, wrt=(0, 1))(np.zeros(3), np.ones(3), np.ones(3))


def test_integer_tangent_is_taken_as_float():
    _, tangent = srcad.jvp(elementwise)(np.zeros(2), np.ones(2), np.array([1, 2]))
    assert tangent.dtype == np.float64 and np.allclose(tangent, [1.0, 2.0])


def test_show_forward_mode():
    text = srcad.show(elementwise, mode="fwd", file=False)
    assert text.startswith("def jvp_elementwise(x, w, *, dx):")
    assert "dsin_x = dx * np.cos(x)" in text
    with pytest.raises(InputError):
        srcad.show(elementwise, mode="sideways")
