"""Ahead-of-time gradient modules: ``srcad.generate`` and ``srcad generate``.

A generated module is imported in a subprocess where srcad, gast and scipy cannot be
imported (so it runs with numpy alone), and its derivatives are compared with central
finite differences of the original function.
"""

import json
import os
import pathlib
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import srcad
from srcad import aot
from srcad.cli import main
from tests.aot import targets

ROOT = pathlib.Path(__file__).resolve().parent.parent

NUMPY_ONLY = """
import importlib.util, json, sys
import numpy as np
for blocked in ("srcad", "gast", "scipy", "beniget", "tests"):
    sys.modules[blocked] = None  # any import of these now raises ImportError
spec = importlib.util.spec_from_file_location("generated", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
call = json.loads(sys.argv[2])
args = [np.array(a) if isinstance(a, list) and call.get("arrays", True) else a
        for a in call["args"]]
out = getattr(module, call["name"])(*args, **call.get("kwargs", {}))
def plain(v):
    if isinstance(v, (tuple, list)):
        return [plain(i) for i in v]
    return np.asarray(v, dtype=float).tolist()
print(json.dumps(plain(out)))
"""


def run_numpy_only(path, name, args, kwargs=None, arrays=True):
    call = {"name": name, "args": [np.asarray(a).tolist() if isinstance(a, np.ndarray) else a
                                   for a in args], "kwargs": kwargs or {}, "arrays": arrays}
    proc = subprocess.run([sys.executable, "-c", NUMPY_ONLY, str(path), json.dumps(call)],
                          capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def finite_differences(f, args, position, kwargs=None, eps=1e-6):
    kwargs = kwargs or {}
    x = args[position]
    flat = np.array(x, dtype=float).ravel()
    grad = np.zeros_like(flat)
    for i in range(flat.size):
        def at(delta, i=i):
            moved = flat.copy()
            moved[i] += delta
            value = moved.reshape(np.shape(x))
            if isinstance(x, list):
                value = value.tolist()
            elif np.ndim(x) == 0:
                value = float(value)
            new = list(args)
            new[position] = value
            return f(*new, **kwargs)
        grad[i] = (at(eps) - at(-eps)) / (2 * eps)
    return grad.reshape(np.shape(x))


def ruff_defaults(path):
    proc = subprocess.run([sys.executable, "-m", "ruff", "check", "--isolated", "--no-cache",
                           str(path)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr


X3 = np.array([0.3, -0.2, 0.5])

CASES = [
    # (function, wrt, args, kwargs)
    (targets.looped, 0, [X3], {}),
    (targets.looped, "y", [X3, 0.7], {}),
    (targets.uses_closure, 0, [X3], {"power": 3}),
    (targets.newton_sqrt, 0, [2.0], {}),
]


@pytest.mark.parametrize("f,wrt,args,kwargs", CASES,
                         ids=[f"{c[0].__name__}-{c[1]}" for c in CASES])
def test_generated_gradient_runs_with_numpy_alone(tmp_path, f, wrt, args, kwargs):
    path = tmp_path / "grads.py"
    srcad.generate(f, path, wrt=wrt)
    ruff_defaults(path)
    got = run_numpy_only(path, f"grad_{f.__name__}", args, kwargs)
    position = wrt if isinstance(wrt, int) else 1
    expected = finite_differences(f, args, position, kwargs)
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-8)


def test_several_wrt_value_and_grad(tmp_path):
    rng = np.random.default_rng(1)
    w, b, data = rng.normal(size=3), 0.2, rng.normal(size=(5, 3))
    path = tmp_path / "vg.py"
    text = srcad.generate(targets.two_args, path, wrt=("w", "b"), mode="value_and_grad",
                          name="loss_and_grads")
    assert "def loss_and_grads(w, b, data):" in text
    ruff_defaults(path)
    value, (gw, gb) = run_numpy_only(path, "loss_and_grads", [w, b, data])
    assert value == pytest.approx(targets.two_args(w, b, data), rel=1e-12)
    np.testing.assert_allclose(gw, finite_differences(targets.two_args, [w, b, data], 0),
                               rtol=1e-6)
    assert gb == pytest.approx(finite_differences(targets.two_args, [w, b, data], 1),
                               rel=1e-6)


def test_forward_mode_module(tmp_path):
    path = tmp_path / "fwd.py"
    text = srcad.generate(targets.looped, path, mode="fwd")
    assert "def jvp_looped(x, y=1.5, *, dx):" in text
    ruff_defaults(path)
    direction = np.array([1.0, -2.0, 0.5])
    value, tangent = run_numpy_only(path, "jvp_looped", [X3], {"dx": direction.tolist()})
    assert value == pytest.approx(targets.looped(X3), rel=1e-12)
    expected = finite_differences(targets.looped, [X3], 0) @ direction
    assert tangent == pytest.approx(expected, rel=1e-6)


def test_list_arguments_with_example_args(tmp_path):
    path = tmp_path / "lists.py"
    xs = [0.5, -1.5, 2.0]
    srcad.generate(targets.from_list, path, args=(xs,))
    ruff_defaults(path)
    got = run_numpy_only(path, "grad_from_list", [xs], arrays=False)
    np.testing.assert_allclose(got, finite_differences(targets.from_list, [xs], 0),
                               rtol=1e-6)


def test_module_carries_constants_helpers_and_header(tmp_path):
    text = srcad.generate(targets.looped, tmp_path / "g.py")
    assert text.startswith("# Generated by srcad ")
    assert "WEIGHTS = np.array([1.0, 2.0, 3.0], dtype=np.float64)" in text
    assert "SHIFTS = (0.5, -0.25)" in text
    assert "def vjp_helper(" in text and "def helper(" in text  # derivative and primal
    assert "def unbroadcast(" in text  # a runtime helper, copied
    assert "import srcad" not in text and "from srcad" not in text
    assert "tests/aot/targets.py:looped  " in text  # source file and its hash
    import hashlib
    import inspect
    digest = hashlib.sha256(inspect.getsource(targets.helper).encode()).hexdigest()
    assert f"tests/aot/targets.py:helper  {digest}" in text


def test_generation_is_deterministic_across_processes(tmp_path):
    outputs = []
    for i in range(2):
        out = tmp_path / f"g{i}.py"
        proc = subprocess.run([sys.executable, "-m", "srcad.cli", "generate",
                               "tests.aot.targets:looped", "-o", "grads.py"],
                              capture_output=True, text=True, timeout=60, cwd=ROOT,
                              env={**os.environ, "PYTHONHASHSEED": str(i + 1)})
        assert proc.returncode == 0, proc.stderr
        outputs.append((ROOT / "grads.py").read_text())
        os.replace(ROOT / "grads.py", out)
    assert outputs[0] == outputs[1]


def test_check_passes_when_fresh_and_fails_when_stale(tmp_path, capsys):
    out = str(tmp_path / "g.py")
    target = "tests/aot/targets.py:looped"
    assert main(["generate", target, "-o", out]) == 0
    assert main(["generate", target, "-o", out, "--check"]) == 0
    capsys.readouterr()
    assert main(["generate", target, "--wrt", "y", "-o", out, "--check"]) == 1
    err = capsys.readouterr().err
    assert "is stale" in err and "--wrt y" in err and len(err.strip().splitlines()) == 1
    pathlib.Path(out).write_text(pathlib.Path(out).read_text() + "# edited\n")
    assert main(["generate", target, "-o", out, "--check"]) == 1
    assert main(["generate", target, "-o", str(tmp_path / "missing.py"), "--check"]) == 1
    assert "does not exist" in capsys.readouterr().err


def test_check_sees_an_edited_source(tmp_path):
    source = tmp_path / "model.py"
    source.write_text("import numpy as np\n\ndef f(x):\n    return np.sum(x ** 2)\n")
    out = tmp_path / "g.py"
    cmd = [sys.executable, "-m", "srcad.cli", "generate", f"{source}:f", "-o", str(out)]
    assert subprocess.run(cmd, capture_output=True, timeout=60).returncode == 0
    assert subprocess.run(cmd + ["--check"], capture_output=True, timeout=60).returncode == 0
    source.write_text("import numpy as np\n\ndef f(x):\n    return np.sum(x ** 3)\n")
    proc = subprocess.run(cmd + ["--check"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1 and "is stale" in proc.stderr


@pytest.mark.parametrize("setup,target,message", [
    (lambda d: (d / "broken.py").write_text("import numpy as np\nraise ValueError('no')\n"),
     "{d}/broken.py:f", "importing"),
    (None, "tests/aot/targets.py:missing", "no function"),
    (None, "no_such_module_xyz:f", "cannot import"),
    (None, "tests/aot/targets.py:unsupported", "targets.py:"),
])
def test_bad_input_is_one_line_error(tmp_path, capsys, setup, target, message):
    if setup is not None:
        setup(tmp_path)
    out = tmp_path / "out.py"
    assert main(["generate", target.format(d=tmp_path), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err, err
    assert len(err.strip().splitlines()) == 1, err
    assert not out.exists()


@pytest.mark.parametrize("output,message", [
    ("{d}/no/such/dir/g.py", "does not exist"),
    ("/proc/srcad-cannot-write-here.py", "cannot write"),
    ("{d}", "is a directory"),
])
def test_unwritable_output_is_one_line_error(tmp_path, capsys, output, message):
    assert main(["generate", "tests/aot/targets.py:looped", "-o",
                 output.format(d=tmp_path)]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1, err


def test_existing_file_is_never_half_written(tmp_path, monkeypatch):
    out = tmp_path / "g.py"
    out.write_text("# the old module\n")

    def failing_replace(src, dst):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(aot.os, "replace", failing_replace)
    with pytest.raises(srcad.SrcadError, match="No space left"):
        srcad.generate(targets.looped, out)
    assert out.read_text() == "# the old module\n"
    assert [p.name for p in tmp_path.iterdir()] == ["g.py"]  # no temp file left behind


def test_unsupported_function_leaves_existing_file(tmp_path):
    out = tmp_path / "g.py"
    out.write_text("# the old module\n")
    with pytest.raises(srcad.SrcadError):
        srcad.generate(targets.unsupported, out)
    assert out.read_text() == "# the old module\n"


def test_user_rule_is_copied_into_the_module(tmp_path):
    source = tmp_path / "ruled.py"
    source.write_text(textwrap.dedent("""
        import numpy as np
        import srcad

        def softclip(x):
            return np.tanh(x) * 2.0

        def softclip_vjp(g, ans, x):
            return g * 2.0 * (1.0 - np.tanh(x) ** 2)

        srcad.defvjp(softclip, softclip_vjp)

        def loss(x):
            return np.sum(softclip(x) * x)
    """))
    out = tmp_path / "g.py"
    proc = subprocess.run([sys.executable, "-m", "srcad.cli", "generate", f"{source}:loss",
                           "-o", str(out)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    text = out.read_text()
    assert "def softclip_vjp(" in text and "import srcad" not in text
    ruff_defaults(out)

    def loss(x):
        return np.sum(np.tanh(x) * 2.0 * x)
    got = run_numpy_only(out, "grad_loss", [X3])
    np.testing.assert_allclose(got, finite_differences(loss, [X3], 0), rtol=1e-6)


def test_show_forward_mode_from_the_command_line(capsys):
    assert main(["show", "tests/aot/targets.py:two_args", "--wrt", "w", "--mode", "fwd"]) == 0
    assert "def jvp_two_args(w, b, data, *, dw):" in capsys.readouterr().out


def test_generate_refuses_a_derivative():
    with pytest.raises(srcad.SrcadError, match="derivative made by srcad"):
        srcad.generate(srcad.grad(targets.looped))


# -- the program corpus, ahead of time -------------------------------------------------------

CORPUS_RUNNER = NUMPY_ONLY.split("call = json.loads")[0].replace(
    'spec = importlib.util.spec_from_file_location("generated", sys.argv[1])\n'
    'module = importlib.util.module_from_spec(spec)\n'
    'spec.loader.exec_module(module)\n', "") + """
import pickle
def plain(v):
    if isinstance(v, dict):
        return [plain(v[k]) for k in sorted(v)]
    if isinstance(v, (tuple, list)):
        return [plain(i) for i in v]
    return np.asarray(v, dtype=float).tolist()
results = []
for path, name, args in pickle.loads(open(sys.argv[1], "rb").read()):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    results.append(plain(getattr(module, name)(*args)))
print(json.dumps(results))
"""


def _leaves(x, path=()):
    if isinstance(x, dict):
        for k in sorted(x):
            yield from _leaves(x[k], path + (k,))
    elif isinstance(x, (list, tuple)):
        for i, item in enumerate(x):
            yield from _leaves(item, path + (i,))
    else:
        for index in np.ndindex(np.shape(x)):
            yield path + (index,)


def _moved(x, path, delta):
    if len(path) == 1:
        value = np.array(x, dtype=float)
        value[path[0]] += delta
        return value if np.ndim(x) else float(value)
    head, rest = path[0], path[1:]
    if isinstance(x, dict):
        return {**x, head: _moved(x[head], rest, delta)}
    items = list(x)
    items[head] = _moved(x[head], rest, delta)
    return type(x)(items)


def _flat(v):
    if isinstance(v, (list, tuple)):
        return [leaf for item in v for leaf in _flat(item)]
    return np.ravel(np.asarray(v, dtype=float)).tolist()


def _fd_gradient(fn, args, position):
    """Central differences of ``fn`` in every leaf of argument ``position``, flattened."""
    out = []
    for path in _leaves(args[position]):
        leaf = np.asarray(_get(args[position], path), dtype=float)
        h = 1e-6 * max(1.0, abs(float(leaf)))
        plus = list(args)
        plus[position] = _moved(args[position], path, h)
        minus = list(args)
        minus[position] = _moved(args[position], path, -h)
        out.append((fn(*plus) - fn(*minus)) / (2 * h))
    return out


def _get(x, path):
    for key in path[:-1]:
        x = x[key]
    return np.asarray(x)[path[-1]]


def test_program_corpus_as_generated_modules(tmp_path):
    """Every program of the corpus, generated ahead of time and run with numpy alone."""
    import pickle

    from tests.programs.corpus import CASES
    jobs = []
    for i, (fn, args, wrt) in enumerate(CASES):
        path = tmp_path / f"m{i}.py"
        srcad.generate(fn, path, wrt=wrt, args=args)
        jobs.append((str(path), f"grad_{fn.__name__}", args))
    ruff_defaults(tmp_path)
    (tmp_path / "jobs.pkl").write_bytes(pickle.dumps(jobs))
    proc = subprocess.run([sys.executable, "-c", CORPUS_RUNNER, str(tmp_path / "jobs.pkl")],
                          capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    results = json.loads(proc.stdout)
    for (fn, args, wrt), got in zip(CASES, results):
        positions = wrt if isinstance(wrt, tuple) else (wrt,)
        got = got if isinstance(wrt, tuple) else [got]
        for position, g in zip(positions, got):
            np.testing.assert_allclose(_flat(g), _fd_gradient(fn, args, position),
                                       rtol=1e-5, atol=1e-6,
                                       err_msg=f"{fn.__name__} wrt {position}")


def test_committed_example_module_is_fresh(monkeypatch, capsys):
    """examples/generated/grad_springs.py is what `srcad generate` writes today."""
    monkeypatch.chdir(ROOT)
    assert main(["generate", "examples/models/springs.py:energy",
                 "-o", "examples/generated/grad_springs.py", "--check"]) == 0, \
        capsys.readouterr().err
    ruff_defaults(ROOT / "examples" / "generated" / "grad_springs.py")


def test_custom_vjp_function_is_copied_without_its_decorator(tmp_path):
    source = tmp_path / "clipped.py"
    source.write_text(textwrap.dedent("""
        import numpy as np
        import srcad

        @srcad.custom_vjp
        def clip_gradient(x):
            return x * 1.0

        def clip_fwd(x):
            return x * 1.0, None

        def clip_bwd(res, g):
            return (np.clip(g, -1.0, 1.0),)

        clip_gradient.defvjp(clip_fwd, clip_bwd)

        def loss(x):
            return np.sum(5.0 * clip_gradient(x) ** 2)
    """))
    out = tmp_path / "g.py"
    proc = subprocess.run([sys.executable, "-m", "srcad.cli", "generate", f"{source}:loss",
                           "-o", str(out)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "@srcad" not in out.read_text()
    ruff_defaults(out)
    x = np.array([0.05, 0.5, -0.3])
    got = run_numpy_only(out, "grad_loss", [x])
    np.testing.assert_allclose(got, np.clip(10.0 * x, -1.0, 1.0), rtol=1e-12)  # the rule's


def test_console_script_finds_a_module_in_the_current_directory(tmp_path):
    (tmp_path / "localmodel.py").write_text("import numpy as np\n\ndef f(x):\n"
                                            "    return np.sum(x ** 3)\n")
    script = pathlib.Path(sys.executable).parent / "srcad"
    proc = subprocess.run([str(script), "generate", "localmodel:f", "-o", "g.py"],
                          capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    got = run_numpy_only(tmp_path / "g.py", "grad_f", [X3])
    np.testing.assert_allclose(got, 3 * X3 ** 2, rtol=1e-12)


def test_rule_given_as_a_lambda_is_written_as_a_def(tmp_path):
    source = tmp_path / "lam.py"
    source.write_text(textwrap.dedent("""
        import numpy as np
        import srcad

        def cube(x):
            return x ** 3

        srcad.defvjp(cube, lambda g, ans, x: g * 3.0 * x ** 2)

        def loss(x):
            return np.sum(cube(x) * 2.0)
    """))
    out = tmp_path / "g.py"
    proc = subprocess.run([sys.executable, "-m", "srcad.cli", "generate", f"{source}:loss",
                           "-o", str(out)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    ruff_defaults(out)
    got = run_numpy_only(out, "grad_loss", [X3])
    np.testing.assert_allclose(got, 6.0 * X3 ** 2, rtol=1e-12)
