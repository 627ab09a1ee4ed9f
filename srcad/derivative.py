"""One compiled derivative of one function: :class:`Derivative`, and the checks of its inputs.

``wrt`` (positions, names, or a tuple of them) is resolved once per operator; the
transformation runs at the first call (so globals defined after the function are seen)
and is cached.  A derivative checks its inputs and gives gradients the type and shape of
the argument they belong to (a float for a float).  ``mode`` is ``"rev"`` (the generated
``vjp_<f>`` takes a cotangent) or ``"fwd"`` (``jvp_<f>`` takes tangents).
"""

from __future__ import annotations

import builtins
import inspect
import numbers

import numpy as np

from . import cache, pipeline, stubs
from .passes.shapes import SHAPE_MARK
from .errors import InputError, InternalError, SourceError, UnsupportedError
from .source import check_function


def _parameters(f):
    try:
        return inspect.signature(f)
    except (TypeError, ValueError):
        raise SourceError(f"cannot read the signature of {f!r}",
                          hint="pass a function defined with `def` or `lambda`") from None


def _check_differentiable_function(f, op="grad"):
    """Refuse, at ``grad(f)`` time, what has no source to transform."""
    inner = getattr(f, "__srcad__", None)
    if inner is not None:
        if getattr(f, "__srcad_kind__", None) not in stubs.KINDS:
            raise UnsupportedError(
                f"srcad.{op} of `{f.__name__}` (made by srcad.{f.__srcad_kind__}) is not "
                "supported", hint="differentiate grad, value_and_grad, vjp or jvp of the "
                "function; hessian and jacobian are built from those")
        return
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


class Derivative:
    """The compiled derivative of one function for one ``wrt``; refreshed per call."""

    def __init__(self, f, wrt, optimize=True, op="grad", callee=False, mode="rev"):
        _check_differentiable_function(f, op)
        self.f = f
        self.mode = mode  # "rev": vjp_<f>(*args, seed); "fwd": jvp_<f>(*args, *, tangents)
        self.op = op
        self.wrt_spec = wrt
        self.callee = callee  # compiled for a call inside another derivative
        # ``f`` made by srcad itself (``grad(grad(f))``): what is transformed is a small
        # function calling the generated code of ``f``'s derivative (see stubs.py).
        self.stub = stubs.Stub(f) if getattr(f, "__srcad__", None) is not None else None
        self.target = self.stub.function if self.stub is not None else f
        self.signature = _parameters(self.target)
        self.wrt, self.single = _resolve_wrt(self.target, wrt)
        self.optimize = optimize
        self.fn = None
        self.transformed = None
        self.kinds = frozenset()
        self._shapes: dict = {}  # shapes of the array arguments -> their symbolic shapes
        self.children: list[Derivative] = []

    def clone(self) -> "Derivative":
        """A derivative of the same function with a namespace of its own."""
        return Derivative(self.f, self.wrt_spec, self.optimize, self.op, self.callee, self.mode)

    @property
    def tangent_names(self) -> list[str]:
        return self.transformed.seed_name.split(",")

    def compile(self, compiling=None, kinds=frozenset()):
        """Transform (or fetch from the cache) and build the function and its callees'.

        ``kinds`` pairs the parameters that receive numbers or containers (lists, tuples,
        dicts) with ``"scalar"``/``"container"``; the code is specialized for them."""
        compiling = {} if compiling is None else compiling
        self.kinds = kinds
        if self.stub is not None:
            self.stub.prepare(kinds)
        key = (f"{self.mode}-callee" if self.callee else self.mode,
               tuple(n for _, n, _ in self.wrt), self.single, self.optimize, kinds)
        compiling[(self.target, key)] = self
        code = self.target.__code__
        transformed = cache.get(code, key)
        if transformed is not None and not self._bound_ok(transformed):
            transformed = None
        if transformed is None:  # transform, or compile the text from the disk cache
            transformed = pipeline.transform_function(
                self.target, [n for _, n, _ in self.wrt], self.single, self.optimize, kinds,
                is_callee=self.callee, mode=self.mode)
            cache.put(code, key, transformed)
        ns = {"__builtins__": builtins, **transformed.helpers}
        self.ns = ns
        self.transformed = transformed
        self.children = []
        self.refresh()
        for name, (kind, where) in transformed.defaults.items():
            ns[name] = (self.target.__defaults__[where] if kind == "positional"
                        else self.target.__kwdefaults__[where])
        exec(transformed.code, ns)
        self.fn = ns[transformed.name]
        self.children = []
        for helper, callee, wrt, kinds in transformed.callees:
            child_key = (f"{self.mode}-callee", tuple(wrt), False, self.optimize, kinds)
            child = compiling.get((callee, child_key))
            if child is None:
                child = Derivative(callee, tuple(wrt), self.optimize, callee=True,
                                   mode=self.mode)
                child.compile(compiling, kinds)
            ns[helper] = child.fn
            self.children.append(child)
        self.refresh()
        return self.fn

    def _lookup(self, name):
        f = self.target
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
        if self.stub is not None:
            self.stub.refresh()
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
        found = []
        arrays = []  # (name, shape) of the arrays with axes
        for pairs in (zip(self.param_names, args), kwargs.items()):
            for name, value in pairs:
                if type(value) is np.ndarray:  # the common case first
                    if value.ndim == 1:
                        found.append((name, "vector"))
                    if value.ndim:
                        arrays.append((name, value.shape))
                    continue
                kind = _kind(value)
                if kind != "array":
                    found.append((name, kind))
        if arrays:
            key = tuple(arrays)
            shapes = self._shapes.get(key)
            if shapes is None:
                if len(self._shapes) > 16:
                    self._shapes.clear()
                shapes = self._shapes[key] = symbolic_shapes(arrays)
            found.extend(shapes)
        return frozenset(found)

    @property
    def param_names(self):
        names = getattr(self, "_param_names", None)
        if names is None:
            names = self._param_names = list(self.signature.parameters)
        return names

    def __call__(self, args, kwargs, seed=None):
        values = [self._check_input(args, kwargs, item) for item in self.wrt]
        kinds = self._kinds(args, kwargs)
        if self.fn is None or kinds != self.kinds or not self._bound_ok(self.transformed):
            self.compile(kinds=kinds)
        else:
            self.refresh()
        if seed is not None and self.mode == "fwd":
            seeds = [seed] if self.single else list(seed)
            kwargs = {**kwargs, **{t: _copy_structure(s)
                                   for t, s in zip(self.tangent_names, seeds)}}
        elif seed is not None:
            kwargs = {**kwargs, self.transformed.seed_name: _copy_structure(seed)}
        try:
            value, grads = self.fn(*args, **kwargs)
        except TypeError:
            self._check_arguments(args, kwargs, seed is not None)
            raise
        if self.mode == "fwd":
            return value, _like(grads, value)
        if self.single:
            return value, _like(grads, values[0])
        return value, tuple(_like(g, v) for g, v in zip(grads, values))

    def _check_arguments(self, args, kwargs, seeded=False):
        """Report a wrong call in terms of the user's function, not the generated one."""
        if seeded:
            seeds = set(self.transformed.seed_name.split(","))
            kwargs = {k: v for k, v in kwargs.items() if k not in seeds}
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


def symbolic_shapes(arrays) -> list:
    """``(name + SHAPE_MARK, shape)`` for each ``(name, shape)``, the sizes written as
    symbols (``"d0"``, ``"d1"`` ... in order of first appearance; equal sizes, one symbol)
    and 1 as 1: the derivative is compiled for the pattern (passes/shapes.py), and serves
    every call of that pattern whatever the sizes."""
    symbols: dict = {}
    out = []
    for name, shape in arrays:
        out.append((name + SHAPE_MARK, tuple(
            1 if n == 1 else symbols.setdefault(n, f"d{len(symbols)}") for n in shape)))
    return out


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _kind(value) -> str:
    if type(value) is np.ndarray:
        return "vector" if value.ndim == 1 else "array"
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


def _rerun(f, args, kwargs):
    """Run the user's function after its derivative failed: a genuine error of the user's
    code is reported from the user's code, not from inside the generated code."""
    try:
        return f(*args, **kwargs)
    except Exception as exc:
        raise exc from None
