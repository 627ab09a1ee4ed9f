"""The systems compared: how each one computes the gradient of a workload.

``prepare(workload, args)`` returns a function of no arguments that computes one gradient
(complete: JAX results are waited for) and a function that turns what it returns into a
tuple of numpy values, in the order of ``workload.WRT``.  A system whose package is not
installed is reported as unavailable and skipped.
"""

from __future__ import annotations

import importlib.util
import os
import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable

import numpy as np

from .workloads import rebind


@dataclass
class System:
    name: str
    description: str
    prepare: Callable
    requires: tuple = ()
    is_gradient: bool = True  # "f" times the function itself

    def unavailable(self):
        """None, or why the system cannot run here."""
        missing = [m for m in self.requires if importlib.util.find_spec(m) is None]
        return f"{', '.join(missing)} not installed" if missing else None


def _as_tuple(grads):
    return tuple(grads) if isinstance(grads, (tuple, list)) else (grads,)


def prepare_f(workload, args):
    f = workload.function
    return (lambda: f(*args)), None


def prepare_hand(workload, args):
    g = workload.grad_hand
    return (lambda: g(*args)), _as_tuple


def prepare_srcad(workload, args):
    import srcad

    g = srcad.grad(workload.function, wrt=workload.WRT)
    return (lambda: g(*args)), _as_tuple


@contextmanager
def srcad_transform_timer():
    """Add the time spent in srcad's source transformation to ``timer[0]`` (outermost
    calls of ``srcad.pipeline.transform`` only).  Yields None when srcad's internals
    changed and the transformation cannot be timed apart from the first call."""
    try:
        from srcad import pipeline
        original = pipeline.transform
    except (ImportError, AttributeError):
        yield None
        return
    timer = [0.0]
    depth = [0]

    def timed(*a, **k):
        depth[0] += 1
        start = time.perf_counter()
        try:
            return original(*a, **k)
        finally:
            depth[0] -= 1
            if depth[0] == 0:
                timer[0] += time.perf_counter() - start

    pipeline.transform = timed
    try:
        yield timer
    finally:
        pipeline.transform = original


def prepare_autograd(workload, args):
    import autograd
    import autograd.numpy as anp

    g = autograd.grad(rebind(workload.function, np=anp), argnum=workload.WRT)
    return (lambda: g(*args)), _as_tuple


_JAX_READY = False


def _jax():
    global _JAX_READY
    import jax

    if not _JAX_READY:
        jax.config.update("jax_enable_x64", True)  # float64, like the others
        jax.config.update("jax_platforms", "cpu")
        cache = os.environ.get("BENCHMARK_JAX_CACHE")
        if cache:  # see jit_probe.py
            jax.config.update("jax_compilation_cache_dir", cache)
            jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
            jax.config.update("jax_persistent_cache_min_entry_size_bytes", -1)
        _JAX_READY = True
    return jax


def _jax_args(args):
    import jax.numpy as jnp

    return tuple(jnp.asarray(a) if isinstance(a, np.ndarray) else a for a in args)


def _jax_numpy(grads):
    return tuple(np.asarray(g) for g in grads)


def prepare_jax(workload, args):
    jax = _jax()
    import jax.numpy as jnp

    g = jax.grad(rebind(workload.function, np=jnp), argnums=workload.WRT)
    jargs = _jax_args(args)
    return (lambda: jax.block_until_ready(g(*jargs))), _jax_numpy


def prepare_jax_jit(workload, args):
    jax = _jax()
    import jax.numpy as jnp

    g = jax.jit(jax.grad(rebind(workload.function, np=jnp), argnums=workload.WRT))
    jargs = _jax_args(args)
    return (lambda: jax.block_until_ready(g(*jargs))), _jax_numpy


def prepare_torch(workload, args):
    import torch

    threads = int(os.environ.get("BENCHMARK_THREADS", "0"))
    if threads and torch.get_num_threads() != threads:
        torch.set_num_threads(threads)

    def tensor(i, a):
        differentiated = i in workload.WRT
        if isinstance(a, np.ndarray):
            t = torch.from_numpy(a.copy())
        elif isinstance(a, float) and differentiated:
            t = torch.tensor(a, dtype=torch.float64)
        else:
            return a
        return t.requires_grad_() if differentiated else t

    targs = [tensor(i, a) for i, a in enumerate(args)]
    leaves = [targs[i] for i in workload.WRT]
    f = workload.torch_function

    def run():
        return torch.autograd.grad(f(*targs), leaves)

    return run, lambda grads: tuple(g.numpy() for g in grads)


SYSTEMS = [
    System("f", "the numpy function alone (t_f)", prepare_f, is_gradient=False),
    System("hand", "hand-written numpy gradient", prepare_hand),
    System("srcad", "srcad.grad(f, wrt=...)", prepare_srcad),
    System("autograd", "autograd.grad on the same code with autograd.numpy", prepare_autograd,
           ("autograd",)),
    System("jax", "jax.grad, no jit, float64", prepare_jax, ("jax",)),
    System("jax.jit", "jax.jit(jax.grad), float64; first call = compile", prepare_jax_jit,
           ("jax",)),
    System("torch", "torch float64, autograd.grad on the torch version", prepare_torch,
           ("torch",)),
]
BY_NAME = {s.name: s for s in SYSTEMS}
