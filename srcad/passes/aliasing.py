"""Aliasing checks for in-place updates, run before the reverse sweep.

srcad gives every name its own adjoint, so two names that share one array must not see an
in-place change differently than Python would.  Pre: ``job.ops``, ``job.kinds`` and
``job.augmented`` (desugar).  Post: unchanged; an unsafe ``x[i] = v`` or a helper updating
its argument raises ``UnsupportedError``; ``a += v`` where another name shares ``a`` gets a
run-time guard (returned).  Example: ``y = x[0:2]; y[0] = 5.0; return np.sum(x)`` is
refused, since ``y`` may be a view into ``x`` and ``x`` is read after the update.
"""

from __future__ import annotations

import re

import gast

from .. import grammar
from ..errors import UnsupportedError
from .activity import targets
from .optimize import loaded_names

_VIEWS = {"reshape", "transpose", "swapaxes", "moveaxis", "ravel", "squeeze", "expand_dims",
          "broadcast_to", "diagonal", "atleast_1d", "atleast_2d", "atleast_3d", "flip",
          "fliplr", "flipud", "real", "imag", "T", "rot90", "view", "asarray"}


def _read_after(fn, var, stmt, exclude=None) -> bool:
    """Whether ``var`` may be read after ``stmt`` runs (anywhere, if ``stmt`` is in a loop)."""
    order = {id(s): i for i, s in enumerate(grammar.simple_statements(fn.body))}
    loops = [{id(s) for s in grammar.simple_statements(loop.body)} for loop in gast.walk(fn)
             if isinstance(loop, (gast.For, gast.While))]
    for other in grammar.simple_statements(fn.body):
        if other is exclude or var not in loaded_names(other):
            continue
        if order[id(other)] > order[id(stmt)] or any(
                id(stmt) in body and id(other) in body for body in loops):
            return True
    return False


def check_setitem_aliasing(fn, job):
    """Refuse ``x[i] = v`` where ``x`` may share memory with another value that is read
    after the update, since srcad tracks the two separately: a silently wrong derivative
    would follow.  A helper may not update its parameters at all (its caller would not see
    the change the way Python shows it)."""
    from .resolve import is_setitem
    mutated = {}
    for s in grammar.simple_statements(fn.body):
        if is_setitem(s):
            mutated.setdefault(s.targets[0].value.id, s)
        elif isinstance(s, gast.Expr) and job.ops.get(s) is not None \
                and job.ops[s].kind == "append":
            mutated.setdefault(s.value.func.value.id, s)
    if not mutated:
        return
    if job.is_callee:
        params = set(grammar.params(fn)) & set(mutated)
        if params:
            var = sorted(params)[0]
            raise UnsupportedError(
                f"the helper `{job.name}` changes its argument `{var}` in place, which "
                f"srcad does not follow into the caller (in function `{job.name}`)",
                job.source.location(mutated[var]),
                hint=f"copy it first (`{var} = {var}.copy()`) and return the new value")
    for stmt in grammar.simple_statements(fn.body):
        op = job.ops.get(stmt)
        if op is None or is_setitem(stmt) or any(stmt is m for m in mutated.values()):
            continue
        stored = targets(stmt)
        reason = other = var = None
        if set(stored) & set(mutated) and isinstance(stmt, gast.Assign):
            var = sorted(set(stored) & set(mutated))[0]
            value = stmt.value
            rule_name = op.rule.name.rsplit(".", 1)[-1] if op.rule is not None else ""
            if op.kind == "copy":
                other = op.bindings["x"].id
                reason = f"it is another name for `{other}`"
            elif isinstance(value, (gast.Subscript, gast.Attribute)) or rule_name in _VIEWS:
                other = next((n.id for n in gast.walk(value) if isinstance(n, gast.Name)
                              and n.id in job.kinds), None)
                reason = "it may be a view into another array"
            elif op.kind == "user":
                reason = "it is the result of a function that may return one of its arguments"
        if reason is None and op.kind in ("copy", "container", "append"):
            sources = stmt.value.args if op.kind == "append" else [stmt.value]
            shared = {n.id for s in sources for n in gast.walk(s)
                      if isinstance(n, gast.Name)} & set(mutated)
            if shared:
                var = sorted(shared)[0]
                other = stored[0] if stored else None
                reason = f"`{var}` is also stored elsewhere (line {stmt.lineno})"
        if reason is None:
            continue
        if other is not None and not _read_after(fn, other, mutated[var], exclude=stmt):
            continue  # nobody looks at the other name once the update happened
        raise UnsupportedError(
            f"assigning into `{var}` is not supported here: {reason} (in function "
            f"`{job.name}`)", job.source.location(mutated[var]),
            hint=f"make a copy first, e.g. `{var} = {var}.copy()`, so that the update "
                 "changes one value only")


def check_augmented_aliasing(fn, job) -> dict:
    """``a += v`` updates an array in place, where srcad computes ``a = a + v``: when
    another name may share the array and is read afterwards, the two would differ.  Returns
    the statements to guard: at run time they raise if the value is an array."""
    from .resolve import is_setitem
    spots = {(line, col): var for line, col, var in job.augmented}
    updated, guards = {}, {}

    def version_of(name, var) -> bool:  # ``a`` or its single-assignment versions ``a_2``
        return name == var or re.fullmatch(rf"{re.escape(var)}_\d+", name) is not None
    def read_after(var, stmt) -> bool:
        return _read_after(fn, var, stmt)

    for stmt in grammar.simple_statements(fn.body):
        value = getattr(stmt, "value", None)
        var = spots.get((getattr(stmt, "lineno", None), getattr(stmt, "col_offset", None)))
        if var is not None and isinstance(value, gast.BinOp) \
                and isinstance(value.left, gast.Name) and not is_setitem(stmt) \
                and version_of(value.left.id, var) and targets(stmt) \
                and version_of(targets(stmt)[0], var) \
                and job.kinds.get(value.left.id) != "scalar":
            updated[value.left.id] = stmt
    if job.is_callee:
        for var in set(updated) & set(grammar.params(fn)):
            error = UnsupportedError(
                f"`+=` would change the argument `{var}` of the helper `{job.name}` in place, "
                f"which srcad does not follow into the caller (in function `{job.name}`)",
                job.source.location(updated[var]),
                hint=f"write `{var} = {var} + ...` to make a new array")
            guards[updated[var]] = (var, str(error))
    if not updated:
        return guards
    for stmt in grammar.simple_statements(fn.body):
        op = job.ops.get(stmt)
        if op is None:
            continue
        stored = targets(stmt)
        shares = None
        if op.kind == "copy" and (op.bindings["x"].id in updated or set(stored) & set(updated)):
            shares = (op.bindings["x"].id, stored[0])
        elif set(stored) & set(updated) and isinstance(stmt.value, (gast.Subscript,
                                                                   gast.Attribute)):
            shares = (stored[0], stmt.value.value.id)
        elif op.kind in ("container", "append"):
            sources = stmt.value.args if op.kind == "append" else [stmt.value]
            used = {n.id for s in sources for n in gast.walk(s) if isinstance(n, gast.Name)}
            if used & set(updated):
                shares = (sorted(used & set(updated))[0], "a list, tuple or dict")
        if shares:
            var = shares[0] if shares[0] in updated else shares[1]
            other = shares[1] if var == shares[0] else shares[0]
            if other in job.kinds and not read_after(other, updated[var]):
                continue  # the in-place change would not be seen: rebinding is the same
            error = UnsupportedError(
                f"`+=` would change the array `{var}` in place, and `{other}` shares it "
                f"(in function `{job.name}`)", job.source.location(updated[var]),
                hint=f"write `{var} = {var} + ...` to make a new array, or copy first: "
                     f"`{var} = {var}.copy()`")
            # Numbers are rebound by ``+=`` as srcad computes it; only an array is a
            # problem, and whether ``var`` holds one is known when the code runs.
            guards[updated[var]] = (var, str(error))
    return guards
