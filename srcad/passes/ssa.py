"""Give reassigned names of straight-line code names of their own; split self-updates.

Pre: ANF.  Post: ANF in which (1) a name assigned only by top-level statements (outside
any ``if``/loop) is assigned once, so the adjoint reads its values without saving them;
(2) no assignment reads its own target (``x = x * w`` inside a loop becomes
``x_times_w = x * w; x = x_times_w``), so the reverse pass can restore the old value of a
target before the adjoint of the statement that overwrote it runs.  Example::

    x = x * x        ->   x_2 = x * x
    return x         ->   return x_2
"""

from __future__ import annotations

import gast

from .. import grammar
from ..grammar import walk


def _stored(stmt):
    if isinstance(stmt, gast.Assign):
        return [n for t in stmt.targets for n in walk(t)
                if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store)]
    if isinstance(stmt, gast.For):
        return [stmt.target]
    return []


def nested_assigned(fn) -> set[str]:
    """Names assigned inside an ``if``, ``for`` or ``while`` (loop targets included)."""
    out = set()
    for stmt in fn.body:
        if isinstance(stmt, (gast.If, gast.For, gast.While)):
            for node in walk(stmt):
                if isinstance(node, gast.Name) and isinstance(node.ctx, gast.Store):
                    out.add(node.id)
    return out


def run(fn: gast.FunctionDef, job) -> gast.FunctionDef:
    nested = nested_assigned(fn)
    current = {p: p for p in grammar.params(fn)}
    for stmt in fn.body:
        for node in walk(stmt):
            if isinstance(node, gast.Name) and isinstance(node.ctx, gast.Load):
                node.id = current.get(node.id, node.id)
        if isinstance(stmt, (gast.If, gast.For, gast.While)):
            continue
        for target in _stored(stmt):
            if target.id in nested:
                continue
            if target.id in current:
                new = job.namer.fresh(target.id)
                current[target.id] = new
                target.id = new
            else:
                current[target.id] = target.id
    fn.body = _split_self_updates(fn.body, job)
    return fn


def _split_self_updates(stmts, job):
    out = []
    for stmt in stmts:
        if isinstance(stmt, (gast.If, gast.For, gast.While)):
            stmt.body = _split_self_updates(stmt.body, job)
            stmt.orelse = _split_self_updates(stmt.orelse, job)
            out.append(stmt)
            continue
        targets = {n.id for n in _stored(stmt)}
        loaded = {n.id for n in walk(getattr(stmt, "value", None) or stmt)
                  if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load)}
        if isinstance(stmt, gast.Assign) and targets & loaded:
            target = stmt.targets[0]
            tmp = job.namer.temp(stmt.value)
            out.append(gast.copy_location(
                gast.Assign(targets=[grammar.name(tmp, gast.Store())], value=stmt.value,
                            type_comment=None), stmt))
            stmt.value = grammar.name(tmp)
            stmt.targets = [target]
        out.append(stmt)
    return out
