"""The ordered passes of each mode, and the state of one compilation (:class:`Job`).

``SRCAD_DUMP=anf,reverse`` prints the source after the named steps.  An unexpected
exception inside a step is reported as an internal error naming the step and the user's
function, chained to the original.
"""

from __future__ import annotations

import ast
import linecache
import os
import sys
from dataclasses import dataclass, field

import gast

from . import emit, rules
from .errors import InternalError, SrcadError
from .grammar import copy_tree, dotted, walk
from .naming import Namer
from .passes import (activity, anf, calls, control, cse, desugar, fence, forward, kinds, resolve,
                     reverse, ssa)
from .passes import optimize as optimize_pass
from .source import Source, missing


@dataclass(frozen=True)
class Step:
    run: object
    name: str
    description: str


REVERSE = (
    Step(fence.run, "fence", "reject unsupported syntax"),
    Step(desugar.run, "desugar", "lower sugar to the core"),
    Step(control.run, "control", "lower early exits"),
    Step(anf.run, "anf", "three-address form"),
    Step(ssa.run, "ssa", "single assignment"),
    Step(resolve.run, "resolve", "classify calls"),
    Step(cse.run, "cse", "common subexpressions"),
    Step(activity.run, "activity", "activity analysis"),
    Step(kinds.run, "kinds", "arrays and containers"),
    Step(calls.run, "calls", "derivatives of called user functions"),
    Step(reverse.run, "reverse", "primal sweep + adjoint sweep"),
    Step(optimize_pass.run, "optimize", "dead code, comments"),
)
NORMALIZE = REVERSE[:5]
FORWARD = REVERSE[:9] + (
    Step(forward.run, "forward", "tangent after each statement"),
    REVERSE[-1],
)
MODES = {"rev": REVERSE, "fwd": FORWARD}


@dataclass
class Job:
    """The state of one compilation; passes read and write it."""

    source: Source
    wrt_names: list[str]
    single_wrt: bool = True
    optimize: bool = True
    namer: Namer = field(default_factory=Namer)
    ops: dict = field(default_factory=dict)
    active: set = field(default_factory=set)
    template_globals: dict = field(default_factory=dict)  # template name -> name in code
    seed_name: str = ""
    callees: list = field(default_factory=list)
    param_kinds: dict = field(default_factory=dict)  # parameter -> scalar|array|container
    kinds: dict = field(default_factory=dict)
    shapes: dict = field(default_factory=dict)  # name -> symbolic shape (passes/shapes.py)
    augmented: set = field(default_factory=set)  # (line, column, name) of each ``name += v``
    augmented_items: set = field(default_factory=set)  # the same for ``name[k] += v``
    guards: dict = field(default_factory=dict)  # statement -> run-time check before it
    is_callee: bool = False  # generated for a call inside another derivative
    mode: str = "rev"  # "rev" or "fwd"

    @property
    def name(self) -> str:
        """The user's name for the function, for messages (``<lambda>`` for a lambda)."""
        return self.source.name


@dataclass
class Transformed:
    """Generated source plus what is needed to run it."""

    source: str
    name: str  # the generated function's name
    seed_name: str
    free_names: tuple[str, ...]  # user globals / closure names the code reads
    bound: dict  # name -> object each call target resolved to at transform time
    helpers: dict  # name in code -> helper object (np, unbroadcast, ...)
    callees: list = field(default_factory=list)  # (name in code, function, wrt names)
    defaults: dict = field(default_factory=dict)  # name in code -> where the value is
    filename: str = ""
    code: object = None
    # For the disk cache (diskcache.py), which stores objects by name:
    base: str = ""  # the pseudo-filename without <> and #n
    helper_keys: dict = field(default_factory=dict)  # name in code -> TEMPLATE_GLOBALS key
    call_paths: tuple[str, ...] = ()  # dotted names of the calls the passes resolved


def _free_names(tree: gast.FunctionDef) -> list[str]:
    from .grammar import local_names
    local = local_names(tree)
    seen = []
    for node in walk(tree):
        if isinstance(node, gast.Name) and isinstance(node.ctx, gast.Load) \
                and node.id not in local and node.id not in seen:
            seen.append(node.id)
    return seen


def _dump(fn, step):
    wanted = os.environ.get("SRCAD_DUMP", "")
    if step.name in wanted.split(","):
        print(f"# --- after {step.name}: {step.description}", file=sys.stderr)
        print(emit.to_source(fn), file=sys.stderr)


def run_steps(fn, job, steps):
    for step in steps:
        try:
            fn = step.run(fn, job)
        except SrcadError:
            raise
        except Exception as exc:
            loc = job.source.location(job.source.tree)
            raise InternalError(
                f"internal error in step '{step.description}' while differentiating "
                f"`{job.name}` ({loc}): {type(exc).__name__}: {exc}",
                hint="please report this with the function's source") from exc
        _dump(fn, step)
    return fn


def make_job(source: Source, wrt_names, single_wrt=True, optimize=True,
             param_kinds=None) -> Job:
    job = Job(source, list(wrt_names), single_wrt, optimize)
    job.param_kinds = dict(param_kinds or {})
    tree = copy_tree(source.tree)
    names = {n.id for n in walk(tree) if isinstance(n, gast.Name)}
    job.namer.reserve(*names)
    free = _free_names(tree)
    for tname, obj in rules.TEMPLATE_GLOBALS.items():
        if tname in names and not (tname in free and source.lookup(tname) is obj):
            job.template_globals[tname] = job.namer.fresh(tname)
        else:
            job.template_globals[tname] = tname
            job.namer.reserve(tname)  # a temporary must not shadow a helper a template calls
    job.defaults = _name_defaults(tree, job)
    job.tree = tree
    return job


def _name_defaults(tree, job) -> dict:
    """Replace default values that are not constants by names (``scale=default_scale``):
    the derivative takes the user function's own default values, whatever scope they
    were computed in."""
    out = {}
    args = tree.args
    for i, value in enumerate(args.defaults):
        if not isinstance(value, gast.Constant):
            param = (args.posonlyargs + args.args)[len(args.posonlyargs + args.args)
                                                   - len(args.defaults) + i].id
            name = job.namer.fresh(f"default_{param}")
            args.defaults[i] = gast.Name(id=name, ctx=gast.Load(), annotation=None,
                                         type_comment=None)
            out[name] = ("positional", i)
    for param, value in zip(args.kwonlyargs, args.kw_defaults):
        if value is not None and not isinstance(value, gast.Constant):
            name = job.namer.fresh(f"default_{param.id}")
            args.kw_defaults[args.kwonlyargs.index(param)] = gast.Name(
                id=name, ctx=gast.Load(), annotation=None, type_comment=None)
            out[name] = ("keyword", param.id)
    return out


def kinds_key(param_kinds) -> frozenset:
    """The parameters whose values are not arrays, with their kinds: part of cache keys."""
    return frozenset((p, k) for p, k in (param_kinds or {}).items() if k != "array")


def _unique_filename(base: str, text: str) -> str:
    """A pseudo-filename for generated ``text``: ``<base>``, or ``<base #2>`` ... when
    another text (another ``wrt``, mode or specialization) already has that name, so
    that the source of every generated function stays readable (and transformable)."""
    n = 1
    while True:
        filename = f"<{base}>" if n == 1 else f"<{base} #{n}>"
        entry = linecache.cache.get(filename)
        if entry is None or "".join(entry[2]) == text:
            return filename
        n += 1


def compile_generated(base: str, text: str):
    """Compile generated ``text`` under a pseudo-filename from ``base``, registered in
    ``linecache``; return the filename and the module's code object."""
    filename = _unique_filename(base, text)
    code = compile(ast.parse(text), filename, "exec")
    linecache.cache[filename] = (len(text), None, text.splitlines(keepends=True), filename)
    return filename, code


def transform_function(fn, wrt_names, single_wrt=True, optimize=True, kinds=frozenset(),
                       is_callee=False, mode="rev") -> Transformed:
    """:func:`transform` of the function ``fn``, or its text from the disk cache (not
    under ``SRCAD_DUMP``, which asks to see the steps run)."""
    from . import diskcache
    from .source import get_source
    options = {"wrt": list(wrt_names), "single": single_wrt, "optimize": optimize,
               "kinds": sorted([p, k] for p, k in kinds), "callee": is_callee, "mode": mode}
    ticket = None if os.environ.get("SRCAD_DUMP") else diskcache.ticket(fn, options)
    if ticket is not None:
        found = diskcache.load(ticket)
        if found is not None:
            return found
    source = ticket.source if ticket is not None else get_source(fn)
    transformed = transform(source, list(wrt_names), single_wrt, optimize, dict(kinds),
                            is_callee=is_callee, mode=mode)
    if ticket is not None:
        diskcache.save(ticket, transformed)
    return transformed


def transform_callee(callee, wrt_names, job, param_kinds=None, mode="rev"):
    """The seed name of ``callee``'s derivative for ``wrt_names`` and its name in the code.

    In forward mode the "seed" is the comma-separated names of the tangent parameters."""
    from . import cache
    prefix = "vjp" if mode == "rev" else "jvp"
    helper = job.namer.fresh(f"{prefix}_{callee.__name__}")
    kinds = kinds_key(param_kinds)
    key = calls.key_of(callee, wrt_names, False, job.optimize) + (kinds,)
    if mode != "rev":
        key += (mode,)
    if getattr(callee, "__srcad__", None) is not None:  # a derivative made by srcad
        from .derivative import Derivative
        derivative = Derivative(callee, tuple(wrt_names), job.optimize, callee=True,
                                mode=mode)
        derivative.compile(kinds=kinds)
        seed = derivative.transformed.seed_name
    elif key in calls.IN_PROGRESS:
        seed = calls.IN_PROGRESS[key]
    else:
        cache_key = (f"{mode}-callee", tuple(wrt_names), False, job.optimize, kinds)
        transformed = cache.get(callee.__code__, cache_key)
        if transformed is None:
            transformed = transform_function(callee, wrt_names, False, job.optimize, kinds,
                                             is_callee=True, mode=mode)
            cache.put(callee.__code__, cache_key, transformed)
        seed = transformed.seed_name
    job.callees.append((helper, callee, tuple(wrt_names), kinds))
    return seed, helper


def transform_reverse(source: Source, wrt_names, single_wrt=True, optimize=True,
                      param_kinds=None, is_callee=False) -> Transformed:
    return transform(source, wrt_names, single_wrt, optimize, param_kinds, is_callee, "rev")


def transform(source: Source, wrt_names, single_wrt=True, optimize=True,
              param_kinds=None, is_callee=False, mode="rev") -> Transformed:
    """Run the steps of ``mode`` ("rev" or "fwd") on ``source`` and compile the result."""
    job = make_job(source, wrt_names, single_wrt, optimize, param_kinds)
    job.is_callee = is_callee
    job.mode = mode
    steps = MODES[mode] if optimize else MODES[mode][:-1]
    own = calls.key_of(source.fn, wrt_names, single_wrt, optimize) + (kinds_key(param_kinds),)
    if mode != "rev":
        own += (mode,)
    try:
        fn = run_steps(job.tree, job, steps)
    finally:
        calls.IN_PROGRESS.pop(own, None)
    if not optimize:
        fn.body = optimize_pass.tidy_all(fn.body)
    text = emit.to_source(fn)
    free = tuple(_free_names(source.tree))
    bound = {}
    paths = []
    for stmt, op in job.ops.items():
        if op.obj is not None and not isinstance(op.obj, tuple):
            value = getattr(stmt.value, "func", None)
            parts = dotted(value) if value is not None else None
            if parts:
                paths.append(".".join(parts))
            if parts and parts[0] in free:
                obj = source.lookup(parts[0])
                if not missing(obj):
                    bound[parts[0]] = obj
    keys = {job.template_globals[k]: k for k in rules.TEMPLATE_GLOBALS}
    for helper, *_ in job.callees:
        keys.pop(helper, None)
    helpers = {name: rules.TEMPLATE_GLOBALS[k] for name, k in keys.items()}
    base = f"srcad {fn.name} of {source.filename}:{source.tree.lineno}"
    filename, code = compile_generated(base, text)
    return Transformed(text, fn.name, job.seed_name, free, bound, helpers, list(job.callees),
                       dict(job.defaults), filename, code, base=base, helper_keys=keys,
                       call_paths=tuple(dict.fromkeys(paths)))
