"""Items of arrays nothing changes are read again in the adjoint loop instead of saved
(srcad/passes/recompute.py): the text, and the values against closed forms and central
differences, with the cases that must keep their saves."""

import numpy as np
import pytest

import srcad


def product(x):
    y = 1.0
    for i in range(len(x)):
        y = y * x[i]
    return y


def shifted(x, w):
    s = 0.0
    for i in range(len(x) - 1):
        s = s + np.sin(x[i + 1] * w) * x[i]
    return s


def changed(x):
    y = 1.0
    for i in range(len(x)):
        y = y * x[i]
        x[i] = 2.0 * y  # x changes: its items must be saved
    return y


def nested(a):
    total = 0.0
    for i in range(a.shape[0]):
        for j in range(a.shape[1]):
            total = total + a[i, j] * a[i, j] * (i + 1.0)
    return total


def central(f, x, h=1e-6):
    out = np.zeros_like(x)
    for k in np.ndindex(*x.shape):
        up, down = x.copy(), x.copy()
        up[k] += h
        down[k] -= h
        out[k] = (f(up) - f(down)) / (2 * h)
    return out


def test_item_read_again_in_the_adjoint_loop():
    text = srcad.show(product, file=False)
    assert "stack.append(x_i)" not in text and "x_i = stack.pop()" not in text
    adjoint = text.split("reversed(range(len_x)):", 1)[1]
    assert "x_i = x[i]" in adjoint
    assert "stack.append(y)" in text  # y changes in every trip: still saved


@pytest.mark.parametrize("n", [1, 2, 7])
def test_product_gradient_matches_the_closed_form(n):
    x = np.random.default_rng(n).uniform(0.5, 1.5, n)
    expected = np.array([np.prod(np.delete(x, k)) for k in range(n)])
    np.testing.assert_allclose(srcad.grad(product)(x), expected, rtol=1e-12)


def test_index_made_of_the_counter_and_a_constant():
    text = srcad.show(shifted, wrt=(0, 1), file=False)
    assert ".pop()" not in text.split("reversed(", 1)[1] or "x_item" not in text
    adjoint = text.split("reversed(", 1)[1]
    # the item and its index are read again, not popped (i + 1 first: the item needs it)
    assert adjoint.index("i_plus_1 = i + 1") < adjoint.index("x_i_plus_1 = x[i_plus_1]")
    assert "x_i = x[i]" in adjoint
    for name in ("i_plus_1", "x_i_plus_1", "x_i"):
        assert f"stack.append({name})" not in text and f"{name} = stack.pop()" not in text
    x, w = np.linspace(0.1, 1.0, 6), 0.7
    gx, gw = srcad.grad(shifted, wrt=(0, 1))(x, w)
    np.testing.assert_allclose(gx, central(lambda v: shifted(v, w), x), rtol=1e-6, atol=1e-9)
    assert gw == pytest.approx((shifted(x, w + 1e-6) - shifted(x, w - 1e-6)) / 2e-6, rel=1e-6)


def test_an_array_written_in_the_loop_keeps_its_saves():
    text = srcad.show(changed, file=False)
    assert "x_i = x[i]" not in text.split("reversed(", 1)[1]
    x = np.array([0.9, 1.1, 1.2])
    # y_k = prod x_1..x_k whatever x[i] = 2 y does afterwards: the product's gradient
    expected = np.array([np.prod(np.delete(x, k)) for k in range(3)])
    np.testing.assert_allclose(srcad.grad(changed)(x.copy()), expected, rtol=1e-12)


def test_nested_loops():
    a = np.random.default_rng(3).normal(size=(3, 4))
    weights = np.arange(1.0, 4.0)[:, None]
    np.testing.assert_allclose(srcad.grad(nested)(a), 2.0 * a * weights, rtol=1e-12)


def test_second_order_through_recomputed_reads():
    x = np.array([0.8, 1.3, 0.6])
    hessian = srcad.hessian(product)(x)
    expected = np.array([[0.0 if j == k else np.prod(np.delete(x, [j, k])) for k in range(3)]
                         for j in range(3)])
    np.testing.assert_allclose(hessian, expected, rtol=1e-10)
