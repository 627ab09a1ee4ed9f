"""Jacobians, Hessians, Hessian-vector products and derivatives of derivatives, against
closed forms and central finite differences (never against srcad itself)."""

import numpy as np
import pytest

import srcad
from srcad import InputError

A = np.array([[1.0, 2.0, 0.5], [-1.0, 0.3, 2.0]])


def layer(x):
    return A @ np.tanh(x)


@pytest.mark.parametrize("mode", ["rev", "fwd"])
def test_jacobian_closed_form(mode):
    x = np.array([0.1, -0.4, 0.8])
    jac = srcad.jacobian(layer, mode=mode)(x)
    assert jac.shape == (2, 3)
    assert np.allclose(jac, A * (1.0 - np.tanh(x) ** 2), rtol=1e-12)


def outer_shape(x):
    return np.outer(x, x)


@pytest.mark.parametrize("mode", ["rev", "fwd"])
def test_jacobian_shape_is_output_shape_then_input_shape(mode):
    x = np.array([1.0, 2.0])
    jac = srcad.jacobian(outer_shape, mode=mode)(x)
    assert jac.shape == (2, 2, 2)
    expected = np.zeros((2, 2, 2))
    for i in range(2):
        for j in range(2):
            expected[i, j, i] += x[j]
            expected[i, j, j] += x[i]
    assert np.allclose(jac, expected)


def two_inputs(x, w):
    return np.sin(x) * w


@pytest.mark.parametrize("mode", ["rev", "fwd"])
def test_jacobian_several_wrt(mode):
    x, w = np.array([0.1, 0.2]), 1.5
    jx, jw = srcad.jacobian(two_inputs, wrt=(0, 1), mode=mode)(x, w)
    assert np.allclose(jx, np.diag(np.cos(x) * w)) and jx.shape == (2, 2)
    assert np.allclose(jw, np.sin(x)) and jw.shape == (2,)


def test_jacobian_bad_mode():
    with pytest.raises(InputError):
        srcad.jacobian(layer, mode="both")


def cubic(x):
    return np.sum(np.sin(x) * x ** 2)


def cubic_hessian(x):
    return np.diag(2 * np.sin(x) + 4 * x * np.cos(x) - x ** 2 * np.sin(x))


def test_hessian_closed_form():
    x = np.array([0.1, 0.4, 0.7])
    hess = srcad.hessian(cubic)(x)
    assert hess.shape == (3, 3)
    assert np.allclose(hess, cubic_hessian(x), rtol=1e-10, atol=1e-12)


def coupled(x):
    return x[0] * x[1] ** 2 + np.exp(x[0] * x[2])


def test_hessian_off_diagonal():
    x = np.array([0.5, -1.0, 0.3])
    e = np.exp(x[0] * x[2])
    expected = np.array([
        [x[2] ** 2 * e, 2 * x[1], e + x[0] * x[2] * e],
        [2 * x[1], 2 * x[0], 0.0],
        [e + x[0] * x[2] * e, 0.0, x[0] ** 2 * e],
    ])
    assert np.allclose(srcad.hessian(coupled)(x), expected, rtol=1e-10)


def rosenbrock_loop(x):
    total = 0.0
    for i in range(len(x) - 1):
        total = total + 100.0 * (x[i + 1] - x[i] ** 2) ** 2 + (1.0 - x[i]) ** 2
    return total


def rosenbrock_hessian(x):
    n = len(x)
    h = np.zeros((n, n))
    for i in range(n - 1):
        h[i, i] += 1200.0 * x[i] ** 2 - 400.0 * x[i + 1] + 2.0
        h[i, i + 1] += -400.0 * x[i]
        h[i + 1, i] += -400.0 * x[i]
        h[i + 1, i + 1] += 200.0
    return h


def test_hvp_of_a_function_with_a_loop_closed_form():
    x = np.array([0.5, -0.3, 1.2, 0.8])
    v = np.array([1.0, -2.0, 0.5, 0.25])
    assert np.allclose(srcad.hvp(rosenbrock_loop)(x, v), rosenbrock_hessian(x) @ v,
                       rtol=1e-10)


def test_hessian_of_a_function_with_a_loop():
    x = np.array([0.5, -0.3, 1.2])
    assert np.allclose(srcad.hessian(rosenbrock_loop)(x), rosenbrock_hessian(x), rtol=1e-10)


def branchy(x):
    s = 0.0
    k = 0
    while k < 4:
        if x[k % 2] > 0.0:
            s = s + x[0] * x[1] * x[1]
        else:
            s = s - np.sin(x[0])
        k += 1
    return s


def test_hvp_with_while_and_branch_matches_finite_differences_of_the_gradient():
    x = np.array([0.4, 0.9])
    v = np.array([0.3, -1.2])
    h = 1e-6

    def gradient(x):  # closed form of the gradient of branchy at this point (both > 0)
        return 4.0 * np.array([x[1] ** 2, 2.0 * x[0] * x[1]])
    fd = (gradient(x + h * v) - gradient(x - h * v)) / (2 * h)
    assert np.allclose(srcad.hvp(branchy)(x, v), fd, rtol=1e-6)


def test_jvp_of_grad_is_forward_over_reverse():
    x = np.array([0.1, 0.4, 0.7])
    v = np.array([1.0, 0.0, -1.0])
    _, hv = srcad.jvp(srcad.grad(cubic))(x, v)
    assert np.allclose(hv, cubic_hessian(x) @ v)


def sin_cubed(x):
    return np.sin(x) * x ** 3


def test_grad_of_grad_scalar():
    x = 0.7
    second = srcad.grad(srcad.grad(sin_cubed))(x)
    expected = -np.sin(x) * x ** 3 + 6 * np.cos(x) * x ** 2 + 6 * np.sin(x) * x
    assert np.isclose(second, expected, rtol=1e-12)


def test_third_order():
    x = 0.7
    third = srcad.grad(srcad.grad(srcad.grad(sin_cubed)))(x)
    expected = (-np.cos(x) * x ** 3 - 9 * np.sin(x) * x ** 2 + 18 * np.cos(x) * x
                + 6 * np.sin(x))
    assert np.isclose(third, expected, rtol=1e-10)


def power_loop(x, n):
    y = 1.0
    for _ in range(n):
        y = y * x
    return y


def test_grad_of_grad_through_a_loop():
    x = 1.3
    assert np.isclose(srcad.grad(srcad.grad(power_loop))(x, 5), 20 * x ** 3, rtol=1e-12)


def test_value_and_grad_of_grad():
    x = 0.7
    value, second = srcad.value_and_grad(srcad.grad(sin_cubed))(x)
    assert np.isclose(value, np.cos(x) * x ** 3 + 3 * np.sin(x) * x ** 2)
    assert np.isclose(second, -np.sin(x) * x ** 3 + 6 * np.cos(x) * x ** 2 + 6 * np.sin(x) * x)


def test_check_grads_second_order_both_modes():
    srcad.check_grads(rosenbrock_loop, (np.array([0.5, -0.3, 1.2]),), order=2)
    srcad.check_grads(layer, (np.array([0.1, -0.4, 0.8]),), order=2)


def test_show_of_hvp_and_of_grad_of_grad():
    text = srcad.show(srcad.hvp(cubic), file=False)
    assert "def jvp_grad_cubic(x, *, dx):" in text
    assert "def vjp_cubic(x, b" in text  # the inner derivative follows
    text = srcad.show(srcad.grad(srcad.grad(sin_cubed)), file=False)
    assert "def vjp_grad_sin_cubed(" in text


def energy(x, k=2.0):
    return np.sum(np.sin(x) * x ** 2) * k


force = srcad.grad(energy)


def force_loss(x):
    return np.sum(force(x) ** 2)


def test_function_calling_a_derivative_is_differentiable():
    x = np.array([0.3, 0.5, -0.2])
    srcad.check_grads(force_loss, (x,))  # both modes, against finite differences
    hess = cubic_hessian(x) * 2.0  # d force / dx = Hessian of the energy
    g = 2.0 * 2.0 * (np.sin(x) * 2 * x + x ** 2 * np.cos(x))
    assert np.allclose(srcad.grad(force_loss)(x), hess @ g)


def test_jvp_of_vjp_with_defaults():
    vjp_energy = srcad.vjp(energy)
    x, t = np.array([0.3, 0.5]), np.array([1.0, -1.0])
    _, (value, grad_t) = srcad.jvp(vjp_energy)(x, t, cotangent=1.0)
    assert np.allclose(grad_t, cubic_hessian(x) @ t * 2.0)


def test_derivative_of_a_hessian_is_refused_clearly():
    with pytest.raises(srcad.UnsupportedError, match="hessian"):
        srcad.grad(srcad.hessian(cubic))


energy_and_force = srcad.value_and_grad(energy)


def uses_value_and_grad(x):
    value, g = energy_and_force(x)
    return value + np.sum(g * x)


def test_grad_of_a_function_using_value_and_grad():
    x = np.array([0.3, 0.5, -0.2])
    # d/dx [E(x) + g(x).x] = g + H x + g, with E = 2 sum(sin(x) x^2)
    g = 2.0 * (np.cos(x) * x ** 2 + 2 * x * np.sin(x))
    expected = 2 * g + cubic_hessian(x) * 2.0 @ x
    assert np.allclose(srcad.grad(uses_value_and_grad)(x), expected, rtol=1e-10)
    srcad.check_grads(uses_value_and_grad, (x,), order=2)
