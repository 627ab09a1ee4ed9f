"""Drop the saves of values a loop computes the same in every iteration.

The reverse sweep saves a name before each assignment in a loop overwrites it, so that
the adjoint sweep sees the value of every iteration.  When the value cannot change from
one iteration to the next, the last one serves them all, and the saves go::

    for i in range(n):                      for i in range(n):
        stack.append(neg_k)                     neg_k = -k
        neg_k = -k                  ->          ...
        ...                                 for i in reversed(range(n)):
    for i in reversed(range(n)):                bx = bx + ba * neg_k
        bx = bx + ba * neg_k
        neg_k = stack.pop()

A name qualifies when the function assigns it in one place only (restores aside), with an
expression of arithmetic, attribute and item reads and numpy or math calls, of names that
are parameters or are assigned once outside every loop, and that nothing changes in place
(no item writes, no method calls, not passed to other functions).
"""

from __future__ import annotations

import re

import gast

from .. import grammar
from ..grammar import walk
from .saves import pushed_name, restored_name, without_saves, without_unused_stack

_COMPOUND = (gast.If, gast.For, gast.While)
_PURE_BUILTINS = {"len", "abs", "float", "int"}
_PURE_MODULES = {"np", "math"}
# srcad's runtime helpers that update an argument in place (and their renamings).
_MUTATING = re.compile(r"(add|add_at|restore_item|zero_at)(_\d+)?")


def run(fn: gast.FunctionDef, stack: str | None) -> None:
    if stack is None:
        return
    scan, stable = stable_names(fn, stack)
    params = set(grammar.params(fn))
    dropped: set = set()
    while True:  # a value made from invariant values in the loop is invariant too
        found = set()
        for var, sites in scan.assigns.items():
            if len(sites) != 1 or var in dropped | scan.escaping | scan.restored - scan.pushed \
                    or var in params:  # its value before the loop is not the loop's
                continue
            stmt, depth = sites[0]
            if depth > 0 and stmt is not None and invariant(stmt.value, stable | dropped):
                found.add(var)
        if not found:
            break
        dropped |= found
    dropped &= scan.pushed
    if dropped:
        # (``t = None`` at the top stays: a name assigned in a loop may be read where the
        # loop did not run, in the code that differentiates this code again)
        fn.body = without_unused_stack(without_saves(fn.body, stack, dropped), stack)


def stable_names(fn, stack):
    """The scan of ``fn`` and the names nothing changes once they are set: parameters never
    assigned and names assigned once outside every loop, never restored, never changed in
    place."""
    scan = _Scan(stack)
    scan.block(fn.body, depth=0)
    params = {a.id for a in fn.args.posonlyargs + fn.args.args + fn.args.kwonlyargs}
    stable = {v for v in params if v not in scan.assigns} | {
        v for v, sites in scan.assigns.items() if len(sites) == 1 and sites[0][1] == 0}
    return scan, stable - scan.restored - scan.escaping


class _Scan:
    """Where each name is assigned (statement, loop depth), which names are pushed and
    restored, and which may be changed in place."""

    def __init__(self, stack):
        self.stack = stack
        self.assigns: dict = {}
        self.pushed: set = set()
        self.restored: set = set()
        self.escaping: set = set()

    def block(self, stmts, depth):
        for stmt in stmts:
            if isinstance(stmt, gast.For):
                for target in _stored(stmt.target):
                    self.assigns.setdefault(target, []).append((None, depth + 1))
                self.expr(stmt.iter)
            elif isinstance(stmt, (gast.If, gast.While)):
                self.expr(stmt.test)
            if isinstance(stmt, _COMPOUND):
                inner = depth + (not isinstance(stmt, gast.If))
                self.block(stmt.body, inner)
                self.block(stmt.orelse, inner)
                continue
            self.simple(stmt, depth)

    def simple(self, stmt, depth):
        pushed, restored = pushed_name(stmt, self.stack), restored_name(stmt, self.stack)
        if pushed is not None:
            self.pushed.add(pushed)
            return
        if restored is not None:
            self.restored.add(restored)
            return
        if isinstance(stmt, gast.Assign) and depth == 0 and isinstance(
                stmt.value, gast.Constant) and stmt.value.value is None:
            return  # ``t = None`` before the loops: the name exists before its first save
        if isinstance(stmt, gast.Assign):
            whole = len(stmt.targets) == 1 and isinstance(stmt.targets[0], gast.Name)
            for target in stmt.targets:
                for var in _stored(target):
                    self.assigns.setdefault(var, []).append((stmt if whole else None, depth))
                if isinstance(target, gast.Subscript):  # x[i] = v changes x in place
                    self.escaping |= {n.id for n in walk(target.value)
                                      if isinstance(n, gast.Name)}
            self.expr(stmt.value)
        elif isinstance(stmt, gast.AugAssign):
            for var in _stored(stmt.target):
                self.assigns.setdefault(var, []).append((None, depth))
                self.escaping.add(var)
            self.expr(stmt.value)
        else:
            for node in gast.iter_child_nodes(stmt):
                if isinstance(node, gast.expr):
                    self.expr(node)

    def expr(self, node):
        """Names that a call may change in place: the arguments of srcad's helpers that
        update their argument, the object of a method call, ``out=``."""
        for call in walk(node):
            if not isinstance(call, gast.Call) or _pure_call(call):
                continue
            parts = [k.value for k in call.keywords if k.arg == "out"]
            func = call.func
            if isinstance(func, gast.Name) and _MUTATING.fullmatch(func.id):
                parts += call.args
            elif isinstance(func, gast.Attribute) and not (
                    isinstance(func.value, gast.Name) and func.value.id in _PURE_MODULES):
                parts.append(func.value)  # xs.append(v) changes xs
            self.escaping |= {n.id for p in parts for n in walk(p)
                              if isinstance(n, gast.Name)}


def _stored(target) -> list[str]:
    return [n.id for n in walk(target)
            if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store)]


def _pure_call(call) -> bool:
    func = call.func
    if any(k.arg == "out" for k in call.keywords):
        return False
    if isinstance(func, gast.Name):
        return func.id in _PURE_BUILTINS
    parts = []
    while isinstance(func, gast.Attribute):
        parts.append(func.attr)
        func = func.value
    return isinstance(func, gast.Name) and func.id in _PURE_MODULES and "random" not in parts


def invariant(expr, stable) -> bool:
    for node in walk(expr):
        if isinstance(node, gast.Call) and not _pure_call(node):
            return False
        if isinstance(node, gast.Name) and node.id not in _PURE_MODULES | _PURE_BUILTINS \
                and node.id not in stable:
            return False
        if isinstance(node, (gast.Lambda, gast.NamedExpr, gast.Yield, gast.Await,
                             gast.ListComp, gast.GeneratorExp, gast.DictComp, gast.SetComp)):
            return False
    return True
