"""Deterministic, readable names for generated code.

Temporaries are named after the expression they hold (``x1_times_x2``, ``sin_x``), falling
back to numbered names (``_t1``) when that would be too long.  The adjoint of ``x`` is
``bx`` and its tangent ``dx``.  Nothing random or ``id()``-based ever reaches a name, so the
same input always gives the same text.
"""

from __future__ import annotations

import keyword
import re

import gast

MAX_LEN = 20

_BINOP_WORDS = {
    gast.Add: "plus", gast.Sub: "minus", gast.Mult: "times", gast.Div: "over",
    gast.FloorDiv: "floordiv", gast.Mod: "mod", gast.Pow: "pow", gast.MatMult: "at",
    gast.BitAnd: "and", gast.BitOr: "or", gast.BitXor: "xor",
    gast.LShift: "lshift", gast.RShift: "rshift",
}
_UNARY_WORDS = {gast.USub: "neg", gast.UAdd: "pos", gast.Not: "not", gast.Invert: "inv"}
_CMP_WORDS = {
    gast.Lt: "lt", gast.LtE: "le", gast.Gt: "gt", gast.GtE: "ge", gast.Eq: "eq",
    gast.NotEq: "ne", gast.Is: "is", gast.IsNot: "isnot", gast.In: "in", gast.NotIn: "notin",
}


class Namer:
    """Hands out names unique within one generated function."""

    def __init__(self, taken=()):
        self.taken = set(taken)
        self._adjoints: dict[str, str] = {}
        self._tangents: dict[str, str] = {}
        self._counter = 0

    def reserve(self, *names: str) -> None:
        self.taken.update(names)

    def fresh(self, base: str) -> str:
        base = _sanitize(base) or "t"
        if base not in self.taken and not keyword.iskeyword(base):
            self.taken.add(base)
            return base
        n = 2
        stem = base.rstrip("0123456789_") if re.search(r"_\d+$", base) else base
        stem = stem or base
        while f"{stem}_{n}" in self.taken:
            n += 1
        name = f"{stem}_{n}"
        self.taken.add(name)
        return name

    def temp(self, expr=None) -> str:
        """A fresh name for a temporary holding ``expr``."""
        base = describe(expr) if expr is not None else None
        if base and len(base) <= MAX_LEN:
            return self.fresh(base)
        self._counter += 1
        while f"_t{self._counter}" in self.taken:
            self._counter += 1
        name = f"_t{self._counter}"
        self.taken.add(name)
        return name

    def adjoint(self, name: str) -> str:
        """The adjoint name of primal ``name`` (``bx`` for ``x``), stable per name."""
        if name not in self._adjoints:
            self._adjoints[name] = self.fresh("b" + name)
        return self._adjoints[name]

    def tangent(self, name: str) -> str:
        if name not in self._tangents:
            self._tangents[name] = self.fresh("d" + name)
        return self._tangents[name]


def _sanitize(text: str) -> str:
    text = re.sub(r"\W+", "_", text).strip("_") if not text.startswith("_") else text
    text = re.sub(r"\W+", "_", text)
    if text and text[0].isdigit():
        text = "_" + text
    return text


def _atom(expr) -> str | None:
    if isinstance(expr, gast.Name):
        return expr.id
    if isinstance(expr, gast.Constant):
        value = expr.value
        if isinstance(value, bool) or value is None:
            return str(value)
        if isinstance(value, int):
            return str(value)
        if isinstance(value, float):
            return repr(value).replace(".", "_").replace("-", "m").rstrip("_0") or "0"
        return None
    if isinstance(expr, gast.Attribute):
        return expr.attr
    return None


def describe(expr) -> str | None:
    """A name describing ``expr`` (``x_times_w`` for ``x * w``), or None."""
    if isinstance(expr, gast.BinOp):
        left, right = _atom(expr.left), _atom(expr.right)
        word = _BINOP_WORDS.get(type(expr.op))
        if left and right and word:
            if word == "pow" and right == "2":
                return f"{left}_squared"
            return f"{left}_{word}_{right}"
    elif isinstance(expr, gast.UnaryOp):
        operand = _atom(expr.operand)
        if operand:
            return f"{_UNARY_WORDS.get(type(expr.op), 'op')}_{operand}"
    elif isinstance(expr, gast.Compare):
        left, right = _atom(expr.left), _atom(expr.comparators[0])
        if left and right:
            return f"{left}_{_CMP_WORDS.get(type(expr.ops[0]), 'cmp')}_{right}"
    elif isinstance(expr, gast.Call):
        func = expr.func
        if isinstance(func, gast.Attribute) and isinstance(func.value, gast.Name) \
                and func.value.id not in ("np", "numpy", "math", "jnp", "scipy"):
            owner = func.value.id
            return f"{owner}_{func.attr}"
        fname = func.attr if isinstance(func, gast.Attribute) else getattr(func, "id", None)
        args = [a.lstrip("_") for a in (_atom(arg) for arg in expr.args[:2]) if a]
        if fname:
            return "_".join([fname.strip("_")] + args)
    elif isinstance(expr, gast.Attribute):
        owner = _atom(expr.value)
        if owner:
            return f"{owner}_{expr.attr}"
    elif isinstance(expr, gast.Subscript):
        owner = _atom(expr.value)
        index = _atom(expr.slice)
        if owner:
            return f"{owner}_{index}" if index else f"{owner}_item"
    elif isinstance(expr, (gast.Tuple, gast.List)):
        return "tup" if isinstance(expr, gast.Tuple) else "lst"
    elif isinstance(expr, gast.Name):
        return expr.id
    return None
