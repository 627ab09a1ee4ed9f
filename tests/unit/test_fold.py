"""Constant folding and strength reduction (srcad/passes/fold.py): text and values."""

import types

import gast
import numpy as np
import pytest

import srcad
from srcad import emit
from srcad.passes import fold


def folded(source: str) -> str:
    fn = gast.parse(source).body[0]
    job = types.SimpleNamespace(template_globals={"power_dbase": "power_dbase"})
    return emit.to_source(fold.run(fn, job))


@pytest.mark.parametrize("before,after", [
    ("b = g * power_dbase(x, 2)", "b = g * (2.0 * x)"),
    ("b = g * power_dbase(x, 3)", "b = g * power_dbase(x, 3)"),
    ("b = g * power_dbase(x, 2.0)", "b = g * power_dbase(x, 2.0)"),  # a float: kept
    ("b = g * (0.5 * 2.0)", "b = g * 1.0"),
    ("b = -(-g)", "b = g"),
    ("b = g / (1.0 - 1.0)", "b = g / 0.0"),  # folded; the division stays for numpy
    ("b = 'a' * 3", "b = 'a' * 3"),
])
def test_folds(before, after):
    assert folded(f"def f(g, x):\n    {before}\n    return b\n").splitlines()[1].strip() == after


def squares(x):
    return np.sum((x - 1.0) ** 2 + x ** 2)


def test_generated_derivative_multiplies_instead_of_calling():
    text = srcad.show(squares, file=False)
    assert "power_dbase" not in text and "(2.0 * " in text
    x = np.array([-1.5, 0.0, 2.5])
    assert srcad.grad(squares)(x) == pytest.approx(2.0 * (x - 1.0) + 2.0 * x, rel=1e-15)
    _, tangent = srcad.jvp(squares)(x, np.ones(3))
    assert tangent == pytest.approx(np.sum(4.0 * x - 2.0), rel=1e-14)
