"""Your own derivative rules: ``defvjp``, ``defjvp``, ``custom_vjp``, ``custom_jvp``, ``stop_gradient``.

Everything here writes into the one table of rules, :data:`srcad.rules.RULES`.  A user rule
is a :class:`~srcad.rules.Rule` like the built-in ones (made by ``make_rule``, listed by
``srcad.supported_functions()``), whose templates call the user's functions through
*helpers*: small callables registered in :data:`srcad.rules.TEMPLATE_GLOBALS` under readable
names, so that generated code (``srcad.show``) shows the call.  For
``srcad.defvjp(scipy.special.erf, vjp)`` the rule is::

    vjp:  bx += erf_vjp_x(by, y, x)
    jvp:  dy += erf_jvp_x(dx, y, x)

A helper calls the user's function, turns an exception into a :class:`~srcad.RuleError`
naming the rule, and checks the result (not None, the shape of the argument it belongs to)
before generated code uses it.  Rules are keyed by the object a call resolves to; a
``custom_vjp`` function is a small generated function ``def f(x): return custom_vjp_f(x)``
whose primitive ``custom_vjp_f`` (and the function itself) carry the rule, so that calls
to ``f`` *and* ``srcad.grad(f)`` use it.

What each kind of rule gives in the mode it was not written for:

* a rule with vjps only (``defvjp``, ``custom_vjp``) gets its forward derivative from the
  vjps applied to the unit vectors of the *result*: ``size(y)`` calls per tangent;
* a rule with jvps only (``defjvp``, ``custom_jvp``) gets its reverse derivative from the
  jvps applied to the unit vectors of each *argument*: ``size(x)`` calls per argument.

Both are exact (the rules are linear in ``g``/``dx``) but cost one call per element; give
both rules when that matters.  ``custom_vjp`` reruns ``fwd`` in the adjoint to get the
residuals (the primal ran the function itself): one more evaluation per call.

Derivatives of derivatives differentiate what a helper computes: the user's functions, or a
small function composing them (srcad/custom_higher.py).

Registering or removing a rule invalidates every cached derivative (``cache.invalidate``).
"""

from __future__ import annotations

import builtins
import functools
import inspect
import itertools
import textwrap

from . import cache, emit, rules
from .custom_helpers import (_a, _ArgJvp, _ArgVjp, _CustomJvpCotangent, _CustomJvpTangent,
                             _CustomVjp, _CustomVjpTangent, _short)
from .custom_registration import (_REGISTRY, _display, _identifier, _key_of, _per_argument,
                                  _plain_registration, _registration)
from .errors import RuleError

__all__ = ["defvjp", "defjvp", "custom_vjp", "custom_jvp", "stop_gradient", "unregister"]

_COUNTER = itertools.count(1)
_MODULE = __name__


# ---------------------------------------------------------------------------------------
# stop_gradient


def stop_gradient(x):
    """``x`` unchanged; its derivative is zero, so no derivative flows through it.

    >>> import srcad
    >>> srcad.grad(lambda x: x * srcad.stop_gradient(x))(3.0)
    3.0
    """
    return x


rules.defnondiff(stop_gradient, why="srcad.stop_gradient: zero derivative by definition")


# ---------------------------------------------------------------------------------------
# the public registration functions


def defvjp(fn, *vjps, argnums=None, params=None) -> None:
    """Give ``fn`` a reverse-mode rule: one vjp function per positional argument.

    Each vjp is ``vjp(g, ans, *args, **kwargs) -> contribution`` where ``g`` is the adjoint
    of the result ``ans = fn(*args, **kwargs)`` and the contribution has the shape of its
    argument; ``None`` declares an argument not differentiable.  ``argnums`` says which
    positional arguments the vjps belong to (default: the first ``len(vjps)``).  ``params``
    (``"x1, x2"``) names the parameters when ``fn``'s signature cannot be read or should not
    be used.  Calling ``defvjp`` again replaces the vjps; a :func:`defjvp` rule is kept.

    >>> import srcad
    >>> def cube(x):  # say, a C extension srcad cannot read
    ...     return x ** 3
    >>> srcad.defvjp(cube, lambda g, ans, x: g * 3.0 * x ** 2)
    >>> srcad.grad(lambda x: cube(x) + x)(2.0)
    13.0
    """
    reg = _plain_registration(fn, params, "defvjp")
    reg.vjps = _per_argument(reg, vjps, argnums, "defvjp", "vjp")
    _install(reg)


def defjvp(fn, *jvps, argnums=None, params=None) -> None:
    """Give ``fn`` a forward-mode rule: one jvp function per positional argument.

    Each jvp is ``jvp(dx, ans, *args, **kwargs) -> tangent contribution`` (linear in the
    tangent ``dx`` of its argument, shaped like ``ans``); ``None`` declares an argument not
    differentiable.  ``argnums`` and ``params`` are as for :func:`defvjp`; a ``defvjp`` rule
    of the same function is kept.  Without one, reverse mode applies the jvps to the unit
    vectors of each argument (one call per element).

    >>> import srcad
    >>> def square(x):
    ...     return x * x
    >>> srcad.defjvp(square, lambda dx, ans, x: 2.0 * x * dx)
    >>> srcad.grad(lambda x: square(x))(3.0)  # reverse mode from the jvp
    6.0
    """
    reg = _plain_registration(fn, params, "defjvp")
    reg.jvps = _per_argument(reg, jvps, argnums, "defjvp", "jvp")
    _install(reg)


def custom_vjp(fn):
    """Decorate ``fn`` to give it a reverse rule with ``fn.defvjp(fwd, bwd)``, as in JAX.

    ``fwd(*args) -> (value, residuals)`` and ``bwd(residuals, g) -> (cotangent, ...)``: a
    tuple with one entry per positional parameter of ``fn`` (``None`` for no contribution),
    each shaped like its argument.  The decorated function is called like ``fn``; inside a
    differentiated function (and under ``srcad.grad`` directly) its derivative comes from
    ``bwd``.  The adjoint reruns ``fwd`` to get the residuals.

    >>> import numpy as np, srcad
    >>> @srcad.custom_vjp
    ... def clip_gradient(x):
    ...     return x
    >>> clip_gradient.defvjp(lambda x: (x, None), lambda res, g: (np.clip(g, -1.0, 1.0),))
    >>> srcad.grad(lambda x: 5.0 * clip_gradient(x))(2.0)
    1.0
    """
    return _custom(fn, "custom_vjp")


def custom_jvp(fn):
    """Decorate ``fn`` to give it a forward rule with ``fn.defjvp(jvp)``, as in JAX.

    ``jvp(primals, tangents) -> (primal_out, tangent_out)`` takes tuples with one entry per
    positional parameter.  Forward mode calls it once per differentiated argument, with zero
    tangents for the others; reverse mode applies it to the unit vectors of each argument
    (one call per element: use :func:`custom_vjp` for large arguments).  ``fn.defjvp``
    returns ``jvp``, so it can decorate it.

    >>> import numpy as np, srcad
    >>> @srcad.custom_jvp
    ... def softplus(x):
    ...     return np.logaddexp(0.0, x)
    >>> @softplus.defjvp
    ... def softplus_jvp(primals, tangents):
    ...     (x,), (dx,) = primals, tangents
    ...     return softplus(x), dx / (1.0 + np.exp(-x))
    >>> float(srcad.grad(lambda x: softplus(x))(0.0))
    0.5
    """
    return _custom(fn, "custom_jvp")


def unregister(fn) -> None:
    """Remove the rule registered for ``fn`` by this module; a built-in rule comes back.

    >>> import srcad
    >>> def double(x):
    ...     return 2.0 * x
    >>> srcad.defvjp(double, lambda g, ans, x: 2.0 * g)
    >>> any(name.endswith(".double") for name in srcad.supported_functions())
    True
    >>> srcad.custom.unregister(double)
    >>> any(name.endswith(".double") for name in srcad.supported_functions())
    False
    """
    reg = _REGISTRY.get(_key_of(fn))
    if reg is None:
        raise RuleError(f"no rule was registered for `{_display(fn)}` with srcad.defvjp, "
                        "defjvp, custom_vjp or custom_jvp")
    for key in (reg.key, *reg.extra_keys):
        _REGISTRY.pop(key, None)
        if reg.original is not None and key is reg.key:
            rules.RULES[key] = reg.original
        else:
            rules.RULES.pop(key, None)
    for name in reg.helpers:
        if rules.TEMPLATE_GLOBALS.get(name) is reg.helpers[name]:
            del rules.TEMPLATE_GLOBALS[name]
    reg.helpers.clear()
    cache.invalidate()


# ---------------------------------------------------------------------------------------
# templates and installation


def _install(reg, invalidate=True) -> None:
    """Build ``reg``'s rule, put it in the table (and its helpers in TEMPLATE_GLOBALS)."""
    used: dict = {}

    def helper(suffix, cls, param=None):
        name = _helper_name(reg, suffix)
        obj = reg.helpers.get(name)
        if not isinstance(obj, cls) or obj.param != param:
            obj = cls(reg, name, param)
        used[name] = obj
        return name

    args = ", ".join(reg.positional + [f"{k}={k}" for k in reg.kwonly])
    y = reg.output
    vjp, jvp = [], []
    if reg.kind == "custom_vjp":
        temp = _fresh_temp(reg, "cotangents")
        vjp.append(f"{temp} = {helper('vjp', _CustomVjp)}(b{y}, {args})")
        vjp += [f"b{p} += {temp}[{i}]" for i, p in enumerate(reg.positional)]
        jvp += [f"d{y} += {helper(f'jvp_{p}', _CustomVjpTangent, p)}(d{p}, {y}, {args})"
                for p in reg.positional]
    elif reg.kind == "custom_jvp":
        jvp += [f"d{y} += {helper(f'jvp_{p}', _CustomJvpTangent, p)}(d{p}, {args})"
                for p in reg.positional]
        vjp += [f"b{p} += {helper(f'vjp_{p}', _CustomJvpCotangent, p)}(b{y}, {args})"
                for p in reg.positional]
    else:
        for which, own, other, cls, fmt in (
                ("vjp", reg.vjps, reg.jvps, _ArgVjp, "b{p} += {h}(b{y}, {y}, {args})"),
                ("jvp", reg.jvps, reg.vjps, _ArgJvp, "d{y} += {h}(d{p}, {y}, {args})")):
            lines = vjp if which == "vjp" else jvp
            declared = own if own is not None else other
            if own is None and _original_fits(reg, which):
                text = textwrap.dedent(getattr(reg.original, f"{which}_text")).strip()
                lines.extend(text.splitlines())
                continue
            for p in reg.positional + reg.kwonly:
                if p in declared and declared[p] is None:
                    continue  # declared not differentiable: no contribution
                h = helper(f"{which}_{p}", cls, p)
                lines.append(fmt.format(p=p, h=h, y=y, args=args))
    saved = dict(rules.TEMPLATE_GLOBALS), dict(reg.helpers)
    _swap_helpers(reg, used)
    try:
        rule = rules.make_rule(reg.key, reg.params_text, vjp="\n".join(vjp), jvp="\n".join(jvp),
                               outputs=y, names=[reg.qualified], kind="function")
    except RuleError as exc:  # a parameter name we did not foresee
        rules.TEMPLATE_GLOBALS.clear()
        rules.TEMPLATE_GLOBALS.update(saved[0])
        reg.helpers = saved[1]
        raise RuleError(f"cannot make a rule for `{reg.display}`: {exc.message}",
                        hint="name its parameters with params='x1, x2'") from None
    rule.module = _MODULE
    rule.signature = _plain_signature(reg.signature)
    reg.rule = rule
    for key in (reg.key, *reg.extra_keys):
        rules.RULES[key] = rule
        _REGISTRY[key] = reg
    if invalidate:
        cache.invalidate()


def _plain_signature(sig):
    return sig.replace(parameters=[p.replace(annotation=p.empty) for p in sig.parameters.values()],
                       return_annotation=inspect.Signature.empty)


def _original_fits(reg, which) -> bool:
    """Whether the built-in rule's ``which`` template can be kept next to the user's."""
    original = reg.original
    return (original is not None and bool(getattr(original, which))
            and original.params == reg.positional + reg.kwonly
            and tuple(original.outputs) == (reg.output,))


def _helper_name(reg, suffix) -> str:
    base = f"{reg.base}_{suffix}"
    name, n = base, 1
    taken = set(reg.positional) | set(reg.kwonly) | {reg.output}
    while name in taken or (name in rules.TEMPLATE_GLOBALS
                            and rules.TEMPLATE_GLOBALS[name] is not reg.helpers.get(name)):
        n += 1
        name = f"{base}_{n}"
    return name


def _fresh_temp(reg, base) -> str:
    taken = set(reg.positional) | {reg.output}
    name = base
    while name in taken or name in rules.TEMPLATE_GLOBALS:
        name += "_"
    return name


def _swap_helpers(reg, used) -> None:
    for name, obj in reg.helpers.items():
        if name not in used and rules.TEMPLATE_GLOBALS.get(name) is obj:
            del rules.TEMPLATE_GLOBALS[name]
    reg.helpers = dict(used)
    rules.TEMPLATE_GLOBALS.update(used)


# ---------------------------------------------------------------------------------------
# custom_vjp / custom_jvp


class _Primitive:
    """What a ``custom_vjp``/``custom_jvp`` function calls: the user's function, keyed in
    the rules table."""

    def __init__(self, fn, name):
        self.fn = fn
        self.__name__ = name
        self.__qualname__ = name
        functools.update_wrapper(self, fn, assigned=("__module__", "__doc__"), updated=())

    def __call__(self, *args, **kwargs):
        return self.fn(*args, **kwargs)

    def __repr__(self):
        return f"<srcad primitive {self.__name__}>"


def _custom(fn, kind):
    where = kind
    if not callable(fn):
        raise RuleError(f"srcad.{kind} decorates a function; got {type(fn).__name__} "
                        f"{_short(fn)}")
    display = _display(fn)
    name = _identifier(display)
    prim_name = f"{kind}_{name}"
    prim = _Primitive(fn, prim_name)
    reg = _registration(fn, None, where, key=prim, kind=kind, display=display)
    names = reg.positional
    posonly = [p.name for p in reg.signature.parameters.values() if p.kind == p.POSITIONAL_ONLY]
    text = ", ".join(posonly + (["/"] if posonly else []) + names[len(posonly):])
    source = f"def {name}({text}):\n    return {prim_name}({', '.join(names)})\n"
    namespace = {"__name__": getattr(fn, "__module__", None) or _MODULE,
                 "__builtins__": builtins, prim_name: prim}
    wrapper = emit.compile_function(source, name, namespace,
                                    f"<srcad {kind} {reg.qualified} #{next(_COUNTER)}>")
    defaults = tuple(p.default for p in reg.signature.parameters.values()
                     if p.default is not p.empty)
    wrapper.__defaults__ = defaults or None
    functools.update_wrapper(wrapper, fn)
    wrapper.__srcad_custom__ = prim
    wrapper.fun = fn
    reg.extra_keys = (wrapper,)
    if kind == "custom_vjp":
        def defvjp(fwd, bwd):
            _check_callable(reg, fwd, "fwd", "(*args) -> (value, residuals)")
            _check_callable(reg, bwd, "bwd", "(residuals, g) -> (cotangent, ...)")
            reg.fwd, reg.bwd = fwd, bwd
            _install(reg)
        defvjp.__doc__ = f"Give `{display}` its reverse rule: fwd(*args) -> (value, " \
                         "residuals), bwd(residuals, g) -> (cotangent, ...)."
        wrapper.defvjp = defvjp
    else:
        def defjvp(jvp):
            _check_callable(reg, jvp, "jvp", "(primals, tangents) -> (primal_out, tangent_out)")
            reg.jvp_fn = jvp
            _install(reg)
            return jvp  # so that it can decorate the jvp, as in JAX
        defjvp.__doc__ = f"Give `{display}` its forward rule: jvp(primals, tangents) -> " \
                         "(primal_out, tangent_out); returns jvp, so it can be a decorator."
        wrapper.defjvp = defjvp
    # Calls use the rule from now on; until .defvjp/.defjvp, it says what is missing.  A new
    # function is in no cached derivative, so nothing needs invalidating yet.
    _install(reg, invalidate=False)
    return wrapper


def _check_callable(reg, func, what, shape):
    if not callable(func):
        raise RuleError(f"{reg.kind} `{reg.display}`: {what} is {_a(type(func).__name__)} "
                        f"({_short(func)}), not a function", hint=f"pass a function {what}{shape}")
