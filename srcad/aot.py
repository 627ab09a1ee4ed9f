"""Gradient modules written ahead of time: :func:`generate` (and ``srcad generate``).

The module holds the derivative of one function as srcad compiles it, the derivatives of
the user functions it calls, and copies of everything else the code refers to (srcad's
runtime helpers, the user's plain helpers, constants), so that it runs with numpy alone.
It starts with a header naming the sources it was made from (with the sha256 of each
function's source), the srcad version and the command that writes it again; the same
inputs always give the same text, so ``srcad generate --check`` can tell a stale file.
"""

from __future__ import annotations

import hashlib
import inspect
import os
import re
import sys
import tempfile

from .derivative import Derivative
from .passes.shapes import SHAPE_MARK
from .errors import InputError
from .inline import GenerateError, ModuleWriter, literal_text

MODES = ("rev", "value_and_grad", "fwd")


def generate(f, path=None, wrt=0, mode="rev", name=None, *, args=None, command=None) -> str:
    """Write a standalone module computing the derivative of ``f`` and return its text.

    ``mode="rev"`` defines ``grad_<f>`` (same parameters as ``f``, returns the gradient)
    and ``vjp_<f>`` (returns the value and the gradient, scaled by a cotangent);
    ``mode="value_and_grad"`` defines ``value_and_grad_<f>``; ``mode="fwd"`` defines
    ``jvp_<f>(..., *, d<param>...)`` returning the value and the directional derivative.
    ``name`` renames that first function.  ``args``, example arguments, specialize the code
    for the ones that are numbers or lists (by default every argument is taken for an
    array).  With ``path`` the module is written there atomically (temp file + rename).

    >>> import srcad
    >>> def square(x):
    ...     return x * x
    >>> text = srcad.generate(square)
    >>> namespace = {}
    >>> exec(text, namespace)
    >>> namespace["grad_square"](3.0)
    6.0
    """
    text = module_text(f, wrt, mode, name, args, command)
    if path is not None:
        write_atomically(path, text)
    return text


def is_fresh(path, f, wrt=0, mode="rev", name=None, *, args=None, command=None) -> bool:
    """Whether the module at ``path`` is what :func:`generate` writes now."""
    try:
        with open(path, encoding="utf-8") as fh:
            on_disk = fh.read()
    except OSError:
        return False
    return on_disk == module_text(f, wrt, mode, name, args, command)


# ---------------------------------------------------------------------------------------


def module_text(f, wrt=0, mode="rev", name=None, args=None, command=None) -> str:
    if mode not in MODES:
        raise InputError(f"mode={mode!r} is not a mode of srcad generate",
                         hint="use 'rev', 'value_and_grad' or 'fwd'")
    if getattr(f, "__srcad__", None) is not None:
        raise GenerateError(f"`{f.__name__}` is a derivative made by srcad; generate the "
                            "module from the function it differentiates",
                            hint="pass the original function")
    if name is not None and not (name.isidentifier() and not name.startswith("__")):
        raise InputError(f"name={name!r} is not a valid function name")
    derivative = Derivative(f, wrt, True, "generate", mode="fwd" if mode == "fwd" else "rev")
    kinds = derivative._kinds(tuple(args), {}) if args is not None else frozenset()
    # a module serves arrays of any rank: the rank of an example array is not a promise
    # (nor are the shapes of the example arguments)
    kinds = frozenset((p, k) for p, k in kinds if k != "vector" and not p.endswith(SHAPE_MARK))
    derivative.compile(kinds=kinds)
    nodes = _nodes(derivative)
    base = re.sub(r"\W", "", f.__name__) or "f"
    main = name or {"rev": f"grad_{base}", "value_and_grad": f"value_and_grad_{base}",
                    "fwd": f"jvp_{base}"}[mode]
    writer = ModuleWriter(getattr(f, "__module__", None))
    if mode != "fwd":
        writer.reserve(("wrapper",), main)
    for i, node in enumerate(nodes):
        preferred = main if (i == 0 and mode == "fwd") else node.transformed.name
        writer.reserve(("node", id(node)), preferred)
    if mode != "fwd":
        writer.sections["generated"].append(_wrapper(derivative, writer, main, mode))
    for node in nodes:
        own = {node.transformed.name: writer.names[("node", id(node))]}
        for (helper, *_), child in zip(node.transformed.callees, node.children):
            own[helper] = writer.names[("node", id(child))]
        writer.add("generated", node.transformed.source, _lookup_in_namespace(node.ns),
                   f"the derivative of `{node.f.__name__}`", own)
    sources = [node.f for node in nodes] + [fn for fn, _ in writer.sources]
    return _assemble(writer, f, wrt, mode, main, sources, command)


def _nodes(derivative) -> list:
    """The derivative and the derivatives it calls, each once, in the order they are met."""
    out, seen = [], set()

    def visit(d):
        if id(d) in seen:
            return
        seen.add(id(d))
        out.append(d)
        for child in d.children:
            visit(child)
    visit(derivative)
    return out


def _lookup_in_namespace(ns):
    import builtins

    from .inline import _BUILTIN

    def lookup(name):
        if name in ns:
            obj = ns[name]
            return _BUILTIN if getattr(builtins, name, None) is obj else obj
        if hasattr(builtins, name):
            return _BUILTIN
        raise KeyError(name)
    return lookup


def _wrapper(derivative, writer, main, mode) -> str:
    """``grad_f``/``value_and_grad_f``: ``f``'s parameters, calling the generated vjp."""
    params, passed = [], []
    star = False
    for p in derivative.signature.parameters.values():
        text = p.name
        if p.kind == p.VAR_POSITIONAL:
            text, star = "*" + p.name, True
        elif p.kind == p.VAR_KEYWORD:
            text = "**" + p.name
        elif p.kind == p.KEYWORD_ONLY and not star:
            params.append("*")
            star = True
        if p.default is not p.empty:
            default = literal_text(p.default)
            if default is None or "np." in default:
                default = writer.bind(p.default, f"default_{p.name}", f"`{p.name}`")
            text += f"={default}"
        params.append(text)
        passed.append(f"{p.name}={p.name}" if p.kind == p.KEYWORD_ONLY else
                      text.split("=")[0])
    if p_only := [p for p in derivative.signature.parameters.values()
                  if p.kind == p.POSITIONAL_ONLY]:
        params.insert(len(p_only), "/")
    vjp = writer.names[("node", id(derivative))]
    fname = derivative.f.__name__
    wrt = " and ".join(f"`{n}`" for _, n, _ in derivative.wrt)
    if mode == "rev":
        doc = f"The gradient of `{fname}` with respect to {wrt}."
        body = f"return {vjp}({', '.join(passed)})[1]"
    else:
        doc = f"The value of `{fname}` and its gradient with respect to {wrt}."
        body = f"return {vjp}({', '.join(passed)})"
    return f'def {main}({", ".join(params)}):\n    """{doc}"""\n    {body}\n'


def _relative(path: str) -> str:
    path = os.path.abspath(path)
    here = os.getcwd()
    if path == here or path.startswith(here + os.sep):
        return os.path.relpath(path).replace(os.sep, "/")
    return path.replace(os.sep, "/")


def _origin(fn) -> str:
    return f"{_relative(inspect.getsourcefile(fn) or fn.__code__.co_filename)}:" \
           f"{fn.__qualname__}"


def default_command(f, wrt, mode, name, path) -> str:
    """The ``srcad generate`` command that writes the same module."""
    try:
        target = _origin(f).replace(".<locals>.", ".")
    except TypeError:
        target = f"{f.__module__}:{f.__qualname__}"
    parts = ["srcad", "generate", target]
    items = wrt if isinstance(wrt, (tuple, list)) else [wrt]
    if list(items) != [0]:
        parts += ["--wrt", ",".join(str(i) for i in items) + ("," if len(items) == 1 and
                                                                isinstance(wrt, (tuple, list))
                                                                else "")]
    if mode != "rev":
        parts += ["--mode", mode]
    if name is not None:
        parts += ["--name", name]
    parts += ["-o", _relative(path) if path else "FILE"]
    return " ".join(parts)


def _assemble(writer, f, wrt, mode, main, sources, command) -> str:
    from . import __version__
    lines = [f"# Generated by srcad {__version__}. Do not edit; write it again with",
             f"#   {command or default_command(f, wrt, mode, None, None)}",
             "# Sources (sha256 of each function's source):"]
    seen = set()
    for fn in sources:
        key = id(fn)
        if key in seen:
            continue
        seen.add(key)
        text = inspect.getsource(fn)
        lines.append(f"#   {_origin(fn)}  {hashlib.sha256(text.encode()).hexdigest()}")
    what = {"rev": "gradient", "value_and_grad": "value and gradient",
            "fwd": "forward-mode derivative (jvp)"}[mode]
    needs = sorted({line.split()[1].split(".")[0] for block in writer.import_blocks()
                    for line in block} - set(sys.stdlib_module_names) - {"numpy"})
    needs = "numpy only" if not needs else "numpy and " + ", ".join(needs)
    lines.append(f'"""The {what} of `{f.__name__}`, written by srcad: needs {needs}."""')
    out = "\n".join(lines) + "\n"
    for block in writer.import_blocks():
        out += "\n" + "\n".join(block) + "\n"
    if writer.sections["constants"]:
        out += "\n" + "".join(writer.sections["constants"])
    titles = {"generated": None, "user": "# Functions of the user's code the derivative calls.",
              "runtime": "# srcad's runtime helpers used above."}
    for section in ("generated", "user", "runtime"):
        texts = writer.sections[section]
        if not texts:
            continue
        if titles[section]:
            out += "\n\n" + titles[section]
        for text in texts:
            out += "\n\n" + text
    return out


def write_atomically(path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same directory."""
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise GenerateError(f"cannot write {path}: directory {directory} does not exist")
    if os.path.isdir(path):
        raise GenerateError(f"cannot write {path}: it is a directory")
    try:
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".srcad-", suffix=".py.tmp")
    except OSError as exc:
        raise GenerateError(f"cannot write {path}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except OSError as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise GenerateError(f"cannot write {path}: {exc.strerror or exc}") from None
