"""Helpers that generated code calls: the only srcad code a derivative needs at run time.

Every public function of the submodules listed here (their ``__all__``) is made available
to generated code under its own name, and to rule templates through
``srcad.rules.TEMPLATE_GLOBALS``.  Helpers depend on numpy alone, so ahead-of-time modules
can copy their source.
"""

from . import (containers, core, einsum, elementwise, indexing, linalg, reductions, shapes,
               special)
from . import higher, higher_core, higher_elementwise, higher_linalg, higher_reductions, higher_shapes

HELPERS = {}
for _module in (core, containers, elementwise, indexing, linalg, einsum, reductions, shapes, special,
                higher, higher_core, higher_elementwise, higher_reductions, higher_shapes,
                higher_linalg):
    for _name in _module.__all__:
        HELPERS[_name] = getattr(_module, _name)

globals().update(HELPERS)
__all__ = sorted(HELPERS)
