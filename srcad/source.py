"""Find, check and parse the source of a user function.

Works for functions in files, in ``exec``'d code whose text is registered in ``linecache``
(IPython and Jupyter register every cell there), decorated functions, nested functions,
methods and lambdas (several on one line included).  The result is a :class:`Source`: a
``gast.FunctionDef`` whose line numbers and columns are those of the user's file, plus what
is needed to resolve the function's free names.

How: the whole file (or cell) is parsed once and the function's node is found by its name
and first line (a lambda by the columns its code object records).  The file is then compiled
again and must contain a code object equal to the running one; otherwise the file was edited
after the function was defined, and differentiating the new text would silently give the
derivative of another function.
"""

from __future__ import annotations

import __future__
import ast
import builtins
import dis
import hashlib
import inspect
import linecache
import textwrap
import types
from dataclasses import dataclass, field

import gast

from .grammar import copy_tree, walk

from .errors import Location, SourceError

_MISSING = object()

_HINT_DEF = ("srcad transforms source code: pass a function defined with `def` or `lambda` "
             "in a file, a notebook cell or code registered in linecache")


@dataclass
class Source:
    fn: types.FunctionType
    filename: str
    lines: list[str]  # every line of the user's file, for quoting in errors
    tree: gast.FunctionDef  # or gast.AsyncFunctionDef, which the fence refuses
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
        col = getattr(node, "col_offset", 0) or 0
        return Location(self.filename, line, _char_column(text, col), text)

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


def _char_column(text: str, col: int) -> int:
    """Python's column offsets count UTF-8 bytes; errors show characters."""
    if text.isascii():
        return col
    return len(text.encode("utf-8")[:col].decode("utf-8", errors="ignore"))


def check_function(fn, what: str = "srcad") -> None:
    """Raise :class:`SourceError` unless ``fn`` is a Python function srcad can read."""
    if isinstance(fn, types.FunctionType):
        return
    if isinstance(fn, types.MethodType) and isinstance(fn.__func__, types.FunctionType):
        name = getattr(fn.__func__, "__qualname__", "method")
        raise SourceError(
            f"{what} differentiates plain functions; got the bound method `{name}`",
            hint=f"differentiate the function `{name}` itself and pass the instance as an "
                 "ordinary argument, or wrap the call in a function: "
                 "`def loss(x): return obj.method(x)`")
    name = getattr(fn, "__qualname__", None) or getattr(fn, "__name__", None)
    shown = f"`{name}` ({type(fn).__name__})" if name else f"a {type(fn).__name__} object"
    if callable(fn):
        why = ("it is not a Python function, so it has no source to transform (built-in, "
               "numpy ufunc, C extension or callable object)")
    else:
        why = "it is not a function"
    raise SourceError(
        f"{what} cannot differentiate {shown}: {why}",
        hint="wrap it in a function defined with `def` or `lambda`, e.g. "
             "`srcad.grad(lambda x: np.sin(x))`; to give srcad the derivative of a function "
             "it cannot read, register a rule with srcad.defvjp")


def get_source(fn) -> Source:
    """Parse ``fn``'s source into a :class:`Source`; raise :class:`SourceError` if impossible."""
    check_function(fn)
    code = fn.__code__
    filename = code.co_filename
    linecache.checkcache(filename)  # see the file as it is now (a no-op for exec'd cells)
    file_lines = linecache.getlines(filename, fn.__globals__)
    if not file_lines:
        raise SourceError(
            f"cannot read the source of function `{fn.__qualname__}`: no source is available "
            f"for {filename}",
            hint="srcad transforms source code. Define the function in a file or a notebook "
                 "cell; for code run with exec(), first register its text with "
                 "linecache.cache[filename] = (len(text), None, text.splitlines(True), "
                 "filename) and compile it under that filename.")
    module = _parse_file(filename, file_lines)
    if module is not None:
        node = _find_node(fn, module)
        if node is None:
            raise _mismatch(fn, filename, file_lines,
                            f"no `{_kind(fn)}` starts at line {code.co_firstlineno}")
        _check_matches_running_code(fn, filename, file_lines)
        node = gast.ast_to_gast(node)  # a tree of its own: the parsed file stays as it is
    else:
        node = _parse_block(fn, filename, file_lines)
    first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
    last = getattr(node, "end_lineno", None) or first
    text = "".join(file_lines[first - 1:last])
    if isinstance(node, gast.Lambda):
        node = _lambda_as_def(node)
    else:
        node.decorator_list = []
    freevars = dict(zip(code.co_freevars, fn.__closure__ or ()))
    sha = hashlib.sha256(text.encode()).hexdigest()
    return Source(fn, filename, file_lines, node, text, sha, freevars)


def _kind(fn) -> str:
    return "lambda" if fn.__code__.co_name == "<lambda>" else f"def {fn.__code__.co_name}"


def _mismatch(fn, filename, file_lines, detail: str) -> SourceError:
    line = fn.__code__.co_firstlineno
    text = file_lines[line - 1] if 0 < line <= len(file_lines) else ""
    indent = len(text) - len(text.lstrip())
    return SourceError(
        f"the source of `{fn.__qualname__}` in {filename} does not match the code that is "
        f"running ({detail}; was the file edited after it was imported?)",
        Location(filename, line, indent, text),
        hint="reload the module (importlib.reload, or restart the interpreter or kernel) so "
             "the running code and the file agree")


# -- the whole file --------------------------------------------------------------------------

_PARSED: dict = {}  # filename -> (text, module or None); one entry per file
_COMPILED: dict = {}  # (filename, flags) -> (text, list of code objects or None)
_CACHE_SIZE = 64  # files kept; the oldest entry goes first


def _remember(cache: dict, key, value) -> None:
    cache.pop(key, None)
    while len(cache) >= _CACHE_SIZE:
        cache.pop(next(iter(cache)))
    cache[key] = value


def _parse_file(filename, file_lines):
    text = "".join(file_lines)
    cached = _PARSED.get(filename)
    if cached is not None and cached[0] == text:
        return cached[1]
    try:
        module = ast.parse(text)  # only the function found in it is turned into gast
    except (SyntaxError, ValueError):
        module = None
    _remember(_PARSED, filename, (text, module))
    return module


def _find_node(fn, module):
    code = fn.__code__
    line = code.co_firstlineno
    if code.co_name == "<lambda>":
        lambdas = [n for n in ast.walk(module)
                   if isinstance(n, ast.Lambda) and n.lineno == line]
        return _pick_lambda(code, lambdas)
    for node in ast.walk(module):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) \
                and node.name == code.co_name \
                and min([node.lineno] + [d.lineno for d in node.decorator_list]) == line:
            return node
    return None


def _pick_lambda(code, lambdas):
    if len(lambdas) <= 1:
        return lambdas[0] if lambdas else None
    positions = _body_positions(code)
    if positions:
        inside = [lam for lam in lambdas if all(_contains(lam.body, p) for p in positions)]
        if inside:
            return min(inside, key=_span_size)
    # Python 3.10 records no columns: compare with each lambda compiled on its own.
    shape = _shape(code)
    same = [lam for lam in lambdas if _shape(_lambda_code(lam)) == shape]
    return same[0] if same else None


def _body_positions(code):
    if not hasattr(code, "co_positions"):  # Python 3.10
        return []
    out = []
    for start, end, col, end_col in code.co_positions():
        if start is None or col is None or end_col is None:
            continue
        if start == end and col == end_col == 0:
            continue  # RESUME and friends
        out.append((start, col, end, end_col))
    return out


def _contains(node, position) -> bool:
    start, col, end, end_col = position
    if getattr(node, "end_lineno", None) is None:
        return False
    return (node.lineno, node.col_offset) <= (start, col) \
        and (end, end_col) <= (node.end_lineno, node.end_col_offset)


def _span_size(lam):
    return (lam.end_lineno - lam.lineno, lam.end_col_offset - lam.col_offset)


def _lambda_as_def(lam) -> gast.FunctionDef:
    ret = gast.copy_location(gast.Return(value=lam.body), lam.body)
    fdef = gast.FunctionDef(
        name="lambda_", args=lam.args, body=[ret], decorator_list=[], returns=None,
        type_comment=None, type_params=[],
    )
    fdef = gast.copy_location(fdef, lam)
    fdef.end_lineno, fdef.end_col_offset = lam.end_lineno, lam.end_col_offset
    return fdef


# -- does the file still hold the running code? ----------------------------------------------

_FUTURE_FLAGS = 0
for _feature in __future__.all_feature_names:
    _FUTURE_FLAGS |= getattr(__future__, _feature).compiler_flag


def _check_matches_running_code(fn, filename, file_lines):
    code = fn.__code__
    if any(n.startswith("@py") for n in code.co_names + code.co_varnames):
        return  # rewritten by pytest's assertion rewriting: cannot be recompiled the same
    codes = _compiled_codes(filename, file_lines, code.co_flags & _FUTURE_FLAGS)
    if codes is None:
        return  # the file compiles only in a context we cannot reproduce
    if any(c == code for c in codes):
        return
    line = code.co_firstlineno
    if any(c.co_name == code.co_name and c.co_firstlineno == line for c in codes):
        detail = "the text of its body differs"
    else:
        detail = f"no `{_kind(fn)}` starts at line {line}"
    raise _mismatch(fn, filename, file_lines, detail)


def _compiled_codes(filename, file_lines, flags):
    text = "".join(file_lines)
    cached = _COMPILED.get((filename, flags))
    if cached is not None and cached[0] == text:
        return cached[1]
    try:
        top = compile(text, filename, "exec", flags=flags, dont_inherit=True)
    except (SyntaxError, ValueError):
        codes = None
    else:
        codes = []
        todo = [top]
        while todo:
            c = todo.pop()
            for const in c.co_consts:
                if isinstance(const, types.CodeType):
                    codes.append(const)
                    todo.append(const)
    _remember(_COMPILED, (filename, flags), (text, codes))
    return codes


# -- fallback: the file does not parse as a whole (top-level `await` in a cell, ...) ---------

def _parse_block(fn, filename, file_lines):
    """Parse the function's own lines (``inspect.getsourcelines``) and relocate the nodes."""
    try:
        raw_lines, start = inspect.getsourcelines(fn.__code__)
    except (OSError, TypeError) as exc:
        raise SourceError(
            f"cannot read the source of function `{fn.__qualname__}` (defined in "
            f"{filename}): {exc}", hint=_HINT_DEF) from None
    start = max(start, 1)
    text = "".join(raw_lines)
    dedented = textwrap.dedent(text)
    first = text.splitlines()[0] if text else ""
    indent = len(first) - len(first.lstrip())
    try:
        module = gast.parse(dedented)
    except SyntaxError:
        module = None
    if fn.__code__.co_name == "<lambda>":
        candidates = [] if module is None else [
            n for n in walk(module) if isinstance(n, gast.Lambda)]
        shape = _shape(fn.__code__)
        matches = [n for n in candidates if _shape(_lambda_code(n)) == shape]
        if not matches:
            raise SourceError(
                f"cannot isolate the source of the lambda defined at {filename}:{start}",
                Location(filename, start, indent, file_lines[start - 1]),
                hint="give the function a name with `def` so srcad can read its source")
        node = matches[0]
    else:
        node = module.body[0] if module is not None and module.body else None
        if not isinstance(node, (gast.FunctionDef, gast.AsyncFunctionDef)):
            raise SourceError(
                f"cannot parse the source of `{fn.__qualname__}` in {filename}:{start}",
                Location(filename, start, indent, file_lines[start - 1]),
                hint="check that the file is valid Python and was not edited since import")
    for sub in walk(node):
        if getattr(sub, "lineno", None) is not None:
            sub.lineno += start - 1
            if getattr(sub, "end_lineno", None) is not None:
                sub.end_lineno += start - 1
            sub.col_offset = (sub.col_offset or 0) + indent
            if getattr(sub, "end_col_offset", None) is not None:
                sub.end_col_offset += indent
    if fn.__code__.co_name != "<lambda>":
        try:
            compiled = _function_code(node)
        except SyntaxError:
            compiled = None
        if compiled is not None and _shape(compiled) != _shape(fn.__code__):
            raise _mismatch(fn, filename, file_lines, "the text of its body differs")
    return node


def _lambda_code(lam):
    """The code object of a lambda node (of ``ast`` or of ``gast``)."""
    if isinstance(lam, gast.Lambda):
        lam = gast.gast_to_ast(copy_tree(lam))
    expr = ast.fix_missing_locations(ast.Expression(body=lam))
    code = compile(expr, "<lambda>", "eval")
    return next(c for c in code.co_consts if isinstance(c, types.CodeType))


def _function_code(fdef):
    fdef = copy_tree(fdef)
    fdef.decorator_list = []
    mod = gast.Module(body=[fdef], type_ignores=[])
    code = compile(gast.gast_to_ast(gast.fix_missing_locations(mod)), "<check>", "exec")
    return next(c for c in code.co_consts if isinstance(c, types.CodeType))


_VARIABLE_LOADS = {"LOAD_GLOBAL", "LOAD_DEREF", "LOAD_NAME", "LOAD_CLASSDEREF"}
_SKIPPED = {"RESUME", "NOP", "COPY_FREE_VARS", "MAKE_CELL", "EXTENDED_ARG", "CACHE",
            "PUSH_NULL", "PRECALL"}


def _shape(code) -> tuple:
    """The instructions of ``code``, blind to what compiling out of context changes: a
    closure variable becomes a global, the qualified names of nested functions differ."""
    out = []
    instructions = list(dis.get_instructions(code))
    for i, ins in enumerate(instructions):
        if ins.opname in _SKIPPED:
            continue
        if ins.opname in _VARIABLE_LOADS:
            out.append(("LOAD_VARIABLE", ins.argval))
        elif ins.opname == "LOAD_CONST":
            following = instructions[i + 1].opname if i + 1 < len(instructions) else ""
            if isinstance(ins.argval, types.CodeType) or following == "MAKE_FUNCTION":
                out.append(("LOAD_CONST", "<code>"))
            else:
                out.append(("LOAD_CONST", repr(ins.argval)))
        elif ins.opcode in dis.hasjrel or ins.opcode in dis.hasjabs:
            out.append((ins.opname, None))
        else:
            out.append((ins.opname, repr(ins.argval)))
    return tuple(out)
