"""Higher order through user rules: the Python function a rule helper computes.

A first derivative calls a user rule through a helper (srcad/custom_helpers.py), an object
srcad cannot read.  To differentiate that derivative again, ``resolve`` asks the helper for
``helper.__srcad_function__(location)``: a Python function with source that computes what
the helper computes, which it classifies in the helper's place.  srcad transforms it like
any function of the user's, so user rules work at any order as long as the user's
functions are themselves differentiable.

* A ``defvjp``/``defjvp`` helper whose argument has the user's own function calls it with
  exactly the arguments it gets: that function *is* what it computes.
* The other helpers compose the user's functions.  srcad writes the composition as a small
  function (its text registered in ``linecache``, like srcad/stubs.py) named like the
  helper, which ``srcad.show`` prints among the derivatives called.  For ``custom_vjp``::

      def log1pexp_vjp(g, x):
          residuals = _log1pexp_fwd(x)[1]
          cotangents = _log1pexp_bwd(residuals, g)
          c_x = cotangents[0]
          if c_x is None and isinstance(x, NUMERIC) and not isinstance(x, BOOLEAN):
              c_x = zeros_like(x)
          return (c_x,)

  A rule derived by transposition (a vjp from a jvp, a jvp from a vjp or ``bwd``) is a loop
  over the unit vectors, as in the helper::

      def i0_vjp_x(g, ans, x):
          out = zeros_like(x)
          n = np.size(x)
          eye = np.eye(n)
          for k in range(n):
              e = np.reshape(eye[k], np.shape(x))
              out = out + e * np.sum(g * jvp(e, ans, x))
          return out

The helpers' checks of what the user's functions return stay in the first derivative (the
primal of a reverse-mode derivative still calls the helper).  A user function srcad cannot
read (a builtin, a ufunc, a C extension, a ``functools.partial``, a callable object) is a
:class:`~srcad.NoRuleError` naming the rule.  The function made for a helper is kept on it
while the rule's functions stay the same, so its derivatives are cached like any other.
"""

from __future__ import annotations

import builtins
import itertools
import keyword
import types

import numpy as np

from . import emit, rules, runtime
from .errors import NoRuleError, SourceError

__all__ = ["function_of"]

_COUNTER = itertools.count(1)
NUMERIC = (int, float, complex, np.ndarray, np.generic)
BOOLEAN = (bool, np.bool_)
CONTAINERS = (list, tuple, dict)


def function_of(helper, location=None):
    """The Python function that ``helper`` computes (see the module docstring).

    Raises :class:`~srcad.NoRuleError` (at ``location``, the call in generated code) when a
    function of the rule has no source srcad can read, and the helper's own
    :class:`~srcad.RuleError` when the rule lacks what the helper needs.
    """
    reg, param = helper.reg, helper.param
    key = (type(helper), helper.__name__, param, tuple(reg.positional), tuple(reg.kwonly),
           (reg.vjps or {}).get(param), (reg.jvps or {}).get(param), reg.fwd, reg.bwd,
           reg.jvp_fn)
    cached = getattr(helper, "_srcad_higher", None)
    if cached is not None and _same(cached[0], key):
        return cached[1]
    fn = _BUILDERS[type(helper).__name__](_Writer(helper, location))
    helper._srcad_higher = (key, fn)
    return fn


def _same(a, b) -> bool:
    return len(a) == len(b) and all(x is y or (isinstance(x, (str, tuple)) and x == y)
                                    for x, y in zip(a, b))


# ---------------------------------------------------------------------------------------
# writing the functions


class _Writer:
    """The text and globals of one function standing for ``helper``."""

    def __init__(self, helper, location):
        self.helper, self.reg, self.location = helper, helper.reg, location
        self.taken = set(self.reg.positional) | set(self.reg.kwonly) | {helper.__name__}
        self.globals = {"__name__": __name__, "__builtins__": builtins}
        self.np = self.use(np, "np")
        self.zeros = self.use(runtime.zeros_like, "zeros_like")

    def fresh(self, base: str) -> str:
        name = base
        while name in self.taken or keyword.iskeyword(name) or hasattr(builtins, name):
            name += "_"
        self.taken.add(name)
        return name

    def use(self, obj, base: str) -> str:
        """A global of the function holding ``obj``."""
        name = self.fresh(base)
        self.globals[name] = obj
        return name

    def user(self, fn, what: str) -> str:
        """The user's function ``fn`` as a global, after checking srcad can transform it."""
        _check_readable(fn, what, self.helper, self.location)
        name = getattr(fn, "__name__", "")
        return self.use(fn, name if name.isidentifier() else what.split()[0])

    def args(self) -> list:
        """The rule's arguments as the template passes them: positional, then keywords."""
        return list(self.reg.positional) + [f"{k}={k}" for k in self.reg.kwonly]

    def params(self, *first) -> str:
        kwonly = ["*", *self.reg.kwonly] if self.reg.kwonly else []
        return ", ".join([*first, *self.reg.positional, *kwonly])

    def write(self, params: str, body: list):
        name = self.helper.__name__
        text = f"def {name}({params}):\n" + "".join(f"    {line}\n" for line in body)
        return emit.compile_function(
            text, name, self.globals,
            f"<srcad rule helper {name} of {self.reg.qualified} #{next(_COUNTER)}>")

    def transpose(self, like: str, term) -> list:
        """``sum_k e_k * term(e_k)`` over the unit vectors ``e_k`` shaped like ``like``: the
        transposition the helpers do (``_transpose_jvp``/``_transpose_vjp``)."""
        out, n, eye, k, e = (self.fresh(b) for b in ("out", "n", "eye", "k", "e"))
        np_ = self.np
        return [f"{out} = {self.zeros}({like})",
                f"{n} = {np_}.size({like})",
                f"{eye} = {np_}.eye({n})",
                f"for {k} in range({n}):",
                f"    {e} = {np_}.reshape({eye}[{k}], {np_}.shape({like}))",
                *("    " + line for line in term(e, out)),
                f"return {out}"]


def _check_readable(fn, what, helper, location) -> None:
    if rules.lookup(fn) is not None or getattr(fn, "__srcad__", None) is not None:
        return  # srcad has a rule for it, or made it
    if isinstance(fn, types.FunctionType):
        try:
            from .source import get_source
            get_source(fn)
            return
        except SourceError as exc:
            why = exc.message
    else:
        name = getattr(fn, "__qualname__", None) or getattr(fn, "__name__", None)
        shown = f"`{name}` ({type(fn).__name__})" if name else f"a {type(fn).__name__} object"
        why = f"it is {shown}, which has no Python source to transform"
    reg = helper.reg
    kind = f"{reg.kind} " if reg.kind != "rule" else ""
    raise NoRuleError(
        f"second and higher derivatives through the rule you registered for "
        f"{kind}`{reg.display}` differentiate its {what} (which the helper {helper.__name__} "
        f"calls), so it must be a Python function srcad can read: {why}",
        location,
        hint="write it with `def` or `lambda` and functions srcad differentiates (numpy, or "
             "functions with rules of their own); first derivatives work as they are")


# ---------------------------------------------------------------------------------------
# one builder per helper class of srcad/custom_helpers.py


def _arg_vjp(w):
    """``_ArgVjp``: the user's vjp, or the transposed jvp."""
    from .custom_helpers import _missing
    reg, param = w.reg, w.helper.param
    vjp = (reg.vjps or {}).get(param)
    if vjp is not None:
        _check_readable(vjp, f"vjp for argument `{param}`", w.helper, w.location)
        return vjp
    jvp = (reg.jvps or {}).get(param)
    if jvp is None:
        _missing(reg, "vjp", param)
    fn = w.user(jvp, f"jvp for argument `{param}`")
    g, ans = w.fresh("g"), w.fresh("ans")
    args = ", ".join(w.args())
    body = w.transpose(param, lambda e, out: [
        f"{out} = {out} + {e} * {w.np}.sum({g} * {fn}({e}, {ans}, {args}))"])
    return w.write(w.params(g, ans), body)


def _arg_jvp(w):
    """``_ArgJvp``: the user's jvp, or the transposed vjp."""
    from .custom_helpers import _missing
    reg, param = w.reg, w.helper.param
    jvp = (reg.jvps or {}).get(param)
    if jvp is not None:
        _check_readable(jvp, f"jvp for argument `{param}`", w.helper, w.location)
        return jvp
    vjp = (reg.vjps or {}).get(param)
    if vjp is None:
        _missing(reg, "jvp", param)
    fn = w.user(vjp, f"vjp for argument `{param}`")
    t, ans = w.fresh("t"), w.fresh("ans")
    args = ", ".join(w.args())
    body = w.transpose(ans, lambda e, out: [
        f"{out} = {out} + {e} * {w.np}.sum({fn}({e}, {ans}, {args}) * {t})"])
    return w.write(w.params(t, ans), body)


def _residuals(w) -> tuple:
    """The statement computing the residuals of a custom_vjp function, and their name."""
    from .custom_helpers import _no_rule_yet
    reg = w.reg
    if reg.fwd is None:
        _no_rule_yet(reg)
    fwd = w.user(reg.fwd, "fwd function")
    bwd = w.user(reg.bwd, "bwd function")
    residuals = w.fresh("residuals")
    return f"{residuals} = {fwd}({', '.join(reg.positional)})[1]", residuals, bwd


def _custom_vjp(w):
    """``_CustomVjp``: ``bwd(fwd(*args)[1], g)``, None made zeros for a numeric argument."""
    reg = w.reg
    first, residuals, bwd = _residuals(w)
    g, cotangents = w.fresh("g"), w.fresh("cotangents")
    numeric, boolean = w.use(NUMERIC, "NUMERIC"), w.use(BOOLEAN, "BOOLEAN")
    body = [first, f"{cotangents} = {bwd}({residuals}, {g})"]
    names = []
    for i, p in enumerate(reg.positional):
        c = w.fresh(f"c_{p}")
        names.append(c)
        body += [f"{c} = {cotangents}[{i}]",
                 f"if {c} is None and isinstance({p}, {numeric}) and not isinstance({p}, "
                 f"{boolean}):",
                 f"    {c} = {w.zeros}({p})"]
    body.append(f"return ({', '.join(names)}{',' if len(names) == 1 else ''})")
    return w.write(w.params(g), body)


def _custom_vjp_tangent(w):
    """``_CustomVjpTangent``: ``bwd`` applied to the unit vectors of the result."""
    reg = w.reg
    first, residuals, bwd = _residuals(w)
    t, ans, c = w.fresh("t"), w.fresh("ans"), w.fresh("c")
    i = reg.positional.index(w.helper.param)
    body = [first] + w.transpose(ans, lambda e, out: [
        f"{c} = {bwd}({residuals}, {e})[{i}]",
        f"if {c} is not None:",
        f"    {out} = {out} + {e} * {w.np}.sum({c} * {t})"])
    return w.write(w.params(t, ans), body)


def _custom_jvp_tangent(w):
    """``_CustomJvpTangent``: the user's jvp with zero tangents for the other arguments."""
    from .custom_helpers import _no_rule_yet
    reg = w.reg
    if reg.jvp_fn is None:
        _no_rule_yet(reg)
    fn = w.user(reg.jvp_fn, "jvp function")
    t = w.fresh("t")
    zeroable = w.use(NUMERIC + CONTAINERS, "ZEROABLE")
    boolean = w.use(BOOLEAN, "BOOLEAN")
    body, tangents = [], []
    for p in reg.positional:
        if p == w.helper.param:
            tangents.append(t)
            continue
        d = w.fresh(f"d_{p}")
        tangents.append(d)
        body += [f"{d} = None",
                 f"if isinstance({p}, {zeroable}) and not isinstance({p}, {boolean}):",
                 f"    {d} = {w.zeros}({p})"]
    comma = "," if len(tangents) == 1 else ""
    primals, tangents_, out = w.fresh("primals"), w.fresh("tangents"), w.fresh("out")
    # named, not literal, arguments: the callee then knows they are tuples
    body += [f"{primals} = ({', '.join(reg.positional)}{comma})",
             f"{tangents_} = ({', '.join(tangents)}{comma})",
             f"{out} = {fn}({primals}, {tangents_})",
             f"return {out}[1]"]
    return w.write(w.params(t), body)


def _custom_jvp_cotangent(w):
    """``_CustomJvpCotangent``: the tangent function transposed over the argument."""
    from .custom_helpers import _CustomJvpTangent
    reg, param = w.reg, w.helper.param
    tangent = next((h for h in reg.helpers.values()
                    if isinstance(h, _CustomJvpTangent) and h.param == param), None)
    if tangent is None:  # not installed under a name: one for this function only
        tangent = _CustomJvpTangent(reg, f"{reg.base}_jvp_{param}", param)
    fn = w.use(function_of(tangent, w.location), tangent.__name__)
    g = w.fresh("g")
    args = ", ".join(reg.positional)
    body = w.transpose(param, lambda e, out: [
        f"{out} = {out} + {e} * {w.np}.sum({g} * {fn}({e}, {args}))"])
    return w.write(w.params(g), body)


_BUILDERS = {"_ArgVjp": _arg_vjp, "_ArgJvp": _arg_jvp, "_CustomVjp": _custom_vjp,
             "_CustomVjpTangent": _custom_vjp_tangent,
             "_CustomJvpTangent": _custom_jvp_tangent,
             "_CustomJvpCotangent": _custom_jvp_cotangent}
