"""Save a stand-in of the shape, not the array, when the adjoint needs only the shape.

An elementwise adjoint sums over the axes an operand was broadcast along:
``unbroadcast(g, t)`` reads nothing of ``t`` but its shape.  In a loop, ``t`` is saved in
every iteration for that, and the whole array stays in memory until the adjoint sweep.
When every read of ``t`` in the adjoint sweep is of that kind, the primal sweep saves
``t_shape = shape_of(t)`` instead (a read-only array of ``t``'s shape that holds one
number) and the adjoint reads it::

    for i in range(n):                          for i in range(n):
        stack.append(t)                             t = k * x
        t = k * x                                   stack.append(t_shape)
        ...                          ->             t_shape = shape_of(t)
    for i in reversed(range(n)):                ...
        bt = unbroadcast(ba, t)                 for i in reversed(range(n)):
        t = stack.pop()                             bt = unbroadcast(ba, t_shape)
                                                    t_shape = stack.pop()

The primal sweep and the adjoint sweep are the code before and after the blank line that
separates them (``comments.blank``).
"""

from __future__ import annotations

import gast

from .. import comments
from ..grammar import assign, name, walk
from .saves import pushed_name, restored_name

_COMPOUND = (gast.If, gast.For, gast.While)


def run(fn: gast.FunctionDef, job) -> None:
    stack = getattr(job, "stack_name", None)
    helpers = job.template_globals
    unbroadcast, shape_of = helpers.get("unbroadcast"), helpers.get("shape_of")
    split = next((i for i, s in enumerate(fn.body) if comments.is_blank(s)), None)
    if stack is None or unbroadcast is None or shape_of is None or split is None:
        return
    primal, adjoint = fn.body[:split], fn.body[split:]
    saved = {pushed_name(s, stack) for s in _simple(primal)} - {None}
    loop_targets = {n.id for loop in walk(fn) if isinstance(loop, gast.For)
                    for n in walk(loop.target) if isinstance(n, gast.Name)}
    other_uses = _read_for_more_than_shape(adjoint, unbroadcast, stack)
    candidates = saved - loop_targets - other_uses
    if not candidates:
        return
    stand_ins = {v: job.namer.fresh(f"{v}_shape") for v in sorted(candidates)}
    primal = _primal(primal, stack, stand_ins, shape_of)
    # a parameter's first save is of the value it came with
    params = {a.id for a in fn.args.posonlyargs + fn.args.args + fn.args.kwonlyargs}
    start = [assign(stand_ins[v], gast.Call(func=name(shape_of), args=[name(v)],
                                            keywords=[]), fn)
             for v in sorted(stand_ins) if v in params]
    at = next((i + 1 for i, st in enumerate(primal) if isinstance(st, gast.Assign)
               and [t.id for t in st.targets if isinstance(t, gast.Name)] == [stack]), 0)
    fn.body = primal[:at] + start + primal[at:] + _adjoint(adjoint, stack, stand_ins,
                                                           unbroadcast)


def _simple(stmts):
    for stmt in stmts:
        if isinstance(stmt, _COMPOUND):
            yield from _simple(stmt.body)
            yield from _simple(stmt.orelse)
        else:
            yield stmt


def _read_for_more_than_shape(adjoint, unbroadcast, stack) -> set:
    """The names the adjoint sweep reads other than as ``unbroadcast(g, var)``, or assigns
    other than by a restore."""
    allowed = set()  # ids of the Name nodes that are shape reads or restores
    for node in walk(gast.Module(body=adjoint, type_ignores=[])):
        if isinstance(node, gast.Call) and isinstance(node.func, gast.Name) \
                and node.func.id == unbroadcast and len(node.args) == 2 \
                and isinstance(node.args[1], gast.Name):
            allowed.add(id(node.args[1]))
    allowed |= {id(s.targets[0]) for s in _simple(adjoint) if restored_name(s, stack)}
    return {node.id for node in walk(gast.Module(body=adjoint, type_ignores=[]))
            if isinstance(node, gast.Name) and id(node) not in allowed}


def _primal(stmts, stack, stand_ins, shape_of) -> list:
    out = []
    for stmt in stmts:
        if isinstance(stmt, _COMPOUND):
            stmt.body = _primal(stmt.body, stack, stand_ins, shape_of)
            stmt.orelse = _primal(stmt.orelse, stack, stand_ins, shape_of)
            out.append(stmt)
            continue
        var = pushed_name(stmt, stack)
        if var in stand_ins:
            stmt.value.args[0] = name(stand_ins[var])
            out.append(stmt)
            continue
        if _none_init(stmt) in stand_ins:  # ``t = None``, there for the first save
            out.append(assign(stand_ins[stmt.targets[0].id], stmt.value, stmt))
            continue
        out.append(stmt)
        stored = [n.id for n in walk(stmt) if isinstance(n, gast.Name)
                  and isinstance(n.ctx, gast.Store)] if isinstance(stmt, gast.Assign) else []
        for var in stored:
            if var in stand_ins:
                call = gast.Call(func=name(shape_of), args=[name(var)], keywords=[])
                out.append(assign(stand_ins[var], call, stmt))
    return out


def _adjoint(stmts, stack, stand_ins, unbroadcast) -> list:
    for stmt in _simple(stmts):
        var = restored_name(stmt, stack)
        if var in stand_ins:
            stmt.targets[0].id = stand_ins[var]
    for node in walk(gast.Module(body=stmts, type_ignores=[])):
        if isinstance(node, gast.Call) and isinstance(node.func, gast.Name) \
                and node.func.id == unbroadcast and len(node.args) == 2 \
                and isinstance(node.args[1], gast.Name) and node.args[1].id in stand_ins:
            node.args[1] = name(stand_ins[node.args[1].id])
    return stmts


def _none_init(stmt):
    if isinstance(stmt, gast.Assign) and len(stmt.targets) == 1 \
            and isinstance(stmt.targets[0], gast.Name) \
            and isinstance(stmt.value, gast.Constant) and stmt.value.value is None:
        return stmt.targets[0].id
    return None
