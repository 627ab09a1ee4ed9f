"""Constant folding and strength reduction in generated code.

* ``power_dbase(x, 2)``, the derivative of ``x ** 2`` (the most common power), becomes
  ``2.0 * x``: one multiplication instead of a call that inspects its arguments;
* arithmetic on number literals is computed: ``0.5 * 2.0`` -> ``1.0``, ``-(3)`` -> ``-3``
  (only operators with exact, exception-free results on the literals at hand).

Runs on the reverse and the forward sweep after the rules are instantiated.  Example::

    bx = by * power_dbase(x, 2)    ->    bx = by * (2.0 * x)
"""

from __future__ import annotations

import operator

import gast

_FOLDABLE = {gast.Add: operator.add, gast.Sub: operator.sub, gast.Mult: operator.mul}


def run(fn: gast.FunctionDef, job) -> gast.FunctionDef:
    helper = job.template_globals.get("power_dbase")
    _Fold(helper).visit(fn)
    return fn


def _number(node) -> bool:
    return isinstance(node, gast.Constant) and type(node.value) in (int, float)


class _Fold(gast.NodeTransformer):
    def __init__(self, power_dbase: str | None):
        self.power_dbase = power_dbase

    def visit_Call(self, node):
        self.generic_visit(node)
        if (self.power_dbase is not None and isinstance(node.func, gast.Name)
                and node.func.id == self.power_dbase and len(node.args) == 2
                and not node.keywords and isinstance(node.args[1], gast.Constant)
                and type(node.args[1].value) is int and node.args[1].value == 2):
            return gast.copy_location(gast.BinOp(left=gast.Constant(value=2.0, kind=None),
                                                 op=gast.Mult(), right=node.args[0]), node)
        return node

    def visit_BinOp(self, node):
        self.generic_visit(node)
        op = _FOLDABLE.get(type(node.op))
        if op is not None and _number(node.left) and _number(node.right):
            return gast.copy_location(
                gast.Constant(value=op(node.left.value, node.right.value), kind=None), node)
        return node

    def visit_UnaryOp(self, node):
        self.generic_visit(node)
        if isinstance(node.op, gast.USub) and _number(node.operand) and node.operand.value > 0:
            return node  # -3 is how the literal -3 is written: nothing to fold
        if isinstance(node.op, gast.USub) and isinstance(node.operand, gast.UnaryOp) \
                and isinstance(node.operand.op, gast.USub):
            return node.operand.operand
        return node
