"""Three-address form: every statement does one operation on atomic operands.

Pre: desugared body with jumps lowered (control.py).  Post: ``grammar.assert_anf`` holds;
the function computes the same values.  Temporaries are named after what they hold; each
new statement keeps the location of the user statement it came from.  Examples::

    y = np.log(x1) + x1 * x2      ->   log_x1 = np.log(x1)
                                       x1_times_x2 = x1 * x2
                                       y = log_x1 + x1_times_x2

    while x > 1.0:                ->   while True:
        x = x / 2.0                        x_gt_1_0 = x > 1.0
                                           if x_gt_1_0:
                                               x = x / 2.0
                                           else:
                                               break

    for row in X:                 ->   len_X = len(X)
        s = s + row                    for i_row in range(len_X):
                                           row = X[i_row]
                                           s = s + row

    y = a if c else b             ->   if c: y = a
                                       else: y = b

``and``/``or`` short-circuit as in Python; ``for`` over ``zip``, ``enumerate`` and
``reversed`` becomes a loop over indices, as does ``for`` over a sequence; loops over
``range``, ``reversed(range(...))`` and ``d.keys()`` keep their iterable.
"""

from __future__ import annotations

import gast

from .. import grammar
from ..errors import UnsupportedError
from ..grammar import name, walk


def run(fn: gast.FunctionDef, job) -> gast.FunctionDef:
    job.namer.reserve(*grammar.local_names(fn))
    flattener = _Flattener(job, grammar.local_names(fn))
    fn.body = flattener.block(fn.body)
    return fn


def _call(func: str, *args):
    return gast.Call(func=name(func), args=list(args), keywords=[])


class _Flattener:
    def __init__(self, job, local_names):
        self.job = job
        self.local = local_names
        self.out: list = []
        self.origin = None

    # -- statements -------------------------------------------------------------------
    def block(self, stmts) -> list:
        saved_out, saved_origin = self.out, self.origin
        self.out = []
        for stmt in stmts:
            self.origin = stmt
            self.statement(stmt)
        result, self.out, self.origin = self.out, saved_out, saved_origin
        return result

    def emit(self, stmt):
        self.out.append(gast.copy_location(stmt, self.origin))

    def statement(self, stmt):
        if isinstance(stmt, gast.Assign):
            target = stmt.targets[0]
            if isinstance(target, gast.Tuple):
                self.emit(gast.Assign(targets=[target], value=self.call(stmt.value),
                                      type_comment=None))
            elif isinstance(target, gast.Subscript):  # x[i] = v
                value = self.atom(stmt.value)
                index = self.index(target.slice)
                base = self.local_name(gast.Name(id=target.value.id, ctx=gast.Load(),
                                                 annotation=None, type_comment=None))
                store = gast.Subscript(value=base, slice=index, ctx=gast.Store())
                self.emit(gast.Assign(targets=[store], value=value, type_comment=None))
            elif isinstance(stmt.value, gast.IfExp):
                self.if_exp(stmt.value, target.id)
            elif isinstance(stmt.value, gast.BoolOp):
                self.bool_op(stmt.value, target.id)
            else:
                self.emit(gast.Assign(targets=[target], value=self.rhs(stmt.value),
                                      type_comment=None))
        elif isinstance(stmt, gast.Return):
            value = stmt.value if stmt.value is not None else grammar.const(None)
            atom = self.atom(value)
            if not isinstance(atom, gast.Name):
                atom = self.bind(atom, base="result")
            self.emit(gast.Return(value=atom))
        elif isinstance(stmt, gast.Expr):
            if isinstance(stmt.value, gast.Call):
                self.emit(gast.Expr(value=self.call(stmt.value)))
            else:
                self.atom(stmt.value)  # evaluated for its effects only
        elif isinstance(stmt, gast.If):
            test = self.local_name(stmt.test)
            self.branch(test, self.block(stmt.body), self.block(stmt.orelse))
        elif isinstance(stmt, gast.While):
            self.while_(stmt)
        elif isinstance(stmt, gast.For):
            self.for_(stmt)
        else:
            self.emit(stmt)

    def while_(self, stmt):
        self._no_else(stmt)
        if isinstance(stmt.test, gast.Constant) and stmt.test.value is True:
            body = self.block(stmt.body)
        else:
            saved = self.out
            self.out = []
            test = self.local_name(stmt.test)
            cond_stmts = self.out
            self.out = saved
            loop_body = self.block(stmt.body)
            self.out = cond_stmts
            self.branch(test, loop_body, [gast.copy_location(gast.Break(), stmt)])
            body = self.out
            self.out = saved
        self.emit(gast.While(test=grammar.const(True), body=body, orelse=[]))

    def _no_else(self, stmt):
        if stmt.orelse:
            kind = "for" if isinstance(stmt, gast.For) else "while"
            raise UnsupportedError(
                f"the `else` clause of a `{kind}` loop is not supported (in function "
                f"`{self.job.name}`)", self.job.source.location(stmt),
                hint="set a flag before `break` and test it after the loop")

    def for_(self, stmt):
        self._no_else(stmt)
        it = stmt.iter
        func = grammar.dotted(it.func) if isinstance(it, gast.Call) else None
        func = func[0] if func and len(func) == 1 and func[0] not in self.local else None
        target = stmt.target
        if func == "range" or (func == "reversed" and len(it.args) == 1
                               and isinstance(it.args[0], gast.Call)
                               and grammar.dotted(it.args[0].func) == ["range"]):
            inner = it if func == "range" else it.args[0]
            inner.args = [self.atom(a) for a in inner.args]
            self._loop(target, it, [])
            return
        if isinstance(it, gast.Call) and isinstance(it.func, gast.Attribute) \
                and it.func.attr in ("keys", "items", "values") and not it.args:
            owner = self.local_name(it.func.value)
            keys = gast.Call(func=gast.Attribute(value=owner, attr="keys", ctx=gast.Load()),
                             args=[], keywords=[])
            attr = it.func.attr
            if attr == "keys":
                self._loop(target, keys, [])
                return
            key = target.elts[0] if attr == "items" else name(self.job.namer.fresh("key"))
            value_target = target.elts[1] if attr == "items" else target
            read = gast.Subscript(value=owner, slice=name(key.id), ctx=gast.Load())
            self._loop(key, keys, self._unpack(value_target, read))
            return
        if func == "zip" and not it.keywords:
            seqs = [self._sequence(a, stmt) for a in it.args]
            targets = self._targets(target, len(seqs), stmt)
            lengths = [self.bind(_call("len", s)) for s in seqs]
            count = lengths[0] if len(lengths) == 1 else self.bind(_call("min", *lengths))
            index = self.job.namer.fresh("i")
            reads = []
            for t, s in zip(targets, seqs):
                reads += self._unpack(t, gast.Subscript(value=s, slice=name(index),
                                                        ctx=gast.Load()))
            self._loop(name(index, gast.Store()), _call("range", count), reads)
            return
        if func == "enumerate" and len(it.args) == 1 and not it.keywords:
            seq = self._sequence(it.args[0], stmt)
            index_t, value_t = self._targets(target, 2, stmt)
            if not isinstance(index_t, gast.Name):
                raise self._bad_target(stmt)
            count = self.bind(_call("len", seq))
            read = gast.Subscript(value=seq, slice=name(index_t.id), ctx=gast.Load())
            self._loop(index_t, _call("range", count), self._unpack(value_t, read))
            return
        if func == "reversed" and len(it.args) == 1 and not it.keywords:
            seq = self._sequence(it.args[0], stmt)
            count = self.bind(_call("len", seq))
            last = self.bind(gast.BinOp(left=count, op=gast.Sub(), right=grammar.const(1)))
            index = self.job.namer.fresh(f"i_{_base(target)}")
            read = gast.Subscript(value=seq, slice=name(index), ctx=gast.Load())
            loop_range = _call("range", last, grammar.const(-1), grammar.const(-1))
            self._loop(name(index, gast.Store()), loop_range, self._unpack(target, read))
            return
        seq = self._sequence(it, stmt)
        count = self.bind(_call(self.job.template_globals.get("loop_length", "loop_length"), seq),
                          base=f"len_{seq.id}")
        index = self.job.namer.fresh(f"i_{_base(target)}")
        read = gast.Subscript(value=seq, slice=name(index), ctx=gast.Load())
        self._loop(name(index, gast.Store()), _call("range", count), self._unpack(target, read))

    def _loop(self, target, iterable, prefix):
        if not isinstance(target, gast.Name):
            raise self._bad_target(self.origin)
        target = name(target.id, gast.Store())
        self.local.add(target.id)
        stmt = self.origin
        saved = self.out
        self.out = []
        for read in prefix:
            self.statement(read)
        head = self.out
        self.out = saved
        body = head + self.block(stmt.body)
        self.emit(gast.For(target=target, iter=iterable, body=body, orelse=[],
                           type_comment=None))

    def _unpack(self, target, value):
        """Assignments of ``value`` to ``target`` (a name or a tuple of names)."""
        assign = gast.Assign(targets=[target], value=value, type_comment=None)
        gast.copy_location(assign, self.origin)
        if isinstance(target, gast.Name):
            return [assign]
        from .desugar import _unpack
        return _unpack(target, value, assign, self.job)

    def _targets(self, target, n, stmt):
        if isinstance(target, (gast.Tuple, gast.List)) and len(target.elts) == n:
            return target.elts
        raise self._bad_target(stmt)

    def _bad_target(self, stmt):
        return UnsupportedError(
            f"this loop target is not supported (in function `{self.job.name}`)",
            self.job.source.location(stmt),
            hint="unpack inside the loop body: `for item in items: a, b = item`")

    def branch(self, test: gast.Name, body, orelse):
        """``if test: body else: orelse``, with ``test`` copied first when a branch assigns
        it: the adjoint must replay the branch that was taken, not the new value's."""
        stored = {n.id for s in body + orelse for n in walk(s)
                  if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store)}
        if test.id in stored:
            test = self.bind(name(test.id), base=f"{test.id}_was")
        self.emit(gast.If(test=test, body=body, orelse=orelse))

    def _sequence(self, it, stmt) -> gast.Name:
        """The sequence a loop indexes; a copy of the name if the loop rebinds it (Python
        iterates over the object the name held when the loop started)."""
        seq = self.local_name(it)
        stored = {n.id for s in stmt.body for n in walk(s)
                  if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store)}
        if seq.id in stored:
            seq = self.bind(name(seq.id), base=f"{seq.id}_at_start")
        return seq

    # -- expressions ------------------------------------------------------------------
    def bind(self, rhs, base=None) -> gast.Name:
        """Assign ``rhs`` to a fresh temporary and return a load of it."""
        tmp = self.job.namer.fresh(base) if base else self.job.namer.temp(rhs)
        self.local.add(tmp)
        self.emit(grammar.assign(tmp, rhs))
        return name(tmp)

    def atom(self, expr):
        if grammar.is_atom(expr, self.local):
            return expr
        if isinstance(expr, (gast.IfExp, gast.BoolOp)):
            tmp = self.job.namer.temp()
            self.local.add(tmp)
            if isinstance(expr, gast.IfExp):
                self.if_exp(expr, tmp)
            else:
                self.bool_op(expr, tmp)
            return name(tmp)
        return self.bind(self.rhs(expr))

    def if_exp(self, expr, target: str):
        test = self.local_name(expr.test)
        branches = []
        for value in (expr.body, expr.orelse):
            saved = self.out
            self.out = []
            self._assign_value(target, value)
            branches.append(self.out)
            self.out = saved
        self.branch(test, branches[0], branches[1])

    def bool_op(self, expr, target: str):
        """``target = a and b``, evaluating ``b`` only when Python would."""
        first, *rest = expr.values
        self._assign_value(target, first)
        if not rest:
            return
        saved = self.out
        self.out = []
        more = gast.BoolOp(op=expr.op, values=rest) if len(rest) > 1 else rest[0]
        self._assign_value(target, more)
        inner = self.out
        self.out = saved
        if isinstance(expr.op, gast.And):
            self.branch(name(target), inner, [])
        else:
            self.branch(name(target), [], inner)

    def _assign_value(self, target, value):
        self.local.add(target)
        if isinstance(value, gast.IfExp):
            self.if_exp(value, target)
        elif isinstance(value, gast.BoolOp):
            self.bool_op(value, target)
        else:
            self.emit(grammar.assign(target, self.rhs(value)))

    def simple(self, expr):
        if isinstance(expr, (gast.Tuple, gast.List)):
            expr.elts = [self.simple(e) for e in expr.elts]
            return expr
        return self.atom(expr)

    def local_name(self, expr) -> gast.Name:
        value = self.atom(expr)
        if not isinstance(value, gast.Name) or value.id not in self.local:
            value = self.bind(value)
        return value

    def index(self, expr):
        if grammar.is_negative_int(expr):
            return expr  # x[-1], x[:-1]: written as it is, not as a temporary
        if isinstance(expr, gast.Slice):
            for part in ("lower", "upper", "step"):
                value = getattr(expr, part)
                if value is not None and not grammar.is_negative_int(value):
                    setattr(expr, part, self.atom(value))
            return expr
        if isinstance(expr, gast.Tuple):
            expr.elts = [self.index(e) for e in expr.elts]
            return expr
        return self.simple(expr)

    def call(self, expr: gast.Call):
        func = expr.func
        if grammar.is_global_ref(func, self.local):
            pass
        elif isinstance(func, gast.Attribute):
            func.value = self.local_name(func.value)
        else:
            expr.func = self.local_name(func)
        expr.args = [self.simple(a) for a in expr.args]
        for kw in expr.keywords:
            kw.value = self.simple(kw.value)
        return expr

    def rhs(self, expr):
        """``expr`` as one operation on atoms, emitting statements for its operands."""
        if grammar.is_atom(expr, self.local):
            return expr
        if isinstance(expr, (gast.IfExp, gast.BoolOp)):
            return self.atom(expr)
        if isinstance(expr, (gast.Tuple, gast.List)):
            return self.simple(expr)
        if isinstance(expr, gast.Dict):
            if any(k is None for k in expr.keys):
                raise UnsupportedError(
                    f"`**` inside a dict literal is not supported (in function `{self.job.name}`)",
                    self.job.source.location(self.origin), hint="list the keys one by one")
            expr.keys = [self.atom(k) for k in expr.keys]
            expr.values = [self.simple(v) for v in expr.values]
            return expr
        if isinstance(expr, gast.BinOp):
            expr.left = self.atom(expr.left)
            expr.right = self.atom(expr.right)
            return expr
        if isinstance(expr, gast.UnaryOp):
            expr.operand = self.atom(expr.operand)
            return expr
        if isinstance(expr, gast.Compare):
            expr.left = self.atom(expr.left)
            expr.comparators = [self.atom(c) for c in expr.comparators]
            return expr
        if isinstance(expr, gast.Call):
            return self.call(expr)
        if isinstance(expr, gast.Attribute):
            expr.value = self.local_name(expr.value)
            return expr
        if isinstance(expr, gast.Subscript):
            expr.value = self.local_name(expr.value)
            expr.slice = self.index(expr.slice)
            return expr
        return expr  # anything else was refused by the fence


def _base(target) -> str:
    return target.id if isinstance(target, gast.Name) else "item"
