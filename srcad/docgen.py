"""Generate the pages of ``docs/`` that come from the code: ``python -m srcad.docgen [--check]``.

* ``docs/rules.md`` lists every rule of :data:`srcad.rules.RULES`, grouped by the module of
  ``srcad/rules/`` that registers it, with its parameters and its vjp and jvp templates, then
  every function of :data:`srcad.rules.NONDIFF`.
* ``docs/how-it-works.md`` follows the function ``f`` of ``docs/walkthrough.py`` through
  every step of :data:`srcad.pipeline.MODES`.  The prose of that page is written by hand;
  only the sections between ``<!-- generated:NAME -->`` and ``<!-- /generated -->`` are
  rewritten, with the code each step prints under ``SRCAD_DUMP`` and the tables the
  analysis steps fill in.

``--check`` rewrites nothing and exits with status 1 when a file on disk differs from what
the code gives.

To learn which module registered a rule, each loaded rules module is executed again with
empty ``RULES``/``NONDIFF`` dicts swapped in (the real ones are restored afterwards): what
lands in the empty dicts is that module's.  This also attributes rules that a module
registers through a helper defined in another module, or in a loop.
"""

from __future__ import annotations

import argparse
import contextlib
import difflib
import importlib
import importlib.util
import inspect
import io
import operator
import os
import pathlib
import re
import sys
import textwrap

from . import rules

DOCS = pathlib.Path(__file__).resolve().parent.parent / "docs"
DOC_PATH = DOCS / "rules.md"
WALKTHROUGH_PATH = DOCS / "how-it-works.md"
WALKTHROUGH_EXAMPLE = DOCS / "walkthrough.py"
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


def _with_optional_rules() -> None:
    """The list covers the rules of optional libraries too: load them if installed."""
    try:
        import scipy.special  # noqa: F401
    except ImportError:
        return
    rules.load_optional()


def group_rules() -> list[tuple[str, str, list]]:
    """``[(module name, summary, [Rule, ...]), ...]`` covering every rule once.

    A rule with a ``module`` attribute is grouped by it; otherwise by the first module (in
    import order) whose execution registers one of the rule's names.  Rules registered
    elsewhere (user rules) come last, under ``other``.
    """
    _with_optional_rules()
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


# --- docs/how-it-works.md ------------------------------------------------------------------

_SECTION = re.compile(r"(<!-- generated:(?P<name>[\w-]+) -->\n)(?P<body>.*?)(<!-- /generated -->)",
                      re.S)


def _load_example(path: pathlib.Path):
    """The module ``path`` (``docs/walkthrough.py``), imported under a private name."""
    name = "srcad_docs_walkthrough"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    finally:
        sys.modules.pop(name, None)
    return module


def _fence(text: str, lang: str = "python", attrs: str = "") -> str:
    head = f"```{lang}" + (f" {attrs}" if attrs else "")
    return f"{head}\n{text.rstrip()}\n```\n"


def _expr(node) -> str:
    import ast

    import gast
    if isinstance(node, gast.AST):
        return ast.unparse(gast.gast_to_ast(node))
    return repr(node)


def _arg_text(value) -> str:
    import numpy as np
    if isinstance(value, np.ndarray):
        return f"np.array({value.tolist()!r})"
    return repr(value)


def _code_of(dump: str) -> str:
    """The code of a SRCAD_DUMP block, without its ``# --- after`` header line."""
    return dump.split("\n", 1)[1] if dump.startswith("# --- after") else dump


def _names_in_order(code: str, names) -> list[str]:
    """``names`` sorted by where they first appear in ``code`` (parameters first)."""
    def first(name):
        found = re.search(rf"\b{re.escape(name)}\b", code)
        return (found.start() if found else len(code), name)
    return sorted(names, key=first)


def _ops_table(job) -> str:
    from . import emit
    rows = ["| statement | op | rule | bound parameters |", "|---|---|---|---|"]
    for stmt, op in job.ops.items():
        text = emit.to_source(stmt).strip().replace("|", "\\|")
        rule = f"`{op.rule.name}`" if op.rule is not None else ""
        bound = ", ".join(f"`{param}` → `{_expr(value)}`" for param, value in op.bindings.items())
        rows.append(f"| `{text}` | {op.kind} | {rule} | {bound} |")
    return "\n".join(rows) + "\n"


def walkthrough_sections(example: pathlib.Path = WALKTHROUGH_EXAMPLE) -> dict[str, str]:
    """The generated sections of docs/how-it-works.md, by name.

    ``f`` of ``example`` is differentiated as ``srcad.grad(f)(*ARGS)`` would (same ``wrt``,
    same kinds of arguments); the steps of reverse mode then run one at a time, and after
    each the code it prints under ``SRCAD_DUMP`` and the tables the analyses fill are
    recorded.  The code after the last step must be what the derivative runs.
    """
    import srcad

    from . import emit, pipeline
    from .passes import calls
    from .source import get_source

    module = _load_example(example)
    f, args = module.f, module.ARGS
    df = srcad.grad(f)
    gradient = df(*args)
    derivative = df.__srcad__
    source = get_source(f)
    steps = pipeline.MODES["rev"]
    job = pipeline.make_job(source, [name for _, name, _ in derivative.wrt], derivative.single,
                            True, dict(derivative.kinds))
    fn = job.tree
    dumps, tables = {}, {}
    saved_env, saved_calls = os.environ.get("SRCAD_DUMP"), dict(calls.IN_PROGRESS)
    os.environ["SRCAD_DUMP"] = ",".join(step.name for step in steps)
    try:
        for step in steps:
            out = io.StringIO()
            with contextlib.redirect_stderr(out):
                fn = pipeline.run_steps(fn, job, [step])
            dumps[step.name] = out.getvalue().rstrip("\n") + "\n"
            if step.name == "resolve":
                tables[step.name] = _ops_table(job)
            elif step.name == "activity":
                tables[step.name] = set(job.active)
            elif step.name == "kinds":
                tables[step.name] = dict(job.kinds)
            elif step.name == "calls":
                tables[step.name] = list(job.callees)
    finally:
        calls.IN_PROGRESS.clear()
        calls.IN_PROGRESS.update(saved_calls)
        if saved_env is None:
            os.environ.pop("SRCAD_DUMP", None)
        else:
            os.environ["SRCAD_DUMP"] = saved_env
    final = emit.to_source(fn)
    shown = srcad.show(df, file=False)
    if final != shown:
        raise RuntimeError("the steps run one at a time do not give the code srcad.show "
                           "prints for the example; update srcad/docgen.py")

    sections = {}
    first_line = f.__code__.co_firstlineno
    call = f"srcad.grad(f)({', '.join(_arg_text(a) for a in args)})"
    sections["source"] = (
        _fence(source.text, attrs=f'linenums="{first_line}"') + "\n"
        + f"`{call}` returns `{gradient!r}`.\n")
    previous_name, previous_code = None, _code_of(dumps[steps[0].name])
    for step in steps:
        code = _code_of(dumps[step.name])
        if step.name == "fence" or (previous_name is not None and code == previous_code):
            same = ("the function's source" if step.name == "fence" or previous_name == "fence"
                    else f"what `{previous_name}` printed")
            text = f"The code after `{step.name}` is unchanged: {same}.\n"
        else:
            text = _fence(dumps[step.name])
            previous_name = step.name
        previous_code = code
        sections[step.name] = text

    code = _code_of(dumps["ssa"])
    active = tables["activity"]
    names = _names_in_order(code, set(tables["kinds"]) | active)
    sections["activity"] += (
        "\nActive: " + ", ".join(f"`{n}`" for n in names if n in active) + ".  \n"
        + "Not active: " + (", ".join(f"`{n}`" for n in names if n not in active) or "none")
        + ".\n")
    sections["resolve"] += "\n" + tables["resolve"]
    kinds = tables["kinds"]
    sections["kinds"] += "\n| name | kind |\n|---|---|\n" + "".join(
        f"| `{n}` | {kinds[n]} |\n" for n in _names_in_order(code, kinds))
    callees = tables["calls"]
    sections["calls"] += "\n" + (
        "Calls of user functions: " + ", ".join(f"`{c[1].__name__}`" for c in callees) + ".\n"
        if callees else "No call of a user function: `job.callees` is empty.\n")
    diff = difflib.unified_diff(_code_of(dumps["reverse"]).splitlines(),
                                _code_of(dumps["optimize"]).splitlines(),
                                "after reverse", "after optimize", n=1, lineterm="")
    sections["optimize-diff"] = _fence("\n".join(diff), lang="diff")

    arrays = srcad.show(f, file=False)  # compiled before any call: every argument an array
    diff = difflib.unified_diff(shown.splitlines(), arrays.splitlines(),
                                "srcad.show(df)", "srcad.show(f)", n=0, lineterm="")
    sections["kinds-diff"] = _fence("\n".join(diff), lang="diff")

    jvp = srcad.jvp(f)
    jvp(*args, _unit_tangent(args[0]))
    sections["forward"] = _fence(srcad.show(jvp, file=False))
    return sections


def _unit_tangent(value):
    import numpy as np
    if isinstance(value, np.ndarray):
        tangent = np.zeros_like(value)
        tangent.flat[0] = 1.0
        return tangent
    return 1.0


def render_walkthrough(page: str, sections: dict[str, str]) -> str:
    """``page`` with the body of each ``<!-- generated:NAME -->`` section replaced."""
    found = [m.group("name") for m in _SECTION.finditer(page)]
    unknown = sorted(set(found) - set(sections))
    missing = [name for name in sections if name not in found]
    if unknown or missing:
        raise ValueError(f"sections {unknown} are not generated by "
                         f"srcad/docgen.py; sections {missing} are missing from the page")
    return _SECTION.sub(lambda m: m.group(1) + "\n" + sections[m.group("name")] + "\n"
                        + m.group(4), page)


def _sync(path: pathlib.Path, text: str, check: bool, what: str) -> int:
    """Write ``text`` to ``path`` (or, with ``check``, report a difference): exit status."""
    current = path.read_text(encoding="utf-8") if path.exists() else None
    if check:
        if current != text:
            why = "does not exist" if current is None else f"is out of date with {what}"
            print(f"{path} {why}; run `{_COMMAND}` and commit the result", file=sys.stderr)
            return 1
        return 0
    if current != text:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path}")
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog=_COMMAND, description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="exit 1 if a file is out of date instead of writing it")
    parser.add_argument("--output", type=pathlib.Path, default=DOC_PATH,
                        help=f"the rules page to write (default {DOC_PATH})")
    parser.add_argument("--walkthrough", type=pathlib.Path, default=WALKTHROUGH_PATH,
                        help=f"the pipeline walkthrough page (default {WALKTHROUGH_PATH}); "
                        "its generated sections are rewritten, the rest is kept")
    parser.add_argument("--only", choices=["rules", "walkthrough"],
                        help="handle one page only")
    args = parser.parse_args(argv)
    status = 0
    if args.only in (None, "rules"):
        status |= _sync(args.output, render(), args.check, "srcad/rules/")
    if args.only in (None, "walkthrough"):
        path = args.walkthrough
        if not path.exists():
            print(f"{path} does not exist: it holds the prose around the generated sections "
                  "and must be written by hand", file=sys.stderr)
            return 1
        try:
            text = render_walkthrough(path.read_text(encoding="utf-8"), walkthrough_sections())
        except ValueError as exc:
            print(f"{path}: {exc}", file=sys.stderr)
            return 1
        status |= _sync(path, text, args.check, "the compiler's output")
    return status


if __name__ == "__main__":
    sys.exit(main())
