"""Common subexpressions: a temporary that computes again what an earlier one holds reads it.

``np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)`` reads ``x[:-1]`` twice.
In three-address form that is two temporaries, each with its own adjoint (a scatter into
zeros shaped like ``x`` for each)::

    x_item_2 = x[:-1]                   x_item_2 = x[:-1]
    ...                          ->     ...
    x_item_3 = x[:-1]                   _1_minus_x_item_2 = 1.0 - x_item_2
    _1_minus_x_item_3 = 1.0 - x_item_3

Pre: three-address form, single assignment where possible (``ssa``), ``job.ops``
(``resolve``).  Post: a temporary ``t = e`` that is assigned once, where an earlier
``s = e`` in the same block is assigned once too and nothing between rebinds or changes in
place a name ``e`` reads, is gone, and what read ``t`` reads ``s``.  Only srcad's own
temporaries go (names you wrote stay), and only values that nothing changes in place; ``e``
is indexing, an attribute, arithmetic, or a call of a numpy, scipy or math function.
"""

from __future__ import annotations

import gast

from .. import grammar
from ..grammar import walk

_COMPOUND = (gast.If, gast.For, gast.While)
_PURE_MODULES = ("numpy", "scipy", "math")


def run(fn: gast.FunctionDef, job) -> gast.FunctionDef:
    if not job.optimize:
        return fn
    user = {n.id for n in walk(job.source.tree) if isinstance(n, gast.Name)}
    stores: dict = {}
    for node in walk(fn):
        if isinstance(node, gast.Name) and isinstance(node.ctx, (gast.Store, gast.Param)):
            stores[node.id] = stores.get(node.id, 0) + 1
    changed = _changed_in_place(fn, job)
    renames: dict = {}
    _Block(job, stores, user, changed, renames).run(fn.body)
    if renames:
        for node in walk(fn):
            if isinstance(node, gast.Name) and isinstance(node.ctx, gast.Load):
                while node.id in renames:
                    node.id = renames[node.id]
    return fn


def _changed_in_place(fn, job) -> set:
    """Names whose value a statement may change without rebinding them: item writes,
    method calls (``xs.append``), arguments of calls that are not known to be pure."""
    out = set()
    for stmt in grammar.simple_statements(fn.body):
        if isinstance(stmt, gast.Assign):
            for target in stmt.targets:
                if isinstance(target, gast.Subscript):
                    out |= {n.id for n in walk(target.value) if isinstance(n, gast.Name)}
        value = getattr(stmt, "value", None)
        calls = [value] if isinstance(value, gast.Call) else []  # three-address form
        if value is not None and not calls and not isinstance(value, (gast.Name, gast.Constant)):
            calls = [n for n in walk(value) if isinstance(n, gast.Call)]
        for call in calls:
            if not _pure_call(call, stmt, job):
                parts = list(call.args) + [k.value for k in call.keywords]
                if isinstance(call.func, gast.Attribute):
                    parts.append(call.func.value)
                out |= {n.id for p in parts for n in walk(p) if isinstance(n, gast.Name)}
    return out


def _pure_call(call, stmt, job) -> bool:
    op = job.ops.get(stmt)
    if op is None or op.kind not in ("rule", "nondiff") or getattr(stmt, "value", None) is not call:
        return False
    obj = op.obj
    if obj is None and op.kind == "rule" and op.rule is not None:
        obj = op.rule.key
    module = getattr(obj, "__module__", None) or getattr(type(obj), "__module__", "") or ""
    name = getattr(obj, "__name__", "")
    return module.startswith(_PURE_MODULES) and "random" not in module \
        and not any(k.arg == "out" for k in call.keywords) and name not in ("copy", "empty")


class _Block:
    def __init__(self, job, stores, user, changed, renames):
        self.job, self.stores, self.user = job, stores, user
        self.changed, self.renames = changed, renames

    def run(self, stmts: list) -> None:
        table: dict = {}  # dump of an expression -> (the name that holds it, names it reads)
        keep = []
        for stmt in stmts:
            if isinstance(stmt, _COMPOUND):
                self.run(stmt.body)
                self.run(stmt.orelse)
                _forget(table, stmt)
                keep.append(stmt)
                continue
            key = self._key(stmt)
            target = stmt.targets[0].id if key is not None else None
            if key is not None and key in table and target not in self.user:
                self.renames[target] = table[key][0]
                continue
            _forget(table, stmt)
            if key is not None and key not in table:
                table[key] = (target, {n.id for n in walk(stmt.value)
                                       if isinstance(n, gast.Name)})
            keep.append(stmt)
        stmts[:] = keep

    def _key(self, stmt):
        """The expression ``stmt`` computes, if it may be shared, else None."""
        if not (isinstance(stmt, gast.Assign) and len(stmt.targets) == 1
                and isinstance(stmt.targets[0], gast.Name)):
            return None
        target, value = stmt.targets[0].id, stmt.value
        if self.stores.get(target) != 1 or target in self.changed:
            return None
        names = {n.id for n in walk(value) if isinstance(n, gast.Name)}
        if names & self.changed:
            return None
        if isinstance(value, gast.Call):
            if not _pure_call(value, stmt, self.job):
                return None
        elif not isinstance(value, (gast.Subscript, gast.Attribute, gast.BinOp, gast.UnaryOp,
                                    gast.Compare)):
            return None
        if any(isinstance(n, (gast.Call, gast.Lambda, gast.NamedExpr)) and n is not value
               for n in walk(value)):
            return None
        return gast.dump(value)


def _forget(table, stmt):
    """Drop what ``stmt`` makes stale: expressions of a name it rebinds."""
    if not table:
        return
    if isinstance(stmt, gast.Assign) and all(isinstance(t, gast.Name) for t in stmt.targets):
        stored = {t.id for t in stmt.targets}
    elif isinstance(stmt, (gast.Expr, gast.Return)):
        return
    else:
        stored = {n.id for n in walk(stmt) if isinstance(n, gast.Name)
                  and isinstance(n.ctx, gast.Store)}
    for key, (holder, names) in list(table.items()):
        if holder in stored or names & stored:
            del table[key]
