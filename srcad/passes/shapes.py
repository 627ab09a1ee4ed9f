"""Symbolic shapes: the shapes of arrays, in terms of the sizes of the arguments' axes.

Pre: ``job.kinds`` and ``job.param_kinds``, which pair ``"<param>#shape"`` with the shape
of each array argument of the call the derivative is compiled for, written with symbols:
sizes that are equal get one symbol, a size of 1 stays 1 (see derivative.array_shapes:
``W`` of shape (16, 8) and ``b`` of shape (8,) give ``("d0", "d1")`` and ``("d1",)``).
The derivative serves every call whose arguments have the same pattern, whatever the sizes.

Post: ``job.shapes`` maps names to their shapes where they are sure: numbers have ``()``;
elementwise operations broadcast their operands' shapes; ``@`` multiplies matrices (and
vectors, and stacks of matrices); ``x.shape`` and its items are tuples of symbols and
symbols, so ``np.zeros((x.shape[1], w.shape[0]))`` has a shape too; indexing with integers,
``:``, and ``None``, ``.T``, ``np.transpose``, and sums, means, maxima and minima over
constant axes have theirs.  A name assigned in several places (a loop's state) has a shape
only if every assignment gives it that one (to a fixed point).  The reverse pass drops
``unbroadcast(g, x)`` where ``x`` has the shape of the result whose adjoint ``g`` is, and
with it the save of ``x``'s shape that ``unbroadcast`` would read::

    h = np.tanh(xs_t @ Wx + h @ Wh + b)     # in a loop over t
    ...
    b_t1 = unbroadcast(b_t1_plus_b, _t1_shape)    ->    b_t1 = b_t1_plus_b
"""

from __future__ import annotations

import gast

from .. import grammar
from ..grammar import walk

SHAPE_MARK = "#shape"  # "<param>#shape" -> symbolic shape, in the kinds compiled for
# Reductions over ``axis`` (over every axis when it is None); release.py counts them too.
REDUCTIONS = {"numpy.sum", "numpy.mean", "numpy.max", "numpy.min", "numpy.amax", "numpy.amin",
              "numpy.prod", "numpy.ndarray.sum", "numpy.ndarray.mean", "numpy.ndarray.max",
              "numpy.ndarray.min", "numpy.ndarray.prod"}
_CONSTRUCTORS = {"zeros", "ones", "empty"}
_UNSET = object()  # not known yet in the fixed point


def run(fn: gast.FunctionDef, job) -> None:
    params = set(grammar.params(fn))
    given = {p[:-len(SHAPE_MARK)]: s for p, s in job.param_kinds.items()
             if isinstance(p, str) and p.endswith(SHAPE_MARK) and p[:-len(SHAPE_MARK)] in params}
    job.shapes = {}
    if not given:
        return
    assigned: dict = {}
    for stmt in grammar.simple_statements(fn.body):
        if isinstance(stmt, gast.Assign):
            target = stmt.targets[0]
            if len(stmt.targets) == 1 and isinstance(target, gast.Name):
                assigned.setdefault(target.id, []).append(stmt)
            elif not isinstance(target, gast.Subscript):  # unpacking: no shape
                for node in walk(target):
                    if isinstance(node, gast.Name) and isinstance(node.ctx, gast.Store):
                        assigned.setdefault(node.id, []).append(None)
    loop_targets = {n.id for loop in walk(fn) if isinstance(loop, gast.For)
                    for n in walk(loop.target) if isinstance(n, gast.Name)}
    counters = {loop.target.id for loop in walk(fn) if isinstance(loop, gast.For)
                and isinstance(loop.target, gast.Name) and _over_range(loop.iter)}
    inference = _Inference(job, {p: tuple(s) for p, s in given.items()}, set(assigned) | params)
    for p in params - set(given):
        if job.kinds.get(p) == "scalar" and p not in assigned:
            inference.values[p] = ()
    unknown = set(loop_targets) | {p for p in params if p not in given
                                   and job.kinds.get(p) != "scalar"}
    inference.unknown = unknown
    inference.counters = counters - {v for v in counters if v in assigned}
    changed = True
    while changed:  # shapes only go from unset to a shape to unknown
        changed = False
        for var, stmts in assigned.items():
            if var in unknown:
                continue
            found = set()
            for stmt in stmts:
                value = inference.of(stmt) if stmt is not None else None
                if value is not _UNSET:
                    found.add(value)
            if var in given or (var in params and job.kinds.get(var) == "scalar"):
                found.add(inference.start.get(var, ()))  # a parameter rebound
            if not found:
                continue
            if len(found) > 1 or None in found:
                unknown.add(var)
                inference.values.pop(var, None)
                changed = True
                continue
            (new,) = found
            if inference.values.get(var, _UNSET) != new:
                inference.values[var] = new
                changed = True
    job.shapes = {v: s for v, s in inference.values.items()
                  if v not in unknown and isinstance(s, tuple) and not isinstance(s, _Dims)}


class _Dims(tuple):
    """The value of ``x.shape``: a tuple of symbols (not the shape of an array, which is a
    plain tuple: the two never compare equal)."""

    def __eq__(self, other):
        return type(other) is _Dims and tuple.__eq__(self, other)

    def __ne__(self, other):
        return not self == other

    def __hash__(self):
        return hash(("dims",) + tuple(self))


class _Size(str):
    """The value of ``x.shape[k]``: one symbol (a number, shape ``()``)."""


class _Inference:
    def __init__(self, job, given, local):
        self.job = job
        self.start = dict(given)
        self.values: dict = dict(given)  # name -> shape, _Dims or _Size
        self.unknown: set = set()
        self.local = local  # the function's parameters and assigned names
        self.counters: set = set()  # targets of ``for ... in range(...)``: integers

    def name(self, node):
        """What the expression ``node`` (a name or a constant) is known to hold."""
        if isinstance(node, gast.Constant):  # a number, or an argument at its default
            return () if node.value is None or isinstance(node.value, (int, float)) else None
        if isinstance(node, gast.UnaryOp) and grammar.is_negative_int(node):
            return ()
        if not isinstance(node, gast.Name):
            return None
        if node.id in self.unknown:
            return None
        if node.id in self.local:
            return self.values.get(node.id, _UNSET)
        return () if self.job.kinds.get(node.id) == "scalar" else None  # a global

    def array(self, node):
        """The shape of an operand of arithmetic (sizes count as numbers)."""
        value = self.name(node)
        if isinstance(value, _Size):
            return ()
        if isinstance(value, _Dims):
            return None
        return value

    def of(self, stmt):
        found = self.infer(stmt)
        if found is None and self.job.kinds.get(stmt.targets[0].id) == "scalar":
            return ()  # a number, whatever made it
        return found

    def infer(self, stmt):
        value = stmt.value
        op = self.job.ops.get(stmt)
        if isinstance(value, gast.Attribute) and isinstance(value.value, gast.Name):
            base = self.array(value.value)
            if base is None or base is _UNSET:
                return base
            if value.attr == "shape":
                return _Dims(base)
            if value.attr == "T":
                return tuple(reversed(base))
            return None
        if op is None:
            return None
        if op.kind == "copy":
            return self.name(op.bindings["x"])
        if op.kind == "nondiff" and isinstance(value, gast.Call):
            return self.constructor(value)
        if op.kind != "rule":
            return None
        rule = op.rule.names[0]
        if rule == "numpy.ndarray.__getitem__":
            return self.item(op.bindings.get("a"), op.bindings.get("idx"))
        if rule == "operator.matmul":
            return _matmul(self.array(op.bindings.get("x1")), self.array(op.bindings.get("x2")))
        if rule in REDUCTIONS:
            return self.reduction(op.bindings)
        if rule in ("numpy.transpose", "numpy.ndarray.transpose"):
            return self.transpose(op.bindings)
        if op.rule.elementwise:
            shapes = [self.array(v) for v in op.bindings.values()]
            if any(s is None for s in shapes):
                return None
            if any(s is _UNSET for s in shapes):
                return _UNSET
            out = ()
            for shape in shapes:
                out = _broadcast(out, shape)
                if out is None:
                    return None
            return out
        return None

    def item(self, base, index):
        value = self.name(base)
        if value is None or value is _UNSET:
            return value
        if isinstance(value, _Dims):  # x.shape[k]
            if isinstance(index, gast.Constant) and type(index.value) is int \
                    and -len(value) <= index.value < len(value):
                return _Size(value[index.value])
            return None
        if isinstance(value, _Size):
            return None
        parts = index.elts if isinstance(index, gast.Tuple) else [index]
        out = []
        rest = list(value)
        for part in parts:
            if isinstance(part, gast.Constant) and part.value is None:
                out.append(1)
                continue
            if not rest:
                return None
            if isinstance(part, gast.Slice) and part.lower is None and part.upper is None \
                    and part.step is None:
                out.append(rest.pop(0))
            elif _int(part) is not None or (isinstance(part, gast.Name) and (
                    part.id in self.counters or isinstance(self.values.get(part.id), _Size))):
                rest.pop(0)  # an integer: the axis goes (a bool would add one: not taken)
            else:
                return None
        return tuple(out + rest)

    def reduction(self, bindings):
        shape = self.array(bindings.get("a"))
        if shape is None or shape is _UNSET:
            return shape
        axis = bindings.get("axis")
        keep = bindings.get("keepdims")
        if keep is not None and not isinstance(keep, gast.Constant):
            return None
        keepdims = bool(keep.value) if keep is not None else False
        if axis is None or (isinstance(axis, gast.Constant) and axis.value is None):
            axes = set(range(len(shape)))
        else:
            values = axis.elts if isinstance(axis, gast.Tuple) else [axis]
            axes = set()
            for v in values:
                number = _int(v)
                if number is None or not -len(shape) <= number < len(shape):
                    return None
                axes.add(number % len(shape))
        return tuple(1 if i in axes else n for i, n in enumerate(shape)
                     if keepdims or i not in axes)

    def transpose(self, bindings):
        shape = self.array(bindings.get("a"))
        if shape is None or shape is _UNSET:
            return shape
        axes = bindings.get("axes")
        if axes is None or (isinstance(axes, gast.Constant) and axes.value is None):
            return tuple(reversed(shape))
        if not isinstance(axes, gast.Tuple):
            return None
        order = [_int(e) for e in axes.elts]
        if None in order or sorted(o % len(shape) for o in order) != list(range(len(shape))):
            return None
        return tuple(shape[o] for o in order)

    def constructor(self, call):
        """``np.zeros((a, b))`` and the like, with sizes from ``.shape``."""
        parts = grammar.dotted(call.func)
        if not parts or parts[-1] not in _CONSTRUCTORS or len(parts) != 2 or not call.args:
            return None
        size = call.args[0]
        items = size.elts if isinstance(size, gast.Tuple) else [size]
        out = []
        for item in items:
            if isinstance(item, gast.Constant) and type(item.value) is int:
                out.append(item.value if item.value == 1 else None)
                continue
            value = self.name(item)
            if value is _UNSET:
                return _UNSET
            out.append(str(value) if isinstance(value, _Size) else None)
        if None in out:
            return None
        return tuple(out)


def _over_range(node) -> bool:
    """``range(...)`` or ``reversed(range(...))``: the loop's target is an integer."""
    if isinstance(node, gast.Call) and grammar.dotted(node.func) == ["reversed"] and node.args:
        node = node.args[0]
    return isinstance(node, gast.Call) and grammar.dotted(node.func) == ["range"]


def _int(node):
    if isinstance(node, gast.Constant) and type(node.value) is int:
        return node.value
    if grammar.is_negative_int(node):
        return -node.operand.value
    return None


def _broadcast(a, b):
    """numpy's broadcast of two symbolic shapes; None if not sure (two different symbols)."""
    if a is _UNSET or b is _UNSET:
        return _UNSET
    out = []
    for i in range(1, max(len(a), len(b)) + 1):
        x = a[-i] if i <= len(a) else 1
        y = b[-i] if i <= len(b) else 1
        if x == y or y == 1:
            out.append(x)
        elif x == 1:
            out.append(y)
        else:
            return None
    return tuple(reversed(out))


def _matmul(a, b):
    if a is None or b is None:
        return None
    if a is _UNSET or b is _UNSET:
        return _UNSET
    if not a or not b:
        return None
    if len(a) == 1 and len(b) == 1:
        return () if a[0] == b[0] else None
    if len(a) == 1:  # a vector times a matrix: the vector's axis goes
        inner = _matmul((1,) + a, b)
        return inner[:-2] + inner[-1:] if inner is not None else None
    if len(b) == 1:
        inner = _matmul(a, b + (1,))
        return inner[:-1] if inner is not None else None
    if a[-1] != b[-2]:
        return None
    batch = _broadcast(a[:-2], b[:-2])
    if batch is None:
        return None
    return batch + (a[-2], b[-1])
