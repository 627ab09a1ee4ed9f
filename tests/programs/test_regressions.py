"""Programs that once gave a silently wrong gradient or a confusing error."""

import math

import numpy as np
import pytest

import srcad


def nested_literal(b):
    t = [b * 1.0, [b * 3.0]]
    return t[1][0]


def loop_over_rebound_name(x):
    xs = [x, 2.0 * x]
    s = 0.0
    for v in xs:
        s = s + v
        xs = [5.0, 6.0]
    return s


def or_value(x):
    y = x - 0.5 or x * 2.0
    return y


def done_flag(x):
    go = True
    s = 0.0
    for i in range(3):
        if go:
            s = s + x * (i + 1.0)
            go = False
    return s


def while_flag(x):
    go = True
    while go:
        x = x * 2.0
        go = x < 3.0
    return x


def list_into_list(x):
    m = [[1.0, 1.0], [1.0, 1.0]]
    m[0] = [0.0, x]
    return m[0][1] * m[1][0]


def dict_key_added(x):
    p = {"w": x}
    p["w"] = p["w"] * 3.0
    p["b"] = x
    return p["w"] * p["b"]


def comprehension_then_update(x):
    ys = [v * v for v in x]
    ys[0] = 1.0
    return sum(ys)


def update_then_rebind_in_loop(x):
    y = x * 1.0
    for i in range(2):
        y[i] = y[i] * 3.0
        y = y * 2.0
    return np.sum(y)


def _pure(x):
    return x * 2.0


def discarded_pure_call(x):
    _pure(x)
    return x * 3.0


def _unpacks(p):
    x, e = p
    return x * e


def tuple_literal_to_helper(x):
    return _unpacks((x, 2.0 * x))  # gave 3.0 instead of 4.0 * x: tuple adjoints joined


def sum_of_broadcasting_items(x):
    return np.sum(sum([x * 0.5, np.ones((2, 3)) * x[0, 0]]) ** 2)


CASES = [(sum_of_broadcasting_items, np.array([[0.3, 0.5, 0.7]])), (tuple_literal_to_helper, 1.5),
         (nested_literal, 1.0), (loop_over_rebound_name, 0.5), (or_value, 0.7),
         (done_flag, 0.5), (while_flag, 0.7), (list_into_list, 0.5), (dict_key_added, 0.5),
         (comprehension_then_update, np.array([1.0, 2.0])),
         (update_then_rebind_in_loop, np.array([1.0, 2.0])), (discarded_pure_call, 0.5)]


@pytest.mark.parametrize("fn,x", CASES, ids=[c[0].__name__ for c in CASES])
def test_gradient_matches_finite_differences(fn, x):
    srcad.check_grads(fn, (x,))


def _fill(buf, x):
    buf[0] = x * 2.0
    return 0.0


def helper_updates_argument(x):
    b = np.zeros(2)
    _fill(b, x)
    return np.sum(b)


def loop_over_dict(d):
    s = 0.0
    for k in d:
        s = s + d[k]
    return s


def shared_array_updated(x):
    a = x * 1.0
    b = a
    a += 1.0
    return np.sum(a * b)


def view_updated_base_read(x):
    y = x[0:2]
    y[0] = 5.0
    return np.sum(y) + np.sum(x)


def _bump(a):
    a += 1.0  # changes the caller's array in place
    return np.sum(a * a)


def calls_helper_bumping_argument(x):
    return _bump(x) + np.sum(x)


def copied_into(x):
    y = np.zeros(3)
    np.copyto(y, x)  # gave 1.0 instead of 2.0 * x: the update of y was not seen
    return np.sum(y * x)


@pytest.mark.parametrize("fn,x,words", [
    (copied_into, np.ones(3), "cannot see what it changes in place"),
    (helper_updates_argument, 0.5, "changes its argument `buf` in place"),
    (loop_over_dict, {"a": 1.0}, "over a dict directly"),
    (shared_array_updated, np.ones(2), "`b` may share it"),
    (view_updated_base_read, np.ones(3), "may be a view"),
    (calls_helper_bumping_argument, np.ones(2), "would change the argument `a` of the helper"),
])
def test_refused_clearly(fn, x, words):
    with pytest.raises(srcad.UnsupportedError, match=words):
        srcad.grad(fn)(x)


def test_helper_bumping_a_number_is_right():
    """``a += 1.0`` rebinds a number: only an array argument is refused."""
    assert srcad.grad(calls_helper_bumping_argument)(0.5) == pytest.approx(2 * 1.5 + 1.0)


# -- appending to a list: found by the examples (both gave wrong gradients silently) ------


def append_list_display(x):
    out = []
    out.append([x * 1.0, x * 2.0])  # gave 0.0: the display's items got no adjoint
    return np.sum(np.array(out))


def append_tuple_and_dict_displays(x):
    out = []
    for i in range(3):
        out.append((x * i, x))
        out.append({"a": x, "b": x * x})
    s = 0.0
    for item in out:
        if isinstance(item, dict):
            s = s + item["a"] * item["b"]
        else:
            s = s + item[0] * item[1]
    return s  # 3 x^3 + (0 + 1 + 2) x^2


def append_outer_name_in_loop(x):
    out = []
    for i in range(2):
        out.append(x)  # gave 1.0: the adjoint of x was overwritten, not added to
    return np.sum(np.array(out))


def append_outer_names_squared(x, y):
    out = []
    z = y * 2.0
    for i in range(3):
        out.append(x)
        out.append(z)
    return np.sum(np.array(out) ** 2)  # 3 x^2 + 12 y^2


@pytest.mark.parametrize("fn,args,expected", [
    (append_list_display, (2.0,), (3.0,)),
    (append_tuple_and_dict_displays, (1.5,), (9 * 1.5 ** 2 + 6 * 1.5,)),
    (append_outer_name_in_loop, (2.0,), (2.0,)),
    (append_outer_names_squared, (1.5, 0.7), (6 * 1.5, 24 * 0.7)),
])
def test_append_gradients_closed_form(fn, args, expected):
    wrt = tuple(range(len(args)))
    got = srcad.grad(fn, wrt=wrt)(*args)
    assert got == pytest.approx(expected, rel=1e-12)
    _, tangent = srcad.jvp(fn, wrt=wrt)(*args, tuple(1.0 for _ in args))
    assert tangent == pytest.approx(sum(expected), rel=1e-12)


# -- a loop variable's adjoint leaking out of its loop (found by the control-flow generator:
# gave 0.325 for 0.25 silently).  `u` is assigned once per iteration of the inner loop and
# read only there, so its adjoint started afresh in every iteration, but `u = x` outside the
# loop reads that adjoint too, and got the inner loop's last one.


def inner_loop_variable_reassigned(x):
    for q in range(2):
        for u in [0.5]:
            x = x * u
        u = x
    return x  # x / 4


def inner_loop_variable_reassigned_by_a_loop(x):
    for q in [0.5, 0.5]:
        for u in [0.5, 0.5]:
            x /= 1.0 + math.sin(u) * math.sin(u)
        for u in [0.5, x]:
            pass
    return x  # x / (1 + sin(0.5)^2)^4


@pytest.mark.parametrize("fn,expected", [
    (inner_loop_variable_reassigned, 0.25),
    (inner_loop_variable_reassigned_by_a_loop, 1.0 / (1.0 + math.sin(0.5) ** 2) ** 4),
])
def test_loop_variable_assigned_outside_its_loop(fn, expected):
    assert srcad.grad(fn)(0.3) == pytest.approx(expected, rel=1e-12)
    assert srcad.jvp(fn)(0.3, 1.0)[1] == pytest.approx(expected, rel=1e-12)


def dead_reassignment(p, r):
    for i in range(2):
        u = 2.0 * r
    w = np.sum(u * p)
    u = p + u  # read by nothing: its adjoint is zero, and was read before it was set
    return w


def test_a_dead_reassignment_of_a_loop_name():
    """Found by random programs: the adjoint of the copy ``u = p_plus_u`` read ``bu``,
    which nothing had set (UnboundLocalError)."""
    p, r = np.array([0.5, -1.0]), np.array([2.0, 3.0])
    gp, gr = srcad.grad(dead_reassignment, wrt=(0, 1))(p, r)
    np.testing.assert_allclose(gp, 2.0 * r, rtol=1e-12)  # d/dp sum(2 r p)
    np.testing.assert_allclose(gr, 2.0 * p, rtol=1e-12)
