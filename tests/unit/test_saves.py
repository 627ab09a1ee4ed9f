"""Saves whose restored value nothing reads are dropped in pairs (srcad/passes/saves.py)."""

import textwrap

import gast
import numpy as np
import pytest

import srcad
from srcad import emit
from srcad.passes import saves


def cleaned(source: str) -> str:
    fn = gast.parse(textwrap.dedent(source)).body[0]
    fn.body = saves.run(fn.body, "stack")
    return emit.to_source(fn)


SNIPPET = """
    def f(x, n, bs):
        stack = []
        t = None
        u = None
        s = 0.0
        for i in range(n):
            stack.append(t)
            t = x[i] * 2.0
            stack.append(u)
            u = t * t
            s = s + u
        bx = np.zeros(n)
        for j in range(n):
            i = n - 1 - j
            bt = bs * 2.0 * t
            bx[i] = bx[i] + bt * 2.0
            u = stack.pop()
            t = stack.pop()
        return s, bx
"""


def test_a_save_nothing_reads_goes_with_its_restore():
    text = cleaned(SNIPPET)
    assert "stack.append(u)" not in text and "u = stack.pop()" not in text
    assert "stack.append(t)" in text and "t = stack.pop()" in text  # t is read: kept


def test_dropping_saves_keeps_the_values():
    namespace = {"np": np}
    exec(textwrap.dedent(SNIPPET), namespace)
    before = namespace["f"](np.arange(1.0, 4.0), 3, 1.0)
    exec(cleaned(SNIPPET), namespace)
    after = namespace["f"](np.arange(1.0, 4.0), 3, 1.0)
    assert before[0] == after[0]
    np.testing.assert_array_equal(before[1], after[1])


def test_another_list_is_never_touched():
    text = cleaned("""
        def f(xs):
            other = []
            other.append(xs)
            v = other.pop()
            return 1.0
    """)
    assert "other.append(xs)" in text and "other.pop()" in text


def accumulate_then_branch(x, a):
    s = 0.0
    for v in x:
        if v > a:
            break
        s += a * np.exp(v)
    return s


def test_generated_code_saves_only_what_the_adjoint_reads():
    text = srcad.show(accumulate_then_branch, file=False)
    assert "stack.append(s_plus_a_times_exp_v)" not in text
    assert "stack.append(exp_v)" in text  # read by the adjoint of exp
    x = np.array([0.1, 0.2, 0.9])
    expected = np.array([0.5 * np.exp(0.1), 0.5 * np.exp(0.2), 0.0])  # stops at 0.9 > 0.5
    assert srcad.grad(accumulate_then_branch)(x, 0.5) == pytest.approx(expected, rel=1e-12)
