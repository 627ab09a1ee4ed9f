"""The runtime helpers' fast paths (float64 arrays, int and slice indexes, small arrays)
give what their general paths give: checked against values written out by hand."""

import numpy as np
import pytest

from srcad.runtime import add_at, unbroadcast, unindex, unreduce, zeros_like


@pytest.mark.parametrize("n", [3, 5000])  # a filled array, and a broadcast view
def test_unreduce_of_a_full_sum(n):
    out = unreduce(2.5, np.zeros(n))
    assert out.shape == (n,) and out.dtype == np.float64 and np.all(out == 2.5)


def test_unreduce_of_a_complex_seed_keeps_it_complex():
    out = unreduce(1.0 + 2.0j, np.zeros(3))
    assert out.dtype == np.complex128 and np.all(out == 1.0 + 2.0j)


def test_zeros_like():
    assert zeros_like(np.ones((2, 3))).tolist() == [[0.0] * 3] * 2
    assert zeros_like(np.ones(2, np.float32)).dtype == np.float32
    assert zeros_like(np.arange(3)).dtype == np.float64  # integers get float zeros
    assert zeros_like(2.0) == 0.0


@pytest.mark.parametrize("g, idx, expected", [
    (np.array([1.0, 2.0]), slice(1, 3), [0.0, 1.0, 2.0, 0.0]),
    (np.array([1.0, 2.0]), slice(None, None, 2), [1.0, 0.0, 2.0, 0.0]),
    (3.0, 2, [0.0, 0.0, 3.0, 0.0]),
    (np.float64(3.0), -1, [0.0, 0.0, 0.0, 3.0]),
    (np.array([1.0, 2.0]), np.array([0, 0]), [3.0, 0.0, 0.0, 0.0]),
])
def test_unindex(g, idx, expected):
    assert unindex(g, np.zeros(4), idx).tolist() == expected


def test_unindex_complex_adjoint_into_a_real_array():
    out = unindex(np.array([1j]), np.zeros(2), slice(0, 1))
    assert out.dtype == np.complex128 and out.tolist() == [1j, 0.0]


@pytest.mark.parametrize("g, idx, expected", [
    (np.array([1.0, 2.0]), slice(1, 3), [1.0, 2.0, 3.0, 1.0]),
    (np.array([[1.0, 2.0]]), slice(1, 3), [1.0, 2.0, 3.0, 1.0]),  # a leading axis of 1
    (2.0, slice(0, 2), [3.0, 3.0, 1.0, 1.0]),
    (2.0, 3, [1.0, 1.0, 1.0, 3.0]),
    (2, 0, [3.0, 1.0, 1.0, 1.0]),
])
def test_add_at_adds_in_place(g, idx, expected):
    b = np.ones(4)
    out = add_at(b, g, b, idx)
    assert out is b and out.tolist() == expected


def test_add_at_leaves_read_only_and_other_dtypes_alone():
    b = np.ones(3)
    b.flags.writeable = False
    assert add_at(b, np.ones(2), b, slice(0, 2)).tolist() == [2.0, 2.0, 1.0]
    assert b.tolist() == [1.0, 1.0, 1.0]
    c = np.ones(2)
    out = add_at(c, np.array([1j]), c, slice(0, 1))
    assert out is not c and out.tolist() == [1 + 1j, 1.0] and c.tolist() == [1.0, 1.0]


@pytest.mark.parametrize("axis", [0, 1, 2, -1, -3, (0, 2)])
@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("size", [2, 40])  # filled arrays, and views beyond 4096 elements
def test_unreduce_along_axes(axis, keepdims, size):
    x = np.zeros((3, size, 5))
    y = np.arange(x.size, dtype=float).reshape(x.shape).sum(axis=axis, keepdims=keepdims)
    out = unreduce(y, x, axis, keepdims)
    axes = tuple(a % 3 for a in (axis if isinstance(axis, tuple) else (axis,)))
    expected = np.empty(x.shape)
    for index in np.ndindex(*x.shape):  # out[i, j, k] is y at the index with the axes dropped
        kept = tuple(0 if a in axes else i for a, i in enumerate(index)) if keepdims \
            else tuple(i for a, i in enumerate(index) if a not in axes)
        expected[index] = y[kept]
    assert out.shape == x.shape and np.array_equal(out, expected)


def test_unreduce_refuses_a_seed_of_the_wrong_shape():
    with pytest.raises(ValueError):
        unreduce(np.ones(3), np.zeros((2, 4)), 0)


@pytest.mark.parametrize("g_shape, x_shape", [
    ((5, 7, 2), (5, 1, 2)), ((5, 7, 2), (1, 7, 2)), ((5, 7, 2), (7, 2)), ((5, 7, 2), (2,)),
    ((5, 7, 2), (1, 1, 1)), ((5, 7, 2), (1,)), ((3, 1, 4), (3, 1, 4)), ((7, 3), (7, 1)),
    ((2, 3, 4, 5), (3, 1, 5)), ((4, 3), (3,)),
])
def test_unbroadcast_sums_over_the_broadcast_axes(g_shape, x_shape):
    g = np.arange(np.prod(g_shape), dtype=float).reshape(g_shape)
    out = unbroadcast(g, np.zeros(x_shape))
    expected = np.zeros(x_shape)
    for index in np.ndindex(*g_shape):  # every entry of g lands where it broadcast from
        lead = len(g_shape) - len(x_shape)
        target = tuple(0 if n == 1 else i for i, n in zip(index[lead:], x_shape))
        expected[target] += g[index]
    assert out.shape == x_shape and np.array_equal(out, expected)
