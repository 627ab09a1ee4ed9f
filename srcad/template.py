"""Parse small Python templates once; instantiate them by substituting names.

A template is ordinary Python source (``"bx += by * np.cos(x)"``).  Instantiation replaces
each ``Name`` found in the mapping by a copy of the mapped expression (or renames it when
the mapping holds a string), fixing ``ctx`` so the result is valid in load or store
position.  Locations of the new nodes are copied from the statement that caused them, so
generated code maps back to the user's line.
"""

from __future__ import annotations

import copy
import textwrap

import gast


def parse(text: str) -> list[gast.stmt]:
    return gast.parse(textwrap.dedent(text).strip("\n")).body


def parse_expr(text: str) -> gast.expr:
    return gast.parse(textwrap.dedent(text).strip(), mode="eval").body


def free_names(stmts) -> set[str]:
    """Names a list of statements loads without first assigning them."""
    loaded, stored = set(), set()
    for stmt in stmts:
        for node in gast.walk(stmt):
            if isinstance(node, gast.Name):
                if isinstance(node.ctx, gast.Load) and node.id not in stored:
                    loaded.add(node.id)
        if isinstance(stmt, gast.AugAssign):
            loaded.add(stmt.target.id)
        for target in _targets(stmt):
            for node in gast.walk(target):
                if isinstance(node, gast.Name) and isinstance(node.ctx, gast.Store):
                    stored.add(node.id)
    return loaded


def assigned_names(stmts) -> set[str]:
    out = set()
    for stmt in stmts:
        for target in _targets(stmt):
            for node in gast.walk(target):
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
        new = copy.deepcopy(value)
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
        new = _Substitute(mapping).visit(copy.deepcopy(stmt))
        if origin is not None:
            for node in gast.walk(new):
                if hasattr(node, "lineno"):
                    node.lineno = getattr(origin, "lineno", None)
                    node.col_offset = getattr(origin, "col_offset", 0)
                    node.end_lineno = getattr(origin, "end_lineno", None)
                    node.end_col_offset = getattr(origin, "end_col_offset", None)
        out.append(new)
    return out


def substitute_expr(expr, mapping: dict):
    return _Substitute(mapping).visit(copy.deepcopy(expr))
