"""Check derivatives against central finite differences in float64.

Inputs of at most ``MAX_COORDS`` elements are checked coordinate by coordinate, for a
readable report; larger ones by the dot-product test in random directions:
``<v, vjp(u)>`` against ``<u, (f(x + h v) - f(x - h v)) / 2h>``.
"""

from __future__ import annotations

import inspect
import itertools

import numpy as np

from . import emit
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


def check_grads(f, args, wrt=0, modes=("rev", "fwd"), order=1, rtol=1e-5, atol=1e-6, seed=0):
    """Raise :class:`GradCheckError` if srcad's derivatives of ``f`` at ``args`` are off.

    ``modes``: ``"rev"`` checks the vjp with a random cotangent (so ``f`` may return any
    shape), ``"fwd"`` the jvp, in each coordinate direction or in random directions.
    ``order=2`` also checks the derivatives of the derivative: the reverse-mode gradient
    (of ``<cotangent, f>`` for a non-scalar ``f``) is itself checked in every mode.

    >>> import numpy as np, srcad
    >>> srcad.check_grads(lambda x: np.sum(np.sin(x)), (np.array([0.1, 0.2]),))
    """
    from . import api, products
    args = tuple(args)
    positions = [wrt] if not isinstance(wrt, (tuple, list)) else list(wrt)
    modes = (modes,) if isinstance(modes, str) else tuple(modes)
    for mode in modes:
        if mode not in ("rev", "fwd"):
            raise InputError(f"check_grads: unknown mode {mode!r}; use modes=('rev', 'fwd')")
    if order not in (1, 2):
        raise InputError(f"check_grads: order must be 1 or 2; got {order!r}")
    for position in positions:
        if not isinstance(position, int) or isinstance(position, bool):
            raise InputError("check_grads takes wrt as parameter positions")
    rng = np.random.default_rng(seed)
    value = np.asarray(f(*args), dtype=np.float64)
    if not np.all(np.isfinite(value)):
        raise GradCheckError(f"`{f.__name__}` is not finite at the given point")
    cotangent = rng.standard_normal(value.shape)
    if value.ndim == 0:
        cotangent = float(cotangent)
    for position in positions:
        if "rev" in modes:
            _, grad = api.vjp(f, wrt=position)(*args, cotangent)
            _check_one(f, args, position, _as_float_array(grad), cotangent, rng, rtol, atol)
        if "fwd" in modes:
            _check_forward(products.jvp(f, wrt=position), f, args, position, value, rng,
                           rtol, atol)
    if order == 2:
        for position in positions:
            gradient = _gradient_of(f, position, cotangent, value.ndim == 0)
            check_grads(gradient, args, wrt=positions, modes=modes, order=1,
                        rtol=rtol * 10, atol=atol * 10, seed=seed + 1)


def _gradient_of(f, position, cotangent, scalar):
    """The srcad gradient of ``f`` (of ``np.sum(cotangent * f)`` if ``f`` is not scalar)
    with respect to argument ``position``, as a function of all the arguments."""
    from . import api
    return api.grad(f if scalar else _contracted(f, cotangent), wrt=position)


_CONTRACTED = itertools.count(1)


def _contracted(f, cotangent):
    """``np.sum(cotangent * f(...))`` as a function with ``f``'s parameters, written as
    source (registered in linecache) so that srcad can differentiate it twice."""
    params = list(inspect.signature(f).parameters)
    name = f"contracted_{f.__name__}"
    text = (f"def {name}({', '.join(params)}):\n"
            f"    return np.sum(cotangent * f({', '.join(params)}))\n")
    return emit.compile_function(text, name, {"np": np, "f": f, "cotangent": cotangent},
                                 f"<srcad check_grads {next(_CONTRACTED)}>")


def _check_forward(forward, f, args, position, value, rng, rtol, atol):
    """The jvp in each coordinate direction (small inputs) or in random directions."""
    x = args[position]
    flat = _as_float_array(x).ravel()
    name = f"argument {position} of `{f.__name__}`"
    directions = ([np.eye(flat.size)[i] for i in range(flat.size)]
                  if flat.size <= MAX_COORDS else [rng.standard_normal(flat.shape)
                                                   for _ in range(3)])
    worst, report = 0.0, None
    for i, v in enumerate(directions):
        tangent = _restore(v, x)
        _, jv = forward(*args, tangent)
        if np.shape(jv) != np.shape(value):
            raise GradCheckError(
                f"{name}: srcad's forward-mode derivative has shape {np.shape(jv)}, the "
                f"result of `{f.__name__}` has shape {np.shape(value)}")
        jv = np.asarray(jv, dtype=np.float64)
        if not np.all(np.isfinite(jv)):
            raise GradCheckError(f"{name}: srcad's forward-mode derivative is not finite: {jv}")
        fd = _fd_jvp(f, args, position, v)
        err = np.abs(fd - jv)
        bound = atol + rtol * np.maximum(np.abs(fd), np.abs(jv))
        if flat.size > MAX_COORDS:
            bound = bound * 10
        excess = err - bound
        if excess.size and np.max(excess) > 0 and np.max(excess) > worst:
            k = int(np.argmax(excess))
            worst = float(np.max(excess))
            where = (f"coordinate {np.unravel_index(i, np.shape(x)) if isinstance(x, np.ndarray) else (i,)}"
                     if flat.size <= MAX_COORDS else "a random direction")
            out = np.unravel_index(k, np.shape(value)) if np.ndim(value) else ()
            report = (f"{name}, forward mode: worst in {where}, output {out}: srcad "
                      f"{jv.flat[k]!r}, finite differences {fd.flat[k]!r} (error {err.flat[k]:.3g})")
    if report:
        raise GradCheckError(report)


def _fd_jvp(f, args, position, direction):
    x = args[position]
    flat = _as_float_array(x).ravel()
    h = 1e-6 * max(1.0, float(np.max(np.abs(flat))) if flat.size else 1.0)
    plus = _call_with(f, args, position, _restore(flat + h * direction, x))
    minus = _call_with(f, args, position, _restore(flat - h * direction, x))
    return (plus - minus) / (2 * h)


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
