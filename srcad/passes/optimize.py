"""Clean-up of generated straight-line code: dead code elimination and comment tidying.

Pre: the output of a transformation (primal sweep + adjoint sweep).  Post: the same
function without assignments whose value is never read, and without comments left
dangling by the removal.  Statements with possible side effects (calls srcad knows nothing
about, expression statements) are kept.  Example::

    y = x * w          ->   y = x * w
    unused = y + 1          bx = by * w
    bx = by * w             return y, bx
    return y, bx
"""

from __future__ import annotations

import gast

from .. import comments


def loaded_names(node) -> set[str]:
    return {n.id for n in gast.walk(node)
            if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load)}


def stored_names(stmt) -> set[str]:
    if isinstance(stmt, gast.Assign):
        return {n.id for t in stmt.targets for n in gast.walk(t)
                if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store)}
    return set()


def dce(body: list, impure=frozenset()) -> list:
    """Remove assignments (of straight-line code) whose targets are never read."""
    live: set[str] = set()
    kept = []
    for stmt in reversed(body):
        if comments.is_marker(stmt):
            kept.append(stmt)
            continue
        if isinstance(stmt, gast.Assign) and not (stored_names(stmt) & live) \
                and stmt not in impure:
            continue
        live -= stored_names(stmt)
        live |= loaded_names(stmt)
        kept.append(stmt)
    return kept[::-1]


def run(fn: gast.FunctionDef, job) -> gast.FunctionDef:
    impure = {stmt for stmt, op in getattr(job, "ops", {}).items() if op.kind in ("unknown", "user")}
    fn.body = comments.tidy(dce(fn.body, impure))
    return fn
