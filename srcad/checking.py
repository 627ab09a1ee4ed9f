"""Check derivatives against central finite differences in float64.

Inputs of at most ``MAX_COORDS`` elements are checked coordinate by coordinate, for a
readable report; larger ones by the dot-product test in random directions:
``<v, vjp(u)>`` against ``<u, (f(x + h v) - f(x - h v)) / 2h>``.
"""

from __future__ import annotations

import numpy as np

from .errors import InputError, SrcadError

MAX_COORDS = 20


class GradCheckError(SrcadError, AssertionError):
    """A derivative disagrees with finite differences."""


def _leaves(x):
    if isinstance(x, (list, tuple)):
        return [leaf for item in x for leaf in _leaves(item)]
    if isinstance(x, dict):
        return [leaf for key in x for leaf in _leaves(x[key])]
    return [x]


def _as_float_array(x):
    """All the numbers in ``x`` (a float, an array, or a list/tuple/dict of them), flat."""
    leaves = _leaves(x)
    if not leaves:
        return np.zeros(0)
    return np.concatenate([np.ravel(np.asarray(leaf, dtype=np.float64)) for leaf in leaves])


def _restore(flat, like):
    """``flat`` poured back into the structure of ``like``."""
    out, _ = _pour(flat, like, 0)
    return out


def _pour(flat, like, start):
    if isinstance(like, (list, tuple)):
        items = []
        for item in like:
            value, start = _pour(flat, item, start)
            items.append(value)
        return type(like)(items), start
    if isinstance(like, dict):
        out = {}
        for key in like:
            out[key], start = _pour(flat, like[key], start)
        return out, start
    size = int(np.size(like))
    chunk = flat[start:start + size]
    if isinstance(like, np.ndarray):
        return chunk.reshape(like.shape), start + size
    return float(chunk[0]), start + size


def _step(value):
    return 1e-6 * max(1.0, abs(value))


def _call_with(f, args, position, value):
    args = list(args)
    args[position] = value
    return np.asarray(f(*args), dtype=np.float64)


def check_grads(f, args, wrt=0, modes=("rev",), order=1, rtol=1e-5, atol=1e-6, seed=0):
    """Raise :class:`GradCheckError` if srcad's derivative of ``f`` at ``args`` is off.

    Checks every ``wrt`` position with a random cotangent, so ``f`` may return any shape.

    >>> import numpy as np, srcad
    >>> srcad.check_grads(lambda x: np.sum(np.sin(x)), (np.array([0.1, 0.2]),))
    """
    from . import api
    args = tuple(args)
    positions = [wrt] if not isinstance(wrt, (tuple, list)) else list(wrt)
    for mode in modes:
        if mode != "rev":
            raise InputError(f"mode {mode!r} is not available yet; use modes=('rev',)")
    if order != 1:
        raise InputError("order > 1 is not available yet")
    rng = np.random.default_rng(seed)
    value = np.asarray(f(*args), dtype=np.float64)
    if not np.all(np.isfinite(value)):
        raise GradCheckError(f"`{f.__name__}` is not finite at the given point")
    cotangent = rng.standard_normal(value.shape)
    if value.ndim == 0:
        cotangent = float(cotangent)
    for position in positions:
        if not isinstance(position, int):
            raise InputError("check_grads takes wrt as parameter positions")
        _, grad = api.vjp(f, wrt=position)(*args, cotangent)
        _check_one(f, args, position, _as_float_array(grad), cotangent, rng, rtol, atol)


def _fd_directional(f, args, position, direction, cotangent):
    x = args[position]
    flat = _as_float_array(x).ravel()
    h = 1e-6 * max(1.0, float(np.max(np.abs(flat))) if flat.size else 1.0)
    plus = _call_with(f, args, position, _restore(flat + h * direction, x))
    minus = _call_with(f, args, position, _restore(flat - h * direction, x))
    return float(np.sum(np.asarray(cotangent) * (plus - minus)) / (2 * h))


def _check_one(f, args, position, grad, cotangent, rng, rtol, atol):
    x = args[position]
    flat = _as_float_array(x).ravel()
    if grad.size != flat.size:
        raise GradCheckError(f"srcad's gradient for argument {position} of `{f.__name__}` "
                             f"has {grad.size} numbers, the argument {flat.size}")
    g = grad
    if not np.all(np.isfinite(g)):
        raise GradCheckError(f"srcad's gradient of `{f.__name__}` with respect to argument "
                             f"{position} is not finite: {g}")
    name = f"argument {position} of `{f.__name__}`"
    if flat.size <= MAX_COORDS:
        worst, report = 0.0, None
        for i in range(flat.size):
            e = np.zeros_like(flat)
            e[i] = 1.0
            fd = _fd_directional(f, args, position, e, cotangent)
            err = abs(fd - g[i])
            bound = atol + rtol * max(abs(fd), abs(g[i]))
            if err > bound and err - bound > worst:
                worst = err - bound
                index = (np.unravel_index(i, np.shape(x)) if isinstance(x, np.ndarray)
                         else (i,) if flat.size > 1 else ())
                report = (f"{name}: worst coordinate {index}: srcad {g[i]!r}, finite "
                          f"differences {fd!r} (error {err:.3g})")
        if report:
            raise GradCheckError(report)
        return
    for _ in range(3):
        v = rng.standard_normal(flat.shape)
        fd = _fd_directional(f, args, position, v, cotangent)
        ad = float(np.dot(g, v))
        if abs(fd - ad) > atol + rtol * max(abs(fd), abs(ad)) * 10:
            raise GradCheckError(f"{name}: in a random direction srcad gives {ad!r}, finite "
                                 f"differences {fd!r}")
