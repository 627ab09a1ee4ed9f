"""Hypothesis strategies for random small programs WITH CONTROL FLOW, as source text.

A generated :class:`CFProgram` is a module: four fixed helper functions (``HELPERS``:
``h1`` with a default, ``h2`` with a branch and an early return, ``h3`` with a loop and a
``return`` inside it, ``h4`` over an array) and a function ``f`` of 1-2 scalar float
parameters (``x``, ``y``) and optionally one shape-(3,) array parameter ``w``, returning a
float.  The body of ``f`` (at most ``MAX_STATEMENTS`` statements, nested at most
``MAX_DEPTH`` deep) is made of:

* ``if``/``elif``/``else`` on comparisons of values with constants (``x > 0.5``,
  ``0.25 < s``, ``x > y``, ``i % 2 == 0``, chained ``-0.5 < s < 0.5``), ``not``, ``and``,
  ``or`` and ``(a and b) or c``;
* ``for i in range(k)``, ``range(a, b)``, ``range(a, b, s)``, ``reversed(range(k))``,
  ``for v in w``, ``for u in [x, s, ...]``, ``for u in <list>``, ``enumerate(w)``,
  ``zip(w, z)`` -- at most ``MAX_TRIPS`` trips;
* ``while`` loops bounded by a counter that the body increments first
  (``while n < 3:``, ``while n < 3 and s < 1.0:``, ``while s < 1.0 and n < 3:``,
  ``while True: n = n + 1; if n > 3: break; ...``);
* ``break``/``continue`` (also in nested loops) and early ``return`` inside loops and
  branches (as the last statement of an ``if``/``elif`` body, or ``if c: return e``; an
  ``else`` body always falls through, so no code is unreachable);
* assignments, augmented assignments, conditional expressions, arithmetic, ``np.sin``,
  ``np.cos``, ``np.tanh``, ``np.arctan``, ``np.exp`` of a squashed argument,
  ``np.log(1.0 + v * v)``, ``np.sqrt(1.0 + v * v)``, ``math.sin``/``cos``/``tanh``,
  reductions of arrays, calls of the helpers (positional, keyword, defaults);
* lists built by literals and ``append`` and read by ``ys[0]``/``ys[-1]``/``sum(ys)``,
  arrays made by ``np.zeros(3)``/``w.copy()``/``np.copy(w)``/``np.ones(3) * x`` and written
  by ``z[i] = ...``, ``z[i] += ...``, ``z[i] *= ...`` (never a view, never an argument,
  never an array that is being iterated over).

Values stay bounded: every expression carries a bound on its magnitude; a sub-expression
whose bound exceeds ``MAX_EXPR`` is squashed (``np.tanh``/``np.sin``/``np.arctan``), an
assigned value whose bound exceeds ``BOUND`` likewise, ``np.exp`` only sees ``np.sin(..)``
or ``0.5 * np.tanh(..)``, divisions only ``1.0 + v * v`` or ``2.0 + np.cos(v)``, inside a
loop every variable is taken to be at ``BOUND`` already (the body may have run), and an
augmented addition inside a loop adds at most ``0.5`` per trip.  The bounds guide the
generator; they are not a proof (the test also rejects non-finite or huge values).

Non-differentiable points are rejected by the test, not avoided here, with the help of
:func:`instrument`: every comparison of the module (in ``f`` and in the helpers) is
rewritten into a call ``_cmp(left, "Gt", right, ...)`` that evaluates the same chain,
returns the same bool and records each outcome, the *branch trace*.  Every control decision
of these programs is such a comparison (``for`` loops have constant trip counts; ``if``,
``while``, ``break``, ``continue``, ``return``, conditional expressions and the
short-circuits of ``and``/``or`` all hinge on comparisons), so two inputs with the same
trace run the same straight-line code.  See test_control_flow.py for how it is used.

Known srcad bugs are avoided unless the matching ``Options.allow_*`` flag is set (each has
a strict-xfail regression test in test_control_flow.py):

* ``allow_dead_reassign``: a variable that exists before an ``if``/``for``/``while``, is
  rebound inside it and is not read after it loses its adjoint: the gradient is silently 0
  (``r = 1.0; if x < 5.0: x = x * 2.0; r = x``), or the generated code raises
  ``UnboundLocalError`` on the path that skips the branch; a dead copy ``acc = x`` in a
  branch, of a name used elsewhere, does the same.  Lowering an early ``return`` moves the
  rest of the function into the branches of the ``if`` around it, so rebinding after an
  early ``return`` hits the bug too (``if x > 5.0: return 1.0`` then ``x = x * 2.0``).
  With the flag off the generator keeps every such value live:

  - the final ``return`` reads every top-level variable (floats, arrays, lists);
  - names first assigned inside a compound statement are fresh (``t1``, ``l2``, ``a3``),
    assigned once and never reused;
  - a top-level name once rebound inside a compound statement is only rebound again by
    statements that read it (``s = e + 0.5 * s``, ``s += e``, ``s.append``, ``s[i] = e``);
  - an ``if`` statement either contains no ``return`` at all (decided up front) or none of
    its branches rebinds an outer name;
  - names that exist when a ``return`` is generated are never rebound after it.

  Rebinding outer names inside loops that contain a ``return`` (before it), and inside
  ``if`` statements with ``break``/``continue``, works and is generated.
* ``allow_unknown_kind_args``: a value srcad cannot tell is a number -- the bare result of a
  call of a user function, a list item, a loop variable over a list, or a copy of one of
  these -- passed to a user function is refused as "arithmetic on a list, tuple or dict".
  With the flag off such values are written ``1.0 * (...)`` when they are passed to a
  helper or assigned to a name.
"""

from __future__ import annotations

import ast
import itertools
import math
from dataclasses import dataclass

import numpy as np
from hypothesis import strategies as st

import srcad

from .strategies import make_function

SUPPORTED = frozenset(srcad.supported_functions())
N = 3  # length of every array
INPUT_BOUND = 1.5
BOUND = 3.0  # assigned values that could exceed this are squashed
MAX_EXPR = 10.0  # sub-expressions that could exceed this are squashed
MAX_DEPTH = 2  # nesting of compound statements
MAX_TRIPS = 4
MAX_STATEMENTS = 9  # statements in f, nested ones included

SCALAR_PARAMS = ("x", "y")
ARRAY_PARAM = "w"
FLOAT_NAMES = ("s", "t", "acc", "p", "r")
ELEMENT_NAMES = ("v", "e")  # loop variables over arrays
LIST_ELEMENT_NAMES = ("u", "q")  # loop variables over lists
INDEX_NAMES = ("i", "j", "k")
COUNTER_NAMES = ("n", "m")
ARRAY_NAMES = ("z", "zz")
LIST_NAMES = ("ys", "vals")
CONSTANTS = ("0.5", "2.0", "1.5", "0.25", "3.0", "-0.5", "-2.0", "0.1")
COMPARE_CONSTANTS = ("0.0", "0.5", "-0.5", "1.0", "0.25", "-0.25", "1.5", "-1.0")

HELPERS = '''\
def h1(a, b=2.0):
    return np.tanh(a * b) + np.sin(a)


def h2(a, b=0.5):
    if a > b:
        return np.tanh(a - b) * b
    return a * b / (1.0 + a * a)


def h3(v, k=3):
    acc = 0.5 * v
    for j in range(k):
        acc = np.sin(acc) + 0.5 * v
        if acc > 1.0:
            return acc * 0.5
    return acc


def h4(u, c=1.0):
    return np.sum(np.tanh(u) * c)
'''


def _has(name: str) -> bool:
    return name in SUPPORTED


_SQUASH = [f for f in ("tanh", "sin", "arctan") if _has(f"numpy.{f}")]
_FUNCS = [f for f in ("sin", "cos", "tanh", "arctan") if _has(f"numpy.{f}")]
_MATH = [f for f in ("sin", "cos", "tanh") if _has(f"math.{f}")]


# ------------------------------------------------------------------------------ programs

@dataclass(frozen=True)
class CFProgram:
    source: str  # the whole module: the helpers, then f
    params: tuple[str, ...]
    arrays: frozenset  # the parameters that are arrays of shape (N,)

    @property
    def n(self) -> int:
        return len(self.params)

    @property
    def body(self) -> str:
        """The source of ``f`` alone."""
        return self.source[self.source.index("def f("):]

    def build(self):
        return make_function(self.source)

    def build_instrumented(self, recorder: "Recorder"):
        return make_function(instrument(self.source), namespace={"_cmp": recorder})

    def copy_args(self, args):
        return tuple(np.array(a, dtype=np.float64) if isinstance(a, np.ndarray) else a
                     for a in args)


# --------------------------------------------------------------- instrumented comparisons

class _Instrument(ast.NodeTransformer):
    def visit_Compare(self, node):
        self.generic_visit(node)
        args = [node.left]
        for op, right in zip(node.ops, node.comparators):
            args += [ast.Constant(type(op).__name__), right]
        call = ast.Call(ast.Name("_cmp", ast.Load()), args, [])
        return ast.copy_location(call, node)


def instrument(source: str) -> str:
    """``source`` with every comparison ``a < b < c`` turned into
    ``_cmp(a, "Lt", b, "Lt", c)``.  All operands are evaluated (they have no side effects
    here), the comparisons short-circuit as in Python."""
    tree = _Instrument().visit(ast.parse(source))
    return ast.unparse(ast.fix_missing_locations(tree)) + "\n"


_OPS = {"Lt": lambda a, b: a < b, "Gt": lambda a, b: a > b, "LtE": lambda a, b: a <= b,
        "GtE": lambda a, b: a >= b, "Eq": lambda a, b: a == b, "NotEq": lambda a, b: a != b}


class Recorder:
    """The ``_cmp`` of an instrumented program: records the outcome of every comparison."""

    def __init__(self):
        self.trace: list[bool] = []

    def reset(self):
        self.trace = []

    def __call__(self, left, *rest):
        for op, right in zip(rest[::2], rest[1::2]):
            outcome = bool(_OPS[op](left, right))
            self.trace.append(outcome)
            if not outcome:
                return False
            left = right
        return True


# --------------------------------------------------------------------------- generation

@dataclass
class Options:
    """Switches for constructs that hit known srcad bugs (see the module docstring)."""

    allow_dead_reassign: bool = False
    allow_unknown_kind_args: bool = False


@dataclass
class E:
    text: str
    b: float  # |value| <= b (a guide, see the module docstring)
    atomic: bool = False  # needs no parentheses as an operand
    unknown: bool = False  # srcad cannot tell that it is a number (bare call, list item)

    def op(self) -> str:
        return self.text if self.atomic else f"({self.text})"


@dataclass
class Scope:
    floats: dict  # name -> bound
    ints: dict  # name -> (lo, hi), inclusive
    arrays: dict  # name -> element bound (every array has shape (N,))
    lists: dict  # name -> [min_len, max_len, bound]
    block: int = 0  # id of the innermost block
    frozen: frozenset = frozenset()  # names that may not be rebound here
    loop: bool = False  # inside a loop (break/continue allowed)
    local_only: bool = False  # in an `if` with a `return`: rebind no outer name
    may_return: bool = True  # a `return` may be generated here
    trips: int = 1  # product of the enclosing loops' trip counts
    depth: int = 0

    def names(self) -> set:
        return set(self.floats) | set(self.ints) | set(self.arrays) | set(self.lists)

    def merge(self, inner: "Scope"):
        """After a compound statement: what was defined before stays, with the inner
        bounds; what was first defined inside is dropped."""
        for name in self.floats:
            self.floats[name] = max(self.floats[name], inner.floats.get(name, 0.0))
        for name in self.arrays:
            self.arrays[name] = max(self.arrays[name], inner.arrays.get(name, 0.0))
        for name, info in self.lists.items():
            other = inner.lists.get(name, info)
            info[1] = max(info[1], other[1])
            info[2] = max(info[2], other[2])

    def widen(self):
        """At the top of a loop body: the body may already have run."""
        for name in self.floats:
            if name not in self.frozen:
                self.floats[name] = max(self.floats[name], BOUND)
        for name in self.arrays:
            self.arrays[name] = max(self.arrays[name], BOUND)
        for info in self.lists.values():
            info[2] = max(info[2], BOUND)


def _indent(lines):
    return ["    " + line for line in lines]


def _wrap(e: E) -> E:
    """``e`` as an arithmetic expression, so that srcad knows it is a number."""
    return E(f"1.0 * {e.op()}", e.b)


class Gen:
    """Draws the statements and expressions of ``f``; ``scope`` is what is defined."""

    def __init__(self, draw, opts: Options, budget: int):
        self.draw = draw
        self.opts = opts
        self.budget = budget  # statements left to generate
        self.blocks = itertools.count(1)
        self.owner: dict[str, int] = {}  # name -> block that defined it
        self.sealed: set[str] = set()  # names never to rebind (defined before a return)
        self.flagged: set[str] = set()  # top-level names rebound inside a compound
        self.locals = itertools.count(1)  # numbers block-local names: each is unique
        self.unknown_names = set(LIST_ELEMENT_NAMES)

    # -------------------------------------------------------------------- helpers
    def choice(self, seq):
        return self.draw(st.sampled_from(list(seq)))

    def chance(self, percent: int) -> bool:
        return self.draw(st.integers(0, 99)) < percent

    def squash(self, e: E) -> E:
        fn = self.choice(_SQUASH)
        return E(f"np.{fn}({e.text})", 1.6 if fn == "arctan" else 1.0, atomic=True)

    def finish(self, e: E, limit=MAX_EXPR) -> E:
        return self.squash(e) if e.b > limit else e

    def known(self, e: E) -> E:
        return _wrap(e) if e.unknown and not self.opts.allow_unknown_kind_args else e

    def child(self, scope: Scope, **changes) -> Scope:
        inner = Scope(dict(scope.floats), dict(scope.ints), dict(scope.arrays),
                      {k: list(v) for k, v in scope.lists.items()}, next(self.blocks),
                      scope.frozen, scope.loop, scope.local_only, scope.may_return,
                      scope.trips, scope.depth + 1)
        for key, value in changes.items():
            setattr(inner, key, value)
        return inner

    def writable(self, scope: Scope, name: str) -> bool:
        """Whether ``name`` may be rebound (assigned, augmented, appended to, written
        by subscript) here."""
        if name in scope.frozen:
            return False
        if self.opts.allow_dead_reassign:
            return True
        if name in self.sealed or self.owner.get(name, 0) != 0:
            return False  # block-local names are assigned once
        return scope.depth == 0 or not scope.local_only

    def wrote(self, scope: Scope, name: str):
        if scope.depth > 0:
            self.flagged.add(name)

    def fresh(self, scope: Scope, pool, prefix=None):
        """An unused name from ``pool``; inside a compound statement (unless
        ``allow_dead_reassign``) a new name ``<prefix><number>`` when ``prefix`` is given."""
        if prefix and scope.depth > 0 and not self.opts.allow_dead_reassign:
            name = f"{prefix}{next(self.locals)}"
            self.owner[name] = scope.block
            return name
        used = scope.names() | (set() if self.opts.allow_dead_reassign else self.sealed)
        free = [n for n in pool if n not in used]
        if not free:
            return None
        name = self.choice(free)
        if prefix:
            self.owner[name] = scope.block if self.opts.allow_dead_reassign else 0
        return name

    def seal(self, scope: Scope):
        """A ``return`` was generated: what exists now is never rebound again."""
        self.sealed |= set(scope.floats) | set(scope.arrays) | set(scope.lists)

    def index_vars(self, scope: Scope):
        return [n for n, (lo, hi) in sorted(scope.ints.items()) if -N <= lo and hi < N]

    def readable_lists(self, scope: Scope):
        return sorted(n for n, info in scope.lists.items() if info[0] >= 1)

    # ---------------------------------------------------------------- expressions
    def leaf(self, scope: Scope, const=True) -> E:
        kinds = ["const"] if const or not (scope.floats or scope.arrays) else []
        if scope.floats:
            kinds += ["var"] * 6
        if scope.ints:
            kinds.append("int")
        if scope.arrays:
            kinds.append("elem")
        if self.readable_lists(scope):
            kinds.append("list")
        what = self.choice(kinds)
        if what == "var":
            name = self.choice(sorted(scope.floats))
            return E(name, scope.floats[name], atomic=True,
                     unknown=name in self.unknown_names)
        if what == "int":
            name = self.choice(sorted(scope.ints))
            lo, hi = scope.ints[name]
            c = self.choice(("0.5", "0.25", "1.0"))
            return E(f"{c} * {name}", float(c) * max(abs(lo), abs(hi)))
        if what == "elem":
            name = self.choice(sorted(scope.arrays))
            index = self.choice([str(k) for k in range(-N, N)] + self.index_vars(scope))
            return E(f"{name}[{index}]", scope.arrays[name], atomic=True)
        if what == "list":
            name = self.choice(self.readable_lists(scope))
            min_len, _, bound = scope.lists[name]
            index = self.draw(st.integers(-min_len, min_len - 1))
            return E(f"{name}[{index}]", bound, atomic=True, unknown=True)
        text = self.choice(CONSTANTS)
        return E(text, abs(float(text)), atomic=not text.startswith("-"))

    def expr(self, scope: Scope, depth: int) -> E:
        if depth <= 0 or self.chance(25):
            return self.leaf(scope)
        kinds = ["neg", "add", "sub", "mul", "mul", "div", "func", "func", "pow", "logsq",
                 "exp", "ifexp", "call", "call"]
        if _MATH:
            kinds.append("math")
        if scope.arrays:
            kinds.append("reduce")
        if self.readable_lists(scope):
            kinds.append("sum_list")
        what = self.choice(kinds)
        sub = depth - 1
        if what == "neg":
            e = self.expr(scope, sub)
            return E(f"-{e.op()}", e.b)
        if what in ("add", "sub"):
            a, b = self.expr(scope, sub), self.expr(scope, sub)
            sym = "+" if what == "add" else "-"
            return self.finish(E(f"{a.op()} {sym} {b.op()}", a.b + b.b))
        if what == "mul":
            a, b = self.expr(scope, sub), self.expr(scope, sub)
            return self.finish(E(f"{a.op()} * {b.op()}", a.b * b.b))
        if what == "div":
            a, b = self.expr(scope, sub), self.expr(scope, sub)
            if self.chance(50):
                return E(f"{a.op()} / (1.0 + {b.op()} * {b.op()})", a.b)
            return E(f"{a.op()} / (2.0 + np.cos({b.text}))", a.b)
        if what == "func":
            e = self.expr(scope, sub)
            fn = self.choice(_FUNCS)
            return E(f"np.{fn}({e.text})", 1.6 if fn == "arctan" else 1.0, atomic=True)
        if what == "math":
            e = self.expr(scope, sub)
            return E(f"math.{self.choice(_MATH)}({e.text})", 1.0, atomic=True)
        if what == "pow":
            e = self.expr(scope, sub)
            return self.finish(E(f"{e.op()} ** 2", e.b * e.b))
        if what == "logsq":
            e = self.expr(scope, sub)
            fn = self.choice(("log", "sqrt"))
            b = math.log(1 + e.b * e.b) if fn == "log" else math.sqrt(1 + e.b * e.b)
            return E(f"np.{fn}(1.0 + {e.op()} * {e.op()})", b, atomic=True)
        if what == "exp":
            e = self.expr(scope, sub)
            arg = self.choice((f"np.sin({e.text})", f"0.5 * np.tanh({e.text})"))
            return E(f"np.exp({arg})", math.e, atomic=True)
        if what == "ifexp":
            a, b = self.expr(scope, sub), self.expr(scope, sub)
            c = self.condition(scope, bool_ops=True)
            return E(f"{a.op()} if {c} else {b.op()}", max(a.b, b.b),
                     unknown=a.unknown or b.unknown)
        if what == "call":
            return self.call(scope, sub)
        if what == "reduce":
            return self.reduce(scope, sub)
        name = self.choice(self.readable_lists(scope))
        _, max_len, bound = scope.lists[name]
        return self.finish(E(f"sum({name})", max_len * bound, atomic=True))

    def call(self, scope: Scope, depth: int) -> E:
        helper = self.choice(["h1", "h2", "h3"] + (["h4"] if scope.arrays else []))
        if helper == "h4":
            name = self.choice(sorted(scope.arrays))
            form = self.draw(st.integers(0, 2))
            if form == 0:
                return E(f"h4({name})", float(N), atomic=True, unknown=True)
            c = self.known(self.finish(self.expr(scope, depth), 2.0))
            text = f"h4({name}, c={c.text})" if form == 1 else f"h4({name}, {c.text})"
            return E(text, N * c.b, atomic=True, unknown=True)
        a = self.known(self.expr(scope, depth))
        if helper == "h3":
            k = self.draw(st.integers(0, 3))
            text = f"h3({a.text})" if k == 0 else f"h3({a.text}, k={k})"
            return E(text, 2.0 + 0.5 * a.b, atomic=True, unknown=True)
        form = self.draw(st.integers(0, 3))
        if form == 0:
            return E(f"{helper}({a.text})", 2.0 if helper == "h1" else 0.5, atomic=True,
                     unknown=True)
        b = self.known(self.finish(self.expr(scope, depth), BOUND))
        text = {1: f"{helper}({a.text}, {b.text})", 2: f"{helper}({a.text}, b={b.text})",
                3: f"{helper}(b={b.text}, a={a.text})"}[form]
        return E(text, 2.0 if helper == "h1" else b.b, atomic=True, unknown=True)

    def reduce(self, scope: Scope, depth: int) -> E:
        name = self.choice(sorted(scope.arrays))
        bound = scope.arrays[name]
        form = self.draw(st.integers(0, 4))
        if form == 0:
            return self.finish(E(f"np.sum({name})", N * bound, atomic=True))
        if form == 1:
            return E(f"np.sum(np.sin({name}))", float(N), atomic=True)
        if form == 2:
            e = self.expr(scope, depth)
            return self.finish(E(f"np.sum({name} * {e.op()})", N * bound * e.b, atomic=True))
        if form == 3:
            other = self.choice(sorted(scope.arrays))
            return self.finish(E(f"{name} @ np.tanh({other})", N * bound, atomic=True))
        return self.finish(E(f"{name}.sum()", N * bound, atomic=True))

    # ----------------------------------------------------------------- conditions
    def comparison(self, scope: Scope) -> str:
        kinds = ["const", "const", "const", "const", "vars", "chain"]
        if scope.ints:
            kinds.append("int")
        what = self.choice(kinds)
        if what == "int":
            name = self.choice(sorted(scope.ints))
            lo, hi = scope.ints[name]
            if self.chance(30):
                return f"{name} % 2 == {self.draw(st.integers(0, 1))}"
            op = self.choice(("<", ">", "==", "!=", "<=", ">="))
            return f"{name} {op} {self.draw(st.integers(lo, hi))}"
        lhs = self.leaf(scope, const=False) if self.chance(60) else self.expr(scope, 1)
        if what == "vars":
            rhs = self.leaf(scope, const=False)
            if rhs.text == lhs.text:
                rhs = E(f"0.5 * {rhs.op()}", rhs.b)
            return f"{lhs.op()} {self.choice(('<', '>'))} {rhs.op()}"
        if what == "chain":
            lo = self.choice(("-1.0", "-0.5", "0.0"))
            hi = self.choice(("0.25", "0.5", "1.0"))
            return f"{lo} < {lhs.op()} < {hi}"
        c = self.choice(COMPARE_CONSTANTS)
        op = self.choice(("<", ">", "<=", ">="))
        if self.chance(20):
            flipped = {"<": ">", ">": "<", "<=": ">=", ">=": "<="}[op]
            return f"{c} {flipped} {lhs.op()}"
        return f"{lhs.op()} {op} {c}"

    def condition(self, scope: Scope, bool_ops: bool) -> str:
        form = self.draw(st.integers(0, 9))
        if form == 0:
            return f"not {self.comparison(scope)}"
        if bool_ops and form >= 7:
            a, b = self.comparison(scope), self.comparison(scope)
            if form == 9 and self.chance(50):
                return f"({a} and {b}) or {self.comparison(scope)}"
            return f"{a} {'and' if form == 7 else 'or'} {b}"
        return self.comparison(scope)

    def if_condition(self, scope: Scope) -> str:
        return self.condition(scope, bool_ops=True)

    # ----------------------------------------------------------------- statements
    def block(self, scope: Scope, lo: int, hi: int, jump=False) -> list[str]:
        """``lo``-``hi`` statements, and maybe a jump to end an ``if``/``elif`` body."""
        kind = None
        if jump:
            kind = self.choice(["return"] * scope.may_return + [None, None]
                               + ["break", "continue"] * scope.loop)
        lines = []
        for k in range(self.draw(st.integers(lo, hi))):
            if k >= lo and self.budget <= 0:
                break
            lines += self.statement(scope)
        if kind:
            lines += self.jump(scope, [kind])
        return lines or ["pass"]

    def jump(self, scope: Scope, kinds) -> list[str]:
        what = self.choice(kinds)
        if what == "return":
            line = f"return {self.expr(scope, 2).text}"
            self.seal(scope)
            return [line]
        return [what] if what else []

    COMPOUND = ("if", "if", "for", "for_elem", "while")

    def statement(self, scope: Scope, compound=False) -> list[str]:
        self.budget -= 1
        kinds = ["assign", "assign", "aug"]
        if scope.depth < MAX_DEPTH and (self.budget > 1 or compound):
            kinds += self.COMPOUND
            if compound:
                kinds = list(self.COMPOUND)
        if scope.loop:
            kinds.append("guarded_jump")
        if scope.may_return:
            kinds.append("guarded_return")
        if any(self.writable(scope, n) for n in scope.lists):
            kinds += ["append", "append"]
        elif not scope.lists:
            kinds.append("new_list")
        if any(n != ARRAY_PARAM and self.writable(scope, n) for n in scope.arrays):
            kinds += ["setitem", "setitem"]
        elif len(scope.arrays) < 2:
            kinds.append("new_array")
        if compound:
            kinds = [k for k in kinds if k in self.COMPOUND]
        return getattr(self, f"s_{self.choice(kinds)}")(scope)

    def s_assign(self, scope: Scope) -> list[str]:
        existing = sorted(n for n in scope.floats if self.writable(scope, n))
        name = None
        if not existing or self.chance(40):
            name = self.fresh(scope, FLOAT_NAMES, prefix="t")
        if name is None:
            if not existing:
                return ["pass"]
            name = self.choice(existing)
            self.wrote(scope, name)
        e = self.known(self.expr(scope, 3))
        if name in self.flagged and name in scope.floats:
            # its value from inside a compound statement must not be dead: read it
            e = self.choice((E(f"{e.op()} + 0.5 * {name}", e.b + 0.5 * scope.floats[name]),
                             E(f"np.sin({name}) * {e.op()}", e.b),
                             E(f"np.tanh({e.op()} - {name})", 1.0, atomic=True)))
        e = self.finish(e, BOUND)
        scope.floats[name] = e.b
        return [f"{name} = {e.text}"]

    def s_aug(self, scope: Scope) -> list[str]:
        existing = sorted(n for n in scope.floats if self.writable(scope, n))
        if not existing:
            return self.s_assign(scope)
        name = self.choice(existing)
        self.wrote(scope, name)
        op = self.choice("+-*/")
        if op == "*":
            e = self.expr(scope, 2)
            rhs = self.choice((f"np.tanh({e.text})", f"np.cos({e.text})", "0.5"))
            return [f"{name} *= {rhs}"]
        if op == "/":
            e = self.expr(scope, 1)
            rhs = self.choice((f"1.0 + {e.op()} * {e.op()}", f"2.0 + np.sin({e.text})"))
            return [f"{name} /= {rhs}"]
        e = self.expr(scope, 2)
        if scope.loop or e.b > 0.5:
            e = E(f"0.5 * np.tanh({e.text})", 0.5)
        scope.floats[name] += e.b
        return [f"{name} {op}= {e.text}"]

    def s_if(self, scope: Scope) -> list[str]:
        # Lowering a `return` moves the rest of the function into this statement's
        # branches: then they may rebind no outer name (see allow_dead_reassign).
        returns = scope.may_return and self.chance(40)
        changes = {"may_return": returns}
        if returns and not self.opts.allow_dead_reassign:
            changes["local_only"] = True
        lines, inners = [], []
        for k in range(self.draw(st.integers(0, 2)) + 1):  # if and elifs
            cond = self.if_condition(scope)
            inner = self.child(scope, **changes)
            lines.append(f"{'if' if k == 0 else 'elif'} {cond}:")
            lines += _indent(self.block(inner, 1, 2, jump=True))
            inners.append(inner)
        if self.chance(60):
            inner = self.child(scope, **changes)
            lines.append("else:")
            lines += _indent(self.block(inner, 1, 2))
            inners.append(inner)
        for inner in inners:
            scope.merge(inner)
        return lines

    def s_guarded_return(self, scope: Scope) -> list[str]:
        cond = self.if_condition(scope)
        return [f"if {cond}:"] + _indent(self.jump(scope, ["return"]))

    def s_guarded_jump(self, scope: Scope) -> list[str]:
        cond = self.if_condition(scope)
        return [f"if {cond}:", f"    {self.choice(('break', 'continue'))}"]

    def loop_scope(self, scope: Scope, trips: int, frozen=()) -> Scope:
        inner = self.child(scope, loop=True, trips=scope.trips * max(trips, 1),
                           frozen=scope.frozen | frozenset(frozen))
        inner.widen()
        return inner

    def s_for(self, scope: Scope) -> list[str]:
        name = self.fresh(scope, INDEX_NAMES)
        if name is None:
            return self.s_assign(scope)
        form = self.draw(st.integers(0, 3))
        if form <= 1:
            k = self.draw(st.integers(form, MAX_TRIPS))
            header, values = f"range({k})", list(range(k))
        elif form == 2:
            start, step = self.draw(st.integers(-2, 2)), self.draw(st.integers(1, 2))
            stop = start + self.draw(st.integers(1, MAX_TRIPS * step))
            values = list(range(start, stop, step))
            header = f"range({start}, {stop}, {step})" if step != 1 or self.chance(50) \
                else f"range({start}, {stop})"
        else:
            k = self.draw(st.integers(1, MAX_TRIPS))
            header, values = f"reversed(range({k}))", list(range(k))
        inner = self.loop_scope(scope, len(values), frozen=[name])
        inner.ints[name] = (min(values, default=0), max(values, default=0))
        body = self.block(inner, 1, 3)
        scope.merge(inner)
        return [f"for {name} in {header}:"] + _indent(body)

    def s_for_elem(self, scope: Scope) -> list[str]:
        arrays = sorted(scope.arrays)
        sources = ["literal"] if scope.floats else []
        if arrays:
            sources += ["array", "array", "enumerate", "zip"]
        if self.readable_lists(scope):
            sources.append("list")
        if not sources:
            return self.s_assign(scope)
        what = self.choice(sources)
        name = self.fresh(scope, LIST_ELEMENT_NAMES if what in ("literal", "list")
                          else ELEMENT_NAMES)
        if name is None:
            return self.s_assign(scope)
        frozen, ints, floats = [name], {}, {}
        if what == "literal":
            items = [self.leaf(scope) for _ in range(self.draw(st.integers(1, 3)))]
            header, target = "[" + ", ".join(i.text for i in items) + "]", name
            floats[name] = max(i.b for i in items)
            trips = len(items)
        elif what == "list":
            it = self.choice(self.readable_lists(scope))
            _, trips, bound = scope.lists[it]
            header, target = it, name
            floats[name] = bound
            frozen.append(it)
        else:
            it = self.choice(arrays)
            header, target, trips = it, name, N
            floats[name] = scope.arrays[it]
            frozen.append(it)
            if what == "enumerate":
                index = self.fresh(scope, INDEX_NAMES)
                if index is None:
                    return self.s_assign(scope)
                header, target = f"enumerate({it})", f"{index}, {name}"
                ints[index] = (0, N - 1)
                frozen.append(index)
            elif what == "zip":
                other_name = self.fresh(scope, [n for n in ELEMENT_NAMES if n != name])
                if other_name is None:
                    return self.s_assign(scope)
                other = self.choice(arrays)
                header, target = f"zip({it}, {other})", f"{name}, {other_name}"
                floats[other_name] = scope.arrays[other]
                frozen += [other, other_name]
        inner = self.loop_scope(scope, trips, frozen)
        inner.floats.update(floats)
        inner.ints.update(ints)
        body = self.block(inner, 1, 3)
        scope.merge(inner)
        return [f"for {target} in {header}:"] + _indent(body)

    def s_while(self, scope: Scope) -> list[str]:
        counter = self.fresh(scope, COUNTER_NAMES)
        if counter is None:
            return self.s_assign(scope)
        k = self.draw(st.integers(1, MAX_TRIPS))
        inner = self.loop_scope(scope, k, frozen=[counter])
        inner.ints[counter] = (0, k)
        form = self.draw(st.integers(0, 3))
        if form == 0:
            header, first = f"while {counter} < {k}:", [f"{counter} += 1"]
        elif form in (1, 2):
            cond = self.condition(inner, bool_ops=False)
            header = (f"while {counter} < {k} and {cond}:" if form == 1
                      else f"while {cond} and {counter} < {k}:")
            first = [f"{counter} += 1"]
        else:
            header = "while True:"
            first = [f"{counter} = {counter} + 1", f"if {counter} > {k}:", "    break"]
        body = first + self.block(inner, 1, 3)
        scope.merge(inner)
        scope.ints[counter] = (0, k + 1)
        return [f"{counter} = 0", header] + _indent(body)

    def s_new_list(self, scope: Scope) -> list[str]:
        name = self.fresh(scope, LIST_NAMES, prefix="l")
        if name is None:
            return self.s_assign(scope)
        count = self.draw(st.integers(0 if scope.depth else 1, 2))
        items = [self.finish(self.expr(scope, 1), BOUND) for _ in range(count)]
        scope.lists[name] = [count, count, max([i.b for i in items], default=0.0)]
        return [f"{name} = [{', '.join(i.text for i in items)}]"]

    def s_append(self, scope: Scope) -> list[str]:
        names = sorted(n for n in scope.lists if self.writable(scope, n))
        if not names:
            return self.s_assign(scope)
        name = self.choice(names)
        self.wrote(scope, name)
        e = self.finish(self.expr(scope, 2), BOUND)
        info = scope.lists[name]
        if scope.depth == 0:
            info[0] += 1
        info[1] += scope.trips
        info[2] = max(info[2], e.b)
        return [f"{name}.append({e.text})"]

    def s_new_array(self, scope: Scope) -> list[str]:
        name = self.fresh(scope, ARRAY_NAMES, prefix="a")
        if name is None:
            return self.s_assign(scope)
        forms = ["zeros"] + (["copy", "npcopy"] if ARRAY_PARAM in scope.arrays else [])
        if scope.floats:
            forms.append("ones")
        form = self.choice(forms)
        if form == "zeros":
            text, bound = f"np.zeros({N})", 0.0
        elif form in ("copy", "npcopy"):
            text = f"{ARRAY_PARAM}.copy()" if form == "copy" else f"np.copy({ARRAY_PARAM})"
            bound = scope.arrays[ARRAY_PARAM]
        else:
            e = self.finish(self.leaf(scope), BOUND)
            text, bound = f"np.ones({N}) * {e.op()}", e.b
        scope.arrays[name] = bound
        return [f"{name} = {text}"]

    def s_setitem(self, scope: Scope) -> list[str]:
        names = sorted(n for n in scope.arrays
                       if n != ARRAY_PARAM and self.writable(scope, n))
        if not names:
            return self.s_assign(scope)
        name = self.choice(names)
        self.wrote(scope, name)
        index = self.choice([str(k) for k in range(-N, N)] + self.index_vars(scope) * 3)
        line, bound = self.item_update(scope, f"{name}[{index}]", ("=", "=", "+=", "*="),
                                       scope.arrays[name])
        scope.arrays[name] = bound
        return [line]

    def item_update(self, scope: Scope, target: str, ops, bound: float):
        """``target = e``, ``target += e`` (kept small in loops) or ``target *= tanh(e)``,
        the operator drawn from ``ops``, and the bound of the values ``target``'s container
        holds afterwards (it was ``bound``)."""
        op = self.choice(ops)
        if op == "*=":
            return f"{target} *= np.tanh({self.expr(scope, 2).text})", bound
        e = self.finish(self.expr(scope, 2), BOUND)
        if op == "+=":
            if scope.loop or e.b > 0.5:
                e = E(f"0.5 * np.tanh({e.text})", 0.5)
            return f"{target} += {e.text}", bound + e.b
        return f"{target} = {e.text}", max(bound, e.b)

    # --------------------------------------------------------------------- result
    def result(self, scope: Scope) -> str:
        """The final ``return``; it uses every variable unless ``allow_dead_reassign``."""
        keep = 100 if not self.opts.allow_dead_reassign else 60
        terms = []
        for name in sorted(scope.floats):
            if self.chance(keep):
                terms.append(self.choice((name, f"np.sin({name})", f"0.5 * {name}")))
        for name in sorted(scope.arrays):
            if self.chance(keep):
                terms.append(self.choice((f"np.sum({name})", f"np.sum(np.tanh({name}))",
                                          f"{name} @ {name}")))
        for name, info in sorted(scope.lists.items()):
            if self.chance(keep):
                if info[0] >= 1 and self.chance(50):
                    terms.append(self.choice((f"{name}[-1]", f"{name}[0]")))
                else:
                    terms.append(f"np.tanh(sum({name}))")
        if not terms or self.chance(30):
            terms.append(self.expr(scope, 2).op())
        return " + ".join(terms)


def draw_params(draw, array=None):
    """The parameters of ``f`` (one or two floats, maybe the array ``v`` among them), the
    scope they start, and whether there is an array."""
    if array is None:
        array = draw(st.booleans())
    params = list(SCALAR_PARAMS[:draw(st.integers(1, 2))])
    if array:
        params.insert(draw(st.integers(0, len(params))), ARRAY_PARAM)
    scope = Scope(floats={p: INPUT_BOUND for p in params if p != ARRAY_PARAM}, ints={},
                  arrays={ARRAY_PARAM: INPUT_BOUND} if array else {}, lists={})
    return params, scope, array


@st.composite
def cf_programs(draw, options: Options | None = None, array=None, max_statements=4,
                budget=MAX_STATEMENTS):
    """A module with the helpers and a function ``f`` with control flow (a CFProgram)."""
    opts = options or Options()
    params, scope, array = draw_params(draw, array)
    gen = Gen(draw, opts, budget)
    lines = []
    if draw(st.booleans()):
        lines += gen.s_new_list(scope)
    if draw(st.booleans()):
        lines += gen.s_new_array(scope)
    count = draw(st.integers(0, max_statements - 1))
    forced = draw(st.integers(0, count))  # where the one sure compound statement goes
    for k in range(count + 1):
        if k == forced:
            lines += gen.statement(scope, compound=True)
        elif gen.budget > 1:
            lines += gen.statement(scope)
    lines.append(f"return {gen.result(scope)}")
    body = "".join(f"    {line}\n" for line in lines)
    source = f"{HELPERS}\n\ndef f({', '.join(params)}):\n{body}"
    return CFProgram(source, tuple(params), frozenset({ARRAY_PARAM} if array else ()))


def cf_arguments(program: CFProgram):
    """Floats in about [-INPUT_BOUND, INPUT_BOUND], shifted off the comparison constants
    (multiples of 0.25) that hypothesis likes to produce."""
    value = st.floats(-INPUT_BOUND + 0.02, INPUT_BOUND - 0.02, allow_nan=False).map(
        lambda v: v + 0.0123)
    array = st.lists(value, min_size=N, max_size=N).map(
        lambda v: np.array(v, dtype=np.float64))
    return st.tuples(*[array if p in program.arrays else value for p in program.params])


@st.composite
def cf_programs_with_args(draw, **kwargs):
    program = draw(cf_programs(**kwargs))
    return program, draw(cf_arguments(program))
