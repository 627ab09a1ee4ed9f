"""Time to the first gradient in a fresh process, with a cold and a warm disk cache.

Each measurement is a new Python process that imports srcad, imports a function and calls
``srcad.grad(f)(x)`` once; the process reports how long the import and the first gradient
took.  *Cold*: an empty cache directory (the derivative is transformed, then written).
*Warm*: the directory an earlier process filled (the cached text is compiled).  Medians
over ``--runs`` processes; the import of srcad alone is measured the same way.

    python benchmarks/first_gradient.py [--runs 7]

Bytecode of srcad itself is cached in a private directory (as for an installed package),
whatever ``PYTHONDONTWRITEBYTECODE`` says, so the numbers do not include compiling srcad.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# A 30-line function with a loop, a branch and a helper call, and a small network's loss.
TARGETS = textwrap.dedent('''\
    import numpy as np


    def smooth_step(x, width):
        t = np.clip(x / width, -1.0, 1.0)
        return 0.5 + 0.75 * t - 0.25 * t ** 3


    def loop_loss(x, w):
        total = 0.0
        state = x
        for i in range(5):
            gate = smooth_step(state * w, 2.0)
            state = gate * state + (1.0 - gate) * np.tanh(state)
            if i % 2 == 0:
                penalty = np.sum(state ** 2) / state.shape[0]
            else:
                penalty = np.mean(np.abs(state))
            total = total + penalty
            shifted = np.roll(state, 1)
            total = total + 0.1 * np.sum(state * shifted)
        norm = np.sqrt(np.sum(x * x) + 1e-12)
        scaled = state / norm
        energy = np.sum(np.exp(-scaled ** 2))
        total = total + energy
        return total * w


    def dense(x, weights, bias):
        return np.tanh(x @ weights + bias)


    def mlp_loss(params, x, y):
        w1, b1, w2, b2 = params
        hidden = dense(x, w1, b1)
        out = hidden @ w2 + b2
        shifted = out - np.max(out, axis=1, keepdims=True)
        logp = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
        return -np.mean(np.sum(logp * y, axis=1))
''')

CASES = {
    "quickstart.f": ("quickstart", "f", "dict(wrt=(0, 1))", "(2.0, 5.0)"),
    "loop_loss (30 lines, loop + helper)": (
        "bench_targets", "loop_loss", "dict(wrt=0)", "(np.linspace(-1.0, 1.0, 8), 0.7)"),
    "mlp_loss (two layers, helper)": (
        "bench_targets", "mlp_loss", "{}",
        "([rng.normal(size=(4, 8)), np.zeros(8), rng.normal(size=(8, 3)), np.zeros(3)], "
        "rng.normal(size=(16, 4)), np.eye(3)[rng.integers(0, 3, 16)])"),
}

CHILD = """\
import time
t0 = time.perf_counter()
import srcad
t1 = time.perf_counter()
import json, sys
import numpy as np
sys.path[:0] = {paths!r}
rng = np.random.default_rng(0)
from {module} import {name} as f
args = {args}
t2 = time.perf_counter()
srcad.grad(f, **{options})(*args)
t3 = time.perf_counter()
from srcad import diskcache
print(json.dumps({{"import": t1 - t0, "grad": t3 - t2, "hits": diskcache.STATS["hits"]}}))
"""


def run_child(code: str, cache_dir: str, bytecode: str) -> dict:
    env = {**os.environ, "SRCAD_CACHE_DIR": cache_dir, "PYTHONPYCACHEPREFIX": bytecode}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.pop("SRCAD_CACHE", None)
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                         text=True, check=True).stdout
    return json.loads(out.splitlines()[-1])


def median_ms(values) -> float:
    return 1000.0 * statistics.median(values)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="processes per measurement")
    runs = parser.parse_args(argv).runs
    with tempfile.TemporaryDirectory(prefix="srcad-bench-") as tmp:
        work = Path(tmp)
        (work / "bench_targets.py").write_text(TARGETS)
        bytecode = str(work / "pycache")
        paths = [str(ROOT), str(ROOT / "examples"), str(work)]
        imports = [run_child("import time\nt0 = time.perf_counter()\nimport srcad\n"
                             "import json\nprint(json.dumps({'import': "
                             "time.perf_counter() - t0}))", str(work / "unused"),
                             bytecode)["import"] for _ in range(runs + 1)][1:]
        rows = []
        for label, (module, name, options, args) in CASES.items():
            code = CHILD.format(paths=paths, module=module, name=name, options=options,
                                args=args)
            warm_dir = str(work / f"warm-{name}")
            run_child(code, warm_dir, bytecode)  # fills the warm cache (and the bytecode)
            cold, warm = [], []
            for i in range(runs):
                cold.append(run_child(code, str(work / f"cold-{name}-{i}"), bytecode))
                warm.append(run_child(code, warm_dir, bytecode))
            assert all(w["hits"] > 0 for w in warm) and not any(c["hits"] for c in cold)
            rows.append((label, [c["grad"] for c in cold], [w["grad"] for w in warm],
                         [c["import"] + c["grad"] for c in cold],
                         [w["import"] + w["grad"] for w in warm]))
    print(f"Median of {runs} fresh processes; `import srcad` alone: "
          f"{median_ms(imports):.0f} ms.\n")
    print("| function | first grad, cold | first grad, warm | speed-up "
          "| import + grad, cold | import + grad, warm |")
    print("|---|---:|---:|---:|---:|---:|")
    for label, cold, warm, cold_total, warm_total in rows:
        print(f"| {label} | {median_ms(cold):.1f} ms | {median_ms(warm):.1f} ms "
              f"| {statistics.median(cold) / statistics.median(warm):.1f}x "
              f"| {median_ms(cold_total):.0f} ms | {median_ms(warm_total):.0f} ms |")


if __name__ == "__main__":
    main()
