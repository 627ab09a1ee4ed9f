"""Turn a gast function into source text and a live function object.

The text is produced by the standard library's ``ast.unparse``; comment markers become
comments (see comments.py).  The source is registered in ``linecache`` under a readable
pseudo-filename, so tracebacks and debuggers show the generated lines.
"""

from __future__ import annotations

import ast
import linecache

import gast

from . import comments


class _FillEmpty(ast.NodeTransformer):
    def generic_visit(self, node):
        super().generic_visit(node)
        if isinstance(node, (ast.If, ast.For, ast.While, ast.FunctionDef)) and not node.body:
            node.body = [ast.Pass()]
        return node


def to_source(fn: gast.FunctionDef) -> str:
    tree = gast.gast_to_ast(gast.Module(body=[fn], type_ignores=[]))
    tree = _FillEmpty().visit(tree)
    ast.fix_missing_locations(tree)
    return comments.render(ast.unparse(tree))


def compile_function(source: str, name: str, namespace: dict, filename: str):
    """Execute ``source`` (one ``def``) in ``namespace``; return the function it defines."""
    code = compile(source, filename, "exec")
    lines = source.splitlines(keepends=True)
    linecache.cache[filename] = (len(source), None, lines, filename)
    exec(code, namespace)
    return namespace[name]
