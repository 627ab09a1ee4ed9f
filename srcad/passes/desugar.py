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

from ..grammar import copy_tree, walk


def run(fn: gast.FunctionDef, job) -> gast.FunctionDef:
    job.outside_names = {n.id for n in _walk_outside_comprehensions(fn)
                         if isinstance(n, gast.Name)}
    _inline_lambdas(fn, job)
    fn.body = _block(fn.body, job)
    return fn


def _inline_lambdas(fn, job):
    """``sq = lambda t: t * t`` then ``sq(x)``: the call becomes ``(x * x)``.

    A lambda bound to a name once (at the top level of the function) and only ever called
    is inlined at each call; its free names are read where it is called, as Python's late
    binding does.
    """
    from ..errors import UnsupportedError
    applied = [c for c in walk(fn) if isinstance(c, gast.Call)
               and isinstance(c.func, gast.Lambda)]
    for number, call in enumerate(applied):  # (lambda t: t * 2)(x): name it, then inline
        name = job.namer.fresh(f"lambda_{number + 1}")
        fn.body.insert(0, gast.copy_location(gast.Assign(
            targets=[gast.Name(id=name, ctx=gast.Store(), annotation=None, type_comment=None)],
            value=call.func, type_comment=None), call.func))
        call.func = gast.Name(id=name, ctx=gast.Load(), annotation=None, type_comment=None)
    lambdas = {}
    for stmt in fn.body:
        if isinstance(stmt, gast.Assign) and len(stmt.targets) == 1 \
                and isinstance(stmt.targets[0], gast.Name) and isinstance(stmt.value, gast.Lambda):
            lambdas[stmt.targets[0].id] = stmt
    if not lambdas:
        return
    stores = [n.id for n in walk(fn) if isinstance(n, gast.Name)
              and isinstance(n.ctx, gast.Store)]
    calls = {id(c.func) for c in walk(fn) if isinstance(c, gast.Call)
             and isinstance(c.func, gast.Name)}
    for name, stmt in lambdas.items():
        args = stmt.value.args
        if stores.count(name) > 1 or args.vararg or args.kwarg or args.kwonlyargs \
                or args.defaults:
            raise UnsupportedError(
                f"this lambda cannot be inlined (in function `{job.name}`)",
                job.source.location(stmt),
                hint="bind it to a name once, with plain parameters, and only call it")
        for node in walk(fn):
            if isinstance(node, gast.Name) and node.id == name and \
                    isinstance(node.ctx, gast.Load) and id(node) not in calls:
                raise UnsupportedError(
                    f"the lambda `{name}` is used other than by calling it (in function "
                    f"`{job.name}`)", job.source.location(node),
                    hint="call it directly, or define a function at module level")
    fn.body = [s for s in fn.body if not any(s is v for v in lambdas.values())]
    inliner = _InlineLambdas(lambdas, job)
    fn.body = [inliner.visit(s) for s in fn.body]


class _InlineLambdas(gast.NodeTransformer):
    def __init__(self, lambdas, job):
        self.lambdas, self.job = lambdas, job

    def visit_Call(self, node):
        self.generic_visit(node)
        if not (isinstance(node.func, gast.Name) and node.func.id in self.lambdas):
            return node
        lam = self.lambdas[node.func.id].value
        params = [a.id for a in lam.args.posonlyargs + lam.args.args]
        bound = dict(zip(params, node.args))
        bound.update({kw.arg: kw.value for kw in node.keywords})
        if set(bound) != set(params):
            from ..errors import UnsupportedError
            raise UnsupportedError(f"wrong arguments for the lambda `{node.func.id}`",
                                   self.job.source.location(node))
        body = copy_tree(lam.body)
        # Arguments are substituted as expressions: a parameter used twice evaluates its
        # argument twice, which is harmless for the side-effect-free code srcad accepts.
        return _Substitute(bound).visit(body)


class _Substitute(gast.NodeTransformer):
    def __init__(self, bound):
        self.bound = bound

    def visit_Name(self, node):
        if node.id in self.bound and isinstance(node.ctx, gast.Load):
            return copy_tree(self.bound[node.id])
        return node


def _walk_outside_comprehensions(node):
    yield node
    for child in gast.iter_child_nodes(node):
        if not isinstance(child, _COMPREHENSIONS):
            yield from _walk_outside_comprehensions(child)


_COMPREHENSIONS = (gast.ListComp, gast.GeneratorExp)


class _Hoist(gast.NodeTransformer):
    """Replace comprehensions by a name, collecting the loops that build the list."""

    def __init__(self, job, origin, into=None):
        self.job, self.origin, self.stmts = job, origin, []
        self.into = into  # build the list directly into this name (``ys = [...]``)

    def visit_Lambda(self, node):
        return node

    def visit_ListComp(self, node):
        return self._hoist(node)

    def visit_GeneratorExp(self, node):
        return self._hoist(node)

    def _hoist(self, node):
        job = self.job
        items, self.into = (self.into, None) if self.into else (job.namer.fresh("items"), None)
        renames = {}
        for gen in node.generators:
            for target in walk(gen.target):
                if isinstance(target, gast.Name) and target.id not in renames:
                    old = target.id
                    renames[old] = old if old not in job.outside_names else job.namer.fresh(old)
                    job.outside_names.add(renames[old])
        rename = _Rename(renames)
        for gen in node.generators:
            rename.visit(gen.target)
            gen.ifs = [rename.visit(c) for c in gen.ifs]
        elt = rename.visit(node.elt)
        for gen in node.generators[1:]:
            gen.iter = rename.visit(gen.iter)
        append = gast.Expr(value=gast.Call(
            func=gast.Attribute(value=_name(items, gast.Load(), self.origin), attr="append",
                                ctx=gast.Load()), args=[elt], keywords=[]))
        body = [gast.copy_location(append, self.origin)]
        for gen in reversed(node.generators):
            for cond in reversed(gen.ifs):
                body = [gast.copy_location(gast.If(test=cond, body=body, orelse=[]), self.origin)]
            loop = gast.For(target=gen.target, iter=gen.iter, body=body, orelse=[],
                            type_comment=None)
            body = [gast.copy_location(loop, self.origin)]
        start = _assign(_name(items, gast.Store(), self.origin),
                        gast.List(elts=[], ctx=gast.Load()), self.origin)
        self.stmts += [start] + _block(body, job)
        return _name(items, gast.Load(), self.origin)


class _Rename(gast.NodeTransformer):
    def __init__(self, renames):
        self.renames = renames

    def visit_Name(self, node):
        node.id = self.renames.get(node.id, node.id)
        return node


def _hoisted(stmt, job):
    """Statements that build the comprehensions of ``stmt``'s expressions, and ``stmt``."""
    hoist = _Hoist(job, stmt)
    if isinstance(stmt, (gast.If, gast.While)):
        if isinstance(stmt, gast.While) and any(isinstance(n, _COMPREHENSIONS)
                                                for n in walk(stmt.test)):
            from ..errors import UnsupportedError
            raise UnsupportedError(
                f"a comprehension in a `while` condition is not supported (in function "
                f"`{job.name}`)", job.source.location(stmt),
                hint="compute it in the loop body and test a plain name")
        stmt.test = hoist.visit(stmt.test)
    elif isinstance(stmt, gast.For):
        stmt.iter = hoist.visit(stmt.iter)
    else:
        value = getattr(stmt, "value", None)
        if isinstance(stmt, gast.Assign) and len(stmt.targets) == 1 \
                and isinstance(stmt.targets[0], gast.Name) and isinstance(value, gast.ListComp) \
                and stmt.targets[0].id not in {n.id for n in walk(value)
                                               if isinstance(n, gast.Name)}:
            hoist.into = stmt.targets[0].id  # ``ys = [f(v) for v in xs]`` appends into ys
            hoist.visit(value)
            return hoist.stmts  # the statement itself is replaced by the loop
        if value is not None:
            stmt.value = hoist.visit(value)
    return hoist.stmts


def _is_append_into(hoisted, stmt) -> bool:
    """Whether ``stmt`` (``ys = [...]``) was replaced by the loop building ``ys``."""
    first = hoisted[0]
    return (isinstance(first, gast.Assign) and isinstance(first.targets[0], gast.Name)
            and isinstance(stmt.targets[0], gast.Name)
            and first.targets[0].id == stmt.targets[0].id and isinstance(first.value, gast.List)
            and isinstance(stmt.value, gast.ListComp))


def _block(stmts, job):
    out = []
    for stmt in stmts:
        hoisted = _hoisted(stmt, job)
        out.extend(hoisted)
        if hoisted and isinstance(stmt, gast.Assign) and _is_append_into(hoisted, stmt):
            continue
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
    if isinstance(stmt, gast.AugAssign) and isinstance(stmt.target, gast.Subscript):
        if isinstance(stmt.target.value, gast.Name):
            job.augmented_items.add((stmt.lineno, stmt.col_offset, stmt.target.value.id))
        read = copy_tree(stmt.target)
        for node in walk(read):
            if hasattr(node, "ctx") and isinstance(node.ctx, gast.Store):
                node.ctx = gast.Load()
        value = gast.copy_location(gast.BinOp(left=read, op=stmt.op, right=stmt.value), stmt)
        return [_assign(stmt.target, value, stmt)]
    if isinstance(stmt, gast.AugAssign):
        job.augmented.add((stmt.lineno, stmt.col_offset, stmt.target.id))
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


def _returns_several(call, job) -> bool:
    """Whether ``call`` is a rule with several outputs or a call of a user function."""
    import types

    from .. import grammar, rules
    from ..source import missing
    parts = grammar.dotted(call.func)
    if not parts:
        return False
    obj = job.source.lookup(parts[0])
    for attr in parts[1:]:
        obj = getattr(obj, attr, None) if not missing(obj) else obj
    if missing(obj) or obj is None:
        return False
    rule = rules.lookup(obj)
    if rule is not None:
        return len(rule.outputs) > 1
    return isinstance(obj, types.FunctionType)


def _unpack(target, value, stmt, job):
    names = target.elts
    if isinstance(value, (gast.Tuple, gast.List)) and len(value.elts) == len(names):
        assigned = {n.id for t in names for n in walk(t) if isinstance(n, gast.Name)}
        loaded = {n.id for v in value.elts for n in walk(v) if isinstance(n, gast.Name)}
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
    if isinstance(value, gast.Call) and all(isinstance(n, gast.Name) for n in names) \
            and _returns_several(value, job):
        # Kept whole: a rule with several outputs (``sign, logdet = np.linalg.slogdet(a)``)
        # or the user's own function, which returns a tuple.
        plain = gast.Tuple(elts=names, ctx=gast.Store())
        return [_assign(gast.copy_location(plain, target), value, stmt)]
    assigned = {n.id for t in names for n in walk(t) if isinstance(n, gast.Name)}
    if isinstance(value, gast.Name) and value.id not in assigned:
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
