"""Every script in examples/ runs to completion as a user would run it."""

import ast
import os
import pathlib
import re
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.py"))


def run_example(path: pathlib.Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "SRCAD_DUMP": ""}
    return subprocess.run([sys.executable, str(path.relative_to(ROOT))], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)


def test_there_are_examples():
    assert any(p.name == "quickstart.py" for p in EXAMPLES)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_runs(path):
    proc = run_example(path)
    assert proc.returncode == 0, (f"python {path.relative_to(ROOT)} exited with "
                                  f"{proc.returncode}:\n{proc.stdout}\n{proc.stderr}")


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_says_what_it_shows(path):
    doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))
    assert doc, f"{path.name} needs a module docstring saying what it shows"


def test_quickstart_prints_the_gradient():
    proc = run_example(ROOT / "examples" / "quickstart.py")
    assert proc.returncode == 0, proc.stderr
    assert "5.5" in proc.stdout and "1.716338" in proc.stdout, proc.stdout
    assert "def vjp_f(" in proc.stdout  # the generated source is shown


def test_newton_krylov_converges_and_matches_the_closed_form_hessian():
    proc = run_example(ROOT / "examples" / "newton_krylov.py")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    iterations = int(re.search(r"Newton iterations: (\d+)", out).group(1))
    distance = float(re.search(r"max \|x - 1\| = (\S+)", out).group(1))
    hvp_error = float(re.search(r"against the closed-form Hessian = (\S+)", out).group(1))
    assert iterations <= 30, out
    assert distance < 1e-8, out  # the minimizer of Rosenbrock is all ones
    assert hvp_error < 1e-8, out
    assert "converged" in out, out
