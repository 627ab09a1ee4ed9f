"""Reverse mode: a primal sweep, then an adjoint sweep that replays it backwards.

Pre: ANF after ``ssa``, with ``job.ops`` (resolve) and ``job.active`` (activity).  Post: a
function ``vjp_<name>(<params>, by=1.0)`` returning ``(result, gradients)``.

How the adjoint sees the primal values: the adjoint of a statement runs in the state the
primal had right after that statement.  A statement that *overwrites* a name the adjoint
reads (inside a loop, or a second assignment) first pushes the old value on ``stack``; the
adjoint pops it back after processing the statement, and resets the adjoint of the name
to zero, since the old value's adjoint starts fresh.  Branch conditions are ordinary names,
restored the same way; loops count their trips (``trips``) and the adjoint runs that many
iterations; a loop over ``range`` with no ``break`` runs backwards over
``reversed(range(...))`` instead.  Names assigned once (most of straight-line code, thanks
to ``ssa``) are never pushed.  Example, for ``y = x * w`` with ``wrt=x``::

    def vjp_f(x, w, by=1.0):
        y = x * w
        bx = unbroadcast(by * w, x)
        return y, bx

Accumulation: the first contribution to an adjoint assigns it; later ones rebind it
(``bx = bx + ...``), never update in place, so aliased buffers are never corrupted.
Adjoints that a branch or loop may accumulate into are set to zero before it.
"""

from __future__ import annotations


import gast

from .. import comments, grammar
from ..grammar import assign, copy_tree, name, walk
from . import aliasing
from .activity import targets
from .adjoints import (_HELPER_NAMES, Adjoints, _call, _is_append, _method, _popped_list, _Save,
                       _SaveItem, checked_result)
from .optimize import _Liveness, loaded_names

_COMPOUND = (gast.If, gast.For, gast.While)


class _Everything:
    """Counts every statement as kept: liveness that reads the code as it is."""

    def __contains__(self, item) -> bool:
        return True


_EVERY_STATEMENT = _Everything()


def run(fn: gast.FunctionDef, job) -> gast.FunctionDef:
    ret = checked_result(fn, job)
    _HELPER_NAMES.clear()
    _HELPER_NAMES.update(job.template_globals)
    job.guards = {**aliasing.check_setitem_aliasing(fn, job),
                  **aliasing.check_inplace_augmented(fn, job)}
    sweep = _Reverse(job, fn)
    result_name = ret.value.id
    seed = job.namer.adjoint(result_name)
    sweep.defined.add(seed)
    primal = sweep.primal_block(fn.body[:-1], in_loop=False, loop=None)
    adjoint = sweep.adjoint_block(fn.body[:-1], in_loop=False)
    grads = []
    for p in job.wrt_names:
        bp = job.namer.adjoint(p)
        if bp not in sweep.defined:
            adjoint.append(assign(bp, _call("zeros_like", name(p)), fn))
            sweep.defined.add(bp)
        grads.append(name(bp))
    sweep.prune_saves(adjoint)
    primal, adjoint = sweep.apply_saves(primal), sweep.apply_saves(adjoint)
    prologue = sweep.prologue(fn)
    job.stack_name = sweep.stack  # for the clean-up of saves nothing reads (saves.py)
    value = result_name
    if result_name in sweep.pushed or result_name in sweep.items_saved:
        value = job.namer.fresh(f"{result_name}_value")
        snapshot = name(result_name)
        if result_name in sweep.items_saved:
            snapshot = _call("copy_value", snapshot)
        primal.append(assign(value, snapshot, ret))
    grad_expr = grads[0] if job.single_wrt else gast.Tuple(elts=grads, ctx=gast.Load())
    result = gast.Return(value=gast.Tuple(elts=[name(value), grad_expr], ctx=gast.Load()))
    fn.body = prologue + primal + [comments.blank()] + adjoint + [result]
    _add_seed_parameter(fn, seed)
    job.seed_name = seed
    fn.name = job.namer.fresh(f"vjp_{job.source.tree.name}")
    return fn


def _add_seed_parameter(fn, seed):
    args = fn.args
    param = gast.Name(id=seed, ctx=gast.Param(), annotation=None, type_comment=None)
    if args.kwonlyargs:
        args.kwonlyargs.append(param)
        args.kw_defaults.append(grammar.const(1.0))
    else:
        args.args.append(param)
        args.defaults.append(grammar.const(1.0))


class _Reverse(Adjoints):
    def __init__(self, job, fn):
        self.job = job
        self.fn = fn
        self.params = set(grammar.params(fn))
        self.defined: set[str] = set()
        self.stack = None
        self.saved: set[str] = set()  # names whose pushes survive pruning
        self.pushed: set[str] = set()  # names actually pushed somewhere
        self.items_saved: set[str] = set()  # names whose items are saved before updates
        self.loops: dict = {}  # loop node -> (counter name or None, target pushed per trip)
        self.maybe_defined = set(self.params)
        self.nested = {n.id for s in fn.body if isinstance(s, _COMPOUND) for n in walk(s)
                       if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store)}
        self.zero_inits: set[str] = set()
        self.rewinds: dict = {}  # assignment -> names it overwrites (saved before it runs)
        self.locals_stack: list[set] = []  # iteration-local names of the enclosing loops
        self.first_nested = _first_assigned_in_compound(fn.body)
        self.loaded_outside: dict = {}
        self.target_saved: set = set()  # loops whose target had a value before the loop

    # -- saving and restoring overwritten values ------------------------------------------
    def save(self, var, origin):
        return _Save(var, True, origin)

    def restore(self, var, origin):
        return _Save(var, False, origin)

    def prune_saves(self, adjoint):
        """Keep the saves of names the adjoint code reads."""
        reads = set()
        for stmt in adjoint:
            if not isinstance(stmt, (_Save, _SaveItem)):
                reads |= loaded_names(stmt)
        self.saved = reads

    def apply_saves(self, stmts):
        out = []
        for stmt in stmts:
            if isinstance(stmt, _SaveItem):
                if stmt.var not in self.saved:
                    continue
                if self.stack is None:
                    self.stack = self.job.namer.fresh("stack")
                if stmt.push:
                    saved = _call("save_item", name(stmt.var), copy_tree(stmt.index))
                    node = gast.Expr(value=_method(self.stack, "append", saved))
                    self.items_saved.add(stmt.var)
                else:
                    node = gast.Expr(value=_call("restore_item", name(stmt.var),
                                                 copy_tree(stmt.index),
                                                 _method(self.stack, "pop")))
                out.append(gast.copy_location(node, stmt.origin))
                continue
            if isinstance(stmt, _Save):
                if stmt.var not in self.saved:
                    continue
                if self.stack is None:
                    self.stack = self.job.namer.fresh("stack")
                if stmt.push:
                    self.pushed.add(stmt.var)
                    node = gast.Expr(value=_method(self.stack, "append", name(stmt.var)))
                else:
                    node = assign(stmt.var, _method(self.stack, "pop"))
                out.append(gast.copy_location(node, stmt.origin))
                continue
            if isinstance(stmt, _COMPOUND):
                stmt.body = self.apply_saves(stmt.body)
                stmt.orelse = self.apply_saves(stmt.orelse)
            out.append(stmt)
        return out

    def prologue(self, fn):
        out = []
        if self.stack is not None:
            out.append(assign(self.stack, gast.List(elts=[], ctx=gast.Load()), fn))
        need = (self.pushed | self.zero_inits) & self.first_nested
        for var in sorted(need - self.params):
            out.append(assign(var, grammar.const(None), fn))
        return out

    # -- primal sweep -------------------------------------------------------------------
    def primal_block(self, stmts, in_loop, loop):
        out = []
        last_line = None
        for stmt in stmts:
            line = getattr(stmt, "lineno", None)
            if line is not None and line != last_line and not isinstance(stmt, gast.Break):
                out.append(comments.primal_marker(stmt, self.job))
                last_line = line
            out.extend(self.primal(stmt, in_loop, loop))
        return out

    def primal(self, stmt, in_loop, loop):
        guard = self.job.guards.get(stmt)
        if guard is not None:
            helper, var, message = guard
            names = [name(v) if isinstance(v, str) else copy_tree(v)
                     for v in (var if isinstance(var, tuple) else (var,))]
            check = gast.Expr(value=_call(helper, *names, grammar.const(message)))
            return [gast.copy_location(check, stmt)] + self._primal(stmt, in_loop, loop)
        return self._primal(stmt, in_loop, loop)

    def _primal(self, stmt, in_loop, loop):
        op = self.job.ops.get(stmt)
        if op is not None and op.kind == "setitem":
            var = op.bindings["x"].id
            return [_SaveItem(var, op.bindings["idx"], True, stmt), stmt]
        if isinstance(stmt, gast.Assign):
            out = []
            for var in targets(stmt):
                if in_loop or var in self.maybe_defined:
                    out.append(self.save(var, stmt))
                    self.rewinds.setdefault(stmt, set()).add(var)
            self.maybe_defined.update(targets(stmt))
            return out + [stmt]
        if isinstance(stmt, gast.If):
            before = set(self.maybe_defined)
            body = self.primal_block(stmt.body, in_loop, loop)
            after_body = self.maybe_defined
            self.maybe_defined = set(before)
            orelse = self.primal_block(stmt.orelse, in_loop, loop)
            self.maybe_defined |= after_body
            new = gast.If(test=stmt.test, body=body, orelse=orelse)
            return [gast.copy_location(new, stmt)]
        if isinstance(stmt, gast.Break):
            counter, target = self.loops[loop]
            out = [self.save(target, stmt)] if target else []
            return out + [stmt]
        if isinstance(stmt, (gast.For, gast.While)):
            return self.primal_loop(stmt, in_loop)
        return [stmt]

    def _backwards_range(self, stmt) -> bool:
        """A ``for`` over ``range`` whose adjoint can run over ``reversed(range(...))``."""
        if not isinstance(stmt, gast.For) or grammar.dotted(stmt.iter.func) != ["range"]:
            return False
        inner = [n for s in stmt.body for n in walk(s)]
        if any(isinstance(n, gast.Break) for n in inner):
            return False
        stored = {n.id for n in inner if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store)}
        used = {n.id for a in stmt.iter.args for n in walk(a) if isinstance(n, gast.Name)}
        return not (stored & (used | {stmt.target.id}))

    def primal_loop(self, stmt, in_loop):
        out = []
        target = stmt.target.id if isinstance(stmt, gast.For) else None
        if target is not None and (target in self.maybe_defined or in_loop):
            out.append(self.save(target, stmt))
            self.target_saved.add(stmt)
        if self._backwards_range(stmt):
            self.loops[stmt] = (None, None)
            self.maybe_defined.add(target)
            body = self.primal_block(stmt.body, True, stmt)
            new = gast.For(target=stmt.target, iter=stmt.iter, body=body, orelse=[],
                           type_comment=None)
            return out + [gast.copy_location(new, stmt)]
        counter = self.job.namer.fresh("trips")
        self.loops[stmt] = (counter, target)
        if target is not None:
            self.maybe_defined.add(target)
        count = assign(counter, gast.BinOp(left=name(counter), op=gast.Add(),
                                           right=grammar.const(1)), stmt)
        body = [count] + self.primal_block(stmt.body, True, stmt)
        if target is not None:
            body.append(self.save(target, stmt))
        if isinstance(stmt, gast.For):
            new = gast.For(target=stmt.target, iter=stmt.iter, body=body, orelse=[],
                           type_comment=None)
        else:
            new = gast.While(test=stmt.test, body=body, orelse=[])
        out += [assign(counter, grammar.const(0), stmt), gast.copy_location(new, stmt)]
        if in_loop:
            out.append(self.save(counter, stmt))
        return out

    # -- adjoint sweep --------------------------------------------------------------------
    def adjoint_block(self, stmts, in_loop) -> list:
        out = []
        for stmt in reversed(stmts):
            out.extend(self.adjoint(stmt, in_loop))
        return out

    def adjoint(self, stmt, in_loop) -> list:
        job = self.job
        op = job.ops.get(stmt)
        if op is not None and op.kind == "setitem":
            return self.setitem_adjoint(stmt, op)
        if op is not None and op.kind == "pop" and _popped_list(stmt) in job.active:
            return self.pop_adjoint(stmt)
        if isinstance(stmt, gast.Assign):
            out = []
            stored = targets(stmt)
            if set(stored) & job.active:
                body = self.assign_adjoint(stmt)
                if body:
                    out.append(comments.adjoint_marker(stmt, job))
                    out.extend(body)
            for var in stored:
                out.extend(self.rewind(stmt, var))
            return out
        if _is_append(stmt):
            body = self.append_adjoint(stmt)
            return [comments.adjoint_marker(stmt, job)] + body if body else []
        if isinstance(stmt, gast.If):
            inits = self.zero_init(stmt, loop=False)
            saved = set(self.defined)
            body = self.adjoint_block(stmt.body, in_loop)
            after_body = self.defined
            self.defined = set(saved)
            orelse = self.adjoint_block(stmt.orelse, in_loop)
            # An adjoint first assigned in a branch is zero on the path that skips it: set
            # it to zero before the branch, so that later code may read and add to it.
            for bvar in sorted((after_body | self.defined) - saved):
                var = self.primal_of.get(bvar)
                if var is not None:
                    inits.append(assign(bvar, _call("zeros_like", name(var)), stmt))
                    self.zero_inits.add(var)
                    saved.add(bvar)
            self.defined = saved
            if not body and not orelse:
                return inits
            if not [s for s in body if not isinstance(s, (_Save, _SaveItem))
                    and not comments.is_marker(s)] and not any(
                        isinstance(s, (_Save, _SaveItem)) for s in body):
                new = gast.If(test=gast.UnaryOp(op=gast.Not(), operand=copy_tree(stmt.test)),
                              body=orelse, orelse=[])
            else:
                new = gast.If(test=stmt.test, body=body, orelse=orelse)
            return inits + [comments.adjoint_marker(stmt, job), gast.copy_location(new, stmt)]
        if isinstance(stmt, (gast.For, gast.While)):
            return self.adjoint_loop(stmt, in_loop)
        return []

    def rewind(self, stmt, var) -> list:
        """After the adjoint of ``stmt``, which overwrote ``var``: ``var`` gets its old
        value back, and the old value's adjoint starts from zero."""
        if not self._overwrites(stmt, var):
            return []
        out = [self.restore(var, stmt)]
        if var in self.job.active and not self._iteration_local(var):
            bvar = self.job.namer.adjoint(var)
            out.append(assign(bvar, _call("zeros_like", name(var)), stmt))
            self.defined.add(bvar)
        return out

    def _iteration_local(self, var) -> bool:
        return bool(self.locals_stack) and var in self.locals_stack[-1]

    def iteration_locals(self, loop) -> set[str]:
        """Names assigned once per iteration of ``loop``, before any use in it, and not
        used outside it: their adjoints start from nothing in every adjoint iteration."""
        counts: dict = {}
        for inner in grammar.simple_statements(loop.body):
            for var in targets(inner):
                counts[var] = counts.get(var, 0) + 1
        nested_loop_targets = {n.id for s in walk(loop) if isinstance(s, _COMPOUND)
                               and s is not loop for n in walk(s)
                               if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store)
                               and isinstance(s, (gast.For, gast.While))}
        exposed = _Liveness(_EVERY_STATEMENT).block(loop.body, set(), set())
        outside = self.used_outside_of(loop)
        return {v for v, c in counts.items() if c == 1} - exposed - outside \
            - nested_loop_targets - {getattr(getattr(loop, "target", None), "id", None)}

    def used_outside_of(self, loop) -> set[str]:
        """Names read or assigned outside ``loop``: the adjoint of an assignment outside
        reads the name's adjoint too, so it must not keep the loop's last value."""
        inside = {id(n) for n in walk(loop)}
        return {n.id for n in walk(self.fn) if isinstance(n, gast.Name)
                and id(n) not in inside}

    def _overwrites(self, stmt, var) -> bool:
        return var in self.rewinds.get(stmt, ())

    def zero_init(self, stmt, loop) -> list:
        """Zero the adjoints a compound statement accumulates into but that are undefined."""
        job = self.job
        names = set()
        for inner in grammar.simple_statements([stmt]):
            if isinstance(inner, gast.Assign) and set(targets(inner)) & job.active:
                names |= loaded_names(inner.value) & job.active
                if loop:
                    names |= set(targets(inner)) & job.active
            op = job.ops.get(inner)
            if op is not None and op.kind == "pop" and _popped_list(inner) in job.active:
                names.add(_popped_list(inner))
            if _is_append(inner) and inner.value.func.value.id in job.active:
                names |= loaded_names(inner.value.args[0]) & job.active
                names.add(inner.value.func.value.id)
        if not loop:
            names -= {t for inner in grammar.simple_statements([stmt]) for t in targets(inner)}
        else:
            names -= self.iteration_locals(stmt)
        out = []
        for var in sorted(names):
            bvar = job.namer.adjoint(var)
            if bvar not in self.defined:
                out.append(assign(bvar, _call("zeros_like", name(var)), stmt))
                self.defined.add(bvar)
                self.zero_inits.add(var)
        return out

    def adjoint_loop(self, stmt, in_loop):
        job = self.job
        counter, target = self.loops[stmt]
        inits = self.zero_init(stmt, loop=True)
        local = self.iteration_locals(stmt)
        local_adjoints = {job.namer.adjoint(v) for v in local}
        self.defined -= local_adjoints
        self.locals_stack.append(local)
        body = self.adjoint_block(stmt.body, True)
        self.locals_stack.pop()
        self.defined -= local_adjoints
        if counter is None:
            iterable = _call("reversed", copy_tree(stmt.iter))
            loop_target = stmt.target
        else:
            if target is not None:
                body = [self.restore(target, stmt)] + body
            iterable = _call("range", name(counter))
            loop_target = name("_", gast.Store())
        new = gast.For(target=loop_target, iter=iterable, body=body, orelse=[], type_comment=None)
        out = inits
        if counter is not None and in_loop:
            out = out + [self.restore(counter, stmt)]
        out = out + [comments.adjoint_marker(stmt, job), gast.copy_location(new, stmt)]
        if stmt in self.target_saved:
            out.append(self.restore(stmt.target.id, stmt))
        return out

    # -- one assignment -------------------------------------------------------------------
def _first_assigned_in_compound(body) -> set[str]:
    """Names whose first assignment, in program order, is inside an if or a loop."""
    seen, out = set(), set()

    def walk(stmts, nested):
        for stmt in stmts:
            if isinstance(stmt, _COMPOUND):
                if isinstance(stmt, gast.For):
                    _note(stmt.target.id, True)
                walk(stmt.body, True)
                walk(stmt.orelse, True)
            else:
                for var in targets(stmt):
                    _note(var, nested)

    def _note(var, nested):
        if var not in seen:
            seen.add(var)
            if nested:
                out.add(var)

    walk(body, False)
    return out

