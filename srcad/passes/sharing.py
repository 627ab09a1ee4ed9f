"""Which names may share memory: a flow-sensitive points-to analysis for the aliasing checks.

Every array or container a function makes is an *object*, named by the statement that
makes it (a parameter's value is one object too).  At each statement the analysis knows,
for every name, the objects it may be bound to, and for every container object the objects
it may hold as items.  ``b = z``, ``b = z[0:2]``, ``b = z.T``, ``b = ys[0]``,
``b = ys.pop()``, ``for b in ys`` and calls that may hand back an argument make ``b`` share
objects with ``z`` or with ``ys``'s items; ``[z]``, ``ys.append(z)`` and ``d[k] = z`` make
a container hold ``z``'s objects.  Arithmetic and numpy functions (other than views) make
new objects.  Branches join, loops iterate to a fixed point, and ``break``/``continue``/
``return`` are taken to fall through, which only adds paths: the answer stays safe.

``first_stale_read`` answers the question the aliasing check asks: after an update in
place of one name (``z[i] = v``, ``ys.append(v)``, ``ys.pop()``), is another name that may
see the update read later?  srcad gives every name its own adjoint, so such a read would
be differentiated as if it saw the old value.  Example: ``ys = [z]; z[0] = x; s = ys[0]``
is a stale read of ``ys`` at the last line.
"""

from __future__ import annotations

import inspect
import textwrap
import types

import gast

from .. import grammar
from ..grammar import walk
from .activity import targets
from .optimize import loaded_names
from .resolve import is_setitem

# Functions and methods whose result may be (a view of) their first argument.
VIEWS = {"reshape", "transpose", "swapaxes", "moveaxis", "ravel", "squeeze", "expand_dims",
         "broadcast_to", "diagonal", "atleast_1d", "atleast_2d", "atleast_3d", "flip",
         "fliplr", "flipud", "real", "imag", "T", "rot90", "view", "asarray"}
# Array methods with a rule that always return a new array or a number (``z.sum()``).
_FRESH_METHODS = {("method", m) for m in (
    "astype", "clip", "copy", "cumprod", "cumsum", "dot", "flatten", "item", "max", "mean",
    "min", "prod", "repeat", "std", "sum", "take", "trace", "var")}
# Calls that make a new container holding the items of their arguments.
_NEW_CONTAINERS = {"list", "tuple", "dict", "zip", "enumerate", "reversed", "sorted",
                   "items", "values", "keys"}
# Builtins that always return a new value (or a number).
_FRESH_BUILTINS = {"sum", "len", "abs", "float", "int", "bool", "round", "range", "pow",
                   "isinstance", "hasattr", "callable", "repr", "str"}


class _State:
    """Names to objects, container objects to their items, and the names that may see an
    update made after they were bound (``stale``: name -> the update)."""

    def __init__(self, points=None, items=None, stale=None):
        self.points: dict = points or {}
        self.items: dict = items or {}
        self.stale: dict = stale or {}

    def copy(self):
        return _State(dict(self.points), dict(self.items), dict(self.stale))

    def join(self, other):
        out = self.copy()
        for name, objs in other.points.items():
            out.points[name] = out.points.get(name, frozenset()) | objs
        for obj, objs in other.items.items():
            out.items[obj] = out.items.get(obj, frozenset()) | objs
        for name, update in other.stale.items():
            out.stale.setdefault(name, update)
        return out

    def key(self):
        return (frozenset(self.points.items()), frozenset(self.items.items()),
                frozenset(self.stale))

    def held(self, objs) -> frozenset:
        """``objs`` and everything they hold, at any depth."""
        seen, todo = set(objs), list(objs)
        while todo:
            for inner in self.items.get(todo.pop(), ()):
                if inner not in seen:
                    seen.add(inner)
                    todo.append(inner)
        return frozenset(seen)

    def of(self, names) -> frozenset:
        return frozenset().union(*(self.points.get(n, frozenset()) for n in names))


class Sharing:
    """Run over a function in three-address form: ``job.ops`` and ``job.kinds`` are
    needed.  ``updates`` maps each update statement to the name it changes."""

    def __init__(self, fn, job, updates, direct_only=False, elements_as_numbers=False,
                 inplace=None):
        self.fn, self.job, self.updates = fn, job, updates
        # ``inplace``: statement -> (name, container): the statement changes the objects
        # ``name`` is bound to in place (``a += v`` on an array, or the item of
        # ``container`` in ``xs[k] += v``), where srcad computes a new value; the container
        # gets the new value in its slot, so only other names and containers go stale.
        self.inplace = inplace or {}
        self.direct_only = direct_only
        # Take ``z[i]`` of an array (``i`` a number) for a number; ``element_reads`` keeps
        # where, for a run-time check that ``z`` is 1-D.
        self.elements_as_numbers = elements_as_numbers
        self.element_reads: dict = {}
        self.found = None  # (update statement, stale name, reading statement)

    def _vectors(self) -> set:
        """Names that always hold a 1-D array (made by ``np.zeros(n)``, ``np.arange``...
        or by elementwise arithmetic on such arrays and numbers): ``z[i]`` of one, with a
        number ``i``, is a number of its own, not a view."""
        import numpy as np
        defs: dict = {}
        for stmt in grammar.simple_statements(self.fn.body):
            if isinstance(stmt, gast.Assign) and not is_setitem(stmt):
                for name in targets(stmt):
                    defs.setdefault(name, []).append(
                        stmt if isinstance(stmt.targets[0], gast.Name) else None)
        for stmt in _loop_headers(self.fn):
            for name in _names(stmt.target):
                defs.setdefault(name, []).append(None)
        makers = (np.zeros, np.ones, np.empty, np.full, np.arange, np.linspace)
        scalar = self.job.kinds

        def number(expr) -> bool:
            return isinstance(expr, gast.Constant) and isinstance(expr.value, (int, float)) \
                or isinstance(expr, gast.Name) and scalar.get(expr.id) == "scalar"

        vectors = {n for n, stmts in defs.items() if n not in _params(self.fn)
                   and all(stmts)}
        changed = True
        while changed:
            changed = False
            for name in sorted(vectors):
                for stmt in defs[name]:
                    op, value = self.job.ops.get(stmt), stmt.value
                    obj = getattr(op, "obj", None)
                    if op is not None and op.kind == "rule" and op.rule is not None:
                        obj = op.rule.key
                    if isinstance(value, gast.Call) and any(obj is m for m in makers):
                        ok = bool(value.args) and (obj in (np.arange, np.linspace)
                                                   or number(value.args[0]))
                    elif isinstance(value, gast.Name):
                        ok = value.id in vectors
                    elif op is not None and op.kind == "rule" and op.rule is not None \
                            and op.rule.elementwise:
                        operands = [n for n in walk(value) if isinstance(n, gast.Name)
                                    and (n.id in defs or n.id in _params(self.fn))]
                        ok = all(n.id in vectors or number(n) for n in operands)
                    else:
                        ok = False
                    if not ok:
                        vectors.discard(name)
                        changed = True
                        break
        return vectors

    def first_stale_read(self):
        self.vectors = self._vectors()
        state = _State({p: frozenset({("param", p)}) for p in _params(self.fn)})
        self._block(self.fn.body, state)
        return self.found

    # -- structure

    def _block(self, stmts, state):
        for stmt in stmts:
            if self.found:
                return state
            if isinstance(stmt, gast.If):
                self._read(gast.Expr(value=stmt.test), state)
                state = self._block(stmt.body, state.copy()).join(
                    self._block(stmt.orelse, state.copy()))
            elif isinstance(stmt, (gast.For, gast.While)):
                state = self._loop(stmt, state)
            else:
                self._read(stmt, state)
                self._step(stmt, state)
        return state

    def _loop(self, loop, state):
        while not self.found:
            entry = state.copy()
            if isinstance(loop, gast.For):
                self._read(gast.Expr(value=loop.iter), entry)
                objs = self._contents(entry, [loop.iter.id]) if isinstance(
                    loop.iter, gast.Name) else entry.held(entry.of(loaded_names(loop.iter)))
                if not isinstance(loop.target, gast.Name):
                    objs = entry.held(objs)
                for name in _names(loop.target):
                    entry.points[name] = objs
                    entry.stale.pop(name, None)
            else:
                self._read(gast.Expr(value=loop.test), entry)
            after = state.join(self._block(loop.body, entry))
            if after.key() == state.key():
                break
            state = after
        return self._block(loop.orelse, state)

    # -- statements

    def _read(self, stmt, state):
        if self.found:
            return
        for name in sorted(loaded_names(stmt)):
            if name in state.stale:
                self.found = (state.stale[name], name, stmt)
                return

    def _step(self, stmt, state):
        var, spared = self.updates.get(stmt), self.updates.get(stmt)
        if stmt in self.inplace:
            var, spared = self.inplace[stmt]
        if var is not None:
            changed = state.points.get(var, frozenset())
            for name, objs in state.points.items():
                if name == spared or name in state.stale or not changed:
                    continue
                reach = objs if self.direct_only else state.held(objs)
                if reach & changed:
                    state.stale[name] = stmt
        op = self.job.ops.get(stmt)
        if is_setitem(stmt):  # d[k] = v: the container (if it is one) holds v
            container = stmt.targets[0].value.id
            if self.job.kinds.get(container) not in ("array", "scalar"):
                self._hold(state, container, loaded_names(stmt.value))
            return
        if isinstance(stmt, gast.Expr) and op is not None and op.kind == "append":
            item = stmt.value.args[0]
            if not (isinstance(item, gast.Call) and callee_name(item) in _FRESH_HELPERS):
                self._hold(state, stmt.value.func.value.id, loaded_names(item))
            return
        if not isinstance(stmt, gast.Assign):
            return
        stored = targets(stmt)
        objs = self._value(stmt, op, state)
        if len(stored) > 1 or not isinstance(stmt.targets[0], gast.Name):
            # a, b = t: each may be any item of t, at any depth
            objs = state.held(self._contents(state, [stmt.value.id])) if isinstance(
                stmt.value, gast.Name) else state.held(objs)
        for name in stored:
            state.points[name] = objs
            state.stale.pop(name, None)

    def _contents(self, state, names) -> frozenset:
        """What indexing or iterating over ``names`` may give: views of an array, the
        items of a container, either when the kind is not known."""
        out = frozenset()
        for name in names:
            objs = state.of([name])
            kind = self.job.kinds.get(name, "unknown")
            if kind in ("array", "scalar"):
                out |= objs
            else:
                items = frozenset().union(*(state.items.get(o, frozenset()) for o in objs))
                out |= items | (objs if kind != "container" else frozenset())
        return out

    def _hold(self, state, container, names):
        objs = state.of(names)
        for obj in state.points.get(container, ()):
            state.items[obj] = state.items.get(obj, frozenset()) | objs

    def _value(self, stmt, op, state) -> frozenset:
        """The objects the value of ``stmt`` may be."""
        value, site = stmt.value, ("made", id(stmt))
        stored = targets(stmt)
        if len(stored) == 1 and self.job.kinds.get(stored[0]) == "scalar":
            return frozenset()
        if isinstance(value, gast.Constant):
            return frozenset()
        if isinstance(value, gast.Name):
            return state.of([value.id])
        if isinstance(value, (gast.Tuple, gast.List, gast.Dict)):
            state.items[site] = state.items.get(site, frozenset()) | state.of(
                loaded_names(value))
            return frozenset({site})
        inputs = state.of(loaded_names(value))
        if isinstance(value, gast.Subscript):
            index = value.slice
            element = not any(
                    isinstance(n, (gast.Slice, gast.Tuple, gast.List)) for n in walk(
                        index)) and all(self.job.kinds.get(n.id) == "scalar" for n in
                                        walk(index) if isinstance(n, gast.Name))
            base = value.value.id
            if element and base in self.vectors:
                return frozenset()  # an element of a 1-D array: a number
            if element and self.elements_as_numbers \
                    and self.job.kinds.get(base, "unknown") in ("array", "unknown"):
                # a number, unless ``base`` has 2+ axes or is a list: checked when it runs
                self.element_reads[stmt] = base
                return frozenset()
            return self._contents(state, [value.value.id])
        if isinstance(value, gast.Attribute):
            return inputs | frozenset({site}) if value.attr not in VIEWS else inputs
        kind = op.kind if op is not None else "unknown"
        if kind == "pop":
            base = state.of([value.func.value.id])
            return frozenset().union(*(state.items.get(o, frozenset()) for o in base))
        if kind == "copy":
            return state.held(inputs)
        if kind in ("const", "container") and not isinstance(value, gast.Call):
            return frozenset({site})
        name = callee_name(value)
        if name in VIEWS:
            return state.held(inputs) | frozenset({site})
        if name in ("copy", "astype", "deepcopy", "array"):  # new; a list copy holds the items
            bases = [n for n in sorted(loaded_names(value))
                     if self.job.kinds.get(n) not in ("array", "scalar")]
            state.items[site] = state.items.get(site, frozenset()) | state.held(
                self._contents(state, bases))
            return frozenset({site})
        if kind == "rule" and op.rule is not None and op.rule.kind != "user" and (
                _fresh_library_call(op.rule.key) or _fresh_library_call(op.obj)
                or op.rule.key in _FRESH_METHODS):
            return frozenset({site})
        if kind == "nondiff" and _fresh_library_call(op.obj):
            return frozenset({site})
        if kind in ("user", "rule", "nondiff") and not may_return_argument(op.obj, set()):
            return frozenset({site})  # (a user function called on inactive values: nondiff)
        if isinstance(value, gast.Call) and isinstance(value.func, gast.Name) \
                and value.func.id in _FRESH_BUILTINS:
            return frozenset({site})
        obj = getattr(op, "obj", None)
        if obj is None and kind == "rule" and op.rule is not None:
            obj = op.rule.key
        if (getattr(obj, "__module__", "") or "").startswith("srcad") \
                and getattr(obj, "__name__", "") not in _PASSING_HELPERS:
            # unindex, add...: a new value, or a new container that may hold the items
            bases = sorted(loaded_names(value))
            state.items[site] = state.items.get(site, frozenset()) | state.held(
                self._contents(state, bases))
            return frozenset({site})
        if name in _NEW_CONTAINERS:  # list(xs), zip(xs, ys), d.items(): new, same items
            names = loaded_names(value) - ({value.func.value.id} if isinstance(
                value.func, gast.Attribute) and name not in ("items", "values") else set())
            state.items[site] = state.items.get(site, frozenset()) | state.held(
                self._contents(state, sorted(names)))
            return frozenset({site})
        if isinstance(value, (gast.BinOp, gast.UnaryOp, gast.Compare, gast.BoolOp)):
            return frozenset({site})
        # Anything else may hand back an input, or a new container holding them.
        held = state.held(inputs)
        state.items[site] = state.items.get(site, frozenset()) | held
        return held | frozenset({site})


def _params(fn) -> list[str]:
    args = fn.args
    names = [a.id for a in args.posonlyargs + args.args + args.kwonlyargs]
    names += [a.id for a in (args.vararg, args.kwarg) if a is not None]
    return names


def _loop_headers(fn):
    return [n for n in walk(fn) if isinstance(n, gast.For)]


def _names(target) -> list[str]:
    return [n.id for n in walk(target) if isinstance(n, gast.Name)]


def callee_name(value) -> str:
    func = value.func if isinstance(value, gast.Call) else None
    if isinstance(func, gast.Attribute):
        return func.attr
    if isinstance(func, gast.Name):
        return func.id
    return ""


# srcad's runtime helpers that make a new value; the others (``add``, ``unbroadcast``...)
# may hand back an argument.
_FRESH_HELPERS = {"loop_length", "copy_value", "copy_container", "zeros_like",
                  "container_zeros", "save_item"}


# Runtime helpers that may hand back an argument itself.
_PASSING_HELPERS = {"unbroadcast", "restored_item", "copy_value", "add_at", "broadcast_like"}


def _fresh_library_call(obj) -> bool:
    """A numpy, scipy or math function (not a view), or a fresh runtime helper."""
    module = getattr(obj, "__module__", None) or getattr(type(obj), "__module__", "") or ""
    if module.startswith("srcad"):
        return getattr(obj, "__name__", "") in _FRESH_HELPERS
    return module.startswith(("numpy", "scipy", "math")) or obj is len


def may_return_argument(obj, seen) -> bool:
    """Whether the user's function ``obj`` may hand back one of its arguments (or a view
    of one, or a container holding one).  False only when every returned value is visibly
    computed afresh: arithmetic, a call of a function that is not a view, or a name bound
    only to such values.  Anything else, or source that cannot be read, counts as maybe."""
    if not isinstance(obj, types.FunctionType) or obj in seen:
        return True
    seen.add(obj)
    try:
        fn = gast.parse(textwrap.dedent(inspect.getsource(obj))).body[0]
    except (OSError, TypeError, SyntaxError, IndexError):
        return True
    if not isinstance(fn, gast.FunctionDef):
        return True
    bound: dict = {}
    for node in walk(fn):
        if isinstance(node, gast.Assign):
            for target in node.targets:
                if isinstance(target, gast.Name):
                    bound.setdefault(target.id, []).append(node.value)
                else:  # a, b = ...; x[i] = ...: the names may hold anything
                    for name in _names(target):
                        bound.setdefault(name, []).append(None)
        elif isinstance(node, (gast.AugAssign, gast.For, gast.AnnAssign)):
            for name in _names(node.target):  # bound to values not followed here
                bound.setdefault(name, []).append(None)
        elif isinstance(node, gast.Call) and isinstance(node.func, gast.Attribute) \
                and isinstance(node.func.value, gast.Name):  # xs.append(p): xs holds p
            bound.setdefault(node.func.value.id, []).append(None)
        elif isinstance(node, (gast.With, gast.FunctionDef, gast.Lambda)) and node is not fn:
            return True

    def fresh(expr, depth=0) -> bool:
        if isinstance(expr, (gast.Tuple, gast.List)):
            return all(fresh(e, depth) for e in expr.elts)
        if isinstance(expr, (gast.BinOp, gast.UnaryOp, gast.Compare, gast.Constant)):
            return True
        if isinstance(expr, gast.Call):
            name = callee_name(expr)
            if name in VIEWS or name in ("list", "tuple", "dict", "min", "max", "getattr",
                                         "next"):
                return False
            if name == "copy":
                return True
            callee = obj.__globals__.get(name) if isinstance(expr.func, gast.Name) else None
            return not isinstance(callee, types.FunctionType) or \
                not may_return_argument(callee, seen)
        if isinstance(expr, gast.Name) and depth < 4:
            values = bound.get(expr.id)
            return bool(values) and all(v is not None and fresh(v, depth + 1) for v in values)
        return False

    returns = [n.value for n in walk(fn) if isinstance(n, gast.Return)]
    return not all(r is not None and fresh(r) for r in returns)
