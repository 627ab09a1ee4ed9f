"""Classify every operation: a rule of the table, not differentiable, a copy, or unknown.

Pre: ANF.  Post: unchanged; ``job.ops`` maps each assignment to an :class:`Op` holding the
rule and the binding of the rule's parameters to the statement's operands.  Example: for
``s = np.sum(x, axis=0)`` the op is the rule ``numpy.sum`` with ``a -> x``, ``axis -> 0``,
``dtype -> None``, ``out -> None``, ``keepdims -> False``.
"""

from __future__ import annotations

import types
from dataclasses import dataclass, field

import gast

from .. import grammar, rules
from ..errors import UnsupportedError
from ..source import missing


@dataclass
class Op:
    kind: str  # rule | nondiff | copy | const | container | user | setitem | append | pop
    # | unknown
    rule: rules.Rule | None = None
    bindings: dict = field(default_factory=dict)  # param -> operand expression
    display: str = ""  # how the user spelled the callee, for messages
    obj: object = None


def run(fn: gast.FunctionDef, job) -> gast.FunctionDef:
    _name_bare_pops(fn.body, job)
    fn.body = _restores_as_assignments(fn.body, job)
    fn.body = _in_place_as_sums(fn.body, job)
    local = grammar.local_names(fn)
    job.ops = {}
    for stmt in grammar.simple_statements(fn.body):
        if is_setitem(stmt):
            target = stmt.targets[0]
            job.ops[stmt] = Op("setitem", bindings={"x": target.value, "v": stmt.value,
                                                    "idx": index_value(target.slice)},
                               display="assignment into an element")
        elif isinstance(stmt, gast.Assign):
            job.ops[stmt] = classify(stmt.value, stmt, local, job)
        elif isinstance(stmt, gast.Expr):
            job.ops[stmt] = classify(stmt.value, stmt, local, job)
    return fn


def _name_bare_pops(stmts, job) -> None:
    """``xs.pop()`` as a statement becomes ``popped = xs.pop()``: a derivative that puts
    the item back needs its value."""
    for i, stmt in enumerate(stmts):
        if isinstance(stmt, (gast.If, gast.For, gast.While)):
            _name_bare_pops(stmt.body, job)
            _name_bare_pops(stmt.orelse, job)
        elif isinstance(stmt, gast.Expr) and isinstance(stmt.value, gast.Call) \
                and isinstance(stmt.value.func, gast.Attribute) \
                and stmt.value.func.attr == "pop" and not stmt.value.args \
                and isinstance(stmt.value.func.value, gast.Name):
            target = job.namer.fresh("popped")
            stmts[i] = gast.copy_location(grammar.assign(target, stmt.value), stmt)


def _runtime_helper(func, job):
    """The name of the runtime helper ``func`` (a Name in generated code) calls, or None."""
    if not isinstance(func, gast.Name):
        return None
    helpers = {v: k for k, v in job.template_globals.items()}
    name = helpers.get(func.id)
    if name is None or name not in rules.TEMPLATE_GLOBALS:
        return None
    obj = job.source.lookup(func.id)
    return name if missing(obj) or obj is rules.TEMPLATE_GLOBALS[name] else None


def _restores_as_assignments(stmts, job) -> list:
    """In generated code, ``restore_item(x, idx, old)`` puts an item back in place: it
    becomes ``restored = restored_item(old); x[idx] = restored``, an item assignment the
    passes differentiate
    (a derivative of a derivative of a function with ``x[i] = v`` in a loop)."""
    out = []
    for stmt in stmts:
        if isinstance(stmt, (gast.If, gast.For, gast.While)):
            stmt.body = _restores_as_assignments(stmt.body, job)
            stmt.orelse = _restores_as_assignments(stmt.orelse, job)
        elif isinstance(stmt, gast.Expr) and isinstance(stmt.value, gast.Call) \
                and _runtime_helper(stmt.value.func, job) == "restore_item" \
                and len(stmt.value.args) == 3 and not stmt.value.keywords \
                and isinstance(stmt.value.args[0], gast.Name):
            x, idx, old = stmt.value.args
            restored = job.namer.fresh("restored")
            value = gast.Call(func=grammar.name(job.template_globals["restored_item"]),
                              args=[old], keywords=[])
            target = gast.Subscript(value=grammar.name(x.id), slice=idx, ctx=gast.Store())
            out.append(gast.copy_location(grammar.assign(restored, value), stmt))
            out.append(gast.copy_location(gast.Assign(
                targets=[target], value=grammar.name(restored), type_comment=None), stmt))
            continue
        out.append(stmt)
    return out


def _in_place_as_sums(stmts, job) -> list:
    """In generated code, ``b = add_at(b, g, x, idx)`` updates ``b`` in place (see
    passes/inplace.py); differentiated again it is the sum it computes:
    ``t = unindex(g, x, idx); b = b + t``, which a later sweep may save and restore."""
    out = []
    for stmt in stmts:
        if isinstance(stmt, (gast.If, gast.For, gast.While)):
            stmt.body = _in_place_as_sums(stmt.body, job)
            stmt.orelse = _in_place_as_sums(stmt.orelse, job)
        elif isinstance(stmt, gast.Assign) and isinstance(stmt.value, gast.Call) \
                and _runtime_helper(stmt.value.func, job) == "add_at" \
                and len(stmt.value.args) == 4 and not stmt.value.keywords:
            b, g, x, idx = stmt.value.args
            scattered = job.namer.fresh("scattered")
            value = gast.Call(func=grammar.name(job.template_globals["unindex"]),
                              args=[g, x, idx], keywords=[])
            out.append(gast.copy_location(grammar.assign(scattered, value), stmt))
            stmt.value = gast.BinOp(left=b, op=gast.Add(), right=grammar.name(scattered))
        out.append(stmt)
    return out


def is_setitem(stmt) -> bool:
    return isinstance(stmt, gast.Assign) and isinstance(stmt.targets[0], gast.Subscript)


def _unparse(expr) -> str:
    import ast
    return ast.unparse(gast.gast_to_ast(gast.fix_missing_locations(expr)))


def classify(expr, stmt, local, job) -> Op:
    if isinstance(expr, gast.Constant):
        return Op("const")
    if isinstance(expr, gast.Name) and expr.id in local:
        return Op("copy", bindings={"x": expr})
    if grammar.is_global_ref(expr, local):
        return Op("const", display=_unparse(expr))
    if isinstance(expr, (gast.Tuple, gast.List, gast.Dict)):
        return Op("container", display="a tuple, list or dict literal")
    if isinstance(expr, gast.BinOp):
        return _keyed(grammar.BINOPS[type(expr.op)], {"x1": expr.left, "x2": expr.right},
                      _unparse(expr))
    if isinstance(expr, gast.UnaryOp):
        return _keyed(grammar.UNARYOPS[type(expr.op)], {"x": expr.operand}, _unparse(expr))
    if isinstance(expr, gast.Compare):
        return Op("nondiff", display="a comparison")
    if isinstance(expr, gast.Attribute):
        return _keyed(("attr", expr.attr), {"a": expr.value}, f"the attribute `.{expr.attr}`")
    if isinstance(expr, gast.Subscript):
        return _keyed(("subscript",), {"a": expr.value, "idx": index_value(expr.slice)},
                      "indexing")
    if isinstance(expr, gast.Call):
        return _classify_call(expr, stmt, local, job)
    return Op("unknown", display=_unparse(expr))


def _keyed(key, bindings, display) -> Op:
    rule = rules.lookup(key)
    if rule is not None:
        return Op("rule", rule, bindings, display)
    if rules.is_nondiff(key):
        return Op("nondiff", display=display)
    return Op("unknown", bindings=bindings, display=display, obj=key)


def _classify_call(call: gast.Call, stmt, local, job) -> Op:
    func = call.func
    display = _unparse(func)
    if grammar.is_global_ref(func, local):
        parts = grammar.dotted(func)
        obj = job.source.lookup(parts[0])
        helpers = {v: k for k, v in job.template_globals.items()}
        if len(parts) == 1 and parts[0] in helpers and (
                missing(obj) or helpers[parts[0]] != parts[0]):
            obj = rules.TEMPLATE_GLOBALS[helpers[parts[0]]]  # a runtime helper srcad emitted
        for attr in parts[1:]:
            if missing(obj):
                break
            obj = getattr(obj, attr, None) if obj is not None else None
        if missing(obj) or obj is None:
            return Op("unknown", display=display)
        what = getattr(type(obj), "__srcad_function__", None)
        if what is not None:  # a user rule's helper: differentiate what it computes
            obj = what(obj, job.source.location(stmt))  # (srcad/custom_higher.py)
        if obj is rules.TEMPLATE_GLOBALS.get("save_item") and len(call.args) == 2:
            # generated code saving an item before ``x[idx] = v``: a copy of ``x[idx]``
            return Op("rule", rules.lookup(("subscript",)),
                      {"a": call.args[0], "idx": call.args[1]}, display, obj)
        rule = rules.lookup(obj)
        if rule is not None:
            return Op("rule", rule, _bind(rule, list(call.args), call, stmt, job, display),
                      display, obj)
        if rules.is_nondiff(obj):
            return Op("nondiff", display=display, obj=obj)
        if isinstance(obj, types.FunctionType) and not (obj.__module__ or "").startswith(
                "srcad.runtime"):
            return Op("user", display=display, obj=obj)
        return Op("unknown", display=display, obj=obj)
    if isinstance(func, gast.Attribute):  # a method of a local value: x.sum(axis=0)
        if func.attr == "append" and isinstance(stmt, gast.Expr):
            return Op("append", display="list.append")
        if func.attr == "pop" and not call.args and not call.keywords:
            return Op("pop", display="list.pop")
        key = ("method", func.attr)
        rule = rules.lookup(key)
        display = f"the method `.{func.attr}()`"
        if rule is not None:
            args = [func.value, *call.args]
            return Op("rule", rule, _bind(rule, args, call, stmt, job, display), display)
        if rules.is_nondiff(key):
            return Op("nondiff", display=display)
        return Op("unknown", display=display, obj=key)
    return Op("unknown", display=display)


def _bind(rule, args, call, stmt, job, display) -> dict:
    kwargs = {kw.arg: kw.value for kw in call.keywords}
    try:
        bound = rule.signature.bind(*args, **kwargs)
    except TypeError as exc:
        raise UnsupportedError(
            f"cannot match the arguments of `{display}` to the parameters of its derivative "
            f"rule {rule.name}({', '.join(rule.params)}): {exc}",
            job.source.location(stmt),
            hint="call it with the arguments numpy documents",
        ) from None
    bound.apply_defaults()
    out = {}
    for param, value in bound.arguments.items():
        kind = rule.signature.parameters[param].kind
        if kind is kind.VAR_POSITIONAL:
            value = gast.Tuple(elts=list(value), ctx=gast.Load())
        elif not isinstance(value, gast.AST):
            value = to_expr(value)
        out[param] = value
    return out


def to_expr(value):
    """A Python constant (None, number, string, tuple of them) as an expression."""
    if isinstance(value, tuple):
        return gast.Tuple(elts=[to_expr(v) for v in value], ctx=gast.Load())
    return grammar.const(value)


def index_value(index):
    """The value of a subscript's index as an expression: ``1:2`` becomes ``slice(1, 2)``."""
    if isinstance(index, gast.Slice):
        bounds = (index.lower, index.upper) + ((index.step,) if index.step is not None else ())
        parts = [p if p is not None else grammar.const(None) for p in bounds]
        return gast.Call(func=grammar.name("slice"), args=parts, keywords=[])
    if isinstance(index, gast.Tuple):
        return gast.Tuple(elts=[index_value(e) for e in index.elts], ctx=gast.Load())
    return index
