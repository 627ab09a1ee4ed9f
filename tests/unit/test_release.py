"""Arrays nothing reads any more are released with ``del`` (srcad/passes/release.py): the
text (where the ``del`` goes and what it names), and the values, first and second order,
against closed forms and central differences."""

import ast
import textwrap

import numpy as np
import pytest

import srcad
from ..properties.strategies import make_function


def chain(x):
    t = np.sin(x) * x
    u = np.exp(t) + t
    v = u * u - x
    return np.sum(v)


def chain_grad(x):  # d/dx sum((e^t + t)^2 - x), t = x sin x
    t = np.sin(x) * x
    u = np.exp(t) + t
    return 2.0 * u * (np.exp(t) + 1.0) * (np.cos(x) * x + np.sin(x)) - 1.0


def _statements(text):
    return ast.parse(textwrap.dedent(text)).body[0].body


def _released(text):
    return [[t.id for t in s.targets] for s in _statements(text) if isinstance(s, ast.Delete)]


def test_each_del_names_values_nothing_reads_later():
    text = srcad.show(chain, file=False)
    body = _statements(text)
    assert _released(text), text
    for i, stmt in enumerate(body):
        if isinstance(stmt, ast.Delete):
            names = {t.id for t in stmt.targets}
            later = {n.id for s in body[i + 1:] for n in ast.walk(s) if isinstance(n, ast.Name)}
            assert not names & later, (names & later, text)


def test_dels_close_the_lines_of_the_users_source():
    """One ``del`` at most per commented group, as its last statement, never before the
    ``return``, and never for a parameter, a view or a number."""
    text = srcad.show(chain, file=False)
    lines = [line.strip() for line in text.splitlines()[1:]]
    for i, line in enumerate(lines):
        if line.startswith("del "):
            following = lines[i + 1]
            assert following.startswith("#") or following == "", (line, following)
    released = {n for names in _released(text) for n in names}
    assert "x" not in released and "sum_v" not in released
    assert not lines[-2].startswith("del ")


def test_names_bound_in_loops_or_branches_are_not_released():
    def f(x, n):
        y = x * 2.0
        for i in range(n):
            y = np.sin(y)
        if n > 1:
            z = y * y
        else:
            z = y + y
        w = np.tanh(z) * x
        return np.sum(w * w)
    text = srcad.show(f, file=False)
    released = {n for names in _released(text) for n in names}
    assert not released & {"y", "z", "i"}, text
    x = np.linspace(-1.0, 1.0, 5)
    for n in (0, 3):
        g = srcad.grad(f)(x, n)
        h = 1e-6
        fd = np.array([(f(x + h * e, n) - f(x - h * e, n)) / (2 * h) for e in np.eye(5)])
        np.testing.assert_allclose(g, fd, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("shape", [(), (7,), (3, 4), (300, 40)])
def test_gradient_matches_the_closed_form(shape):
    x = np.random.default_rng(1).uniform(-1.0, 1.0, shape)
    x = float(x) if not shape else x
    np.testing.assert_allclose(srcad.grad(chain)(x), chain_grad(x), rtol=1e-12)


def test_scalar_code_has_no_del():
    def f(a, b):
        c = a * b
        d = np.sin(c) + a
        return d * d
    grad = srcad.grad(f, wrt=(0, 1))
    da, db = grad(1.5, 0.5)
    c = 1.5 * 0.5
    d = np.sin(c) + 1.5
    assert da == pytest.approx(2.0 * d * (np.cos(c) * 0.5 + 1.0), rel=1e-12)
    assert db == pytest.approx(2.0 * d * np.cos(c) * 1.5, rel=1e-12)
    assert "del " not in grad.__srcad__.transformed.source


def test_forward_mode_has_no_del():
    assert "del " not in srcad.show(chain, mode="fwd", file=False)


def test_unoptimized_code_has_no_del():
    d = srcad.grad(chain, optimize=False)
    x = np.linspace(0.1, 0.9, 4)
    np.testing.assert_allclose(d(x), chain_grad(x), rtol=1e-12)
    assert "del " not in d.__srcad__.transformed.source


def squares(x):
    t = np.sin(x) * x
    return np.sum(t * t)


grad_squares = srcad.grad(squares)


def summed_gradient(x):
    return np.sum(grad_squares(x))


def test_second_order_through_released_code():
    """grad of grad, and the Hessian-vector product (forward over reverse), read srcad's own
    code with its ``del`` statements: checked against the closed-form second derivative
    (the Hessian of an elementwise sum is diagonal)."""
    assert "del " in srcad.show(squares, file=False)
    x = np.linspace(-1.0, 1.0, 4)

    def second(x):  # d2/dx2 (x sin x)^2, elementwise
        t, dt = x * np.sin(x), np.sin(x) + x * np.cos(x)
        return 2.0 * (dt * dt + t * (2.0 * np.cos(x) - x * np.sin(x)))

    np.testing.assert_allclose(srcad.grad(summed_gradient)(x), second(x), rtol=1e-10)
    v = np.array([1.0, -2.0, 0.5, 3.0])
    np.testing.assert_allclose(srcad.hvp(squares)(x, v), second(x) * v, rtol=1e-10)


def test_a_generated_module_with_releases_runs_with_numpy_alone(tmp_path):
    f = make_function(textwrap.dedent("""
        def f(x):
            t = np.sin(x) * x
            u = np.exp(t) + t
            v = u * u - x
            return np.sum(v)
        """))
    path = tmp_path / "grads.py"
    srcad.generate(f, path)
    assert "del " in path.read_text()
    namespace: dict = {}
    exec(compile(path.read_text(), str(path), "exec"), namespace)
    x = np.linspace(0.1, 0.9, 5)
    grad = next(v for k, v in namespace.items() if k.startswith("grad_"))
    np.testing.assert_allclose(grad(x), chain_grad(x), rtol=1e-12)
