"""Give every assignment of straight-line code a name of its own (static single assignment).

Pre: ANF.  Post: ANF in which no name is assigned twice and no parameter is reassigned,
so the adjoint can read every primal value without saving it.  Example::

    x = x * x        ->   x_2 = x * x
    return x         ->   return x_2
"""

from __future__ import annotations

import gast

from .. import grammar


def run(fn: gast.FunctionDef, job) -> gast.FunctionDef:
    current = {p: p for p in grammar.params(fn)}
    for stmt in fn.body:
        for node in gast.walk(stmt):
            if isinstance(node, gast.Name) and isinstance(node.ctx, gast.Load):
                node.id = current.get(node.id, node.id)
        for target in _stored(stmt):
            if target.id in current:
                new = job.namer.fresh(target.id)
                current[target.id] = new
                target.id = new
            else:
                current[target.id] = target.id
    return fn


def _stored(stmt):
    if isinstance(stmt, gast.Assign):
        return [n for t in stmt.targets for n in gast.walk(t)
                if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store)]
    return []
