"""Derivatives of derivatives: the source srcad transforms when ``f`` is srcad's own output.

``grad(f)`` returns a Python wrapper around generated code; it has no source of its own to
transform.  For ``grad(grad(f))``, ``jvp(grad(f))`` and the like, srcad writes a small
function with the wrapper's parameters that calls the generated code of the inner
derivative, and transforms that.  The generated code is an ordinary user function for the
transformation (its source is in ``linecache``), so the outer derivative differentiates
through it, stacks and loops included.  For ``g = grad(f)`` with ``f(x, w)``::

    def grad_f(x, w):
        value, grads = vjp_f(x, w)
        return grads

The inner derivative is compiled (for the kinds of the arguments) into a namespace owned
by the stub, so the user calling ``g`` directly with other arguments changes nothing here.
"""

from __future__ import annotations

import inspect
import itertools
import re

from . import emit
from .errors import UnsupportedError

KINDS = ("grad", "value_and_grad", "vjp", "jvp")
_COUNTER = itertools.count(1)


def with_extra_parameter(signature, extra: str):
    """``signature`` with a positional parameter ``extra`` (the cotangent or tangent)
    after the positional ones: the signature of a vjp or jvp wrapper."""
    params = list(signature.parameters.values())
    names = {p.name for p in params}
    while extra in names:
        extra = "_" + extra
    at = next((i for i, p in enumerate(params) if p.kind in (p.KEYWORD_ONLY, p.VAR_KEYWORD)),
              len(params))
    if any(p.default is not inspect.Parameter.empty for p in params[:at]):
        kind = inspect.Parameter.KEYWORD_ONLY  # after defaults it can only be a keyword
    else:
        kind = inspect.Parameter.POSITIONAL_OR_KEYWORD
    new = inspect.Parameter(extra, kind)
    if kind is inspect.Parameter.KEYWORD_ONLY:
        at = len([p for p in params if p.kind not in (p.KEYWORD_ONLY, p.VAR_KEYWORD)])
    params.insert(at, new)
    try:
        return signature.replace(parameters=params)
    except ValueError:
        return signature


class Stub:
    """The function standing for the srcad-made function ``wrapper`` in a transformation."""

    def __init__(self, wrapper):
        self.wrapper = wrapper
        self.kind = wrapper.__srcad_kind__
        self.inner = wrapper.__srcad__.clone()
        inner_signature = self.inner.signature
        self.params = list(inner_signature.parameters.values())
        for p in self.params:
            if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
                raise UnsupportedError(
                    f"higher-order derivatives of `{self.inner.f.__name__}` need named "
                    f"parameters; it takes *{p.name}/**{p.name}",
                    hint="give the function named parameters")
        prefix = "vjp" if self.inner.mode == "rev" else "jvp"
        self.base = re.sub(r"\W", "", self.inner.f.__name__) or "f"  # <lambda> -> lambda
        self.callee_name = f"{prefix}_{self.base}"
        if self.callee_name == f"{self.kind}_{self.base}":  # the stub's own name
            self.callee_name += "_inner"
        self.extra = {"vjp": "cotangent", "jvp": "tangent"}.get(self.kind)
        names = {p.name for p in self.params}
        while self.callee_name in names:
            self.callee_name = "_" + self.callee_name
        if self.extra is not None:
            while self.extra in names:
                self.extra = "_" + self.extra
        self.globals: dict = {self.callee_name: None}
        self.function = self._write(seed_call="")
        self.prepared = None

    def _write(self, seed_call: str):
        """Compile the stub; ``seed_call`` passes the cotangent or tangents on."""
        params, args = [], []
        kwonly_started = False
        for p in self.params:
            text = p.name
            if p.default is not inspect.Parameter.empty:
                default = f"default_{p.name}"
                self.globals[default] = p.default
                text += f"={default}"
            if p.kind == p.KEYWORD_ONLY and not kwonly_started:
                kwonly_started = True
                params.append("*")
            params.append(text)
            args.append(p.name if p.kind != p.KEYWORD_ONLY else f"{p.name}={p.name}")
        if self.extra is not None:
            positional = params[:params.index("*")] if kwonly_started else params
            if any("=" in p for p in positional):  # after a default: keyword-only
                if not kwonly_started:
                    params.append("*")
                    kwonly_started = True
                params.insert(params.index("*") + 1, self.extra)
            else:
                params.insert(len(positional), self.extra)
        call = f"{self.callee_name}({', '.join(args + ([seed_call] if seed_call else []))})"
        name = f"{self.kind}_{self.base}"
        if self.kind == "grad":
            body = f"    value, grads = {call}\n    return grads\n"
        else:
            body = f"    return {call}\n"
        text = f"def {name}({', '.join(params)}):\n{body}"
        self.text = text
        return emit.compile_function(text, name, self.globals,
                                     f"<srcad {name} {next(_COUNTER)}>")

    def prepare(self, kinds) -> None:
        """Compile the inner derivative for arguments of ``kinds`` and bind it."""
        inner_kinds = frozenset((p, k) for p, k in kinds if p != self.extra)
        if self.prepared == inner_kinds:
            return
        fn = self.inner.compile(kinds=inner_kinds)
        first = self.prepared is None
        self.prepared = inner_kinds
        self.globals[self.callee_name] = fn
        if first and self.extra is not None:
            if self.inner.mode == "rev":
                seed = f"{self.inner.transformed.seed_name}={self.extra}"
            elif self.inner.single:
                seed = f"{self.inner.tangent_names[0]}={self.extra}"
            else:
                seed = ", ".join(f"{t}={self.extra}[{i}]"
                                 for i, t in enumerate(self.inner.tangent_names))
            self.function.__code__ = self._write(seed).__code__

    def refresh(self) -> None:
        if self.prepared is not None:
            self.inner.refresh()
