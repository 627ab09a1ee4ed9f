"""Read an item again in the adjoint loop instead of saving it: ``x_i = x[i]``.

The reverse sweep saves a name before a loop overwrites it and restores it after the
adjoint of the assignment, so that each trip of the adjoint loop sees the value of its trip.
When the value is an item of an array nothing changes, at an index made of the loop's own
counter and values nothing changes, the adjoint loop can read the item again (an index costs
less than a push and a pop)::

    for i in range(n):                          for i in range(n):
        stack.append(x_i)                           x_i = x[i]
        x_i = x[i]                                  ...
        ...                             ->      for i in reversed(range(n)):
    for i in reversed(range(n)):                    x_i = x[i]
        by = by * x_i                               by = by * x_i
        x_i = stack.pop()

A name qualifies when (1) it is assigned once, directly in the body of a ``for`` loop (not
under an ``if``), with ``v = a[idx]`` or ``v = i + 1``: ``a`` stable (see invariant.py:
nothing rebinds or changes it), ``idx`` made of stable names, constants and *counters*
(the loop's target, the targets of enclosing loops that the adjoint runs again the same
way, and integers made of those, themselves recomputed); (2) the loop body reads it only
after that assignment, and nothing outside the loop reads it; (3) one adjoint loop runs
over ``reversed`` of the same iterable with the same target, reads the name only before its
restore, and nothing else in the adjoint sweep reads it.  The read goes just before the
first statement of the adjoint loop body that needs the value.
"""

from __future__ import annotations

import gast

from .. import comments, grammar
from ..grammar import copy_tree, walk
from .invariant import invariant, stable_names
from .optimize import loaded_names
from .saves import pushed_name, restored_name, without_saves, without_unused_stack


def run(fn: gast.FunctionDef, stack: str | None) -> None:
    split = next((i for i, s in enumerate(fn.body) if comments.is_blank(s)), None)
    if stack is None or split is None:
        return
    scan, stable = stable_names(fn, stack)
    params = set(grammar.params(fn))  # their values before the loop are not the loop's
    primal, adjoint = fn.body[:split], fn.body[split:]
    adjoint_loops = _loops(adjoint)
    chosen = []  # (name, adjoint loop, expression), in the primal's order
    for loop, outer in _loops(primal):
        if not isinstance(loop.target, gast.Name):
            continue
        found = _adjoint_loop(adjoint_loops, loop, outer)
        if found is None:
            continue
        target, counters = found
        derived = set(counters)  # the counters, and integers made of them (``i + 1``)
        for k, stmt in enumerate(loop.body):
            var = _recomputable(stmt, derived, stable)
            if var is None or len(scan.assigns.get(var, ())) != 1 or var not in scan.pushed \
                    or var in params:
                continue
            if any(var in loaded_names(s) for s in loop.body[:k] if pushed_name(s, stack) != var):
                continue  # read before its assignment: the value of the trip before
            if _read_outside(primal, loop, var, stack) or _read_outside(
                    adjoint, target, var, stack) or not _read_before_restore(
                    target.body, var, stack):
                continue
            chosen.append((var, target, stmt.value))
            if not isinstance(stmt.value, gast.Subscript):
                derived.add(var)
    if not chosen:
        return
    fn.body = without_unused_stack(without_saves(fn.body, stack, {var for var, _, _ in chosen}),
                                   stack)
    for var, target, expr in reversed(chosen):  # ``x_j = x[j]`` before ``j = i + 1``
        at = next(i for i, s in enumerate(target.body) if var in loaded_names(s))
        read = gast.Assign(targets=[gast.Name(id=var, ctx=gast.Store(), annotation=None,
                                              type_comment=None)],
                           value=copy_tree(expr), type_comment=None)
        target.body.insert(at, gast.copy_location(read, target.body[at]))


def _loops(stmts, outer=()):
    """Every ``for`` loop in ``stmts`` with the ``for`` loops around it, outermost first."""
    out = []
    for stmt in stmts:
        if isinstance(stmt, gast.For):
            out.append((stmt, outer))
            out.extend(_loops(stmt.body, outer + (stmt,)))
        elif isinstance(stmt, (gast.If, gast.While)):
            out.extend(_loops(stmt.body, outer))
            out.extend(_loops(stmt.orelse, outer))
    return out


def _recomputable(stmt, derived, stable):
    """``v`` for ``v = a[idx]`` (``a`` stable, ``idx`` made of ``derived`` and stable names
    and constants) or ``v = i + 1`` (arithmetic of ``derived`` names and constants); else
    None."""
    if not (isinstance(stmt, gast.Assign) and len(stmt.targets) == 1
            and isinstance(stmt.targets[0], gast.Name)):
        return None
    value = stmt.value
    if isinstance(value, gast.Subscript):
        if not (isinstance(value.value, gast.Name) and value.value.id in stable
                and invariant(value.slice, stable | derived)):
            return None
    elif isinstance(value, (gast.BinOp, gast.UnaryOp)):
        operands = [value.left, value.right] if isinstance(value, gast.BinOp) else [value.operand]
        if not all(isinstance(o, gast.Constant) and type(o.value) is int
                   or isinstance(o, gast.Name) and o.id in derived for o in operands):
            return None
    else:
        return None
    return stmt.targets[0].id


def _read_outside(stmts, loop, var, stack) -> bool:
    """Whether a statement of ``stmts`` outside ``loop`` reads ``var`` (saves aside)."""
    inside = {id(n) for n in walk(loop)}
    return any(isinstance(n, gast.Name) and n.id == var and isinstance(n.ctx, gast.Load)
               and id(n) not in inside
               for s in stmts if pushed_name(s, stack) is None for n in walk(s))


def _adjoint_loop(loops, primal_loop, primal_outer):
    """The one adjoint loop ``for t in reversed(<the primal loop's iterable>)``, and the
    counters it runs over again: its own and those of the primal's enclosing loops whose
    adjoint loops enclose it the same way; None if there is no such loop or several."""
    found = [(loop, outer) for loop, outer in loops if _reverses(loop, primal_loop)]
    if len(found) != 1:
        return None
    loop, outer = found[0]
    counters = {primal_loop.target.id}
    for primal in primal_outer:
        if isinstance(primal.target, gast.Name) and any(_reverses(a, primal) for a in outer):
            counters.add(primal.target.id)
    return loop, counters


def _reverses(loop, primal_loop) -> bool:
    """Whether ``loop`` is ``for t in reversed(e)`` for the primal ``for t in e``."""
    return (isinstance(loop.target, gast.Name) and isinstance(primal_loop.target, gast.Name)
            and loop.target.id == primal_loop.target.id and isinstance(loop.iter, gast.Call)
            and isinstance(loop.iter.func, gast.Name) and loop.iter.func.id == "reversed"
            and len(loop.iter.args) == 1
            and gast.dump(loop.iter.args[0]) == gast.dump(primal_loop.iter))


def _read_before_restore(body, var, stack) -> bool:
    """Whether ``body`` restores ``var`` once, at its top level, and reads it only before."""
    restores = [i for i, s in enumerate(body) if restored_name(s, stack) == var]
    if len(restores) != 1:
        return False
    return not any(var in loaded_names(s) for s in body[restores[0] + 1:]) and any(
        var in loaded_names(s) for s in body[:restores[0]])
