"""Values the adjoint reads only for their shape are saved as stand-ins
(srcad/passes/shapesaves.py): the text, the values, and what keeps the array saved."""

import numpy as np
import pytest

import srcad
from srcad.runtime import shape_of


def damped(k, c, x, v):
    for i in range(30):
        a = -k * x - c * v
        x = x + 0.01 * v
        v = v + 0.01 * a
    return np.sum(x * x + v * v)


def central(f, args, position, h=1e-6):
    up, down = list(args), list(args)
    up[position] = up[position] + h
    down[position] = down[position] - h
    return (f(*up) - f(*down)) / (2 * h)


def test_shape_only_values_are_saved_as_stand_ins():
    text = srcad.show(damped, wrt=(0, 1, 2, 3), file=False)
    assert "stack.append(c_times_v_shape)" in text
    assert "c_times_v_shape = shape_of(c_times_v)" in text
    assert "unbroadcast(-ba, c_times_v_shape)" in text
    assert "stack.append(c_times_v)" not in text
    assert "stack.append(x)" in text  # read for its value: the array is kept


@pytest.mark.parametrize("shape", [(), (4,), (2, 3), (80, 60)])
def test_gradient_with_stand_ins_matches_central_differences(shape):
    rng = np.random.default_rng(0)
    args = [rng.uniform(1.0, 2.0, shape), 0.3, rng.uniform(-1.0, 1.0, shape), 0.5]
    args = [float(a) if np.ndim(a) == 0 else a for a in args]
    grads = srcad.grad(damped, wrt=(0, 1, 2, 3))(*args)
    for position in (1, 3):  # scalars: their gradients sum over the broadcast
        assert grads[position] == pytest.approx(central(damped, args, position), rel=1e-6)
    if shape:
        for position in (0, 2):  # arrays: the derivative along a random direction
            u = rng.normal(size=shape)

            def along(t, position=position, u=u):
                moved = list(args)
                moved[position] = args[position] + t * u
                return damped(*moved)
            assert np.sum(grads[position] * u) == pytest.approx(
                central(along, [0.0], 0), rel=1e-6)


def test_stand_in_has_the_shape_and_no_data():
    x = np.ones((300, 40))
    s = shape_of(x)
    assert s.shape == (300, 40) and s.strides == (0, 0) and not s.flags.writeable
    assert shape_of(2.5) == 2.5
    small = np.ones((3, 4))
    assert shape_of(small) is small  # cheaper to keep than to replace


def test_a_value_read_for_more_than_its_shape_stays_saved():
    def f(x, w):
        s = 0.0
        for i in range(3):
            t = w * x
            s = s + np.sum(t * t)  # t is read by the adjoint of t * t
        return s
    text = srcad.show(f, wrt=(0, 1), file=False)
    assert "shape_of(t)" not in text
    x, w = np.array([0.5, 1.5]), 0.7
    grads = srcad.grad(f, wrt=(0, 1))(x, w)
    assert grads[1] == pytest.approx(6 * w * np.sum(x * x), rel=1e-12)  # 3 w^2 |x|^2
