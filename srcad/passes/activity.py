"""Activity analysis: which names carry derivative information.

A name is *varied* if it depends differentiably on a ``wrt`` parameter, *useful* if the
result depends differentiably on it, and *active* if both.  Only active names get
adjoints.  Pre: SSA'd ANF with ``job.ops`` (resolve).  Post: ``job.active`` is the set of
active names.  Example: in ``n = x.shape[0]; y = x * n`` with ``wrt=x``, ``n`` is not
varied (``.shape`` is not differentiable), so only ``x`` and ``y`` are active.
"""

from __future__ import annotations

import gast

from .. import grammar
from ..grammar import walk


def operand_names(op, value) -> set[str]:
    """Local names whose derivative flows through ``value`` (classified as ``op``)."""
    if op.kind in ("nondiff", "const"):
        return set()
    if op.kind == "setitem":
        exprs = [op.bindings["x"], op.bindings["v"]]
    elif op.kind == "rule":
        exprs = [op.bindings[p] for p in op.rule.diff_params() if p in op.bindings]
    elif op.kind == "copy":
        exprs = [op.bindings["x"]]
    else:
        exprs = [value]
    names = set()
    for expr in exprs:
        for node in walk(expr):
            if isinstance(node, gast.Name) and isinstance(node.ctx, gast.Load):
                names.add(node.id)
    return names


def _append_target(stmt):
    value = stmt.value
    if isinstance(value, gast.Call) and isinstance(value.func, gast.Attribute) \
            and value.func.attr == "append" and isinstance(value.func.value, gast.Name):
        return value.func.value.id
    return None


def targets(stmt) -> list[str]:
    if isinstance(stmt, gast.Expr):
        xs = _append_target(stmt)
        return [xs] if xs else []
    if isinstance(stmt, gast.Assign):
        if isinstance(stmt.targets[0], gast.Subscript):
            return [stmt.targets[0].value.id]
        return [n.id for t in stmt.targets for n in walk(t)
                if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store)]
    return []


def loaded(expr) -> set[str]:
    return {n.id for n in walk(expr) if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load)}


def run(fn: gast.FunctionDef, job) -> gast.FunctionDef:
    local = grammar.local_names(fn)
    assigns = [(stmt, operand_names(job.ops[stmt], stmt.value) & local, set(targets(stmt)))
               for stmt in grammar.simple_statements(fn.body) if isinstance(stmt, gast.Assign)]
    assigns += [(stmt, loaded(stmt.value) & local, set(targets(stmt)))
                for stmt in grammar.simple_statements(fn.body)
                if isinstance(stmt, gast.Expr) and targets(stmt)]
    varied = set(job.wrt_names)
    changed = True
    while changed:  # loops carry dependences backwards: iterate to a fixed point
        changed = False
        for _, operands, stored in assigns:
            if operands & varied and not stored <= varied:
                varied |= stored
                changed = True
    useful = {s.value.id for s in grammar.simple_statements(fn.body)
              if isinstance(s, gast.Return)}
    changed = True
    while changed:
        changed = False
        for _, operands, stored in assigns:
            if stored & useful and not operands <= useful:
                useful |= operands
                changed = True
    job.active = varied & useful
    return fn
