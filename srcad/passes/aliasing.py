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
from ..grammar import walk
from .activity import targets
from .sharing import VIEWS, Sharing, callee_name

def check_setitem_aliasing(fn, job, direct_only=False) -> dict:
    """Refuse an update in place (``x[i] = v``, ``xs.append(v)``, ``xs.pop()``) when
    another name that may share the value, or hold it, is read after the update: srcad
    tracks the two separately, and a silently wrong derivative would follow.  A helper may
    not update its parameters at all (its caller would not see the change the way Python
    shows it).  ``direct_only`` (forward mode) lets containers holding the value be read:
    their tangents hold the very tangent the update changes."""
    from .resolve import is_setitem
    updates = {}
    for s in grammar.simple_statements(fn.body):
        op = job.ops.get(s)
        if is_setitem(s):
            updates[s] = s.targets[0].value.id
        elif op is not None and op.kind in ("append", "pop"):
            updates[s] = s.value.func.value.id
    if not updates:
        return {}
    if job.is_callee:
        params = set(grammar.params(fn)) & set(updates.values())
        if params:
            var = sorted(params)[0]
            first = next(s for s, name in updates.items() if name == var)
            raise UnsupportedError(
                f"the helper `{job.name}` changes its argument `{var}` in place, which "
                f"srcad does not follow into the caller (in function `{job.name}`)",
                job.source.location(first),
                hint=f"copy it first (`{var} = {var}.copy()`) and return the new value")
    if (job.source.filename or "").startswith("<srcad "):
        # srcad's own first-order code, differentiated again: its updates (tape saves and
        # restores, adjoint lists) were checked as the user's program at first order.
        return {}
    numbers = Sharing(fn, job, updates, direct_only, elements_as_numbers=True)
    found = numbers.first_stale_read()
    if found is None:
        if not numbers.element_reads:
            return {}
        found = Sharing(fn, job, updates, direct_only).first_stale_read()
        if found is None:
            return {}
        update, _, _ = found
        return _element_guards(job, numbers.element_reads,
                               f"the later update of `{updates[update]}` "
                               f"({job.source.location(update)})")
    update, other, read = found
    var = updates[update]
    view = "it may be a view into another array; " if _bound_to_view(fn, var) else ""
    line = f", line {read.lineno}" if getattr(read, "lineno", None) else ""
    raise UnsupportedError(
        f"assigning into `{var}` is not supported here: {view}"
        f"{_sharer(job, other, 'may share its memory, or hold it,')} and is read after the "
        f"update{line} (in function "
        f"`{job.name}`)", job.source.location(update),
        hint=f"make a copy first, e.g. `{var} = {var}.copy()`, so that the update "
             "changes one value only")


def _element_guards(job, element_reads, update) -> dict:
    """Run-time checks for the reads ``r = z[i]`` the analysis took for numbers (right if
    each is one): each raises unless ``z[i]`` is a number when it runs."""
    return {stmt: ("ensure_element", (base, stmt.value.slice), (
        f"{job.source.location(stmt)}: `{base}[...]` is not a number here but a row of an "
        f"array or an item of a list, which sees {update}: srcad does not follow that; "
        f"copy the row (`{base}[...].copy()`)")) for stmt, base in element_reads.items()}


def _bound_to_view(fn, var) -> bool:
    return any(isinstance(s, gast.Assign) and var in targets(s) and (
        isinstance(s.value, (gast.Subscript, gast.Attribute))
        or (isinstance(s.value, gast.Call) and callee_name(s.value) in VIEWS))
        for s in grammar.simple_statements(fn.body))


def check_inplace_augmented(fn, job) -> dict:
    """``a += v`` and ``xs[k] += v`` change an array in place (Python calls ``__iadd__``),
    where srcad computes a new array and rebinds the name or the slot.  The two agree unless
    another name, or a container, that may share the array is read afterwards: then the
    statement gets a run-time guard that raises if the value is an array (a number is
    rebound either way).  ``xs[k] += v`` on an array that the same container also holds in
    another slot (``xs = [z, z]``) is caught at run time too."""
    from .resolve import is_setitem
    names = {(line, col): var for line, col, var in job.augmented}
    items = {(line, col): var for line, col, var in job.augmented_items}
    stmts = list(grammar.simple_statements(fn.body))
    found = {}  # update statement -> (changed name, container or None, name to show)
    for i, stmt in enumerate(stmts):
        spot = (getattr(stmt, "lineno", None), getattr(stmt, "col_offset", None))
        value = getattr(stmt, "value", None)
        if spot in names and isinstance(stmt, gast.Assign) and not is_setitem(stmt) \
                and _version_of(targets(stmt)[0], names[spot]):
            # ``z = z + v``, or ``t = z + v; z = t``
            update = stmt if isinstance(value, gast.BinOp) else _defining_binop(
                stmts[:i], value)
            if update is None or not isinstance(update.value.left, gast.Name) \
                    or not _version_of(update.value.left.id, names[spot]):
                continue
            changed, container, shown = update.value.left.id, None, names[spot]
        elif spot in items and is_setitem(stmt) \
                and stmt.targets[0].value.id == items[spot] \
                and job.kinds.get(items[spot]) not in ("array", "scalar"):
            container = items[spot]
            update = _defining_binop(stmts[:i], stmt.value)
            if update is None:
                raise UnsupportedError(
                    f"srcad cannot follow `{container}[...] += ...` here (in function "
                    f"`{job.name}`)", job.source.location(stmt),
                    hint=f"write `{container}[...] = {container}[...] + ...`")
            changed, shown = update.value.left.id, f"{container}[...]"
        else:
            continue
        if job.kinds.get(changed) != "scalar":
            found[update] = (changed, container, shown)
    guards = {}
    if job.is_callee:  # the caller would not see the change
        params = set(grammar.params(fn))
        for update, (changed, container, _) in list(found.items()):
            if container is None and changed in params:
                op = _symbol(update)
                error = UnsupportedError(
                    f"`{op}=` would change the argument `{changed}` of the helper "
                    f"`{job.name}` in place, which srcad does not follow into the caller "
                    f"(in function `{job.name}`)", job.source.location(update),
                    hint=f"write `{changed} = {changed} {op} ...` to make a new array")
                guards[update] = ("ensure_rebindable", changed, str(error))
                del found[update]
    if (job.source.filename or "").startswith("<srcad "):
        return guards  # srcad's own code, differentiated again: checked at first order
    left = dict(found)
    while left:  # one run finds the first stale read; guard its update and look again
        inplace = {u: (changed, container) for u, (changed, container, _) in left.items()}
        numbers = Sharing(fn, job, {}, elements_as_numbers=True, inplace=inplace)
        stale = numbers.first_stale_read()
        if stale is None:
            if numbers.element_reads and Sharing(
                    fn, job, {}, inplace=inplace).first_stale_read() is not None:
                guards.update(_element_guards(job, numbers.element_reads,
                                              "a later `+=` on it"))
            break
        update, other, read = stale
        changed, _, shown = left.pop(update)
        line = f", line {read.lineno}" if getattr(read, "lineno", None) else ""
        op = _symbol(update)
        error = UnsupportedError(
            f"`{op}=` would change the array `{shown}` in place, and "
            f"{_sharer(job, other, 'may share it')} and is read after the update{line} "
            f"(in function `{job.name}`)", job.source.location(update),
            hint=f"write `{shown} = {shown} {op} ...` to make a new array, or copy the "
                 "array before it is shared")
        guards[update] = ("ensure_rebindable", changed, str(error))
    for update, (changed, container, shown) in left.items():
        if container is not None:
            op = _symbol(update)
            error = UnsupportedError(
                f"`{op}=` would change the array `{shown}` in place, and `{container}` holds "
                f"it in another slot too (in function `{job.name}`)",
                job.source.location(update),
                hint=f"write `{shown} = {shown} {op} ...` to make a new array")
            guards[update] = ("ensure_own_item", (changed, container), str(error))
    return guards


def _version_of(name, var) -> bool:
    """``a`` or one of its single-assignment versions ``a_2``."""
    return name == var or re.fullmatch(rf"{re.escape(var)}_\d+", name) is not None


def _symbol(update) -> str:
    """``+`` for the statement ``t = a + v`` that ``a += v`` became."""
    import ast
    return ast.unparse(ast.BinOp(left=ast.Name("a"), op=getattr(ast, type(
        update.value.op).__name__)(), right=ast.Name("b")))[2:-2]


def _defining_binop(before, value):
    """The statement ``t = a + v`` (the last one before) that binds the name ``value``."""
    if not isinstance(value, gast.Name):
        return None
    for stmt in reversed(before):
        if isinstance(stmt, gast.Assign) and targets(stmt) == [value.id]:
            ok = isinstance(stmt.value, gast.BinOp) and isinstance(stmt.value.left, gast.Name)
            return stmt if ok else None
    return None


def _sharer(job, var, verb) -> str:
    """```var`` <verb>` if the user wrote that name, else words for srcad's temporary."""
    if var in {n.id for n in walk(job.source.tree) if isinstance(n, gast.Name)}:
        return f"`{var}` {verb}"
    if job.kinds.get(var) in ("array", "scalar"):
        return "an array made from it may share its memory"
    return "a list, tuple or dict may hold it"
