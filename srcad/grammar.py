"""The three-address (ANF) core grammar, as a checker, and node classification helpers.

After ``anf``, a function body is a list of::

    stmt   := Assign([Name], rhs) | Assign([Tuple(Name*)], call) | Return(Name) | Expr(call)
            | Assign([Subscript(Name, index)], atom)                 (``x[i] = v``)
            | If(Name, stmt*, stmt*) | For(Name, loop_iter, stmt*) | While(True, stmt*) | Break
    loop_iter := range(atom*) | reversed(range(atom*)) | Name.keys()
    rhs    := simple | BinOp(atom, atom) | UnaryOp(atom) | Compare(atom, atom*) | call
            | Attribute(Name, attr) | Subscript(Name, index)
    call   := Call(func, simple*, keyword(simple)*)
    func   := global | Attribute(Name, attr)            (a method of a local value)
    simple := atom | Tuple(simple*) | List(simple*)
    index  := simple | Slice(atom?, atom?, atom?) | Tuple(index*)
    atom   := Name | Constant | global
    global := a chain of attributes on a name that is not local (``np.pi``, ``np.linalg.inv``)

gast version specifics belong in this module only.
"""

from __future__ import annotations

import operator
from collections import deque

import gast

_AST = gast.AST

BINOPS = {
    gast.Add: operator.add, gast.Sub: operator.sub, gast.Mult: operator.mul,
    gast.Div: operator.truediv, gast.FloorDiv: operator.floordiv, gast.Mod: operator.mod,
    gast.Pow: operator.pow, gast.MatMult: operator.matmul, gast.BitAnd: operator.and_,
    gast.BitOr: operator.or_, gast.BitXor: operator.xor, gast.LShift: operator.lshift,
    gast.RShift: operator.rshift,
}
UNARYOPS = {gast.USub: operator.neg, gast.UAdd: operator.pos, gast.Not: operator.not_,
            gast.Invert: operator.invert}


def walk(node):
    """Every node of the tree under ``node``, breadth first, in the order of ``ast.walk``
    (and twice as fast: the passes walk the tree many times)."""
    todo = deque([node])
    take, put = todo.popleft, todo.append
    while todo:
        node = take()
        for field in node._fields:
            value = getattr(node, field, None)
            if isinstance(value, _AST):
                put(value)
            elif isinstance(value, list):
                for item in value:
                    if isinstance(item, _AST):
                        put(item)
        yield node


def copy_tree(node):
    """A deep copy of an AST node or a list of nodes (four times faster than
    ``copy.deepcopy``: nodes hold only nodes, lists and immutable values)."""
    if isinstance(node, list):
        return [copy_tree(n) for n in node]
    if not isinstance(node, gast.AST):
        return node
    new = node.__class__.__new__(node.__class__)
    fields = new.__dict__
    for key, value in node.__dict__.items():
        fields[key] = copy_tree(value) if isinstance(value, (gast.AST, list)) else value
    return new


def name(id_: str, ctx=None) -> gast.Name:
    return gast.Name(id=id_, ctx=ctx or gast.Load(), annotation=None, type_comment=None)


def const(value) -> gast.Constant:
    return gast.Constant(value=value, kind=None)


def assign(target: str, value, origin=None) -> gast.Assign:
    node = gast.Assign(targets=[name(target, gast.Store())], value=value, type_comment=None)
    return gast.copy_location(node, origin) if origin is not None else node


def dotted(expr) -> list[str] | None:
    """``['np', 'linalg', 'inv']`` for ``np.linalg.inv``; None if not a dotted name."""
    parts = []
    while isinstance(expr, gast.Attribute):
        parts.append(expr.attr)
        expr = expr.value
    if isinstance(expr, gast.Name):
        parts.append(expr.id)
        return parts[::-1]
    return None


def is_global_ref(expr, local_names) -> bool:
    parts = dotted(expr)
    return parts is not None and parts[0] not in local_names and (
        len(parts) > 1 or isinstance(expr, gast.Name))


def is_atom(expr, local_names) -> bool:
    if isinstance(expr, (gast.Name, gast.Constant)):
        return True
    return isinstance(expr, gast.Attribute) and is_global_ref(expr, local_names)


def is_simple(expr, local_names) -> bool:
    if isinstance(expr, (gast.Tuple, gast.List)):
        return all(is_simple(e, local_names) for e in expr.elts)
    return is_atom(expr, local_names)


def is_negative_int(expr) -> bool:
    """``-1``: a negative int literal (the parser makes it a unary minus); indexes keep it."""
    return isinstance(expr, gast.UnaryOp) and isinstance(expr.op, gast.USub) \
        and isinstance(expr.operand, gast.Constant) and type(expr.operand.value) is int


def is_index(expr, local_names) -> bool:
    if isinstance(expr, gast.Slice):
        return all(p is None or is_atom(p, local_names) or is_negative_int(p)
                   for p in (expr.lower, expr.upper, expr.step))
    if isinstance(expr, gast.Tuple):
        return all(is_index(e, local_names) for e in expr.elts)
    return is_simple(expr, local_names) or is_negative_int(expr)


def is_call(expr, local_names) -> bool:
    if not isinstance(expr, gast.Call):
        return False
    func = expr.func
    func_ok = is_global_ref(func, local_names) or (
        isinstance(func, gast.Attribute) and isinstance(func.value, gast.Name)) or isinstance(
        func, gast.Name)
    return func_ok and all(is_simple(a, local_names) for a in expr.args) and all(
        is_simple(k.value, local_names) for k in expr.keywords)


def is_rhs(expr, local_names) -> bool:
    if is_simple(expr, local_names) or is_call(expr, local_names):
        return True
    if isinstance(expr, gast.Dict):
        return all(k is not None and is_atom(k, local_names) for k in expr.keys) and all(
            is_simple(v, local_names) for v in expr.values)
    if isinstance(expr, gast.BinOp):
        return is_atom(expr.left, local_names) and is_atom(expr.right, local_names)
    if isinstance(expr, gast.UnaryOp):
        return is_atom(expr.operand, local_names)
    if isinstance(expr, gast.Compare):
        return is_atom(expr.left, local_names) and all(is_atom(c, local_names)
                                                       for c in expr.comparators)
    if isinstance(expr, gast.Attribute):
        return isinstance(expr.value, gast.Name)
    if isinstance(expr, gast.Subscript):
        return isinstance(expr.value, gast.Name) and is_index(expr.slice, local_names)
    return False


def local_names(fn: gast.FunctionDef) -> set[str]:
    """Parameters and every name the body assigns (Python's rule for locals)."""
    out = {a.id for a in fn.args.posonlyargs + fn.args.args + fn.args.kwonlyargs}
    for node in walk(fn):
        if isinstance(node, gast.Name) and isinstance(node.ctx, gast.Store):
            out.add(node.id)
    return out


def simple_statements(stmts):
    """Every statement of ``stmts`` that is not compound, in order, recursively."""
    for stmt in stmts:
        if isinstance(stmt, (gast.If, gast.For, gast.While)):
            yield from simple_statements(stmt.body)
            yield from simple_statements(stmt.orelse)
        else:
            yield stmt


def params(fn: gast.FunctionDef) -> list[str]:
    return [a.id for a in fn.args.posonlyargs + fn.args.args + fn.args.kwonlyargs]


def _is_loop_iter(expr, local) -> bool:
    if not isinstance(expr, gast.Call):
        return False
    parts = dotted(expr.func)
    if parts == ["range"]:
        return all(is_atom(a, local) for a in expr.args)
    if parts == ["reversed"]:
        return len(expr.args) == 1 and _is_loop_iter(expr.args[0], local)
    return (isinstance(expr.func, gast.Attribute) and expr.func.attr == "keys"
            and isinstance(expr.func.value, gast.Name) and not expr.args)


def assert_anf(fn: gast.FunctionDef) -> None:
    """Raise AssertionError naming the first statement outside the ANF grammar."""
    _assert_block(fn.body, local_names(fn))


def _assert_block(stmts, local) -> None:
    for stmt in stmts:
        ok = False
        if isinstance(stmt, gast.If):
            ok = isinstance(stmt.test, gast.Name)
            _assert_block(stmt.body, local)
            _assert_block(stmt.orelse, local)
        elif isinstance(stmt, gast.For):
            ok = isinstance(stmt.target, gast.Name) and _is_loop_iter(stmt.iter, local) \
                and not stmt.orelse
            _assert_block(stmt.body, local)
        elif isinstance(stmt, gast.While):
            ok = isinstance(stmt.test, gast.Constant) and stmt.test.value is True
            _assert_block(stmt.body, local)
        elif isinstance(stmt, gast.Break):
            ok = True
        elif isinstance(stmt, gast.Assign) and len(stmt.targets) == 1:
            target = stmt.targets[0]
            if isinstance(target, gast.Name):
                ok = is_rhs(stmt.value, local)
            elif isinstance(target, gast.Tuple):
                ok = all(isinstance(e, gast.Name) for e in target.elts) and is_call(stmt.value, local)
            elif isinstance(target, gast.Subscript):
                ok = isinstance(target.value, gast.Name) and is_index(target.slice, local) \
                    and is_atom(stmt.value, local)
        elif isinstance(stmt, gast.Return):
            ok = isinstance(stmt.value, gast.Name)
        elif isinstance(stmt, gast.Expr):
            ok = is_call(stmt.value, local)
        if not ok:
            import ast
            text = ast.unparse(gast.gast_to_ast(gast.fix_missing_locations(stmt)))
            raise AssertionError(f"not in three-address form: {text}")
