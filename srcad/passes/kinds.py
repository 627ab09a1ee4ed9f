"""Kind inference: which names hold arrays (or numbers) and which hold containers.

Pre: ``job.ops`` (resolve) and ``job.param_kinds`` (the kinds of the arguments the
derivative is compiled for: ``"array"`` for numbers and arrays, ``"container"`` for
lists, tuples and dicts, ``"scalar"`` for Python and numpy numbers).  Post: ``job.kinds``
maps every local name to ``"scalar"``, ``"array"``, ``"container"`` or ``"unknown"``.
Scalars let the reverse pass drop ``unbroadcast`` where no broadcasting can happen.  The
reverse pass adds adjoints of numbers and arrays with ``+`` and those of anything else
with the structural ``add`` helper.  Example: in
``xs = []; xs.append(x * 2.0); y = np.stack(xs)``, ``xs`` is a container, ``y`` an array.
"""

from __future__ import annotations

import gast

from .. import grammar
from ..grammar import walk
from . import shapes
from .activity import targets

_SCALAR, _ARRAY, _CONTAINER, _UNKNOWN = "scalar", "array", "container", "unknown"


def _join(a, b):
    if a is None:
        return b
    if a == b:
        return a
    if {a, b} <= {_SCALAR, _ARRAY}:
        return _ARRAY
    return _UNKNOWN


def _numeric(kind) -> str:
    """What a number-or-array kind becomes: scalars stay scalars, the rest arrays."""
    return _SCALAR if kind == _SCALAR else _ARRAY


# Values that cannot be updated in place: ``+=`` on them rebinds, as srcad computes it.
_IMMUTABLE_ATTRS = {"shape", "ndim", "size", "dtype", "itemsize", "nbytes"}


def _returns_immutable(obj) -> bool:
    import builtins

    import numpy as np

    from ..runtime.containers import loop_length
    return obj in (builtins.len, builtins.int, builtins.bool, builtins.round, np.shape,
                   np.ndim, np.size, loop_length)


def _kind_of(stmt, op, kinds, vectors=frozenset()):
    value = stmt.value
    if isinstance(value, (gast.Tuple, gast.List, gast.Dict)):
        return _CONTAINER
    if isinstance(value, gast.Constant):
        return _SCALAR if isinstance(value.value, (int, float, complex)) else _UNKNOWN
    if op.kind == "copy":
        return kinds.get(op.bindings["x"].id)
    if isinstance(value, gast.Attribute) and value.attr in _IMMUTABLE_ATTRS:
        return _SCALAR
    if isinstance(value, gast.Subscript):
        if value.value.id in vectors and _integer(value.slice, kinds):
            return _SCALAR  # an element of a 1-D array
        base = kinds.get(value.value.id, _UNKNOWN)
        return {_ARRAY: _ARRAY, _SCALAR: _SCALAR}.get(base, _UNKNOWN)
    if op.kind == "nondiff" and op.obj is not None and _returns_immutable(op.obj):
        return _SCALAR
    helper = _helper_result(stmt, op, kinds)
    if helper is not None:
        return helper
    if op.kind == "rule" and op.rule.elementwise:
        operands = [kinds.get(n.id, _SCALAR) if isinstance(n, gast.Name) else
                    (_SCALAR if isinstance(n, gast.Constant) else _ARRAY)
                    for n in op.bindings.values() if isinstance(n, (gast.Name, gast.Constant))]
        return _SCALAR if all(k == _SCALAR for k in operands) else _ARRAY
    if (op.kind == "rule" and op.rule.kind != "user") or op.kind == "nondiff":
        return _ARRAY
    if isinstance(value, (gast.BinOp, gast.UnaryOp, gast.Compare, gast.Attribute)):
        return _ARRAY
    return _UNKNOWN


def _helper_result(stmt, op, kinds):
    """The kind of the result of a runtime helper that may return a list or tuple
    (``unstack``, ``add`` ...: ``rules.runtime_rules.CONTAINER_RESULTS``), or None for
    any other call: generated code, differentiated again, adds such adjoints with ``add``."""
    import inspect

    from ..rules.runtime_rules import CONTAINER_RESULTS
    from ..runtime import HELPERS
    obj = op.rule.key if op.kind == "rule" else op.obj if op.kind == "nondiff" else None
    if obj is None or not isinstance(stmt.value, gast.Call):
        return None
    name = next((n for n, f in HELPERS.items() if f is obj), None)
    if name not in CONTAINER_RESULTS:
        return None
    param = CONTAINER_RESULTS[name]
    if param is None:
        return _CONTAINER
    if op.kind == "rule":
        operand = op.bindings.get(param)
    else:
        call = stmt.value
        try:
            operand = inspect.signature(obj).bind(
                *call.args, **{k.arg: k.value for k in call.keywords}).arguments.get(param)
        except TypeError:
            return _UNKNOWN
    if isinstance(operand, (gast.List, gast.Tuple, gast.Dict)):
        return _CONTAINER
    if isinstance(operand, gast.Name):
        kind = kinds.get(operand.id, _UNKNOWN)
        return kind if kind in (_CONTAINER, _UNKNOWN) else None
    return None


def _integer(index, kinds) -> bool:
    """An index that is one number: an int literal or a name holding a number."""
    if isinstance(index, gast.Constant):
        return type(index.value) is int
    if grammar.is_negative_int(index):
        return True
    return isinstance(index, gast.Name) and kinds.get(index.id) == _SCALAR


def run(fn: gast.FunctionDef, job) -> gast.FunctionDef:
    params = grammar.params(fn)
    stmts = [s for s in grammar.simple_statements(fn.body) if isinstance(s, gast.Assign)]
    # Parameters the derivative is compiled for 1-D arrays ("vector"), never rebound: an
    # element ``x[i]`` of one is a number.
    assigned = {v for s in stmts if not isinstance(s.targets[0], gast.Subscript)
                for v in targets(s)} | {n.id for loop in walk(fn) if isinstance(
                    loop, gast.For) for n in walk(loop.target) if isinstance(n, gast.Name)}
    vectors = {p for p in params if job.param_kinds.get(p) == "vector"} - assigned
    kinds: dict = {p: _ARRAY if job.param_kinds.get(p) == "vector" else
                   job.param_kinds.get(p, _ARRAY) for p in params}
    loop_targets = [n.target.id for n in walk(fn) if isinstance(n, gast.For)]
    for var in loop_targets:
        kinds[var] = _SCALAR  # range/keys loops: integers or keys, never differentiated
    changed = True
    while changed:  # kinds only climb: bottom, scalar, array, unknown
        changed = False
        for stmt in stmts:
            op = job.ops[stmt]
            if op.kind == "setitem":
                continue
            stored = targets(stmt)
            kind = _kind_of(stmt, op, kinds, vectors) if len(stored) == 1 else _ARRAY
            if kind is None:
                continue
            for var in stored:
                new = _join(kinds.get(var), kind)
                if kinds.get(var) != new:
                    kinds[var] = new
                    changed = True
    for stmt in grammar.simple_statements(fn.body):
        if _is_append(stmt):
            kinds[stmt.value.func.value.id] = _CONTAINER
    job.kinds = kinds
    shapes.run(fn, job)
    return fn


def _is_append(stmt) -> bool:
    return (isinstance(stmt, gast.Expr) and isinstance(stmt.value, gast.Call)
            and isinstance(stmt.value.func, gast.Attribute) and stmt.value.func.attr == "append"
            and isinstance(stmt.value.func.value, gast.Name))
