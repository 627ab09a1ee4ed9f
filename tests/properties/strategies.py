"""Hypothesis strategies for random straight-line numpy functions, as source text.

A generated :class:`Program` has 1-3 float parameters (all scalars, or all arrays of
shape ``SHAPE``), 1-6 assignment statements and a ``return`` of a scalar.  Statements are
fresh assignments, reassignments (of parameters too), augmented assignments, tuple
unpacking, swaps, multiple targets and unpacking of an array into scalars.  Right-hand
sides nest ``+ - * / **``, unary ``-``/``+``, constants, numpy/math functions that have a
rule in ``srcad.supported_functions()`` (looked up at import, so new rules are picked up),
reductions (``np.sum``, ``x.sum()``, ``axis=``), indexing, views (``x[::-1]``, ``x.T``),
``@`` and non-differentiable integers (``len(x)``, ``x.shape[0]``, ``x.size``).

Values stay finite and well conditioned: for inputs in ``[-INPUT_BOUND, INPUT_BOUND]`` every
expression carries a bound on its magnitude and on its derivative with respect to any
input coordinate.  Large values are squashed through ``np.sin``/``np.cos``/``np.tanh``,
divisions and logarithms only see arguments bounded away from 0, and ``np.exp`` only
bounded arguments; an operation whose derivative bound would exceed ``MAX_DERIVATIVE`` is
dropped in favour of its first operand, so finite differences stay accurate.

``allow_aug_alias`` (off by default) allows ``a += v`` on an array that another name
shares (``b = a``, ``a = b = ...``, a view), which srcad refuses with a clear error since
it computes ``a = a + v``; the strategy writes ``a = a + (v)`` instead.  The other
``allow_*`` flags (on by default) cover constructs that once hit bugs: ``p, q, r =
np.sin(x)``, ``x, p, q = x`` and a local variable called ``zeros_like``.
"""

from __future__ import annotations

import itertools
import linecache
import math
from dataclasses import dataclass, field

import numpy as np
from hypothesis import strategies as st

import srcad

SUPPORTED = frozenset(srcad.supported_functions())
SHAPE = (3,)
INPUT_BOUND = 1.5
MAX_VALUE = 10.0  # larger values are squashed
MAX_DERIVATIVE = 30.0  # operations whose derivative could exceed this are dropped

PARAM_NAMES = ("x", "y", "w", "x_2", "bx", "a")
LOCAL_NAMES = ("a", "b", "c", "u", "v", "x_2", "y_2", "bx", "by", "_t1", "sin_x",
               "unbroadcast", "unreduce", "zeros_like", "vjp_f", "result", "x_times_y")
# A local variable with the name of a runtime helper that reverse.py calls by its literal
# name shadows the helper (see test_local_named_zeros_like).
SHADOWING_BROKEN = frozenset({"zeros_like"})
CONSTANTS = ("0.5", "2.0", "1.5", "0.25", "3.0", "2", "3", "1", "-0.5", "-2.0")

_COUNTER = itertools.count()


def supported(name: str) -> bool:
    return name in SUPPORTED


def make_function(source: str, name: str = "f", namespace: dict | None = None):
    """Execute ``source`` under a fresh pseudo-filename registered in linecache."""
    filename = f"<srcad-property-{next(_COUNTER)}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    ns = {"np": np, "math": math}
    ns.update(namespace or {})
    exec(compile(source, filename, "exec"), ns)
    return ns[name]


@dataclass(frozen=True)
class Program:
    source: str
    params: tuple[str, ...]
    shape: tuple  # () for scalar parameters

    @property
    def n(self) -> int:
        return len(self.params)

    def build(self):
        return make_function(self.source)

    def copy_args(self, args):
        """Fresh copies: the function may update its array arguments in place."""
        return tuple(np.array(a, dtype=np.float64) if isinstance(a, np.ndarray) else a
                     for a in args)


# --------------------------------------------------------------------------- expressions

@dataclass
class Expr:
    text: str
    kind: str  # "s" scalar or "a" array
    b: float  # |value| <= b
    d: float  # |d value / d input coordinate| <= d
    atomic: bool = False  # needs no parentheses as an operand
    alias: str | None = None  # the local name whose array this is (bare name or a view)
    call: bool = False

    def op(self) -> str:
        return self.text if self.atomic else f"({self.text})"


@dataclass
class Pos:
    """An expression that is positive: lo <= value <= hi."""

    text: str
    kind: str
    lo: float
    hi: float
    d: float


@dataclass
class Info:
    kind: str
    b: float
    d: float
    obj: int  # identity of the value's buffer, for aliasing


@dataclass
class Context:
    array: bool
    env: dict = field(default_factory=dict)  # name -> Info
    params: tuple = ()
    objects: itertools.count = field(default_factory=lambda: itertools.count())
    allow_aug_alias: bool = False
    allow_unpack_call: bool = True
    allow_self_unpack: bool = True
    allow_helper_names: bool = True

    def new_obj(self) -> int:
        return next(self.objects)

    def obj_of(self, expr: Expr) -> int:
        if expr.alias is not None and expr.kind == "a":
            return self.env[expr.alias].obj
        return self.new_obj()

    def shared(self, name: str) -> bool:
        obj = self.env[name].obj
        return any(o != name and info.obj == obj for o, info in self.env.items())


def _kind(*exprs) -> str:
    return "a" if any(e.kind == "a" for e in exprs) else "s"


_REAL_FUNCS = [f for f in ("sin", "cos", "tanh", "arctan") if supported(f"numpy.{f}")]
_SQUASH = [f for f in ("sin", "cos", "tanh") if supported(f"numpy.{f}")]
_POS_FUNCS = [f for f in ("log", "sqrt", "log1p", "log2", "log10", "cbrt")
              if supported(f"numpy.{f}")]
_BOUNDED_FUNCS = [f for f in ("exp", "sinh", "cosh", "expm1") if supported(f"numpy.{f}")]
_UNIT_FUNCS = [f for f in ("arcsin", "arctanh") if supported(f"numpy.{f}")]
_MATH_FUNCS = [f for f in ("sin", "cos", "tanh") if supported(f"math.{f}")]


def _finish(draw, e: Expr, fallback: Expr) -> Expr:
    """Keep ``e`` within the value and derivative bounds."""
    if not (math.isfinite(e.b) and math.isfinite(e.d)) or e.d > MAX_DERIVATIVE:
        return fallback
    if e.b > MAX_VALUE:
        fn = draw(st.sampled_from(_SQUASH))
        return Expr(f"np.{fn}({e.text})", e.kind, 1.0, e.d, atomic=True, call=True)
    return e


def _leaf(draw, ctx: Context) -> Expr:
    if ctx.env and draw(st.integers(0, 3)) > 0:
        name = draw(st.sampled_from(sorted(ctx.env)))
        info = ctx.env[name]
        return Expr(name, info.kind, info.b, info.d, atomic=True, alias=name)
    arrays = sorted(n for n, info in ctx.env.items() if info.kind == "a")
    if arrays and draw(st.integers(0, 3)) == 0:
        # not differentiable: an integer computed from an array
        name = draw(st.sampled_from(arrays))
        text = draw(st.sampled_from([f"{name}.shape[0]", f"len({name})", f"{name}.size"]))
        return Expr(text, "s", float(SHAPE[0]), 0.0, atomic=True)
    text = draw(st.sampled_from(CONSTANTS))
    return Expr(text, "s", abs(float(text)), 0.0, atomic=not text.startswith("-"))


def _positive(draw, ctx: Context, depth: int) -> Pos:
    choice = draw(st.integers(0, 4))
    if choice == 0:
        e = _leaf(draw, ctx)
        return Pos(f"1.0 + {e.op()} * {e.op()}", e.kind, 1.0, 1.0 + e.b * e.b, 2 * e.b * e.d)
    e = _expr(draw, ctx, depth - 1)
    if choice == 1:
        return Pos(f"1.0 + {e.op()} ** 2", e.kind, 1.0, 1.0 + e.b * e.b, 2 * e.b * e.d)
    if choice == 2:
        return Pos(f"1.5 + np.sin({e.text})", e.kind, 0.5, 2.5, e.d)
    if choice == 3:
        return Pos(f"2.0 + np.cos({e.text})", e.kind, 1.0, 3.0, e.d)
    return Pos(f"np.exp(np.sin({e.text}))", e.kind, math.exp(-1), math.exp(1), math.e * e.d)


def _expr(draw, ctx: Context, depth: int) -> Expr:
    if depth <= 0 or draw(st.integers(0, 3)) == 0:
        return _leaf(draw, ctx)
    kinds = ["neg", "add", "sub", "mul", "div", "powint", "powconst", "powvar", "func", "pos"]
    if _UNIT_FUNCS:
        kinds.append("unit")
    if ctx.array:
        kinds += ["reduce", "index", "view", "matmul"]
    elif _MATH_FUNCS:
        kinds.append("math")
    what = draw(st.sampled_from(kinds))
    sub = depth - 1
    if what == "neg":
        e, sign = _expr(draw, ctx, sub), draw(st.sampled_from("-+"))
        return Expr(f"{sign}{e.op()}", e.kind, e.b, e.d)
    if what in ("add", "sub", "mul"):
        l, r = _expr(draw, ctx, sub), _expr(draw, ctx, sub)
        sym = {"add": "+", "sub": "-", "mul": "*"}[what]
        if what == "mul":
            b, d = l.b * r.b, l.b * r.d + r.b * l.d
        else:
            b, d = l.b + r.b, l.d + r.d
        return _finish(draw, Expr(f"{l.op()} {sym} {r.op()}", _kind(l, r), b, d), l)
    if what == "div":
        l, p = _expr(draw, ctx, sub), _positive(draw, ctx, sub)
        d = l.d / p.lo + l.b * p.d / p.lo ** 2
        return _finish(draw, Expr(f"{l.op()} / ({p.text})", _kind(l, p), l.b / p.lo, d), l)
    if what == "powint":
        e, k = _expr(draw, ctx, sub), draw(st.sampled_from((2, 3)))
        return _finish(draw, Expr(f"{e.op()} ** {k}", e.kind, e.b ** k,
                                  k * e.b ** (k - 1) * e.d), e)
    if what == "powconst":
        p, c = _positive(draw, ctx, sub), draw(st.sampled_from((0.5, 1.5, -0.5, 2.5, -1.0)))
        b = p.hi ** c if c > 0 else p.lo ** c
        d = abs(c) * max(p.lo ** (c - 1), p.hi ** (c - 1)) * p.d
        return _finish(draw, Expr(f"({p.text}) ** {c}", p.kind, b, d), _leaf(draw, ctx))
    if what == "powvar":
        p, e = _positive(draw, ctx, sub), _expr(draw, ctx, sub)
        top = max(p.hi, 1.0 / p.lo)
        d = top * (e.d * math.log(top) + p.d / p.lo)
        return _finish(draw, Expr(f"({p.text}) ** np.sin({e.text})", _kind(p, e), top, d), e)
    if what == "func":
        group = draw(st.sampled_from(["real", "pos", "bounded"]))
        if group == "pos" and _POS_FUNCS:
            fn, p = draw(st.sampled_from(_POS_FUNCS)), _positive(draw, ctx, sub)
            b = max(abs(math.log(p.lo)), math.log(p.hi)) / math.log(2) + p.hi ** 0.5 + 1
            return _finish(draw, Expr(f"np.{fn}({p.text})", p.kind, b, p.d / p.lo * 2,
                                      atomic=True, call=True), _leaf(draw, ctx))
        e = _expr(draw, ctx, sub)
        if group == "bounded" and _BOUNDED_FUNCS:
            fn = draw(st.sampled_from(_BOUNDED_FUNCS))
            arg = e if e.b <= 2.0 else Expr(f"np.sin({e.text})", e.kind, 1.0, e.d, atomic=True)
            scale = math.exp(arg.b)
            return _finish(draw, Expr(f"np.{fn}({arg.text})", e.kind, scale + 1, scale * arg.d,
                                      atomic=True, call=True), e)
        fn = draw(st.sampled_from(_REAL_FUNCS))
        return Expr(f"np.{fn}({e.text})", e.kind, 2.0, e.d, atomic=True, call=True)
    if what == "unit":
        fn, e = draw(st.sampled_from(_UNIT_FUNCS)), _expr(draw, ctx, sub)
        return Expr(f"np.{fn}(0.5 * np.sin({e.text}))", e.kind, 1.0, e.d, atomic=True, call=True)
    if what == "pos":
        p = _positive(draw, ctx, sub)
        return _finish(draw, Expr(p.text, p.kind, p.hi, p.d), _leaf(draw, ctx))
    if what == "math":
        fn, e = draw(st.sampled_from(_MATH_FUNCS)), _expr(draw, ctx, sub)
        return Expr(f"math.{fn}({e.text})", "s", 1.0, e.d, atomic=True, call=True)
    # array-only constructs: they need an array operand
    e = _expr(draw, ctx, sub)
    if e.kind != "a":
        return e
    n = SHAPE[0]
    if what == "reduce":
        forms = [f"np.sum({e.text})", f"np.sum({e.text}, axis=0)", f"np.sum({e.text}, axis=-1)"]
        if supported("numpy.ndarray.sum"):
            forms.append(f"{e.op()}.sum()")
        if supported("numpy.mean"):
            forms.append(f"np.mean({e.text})")
        if supported("numpy.ndarray.mean"):
            forms.append(f"{e.op()}.mean()")
        text = draw(st.sampled_from(forms))
        return _finish(draw, Expr(text, "s", n * e.b, n * e.d, atomic=True, call=True), e)
    if what == "index":
        k = draw(st.integers(-n, n - 1))
        return Expr(f"{e.op()}[{k}]", "s", e.b, e.d, atomic=True)
    if what == "view":
        text = draw(st.sampled_from([f"{e.op()}[::-1]", f"{e.op()}.T"]))
        return Expr(text, "a", e.b, e.d, atomic=True, alias=e.alias)
    r = _expr(draw, ctx, sub)
    if r.kind != "a":
        return e
    return _finish(draw, Expr(f"{e.op()} @ {r.op()}", "s", n * e.b * r.b,
                              n * (e.b * r.d + r.b * e.d)), e)


# ---------------------------------------------------------------------------- statements

def _fresh(draw, ctx: Context, avoid=()) -> str | None:
    free = [n for n in LOCAL_NAMES if n not in ctx.env and n not in avoid
            and (ctx.allow_helper_names or n not in SHADOWING_BROKEN)]
    return draw(st.sampled_from(free)) if free else None


def _target(draw, ctx: Context, avoid=()) -> str:
    """An existing name (parameters included) or a fresh one."""
    existing = [n for n in sorted(ctx.env) if n not in avoid]
    fresh = _fresh(draw, ctx, avoid)
    if fresh is None or (existing and draw(st.booleans())):
        return draw(st.sampled_from(existing))
    return fresh


def _bind(ctx: Context, name: str, e: Expr, obj: int | None = None):
    ctx.env[name] = Info(e.kind, e.b, e.d, ctx.obj_of(e) if obj is None else obj)


def _statement(draw, ctx: Context) -> str:
    kinds = ["assign", "assign", "reassign", "aug", "tuple", "multi"]
    if len(ctx.env) >= 2:
        kinds.append("swap")
    if ctx.array:
        kinds.append("unpack")
    what = draw(st.sampled_from(kinds))
    if what in ("assign", "reassign"):
        name = _fresh(draw, ctx) if what == "assign" else None
        name = name or draw(st.sampled_from(sorted(ctx.env)))
        e = _expr(draw, ctx, 3)
        _bind(ctx, name, e)
        return f"{name} = {e.text}"
    if what == "aug":
        name = draw(st.sampled_from(sorted(ctx.env)))
        t = ctx.env[name]
        cur = Expr(name, t.kind, t.b, t.d, atomic=True)
        op = draw(st.sampled_from(["+", "-", "*", "/", "**"]))
        if op == "/":
            p = _positive(draw, ctx, 2)
            rhs_text, kind = p.text, _kind(cur, p)
            b, d = t.b / p.lo, t.d / p.lo + t.b * p.d / p.lo ** 2
        elif op == "**":
            rhs_text, kind = "2", t.kind
            b, d = t.b ** 2, 2 * t.b * t.d
        else:
            e = _expr(draw, ctx, 2)
            rhs_text, kind = e.text, _kind(cur, e)
            b, d = (t.b * e.b, t.b * e.d + e.b * t.d) if op == "*" else (t.b + e.b, t.d + e.d)
        if b > MAX_VALUE or d > MAX_DERIVATIVE:
            e = _expr(draw, ctx, 1)
            _bind(ctx, name, e)
            return f"{name} = {e.text}"
        in_place = t.kind == "a"  # numpy updates the array itself
        if in_place and ctx.shared(name) and not ctx.allow_aug_alias:
            # `a += ...` on an array other names share is lowered wrongly (see
            # test_aug_assign_on_aliased_array); write the rebinding form instead.
            text = f"{name} = {name} {op} ({rhs_text})"
            in_place = False
        else:
            text = f"{name} {op}= {rhs_text}"
        obj = t.obj if in_place else ctx.new_obj()
        ctx.env[name] = Info(kind, b, d, obj)
        return text
    if what == "tuple":
        k = draw(st.integers(2, 3))
        names = []
        for _ in range(k):
            names.append(_target(draw, ctx, avoid=names))
        values = [_expr(draw, ctx, 2) for _ in names]
        objs = [ctx.obj_of(v) for v in values]
        for name, v, obj in zip(names, values, objs):
            _bind(ctx, name, v, obj)
        return f"{', '.join(names)} = {', '.join(v.text for v in values)}"
    if what == "swap":
        k = draw(st.integers(2, min(3, len(ctx.env))))
        names = draw(st.permutations(sorted(ctx.env)))[:k]
        rotated = names[1:] + names[:1]
        infos = [ctx.env[n] for n in rotated]
        for name, info in zip(names, infos):
            ctx.env[name] = info
        return f"{', '.join(names)} = {', '.join(rotated)}"
    if what == "multi":
        k = draw(st.integers(2, 3))
        names = []
        for _ in range(k):
            names.append(_target(draw, ctx, avoid=names))
        e = _expr(draw, ctx, 3)
        obj = ctx.obj_of(e)
        for name in names:
            _bind(ctx, name, e, obj)
        return f"{' = '.join(names)} = {e.text}"
    # unpack an array into scalars
    e = _expr(draw, ctx, 2)
    if e.kind != "a":
        e = Expr(f"{e.op()} * np.ones({SHAPE[0]})", "a", e.b, e.d)
    if e.call and not ctx.allow_unpack_call:
        # unpacking a call's result is refused (see test_unpack_array_returned_by_call)
        e = Expr(f"{e.op()} * 1.0", "a", e.b, e.d)
    names = []
    # `x, a, b = x` is lowered to `x = x[0]; a = x[1]; ...` (see test_unpack_into_own_name)
    avoid = [] if ctx.allow_self_unpack or e.text not in ctx.env else [e.text]
    for _ in range(SHAPE[0]):
        names.append(_target(draw, ctx, avoid=names + avoid))
    for name in names:
        ctx.env[name] = Info("s", e.b, e.d, ctx.new_obj())
    return f"{', '.join(names)} = {e.text}"


@st.composite
def programs(draw, array=None, max_statements=6, allow_aug_alias=False,
             allow_unpack_call=True, allow_self_unpack=True, allow_helper_names=True) -> Program:
    """A random straight-line function ``f`` returning a scalar."""
    if array is None:
        array = draw(st.booleans())
    n = draw(st.integers(1, 3))
    params = tuple(draw(st.permutations(PARAM_NAMES))[:n])
    ctx = Context(array=array, params=params, allow_aug_alias=allow_aug_alias,
                  allow_unpack_call=allow_unpack_call, allow_self_unpack=allow_self_unpack,
                  allow_helper_names=allow_helper_names)
    for p in params:
        ctx.env[p] = Info("a" if array else "s", INPUT_BOUND, 1.0, ctx.new_obj())
    lines = [_statement(draw, ctx) for _ in range(draw(st.integers(1, max_statements)))]
    e = _expr(draw, ctx, 3)
    if e.kind == "a":
        e = Expr(draw(st.sampled_from([f"np.sum({e.text})", f"{e.op()}.sum()"])), "s", 0, 0)
    lines.append(f"return {e.text}")
    body = "".join(f"    {line}\n" for line in lines)
    source = f"def f({', '.join(params)}):\n{body}"
    return Program(source, params, SHAPE if array else ())


def arguments(program: Program):
    """Arguments for ``program``: floats or arrays in [-INPUT_BOUND, INPUT_BOUND]."""
    value = st.floats(-INPUT_BOUND, INPUT_BOUND, allow_nan=False, allow_infinity=False)
    if program.shape:
        size = int(np.prod(program.shape))
        one = st.lists(value, min_size=size, max_size=size).map(
            lambda v: np.array(v, dtype=np.float64).reshape(program.shape))
    else:
        one = value
    return st.tuples(*[one] * program.n)


@st.composite
def programs_with_args(draw, **kwargs):
    program = draw(programs(**kwargs))
    return program, draw(arguments(program))
