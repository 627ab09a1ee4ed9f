"""Rules of shape functions and indexing: reshape, transpose, concatenate, stack, x[i] …"""

from . import Arr, Case, defrule

defrule(("subscript",), "a, idx",
        vjp="ba += unindex(by, a, idx)",
        jvp="dy += da[idx]",
        cases=(Case(Arr(4), 1), Case(Arr(4), -1), Case(Arr(3, 4), (slice(None), slice(1, None, 2)))))

defrule(("attr", "T"), "a", vjp="ba += np.transpose(by)", jvp="dy += np.transpose(da)",
        cases=(Case(Arr(2, 3)),))
