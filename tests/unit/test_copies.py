"""Copy propagation in the adjoint sweep (srcad/passes/copies.py): the text and the values,
and the copies that must stay."""

import textwrap

import gast
import numpy as np

import srcad

from .oscillator import assert_matches_central_differences, euler
from srcad import comments, emit
from srcad.passes import copies


def propagated(source: str) -> str:
    fn = gast.parse(textwrap.dedent(source)).body[0]
    # the primal sweep ends at the first blank-line marker, as in generated code
    at = next(i for i, s in enumerate(fn.body) if isinstance(s, gast.Expr)
              and isinstance(s.value, gast.Constant) and s.value.value == "adjoint")
    fn.body[at] = comments.blank()
    copies.run(fn)
    return emit.to_source(fn)


LOOP = """
    def f(x, v, n):
        stack = []
        y = x
        for i in range(n):
            stack.append(x)
            x = x + 0.1 * v
        "adjoint"
        bx = 1.0
        bv = 0.0
        for i in reversed(range(n)):
            bx_plus = bx
            x = stack.pop()
            bx = bx_plus
            bdt = bx_plus
            bv = bv + bdt * 0.1
        by = bx
        return (y, bx, bv)
"""


def test_copies_in_a_loop_body_go():
    text = propagated(LOOP)
    assert "bx_plus" not in text and "bdt" not in text
    assert "bv = bv + bx * 0.1" in text
    assert "y = x" in text  # a copy in the primal sweep: the user's


def test_values_do_not_change():
    namespace = {}
    exec(textwrap.dedent(LOOP), namespace)
    before = namespace["f"](1.0, 2.0, 4)
    exec(propagated(LOOP), namespace)
    assert namespace["f"](1.0, 2.0, 4) == before


def test_a_copy_whose_source_is_rebound_before_the_last_read_stays():
    source = LOOP.replace("            bdt = bx_plus\n",
                          "            bx = bx * 2.0\n            bdt = bx_plus\n")
    text = propagated(source)
    assert "bx_plus = bx\n" in text  # bx changes between the copy and its last read
    namespace = {}
    exec(textwrap.dedent(source), namespace)
    before = namespace["f"](1.0, 2.0, 4)
    exec(text, namespace)
    assert namespace["f"](1.0, 2.0, 4) == before


def test_a_copy_read_in_another_block_stays():
    source = LOOP.replace("        by = bx\n", "        by = bx_plus\n")
    assert "bx_plus = bx" in propagated(source)


def test_generated_loop_adjoint_has_no_copies_and_is_right():
    grad = srcad.grad(euler, wrt=(0, 1, 2, 3))
    args = (2.0, 0.3, 1.0, 0.5)
    got = grad(*args)
    text = srcad.show(grad, file=False)
    assert "bv_plus_dt_times_a" not in text and "bx_plus" not in text
    assert_matches_central_differences(got, euler, args)
    assert np.isfinite(got).all()
