"""Copy propagation in the adjoint sweep: ``a = b`` goes, and what read ``a`` reads ``b``.

The templates name the adjoint of every operand, so the adjoint of ``y = x + c`` is the copy
``bx = by`` and the adjoint of ``x = x + dt * v`` starts with ``bx_plus_dt_times_v = bx``.
In a loop body these copies run on every trip::

    bx_plus_dt_times_v = bx                     x = stack.pop()
    x = stack.pop()                  ->         bv = bv + bx * dt
    bx = bx_plus_dt_times_v
    bdt_times_v = bx_plus_dt_times_v
    bv = bv + bdt_times_v * dt

A copy ``a = b`` in a block of the adjoint sweep goes when ``a`` is assigned nowhere else,
is read only later in the same block, is not returned, and ``b`` is not rebound before the
last read of ``a`` (``b = a`` itself aside: it rebinds ``b`` to the value it has).  Copies
in the primal sweep are the user's and stay.
"""

from __future__ import annotations

import gast

from .. import comments
from ..grammar import walk
from .optimize import loaded_names

_COMPOUND = (gast.If, gast.For, gast.While)


def run(fn: gast.FunctionDef) -> None:
    split = next((i for i, s in enumerate(fn.body) if comments.is_blank(s)), None)
    if split is None:
        return
    returned = set()
    if fn.body and isinstance(fn.body[-1], gast.Return):
        returned = loaded_names(fn.body[-1])
    stores, loads = _counts(fn)
    adjoint = fn.body[split:]
    names = _Names()
    while _propagate(adjoint, stores, loads, returned, names):
        pass  # another sweep: a removed copy may let an earlier one go
    fn.body[split:] = adjoint


class _Names:
    """The names each statement reads (with counts) and stores, computed once per statement
    and forgotten when a copy's removal renames reads in it."""

    def __init__(self):
        self.known: dict = {}

    def of(self, stmt):
        found = self.known.get(stmt)
        if found is None:
            reads: dict = {}
            stores = set()
            for node in walk(stmt):
                if isinstance(node, gast.Name):
                    if isinstance(node.ctx, gast.Load):
                        reads[node.id] = reads.get(node.id, 0) + 1
                    elif isinstance(node.ctx, gast.Store):
                        stores.add(node.id)
            found = self.known[stmt] = (reads, stores)
        return found

    def forget(self, stmt):
        """Forget ``stmt``, the statements in it, and every compound statement (one of
        them may hold ``stmt``)."""
        for node in walk(stmt):
            if isinstance(node, gast.stmt):
                self.known.pop(node, None)
        for node in [n for n in self.known if isinstance(n, _COMPOUND)]:
            del self.known[node]


def _propagate(block: list, stores, loads, returned, names) -> bool:
    """Remove the copies of ``block`` and of the blocks nested in it that can go, in one
    sweep; whether any went."""
    changed = False
    i = 0
    while i < len(block):
        stmt = block[i]
        if isinstance(stmt, _COMPOUND):
            changed |= _propagate(stmt.body, stores, loads, returned, names)
            changed |= _propagate(stmt.orelse, stores, loads, returned, names)
            i += 1
            continue
        done = _propagate_one(block, i, stores, loads, returned, names)
        if done is None:
            i += 1
            continue
        changed = True
        a, b = done  # keep the counts up to date: the copy is gone, ``b`` read for ``a``
        stores[a] = stores.get(a, 0) - 1
        loads[b] = loads.get(b, 0) - 1
        if a != b:
            loads[b] += loads.pop(a, 0)
    return changed


def _counts(fn):
    stores: dict = {}
    loads: dict = {}
    for node in walk(fn):
        if isinstance(node, gast.Name):
            table = loads if isinstance(node.ctx, gast.Load) else stores
            table[node.id] = table.get(node.id, 0) + 1
    return stores, loads


def _copy(stmt):
    if isinstance(stmt, gast.Assign) and len(stmt.targets) == 1 \
            and isinstance(stmt.targets[0], gast.Name) and isinstance(stmt.value, gast.Name):
        return stmt.targets[0].id, stmt.value.id
    return None


def _propagate_one(block: list, i: int, stores, loads, returned, names):
    """Remove ``block[i]`` if it is a copy ``a = b`` that can go, and return ``(a, b)``;
    None if it stays."""
    pair = _copy(block[i])
    if pair is None:
        return None
    a, b = pair
    if a == b:
        del block[i]
        return a, b
    if stores.get(a) != 1 or a in returned:
        return None
    rest = block[i + 1:]
    infos = [names.of(s) for s in rest]
    if sum(reads.get(a, 0) for reads, _ in infos) != loads.get(a, 0):
        return None  # read elsewhere: in another block, or around a loop
    readers = [k for k, (reads, _) in enumerate(infos) if a in reads]
    if not readers:
        return None
    last = readers[-1]
    if any(b in infos[k][1] and _copy(rest[k]) != (b, a) for k in range(last)) \
            or (b in infos[last][1] and not isinstance(rest[last], gast.Assign)):
        return None
    del block[i]
    for s in rest[:last + 1]:
        if a not in names.of(s)[0]:
            continue
        names.forget(s)
        for node in walk(s):
            if isinstance(node, gast.Name) and node.id == a and isinstance(node.ctx, gast.Load):
                node.id = b
    return a, b
