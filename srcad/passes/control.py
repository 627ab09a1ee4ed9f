"""Lower early exits so that every jump ends its block and the function has one exit.

Pre: the fenced function.  Post:

* ``continue`` is gone; ``break`` only ends a branch of an ``if`` inside a loop, and no
  statement follows an ``if`` that may break (the rest of the block moved into the branch
  that falls through);
* ``return`` appears once, as the last statement of the function; a ``return`` inside a
  loop sets ``result`` and a ``returning`` flag and breaks out.

Example::

    for i in range(n):             for i in range(n):
        if x > 10.0:                   if x > 10.0:
            break             ->           break
        x = x * 2.0                    else:
    return x                               x = x * 2.0
                                   return x
"""

from __future__ import annotations

import gast

from .. import grammar
from ..grammar import copy_tree, walk
from ..errors import UnsupportedError

_JUMPS = (gast.Break, gast.Continue, gast.Return)
_MAX_NODES = 20000


def run(fn: gast.FunctionDef, job) -> gast.FunctionDef:
    lowering = _Lowering(job)
    body = lowering.block(fn.body, in_loop=False)
    body = _drop_continues(body)
    if _has(body, gast.Return, into_loops=True) and not _single_tail_return(body):
        result = lowering.result or job.namer.fresh("result")
        body = _returns_to_assignments(body, result)
        if lowering.returning:
            body.insert(0, grammar.assign(lowering.returning, grammar.const(False), fn))
        body.append(gast.copy_location(gast.Return(value=grammar.name(result)), fn))
    elif lowering.returning:
        body.insert(0, grammar.assign(lowering.returning, grammar.const(False), fn))
    fn.body = body
    if sum(1 for _ in walk(fn)) > _MAX_NODES:
        raise UnsupportedError(
            f"function `{job.name}` has too many early exits to restructure",
            job.source.location(fn), hint="split it into smaller functions")
    return fn


def _single_tail_return(body) -> bool:
    returns = [n for s in body for n in walk(s) if isinstance(n, gast.Return)]
    return len(returns) == 1 and body and body[-1] is returns[0]


def _has(stmts, kinds, into_loops) -> bool:
    """Whether ``stmts`` contain a statement of ``kinds`` (not looking into nested loops
    unless ``into_loops``)."""
    for stmt in stmts:
        if isinstance(stmt, kinds):
            return True
        if isinstance(stmt, gast.If):
            if _has(stmt.body, kinds, into_loops) or _has(stmt.orelse, kinds, into_loops):
                return True
        elif isinstance(stmt, (gast.For, gast.While)) and into_loops:
            if _has(stmt.body, kinds, into_loops):
                return True
    return False


def falls_through(stmts) -> bool:
    """Whether control can reach the end of ``stmts``."""
    if not stmts:
        return True
    last = stmts[-1]
    if isinstance(last, _JUMPS):
        return False
    if isinstance(last, gast.If):
        return falls_through(last.body) or falls_through(last.orelse)
    return True


def _may_jump(stmt) -> bool:
    if isinstance(stmt, gast.If):
        return _has(stmt.body, _JUMPS, False) or _has(stmt.orelse, _JUMPS, False)
    return False


class _Lowering:
    def __init__(self, job):
        self.job = job
        self.returning = None  # flag name once a return inside a loop is seen
        self.result = None

    def block(self, stmts, in_loop) -> list:
        out = []
        for i, stmt in enumerate(stmts):
            if isinstance(stmt, (gast.Break, gast.Continue, gast.Return)):
                if isinstance(stmt, gast.Return) and in_loop:
                    out.extend(self._loop_return(stmt))
                else:
                    out.append(stmt)
                return out
            if isinstance(stmt, gast.If):
                stmt.body = self.block(stmt.body, in_loop)
                stmt.orelse = self.block(stmt.orelse, in_loop)
                rest = stmts[i + 1:]
                if rest and (not falls_through(stmt.body) or not falls_through(stmt.orelse)
                             or _may_jump(stmt)):
                    self._push_rest(stmt, rest, in_loop)
                    out.append(stmt)
                    return out
                out.append(stmt)
                continue
            if isinstance(stmt, (gast.For, gast.While)):
                stmt.body = self.block(stmt.body, in_loop=True)
                out.append(stmt)
                if _has(stmt.body, gast.Break, into_loops=True) and self.returning and \
                        _sets(stmt.body, self.returning):
                    exit_ = [gast.Break()] if in_loop else [gast.Return(
                        value=grammar.name(self._result()))]
                    check = gast.If(test=grammar.name(self.returning), body=exit_, orelse=[])
                    gast.copy_location(check, stmt)
                    for node in exit_:
                        gast.copy_location(node, stmt)
                    return out + self.block([check] + stmts[i + 1:], in_loop)
                continue
            out.append(stmt)
        return out

    def _push_rest(self, stmt, rest, in_loop):
        for branch in ("body", "orelse"):
            block = getattr(stmt, branch)
            if falls_through(block):
                if block and isinstance(block[-1], gast.If) and _may_jump(block[-1]):
                    self._push_rest(block[-1], rest, in_loop)
                else:
                    setattr(stmt, branch, self.block(block + copy_tree(rest), in_loop))

    def _result(self):
        if self.result is None:
            self.result = self.job.namer.fresh("result")
        return self.result

    def _loop_return(self, stmt):
        if self.returning is None:
            self.returning = self.job.namer.fresh("returning")
        value = stmt.value if stmt.value is not None else grammar.const(None)
        return [grammar.assign(self._result(), value, stmt),
                grammar.assign(self.returning, grammar.const(True), stmt),
                gast.copy_location(gast.Break(), stmt)]


def _drop_continues(stmts):
    """Remove ``continue``: after lowering each one ends the last block of its iteration."""
    out = []
    for stmt in stmts:
        if isinstance(stmt, gast.Continue):
            continue
        if isinstance(stmt, (gast.If, gast.For, gast.While)):
            stmt.body = _drop_continues(stmt.body)
            stmt.orelse = _drop_continues(stmt.orelse)
        out.append(stmt)
    return out


def _sets(stmts, flag) -> bool:
    return any(isinstance(n, gast.Name) and n.id == flag and isinstance(n.ctx, gast.Store)
               for s in stmts for n in walk(s))


def _returns_to_assignments(stmts, result):
    out = []
    for stmt in stmts:
        if isinstance(stmt, gast.Return):
            value = stmt.value if stmt.value is not None else grammar.const(None)
            if not (isinstance(value, gast.Name) and value.id == result):
                out.append(grammar.assign(result, value, stmt))
            continue
        if isinstance(stmt, gast.If):
            stmt.body = _returns_to_assignments(stmt.body, result)
            stmt.orelse = _returns_to_assignments(stmt.orelse, result)
        out.append(stmt)
    return out
