"""Rules of shape functions and indexing: reshape, transpose, concatenate, stack, x[i] …

Functions that take a sequence of arrays (``np.concatenate([a, b])``) have one parameter
bound to the list literal; their vjp gives a list whose i-th item is the adjoint of the
i-th array.  Helpers are in srcad/runtime/shapes.py and srcad/runtime/indexing.py.

Not here: ``np.split``/``np.array_split`` (a list result), ``np.array``/``np.asarray``
(nested list literals such as ``np.array([[a, b], [c, d]])`` cannot be differentiated yet).
"""

import numpy as np

from . import Arr, Case, defrule

DEFINED = []  # the rules of this module, for tests/rules/test_indexing_extra.py


def _defrule(*args, **kwargs):
    rule = defrule(*args, **kwargs)
    if rule is not None:
        DEFINED.append(rule)
    return rule


# ---------------------------------------------------------------------------------------
# Indexing reads
# ---------------------------------------------------------------------------------------

_I = np.array
_defrule(("subscript",), "a, idx",
         vjp="ba += unindex(by, a, idx)",
         jvp="dy += da[idx]",
         cases=(
            # integers, negative integers
            Case(Arr(4), 1), Case(Arr(4), -1), Case(Arr(3, 4), 2), Case(Arr(3, 4), (1, -2)),
            Case(Arr(2, 3, 4), (-1, 0)), Case(Arr(2, 3, 4), (1, 2, 3)),
            # slices, with steps, negative steps
            Case(Arr(3, 4), (slice(None), slice(1, None, 2))),
            Case(Arr(6), slice(1, 5)), Case(Arr(6), slice(None, None, -1)),
            Case(Arr(6), slice(4, 0, -2)), Case(Arr(6), slice(-2, None)),
            Case(Arr(3, 4), (slice(None, None, -1), slice(None, None, -2))),
            Case(Arr(6), slice(2, 2)),  # empty
            # Ellipsis and None
            Case(Arr(2, 3, 4), (Ellipsis, 1)), Case(Arr(2, 3, 4), (1, Ellipsis)),
            Case(Arr(2, 3, 4), (Ellipsis, slice(None, None, 2))),
            Case(Arr(3), None), Case(Arr(3), (slice(None), None)),
            Case(Arr(2, 3), (None, Ellipsis, None)),
            Case(Arr(3), Ellipsis),
            # mixed basic tuples
            Case(Arr(3, 4), (slice(1, None), None, slice(None, None, 2))),
            Case(Arr(2, 3, 4), (slice(1, None), None, slice(None, None, 2))),
            Case(Arr(2, 3, 4), (0, slice(None), -1)),
            # integer arrays, with repeated indices
            Case(Arr(5), _I([0, 0, 3])), Case(Arr(5), _I([4, -1, 4, 0])),
            Case(Arr(5), _I([[1, 1], [2, 1]])), Case(Arr(3, 4), _I([2, 2, 0])),
            Case(Arr(3, 4), (_I([0, 2, 0]), _I([1, 1, 1]))),
            Case(Arr(3, 4), (_I([[0], [2]]), _I([1, 3, 1]))),  # broadcast index arrays
            Case(Arr(3), [0, 0, 2]),
            # boolean masks
            Case(Arr(4), _I([True, False, True, True])),
            Case(Arr(2, 3), _I([[True, False, True], [False, False, True]])),
            Case(Arr(2, 3), _I([False, True])), Case(Arr(3), _I([False, False, False])),
            # advanced indices mixed with slices, None, Ellipsis, integers
            Case(Arr(3, 4), (slice(1, None), _I([0, 0, 3]))),
            Case(Arr(3, 4), (_I([2, 2]), slice(None, None, -1))),
            Case(Arr(2, 3, 4), (Ellipsis, _I([1, 1, 0]))),
            Case(Arr(2, 3, 4), (_I([1, 0, 1]), slice(None), _I([3, 3, 0]))),  # split advanced
            Case(Arr(2, 3, 4), (slice(None), _I([0, 2, 2]), None, slice(None, None, 2))),
            Case(Arr(2, 3, 4), (1, _I([0, 0]), slice(1, 3))),
            Case(Arr(3, 4), (_I([True, False, True]), slice(None, None, 2))),
            Case(Arr(3, 4), (_I([True, False, True]), _I([1, 1]))),
            Case(Arr(2, 3, 4), (_I([True, True]), 1, _I([3, 3]))),
            Case(Arr(3, 4), (None, _I([1, 1]), None, 0)),
         ))

# ---------------------------------------------------------------------------------------
# Reshaping and transposing
# ---------------------------------------------------------------------------------------

_defrule("numpy.reshape", "a, /, shape=None, order='C', *, newshape=None, copy=None",
         vjp="ba += np.reshape(by, np.shape(a), order=reshape_order(order, a))",
         jvp="dy += np.reshape(da, np.shape(y), order=reshape_order(order, a))",
         cases=(Case(Arr(2, 3), (3, 2)), Case(Arr(6), (2, -1)), Case(Arr(2, 3), -1),
                Case(Arr(2, 3), (3, 2), order="F"), Case(Arr(2, 3, 2), (4, 3), order="A"),
                Case(Arr(), (1, 1))))
_defrule(("method", "reshape"), "a, *shape, order='C', copy=None",
         vjp="ba += np.reshape(by, np.shape(a), order=reshape_order(order, a))",
         jvp="dy += np.reshape(da, np.shape(y), order=reshape_order(order, a))",
         cases=(Case(Arr(2, 3), (3, 2)), Case(Arr(2, 3), 3, 2), Case(Arr(6), -1),
                Case(Arr(2, 3), 6, order="F"), Case(Arr(2, 3), [1, 6])))

_defrule("numpy.ravel", "a, order='C'",
         vjp="ba += np.reshape(by, np.shape(a), order=reshape_order(order, a))",
         jvp="dy += np.ravel(da, order=reshape_order(order, a))",
         cases=(Case(Arr(2, 3)), Case(Arr(2, 3), order="F"), Case(Arr(2, 3), "K"), Case(Arr())))
for _method in ("ravel", "flatten"):
    _defrule(("method", _method), "a, order='C'",
             vjp="ba += np.reshape(by, np.shape(a), order=reshape_order(order, a))",
             jvp="dy += np.ravel(da, order=reshape_order(order, a))",
             cases=(Case(Arr(2, 3)), Case(Arr(2, 3), "F"), Case(Arr(2, 3, 2), order="A")))

_defrule("numpy.transpose numpy.permute_dims", "a, axes=None",
         vjp="ba += untranspose(by, axes)",
         jvp="dy += np.transpose(da, transpose_axes(axes))",
         cases=(Case(Arr(2, 3)), Case(Arr(3)), Case(Arr(2, 3, 4), (2, 0, 1)),
                Case(Arr(2, 3, 4), axes=(1, -1, 0)), Case(Arr(2, 3, 4), [0, 2, 1])))
_defrule(("method", "transpose"), "a, *axes",
         vjp="ba += untranspose(by, axes)",
         jvp="dy += np.transpose(da, transpose_axes(axes))",
         cases=(Case(Arr(2, 3)), Case(Arr(2, 3, 4), (2, 0, 1)), Case(Arr(2, 3, 4), 1, 2, 0),
                Case(Arr(2, 3, 4), None)))

_defrule(("attr", "T"), "a", vjp="ba += np.transpose(by)", jvp="dy += np.transpose(da)",
         cases=(Case(Arr(2, 3)), Case(Arr(3)), Case(Arr(2, 3, 4))))
_defrule(("attr", "mT"), "a", vjp="ba += np.swapaxes(by, -1, -2)",
         jvp="dy += np.swapaxes(da, -1, -2)",
         cases=(Case(Arr(2, 3)), Case(Arr(2, 3, 4))))
_defrule("numpy.matrix_transpose", "x, /", vjp="bx += np.swapaxes(by, -1, -2)",
         jvp="dy += np.swapaxes(dx, -1, -2)",
         cases=(Case(Arr(2, 3)), Case(Arr(2, 3, 4))))

_defrule("numpy.swapaxes", "a, axis1, axis2",
         vjp="ba += np.swapaxes(by, axis1, axis2)",
         jvp="dy += np.swapaxes(da, axis1, axis2)",
         cases=(Case(Arr(2, 3, 4), 0, 2), Case(Arr(2, 3), -1, 0), Case(Arr(2, 3), 1, 1)))
_defrule(("method", "swapaxes"), "a, axis1, axis2",
         vjp="ba += np.swapaxes(by, axis1, axis2)",
         jvp="dy += np.swapaxes(da, axis1, axis2)",
         cases=(Case(Arr(2, 3, 4), 0, 2), Case(Arr(2, 3), -1, 0)))

_defrule("numpy.moveaxis", "a, source, destination",
         vjp="ba += np.moveaxis(by, destination, source)",
         jvp="dy += np.moveaxis(da, source, destination)",
         cases=(Case(Arr(2, 3, 4), 0, -1), Case(Arr(2, 3, 4), (0, 1), (2, 0)),
                Case(Arr(2, 3, 4, 2), [3, 0], [1, 2])))

_defrule("numpy.expand_dims", "a, axis",
         vjp="ba += np.reshape(by, np.shape(a))",
         jvp="dy += np.expand_dims(da, axis)",
         cases=(Case(Arr(3), 0), Case(Arr(2, 3), -1), Case(Arr(2, 3), (0, 3)), Case(Arr(), 0)))

_defrule("numpy.squeeze", "a, axis=None",
         vjp="ba += np.reshape(by, np.shape(a))",
         jvp="dy += np.squeeze(da, axis)",
         cases=(Case(Arr(1, 3, 1)), Case(Arr(1, 3, 1), axis=0), Case(Arr(1, 3, 1), (0, 2)),
                Case(Arr(1, 1)), Case(Arr(2, 1), -1)))
_defrule(("method", "squeeze"), "a, axis=None",
         vjp="ba += np.reshape(by, np.shape(a))",
         jvp="dy += np.squeeze(da, axis)",
         cases=(Case(Arr(1, 3, 1)), Case(Arr(1, 3, 1), 2), Case(Arr(1, 3, 1), axis=(0, 2))))

for _name in ("numpy.atleast_1d", "numpy.atleast_2d", "numpy.atleast_3d"):
    _defrule(_name, "*arys",
             vjp="barys += unatleast(by, arys)",
             jvp=f"dy += np.{_name[6:]}(*darys)",
             cases=(Case(Arr()), Case(Arr(3)), Case(Arr(2, 3)), Case(Arr(2, 3, 2))))

_defrule("numpy.broadcast_to", "array, shape, subok=False",
         vjp="barray += unbroadcast(by, array)",
         jvp="dy += np.broadcast_to(darray, shape)",
         cases=(Case(Arr(3), (2, 3)), Case(Arr(2, 1), (2, 2, 3)), Case(Arr(), (2,)),
                Case(Arr(1, 3), (2, 3))))

# ---------------------------------------------------------------------------------------
# Copies and casts
# ---------------------------------------------------------------------------------------

_defrule("numpy.copy", "a, order='K', subok=False",
         vjp="ba += by", jvp="dy += da",
         cases=(Case(Arr()), Case(Arr(3)), Case(Arr(2, 3), order="F")))
_defrule(("method", "copy"), "a, order='C'",
         vjp="ba += by", jvp="dy += da",
         cases=(Case(Arr(3)), Case(Arr(2, 3), "F")))
_defrule(("method", "astype"), "a, dtype, order='K', casting='unsafe', subok=True, copy=True",
         vjp="ba += astype_adjoint(by, a, dtype)",
         jvp="dy += astype_tangent(da, dtype)",
         cases=(Case(Arr(3), "float64"), Case(Arr(2, 3), "f8", copy=False),
                Case(Arr(2, 3), dtype="double")))

# ---------------------------------------------------------------------------------------
# Joining arrays
# ---------------------------------------------------------------------------------------

_defrule("numpy.concatenate numpy.concat",
         "arrays, /, axis=0, out=None, *, dtype=None, casting='same_kind'",
         vjp="barrays += unconcatenate(by, arrays, axis)",
         jvp="dy += np.concatenate(darrays, axis=axis)",
         cases=(Case([Arr(2), Arr(3)]), Case([Arr(2, 3), Arr(1, 3)]),
                Case([Arr(2, 3), Arr(2, 2)], axis=1), Case([Arr(2, 3), Arr(2, 1)], -1),
                Case([Arr(2, 2), Arr(3)], axis=None), Case((Arr(2), Arr(2), Arr(1)),),
                Case([Arr(3)]), Case([Arr(2, 2, 3), Arr(2, 1, 3)], 1)))

_defrule("numpy.stack", "arrays, axis=0, out=None, *, dtype=None, casting='same_kind'",
         vjp="barrays += unstack(by, arrays, axis)",
         jvp="dy += np.stack(darrays, axis=axis)",
         cases=(Case([Arr(3), Arr(3)]), Case([Arr(2, 3), Arr(2, 3), Arr(2, 3)], axis=1),
                Case([Arr(2, 3), Arr(2, 3)], -1), Case([Arr(), Arr()]),
                Case((Arr(2), Arr(2)), 1)))

_defrule("numpy.hstack", "tup, *, dtype=None, casting='same_kind'",
         vjp="btup += unhstack(by, tup)",
         jvp="dy += np.hstack(dtup)",
         cases=(Case([Arr(2), Arr(3)]), Case([Arr(2, 3), Arr(2, 1)]), Case([Arr(), Arr(2)]),
                Case((Arr(2, 1, 2), Arr(2, 2, 2)),)))
_defrule("numpy.vstack", "tup, *, dtype=None, casting='same_kind'",
         vjp="btup += unvstack(by, tup)",
         jvp="dy += np.vstack(dtup)",
         cases=(Case([Arr(3), Arr(2, 3)]), Case([Arr(), Arr()]), Case([Arr(3), Arr(3)]),
                Case((Arr(1, 2, 2), Arr(2, 2, 2)),)))
_defrule("numpy.column_stack", "tup",
         vjp="btup += uncolumn_stack(by, tup)",
         jvp="dy += np.column_stack(dtup)",
         cases=(Case([Arr(3), Arr(3, 2)]), Case([Arr(3), Arr(3)]), Case([Arr(), Arr()])))
_defrule("numpy.dstack", "tup",
         vjp="btup += undstack(by, tup)",
         jvp="dy += np.dstack(dtup)",
         cases=(Case([Arr(2, 3), Arr(2, 3, 2)]), Case([Arr(3), Arr(3)]), Case([Arr(), Arr()])))

_defrule("numpy.append", "arr, values, axis=None",
         vjp="""
            barr += unappend(by, arr, values, axis, 0)
            bvalues += unappend(by, arr, values, axis, 1)
        """,
         jvp="""
            dy += np.append(darr, np.zeros(np.shape(values)), axis=axis)
            dy += np.append(np.zeros(np.shape(arr)), dvalues, axis=axis)
        """,
         cases=(Case(Arr(3), Arr(2)), Case(Arr(2, 2), Arr()), Case(Arr(2, 3), Arr(1, 3), axis=0),
                Case(Arr(2, 3), Arr(2, 2), -1), Case(Arr(3), [Arr(), Arr()])))

# ---------------------------------------------------------------------------------------
# Repeating, tiling, rearranging
# ---------------------------------------------------------------------------------------

_defrule("numpy.tile", "A, reps",
         vjp="bA += untile(by, A, reps)",
         jvp="dy += np.tile(dA, reps)",
         cases=(Case(Arr(3), 2), Case(Arr(2, 3), (2, 1)), Case(Arr(3), (2, 2)),
                Case(Arr(2, 3), (2,)), Case(Arr(), 3), Case(Arr(2, 3), (2, 1, 3))))

_REPEAT_CASES = (Case(Arr(3), 2), Case(Arr(2, 3), 2, axis=1), Case(Arr(2, 3), _I([1, 0, 2]), 1),
                 Case(Arr(2, 3), [2, 1], axis=0), Case(Arr(2, 3), 3), Case(Arr(2, 3), 2, -1),
                 Case(Arr(2, 2), _I([0, 1, 3, 1])), Case(Arr(), 3))
_defrule("numpy.repeat", "a, repeats, axis=None",
         vjp="ba += unrepeat(by, a, repeats, axis)",
         jvp="dy += np.repeat(da, repeats, axis)",
         cases=_REPEAT_CASES)
_defrule(("method", "repeat"), "a, repeats, axis=None",
         vjp="ba += unrepeat(by, a, repeats, axis)",
         jvp="dy += np.repeat(da, repeats, axis)",
         cases=_REPEAT_CASES[:-2])

_defrule("numpy.flip", "m, axis=None",
         vjp="bm += np.flip(by, axis)", jvp="dy += np.flip(dm, axis)",
         cases=(Case(Arr(3)), Case(Arr(2, 3)), Case(Arr(2, 3), axis=1),
                Case(Arr(2, 3, 2), axis=(0, 2)), Case(Arr(2, 3), -1)))
_defrule("numpy.fliplr", "m", vjp="bm += np.fliplr(by)", jvp="dy += np.fliplr(dm)",
         cases=(Case(Arr(2, 3)), Case(Arr(2, 3, 2))))
_defrule("numpy.flipud", "m", vjp="bm += np.flipud(by)", jvp="dy += np.flipud(dm)",
         cases=(Case(Arr(3)), Case(Arr(2, 3))))

_defrule("numpy.roll", "a, shift, axis=None",
         vjp="ba += unroll(by, shift, axis)",
         jvp="dy += np.roll(da, shift, axis)",
         cases=(Case(Arr(5), 2), Case(Arr(2, 3), 1), Case(Arr(2, 3), -1, axis=1),
                Case(Arr(2, 3), (1, 2), axis=(0, 1)), Case(Arr(2, 3), 7, 0),
                Case(Arr(2, 3), (1, 1), (1, 1))))

_defrule("numpy.rot90", "m, k=1, axes=(0, 1)",
         vjp="bm += np.rot90(by, -k, axes)",
         jvp="dy += np.rot90(dm, k, axes)",
         cases=(Case(Arr(2, 3)), Case(Arr(2, 3), 2), Case(Arr(2, 3, 4), 3, axes=(1, 2)),
                Case(Arr(2, 3), -1), Case(Arr(2, 3), 1, (1, 0))))

# ---------------------------------------------------------------------------------------
# Diagonals and triangles
# ---------------------------------------------------------------------------------------

_defrule("numpy.diag", "v, k=0",
         vjp="bv += undiag(by, v, k)", jvp="dy += np.diag(dv, k)",
         cases=(Case(Arr(3)), Case(Arr(3), 1), Case(Arr(3), -2), Case(Arr(3, 3)),
                Case(Arr(3, 4), 1), Case(Arr(4, 3), -1), Case(Arr(2, 3), k=5)))

_DIAGONAL_CASES = (Case(Arr(3, 3)), Case(Arr(3, 4), 1), Case(Arr(4, 3), -1),
                   Case(Arr(2, 3, 4), -1, 1, 2), Case(Arr(2, 3, 4), 0, axis1=2, axis2=0),
                   Case(Arr(2, 3, 3), 1, -1, -2))
_defrule("numpy.diagonal", "a, offset=0, axis1=0, axis2=1",
         vjp="ba += undiagonal(by, a, offset, axis1, axis2)",
         jvp="dy += np.diagonal(da, offset, axis1, axis2)",
         cases=_DIAGONAL_CASES)
_defrule(("method", "diagonal"), "a, offset=0, axis1=0, axis2=1",
         vjp="ba += undiagonal(by, a, offset, axis1, axis2)",
         jvp="dy += np.diagonal(da, offset, axis1, axis2)",
         cases=_DIAGONAL_CASES[:3])

_defrule("numpy.tril", "m, k=0",
         vjp="bm += unbroadcast(np.tril(by, k), m)", jvp="dy += np.tril(dm, k)",
         cases=(Case(Arr(3, 3)), Case(Arr(3, 4), 1), Case(Arr(2, 3, 3), -1), Case(Arr(3))))
_defrule("numpy.triu", "m, k=0",
         vjp="bm += unbroadcast(np.triu(by, k), m)", jvp="dy += np.triu(dm, k)",
         cases=(Case(Arr(3, 3)), Case(Arr(3, 4), 1), Case(Arr(2, 3, 3), -1), Case(Arr(3))))

# ---------------------------------------------------------------------------------------
# Padding, gathering
# ---------------------------------------------------------------------------------------

_defrule("numpy.pad",
         "array, pad_width, mode='constant', *, constant_values=0, reflect_type='even'",
         vjp="""
            barray += unpad(by, array, pad_width, mode, reflect_type)
            bconstant_values += pad_constant_adjoint(by, array, pad_width, mode, constant_values)
        """,
         jvp="""
            dy += pad_tangent(darray, pad_width, mode, reflect_type)
            dy += pad_constant_tangent(dconstant_values, array, pad_width, mode)
        """,
         cases=(Case(Arr(3), 1), Case(Arr(2, 3), ((1, 0), (2, 1))), Case(Arr(2, 3), 1, "edge"),
                Case(Arr(4), 3, "reflect"), Case(Arr(4), (2, 5), mode="symmetric"),
                Case(Arr(2, 3), ((1, 2), (4, 0)), "wrap"), Case(Arr(3), 2, constant_values=1.5),
                Case(Arr(2, 3), (1, 2), "constant")))

_TAKE_CASES = (Case(Arr(5), _I([0, 0, 3])), Case(Arr(3, 4), _I([[0, 1], [1, 1]]), axis=1),
               Case(Arr(3, 4), 2), Case(Arr(3, 4), _I([-1, 0, -1]), 0),
               Case(Arr(4), _I([5, -6, 1]), mode="wrap"), Case(Arr(4), _I([9, -2]), mode="clip"),
               Case(Arr(2, 3, 4), 1, axis=1), Case(Arr(2, 3, 4), [2, 2], axis=-1))
_defrule("numpy.take", "a, indices, axis=None, out=None, mode='raise'",
         vjp="ba += untake(by, a, indices, axis, mode)",
         jvp="dy += np.take(da, indices, axis=axis, mode=mode)",
         cases=_TAKE_CASES)
_defrule(("method", "take"), "a, indices, axis=None, out=None, mode='raise'",
         vjp="ba += untake(by, a, indices, axis, mode)",
         jvp="dy += np.take(da, indices, axis=axis, mode=mode)",
         cases=_TAKE_CASES[:4])

_defrule(("method", "item"), "a, *args",
         vjp="ba += unitem(by, a, args)",
         jvp="dy += item_tangent(da, args)",
         cases=(Case(Arr(1, 1)), Case(Arr(2, 3), 4), Case(Arr(2, 3), (1, 2)),
                Case(Arr(2, 3), 1, -1), Case(Arr(3), -1)))

# ---------------------------------------------------------------------------------------
# Constructors whose values depend on their arguments
# ---------------------------------------------------------------------------------------

_defrule("numpy.full", "shape, fill_value, dtype=None, order='C', *, device=None, like=None",
         vjp="bfill_value += fill_adjoint(by, fill_value, y)",
         jvp="dy += np.full(np.shape(y), dfill_value, dtype=np.result_type(y))",
         cases=(Case((2, 3), Arr()), Case((2, 3), Arr(3)), Case(3, Arr()),
                Case((2, 2), Arr(2, 1), "float64")))
_defrule("numpy.full_like",
         "a, fill_value, dtype=None, order='K', subok=True, shape=None, *, device=None",
         vjp="bfill_value += fill_adjoint(by, fill_value, y)",
         jvp="dy += np.full(np.shape(y), dfill_value, dtype=np.result_type(y))",
         cases=(Case(Arr(2, 3), Arr()), Case(Arr(2, 3), Arr(3)),
                Case(Arr(2), Arr(3, 1), shape=(3, 2))))

_defrule("numpy.linspace",
         "start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0, *, device=None",
         vjp="""
            bstart += linspace_adjoint(by, start, stop, num, endpoint, axis, y, 0)
            bstop += linspace_adjoint(by, start, stop, num, endpoint, axis, y, 1)
        """,
         jvp="""
            dy += linspace_tangent(dstart, start, stop, num, endpoint, axis, y, 0)
            dy += linspace_tangent(dstop, start, stop, num, endpoint, axis, y, 1)
        """,
         cases=(Case(Arr(), Arr(), 5), Case(Arr(), Arr(), 4, endpoint=False),
                Case(Arr(2), Arr(2), 3), Case(Arr(2), Arr(2), 3, axis=1),
                Case(0.0, Arr(), 5), Case(Arr(3), Arr(), 4, axis=-1), Case(Arr(), Arr(), 1),
                Case(Arr(2, 1), Arr(3), 2, False, False, None, 1)))
_defrule("numpy.logspace", "start, stop, num=50, endpoint=True, base=10.0, dtype=None, axis=0",
         vjp="""
            bstart += logspace_adjoint(by, start, stop, num, endpoint, base, axis, y, 0)
            bstop += logspace_adjoint(by, start, stop, num, endpoint, base, axis, y, 1)
            bbase += logspace_adjoint(by, start, stop, num, endpoint, base, axis, y, 2)
        """,
         jvp="""
            dy += logspace_tangent(dstart, start, stop, num, endpoint, base, axis, y, 0)
            dy += logspace_tangent(dstop, start, stop, num, endpoint, base, axis, y, 1)
            dy += logspace_tangent(dbase, start, stop, num, endpoint, base, axis, y, 2)
        """,
         cases=(Case(Arr(domain="unit"), Arr(domain="unit"), 4),
                Case(Arr(domain="unit"), Arr(domain="unit"), 3, False, Arr(domain="positive")),
                Case(Arr(2, domain="unit"), Arr(domain="unit"), 3, axis=1)))
_defrule("numpy.arange",
         "start_or_stop, /, stop=None, step=1, *, dtype=None, device=None, like=None",
         vjp="""
            bstart_or_stop += arange_adjoint(by, start_or_stop, stop, step, y, 0)
            bstep += arange_adjoint(by, start_or_stop, stop, step, y, 2)
        """,
         jvp="""
            dy += arange_tangent(dstart_or_stop, start_or_stop, stop, step, y, 0)
            dy += arange_tangent(dstep, start_or_stop, stop, step, y, 2)
        """,
         cases=(Case(Arr(), 3.5), Case(Arr(), 4.25, 0.5), Case(0.0, 3.1, Arr(domain="positive")),
                Case(Arr(domain="positive"))))

# np.array / np.asarray of (nested) lists of differentiated numbers and arrays: the adjoint is
# split back into the list structure (float dtypes only).
defrule("numpy.array numpy.asarray", "object, dtype=None",
        vjp="bobject += unarray(by, object)",
        jvp="dy += np.array(dobject)",
        cases=(Case([Arr(), Arr(), Arr()]), Case([Arr(3), Arr(3)]), Case(Arr(2, 3)),
               Case([[Arr(), Arr()], [Arr(), Arr()]])))
