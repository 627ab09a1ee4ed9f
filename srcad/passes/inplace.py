"""In-place accumulation of item adjoints: ``b = b + unindex(g, x, i)`` -> ``add_at``.

The adjoint of reading ``x[i]`` is an array of zeros shaped like ``x`` with ``g`` at ``i``
(``unindex``); adding it to ``b`` costs O(len(x)).  In a loop over the items of ``x`` that
makes the derivative quadratic.  When ``b`` is an array that only the generated code holds,
``b[i] += g`` gives the same values in O(1)::

    bx = zeros_like(x)                      bx = zeros_like(x)
    for i in reversed(range(n)):      ->    for i in reversed(range(n)):
        bx = bx + unindex(bs, x, i)             bx = add_at(bx, bs, x, i)

``b`` is *owned* at a statement when, on every path reaching it, its value was made fresh
(``zeros_like(...)``, ``unindex(...)``, the result of an arithmetic operator, or an earlier
``add_at`` on an owned array) and has not been read since anywhere that could keep a
reference to it: only the operands of arithmetic operators are such safe reads.  Anything
else (``c = b``, ``f(b)``, ``b[j]``, ``xs.append(b)``, ``return b``) ends ownership.  The
analysis runs forward over branches (owned on both sides) and loops (to a fixed point).
``add_at`` itself checks at run time that ``b`` is a writeable array of the right shape and
dtype, and otherwise computes ``b + unindex(g, x, i)``.

The pass is off for derivatives that will be differentiated again: a later transformation
would save ``b`` by reference before the update changes it.
"""

from __future__ import annotations

import gast

from ..grammar import name, walk

_SAFE_PARENTS = (gast.BinOp, gast.UnaryOp, gast.Compare)


def run(fn: gast.FunctionDef, job) -> gast.FunctionDef:
    if not getattr(job, "inplace", True):
        return fn
    helper = job.template_globals.get("unindex")
    add_at = job.template_globals.get("add_at")
    if helper is None or add_at is None:
        return fn
    pattern = _Pattern(helper, {job.template_globals.get("zeros_like"), helper, add_at})
    owned_at = {}
    _Ownership(pattern, owned_at).block(fn.body, frozenset())
    for stmt, owned in owned_at.items():
        target, (grad, primal, index) = pattern.match(stmt)
        if target in owned:
            stmt.value = gast.Call(func=name(add_at), args=[name(target), grad, primal, index],
                                   keywords=[])
    return fn


class _Pattern:
    def __init__(self, unindex: str, fresh_calls: set):
        self.unindex = unindex
        self.fresh_calls = fresh_calls

    def match(self, stmt):
        """``(b, (g, x, i))`` for ``b = b + unindex(g, x, i)``, else None."""
        if not (isinstance(stmt, gast.Assign) and len(stmt.targets) == 1
                and isinstance(stmt.targets[0], gast.Name)):
            return None
        value, target = stmt.value, stmt.targets[0].id
        if not (isinstance(value, gast.BinOp) and isinstance(value.op, gast.Add)
                and isinstance(value.left, gast.Name) and value.left.id == target):
            return None
        call = value.right
        if (isinstance(call, gast.Call) and isinstance(call.func, gast.Name)
                and call.func.id == self.unindex and len(call.args) == 3 and not call.keywords):
            return target, tuple(call.args)
        return None

    def fresh(self, value) -> bool:
        """Whether ``value`` makes a new object that nothing else refers to."""
        if isinstance(value, (gast.BinOp, gast.UnaryOp)):
            return True
        return (isinstance(value, gast.Call) and isinstance(value.func, gast.Name)
                and value.func.id in self.fresh_calls)


def _escaping_reads(node) -> set[str]:
    """Names read in ``node`` where the value read may be kept (anything but an operand of
    an arithmetic operator or a comparison)."""
    out = set()

    def visit(n, parent):
        if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load):
            if not isinstance(parent, _SAFE_PARENTS):
                out.add(n.id)
            return
        for child in gast.iter_child_nodes(n):
            visit(child, n)
    visit(node, None)
    return out


class _Ownership:
    """Forward analysis: the set of owned names before each statement."""

    def __init__(self, pattern: _Pattern, owned_at: dict):
        self.pattern = pattern
        self.owned_at = owned_at  # matching statement -> owned names before it

    def block(self, stmts, owned: frozenset) -> frozenset:
        for stmt in stmts:
            owned = self.statement(stmt, owned)
        return owned

    def statement(self, stmt, owned: frozenset) -> frozenset:
        if isinstance(stmt, gast.If):
            owned = owned - _escaping_reads(stmt.test)
            return self.block(stmt.body, owned) & self.block(stmt.orelse, owned)
        if isinstance(stmt, (gast.For, gast.While)):
            head = stmt.iter if isinstance(stmt, gast.For) else stmt.test
            owned = owned - _escaping_reads(head)
            if isinstance(stmt, gast.For):
                owned = owned - _stored(stmt.target)
            entry = owned
            while True:  # the sets only shrink: a fixed point within a few rounds
                after = self.block(stmt.body, entry)
                if isinstance(stmt, gast.For):
                    after = after - _stored(stmt.target)
                new_entry = entry & after
                if new_entry == entry:
                    break
                entry = new_entry
            return self.block(stmt.orelse, entry) & entry
        if isinstance(stmt, gast.Assign):
            match = self.pattern.match(stmt)
            if match is not None:
                target = match[0]
                previous = self.owned_at.get(stmt)
                self.owned_at[stmt] = owned if previous is None else previous & owned
                # afterwards b is add_at's owned array, or the fresh sum b + unindex(...)
                return (owned - (_escaping_reads(stmt.value) - {target})) | {target}
            owned = owned - _escaping_reads(stmt.value)
            stored = set()
            for t in stmt.targets:
                stored |= _stored(t)
                owned = owned - _escaping_reads(t)  # x[i] = ...: reads x
            owned = owned - stored
            if len(stmt.targets) == 1 and isinstance(stmt.targets[0], gast.Name) \
                    and self.pattern.fresh(stmt.value):
                owned = owned | {stmt.targets[0].id}
            return owned
        # expression statements, returns, anything else: every name read may be kept
        return owned - _escaping_reads(stmt) - _stored(stmt)


def _stored(node) -> set[str]:
    return {n.id for n in walk(node)
            if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store)}
