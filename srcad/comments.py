"""Comments in generated code that map statements back to the user's source lines.

``ast.unparse`` drops comments, so passes insert marker statements
``__srcad_comment__("text")``; :func:`render` turns each marker line into ``# text`` (an
empty text gives a blank line).  Markers that no longer precede a statement (after dead
code elimination) are removed by :func:`tidy`.
"""

from __future__ import annotations

import ast
import re

import gast

MARKER = "__srcad_comment__"
_LINE = re.compile(r"^(\s*)" + MARKER + r"\((.*)\)\s*$")
_MAX = 72


def marker(text: str, origin=None) -> gast.Expr:
    call = gast.Call(func=gast.Name(id=MARKER, ctx=gast.Load(), annotation=None,
                                    type_comment=None),
                     args=[gast.Constant(value=text, kind=None)], keywords=[])
    node = gast.Expr(value=call)
    return gast.copy_location(node, origin) if origin is not None else node


def is_marker(stmt) -> bool:
    return (isinstance(stmt, gast.Expr) and isinstance(stmt.value, gast.Call)
            and isinstance(stmt.value.func, gast.Name) and stmt.value.func.id == MARKER)


def blank() -> gast.Expr:
    return marker("")


def is_blank(stmt) -> bool:
    """The blank line between the primal and the adjoint sweep."""
    return is_marker(stmt) and isinstance(stmt.value.args[0], gast.Constant) \
        and stmt.value.args[0].value == ""


def line_text(stmt, job) -> str:
    line = getattr(stmt, "lineno", None)
    if not line or line > len(job.source.lines):
        return ""
    text = job.source.lines[line - 1].strip()
    if len(text) > _MAX:
        text = text[: _MAX - 3] + "..."
    return text


def primal_markers(stmts, job) -> list:
    """``stmts`` with a comment before the first statement of each user line."""
    out, last = [], None
    for stmt in stmts:
        line = getattr(stmt, "lineno", None)
        if line is not None and line != last:
            out.append(marker(f"line {line}: {line_text(stmt, job)}", stmt))
            last = line
        out.append(stmt)
    return out


def primal_marker(stmt, job) -> gast.Expr:
    return marker(f"line {stmt.lineno}: {line_text(stmt, job)}", stmt)


def adjoint_marker(stmt, job) -> gast.Expr:
    return marker(f"adjoint of line {stmt.lineno}: {line_text(stmt, job)}", stmt)


def tidy(body: list) -> list:
    """Drop markers not followed by a statement; merge repeated adjacent comments."""
    out = []
    for i, stmt in enumerate(body):
        if is_marker(stmt):
            text = stmt.value.args[0].value
            nxt = body[i + 1] if i + 1 < len(body) else None
            if nxt is None or (is_marker(nxt) and text):
                continue
            if text and out and any(is_marker(s) and s.value.args[0].value == text for s in out[-1:]):
                continue
        out.append(stmt)
    # A comment equal to the previous comment of the same section adds nothing.
    result, previous = [], None
    for stmt in out:
        if is_marker(stmt):
            text = stmt.value.args[0].value
            if text and text == previous:
                continue
            previous = text or None
        result.append(stmt)
    return result


def render(source: str) -> str:
    """Turn marker lines of unparsed source into comments and blank lines."""
    lines = []
    for line in source.splitlines():
        match = _LINE.match(line)
        if match:
            text = ast.literal_eval(match.group(2))
            lines.append(f"{match.group(1)}# {text}" if text else "")
        else:
            lines.append(line)
    return "\n".join(lines) + "\n"
