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
    while True:
        done = _propagate_one(adjoint, stores, loads, returned)
        if done is None:
            break
        a, b = done  # keep the counts up to date: the copy is gone, ``b`` read for ``a``
        stores[a] = stores.get(a, 0) - 1
        loads[b] = loads.get(b, 0) - 1
        if a != b:
            loads[b] += loads.pop(a, 0)
    fn.body[split:] = adjoint


def _counts(fn):
    stores: dict = {}
    loads: dict = {}
    for node in gast.walk(fn):
        if isinstance(node, gast.Name):
            table = loads if isinstance(node.ctx, gast.Load) else stores
            table[node.id] = table.get(node.id, 0) + 1
    return stores, loads


def _loads(node) -> set:
    return {n.id for n in gast.walk(node) if isinstance(n, gast.Name)
            and isinstance(n.ctx, gast.Load)}


def _stores(node) -> set:
    return {n.id for n in gast.walk(node) if isinstance(n, gast.Name)
            and isinstance(n.ctx, gast.Store)}


def _copy(stmt):
    if isinstance(stmt, gast.Assign) and len(stmt.targets) == 1 \
            and isinstance(stmt.targets[0], gast.Name) and isinstance(stmt.value, gast.Name):
        return stmt.targets[0].id, stmt.value.id
    return None


def _propagate_one(block: list, stores, loads, returned):
    """Remove one copy ``a = b`` from ``block`` or a block nested in it and return
    ``(a, b)``; None if there is none."""
    for i, stmt in enumerate(block):
        if isinstance(stmt, _COMPOUND):
            done = _propagate_one(stmt.body, stores, loads, returned) \
                or _propagate_one(stmt.orelse, stores, loads, returned)
            if done is not None:
                return done
            continue
        pair = _copy(stmt)
        if pair is None:
            continue
        a, b = pair
        if a == b:
            del block[i]
            return a, b
        if stores.get(a) != 1 or a in returned:
            continue
        rest = block[i + 1:]
        readers = [k for k, s in enumerate(rest) if a in _loads(s)]
        if sum(1 for s in rest for n in gast.walk(s) if isinstance(n, gast.Name)
               and n.id == a and isinstance(n.ctx, gast.Load)) != loads.get(a, 0):
            continue  # read elsewhere: in another block, or around a loop
        if not readers:
            continue
        last = readers[-1]
        if any(b in _stores(s) and _copy(s) != (b, a) for s in rest[:last]) \
                or (b in _stores(rest[last]) and not isinstance(rest[last], gast.Assign)):
            continue
        del block[i]
        for s in rest[:last + 1]:
            for node in gast.walk(s):
                if isinstance(node, gast.Name) and node.id == a \
                        and isinstance(node.ctx, gast.Load):
                    node.id = b
        return a, b
    return None
