"""Calls to the user's own functions: each callee gets a derivative of its own.

Pre: ``job.ops`` (resolve) and ``job.active`` (activity).  Post: every call of a user
function with active arguments is classified as a rule made for that call site: the
primal calls the user's function unchanged, and the adjoint calls the callee's generated
``vjp_<callee>`` with the same arguments and the result's adjoint, then adds its
gradients to the arguments' adjoints.  Example, for ``y = helper(x, w)`` with ``x``
active::

    helper_grads = vjp_helper(x, w, bh=by)[1]
    bx = helper_grads[0]

Each callee is transformed once per set of active parameters and cached like any
function; recursion resolves to the derivative being generated.
"""

from __future__ import annotations

import inspect

import gast

from .. import grammar, rules
from ..errors import UnsupportedError
from ..grammar import walk

# (code object, wrt names, optimize) -> seed parameter name, for derivatives being generated
IN_PROGRESS: dict = {}


def key_of(fn, wrt_names, single, optimize):
    return (fn.__code__, tuple(wrt_names), single, optimize)


def run(fn: gast.FunctionDef, job) -> gast.FunctionDef:
    job.callees = []
    ret = fn.body[-1] if fn.body and isinstance(fn.body[-1], gast.Return) else None
    if ret is not None:
        from ..pipeline import kinds_key
        own = key_of(job.source.fn, job.wrt_names, job.single_wrt, job.optimize) + (
            kinds_key(job.param_kinds),)
        IN_PROGRESS[own] = job.namer.adjoint(ret.value.id)
    for stmt in grammar.simple_statements(fn.body):
        op = job.ops.get(stmt)
        if op is None or op.kind != "user":
            continue
        if isinstance(stmt, gast.Expr):
            _check_discarded_call(stmt, op, job)
            continue
        targets = [n.id for n in walk(stmt.targets[0]) if isinstance(n, gast.Name)]
        if not set(targets) & job.active:
            continue
        _make_rule(stmt, op, job)
    return fn


def _make_rule(stmt, op, job):
    call = stmt.value
    callee = op.obj
    loc = job.source.location(stmt)
    target = stmt.targets[0]
    outputs = "y"
    seed_value = "by"
    if isinstance(target, gast.Tuple):  # ``a, b = helper(x)``: the seed is a tuple
        outputs = " ".join(f"y{i}" for i in range(len(target.elts)))
        seed_value = "(" + ", ".join(f"by{i}" for i in range(len(target.elts))) + ",)"
    signature = inspect.signature(callee)
    kwargs = {kw.arg: kw.value for kw in call.keywords if kw.arg is not None}
    try:
        bound = signature.bind(*call.args, **kwargs)
    except TypeError as exc:
        raise UnsupportedError(f"cannot match the arguments of `{op.display}`: {exc}", loc) \
            from None
    active = []
    for param, value in bound.arguments.items():
        kind = signature.parameters[param].kind
        if kind in (kind.VAR_POSITIONAL, kind.VAR_KEYWORD):
            names = {n.id for v in (value.values() if isinstance(value, dict) else value)
                     for n in walk(v) if isinstance(n, gast.Name)}
            if names & job.active:
                raise UnsupportedError(
                    f"`{op.display}` receives differentiated values through *{param}/"
                    f"**{param} (in function `{job.name}`)", loc,
                    hint="give the helper named parameters")
            continue
        if {n.id for n in walk(value) if isinstance(n, gast.Name)} & job.active:
            active.append(param)
    if not active:
        op.kind = "nondiff"
        return
    from ..pipeline import transform_callee
    kinds = {p: ("container" if isinstance(v, (gast.Tuple, gast.List, gast.Dict)) else
                 job.kinds.get(v.id, "unknown") if isinstance(v, gast.Name) else "array")
             for p, v in bound.arguments.items()}
    kinds = {p: k for p, k in kinds.items() if k != "array"}  # scalar, container or unknown
    seed, helper = transform_callee(callee, active, job, kinds)
    # The template names the callee's parameters arg0, arg1 ...: the callee's own names
    # could clash with the template's (a parameter ``bx`` next to ``x``, or ``grads``).
    safe = {p: f"arg{i}" for i, p in enumerate(bound.arguments)}
    positional_params = [_param_of(bound)(a) for a in call.args]
    parts = [p for p in positional_params if p is not None]
    positional = ", ".join(safe[p] for p in parts)
    keyword = ", ".join(f"{p}={safe[p]}" for p in bound.arguments if p not in parts)
    args = ", ".join(a for a in (positional, keyword, f"{seed}={seed_value}") if a)
    vjp = [f"grads = {helper}({args})[1]"]
    vjp += [f"b{safe[p]} += grads[{i}]" for i, p in enumerate(active)]
    params = ", ".join(safe.values())
    rule = rules.make_rule(callee, params, vjp="\n".join(vjp), names=[op.display],
                           outputs=outputs, extra_globals=(helper,))
    op.kind = "rule"
    op.rule = rule
    op.bindings = {safe[p]: v for p, v in bound.arguments.items()}
    job.template_globals[helper] = helper


def _check_discarded_call(stmt, op, job):
    """``helper(x)`` as a statement: its result is dropped, so it matters only through what
    it changes in place, which srcad refuses in helpers.  Transforming it as a callee
    raises that refusal; otherwise the call adds nothing to the derivative."""
    from ..pipeline import transform_callee
    signature = inspect.signature(op.obj)
    names = [p.name for p in signature.parameters.values()
             if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    if not names:
        return
    try:
        transform_callee(op.obj, names, job)
    except UnsupportedError as exc:
        if "in place" in str(exc):
            raise
        return  # anything else it does is invisible to the caller's derivative
    job.callees.pop()  # nothing calls its derivative


def _param_of(bound):
    by_node = {id(v): k for k, v in bound.arguments.items()}
    return lambda node: by_node.get(id(node))
