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

from ..grammar import walk

from .. import comments

_COMPOUND = (gast.If, gast.For, gast.While)


def run(fn: gast.FunctionDef) -> None:
    split = next((i for i, s in enumerate(fn.body) if comments.is_blank(s)), None)
    if split is None:
        return
    returned = set()
    if fn.body and isinstance(fn.body[-1], gast.Return):
        returned = _loads(fn.body[-1])
    stores, loads = _counts(fn)
    adjoint = fn.body[split:]
    while _propagate(adjoint, stores, loads, returned):
        pass  # another sweep: a removed copy may let an earlier one go
    fn.body[split:] = adjoint


def _propagate(block: list, stores, loads, returned) -> bool:
    """Remove the copies of ``block`` and of the blocks nested in it that can go, in one
    sweep; whether any went."""
    changed = False
    i = 0
    while i < len(block):
        stmt = block[i]
        if isinstance(stmt, _COMPOUND):
            changed |= _propagate(stmt.body, stores, loads, returned)
            changed |= _propagate(stmt.orelse, stores, loads, returned)
            i += 1
            continue
        done = _propagate_one(block, i, stores, loads, returned)
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


def _loads(node) -> set:
    return {n.id for n in walk(node) if isinstance(n, gast.Name)
            and isinstance(n.ctx, gast.Load)}


def _stores(node) -> set:
    return {n.id for n in walk(node) if isinstance(n, gast.Name)
            and isinstance(n.ctx, gast.Store)}


def _copy(stmt):
    if isinstance(stmt, gast.Assign) and len(stmt.targets) == 1 \
            and isinstance(stmt.targets[0], gast.Name) and isinstance(stmt.value, gast.Name):
        return stmt.targets[0].id, stmt.value.id
    return None


def _propagate_one(block: list, i: int, stores, loads, returned):
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
    readers = [k for k, s in enumerate(rest) if a in _loads(s)]
    if sum(1 for s in rest for n in walk(s) if isinstance(n, gast.Name)
           and n.id == a and isinstance(n.ctx, gast.Load)) != loads.get(a, 0):
        return None  # read elsewhere: in another block, or around a loop
    if not readers:
        return None
    last = readers[-1]
    if any(b in _stores(s) and _copy(s) != (b, a) for s in rest[:last]) \
            or (b in _stores(rest[last]) and not isinstance(rest[last], gast.Assign)):
        return None
    del block[i]
    for s in rest[:last + 1]:
        for node in walk(s):
            if isinstance(node, gast.Name) and node.id == a and isinstance(node.ctx, gast.Load):
                node.id = b
    return a, b
