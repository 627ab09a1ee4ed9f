"""Clean-up of generated code: dead code elimination and comment tidying.

Pre: the output of a transformation (primal sweep + adjoint sweep), possibly with
``if``/``for``/``while``.  Post: the same function without assignments whose value is
never read (liveness is computed to a fixed point around loops), and without comments
left dangling by the removal.  Statements with possible side effects (calls srcad knows
nothing about, expression statements, ``stack.pop()``) are kept.  Example::

    y = x * w          ->   y = x * w
    unused = y + 1          bx = by * w
    bx = by * w             return y, bx
    return y, bx
"""

from __future__ import annotations

import gast

from .. import comments
from ..grammar import walk

_LOOPS = (gast.For, gast.While)


def loaded_names(node) -> set[str]:
    return {n.id for n in walk(node)
            if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load)}


def stored_names(stmt) -> set[str]:
    if isinstance(stmt, gast.Assign):
        return {n.id for t in stmt.targets for n in walk(t)
                if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store)}
    return set()


def _is_pop(stmt) -> bool:
    """Whether ``stmt`` pops a list anywhere in its value (``b = add(b, bxs.pop())``):
    removing it would leave the list one item too long."""
    return any(isinstance(node, gast.Call) and isinstance(node.func, gast.Attribute)
               and node.func.attr == "pop" for node in walk(stmt.value))


class _Liveness:
    def __init__(self, impure, uses=None):
        self.impure = impure
        # simple statement -> (names stored, names loaded, pops); may be shared by several
        # sweeps over statements that do not change
        self._uses: dict = {} if uses is None else uses

    def uses(self, stmt):
        """What a simple statement stores and loads, and whether it pops: computed once
        (liveness visits each statement once per trip of a loop's fixed point)."""
        found = self._uses.get(stmt)
        if found is None:
            pops = isinstance(stmt, gast.Assign) and _is_pop(stmt)
            found = self._uses[stmt] = (stored_names(stmt), loaded_names(stmt), pops)
        return found

    def removable(self, stmt, live) -> bool:
        if not isinstance(stmt, gast.Assign):
            return False
        stored, _, pops = self.uses(stmt)
        return (not (stored & live) and stmt not in self.impure and not pops
                and all(isinstance(t, (gast.Name, gast.Tuple)) for t in stmt.targets))

    def block(self, stmts, live, exit_live):
        for stmt in reversed(stmts):
            live = self.statement(stmt, live, exit_live)
        return live

    def statement(self, stmt, live, exit_live):
        if comments.is_marker(stmt):
            return live
        if isinstance(stmt, gast.Assign):
            if self.removable(stmt, live):
                return live
            stored, loaded, _ = self.uses(stmt)
            return (live - stored) | loaded
        if isinstance(stmt, gast.Break):
            return set(exit_live or ())
        if isinstance(stmt, gast.If):
            return (self.block(stmt.body, live, exit_live)
                    | self.block(stmt.orelse, live, exit_live) | loaded_names(stmt.test))
        if isinstance(stmt, _LOOPS):
            return self.loop_head(stmt, live)
        return live | self.uses(stmt)[1]

    def loop_head(self, stmt, live):
        """Names live at the head of a loop, to a fixed point."""
        head = set(live) | loaded_names(stmt.iter if isinstance(stmt, gast.For) else stmt.test)
        while True:
            new = head | self.block(stmt.body, head, live)
            if new == head:
                return head
            head = new

    def sweep(self, stmts, live, exit_live):
        out = []
        for stmt in reversed(stmts):
            if not comments.is_marker(stmt):
                if self.removable(stmt, live):
                    continue
                if isinstance(stmt, gast.If):
                    stmt.body = self.sweep(stmt.body, live, exit_live)
                    stmt.orelse = self.sweep(stmt.orelse, live, exit_live)
                elif isinstance(stmt, _LOOPS):
                    head = self.loop_head(stmt, live)
                    stmt.body = self.sweep(stmt.body, head, live)
                live = self.statement(stmt, live, exit_live)
            out.append(stmt)
        return out[::-1]


def dce(body: list, impure=frozenset(), uses=None) -> list:
    """Remove assignments whose targets are never read afterwards."""
    return _Liveness(impure, uses).sweep(body, set(), None)


def tidy_all(body: list) -> list:
    for stmt in body:
        if isinstance(stmt, (gast.If, gast.For, gast.While)):
            stmt.body = tidy_all(stmt.body)
            stmt.orelse = tidy_all(stmt.orelse)
    return comments.tidy(body)


def fold_zero_starts(stmts) -> list:
    """``bx = zeros_like(x)`` followed, with no read of ``bx`` between, by
    ``bx = bx + g``: the two become ``bx = g``."""
    out: list = []
    zero_at: dict = {}  # adjoint name -> index in ``out`` of its zero assignment
    for stmt in stmts:
        if isinstance(stmt, (gast.If, gast.For, gast.While)):
            stmt.body = fold_zero_starts(stmt.body)
            stmt.orelse = fold_zero_starts(stmt.orelse)
        if isinstance(stmt, gast.Assign) and len(stmt.targets) == 1 \
                and isinstance(stmt.targets[0], gast.Name):
            target = stmt.targets[0].id
            value = stmt.value
            if target in zero_at and isinstance(value, gast.BinOp) \
                    and isinstance(value.op, gast.Add) and isinstance(value.left, gast.Name) \
                    and value.left.id == target and target not in loaded_names(value.right):
                out[zero_at.pop(target)] = None
                stmt.value = value.right
            else:
                _forget_read(zero_at, stmt)
                zero_at.pop(target, None)
            if _is_zeros(value):
                zero_at[target] = len(out)
        else:
            _forget_read(zero_at, stmt)
            if isinstance(stmt, (gast.If, gast.For, gast.While)):
                zero_at.clear()
        out.append(stmt)
    return [s for s in out if s is not None]


def _forget_read(zero_at: dict, stmt) -> None:
    if zero_at:
        for name in zero_at.keys() & loaded_names(stmt):
            del zero_at[name]


def _is_zeros(value) -> bool:
    return isinstance(value, gast.Call) and isinstance(value.func, gast.Name) \
        and value.func.id == "zeros_like"


def run(fn: gast.FunctionDef, job) -> gast.FunctionDef:
    impure = {stmt for stmt, op in getattr(job, "ops", {}).items() if op.kind in ("unknown", "user")}
    from . import fold
    fold.run(fn, job)
    fn.body = fold_zero_starts(fn.body)
    fn.body = dce(fn.body, impure)
    from . import saves
    fn.body = saves.run(fn.body, getattr(job, "stack_name", None), impure)
    from . import invariant
    invariant.run(fn, getattr(job, "stack_name", None))
    from . import recompute
    recompute.run(fn, getattr(job, "stack_name", None))
    from . import shapesaves
    shapesaves.run(fn, job)
    from . import copies
    copies.run(fn)
    from . import inplace
    inplace.run(fn, job)
    fn.body = tidy_all(fn.body)
    from . import release
    release.run(fn, job)
    return fn
