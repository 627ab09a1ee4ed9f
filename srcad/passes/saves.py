"""Drop the saves whose restored value nothing reads.

The reverse sweep saves a value before the primal sweep overwrites it
(``stack.append(v)``) and restores it at the matching point of the adjoint sweep
(``v = stack.pop()``).  Which values to save is decided before the adjoint code is
cleaned up, so some restores end up feeding nothing: dead code elimination keeps them,
because a pop that goes would leave the stack misaligned.  This pass removes them in
pairs: when *every* restore of ``v`` is dead, every push of ``v`` and every restore of ``v``
go together.  The pushes and restores of one name match each other one to one (each save
site has its restore site, run as many times), so the stack stays aligned::

    for i in range(n):                          for i in range(n):
        stack.append(t)                             t = x[i] * w
        t = x[i] * w                                s = s + t
        s = s + t                      ->       ...
    ...                                         for i in reversed(range(n)):
    for i in reversed(range(n)):                    bw = bw + bs * x[i]
        bw = bw + bs * x[i]
        t = stack.pop()

Only the function's own stack is touched (``job.stack_name``): in a derivative of a
derivative, the inner derivative's stack is an ordinary list of the code being
differentiated.
"""

from __future__ import annotations

import gast

from ..grammar import walk
from .optimize import _Liveness, dce

_COMPOUND = (gast.If, gast.For, gast.While)


def run(body: list, stack: str | None, impure=frozenset()) -> list:
    if stack is None:
        return body
    uses: dict = {}  # shared by the sweeps: they only remove statements
    while True:
        live_after: dict[str, bool] = {}
        body = _Recorder(impure, stack, live_after, uses).sweep(body, set(), None)
        dead = {var for var, live in live_after.items() if not live}
        if not dead:
            return body
        body = dce(without_saves(body, stack, dead), impure, uses)


def restored_name(stmt, stack: str) -> str | None:
    """``v`` for ``v = stack.pop()``."""
    if (isinstance(stmt, gast.Assign) and len(stmt.targets) == 1
            and isinstance(stmt.targets[0], gast.Name) and _is_call(stmt.value, stack, "pop")
            and not stmt.value.args):
        return stmt.targets[0].id
    return None


def pushed_name(stmt, stack: str) -> str | None:
    """``v`` for ``stack.append(v)``."""
    if (isinstance(stmt, gast.Expr) and _is_call(stmt.value, stack, "append")
            and len(stmt.value.args) == 1 and isinstance(stmt.value.args[0], gast.Name)):
        return stmt.value.args[0].id
    return None


def _is_call(node, owner: str, method: str) -> bool:
    return (isinstance(node, gast.Call) and isinstance(node.func, gast.Attribute)
            and node.func.attr == method and isinstance(node.func.value, gast.Name)
            and node.func.value.id == owner)


class _Recorder(_Liveness):
    """Liveness that records, for each restored name, whether any restore is live."""

    def __init__(self, impure, stack, live_after, uses=None):
        super().__init__(impure, uses)
        self.stack, self.live_after = stack, live_after

    def removable(self, stmt, live) -> bool:
        var = restored_name(stmt, self.stack)
        if var is not None:
            self.live_after[var] = self.live_after.get(var, False) or var in live
            return False
        return super().removable(stmt, live)


def without_saves(stmts: list, stack: str, dead: set) -> list:
    """``stmts`` without the saves and restores of the names in ``dead``."""
    out = []
    for stmt in stmts:
        if restored_name(stmt, stack) in dead or pushed_name(stmt, stack) in dead:
            continue
        if isinstance(stmt, _COMPOUND):
            stmt.body = without_saves(stmt.body, stack, dead)
            stmt.orelse = without_saves(stmt.orelse, stack, dead)
        out.append(stmt)
    return out


def without_unused_stack(body: list, stack: str) -> list:
    """``body`` without ``stack = []`` when no save is left to use the stack."""
    used = any(isinstance(n, gast.Name) and n.id == stack and isinstance(n.ctx, gast.Load)
               for stmt in body for n in walk(stmt))
    if used:
        return body
    return [s for s in body if not (isinstance(s, gast.Assign) and len(s.targets) == 1
                                    and isinstance(s.targets[0], gast.Name)
                                    and s.targets[0].id == stack)]
