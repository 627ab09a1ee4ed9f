"""Write Python functions and the objects they refer to into one standalone module.

Ahead-of-time modules (``srcad generate``, see srcad/aot.py) must run with numpy alone.
:class:`ModuleWriter` takes the text of a function and a way to look up its global names,
and binds every global name it uses to a module-level definition:

* a module becomes an import (``import numpy as np``);
* a Python function with source (srcad's runtime helpers, the user's own helpers, the
  functions standing for user rules) is copied in, and its own globals are bound in turn;
  a function of an installed library is imported from its module;
* a literal (number, string, tuple, list or dict of those) or a small numpy array becomes
  a constant;
* anything else is imported from the module that defines it.

Two different objects wanting the same name get distinct names (``W``, ``W_2``); the text of
each definition is renamed to match.  The output is deterministic: definitions appear in
the order they are first needed, within sections (constants, generated code, user
functions, runtime helpers).
"""

from __future__ import annotations

import ast
import builtins
import importlib
import inspect
import io
import keyword
import numbers
import os
import sys
import symtable
import sysconfig
import textwrap
import tokenize
import types

import numpy as np

from .errors import SrcadError

SECTIONS = ("constants", "generated", "user", "runtime")
MAX_INLINE_ARRAY = 100  # larger arrays are imported from the user's module


class GenerateError(SrcadError):
    """A function cannot be written into a standalone module."""


def global_names(text: str) -> list[str]:
    """The global names the function(s) defined in ``text`` refer to, in first-use order."""
    table = symtable.symtable(text, "<generated>", "exec")
    found: dict[str, None] = {}

    def visit(t):
        if t.get_type() != "module":
            for sym in t.get_symbols():
                if sym.is_global():
                    found.setdefault(sym.get_name())
        for child in t.get_children():
            visit(child)
    visit(table)
    order = {}
    for tok in _tokens(text):
        if tok.type == tokenize.NAME and tok.string in found:
            order.setdefault(tok.string, len(order))
    return sorted(found, key=lambda n: order.get(n, len(order)))


def _tokens(text: str):
    return list(tokenize.generate_tokens(io.StringIO(text).readline))


def rename(text: str, mapping: dict[str, str]) -> str:
    """``text`` with the names in ``mapping`` renamed, except attributes and keywords."""
    mapping = {k: v for k, v in mapping.items() if k != v}
    if not mapping:
        return text
    lines = text.splitlines(keepends=True)
    toks = _tokens(text)
    edits = []
    depth = 0
    for i, tok in enumerate(toks):
        if tok.type == tokenize.OP and tok.string in "([{":
            depth += 1
        elif tok.type == tokenize.OP and tok.string in ")]}":
            depth -= 1
        if tok.type != tokenize.NAME or tok.string not in mapping:
            continue
        before = toks[i - 1] if i else None
        after = toks[i + 1] if i + 1 < len(toks) else None
        if before is not None and before.type == tokenize.OP and before.string == ".":
            continue  # an attribute
        if depth and after is not None and after.type == tokenize.OP and after.string == "=":
            continue  # a keyword argument or a parameter with a default
        edits.append((tok.start, tok.end, mapping[tok.string]))
    for (row, col), (_, end), new in reversed(edits):
        line = lines[row - 1]
        lines[row - 1] = line[:col] + new + line[end:]
    return "".join(lines)


def literal_text(value) -> str | None:
    """Source text that evaluates to ``value`` (with ``np`` in scope), or None."""
    if value is None or isinstance(value, (bool, int, float, complex, str, bytes)):
        text = repr(value)
        return text if _roundtrips(text, value) else None
    if isinstance(value, type):  # int, np.ndarray: in isinstance checks
        if getattr(builtins, value.__name__, None) is value:
            return value.__name__
        if getattr(np, value.__name__, None) is value:
            return f"np.{value.__name__}"
        return None
    if isinstance(value, np.dtype) and value.names is None and value.kind in "biufc":
        return f"np.dtype({value.name!r})"
    if isinstance(value, np.generic) and value.ndim == 0 and isinstance(value, numbers.Number):
        return f"np.{type(value).__name__}({value.item()!r})"
    if isinstance(value, (tuple, list)):
        items = [literal_text(v) for v in value]
        if any(i is None for i in items):
            return None
        if isinstance(value, tuple):
            return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"
        return "[" + ", ".join(items) + "]"
    if isinstance(value, dict) and all(isinstance(k, (str, int)) for k in value):
        items = [literal_text(v) for v in value.values()]
        if any(i is None for i in items):
            return None
        return "{" + ", ".join(f"{k!r}: {v}" for k, v in zip(value, items)) + "}"
    if isinstance(value, np.ndarray) and value.size <= MAX_INLINE_ARRAY and \
            value.dtype.kind in "biufc" and value.dtype.byteorder in "=|":
        return f"np.array({value.tolist()!r}, dtype=np.{value.dtype.name})"
    return None


def _roundtrips(text, value) -> bool:
    try:
        back = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return False
    return type(back) is type(value) and (back == value or back != back)


def _library_file(path: str | None) -> bool:
    """Whether ``path`` belongs to the standard library or an installed package."""
    if not path:
        return True
    path = os.path.realpath(path)
    roots = {sysconfig.get_paths()[k] for k in ("stdlib", "platstdlib", "purelib", "platlib")}
    return any(path.startswith(os.path.realpath(r) + os.sep) for r in roots)


def _is_srcad(obj) -> bool:
    module = getattr(obj, "__module__", "") or ""
    return module == "srcad" or module.startswith("srcad.")


def function_source(fn, short_docstring: bool = False, strip_decorators=False) -> str:
    """The dedented source of ``fn``, its docstring cut to one paragraph if asked, without
    its decorators if asked (srcad's own: ``@srcad.custom_vjp``)."""
    if fn.__code__.co_name == "<lambda>":  # written as `def lambda_(...): return ...`
        from .emit import to_source
        from .source import get_source
        try:
            return to_source(get_source(fn).tree)
        except SrcadError:
            raise GenerateError(f"the source of a lambda ({fn.__code__.co_filename}, line "
                                f"{fn.__code__.co_firstlineno}) cannot be read",
                                hint="define it with `def` in a .py file") from None
    try:
        text = textwrap.dedent(inspect.getsource(fn))
    except (OSError, TypeError):
        raise GenerateError(f"the source of `{getattr(fn, '__qualname__', fn)}` cannot be "
                            "read, so it cannot be written into the module",
                            hint="define it in a .py file") from None
    tree = ast.parse(text)
    node = tree.body[0]
    if node.decorator_list and strip_decorators:
        first = node.lineno if hasattr(node, "lineno") else 1
        text = "".join(text.splitlines(keepends=True)[first - 1:])
        tree = ast.parse(text)
        node = tree.body[0]
    elif node.decorator_list:
        raise GenerateError(f"`{fn.__qualname__}` is decorated; a generated module cannot "
                            "copy it", hint="call an undecorated function")
    if short_docstring and ast.get_docstring(node, clean=False):
        doc = node.body[0]
        summary = inspect.cleandoc(doc.value.value).split("\n\n")[0]
        summary = " ".join(summary.split())
        lines = text.splitlines(keepends=True)
        indent = " " * doc.col_offset
        quoted = '"""' + summary.replace("\\", "\\\\").replace('"""', '\\"\\"\\"') + '"""'
        lines[doc.lineno - 1:doc.end_lineno] = [indent + quoted + "\n"]
        text = "".join(lines)
    return text


def strip_srcad_imports(text: str, fn) -> tuple[str, dict]:
    """``text`` without the imports from srcad inside the function, and what they bound.

    srcad's runtime imports a few helpers inside functions (``from .containers import
    container_zeros``); the copied function refers to them as module-level names."""
    tree = ast.parse(text)
    found, package = [], fn.__module__.rpartition(".")[0]
    for node in ast.walk(tree):
        for field in ("body", "orelse", "finalbody"):
            block = getattr(node, field, None)
            if not isinstance(block, list):
                continue
            for stmt in block:
                if isinstance(stmt, ast.ImportFrom) and (
                        stmt.level or (stmt.module or "").split(".")[0] == "srcad"):
                    found.append((stmt, len(block) == 1))
    bound = {}
    lines = text.splitlines(keepends=True)
    for stmt, alone in sorted(found, key=lambda item: -item[0].lineno):
        module = importlib.import_module("." * stmt.level + (stmt.module or ""),
                                         package if stmt.level else None)
        for alias in stmt.names:
            bound[alias.asname or alias.name] = getattr(module, alias.name)
        indent = " " * stmt.col_offset
        lines[stmt.lineno - 1:stmt.end_lineno] = [indent + "pass\n"] if alone else []
    return "".join(lines), bound


def _lookup_in(fn, extra=None):
    """Look up a global name of ``fn`` as Python would: closure, globals, builtins."""
    closure = dict(zip(fn.__code__.co_freevars,
                       (c.cell_contents for c in fn.__closure__ or ())))
    closure.update(extra or {})

    def lookup(name):
        if name in closure:
            return closure[name]
        if name in fn.__globals__:
            return fn.__globals__[name]
        if hasattr(builtins, name):
            return _BUILTIN
        raise KeyError(name)
    return lookup


_BUILTIN = object()


class ModuleWriter:
    """Collects the definitions of one generated module."""

    def __init__(self, home_module: str | None):
        self.home = home_module  # where objects without a definition of their own live
        self.taken: dict[str, object] = {}  # module-level name -> identity key
        self.names: dict[object, str] = {}  # identity key -> module-level name
        self.imports: dict[str, None] = {}
        self.sections = {s: [] for s in SECTIONS}
        self.sources: list[tuple[object, str]] = []  # user functions copied: (fn, text)
        self.keep: list = []  # objects keyed by id() stay alive while the module is written

    # -- names ---------------------------------------------------------------------------

    def reserve(self, key, preferred: str) -> str:
        """A module-level name for ``key``: ``preferred`` or ``preferred_2`` ..."""
        if key in self.names:
            return self.names[key]
        name, n = preferred, 1
        while name in self.taken or keyword.iskeyword(name) or hasattr(builtins, name):
            n += 1
            name = f"{preferred}_{n}"
        self.taken[name] = key
        self.names[key] = name
        return name

    # -- definitions ---------------------------------------------------------------------

    def add(self, section: str, text: str, lookup, where: str, own: dict | None = None):
        """Add the definition(s) in ``text``; bind its global names through ``lookup``.

        ``own`` maps names already bound by the caller (generated functions calling each
        other) to their module-level names."""
        own = dict(own or {})
        mapping = dict(own)  # the definitions' own names too, not only references
        user_modules = {}
        for name in global_names(text):
            if name in own:
                continue
            try:
                obj = lookup(name)
            except KeyError:
                raise GenerateError(f"{where} refers to `{name}`, which is not defined",
                                    hint="define it before generating") from None
            if obj is _BUILTIN:
                continue
            if isinstance(obj, types.ModuleType) and not _is_srcad(obj) and \
                    not _library_file(getattr(obj, "__file__", None)):
                user_modules[name] = obj  # `helpers.scale(x)` becomes `scale(x)`
                continue
            mapping[name] = self.bind(obj, name, where)
        text = rename(text, mapping)
        for name, module in user_modules.items():
            text = self._inline_attributes(text, name, module, where)
        self.sections[section].append(text.rstrip("\n") + "\n")

    def _inline_attributes(self, text: str, name: str, module, where: str) -> str:
        """``text`` with each ``name.attr`` of the user's module ``module`` replaced by a
        copy of the attribute; the module itself is imported only if used otherwise."""
        toks = _tokens(text)
        edits, bare = [], False
        for i, tok in enumerate(toks):
            if tok.type != tokenize.NAME or tok.string != name or \
                    (i and toks[i - 1].string == "."):
                continue
            if i + 2 < len(toks) and toks[i + 1].string == "." and \
                    toks[i + 2].type == tokenize.NAME and toks[i + 2].start[0] == tok.start[0] \
                    and hasattr(module, toks[i + 2].string):
                attr = toks[i + 2].string
                new = self.bind(getattr(module, attr), attr, where)
                edits.append((tok.start, toks[i + 2].end, new))
            else:
                bare = True
        lines = text.splitlines(keepends=True)
        for (row, col), (_, end), new in reversed(edits):
            lines[row - 1] = lines[row - 1][:col] + new + lines[row - 1][end:]
        text = "".join(lines)
        if bare:
            text = rename(text, {name: self._import_module(module, name)})
        return text

    def bind(self, obj, name: str, where: str) -> str:
        """The module-level name under which ``obj`` (called ``name`` in code) is defined."""
        if isinstance(obj, types.ModuleType):
            return self._import_module(obj, name)
        from .custom_helpers import _Helper
        if isinstance(obj, _Helper):
            from .custom_higher import function_of
            obj = function_of(obj)
        if getattr(obj, "__srcad_custom__", None) is not None:  # @custom_vjp, @custom_jvp
            return self._function(obj.fun, name, where, strip_decorators=True)
        if isinstance(obj, types.FunctionType):
            return self._function(obj, name, where)
        if isinstance(obj, type) and issubclass(obj, SrcadError):
            return self._error_class(obj)
        text = "object()" if type(obj) is object else literal_text(obj)  # a sentinel
        if text is not None:
            key = ("constant", name, text) if text != "object()" else ("object", id(obj))
            if key in self.names:
                return self.names[key]
            new = self.reserve(key, name)
            if "np." in text:
                self._import_module(np, "np")
            self.sections["constants"].append(f"{new} = {text}\n")
            return new
        return self._import_from(obj, name, where)

    def _import_module(self, module, name: str) -> str:
        key = ("module", module.__name__)
        if key in self.names:
            return self.names[key]
        if module.__name__ == "__main__" or module.__name__.startswith("srcad"):
            raise GenerateError(f"generated code cannot import `{module.__name__}`")
        new = self.reserve(key, name)
        top = module.__name__
        if new == top:
            self.imports[f"import {top}"] = None
        elif "." in top and new == top.rpartition(".")[2]:
            self.imports[f"from {top.rpartition('.')[0]} import {new}"] = None
        else:
            self.imports[f"import {top} as {new}"] = None
        return new

    def _function(self, fn, name: str, where: str, strip_decorators=False) -> str:
        key = ("object", id(fn))
        if key in self.names:
            return self.names[key]
        srcad_own = _is_srcad(fn)
        if not srcad_own and _library_file(fn.__code__.co_filename):
            return self._import_from(fn, name, where)
        new = self.reserve(key, fn.__name__ if fn.__name__.isidentifier() else name)
        self.keep.append(fn)
        text = function_source(fn, short_docstring=srcad_own,
                               strip_decorators=strip_decorators)
        extra = {}
        if srcad_own:
            text, extra = strip_srcad_imports(text, fn)
        defined = "lambda_" if fn.__code__.co_name == "<lambda>" else fn.__name__
        self.add("runtime" if srcad_own else "user", text, _lookup_in(fn, extra),
                 f"`{fn.__qualname__}`", own={defined: new})
        if not srcad_own:
            self.sources.append((fn, text))
        return new

    def _error_class(self, cls) -> str:
        """A stand-in for one of srcad's error classes, raised by runtime helpers."""
        key = ("object", id(cls))
        if key in self.names:
            return self.names[key]
        new = self.reserve(key, cls.__name__)
        summary = " ".join((cls.__doc__ or "An error of srcad.").split("\n\n")[0].split())
        self.sections["runtime"].append(
            f'class {new}(Exception):\n    """{summary}"""\n\n'
            '    def __init__(self, message, location=None, hint=""):\n'
            '        super().__init__(message + (f"\\nhint: {hint}" if hint else ""))\n')
        return new

    def _import_from(self, obj, name: str, where: str) -> str:
        module = getattr(obj, "__module__", None)
        real = getattr(obj, "__name__", None)
        if not (isinstance(module, str) and isinstance(real, str)) or \
                getattr(sys.modules.get(module), real, None) is not obj:
            module, real = self.home, name
            if module is None or getattr(sys.modules.get(module), name, None) is not obj:
                raise GenerateError(
                    f"{where} uses `{name}` ({type(obj).__name__}), which a generated "
                    "module can neither copy nor import",
                    hint="make it a module-level name of an importable module, or a "
                         "number, string, tuple or small array")
        if module == "__main__" or module.startswith("srcad"):
            raise GenerateError(
                f"{where} uses `{name}` from `{module}`, which a generated module cannot "
                "import", hint="define it in an importable module")
        key = ("object", id(obj))
        if key in self.names:
            return self.names[key]
        self.keep.append(obj)
        new = self.reserve(key, name)
        self.imports[f"from {module} import {real}" +
                     ("" if new == real else f" as {new}")] = None
        return new

    # -- output --------------------------------------------------------------------------

    def import_blocks(self) -> list[list[str]]:
        """The imports as isort orders them: the standard library, then the others."""
        def group(line):
            top = line.split()[1].split(".")[0]
            if top in sys.stdlib_module_names:
                return 0
            here = os.getcwd()  # where ruff and isort look for first-party code
            local = os.path.exists(os.path.join(here, top)) or \
                os.path.exists(os.path.join(here, top + ".py"))
            return 2 if local else 1

        blocks = []
        for number in (0, 1, 2):
            lines = [i for i in self.imports if group(i) == number]
            plain = sorted((i for i in lines if i.startswith("import ")), key=str.lower)
            froms = sorted((i for i in lines if i.startswith("from ")), key=str.lower)
            if plain or froms:
                blocks.append(plain + froms)
        return blocks
