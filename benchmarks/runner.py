"""Run the workloads under every system: verify each gradient against the hand-written
one, then time all systems of a case side by side.

Timing: each system gets ``budget`` seconds (at least ``MIN_REPEATS`` samples); a sample
runs the call ``number`` times, ``number`` chosen so that a sample lasts about
``sample_target`` seconds.  Samples of the systems of one case are interleaved, in an
order that rotates every round, so that a slow phase of a noisy machine hits them all
alike.  Reported: the median time per call.
"""

from __future__ import annotations

import gc
import inspect
import json
import math
import os
import subprocess
import sys
import time
import traceback
import zlib
from dataclasses import dataclass, field

import numpy as np

from .systems import SYSTEMS, srcad_transform_timer

MIN_REPEATS = 5
MAX_SAMPLES = 200
RTOL = 1e-6  # gradients against the hand-written one
FD_RTOL = 1e-5  # the hand-written gradient against central differences (small sizes)


@dataclass
class Settings:
    quick: bool
    budget: float  # seconds of timing per system and case
    sample_target: float  # seconds per sample
    jit_timeout: float = 120.0  # seconds for the first call of jax.jit (0: no limit)


@dataclass
class Result:
    system: str
    status: str = "ok"  # ok | wrong | error | unavailable | timeout
    note: str = ""
    first_call_s: float | None = None
    transform_s: float | None = None  # srcad only: cold source transformation
    median_s: float | None = None
    number: int = 0
    samples_s: list = field(default_factory=list)
    max_rel_err: float | None = None


@dataclass
class Case:
    workload: str
    size: str
    params: dict
    results: dict = field(default_factory=dict)  # system name -> Result
    hand_fd_rel_err: float | None = None
    failures: list = field(default_factory=list)


def seed_for(workload, size):
    return zlib.crc32(f"{workload}/{size}".encode())


def sizes_of(workload, quick):
    sizes = dict(workload.SIZES)
    if quick:
        sizes.update(workload.QUICK_SIZES)
    return sizes


def compare(got, ref, names):
    """The largest error of ``got`` relative to ``ref`` (each entry relative to itself, or
    to a thousandth of the gradient's largest entry if that is larger), or a message
    saying where they disagree (``names``: the differentiated parameters)."""
    if len(got) != len(ref):
        return f"{len(got)} gradients, expected {len(ref)}"
    worst = 0.0
    for i, (g, r) in enumerate(zip(got, ref)):
        g = np.asarray(g, dtype=float)
        r = np.asarray(r, dtype=float)
        if g.shape != r.shape:
            return f"gradient of `{names[i]}` has shape {g.shape}, expected {r.shape}"
        scale = float(np.max(np.abs(r))) if r.size else 0.0
        if not np.all(np.isfinite(g)):
            return f"gradient of `{names[i]}` is not finite"
        # allclose with rtol=RTOL, atol relative to the gradient's own scale
        excess = np.abs(g - r) - RTOL * np.abs(r) - 1e-9 * scale
        err = float(np.max(np.abs(g - r) / np.maximum(np.abs(r), 1e-3 * scale + 1e-300)))
        worst = max(worst, err)
        if np.any(excess > 0):
            j = np.unravel_index(int(np.argmax(excess)), r.shape) if r.ndim else ()
            return (f"gradient of `{names[i]}` differs: at {tuple(int(t) for t in j)} "
                    f"got {float(g[j])!r}, hand-written {float(r[j])!r}")
    return worst


def check_hand_fd(workload, args, ref, rng):
    """Directional central differences of ``function`` against the hand-written gradient,
    one random direction per differentiated argument; returns the worst relative error."""
    f = workload.function
    worst = 0.0
    for pos, g in zip(workload.WRT, ref):
        a = args[pos]
        direction = rng.normal(size=np.shape(a))
        h = 1e-6 * max(1.0, float(np.max(np.abs(a))))
        plus, minus = list(args), list(args)
        plus[pos] = a + h * direction if np.ndim(a) else a + h * float(direction)
        minus[pos] = a - h * direction if np.ndim(a) else a - h * float(direction)
        fd = (f(*plus) - f(*minus)) / (2.0 * h)
        exact = float(np.sum(np.asarray(g) * direction))
        scale = float(np.sum(np.abs(np.asarray(g) * direction))) + 1e-12
        worst = max(worst, abs(fd - exact) / scale)
    return worst


def _describe(exc):
    text = f"{type(exc).__name__}: {exc}".strip()
    first = text.splitlines()[0] if text else type(exc).__name__
    return first if len(first) <= 300 else first[:297] + "..."


def probe_jit(workload, size, params, timeout):
    """Compile the jax.jit case in a child process (see jit_probe.py): its first-call
    time, or None when it did not finish within ``timeout`` seconds, or a message when
    it failed (the runner's own attempt then reports the error)."""
    command = [sys.executable, "-m", "benchmarks.jit_probe", workload.NAME, size,
               json.dumps(params)]
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
    try:
        done = subprocess.run(command, capture_output=True, text=True, env=env,
                              timeout=timeout or None)
    except subprocess.TimeoutExpired:
        return None
    try:
        return float(json.loads(done.stdout.strip().splitlines()[-1])["first_call_s"])
    except (ValueError, KeyError, IndexError):
        return (done.stderr.strip().splitlines() or ["jit probe failed"])[-1]


def _first_call(system, workload, args):
    """Prepare and call once; returns (call, to_numpy, value, seconds, transform seconds)."""
    if system.name != "srcad":
        start = time.perf_counter()
        call, to_numpy = system.prepare(workload, args)
        value = call()
        return call, to_numpy, value, time.perf_counter() - start, None
    import srcad.cache

    srcad.cache.clear()  # cold: transformed again from the source
    with srcad_transform_timer() as timer:
        start = time.perf_counter()
        call, to_numpy = system.prepare(workload, args)
        value = call()
        elapsed = time.perf_counter() - start
    return call, to_numpy, value, elapsed, None if timer is None else timer[0]


def calibrate(call, target):
    """Seconds per call, from a loop that runs at least ``target`` seconds (or one call)."""
    number = 1
    while True:
        start = time.perf_counter()
        for _ in range(number):
            call()
        elapsed = time.perf_counter() - start
        if elapsed >= target or number >= 1 << 20:
            return elapsed / number
        number = max(number * 2, int(number * target / max(elapsed, 1e-9) * 1.2))
        number = min(number, 1 << 20)


def time_side_by_side(calls, settings):
    """{name: call} -> {name: (number, [seconds per call of each sample])}."""
    plan = {}
    for name, call in calls.items():
        per_call = calibrate(call, settings.sample_target / 2)
        number = max(1, round(settings.sample_target / per_call)) if per_call else 1
        repeats = max(MIN_REPEATS, min(MAX_SAMPLES,
                                       math.ceil(settings.budget / (number * per_call))))
        plan[name] = (number, repeats)
    samples = {name: [] for name in calls}
    order = list(calls)
    gc.collect()
    for round_ in range(max(r for _, r in plan.values())):
        turn = order[round_ % len(order):] + order[:round_ % len(order)]
        for name in turn:
            number, repeats = plan[name]
            if len(samples[name]) >= repeats:
                continue
            call = calls[name]
            start = time.perf_counter()
            for _ in range(number):
                call()
            samples[name].append((time.perf_counter() - start) / number)
    return {name: (plan[name][0], samples[name]) for name in calls}


def run_case(workload, size, params, settings, systems=SYSTEMS, log=print):
    case = Case(workload.NAME, size, dict(params))
    rng = np.random.default_rng(seed_for(workload.NAME, size))
    args = workload.make_inputs(rng, **params)
    parameters = list(inspect.signature(workload.function).parameters)
    names = [parameters[i] for i in workload.WRT]
    calls = {}
    ref = None
    for system in systems:
        result = case.results[system.name] = Result(system.name)
        reason = system.unavailable()
        if reason:
            result.status, result.note = "unavailable", reason
            continue
        probed = None
        if system.name == "jax.jit" and os.environ.get("BENCHMARK_JAX_CACHE"):
            probed = probe_jit(workload, size, params, settings.jit_timeout)
            if probed is None:
                result.status = "timeout"
                result.note = (f"first call (XLA compilation) did not finish in "
                               f"{settings.jit_timeout:g} s")
                log(f"  {system.name}: {result.note}")
                continue
        try:
            call, to_numpy, value, first, transform = _first_call(system, workload, args)
        except Exception as exc:  # a refusal or a crash: reported, that system skipped
            result.status, result.note = "error", _describe(exc)
            case.failures.append(f"{system.name}: {result.note}")
            log(f"  {system.name}: ERROR {result.note}")
            log("    " + traceback.format_exc().strip().splitlines()[-1])
            continue
        result.first_call_s, result.transform_s = first, transform
        if isinstance(probed, float):  # the compilation happened in the probe
            result.first_call_s = probed
            result.note = f"first call in this process (compilation cache hit): {first:.3g} s"
        if system.is_gradient:
            grads = to_numpy(value)
            if system.name == "hand":
                ref = grads
                if size == "small":
                    case.hand_fd_rel_err = check_hand_fd(workload, args, ref, rng)
                    if case.hand_fd_rel_err > FD_RTOL:
                        case.failures.append(f"hand-written gradient disagrees with finite "
                                             f"differences (rel. err. {case.hand_fd_rel_err:.1e})")
            elif ref is None:
                result.status, result.note = "error", "no hand-written gradient to check against"
                case.failures.append(f"{system.name}: {result.note}")
                continue
            else:
                verdict = compare(grads, ref, names)
                if isinstance(verdict, str):
                    result.status, result.note = "wrong", verdict
                    case.failures.append(f"{system.name}: wrong gradient: {verdict}")
                    log(f"  {system.name}: WRONG GRADIENT {verdict}")
                    continue
                result.max_rel_err = verdict
        calls[system.name] = call
    timings = time_side_by_side(calls, settings)
    for name, (number, samples) in timings.items():
        result = case.results[name]
        result.number, result.samples_s = number, samples
        result.median_s = float(np.median(samples))
    return case
