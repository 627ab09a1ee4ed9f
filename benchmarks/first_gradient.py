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

# A 30-line function with a loop, a branch and a helper call, a 100-line one, and a small
# network's loss.
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


    def long_loss(params, data, target):
        """A 100-line objective: a small controller steering a particle system, with
        penalties, in the style of a training script's loss function."""
        w_in, b_in, w_hidden, b_hidden, w_out, b_out = params
        positions = data[:, :2]
        velocities = data[:, 2:4]
        masses = 1.0 + data[:, 4] ** 2
        dt = 0.05
        drag = 0.1
        total = 0.0
        energy_track = 0.0
        for step in range(6):
            centre = np.sum(positions * masses[:, None], axis=0) / np.sum(masses)
            offsets = positions - centre
            distance = np.sqrt(np.sum(offsets ** 2, axis=1) + 1e-6)
            features = np.concatenate([offsets, velocities], axis=1)
            hidden = np.tanh(features @ w_in + b_in)
            hidden = hidden + 0.5 * np.tanh(hidden @ w_hidden + b_hidden)
            force = hidden @ w_out + b_out
            spring = -offsets * (distance[:, None] - 1.0)
            accel = (force + spring) / masses[:, None] - drag * velocities
            velocities = velocities + dt * accel
            positions = positions + dt * velocities
            kinetic = 0.5 * np.sum(masses * np.sum(velocities ** 2, axis=1))
            potential = 0.5 * np.sum((distance - 1.0) ** 2)
            energy = kinetic + potential
            if step == 0:
                energy_track = energy
            else:
                energy_track = 0.8 * energy_track + 0.2 * energy
            spread = np.mean(distance)
            if spread > 1.5:
                total = total + 0.1 * (spread - 1.5) ** 2
            else:
                total = total + 0.01 * (1.5 - spread)
            control_cost = np.mean(force ** 2)
            total = total + 1e-3 * control_cost
        error = positions - target
        huber = np.where(np.abs(error) < 1.0, 0.5 * error ** 2, np.abs(error) - 0.5)
        fit = np.mean(huber)
        heading = np.arctan2(velocities[:, 1], velocities[:, 0] + 1e-3)
        alignment = np.mean(np.cos(heading - np.mean(heading)))
        weights_norm = 0.0
        for w in (w_in, w_hidden, w_out):
            weights_norm = weights_norm + np.sum(w * w)
        bias_norm = np.sum(b_in ** 2) + np.sum(b_hidden ** 2) + np.sum(b_out ** 2)
        regulariser = 1e-4 * weights_norm + 1e-5 * bias_norm
        smooth = smooth_step(fit, 0.5)
        gates = smooth_step(distance - 1.0, 0.25)
        gated = np.sum(gates * distance) / (np.sum(gates) + 1.0)
        lse = np.log(np.sum(np.exp(-distance - np.max(-distance)))) + np.max(-distance)
        softmin = -lse
        spread_penalty = np.var(distance)
        collision = 0.0
        for i in range(positions.shape[0] - 1):
            gap = np.sum((positions[i] - positions[i + 1]) ** 2)
            collision = collision + np.exp(-10.0 * gap)
        momentum = np.sum(masses[:, None] * velocities, axis=0)
        momentum_cost = np.sum(momentum ** 2)
        mass_weighted = np.sum(masses * distance) / np.sum(masses)
        ratio = mass_weighted / (spread + 1e-3)
        terms = [fit, regulariser, gated, softmin, spread_penalty]
        combined = 0.0
        for k, term in enumerate(terms):
            combined = combined + (k + 1.0) * term
        anomaly = np.maximum(distance - 3.0, 0.0)
        anomaly_cost = np.sum(anomaly ** 2)
        clipped = np.clip(velocities, -2.0, 2.0)
        clip_cost = np.sum((velocities - clipped) ** 2)
        # a filtered trace of the speeds, as a logger might keep it
        speeds = np.sqrt(np.sum(velocities ** 2, axis=1) + 1e-9)
        trace = speeds[0]
        peak = speeds[0]
        wiggle = 0.0
        for i in range(1, speeds.shape[0]):
            previous = trace
            trace = 0.7 * trace + 0.3 * speeds[i]
            wiggle = wiggle + (trace - previous) ** 2
            if speeds[i] > peak:
                peak = speeds[i]
        speed_cost = wiggle + 0.01 * peak
        # pairwise repulsion, vectorized
        diff = positions[:, None, :] - positions[None, :, :]
        square = np.sum(diff ** 2, axis=2) + np.eye(positions.shape[0])
        repulsion = np.sum(1.0 / square) - positions.shape[0]
        # a soft assignment of particles to two targets
        to_first = np.sum((positions - target[0]) ** 2, axis=1)
        to_second = np.sum((positions - target[1]) ** 2, axis=1)
        pair = np.stack([-to_first, -to_second], axis=1)
        pair = pair - np.max(pair, axis=1, keepdims=True)
        share = np.exp(pair) / np.sum(np.exp(pair), axis=1, keepdims=True)
        assignment = np.sum(share * np.stack([to_first, to_second], axis=1))
        entropy = -np.sum(share * np.log(share + 1e-12))
        balance = (np.sum(share[:, 0]) - np.sum(share[:, 1])) ** 2
        extras = 0.01 * speed_cost + 1e-3 * repulsion + 0.1 * assignment
        extras = extras + 0.01 * entropy + 1e-3 * balance
        final = (total + fit + regulariser + 0.1 * smooth + 0.05 * alignment
                 + 0.01 * combined + 0.1 * collision + 1e-3 * momentum_cost
                 + 0.01 * ratio + anomaly_cost + clip_cost + 0.1 * energy_track + extras)
        return final


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
    "long_loss (100 lines, loops, branches, helper)": (
        "bench_targets", "long_loss", "{}",
        "([rng.normal(size=(4, 8)) * 0.3, np.zeros(8), rng.normal(size=(8, 8)) * 0.3, "
        "np.zeros(8), rng.normal(size=(8, 2)) * 0.3, np.zeros(2)], "
        "np.concatenate([rng.normal(size=(12, 4)), rng.normal(size=(12, 1))], axis=1), "
        "rng.normal(size=(12, 2)))"),
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
