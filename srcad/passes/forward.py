"""Forward mode: each primal statement is followed by the statement of its tangent.

Pre: ANF after ``ssa``, with ``job.ops`` (resolve), ``job.active`` (activity) and
``job.kinds``.  Post: a function ``jvp_<name>(<params>, *, d<wrt>...)`` returning
``(result, tangent of the result)``.  Example, for ``y = np.sin(x) * w`` with ``wrt=x``::

    def jvp_f(x, w, *, dx):
        sin_x = np.sin(x)
        dsin_x = dx * np.cos(x)
        y = sin_x * w
        dy = dsin_x * w
        return y, dy

Every assignment to an active name assigns its tangent right after it (zeros when no
active value flows in), so a tangent exists wherever its primal does: branches and loops
need no stacks and keep their shape.  The tangent of a rule's result is the sum of the
jvp terms of its active arguments (``dy += term`` in the table).  A tuple, list or dict
has a tangent of the same structure.  Calls to the user's own functions call their
forward derivative, which returns the value and its tangent together.
"""

from __future__ import annotations

import inspect

import gast

from .. import comments, grammar, rules, template
from ..errors import NoRuleError, UnsupportedError
from ..grammar import assign, copy_tree, name, walk
from . import aliasing, calls
from .activity import targets
from .adjoints import _drop_unused, _is_append, checked_result, own_names

def run(fn: gast.FunctionDef, job) -> gast.FunctionDef:
    ret = checked_result(fn, job)
    from ..pipeline import kinds_key
    own = calls.key_of(job.source.fn, job.wrt_names, job.single_wrt, job.optimize) + (
        kinds_key(job.param_kinds), "fwd")
    calls.IN_PROGRESS[own] = ",".join(job.namer.tangent(p) for p in job.wrt_names)
    job.guards = {**aliasing.check_setitem_aliasing(fn, job, direct_only=True),
                  **aliasing.check_inplace_augmented(fn, job)}
    sweep = _Forward(job, fn)
    # A parameter outside ``wrt`` that is later assigned an active value (``y *= x``)
    # starts with a zero tangent.
    body = [sweep.zero(p, fn) for p in grammar.params(fn)
            if p in job.active and p not in job.wrt_names]
    body += sweep.block(fn.body[:-1])
    result = ret.value.id
    tangents = [job.namer.tangent(p) for p in job.wrt_names]
    value = sweep.tangent_of(result)
    fn.body = body + [gast.Return(value=gast.Tuple(elts=[name(result), value], ctx=gast.Load()))]
    for t in tangents:
        fn.args.kwonlyargs.append(gast.Name(id=t, ctx=gast.Param(), annotation=None,
                                            type_comment=None))
        fn.args.kw_defaults.append(None)
    job.seed_name = ",".join(tangents)
    fn.name = job.namer.fresh(f"jvp_{job.source.tree.name}")
    return fn


class _Forward:
    def __init__(self, job, fn):
        self.job = job
        self.helpers = job.template_globals
        self.mutated = {s.targets[0].value.id for s in grammar.simple_statements(fn.body)
                        if isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Subscript)}
        # A tangent must share memory only where its primal does: when items may be written
        # here, or by the caller of a helper, ``y = z.copy()`` gets a tangent of its own
        self.separate = bool(self.mutated) or job.is_callee

    def call(self, func: str, *args):
        return gast.Call(func=name(self.helpers.get(func, func)), args=list(args), keywords=[])

    def tangent_of(self, var: str):
        """The tangent of ``var`` as an expression: its name, or zeros if inactive."""
        if var in self.job.active:
            return name(self.job.namer.tangent(var))
        return self.call("zeros_like", name(var))

    def operand_tangent(self, expr):
        """The tangent of an operand expression (a name, a constant or a literal of them),
        or None when nothing active flows through it."""
        if isinstance(expr, gast.Name):
            return name(self.job.namer.tangent(expr.id)) if expr.id in self.job.active else None
        if isinstance(expr, (gast.Tuple, gast.List)):
            parts = [self.operand_tangent(e) for e in expr.elts]
            if all(p is None for p in parts):
                return None
            elts = [p if p is not None else self.call("zeros_like", copy_tree(e))
                    for p, e in zip(parts, expr.elts)]
            return type(expr)(elts=elts, ctx=gast.Load())
        return None

    # -- statements -----------------------------------------------------------------------
    def block(self, stmts) -> list:
        out, last_line = [], None
        for stmt in stmts:
            line = getattr(stmt, "lineno", None)
            if line is not None and line != last_line and not isinstance(stmt, gast.Break):
                out.append(comments.primal_marker(stmt, self.job))
                last_line = line
            out.extend(self.statement(stmt))
        return out

    def statement(self, stmt) -> list:
        job = self.job
        if isinstance(stmt, gast.If):
            new = gast.If(test=stmt.test, body=self.block(stmt.body),
                          orelse=self.block(stmt.orelse))
            return [gast.copy_location(new, stmt)]
        if isinstance(stmt, gast.For):
            new = gast.For(target=stmt.target, iter=stmt.iter, body=self.block(stmt.body),
                           orelse=[], type_comment=None)
            return [gast.copy_location(new, stmt)]
        if isinstance(stmt, gast.While):
            new = gast.While(test=stmt.test, body=self.block(stmt.body), orelse=[])
            return [gast.copy_location(new, stmt)]
        out = []
        guard = job.guards.get(stmt)
        if guard is not None:
            helper, var, message = guard
            names = [name(v) if isinstance(v, str) else copy_tree(v)
                     for v in (var if isinstance(var, tuple) else (var,))]
            check = gast.Expr(value=self.call(helper, *names, grammar.const(message)))
            out.append(gast.copy_location(check, stmt))
        op = job.ops.get(stmt)
        if op is not None and op.kind == "setitem":
            return out + [stmt] + self.setitem(stmt, op)
        if _is_append(stmt):
            return out + [stmt] + self.append(stmt)
        if op is not None and op.kind == "pop":
            return out + [stmt] + self.pop(stmt)
        if not isinstance(stmt, gast.Assign) or not set(targets(stmt)) & job.active:
            return out + [stmt]
        if op.kind == "user":
            return out + self.user_call(stmt, op)
        return out + [stmt] + self.assign(stmt, op)

    def define(self, var: str, value, origin) -> gast.Assign:
        """``d<var> = value``; a name updated in place gets a tangent of its own."""
        if var in self.mutated and not _is_fresh(value, self.helpers):
            value = self.call("copy_value", value)
        return assign(self.job.namer.tangent(var), value, origin)

    def zero(self, var: str, origin) -> gast.Assign:
        return assign(self.job.namer.tangent(var), self.call("zeros_like", name(var)), origin)

    def assign(self, stmt, op) -> list:
        target = stmt.targets[0]
        if op.kind == "copy":
            tangent = self.operand_tangent(op.bindings["x"])
            if tangent is None:
                return [self.zero(target.id, stmt)]
            return [self.define(target.id, tangent, stmt)]
        if op.kind == "container":
            return [self.container(stmt, target)]
        if op.kind != "rule":  # a constant or a non-differentiable value
            return [self.zero(v, stmt) for v in targets(stmt) if v in self.job.active]
        return self.rule(stmt, op, target)

    def container(self, stmt, target) -> gast.Assign:
        value = stmt.value
        if isinstance(value, gast.Dict):
            values = [self.operand_tangent(v) or self.call("zeros_like", copy_tree(v))
                      for v in value.values]
            tangent = gast.Dict(keys=[copy_tree(k) for k in value.keys], values=values)
        else:
            elts = [self.operand_tangent(e) or self.call("zeros_like", copy_tree(e))
                    for e in value.elts]
            tangent = type(value)(elts=elts, ctx=gast.Load())
        return self.define(target.id, tangent, stmt)

    def rule(self, stmt, op, target) -> list:
        job = self.job
        rule = op.rule
        outs = target.elts if isinstance(target, gast.Tuple) else [target]
        if len(outs) != len(rule.outputs):
            raise UnsupportedError(
                f"{op.display} returns {len(rule.outputs)} value(s) but {len(outs)} name(s) "
                f"receive them (in function `{job.name}`)", job.source.location(stmt),
                hint="unpack the result into as many names as it has values")
        mapping = dict(op.bindings)
        active_params = set()
        for param, value in op.bindings.items():
            tangent = self.operand_tangent(value)
            if tangent is not None:
                mapping["d" + param] = tangent
                active_params.add(param)
        for out_name, out in zip(rule.outputs, outs):
            mapping[out_name] = name(out.id)
        mapping.update(job.template_globals)
        for temp in template.assigned_names(rule.jvp):
            mapping[temp] = job.namer.fresh(f"{outs[0].id}_{temp}")
        covered = {n.id[1:] for tmpl in rule.jvp if isinstance(tmpl, gast.AugAssign)
                   for n in walk(tmpl.value) if isinstance(n, gast.Name)
                   and n.id.startswith("d") and n.id[1:] in rule.params}
        missing = sorted((active_params & set(rule.diff_params())) - covered)
        if missing:
            raise NoRuleError(
                f"no forward-mode rule for {op.display} with respect to `{missing[0]}` "
                f"(in function `{job.name}`)", job.source.location(stmt),
                hint="use reverse mode (srcad.grad / srcad.vjp), or give the function a "
                     "forward rule with srcad.defjvp")
        temps, terms = [], {o: [] for o in rule.outputs}
        for tmpl in template.drop_default_arguments(rule.jvp, rule.signature, op.bindings,
                                                    rules.TEMPLATE_GLOBALS, own_names(rule)):
            if isinstance(tmpl, gast.AugAssign):
                used = {n.id[1:] for n in walk(tmpl.value) if isinstance(n, gast.Name)
                        and n.id.startswith("d") and n.id[1:] in rule.params}
                if used and used <= active_params:
                    terms[tmpl.target.id[1:]].append(template.substitute_expr(tmpl.value, mapping))
            else:
                temps.extend(template.instantiate([tmpl], mapping, stmt))
        out = []
        for out_name, out_node in zip(rule.outputs, outs):
            var = out_node.id
            if var not in job.active:
                continue
            parts = terms[out_name]
            if not parts:
                out.append(self.zero(var, stmt))
                continue
            total = parts[0]
            numeric = job.kinds.get(var) in ("scalar", "array")
            for part in parts[1:]:  # lists and tuples add item by item, not with ``+``
                total = (gast.BinOp(left=total, op=gast.Add(), right=part) if numeric
                         else self.call("add", total, part))
            if rule.elementwise and self._may_broadcast(op, active_params, total):
                total = self.call("broadcast_like", total, name(var))
            if self.separate and isinstance(total, gast.Name):
                # ``y = z.copy()``, ``y = z + c``: a new array whose tangent would be ``dz``
                total = self.call("copy_value", total)
            out.append(self.define(var, total, stmt))
        temp_names = {mapping[t] for t in template.assigned_names(rule.jvp)}
        return _drop_unused(temps + out, temp_names)

    def _may_broadcast(self, op, active_params, total) -> bool:
        """Whether an inactive operand of an elementwise rule may be larger than the
        tangent ``total`` of the active ones, so that it needs broadcasting to ``y``: an
        operand that ``total`` itself multiplies by (``dx1 * x2``) broadcasts it already."""
        kinds = self.job.kinds
        used = {n.id for n in walk(total) if isinstance(n, gast.Name)}
        for param, value in op.bindings.items():
            if param in active_params:
                continue
            for node in walk(value):
                if isinstance(node, gast.Name) and kinds.get(node.id) != "scalar" \
                        and node.id not in used:
                    return True
                if isinstance(node, gast.Constant) and not isinstance(
                        node.value, (int, float, bool, type(None))):
                    return True
        return False

    def setitem(self, stmt, op) -> list:
        var = op.bindings["x"].id
        if var not in self.job.active:
            return []
        value = op.bindings["v"]
        tangent = self.operand_tangent(value)
        if tangent is None:
            tangent = self.call("zeros_like", copy_tree(value))
        target = gast.Subscript(value=name(self.job.namer.tangent(var)),
                                slice=copy_tree(stmt.targets[0].slice), ctx=gast.Store())
        return [gast.copy_location(gast.Assign(targets=[target], value=tangent), stmt)]

    def append(self, stmt) -> list:
        call = stmt.value
        xs = call.func.value.id
        if xs not in self.job.active:
            return []
        value = call.args[0]
        tangent = self.operand_tangent(value)
        if tangent is None:
            tangent = self.call("zeros_like", copy_tree(value))
        method = gast.Attribute(value=name(self.job.namer.tangent(xs)), attr="append",
                                ctx=gast.Load())
        node = gast.Expr(value=gast.Call(func=method, args=[tangent], keywords=[]))
        return [gast.copy_location(node, stmt)]

    def pop(self, stmt) -> list:
        """``v = xs.pop()``: the tangent list gives up its last item too, whether or not
        ``v`` is active, so that the two lists stay aligned."""
        xs = stmt.value.func.value
        if not isinstance(xs, gast.Name) or xs.id not in self.job.active:
            return [self.zero(v, stmt) for v in targets(stmt) if v in self.job.active]
        taken = gast.Call(func=gast.Attribute(value=name(self.job.namer.tangent(xs.id)),
                                              attr="pop", ctx=gast.Load()),
                          args=[], keywords=[])
        if isinstance(stmt, gast.Assign) and targets(stmt)[0] in self.job.active:
            return [self.define(targets(stmt)[0], taken, stmt)]
        return [gast.copy_location(gast.Expr(value=taken), stmt)]

    def user_call(self, stmt, op) -> list:
        """``y = helper(a, w)`` with ``a`` active: ``y, dy = jvp_helper(a, w, da=da)``."""
        job = self.job
        call = stmt.value
        callee = op.obj
        loc = job.source.location(stmt)
        signature = inspect.signature(callee)
        kwargs = {kw.arg: kw.value for kw in call.keywords if kw.arg is not None}
        try:
            bound = signature.bind(*call.args, **kwargs)
        except TypeError as exc:
            raise UnsupportedError(f"cannot match the arguments of `{op.display}`: {exc}",
                                   loc) from None
        active = []
        for param, value in bound.arguments.items():
            kind = signature.parameters[param].kind
            used = {n.id for v in (value.values() if isinstance(value, dict) else
                                   value if isinstance(value, tuple) else [value])
                    for n in walk(v) if isinstance(n, gast.Name)}
            if not used & job.active:
                continue
            if kind in (kind.VAR_POSITIONAL, kind.VAR_KEYWORD):
                raise UnsupportedError(
                    f"`{op.display}` receives differentiated values through *{param}/"
                    f"**{param} (in function `{job.name}`)", loc,
                    hint="give the helper named parameters")
            active.append(param)
        target = stmt.targets[0]
        if not active:
            return [stmt] + [self.zero(v, stmt) for v in targets(stmt) if v in job.active]
        from ..pipeline import transform_callee
        kinds = {p: ("container" if isinstance(v, (gast.Tuple, gast.List, gast.Dict)) else
                     job.kinds.get(v.id, "unknown") if isinstance(v, gast.Name) else "array")
                 for p, v in bound.arguments.items()}
        kinds = {p: k for p, k in kinds.items() if k != "array"}
        seed, helper = transform_callee(callee, active, job, kinds, mode="fwd")
        tangent_names = seed.split(",")
        keywords = list(copy_tree(call.keywords))
        for param, tname in zip(active, tangent_names):
            tangent = self.operand_tangent(bound.arguments[param])
            keywords.append(gast.keyword(arg=tname, value=tangent))
        new_call = gast.Call(func=name(helper), args=copy_tree(call.args), keywords=keywords)
        if isinstance(target, gast.Tuple):
            tangent_target = gast.Tuple(
                elts=[name(job.namer.tangent(e.id), gast.Store()) for e in target.elts],
                ctx=gast.Store())
        else:
            tangent_target = name(job.namer.tangent(target.id), gast.Store())
        both = gast.Tuple(elts=[copy_tree(target), tangent_target], ctx=gast.Store())
        return [gast.copy_location(gast.Assign(targets=[both], value=new_call), stmt)]


def _is_fresh(value, helpers) -> bool:
    return isinstance(value, gast.Call) and isinstance(value.func, gast.Name) \
        and value.func.id in (helpers.get("zeros_like", "zeros_like"),
                              helpers.get("copy_value", "copy_value"))
