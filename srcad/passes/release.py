"""Release of arrays nothing reads any more: ``del`` after a value's last use.

Three-address code names every intermediate value, and a name keeps its value alive until
the function returns, where the user's own expression let each temporary go as soon as the
operation that read it was done.  On large arrays a derivative then holds several times
the memory the function needs, and the time shows it too: memory freed in a block at
return is given back to the system by the allocator and must be paged in again on the
next call (large rosenbrock: 4.5 ms with every temporary kept, 2.6 ms with them released,
the page faults halved).  This pass lets the values go::

    # line 3: y = 100.0 * t ** 2                 # line 3: y = 100.0 * t ** 2
    t_squared = t ** 2                    ->     t_squared = t ** 2
    y = 100.0 * t_squared                        y = 100.0 * t_squared
    # line 4: ...                                del t_squared
                                                 # line 4: ...

Pre: the optimized reverse-mode derivative. Post: at the end of the statements of one line
of the user's source, in the function's top-level block, ``del`` of the names whose last use
they hold, where (1) every assignment of the name is a top-level simple statement, so the
name is bound there whatever path ran; (2) the name may hold an array or a container (its
kind, or its primal's for an adjoint); (3) it is not a parameter, and not only ever a view,
a copy or an attribute of another value (``x[1:]``, ``a = x``, ``x.shape``: releasing those
frees nothing); (4) it is not surely a number (a full reduction such as ``np.sum(x)``, or
arithmetic of those); (5) something other than the ``return`` follows. Loop bodies rebind
their names each trip, and are left alone. Code srcad generated and differentiates again has
its ``del`` statements dropped first (fence).
"""

from __future__ import annotations

import gast

from .. import comments, grammar
from ..grammar import walk
from .shapes import REDUCTIONS

_RELEASED_KINDS = ("array", "container", "unknown")


def run(fn: gast.FunctionDef, job) -> None:
    if job.mode != "rev":
        return  # forward mode: a tangent sweep interleaved with the primal
    body = fn.body
    end = next((i for i, s in enumerate(body) if isinstance(s, gast.Return)), len(body))
    candidates = _candidates(fn, job)
    last: dict = {}
    for i, stmt in enumerate(body[:end + 1]):
        for node in walk(stmt):
            if isinstance(node, gast.Name) and node.id in candidates:
                last[node.id] = i
    work_after = _work_after(body, end)
    group_end = _group_ends(body, end)
    releases: dict = {}
    for var, i in last.items():
        if i < end and work_after[group_end[i]]:
            releases.setdefault(group_end[i], []).append(var)
    out = []
    for i, stmt in enumerate(body):
        out.append(stmt)
        if i in releases:
            names = sorted(releases[i], key=candidates.get)
            out.append(gast.copy_location(gast.Delete(targets=[
                gast.Name(id=n, ctx=gast.Del(), annotation=None, type_comment=None)
                for n in names]), stmt))
    fn.body = out


def _candidates(fn, job) -> dict:
    """Name -> position of its first assignment, for the names that may be released."""
    params = set(grammar.params(fn))
    nested = {n.id for stmt in fn.body if isinstance(stmt, (gast.If, gast.For, gast.While))
              for n in walk(stmt) if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store)}
    kinds = job.kinds
    primal_of = {b: v for v, b in job.namer._adjoints.items()}
    numbers = _numbers(job)
    first: dict = {}
    holds_values: set = set()
    for i, stmt in enumerate(fn.body):
        if not isinstance(stmt, gast.Assign):
            continue
        view = isinstance(stmt.value, (gast.Subscript, gast.Attribute, gast.Constant, gast.Name))
        for target in stmt.targets:
            for node in walk(target):
                if isinstance(node, gast.Name) and isinstance(node.ctx, gast.Store):
                    first.setdefault(node.id, i)
                    if not view:
                        holds_values.add(node.id)
    return {var: i for var, i in first.items()
            if var in holds_values and var not in params and var not in nested
            and kinds.get(var, kinds.get(primal_of.get(var))) in _RELEASED_KINDS
            and var not in numbers and primal_of.get(var) not in numbers}


# Reductions whose result is one number when no ``axis`` is given.
_FULL_REDUCTIONS = REDUCTIONS | {"numpy.linalg.norm", "numpy.vdot"}


def _numbers(job) -> set:
    """Primal names that surely hold one number: kinds' scalars, full reductions
    (``np.sum(x)``), and elementwise arithmetic of those (``-np.sum(x) / n``).  Releasing
    them frees nothing worth a line."""
    kinds = job.kinds
    numbers = {v for v, k in kinds.items() if k == "scalar"}
    defs = [(stmt.targets[0].id, op) for stmt, op in job.ops.items()
            if isinstance(stmt, gast.Assign) and len(stmt.targets) == 1
            and isinstance(stmt.targets[0], gast.Name) and op.kind == "rule"]
    changed = True
    while changed:
        changed = False
        for var, op in defs:
            if var in numbers:
                continue
            if op.rule.names[0] in _FULL_REDUCTIONS:
                axis = op.bindings.get("axis")
                number = axis is None or (isinstance(axis, gast.Constant) and axis.value is None)
            elif op.rule.elementwise:
                number = all(isinstance(v, gast.Constant) or (isinstance(v, gast.Name)
                                                               and v.id in numbers)
                             for v in op.bindings.values())
            else:
                number = False
            if number:
                numbers.add(var)
                changed = True
    return numbers


def _group_ends(body, end) -> list:
    """For each statement before ``end``: the last statement of its group, the statements
    a comment (``# line 12: ...``, ``# adjoint of line 12: ...``) starts; releases wait
    for it, one ``del`` per line of the user's source."""
    out = list(range(len(body)))
    last = end - 1
    for i in range(end - 1, -1, -1):
        out[i] = last
        if comments.is_marker(body[i]) or comments.is_blank(body[i]):
            last = i - 1
    return out


def _work_after(body, end) -> list:
    """For each statement before ``end``: whether a statement other than comments follows
    it before ``end`` (a release just before the ``return`` frees nothing sooner)."""
    out = [False] * len(body)
    seen = False
    for i in range(end - 1, -1, -1):
        out[i] = seen
        if not comments.is_marker(body[i]):
            seen = True
    return out
