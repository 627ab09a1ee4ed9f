"""The public operators on small functions, checked against closed forms."""

import numpy as np
import pytest

import srcad


def quick(x1, x2):
    y = np.log(x1) + x1 * x2 - np.sin(x2)
    return y


def test_grad_two_wrt_closed_form():
    d1, d2 = srcad.grad(quick, wrt=(0, 1))(2.0, 5.0)
    assert d1 == pytest.approx(1 / 2.0 + 5.0)
    assert d2 == pytest.approx(2.0 - np.cos(5.0))
    assert type(d1) is float and type(d2) is float


def test_grad_by_name_and_single():
    assert srcad.grad(quick, wrt="x2")(2.0, 5.0) == pytest.approx(2.0 - np.cos(5.0))
    (only,) = srcad.grad(quick, wrt=("x2",))(2.0, 5.0)
    assert only == pytest.approx(2.0 - np.cos(5.0))


def test_decorator_forms():
    @srcad.grad
    def a(x):
        return x * x * x

    @srcad.grad(wrt="x")
    def b(x, k):
        return k * x * x

    assert a(2.0) == pytest.approx(12.0)
    assert b(3.0, 2.0) == pytest.approx(12.0)


def test_value_and_grad():
    value, g = srcad.value_and_grad(lambda x: np.sum(x ** 2))(np.array([1.0, 2.0]))
    assert value == pytest.approx(5.0)
    np.testing.assert_allclose(g, [2.0, 4.0])


def test_vjp_non_scalar():
    value, g = srcad.vjp(lambda x: np.sin(x))(np.array([0.0, 1.0]), np.array([2.0, 3.0]))
    np.testing.assert_allclose(value, np.sin([0.0, 1.0]))
    np.testing.assert_allclose(g, [2.0 * np.cos(0.0), 3.0 * np.cos(1.0)])


def test_gradient_has_argument_shape_and_type():
    x = np.ones((2, 3))
    g = srcad.grad(lambda x, w: np.sum(w * 3.0))(x, np.ones(3))
    assert isinstance(g, np.ndarray) and g.shape == (2, 3) and not g.any()
    g.fill(1.0)  # the gradient is an array the caller owns


def test_float32_gradient_keeps_dtype():
    x = np.ones(3, dtype=np.float32)
    g = srcad.grad(lambda x: np.sum(x * x))(x)
    assert g.dtype == np.float32
    np.testing.assert_allclose(g, 2.0)


W = np.array([[1.0, 2.0], [3.0, 4.0]])


def uses_global(x):
    return np.sum(W @ x)


def test_globals_are_read_at_call_time():
    global W
    g1 = srcad.grad(uses_global)
    np.testing.assert_allclose(g1(np.ones(2)), [4.0, 6.0])
    old = W
    try:
        W = np.eye(2)
        np.testing.assert_allclose(g1(np.ones(2)), [1.0, 1.0])
    finally:
        W = old


def test_closure_cells_are_read_at_call_time():
    scale = 2.0

    def f(x):
        return scale * x * x

    g = srcad.grad(f)
    assert g(1.0) == pytest.approx(4.0)
    scale = 5.0
    assert g(1.0) == pytest.approx(10.0)


def test_grad_of_constant_and_unused_argument():
    g = srcad.grad(lambda x, y: y * 2.0, wrt=(0, 1))(np.ones(2), 3.0)
    np.testing.assert_allclose(g[0], [0.0, 0.0])
    assert g[1] == pytest.approx(2.0)


def test_reassignment_and_method_calls():
    def f(x):
        x = x * x
        s = x.sum(axis=0)
        s = s * 2.0
        return np.sum(s)

    x = np.arange(6.0).reshape(2, 3)
    np.testing.assert_allclose(srcad.grad(f)(x), 4.0 * x)


def test_supported_functions_spelling():
    names = srcad.supported_functions()
    assert "numpy.sin" in names and "math.sin" in names and "numpy.sum" in names
    assert names == sorted(names)


def test_import_srcad_does_not_import_scipy_but_its_rules_follow_scipy(tmp_path):
    """scipy's rules are registered once the user's code has imported scipy.special."""
    import subprocess
    import sys
    (tmp_path / "expit_user.py").write_text(
        "import numpy as np\nimport scipy.special\n\n\ndef f(x):\n"
        "    return np.sum(scipy.special.expit(x))\n")
    script = (
        "import sys, srcad\n"
        "assert 'scipy' not in sys.modules, 'import srcad imported scipy'\n"
        "import numpy as np\n"
        "sys.path.insert(0, sys.argv[1])\n"
        "import expit_user\n"
        "g = srcad.grad(expit_user.f)(np.array([0.0, 1.0]))\n"
        "s = 1 / (1 + np.exp(-np.array([0.0, 1.0])))\n"
        "assert np.allclose(g, s * (1 - s), rtol=1e-12), g\n"
        "print('ok')\n")
    proc = subprocess.run([sys.executable, "-c", script, str(tmp_path)], capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0 and "ok" in proc.stdout, proc.stderr
