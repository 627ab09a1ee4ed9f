"""srcad's gradients of random programs against finite differences (never against srcad).

The reference is a fourth-order central difference computed here, on fresh copies of the
arguments (a program may update its array arguments in place), plus ``srcad.check_grads``
for scalar programs.  Regression tests for bugs the properties found are at the end.
"""

import numpy as np
import pytest
from hypothesis import assume, given, note, settings
from hypothesis import strategies as st

import srcad

from .strategies import make_function, programs_with_args

STEP = 1e-4
RTOL = 1e-5
ATOL = 1e-6


def finite_differences(f, args, position, copy=None):
    """d f / d args[position] by the five-point stencil, coordinate by coordinate."""
    copy = copy or (lambda a: tuple(np.array(v) if isinstance(v, np.ndarray) else v for v in a))
    x = np.asarray(args[position], dtype=np.float64)
    grad = np.zeros(x.shape)
    for index in np.ndindex(x.shape):
        values = []
        for k in (-2, -1, 1, 2):
            xk = np.array(x)
            xk[index] += k * STEP
            moved = list(copy(args))
            moved[position] = xk if x.shape else float(xk)
            with np.errstate(under="ignore"):
                values.append(float(f(*moved)))
        grad[index] = (values[0] - 8 * values[1] + 8 * values[2] - values[3]) / (12 * STEP)
    return grad


def assert_close(got, expected, what):
    got = np.asarray(got, dtype=np.float64)
    assert got.shape == expected.shape, f"{what}: shape {got.shape} != {expected.shape}"
    assert np.all(np.isfinite(got)), f"{what}: not finite: {got}"
    assert np.allclose(got, expected, rtol=RTOL, atol=ATOL), \
        f"{what}: srcad {got} != finite differences {expected}"


def _check(program, args, wrt, optimize=True):
    f = program.build()
    note(program.source)
    try:
        note(srcad.show(f, wrt=wrt, file=False, optimize=optimize))
    except srcad.UnsupportedError as exc:  # show assumes arrays; the call below has the args
        note(str(exc))
    with np.errstate(under="ignore"):
        value, grads = srcad.value_and_grad(f, wrt=wrt, optimize=optimize)(
            *program.copy_args(args))
        expected_value = f(*program.copy_args(args))
    assert np.allclose(value, expected_value, rtol=1e-12, atol=1e-14)
    positions = wrt if isinstance(wrt, tuple) else (wrt,)
    grads = grads if isinstance(wrt, tuple) else (grads,)
    assert len(grads) == len(positions)
    for position, grad in zip(positions, grads):
        arg = args[position]
        if isinstance(arg, np.ndarray):
            assert isinstance(grad, np.ndarray) and grad.shape == arg.shape
        else:
            assert isinstance(grad, float), type(grad)
        fd = finite_differences(f, args, position, program.copy_args)
        assert_close(grad, fd, f"gradient with respect to {program.params[position]}")


@given(programs_with_args(), st.booleans())
def test_gradient_wrt_all_parameters_matches_finite_differences(program_args, optimize):
    program, args = program_args
    _check(program, args, tuple(range(program.n)), optimize)


@given(st.data())
def test_gradient_wrt_some_parameters_matches_finite_differences(data):
    program, args = data.draw(programs_with_args())
    positions = data.draw(st.lists(st.integers(0, program.n - 1), min_size=1, unique=True))
    wrt = positions[0] if data.draw(st.booleans()) else tuple(positions)
    _check(program, args, wrt)


@given(programs_with_args(array=False))
def test_check_grads_on_scalar_programs(program_args):
    program, args = program_args
    note(program.source)
    srcad.check_grads(program.build(), args, wrt=tuple(range(program.n)))


# ------------------------------------------------------------------ known bugs (regressions)

ALIASED_AUG_ASSIGN = """\
def f(x):
    a = x * 1.0
    b = a
    a += 1.0
    return np.sum(a * b)
"""


def test_aug_assign_on_aliased_array_is_refused():
    """`a += v` updates a shared array in place; srcad computes `a = a + v`, so rather
    than differentiate a different function it refuses, naming both names."""
    f = make_function(ALIASED_AUG_ASSIGN)
    with pytest.raises(srcad.UnsupportedError, match="`b` may share it"):
        srcad.value_and_grad(f)(np.array([1.0, 2.0]))


UNPACK_CALL = """\
def f(x):
    a, b, c = np.sin(x)
    return a * b + c
"""


def test_unpack_array_returned_by_call():
    f = make_function(UNPACK_CALL)
    x = np.array([0.3, -0.2, 0.5])
    grad = srcad.grad(f)(x)
    np.testing.assert_allclose(grad, finite_differences(f, (x,), 0), rtol=RTOL)


def test_unpack_array_returned_by_an_operator():
    """The same unpacking works when the value is not a call (the strategy's workaround)."""
    f = make_function(UNPACK_CALL.replace("np.sin(x)", "np.sin(x) * 1.0"))
    x = np.array([0.3, -0.2, 0.5])
    np.testing.assert_allclose(srcad.grad(f)(x), finite_differences(f, (x,), 0), rtol=RTOL)


UNPACK_OWN_NAME = """\
def f(x):
    x, a, b = x
    return x + a + b
"""


def test_unpack_into_own_name():
    f = make_function(UNPACK_OWN_NAME)
    x = np.array([0.3, -0.2, 0.5])
    np.testing.assert_allclose(srcad.grad(f)(x), [1.0, 1.0, 1.0])


LOCAL_ZEROS_LIKE = """\
def f(x):
    zeros_like = 0.25
    return zeros_like
"""


def test_local_named_zeros_like():
    f = make_function(LOCAL_ZEROS_LIKE)
    assert srcad.grad(f)(0.5) == 0.0


def test_local_named_unbroadcast():
    """The renaming that the helper `zeros_like` lacks works for `unbroadcast`."""
    f = make_function("def f(x, w):\n    unbroadcast = x * 2.0\n    return unbroadcast * w\n")
    assert srcad.grad(f, wrt=(0, 1))(0.5, 3.0) == (pytest.approx(6.0), pytest.approx(1.0))


@settings(max_examples=15)
@given(programs_with_args(array=False))
def test_second_order_on_scalar_programs(program_args):
    """Second derivatives (reverse-over-reverse and forward-over-reverse) against finite
    differences of the gradient; the gradient itself is checked against finite
    differences of the function first."""
    program, args = program_args
    note(program.source)
    f = program.build()
    with np.errstate(under="ignore", over="ignore"):
        value = f(*program.copy_args(args))
    assume(np.all(np.isfinite(value)) and np.max(np.abs(value)) < 1e4)
    srcad.check_grads(f, args, wrt=tuple(range(program.n)), order=2, rtol=1e-4, atol=1e-5)
