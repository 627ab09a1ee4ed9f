"""Forward mode and the operators built on top: jvp, hvp, jacobian, hessian.

``jvp`` runs the tangent code srcad generates (``jvp_<f>``).  The others compose
derivatives, which srcad can do because its output is Python source that it can
transform again: ``hvp`` is forward-over-reverse (``jvp`` of ``grad``) and never forms
the Hessian; ``hessian`` is the forward-mode Jacobian of the gradient.
"""

from __future__ import annotations

import functools
import numbers

import numpy as np

from . import stubs
from .api import _attach, _decorator, grad
from .derivative import Derivative, _rerun, _short
from .errors import InputError, SrcadError


def _tangent_problem(f, name, primal, tangent):
    """The InputError for a tangent not shaped like its primal, or None."""
    if isinstance(primal, (list, tuple, dict)):
        if type(tangent) is not type(primal) or len(tangent) != len(primal):
            return InputError(
                f"the tangent for `{name}` of `{f.__name__}` must have the structure of the "
                f"argument (a {type(primal).__name__} of {len(primal)}); got {_short(tangent)}",
                hint="pass a value built like the argument, e.g. zeros of the same structure")
        items = primal.items() if isinstance(primal, dict) else enumerate(primal)
        for key, item in items:
            problem = _tangent_problem(f, f"{name}[{key!r}]", item, tangent[key])
            if problem is not None:
                return problem
        return None
    if isinstance(tangent, (bool, np.bool_)) or not (
            isinstance(tangent, (numbers.Number, np.generic))
            or isinstance(tangent, np.ndarray) and tangent.dtype.kind in "iufc"):
        return InputError(
            f"the tangent for `{name}` of `{f.__name__}` is a {type(tangent).__name__} "
            f"({_short(tangent)}); it must be a number or a numeric array",
            hint="pass a float array shaped like the argument")
    if np.shape(tangent) != np.shape(primal):
        return InputError(
            f"the tangent for `{name}` of `{f.__name__}` has shape {np.shape(tangent)} but "
            f"the argument has shape {np.shape(primal)}",
            hint="pass a tangent shaped like the argument")
    return None


def _as_float(tangent, primal):
    """Integer tangents become floats, like the primal they go with."""
    if isinstance(tangent, np.ndarray) and tangent.dtype.kind in "iub":
        return tangent.astype(np.result_type(primal, 1.0))
    if isinstance(tangent, numbers.Integral) and not isinstance(tangent, bool):
        return float(tangent)
    if isinstance(tangent, (list, tuple)):
        return type(tangent)(_as_float(t, p) for t, p in zip(tangent, primal))
    if isinstance(tangent, dict):
        return {k: _as_float(t, primal[k]) for k, t in tangent.items()}
    return tangent


def _primals(derivative, args, kwargs):
    out = []
    for position, name, default in derivative.wrt:
        if position is not None and position < len(args):
            out.append((name, args[position]))
        elif name in kwargs:
            out.append((name, kwargs[name]))
        else:
            out.append((name, default))
    return out


@_decorator
def jvp(f, wrt=0, optimize=True):
    """Jacobian-vector product by forward mode: ``jvp(f)(*args, tangents)`` returns
    ``(f(*args), directional derivative)``; ``tangents`` is a tuple for several ``wrt``.

    >>> import numpy as np, srcad
    >>> value, t = srcad.jvp(lambda x: np.sin(x) * 2.0)(np.array([0.0, 1.0]), np.ones(2))
    >>> np.round(t, 4).tolist()
    [2.0, 1.0806]
    """
    derivative = Derivative(f, wrt, optimize, "jvp", mode="fwd")
    signature = stubs.with_extra_parameter(derivative.signature, "tangent")
    extra = next(p for p in signature.parameters if p not in derivative.signature.parameters)

    @functools.wraps(f)
    def jvp_f(*args, **kwargs):
        if extra in kwargs:  # the tangent by keyword, as the signature allows
            kwargs = dict(kwargs)
            args = args + (kwargs.pop(extra),)
        if not args:
            raise InputError(f"jvp of `{f.__name__}` takes the arguments of `{f.__name__}` "
                             "followed by the tangent(s); got no arguments",
                             hint=f"call it as jvp_f(*args_of_{f.__name__}, tangents)")
        *primals, tangents = args
        primals = tuple(primals)
        seeds = [tangents] if derivative.single else tangents
        if not derivative.single and (not isinstance(tangents, (tuple, list))
                                      or len(tangents) != len(derivative.wrt)):
            raise InputError(
                f"jvp of `{f.__name__}` with {len(derivative.wrt)} wrt parameters takes a "
                f"tuple of {len(derivative.wrt)} tangents; got {_short(tangents)}",
                hint="pass one tangent per wrt parameter, in wrt's order")
        try:
            derivative.signature.bind(*primals, **kwargs)
        except TypeError:
            derivative._check_arguments(primals, kwargs)
        for (name, primal), seed in zip(_primals(derivative, primals, kwargs), seeds):
            problem = _tangent_problem(f, name, primal, seed)
            if problem is not None:
                raise problem
        seeds = [_as_float(s, p) for (_, p), s in zip(_primals(derivative, primals, kwargs),
                                                      seeds)]
        seed = seeds[0] if derivative.single else tuple(seeds)
        try:
            return derivative(primals, kwargs, seed=seed)
        except SrcadError:
            raise
        except Exception:
            _rerun(f, primals, kwargs)
            raise
    jvp_f.__name__ = f"jvp_{f.__name__}"
    jvp_f.__signature__ = signature
    return _attach(jvp_f, derivative, "jvp")


@_decorator
def hvp(f, wrt=0, optimize=True):
    """Hessian-vector product of scalar-valued ``f``: ``hvp(f)(*args, v)`` returns the
    product of the Hessian with ``v`` (a tuple for several ``wrt``), computed
    forward-over-reverse, without forming the Hessian.

    >>> import numpy as np, srcad
    >>> srcad.hvp(lambda x: np.sum(x ** 3))(np.array([1.0, 2.0]), np.ones(2)).tolist()
    [6.0, 12.0]
    """
    inner = grad(f, wrt=wrt, optimize=optimize)
    outer = jvp(inner, wrt=wrt, optimize=optimize)

    @functools.wraps(f)
    def hvp_f(*args, **kwargs):
        return outer(*args, **kwargs)[1]
    hvp_f.__name__ = f"hvp_{f.__name__}"
    return _attach(hvp_f, outer.__srcad__, "hvp")


def _basis(x):
    """Unit tangents shaped like ``x`` (a float or an array), one per element."""
    if isinstance(x, np.ndarray):
        eye = np.zeros(x.size, dtype=np.result_type(x, 1.0))
        for i in range(x.size):
            eye[i] = 1.0
            yield eye.reshape(x.shape).copy()
            eye[i] = 0.0
    else:
        yield 1.0


def _check_numeric(f, name, x):
    if isinstance(x, (list, tuple, dict)):
        raise InputError(f"jacobian of `{f.__name__}` with respect to `{name}`, a "
                         f"{type(x).__name__}: only numbers and arrays are supported",
                         hint="pass the values as one array, or use srcad.vjp / srcad.jvp")


@_decorator
def jacobian(f, wrt=0, mode="rev", optimize=True):
    """The Jacobian of ``f``, of shape ``f(*args).shape + arg.shape`` (a tuple of them for
    several ``wrt``).  ``mode="rev"`` runs one vjp per output element, ``mode="fwd"`` one
    jvp per input element: pick the smaller side.

    >>> import numpy as np, srcad
    >>> srcad.jacobian(lambda x: x * x)(np.array([1.0, 2.0])).tolist()
    [[2.0, 0.0], [0.0, 4.0]]
    """
    if mode not in ("rev", "fwd"):
        raise InputError(f"jacobian mode must be 'rev' or 'fwd'; got {mode!r}")
    if mode == "fwd":
        forward = jvp(f, wrt=wrt, optimize=optimize)
        derivative = forward.__srcad__
    else:
        from .api import vjp
        backward = vjp(f, wrt=wrt, optimize=optimize)
        derivative = backward.__srcad__
    single = derivative.single

    @functools.wraps(f)
    def jacobian_f(*args, **kwargs):
        primals = _primals(derivative, args, kwargs)
        for name, x in primals:
            _check_numeric(f, name, x)
        if mode == "fwd":
            return _forward_jacobian(forward, args, kwargs, primals, single)
        return _reverse_jacobian(backward, f, args, kwargs, primals, single)
    jacobian_f.__name__ = f"jacobian_{f.__name__}"
    return _attach(jacobian_f, derivative, "jacobian")


def _forward_jacobian(forward, args, kwargs, primals, single):
    """One jvp per input element; a tuple result (a gradient for several ``wrt``) gives
    a tuple of Jacobians, one per item, as JAX does."""
    per_input = []
    for k, (_, x) in enumerate(primals):
        columns, value = [], None
        for e in _basis(x):
            seeds = [e if j == k else _zeros(p) for j, (_, p) in enumerate(primals)]
            value, column = forward(*args, seeds[0] if single else tuple(seeds), **kwargs)
            columns.append(column)
        if isinstance(value, tuple):
            per_input.append(tuple(_block([c[i] for c in columns], v, x)
                                   for i, v in enumerate(value)))
        else:
            per_input.append(_block(columns, value, x))
    if per_input and isinstance(per_input[0], tuple):  # [input][output] -> [output][input]
        per_output = [tuple(b[i] for b in per_input) for i in range(len(per_input[0]))]
        return tuple(_finish(list(row), primals, single) for row in per_output)
    return _finish(per_input, primals, single)


def _block(columns, value, x):
    out_shape = np.shape(value)
    block = np.stack([np.asarray(c) for c in columns], axis=-1)
    return block.reshape(out_shape + np.shape(x))


def _reverse_jacobian(backward, f, args, kwargs, primals, single):
    value = f(*args, **kwargs)
    if isinstance(value, (list, tuple, dict)):
        raise InputError(f"jacobian of `{f.__name__}`: its result is a "
                         f"{type(value).__name__}; only numbers and arrays are supported",
                         hint="return one array, e.g. np.concatenate of the parts")
    rows = [[] for _ in primals]
    for e in _basis(value if isinstance(value, np.ndarray) else float(value)):
        _, grads = backward(*args, e, **kwargs)
        grads = [grads] if single else list(grads)
        for k, g in enumerate(grads):
            rows[k].append(np.asarray(g))
    blocks = [np.stack(r).reshape(np.shape(value) + np.shape(x))
              for r, (_, x) in zip(rows, primals)]
    return _finish(blocks, primals, single)


def _zeros(x):
    return np.zeros_like(x, dtype=np.result_type(x, 1.0)) if isinstance(x, np.ndarray) else 0.0


def _finish(blocks, primals, single):
    out = [b if np.ndim(b) else float(b) for b in blocks]
    return out[0] if single else tuple(out)


@_decorator
def hessian(f, wrt=0, optimize=True):
    """The Hessian of scalar-valued ``f``, of shape ``arg.shape + arg.shape``: the
    forward-mode Jacobian of the gradient (for several ``wrt``, a tuple of tuples of
    blocks).

    >>> import numpy as np, srcad
    >>> srcad.hessian(lambda x: x[0] * x[1] ** 2)(np.array([1.0, 2.0])).tolist()
    [[0.0, 4.0], [4.0, 2.0]]
    """
    gradient = grad(f, wrt=wrt, optimize=optimize)
    inner = jacobian(gradient, wrt=wrt, mode="fwd", optimize=optimize)

    @functools.wraps(f)
    def hessian_f(*args, **kwargs):
        return inner(*args, **kwargs)
    hessian_f.__name__ = f"hessian_{f.__name__}"
    return _attach(hessian_f, inner.__srcad__, "hessian")
