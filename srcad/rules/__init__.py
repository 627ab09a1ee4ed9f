"""The rules table: the one place where a derivative is defined.

A rule is one :func:`defrule` call.  It names the primitive, lists its parameters with
numpy's own names, and gives the reverse template (``vjp``), the forward template
(``jvp``) and the cases its finite-difference test runs::

    defrule("numpy.tanh", "x",
            vjp="bx += by * (1.0 - y * y)",
            jvp="dy += dx * (1.0 - y * y)")

Template conventions:

* ``y`` is the primal output (rules with several outputs name them with ``outputs=``),
  ``by`` its adjoint, ``b<param>``/``d<param>`` the adjoint/tangent of a parameter.
* Every vjp statement that touches an argument is ``b<param> += expr``, one per parameter;
  the reverse pass keeps only those of *active* arguments.  Other assignments in a
  template are temporaries; they are renamed apart and dropped when unused.
* Every jvp statement is ``dy += term`` with the term linear in one ``d<param>``; the
  forward pass sums the terms of active arguments.
* Free names must be parameters, outputs, template temporaries, or names of
  :data:`TEMPLATE_GLOBALS` (``np``, ``math``, the runtime helpers) and builtins.

Keys: a rule is found by the object a call resolves to (``np.sin``), by operator
(``operator.mul`` for ``*``), by array method name (``("method", "sum")``), by array
attribute (``("attr", "T")``) or by ``("subscript",)`` for indexing.  Functions that are
not differentiable (constructors, ``np.shape``, ``np.floor`` …) are registered with
:func:`defnondiff`: their result is inactive and needs no adjoint.
"""

from __future__ import annotations

import builtins
import functools
import importlib
import inspect
import math
import operator
import sys
from dataclasses import dataclass, field

import gast

from ..grammar import walk
import numpy as np

from .. import runtime, template
from ..errors import RuleError

TEMPLATE_GLOBALS = {"np": np, "math": math, **runtime.HELPERS}


@dataclass(frozen=True)
class Arr:
    """A test input: a float64 array of ``shape`` drawn from ``domain``."""

    shape: tuple = ()
    domain: str = "real"  # real | positive | unit (-1, 1) | above1 | nonzero | spd | square

    def __init__(self, *shape, domain="real"):
        object.__setattr__(self, "shape", tuple(shape))
        object.__setattr__(self, "domain", domain)


@dataclass(frozen=True)
class Case:
    """One finite-difference test of a rule: positional and keyword arguments."""

    args: tuple
    kwargs: tuple = ()

    def __init__(self, *args, **kwargs):
        object.__setattr__(self, "args", args)
        object.__setattr__(self, "kwargs", tuple(sorted(kwargs.items())))


@dataclass
class Rule:
    key: object
    names: list[str]  # fully qualified names, e.g. ["numpy.abs", "numpy.absolute"]
    signature: inspect.Signature
    outputs: tuple[str, ...]  # ("y",) or the names of a tuple result
    vjp_text: str = ""
    jvp_text: str = ""
    cases: tuple = ()
    tol: float = 1e-6
    kind: str = "function"  # function | method | attr | operator | subscript
    module: str = ""  # the module that registered the rule (srcad.rules.elementwise, ...)
    extra_globals: tuple = ()
    _parsed: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def vjp(self) -> list:
        """The vjp template's statements (parsed and checked at first use)."""
        return self._template("vjp")

    @property
    def jvp(self) -> list:
        """The jvp template's statements (parsed and checked at first use)."""
        return self._template("jvp")

    def _template(self, which: str) -> list:
        stmts = self._parsed.get(which)
        if stmts is None:
            text = self.vjp_text if which == "vjp" else self.jvp_text
            stmts = template.parse(text) if text.strip() else []
            _check_template(stmts, self.names[0], list(self.signature.parameters),
                            self.outputs, which, self.extra_globals)
            self._parsed[which] = stmts
        return stmts

    @property
    def elementwise(self) -> bool:
        """Scalars in, scalar out: the result of scalar arguments is a scalar."""
        return self.module.endswith((".elementwise", ".operators")) and self.kind in (
            "function", "operator")

    @property
    def name(self) -> str:
        return self.names[0]

    @property
    def params(self) -> list[str]:
        return list(self.signature.parameters)

    def diff_params(self) -> list[str]:
        """Parameters that some vjp statement differentiates."""
        out = []
        for stmt in self.vjp:
            if isinstance(stmt, gast.AugAssign) and isinstance(stmt.target, gast.Name):
                out.append(stmt.target.id[1:])
        return out


def unary_cases(domain="real"):
    """Scalar, vector and matrix inputs for a one-argument elementwise rule."""
    return (Case(Arr(domain=domain)), Case(Arr(3, domain=domain)), Case(Arr(2, 3, domain=domain)))


def binary_cases(domain1="real", domain2="real"):
    """Equal shapes and broadcasting pairs for a two-argument elementwise rule."""
    return (
        Case(Arr(domain=domain1), Arr(domain=domain2)),
        Case(Arr(3, domain=domain1), Arr(3, domain=domain2)),
        Case(Arr(2, 3, domain=domain1), Arr(3, domain=domain2)),
        Case(Arr(domain=domain1), Arr(2, 3, domain=domain2)),
        Case(Arr(2, 1, domain=domain1), Arr(1, 3, domain=domain2)),
    )


RULES: dict[object, Rule] = {}
NONDIFF: dict[object, str] = {}


@functools.lru_cache(maxsize=None)
def _signature(params: str) -> inspect.Signature:
    """The signature of a function with the parameter list ``params`` (many rules share one)."""
    try:
        function = eval(f"lambda {params}: None", {"np": np})
    except SyntaxError as exc:
        raise RuleError(f"bad parameter list {params!r}: {exc}") from None
    return inspect.signature(function)


def resolve_name(dotted: str):
    """The object a dotted name such as ``numpy.linalg.inv`` refers to, or None."""
    parts = dotted.split(".")
    obj = sys.modules.get(parts[0])
    if obj is None:
        try:
            obj = importlib.import_module(parts[0])
        except ImportError:
            return getattr(builtins, dotted, None)
    for i, attr in enumerate(parts[1:], 2):
        found = getattr(obj, attr, None)
        if found is None:  # a submodule not imported yet
            try:
                found = importlib.import_module(".".join(parts[:i]))
            except ImportError:
                return None
        obj = found
    return obj


def _check_template(stmts, rule_name, params, outputs, which, extra=()):
    allowed_targets = {("b" if which == "vjp" else "d") + p for p in
                       (params if which == "vjp" else outputs)}
    temps = set()
    for stmt in stmts:
        if isinstance(stmt, gast.AugAssign):
            if not (isinstance(stmt.target, gast.Name) and stmt.target.id in allowed_targets
                    and isinstance(stmt.op, gast.Add)):
                raise RuleError(f"rule {rule_name}: {which} statement "
                                f"`{_unparse(stmt)}` must be `{sorted(allowed_targets)[0]} += ...`")
        elif isinstance(stmt, gast.Assign) and all(isinstance(t, gast.Name) for t in stmt.targets):
            if {t.id for t in stmt.targets} & allowed_targets:
                raise RuleError(f"rule {rule_name}: {which} statement `{_unparse(stmt)}` must "
                                "accumulate with `+=`")
            temps.update(t.id for t in stmt.targets)
        else:
            raise RuleError(f"rule {rule_name}: unsupported {which} statement `{_unparse(stmt)}`")
    known = set(params) | set(outputs) | temps | set(TEMPLATE_GLOBALS) | set(dir(builtins)) \
        | set(extra)
    known |= {"b" + o for o in outputs} | {"d" + p for p in params}
    unknown = template.free_names(stmts) - known - allowed_targets
    for stmt in stmts:
        read = {n.id for n in walk(stmt.value) if isinstance(n, gast.Name)}
        if read & allowed_targets:
            raise RuleError(f"rule {rule_name}: {which} statement `{_unparse(stmt)}` reads "
                            f"{sorted(read & allowed_targets)[0]}, which it may only add to")
    if unknown:
        raise RuleError(f"rule {rule_name}: {which} template uses unknown names {sorted(unknown)}")


def _unparse(stmt):
    import ast
    return ast.unparse(gast.gast_to_ast(gast.fix_missing_locations(stmt))).strip()


def defrule(target, params: str, *, vjp: str, jvp: str = "", outputs: str = "y",
            cases=(), tol: float = 1e-6, names=None, kind: str | None = None) -> Rule | None:
    """Register a derivative rule; see the module docstring.

    ``target`` is a dotted name (``"numpy.sin"``; several names separated by spaces for
    aliases), a callable, or a key tuple (``("method", "sum")``).  Returns the rule, or
    None when a dotted name does not exist in the installed library version.
    """
    if isinstance(target, str):
        dotted = target.split()
        objs = [(n, resolve_name(n)) for n in dotted]
        objs = [(n, o) for n, o in objs if o is not None]
        if not objs:
            return None
        key = objs[0][1]
        names = names or [n for n, _ in objs]
        extra_keys = [o for _, o in objs[1:] if o is not key]
    else:
        key, extra_keys = target, []
        names = names or [_describe_key(target)]
    if kind is None:
        kind = key[0] if isinstance(key, tuple) else "function"
        if key in _OPERATOR_NAMES:
            kind = "operator"
    caller = sys._getframe(1).f_globals.get("__name__", "")
    rule = make_rule(key, params, vjp=vjp, jvp=jvp, outputs=outputs, cases=cases, tol=tol,
                     names=names, kind=kind, lazy=caller.startswith(__name__ + "."))
    rule.module = caller
    for k in [key, *extra_keys]:
        if k in RULES and RULES[k] is not rule:
            RULES[k].names.extend(n for n in names if n not in RULES[k].names)
            continue
        RULES[k] = rule
    return rule


def make_rule(key, params: str, *, vjp: str, jvp: str = "", outputs: str = "y", cases=(),
              tol: float = 1e-6, names=None, kind: str = "function", extra_globals=(),
              lazy: bool = False) -> Rule:
    """A checked :class:`Rule`, not registered in the table (``defrule`` registers).

    ``lazy``: parse and check the templates at first use (srcad's own table, so that
    ``import srcad`` does not parse hundreds of templates)."""
    signature = _signature(params)
    out_names = tuple(outputs.split())
    names = list(names or [_describe_key(key)])
    rule = Rule(key, names, signature, out_names, vjp, jvp, tuple(cases), tol, kind,
                extra_globals=tuple(extra_globals))
    if not lazy:  # a user's rule: its mistakes are reported when it is registered
        rule.vjp, rule.jvp  # noqa: B018
    return rule


def defnondiff(*targets, why: str = "") -> None:
    """Declare callables (dotted names or objects) or method/attribute keys not differentiable."""
    for target in targets:
        for name in (target.split() if isinstance(target, str) else [target]):
            obj = resolve_name(name) if isinstance(name, str) and "." in name else name
            if isinstance(name, str) and "." not in name:
                obj = getattr(builtins, name, None)
            if obj is not None:
                NONDIFF[obj] = why


_OPERATOR_NAMES = {
    operator.add: "operator.add", operator.sub: "operator.sub", operator.mul: "operator.mul",
    operator.truediv: "operator.truediv", operator.floordiv: "operator.floordiv",
    operator.mod: "operator.mod", operator.pow: "operator.pow", operator.matmul: "operator.matmul",
    operator.neg: "operator.neg", operator.pos: "operator.pos",
}


def _describe_key(key) -> str:
    if key in _OPERATOR_NAMES:
        return _OPERATOR_NAMES[key]
    if isinstance(key, tuple):
        if key[0] == "method":
            return f"numpy.ndarray.{key[1]}"
        if key[0] == "attr":
            return f"numpy.ndarray.{key[1]}"
        if key[0] == "subscript":
            return "numpy.ndarray.__getitem__"
    module = getattr(key, "__module__", None) or ""
    return f"{module}.{getattr(key, '__qualname__', getattr(key, '__name__', repr(key)))}".lstrip(".")


def load_optional() -> None:
    """Register the rules of optional libraries the process has imported (scipy.special):
    ``import srcad`` does not import scipy, which takes longer than srcad itself."""
    global _SPECIAL_LOADED
    if not _SPECIAL_LOADED and "scipy.special" in sys.modules:
        _SPECIAL_LOADED = True
        from . import special  # noqa: F401


_SPECIAL_LOADED = False


def lookup(key) -> Rule | None:
    load_optional()
    try:
        return RULES.get(key)
    except TypeError:  # unhashable callable
        return None


def is_nondiff(key) -> bool:
    load_optional()
    try:
        return key in NONDIFF
    except TypeError:
        return False


def supported_functions() -> list[str]:
    """Fully qualified names of every callable with a derivative rule, sorted.

    The rules of srcad's own runtime helpers (``srcad.runtime.*``, for differentiating
    generated code again) are internal and not listed.
    """
    load_optional()
    names = set()
    for rule in RULES.values():
        names.update(n for n in rule.names if not n.startswith("srcad.runtime."))
    return sorted(names)


# The table itself: importing these modules registers their rules.
from . import operators, elementwise, reductions, linalg, shapes, nondiff, pybuiltins, runtime_rules  # noqa: E402,F401,E501
load_optional()
