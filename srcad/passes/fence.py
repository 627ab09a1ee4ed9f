"""Reject constructs outside the supported subset, with a located, actionable error.

Pre: the user's function as parsed.  Post: unchanged; every node is of a kind the later
passes handle.  Example: ``with open(p) as f: ...`` raises ``UnsupportedError`` at the
``with`` with a hint.

This is a whitelist: a node type not listed here is refused, so a new Python construct can
never slip through to produce a wrong derivative.
"""

from __future__ import annotations

import gast

from ..errors import UnsupportedError
from ..grammar import walk

SUPPORTED = ("srcad differentiates assignments, arithmetic, calls of functions with "
             "derivative rules (srcad.supported_functions()) and of your own functions, "
             "if/for/while with break/continue/return, comprehensions, lists, tuples and dicts, "
             "indexing and item assignment")
_LATER = f"{SUPPORTED}; rewrite this part with those, or pass its result in as an argument"

_STMT_NAMES = {
    gast.With: ("a `with` block", "move the `with` block out of the differentiated function"),
    gast.AsyncWith: ("an `async with` block", "differentiate synchronous code only"),
    gast.AsyncFor: ("an `async for` loop", "differentiate synchronous code only"),
    gast.Try: ("a `try` block", "move error handling out of the differentiated function"),
    gast.Raise: ("a `raise` statement", "check inputs before calling the derivative"),
    gast.Assert: ("an `assert` statement", "check inputs before calling the derivative"),
    gast.Global: ("a `global` declaration", "pass the value in as an argument and return "
                  "the new value instead"),
    gast.Nonlocal: ("a `nonlocal` declaration", "pass the value in as an argument and "
                    "return the new value instead"),
    gast.FunctionDef: ("a nested function definition", "define the helper at module level "
                       "(or as a lambda bound to a name); calls to it are differentiated"),
    gast.AsyncFunctionDef: ("an async function", "differentiate synchronous code only"),
    gast.ClassDef: ("a class definition", "define classes outside the differentiated function"),
    gast.Delete: ("a `del` statement", "drop the `del`; names go out of scope on return"),
    gast.Import: ("an `import` statement", "import at module level"),
    gast.ImportFrom: ("an `import` statement", "import at module level"),
}

_EXPR_NAMES = {
    gast.SetComp: ("a set comprehension", "sets are not differentiable containers; build a "
                   "list"),
    gast.DictComp: ("a dict comprehension", "build the dict in a `for` loop: d[k] = v"),
    gast.Set: ("a set literal", "use a list or a tuple"),
    gast.Await: ("`await`", "differentiate synchronous code only"),
    gast.Yield: ("`yield`", "return a list or an array instead of yielding values"),
    gast.YieldFrom: ("`yield from`", "return a list or an array instead"),
    gast.NamedExpr: ("an assignment expression (`:=`)", "assign on a line of its own"),
    gast.Starred: ("a starred expression (`*args`)", "pass the arguments one by one"),
    gast.JoinedStr: ("an f-string", "format strings outside the differentiated function"),
}
for _name, _entry in (("TemplateStr", ("a template string (`t\"...\"`)", "format strings "
                                       "outside the differentiated function")),):
    if hasattr(gast, _name):
        _EXPR_NAMES[getattr(gast, _name)] = _entry
for _name, _entry in (("Match", ("a `match` statement", _LATER)),
                      ("TryStar", ("a `try`/`except*` block", "move error handling out of the "
                                   "differentiated function")),
                      ("TypeAlias", ("a `type` alias", "define type aliases at module level"))):
    if hasattr(gast, _name):
        _STMT_NAMES[getattr(gast, _name)] = _entry

_ALLOWED_STMTS = (gast.Assign, gast.AugAssign, gast.AnnAssign, gast.Return, gast.Expr, gast.Pass,
                  gast.If, gast.For, gast.While, gast.Break, gast.Continue)

# Every node a supported statement may contain.  Anything else is refused by name.
_ALLOWED_EXPRS = (
    gast.Name, gast.Constant, gast.BinOp, gast.UnaryOp, gast.Compare, gast.Call,
    gast.keyword, gast.Attribute, gast.Subscript, gast.Slice, gast.Tuple, gast.List,
    gast.expr_context, gast.operator, gast.unaryop, gast.cmpop, gast.boolop, gast.BoolOp,
    gast.IfExp, gast.Lambda, gast.arguments, gast.ListComp, gast.GeneratorExp,
    gast.comprehension, gast.Dict,
) + _ALLOWED_STMTS


def run(fn: gast.FunctionDef, job) -> gast.FunctionDef:
    if (job.source.filename or "").startswith("<srcad "):
        # srcad's own derivative, differentiated again: its ``del`` statements only release
        # memory (passes/release.py), and the new adjoint may need the values they release
        fn.body = _without_deletes(fn.body)
    if isinstance(fn, gast.AsyncFunctionDef):
        _fail(fn, job, "an `async def` function (and `await`)",
              "differentiate a synchronous function: move the `await`s to a caller and pass "
              "the awaited values in as arguments")
    args = fn.args
    for node, star in ((args.vararg, "*"), (args.kwarg, "**")):
        if node is not None:
            _fail(node, job, f"a `{star}{node.id}` parameter",
                  "name every parameter explicitly, or pass the values as one array "
                  "argument")
    _check_block(fn.body, job, in_loop=False)
    if not any(isinstance(n, gast.Return) for n in walk(fn)):
        raise UnsupportedError(
            "the function has no `return`; srcad differentiates the value a function returns "
            f"(in function `{job.name}`)", job.source.location(fn),
            hint="end the function with `return <the value to differentiate>`")
    return fn


def _without_deletes(stmts) -> list:
    for stmt in stmts:
        if isinstance(stmt, (gast.If, gast.For, gast.While)):
            stmt.body = _without_deletes(stmt.body)
            stmt.orelse = _without_deletes(stmt.orelse)
    return [s for s in stmts if not isinstance(s, gast.Delete)]


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
    for node in (n for h in header for n in _walk_in_order(h)):
        if type(node) in _EXPR_NAMES:
            what, hint = _EXPR_NAMES[type(node)]
            _fail(node, job, what, hint)
        if isinstance(node, gast.keyword) and node.arg is None:
            _fail(node.value, job, "`**` unpacking in a call", "pass the keyword arguments "
                  "one by one")
        if not isinstance(node, _ALLOWED_EXPRS):
            _fail(node if hasattr(node, "lineno") else stmt, job,
                  f"the expression `{type(node).__name__}`", _LATER)


def _walk_in_order(node):
    """Nodes of ``node`` in source order, so the first refusal is the leftmost one."""
    yield node
    for field in node._fields:
        if field == "annotation":
            continue  # annotations are dropped, never evaluated
        value = getattr(node, field, None)
        if isinstance(value, gast.AST):
            yield from _walk_in_order(value)
        elif isinstance(value, list):
            for item in value:
                if isinstance(item, gast.AST):
                    yield from _walk_in_order(item)


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
              "for an array, index once with a tuple: `x[i, j] = ...`; for a list of lists, "
              "build the inner list anew: `row = list(x[i]); row[j] = v; x[i] = row`")
    if isinstance(target, gast.Attribute):
        _fail(target, job, "assignment to an attribute", "assign to a local variable")
    _fail(target, job, f"assignment to {type(target).__name__}", "assign to a name")
