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

SUPPORTED = ("srcad differentiates straight-line code for now: assignments, arithmetic, "
             "calls of functions with derivative rules (srcad.supported_functions()), array "
             "methods and attributes, indexing reads")


def _later(feature: str, instead: str) -> str:
    return f"{SUPPORTED}. {feature} is being added; until then, {instead}."


_LOOP = _later("Control flow (`for`, `while`, `break`, `continue`)",
               "use whole-array numpy operations (np.sum, np.cumsum, slicing, broadcasting), "
               "unroll a short loop by hand, or compute the loop outside and pass its "
               "result in as an argument")
_BRANCH = _later("Control flow (`if`, conditional expressions)",
                 "choose between values with np.where(condition, a, b), or take the "
                 "decision outside the differentiated function")
_COMPREHENSION = _later("Support for comprehensions",
                        "use whole-array numpy operations, e.g. np.sum(x * np.arange(3)) "
                        "instead of sum(x * k for k in range(3))")
_CONTAINER = _later("Support for lists and dicts of values",
                    "pass the values as separate arguments or stack them with np.stack")
_LATER = _later("Control flow, comprehensions and calls to your own functions",
                "rewrite this part without them or pass its result in as an argument")

_STMT_NAMES = {
    gast.If: ("an `if` statement", _BRANCH),
    gast.For: ("a `for` loop", _LOOP),
    gast.While: ("a `while` loop", _LOOP),
    gast.Break: ("`break`", _LOOP),
    gast.Continue: ("`continue`", _LOOP),
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
    gast.FunctionDef: ("a nested function definition", _later(
        "Support for your own helper functions", "write the helper's body inline")),
    gast.AsyncFunctionDef: ("an async function", "differentiate synchronous code only"),
    gast.ClassDef: ("a class definition", "define classes outside the differentiated function"),
    gast.Delete: ("a `del` statement", "drop the `del`; names go out of scope on return"),
    gast.Import: ("an `import` statement", "import at module level"),
    gast.ImportFrom: ("an `import` statement", "import at module level"),
}

_EXPR_NAMES = {
    gast.IfExp: ("a conditional expression (`a if c else b`)", _BRANCH),
    gast.BoolOp: ("`and`/`or`", _later(
        "Control flow (`and`/`or` evaluate lazily)",
        "combine conditions with np.logical_and / np.logical_or, or choose values with "
        "np.where")),
    gast.Lambda: ("a lambda inside the function", _later(
        "Support for functions defined inside the function", "write its body inline")),
    gast.ListComp: ("a list comprehension", _COMPREHENSION),
    gast.SetComp: ("a set comprehension", "sets are not differentiable containers; use an "
                   "array"),
    gast.DictComp: ("a dict comprehension", _CONTAINER),
    gast.GeneratorExp: ("a generator expression", _COMPREHENSION),
    gast.Dict: ("a dict literal", _CONTAINER),
    gast.Set: ("a set literal", "use a tuple or an array"),
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

_ALLOWED_STMTS = (gast.Assign, gast.AugAssign, gast.AnnAssign, gast.Return, gast.Expr, gast.Pass)

# Every node a supported statement may contain.  Anything else is refused by name.
_ALLOWED_EXPRS = (
    gast.Name, gast.Constant, gast.BinOp, gast.UnaryOp, gast.Compare, gast.Call,
    gast.keyword, gast.Attribute, gast.Subscript, gast.Slice, gast.Tuple, gast.List,
    gast.expr_context, gast.operator, gast.unaryop, gast.cmpop,
) + _ALLOWED_STMTS


def run(fn: gast.FunctionDef, job) -> gast.FunctionDef:
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
    for i, stmt in enumerate(fn.body):
        _check_stmt(stmt, job, last=(i == len(fn.body) - 1))
    if not any(isinstance(n, gast.Return) for n in gast.walk(fn)):
        raise UnsupportedError(
            "the function has no `return`; srcad differentiates the value a function returns "
            f"(in function `{job.name}`)", job.source.location(fn),
            hint="end the function with `return <the value to differentiate>`")
    return fn


def _fail(node, job, what, hint):
    raise UnsupportedError(f"{what} is not supported (in function `{job.name}`)",
                           job.source.location(node), hint=hint)


def _check_stmt(stmt, job, last):
    if type(stmt) in _STMT_NAMES:
        what, hint = _STMT_NAMES[type(stmt)]
        if isinstance(stmt, (gast.For, gast.While)):
            jumps = [word for kind, word in ((gast.Break, "`break`"),
                                             (gast.Continue, "`continue`"))
                     if any(isinstance(n, kind) for n in gast.walk(stmt))]
            if jumps:
                what += " with " + " and ".join(jumps)
        _fail(stmt, job, what, hint)
    if not isinstance(stmt, _ALLOWED_STMTS):
        _fail(stmt, job, f"the statement `{type(stmt).__name__}`", _LATER)
    if isinstance(stmt, gast.Return) and not last:
        _fail(stmt, job, "a `return` before the end of the function",
              "return once, at the end (early returns come with control flow support)")
    targets = []
    if isinstance(stmt, gast.Assign):
        targets = stmt.targets
    elif isinstance(stmt, (gast.AugAssign, gast.AnnAssign)):
        targets = [stmt.target]
        if isinstance(stmt, gast.AnnAssign) and stmt.value is None:
            _fail(stmt, job, "an annotation without a value", "assign a value")
    for target in targets:
        _check_target(target, job)
    for node in _walk_in_order(stmt):
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
        _fail(target, job, "assignment to an element or a slice (`x[i] = ...`)",
              "build a new array instead, e.g. with np.concatenate or np.where "
              "(in-place updates are being added)")
    if isinstance(target, gast.Attribute):
        _fail(target, job, "assignment to an attribute", "assign to a local variable")
    _fail(target, job, f"assignment to {type(target).__name__}", "assign to a name")
