"""srcad's gradients of random programs with control flow against finite differences.

The programs come from :mod:`.programs_cf`.  The reference is never srcad: it is the
five-point central difference (steps ``±STEP``, ``±2 STEP``) of the program itself, run
through an instrumented copy whose comparisons record the branch trace.

Non-differentiable points are rejected with ``assume``: the program is run at ``x`` and, per
coordinate, at ``x ± DELTA`` (``DELTA = 1e-3``) and at the four stencil points, and the
example is kept only if all these runs take exactly the same branches (the same trace).
Then every finite-difference evaluation ran the same straight-line code as ``x`` -- a
composition of smooth functions -- so the difference quotient approximates the derivative
of that code, which is the derivative of the program at ``x`` (``x`` is not on a branch
boundary: the outcome is the same a step away on either side).  Examples whose two
second-order estimates (steps ``STEP`` and ``2 STEP``) disagree are rejected as well: there
the difference quotient itself is not accurate enough to judge srcad.

Regression tests for bugs the properties found are at the end.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import assume, given, note, settings
from hypothesis import strategies as st

import srcad

from .programs_cf import CFProgram, Recorder, cf_arguments, cf_programs
from .strategies import make_function

STEP = 1e-4
DELTA = 1e-3
RTOL = 1e-5
ATOL = 1e-7


@st.composite
def cases(draw, **kwargs):
    """A program, its arguments, and ``wrt``: one position or a tuple of positions."""
    program = draw(cf_programs(**kwargs))
    args = draw(cf_arguments(program))
    positions = draw(st.lists(st.integers(0, program.n - 1), min_size=1, unique=True))
    wrt = positions[0] if len(positions) == 1 and draw(st.booleans()) else tuple(positions)
    return program, args, wrt


class Reference:
    """Runs the instrumented program: its value and its branch trace."""

    def __init__(self, program: CFProgram):
        self.program = program
        self.recorder = Recorder()
        self.f = program.build_instrumented(self.recorder)

    def run(self, args):
        self.recorder.reset()
        with np.errstate(all="ignore"):
            value = self.f(*self.program.copy_args(args))
        return float(value), tuple(self.recorder.trace)


def _moved(args, position, index, step):
    x = np.array(args[position], dtype=np.float64)
    x[index] += step
    moved = list(args)
    moved[position] = x if x.shape else float(x)
    return moved


def reference_gradient(program: CFProgram, args, positions):
    """Five-point central differences; rejects the example where they are not reliable."""
    ref = Reference(program)
    value, trace = ref.run(args)
    assume(math.isfinite(value) and abs(value) < 1e6)
    grads = []
    for position in positions:
        x = np.asarray(args[position], dtype=np.float64)
        grad = np.zeros(x.shape)
        for index in np.ndindex(x.shape):
            f = {}
            for k in (-DELTA, DELTA, -2 * STEP, -STEP, STEP, 2 * STEP):
                f[k], moved_trace = ref.run(_moved(args, position, index, k))
                assume(moved_trace == trace)  # same branches: smooth around x
            d1 = (f[STEP] - f[-STEP]) / (2 * STEP)
            d2 = (f[2 * STEP] - f[-2 * STEP]) / (4 * STEP)
            assume(abs(d1 - d2) <= 1e-4 * (1.0 + abs(d1)))
            grad[index] = (4 * d1 - d2) / 3
        grads.append(grad)
    return value, grads


def _describe(program, args, wrt):
    note(program.body)
    note(f"args = {args!r}, wrt = {wrt!r}")


def check_program(program: CFProgram, args, wrt, optimize: bool):
    _describe(program, args, wrt)
    f = program.build()
    positions = wrt if isinstance(wrt, tuple) else (wrt,)
    with np.errstate(under="ignore"):
        value, grads = srcad.value_and_grad(f, wrt=wrt, optimize=optimize)(
            *program.copy_args(args))
        expected_value = f(*program.copy_args(args))
    note(srcad.show(srcad.grad(f, wrt=wrt, optimize=optimize), file=False))
    assert np.allclose(value, expected_value, rtol=1e-12, atol=1e-14), \
        f"value {value} != {expected_value}"
    grads = grads if isinstance(wrt, tuple) else (grads,)
    assert len(grads) == len(positions)
    _, expected = reference_gradient(program, args, positions)
    for position, grad, fd in zip(positions, grads, expected):
        name = program.params[position]
        if isinstance(args[position], np.ndarray):
            assert isinstance(grad, np.ndarray) and grad.shape == args[position].shape
        else:
            assert isinstance(grad, float), type(grad)
        got = np.asarray(grad, dtype=np.float64)
        assert np.all(np.isfinite(got)), f"d/d{name}: not finite: {got}"
        assert np.allclose(got, fd, rtol=RTOL, atol=ATOL), \
            f"d/d{name}: srcad {got} != finite differences {fd}"


@pytest.mark.parametrize("optimize", [True, False], ids=["opt", "noopt"])
@given(cases())
def test_gradient_matches_finite_differences(optimize, case):
    check_program(*case, optimize)


def check_forward(program: CFProgram, args, wrt):
    """The jvp in a random direction against the directional derivative given by the
    finite-difference gradient: <fd gradient, tangent>."""
    _describe(program, args, wrt)
    f = program.build()
    positions = wrt if isinstance(wrt, tuple) else (wrt,)
    rng = np.random.default_rng(len(program.body))
    tangents = tuple(rng.standard_normal(np.shape(args[p])) for p in positions)
    tangents = tuple(float(t) if np.ndim(args[p]) == 0 else t
                     for t, p in zip(tangents, positions))
    with np.errstate(under="ignore"):
        value, jv = srcad.jvp(f, wrt=wrt)(*program.copy_args(args),
                                          tangents if isinstance(wrt, tuple) else tangents[0])
        expected_value = f(*program.copy_args(args))
    note(srcad.show(f, wrt=wrt, mode="fwd", file=False))
    assert np.allclose(value, expected_value, rtol=1e-12, atol=1e-14)
    _, expected = reference_gradient(program, args, positions)
    fd = sum(float(np.sum(g * t)) for g, t in zip(expected, tangents))
    assert np.isfinite(jv), f"tangent not finite: {jv}"
    scale = sum(float(np.sum(np.abs(g * t))) for g, t in zip(expected, tangents))
    assert abs(jv - fd) <= ATOL + RTOL * max(abs(fd), scale), \
        f"srcad jvp {jv} != finite differences {fd}"


@given(cases())
def test_forward_mode_matches_finite_differences(case):
    check_forward(*case)


def _show(f, n, optimize):
    return srcad.show(f, wrt=tuple(range(n)), optimize=optimize, file=False)


@given(cf_programs(), st.booleans())
def test_generated_source_is_deterministic(program, optimize):
    note(program.body)
    f = program.build()
    first = _show(f, program.n, optimize)
    srcad.cache.clear()
    assert _show(f, program.n, optimize) == first


_SHOW_IN_SUBPROCESS = """\
import json, linecache, math, sys
import numpy as np
import srcad
job = json.load(sys.stdin)
linecache.cache["<p>"] = (len(job["source"]), None, job["source"].splitlines(True), "<p>")
ns = {"np": np, "math": math}
exec(compile(job["source"], "<p>", "exec"), ns)
print(json.dumps([srcad.show(ns["f"], wrt=tuple(range(job["n"])), optimize=o, file=False)
                  for o in (True, False)]))
"""


@settings(max_examples=4)  # a fresh interpreter per example
@given(cf_programs(), st.integers(0, 2 ** 31))
def test_generated_source_does_not_depend_on_hash_seed(program, hash_seed):
    """Set and dict orders of strings change with PYTHONHASHSEED; the text must not."""
    note(program.body)
    env = {**os.environ, "PYTHONHASHSEED": str(hash_seed)}
    job = json.dumps({"source": program.source, "n": program.n})
    out = subprocess.run([sys.executable, "-c", _SHOW_IN_SUBPROCESS], input=job, env=env,
                         capture_output=True, text=True, check=True).stdout
    f = program.build()
    # run-time checks quote the file: the subprocess calls it "<p>"
    shown = [text.replace("<p>", f.__code__.co_filename) for text in json.loads(out)]
    assert shown == [_show(f, program.n, o) for o in (True, False)]


# ------------------------------------------------------------------ known bugs (regressions)
#
# Each is the smallest program found for a bug; the strategy avoids the pattern unless the
# matching ``Options.allow_*`` flag is set.  They are strict xfails: when srcad is fixed,
# the test passes, fails the run, and the workaround in programs_cf.py can be removed.

def _central(f, x, h=1e-6):
    return (f(x + h) - f(x - h)) / (2 * h)


DEAD_AFTER_IF = """\
def f(x):
    r = 1.0
    if x < 5.0:
        x = x * 2.0
        r = x
    return r
"""

DEAD_AFTER_LOOP = """\
def f(x):
    r = 1.0
    for i in range(2):
        x = x * 2.0
        r = x
    return r
"""

REBOUND_AFTER_RETURN = """\
def f(x):
    if x > 5.0:
        return 1.0
    x = x * 2.0
    return x
"""


def test_rebound_in_branch_and_dead_after_it():
    f = make_function(DEAD_AFTER_IF)
    assert srcad.grad(f)(1.0) == pytest.approx(2.0)


def test_rebound_in_loop_and_dead_after_it():
    f = make_function(DEAD_AFTER_LOOP)
    assert srcad.grad(f)(1.0) == pytest.approx(4.0)


def test_rebinding_after_early_return():
    f = make_function(REBOUND_AFTER_RETURN)
    assert srcad.grad(f, optimize=False)(1.0) == pytest.approx(2.0)
    assert srcad.grad(f)(1.0) == pytest.approx(2.0)


UNBOUND_ADJOINT = """\
def f(x):
    s = x
    r = 1.0
    if x > 5.0:
        s = s * 3.0
        r = s
    return r
"""

DEAD_COPY_IN_BRANCH = """\
def f(x):
    if x > 0.0:
        acc = x
    else:
        acc = x * 2.0
        x = acc
    return x
"""


def test_branch_not_taken_reads_undefined_adjoint():
    f = make_function(UNBOUND_ADJOINT)
    assert srcad.grad(f)(1.0) == pytest.approx(0.0)


def test_dead_copy_in_branch():
    f = make_function(DEAD_COPY_IN_BRANCH)
    assert srcad.grad(f)(1.0) == pytest.approx(1.0)


CALL_INTO_CALL = """\
def g(a):
    return a * 2.0


def h(a, b):
    return a * b


def f(y):
    return h(g(y), y)
"""

LIST_ITEM_INTO_CALL = """\
def h(a, b):
    return a * b


def f(y):
    ys = [y, 2.0 * y]
    return h(ys[1], y)
"""


def test_call_result_passed_to_call():
    f = make_function(CALL_INTO_CALL)
    assert srcad.grad(f)(1.5) == pytest.approx(6.0)  # f = 2 y^2


def test_list_item_passed_to_call():
    f = make_function(LIST_ITEM_INTO_CALL)
    assert srcad.grad(f)(1.5) == pytest.approx(6.0)  # f = 2 y^2


def test_workarounds_used_by_the_strategy():
    """What programs_cf.py writes instead: the same functions, differentiated correctly."""
    cases = [
        # the rebound value is read after the compound statement
        (DEAD_AFTER_IF.replace("return r", "return r + 0.5 * x"), 1.0),
        (DEAD_AFTER_LOOP.replace("return r", "return r + 0.5 * x"), 1.0),
        # a fresh name instead of rebinding after the early return
        (REBOUND_AFTER_RETURN.replace("x = x * 2.0\n    return x",
                                      "t1 = x * 2.0\n    return t1"), 1.0),
        # values srcad cannot tell are numbers pass through arithmetic first
        (CALL_INTO_CALL.replace("h(g(y), y)", "h(1.0 * g(y), y)"), 1.5),
        (LIST_ITEM_INTO_CALL.replace("h(ys[1], y)", "h(1.0 * ys[1], y)"), 1.5),
    ]
    for source, x in cases:
        f = make_function(source)
        for optimize in (True, False):
            assert srcad.grad(f, optimize=optimize)(x) == pytest.approx(_central(f, x),
                                                                       rel=1e-6)


@settings(derandomize=True, database=None, max_examples=25, deadline=None)
@given(cases())
def test_second_order_matches_finite_differences_of_the_gradient(case):
    """Reverse-over-reverse and forward-over-reverse on random programs with branches,
    loops, helpers, lists and item assignment; the gradient is first checked against
    finite differences of the function.  Derandomized: finite differences of a gradient
    are unreliable next to a branch switch, and a fixed set of examples avoids such
    points once and for all."""
    check_second_order(*case)


def check_second_order(program, args, wrt):
    """``check_grads(order=2)``: both second-order modes against finite differences of
    the gradient, which is itself first checked against finite differences."""
    _describe(program, args, wrt)
    positions = wrt if isinstance(wrt, tuple) else (wrt,)
    with np.errstate(all="ignore"):
        srcad.check_grads(program.build(), program.copy_args(args), wrt=positions, order=2,
                          rtol=1e-4, atol=1e-5)
