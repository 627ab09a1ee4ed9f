"""Three-address form: every statement does one operation on atomic operands.

Pre: desugared body (see desugar.py).  Post: ``grammar.assert_anf`` holds; the function
computes the same values.  Temporaries are named after what they hold; each new statement
keeps the location of the user statement it came from.  Example::

    y = np.log(x1) + x1 * x2      ->   log_x1 = np.log(x1)
                                       x1_times_x2 = x1 * x2
                                       y = log_x1 + x1_times_x2
    return y * 2                  ->   y_times_2 = y * 2
                                       return y_times_2
"""

from __future__ import annotations

import gast

from .. import grammar
from ..grammar import name


def run(fn: gast.FunctionDef, job) -> gast.FunctionDef:
    job.namer.reserve(*grammar.local_names(fn))
    flattener = _Flattener(job, grammar.local_names(fn))
    body = []
    for stmt in fn.body:
        body.extend(flattener.statement(stmt))
    fn.body = body
    return fn


class _Flattener:
    def __init__(self, job, local_names):
        self.job = job
        self.local = local_names
        self.out: list = []
        self.origin = None

    def statement(self, stmt):
        self.out = []
        self.origin = stmt
        if isinstance(stmt, gast.Assign):
            target = stmt.targets[0]
            if isinstance(target, gast.Tuple):
                value = self.call(stmt.value)
            else:
                value = self.rhs(stmt.value)
            self.out.append(gast.copy_location(
                gast.Assign(targets=[target], value=value, type_comment=None), stmt))
        elif isinstance(stmt, gast.Return):
            value = stmt.value if stmt.value is not None else grammar.const(None)
            atom = self.atom(value)
            if not isinstance(atom, gast.Name):
                atom = self.bind(atom, base="result")
            self.out.append(gast.copy_location(gast.Return(value=atom), stmt))
        elif isinstance(stmt, gast.Expr):
            value = stmt.value
            if isinstance(value, gast.Call):
                self.out.append(gast.copy_location(gast.Expr(value=self.call(value)), stmt))
            else:
                self.atom(value)  # evaluated for its effects only
        else:
            self.out.append(stmt)
        return self.out

    def bind(self, rhs, base=None) -> gast.Name:
        """Assign ``rhs`` to a fresh temporary and return a load of it."""
        tmp = self.job.namer.fresh(base) if base else self.job.namer.temp(rhs)
        self.local.add(tmp)
        self.out.append(grammar.assign(tmp, rhs, self.origin))
        return name(tmp)

    def atom(self, expr):
        if grammar.is_atom(expr, self.local):
            return expr
        return self.bind(self.rhs(expr))

    def simple(self, expr):
        if isinstance(expr, (gast.Tuple, gast.List)):
            expr.elts = [self.simple(e) for e in expr.elts]
            return expr
        return self.atom(expr)

    def local_name(self, expr) -> gast.Name:
        value = self.atom(expr)
        if not isinstance(value, gast.Name):
            value = self.bind(value)
        return value

    def index(self, expr):
        if isinstance(expr, gast.Slice):
            for part in ("lower", "upper", "step"):
                if getattr(expr, part) is not None:
                    setattr(expr, part, self.atom(getattr(expr, part)))
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
        if isinstance(expr, (gast.Tuple, gast.List)):
            return self.simple(expr)
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
