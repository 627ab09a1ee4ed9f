"""Common subexpressions (srcad/passes/cse.py): what is shared, what must not be, and the
gradients against closed forms and central differences."""

import numpy as np
import pytest

import srcad


def rosenbrock(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def rosenbrock_grad(x):
    head = x[:-1]
    t = x[1:] - head * head
    g = np.zeros_like(x)
    g[:-1] = -400.0 * t * head - 2.0 * (1.0 - head)
    g[1:] += 200.0 * t
    return g


def test_a_repeated_slice_is_computed_and_scattered_once():
    grad = srcad.grad(rosenbrock)
    x = np.array([0.5, -1.2, 0.3, 2.0])
    np.testing.assert_allclose(grad(x), rosenbrock_grad(x), rtol=1e-12)
    text = srcad.show(grad, file=False)
    assert text.count("    x_item_2 = x[:-1]\n") == 1 and "    x_item_3 = " not in text
    assert text.count("unindex(") + text.count("add_at(") == 2  # x[1:] and x[:-1]


def test_optimize_false_keeps_both():
    text = srcad.show(rosenbrock, optimize=False, file=False)
    assert "x_item_2 = x[:-1]" in text and "x_item_3 = x[:-1]" in text


def twice_exp(x):
    a = np.exp(x) * 2.0
    b = np.exp(x) * 3.0
    return np.sum(a + b)


def test_a_repeated_call_is_shared():
    grad = srcad.grad(twice_exp)
    x = np.array([0.1, 0.4])
    np.testing.assert_allclose(grad(x), 5.0 * np.exp(x), rtol=1e-12)
    text = srcad.show(grad, file=False)
    assert text.count("    exp_x = np.exp(x)\n") == 1 and "exp_x_2" not in text


def written_between(x):
    z = x * 1.0
    a = z[0] * 2.0
    z[0] = 5.0
    b = z[0] * 2.0  # the same text, a different value
    return a + b + np.sum(z)


def rebound_in_loop(x):
    s = 0.0
    t = x
    for i in range(3):
        s = s + np.sin(t)  # t is another value in every trip
        t = t * 1.5
        s = s + np.sin(t)
    return s


def user_names(x):
    a = x[1:]
    b = x[1:]
    return np.sum(a * b)


@pytest.mark.parametrize("fn", [written_between, rebound_in_loop, user_names])
def test_values_that_differ_or_are_named_are_not_shared(fn):
    x = np.array([0.3, 0.7, 1.1]) if fn is not rebound_in_loop else 0.4
    got = srcad.grad(fn)(x)
    h = 1e-6
    if np.ndim(x) == 0:
        expected = (fn(x + h) - fn(x - h)) / (2 * h)
    else:
        expected = np.array([(fn(x + h * e) - fn(x - h * e)) / (2 * h) for e in np.eye(len(x))])
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-8)
    if fn is user_names:
        text = srcad.show(srcad.grad(fn), file=False)
        assert "a = x[1:]" in text and "b = x[1:]" in text


def test_a_random_draw_is_never_shared():
    def noisy(x):
        return np.sum(x * np.random.rand(2)) + np.sum(x * np.random.rand(2))
    text = srcad.show(noisy, file=False)
    assert "rand_2 = np.random.rand(2)" in text and "rand_3 = np.random.rand(2)" in text
