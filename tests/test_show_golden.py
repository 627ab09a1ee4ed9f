"""Reviewed goldens of ``srcad.show``: the generated code users read, kept readable.

Each function below is shown and compared with ``tests/golden/<case>.txt``.  After an
intended change of the generated code, rewrite the goldens with
``SRCAD_UPDATE_GOLDEN=1 pytest tests/test_show_golden.py`` and review the diff like code.
Comments in the generated code quote line numbers of THIS file: add new code below the
functions, never above them.  Structural checks (no dead code, adjoints named after primal
names, one operation per primal line, comments quoting the right line) run on the same
output, so they hold whatever the goldens say.
"""

import ast
import difflib
import linecache
import os
import pathlib
import re
import subprocess
import sys

import numpy as np
import pytest

import srcad


def quickstart(x1, x2):
    y = np.log(x1) + x1 * x2 - np.sin(x2)
    return y


def loss(w, x):
    pred = np.exp(x * w)
    err = pred - 1.0
    return np.sum(err * err) + 0.1 * w.sum()


def reassigned(x):
    y = x * x
    y = np.sin(y)
    y += x
    return y


def unused_intermediate(x):
    a = np.exp(x)
    waste = np.cos(x) * 3.0  # noqa: F841  (the point: srcad must drop it)
    return a * x


def constant_argument(x, scale):
    y = np.sin(x) * scale
    return np.sum(y)


# ---- add new functions above this line only if you regenerate every golden -------------

GOLDEN = pathlib.Path(__file__).parent / "golden"
UPDATE = os.environ.get("SRCAD_UPDATE_GOLDEN") == "1"

CASES = {
    "quickstart": (quickstart, (0, 1)),
    "loss": (loss, (0, 1)),
    "reassigned": (reassigned, 0),
    "unused_intermediate": (unused_intermediate, 0),
    "constant_argument": (constant_argument, 0),
}


def shown(case: str) -> str:
    f, wrt = CASES[case]
    return srcad.show(f, wrt=wrt, file=False)


@pytest.mark.parametrize("case", CASES)
def test_show_matches_golden(case):
    text = shown(case)
    path = GOLDEN / f"{case}.txt"
    if UPDATE:
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.exists(), (f"no golden for {case}: run SRCAD_UPDATE_GOLDEN=1 pytest "
                           f"tests/test_show_golden.py, then review {path}")
    expected = path.read_text(encoding="utf-8")
    diff = "".join(difflib.unified_diff(expected.splitlines(keepends=True),
                                        text.splitlines(keepends=True),
                                        f"golden/{case}.txt", "srcad.show output"))
    assert text == expected, (f"srcad.show output changed:\n{diff}\nIf intended, run "
                              "SRCAD_UPDATE_GOLDEN=1 pytest tests/test_show_golden.py "
                              "and review the diff")


# ---- structure of the generated code, whatever the goldens hold ---------------------------

def _function(text: str) -> ast.FunctionDef:
    fn = ast.parse(text).body[0]
    assert isinstance(fn, ast.FunctionDef)
    return fn


def _sweeps(text: str):
    """(primal statements, adjoint statements, return) split at the blank line."""
    fn = _function(text)
    lines = text.splitlines()
    blank = next(i + 1 for i, line in enumerate(lines) if not line.strip())
    body = [s for s in fn.body[:-1] if not isinstance(s, ast.Delete)]  # releases
    primal = [s for s in body if s.lineno < blank]
    adjoint = [s for s in body if s.lineno > blank]
    return fn, primal, adjoint


def _stored(stmt) -> list[str]:
    targets = stmt.targets if isinstance(stmt, ast.Assign) else []
    return [n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)]


def _loaded(node) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


@pytest.mark.parametrize("case", CASES)
def test_no_dead_code(case):
    fn = _function(shown(case))
    for i, stmt in enumerate(fn.body):
        later = set().union(*(_loaded(s) for s in fn.body[i + 1:]))
        dead = [name for name in _stored(stmt) if name not in later]
        assert not dead, f"{case}: `{ast.unparse(stmt)}` assigns {dead}, never read"


@pytest.mark.parametrize("case", CASES)
def test_adjoints_are_named_after_primal_names(case):
    fn, primal, adjoint = _sweeps(shown(case))
    primal_names = {a.arg for a in fn.args.args} | {n for s in primal for n in _stored(s)}
    for stmt in adjoint:
        for name in _stored(stmt):
            assert name.startswith("b") and name[1:] in primal_names, \
                f"{case}: adjoint `{name}` is not b<primal name>"


def _operations(expr) -> int:
    in_callee = {id(n) for call in ast.walk(expr) if isinstance(call, ast.Call)
                 for n in ast.walk(call.func)}
    return sum(1 for n in ast.walk(expr)
               if isinstance(n, (ast.BinOp, ast.UnaryOp, ast.Call, ast.Subscript, ast.Compare))
               or isinstance(n, ast.Attribute) and id(n) not in in_callee)


@pytest.mark.parametrize("case", CASES)
def test_one_operation_per_primal_line(case):
    _, primal, _ = _sweeps(shown(case))
    for stmt in primal:
        assert _operations(stmt.value) <= 1, f"{case}: `{ast.unparse(stmt)}` does several things"


@pytest.mark.parametrize("case", CASES)
def test_comments_quote_the_users_lines(case):
    text = shown(case)
    comments = re.findall(r"^\s*# (?:adjoint of )?line (\d+): (.*)$", text, re.M)
    assert comments, f"{case}: no comment maps the code back to the source"
    for line, quoted in comments:
        actual = linecache.getline(__file__, int(line)).strip()
        if quoted.endswith("..."):
            assert actual.startswith(quoted[:-3]), (case, line, quoted)
        else:
            assert actual == quoted, (case, line, quoted)
    primal_comments = [c for c in re.findall(r"^\s*# line (\d+)", text, re.M)]
    assert len(primal_comments) == len(set(primal_comments)), f"{case}: repeated comments"


def test_unused_intermediate_is_gone():
    text = shown("unused_intermediate")
    assert "waste" not in text and "cos" not in text


def test_constant_argument_gets_no_adjoint():
    text = shown("constant_argument")
    assert "bscale" not in text
    value, g = srcad.value_and_grad(constant_argument)(np.array([0.0, 1.0]), 2.0)
    np.testing.assert_allclose(g, 2.0 * np.cos([0.0, 1.0]))


def test_show_is_deterministic():
    first = {case: shown(case) for case in CASES}
    srcad.cache.clear()
    second = {case: shown(case) for case in CASES}
    assert first == second


_PRINT_ALL = """
import importlib.util, sys
spec = importlib.util.spec_from_file_location("golden_cases", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
for case in module.CASES:
    sys.stdout.write(module.shown(case))
"""


def test_show_does_not_depend_on_hash_seed():
    expected = "".join(shown(case) for case in CASES)
    for seed in ("0", "4242"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "SRCAD_UPDATE_GOLDEN": "0"}
        proc = subprocess.run([sys.executable, "-c", _PRINT_ALL, __file__], env=env,
                              capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, proc.stderr
        diff = "".join(difflib.unified_diff(expected.splitlines(keepends=True),
                                            proc.stdout.splitlines(keepends=True),
                                            "this process", f"PYTHONHASHSEED={seed}"))
        assert proc.stdout == expected, f"output depends on the hash seed:\n{diff}"
