"""Shape classes: names whose arrays surely have the shape of an argument's.

Pre: ``job.kinds`` and ``job.param_kinds``, which may pair ``"<param>#shape"`` with a class
number when arguments of the call the derivative is compiled for share their shape (see
derivative.shape_classes: ``x0``, ``v0``, ``k`` and ``c`` of one shape get class 0).
Post: ``job.shape_classes`` maps names to their class where it is sure: an elementwise
operation whose operands are numbers and arrays of one class gives an array of that class;
a copy keeps its class.  The reverse pass drops ``unbroadcast(g, x)`` where ``x`` and the
result whose adjoint ``g`` is have one class (``g`` has the result's shape), and with it
the save of ``x``'s shape that ``unbroadcast`` would read::

    a = neg_k_times_x - c_times_v       ->      ba = bdt_times_a * dt
    ...                                          bneg_k_times_x = ba
    bneg_k_times_x = unbroadcast(ba, neg_k_times_x_shape)

A name assigned in several places (a loop's state) has a class only if every assignment
gives it that one (to a fixed point, from the loop's entry on).  Anything else has none.
"""

from __future__ import annotations

import gast

from .. import grammar

SHAPE_MARK = "#shape"  # "<param>#shape" -> class, in the kinds a derivative is compiled for
_NUMBER = "number"


def run(fn: gast.FunctionDef, job) -> None:
    classes = {p[:-len(SHAPE_MARK)]: k for p, k in job.param_kinds.items()
               if isinstance(p, str) and p.endswith(SHAPE_MARK)}
    params = set(grammar.params(fn))
    classes = {p: k for p, k in classes.items() if p in params}
    job.shape_classes = {}
    if not classes:
        return
    assigned = {}
    for stmt in grammar.simple_statements(fn.body):
        if isinstance(stmt, gast.Assign) and len(stmt.targets) == 1 \
                and isinstance(stmt.targets[0], gast.Name):
            assigned.setdefault(stmt.targets[0].id, []).append(stmt)
        elif isinstance(stmt, gast.Assign):
            for target in stmt.targets:  # unpacking, items: no class for the names bound
                for node in gast.walk(target):
                    if isinstance(node, gast.Name) and isinstance(node.ctx, gast.Store) \
                            and not isinstance(target, gast.Subscript):
                        assigned.setdefault(node.id, []).append(None)
    loop_targets = {n.id for loop in gast.walk(fn) if isinstance(loop, gast.For)
                    for n in gast.walk(loop.target) if isinstance(n, gast.Name)}
    state = {p: classes[p] for p in classes if p not in assigned and p not in loop_targets}
    unknown = set(loop_targets) | {p for p in params if p not in classes}
    changed = True
    while changed:  # classes only go from unset to a class to unknown
        changed = False
        for var, stmts in assigned.items():
            if var in unknown:
                continue
            found = {_class_of(stmt, job, state, unknown) if stmt is not None else None
                     for stmt in stmts}
            found.discard(_UNSET)
            if var in classes:  # a parameter rebound: its first value counts too
                found.add(classes[var])
            if not found:
                continue  # every assignment waits for an operand
            if len(found) > 1 or None in found or _NUMBER in found:
                unknown.add(var)
                state.pop(var, None)
                changed = True
                continue
            (new,) = found
            if state.get(var) != new:
                state[var] = new
                changed = True
    job.shape_classes = {v: k for v, k in state.items() if v not in unknown}


_UNSET = object()  # an operand not assigned yet in the fixed point


def _class_of(stmt, job, state, unknown):
    op = job.ops.get(stmt)
    if op is None:
        return None
    if op.kind == "copy":
        return _operand(op.bindings["x"], job, state, unknown)
    if op.kind != "rule" or not op.rule.elementwise:
        return None
    found = set()
    for value in op.bindings.values():
        kind = _operand(value, job, state, unknown)
        if kind is None or kind is _UNSET:
            return kind
        if kind != _NUMBER:
            found.add(kind)
    if len(found) != 1:
        return None  # numbers only (kinds says so), or two classes: nothing sure
    return found.pop()


def _operand(value, job, state, unknown):
    if isinstance(value, gast.Constant):
        return _NUMBER if isinstance(value.value, (int, float)) and not isinstance(
            value.value, bool) else None
    if not isinstance(value, gast.Name):
        return None
    if job.kinds.get(value.id) == "scalar":
        return _NUMBER
    if value.id in unknown:
        return None
    return state.get(value.id, _UNSET)
