"""Generate ``docs/rules.md`` from the rules table: ``python -m srcad.docgen [--check]``.

The page lists every rule of :data:`srcad.rules.RULES`, grouped by the module of
``srcad/rules/`` that registers it, with its parameters and its vjp and jvp templates, then
every function of :data:`srcad.rules.NONDIFF`.  ``--check`` rewrites nothing and exits with
status 1 when the file on disk differs from what the table gives.

To learn which module registered a rule, each loaded rules module is executed again with
empty ``RULES``/``NONDIFF`` dicts swapped in (the real ones are restored afterwards): what
lands in the empty dicts is that module's.  This also attributes rules that a module
registers through a helper defined in another module, or in a loop.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import operator
import pathlib
import sys
import textwrap

from . import rules

DOC_PATH = pathlib.Path(__file__).resolve().parent.parent / "docs" / "rules.md"
_COMMAND = "python -m srcad.docgen"

# How each operator is spelled in user code, for the "name(s)" column.
_SYNTAX = {
    operator.add: "{} + {}", operator.sub: "{} - {}", operator.mul: "{} * {}",
    operator.truediv: "{} / {}", operator.floordiv: "{} // {}", operator.mod: "{} % {}",
    operator.pow: "{} ** {}", operator.matmul: "{} @ {}", operator.neg: "-{}",
    operator.pos: "+{}", operator.not_: "not {}", operator.invert: "~{}",
    operator.and_: "{} & {}", operator.or_: "{} | {}", operator.xor: "{} ^ {}",
    operator.lshift: "{} << {}", operator.rshift: "{} >> {}", operator.lt: "{} < {}",
    operator.le: "{} <= {}", operator.gt: "{} > {}", operator.ge: "{} >= {}",
    operator.eq: "{} == {}", operator.ne: "{} != {}", operator.is_: "{} is {}",
    operator.is_not: "{} is not {}", operator.contains: "{1} in {0}",
}


def _unique(values):
    seen, out = set(), []
    for value in values:
        if id(value) not in seen:
            seen.add(id(value))
            out.append(value)
    return out


def _rules_modules() -> list:
    """The loaded submodules of ``srcad.rules``, in the order they were imported."""
    prefix = rules.__name__ + "."
    return [m for name, m in list(sys.modules.items())
            if name.startswith(prefix) and name.count(".") == prefix.count(".") and m is not None]


def _names_registered_by(module) -> set[str]:
    """Names of the rules that executing ``module`` registers (no state is left changed)."""
    saved_tables = rules.RULES, rules.NONDIFF
    saved_globals = dict(module.__dict__)
    rules.RULES, rules.NONDIFF = {}, {}
    try:
        importlib.reload(module)
        return {name for rule in rules.RULES.values() for name in rule.names}
    except Exception as exc:  # leave its rules to the "other" group rather than fail
        print(f"srcad.docgen: could not attribute the rules of {module.__name__}: "
              f"{type(exc).__name__}: {exc}", file=sys.stderr)
        return set()
    finally:
        rules.RULES, rules.NONDIFF = saved_tables
        module.__dict__.clear()
        module.__dict__.update(saved_globals)


def group_rules() -> list[tuple[str, str, list]]:
    """``[(module name, summary, [Rule, ...]), ...]`` covering every rule once.

    A rule with a ``module`` attribute is grouped by it; otherwise by the first module (in
    import order) whose execution registers one of the rule's names.  Rules registered
    elsewhere (user rules) come last, under ``other``.
    """
    table = [rule for rule in _unique(rules.RULES.values()) if not _internal(rule)]
    modules = _rules_modules()
    summaries = {m.__name__: _summary(m) for m in modules}
    registered = []
    if not all(getattr(rule, "module", None) for rule in table):
        registered = [(m.__name__, _names_registered_by(m)) for m in modules]
    groups: dict[str, list] = {}
    for rule in table:
        owner = getattr(rule, "module", None) or next(
            (name for name, names in registered if names & set(rule.names)), "other")
        groups.setdefault(owner, []).append(rule)
    order = [m.__name__ for m in modules]
    ordered = sorted(groups, key=lambda n: (order.index(n) if n in order else len(order), n))
    return [(n, summaries.get(n, "Rules registered outside srcad/rules/ (user rules)."),
             sorted(groups[n], key=_sort_key)) for n in ordered]


def _internal(rule) -> bool:
    """A rule of srcad's own runtime helpers (srcad/rules/runtime_rules.py): not listed."""
    return all(name.startswith("srcad.runtime.") for name in rule.names)


def _sort_key(rule):
    # Functions and operators first, then methods, attributes and indexing; by name.
    return (rule.kind not in ("function", "operator"), rule.name)


def _summary(module) -> str:
    doc = inspect.getdoc(module) or ""
    return " ".join(doc.split("\n\n")[0].split())


def _code(text: str) -> str:
    """``text`` as a code span that is safe inside a Markdown table cell."""
    return "`" + text.replace("|", "\\|") + "`"


def _template_cell(text: str) -> str:
    lines = [line.strip() for line in textwrap.dedent(text).splitlines() if line.strip()]
    return "<br>".join(_code(line) for line in lines) if lines else "—"


def _spelling(rule) -> str:
    """How user code calls the rule's primitive, e.g. ``x1 * x2`` or ``a.sum(...)``."""
    params = rule.params
    if rule.kind == "operator" and rule.key in _SYNTAX:
        return _SYNTAX[rule.key].format(*params)
    if rule.kind == "method":
        return f"{params[0]}.{rule.key[1]}({'...' if len(params) > 1 else ''})"
    if rule.kind == "attr":
        return f"{params[0]}.{rule.key[1]}"
    if rule.kind == "subscript":
        return f"{params[0]}[{', '.join(params[1:])}]"
    return ""


def _names_cell(rule) -> str:
    spelled = _spelling(rule)
    if spelled:
        return f"{_code(spelled)} ({rule.name})"
    return "<br>".join(_code(name) for name in rule.names)


def _params_cell(rule) -> str:
    text = str(rule.signature)[1:-1]
    cell = _code(text) if text else "—"
    if tuple(rule.outputs) != ("y",):
        cell += " → " + _code(", ".join(rule.outputs))
    return cell


def rule_row(rule) -> str:
    """One table row: name(s), parameters, vjp template, jvp template."""
    cells = [_names_cell(rule), _params_cell(rule), _template_cell(rule.vjp_text),
             _template_cell(rule.jvp_text)]
    return "| " + " | ".join(cells) + " |"


def key_name(key) -> str:
    """A readable name for a rule or NONDIFF key: ``numpy.floor``, ``len``, ``x.shape``."""
    if key in _SYNTAX:
        return _SYNTAX[key].format("a", "b")
    if isinstance(key, tuple):
        if key and key[0] == "method":
            return f"x.{key[1]}()"
        if key and key[0] == "attr":
            return f"x.{key[1]}"
        return " ".join(str(k) for k in key)
    module = getattr(key, "__module__", None) or ""
    name = getattr(key, "__qualname__", None) or getattr(key, "__name__", None) or repr(key)
    if module in ("builtins", ""):
        return name
    return f"{module}.{name}"


def _nondiff_section() -> list[str]:
    by_reason: dict[str, list[str]] = {}
    for key, why in rules.NONDIFF.items():
        by_reason.setdefault(why or "not differentiable", []).append(key_name(key))
    out = ["## Not differentiable", "",
           "Calling these is never an error: their results are constants for srcad (no "
           "adjoint flows through them).", "",
           "| why | functions |", "|---|---|"]
    for why in sorted(by_reason):
        names = sorted(set(by_reason[why]))
        out.append(f"| {why} | {', '.join(_code(n) for n in names)} |")
    return out


def render() -> str:
    """The full text of ``docs/rules.md``."""
    groups = group_rules()
    count = sum(len(g[2]) for g in groups)
    out = [
        "# Derivative rules",
        "",
        f"<!-- GENERATED by srcad/docgen.py from srcad.rules.RULES; do not edit. "
        f"Regenerate with `{_COMMAND}`. -->",
        "",
        f"{count} rules ({len(rules.supported_functions())} names: "
        "`srcad.supported_functions()` lists them). In the templates `y` is the "
        "primitive's result, `by` its adjoint, `bx` the adjoint of parameter `x` and `dx` "
        "its tangent; `unbroadcast`, `unreduce`, … are helpers of `srcad.runtime`. "
        "How to add a rule: [internals.md](internals.md#adding-a-rule).",
        "",
    ]
    out += [f"- [{_title(name)}](#{_anchor(_title(name))}) ({len(group)})"
            for name, _, group in groups]
    out.append("- [Not differentiable](#not-differentiable)")
    for name, summary, group in groups:
        where = f"`{name.replace('.', '/')}.py`: " if name.startswith(rules.__name__) else ""
        out += ["", f"## {_title(name)}", "", where + summary, "",
                "| name(s) | parameters | vjp template | jvp template |",
                "|---|---|---|---|"]
        out += [rule_row(rule) for rule in group]
    out.append("")
    out += _nondiff_section()
    return "\n".join(out) + "\n"


def _title(module_name: str) -> str:
    return module_name.rpartition(".")[2]


def _anchor(title: str) -> str:
    return "".join(c for c in title.lower() if c.isalnum() or c in "-_ ").replace(" ", "-")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog=_COMMAND, description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="exit 1 if the file is out of date instead of writing it")
    parser.add_argument("--output", type=pathlib.Path, default=DOC_PATH,
                        help=f"the file to write (default {DOC_PATH})")
    args = parser.parse_args(argv)
    text = render()
    current = args.output.read_text(encoding="utf-8") if args.output.exists() else None
    if args.check:
        if current != text:
            why = "does not exist" if current is None else "is out of date with srcad/rules/"
            print(f"{args.output} {why}; run `{_COMMAND}` and commit the result",
                  file=sys.stderr)
            return 1
        return 0
    if current != text:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(text, encoding="utf-8")
        print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
