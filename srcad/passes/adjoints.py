"""The adjoint of one statement: rule templates, copies, containers, item assignment,
list append and pop.  Used by the reverse sweep (``reverse.py``), which owns the order of
statements, the saving of overwritten values and loops.

Accumulation: the first contribution to an adjoint assigns it; later ones rebind it
(``bx = bx + ...``), never update in place, so aliased buffers are never corrupted.
"""

from __future__ import annotations


import gast

from .. import comments, grammar, rules, template
from ..errors import InternalError, NoRuleError, UnsupportedError
from ..grammar import assign, copy_tree, name, walk
from .activity import targets
from .optimize import loaded_names

_HELPER_NAMES: dict = {}  # runtime helper -> its name in the code being generated


def _call(func: str, *args):
    """A call of a runtime helper (under the name it has in this function) or builtin."""
    return gast.Call(func=name(_HELPER_NAMES.get(func, func)), args=list(args), keywords=[])


def _method(owner: str, meth: str, *args):
    return gast.Call(func=gast.Attribute(value=name(owner), attr=meth, ctx=gast.Load()),
                     args=list(args), keywords=[])


def own_names(rule) -> tuple:
    """Dotted names under which a template may call the rule's own function."""
    names = tuple(rule.names)
    if rule.kind == "method":
        names += (f"numpy.{rule.key[1]}",)
    return names


def checked_result(fn, job) -> gast.Return:
    """The function's ``return`` (it must have one), after refusing every operation the
    derivative cannot handle (both modes run this before writing any code)."""
    ret = fn.body[-1] if fn.body and isinstance(fn.body[-1], gast.Return) else None
    if ret is None:
        raise UnsupportedError(f"function `{job.name}` returns nothing; srcad differentiates "
                               "its result", job.source.location(fn), hint="add a `return`")
    for stmt in grammar.simple_statements(fn.body):
        if isinstance(stmt, gast.Assign) and set(targets(stmt)) & job.active:
            check_differentiable(stmt, job)
        check_bare_call(stmt, job)
    return ret


def check_bare_call(stmt, job):
    """``f(x)`` as a statement, with ``f`` unknown to srcad and ``x`` active: its only
    effect can be an update of ``x`` in place, which srcad cannot see.  Refuse it rather
    than differentiate as if nothing happened."""
    op = job.ops.get(stmt)
    if not isinstance(stmt, gast.Expr) or op is None or op.kind != "unknown":
        return
    used = {n.id for n in walk(stmt.value) if isinstance(n, gast.Name)} & job.active
    if not used:
        return
    shown = op.display or "this call"
    restore = shown.endswith("restore_item")
    raise UnsupportedError(
        (f"the derivative of a function that assigns into items (`x[i] = v`) cannot be "
         f"differentiated again yet (in function `{job.name}`)" if restore else
         f"`{shown}(...)` as a statement, on the differentiated value `{sorted(used)[0]}`: "
         f"srcad cannot see what it changes in place (in function `{job.name}`)"),
        job.source.location(stmt),
        hint="build a new value and assign it (`y = f(x)`) instead of updating in place"
        if not restore else "compute this derivative by finite differences of the first, "
        "or avoid item assignment in the function")


def check_differentiable(stmt, job):
    op = job.ops[stmt]
    loc = job.source.location(stmt)
    if op.kind == "unknown" and isinstance(stmt.value, gast.Call) \
            and isinstance(stmt.value.func, gast.Name) and stmt.value.func.id in job.active | {
                n.id for n in walk(job.tree) if isinstance(n, gast.Name)
                and isinstance(n.ctx, gast.Store)}:
        raise UnsupportedError(
            f"calling a function that `{job.name}` computes itself is not supported (in "
            f"function `{job.name}`)", loc,
            hint="call a function defined at module level, or bind the closure to a global "
                 "name first")
    if op.kind == "unknown":
        shown = op.display or "this call"
        raise NoRuleError(
            f"no derivative rule for {shown} (in function `{job.name}`)", loc,
            hint=f"srcad.supported_functions() lists the functions with rules; compute "
                 f"{shown} outside the differentiated function and pass the value in, or "
                 "write it with functions that have rules",
        )
    if op.kind == "rule" and op.rule.kind == "operator":
        for operand in op.bindings.values():
            if isinstance(operand, gast.Name) and job.kinds.get(operand.id) == "container":
                raise UnsupportedError(
                    f"arithmetic on a list, tuple or dict is not differentiable (in function "
                    f"`{job.name}`)", loc,
                    hint="append to the list, or convert it with np.array(...) first")


class _Save:
    """A placeholder for ``stack.append(x)`` / ``x = stack.pop()``, kept only if needed."""

    def __init__(self, var: str, push: bool, origin):
        self.var, self.push, self.origin = var, push, origin


class _SaveItem:
    """A placeholder for saving/restoring ``x[idx]`` around ``x[idx] = v``."""

    def __init__(self, var: str, index, push: bool, origin):
        self.var, self.index, self.push, self.origin = var, index, push, origin


class Adjoints:
    """Statement adjoints; mixed into the reverse sweep, which provides ``job``,
    ``defined`` and ``rewind``."""

    @property
    def primal_of(self) -> dict:
        """Adjoint name -> primal name."""
        return {b: v for v, b in self.job.namer._adjoints.items()}

    def accumulate(self, bname: str, expr, origin, var=None) -> gast.Assign:
        if bname in self.defined:
            if var is not None and self.job.kinds.get(var, "array") not in ("array", "scalar"):
                expr = _call("add", name(bname), expr)
            else:
                expr = gast.BinOp(left=name(bname), op=gast.Add(), right=expr)
        self.defined.add(bname)
        return assign(bname, expr, origin)

    def add_to(self, var: str, expr, origin) -> gast.Assign:
        """``b<var> += expr``."""
        return self.accumulate(self.job.namer.adjoint(var), expr, origin, var)

    def assign_adjoint(self, stmt) -> list:
        op = self.job.ops[stmt]
        target = stmt.targets[0]
        if op.kind == "copy":
            source = op.bindings["x"].id
            badj = self.job.namer.adjoint(target.id)
            if source not in self.job.active or badj not in self.defined:
                return []  # (an adjoint not defined yet is zero: nothing read the copy)
            return [self.add_to(source, name(badj), stmt)]
        if op.kind == "container":
            return self.container_adjoint(stmt, target)
        if op.kind != "rule":
            return []  # a constant or a non-differentiable value: nothing flows back
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
        for tmpl in template.drop_default_arguments(rule.vjp, rule.signature, op.bindings,
                                                    rules.TEMPLATE_GLOBALS, own_names(rule)):
            if isinstance(tmpl, gast.AugAssign):
                param = tmpl.target.id[1:]
                value = template.substitute_expr(tmpl.value, mapping)
                if op.rule.elementwise and (self._others_scalar(op, param)
                                            or self._same_shape(op.bindings.get(param), outs)):
                    value = _StripUnbroadcast(op.bindings.get(param)).visit(value)
                out.extend(self.contribution(op.bindings.get(param), value, param, stmt))
            else:
                out.extend(template.instantiate([tmpl], mapping, stmt))
        temps = {mapping[t] for t in template.assigned_names(rule.vjp)}
        return _drop_unused(out, temps)

    def setitem_adjoint(self, stmt, op) -> list:
        """``x[idx] = v``: ``v`` gets ``bx[idx]``, which then becomes zero; ``x[idx]`` gets
        its old value back."""
        job = self.job
        var = op.bindings["x"].id
        index = op.bindings["idx"]
        value = op.bindings["v"]
        bvar = job.namer.adjoint(var)
        out = []
        if var in job.active and bvar in self.defined:
            if isinstance(value, gast.Name) and value.id in job.active:
                item = gast.Subscript(value=name(bvar), slice=copy_tree(index),
                                      ctx=gast.Load())
                if job.kinds.get(value.id) in ("scalar", "array"):
                    item = _call("unbroadcast", item, name(value.id))
                out.append(self.add_to(value.id, item, stmt))
            if job.kinds.get(var) != "array":
                # a list or dict: the slot's adjoint restarts from zeros shaped like the
                # old item, which may be of another kind than the new one (so after the
                # restore)
                if out:
                    out.insert(0, comments.adjoint_marker(stmt, job))
                zero = _call("zero_at", name(bvar), copy_tree(index), name(var))
                return out + [_SaveItem(var, index, False, stmt), assign(bvar, zero, stmt)]
            out.append(assign(bvar, _call("zero_at", name(bvar), copy_tree(index)), stmt))
        if out:
            out.insert(0, comments.adjoint_marker(stmt, job))
        return out + [_SaveItem(var, index, False, stmt)]

    def container_adjoint(self, stmt, target) -> list:
        """``t = (a, b)`` / ``[a, b]`` / ``{"k": a}``: each element gets its item of ``bt``."""
        value = stmt.value
        bt = self.job.namer.adjoint(target.id)
        if isinstance(value, gast.Dict):
            pairs = list(zip(value.keys, value.values))
        else:
            pairs = [(grammar.const(i), e) for i, e in enumerate(value.elts)]
        out = []
        for i, (key, elt) in enumerate(pairs):
            item = gast.Subscript(value=name(bt), slice=copy_tree(key), ctx=gast.Load())
            out.extend(self.contribution(elt, item, f"{target.id}_{i}", stmt))
        return out

    def append_adjoint(self, stmt) -> list:
        """``xs.append(v)``: ``v`` gets the last item of ``bxs``; ``xs`` loses it again."""
        call = stmt.value
        xs = call.func.value.id
        if xs not in self.job.active:
            return []
        bxs = self.job.namer.adjoint(xs)
        start = []
        if bxs not in self.defined:  # nothing after the append reads xs: all zeros
            start.append(assign(bxs, _call("zeros_like", name(xs)), stmt))
            self.defined.add(bxs)
        taken = _method(bxs, "pop")
        out = start + self.contribution(call.args[0], taken, f"{xs}_item", stmt)
        if len(out) == len(start):  # nothing active appended: the adjoint list loses its item
            out.append(gast.copy_location(gast.Expr(value=taken), stmt))
        out.append(gast.copy_location(gast.Expr(value=_method(xs, "pop")), stmt))
        return out

    def pop_adjoint(self, stmt) -> list:
        """``v = xs.pop()``: the adjoint list gets ``bv`` back (zero for an inactive ``v``,
        so that it stays aligned with ``xs``), and ``xs`` gets ``v`` back."""
        job = self.job
        xs = _popped_list(stmt)
        bxs = job.namer.adjoint(xs)
        out = [comments.adjoint_marker(stmt, job)]
        if bxs not in self.defined:
            out.append(assign(bxs, _call("zeros_like", name(xs)), stmt))
            self.defined.add(bxs)
        stored = targets(stmt)
        item = None
        if stored and stored[0] in job.active and job.namer.adjoint(stored[0]) in self.defined:
            item = name(job.namer.adjoint(stored[0]))
        elif stored:
            item = _call("zeros_like", name(stored[0]))
        else:
            item = grammar.const(0.0)
        out.append(gast.copy_location(gast.Expr(value=_method(bxs, "append", item)), stmt))
        if stored:
            out.append(gast.copy_location(
                gast.Expr(value=_method(xs, "append", name(stored[0]))), stmt))
            out.extend(self.rewind(stmt, stored[0]))
        return out

    def _same_shape(self, operand, outs) -> bool:
        """Whether the operand and the one result surely have one shape (passes/shapes.py):
        the result's adjoint then has the operand's shape already."""
        shapes = self.job.shapes
        return (isinstance(operand, gast.Name) and len(outs) == 1
                and shapes.get(operand.id) is not None
                and shapes.get(operand.id) == shapes.get(outs[0].id))

    def _others_scalar(self, op, param) -> bool:
        """Whether every operand but ``param``'s is a number: then, for an elementwise
        rule, nothing broadcasts against ``param`` and its adjoint already has its shape."""
        kinds = self.job.kinds
        for other, value in op.bindings.items():
            if other == param:
                continue
            for node in walk(value):
                if isinstance(node, gast.Name) and kinds.get(node.id) != "scalar":
                    return False
                if isinstance(node, gast.Constant) and not isinstance(
                        node.value, (int, float, bool, type(None))):
                    return False
        return True

    def contribution(self, operand, value, param, stmt) -> list:
        """Add ``value`` to the adjoint of ``operand`` (a name, or a literal of names)."""
        active = self.job.active
        if isinstance(operand, gast.Name):
            if operand.id in active:
                return [self.add_to(operand.id, value, stmt)]
            return []
        if isinstance(operand, (gast.Tuple, gast.List, gast.Dict)):
            if isinstance(operand, gast.Dict):
                pairs = list(zip(operand.keys, operand.values))
            else:
                pairs = [(grammar.const(i), e) for i, e in enumerate(operand.elts)]
            hits = [(key, e) for key, e in pairs
                    if {n.id for n in walk(e) if isinstance(n, gast.Name)} & active]
            if not hits:
                return []
            parts = self.job.namer.fresh(f"b{param}")
            out = [assign(parts, value, stmt)]
            for i, (key, elt) in enumerate(hits):
                item = gast.Subscript(value=name(parts), slice=copy_tree(key),
                                      ctx=gast.Load())
                out.extend(self.contribution(elt, item, f"{param}_{i}", stmt))
            return out
        if any(isinstance(n, gast.Name) and n.id in active for n in walk(operand)):
            raise InternalError(f"no adjoint for a {type(operand).__name__} operand of "
                                f"{param} (in function `{self.job.name}`)")
        return []


def _drop_unused(stmts, temps):
    """Drop template temporaries that no kept statement reads."""
    live, out = set(), []
    for stmt in reversed(stmts):
        stored = set(targets(stmt))
        if stored and stored <= temps and not stored & live:
            continue
        live |= loaded_names(stmt)
        out.append(stmt)
    return out[::-1]


def _popped_list(stmt):
    """The name of the list ``stmt`` (``v = xs.pop()`` or ``xs.pop()``) pops from."""
    owner = stmt.value.func.value
    return owner.id if isinstance(owner, gast.Name) else None


def _is_append(stmt) -> bool:
    return (isinstance(stmt, gast.Expr) and isinstance(stmt.value, gast.Call)
            and isinstance(stmt.value.func, gast.Attribute) and stmt.value.func.attr == "append"
            and isinstance(stmt.value.func.value, gast.Name) and len(stmt.value.args) == 1)


class _StripUnbroadcast(gast.NodeTransformer):
    """``unbroadcast(g, x)`` -> ``g`` for the operand ``x`` that cannot have broadcast."""

    def __init__(self, operand):
        self.operand = operand.id if isinstance(operand, gast.Name) else None

    def visit_Call(self, node):
        self.generic_visit(node)
        if isinstance(node.func, gast.Name) \
                and node.func.id == _HELPER_NAMES.get("unbroadcast", "unbroadcast") \
                and len(node.args) == 2 and isinstance(node.args[1], gast.Name) \
                and node.args[1].id == self.operand:
            return node.args[0]
        return node
