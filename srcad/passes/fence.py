"""Reject constructs outside the supported subset, with a located, actionable error.

Pre: the user's function as parsed.  Post: unchanged; every node is of a kind the later
passes handle.  Example: ``while x > 1: x = x / 2`` raises ``UnsupportedError`` at the
``while`` with a hint.

This is a whitelist: a node type not listed here is refused, so a new Python construct can
never slip through to produce a wrong derivative.
"""

from __future__ import annotations

import gast

from ..errors import UnsupportedError

_LATER = ("srcad differentiates straight-line code for now: assignments, arithmetic, calls "
          "of functions with derivative rules and indexing reads. Control flow (if/for/while, "
          "comprehensions, calls to your own functions) is being added; until then, rewrite "
          "this part without it or pass it in as a precomputed argument.")

_STMT_NAMES = {
    gast.With: ("a `with` block", "move the `with` block out of the differentiated function"),
    gast.AsyncWith: ("an `async with` block", "differentiate synchronous code only"),
    gast.AsyncFor: ("an `async for` loop", "differentiate synchronous code only"),
    gast.Try: ("a `try` block", "move error handling out of the differentiated function"),
    gast.Raise: ("a `raise` statement", "check inputs before calling the derivative"),
    gast.Assert: ("an `assert` statement", "check inputs before calling the derivative"),
    gast.Global: ("a `global` declaration", "pass the value in as an argument and return "
                  "the new value instead"),
    gast.Nonlocal: ("a `nonlocal` declaration", "pass the value in as an argument"),
    gast.FunctionDef: ("a nested function definition", "define the helper at module level "
                       "(calls to your own functions are being added)"),
    gast.AsyncFunctionDef: ("an async function", "differentiate synchronous code only"),
    gast.ClassDef: ("a class definition", "define classes outside the differentiated function"),
    gast.Delete: ("a `del` statement", "drop the `del`; names go out of scope on return"),
    gast.Import: ("an `import` statement", "import at module level"),
    gast.ImportFrom: ("an `import` statement", "import at module level"),
}

_EXPR_NAMES = {
    gast.SetComp: ("a set comprehension", "build a list instead"),
    gast.DictComp: ("a dict comprehension", _LATER),
    gast.Set: ("a set literal", "use a list or a tuple"),
    gast.Await: ("`await`", "differentiate synchronous code only"),
    gast.Yield: ("`yield`", "return a list or an array instead of yielding values"),
    gast.YieldFrom: ("`yield from`", "return a list or an array instead"),
    gast.NamedExpr: ("an assignment expression (`:=`)", "assign on a line of its own"),
    gast.Starred: ("a starred expression (`*args`)", "pass the arguments one by one"),
    gast.JoinedStr: ("an f-string", "format strings outside the differentiated function"),
}

_ALLOWED_STMTS = (gast.Assign, gast.AugAssign, gast.AnnAssign, gast.Return, gast.Expr, gast.Pass,
                  gast.If, gast.For, gast.While, gast.Break, gast.Continue)


def run(fn: gast.FunctionDef, job) -> gast.FunctionDef:
    args = fn.args
    if args.vararg is not None or args.kwarg is not None:
        node = args.vararg or args.kwarg
        raise UnsupportedError(
            f"`*{node.id}`/`**{node.id}` parameters are not supported (in function `{job.name}`)",
            job.source.location(node) or job.source.location(fn),
            hint="name every parameter explicitly",
        )
    _check_block(fn.body, job, in_loop=False)
    return fn


def _check_block(stmts, job, in_loop):
    for stmt in stmts:
        _check_stmt(stmt, job, in_loop)
        if isinstance(stmt, (gast.For, gast.While)):
            if stmt.orelse:
                kind = "for" if isinstance(stmt, gast.For) else "while"
                _fail(stmt, job, f"the `else` clause of a `{kind}` loop",
                      "set a flag before `break` and test it after the loop")
            _check_block(stmt.body, job, in_loop=True)
        elif isinstance(stmt, gast.If):
            _check_block(stmt.body, job, in_loop)
            _check_block(stmt.orelse, job, in_loop)


def _fail(node, job, what, hint):
    raise UnsupportedError(f"{what} is not supported (in function `{job.name}`)",
                           job.source.location(node), hint=hint)


def _check_stmt(stmt, job, in_loop):
    if type(stmt) in _STMT_NAMES:
        what, hint = _STMT_NAMES[type(stmt)]
        _fail(stmt, job, what, hint)
    if not isinstance(stmt, _ALLOWED_STMTS):
        _fail(stmt, job, f"the statement `{type(stmt).__name__}`", _LATER)
    if isinstance(stmt, (gast.Break, gast.Continue)) and not in_loop:
        _fail(stmt, job, f"`{type(stmt).__name__.lower()}` outside a loop", "remove it")
    targets = []
    if isinstance(stmt, gast.Assign):
        targets = stmt.targets
    elif isinstance(stmt, (gast.AugAssign, gast.AnnAssign)):
        targets = [stmt.target]
        if isinstance(stmt, gast.AnnAssign) and stmt.value is None:
            _fail(stmt, job, "an annotation without a value", "assign a value")
    for target in targets:
        _check_target(target, job)
    header = [stmt.test] if isinstance(stmt, (gast.If, gast.While)) else \
        [stmt.target, stmt.iter] if isinstance(stmt, gast.For) else [stmt]
    for node in (n for h in header for n in gast.walk(h)):
        if type(node) in _EXPR_NAMES:
            what, hint = _EXPR_NAMES[type(node)]
            _fail(node, job, what, hint)


def _check_target(target, job):
    if isinstance(target, gast.Name):
        return
    if isinstance(target, (gast.Tuple, gast.List)):
        for elt in target.elts:
            _check_target(elt, job)
        return
    if isinstance(target, gast.Subscript):
        if isinstance(target.value, gast.Name):
            return
        _fail(target, job, "assignment into a nested element (`x[i][j] = ...`)",
              "index once with a tuple, `x[i, j] = ...`, or assign to a name first")
    if isinstance(target, gast.Attribute):
        _fail(target, job, "assignment to an attribute", "assign to a local variable")
    _fail(target, job, f"assignment to {type(target).__name__}", "assign to a name")
