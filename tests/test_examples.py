"""Every script in examples/ runs to completion as a user would run it, prints results that
make sense, and ends by checking its derivative with srcad.check_grads.

The scripts run with SRCAD_EXAMPLE_SMALL=1, which every example with a size (steps, epochs,
data) reads to pick a small one, so that this file takes seconds, not minutes.
"""

import ast
import functools
import os
import pathlib
import re
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.py"))
SMALL_MODE = "SRCAD_EXAMPLE_SMALL"
WITHOUT_SIZE = {"quickstart.py"}  # nothing in it to make smaller


@functools.cache
def run_example(path: pathlib.Path) -> subprocess.CompletedProcess:
    """Runs `python examples/<name>.py` in small mode, once per test session."""
    env = {**os.environ, "SRCAD_DUMP": "", SMALL_MODE: "1"}
    return subprocess.run([sys.executable, str(path.relative_to(ROOT))], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)


def output_of(name: str) -> str:
    proc = run_example(ROOT / "examples" / name)
    assert proc.returncode == 0, f"{name} exited with {proc.returncode}:\n{proc.stderr}"
    return proc.stdout


def number(pattern: str, out: str) -> float:
    """The number the first group of `pattern` matches in `out`."""
    match = re.search(pattern, out)
    assert match, f"no line matches {pattern!r} in the output:\n{out}"
    return float(match.group(1))


def test_there_are_examples():
    names = {p.name for p in EXAMPLES}
    assert {"quickstart.py", "softmax_regression.py", "newton_krylov.py", "mlp_iris.py",
            "logistic_regression_scipy.py", "ode_fit.py", "aot_springs.py"} <= names, names


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_runs(path):
    proc = run_example(path)
    assert proc.returncode == 0, (f"{SMALL_MODE}=1 python {path.relative_to(ROOT)} exited with "
                                  f"{proc.returncode}:\n{proc.stdout}\n{proc.stderr}")


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_says_what_it_shows(path):
    doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))
    assert doc, f"{path.name} needs a module docstring saying what it shows"
    assert f"python examples/{path.name}" in doc, f"{path.name}'s docstring should say how to run it"


@pytest.mark.parametrize("path", [p for p in EXAMPLES if p.name not in WITHOUT_SIZE],
                         ids=lambda p: p.name)
def test_example_has_a_small_mode(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    assert f"{SMALL_MODE}=1" in ast.get_docstring(tree), (
        f"{path.name}'s docstring should say what {SMALL_MODE}=1 does")
    reads = [node for node in ast.walk(tree)
             if isinstance(node, ast.Constant) and node.value == SMALL_MODE]
    assert reads, f"{path.name} should read the environment variable {SMALL_MODE}"


# -- every example ends with check_grads -----------------------------------------------------


def _is_call_to(statement: ast.stmt, dotted: str) -> bool:
    return (isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call)
            and ast.unparse(statement.value.func) == dotted)


def check_grads_ending(source: str) -> str | None:
    """None if the script's last action is `srcad.check_grads(...)`, else what is wrong.

    The script must end with `if __name__ == "__main__":` calling `main`, and the last
    statement of `main`, not counting `print` calls (such as the line saying that the
    check passed), must be a call to `srcad.check_grads`.
    """
    body = ast.parse(source).body
    last = body[-1] if body else None
    if not (isinstance(last, ast.If) and ast.unparse(last.test) in (
            "__name__ == '__main__'", "'__main__' == __name__")):
        return 'the script should end with `if __name__ == "__main__":`'
    run = last.body[-1]
    if not (isinstance(run, ast.Expr) and isinstance(run.value, ast.Call)
            and ast.unparse(run.value.func) == "main"):
        return "`if __name__ == '__main__':` should end by calling main(...)"
    mains = [node for node in body if isinstance(node, ast.FunctionDef) and node.name == "main"]
    if not mains:
        return "the script has no function main"
    statements = list(mains[-1].body)
    while statements and _is_call_to(statements[-1], "print"):
        statements.pop()
    if not statements or not _is_call_to(statements[-1], "srcad.check_grads"):
        return "main() should end with srcad.check_grads(...) (print calls after it are fine)"
    return None


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_ends_with_check_grads(path):
    problem = check_grads_ending(path.read_text(encoding="utf-8"))
    assert problem is None, f"{path.name}: {problem}"


@pytest.mark.parametrize("source", [
    "def main():\n    print(1)\n\nif __name__ == '__main__':\n    main()\n",
    "def main():\n    srcad.check_grads(f, (1.0,))\n    x = 2\n\nif __name__ == '__main__':\n    main()\n",
    "def main():\n    srcad.check_grads(f, (1.0,))\n\nmain()\n",
    "def main():\n    srcad.check_grads(f, (1.0,))\n\nif __name__ == '__main__':\n    main()\n    g()\n",
    "def main():\n    if x:\n        srcad.check_grads(f, (1.0,))\n\n"
    "if __name__ == '__main__':\n    main()\n",
])
def test_check_grads_ending_rejects(source):
    assert check_grads_ending(source) is not None


def test_check_grads_ending_accepts():
    source = ("def main(n=2):\n    srcad.check_grads(f, (1.0,))\n    print('ok')\n\n"
              "if __name__ == '__main__':\n    main(3)\n")
    assert check_grads_ending(source) is None


# -- what the examples print -----------------------------------------------------------------


def test_quickstart_prints_the_gradient():
    out = output_of("quickstart.py")
    assert "5.5" in out and "1.716338" in out, out
    assert "def vjp_f(" in out  # the generated source is shown


def test_newton_krylov_converges_and_matches_the_closed_form_hessian():
    out = output_of("newton_krylov.py")
    iterations = number(r"Newton iterations: (\d+)", out)
    distance = number(r"max \|x - 1\| = (\S+)", out)
    hvp_error = number(r"against the closed-form Hessian = (\S+)", out)
    assert iterations <= 30, out
    assert distance < 1e-8, out  # the minimizer of Rosenbrock is all ones
    assert hvp_error < 1e-8, out
    assert "converged" in out, out


def test_softmax_regression_learns():
    out = output_of("softmax_regression.py")
    for version in out.split("version")[1:]:
        losses = [float(v) for v in re.findall(r"loss (\S+)", version)]
        accuracies = [float(v) for v in re.findall(r"test accuracy (\S+)", version)]
        assert len(losses) >= 2 and losses[-1] < 0.8 * losses[0], out
        assert accuracies[-1] >= 0.8, out
    assert out.count("version") == 2, out


def test_mlp_iris_classifies_the_flowers():
    out = output_of("mlp_iris.py")
    losses = [float(v) for v in re.findall(r"training loss (\S+)", out)]
    assert len(losses) >= 2 and losses[-1] < 0.6 * losses[0], out  # training reduces the loss
    # 8 epochs in small mode already separate the species; 100 epochs reach 0.967 on test
    assert number(r"final train accuracy: (\S+)", out) >= 0.85, out
    assert number(r"final test accuracy: (\S+)", out) >= 0.85, out


def test_logistic_regression_converges_with_srcads_gradient():
    out = output_of("logistic_regression_scipy.py")
    with_jac, _, without_jac = out.partition("without jac")
    assert "converged: True" in with_jac and "converged: True" in without_jac, out
    assert number(r"gradient norm = (\S+)", with_jac) < 1e-7, out
    assert number(r"hand-written gradient\| = (\S+)", with_jac) < 1e-12, out
    # both optimizers find the same optimum; the one with srcad's gradient evaluates the
    # loss far fewer times than the one estimating the gradient by finite differences
    loss_jac = number(r"loss = (\S+),", with_jac)
    loss_plain = number(r"loss = (\S+),", without_jac)
    assert abs(loss_jac - loss_plain) < 1e-8 and loss_jac <= loss_plain + 1e-12, out
    assert number(r"optima\| = (\S+)", out) < 1e-4, out
    evaluations_jac = number(r"loss evaluations = (\d+)", with_jac)
    evaluations_plain = number(r"loss evaluations = (\d+)", without_jac)
    assert 2 * evaluations_jac < evaluations_plain, out
    assert number(r"training accuracy = (\S+)", with_jac) >= 0.9, out


def test_ode_fit_recovers_the_parameters():
    out = output_of("ode_fit.py")
    assert "converged: True" in out, out
    rows = re.findall(r"^\s*(alpha|beta|gamma|delta)\s+(\S+)\s+(\S+)\s+(\S+)\s*$", out, re.M)
    assert [row[0] for row in rows] == ["alpha", "beta", "gamma", "delta"], out
    for name, true, guess, fitted in rows:
        true, guess, fitted = float(true), float(guess), float(fitted)
        assert abs(guess - true) > 0.15 * true, out  # the fit starts far from the truth
        assert abs(fitted - true) < 0.03 * true, f"{name}: fitted {fitted}, true {true}\n{out}"
    fitted_misfit = number(r"misfit: \S+ at the guess, (\S+) fitted", out)
    true_misfit = number(r"fitted, (\S+) at the truth", out)
    assert fitted_misfit <= true_misfit, out  # the fit is at least as good as the truth
    assert number(r"gradient norm = (\S+)", out) < 1e-5, out


def test_aot_springs_relaxes_the_chain_with_the_generated_gradient():
    out = output_of("aot_springs.py")
    at_rest = number(r"largest gradient entry at rest: (\S+)", out)
    against_fd = number(r"against finite differences: (\S+)", out)
    asymmetry = number(r"asymmetry of the rest shape: (\S+)", out)
    assert at_rest < 1e-6, out
    assert against_fd < 1e-6, out
    assert asymmetry < 1e-9, out
