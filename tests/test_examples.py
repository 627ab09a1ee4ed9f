"""Every script in examples/ runs to completion as a user would run it."""

import ast
import os
import pathlib
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
