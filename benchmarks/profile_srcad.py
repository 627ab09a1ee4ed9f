"""Where srcad's generated gradient spends its time, line by line.

    python -m benchmarks.profile_srcad WORKLOAD [--size small|large] [--quick] [--calls N]

Prints the generated code (``srcad.show``) with, for each line, its share of the time and
its time per gradient call, measured with a line tracer on the generated functions only
(the tracer adds a roughly constant cost per line, so cheap lines look dearer than they
are), then the runtime helpers that cost most (cProfile, by own time).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import linecache
import os
import pstats
import sys
import time
from collections import defaultdict


def line_times(call, calls):
    """{(filename, line): seconds} over ``calls`` calls, for srcad's generated code."""
    totals = defaultdict(float)
    last = {}  # frame -> (key, time of its line event)

    def local(frame, event, arg):
        now = time.perf_counter()
        previous = last.get(frame)
        if previous is not None:
            totals[previous[0]] += now - previous[1]
        if event == "return":
            last.pop(frame, None)
        else:
            last[frame] = ((frame.f_code.co_filename, frame.f_lineno), time.perf_counter())
        return local

    def tracer(frame, event, arg):
        if frame.f_code.co_filename.startswith("<srcad"):
            last[frame] = ((frame.f_code.co_filename, frame.f_lineno), time.perf_counter())
            return local
        return None

    sys.settrace(tracer)
    try:
        for _ in range(calls):
            call()
    finally:
        sys.settrace(None)
    return totals


def annotate(totals, calls):
    grand = sum(totals.values()) or 1.0
    out = []
    for filename in dict.fromkeys(f for f, _ in totals):
        out.append(f"# {filename}")
        for number, text in enumerate(linecache.getlines(filename), 1):
            seconds = totals.get((filename, number), 0.0)
            share = f"{100 * seconds / grand:5.1f}% {1e6 * seconds / calls:9.1f} µs" if seconds \
                else " " * 18
            out.append(f"{share} | {text.rstrip()}")
    return "\n".join(out)


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m benchmarks.profile_srcad")
    p.add_argument("workload")
    p.add_argument("--size", default="small", choices=("small", "large"))
    p.add_argument("--quick", action="store_true", help="the reduced sizes of --quick")
    p.add_argument("--calls", type=int, default=0, help="gradient calls (default: ~1 s)")
    args = p.parse_args(argv)
    os.environ["SRCAD_CACHE"] = "0"
    for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[variable] = "1"
    import numpy as np
    import srcad

    from .runner import seed_for, sizes_of
    from .workloads import ALL

    workload = ALL[args.workload]
    params = sizes_of(workload, args.quick)[args.size]
    inputs = workload.make_inputs(np.random.default_rng(seed_for(workload.NAME, args.size)),
                                  **params)
    g = srcad.grad(workload.function, wrt=workload.WRT)
    g(*inputs)
    start = time.perf_counter()
    g(*inputs)
    per_call = time.perf_counter() - start
    calls = args.calls or max(1, min(2000, round(1.0 / per_call)))
    start = time.perf_counter()
    for _ in range(calls):
        g(*inputs)
    per_call = (time.perf_counter() - start) / calls
    print(f"{workload.NAME} ({args.size}, {params}): {1e6 * per_call:.1f} µs per gradient "
          f"untraced; {calls} calls traced\n")
    print(annotate(line_times(lambda: g(*inputs), calls), calls))
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(calls):
        g(*inputs)
    profiler.disable()
    text = io.StringIO()
    pstats.Stats(profiler, stream=text).sort_stats("tottime").print_stats(15)
    print("\n" + text.getvalue())


if __name__ == "__main__":
    main()
