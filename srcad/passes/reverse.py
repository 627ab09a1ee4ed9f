"""Reverse mode for straight-line code: a primal sweep, then an adjoint sweep.

Pre: SSA'd ANF, ``job.ops`` (resolve) and ``job.active`` (activity).  Post: a function
``vjp_<name>(<params>, by=1.0)`` that runs the primal statements, then the adjoint of each
active statement in reverse order (instantiated from the rules table), and returns
``(result, gradients)``.  Example, for ``y = x * w`` with ``wrt=x``::

    def vjp_f(x, w, by=1.0):
        y = x * w
        bx = unbroadcast(by * w, x)
        return y, bx

Accumulation: the first contribution to an adjoint assigns it; later ones rebind it
(``bx = bx + ...``), never update in place, so aliased buffers are never corrupted.
"""

from __future__ import annotations

import gast

from .. import comments, grammar, template
from ..errors import NoRuleError, UnsupportedError
from ..grammar import assign, name
from .activity import targets


def run(fn: gast.FunctionDef, job) -> gast.FunctionDef:
    ret = fn.body[-1] if fn.body and isinstance(fn.body[-1], gast.Return) else None
    if ret is None:
        raise UnsupportedError(f"function `{job.name}` returns nothing; srcad differentiates "
                               "its result", job.source.location(fn), hint="add a `return`")
    sweep = _AdjointSweep(job)
    seed = job.namer.adjoint(ret.value.id)
    sweep.defined.add(seed)
    primal = fn.body[:-1]
    adjoint = []
    for stmt in reversed(primal):
        if isinstance(stmt, gast.Assign) and set(targets(stmt)) & job.active:
            _check_differentiable(stmt, job)
            stmts = sweep.statement(stmt)
            if stmts:
                adjoint.append(comments.adjoint_marker(stmt, job))
                adjoint.extend(stmts)
    grads = []
    for p in job.wrt_names:
        bp = job.namer.adjoint(p)
        if bp not in sweep.defined:
            adjoint.append(assign(bp, _call("zeros_like", name(p)), fn))
            sweep.defined.add(bp)
        grads.append(name(bp))
    grad_expr = grads[0] if job.single_wrt else gast.Tuple(elts=grads, ctx=gast.Load())
    result = gast.Return(value=gast.Tuple(elts=[name(ret.value.id), grad_expr], ctx=gast.Load()))
    fn.body = comments.primal_markers(primal, job) + [comments.blank()] + adjoint + [result]
    _add_seed_parameter(fn, seed)
    job.seed_name = seed
    fn.name = job.namer.fresh(f"vjp_{job.name}")
    return fn


def _call(func: str, *args):
    return gast.Call(func=name(func), args=list(args), keywords=[])


def _add_seed_parameter(fn, seed):
    args = fn.args
    param = gast.Name(id=seed, ctx=gast.Param(), annotation=None, type_comment=None)
    if args.kwonlyargs:
        args.kwonlyargs.append(param)
        args.kw_defaults.append(grammar.const(1.0))
    else:
        args.args.append(param)
        args.defaults.append(grammar.const(1.0))


def _check_differentiable(stmt, job):
    op = job.ops[stmt]
    loc = job.source.location(stmt)
    if op.kind == "unknown":
        shown = op.display or "this call"
        raise NoRuleError(
            f"no derivative rule for {shown} (in function `{job.name}`)", loc,
            hint="register one, e.g. srcad.defvjp(<the function>, \"x\", vjp=\"bx += by * "
                 "<derivative of y with respect to x>\"), or wrap the value in "
                 "srcad.stop_gradient(...) if it should be treated as a constant",
        )
    if op.kind == "user":
        raise UnsupportedError(
            f"calling your own function `{op.display}` on a differentiated value is not "
            f"supported yet (in function `{job.name}`)", loc,
            hint="inline the helper's body for now; calls to user functions are being added",
        )
    if op.kind == "container":
        raise UnsupportedError(
            f"a tuple or list holding differentiated values is not supported yet (in function "
            f"`{job.name}`)", loc, hint="pass the values separately, or stack them with np.stack",
        )


class _AdjointSweep:
    def __init__(self, job):
        self.job = job
        self.defined: set[str] = set()

    def accumulate(self, bname: str, expr, origin) -> gast.Assign:
        if bname in self.defined:
            expr = gast.BinOp(left=name(bname), op=gast.Add(), right=expr)
        self.defined.add(bname)
        return assign(bname, expr, origin)

    def statement(self, stmt) -> list:
        op = self.job.ops[stmt]
        target = stmt.targets[0]
        if op.kind == "copy":
            source = op.bindings["x"].id
            if source not in self.job.active:
                return []
            return [self.accumulate(self.job.namer.adjoint(source),
                                    name(self.job.namer.adjoint(target.id)), stmt)]
        return self.rule(stmt, op, target)

    def rule(self, stmt, op, target) -> list:
        job = self.job
        rule = op.rule
        mapping = dict(op.bindings)
        outs = target.elts if isinstance(target, gast.Tuple) else [target]
        if len(outs) != len(rule.outputs):
            raise UnsupportedError(
                f"{op.display} returns {len(rule.outputs)} value(s) but {len(outs)} name(s) "
                f"receive them (in function `{job.name}`)", job.source.location(stmt),
                hint="unpack the result into as many names as it has values")
        for out_name, out in zip(rule.outputs, outs):
            mapping[out_name] = name(out.id)
            badj = job.namer.adjoint(out.id)
            mapping["b" + out_name] = (name(badj) if badj in self.defined
                                       else _call("zeros_like", name(out.id)))
        mapping.update(job.template_globals)
        for temp in template.assigned_names(rule.vjp):
            mapping[temp] = job.namer.fresh(f"{outs[0].id}_{temp}")
        out = []
        for tmpl in rule.vjp:
            if isinstance(tmpl, gast.AugAssign):
                param = tmpl.target.id[1:]
                value = template.substitute_expr(tmpl.value, mapping)
                out.extend(self.contribution(op.bindings.get(param), value, param, stmt))
            else:
                out.extend(template.instantiate([tmpl], mapping, stmt))
        return out

    def contribution(self, operand, value, param, stmt) -> list:
        """Add ``value`` to the adjoint of ``operand`` (a name, or a literal of names)."""
        active = self.job.active
        if isinstance(operand, gast.Name):
            if operand.id in active:
                return [self.accumulate(self.job.namer.adjoint(operand.id), value, stmt)]
            return []
        if isinstance(operand, (gast.Tuple, gast.List)):
            hits = [(i, e) for i, e in enumerate(operand.elts)
                    if isinstance(e, gast.Name) and e.id in active]
            if not hits:
                return []
            parts = self.job.namer.fresh(f"b{param}")
            out = [assign(parts, value, stmt)]
            for i, elt in hits:
                item = gast.Subscript(value=name(parts), slice=grammar.const(i), ctx=gast.Load())
                out.append(self.accumulate(self.job.namer.adjoint(elt.id), item, stmt))
            return out
        return []

