"""Find, check and parse the source of a user function.

Works for functions in files, in ``exec``'d code whose text is registered in ``linecache``
(IPython and Jupyter register every cell there), decorated functions and lambdas.  The
result is a :class:`Source`: a ``gast.FunctionDef`` whose line numbers and columns are those
of the user's file, plus what is needed to resolve the function's free names.
"""

from __future__ import annotations

import builtins
import hashlib
import inspect
import linecache
import textwrap
import types
from dataclasses import dataclass, field

import gast

from .errors import Location, SourceError

_MISSING = object()


@dataclass
class Source:
    fn: types.FunctionType
    filename: str
    lines: list[str]  # every line of the user's file, for quoting in errors
    tree: gast.FunctionDef
    text: str  # the function's own source text, as in the file
    sha256: str
    freevars: dict[str, object] = field(default_factory=dict)  # closure cells

    @property
    def name(self) -> str:
        return self.fn.__name__

    def location(self, node) -> Location | None:
        line = getattr(node, "lineno", None)
        if line is None:
            return None
        text = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
        return Location(self.filename, line, getattr(node, "col_offset", 0) or 0, text)

    def lookup(self, name: str):
        """The object a free name of the function refers to now, or ``_MISSING``."""
        if name in self.freevars:
            try:
                return self.freevars[name].cell_contents
            except ValueError:  # empty cell: defined later in the enclosing function
                return _MISSING
        value = self.fn.__globals__.get(name, _MISSING)
        if value is _MISSING:
            value = getattr(builtins, name, _MISSING)
        return value


def missing(value) -> bool:
    return value is _MISSING


def get_source(fn) -> Source:
    """Parse ``fn``'s source into a :class:`Source`; raise :class:`SourceError` if impossible."""
    if not isinstance(fn, types.FunctionType):
        raise SourceError(
            f"srcad differentiates Python functions; got {type(fn).__name__} {fn!r}",
            hint="pass a function defined with `def` or `lambda`",
        )
    code = fn.__code__
    filename = code.co_filename
    try:
        raw_lines, start = inspect.getsourcelines(fn)
    except (OSError, TypeError) as exc:
        raise SourceError(
            f"cannot read the source of function `{fn.__qualname__}` (defined in {filename}): {exc}",
            hint="srcad transforms source code. Define the function in a file or a notebook "
            "cell; for code run with exec(), register its text with linecache.cache first.",
        ) from None
    start = max(start, 1)
    file_lines = linecache.getlines(filename, fn.__globals__) or raw_lines
    text = "".join(raw_lines)
    tree = _parse_function(fn, text, filename, start, file_lines)
    freevars = dict(zip(code.co_freevars, fn.__closure__ or ()))
    sha = hashlib.sha256(text.encode()).hexdigest()
    return Source(fn, filename, file_lines, tree, text, sha, freevars)


def _parse_function(fn, text, filename, start, file_lines) -> gast.FunctionDef:
    dedented = textwrap.dedent(text)
    first = text.splitlines()[0] if text else ""
    indent = len(first) - len(first.lstrip()) if dedented.splitlines()[0:1] else 0
    try:
        module = gast.parse(dedented)
    except SyntaxError:
        # A lambda inside a larger expression that spans lines: parse the whole statement.
        module = None
    if fn.__name__ == "<lambda>":
        node = _find_lambda(fn, module, dedented, filename, start)
    else:
        node = module.body[0] if module is not None and module.body else None
        if not isinstance(node, gast.FunctionDef):
            raise SourceError(
                f"the source of `{fn.__qualname__}` in {filename}:{start} is not a `def`",
                Location(filename, start, 0, file_lines[start - 1] if file_lines else ""),
            )
        node.decorator_list = []
    for sub in gast.walk(node):
        if hasattr(sub, "lineno") and sub.lineno is not None:
            sub.lineno += start - 1
            if getattr(sub, "end_lineno", None) is not None:
                sub.end_lineno += start - 1
            sub.col_offset = (sub.col_offset or 0) + indent
            if getattr(sub, "end_col_offset", None) is not None:
                sub.end_col_offset += indent
    _check_matches_running_code(fn, node, filename, start, file_lines)
    return node


def _find_lambda(fn, module, text, filename, start) -> gast.FunctionDef:
    if module is None:
        raise SourceError(
            f"cannot isolate the lambda defined at {filename}:{start}",
            hint="give the function a name with `def` so srcad can read its source",
        )
    candidates = [n for n in gast.walk(module) if isinstance(n, gast.Lambda)]
    matches = [n for n in candidates if _same_code(fn.__code__, _lambda_code(n))]
    if not matches:
        raise SourceError(
            f"cannot find the source of the lambda defined at {filename}:{start}",
            hint="give the function a name with `def` so srcad can read its source",
        )
    lam = matches[0]
    ret = gast.Return(value=lam.body)
    gast.copy_location(ret, lam.body)
    fdef = gast.FunctionDef(
        name="lambda_", args=lam.args, body=[ret], decorator_list=[], returns=None,
        type_comment=None, type_params=[],
    )
    return gast.copy_location(fdef, lam)


def _lambda_code(lam):
    expr = gast.Expression(body=lam)
    code = compile(gast.gast_to_ast(gast.fix_missing_locations(expr)), "<lambda>", "eval")
    return next(c for c in code.co_consts if isinstance(c, types.CodeType))


def _function_code(fdef: gast.FunctionDef):
    mod = gast.Module(body=[fdef], type_ignores=[])
    code = compile(gast.gast_to_ast(gast.fix_missing_locations(mod)), "<check>", "exec")
    return next(c for c in code.co_consts if isinstance(c, types.CodeType))


def _consts(code):
    return tuple(repr(c) for c in code.co_consts if not isinstance(c, types.CodeType))


def _same_code(a, b) -> bool:
    return (
        a.co_argcount == b.co_argcount
        and a.co_kwonlyargcount == b.co_kwonlyargcount
        and a.co_varnames == b.co_varnames
        and set(a.co_names) | set(a.co_freevars) == set(b.co_names) | set(b.co_freevars)
        and _consts(a) == _consts(b)
    )


def _check_matches_running_code(fn, node, filename, start, file_lines):
    if fn.__name__ == "<lambda>":
        return  # matched while it was found
    try:
        compiled = _function_code(node)
    except SyntaxError:
        return
    if not _same_code(fn.__code__, compiled):
        raise SourceError(
            f"the source of `{fn.__qualname__}` in {filename} does not match the code that is "
            "running (was the file edited after it was imported?)",
            Location(filename, start, 0, file_lines[start - 1] if file_lines else ""),
            hint="reload the module (or restart the interpreter) so the code and the file agree",
        )
