"""The helpers that generated code calls for user rules (see srcad/custom.py).

A helper is registered in :data:`srcad.rules.TEMPLATE_GLOBALS` under a readable name
(``erf_vjp_x``).  It calls the user's function, turns an exception into a
:class:`~srcad.RuleError` naming the rule, and checks what comes back (not None, a tuple of
the right length, the shape of the argument it belongs to) before generated code uses it.
"""

from __future__ import annotations

import numpy as np

from . import runtime
from .errors import RuleError

def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


# ---------------------------------------------------------------------------------------
# helpers: what generated code calls


class _Helper:
    """A callable that generated code calls by its name in TEMPLATE_GLOBALS."""

    def __init__(self, reg, name, param=None):
        self.reg = reg
        self.__name__ = self.__qualname__ = name
        self.param = param

    def __repr__(self):
        return f"<srcad rule helper {self.__name__} for {self.reg.qualified}>"

    def __srcad_function__(self, location=None):
        """The Python function this helper computes, which srcad differentiates when a
        derivative calling the helper is differentiated again (srcad/custom_higher.py)."""
        from .custom_higher import function_of
        return function_of(self, location)

    def call(self, what, func, *args, **kwargs):
        """``func(*args, **kwargs)``; an exception becomes a RuleError naming the rule."""
        try:
            return func(*args, **kwargs)
        except Exception as exc:
            about = f" (argument `{self.param}`)" if self.param else ""
            kind = f"{self.reg.kind} " if self.reg.kind != "rule" else ""
            raise RuleError(
                f"the {what} you registered for {kind}`{self.reg.display}` raised "
                f"{type(exc).__name__}: {exc}{about}",
                hint=f"it was called from {self.__name__}, the helper srcad.show prints; the "
                     "traceback above this error shows where it failed") from exc

    def check_shape(self, what, value, like, like_desc, hint=""):
        """``value`` must be a number or array shaped like ``like`` (not broadcast)."""
        reg = self.reg
        about = f" for argument `{self.param}`" if self.param else ""
        if value is None or isinstance(value, (str, bytes, list, tuple, dict)) \
                and not isinstance(like, (list, tuple, dict)):
            raise RuleError(
                f"the {what} you registered for `{reg.display}` returned "
                f"{_kind_of(value)}{about}; it must return a number or an array shaped like "
                f"{like_desc}", hint=hint or _CONTRIBUTION_HINT)
        if isinstance(like, (list, tuple, dict)) or like is None:
            return value  # containers: their items are checked where they are used
        shape, want = np.shape(value), np.shape(like)
        if shape != want:
            raise RuleError(
                f"the {what} you registered for `{reg.display}` returned shape {shape}{about}, "
                f"but {like_desc} has shape {want}; srcad does not broadcast it",
                hint=hint or _CONTRIBUTION_HINT)
        return value


_CONTRIBUTION_HINT = ("return the contribution to each argument with the argument's shape: sum "
                      "over the axes that broadcasting added (srcad.runtime.unbroadcast(g, x) "
                      "does that)")


def _kind_of(value) -> str:
    if value is None:
        return "None"
    return f"{_a(type(value).__name__)} ({_short(value)})"


def _a(noun: str) -> str:
    return ("an " if noun[:1].lower() in "aeiou" or noun.startswith("nd") else "a ") + noun


def _no_rule_yet(reg):
    method = "defvjp(fwd, bwd)" if reg.kind == "custom_vjp" else "defjvp(jvp)"
    raise RuleError(f"{reg.kind} function `{reg.display}` is differentiated, but it has no "
                    f"rule yet", hint=f"call {reg.display}.{method} after defining it")


def _missing(reg, which, param):
    other = "defvjp" if which == "vjp" else "defjvp"
    raise RuleError(
        f"the rule you registered for `{reg.display}` has no {which} for argument `{param}`, "
        f"which is differentiated here",
        hint=f"pass one to srcad.{other}({reg.display}, ...) (None if the argument is not "
             "differentiable; argnums= says which positions the functions are for)")


class _ArgVjp(_Helper):
    """``b<param> += <fn>_vjp_<param>(by, y, *args)``: the user's vjp, or the user's jvp
    applied to the unit vectors of the argument."""

    def __call__(self, g, ans, *args, **kwargs):
        reg, param = self.reg, self.param
        x = reg.value_of(param, args, kwargs)
        vjp = (reg.vjps or {}).get(param)
        if vjp is not None:
            value = self.call("vjp rule", vjp, g, ans, *args, **kwargs)
            return self.check_shape("vjp rule", value, x, f"argument `{param}`")
        jvp = (reg.jvps or {}).get(param)
        if jvp is None:
            _missing(reg, "vjp", param)

        def tangent_of(e):
            t = self.call("jvp rule", jvp, e, ans, *args, **kwargs)
            return self.check_shape("jvp rule", t, ans, "the result")
        return _transpose_jvp(tangent_of, g, x)


class _ArgJvp(_Helper):
    """``dy += <fn>_jvp_<param>(dx, y, *args)``: the user's jvp, or the user's vjp applied to
    the unit vectors of the result."""

    def __call__(self, t, ans, *args, **kwargs):
        reg, param = self.reg, self.param
        jvp = (reg.jvps or {}).get(param)
        if jvp is not None:
            value = self.call("jvp rule", jvp, t, ans, *args, **kwargs)
            return self.check_shape("jvp rule", value, ans, "the result")
        vjp = (reg.vjps or {}).get(param)
        if vjp is None:
            _missing(reg, "jvp", param)
        x = reg.value_of(param, args, kwargs)

        def cotangent_of(e):
            c = self.call("vjp rule", vjp, e, ans, *args, **kwargs)
            return self.check_shape("vjp rule", c, x, f"argument `{param}`")
        return _transpose_vjp(cotangent_of, t, ans, reg)


class _CustomVjp(_Helper):
    """``cotangents = <f>_vjp(by, *args)``: reruns ``fwd`` for the residuals, then ``bwd``."""

    def __call__(self, g, *args):
        return self.cotangents(self.residuals(args), g, args)

    def residuals(self, args):
        reg = self.reg
        if reg.fwd is None:
            _no_rule_yet(reg)
        out = self.call("fwd function", reg.fwd, *args)
        if not (isinstance(out, tuple) and len(out) == 2):
            raise RuleError(
                f"the fwd function you registered for custom_vjp `{reg.display}` returned "
                f"{_kind_of(out)}; it must return a pair (value, residuals)",
                hint="e.g. `return y, (x, y)`: the value of the function and what bwd needs")
        return out[1]

    def cotangents(self, residuals, g, args):
        reg = self.reg
        out = self.call("bwd function", reg.bwd, residuals, g)
        n = len(reg.positional)
        expected = (f"a tuple of {n} cotangent{'s' if n != 1 else ''}, one per positional "
                    f"parameter of `{reg.display}` ({', '.join(reg.positional)})")
        if not isinstance(out, tuple):
            example = ("a tuple even for one parameter, e.g. `return (g * s,)`" if n == 1
                       else "a tuple, e.g. `return (" + ", ".join(f"g_{p}" for p in reg.positional)
                       + ")`")
            raise RuleError(
                f"the bwd function you registered for custom_vjp `{reg.display}` returned "
                f"{_kind_of(out)}; it must return {expected}",
                hint=f"return {example}, with None for a parameter with no contribution")
        if len(out) != n:
            raise RuleError(
                f"the bwd function you registered for custom_vjp `{reg.display}` returned a "
                f"tuple of {len(out)}; it must return {expected}",
                hint="None for a parameter with no contribution")
        result = []
        for p, c, x in zip(reg.positional, out, args):
            if c is None:
                result.append(runtime.zeros_like(x) if _numeric(x) else None)
                continue
            if _numeric(x):
                helper = _Helper(reg, self.__name__, p)
                helper.check_shape("bwd function", c, x, f"argument `{p}`",
                                   hint="return one cotangent per argument, shaped like the "
                                        "argument (sum over broadcast axes)")
            result.append(c)
        return tuple(result)


class _CustomVjpTangent(_Helper):
    """``dy += <f>_jvp_<param>(dx, y, *args)`` for a custom_vjp function: ``bwd`` applied
    to the unit vectors of the result (``fwd`` runs once)."""

    def __call__(self, t, ans, *args):
        reg = self.reg
        vjp = _CustomVjp(reg, self.__name__)
        residuals = vjp.residuals(args)
        i = reg.positional.index(self.param)
        return _transpose_vjp(lambda e: vjp.cotangents(residuals, e, args)[i], t, ans, reg)


class _CustomJvpTangent(_Helper):
    """``dy += <f>_jvp_<param>(dx, *args)``: the user's jvp with zero tangents elsewhere."""

    def __call__(self, t, *args):
        reg = self.reg
        if reg.jvp_fn is None:
            _no_rule_yet(reg)
        i = reg.positional.index(self.param)
        tangents = tuple(t if k == i else _zero_tangent(a) for k, a in enumerate(args))
        out = self.call("jvp function", reg.jvp_fn, tuple(args), tangents)
        if not (isinstance(out, tuple) and len(out) == 2):
            raise RuleError(
                f"the jvp function you registered for custom_jvp `{reg.display}` returned "
                f"{_kind_of(out)}; it must return a pair (primal_out, tangent_out)",
                hint="e.g. `return y, dy`")
        primal, tangent = out
        return self.check_shape("jvp function", tangent, primal, "its primal_out",
                                hint="return a tangent shaped like the result")


class _CustomJvpCotangent(_Helper):
    """``bx += <f>_vjp_<param>(by, *args)`` for a custom_jvp function: the jvp applied to the
    unit vectors of the argument."""

    def __call__(self, g, *args):
        tangent = _CustomJvpTangent(self.reg, self.__name__, self.param)
        x = args[self.reg.positional.index(self.param)]
        return _transpose_jvp(lambda e: tangent(e, *args), g, x)


def _numeric(x) -> bool:
    return isinstance(x, (int, float, complex, np.ndarray, np.generic)) \
        and not isinstance(x, (bool, np.bool_))


def _zero_tangent(x):
    return runtime.zeros_like(x) if _numeric(x) or isinstance(x, (list, tuple, dict)) else None


def _units(like):
    """``(index, unit vector)`` for each element of ``like``; index None for a number."""
    if not isinstance(like, np.ndarray):
        yield None, 1.0
        return
    dtype = np.result_type(like.dtype, 1.0)
    for i in range(like.size):
        e = np.zeros(like.shape, dtype=dtype)
        e.flat[i] = 1.0
        yield i, e


def _transpose_jvp(tangent_of, g, x):
    """``J^T g`` from ``tangent_of(e) = J e``: one call per element of ``x``."""
    if not isinstance(x, np.ndarray):
        return np.sum(np.asarray(g) * tangent_of(1.0))[()]
    out = np.zeros(x.shape, dtype=np.result_type(x.dtype, 1.0))
    for i, e in _units(x):
        out.flat[i] = np.sum(np.asarray(g) * tangent_of(e))
    return out


def _transpose_vjp(cotangent_of, t, ans, reg):
    """``J t`` from ``cotangent_of(e) = J^T e``: one call per element of the result."""
    if isinstance(ans, (list, tuple, dict)) or not _numeric(ans):
        raise RuleError(
            f"forward mode of `{reg.display}` needs its forward rule: it returns "
            f"{_kind_of(ans)}, and srcad derives a forward rule from a reverse one only for "
            "a result that is a number or an array",
            hint=f"register one with srcad.defjvp({reg.display}, ...) or use srcad.custom_jvp")
    if not isinstance(ans, np.ndarray):
        return np.sum(np.asarray(cotangent_of(1.0)) * t)[()]
    out = np.zeros(ans.shape, dtype=np.result_type(ans.dtype, 1.0))
    for j, e in _units(ans):
        out.flat[j] = np.sum(np.asarray(cotangent_of(e)) * t)
    return out
