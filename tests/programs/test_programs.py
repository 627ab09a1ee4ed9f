"""The program corpus against central finite differences, optimized and not."""

import numpy as np
import pytest

import srcad

from .corpus import CASES, newton_sqrt


@pytest.mark.parametrize("optimize", [True, False], ids=["opt", "noopt"])
@pytest.mark.parametrize("fn,args,wrt", CASES,
                         ids=[f"{c[0].__name__}-{i}" for i, c in enumerate(CASES)])
def test_program_gradient(fn, args, wrt, optimize):
    positions = wrt if isinstance(wrt, tuple) else (wrt,)
    grads = srcad.grad(fn, wrt=wrt, optimize=optimize)(*args)
    grads = grads if isinstance(wrt, tuple) else (grads,)
    for position, g in zip(positions, grads):
        if isinstance(args[position], (list, tuple, dict)):
            assert type(g) is type(args[position])  # the gradient has the argument's structure
            srcad.check_grads(fn, args, wrt=position)  # central differences, leaf by leaf
            continue
        fd = _central_differences(fn, args, position)
        np.testing.assert_allclose(g, fd, rtol=1e-5, atol=1e-6)


def _central_differences(fn, args, position):
    x = np.asarray(args[position], dtype=float)
    out = np.zeros(x.shape)
    for index in np.ndindex(x.shape):
        h = 1e-6 * max(1.0, abs(x[index]))
        plus, minus = x.copy(), x.copy()
        plus[index] += h
        minus[index] -= h
        fp = fn(*_replace(args, position, plus))
        fm = fn(*_replace(args, position, minus))
        out[index] = (fp - fm) / (2 * h)
    return out if out.shape else float(out)


def _replace(args, position, value):
    args = list(args)
    args[position] = value if np.ndim(args[position]) else float(value)
    return args


def test_newton_closed_form():
    assert srcad.grad(newton_sqrt)(2.0) == pytest.approx(0.5 / np.sqrt(2.0), rel=1e-9)


def test_trip_count_depends_on_value():
    """The loop runs a number of times that depends on x; the stacks replay it."""
    from .corpus import loop_while
    g = srcad.grad(loop_while)
    assert g(1.3) == pytest.approx(1.5 ** 5, rel=1e-12)  # five trips from 1.3
    assert g(9.0) == pytest.approx(1.5, rel=1e-12)  # one trip


def test_default_reads_enclosing_variable():
    from .corpus import _make_scaled
    g = srcad.grad(_make_scaled(2.0))(np.ones(2))
    np.testing.assert_allclose(g, [2.0, 2.0])  # d/dx sum(x) * 2
