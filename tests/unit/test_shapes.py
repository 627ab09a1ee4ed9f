"""Derivatives compiled for the symbolic shapes of their arguments drop the ``unbroadcast``
calls and shape saves those shapes make useless (srcad/passes/shapes.py): the text of the
compiled code, and gradients against closed forms and central differences, for equal
shapes, for shapes that broadcast, and for one function called with both."""

import numpy as np
import pytest

import srcad
from srcad.derivative import symbolic_shapes

from .test_shapesaves import damped


def mixed(a, b, w):
    t = a * b + np.sin(a)
    u = t * w  # w may broadcast against t
    return np.sum(u * u)


def central(f, args, position, h=1e-6):
    base = args[position]
    out = np.zeros_like(base)
    for k in np.ndindex(*np.shape(base)):
        up, down = [list(args) for _ in range(2)]
        up[position], down[position] = base.copy(), base.copy()
        up[position][k] += h
        down[position][k] -= h
        out[k] = (f(*up) - f(*down)) / (2 * h)
    return out


def compiled_text(grad):
    return grad.__srcad__.transformed.source


def test_sizes_become_symbols():
    arrays = [("w", (16, 8)), ("b", (8,)), ("x", (1, 16)), ("t", (3, 1, 8))]
    assert symbolic_shapes(arrays) == [("w#shape", ("d0", "d1")), ("b#shape", ("d1",)),
                                       ("x#shape", (1, "d0")), ("t#shape", ("d2", 1, "d1"))]


def test_equal_shapes_need_no_unbroadcast_and_no_shape_saves():
    rng = np.random.default_rng(0)
    args = [rng.uniform(1.0, 2.0, 6), rng.uniform(0.1, 0.5, 6), rng.uniform(-1, 1, 6),
            rng.uniform(-1, 1, 6)]
    grad = srcad.grad(damped, wrt=(0, 1, 2, 3))
    grads = grad(*args)
    text = compiled_text(grad)
    assert "unbroadcast" not in text and "shape_of" not in text, text
    for position in range(4):
        np.testing.assert_allclose(grads[position], central(damped, args, position),
                                   rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("w_shape", [(5,), (1,), (4, 1), (4, 5)])
def test_a_broadcast_keeps_its_unbroadcast(w_shape):
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=(4, 5)), rng.normal(size=(4, 5))
    w = rng.normal(size=w_shape)
    grad = srcad.grad(mixed, wrt=(0, 1, 2))
    ga, gb, gw = grad(a, b, w)
    t = a * b + np.sin(a)
    # d sum((t w)^2) / dt = 2 t w^2 (broadcast to (4, 5)); dt/da = b + cos a, dt/db = a
    np.testing.assert_allclose(ga, 2.0 * t * w * w * (b + np.cos(a)), rtol=1e-10)
    np.testing.assert_allclose(gb, 2.0 * t * w * w * a, rtol=1e-10)
    np.testing.assert_allclose(gw, central(mixed, [a, b, w], 2), rtol=1e-6, atol=1e-9)
    if w_shape == (4, 5):  # all three of one shape
        assert "unbroadcast" not in compiled_text(grad)
    else:
        assert "unbroadcast" in compiled_text(grad)


def test_one_function_called_with_equal_then_broadcasting_shapes():
    grad = srcad.grad(mixed, wrt=(0, 1, 2))
    rng = np.random.default_rng(2)
    a, b = rng.normal(size=3), rng.normal(size=3)
    for w in (rng.normal(size=3), rng.normal(size=1), rng.normal(size=3)):
        gw = grad(a, b, w)[2]
        assert gw.shape == w.shape
        np.testing.assert_allclose(gw, central(mixed, [a, b, w], 2), rtol=1e-6, atol=1e-9)


def test_a_state_rebound_to_another_shape_keeps_its_unbroadcast():
    def f(x, y):
        z = x * y
        for i in range(2):
            z = z[:, None] * x  # (3,) -> (3, 3): not of x's shape any more
            z = np.sum(z, axis=0)
        return np.sum(z * x)
    x, y = np.array([0.5, -1.0, 2.0]), np.array([1.5, 0.3, -0.7])
    gx, gy = srcad.grad(f, wrt=(0, 1))(x, y)
    np.testing.assert_allclose(gx, central(f, [x, y], 0), rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(gy, central(f, [x, y], 1), rtol=1e-6, atol=1e-9)


def test_generated_modules_do_not_rely_on_equal_shapes(tmp_path):
    rng = np.random.default_rng(3)
    args = (rng.normal(size=4), rng.normal(size=4), rng.normal(size=4))
    text = srcad.generate(mixed, tmp_path / "m.py", wrt=(0, 1, 2), args=args)
    assert "unbroadcast" in text


def flagged(x, w):
    flag = np.sum(x * x) >= 0.0  # True: x[flag] adds an axis, it does not take a row
    y = x[flag] * w
    return np.sum(y * y)


def test_an_index_that_is_a_bool_is_not_taken_for_an_integer():
    x, w = np.array([0.5, -1.0, 2.0]), np.array([1.5, 0.3, -0.7])
    gx, gw = srcad.grad(flagged, wrt=(0, 1))(x, w)
    np.testing.assert_allclose(gx, 2.0 * x * w * w, rtol=1e-12)
    np.testing.assert_allclose(gw, 2.0 * x * x * w, rtol=1e-12)
