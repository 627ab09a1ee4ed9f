"""The public reverse-mode operators: grad, value_and_grad, vjp, and show.

The functions they return check their inputs and give gradients the type and shape of the
argument they belong to (a float for a float).
"""

from __future__ import annotations

import functools
import numbers

import numpy as np

from . import stubs
from .derivative import Derivative, _rerun, _short
from .errors import InputError, InternalError, SrcadError

_FLOATS = (float, np.float64)


def _scalar_problem(value, f):
    """The InputError for a non-scalar result of ``f`` under grad, or None."""
    if type(value) in _FLOATS:
        return None
    if np.ndim(value) == 0 and isinstance(value, (numbers.Number, np.ndarray, np.generic)):
        return None
    shown = (f"an array of shape {np.shape(value)}" if isinstance(value, np.ndarray)
             else f"a {type(value).__name__}")
    return InputError(
        f"grad needs `{f.__name__}` to return a scalar, but it returned {shown}",
        hint="use srcad.vjp(f)(*args, cotangent) for a result that is not a scalar, or "
             "reduce it to one (e.g. np.sum) inside the function")


def _run_scalar(derivative, f, args, kwargs):
    try:
        value, grads = derivative(args, kwargs)
    except InternalError:  # a wrong-shaped gradient: first blame a non-scalar result
        problem = _scalar_problem(_rerun(f, args, kwargs), f)
        if problem is None:
            raise
    except SrcadError:
        raise
    except Exception:
        problem = _scalar_problem(_rerun(f, args, kwargs), f)
        if problem is None:
            raise
    else:
        problem = _scalar_problem(value, f)
        if problem is None:
            return value, grads
    raise problem


def _decorator(make):
    """Let ``make(f, **options)`` be used as ``@op``, ``@op(wrt=...)`` and ``op(f, wrt)``."""
    @functools.wraps(make)
    def operator(f=None, wrt=0, **options):
        if f is None:
            return lambda g: make(g, wrt=wrt, **options)
        if isinstance(f, (int, str, tuple)) and not callable(f):
            raise InputError(f"{make.__name__} takes the function first; got {f!r}",
                             hint=f"write srcad.{make.__name__}(f, wrt={f!r}) "
                                  f"or @srcad.{make.__name__}(wrt={f!r})")
        return make(f, wrt=wrt, **options)
    return operator


def _attach(wrapper, derivative, kind):
    wrapper.__srcad__ = derivative
    wrapper.__srcad_kind__ = kind
    return wrapper


@_decorator
def grad(f, wrt=0, optimize=True):
    """The gradient of scalar-valued ``f`` with respect to the parameters ``wrt``.

    >>> import numpy as np, srcad
    >>> df = srcad.grad(lambda x: np.sum(x ** 2))
    >>> df(np.array([1.0, 2.0])).tolist()
    [2.0, 4.0]
    """
    derivative = Derivative(f, wrt, optimize, "grad")

    @functools.wraps(f)
    def grad_f(*args, **kwargs):
        return _run_scalar(derivative, f, args, kwargs)[1]
    grad_f.__name__ = f"grad_{f.__name__}"
    return _attach(grad_f, derivative, "grad")


@_decorator
def value_and_grad(f, wrt=0, optimize=True):
    """Like :func:`grad`, returning ``(f(*args), gradient)``.

    >>> import srcad
    >>> srcad.value_and_grad(lambda x: x * x)(3.0)
    (9.0, 6.0)
    """
    derivative = Derivative(f, wrt, optimize, "value_and_grad")

    @functools.wraps(f)
    def value_and_grad_f(*args, **kwargs):
        return _run_scalar(derivative, f, args, kwargs)
    value_and_grad_f.__name__ = f"value_and_grad_{f.__name__}"
    return _attach(value_and_grad_f, derivative, "value_and_grad")


@_decorator
def vjp(f, wrt=0, optimize=True):
    """Vector-Jacobian product: ``vjp(f)(*args, cotangent) -> (f(*args), gradients)``.

    >>> import numpy as np, srcad
    >>> value, g = srcad.vjp(lambda x: x * 2.0)(np.array([1.0, 2.0]), np.array([1.0, 10.0]))
    >>> g.tolist()
    [2.0, 20.0]
    """
    derivative = Derivative(f, wrt, optimize, "vjp")
    signature = stubs.with_extra_parameter(derivative.signature, "cotangent")
    extra = next(p for p in signature.parameters if p not in derivative.signature.parameters)

    @functools.wraps(f)
    def vjp_f(*args, **kwargs):
        if extra in kwargs:  # the cotangent by keyword, as the signature allows
            kwargs = dict(kwargs)
            args = args + (kwargs.pop(extra),)
        if not args:
            raise InputError(f"vjp of `{f.__name__}` takes the arguments of "
                             f"`{f.__name__}` followed by the cotangent; got no arguments",
                             hint=f"call it as vjp_f(*args_of_{f.__name__}, cotangent)")
        *primals, cotangent = args
        _check_cotangent_type(f, cotangent)
        try:
            value, grads = derivative(tuple(primals), kwargs, seed=cotangent)
        except InputError:
            _check_cotangent_given(f, derivative, primals, args, kwargs)
            raise
        except InternalError:  # a wrong-shaped gradient: first blame a wrong cotangent
            problem = _cotangent_problem(f, _rerun(f, primals, kwargs), cotangent)
            if problem is None:
                raise
        except SrcadError:
            raise
        except Exception:
            problem = _cotangent_problem(f, _rerun(f, primals, kwargs), cotangent)
            if problem is None:
                raise
        else:
            problem = _cotangent_problem(f, value, cotangent)
            if problem is None:
                return value, grads
        raise problem
    vjp_f.__name__ = f"vjp_{f.__name__}"
    vjp_f.__signature__ = signature
    return _attach(vjp_f, derivative, "vjp")


_HINT_COTANGENT = "pass a float array shaped like the function's result, e.g. np.ones_like(y)"


def _check_cotangent_given(f, derivative, primals, args, kwargs):
    """After a wrong call: if the arguments fit ``f`` with the cotangent counted among them,
    the cotangent is what is missing."""
    try:
        derivative.signature.bind(*primals, **kwargs)
    except TypeError:
        try:
            derivative.signature.bind(*args, **kwargs)
        except TypeError:
            return
        raise InputError(
            f"vjp of `{f.__name__}` takes the arguments of `{f.__name__}` followed by "
            "the cotangent; the cotangent is missing",
            hint=f"call it as vjp_f(*args_of_{f.__name__}, cotangent)") from None


def _check_cotangent_type(f, cotangent):
    if isinstance(cotangent, (list, tuple, dict)):  # a function returning a container
        for item in (cotangent.values() if isinstance(cotangent, dict) else cotangent):
            _check_cotangent_type(f, item)
        return
    if isinstance(cotangent, (bool, np.bool_)) or not (
            isinstance(cotangent, (numbers.Number, np.generic))
            or isinstance(cotangent, np.ndarray) and cotangent.dtype.kind in "iufc"):
        raise InputError(
            f"the cotangent passed to vjp of `{f.__name__}` is a {type(cotangent).__name__} "
            f"({_short(cotangent)}); it must be a number or a numeric numpy array",
            hint=_HINT_COTANGENT)


def _cotangent_problem(f, value, cotangent):
    """The InputError for a cotangent not shaped like ``f``'s result, or None."""
    if not isinstance(value, (numbers.Number, np.ndarray, np.generic)):
        return None  # containers: checked by the generated code
    if isinstance(cotangent, (list, tuple, dict)):
        return InputError(
            f"the cotangent is a {type(cotangent).__name__} but `{f.__name__}` returns "
            f"{'an array' if np.ndim(value) else 'a number'}", hint=_HINT_COTANGENT)
    if np.shape(value) == np.shape(cotangent):
        return None
    return InputError(
        f"the cotangent has shape {np.shape(cotangent)} but `{f.__name__}` returns shape "
        f"{np.shape(value)}", hint=_HINT_COTANGENT)


def show(f, wrt=0, mode="rev", file=None, optimize=True):
    """Print and return the source srcad generates for ``f``: its reverse-mode derivative
    (``mode="rev"``), its forward-mode derivative (``mode="fwd"``), or, when ``f`` is a
    derivative made by srcad (``grad(grad(g))``, ``jvp(f)``, ``hvp(f)`` ...), the code
    that derivative runs, followed by the code of the derivatives it calls.

    >>> import srcad
    >>> text = srcad.show(lambda x: x * x, file=False)
    >>> "bx" in text
    True
    """
    if mode not in ("rev", "fwd"):
        raise InputError(f"mode={mode!r} is not a mode; use mode='rev' or mode='fwd'")
    derivative = getattr(f, "__srcad__", None)
    if derivative is None:
        derivative = Derivative(f, wrt, optimize, "show", mode=mode)
    if derivative.transformed is None:
        derivative.compile()  # before the first call: every argument taken for an array
    texts, seen = [], set()

    def collect(d):
        if id(d) in seen:
            return
        seen.add(id(d))
        texts.append(d.transformed.source)
        for child in d.children:
            collect(child)
        if d.stub is not None:
            collect(d.stub.inner)
    collect(derivative)
    text = "\n\n".join(texts)
    if file is not False:
        print(text, end="", file=file)
    return text

