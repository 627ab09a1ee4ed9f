"""Lower syntactic sugar to the core statements the later passes know.

Pre: the fenced function.  Post: the body holds only ``Assign`` with one target (a name,
or a tuple of names when the value is a call), ``Return`` and ``Expr`` of calls; docstrings
and ``pass`` are gone.  Example::

    x += 2 * y        ->   x = x + 2 * y
    a = b = f(x)      ->   a = f(x); b = a
    u, v = p          ->   u = p[0]; v = p[1]
    u, v = v, u       ->   _t1 = v; _t2 = u; u = _t1; v = _t2
"""

from __future__ import annotations

import gast


def run(fn: gast.FunctionDef, job) -> gast.FunctionDef:
    fn.body = _block(fn.body, job)
    return fn


def _block(stmts, job):
    out = []
    for stmt in stmts:
        if isinstance(stmt, (gast.If, gast.For, gast.While)):
            stmt.body = _block(stmt.body, job)
            stmt.orelse = _block(stmt.orelse, job)
            out.append(stmt)
        else:
            out.extend(_lower(stmt, job))
    return out


def _name(id_, ctx, origin):
    return gast.copy_location(gast.Name(id=id_, ctx=ctx, annotation=None, type_comment=None),
                              origin)


def _assign(target, value, origin):
    return gast.copy_location(gast.Assign(targets=[target], value=value, type_comment=None),
                              origin)


def _lower(stmt, job):
    if isinstance(stmt, gast.Pass):
        return []
    if isinstance(stmt, gast.Expr) and isinstance(stmt.value, gast.Constant):
        return []  # docstring or a bare constant
    if isinstance(stmt, gast.AugAssign):
        load = _name(stmt.target.id, gast.Load(), stmt.target)
        value = gast.copy_location(gast.BinOp(left=load, op=stmt.op, right=stmt.value), stmt)
        return [_assign(stmt.target, value, stmt)]
    if isinstance(stmt, gast.AnnAssign):
        return _lower(_assign(stmt.target, stmt.value, stmt), job)
    if isinstance(stmt, gast.Assign):
        if len(stmt.targets) > 1:
            first, *rest = stmt.targets
            out = _lower(_assign(first, stmt.value, stmt), job)
            source = first
            if not isinstance(first, gast.Name):
                tmp = job.namer.temp()
                out = _lower(_assign(_name(tmp, gast.Store(), stmt), stmt.value, stmt), job)
                out += _lower(_assign(first, _name(tmp, gast.Load(), stmt), stmt), job)
                source = _name(tmp, gast.Store(), stmt)
            for target in rest:
                out += _lower(_assign(target, _name(source.id, gast.Load(), stmt), stmt), job)
            return out
        target = stmt.targets[0]
        if isinstance(target, (gast.Tuple, gast.List)):
            return _unpack(target, stmt.value, stmt, job)
    return [stmt]


def _unpack(target, value, stmt, job):
    names = target.elts
    if isinstance(value, (gast.Tuple, gast.List)) and len(value.elts) == len(names):
        assigned = {n.id for t in names for n in gast.walk(t) if isinstance(n, gast.Name)}
        loaded = {n.id for v in value.elts for n in gast.walk(v) if isinstance(n, gast.Name)}
        if not assigned & loaded:
            out = []
            for t, v in zip(names, value.elts):
                out += _lower(_assign(t, v, stmt), job)
            return out
        temps = [job.namer.temp() for _ in names]
        out = [_assign(_name(tmp, gast.Store(), stmt), v, stmt) for tmp, v in zip(temps, value.elts)]
        for t, tmp in zip(names, temps):
            out += _lower(_assign(t, _name(tmp, gast.Load(), stmt), stmt), job)
        return out
    if isinstance(value, gast.Call) and all(isinstance(n, gast.Name) for n in names):
        # Kept whole: a rule with several outputs (``sign, logdet = np.linalg.slogdet(a)``).
        plain = gast.Tuple(elts=names, ctx=gast.Store())
        return [_assign(gast.copy_location(plain, target), value, stmt)]
    if isinstance(value, gast.Name):
        source = value.id
        out = []
    else:
        source = job.namer.temp()
        out = [_assign(_name(source, gast.Store(), stmt), value, stmt)]
    for i, t in enumerate(names):
        item = gast.Subscript(value=_name(source, gast.Load(), stmt),
                              slice=gast.Constant(value=i, kind=None), ctx=gast.Load())
        out += _lower(_assign(t, gast.copy_location(item, stmt), stmt), job)
    return out
