"""Build a user-style function that calls one rule's primitive, and inputs for it.

The function is written as source text, registered in ``linecache`` (as IPython does) and
differentiated by srcad like any user function.
"""

import itertools
import linecache
import math

import numpy as np

import srcad.runtime
from srcad.rules import Arr, RULES

_COUNTER = itertools.count()
_OPERATORS = {
    "operator.add": "{0} + {1}", "operator.sub": "{0} - {1}", "operator.mul": "{0} * {1}",
    "operator.truediv": "{0} / {1}", "operator.pow": "{0} ** {1}", "operator.mod": "{0} % {1}",
    "operator.matmul": "{0} @ {1}", "operator.neg": "-{0}", "operator.pos": "+{0}",
}


def unique_rules():
    seen, out = set(), []
    for rule in RULES.values():
        if id(rule) not in seen:
            seen.add(id(rule))
            out.append(rule)
    return out


def rule_name_cases():
    """(rule, spelled name, case index, case) for every name of every rule."""
    for rule in unique_rules():
        names = rule.names if rule.kind == "function" else rule.names[:1]
        for name in names:
            for i, case in enumerate(rule.cases):
                if name.startswith("math.") and any(
                        isinstance(a, Arr) and a.shape for a in case.args):
                    continue
                yield rule, name, i, case


def make_input(arr: Arr, rng):
    shape, domain = arr.shape, arr.domain
    if domain == "real":
        x = rng.standard_normal(shape)
    elif domain == "positive":
        x = rng.uniform(0.5, 2.0, shape)
    elif domain == "unit":
        x = rng.uniform(-0.9, 0.9, shape)
    elif domain == "above1":
        x = rng.uniform(1.2, 3.0, shape)
    elif domain == "nonzero":
        x = rng.uniform(0.5, 2.0, shape) * rng.choice([-1.0, 1.0], shape)
    elif domain in ("spd", "square"):
        n = shape[-1]
        a = rng.standard_normal(shape)
        eye = np.eye(n)
        if domain == "spd":
            x = a @ np.swapaxes(a, -1, -2) + n * eye
        else:
            x = a + 3.0 * eye
    elif domain == "distinct":  # well separated values: no ties for max/min/sort
        x = rng.permutation(np.arange(int(np.prod(shape)), dtype=float)).reshape(shape)
        x = x * 0.7 + rng.uniform(0.0, 0.1, shape)
    else:
        raise ValueError(f"unknown domain {domain!r}")
    return float(x) if shape == () else x


def literal(value) -> str:
    if isinstance(value, slice):
        parts = ["" if p is None else repr(p) for p in (value.start, value.stop, value.step)]
        text = f"{parts[0]}:{parts[1]}"
        return text + (f":{parts[2]}" if value.step is not None else "")
    if isinstance(value, tuple):
        return "(" + ", ".join(literal(v) for v in value) + ("," if len(value) == 1 else "") + ")"
    if isinstance(value, np.ndarray):
        return f"numpy.array({value.tolist()!r})"
    return repr(value)


def index_literal(value) -> str:
    if isinstance(value, tuple):
        return ", ".join(literal(v) for v in value) if value else "()"
    return literal(value)


def _holds_arrays(value) -> bool:
    return isinstance(value, (list, tuple)) and bool(value) and all(
        isinstance(v, Arr) or _holds_arrays(v) for v in value)


def _literal_of_inputs(value, params, args, rng) -> str:
    """A (nested) list or tuple literal whose leaves are new differentiated parameters."""
    names = []
    for v in value:
        if isinstance(v, Arr):
            p = f"x{len(params)}"
            params.append(p)
            args.append(make_input(v, rng))
            names.append(p)
        else:
            names.append(_literal_of_inputs(v, params, args, rng))
    bracket = "[{}]" if isinstance(value, list) else "({},)"
    return bracket.format(", ".join(names))


def build(rule, name, case, rng):
    """(function, args, wrt positions) exercising ``name`` on ``case``."""
    params, args, parts = [], [], []
    for value in case.args:
        if isinstance(value, Arr):
            p = f"x{len(params)}"
            params.append(p)
            args.append(make_input(value, rng))
            parts.append(p)
        elif _holds_arrays(value):
            parts.append(_literal_of_inputs(value, params, args, rng))
        else:
            parts.append(literal(value) if rule.kind != "subscript" else index_literal(value))
    kw = [f"{k}={literal(v)}" for k, v in case.kwargs]
    if rule.kind == "operator":
        expr = _OPERATORS[name].format(*parts)
    elif rule.kind == "method":
        method = rule.key[1]
        expr = f"{parts[0]}.{method}({', '.join(parts[1:] + kw)})"
    elif rule.kind == "attr":
        expr = f"{parts[0]}.{rule.key[1]}"
    elif rule.kind == "subscript":
        expr = f"{parts[0]}[{parts[1]}]"
    else:
        expr = f"{name}({', '.join(parts + kw)})"
    body = f"return {expr}"
    if name.startswith("srcad."):  # generated code binds a helper's result to a name
        body = f"out = {expr}\n    return out"
    source = f"def rule_under_test({', '.join(params)}):\n    {body}\n"
    filename = f"<srcad-rule-test-{next(_COUNTER)}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    namespace = {"numpy": np, "math": math, "srcad": srcad}  # srcad.runtime.<helper>
    try:
        import scipy  # noqa: F401
        import scipy.special  # noqa: F401
        namespace["scipy"] = scipy
    except ImportError:
        pass
    exec(compile(source, filename, "exec"), namespace)
    return namespace["rule_under_test"], tuple(args), tuple(range(len(params))), source
