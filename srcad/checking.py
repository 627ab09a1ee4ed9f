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


def _as_float_array(x):
    return np.array(x, dtype=np.float64)


def _restore(x_arr, like):
    if isinstance(like, np.ndarray):
        return x_arr.reshape(like.shape)
    return float(x_arr.reshape(()))


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
        _check_one(f, args, position, np.asarray(grad, dtype=np.float64), cotangent, rng,
                   rtol, atol)


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
    g = grad.ravel() if grad.size == flat.size else np.broadcast_to(grad, np.shape(x)).ravel()
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
                index = np.unravel_index(i, np.shape(x)) if np.ndim(x) else ()
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
