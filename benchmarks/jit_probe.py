"""Time the first call of ``jax.jit(jax.grad(f))`` in a process of its own.

XLA's compile time grows fast with the length of an unrolled Python loop (minutes for
speelpenning with n = 1000), and a compilation cannot be interrupted in-process.  The
runner therefore compiles each jax.jit case here first, under a timeout; the compiled
code goes to JAX's persistent compilation cache (the directory in the environment
variable ``BENCHMARK_JAX_CACHE``), so that the runner's own first call loads it instead of
compiling again.

    python -m benchmarks.jit_probe WORKLOAD SIZE PARAMS_JSON   # prints {"first_call_s": t}
"""

from __future__ import annotations

import json
import sys
import time


def main(argv=None):
    workload_name, size, params = (sys.argv[1:] if argv is None else argv)
    import numpy as np

    from .runner import seed_for
    from .systems import prepare_jax_jit
    from .workloads import ALL

    workload = ALL[workload_name]
    args = workload.make_inputs(np.random.default_rng(seed_for(workload.NAME, size)),
                                **json.loads(params))
    start = time.perf_counter()
    call, _ = prepare_jax_jit(workload, args)
    call()
    print(json.dumps({"first_call_s": time.perf_counter() - start}))


if __name__ == "__main__":
    main()
