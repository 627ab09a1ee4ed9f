"""Rules of reductions (sum, mean, prod, max, min, var, std, cumsum), functions and methods."""

from . import Arr, Case, defrule

defrule("numpy.sum", "a, axis=None, dtype=None, out=None, keepdims=False",
        vjp="ba += unreduce(by, a, axis, keepdims)",
        jvp="dy += np.sum(da, axis=axis, keepdims=keepdims)",
        cases=(Case(Arr()), Case(Arr(3)), Case(Arr(2, 3), axis=0), Case(Arr(2, 3), axis=1, keepdims=True),
               Case(Arr(2, 3, 2), axis=(0, 2))))
defrule(("method", "sum"), "a, axis=None, dtype=None, out=None, keepdims=False",
        vjp="ba += unreduce(by, a, axis, keepdims)",
        jvp="dy += np.sum(da, axis=axis, keepdims=keepdims)",
        cases=(Case(Arr(3)), Case(Arr(2, 3), axis=0)))
