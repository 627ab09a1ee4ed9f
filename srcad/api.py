"""The public derivative operators: grad, value_and_grad, vjp, show.

``wrt`` (positions, names, or a tuple of them) is resolved once per operator; the
transformation runs at the first call (so globals defined after the function are seen)
and is cached.  The returned functions check their inputs and give gradients the type and
shape of the argument they belong to (a float for a float).
"""

from __future__ import annotations

import builtins
import functools
import inspect
import numbers

import numpy as np

from . import cache, pipeline
from .errors import InputError, SrcadError
from .source import get_source


def _parameters(f):
    try:
        sig = inspect.signature(f)
    except (TypeError, ValueError):
        raise SrcadError(f"cannot read the signature of {f!r}") from None
    return sig


def _resolve_wrt(f, wrt):
    """``wrt`` as a list of (position or None, name) and whether it was a single item."""
    sig = _parameters(f)
    params = list(sig.parameters.values())
    single = not isinstance(wrt, (tuple, list))
    items = [wrt] if single else list(wrt)
    if not items:
        raise InputError(f"wrt is empty for `{f.__name__}`; name at least one parameter")
    out = []
    names = [p.name for p in params]
    for item in items:
        if isinstance(item, bool) or not isinstance(item, (int, str)):
            raise InputError(f"wrt items are parameter positions or names, got {item!r}")
        if isinstance(item, int):
            positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY,
                                                          p.POSITIONAL_OR_KEYWORD)]
            if not -len(positional) <= item < len(positional):
                raise InputError(
                    f"wrt={item} is out of range: `{f.__name__}` has {len(positional)} "
                    f"positional parameter(s) ({', '.join(p.name for p in positional)})")
            param = positional[item]
        else:
            if item not in names:
                raise InputError(f"wrt names {item!r}, but `{f.__name__}` has no such "
                                 f"parameter (it has: {', '.join(names)})")
            param = params[names.index(item)]
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            raise InputError(f"cannot differentiate with respect to *{param.name}/**{param.name}")
        position = names.index(param.name) if param.kind != param.KEYWORD_ONLY else None
        if any(n == param.name for _, n, _ in out):
            raise InputError(f"wrt names parameter {param.name!r} twice")
        out.append((position, param.name, param.default))
    return out, single


class _Derivative:
    """The compiled derivative of one function for one ``wrt``; refreshed per call."""

    def __init__(self, f, wrt, optimize=True):
        self.f = f
        self.wrt, self.single = _resolve_wrt(f, wrt)
        self.optimize = optimize
        self.fn = None
        self.transformed = None
        self.kinds = frozenset()
        self.children: list[_Derivative] = []

    def compile(self, compiling=None, kinds=frozenset()):
        """Transform (or fetch from the cache) and build the function and its callees'.

        ``kinds`` pairs the parameters that receive numbers or containers (lists, tuples,
        dicts) with ``"scalar"``/``"container"``; the code is specialized for them."""
        compiling = {} if compiling is None else compiling
        self.kinds = kinds
        key = ("rev", tuple(n for _, n, _ in self.wrt), self.single, self.optimize, kinds)
        compiling[(self.f, key)] = self
        code = self.f.__code__
        transformed = cache.get(code, key)
        if transformed is not None and not self._bound_ok(transformed):
            transformed = None
        if transformed is None:
            source = get_source(self.f)
            transformed = pipeline.transform_reverse(
                source, [n for _, n, _ in self.wrt], self.single, self.optimize, dict(kinds))
            cache.put(code, key, transformed)
        ns = {"__builtins__": builtins, **transformed.helpers}
        self.ns = ns
        self.transformed = transformed
        self.children = []
        self.refresh()
        for name, (kind, where) in transformed.defaults.items():
            ns[name] = (self.f.__defaults__[where] if kind == "positional"
                        else self.f.__kwdefaults__[where])
        exec(transformed.code, ns)
        self.fn = ns[transformed.name]
        self.children = []
        for helper, callee, wrt, kinds in transformed.callees:
            child_key = ("rev", tuple(wrt), False, self.optimize, kinds)
            child = compiling.get((callee, child_key))
            if child is None:
                child = _Derivative(callee, tuple(wrt), self.optimize)
                child.compile(compiling, kinds)
            ns[helper] = child.fn
            self.children.append(child)
        self.refresh()
        return self.fn

    def _lookup(self, name):
        f = self.f
        if name in f.__code__.co_freevars:
            cell = f.__closure__[f.__code__.co_freevars.index(name)]
            return cell.cell_contents
        g = f.__globals__
        if name in g:
            return g[name]
        return getattr(builtins, name)

    def _bound_ok(self, transformed):
        for name, obj in transformed.bound.items():
            try:
                if self._lookup(name) is not obj:
                    return False
            except (AttributeError, ValueError):
                return False
        return True

    def refresh(self, seen=None):
        """Copy the current values of the user function's free names into the namespace
        (and into its callees' namespaces)."""
        ns = self.ns
        for name in self.transformed.free_names:
            try:
                ns[name] = self._lookup(name)
            except (AttributeError, ValueError):
                ns.pop(name, None)
        if self.children:
            seen = set() if seen is None else seen
            seen.add(id(self))
            for child in self.children:
                if id(child) not in seen:
                    child.refresh(seen)

    def _kinds(self, args, kwargs):
        names = self.param_names
        found = [(names[i], _kind(a)) for i, a in enumerate(args[:len(names)])
                 if not isinstance(a, np.ndarray)]
        found += [(k, _kind(v)) for k, v in kwargs.items() if not isinstance(v, np.ndarray)]
        return frozenset(pair for pair in found if pair[1] != "array")

    @property
    def param_names(self):
        names = getattr(self, "_param_names", None)
        if names is None:
            names = self._param_names = list(inspect.signature(self.f).parameters)
        return names

    def __call__(self, args, kwargs, seed=None):
        kinds = self._kinds(args, kwargs)
        if self.fn is None or kinds != self.kinds or not self._bound_ok(self.transformed):
            self.compile(kinds=kinds)
        else:
            self.refresh()
        values = [self._check_input(args, kwargs, item) for item in self.wrt]
        if seed is not None:
            kwargs = {**kwargs, self.transformed.seed_name: _copy_structure(seed)}
        value, grads = self.fn(*args, **kwargs)
        if self.single:
            return value, _like(grads, values[0])
        return value, tuple(_like(g, v) for g, v in zip(grads, values))

    def _check_input(self, args, kwargs, item):
        position, name, default = item
        if position is not None and position < len(args):
            value = args[position]
        elif name in kwargs:
            value = kwargs[name]
        elif default is not inspect.Parameter.empty:
            value = default
        else:
            return None  # the call itself will report the missing argument
        if isinstance(value, np.ndarray):
            if value.dtype.kind in "fc":
                return value
            kind = "an integer" if value.dtype.kind in "iub" else f"a {value.dtype}"
            raise InputError(f"argument `{name}` of `{self.f.__name__}` is {kind} array; "
                             "srcad differentiates floating-point values",
                             hint=f"pass {name}.astype(float)")
        if isinstance(value, (float, np.floating, complex)):
            return value
        if isinstance(value, (list, tuple, dict)):
            items = value.values() if isinstance(value, dict) else value
            for item in items:
                self._check_input((item,), {}, (0, name, inspect.Parameter.empty))
            return value
        if isinstance(value, (bool, np.bool_)) or isinstance(value, numbers.Integral):
            raise InputError(f"argument `{name}` of `{self.f.__name__}` is the integer "
                             f"{value!r}; srcad differentiates floating-point values",
                             hint=f"pass {float(value)!r} instead of {value!r}")
        raise InputError(f"argument `{name}` of `{self.f.__name__}` is a "
                         f"{type(value).__name__}; srcad differentiates floats and numpy "
                         "float arrays", hint="pass a float or a numpy array of floats")


def _kind(value) -> str:
    if isinstance(value, (float, int, np.generic)) and not isinstance(value, bool):
        return "scalar"
    if isinstance(value, (list, tuple, dict)):
        return "container"
    return "array"


def _copy_structure(x):
    if isinstance(x, list):
        return [_copy_structure(v) for v in x]
    if isinstance(x, tuple):
        return tuple(_copy_structure(v) for v in x)
    if isinstance(x, dict):
        return {k: _copy_structure(v) for k, v in x.items()}
    return x


def _like(g, x):
    """The gradient ``g`` with the type, shape and dtype of the argument ``x``."""
    if isinstance(x, (list, tuple)):
        return type(x)(_like(gi, xi) for gi, xi in zip(g, x))
    if isinstance(x, dict):
        return {k: _like(g[k], v) for k, v in x.items()}
    if isinstance(x, np.ndarray):
        g = np.asarray(g)
        if g.shape != x.shape:
            g = np.broadcast_to(g, x.shape)
        if g.dtype != x.dtype:
            g = g.astype(x.dtype)
        elif not g.flags.writeable or not g.flags.owndata and g.base is x:
            g = g.copy()
        return g
    if isinstance(x, (float, np.floating)) and not isinstance(x, np.ndarray):
        return float(g) if not isinstance(x, np.floating) else type(x)(g)
    return g


def _check_scalar(value, f):
    if np.ndim(value) != 0 or not isinstance(value, (numbers.Number, np.ndarray, np.generic)):
        shape = np.shape(value) if isinstance(value, np.ndarray) else type(value).__name__
        raise InputError(
            f"grad needs `{f.__name__}` to return a scalar, but it returned {shape}",
            hint="use srcad.vjp (or sum the result) to differentiate a non-scalar result")


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
    derivative = _Derivative(f, wrt, optimize)

    @functools.wraps(f)
    def grad_f(*args, **kwargs):
        value, grads = derivative(args, kwargs)
        _check_scalar(value, f)
        return grads
    grad_f.__name__ = f"grad_{f.__name__}"
    return _attach(grad_f, derivative, "grad")


@_decorator
def value_and_grad(f, wrt=0, optimize=True):
    """Like :func:`grad`, returning ``(f(*args), gradient)``.

    >>> import srcad
    >>> srcad.value_and_grad(lambda x: x * x)(3.0)
    (9.0, 6.0)
    """
    derivative = _Derivative(f, wrt, optimize)

    @functools.wraps(f)
    def value_and_grad_f(*args, **kwargs):
        value, grads = derivative(args, kwargs)
        _check_scalar(value, f)
        return value, grads
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
    derivative = _Derivative(f, wrt, optimize)

    @functools.wraps(f)
    def vjp_f(*args, **kwargs):
        if not args:
            raise InputError(f"vjp of `{f.__name__}` takes the arguments of "
                             f"`{f.__name__}` followed by the cotangent")
        *primals, cotangent = args
        try:
            return derivative(tuple(primals), kwargs, seed=cotangent)
        except SrcadError:
            raise
        except Exception:
            _check_cotangent(f, primals, kwargs, cotangent)
            raise
    vjp_f.__name__ = f"vjp_{f.__name__}"
    return _attach(vjp_f, derivative, "vjp")


def _check_cotangent(f, primals, kwargs, cotangent):
    value = f(*primals, **kwargs)
    if np.shape(value) != np.shape(cotangent):
        raise InputError(
            f"the cotangent has shape {np.shape(cotangent)} but `{f.__name__}` returns shape "
            f"{np.shape(value)}", hint="pass a cotangent shaped like the function's result"
        ) from None


def show(f, wrt=0, mode="rev", file=None, optimize=True):
    """Print and return the source srcad generates for ``f`` (or for a derivative of it).

    >>> import srcad
    >>> text = srcad.show(lambda x: x * x, file=False)
    >>> "bx" in text
    True
    """
    if mode != "rev":
        raise InputError(f"mode={mode!r} is not available yet; use mode='rev'")
    derivative = getattr(f, "__srcad__", None)
    if derivative is None:
        derivative = _Derivative(f, wrt, optimize)
    if derivative.transformed is None:
        derivative.compile()
    text = derivative.transformed.source
    if file is not False:
        print(text, end="", file=file)
    return text
