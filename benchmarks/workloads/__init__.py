"""The workloads, one module each.

A workload module defines:

- ``NAME``; ``function``, a plain numpy function returning a scalar (the one srcad sees);
- ``WRT``, the positions of the differentiated parameters;
- ``SIZES`` (``{"small": params, "large": params}``) and ``QUICK_SIZES`` (the sizes
  ``--quick`` reduces), params being the keyword arguments of ``make_inputs(rng, **params)``,
  which returns the positional arguments of ``function``;
- ``grad_hand(*args)``, a hand-written numpy gradient: a tuple in the order of ``WRT``;
- ``torch_function(*args)``, the same computation with torch operations.

autograd and JAX run ``function`` itself with ``np`` bound to ``autograd.numpy`` or
``jax.numpy`` (:func:`rebind`), so one body serves numpy, srcad, autograd and JAX.
"""

from __future__ import annotations

import types

from . import euler, gmm, mlp, rnn, rosenbrock, speelpenning

ALL = {m.NAME: m for m in (speelpenning, rosenbrock, mlp, rnn, gmm, euler)}


def rebind(fn, **names):
    """A copy of ``fn`` whose module globals ``names`` are replaced (``np=jax.numpy``).

    The functions of ``fn``'s module that it calls are copied too, so helpers read the
    same replacements.  The module itself is left alone: srcad keeps seeing numpy."""
    module_globals = fn.__globals__
    new_globals = dict(module_globals)
    new_globals.update(names)

    def copy(f):
        clone = types.FunctionType(f.__code__, new_globals, f.__name__, f.__defaults__,
                                   f.__closure__)
        clone.__kwdefaults__ = f.__kwdefaults__
        return clone

    for name, value in module_globals.items():
        if isinstance(value, types.FunctionType) and value.__globals__ is module_globals:
            new_globals[name] = copy(value)
    return copy(fn)
