"""Parse small Python templates once; instantiate them by substituting names.

A template is ordinary Python source (``"bx += by * np.cos(x)"``).  Instantiation replaces
each ``Name`` found in the mapping by a copy of the mapped expression (or renames it when
the mapping holds a string), fixing ``ctx`` so the result is valid in load or store
position.  Locations of the new nodes are copied from the statement that caused them, so
generated code maps back to the user's line.
"""

from __future__ import annotations

import textwrap

import gast

from .grammar import copy_tree, walk


def parse(text: str) -> list[gast.stmt]:
    return gast.parse(textwrap.dedent(text).strip("\n")).body


def parse_expr(text: str) -> gast.expr:
    return gast.parse(textwrap.dedent(text).strip(), mode="eval").body


def free_names(stmts) -> set[str]:
    """Names a list of statements loads without first assigning them."""
    loaded, stored = set(), set()
    for stmt in stmts:
        for node in walk(stmt):
            if isinstance(node, gast.Name):
                if isinstance(node.ctx, gast.Load) and node.id not in stored:
                    loaded.add(node.id)
        if isinstance(stmt, gast.AugAssign):
            loaded.add(stmt.target.id)
        for target in _targets(stmt):
            for node in walk(target):
                if isinstance(node, gast.Name) and isinstance(node.ctx, gast.Store):
                    stored.add(node.id)
    return loaded


def assigned_names(stmts) -> set[str]:
    out = set()
    for stmt in stmts:
        for target in _targets(stmt):
            for node in walk(target):
                if isinstance(node, gast.Name) and isinstance(node.ctx, gast.Store):
                    out.add(node.id)
    return out


def _targets(stmt):
    if isinstance(stmt, gast.Assign):
        return stmt.targets
    if isinstance(stmt, (gast.AugAssign, gast.AnnAssign)):
        return [stmt.target]
    return []


class _Substitute(gast.NodeTransformer):
    def __init__(self, mapping):
        self.mapping = mapping

    def visit_Name(self, node):
        if node.id not in self.mapping:
            return node
        value = self.mapping[node.id]
        if isinstance(value, str):
            return gast.Name(id=value, ctx=node.ctx, annotation=None, type_comment=None)
        new = copy_tree(value)
        _set_ctx(new, node.ctx)
        return new


def _set_ctx(node, ctx):
    if isinstance(node, (gast.Name, gast.Attribute, gast.Subscript)):
        node.ctx = type(ctx)()
    if isinstance(node, (gast.Tuple, gast.List)):
        node.ctx = type(ctx)()
        for elt in node.elts:
            _set_ctx(elt, ctx)


def instantiate(stmts, mapping: dict, origin=None) -> list[gast.stmt]:
    """Copies of ``stmts`` with names substituted; locations copied from ``origin``."""
    out = []
    for stmt in stmts:
        new = _Substitute(mapping).visit(copy_tree(stmt))
        if origin is not None:
            for node in walk(new):
                if hasattr(node, "lineno"):
                    node.lineno = getattr(origin, "lineno", None)
                    node.col_offset = getattr(origin, "col_offset", 0)
                    node.end_lineno = getattr(origin, "end_lineno", None)
                    node.end_col_offset = getattr(origin, "end_col_offset", None)
        out.append(new)
    return out


def substitute_expr(expr, mapping: dict):
    return _Substitute(mapping).visit(copy_tree(expr))


def drop_default_arguments(stmts, signature, bindings, helpers, own_names=()) -> list:
    """Copies of ``stmts`` without the arguments that only repeat a default.

    A template passes every parameter on (``np.sum(da, axis=axis, keepdims=keepdims)``);
    where the call site left a parameter at its default (``bindings[p]`` is the constant
    default of ``signature``), the keyword ``axis=axis`` of a call of the rule's own
    function (dotted name in ``own_names``, ``np.`` for ``numpy.``) is dropped, and so are trailing
    positional arguments of a runtime helper (``helpers``: name -> function) equal to the
    helper's own defaults.  ``np.sum(x)`` then differentiates to ``np.sum(dx)``.
    """
    import inspect
    at_default = set()
    for param, value in bindings.items():
        default = signature.parameters[param].default if param in signature.parameters \
            else inspect.Parameter.empty
        if isinstance(value, gast.Constant) and default is not inspect.Parameter.empty \
                and type(value.value) is type(default) and value.value == default:
            at_default.add(param)
    if not at_default:
        return stmts
    out = [copy_tree(stmt) for stmt in stmts]
    for stmt in out:
        for node in walk(stmt):
            if not isinstance(node, gast.Call):
                continue
            if _dotted(node.func) in own_names:
                node.keywords = [k for k in node.keywords if not (
                    isinstance(k.value, gast.Name) and k.value.id in at_default
                    and k.arg == k.value.id)]
            func = helpers.get(node.func.id) if isinstance(node.func, gast.Name) else None
            if func is None:
                continue
            try:
                params = list(inspect.signature(func).parameters.values())
            except (TypeError, ValueError):
                continue
            while node.args and len(node.args) <= len(params) and not node.keywords:
                last, param = node.args[-1], params[len(node.args) - 1]
                if not (isinstance(last, gast.Name) and last.id in at_default
                        and param.default is not inspect.Parameter.empty
                        and bindings[last.id].value == param.default
                        and type(bindings[last.id].value) is type(param.default)):
                    break
                node.args.pop()
    return out


def _dotted(expr) -> str:
    parts = []
    while isinstance(expr, gast.Attribute):
        parts.append(expr.attr)
        expr = expr.value
    if not isinstance(expr, gast.Name):
        return ""
    parts.append({"np": "numpy"}.get(expr.id, expr.id))
    return ".".join(reversed(parts))
