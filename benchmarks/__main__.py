"""``python -m benchmarks [--quick] [--json FILE] [--only NAME[,NAME]]``.

Exits with status 1 when a gradient disagrees with the hand-written one (or a system
fails on a workload): ``python -m benchmarks --quick`` is the smoke test.
"""

from __future__ import annotations

import argparse
import os
import sys

os.environ["SRCAD_CACHE"] = "0"  # no disk cache: transformation times are cold ones

THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def limit_threads(threads):
    """Run numpy's BLAS, torch and XLA on ``threads`` threads (before they are imported).

    One thread by default: the comparison is of AD overheads, and on a small shared
    machine a multi-threaded BLAS makes timings erratic (threads waiting on each other)."""
    for variable in THREAD_VARIABLES:
        os.environ[variable] = str(threads)
    if threads == 1:
        flags = os.environ.get("XLA_FLAGS", "")
        os.environ["XLA_FLAGS"] = (flags + " --xla_cpu_multi_thread_eigen=false "
                                   "intra_op_parallelism_threads=1").strip()
    os.environ["BENCHMARK_THREADS"] = str(threads)


def parse(argv):
    p = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Time srcad's gradients against hand-written ones and other AD systems; "
                    "exit status 1 if any gradient disagrees with the hand-written one.")
    p.add_argument("--quick", action="store_true",
                   help="short timing budgets and reduced large sizes (< 2 minutes)")
    p.add_argument("--json", metavar="FILE", help="write all raw numbers to FILE")
    p.add_argument("--only", metavar="NAME", help="comma-separated workloads to run")
    p.add_argument("--size", choices=("small", "large"), help="run one size only")
    p.add_argument("--systems", metavar="NAME",
                   help="comma-separated systems (f and hand are always run)")
    p.add_argument("--threads", type=int, default=1, metavar="N",
                   help="threads of numpy's BLAS, torch and XLA (default 1)")
    p.add_argument("--jit-timeout", type=float, metavar="SECONDS",
                   help="limit on jax.jit's first call (compilation), measured in a child "
                        "process; 0: no child process, no limit (default 120, --quick 30)")
    p.add_argument("--budget", type=float, metavar="SECONDS",
                   help="timing budget per system and case (default 1, --quick 0.2)")
    return p.parse_args(argv)


def main(argv=None):
    args = parse(sys.argv[1:] if argv is None else argv)
    if "numpy" in sys.modules:
        print("warning: numpy was imported before the thread limits were set",
              file=sys.stderr)
    limit_threads(args.threads)
    import tempfile
    import time

    from . import report, runner, systems
    from .workloads import ALL

    names = list(ALL) if not args.only else [n.strip() for n in args.only.split(",")]
    unknown = [n for n in names if n not in ALL]
    if unknown:
        sys.exit(f"unknown workload(s) {', '.join(unknown)}; choose from {', '.join(ALL)}")
    chosen = systems.SYSTEMS
    if args.systems:
        wanted = {"f", "hand", *(s.strip() for s in args.systems.split(","))}
        bad = wanted - set(systems.BY_NAME)
        if bad:
            sys.exit(f"unknown system(s) {', '.join(sorted(bad))}; "
                     f"choose from {', '.join(systems.BY_NAME)}")
        chosen = [s for s in systems.SYSTEMS if s.name in wanted]
    budget = args.budget if args.budget is not None else 0.2 if args.quick else 1.0
    jit_timeout = args.jit_timeout if args.jit_timeout is not None else 30.0 if args.quick \
        else 120.0
    settings = runner.Settings(quick=args.quick, budget=budget,
                               sample_target=min(0.02, budget / 10), jit_timeout=jit_timeout)
    meta = environment(args.quick, settings, chosen)

    def log(text):
        print(text, file=sys.stderr, flush=True)

    _warm_up_srcad()
    start = time.perf_counter()
    cases = []
    jax_cache = None
    if jit_timeout and any(s.name == "jax.jit" and not s.unavailable() for s in chosen):
        jax_cache = tempfile.TemporaryDirectory(prefix="benchmarks-jax-cache-")
        os.environ["BENCHMARK_JAX_CACHE"] = jax_cache.name
    for name in names:
        workload = ALL[name]
        for size, params in runner.sizes_of(workload, args.quick).items():
            if args.size and size != args.size:
                continue
            log(f"{name} ({size}: {report.describe_params(params)})")
            case = runner.run_case(workload, size, params, settings, chosen, log)
            cases.append(case)
            log("  " + ", ".join(f"{r.system} {report.fmt_time(r.median_s)}"
                                 for r in case.results.values() if r.median_s is not None))
    meta["wall_time_s"] = time.perf_counter() - start
    if jax_cache is not None:
        jax_cache.cleanup()
    print(report.markdown(cases, meta))
    print(f"(wall time {meta['wall_time_s']:.1f} s)")
    if args.json:
        report.write_json(args.json, cases, meta)
    return 1 if any(c.failures for c in cases) else 0


def _warm_up_srcad():
    """Transform one tiny function so that srcad's one-time start-up (rule tables, imports)
    is not billed to the first workload's transformation time."""
    import numpy as np
    import srcad

    srcad.grad(lambda x: np.sum(np.sin(x) * x))(np.ones(2))


def _git_state():
    """The commit of the checkout srcad is imported from, and whether srcad/ has
    uncommitted changes ("" outside a git checkout)."""
    import subprocess

    import srcad

    root = os.path.dirname(os.path.dirname(os.path.abspath(srcad.__file__)))
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root,
                                capture_output=True, text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "srcad"], cwd=root,
                               capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""
    if not commit:
        return ""
    return f"git {commit}" + (" + uncommitted changes in srcad/" if dirty else "")


def environment(quick, settings, chosen):
    import platform
    from importlib import metadata

    import numpy as np

    versions = {"python": platform.python_version(), "numpy": np.__version__}
    for package in ("srcad", "autograd", "jax", "jaxlib", "torch"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            pass
    source = _git_state()
    if source:
        versions["srcad"] += f" ({source})"
    text = (", ".join(f"{k} {v}" for k, v in versions.items())
            + f"; {os.cpu_count()} CPUs ({platform.machine()}), "
            f"{os.environ.get('BENCHMARK_THREADS', '?')} thread(s) for BLAS/torch/XLA; budget "
            f"{settings.budget:g} s per system and case, medians.")
    return {"quick": quick, "versions": versions, "cpu_count": os.cpu_count(),
            "threads": os.environ.get("BENCHMARK_THREADS"),
            "machine": platform.machine(), "budget_s": settings.budget,
            "sample_target_s": settings.sample_target, "jit_timeout_s": settings.jit_timeout,
            "systems": [s.name for s in chosen], "environment": text}


if __name__ == "__main__":
    sys.exit(main())
