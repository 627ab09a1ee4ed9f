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
from .errors import InputError, InternalError, SourceError, SrcadError, UnsupportedError
from .source import check_function, get_source


def _parameters(f):
    try:
        return inspect.signature(f)
    except (TypeError, ValueError):
        raise SourceError(f"cannot read the signature of {f!r}",
                          hint="pass a function defined with `def` or `lambda`") from None


def _check_differentiable_function(f, op="grad"):
    """Refuse, at ``grad(f)`` time, what has no source to transform."""
    if getattr(f, "__srcad__", None) is not None:
        raise UnsupportedError(
            f"`{f.__name__}` is already a derivative made by srcad; higher-order derivatives "
            f"({op} of a derivative) are not supported yet",
            hint="differentiate the original function, or check a second derivative with "
                 "finite differences of the first")
    check_function(f, what=f"srcad.{op}")


def _signature_text(params) -> str:
    return ", ".join(str(p) for p in params) or "no parameters"


def _resolve_wrt(f, wrt):
    """``wrt`` as a list of (position or None, name) and whether it was a single item."""
    sig = _parameters(f)
    params = list(sig.parameters.values())
    name = f.__name__
    single = not isinstance(wrt, (tuple, list))
    items = [wrt] if single else list(wrt)
    names = [p.name for p in params]
    valid = [p.name for p in params if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    example = f"wrt={valid[0]!r}" if valid else "wrt=0"
    if not items:
        raise InputError(f"wrt is empty for `{name}`; name at least one parameter",
                         hint=f"pass e.g. {example} (`{name}` takes "
                              f"{_signature_text(params)})")
    out = []
    for item in items:
        if isinstance(item, bool) or not isinstance(item, (int, str)):
            raise InputError(
                f"wrt items are parameter positions (int) or names (str); got {item!r} "
                f"for `{name}`",
                hint=f"pass e.g. {example}, or a tuple such as wrt=(0, 1) for several")
        if isinstance(item, int):
            positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY,
                                                          p.POSITIONAL_OR_KEYWORD)]
            if not -len(positional) <= item < len(positional):
                listed = ", ".join(f"{i}: {p.name}" for i, p in enumerate(positional))
                raise InputError(
                    f"wrt={item} is out of range: `{name}` has {len(positional)} positional "
                    f"parameter(s)" + (f" ({listed})" if listed else ""),
                    hint="use a position from that list, or name the parameter, e.g. "
                         + example)
            param = positional[item]
        else:
            if item not in names:
                raise InputError(
                    f"wrt names {item!r}, but `{name}` has no such parameter (its "
                    f"parameters: {', '.join(names) or 'none'})",
                    hint=f"check the spelling; `{name}` takes {_signature_text(params)}")
            param = params[names.index(item)]
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            star = "*" if param.kind == param.VAR_POSITIONAL else "**"
            raise InputError(
                f"cannot differentiate with respect to `{star}{param.name}` of `{name}`",
                hint="give the value a parameter of its own, or pass the values as one "
                     "array argument")
        position = names.index(param.name) if param.kind != param.KEYWORD_ONLY else None
        if any(n == param.name for _, n, _ in out):
            raise InputError(f"wrt names parameter {param.name!r} of `{name}` twice "
                             f"(wrt={wrt!r})",
                             hint="list each parameter once")
        out.append((position, param.name, param.default))
    return out, single


class _Derivative:
    """The compiled derivative of one function for one ``wrt``; refreshed per call."""

    def __init__(self, f, wrt, optimize=True, op="grad", callee=False):
        _check_differentiable_function(f, op)
        self.f = f
        self.callee = callee  # compiled for a call inside another derivative
        self.signature = _parameters(f)
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
        key = ("rev-callee" if self.callee else "rev", tuple(n for _, n, _ in self.wrt),
               self.single, self.optimize, kinds)
        compiling[(self.f, key)] = self
        code = self.f.__code__
        transformed = cache.get(code, key)
        if transformed is not None and not self._bound_ok(transformed):
            transformed = None
        if transformed is None:
            source = get_source(self.f)
            transformed = pipeline.transform_reverse(
                source, [n for _, n, _ in self.wrt], self.single, self.optimize, dict(kinds),
                is_callee=self.callee)
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
            child_key = ("rev-callee", tuple(wrt), False, self.optimize, kinds)
            child = compiling.get((callee, child_key))
            if child is None:
                child = _Derivative(callee, tuple(wrt), self.optimize, callee=True)
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
        values = [self._check_input(args, kwargs, item) for item in self.wrt]
        kinds = self._kinds(args, kwargs)
        if self.fn is None or kinds != self.kinds or not self._bound_ok(self.transformed):
            self.compile(kinds=kinds)
        else:
            self.refresh()
        if seed is not None:
            kwargs = {**kwargs, self.transformed.seed_name: _copy_structure(seed)}
        try:
            value, grads = self.fn(*args, **kwargs)
        except TypeError:
            self._check_arguments(args, kwargs, seed is not None)
            raise
        if self.single:
            return value, _like(grads, values[0])
        return value, tuple(_like(g, v) for g, v in zip(grads, values))

    def _check_arguments(self, args, kwargs, seeded=False):
        """Report a wrong call in terms of the user's function, not the generated one."""
        if seeded:
            kwargs = {k: v for k, v in kwargs.items() if k != self.transformed.seed_name}
        try:
            self.signature.bind(*args, **kwargs)
        except TypeError as exc:
            raise InputError(
                f"wrong arguments for `{self.f.__name__}`: {exc}",
                hint=f"call it like `{self.f.__name__}{self.signature}`") from None

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
        fname = self.f.__name__
        if isinstance(value, np.ndarray):
            if value.dtype.kind in "fc":
                return value
            kind = ("an integer" if value.dtype.kind in "iu" else "a boolean"
                    if value.dtype.kind == "b" else f"a {value.dtype}")
            raise InputError(f"argument `{name}` of `{fname}` is {kind} array "
                             f"(dtype {value.dtype}); srcad differentiates floating-point "
                             "values", hint=f"pass {name}.astype(float)")
        if isinstance(value, (float, np.floating, complex, np.complexfloating)):
            return value
        if isinstance(value, (list, tuple, dict)):
            items = value.values() if isinstance(value, dict) else value
            for item in items:
                self._check_input((item,), {}, (0, name, inspect.Parameter.empty))
            return value
        if isinstance(value, (bool, np.bool_)):
            raise InputError(f"argument `{name}` of `{fname}` is the bool {value!r}; srcad "
                             "differentiates floating-point values",
                             hint=f"pass {float(value)!r} instead of {value!r}")
        if isinstance(value, numbers.Integral):
            raise InputError(f"argument `{name}` of `{fname}` is the integer {value!r}; "
                             "srcad differentiates floating-point values",
                             hint=f"pass {float(value)!r} instead of {value!r}")
        if value is None:
            raise InputError(f"argument `{name}` of `{fname}` is None; srcad differentiates "
                             "floats and numpy float arrays",
                             hint=f"pass a float or a float array as `{name}`, or leave "
                                  f"`{name}` out of wrt")
        raise InputError(f"argument `{name}` of `{fname}` is a {type(value).__name__} "
                         f"({_short(value)}); srcad differentiates floats and numpy float "
                         "arrays", hint=f"pass a float or a numpy array of floats as `{name}`")


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


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
            if g.ndim == 0 and x.size != 1:
                # Only a constant adjoint can be a scalar for an array: say so loudly.
                raise InternalError(
                    f"srcad computed a gradient of shape {g.shape} for an argument of shape "
                    f"{x.shape}", hint="please report this with the function's source")
            if g.size != x.size:
                raise InternalError(
                    f"srcad computed a gradient of shape {g.shape} for an argument of shape "
                    f"{x.shape}", hint="please report this with the function's source")
            g = g.reshape(x.shape)
        if g.dtype != x.dtype:
            g = g.astype(x.dtype)
        elif not g.flags.writeable or not g.flags.owndata and g.base is x:
            g = g.copy()
        return g
    if isinstance(x, (float, np.floating)) and not isinstance(x, np.ndarray):
        if np.size(g) != 1:
            raise InternalError(f"srcad computed a gradient of shape {np.shape(g)} for a "
                                "number", hint="please report this with the function's source")
        return float(g) if not isinstance(x, np.floating) else type(x)(g)
    return g


def _scalar_problem(value, f):
    """The InputError for a non-scalar result of ``f`` under grad, or None."""
    if np.ndim(value) == 0 and isinstance(value, (numbers.Number, np.ndarray, np.generic)):
        return None
    shown = (f"an array of shape {np.shape(value)}" if isinstance(value, np.ndarray)
             else f"a {type(value).__name__}")
    return InputError(
        f"grad needs `{f.__name__}` to return a scalar, but it returned {shown}",
        hint="use srcad.vjp(f)(*args, cotangent) for a result that is not a scalar, or "
             "reduce it to one (e.g. np.sum) inside the function")


def _rerun(f, args, kwargs):
    """Run the user's function after its derivative failed: a genuine error of the user's
    code is reported from the user's code, not from inside the generated code."""
    try:
        return f(*args, **kwargs)
    except Exception as exc:
        raise exc from None


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
    derivative = _Derivative(f, wrt, optimize, "grad")

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
    derivative = _Derivative(f, wrt, optimize, "value_and_grad")

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
    derivative = _Derivative(f, wrt, optimize, "vjp")

    @functools.wraps(f)
    def vjp_f(*args, **kwargs):
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
        derivative = _Derivative(f, wrt, optimize, "show")
    if derivative.transformed is None:
        derivative.compile()
    text = derivative.transformed.source
    if file is not False:
        print(text, end="", file=file)
    return text
