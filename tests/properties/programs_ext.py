"""The control-flow program generator of :mod:`.programs_cf`, extended to containers,
unpacking, helpers over containers, lambdas, closures and names that change kind.

:func:`ext_programs` draws a :class:`~.programs_cf.CFProgram` like ``cf_programs`` does
(the same bounds, the same liveness discipline, the same instrumented comparisons for the
branch trace), from a generator that adds, in every combination with the branches and loops
of ``programs_cf``:

* lists of floats, of pairs (``(a, b)`` and ``[a, b]`` displays), of dicts
  (``{"k": a, "m": b}``) and of arrays, built by literals and ``append`` -- of bare names
  defined outside the loop, of displays, of expressions -- and shrunk by ``pop()``
  (``t = ys.pop()``, ``a, b = ps.pop()``, ``ys.pop()`` as a statement; only where the list
  is sure to be long enough: at the top level, or after an append in the same block);
* reads of them: ``ys[i]`` (a loop index), ``ys[-1]``, ``ps[0][1]``, ``ds[-1]["k"]``,
  ``arrs[0][2]``, ``sum(ys)``, ``np.array(ys)``, ``np.array(ps)[:, 0]``, ``np.stack(arrs)``,
  ``sum(a * b for a, b in ps)``, list comprehensions, ``for u in ys``, ``for a, b in ps``,
  ``for i, u in enumerate(ys)``, ``for u, q in zip(ys, vals)``, ``for entry in ds``,
  ``for row in arrs``, ``for k, v in d.items()``, ``for v in d.values()``;
* item assignment into lists and dicts, in loops and branches: ``ys[i] = e``,
  ``ys[-1] += e``, ``d["a"] += e``, ``d["b"] *= e``, ``arrs[0] += e`` (in place);
* tuple unpacking: ``a, b = e1, e2``, swaps ``a, b = b, a``, ``(a, b), c = ...``,
  ``a, b = (e1, e2) if c else (e3, e4)``, ``a, b = ps[-1]``, and unpacking the tuples
  returned by helpers that take tuples, lists and dicts (``h5``-``h8``);
* whole-array updates ``z += e * np.tanh(w)``, ``z *= 0.5``;
* lambdas bound to a name, reading variables of ``f`` when they are called (late binding),
  with parameters that may have the names of variables of ``f``; a helper stored in a
  global (``ACT``), a module constant read by a helper (``SCALE``); ``f`` itself may be a
  closure made by a factory ``make_f(K)``, reading ``K``;
* names rebound to a value of another kind at the top level (an array becomes a float,
  ``z = np.sum(np.tanh(z) * np.tanh(e))``, and a float an array, ``s = np.tanh(w) * s``).

Constructs srcad refuses with a clear error are not generated: ``sum(d.values())``
(NoRuleError: no rule for the method ``.values()``; ``for v in d.values()`` works), a
comprehension in a ``while`` condition (UnsupportedError), and an array written by item
that is later rebound to a float (srcad refuses the item write if the name is put into a
list display afterwards: bug G of test_extended.py).

Patterns srcad refuses, or did, are avoided unless the matching ``ExtOptions`` flag is set
(each has a regression test in test_extended.py):

* ``allow_alias_append``: an array appended by name (``arrs.append(z)``, or in a display
  ``arrs = [z]``) is the list's item, so a later ``z[i] = e``, ``z += e`` or
  ``arrs[0] += e`` changes both.  srcad refuses these (bugs A and F of test_extended.py,
  silent wrong derivatives before), mostly when the derivative runs; without the flag an
  array put into a list by name is never written again, nor are that list's items
  updated in place, so that every program is differentiated.
* ``for_second_order``: programs for ``check_grads(order=2)``: no whole-array updates
  ``z += e`` in loops followed by item writes, no comprehensions in loops with item writes
  (both were refused at second order, bug D, fixed since; comprehensions only outside
  loops).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from hypothesis import strategies as st

from .programs_cf import (ARRAY_PARAM, BOUND, HELPERS, MAX_DEPTH, MAX_STATEMENTS,
                          MAX_TRIPS, N, CFProgram, E, Gen, Options, Scope,
                          _indent, draw_params)

HELPERS_EXT = '''\
SCALE = 0.75


def h5(p, c=1.0):
    a, b = p
    return a * np.tanh(b) * c, np.sin(a) + 0.5 * b


def h6(xs):
    total = 0.0
    for v in xs:
        total = total + np.tanh(v)
    return total, 0.5 * xs[-1]


def h7(d):
    return d["a"] * np.cos(d["b"]) + SCALE * d["b"]


def h8(ps, c=0.5):
    out = []
    for a, b in ps:
        out.append(a * np.sin(b) * c)
    return sum(out), len(out)


ACT = h1
'''

# the kinds of list, the 4th entry of a Scope.lists value (3 entries: floats)
FLOATS, PAIRS, DICTS, ARRAYS = "f", "p", "d", "a"
DICT = "D"  # a dict variable {"a": .., "b": ..}, also kept in Scope.lists
POOLS = {FLOATS: ("ys", "vals"), PAIRS: ("ps", "qs"), DICTS: ("ds",), ARRAYS: ("arrs",),
         DICT: ("d", "cfg")}
PREFIXES = {FLOATS: "l", PAIRS: "lp", DICTS: "ld", ARRAYS: "la", DICT: "dd"}
PAIR_TARGETS = (("a1", "b1"), ("a2", "b2"))  # unpacking targets, fresh floats


@dataclass
class ExtOptions(Options):
    allow_alias_append: bool = False
    for_second_order: bool = False


def _kind(info) -> str:
    return info[3] if len(info) > 3 else FLOATS


class ExtGen(Gen):
    """``programs_cf.Gen`` with more statements and expressions (see the module doc)."""

    def __init__(self, draw, opts: ExtOptions, budget: int):
        super().__init__(draw, opts, budget)
        self.lambdas: list[tuple[str, int]] = []  # name, number of parameters
        self.lambda_names = itertools.count(1)
        self.captured: set[str] = set()  # names read by a lambda: never change kind
        self.aliased: set[str] = set()  # arrays put into a container by name
        self.aliased_lists: set[str] = set()  # lists holding such an array
        self.updated_in_place: set[str] = set()  # lists of arrays with `xs[i] += e`
        self.stored_by_name = False  # the last item() was an array name
        self.item_written: set[str] = set()  # arrays written by `z[i] = e`
        self.pushed: dict = {}  # (block, list) -> appends minus pops in that block
        self.closure = False  # f is a closure over a constant K
        self.while_condition = False  # drawing the condition of a `while`
        self.condition_depth = 0

    # ---------------------------------------------------------------- containers
    def lists_of(self, scope: Scope, kind: str, min_len: int = 0):
        return sorted(n for n, info in scope.lists.items()
                      if _kind(info) == kind and info[0] >= min_len)

    def readable_lists(self, scope: Scope):
        return self.lists_of(scope, FLOATS, 1)

    def poppable(self, scope: Scope, name: str) -> bool:
        if _kind(scope.lists[name]) == DICT or not self.writable(scope, name):
            return False
        if scope.depth == 0:
            return scope.lists[name][0] >= 1
        return self.pushed.get((scope.block, name), 0) >= 1

    def list_index(self, scope: Scope, name: str) -> str:
        """An index that is in range: a constant or a loop index."""
        min_len = scope.lists[name][0]
        options = [str(k) for k in range(-min_len, min_len)]
        options += [n for n, (lo, hi) in sorted(scope.ints.items())
                    if -min_len <= lo and hi < min_len] * 2
        return self.choice(options)

    def pair(self, scope: Scope) -> tuple[E, E]:
        return (self.finish(self.expr(scope, 1), BOUND),
                self.finish(self.expr(scope, 1), BOUND))

    def item(self, scope: Scope, kind: str) -> tuple[str, float]:
        """The text of a new item of a list of ``kind``, and its bound."""
        if kind == FLOATS:
            floats = sorted(scope.floats)
            if floats and self.chance(40):  # a bare name, maybe defined outside the loop
                name = self.choice(floats)
                return name, scope.floats[name]
            e = self.finish(self.expr(scope, 2), BOUND)
            return e.text, e.b
        if kind == PAIRS:
            a, b = self.pair(scope)
            form = self.choice(("({}, {})", "[{}, {}]"))
            return form.format(a.text, b.text), max(a.b, b.b)
        if kind == DICTS:
            a, b = self.pair(scope)
            return f'{{"k": {a.text}, "m": {b.text}}}', max(a.b, b.b)
        names = sorted(scope.arrays)
        if names and self.chance(40):
            name = self.choice(names)
            if scope.loop and not self.opts.allow_alias_append:
                # a later trip may write into it before the list is read: store a copy
                return f"{name}.copy()", scope.arrays[name]
            if not self.opts.allow_alias_append:
                self.aliased.add(name)
            self.stored_by_name = True
            return name, scope.arrays[name]
        arrays = sorted(scope.arrays)
        e = self.finish(self.leaf(scope), BOUND)
        if arrays and self.chance(70):
            return f"np.tanh({self.choice(arrays)}) * {e.op()}", e.b
        return f"np.ones({N}) * {e.op()}", e.b

    def container_read(self, scope: Scope, depth: int) -> E | None:
        """A float read from a list or dict, or None when there is none to read."""
        options = []
        comprehensions = not (self.opts.for_second_order and scope.loop) \
            and not self.while_condition
        for name, info in sorted(scope.lists.items()):
            kind, min_len, max_len, bound = _kind(info), info[0], info[1], info[2]
            if kind == FLOATS:
                if min_len:
                    options.append(E(f"{name}[{self.list_index(scope, name)}]", bound,
                                     atomic=True, unknown=True))
                    options.append(E(f"np.array({name})[-1]", bound, atomic=True))
                    options.append(E(f"h6({name})[0]", float(max_len), atomic=True,
                                     unknown=True))
                options.append(self.finish(E(f"sum({name})", max_len * bound, atomic=True)))
                options.append(E(f"np.sum(np.tanh(np.array({name})))", float(max_len),
                                 atomic=True))
                if comprehensions:
                    options.append(E(f"sum([np.sin(u) for u in {name}])", float(max_len),
                                     atomic=True))
            elif kind == PAIRS:
                if min_len:
                    options.append(E(f"{name}[{self.list_index(scope, name)}]"
                                     f"[{self.choice('01')}]", bound, atomic=True,
                                     unknown=True))
                    options.append(E(f"np.sum(np.array({name})[:, {self.choice('01')}])",
                                     max_len * bound, atomic=True))
                if comprehensions:
                    options.append(E(f"sum(np.tanh(a) * b for a, b in {name})",
                                     max_len * bound, atomic=True))
                options.append(E(f"h8({name})[0]", max_len * bound, atomic=True,
                                 unknown=True))
            elif kind == DICTS:
                if min_len:
                    options.append(E(f'{name}[{self.list_index(scope, name)}]'
                                     f'["{self.choice("km")}"]', bound, atomic=True,
                                     unknown=True))
                if comprehensions:
                    options.append(E(f'sum(np.sin(e["k"]) * e["m"] for e in {name})',
                                     max_len * bound, atomic=True))
            elif kind == ARRAYS:
                if min_len:
                    options.append(E(f"np.sum(np.tanh(np.stack({name})))",
                                     float(N * max_len), atomic=True))
                    options.append(E(f"{name}[{self.list_index(scope, name)}]"
                                     f"[{self.draw(st.integers(-N, N - 1))}]", bound,
                                     atomic=True))
                if comprehensions:
                    options.append(E(f"sum(np.sum(np.sin(v)) for v in {name})",
                                     float(N * max_len), atomic=True))
            else:  # DICT
                key = self.choice("ab")
                options.append(E(f'{name}["{key}"]', bound, atomic=True, unknown=True))
                options.append(E(f"h7({name})", 1.0 + bound, atomic=True, unknown=True))
        if not options:
            return None
        return self.finish(self.choice(options))

    # ---------------------------------------------------------------- expressions
    def leaf(self, scope: Scope, const=True) -> E:
        if self.closure and self.chance(5):
            return E("K", 0.75, atomic=True)
        if self.chance(15):
            e = self.container_read(scope, 0)
            if e is not None:
                return e
        return super().leaf(scope, const)

    def expr(self, scope: Scope, depth: int) -> E:
        if depth > 0 and self.chance(20):
            what = self.choice(["lambda", "tuple_helper", "act", "container"])
            if what == "lambda" and self.lambdas:
                name, arity = self.choice(self.lambdas)
                args = [self.known(self.expr(scope, depth - 1)) for _ in range(arity)]
                return E(f"{name}({', '.join(a.text for a in args)})", 2.5, atomic=True,
                         unknown=True)
            if what == "tuple_helper":
                a, b = self.pair(scope)
                form = self.choice(("({}, {})", "[{}, {}]"))
                c = ", c=0.5" if self.chance(30) else ""
                return E(f"h5({form.format(a.text, b.text)}{c})[{self.choice('01')}]",
                         max(a.b, b.b) * 1.5 + 1.0, atomic=True, unknown=True)
            if what == "act":
                a = self.known(self.expr(scope, depth - 1))
                return E(f"ACT({a.text})", 2.0, atomic=True, unknown=True)
            if what == "container":
                e = self.container_read(scope, depth)
                if e is not None:
                    return e
        return super().expr(scope, depth)

    # ----------------------------------------------------------------- statements
    COMPOUND = ("if", "if", "for", "for_elem", "for_container", "while")

    def statement(self, scope: Scope, compound=False) -> list[str]:
        self.budget -= 1
        kinds = ["assign", "assign", "aug", "aug", "unpack"]
        if scope.depth < MAX_DEPTH and (self.budget > 1 or compound):
            kinds += self.COMPOUND
        if scope.loop:
            kinds.append("guarded_jump")
        if scope.may_return:
            kinds.append("guarded_return")
        writable_lists = [n for n in scope.lists if self.writable(scope, n)]
        if writable_lists:
            kinds += ["append"] * 3 + ["container_set"] * 2
        if any(self.poppable(scope, n) for n in writable_lists):
            kinds += ["pop", "pop"]
        if len(scope.lists) < 4:
            kinds.append("new_list")
        arrays = [n for n in scope.arrays if n != ARRAY_PARAM and self.writable(scope, n)
                  and n not in self.aliased]
        if arrays:
            kinds += ["setitem", "setitem"]
            kinds += [] if self.opts.for_second_order else ["array_aug"]
        elif len(scope.arrays) < 2:
            kinds.append("new_array")
        if scope.depth == 0:
            kinds += ["lambda", "retype"]
        if compound:
            kinds = [k for k in kinds if k in self.COMPOUND]
        return getattr(self, f"s_{self.choice(kinds)}")(scope)

    def condition(self, scope: Scope, bool_ops: bool) -> str:
        self.condition_depth += 1
        try:
            return super().condition(scope, bool_ops)
        finally:
            self.condition_depth -= 1
            if not self.condition_depth:
                self.while_condition = False

    def s_while(self, scope: Scope) -> list[str]:
        # srcad refuses a comprehension in a `while` condition (a clear error)
        self.while_condition = True
        try:
            return super().s_while(scope)
        finally:
            self.while_condition = False

    def s_setitem(self, scope: Scope) -> list[str]:
        saved = dict(scope.arrays)
        for name in self.aliased:
            scope.arrays.pop(name, None)
        try:
            lines = super().s_setitem(scope)
            self.item_written.add(lines[0].split("[")[0])
            return lines
        finally:
            for name, bound in saved.items():
                scope.arrays[name] = max(bound, scope.arrays.get(name, 0.0))

    def s_array_aug(self, scope: Scope) -> list[str]:
        names = sorted(n for n in scope.arrays if n != ARRAY_PARAM
                       and self.writable(scope, n) and n not in self.aliased)
        if not names:
            return self.s_assign(scope)
        name = self.choice(names)
        self.wrote(scope, name)
        if self.chance(30):
            return [f"{name} *= 0.5"]
        e = self.expr(scope, 1)
        source = self.choice(sorted(scope.arrays))
        scope.arrays[name] += 0.5
        return [f"{name} += 0.5 * np.tanh({e.text}) * np.tanh({source})"]

    def s_new_list(self, scope: Scope) -> list[str]:
        kind = self.choice([FLOATS, FLOATS, PAIRS, DICTS, DICT]
                           + ([ARRAYS] if scope.arrays else []))
        name = self.fresh(scope, POOLS[kind], prefix=PREFIXES[kind])
        if name is None:
            return self.s_assign(scope)
        if kind == DICT:
            a, b = self.pair(scope)
            scope.lists[name] = [2, 2, max(a.b, b.b), DICT]
            return [f'{name} = {{"a": {a.text}, "b": {b.text}}}']
        count = self.draw(st.integers(0 if scope.depth else 1, 2))
        self.stored_by_name = False
        items = [self.item(scope, kind) for _ in range(count)]
        if self.stored_by_name and not self.opts.allow_alias_append:
            self.aliased_lists.add(name)
        info = [count, count, max([b for _, b in items], default=0.0)]
        scope.lists[name] = info if kind == FLOATS else info + [kind]  # as programs_cf
        return [f"{name} = [{', '.join(t for t, _ in items)}]"]

    def s_append(self, scope: Scope) -> list[str]:
        names = sorted(n for n, info in scope.lists.items()
                       if _kind(info) != DICT and self.writable(scope, n))
        if not names:
            return self.s_container_set(scope)
        name = self.choice(names)
        self.wrote(scope, name)
        info = scope.lists[name]
        self.stored_by_name = False
        text, bound = self.item(scope, _kind(info))
        if self.stored_by_name and not self.opts.allow_alias_append \
                and name in self.updated_in_place:
            # its items were updated in place earlier, maybe in a loop that comes back here
            text, self.stored_by_name = f"{text}.copy()", False
        if self.stored_by_name and not self.opts.allow_alias_append:
            self.aliased_lists.add(name)
        if scope.depth == 0:
            info[0] += 1
        info[1] += scope.trips
        info[2] = max(info[2], bound)
        key = (scope.block, name)
        self.pushed[key] = self.pushed.get(key, 0) + 1
        return [f"{name}.append({text})"]

    def s_pop(self, scope: Scope) -> list[str]:
        names = [n for n in sorted(scope.lists) if self.poppable(scope, n)]
        if not names:
            return self.s_append(scope)
        name = self.choice(names)
        self.wrote(scope, name)
        info = scope.lists[name]
        kind, bound = _kind(info), info[2]
        if scope.depth == 0:
            info[0] -= 1
            info[1] -= 1
        key = (scope.block, name)
        self.pushed[key] = self.pushed.get(key, 0) - 1
        if self.chance(20):
            return [f"{name}.pop()"]
        if kind == PAIRS:
            targets = self.fresh_floats(scope, 2)
            if targets is None:
                return [f"{name}.pop()"]
            for target in targets:
                scope.floats[target] = bound
            return [f"{', '.join(targets)} = {name}.pop()"]
        target = self.fresh_floats(scope, 1)
        if target is None:
            return [f"{name}.pop()"]
        value = {FLOATS: self.choice((f"1.0 * {name}.pop()", f"{name}.pop()")),
                 DICTS: f'{name}.pop()["{self.choice("km")}"]',
                 ARRAYS: f"np.sum(np.tanh({name}.pop()))"}[kind]
        scope.floats[target[0]] = bound if kind != ARRAYS else float(N)
        if not value.startswith(("1.0", "np.")):
            self.unknown_names.add(target[0])
        return [f"{target[0]} = {value}"]

    def fresh_floats(self, scope: Scope, count: int):
        names = []
        for _ in range(count):
            name = self.fresh(scope, ("s", "t", "acc", "p", "r", "c"), prefix="t")
            if name is None:
                for name_ in names:
                    del scope.floats[name_]
                return None
            names.append(name)
            scope.floats[name] = 0.0  # so that the next one differs
        for name in names:  # the caller binds them after drawing the values
            del scope.floats[name]
        return names

    def s_container_set(self, scope: Scope) -> list[str]:
        names = sorted(n for n, info in scope.lists.items()
                       if _kind(info) in (FLOATS, DICT, ARRAYS) and self.writable(scope, n)
                       and (_kind(info) == DICT or info[0] >= 1)
                       and n not in self.aliased_lists)
        if not names:
            return self.s_assign(scope)
        name = self.choice(names)
        self.wrote(scope, name)
        info = scope.lists[name]
        if _kind(info) == ARRAYS:  # in place on the item: `+=` and `*=` change the array
            self.updated_in_place.add(name)
            target = f"{name}[{self.list_index(scope, name)}]"
            source = self.choice(sorted(scope.arrays) or [f"np.ones({N})"])
            op = self.choice(("=", "+=", "*="))
            if op == "*=":
                return [f"{target} *= 0.5"]
            e = self.expr(scope, 1)
            info[2] += 0.5
            return [f"{target} {op} 0.5 * np.tanh({e.text}) * np.tanh({source})"]
        if _kind(info) == DICT:
            target = f'{name}["{self.choice("ab")}"]'
        else:
            target = f"{name}[{self.list_index(scope, name)}]"
        line, info[2] = self.item_update(scope, target, ("=", "+=", "+=", "*="), info[2])
        return [line]

    def s_unpack(self, scope: Scope) -> list[str]:
        swappable = sorted(n for n in scope.floats
                           if self.writable(scope, n) and n not in self.unknown_names)
        form = self.draw(st.integers(0, 6))
        if form == 0 and len(swappable) >= 2:
            a, b = self.draw(st.permutations(swappable))[:2]
            self.wrote(scope, a)
            self.wrote(scope, b)
            scope.floats[a], scope.floats[b] = scope.floats[b], scope.floats[a]
            return [f"{a}, {b} = {b}, {a}"]
        if form == 1 and self.lists_of(scope, PAIRS, 1):
            name = self.choice(self.lists_of(scope, PAIRS, 1))
            targets = self.fresh_floats(scope, 2)
            if targets is None:
                return self.s_assign(scope)
            for t in targets:
                scope.floats[t] = scope.lists[name][2]
                self.unknown_names.add(t)
            return [f"{targets[0]}, {targets[1]} = {name}[{self.list_index(scope, name)}]"]
        e1, e2 = self.pair(scope)
        e1, e2 = self.known(e1), self.known(e2)
        if form == 2:
            e3 = self.finish(self.expr(scope, 1), BOUND)
            targets = self.fresh_floats(scope, 3)
            if targets is None:
                return self.s_assign(scope)
            for t, e in zip(targets, (e1, e2, e3)):
                scope.floats[t] = e.b
            return [f"({targets[0]}, {targets[1]}), {targets[2]} = "
                    f"({e1.text}, {e2.text}), {e3.text}"]
        targets = self.fresh_floats(scope, 2)
        if targets is None:
            return self.s_assign(scope)
        if form == 3:
            e3, e4 = self.pair(scope)
            cond = self.if_condition(scope)
            value = f"({e1.text}, {e2.text}) if {cond} else ({e3.text}, {e4.text})"
            bounds = (max(e1.b, e3.b), max(e2.b, e4.b))
        elif form == 4:
            form_ = self.choice(("({}, {})", "[{}, {}]"))
            value = f"h5({form_.format(e1.text, e2.text)})"
            bounds = (e1.b, 1.0 + 0.5 * e2.b)
            self.unknown_names.update(targets)
        elif form == 5:
            items = [self.finish(self.expr(scope, 1), BOUND) for _ in range(2)]
            value = f"h6([{e1.text}, {', '.join(i.text for i in items)}])"
            bounds = (3.0, 0.5 * max(i.b for i in items))
            self.unknown_names.update(targets)
        else:
            value = f"{e1.text}, {e2.text}"
            bounds = (e1.b, e2.b)
        for t, b in zip(targets, bounds):
            scope.floats[t] = b
        return [f"{targets[0]}, {targets[1]} = {value}"]

    def s_lambda(self, scope: Scope) -> list[str]:
        if len(self.lambdas) >= 2 or not scope.floats:
            return self.s_assign(scope)
        name = f"g{next(self.lambda_names)}"
        captured = self.choice(sorted(scope.floats))
        self.captured.add(captured)
        arity = self.draw(st.integers(1, 2))
        if arity == 1:  # the parameter may have the name of a variable of f
            t = self.choice(("t", "s", "x", "arg"))
            body = f"np.tanh({t}) * np.cos({captured}) + 0.5 * np.sin({captured})"
            params = t
        else:
            a, b = self.choice((("a", "b"), ("y", "t"), ("b", "a")))
            body = f"np.tanh({a} * {b}) + np.sin({captured} * {b})"
            params = f"{a}, {b}"
        self.lambdas.append((name, arity))
        return [f"{name} = lambda {params}: {body}"]

    def s_retype(self, scope: Scope) -> list[str]:
        """A top-level name rebound to a value of the other kind."""
        arrays = sorted(n for n in scope.arrays if self.writable(scope, n)
                        and n not in self.captured and n not in self.aliased
                        and n not in self.item_written)
        floats = sorted(n for n in scope.floats if self.writable(scope, n)
                        and n not in self.captured and n not in self.unknown_names)
        choices = [("a", n) for n in arrays] + [("f", n) for n in floats]
        if not choices:
            return self.s_assign(scope)
        kind, name = self.choice(choices)
        self.wrote(scope, name)
        if kind == "a":
            e = self.expr(scope, 1)
            del scope.arrays[name]
            scope.floats[name] = float(N)
            return [f"{name} = np.sum(np.tanh({name}) * np.tanh({e.text}))"]
        arrays = sorted(scope.arrays)
        source = f"np.tanh({self.choice(arrays)})" if arrays else f"np.ones({N})"
        bound = scope.floats.pop(name)
        scope.arrays[name] = min(bound, BOUND)
        return [f"{name} = {source} * np.tanh({name})" if bound > BOUND
                else f"{name} = {source} * {name}"]

    def s_for_container(self, scope: Scope) -> list[str]:
        """``for`` over a list of pairs, a dict, ``enumerate``/``zip`` of float lists."""
        sources = []
        if self.lists_of(scope, PAIRS, 1):
            sources.append("pairs")
        if self.lists_of(scope, DICT):
            sources += ["items", "values"]
        if self.lists_of(scope, FLOATS, 1):
            sources += ["enumerate", "zip"]
        if self.lists_of(scope, DICTS, 1):
            sources.append("dicts")
        if self.lists_of(scope, ARRAYS, 1):
            sources.append("arrays")
        if not sources:
            return self.s_for_elem(scope)
        what = self.choice(sources)
        frozen, ints, floats = [], {}, {}
        if what == "pairs":
            it = self.choice(self.lists_of(scope, PAIRS, 1))
            _, trips, bound, _ = scope.lists[it]
            names = self.fresh(scope, ("pa", "pc")), self.fresh(scope, ("pb", "pd"))
            if None in names:
                return self.s_for_elem(scope)
            header, target = it, ", ".join(names)
            floats = dict.fromkeys(names, bound)
            frozen = [it, *names]
        elif what in ("items", "values"):
            it = self.choice(self.lists_of(scope, DICT))
            bound, trips = scope.lists[it][2], 2
            value = self.fresh(scope, ("dv",))
            if what == "items":
                key = self.fresh(scope, ("key",))
                header, target = f"{it}.items()", f"{key}, {value}"
                frozen = [it, key, value]
            else:
                header, target = f"{it}.values()", value
                frozen = [it, value]
            floats = {value: bound}
        elif what == "enumerate":
            it = self.choice(self.lists_of(scope, FLOATS, 1))
            _, trips, bound, *_ = scope.lists[it]
            index, value = self.fresh(scope, ("ix",)), self.fresh(scope, ("u",))
            header, target = f"enumerate({it})", f"{index}, {value}"
            ints = {index: (0, trips - 1)}
            floats = {value: bound}
            frozen = [it, index, value]
        elif what == "zip":
            it = self.choice(self.lists_of(scope, FLOATS, 1))
            other = self.choice(self.lists_of(scope, FLOATS, 1) + sorted(scope.arrays))
            _, trips, bound, *_ = scope.lists[it]
            value, second = self.fresh(scope, ("u",)), self.fresh(scope, ("q",))
            header, target = f"zip({it}, {other})", f"{value}, {second}"
            other_bound = (scope.arrays[other] if other in scope.arrays
                           else scope.lists[other][2])
            floats = {value: bound, second: other_bound}
            frozen = [it, other, value, second]
        elif what == "dicts":
            it = self.choice(self.lists_of(scope, DICTS, 1))
            _, trips, bound, _ = scope.lists[it]
            value = f"dk{next(self.locals)}"
            self.owner[value] = -1  # assigned once, in the loop body
            entry = f"entry{scope.depth}"
            header, target = it, entry
            frozen = [it, entry]
            inner = self.loop_scope(scope, trips, frozen)
            inner.floats[value] = bound
            body = [f'{value} = {entry}["{self.choice("km")}"] * 1.0'] + self.block(inner, 1, 2)
            scope.merge(inner)
            return [f"for {target} in {header}:"] + _indent(body)
        else:
            it = self.choice(self.lists_of(scope, ARRAYS, 1))
            _, trips, bound, _ = scope.lists[it]
            value = self.fresh(scope, ("row", "col"))
            if value is None:
                return self.s_for_elem(scope)
            header, target = it, value
            inner = self.loop_scope(scope, trips, [it, value])
            inner.arrays[value] = bound
            self.aliased.add(value)  # the list's item itself: never written
            body = self.block(inner, 1, 2)
            scope.merge(inner)
            return [f"for {target} in {header}:"] + _indent(body)
        if None in frozen:
            return self.s_for_elem(scope)
        inner = self.loop_scope(scope, trips, frozen)
        inner.floats.update(floats)
        inner.ints.update(ints)
        self.unknown_names.update(floats)
        body = self.block(inner, 1, 3)
        scope.merge(inner)
        return [f"for {target} in {header}:"] + _indent(body)

    # --------------------------------------------------------------------- result
    def result(self, scope: Scope) -> str:
        terms = []
        plain = {n: info for n, info in scope.lists.items() if _kind(info) == FLOATS}
        others = {n: info for n, info in scope.lists.items() if _kind(info) != FLOATS}
        scope.lists = plain
        base = super().result(scope)
        scope.lists.update(others)
        for name, info in sorted(others.items()):
            kind, min_len = _kind(info), info[0]
            if kind == PAIRS:
                terms.append(self.choice((f"np.tanh(sum(a * b for a, b in {name}))",
                                          f"np.sum(np.tanh(np.array({name})))"
                                          if min_len else f"h8({name})[0]")))
            elif kind == DICTS:
                terms.append(f'np.tanh(sum(e["k"] + e["m"] for e in {name}))')
            elif kind == ARRAYS:
                terms.append(f"np.sum(np.tanh(np.stack({name})))" if min_len
                             else f"sum(np.sum(np.tanh(v)) for v in {name})")
            else:
                terms.append(self.choice((f'{name}["a"] + {name}["b"]', f"h7({name})")))
        for name, arity in self.lambdas:
            if self.chance(50):
                args = ", ".join(["0.5"] * arity)
                terms.append(f"{name}({args})")
        return " + ".join([base] + terms)


@st.composite
def ext_programs(draw, options: ExtOptions | None = None, array=None, max_statements=5,
                 budget=MAX_STATEMENTS + 2):
    """A module with the helpers and a function ``f`` (a CFProgram) from :class:`ExtGen`."""
    opts = options or ExtOptions()
    params, scope, array = draw_params(draw, array)
    gen = ExtGen(draw, opts, budget)
    gen.closure = draw(st.integers(0, 3)) == 0
    lines = []
    for _ in range(draw(st.integers(0, 2))):
        lines += gen.s_new_list(scope)
    if draw(st.booleans()):
        lines += gen.s_new_array(scope)
    count = draw(st.integers(0, max_statements - 1))
    forced = draw(st.integers(0, count))
    for k in range(count + 1):
        if k == forced:
            lines += gen.statement(scope, compound=True)
        elif gen.budget > 1:
            lines += gen.statement(scope)
    lines.append(f"return {gen.result(scope)}")
    head = f"def f({', '.join(params)}):\n"
    if gen.closure:  # f is made by a factory and reads its parameter K
        body = "".join(f"        {line}\n" for line in lines)
        text = f"def make_f(K):\n    {head}{body}    return f\n\n\nf = make_f(0.75)\n"
    else:
        text = head + "".join(f"    {line}\n" for line in lines)
    source = f"{HELPERS}\n\n{HELPERS_EXT}\n\n{text}"
    return CFProgram(source, tuple(params), frozenset({ARRAY_PARAM} if array else ()))


__all__ = ["ExtGen", "ExtOptions", "ext_programs", "MAX_DEPTH", "MAX_TRIPS"]
