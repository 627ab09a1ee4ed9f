"""What a user registered for one callable (``defvjp``, ``custom_vjp`` ...): the
registration, the checks of the user's signatures and functions, and the table of
registrations, :data:`_REGISTRY`.  srcad/custom.py turns a registration into a rule."""

from __future__ import annotations

import inspect
import keyword
import math
import re
import sys
from dataclasses import dataclass, field

import numpy as np

from . import rules
from .custom_helpers import _a, _short
from .errors import RuleError

_REGISTRY: dict = {}  # key in RULES -> _Registration

@dataclass(eq=False)
class _Registration:
    """What the user registered for one callable, and the rule made of it."""

    key: object  # the object calls resolve to (fn; for custom_vjp the decorated function)
    fn: object  # what computes the value
    display: str  # for messages: "erf"
    qualified: str  # the rule's name: "scipy.special.erf"
    base: str  # the start of helper names: "erf"
    signature: inspect.Signature
    positional: list
    kwonly: list
    params_text: str
    output: str  # the template name of the result: "y"
    original: object = None  # the rule the table held before (a built-in rule)
    kind: str = "rule"  # rule | custom_vjp | custom_jvp
    vjps: dict | None = None  # param -> function or None (declared not differentiable)
    jvps: dict | None = None
    fwd: object = None
    bwd: object = None
    jvp_fn: object = None
    extra_keys: tuple = ()
    helpers: dict = field(default_factory=dict)  # name in TEMPLATE_GLOBALS -> helper
    rule: object = None

    def value_of(self, param, args, kwargs):
        if param in self.kwonly:
            return kwargs.get(param)
        return args[self.positional.index(param)]


def _key_of(fn):
    return getattr(fn, "__srcad_custom__", None) or fn


def _display(fn) -> str:
    return getattr(fn, "__name__", None) or type(fn).__name__


def _qualified(fn) -> str:
    """``numpy.i0``, ``scipy.special.erf``, ``mymodule.helper``."""
    name = getattr(fn, "__name__", None)
    module = getattr(fn, "__module__", None)
    if isinstance(fn, np.ufunc) or not module:  # ufuncs do not know their module
        found = sorted((m for m, mod in list(sys.modules.items())
                        if name and getattr(mod, "__dict__", {}).get(name) is fn),
                       key=lambda m: (any(p.startswith("_") for p in m.split(".")), len(m)))
        if found:
            return f"{found[0]}.{name}"
    qualname = getattr(fn, "__qualname__", None) or name or repr(fn)
    return f"{module}.{qualname}" if module and module != "builtins" else qualname


def _identifier(text: str) -> str:
    out = re.sub(r"\W+", "_", text).strip("_") or "fn"
    if out[0].isdigit() or keyword.iskeyword(out):
        out = "fn_" + out
    return out


def _is_constant(value) -> bool:
    if value is None or value is Ellipsis:
        return True
    if type(value) in (bool, int, str, bytes):
        return True
    if type(value) in (float, complex):
        return all(math.isfinite(v) for v in (value.real, value.imag))
    if type(value) is tuple:
        return all(_is_constant(v) for v in value)
    return False


def _rule_signature(fn, params, display, where) -> inspect.Signature:
    if params is not None:
        if not isinstance(params, str):
            raise RuleError(f"{where}: params= for `{display}` must be a string such as "
                            f"'x1, x2'; got {type(params).__name__}")
        try:
            return rules._signature(params)
        except RuleError as exc:
            raise RuleError(f"{where}: params={params!r} for `{display}` is not a parameter "
                            f"list: {exc.message}", hint="write it like a `def` line: "
                            "'x1, x2, axis=None'") from None
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        if isinstance(fn, np.ufunc):
            names = ["x"] if fn.nin == 1 else [f"x{i + 1}" for i in range(fn.nin)]
            return rules._signature(", ".join(names))
        raise RuleError(f"{where}: cannot read the signature of `{display}`",
                        hint=f"name its parameters: {where}({display}, ..., params='x1, x2')") \
            from None
    if isinstance(fn, np.ufunc):  # (x1, x2, /, out=None, *, where=True, ...): the inputs
        sig = sig.replace(parameters=list(sig.parameters.values())[:fn.nin])
    return sig


def _check_signature(sig, display, where, custom=False):
    """Parameters and defaults a rule can be written with; the params text for make_rule."""
    positional, kwonly, plain = [], [], []
    for p in sig.parameters.values():
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            star = "*" if p.kind == p.VAR_POSITIONAL else "**"
            raise RuleError(
                f"{where}: `{display}` takes {star}{p.name}; a rule needs named parameters",
                hint=(f"give `{display}` named parameters" if custom else
                      f"name the parameters it is called with: "
                      f"{where}({display}, ..., params='x1, x2')"))
        if p.kind == p.KEYWORD_ONLY:
            if custom:
                raise RuleError(f"{where}: `{display}` has the keyword-only parameter "
                                f"`{p.name}`; {where} functions take positional parameters",
                                hint="make it an ordinary parameter, or bind it with a closure")
            kwonly.append(p.name)
        else:
            positional.append(p.name)
        if p.default is not p.empty and not _is_constant(p.default):
            raise RuleError(
                f"{where}: the default value of parameter `{p.name}` of `{display}` is a "
                f"{type(p.default).__name__}; a rule can only pass constant defaults (None, "
                "numbers, strings, tuples of them) to your functions",
                hint="give it a constant default" if custom else
                     f"name the parameters with constant defaults: {where}({display}, ..., "
                     "params='x, axis=None')")
        if p.name in rules.TEMPLATE_GLOBALS:
            raise RuleError(f"{where}: parameter `{p.name}` of `{display}` has the name of a "
                            "srcad helper, which rule templates reserve",
                            hint=f"name the parameters differently: {where}({display}, ..., "
                                 "params='x1, x2')")
        plain.append(p.replace(annotation=p.empty))
    text = str(inspect.Signature(plain))[1:-1]
    return positional, kwonly, text


def _output_name(params) -> str:
    taken = set(params)
    for cand in ("y", "out", "ans", "result", "value"):
        if not {cand, "b" + cand, "d" + cand} & taken and cand not in rules.TEMPLATE_GLOBALS:
            return cand
    n = 1
    while f"y{n}" in taken:
        n += 1
    return f"y{n}"


def _plain_registration(fn, params, where):
    reg = _registration(fn, params, where)
    if reg.kind != "rule":
        method = "defvjp(fwd, bwd)" if reg.kind == "custom_vjp" else "defjvp(jvp)"
        raise RuleError(f"srcad.{where}: `{reg.display}` is a {reg.kind} function",
                        hint=f"give its rule with {reg.display}.{method}")
    return reg


def _registration(fn, params, where, key=None, kind="rule", display=None):
    """The registration of ``fn`` (existing, or new and not yet installed)."""
    if not callable(fn):
        raise RuleError(f"srcad.{where} needs a function to give a rule to; got "
                        f"{type(fn).__name__} {_short(fn)}")
    key = key if key is not None else _key_of(fn)
    reg = _REGISTRY.get(key)
    if reg is not None and params is None:
        return reg
    display = display or _display(fn)
    sig = _rule_signature(fn, params, display, f"srcad.{where}")
    positional, kwonly, text = _check_signature(sig, display, f"srcad.{where}",
                                                custom=kind != "rule")
    if reg is not None:  # new params= for a registered function: keep what it has
        reg.signature, reg.positional, reg.kwonly, reg.params_text = sig, positional, kwonly, text
        reg.output = _output_name(positional + kwonly)
        return reg
    original = rules.lookup(key)
    return _Registration(
        key=key, fn=fn, display=display, qualified=_qualified(fn), base=_identifier(display),
        signature=sig, positional=positional, kwonly=kwonly, params_text=text,
        output=_output_name(positional + kwonly), original=original, kind=kind)



def _per_argument(reg, funcs, argnums, where, what) -> dict:
    """``{param: function or None}`` from the positional ``funcs`` and ``argnums``."""
    n = len(reg.positional)
    plural = "s" if n != 1 else ""
    listed = ", ".join(reg.positional) or "none"
    if argnums is None:
        if len(funcs) > n:
            raise RuleError(
                f"srcad.{where} got {len(funcs)} {what} functions for `{reg.display}`, which "
                f"has {n} positional parameter{plural} ({listed})",
                hint=f"pass one {what} per positional parameter, in order (None for one that "
                     "is not differentiable), or say which with argnums=")
        argnums = tuple(range(len(funcs)))
    else:
        argnums = (argnums,) if isinstance(argnums, int) else tuple(argnums)
        if len(argnums) != len(funcs) or len(set(argnums)) != len(argnums) or not all(
                isinstance(i, int) and not isinstance(i, bool) and -n <= i < n
                for i in argnums):
            raise RuleError(
                f"srcad.{where}: argnums={argnums!r} for `{reg.display}` must list "
                f"{len(funcs)} distinct positions among its {n} positional parameter{plural} "
                f"({listed}), one per {what} function")
        argnums = tuple(i % n for i in argnums)
    if not funcs:
        raise RuleError(f"srcad.{where} got no {what} function for `{reg.display}`",
                        hint=f"pass one {what} per positional parameter: srcad.{where}("
                             f"{reg.display}, {what}_{reg.positional[0] if n else 'x'})")
    out = {}
    for i, func in zip(argnums, funcs):
        param = reg.positional[i]
        if func is not None and not callable(func):
            args = "g, ans" if what == "vjp" else "dx, ans"
            raise RuleError(
                f"srcad.{where}: the {what} for argument `{param}` of `{reg.display}` is "
                f"{_a(type(func).__name__)} ({_short(func)}), not a function",
                hint=f"pass a function ({args}, {', '.join(reg.positional)}) -> contribution, "
                     "or None if the argument is not differentiable")
        out[param] = func
    return out


